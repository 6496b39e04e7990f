/*
 * testpage.c: a device's test page, drawn with cairo and printed as a job (see testpage.h).
 */
#include "testpage.h"

#include "device.h"
#include "drawbuf.h"
#include "forward.h"
#include "job.h"
#include "log.h"
#include "util.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TESTPAGE_FRESH 0   /* ask the device for its state before printing */

/* ---- drawing ----------------------------------------------------------------------------- */

/* One line of text at (x, y) in points. */
static void testpage_text(cairo_t *cr, double x, double y, double size, bool bold,
                          const char *text)
{
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
  cairo_move_to(cr, x, y);
  cairo_show_text(cr, text ? text : "");
}

/* A row of swatches: cyan, magenta, yellow, black, red, green, blue; or a grey ramp. */
static void testpage_bar(cairo_t *cr, double x, double y, double w, double h, bool color)
{
  static const double rgb[][3] = {{0, 1, 1}, {1, 0, 1}, {1, 1, 0}, {0, 0, 0},
                                  {1, 0, 0}, {0, 0.6, 0}, {0, 0, 1}};
  int n = color ? 7 : 8;
  double sw = w / n;

  for (int i = 0; i < n; i++) {
    if (color)
      cairo_set_source_rgb(cr, rgb[i][0], rgb[i][1], rgb[i][2]);
    else
      cairo_set_source_rgb(cr, i / 7.0, i / 7.0, i / 7.0);
    cairo_rectangle(cr, x + i * sw, y, sw, h);
    cairo_fill(cr);
  }
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, x, y, w, h);
  cairo_stroke(cr);
}

/* Draws the page's content on `cr` (page size w x h points). */
static void testpage_draw(cairo_t *cr, const testpage_info_t *in, double w, double h)
{
  char date[64], line[600];
  struct tm tm;

  localtime_r(&in->when, &tm);
  strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S %Z", &tm);
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_line_width(cr, 2);
  cairo_rectangle(cr, 36, 36, w - 72, h - 72);
  cairo_stroke(cr);
  testpage_text(cr, 72, 120, 28, true, "quire test page");
  snprintf(line, sizeof(line), "Appliance: %s", in->appliance);
  testpage_text(cr, 72, 170, 14, false, line);
  snprintf(line, sizeof(line), "Printer: %s", in->device);
  testpage_text(cr, 72, 192, 14, false, line);
  snprintf(line, sizeof(line), "URI: %s", in->uri);
  testpage_text(cr, 72, 214, 14, false, line);
  snprintf(line, sizeof(line), "Model: %s", in->make_model && *in->make_model
                                              ? in->make_model : "unknown");
  testpage_text(cr, 72, 236, 14, false, line);
  snprintf(line, sizeof(line), "Printed: %s", date);
  testpage_text(cr, 72, 258, 14, false, line);
  testpage_text(cr, 72, 310, 12, false, in->color ? "Colour bar (C M Y K R G B):"
                                                  : "Grey ramp (this printer prints in grey):");
  testpage_bar(cr, 72, 322, w - 144, 60, in->color);
  testpage_text(cr, 72, h - 72, 10, false,
                "If you can read this page, the printer receives jobs from quire.");
}

unsigned char *testpage_pdf(const testpage_info_t *info, size_t *len)
{
  bool letter = info->media && strstr(info->media, "letter");
  double w = letter ? 612 : 595, h = letter ? 792 : 842;
  drawbuf_t buf = {0};
  cairo_surface_t *sf = cairo_pdf_surface_create_for_stream(drawbuf_write, &buf, w, h);
  cairo_t *cr = cairo_create(sf);

  cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE, "quire test page");
  testpage_draw(cr, info, w, h);
  cairo_show_page(cr);
  cairo_status_t st = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_finish(sf);
  if (st == CAIRO_STATUS_SUCCESS)
    st = cairo_surface_status(sf);
  cairo_surface_destroy(sf);
  if (st != CAIRO_STATUS_SUCCESS || !buf.len) {
    log_error("test page: cairo: %s", cairo_status_to_string(st));
    free(buf.data);
    return NULL;
  }
  *len = buf.len;
  return buf.data;
}

/* ---- printing ---------------------------------------------------------------------------- */

/* Writes `data` into the spool as a PDF document; fills `doc` (path, sha256, size). */
static bool testpage_spool(quire_system_t *sys, const unsigned char *data, size_t n,
                           store_doc_t *doc)
{
  spool_writer_t *w = spool_writer_new(sys->spool, NULL, (int64_t)n + 1);
  if (!w)
    return false;
  if (spool_writer_write(w, data, n) != SPOOL_OK) {
    spool_writer_abort(w);
    return false;
  }
  return spool_writer_finish(w, "pdf", doc) == SPOOL_OK;
}

/* Stores the test page of `dev` as a held job of `user`; returns its id, 0 on failure. */
static int testpage_job(quire_system_t *sys, const device_t *dev, const char *user)
{
  pthread_rwlock_rdlock(&sys->config_lock);
  char *appliance = util_strdup(sys->config->server_name);
  pthread_rwlock_unlock(&sys->config_lock);
  testpage_info_t info = {.appliance = appliance, .device = dev->name, .uri = dev->uri,
                          .make_model = dev->make_model, .media = dev->media_default,
                          .color = dev->color, .when = time(NULL)};
  size_t n = 0;
  unsigned char *pdf = testpage_pdf(&info, &n);
  store_doc_t doc = {.number = 1, .name = "test-page.pdf", .format = "application/pdf",
                     .created = info.when};
  char uuid[64];
  char *title = util_printf("Test page for %s", dev->name);
  store_job_t job = {.queue = TESTPAGE_QUEUE, .owner = (char *)user, .name = title};
  int id = 0;

  if (util_uuid_new(uuid, sizeof(uuid)))
    job.uuid = uuid;
  if (pdf && testpage_spool(sys, pdf, n, &doc)) {
    if (job_submit(sys, &job, &doc) == JOB_OK)
      id = job.id;
    else
      spool_remove(sys->spool, doc.path);
  }
  store_analysis_t a = {.state = STORE_ANALYSIS_DONE, .pages = 1, .sheets = 1,
                        .color_pages = dev->color ? 1 : 0, .impressions = 1};
  if (id && !store_job_set_analysis(sys->store, id, &a))
    log_warn("job %d: cannot record the test page's analysis", id);
  free(job.state_reasons);  /* set by job_submit */
  free(job.hold_until);
  free(doc.path);
  free(doc.sha256);
  free(title);
  free(pdf);
  free(appliance);
  return id;
}

int testpage_print(quire_system_t *sys, const char *device, const char *user, int *status,
                   char *why, size_t len)
{
  device_t *dev = device_get_fresh(sys, device, TESTPAGE_FRESH);
  forward_options_t opt = {.account = TESTPAGE_ACCOUNT, .released_by = user,
                           .abort_on_failure = true};
  int id = 0;

  *status = 500;
  if (!dev) {
    *status = 404;
    snprintf(why, len, "There is no printer \"%s\".", device);
  } else if (!device_can_release(dev, why, len)) {
    *status = 409;
  } else if (!(id = testpage_job(sys, dev, user))) {
    snprintf(why, len, "The test page could not be stored (spool or store error).");
  } else if (!forward_submit(sys, id, dev->name, &opt, why, len)) {
    job_actor_t admin = {.user = user, .admin = true};
    job_cancel(sys, &admin, id, "job-canceled-by-operator");
    *status = 409;
    id = 0;
  } else {
    log_info("job %d: test page for %s, asked by %s", id, dev->name, user);
  }
  device_free(dev);
  return id;
}
