/*
 * api-queues.c: the admin API of queues: list, add, edit and remove, with the checks of every
 * field (see api-queues.h and docs/api.md).
 */
#include "api-queues.h"

#include "session.h"

#include "../core/device.h"
#include "../core/job.h"
#include "../core/log.h"
#include "../core/store-queues.h"
#include "../core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API_TEXT_MAX 127          /* printer-info, -location, -make-and-model: text(127) */
#define API_DNSSD_MAX 63          /* a DNS-SD instance name label */
#define API_EXPIRY_MAX (366 * 86400)

/* Serialises the changes: a name checked free stays free until its queue is stored, and the
 * queue removed is the one whose jobs were counted. Taken before system.h's locks. */
static pthread_mutex_t api_queues_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *api_queue_source(quire_queue_origin_t o)
{
  return o == QUIRE_QUEUE_CONSOLE ? "console" : "config";
}

/* Adds the policy fields of `q`. */
static void api_queue_policies(JsonBuilder *b, const quire_queue_config_t *q)
{
  web_json_str(b, "dnssd_name", q->dnssd_name);
  web_json_str(b, "make_model", q->make_model);
  web_json_str(b, "media_default", q->media_default);
  web_json_bool(b, "auth_basic", q->auth_basic);
  web_json_bool(b, "force_mono", q->force_mono);
  web_json_bool(b, "force_duplex", q->force_duplex);
  web_json_int(b, "job_expiry_seconds", q->job_expiry_seconds);
  web_json_bool(b, "job_expiry_default", !q->job_expiry_set);
  web_json_int(b, "max_held_per_user", q->max_held_per_user);
  web_json_bool(b, "hide_job_names", q->hide_job_names);
  web_json_str(b, "mode", q->direct ? "direct" : "pull");
  if (q->direct)
    web_json_str(b, "device", q->device);
}

/* Adds one queue of the table in force (caller holds the config read lock). */
static void api_queue(const web_ctx_t *ctx, JsonBuilder *b, const web_request_t *req,
                      const quire_queue_t *q)
{
  char *uri = util_printf("ipp://%s:%d/ipp/print/%s", req->host, req->port, q->config.name);
  json_builder_begin_object(b);
  web_json_str(b, "name", q->config.name);
  web_json_str(b, "uri", uri);
  web_json_str(b, "info", q->config.info);
  web_json_str(b, "location", q->config.location);
  web_json_str(b, "uuid", q->uuid);
  web_json_str(b, "color", q->config.color == QUIRE_COLOR_MONOCHROME ? "monochrome" : "auto");
  web_json_str(b, "duplex", q->config.duplex == QUIRE_DUPLEX_OFF ? "off"
                            : q->config.duplex == QUIRE_DUPLEX_DEFAULT ? "default" : "optional");
  web_json_str(b, "auth", q->config.auth_basic ? "basic" : "none");
  web_json_int(b, "held_jobs", store_job_count_active(ctx->sys->store, q->config.name));
  web_json_str(b, "source", api_queue_source(q->config.origin));
  web_json_bool(b, "edited", q->config.origin == QUIRE_QUEUE_EDITED);
  api_queue_policies(b, &q->config);
  json_builder_end_object(b);
  free(uri);
}

/* The queue `name` as the answer of POST and PUT, or 500. */
static void api_queue_reply(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep,
                            int status, const char *name)
{
  quire_system_t *sys = ctx->sys;
  JsonBuilder *b = json_builder_new();
  bool found = false;

  pthread_rwlock_rdlock(&sys->config_lock);
  for (size_t i = 0; i < sys->num_queues && !found; i++)
    if ((found = !strcmp(sys->queues[i].config.name, name)))
      api_queue(ctx, b, req, &sys->queues[i]);
  pthread_rwlock_unlock(&sys->config_lock);
  if (found) {
    web_reply_json(rep, status, web_json_finish(b));
  } else {
    g_object_unref(b);
    web_reply_error(rep, 500, "queue %s was stored but is not in force", name);
  }
}

static void api_queues_list(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  quire_system_t *sys = ctx->sys;
  web_user_t *u = web_session_require(ctx, req, rep, WEB_ROLE_ADMIN);
  if (!u)
    return;
  web_user_free(u);
  JsonBuilder *b = json_builder_new();
  json_builder_begin_array(b);
  pthread_rwlock_rdlock(&sys->config_lock);
  for (size_t i = 0; i < sys->num_queues; i++)
    api_queue(ctx, b, req, &sys->queues[i]);
  pthread_rwlock_unlock(&sys->config_lock);
  json_builder_end_array(b);
  web_reply_json(rep, 200, web_json_finish(b));
}

/* ---- checks of the fields of a queue ------------------------------------------------------ */

/* The member `name` when it is a JSON value of `type` (G_TYPE_STRING, _INT64, _BOOLEAN);
 * NULL when absent. Sets *bad when present with another type. */
static JsonNode *api_member(JsonObject *o, const char *name, GType type, bool *bad)
{
  JsonNode *n = json_object_get_member(o, name);
  if (!n)
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != type) {
    *bad = true;
    return NULL;
  }
  return n;
}

/* Reads a string member into *field when present: at most `max` bytes, one line. `empty_null`:
 * "" clears the field (NULL). False with `why` set when it does not fit. */
static bool api_field_str(JsonObject *o, const char *name, size_t max, bool empty_null,
                          char **field, char *why, size_t len)
{
  bool bad = false;
  JsonNode *n = api_member(o, name, G_TYPE_STRING, &bad);
  const char *v = n ? json_node_get_string(n) : NULL;

  if (bad || (v && (strlen(v) > max || strpbrk(v, "\r\n")))) {
    snprintf(why, len, "%s: expected a line of text of at most %zu bytes", name, max);
    return false;
  }
  if (v) {
    free(*field);
    *field = empty_null && !*v ? NULL : util_strdup(v);
  }
  return true;
}

/* Reads a boolean member into *field when present. */
static bool api_field_bool(JsonObject *o, const char *name, bool *field, char *why, size_t len)
{
  bool bad = false;
  JsonNode *n = api_member(o, name, G_TYPE_BOOLEAN, &bad);
  if (bad) {
    snprintf(why, len, "%s: expected true or false", name);
    return false;
  }
  if (n)
    *field = json_node_get_boolean(n);
  return true;
}

/* Reads an integer member in [0, max] into *field when present; sets *given. */
static bool api_field_int(JsonObject *o, const char *name, gint64 max, int *field,
                          bool *given, char *why, size_t len)
{
  bool bad = false;
  JsonNode *n = api_member(o, name, G_TYPE_INT64, &bad);
  gint64 v = n ? json_node_get_int(n) : 0;
  if (bad || v < 0 || v > max) {
    snprintf(why, len, "%s: expected an integer from 0 to %lld", name, (long long)max);
    return false;
  }
  if (n) {
    *field = (int)v;
    if (given)
      *given = true;
  }
  return true;
}

/* Reads a member that is one of `a` / `b` (/ `c`, may be NULL) into *index (0, 1, 2). */
static bool api_field_enum(JsonObject *o, const char *name, const char *a, const char *b,
                           const char *c, int *index, char *why, size_t len)
{
  bool bad = false;
  JsonNode *n = api_member(o, name, G_TYPE_STRING, &bad);
  const char *v = n ? json_node_get_string(n) : NULL;
  if (v && !strcmp(v, a))
    *index = 0;
  else if (v && !strcmp(v, b))
    *index = 1;
  else if (v && c && !strcmp(v, c))
    *index = 2;
  else if (v || bad) {
    snprintf(why, len, "%s: expected %s%s%s or %s", name, a, c ? ", " : "", c ? b : "",
             c ? c : b);
    return false;
  }
  return true;
}

/* True when every member of `o` is a field of a queue; else names the first one in `why`. */
static bool api_fields_known(JsonObject *o, char *why, size_t len)
{
  static const char *const known[] = {
    "name", "info", "location", "dnssd_name", "make_model", "media_default", "color",
    "duplex", "auth_basic", "force_mono", "force_duplex", "job_expiry_seconds",
    "job_expiry_hours", "job_expiry_default", "max_held_per_user", "hide_job_names", "mode",
    "device", NULL};
  GList *members = json_object_get_members(o);
  bool ok = true;

  for (GList *m = members; m && ok; m = m->next) {
    ok = false;
    for (size_t i = 0; known[i] && !ok; i++)
      ok = !strcmp(known[i], m->data);
    if (!ok)
      snprintf(why, len, "unknown field '%s'", (const char *)m->data);
  }
  g_list_free(members);
  return ok;
}

/* Reads the job expiry: seconds or hours, or job_expiry_default true (follow the setting). */
static bool api_fields_expiry(JsonObject *o, quire_queue_config_t *q, char *why, size_t len)
{
  int hours = 0;
  bool by_default = false, hours_given = false;

  if (!api_field_int(o, "job_expiry_seconds", API_EXPIRY_MAX, &q->job_expiry_seconds,
                     &q->job_expiry_set, why, len) ||
      !api_field_int(o, "job_expiry_hours", API_EXPIRY_MAX / 3600, &hours, &hours_given, why,
                     len) ||
      !api_field_bool(o, "job_expiry_default", &by_default, why, len))
    return false;
  if (hours_given) {
    q->job_expiry_seconds = hours * 3600;
    q->job_expiry_set = true;
  }
  if (by_default)
    q->job_expiry_set = false;
  return true;
}

/* Reads mode and device and checks that a direct queue names a known device. */
static bool api_fields_mode(const web_ctx_t *ctx, JsonObject *o, quire_queue_config_t *q,
                            char *why, size_t len)
{
  int mode = q->direct ? 1 : 0;
  if (!api_field_enum(o, "mode", "pull", "direct", NULL, &mode, why, len) ||
      !api_field_str(o, "device", 63, true, &q->device, why, len))
    return false;
  q->direct = mode == 1;
  if (!q->direct) {
    free(q->device);
    q->device = NULL;
    return true;
  }
  pthread_rwlock_rdlock(&ctx->sys->config_lock);
  bool analysis = ctx->sys->config->analysis;
  pthread_rwlock_unlock(&ctx->sys->config_lock);
  device_t *d = q->device ? device_get(ctx->sys, q->device) : NULL;
  if (!q->device)
    snprintf(why, len, "device: a direct queue needs the name of a device");
  else if (!d)
    snprintf(why, len, "device: there is no device named '%s' (add it under Devices first)",
             q->device);
  else if (!analysis)
    snprintf(why, len, "mode: direct needs [server] analysis = on");
  bool ok = d && analysis;
  device_free(d);
  return ok;
}

/* Lays the members of `o` over `q`, checking each; false with `why` naming the bad field. */
static bool api_fields(const web_ctx_t *ctx, JsonObject *o, quire_queue_config_t *q,
                       char *why, size_t len)
{
  int color = q->color == QUIRE_COLOR_MONOCHROME;
  int duplex = q->duplex == QUIRE_DUPLEX_DEFAULT ? 1 : q->duplex == QUIRE_DUPLEX_OFF ? 2 : 0;

  if (!api_fields_known(o, why, len) ||
      !api_field_str(o, "info", API_TEXT_MAX, false, &q->info, why, len) ||
      !api_field_str(o, "location", API_TEXT_MAX, false, &q->location, why, len) ||
      !api_field_str(o, "dnssd_name", API_DNSSD_MAX, true, &q->dnssd_name, why, len) ||
      !api_field_str(o, "make_model", API_TEXT_MAX, false, &q->make_model, why, len) ||
      !api_field_str(o, "media_default", 63, false, &q->media_default, why, len) ||
      !api_field_enum(o, "color", "auto", "monochrome", NULL, &color, why, len) ||
      !api_field_enum(o, "duplex", "optional", "default", "off", &duplex, why, len) ||
      !api_field_bool(o, "auth_basic", &q->auth_basic, why, len) ||
      !api_field_bool(o, "force_mono", &q->force_mono, why, len) ||
      !api_field_bool(o, "force_duplex", &q->force_duplex, why, len) ||
      !api_field_bool(o, "hide_job_names", &q->hide_job_names, why, len) ||
      !api_field_int(o, "max_held_per_user", 100000, &q->max_held_per_user, NULL, why, len) ||
      !api_fields_expiry(o, q, why, len) || !api_fields_mode(ctx, o, q, why, len))
    return false;
  q->color = color ? QUIRE_COLOR_MONOCHROME : QUIRE_COLOR_AUTO;
  q->duplex = duplex == 1 ? QUIRE_DUPLEX_DEFAULT : duplex == 2 ? QUIRE_DUPLEX_OFF
                                                               : QUIRE_DUPLEX_OPTIONAL;
  if (!*q->media_default) {
    snprintf(why, len, "media_default: expected a PWG media name such as iso_a4_210x297mm");
    return false;
  }
  return true;
}

/* ---- changes ------------------------------------------------------------------------------ */

/* Copies the queue `name` in force into `q` (config_queue_clear it); false if there is none. */
static bool api_queue_current(quire_system_t *sys, const char *name, quire_queue_config_t *q)
{
  bool found = false;
  pthread_rwlock_rdlock(&sys->config_lock);
  for (size_t i = 0; i < sys->num_queues && !found; i++)
    if ((found = !strcmp(sys->queues[i].config.name, name)))
      config_queue_copy(q, &sys->queues[i].config);
  pthread_rwlock_unlock(&sys->config_lock);
  return found;
}

/* Rebuilds the queues in force from the store; 500 set on failure. */
static bool api_queues_apply(const web_ctx_t *ctx, web_reply_t *rep)
{
  char *err = NULL;
  if (system_console_apply(ctx->sys, &err))
    return true;
  web_reply_error(rep, 500, "the change was stored but not applied: %s", err ? err : "?");
  free(err);
  return false;
}

/* The NAME of /api/queues/NAME, or NULL (404 set). */
static const char *api_queue_name(const web_request_t *req, web_reply_t *rep)
{
  const char *name = req->path + strlen("/api/queues/");
  if (!config_queue_name_valid(name)) {
    web_reply_error(rep, 404, "no queue named '%s'", name);
    return NULL;
  }
  return name;
}

/* Stores the checked definition `q` and applies it; the reply is the queue in force. */
static void api_queue_store(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep,
                            const quire_queue_config_t *q, int status)
{
  if (!store_console_queue_put(ctx->sys->store, q, false))
    web_reply_error(rep, 500, "cannot store queue %s", q->name);
  else if (api_queues_apply(ctx, rep))
    api_queue_reply(ctx, req, rep, status, q->name);
}

static void api_queues_add(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  char why[256] = "";
  quire_queue_config_t q = {0};
  web_user_t *u = web_session_require(ctx, req, rep, WEB_ROLE_ADMIN);
  JsonNode *root = u ? web_json_body(req, rep) : NULL;
  if (!root) {
    web_user_free(u);
    return;
  }
  JsonObject *o = json_node_get_object(root);
  const char *name = web_json_get_str(o, "name", NULL);

  pthread_mutex_lock(&api_queues_lock);
  if (!name || !config_queue_name_valid(name)) {
    web_reply_error(rep, 400, "name: expected 1 to 63 letters, digits, '-' or '_'");
  } else if (api_queue_current(ctx->sys, name, &q)) {
    web_reply_error(rep, 409, "there is already a queue named '%s'", name);
  } else {
    pthread_rwlock_rdlock(&ctx->sys->config_lock);
    config_queue_defaults(&q, name, ctx->sys->config->default_job_expiry);
    pthread_rwlock_unlock(&ctx->sys->config_lock);
    if (!api_fields(ctx, o, &q, why, sizeof(why)))
      web_reply_error(rep, 400, "%s", why);
    else
      api_queue_store(ctx, req, rep, &q, 201);
  }
  pthread_mutex_unlock(&api_queues_lock);
  config_queue_clear(&q);
  json_node_unref(root);
  web_user_free(u);
}

static void api_queues_edit(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  char why[256] = "";
  quire_queue_config_t q = {0};
  web_user_t *u = web_session_require(ctx, req, rep, WEB_ROLE_ADMIN);
  const char *name = u ? api_queue_name(req, rep) : NULL;
  JsonNode *root = name ? web_json_body(req, rep) : NULL;
  if (!root) {
    web_user_free(u);
    return;
  }
  JsonObject *o = json_node_get_object(root);
  const char *body_name = web_json_get_str(o, "name", name);

  pthread_mutex_lock(&api_queues_lock);
  if (!api_queue_current(ctx->sys, name, &q))
    web_reply_error(rep, 404, "no queue named '%s'", name);
  else if (strcmp(body_name, name))
    web_reply_error(rep, 400, "name: a queue cannot be renamed; add a new one instead");
  else if (!api_fields(ctx, o, &q, why, sizeof(why)))
    web_reply_error(rep, 400, "%s", why);
  else
    api_queue_store(ctx, req, rep, &q, 200);
  pthread_mutex_unlock(&api_queues_lock);
  config_queue_clear(&q);
  json_node_unref(root);
  web_user_free(u);
}

/* Cancels every unfinished job of `queue` (a forced removal); returns how many. */
static int api_queue_cancel_jobs(quire_system_t *sys, const char *queue)
{
  store_job_filter_t f = {.queue = queue, .which = STORE_WHICH_NOT_COMPLETED};
  job_actor_t admin = {.user = NULL, .admin = true};
  size_t n = 0;
  int canceled = 0;
  store_job_t **jobs = store_job_list(sys->store, &f, &n);

  for (size_t i = 0; jobs && i < n; i++)
    canceled += job_cancel(sys, &admin, jobs[i]->id, "job-canceled-by-operator") == JOB_OK;
  store_jobs_free(jobs, n);
  return canceled;
}

/* Forgets the console's queue or marks the file's as removed. */
static bool api_queue_forget(quire_system_t *sys, const quire_queue_config_t *q)
{
  if (q->origin == QUIRE_QUEUE_CONSOLE)
    return store_console_queue_delete(sys->store, q->name);
  return store_console_queue_put(sys->store, q, true);
}

static void api_queues_delete(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  quire_queue_config_t q = {0};
  web_user_t *u = web_session_require(ctx, req, rep, WEB_ROLE_ADMIN);
  const char *name = u ? api_queue_name(req, rep) : NULL;
  const char *force = req->query(req, "force");
  bool forced = force && !strcmp(force, "1");

  pthread_mutex_lock(&api_queues_lock);
  int active = name ? store_job_count_active(ctx->sys->store, name) : 0;
  if (!name) {
    /* reply set */
  } else if (!api_queue_current(ctx->sys, name, &q)) {
    web_reply_error(rep, 404, "no queue named '%s'", name);
  } else if (active < 0) {
    web_reply_error(rep, 500, "cannot count the jobs of queue %s; nothing was removed", name);
  } else if (active > 0 && !forced) {
    web_reply_error(rep, 409, "queue '%s' has %d held or unfinished job(s); release or delete "
                    "them first, or remove it with ?force=1 to cancel them", name, active);
  } else {
    /* The queue leaves the table first, so that no job can arrive between the cancels and
     * the removal; its jobs can still be found by queue name afterwards. */
    if (!api_queue_forget(ctx->sys, &q)) {
      web_reply_error(rep, 500, "cannot store the removal of queue %s", name);
    } else if (api_queues_apply(ctx, rep)) {
      int canceled = active > 0 ? api_queue_cancel_jobs(ctx->sys, name) : 0;
      if (canceled < active)
        log_error("queue %s removed, but only %d of its %d jobs could be canceled", name,
                  canceled, active);
      JsonBuilder *b = json_builder_new();
      json_builder_begin_object(b);
      web_json_str(b, "deleted", name);
      web_json_str(b, "source", api_queue_source(q.origin));
      web_json_int(b, "canceled_jobs", canceled);
      json_builder_end_object(b);
      web_reply_json(rep, 200, web_json_finish(b));
    }
  }
  pthread_mutex_unlock(&api_queues_lock);
  config_queue_clear(&q);
  web_user_free(u);
}

const web_route_t api_queues_routes[] = {
  {"GET", "/api/queues", api_queues_list},
  {"POST", "/api/queues", api_queues_add},
  {"PUT", "/api/queues/*", api_queues_edit},
  {"DELETE", "/api/queues/*", api_queues_delete},
  {NULL, NULL, NULL}
};
