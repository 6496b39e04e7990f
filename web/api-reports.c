/*
 * api-reports.c: accounting reports and the journal in the admin API (docs/api.md):
 *
 *   GET /api/reports?by=user|group|device|queue|day|account[&from=YYYY-MM-DD][&to=YYYY-MM-DD]
 *                   [&format=json|csv]
 *   GET /api/journal[?after=SEQ][&limit=N]
 *   GET /api/journal/verify
 *
 * Admin token or an admin's session. Amounts are decimal strings in the configured currency.
 */
#include "api-reports.h"

#include "session.h"

#include "../core/accounting.h"
#include "../core/util.h"

#include <csv.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* True (with the admin checked) or false with 401/403 set. */
static bool reports_admin(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  web_user_t *u = web_session_require(ctx, req, rep, WEB_ROLE_ADMIN);
  web_user_free(u);
  return u != NULL;
}

/* The rows as CSV (RFC 4180, libcsv quoting), with a header line. Caller frees. */
static char *reports_csv(store_report_row_t **rows, size_t n, const char *by, size_t *len)
{
  char *text = NULL;
  FILE *out = open_memstream(&text, len);
  if (!out)
    return NULL;
  fprintf(out, "%s,jobs,pages,sheets,color_pages,mono_pages,cost\r\n", by);
  for (size_t i = 0; i < n; i++) {
    char cost[32];
    money_format(rows[i]->cost, cost, sizeof(cost));
    csv_fwrite(out, rows[i]->key, strlen(rows[i]->key));
    fprintf(out, ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%s\r\n",
            (int64_t)rows[i]->jobs, (int64_t)rows[i]->pages, (int64_t)rows[i]->sheets,
            (int64_t)rows[i]->color_pages, (int64_t)rows[i]->mono_pages, cost);
  }
  fclose(out);
  return text;
}

/* Sends the rows as a CSV download named after the report. */
static void reports_reply_csv(const web_request_t *req, web_reply_t *rep,
                              store_report_row_t **rows, size_t n, const char *by)
{
  size_t len = 0;
  char *csv = reports_csv(rows, n, by, &len);
  if (!csv) {
    web_reply_error(rep, 500, "cannot write the CSV");
    return;
  }
  web_reply_data(rep, 200, "text/csv; charset=utf-8", csv, len);
  free(csv);
  const char *from = req->query(req, "from"), *to = req->query(req, "to");
  char *disp = util_printf("attachment; filename=\"quire-report-%s%s%s%s%s.csv\"", by,
                           from ? "-from-" : "", from ? from : "", to ? "-to-" : "",
                           to ? to : "");
  web_reply_header(rep, "Content-Disposition", disp);
  free(disp);
}

/* Sends the rows as the JSON answer. */
static void reports_reply_json(const web_ctx_t *ctx, web_reply_t *rep,
                               store_report_row_t **rows, size_t n, const char *by)
{
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  web_json_str(b, "by", by);
  pthread_rwlock_rdlock(&ctx->sys->config_lock);
  web_json_str(b, "currency", ctx->sys->config->accounting.currency);
  pthread_rwlock_unlock(&ctx->sys->config_lock);
  json_builder_set_member_name(b, "rows");
  json_builder_begin_array(b);
  for (size_t i = 0; i < n; i++) {
    char cost[32];
    money_format(rows[i]->cost, cost, sizeof(cost));
    json_builder_begin_object(b);
    web_json_str(b, "key", rows[i]->key);
    web_json_int(b, "jobs", rows[i]->jobs);
    web_json_int(b, "pages", rows[i]->pages);
    web_json_int(b, "sheets", rows[i]->sheets);
    web_json_int(b, "color_pages", rows[i]->color_pages);
    web_json_int(b, "mono_pages", rows[i]->mono_pages);
    web_json_str(b, "cost", cost);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
  web_reply_json(rep, 200, web_json_finish(b));
}

static void reports_get(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  if (!reports_admin(ctx, req, rep))
    return;
  const char *by = req->query(req, "by"), *format = req->query(req, "format");
  time_t from = accounting_parse_date(req->query(req, "from"), 0);
  time_t to = accounting_parse_date(req->query(req, "to"), time(NULL) + 366 * 86400);
  size_t n = 0;
  if (format && strcmp(format, "json") && strcmp(format, "csv")) {
    web_reply_error(rep, 400, "format is json or csv");
    return;
  }
  store_report_row_t **rows = from >= 0 && to >= 0 && by
                                ? store_report(ctx->sys->store, by, from, to, &n) : NULL;
  if (!rows) {
    web_reply_error(rep, 400, "by is user, group, device, queue, day or account; from and to "
                              "are YYYY-MM-DD (to is exclusive)");
    return;
  }
  if (format && !strcmp(format, "csv"))
    reports_reply_csv(req, rep, rows, n, by);
  else
    reports_reply_json(ctx, rep, rows, n, by);
  store_report_free(rows, n);
}

/* Adds one journal record. */
static void reports_json_record(JsonBuilder *b, const store_record_t *r)
{
  char cost[32];
  money_format(r->cost, cost, sizeof(cost));
  json_builder_begin_object(b);
  web_json_int(b, "seq", r->seq);
  web_json_int(b, "delivery", r->delivery);
  web_json_int(b, "job", r->job_id);
  web_json_str(b, "user", r->user);
  web_json_str(b, "queue", r->queue);
  web_json_str(b, "device", r->device);
  web_json_str(b, "site", r->site);
  web_json_str(b, "account", r->account);
  web_json_str(b, "media", r->media);
  web_json_str(b, "format", r->format);
  web_json_int(b, "submitted", r->submitted);
  web_json_int(b, "printed", r->printed);
  web_json_int(b, "pages", r->pages);
  web_json_int(b, "sheets", r->sheets);
  web_json_int(b, "color_pages", r->color_pages);
  web_json_int(b, "mono_pages", r->mono_pages);
  web_json_int(b, "copies", r->copies);
  web_json_bool(b, "duplex", r->duplex);
  web_json_str(b, "cost", cost);
  web_json_str(b, "hash", r->hash);
  json_builder_end_object(b);
}

static void reports_journal(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  if (!reports_admin(ctx, req, rep))
    return;
  const char *after = req->query(req, "after"), *limit = req->query(req, "limit");
  int lim = limit ? atoi(limit) : 1000;
  size_t n = 0;
  store_record_t **recs = store_journal_list(ctx->sys->store, after ? atoll(after) : 0,
                                             lim > 0 && lim <= 10000 ? lim : 1000, &n);
  if (!recs) {
    web_reply_error(rep, 500, "cannot read the journal");
    return;
  }
  JsonBuilder *b = json_builder_new();
  json_builder_begin_array(b);
  for (size_t i = 0; i < n; i++)
    reports_json_record(b, recs[i]);
  json_builder_end_array(b);
  web_reply_json(rep, 200, web_json_finish(b));
  store_records_free(recs, n);
}

static void reports_verify(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  if (!reports_admin(ctx, req, rep))
    return;
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  int64_t bad = 0;
  bool ok = out && accounting_verify(ctx->sys->store, out, &bad);
  if (out)
    fclose(out);
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  web_json_bool(b, "intact", ok);
  web_json_int(b, "first_bad_record", ok ? 0 : bad);
  web_json_str(b, "report", text ? text : "");
  json_builder_end_object(b);
  web_reply_json(rep, 200, web_json_finish(b));
  free(text);
}

const web_route_t api_reports_routes[] = {
  {"GET", "/api/reports", reports_get},
  {"GET", "/api/journal/verify", reports_verify},
  {"GET", "/api/journal", reports_journal},
  {NULL, NULL, NULL}
};
