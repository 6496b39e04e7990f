/*
 * api-release.c: the release API that MFD terminals, kiosks and the web portal call (JSON over
 * HTTP on quired's one server; docs/api.md "Release API").
 *
 *   POST   /api/release/login     {"pin"} | {"card"} | {"username", "password"|"pin"}
 *                                 [, "terminal"] -> {"token", "user", "expires_in"}
 *   GET    /api/release/jobs      [?device=NAME]  the user's jobs with estimates at NAME
 *   POST   /api/release           {"device", "jobs": [ids] | "all": true [, "account"]}
 *   DELETE /api/release/jobs/ID   cancel (delete) one of the user's jobs
 *   GET    /api/release/jobs/ID/thumbnail         page 1 as JPEG
 *   GET    /api/release/history   printed records and balance
 *   GET    /api/release/me        the user and their balance
 *   GET    /api/release/devices   the printers to release to (name, location, state, ...)
 *   GET    /api/release/devices/NAME             one of them, for anyone (a terminal)
 *   POST   /api/release/logout
 *
 * A login gives a random bearer token ("Authorization: Bearer T"), kept in memory, that ends
 * after [security] release-session-minutes without use (and after 12 hours in any case) or
 * at logout. Without an Authorization header, the web console's session cookie (user or
 * admin, CSRF token on changes) stands for the login: that is the portal (/). Every call
 * acts only on that one user: another user's job is "not found", an admin's included.
 */
#include "api-release.h"
#include "session.h"

#include "../core/device.h"
#include "../core/job.h"
#include "../core/log.h"
#include "../core/release.h"
#include "../core/util.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RELEASE_SESSIONS 256
#define RELEASE_MAX_SECONDS (12 * 3600)
#define RELEASE_MAX_JOBS 500

/* One terminal login. */
typedef struct release_session_s {
  char token[65];          /* hex of 32 random bytes; "" when the slot is free */
  char user[80];
  char terminal[64];
  time_t created, used;
} release_session_t;

static pthread_mutex_t release_lock = PTHREAD_MUTEX_INITIALIZER;
static release_session_t release_sessions[RELEASE_SESSIONS];

/* Idle lifetime of a session in seconds, from the configuration. */
static int release_idle_seconds(quire_system_t *sys)
{
  pthread_rwlock_rdlock(&sys->config_lock);
  int s = sys->config->security.release_session_minutes * 60;
  pthread_rwlock_unlock(&sys->config_lock);
  return s;
}

/* Creates a session for `user`; false when no random bytes could be had. */
static bool release_session_new(const char *user, const char *terminal, char token[65])
{
  unsigned char rnd[32];
  if (RAND_bytes(rnd, sizeof(rnd)) != 1)
    return false;
  for (int i = 0; i < 32; i++)
    snprintf(token + 2 * i, 3, "%02x", rnd[i]);
  time_t now = time(NULL);
  pthread_mutex_lock(&release_lock);
  release_session_t *slot = &release_sessions[0];
  for (int i = 0; i < RELEASE_SESSIONS; i++) {
    if (!release_sessions[i].token[0]) {
      slot = &release_sessions[i];
      break;
    }
    if (release_sessions[i].used < slot->used)
      slot = &release_sessions[i]; /* all in use: the least recently used goes */
  }
  snprintf(slot->token, sizeof(slot->token), "%s", token);
  snprintf(slot->user, sizeof(slot->user), "%s", user);
  snprintf(slot->terminal, sizeof(slot->terminal), "%s", terminal ? terminal : "");
  slot->created = slot->used = now;
  pthread_mutex_unlock(&release_lock);
  return true;
}

/* The session of the request's bearer token (user copied into `user`), refreshed; false when
 * there is none or it expired. With `end`, the session is ended instead. */
static bool release_session_find(quire_system_t *sys, const web_request_t *req, char *user,
                                 size_t len, bool end)
{
  const char *auth = req->header(req, "Authorization");
  if (!auth || strncmp(auth, "Bearer ", 7) || strlen(auth + 7) != 64)
    return false;
  int idle = release_idle_seconds(sys);
  time_t now = time(NULL);
  bool found = false;
  pthread_mutex_lock(&release_lock);
  for (int i = 0; i < RELEASE_SESSIONS && !found; i++) {
    release_session_t *s = &release_sessions[i];
    if (!s->token[0] || CRYPTO_memcmp(s->token, auth + 7, 64) != 0)
      continue;
    if (now - s->used > idle || now - s->created > RELEASE_MAX_SECONDS || end) {
      memset(s, 0, sizeof(*s));
      found = end;
      break;
    }
    s->used = now;
    snprintf(user, len, "%s", s->user);
    found = true;
  }
  pthread_mutex_unlock(&release_lock);
  return found;
}

/* The logged-in user of the request, or NULL with the refusal set. A request with an
 * Authorization header is a terminal's (its bearer token, else 401); one without is the web
 * portal's: the console session cookie of a user or an admin, with the CSRF token on state
 * changes (web_session_require sets 401/403). Either way the caller acts as that user only.
 * Caller frees. */
static store_user_t *release_user(const web_ctx_t *ctx, const web_request_t *req,
                                  web_reply_t *rep)
{
  char name[80];
  store_user_t *u = NULL;
  if (req->header(req, "Authorization")) {
    if (release_session_find(ctx->sys, req, name, sizeof(name), false))
      u = store_user_get(ctx->sys->store, name);
    if (!u)
      web_reply_error(rep, 401, "Please log in again.");
    return u;
  }
  web_user_t *w = web_session_require(ctx, req, rep, WEB_ROLE_USER | WEB_ROLE_ADMIN);
  if (!w)
    return NULL;
  if (!w->by_token)
    u = store_user_get(ctx->sys->store, w->name);
  if (!u)
    web_reply_error(rep, 401, "Please log in again.");
  web_user_free(w);
  return u;
}

/* Adds the user object of login and history answers. */
static void release_json_user(const web_ctx_t *ctx, JsonBuilder *b, const store_user_t *u)
{
  char money[32];
  store_balance_t *bal = store_balance_get(ctx->sys->store, u->name);
  money_format(bal ? bal->balance : 0, money, sizeof(money));
  json_builder_set_member_name(b, "user");
  json_builder_begin_object(b);
  web_json_str(b, "name", u->name);
  web_json_str(b, "full_name", u->full_name ? u->full_name : u->name);
  web_json_str(b, "balance", money);
  pthread_rwlock_rdlock(&ctx->sys->config_lock);
  web_json_str(b, "currency", ctx->sys->config->accounting.currency);
  pthread_rwlock_unlock(&ctx->sys->config_lock);
  web_json_bool(b, "restricted", u->restricted);
  web_json_bool(b, "admin", u->admin);
  json_builder_end_object(b);
  store_balance_free(bal);
}

static void release_login(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  JsonNode *root = web_json_body(req, rep);
  if (!root)
    return;
  JsonObject *o = json_node_get_object(root);
  const char *name = web_json_get_str(o, "username", NULL);
  const char *password = web_json_get_str(o, "password", NULL);
  const char *pin = web_json_get_str(o, "pin", NULL);
  const char *card = web_json_get_str(o, "card", NULL);
  const char *terminal = web_json_get_str(o, "terminal", NULL);
  store_user_t *u = NULL;
  char msg[256] = "Give a PIN, a card number, or a user name and password.";
  users_login_t r = USERS_LOGIN_WRONG;
  users_t *users = ctx->sys->users;
  if (card)
    r = users_login_card(users, card, req->remote, &u, msg, sizeof(msg));
  else if (pin)
    r = users_login_pin(users, name, pin, req->remote, &u, msg, sizeof(msg));
  else if (name && password)
    r = users_login_password(users, name, password, req->remote, &u, msg, sizeof(msg));
  char token[65];
  if (r == USERS_LOGIN_OK && release_session_new(u->name, terminal, token)) {
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    web_json_str(b, "token", token);
    web_json_int(b, "expires_in", release_idle_seconds(ctx->sys));
    release_json_user(ctx, b, u);
    json_builder_end_object(b);
    web_reply_json(rep, 200, web_json_finish(b));
    log_info("release: %s logged in at %s (%s)", u->name, terminal ? terminal : req->remote,
             card ? "card" : pin ? "PIN" : "password");
  } else {
    static const char *const reasons[] = {"ok", "wrong", "locked", "throttled", "error"};
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    web_json_str(b, "error", r == USERS_LOGIN_OK ? "Cannot start a session." : msg);
    web_json_str(b, "reason", reasons[r]);
    json_builder_end_object(b);
    web_reply_json(rep, r == USERS_LOGIN_ERROR || r == USERS_LOGIN_OK ? 500
                        : r == USERS_LOGIN_THROTTLED ? 429 : r == USERS_LOGIN_LOCKED ? 403 : 401,
                   web_json_finish(b));
  }
  store_user_free(u);
  json_node_unref(root);
}

/* Adds one job of a listing. */
static void release_json_job(JsonBuilder *b, const release_job_t *j)
{
  char cost[32];
  money_format(j->cost.cost, cost, sizeof(cost));
  json_builder_begin_object(b);
  web_json_int(b, "id", j->id);
  web_json_str(b, "name", j->name);
  web_json_str(b, "queue", j->queue);
  web_json_str(b, "state", j->state == JOB_HELD ? "held" : "printing");
  web_json_bool(b, "ready", j->ready);
  web_json_int(b, "pages", j->pages);
  web_json_int(b, "color_pages", j->color_pages);
  web_json_int(b, "copies", j->copies);
  web_json_int(b, "impressions", j->cost.impressions);
  web_json_int(b, "sheets", j->cost.sheets);
  web_json_bool(b, "duplex", j->duplex);
  web_json_bool(b, "mono", j->mono);
  web_json_str(b, "cost", cost);
  web_json_str(b, "account", j->account);
  web_json_int(b, "created", j->created);
  web_json_int(b, "age_seconds", time(NULL) - j->created);
  if (j->thumbnail) {
    char *url = util_printf("/api/release/jobs/%d/thumbnail", j->id);
    web_json_str(b, "thumbnail", url);
    free(url);
  }
  json_builder_end_object(b);
}

static void release_jobs_get(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  store_user_t *u = release_user(ctx, req, rep);
  if (!u)
    return;
  size_t n = 0;
  const char *device = req->query(req, "device");
  release_job_t *jobs = release_list(ctx->sys, u, device, &n);
  if (!jobs) {
    web_reply_error(rep, 500, "Cannot list the jobs.");
    store_user_free(u);
    return;
  }
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  release_json_user(ctx, b, u);
  web_json_str(b, "device", device ? device : "");
  json_builder_set_member_name(b, "jobs");
  json_builder_begin_array(b);
  for (size_t i = 0; i < n; i++)
    release_json_job(b, &jobs[i]);
  json_builder_end_array(b);
  json_builder_end_object(b);
  web_reply_json(rep, 200, web_json_finish(b));
  release_jobs_free(jobs, n);
  store_user_free(u);
}

/* Reads the "jobs" id array of a release request; NULL with 400 set when malformed. */
static int *release_ids(JsonObject *o, size_t *n, web_reply_t *rep)
{
  JsonNode *node = json_object_get_member(o, "jobs");
  JsonArray *a = node && JSON_NODE_HOLDS_ARRAY(node) ? json_node_get_array(node) : NULL;
  *n = a ? json_array_get_length(a) : 0;
  if (!a || *n == 0 || *n > RELEASE_MAX_JOBS) {
    web_reply_error(rep, 400, "Give \"jobs\": [ids] (1 to %d) or \"all\": true.",
                    RELEASE_MAX_JOBS);
    return NULL;
  }
  int *ids = calloc(*n, sizeof(*ids));
  if (!ids)
    abort();
  for (size_t i = 0; i < *n; i++) {
    JsonNode *e = json_array_get_element(a, (guint)i);
    if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_INT64) {
      web_reply_error(rep, 400, "Job ids are numbers.");
      free(ids);
      return NULL;
    }
    ids[i] = (int)json_node_get_int(e);
  }
  return ids;
}

static void release_post(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  store_user_t *u = release_user(ctx, req, rep);
  JsonNode *root = u ? web_json_body(req, rep) : NULL;
  if (!root) {
    store_user_free(u);
    return;
  }
  JsonObject *o = json_node_get_object(root);
  bool all = web_json_get_bool(o, "all", false);
  size_t n = 0;
  int *ids = all ? NULL : release_ids(o, &n, rep);
  release_result_t *res = NULL;
  size_t nres = 0;
  char why[256];
  if (!all && !ids) {
    /* 400 already set */
  } else if (!release_jobs(ctx->sys, u, ids, n, all, web_json_get_str(o, "device", NULL),
                           web_json_get_str(o, "account", NULL), &res, &nres, why,
                           sizeof(why))) {
    web_reply_error(rep, 409, "%s", why);
  } else {
    JsonBuilder *b = json_builder_new();
    size_t ok = 0;
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "results");
    json_builder_begin_array(b);
    for (size_t i = 0; i < nres; i++) {
      json_builder_begin_object(b);
      web_json_int(b, "id", res[i].id);
      web_json_bool(b, "released", res[i].released);
      web_json_str(b, "message", res[i].message);
      json_builder_end_object(b);
      ok += res[i].released;
    }
    json_builder_end_array(b);
    web_json_int(b, "released", (gint64)ok);
    web_json_int(b, "refused", (gint64)(nres - ok));
    json_builder_end_object(b);
    web_reply_json(rep, 200, web_json_finish(b));
  }
  free(res);
  free(ids);
  json_node_unref(root);
  store_user_free(u);
}

/* DELETE /api/release/jobs/ID and GET /api/release/jobs/ID/thumbnail. */
static void release_job_item(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  int id = 0, end = 0;
  bool thumb = false;
  if (sscanf(req->path, "/api/release/jobs/%d%n", &id, &end) != 1 ||
      (req->path[end] && !(thumb = !strcmp(req->path + end, "/thumbnail")))) {
    web_reply_error(rep, 404, "not found");
    return;
  }
  if (thumb != !strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) {
    web_reply_error(rep, 405, "method %s not allowed here", req->method);
    return;
  }
  store_user_t *u = release_user(ctx, req, rep);
  if (!u)
    return;
  store_job_t *job = store_job_get(ctx->sys->store, id);
  if (!job || strcmp(job->owner, u->name)) {
    web_reply_error(rep, 404, "No such job.");
  } else if (thumb) {
    gchar *data = NULL;
    gsize len = 0;
    if (job->thumbnail && g_file_get_contents(job->thumbnail, &data, &len, NULL))
      web_reply_data(rep, 200, "image/jpeg", data, len);
    else
      web_reply_error(rep, 404, "This job has no preview.");
    g_free(data);
  } else {
    job_actor_t actor = {u->name, false};
    job_result_t r = job_cancel(ctx->sys, &actor, id, "job-canceled-by-user");
    if (r == JOB_OK)
      web_reply_json(rep, 200, util_printf("{\"id\": %d, \"deleted\": true}\n", id));
    else
      web_reply_error(rep, 409, "The job can no longer be deleted.");
  }
  store_job_free(job);
  store_user_free(u);
}

static void release_history(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  store_user_t *u = release_user(ctx, req, rep);
  if (!u)
    return;
  size_t n = 0;
  store_record_t **recs = store_journal_user(ctx->sys->store, u->name, 200, &n);
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  release_json_user(ctx, b, u);
  json_builder_set_member_name(b, "printed");
  json_builder_begin_array(b);
  for (size_t i = 0; recs && i < n; i++) {
    store_record_t *r = recs[i];
    char cost[32];
    money_format(r->cost, cost, sizeof(cost));
    json_builder_begin_object(b);
    web_json_int(b, "job", r->job_id);
    web_json_str(b, "device", r->device);
    web_json_int(b, "printed", r->printed);
    web_json_int(b, "pages", r->pages);
    web_json_int(b, "sheets", r->sheets);
    web_json_int(b, "color_pages", r->color_pages);
    web_json_bool(b, "duplex", r->duplex);
    web_json_str(b, "cost", cost);
    web_json_str(b, "account", r->account);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
  web_reply_json(rep, 200, web_json_finish(b));
  store_records_free(recs, n);
  store_user_free(u);
}

/* GET /api/release/me: who is logged in, with their balance. */
static void release_me(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  store_user_t *u = release_user(ctx, req, rep);
  if (!u)
    return;
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  release_json_user(ctx, b, u);
  json_builder_end_object(b);
  web_reply_json(rep, 200, web_json_finish(b));
  store_user_free(u);
}

/* Adds one device as a user or a terminal sees it: no URI, no capabilities beyond colour
 * and two-sided, the state and whether jobs may be released there now. */
static void release_json_device(JsonBuilder *b, const device_t *d)
{
  char why[512];
  bool ok = device_can_release_public(d, why, sizeof(why));
  json_builder_begin_object(b);
  web_json_str(b, "name", d->name);
  web_json_str(b, "location", d->location);
  web_json_str(b, "info", d->info);
  web_json_bool(b, "color", d->color);
  web_json_bool(b, "duplex", d->duplex);
  web_json_str(b, "state", !d->checked ? "unknown" : !d->reachable ? "unreachable"
                           : device_state_name(d->printer_state));
  web_json_str(b, "message", d->state_message);
  web_json_bool(b, "can_release", ok);
  if (!ok)
    web_json_str(b, "why_not", why);
  json_builder_end_object(b);
}

/* GET /api/release/devices: the devices a logged-in user may pick, in name order. */
static void release_devices(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  store_user_t *u = release_user(ctx, req, rep);
  if (!u)
    return;
  size_t n = 0;
  device_t **list = device_list(ctx->sys, &n);
  if (!list) {
    web_reply_error(rep, 500, "Cannot read the printers.");
    store_user_free(u);
    return;
  }
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "devices");
  json_builder_begin_array(b);
  for (size_t i = 0; i < n; i++)
    release_json_device(b, list[i]);
  json_builder_end_array(b);
  json_builder_end_object(b);
  web_reply_json(rep, 200, web_json_finish(b));
  devices_free(list, n);
  store_user_free(u);
}

/* GET /api/release/devices/NAME: one device, for anyone: a terminal shows the printer it is
 * bound to before anybody logs in. */
static void release_device_one(const web_ctx_t *ctx, const web_request_t *req,
                               web_reply_t *rep)
{
  const char *name = req->path + strlen("/api/release/devices/");
  device_t *d = *name && !strchr(name, '/') ? device_get(ctx->sys, name) : NULL;
  if (!d) {
    web_reply_error(rep, 404, "There is no printer \"%s\".", name);
    return;
  }
  JsonBuilder *b = json_builder_new();
  release_json_device(b, d);
  web_reply_json(rep, 200, web_json_finish(b));
  device_free(d);
}

static void release_logout(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  char user[80];
  if (release_session_find(ctx->sys, req, user, sizeof(user), true))
    web_reply_json(rep, 200, util_strdup("{\"logged_out\": true}\n"));
  else
    web_reply_error(rep, 401, "Not logged in.");
}

const web_route_t api_release_routes[] = {
  {"POST", "/api/release/login", release_login},
  {"POST", "/api/release/logout", release_logout},
  {"GET", "/api/release/jobs", release_jobs_get},
  {NULL, "/api/release/jobs/*", release_job_item},
  {"GET", "/api/release/history", release_history},
  {"GET", "/api/release/me", release_me},
  {"GET", "/api/release/devices", release_devices},
  {"GET", "/api/release/devices/*", release_device_one},
  {"POST", "/api/release", release_post},
  {NULL, NULL, NULL}
};
