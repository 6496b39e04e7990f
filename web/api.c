/*
 * api.c: the admin JSON API, the status page and the queue icon (see api.h).
 */
#include "api.h"
#include "api-dashboard.h"
#include "session.h"
#include "tls-api.h"

#include "../core/job.h"
#include "../core/log.h"
#include "../core/drawbuf.h"
#include "../core/util.h"
#include "../mdns/mdns.h"

#include <cairo.h>
#include <json-glib/json-glib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUIRE_VERSION "0.1.0"

static const char *api_state_name(int state)
{
  static const char *names[] = {"pending", "pending-held", "processing", "processing-stopped",
                                "canceled", "aborted", "completed"};
  return state >= 3 && state <= 9 ? names[state - 3] : "unknown";
}

/* Adds "dnssd": what each queue is advertised as (name in use after any rename, state). */
static void api_status_dnssd(quire_system_t *sys, JsonBuilder *b)
{
  size_t n = 0;
  advert_entry_t *ads = advert_table_list(sys->adverts, &n);

  json_builder_set_member_name(b, "dnssd");
  json_builder_begin_array(b);
  for (size_t i = 0; i < n; i++) {
    json_builder_begin_object(b);
    web_json_str(b, "queue", ads[i].queue);
    web_json_str(b, "name", ads[i].name);
    web_json_str(b, "state", ads[i].state);
    web_json_int(b, "since", ads[i].since);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  advert_entries_free(ads, n);
}

static char *api_status(const web_ctx_t *ctx)
{
  quire_system_t *sys = ctx->sys;
  JsonBuilder *b = json_builder_new();
  store_job_filter_t f = {.which = STORE_WHICH_ALL};
  size_t n = 0;
  int held = 0;
  store_job_t **jobs = store_job_list(sys->store, &f, &n);
  time_t midnight = api_dashboard_midnight();
  api_dashboard_jobs_t today = {0};

  for (size_t i = 0; i < n; i++) {
    held += jobs[i]->state == JOB_HELD;
    today.received += jobs[i]->created >= midnight;
    today.held += jobs[i]->created >= midnight && jobs[i]->state == JOB_HELD;
  }
  store_jobs_free(jobs, n);
  pthread_rwlock_rdlock(&sys->config_lock);
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "version");
  json_builder_add_string_value(b, QUIRE_VERSION);
  json_builder_set_member_name(b, "uptime");
  json_builder_add_int_value(b, time(NULL) - sys->start_time);
  json_builder_set_member_name(b, "queues");
  json_builder_add_int_value(b, (gint64)sys->num_queues);
  json_builder_set_member_name(b, "port");
  json_builder_add_int_value(b, sys->config->port);
  json_builder_set_member_name(b, "data_dir");
  json_builder_add_string_value(b, sys->config->data_dir);
  pthread_rwlock_unlock(&sys->config_lock);
  json_builder_set_member_name(b, "jobs");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "held");
  json_builder_add_int_value(b, held);
  json_builder_set_member_name(b, "total");
  json_builder_add_int_value(b, (gint64)n);
  json_builder_end_object(b);
  json_builder_set_member_name(b, "spool_bytes");
  json_builder_add_int_value(b, spool_bytes(sys->spool));
  size_t ndevs = 0;
  device_t **devs = device_list(sys, &ndevs);   /* read once for the figures and the alerts */
  api_dashboard_status(ctx, b, &today, devs, ndevs);
  api_status_dnssd(sys, b);
  json_builder_set_member_name(b, "alerts");
  json_builder_begin_array(b);
  web_tls_alerts(ctx, b);
  api_dashboard_alerts(b, devs, ndevs);
  devices_free(devs, ndevs);
  json_builder_end_array(b);
  json_builder_end_object(b);
  return web_json_finish(b);
}

/* Adds one job with its documents. */
static void api_job(quire_system_t *sys, JsonBuilder *b, const store_job_t *j)
{
  size_t nd = 0;
  store_doc_t **docs = store_doc_list(sys->store, j->id, &nd);

  json_builder_begin_object(b);
  web_json_int(b, "id", j->id);
  web_json_str(b, "queue", j->queue);
  web_json_str(b, "owner", j->owner);
  if (system_queue_hides_names(sys, j->queue)) {
    char hidden[32];
    snprintf(hidden, sizeof(hidden), "Job %d", j->id);
    web_json_str(b, "name", hidden);
  } else {
    web_json_str(b, "name", j->name);
  }
  web_json_int(b, "state", j->state);
  web_json_str(b, "state_name", api_state_name(j->state));
  json_builder_set_member_name(b, "reasons");
  json_builder_begin_array(b);
  gchar **reasons = g_strsplit(j->state_reasons ? j->state_reasons : "", ",", -1);
  for (gchar **r = reasons; *r; r++)
    if (**r)
      json_builder_add_string_value(b, *r);
  g_strfreev(reasons);
  json_builder_end_array(b);
  web_json_int(b, "created", j->created);
  web_json_str(b, "message", j->state_message);
  json_builder_set_member_name(b, "analysis");
  json_builder_add_string_value(b, j->analysis == STORE_ANALYSIS_DONE     ? "done"
                                   : j->analysis == STORE_ANALYSIS_FAILED ? "failed"
                                                                          : "pending");
  web_json_int(b, "pages", j->pages);
  web_json_int(b, "sheets", j->sheets);
  web_json_int(b, "color_pages", j->color_pages);
  web_json_int(b, "impressions", j->impressions);
  if (j->thumbnail)
    web_json_str(b, "thumbnail", j->thumbnail);
  json_builder_set_member_name(b, "documents");
  json_builder_begin_array(b);
  for (size_t i = 0; i < nd; i++) {
    json_builder_begin_object(b);
    web_json_int(b, "number", docs[i]->number);
    web_json_str(b, "format", docs[i]->format);
    web_json_int(b, "size", docs[i]->size);
    web_json_str(b, "sha256", docs[i]->sha256);
    web_json_str(b, "path", docs[i]->path);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
  store_docs_free(docs, nd);
}

static char *api_jobs(quire_system_t *sys, const char *which, const char *queue, int *status)
{
  store_job_filter_t f = {.queue = queue, .which = STORE_WHICH_ALL};
  size_t n = 0;

  if (which && !strcmp(which, "completed"))
    f.which = STORE_WHICH_COMPLETED;
  else if (which && !strcmp(which, "not-completed"))
    f.which = STORE_WHICH_NOT_COMPLETED;
  else if (which && strcmp(which, "all")) {
    *status = 400;
    return util_strdup("{\"error\": \"which must be all, completed or not-completed\"}\n");
  }
  JsonBuilder *b = json_builder_new();
  json_builder_begin_array(b);
  store_job_t **jobs = store_job_list(sys->store, &f, &n);
  for (size_t i = 0; i < n; i++)
    api_job(sys, b, jobs[i]);
  store_jobs_free(jobs, n);
  json_builder_end_array(b);
  return web_json_finish(b);
}

/* The DNS-SD description of every queue (instance name, TXT strings) as seen by a client that
 * reaches the appliance at ?host=&port= (default: the way this request came in). */
static char *api_dnssd(ipp_service_t *ipp, const web_request_t *req, int *status)
{
  const char *q_host = req->query(req, "host"), *q_port = req->query(req, "port");
  const char *host = q_host && *q_host ? q_host : req->host;
  int port = q_port ? atoi(q_port) : req->port;
  JsonBuilder *b = json_builder_new();
  size_t n = 0;

  if (port < 1 || port > 65535 || strlen(host) > 253) {
    *status = 400;
    g_object_unref(b);
    return util_strdup("{\"error\": \"bad host or port\"}\n");
  }
  mdns_service_t *svcs = mdns_services_describe(ipp, host, port, false, &n);
  json_builder_begin_array(b);
  for (size_t i = 0; i < n; i++) {
    json_builder_begin_object(b);
    web_json_str(b, "queue", svcs[i].queue);
    web_json_str(b, "name", svcs[i].name);
    web_json_str(b, "resource", svcs[i].resource);
    web_json_int(b, "port", port);
    json_builder_set_member_name(b, "tls");
    json_builder_add_boolean_value(b, svcs[i].tls);
    json_builder_set_member_name(b, "txt");
    json_builder_begin_array(b);
    for (size_t t = 0; t < svcs[i].num_txt; t++)
      json_builder_add_string_value(b, svcs[i].txt[t]);
    json_builder_end_array(b);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  mdns_services_free(svcs, n);
  return web_json_finish(b);
}

/* The renderer's per-document JSON stored for a job (pages, colour, coverage per page). */
static char *api_job_analysis(quire_system_t *sys, int job_id, int *status)
{
  char *detail = store_job_analysis_detail(sys->store, job_id);

  if (!detail || detail[0] != '[') {
    *status = 404;
    free(detail);
    return util_strdup("{\"error\": \"no analysis for this job\"}\n");
  }
  char *r = util_printf("%s\n", detail);
  free(detail);
  return r;
}

/* Answers one admin API GET: every call needs the admin token or an admin's session. */
static void api_admin_get(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  quire_system_t *sys = ctx->sys;
  int status = 200, job_id = 0, end = 0;
  char *body = NULL;
  web_user_t *u = web_session_require(ctx, req, rep, WEB_ROLE_ADMIN);

  if (!u)
    return;
  web_user_free(u);
  if (!strcmp(req->path, "/api/status"))
    body = api_status(ctx);
  else if (!strcmp(req->path, "/api/jobs"))
    body = api_jobs(sys, req->query(req, "which"), req->query(req, "queue"), &status);
  else if (sscanf(req->path, "/api/jobs/%d/analysis%n", &job_id, &end) == 1 && !req->path[end])
    body = api_job_analysis(sys, job_id, &status);
  else if (!strcmp(req->path, "/api/dnssd"))
    body = api_dnssd(ctx->ipp, req, &status);
  if (body)
    web_reply_json(rep, status, body);
  else
    web_reply_error(rep, 404, "no such API");
}

/* The small HTML status page served at "/". Caller frees. */
static char *api_status_page(quire_system_t *sys)
{
  GString *s = g_string_new("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                            "<meta name=\"viewport\" content=\"width=device-width\">"
                            "<title>quire</title></head><body><h1>quire print gateway</h1>"
                            "<p>Queues (jobs are held until released at a printer):</p><ul>");
  pthread_rwlock_rdlock(&sys->config_lock);
  for (size_t i = 0; i < sys->num_queues; i++) {
    gchar *name = g_markup_escape_text(sys->queues[i].config.name, -1);
    gchar *info = g_markup_escape_text(sys->queues[i].config.info, -1);
    g_string_append_printf(s, "<li><b>%s</b>: %s (ipp path /ipp/print/%s)</li>", name, info, name);
    g_free(name);
    g_free(info);
  }
  pthread_rwlock_unlock(&sys->config_lock);
  g_string_append(s, "</ul></body></html>\n");
  char *r = util_strdup(s->str);
  g_string_free(s, TRUE);
  return r;
}

static drawbuf_t api_icon;   /* the PNG, drawn once */
static pthread_once_t api_icon_once = PTHREAD_ONCE_INIT;

/* Draws a 128x128 printer glyph. */
static void api_icon_draw(void)
{
  cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 128, 128);
  cairo_t *cr = cairo_create(sf);
  cairo_set_source_rgb(cr, 0.18, 0.33, 0.55);
  cairo_rectangle(cr, 14, 44, 100, 50);
  cairo_fill(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_rectangle(cr, 34, 14, 60, 36);
  cairo_rectangle(cr, 34, 80, 60, 34);
  cairo_fill(cr);
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  cairo_set_line_width(cr, 3);
  cairo_rectangle(cr, 34, 14, 60, 36);
  cairo_rectangle(cr, 34, 80, 60, 34);
  cairo_stroke(cr);
  cairo_destroy(cr);
  if (cairo_surface_write_to_png_stream(sf, drawbuf_write, &api_icon) != CAIRO_STATUS_SUCCESS) {
    free(api_icon.data);
    api_icon.data = NULL;
    api_icon.len = 0;
    log_error("cannot draw the queue icon");
  }
  cairo_surface_destroy(sf);
}

/* The queue icon (printer-icons) as PNG, drawn once; static, not to be freed. */
static const unsigned char *api_icon_png(size_t *len)
{
  pthread_once(&api_icon_once, api_icon_draw);
  *len = api_icon.len;
  return api_icon.data;
}

static void api_page(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  (void)req;
  char *page = api_status_page(ctx->sys);
  web_reply_data(rep, 200, "text/html; charset=utf-8", page, strlen(page));
  free(page);
}

static void api_icon_route(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  (void)ctx;
  (void)req;
  size_t len = 0;
  const unsigned char *png = api_icon_png(&len);
  if (png)
    web_reply_data(rep, 200, "image/png", png, len);
  else
    web_reply_error(rep, 404, "no icon");
}

const web_route_t api_admin_routes[] = {
  {"GET", "/status", api_page},
  {"GET", "/icon.png", api_icon_route},
  {"GET", "/api/status", api_admin_get},
  {"GET", "/api/jobs", api_admin_get},
  {"GET", "/api/jobs/*", api_admin_get},
  {"GET", "/api/dnssd", api_admin_get},
  {NULL, NULL, NULL}
};
