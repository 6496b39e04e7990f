/*
 * api-devices.c: devices and deliveries in the admin JSON API (see api-devices.h).
 */
#include "api-devices.h"
#include "session.h"

#include "../core/device.h"
#include "../core/forward.h"
#include "../core/testpage.h"
#include "../core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API_FRESH_MAX 0   /* a release checks the device first, whatever the monitor saw */

/* True for the admin token or an admin's session (with CSRF on changes); else false with
 * 401/403 set (session.h). */
static bool api_devices_admin(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  web_user_t *u = web_session_require(ctx, req, rep, WEB_ROLE_ADMIN);
  web_user_free(u);
  return u != NULL;
}

/* Adds "name": [strings]. */
static void api_strv(JsonBuilder *b, const char *name, char *const *list)
{
  json_builder_set_member_name(b, name);
  json_builder_begin_array(b);
  for (size_t i = 0; list && list[i]; i++)
    json_builder_add_string_value(b, list[i]);
  json_builder_end_array(b);
}

/* Adds "name": the comma-separated list as an array. */
static void api_csv(JsonBuilder *b, const char *name, const char *csv)
{
  char **list = device_strv_split(csv);
  api_strv(b, name, list);
  device_strv_free(list);
}

/* Adds "markers": the device's marker JSON (an array), or [] if it does not parse. */
static void api_markers(JsonBuilder *b, const char *markers)
{
  JsonNode *n = markers ? json_from_string(markers, NULL) : NULL;
  json_builder_set_member_name(b, "markers");
  if (n && JSON_NODE_HOLDS_ARRAY(n)) {
    json_builder_add_value(b, n);  /* takes n */
  } else {
    if (n)
      json_node_unref(n);
    json_builder_begin_array(b);
    json_builder_end_array(b);
  }
}

static void api_device_caps(JsonBuilder *b, const device_t *d)
{
  json_builder_set_member_name(b, "capabilities");
  json_builder_begin_object(b);
  api_strv(b, "formats", d->formats);
  web_json_bool(b, "color", d->color);
  web_json_bool(b, "duplex", d->duplex);
  api_strv(b, "media_supported", d->media_supported);
  web_json_str(b, "media_default", d->media_default);
  api_strv(b, "pwg_raster_types", d->pwg_raster_types);
  json_builder_set_member_name(b, "pwg_resolutions");
  json_builder_begin_array(b);
  for (size_t i = 0; d->pwg_resolutions && d->pwg_resolutions[i]; i++)
    json_builder_add_int_value(b, d->pwg_resolutions[i]);
  json_builder_end_array(b);
  api_strv(b, "urf", d->urf);
  api_strv(b, "sides_supported", d->sides_supported);
  api_strv(b, "color_modes", d->color_modes);
  web_json_int(b, "copies_max", d->copies_max);
  web_json_bool(b, "multiple_documents", d->multiple_documents);
  web_json_int(b, "checked", d->caps_checked);
  json_builder_end_object(b);
}

static void api_device_status(JsonBuilder *b, const device_t *d)
{
  json_builder_set_member_name(b, "status");
  json_builder_begin_object(b);
  web_json_int(b, "printer_state", d->printer_state);
  web_json_str(b, "state", device_state_name(d->printer_state));
  api_csv(b, "reasons", d->state_reasons);
  web_json_str(b, "message", d->state_message);
  web_json_bool(b, "reachable", d->reachable);
  web_json_int(b, "checked", d->checked);
  api_markers(b, d->markers);
  if (d->last_error)
    web_json_str(b, "error", d->last_error);
  char why[512];
  bool ok = device_can_release(d, why, sizeof(why));
  web_json_bool(b, "can_release", ok);
  if (!ok)
    web_json_str(b, "why_not", why);
  json_builder_end_object(b);
}

/* One device with its capabilities and live status. */
static void api_device(JsonBuilder *b, const device_t *d)
{
  static const char *const kinds[] = {"ipp", "socket", "lpd"};

  json_builder_begin_object(b);
  web_json_str(b, "name", d->name);
  web_json_str(b, "uri", d->uri);
  web_json_str(b, "kind", kinds[d->kind]);
  web_json_str(b, "location", d->location);
  web_json_str(b, "info", d->info);
  web_json_str(b, "make_model", d->make_model);
  web_json_bool(b, "enabled", d->enabled);
  api_device_caps(b, d);
  api_device_status(b, d);
  json_builder_end_object(b);
}

/* The device name at the end of /api/devices/NAME into dst; false if absent. */
static bool api_device_name(const web_request_t *req, char *dst, size_t size)
{
  const char *name = req->path + strlen("/api/devices/");
  if (!*name || strchr(name, '/') || strlen(name) >= size)
    return false;
  snprintf(dst, size, "%s", name);
  return true;
}

static void api_devices_list(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  size_t n = 0;

  if (!api_devices_admin(ctx, req, rep))
    return;
  device_t **list = device_list(ctx->sys, &n);
  if (!list) {
    web_reply_error(rep, 500, "cannot read the devices");
    return;
  }
  JsonBuilder *b = json_builder_new();
  json_builder_begin_array(b);
  for (size_t i = 0; i < n; i++)
    api_device(b, list[i]);
  json_builder_end_array(b);
  devices_free(list, n);
  web_reply_json(rep, 200, web_json_finish(b));
}

static void api_devices_get(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  char name[128];
  const char *fresh = req->query(req, "fresh");

  if (!api_devices_admin(ctx, req, rep))
    return;
  device_t *d = api_device_name(req, name, sizeof(name))
                ? (fresh && !strcmp(fresh, "1") ? device_get_fresh(ctx->sys, name, 0)
                                                : device_get(ctx->sys, name))
                : NULL;
  if (!d) {
    web_reply_error(rep, 404, "no device %s", name);
    return;
  }
  JsonBuilder *b = json_builder_new();
  api_device(b, d);
  device_free(d);
  web_reply_json(rep, 200, web_json_finish(b));
}

/* "formats": a string "a,b" or an array of strings, as a malloc'd comma-separated string. */
static char *api_formats(JsonObject *o)
{
  JsonNode *n = json_object_get_member(o, "formats");
  if (!n || !JSON_NODE_HOLDS_ARRAY(n))
    return util_strdup(web_json_get_str(o, "formats", NULL));
  JsonArray *a = json_node_get_array(n);
  GString *s = g_string_new("");
  for (guint i = 0; i < json_array_get_length(a); i++) {
    const char *f = json_node_get_value_type(json_array_get_element(a, i)) == G_TYPE_STRING
                    ? json_array_get_string_element(a, i) : NULL;
    if (f)
      g_string_append_printf(s, "%s%s", s->len ? "," : "", f);
  }
  char *r = util_strdup(s->str);
  g_string_free(s, TRUE);
  return r;
}

static void api_devices_add(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  char why[512];

  if (!api_devices_admin(ctx, req, rep))
    return;
  JsonNode *root = web_json_body(req, rep);
  if (!root)
    return;
  JsonObject *o = json_node_get_object(root);
  char *formats = api_formats(o);
  device_spec_t spec = {.name = web_json_get_str(o, "name", NULL),
                        .uri = web_json_get_str(o, "uri", NULL),
                        .location = web_json_get_str(o, "location", ""),
                        .info = web_json_get_str(o, "info", ""),
                        .formats = formats,
                        .color = web_json_get_bool(o, "color", false),
                        .duplex = web_json_get_bool(o, "duplex", false),
                        .probe = web_json_get_bool(o, "probe", true)};
  if (!spec.name || !spec.uri) {
    web_reply_error(rep, 400, "name and uri are required");
  } else if (!device_add(ctx->sys, &spec, why, sizeof(why))) {
    web_reply_error(rep, strstr(why, "does not answer") ? 502 : 400, "%s", why);
  } else {
    device_t *d = device_get(ctx->sys, spec.name);
    if (d) {
      JsonBuilder *b = json_builder_new();
      api_device(b, d);
      web_reply_json(rep, 201, web_json_finish(b));
    } else {
      web_reply_error(rep, 500, "device %s was stored but cannot be read back", spec.name);
    }
    device_free(d);
  }
  free(formats);
  json_node_unref(root);
}

static void api_devices_delete(const web_ctx_t *ctx, const web_request_t *req,
                               web_reply_t *rep)
{
  char name[128], why[512];

  if (!api_devices_admin(ctx, req, rep))
    return;
  if (!api_device_name(req, name, sizeof(name))) {
    web_reply_error(rep, 404, "no device given");
  } else if (!device_delete(ctx->sys, name, why, sizeof(why))) {
    web_reply_error(rep, strncmp(why, "no device", 9) ? 409 : 404, "%s", why);
  } else {
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    web_json_str(b, "deleted", name);
    json_builder_end_object(b);
    web_reply_json(rep, 200, web_json_finish(b));
  }
}

/* One delivery. */
static void api_delivery(JsonBuilder *b, const delivery_t *d)
{
  json_builder_begin_object(b);
  web_json_int(b, "id", d->id);
  web_json_int(b, "job", d->job_id);
  web_json_str(b, "device", d->device);
  web_json_str(b, "state", delivery_state_name(d->state));
  web_json_bool(b, "direct", d->direct);
  web_json_str(b, "format", d->format);
  web_json_bool(b, "rendered", d->render);
  if (d->raster_type)
    web_json_str(b, "raster_type", d->raster_type);
  if (d->resolution)
    web_json_int(b, "resolution", d->resolution);
  web_json_int(b, "copies", d->copies);
  web_json_str(b, "sides", d->sides);
  web_json_str(b, "media", d->media);
  web_json_bool(b, "mono", d->mono);
  web_json_int(b, "attempts", d->attempts);
  web_json_int(b, "next_try", d->next_try);
  web_json_int(b, "device_job_id", d->device_job_id);
  web_json_str(b, "device_job_uri", d->device_job_uri);
  web_json_int(b, "device_jobs", d->device_jobs);
  web_json_int(b, "device_impressions", d->device_impressions);
  web_json_int(b, "printed_calls", d->printed_calls);
  web_json_int(b, "created", d->created);
  web_json_int(b, "sent", d->sent);
  web_json_int(b, "completed", d->completed);
  web_json_str(b, "account", d->account);
  web_json_str(b, "released_by", d->released_by);
  if (d->last_error)
    web_json_str(b, "error", d->last_error);
  json_builder_end_object(b);
}

/* The JSON array of a job's deliveries (malloc'd), NULL on a store error. */
static char *api_deliveries_json(quire_system_t *sys, int job_id)
{
  size_t n = 0;
  delivery_t **list = forward_deliveries(sys, job_id, &n);
  if (!list)
    return NULL;
  JsonBuilder *b = json_builder_new();
  json_builder_begin_array(b);
  for (size_t i = 0; i < n; i++)
    api_delivery(b, list[i]);
  json_builder_end_array(b);
  deliveries_free(list, n);
  return web_json_finish(b);
}

/* The job id of /api/jobs/ID/WHAT; 0 if the path does not hold one. */
static int api_job_id(const web_request_t *req, const char *what)
{
  const char *p = req->path + strlen("/api/jobs/");
  char *end = NULL;
  long id = strncmp(req->path, "/api/jobs/", 10) ? 0 : strtol(p, &end, 10);

  if (id <= 0 || id > 0x7fffffff || !end || *end != '/' || strcmp(end + 1, what))
    return 0;
  return (int)id;
}

static void api_job_deliveries(const web_ctx_t *ctx, const web_request_t *req,
                               web_reply_t *rep)
{
  int id = api_job_id(req, "deliveries");

  if (!api_devices_admin(ctx, req, rep))
    return;
  store_job_t *job = id ? store_job_get(ctx->sys->store, id) : NULL;
  char *json = job ? api_deliveries_json(ctx->sys, id) : NULL;
  if (!job)
    web_reply_error(rep, 404, "no such job");
  else if (!json)
    web_reply_error(rep, 500, "cannot read the deliveries");
  else
    web_reply_json(rep, 200, json);
  store_job_free(job);
}

/* Releases a job to a device (admin): checks the device now, then forward_submit. */
static void api_job_release(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  int id = api_job_id(req, "release");
  char why[512];

  if (!api_devices_admin(ctx, req, rep))
    return;
  JsonNode *root = id ? web_json_body(req, rep) : NULL;
  if (!id)
    web_reply_error(rep, 404, "no such job");
  if (!root)
    return;
  JsonObject *o = json_node_get_object(root);
  const char *name = web_json_get_str(o, "device", NULL);
  forward_options_t opt = {.copies = (int)web_json_get_int(o, "copies", 0),
                           .sides = web_json_get_str(o, "sides", NULL),
                           .force_mono = web_json_get_bool(o, "force_mono", false),
                           .force_duplex = web_json_get_bool(o, "force_duplex", false),
                           .account = web_json_get_str(o, "account", NULL),
                           .released_by = web_json_get_str(o, "released_by", "admin")};
  store_job_t *job = store_job_get(ctx->sys->store, id);
  device_t *d = name ? device_get_fresh(ctx->sys, name, API_FRESH_MAX) : NULL;
  char *json = NULL;

  if (!job)
    web_reply_error(rep, 404, "no job %d", id);
  else if (!name)
    web_reply_error(rep, 400, "device is required");
  else if (!d)
    web_reply_error(rep, 404, "no printer %s", name);
  else if (!device_can_release(d, why, sizeof(why)) ||
           !forward_submit(ctx->sys, id, name, &opt, why, sizeof(why)))
    web_reply_error(rep, 409, "%s", why);
  else if (!(json = api_deliveries_json(ctx->sys, id)))
    web_reply_error(rep, 500, "released, but the deliveries cannot be read");
  else
    web_reply_json(rep, 202, json);
  store_job_free(job);
  device_free(d);
  json_node_unref(root);
}

/* POST /api/devices/NAME/test-page: prints a test page there (core/testpage.h); answers 202
 * with the job id and its delivery. */
static void api_device_test_page(const web_ctx_t *ctx, const web_request_t *req,
                                 web_reply_t *rep)
{
  const char *name = req->path + strlen("/api/devices/");
  const char *slash = strchr(name, '/');
  char device[128], why[512];
  int status = 500;

  web_user_t *u = web_session_require(ctx, req, rep, WEB_ROLE_ADMIN);
  if (!u)
    return;
  if (!slash || slash == name || strcmp(slash, "/test-page") ||
      (size_t)(slash - name) >= sizeof(device)) {
    web_reply_error(rep, 404, "no such device");
    web_user_free(u);
    return;
  }
  snprintf(device, sizeof(device), "%.*s", (int)(slash - name), name);
  int id = testpage_print(ctx->sys, device, u->by_token ? "admin" : u->name, &status, why,
                          sizeof(why));
  size_t n = 0;
  delivery_t **list = id ? forward_deliveries(ctx->sys, id, &n) : NULL;
  if (!id) {
    web_reply_error(rep, status, "%s", why);
  } else if (!list || !n) {
    web_reply_error(rep, 500, "the test page is job %d, but its delivery cannot be read", id);
  } else {
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    web_json_int(b, "job", id);
    web_json_str(b, "device", device);
    json_builder_set_member_name(b, "delivery");
    api_delivery(b, list[n - 1]);
    json_builder_end_object(b);
    web_reply_json(rep, 202, web_json_finish(b));
  }
  deliveries_free(list, n);
  web_user_free(u);
}

const web_route_t api_devices_routes[] = {
  {"GET", "/api/devices", api_devices_list},
  {"POST", "/api/devices", api_devices_add},
  {"POST", "/api/devices/*/test-page", api_device_test_page},
  {"GET", "/api/devices/*", api_devices_get},
  {"DELETE", "/api/devices/*", api_devices_delete},
  {"POST", "/api/jobs/*/release", api_job_release},
  {"GET", "/api/jobs/*/deliveries", api_job_deliveries},
  {NULL, NULL, NULL}
};
