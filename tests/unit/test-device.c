/*
 * test-device.c: unit tests of the device decisions that need no device (core/device-plan.c:
 * the format and options a job is sent with, the release checks) and of the devices area of
 * the store (core/store-sqlite-devices.c: devices, deliveries, a delivery and its job's state
 * written in one transaction).
 */
#include "../../core/device-private.h"
#include "../../core/log.h"
#include "../../core/store-devices.h"
#include "../../core/store.h"
#include "../../core/util.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A device with the given capabilities (lists comma-separated). Free with device_free. */
static device_t *make_device(const char *formats, const char *types, const char *res,
                             const char *sides, const char *media, int copies_max, bool color)
{
  device_t *d = calloc(1, sizeof(*d));
  d->name = util_strdup("mfd");
  d->uri = util_strdup("ipp://127.0.0.1:631/ipp/print");
  d->enabled = true;
  d->formats = device_strv_split(formats);
  d->pwg_raster_types = device_strv_split(types);
  char **r = device_strv_split(res);
  size_t n = 0;
  while (r[n])
    n++;
  d->pwg_resolutions = calloc(n + 1, sizeof(int));
  for (size_t i = 0; i < n; i++)
    d->pwg_resolutions[i] = atoi(r[i]);
  device_strv_free(r);
  d->sides_supported = device_strv_split(sides);
  d->duplex = strstr(sides, "two-sided") != NULL;
  d->media_supported = device_strv_split(media);
  d->media_default = util_strdup("na_letter_8.5x11in");
  d->urf = device_strv_split(NULL);
  d->color_modes = device_strv_split(color ? "auto,color,monochrome" : "monochrome");
  d->color = color;
  d->copies_max = copies_max;
  d->markers = util_strdup("[]");
  return d;
}

#define A4 "iso_a4_210x297mm"
#define MEDIA A4 ",na_letter_8.5x11in"
#define SIDES "one-sided,two-sided-long-edge,two-sided-short-edge"

/* Plans one job; returns the result of device_plan. */
static bool plan(const device_t *d, const char *formats, int copies, const char *sides,
                 const char *media, bool mono, device_plan_t *p, char *why)
{
  char **docs = device_strv_split(formats);
  device_plan_in_t in = {.doc_formats = docs, .copies = copies, .sides = sides, .media = media,
                         .media_fallback = A4, .mono = mono};
  bool ok = device_plan(d, &in, p, why, 512);
  device_strv_free(docs);
  return ok;
}

static void test_plan_colour_pdf_device(void)
{
  device_t *d = make_device("application/pdf,image/pwg-raster,image/jpeg", "sgray_8,srgb_8",
                            "300,600", SIDES, MEDIA, 999, true);
  device_plan_t p;
  char why[512];

  CHECK(plan(d, "application/pdf", 2, "two-sided-long-edge", "", false, &p, why));
  CHECK_STR(p.format, "application/pdf");
  CHECK(!p.render && p.copies == 2 && !p.mono);
  CHECK_STR(p.sides, "two-sided-long-edge");
  CHECK_STR(p.media, A4);  /* the queue's default, which the device has */
  CHECK(plan(d, "image/jpeg", 1, "one-sided", "", false, &p, why));
  CHECK_STR(p.format, "image/jpeg");
  CHECK(!p.render);
  CHECK(plan(d, "image/urf", 1, "one-sided", "", false, &p, why));
  CHECK_STR(p.format, "image/pwg-raster");
  CHECK_STR(p.raster_type, "srgb_8");
  CHECK(p.render && p.resolution == 300);
  CHECK(plan(d, "image/urf", 1, "one-sided", "", true, &p, why));
  CHECK_STR(p.raster_type, "sgray_8");
  /* two documents, one document per job on the device: one rendered raster stream */
  CHECK(plan(d, "application/pdf,application/pdf", 1, "one-sided", "", false, &p, why));
  CHECK_STR(p.format, "image/pwg-raster");
  d->multiple_documents = true;
  CHECK(plan(d, "application/pdf,application/pdf", 1, "one-sided", "", false, &p, why));
  CHECK_STR(p.format, "application/pdf");
  CHECK(!plan(d, "application/pdf", 1, "one-sided", "iso_a3_297x420mm", false, &p, why));
  CHECK(strstr(why, "has no iso_a3_297x420mm paper") != NULL);
  CHECK(plan(d, "application/pdf", 1, "one-sided", "na_letter_8.5x11in", false, &p, why));
  CHECK_STR(p.media, "na_letter_8.5x11in");
  device_free(d);
}

static void test_plan_mono_raster_device(void)
{
  device_t *d = make_device("image/pwg-raster", "black_1,sgray_8", "300,600", "one-sided",
                            "na_letter_8.5x11in", 1, false);
  device_plan_t p;
  char why[512];

  CHECK(plan(d, "application/pdf", 3, "two-sided-long-edge", "", false, &p, why));
  CHECK_STR(p.format, "image/pwg-raster");
  CHECK_STR(p.raster_type, "sgray_8");
  CHECK(p.render && p.mono && p.copies == 3);  /* copies go into the raster stream */
  CHECK_STR(p.sides, "one-sided");             /* no duplex there */
  CHECK_STR(p.media, "na_letter_8.5x11in");    /* the queue's A4 is not loaded: device default */
  device_strv_free(d->pwg_raster_types);
  d->pwg_raster_types = device_strv_split("black_1");
  CHECK(!plan(d, "application/pdf", 1, "one-sided", "", false, &p, why));
  CHECK(strstr(why, "black_1") != NULL);
  device_free(d);
}

static void test_plan_refusals(void)
{
  device_t *urf = make_device("image/urf", "", "", "one-sided", "", 99, true);
  device_t *pdf = make_device("application/pdf", "", "", "one-sided", "", 1, true);
  device_t *ps = make_device("application/postscript", "", "", "one-sided", "", 99, true);
  device_plan_t p;
  char why[512];

  CHECK(!plan(urf, "application/pdf", 1, "one-sided", "", false, &p, why));
  CHECK(strstr(why, "image/urf") != NULL);
  CHECK(!plan(pdf, "application/pdf", 2, "one-sided", "", false, &p, why));
  CHECK(strstr(why, "at most 1 copies") != NULL);
  CHECK(plan(pdf, "image/jpeg", 1, "one-sided", "", false, &p, why));
  CHECK_STR(p.format, "application/pdf");  /* the image placed on a PDF page */
  CHECK(p.render);
  CHECK(!plan(ps, "application/pdf", 1, "one-sided", "", false, &p, why));
  CHECK(strstr(why, "application/postscript") != NULL);
  device_free(urf);
  device_free(pdf);
  device_free(ps);
}

static void test_plan_resolution(void)
{
  const char *cases[][2] = {{"600,1200", "600"}, {"150", "150"}, {"", "300"},
                            {"200,300,600", "300"}, {"150,200", "200"}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    device_t *d = make_device("image/pwg-raster", "srgb_8", cases[i][0], "one-sided", "", 1, true);
    device_plan_t p;
    char why[512], want[16];
    CHECK(plan(d, "application/pdf", 1, "one-sided", "", false, &p, why));
    snprintf(want, sizeof(want), "%d", p.resolution);
    CHECK_STR(want, cases[i][1]);
    device_free(d);
  }
}

static void test_can_release(void)
{
  device_t *d = make_device("application/pdf", "", "", "one-sided", "", 1, true);
  char why[512];

  CHECK(!device_can_release(NULL, why, sizeof(why)));
  CHECK(!device_can_release(d, why, sizeof(why)));  /* never checked */
  CHECK(strstr(why, "not known yet") != NULL);
  d->checked = time(NULL);
  d->last_error = util_strdup("connection refused");
  CHECK(!device_can_release(d, why, sizeof(why)));
  CHECK_STR(why, "mfd cannot be reached: connection refused.");
  d->reachable = true;
  d->printer_state = DEVICE_IDLE;
  d->state_reasons = util_strdup("none");
  CHECK(device_can_release(d, why, sizeof(why)));
  device_set_str(&d->state_reasons, "toner-low-warning,media-low-report");
  CHECK(device_can_release(d, why, sizeof(why)));
  device_set_str(&d->state_reasons, "toner-low-warning,media-jam");
  CHECK(!device_can_release(d, why, sizeof(why)));
  CHECK(strstr(why, "(media-jam)") != NULL);
  device_set_str(&d->state_reasons, "media-empty-error");
  d->printer_state = DEVICE_STOPPED;
  d->state_message = util_strdup("Out of paper.");
  CHECK(!device_can_release(d, why, sizeof(why)));
  CHECK_STR(why, "mfd is stopped (media-empty-error): Out of paper.");
  d->enabled = false;
  CHECK(!device_can_release(d, why, sizeof(why)));
  CHECK(strstr(why, "disabled") != NULL);
  device_free(d);
}

static void test_lists(void)
{
  char **v = device_strv_split(" a, b,,c ");
  char *s = device_strv_join(v);
  device_kind_t k;

  CHECK_STR(s, "a,b,c ");
  CHECK(device_list_has(v, "b") && !device_list_has(v, "d"));
  free(s);
  device_strv_free(v);
  v = device_strv_split(NULL);
  CHECK(v[0] == NULL);
  device_strv_free(v);
  CHECK(device_kind_of("ipps://h/ipp/print", &k) && k == DEVICE_IPP);
  CHECK(device_kind_of("socket://h:9100", &k) && k == DEVICE_SOCKET);
  CHECK(device_kind_of("lpd://h/q", &k) && k == DEVICE_LPD);
  CHECK(!device_kind_of("http://h/", &k));
}

/* A held job in the store; returns its id. */
static int store_held_job(store_t *st)
{
  store_job_t j = {.queue = "office", .owner = "alice", .name = "report", .state = 4,
                   .state_reasons = "job-hold-until-specified", .hold_until = "indefinite",
                   .closed = true, .created = time(NULL)};
  CHECK(store_job_insert(st, &j, NULL));
  return j.id;
}

static void test_store(const char *dir)
{
  char *path = util_printf("%s/quire.db", dir), *err = NULL;
  store_t *st = store_open(path, &err);
  CHECK(st != NULL);
  if (!st) {
    free(path);
    return;
  }
  device_t *d = make_device("application/pdf,image/pwg-raster", "sgray_8", "300,600", SIDES,
                            MEDIA, 99, true);
  CHECK(store_device_put(st, d));
  device_t *got = store_device_get(st, "mfd");
  CHECK(got && got->copies_max == 99 && got->pwg_resolutions[1] == 600 && !got->pwg_resolutions[2]);
  CHECK(got && device_list_has(got->formats, "image/pwg-raster") && got->color && got->duplex);
  device_free(got);

  int job = store_held_job(st);
  delivery_t dl = {.job_id = job, .device = "mfd", .state = DELIVERY_QUEUED, .copies = 2,
                   .sides = "one-sided", .format = "application/pdf", .device_impressions = -1};
  store_job_change_t ch = {.state = 3, .reasons = "job-queued", .message = "Sent to mfd."};
  CHECK(store_delivery_save(st, &dl, &ch) && dl.id > 0);
  store_job_t *j = store_job_get(st, job);
  CHECK(j && j->state == 3 && !strcmp(j->state_message, "Sent to mfd."));
  store_job_free(j);
  /* a job change that cannot apply rolls the delivery back too */
  delivery_t bad = dl;
  bad.id = 0;
  bad.job_id = job + 100;
  CHECK(!store_delivery_save(st, &bad, &ch) && bad.id == 0);
  dl.state = DELIVERY_SENT;
  dl.device_job_id = 7;
  CHECK(store_delivery_save(st, &dl, NULL));
  size_t n = 0;
  delivery_t **open = store_delivery_list_open(st, "mfd", &n);
  CHECK(open && n == 1 && open[0]->device_job_id == 7 && open[0]->copies == 2);
  deliveries_free(open, n);
  CHECK(store_delivery_list_job(st, job + 100, &n) && n == 0);
  dl.state = DELIVERY_DONE;
  CHECK(store_delivery_save(st, &dl, NULL));
  open = store_delivery_list_open(st, NULL, &n);
  CHECK(open && n == 0);
  deliveries_free(open, n);
  CHECK(store_device_delete(st, "mfd") && !store_device_delete(st, "mfd"));
  device_free(d);
  store_close(st);
  free(path);
}

int main(void)
{
  char dir[] = "/tmp/quire-test-device-XXXXXX";

  log_init("test-device", LOG_CRIT, false);  /* the refused write logs an error */
  test_plan_colour_pdf_device();
  test_plan_mono_raster_device();
  test_plan_refusals();
  test_plan_resolution();
  test_can_release();
  test_lists();
  if (mkdtemp(dir)) {
    test_store(dir);
    char *cmd = util_printf("rm -rf '%s'", dir);
    if (system(cmd) != 0)
      fprintf(stderr, "cannot remove %s\n", dir);
    free(cmd);
  } else {
    CHECK(!"mkdtemp");
  }
  return test_summary();
}
