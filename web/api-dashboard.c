/*
 * api-dashboard.c: today's figures, spool space, device readiness and device alerts in
 * GET /api/status (see api-dashboard.h).
 */
#include "api-dashboard.h"

#include "../core/accounting.h"
#include "../core/device.h"
#include "../core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

time_t api_dashboard_midnight(void)
{
  return accounting_period_start("day", time(NULL));
}

/* Adds "today": jobs received and still held today, and what the journal recorded since
 * midnight (jobs, pages = impressions, colour and grey pages, sheets). */
static void api_dashboard_today(const web_ctx_t *ctx, JsonBuilder *b,
                                const api_dashboard_jobs_t *jobs)
{
  size_t n = 0;
  store_report_row_t **rows = store_report(ctx->sys->store, "device", api_dashboard_midnight(),
                                           time(NULL) + 1, &n);
  store_report_row_t sum = {0};

  for (size_t i = 0; rows && i < n; i++) {
    sum.jobs += rows[i]->jobs;
    sum.pages += rows[i]->pages;
    sum.sheets += rows[i]->sheets;
    sum.color_pages += rows[i]->color_pages;
    sum.mono_pages += rows[i]->mono_pages;
  }
  store_report_free(rows, n);
  json_builder_set_member_name(b, "today");
  json_builder_begin_object(b);
  web_json_int(b, "received", jobs->received);
  web_json_int(b, "held", jobs->held);
  web_json_int(b, "printed_jobs", sum.jobs);
  web_json_int(b, "pages", sum.pages);
  web_json_int(b, "color_pages", sum.color_pages);
  web_json_int(b, "mono_pages", sum.mono_pages);
  web_json_int(b, "sheets", sum.sheets);
  web_json_bool(b, "journal_ok", rows != NULL);
  json_builder_end_object(b);
}

void api_dashboard_status(const web_ctx_t *ctx, JsonBuilder *b, const api_dashboard_jobs_t *jobs,
                          device_t *const *devs, size_t n)
{
  int ready = 0;
  char why[512];

  api_dashboard_today(ctx, b, jobs);
  web_json_int(b, "spool_free_bytes", spool_free_bytes(ctx->sys->spool));
  for (size_t i = 0; devs && i < n; i++)
    ready += device_can_release(devs[i], why, sizeof(why));
  json_builder_set_member_name(b, "devices");
  json_builder_begin_object(b);
  web_json_int(b, "total", devs ? (gint64)n : 0);
  web_json_int(b, "ready", ready);
  json_builder_end_object(b);
}

/* Adds one alert. */
static void api_dashboard_alert(JsonBuilder *b, const char *level, const char *device,
                                const char *message)
{
  json_builder_begin_object(b);
  web_json_str(b, "level", level);
  web_json_str(b, "source", "device");
  web_json_str(b, "device", device);
  web_json_str(b, "message", message);
  json_builder_end_object(b);
}

/* Adds a warning per supply of `d` at or below API_DASHBOARD_LOW_MARKER per cent. */
static void api_dashboard_markers(JsonBuilder *b, const device_t *d)
{
  JsonNode *n = d->markers ? json_from_string(d->markers, NULL) : NULL;
  JsonArray *a = n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;

  for (guint i = 0; a && i < json_array_get_length(a); i++) {
    JsonNode *e = json_array_get_element(a, i);
    JsonObject *m = JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) : NULL;
    gint64 level = web_json_get_int(m, "level", -1);
    const char *type = web_json_get_str(m, "type", "");
    if (!m || level < 0 || level > API_DASHBOARD_LOW_MARKER || !strncmp(type, "waste", 5))
      continue;  /* a waste tank fills up: its level is not a supply running out */
    char *msg = util_printf("%s: %s is low (%d%%).", d->name,
                            web_json_get_str(m, "name", "a supply"), (int)level);
    api_dashboard_alert(b, "warning", d->name, msg);
    free(msg);
  }
  if (n)
    json_node_unref(n);
}

void api_dashboard_alerts(JsonBuilder *b, device_t *const *devs, size_t n)
{
  char why[512];

  if (!devs) {
    api_dashboard_alert(b, "error", "", "The devices cannot be read from the store.");
    return;
  }
  for (size_t i = 0; i < n; i++) {
    const device_t *d = devs[i];
    if (!d->enabled || !d->checked)
      continue;  /* disabled on purpose, or not checked yet: nothing to report */
    if (!device_can_release(d, why, sizeof(why)))
      api_dashboard_alert(b, "error", d->name, why);
    if (d->reachable)
      api_dashboard_markers(b, d);
  }
}
