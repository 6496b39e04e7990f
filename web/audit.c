/*
 * audit.c: recording admin actions in the audit log and serving it (see audit.h).
 */
#include "audit.h"

#include "session.h"

#include "../core/log.h"
#include "../core/store-audit.h"
#include "../core/util.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define AUDIT_DETAIL_MAX 2000   /* longer details are cut (with "...") */

/* Member names whose values never reach the log (matched anywhere in the name, any case). */
static const char *const audit_secret_words[] = {
  "password", "pin", "card", "key", "secret", "token", "certificate", "csv", NULL
};

/* True when a member called `name` holds a secret. */
static bool audit_is_secret(const char *name)
{
  for (size_t i = 0; audit_secret_words[i]; i++)
    if (strcasestr(name, audit_secret_words[i]))
      return true;
  return false;
}

/* Replaces the secret members of `node` (objects and arrays, at any depth) in place. */
static void audit_redact(JsonNode *node)
{
  if (JSON_NODE_HOLDS_ARRAY(node)) {
    JsonArray *a = json_node_get_array(node);
    for (guint i = 0; i < json_array_get_length(a); i++)
      audit_redact(json_array_get_element(a, i));
  } else if (JSON_NODE_HOLDS_OBJECT(node)) {
    JsonObject *o = json_node_get_object(node);
    GList *names = json_object_get_members(o);
    for (GList *l = names; l; l = l->next) {
      if (audit_is_secret(l->data))
        json_object_set_string_member(o, l->data, "(hidden)");
      else
        audit_redact(json_object_get_member(o, l->data));
    }
    g_list_free(names);
  }
}

/* The request body as audit detail: `body` (its JSON, parsed, or NULL when it is not JSON)
 * with secret members replaced, or a note of its size and type; "" when empty. Caller
 * frees. */
static char *audit_detail(const web_request_t *req, JsonNode *body)
{
  char *out;
  if (!req->body_len)
    return util_strdup("");
  if (body) {
    audit_redact(body);
    gchar *text = json_to_string(body, FALSE);
    out = util_strdup(text);
    g_free(text);
  } else {
    const char *type = req->header(req, "Content-Type");
    out = util_printf("(%zu bytes of %s)", req->body_len, type ? type : "unknown type");
  }
  if (strlen(out) > AUDIT_DETAIL_MAX)
    strcpy(out + AUDIT_DETAIL_MAX - 3, "...");
  return out;
}

/* What a request acted on: the path segment after /api/COLLECTION/ ("floor1" of
 * /api/devices/floor1/test-page), else the "name" or "user" member of its JSON `body`,
 * else "". Caller frees. */
static char *audit_target(const web_request_t *req, JsonNode *body)
{
  const char *rest = req->path + strlen("/api/");
  const char *slash = strchr(rest, '/');
  if (slash && slash[1]) {
    const char *end = strchr(slash + 1, '/');
    size_t n = end ? (size_t)(end - slash - 1) : strlen(slash + 1);
    char *raw = g_strndup(slash + 1, n);
    char *t = g_uri_unescape_string(raw, NULL);
    char *r = util_strdup(t ? t : raw);
    g_free(t);
    g_free(raw);
    return r;
  }
  const char *name = NULL;
  if (body && JSON_NODE_HOLDS_OBJECT(body)) {
    JsonObject *o = json_node_get_object(body);
    name = web_json_get_str(o, "name", web_json_get_str(o, "user", NULL));
  }
  return util_strdup(name ? name : "");
}

void web_audit_record(const web_ctx_t *ctx, const web_request_t *req, const web_reply_t *rep)
{
  if (!rep->actor || !web_request_changes_state(req) || strncmp(req->path, "/api/", 5) ||
      !strncmp(req->path, "/api/release", 12))
    return;
  char *action = util_printf("%s %s", req->method, req->path);
  JsonNode *body = req->body_len ? json_from_string(req->body, NULL) : NULL;
  store_audit_t rec = {.actor = rep->actor, .remote = (char *)req->remote, .action = action,
                       .status = rep->status};
  rec.target = audit_target(req, body);     /* before the secrets are replaced */
  rec.detail = audit_detail(req, body);
  if (body)
    json_node_unref(body);
  if (!store_audit_add(ctx->sys->store, &rec))
    log_error("audit: cannot record %s by %s", action, rep->actor);
  free(rec.target);
  free(rec.detail);
  free(action);
}

/* Adds one record to the array being built. */
static void audit_json(JsonBuilder *b, const store_audit_t *r)
{
  json_builder_begin_object(b);
  web_json_int(b, "id", r->id);
  web_json_int(b, "time", r->time);
  web_json_str(b, "actor", r->actor);
  web_json_str(b, "remote", r->remote);
  web_json_str(b, "action", r->action);
  web_json_str(b, "target", r->target);
  web_json_int(b, "status", r->status);
  web_json_str(b, "detail", r->detail);
  json_builder_end_object(b);
}

/* GET /api/audit[?before=ID][&limit=N][&actor=NAME]: newest first, at most 1000. */
static void audit_get(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  web_user_t *u = web_session_require(ctx, req, rep, WEB_ROLE_ADMIN);
  if (!u)
    return;
  web_user_free(u);
  const char *before = req->query(req, "before"), *limit = req->query(req, "limit");
  int lim = limit ? atoi(limit) : 200;
  size_t n = 0;
  store_audit_t **recs = store_audit_list(ctx->sys->store, before ? atoll(before) : 0,
                                          lim > 0 && lim <= 1000 ? lim : 200,
                                          req->query(req, "actor"), &n);
  if (!recs) {
    web_reply_error(rep, 500, "cannot read the audit log");
    return;
  }
  JsonBuilder *b = json_builder_new();
  json_builder_begin_array(b);
  for (size_t i = 0; i < n; i++)
    audit_json(b, recs[i]);
  json_builder_end_array(b);
  web_reply_json(rep, 200, web_json_finish(b));
  store_audits_free(recs, n);
}

const web_route_t web_audit_routes[] = {
  {"GET", "/api/audit", audit_get},
  {NULL, NULL, NULL}
};
