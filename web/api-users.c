/*
 * api-users.c: users and groups in the admin API (api-users.h, docs/api.md "Users and
 * groups"). Every change goes through core/users.h, the same code as `quire user ...`; no
 * answer ever carries a password hash, a PIN or a card number, except the one reply that
 * hands out a newly generated PIN.
 */
#include "api-users.h"

#include "session.h"

#include "../core/accounting.h"
#include "../core/log.h"
#include "../core/users.h"
#include "../core/util.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define USERS_PREFIX "/api/users/"

/* The admin asking, or NULL with 401/403 set. Caller frees. */
static web_user_t *users_admin(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  return web_session_require(ctx, req, rep, WEB_ROLE_ADMIN);
}

/* The user name of /api/users/NAME[/what] into `name`, and `what` ("" when absent). False
 * (404 set) when the path holds no valid name or more than one segment after it. */
static bool users_path(const web_request_t *req, char *name, size_t size, const char **what,
                       web_reply_t *rep)
{
  const char *p = req->path + strlen(USERS_PREFIX);
  const char *slash = strchr(p, '/');
  size_t n = slash ? (size_t)(slash - p) : strlen(p);
  *what = slash ? slash + 1 : "";
  if (n == 0 || n >= size || strchr(*what, '/')) {
    web_reply_error(rep, 404, "not found");
    return false;
  }
  snprintf(name, size, "%.*s", (int)n, p);
  if (!users_name_valid(name)) {
    web_reply_error(rep, 404, "no user %s", name);
    return false;
  }
  return true;
}

/* Adds "name": the comma-separated list as an array of strings. */
static void users_json_list(JsonBuilder *b, const char *name, const char *csv)
{
  char **parts = g_strsplit(csv ? csv : "", ",", -1);
  json_builder_set_member_name(b, name);
  json_builder_begin_array(b);
  for (size_t i = 0; parts[i]; i++)
    if (*parts[i])
      json_builder_add_string_value(b, parts[i]);
  json_builder_end_array(b);
  g_strfreev(parts);
}

/* One user as the console shows it: profile, lock, which credentials exist (not what they
 * are), balance. */
static void users_json_user(const web_ctx_t *ctx, JsonBuilder *b, const store_user_t *u)
{
  store_t *store = ctx->sys->store;
  store_balance_t *bal = store_balance_get(store, u->name);
  char money[32], credit[32];
  money_format(bal ? bal->balance : 0, money, sizeof(money));
  money_format(bal ? bal->credit : 0, credit, sizeof(credit));
  store_balance_free(bal);
  json_builder_begin_object(b);
  web_json_str(b, "name", u->name);
  web_json_str(b, "full_name", u->full_name);
  web_json_str(b, "email", u->email);
  users_json_list(b, "groups", u->groups);
  web_json_bool(b, "admin", u->admin);
  web_json_bool(b, "restricted", u->restricted);
  web_json_bool(b, "locked", users_is_locked(u, time(NULL)));
  web_json_int(b, "locked_until", u->locked_until);
  web_json_int(b, "failures", u->failed_logins);
  web_json_bool(b, "has_password", u->password_hash && *u->password_hash);
  web_json_int(b, "pins", store_cred_count(store, u->name, STORE_CRED_PIN));
  web_json_int(b, "cards", store_cred_count(store, u->name, STORE_CRED_CARD));
  web_json_str(b, "balance", money);
  web_json_str(b, "credit", credit);
  web_json_int(b, "created", u->created);
  web_json_int(b, "last_login", u->last_login);
  json_builder_end_object(b);
}

/* Replies with the user `name` as stored now (status `status`), 404 if there is none. */
static void users_reply_user(const web_ctx_t *ctx, web_reply_t *rep, int status,
                             const char *name)
{
  store_user_t *u = store_user_get(ctx->sys->store, name);
  if (!u) {
    web_reply_error(rep, 404, "no user %s", name);
    return;
  }
  JsonBuilder *b = json_builder_new();
  users_json_user(ctx, b, u);
  store_user_free(u);
  web_reply_json(rep, status, web_json_finish(b));
}

static void users_list(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  web_user_t *me = users_admin(ctx, req, rep);
  if (!me)
    return;
  size_t n = 0;
  store_user_t **list = store_user_list(ctx->sys->store, &n);
  if (!list) {
    web_reply_error(rep, 500, "cannot read the users");
  } else {
    JsonBuilder *b = json_builder_new();
    json_builder_begin_array(b);
    for (size_t i = 0; i < n; i++)
      users_json_user(ctx, b, list[i]);
    json_builder_end_array(b);
    web_reply_json(rep, 200, web_json_finish(b));
  }
  store_users_free(list, n);
  web_user_free(me);
}

/* "groups": an array of names or a string "a,b"; malloc'd comma-separated, NULL if absent. */
static char *users_groups_member(JsonObject *o)
{
  JsonNode *n = json_object_get_member(o, "groups");
  if (!n || !JSON_NODE_HOLDS_ARRAY(n))
    return util_strdup(web_json_get_str(o, "groups", NULL));
  JsonArray *a = json_node_get_array(n);
  GString *s = g_string_new("");
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonNode *e = json_array_get_element(a, i);
    if (JSON_NODE_HOLDS_VALUE(e) && json_node_get_value_type(e) == G_TYPE_STRING)
      g_string_append_printf(s, "%s%s", s->len ? "," : "", json_node_get_string(e));
  }
  char *r = util_strdup(s->str);
  g_string_free(s, TRUE);
  return r;
}

/* A flag member: 1, 0, or -1 when absent. */
static int users_flag(JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member(o, name);
  if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
    return -1;
  return json_node_get_boolean(n) ? 1 : 0;
}

/* HTTP status of a users_save outcome. */
static int users_save_status(users_save_t r)
{
  return r == USERS_SAVE_INVALID ? 400 : r == USERS_SAVE_EXISTS ? 409
         : r == USERS_SAVE_NO_USER ? 404 : 500;
}

/* Creates (POST /api/users) or changes (PUT /api/users/NAME) a user from the JSON body. */
static void users_put(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep,
                      web_user_t *me, const char *name, JsonObject *o, bool create)
{
  pthread_rwlock_rdlock(&ctx->sys->config_lock);
  bool restrict_new = ctx->sys->config->accounting.restrict_new_users;
  pthread_rwlock_unlock(&ctx->sys->config_lock);
  char *groups = users_groups_member(o);
  users_edit_t e = {.full_name = web_json_get_str(o, "full_name", NULL),
                    .email = web_json_get_str(o, "email", NULL), .groups = groups,
                    .password = web_json_get_str(o, "password", NULL),
                    .admin = users_flag(o, "admin"), .restricted = users_flag(o, "restricted"),
                    .restrict_new = restrict_new};
  char *err = NULL;
  bool was_admin = false;
  (void)req;
  if (!create && !me->by_token && !strcmp(me->name, name) && e.admin == 0) {
    web_reply_error(rep, 409, "You cannot take away your own administrator role; ask another "
                              "administrator.");
  } else {
    users_save_t r = users_save(ctx->sys->users, name, &e, create, &was_admin, &err);
    if (r != USERS_SAVE_OK) {
      web_reply_error(rep, users_save_status(r), "%s", err);
    } else {
      if (!create && e.admin >= 0 && was_admin != (e.admin == 1)) {
        web_sessions_drop_user(ctx->sessions, name);   /* the role changed: log in again */
        log_info("web: %s is %s an administrator; their sessions ended", name,
                 e.admin ? "now" : "no longer");
      }
      log_info("web: %s %s user %s", me->name, create ? "added" : "changed", name);
      users_reply_user(ctx, rep, create ? 201 : 200, name);
    }
  }
  free(err);
  free(groups);
}

static void users_create(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  web_user_t *me = users_admin(ctx, req, rep);
  JsonNode *root = me ? web_json_body(req, rep) : NULL;
  if (root) {
    JsonObject *o = json_node_get_object(root);
    const char *name = web_json_get_str(o, "name", NULL);
    if (!name)
      web_reply_error(rep, 400, "give the user's \"name\"");
    else
      users_put(ctx, req, rep, me, name, o, true);
    json_node_unref(root);
  }
  web_user_free(me);
}

/* GET, PUT and DELETE /api/users/NAME. */
static void users_item(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  char name[80];
  const char *what = NULL;
  web_user_t *me = users_admin(ctx, req, rep);
  if (!me || !users_path(req, name, sizeof(name), &what, rep)) {
    web_user_free(me);
    return;
  }
  if (*what) {
    web_reply_error(rep, 404, "not found");
  } else if (!strcmp(req->method, "GET") || !strcmp(req->method, "HEAD")) {
    users_reply_user(ctx, rep, 200, name);
  } else if (!strcmp(req->method, "PUT")) {
    JsonNode *root = web_json_body(req, rep);
    if (root)
      users_put(ctx, req, rep, me, name, json_node_get_object(root), false);
    if (root)
      json_node_unref(root);
  } else if (!me->by_token && !strcmp(me->name, name)) {
    web_reply_error(rep, 409, "You cannot delete yourself; ask another administrator.");
  } else if (!users_delete(ctx->sys->users, name)) {
    web_reply_error(rep, 404, "no user %s", name);
  } else {
    web_sessions_drop_user(ctx->sessions, name);
    log_info("web: %s deleted user %s; their sessions ended", me->name, name);
    web_reply_json(rep, 200, util_printf("{\"deleted\": \"%s\"}\n", name));
  }
  web_user_free(me);
}

/* POST /api/users/NAME/pin: {"pin": "1234"} sets it, {"clear": true} removes every PIN,
 * otherwise a new PIN of "digits" (default 6) is made and answered once. */
static void users_pin(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep,
                      const char *name, JsonObject *o)
{
  const char *pin = web_json_get_str(o, "pin", NULL), *why = NULL;
  char *err = NULL, *made = NULL, norm[64];
  gint64 digits = web_json_get_int(o, "digits", 6);
  int status = 200;
  (void)req;
  /* Bad input is refused here (400); what fails after that is the store's fault (500). */
  if (pin && !users_secret_normalise(STORE_CRED_PIN, pin, norm, sizeof(norm), &why)) {
    status = 400, err = util_strdup(why);
  } else if (!pin && (digits < 4 || digits > 12)) {
    status = 400, err = util_strdup("a PIN has 4 to 12 digits");
  } else if (web_json_get_bool(o, "clear", false)) {
    if (!store_cred_clear(ctx->sys->store, name, STORE_CRED_PIN, NULL))
      status = 500, err = util_strdup("cannot clear the PINs");
  } else if (pin) {
    store_cred_result_t r = users_set_pin(ctx->sys->users, name, pin, &err);
    status = r == STORE_CRED_ADDED ? 200 : r == STORE_CRED_DUPLICATE ? 409
             : r == STORE_CRED_NO_USER ? 404 : 500;
  } else if (!(made = users_generate_pin(ctx->sys->users, name, (int)digits, &err))) {
    status = 500;
  }
  if (status == 200) {
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    web_json_str(b, "user", name);
    if (made)
      web_json_str(b, "pin", made);   /* shown once: only its hash is kept */
    web_json_int(b, "pins", store_cred_count(ctx->sys->store, name, STORE_CRED_PIN));
    json_builder_end_object(b);
    web_reply_json(rep, 200, web_json_finish(b));
    log_info("web: PIN of %s %s", name, made ? "reset" : pin ? "set" : "cleared");
  } else {
    web_reply_error(rep, status, "%s", err);
  }
  if (made)
    OPENSSL_cleanse(made, strlen(made));
  free(made);
  free(err);
}

/* POST /api/users/NAME/cards {"card"} adds a card; DELETE removes every card of the user. */
static void users_cards(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep,
                        const char *name, JsonObject *o)
{
  char *err = NULL;
  if (!strcmp(req->method, "DELETE")) {
    int removed = 0;
    if (!store_cred_clear(ctx->sys->store, name, STORE_CRED_CARD, &removed))
      web_reply_error(rep, 500, "cannot remove the cards of %s", name);
    else
      web_reply_json(rep, 200, util_printf("{\"user\": \"%s\", \"removed\": %d}\n", name,
                                           removed));
    return;
  }
  const char *card = web_json_get_str(o, "card", NULL);
  store_cred_result_t r = card ? users_add_credential(ctx->sys->users, name, STORE_CRED_CARD,
                                                      card, &err)
                               : STORE_CRED_ERROR;
  if (r == STORE_CRED_ADDED)
    web_reply_json(rep, 201, util_printf("{\"user\": \"%s\", \"cards\": %d}\n", name,
                                         store_cred_count(ctx->sys->store, name,
                                                          STORE_CRED_CARD)));
  else
    web_reply_error(rep, r == STORE_CRED_DUPLICATE ? 409 : 400, "%s",
                    err ? err : "give the card number as \"card\"");
  free(err);
}

/* The JSON body as an object node (an empty object when there is no body); NULL with 400. */
static JsonNode *users_body(const web_request_t *req, web_reply_t *rep)
{
  if (req->body_len)
    return web_json_body(req, rep);
  JsonNode *n = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(n, json_object_new());
  return n;
}

/* POST /api/users/NAME/pin|unlock|cards, DELETE /api/users/NAME/cards. */
static void users_action(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  char name[80];
  const char *what = NULL;
  web_user_t *me = users_admin(ctx, req, rep);
  if (!me || !users_path(req, name, sizeof(name), &what, rep)) {
    web_user_free(me);
    return;
  }
  store_user_t *u = store_user_get(ctx->sys->store, name);
  bool del = !strcmp(req->method, "DELETE");
  JsonNode *root = u && !del ? users_body(req, rep) : NULL;
  JsonObject *o = root ? json_node_get_object(root) : NULL;
  if (!u)
    web_reply_error(rep, 404, "no user %s", name);
  else if (!del && !root)
    ; /* 400 set */
  else if (!strcmp(what, "pin") && !del)
    users_pin(ctx, req, rep, name, o);
  else if (!strcmp(what, "cards"))
    users_cards(ctx, req, rep, name, o);
  else if (!strcmp(what, "unlock") && !del && users_unlock(ctx->sys->users, name))
    users_reply_user(ctx, rep, 200, name);
  else if (!strcmp(what, "unlock") && !del)
    web_reply_error(rep, 500, "cannot unlock %s", name);
  else   /* DELETE of pin or unlock: the route table lets DELETE through for cards only */
    web_reply_error(rep, 405, "method %s not allowed here", req->method);
  if (u && strcmp(what, "unlock"))
    log_info("web: %s: %s %s of %s", me->name, req->method, what, name);
  store_user_free(u);
  if (root)
    json_node_unref(root);
  web_user_free(me);
}

/* The CSV text of an import: the body itself (text/csv), or the "csv" member of a JSON body.
 * Borrowed from `req` or `root`; NULL with 400 set. */
static const char *users_import_text(const web_request_t *req, web_reply_t *rep,
                                     JsonNode **root, size_t *len)
{
  const char *type = req->header(req, "Content-Type");
  if (type && !strncasecmp(type, "text/csv", 8)) {
    *len = req->body_len;
    return req->body;
  }
  if (!(*root = web_json_body(req, rep)))
    return NULL;
  const char *csv = web_json_get_str(json_node_get_object(*root), "csv", NULL);
  if (!csv)
    web_reply_error(rep, 400, "send the CSV as text/csv, or as {\"csv\": text}");
  *len = csv ? strlen(csv) : 0;
  return csv;
}

/* Adds "errors": one {"line", "message"} per line of the import report. */
static void users_import_errors(JsonBuilder *b, const char *report)
{
  char **lines = g_strsplit(report ? report : "", "\n", -1);
  json_builder_set_member_name(b, "errors");
  json_builder_begin_array(b);
  for (size_t i = 0; lines[i]; i++) {
    long line = 0;
    int off = 0;
    if (!*lines[i])
      continue;
    if (sscanf(lines[i], "line %ld: %n", &line, &off) < 1 || off == 0)
      off = 0;
    json_builder_begin_object(b);
    web_json_int(b, "line", line);
    web_json_str(b, "message", lines[i] + off);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  g_strfreev(lines);
}

/* Ends the sessions of users whose admin flag differs between `before` and now. */
static void users_drop_changed_roles(const web_ctx_t *ctx, store_user_t **before, size_t n)
{
  for (size_t i = 0; before && i < n; i++) {
    store_user_t *now = store_user_get(ctx->sys->store, before[i]->name);
    if (now && now->admin != before[i]->admin)
      web_sessions_drop_user(ctx->sessions, now->name);
    store_user_free(now);
  }
}

/* POST /api/users/import: users_import_csv on the body, with its report as JSON. */
static void users_import(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  web_user_t *me = users_admin(ctx, req, rep);
  JsonNode *root = NULL;
  size_t len = 0;
  const char *csv = me ? users_import_text(req, rep, &root, &len) : NULL;
  char *report = NULL;
  size_t report_len = 0;
  FILE *in = csv && len ? fmemopen((void *)csv, len, "r") : NULL;
  FILE *out = in ? open_memstream(&report, &report_len) : NULL;
  if (csv && !len) {
    web_reply_error(rep, 400, "the CSV is empty");
  } else if (csv && (!in || !out)) {
    web_reply_error(rep, 500, "cannot read the CSV");
  } else if (csv) {
    int imported = 0, failed = 0;
    size_t n = 0;
    store_user_t **before = store_user_list(ctx->sys->store, &n);
    bool ok = users_import_csv(ctx->sys->users, in, out, &imported, &failed);
    fclose(out);
    out = NULL;
    users_drop_changed_roles(ctx, before, n);
    store_users_free(before, n);
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    web_json_bool(b, "ok", ok);
    web_json_int(b, "imported", imported);
    web_json_int(b, "failed", failed);
    users_import_errors(b, report);
    if (!ok)
      web_json_str(b, "error", report && *report ? g_strstrip(report) : "cannot import");
    json_builder_end_object(b);
    web_reply_json(rep, ok ? 200 : 400, web_json_finish(b));
    log_info("web: %s imported %d user(s), %d row(s) refused", me->name, imported, failed);
  }
  if (out)
    fclose(out);
  if (in)
    fclose(in);
  free(report);
  if (root)
    json_node_unref(root);
  web_user_free(me);
}

/* Orders group names (GTree). */
static gint users_name_cmp(gconstpointer a, gconstpointer b, gpointer data)
{
  (void)data;
  return strcmp(a, b);
}

/* GET /api/groups: every group named by a user, with its members. */
static void users_groups(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  web_user_t *me = users_admin(ctx, req, rep);
  if (!me)
    return;
  size_t n = 0;
  store_user_t **list = store_user_list(ctx->sys->store, &n);
  GTree *names = g_tree_new_full(users_name_cmp, NULL, g_free, NULL);
  for (size_t i = 0; list && i < n; i++) {
    char **parts = g_strsplit(list[i]->groups ? list[i]->groups : "", ",", -1);
    for (size_t j = 0; parts[j]; j++)
      if (*parts[j])
        g_tree_insert(names, g_strdup(parts[j]), NULL);
    g_strfreev(parts);
  }
  bool read = list != NULL;
  store_users_free(list, n);
  JsonBuilder *b = json_builder_new();
  json_builder_begin_array(b);
  GTreeNode *node = g_tree_node_first(names);
  for (; node; node = g_tree_node_next(node)) {
    const char *group = g_tree_node_key(node);
    size_t m = 0;
    char **members = store_group_members(ctx->sys->store, group, &m);
    json_builder_begin_object(b);
    web_json_str(b, "name", group);
    json_builder_set_member_name(b, "members");
    json_builder_begin_array(b);
    for (size_t k = 0; members && k < m; k++)
      json_builder_add_string_value(b, members[k]);
    json_builder_end_array(b);
    json_builder_end_object(b);
    store_strings_free(members, m);
  }
  json_builder_end_array(b);
  g_tree_destroy(names);
  char *json = web_json_finish(b);
  if (read)
    web_reply_json(rep, 200, json);
  else
    web_reply_error(rep, 500, "cannot read the users");
  if (!read)
    free(json);
  web_user_free(me);
}

const web_route_t api_users_routes[] = {
  {"GET", "/api/users", users_list},
  {"POST", "/api/users", users_create},
  {"POST", "/api/users/import", users_import},
  {"POST", "/api/users/*/pin", users_action},   /* changes: never reachable by a GET */
  {"POST", "/api/users/*/unlock", users_action},
  {"POST", "/api/users/*/cards", users_action},
  {"DELETE", "/api/users/*/cards", users_action},
  {"GET", "/api/users/*", users_item},
  {"PUT", "/api/users/*", users_item},
  {"DELETE", "/api/users/*", users_item},
  {"GET", "/api/groups", users_groups},
  {NULL, NULL, NULL}
};
