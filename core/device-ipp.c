/*
 * device-ipp.c: quire as an IPP client of a device (libcups): connections whose every wait is
 * bounded, requests, documents streamed from a file, and the reading of a device's
 * Get-Printer-Attributes answer into a device_t (see device-private.h).
 */
#include "device-private.h"

#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEVIPP_CHUNK 65536
#define DEVIPP_CONNECT_MAX 5   /* seconds a TCP connect may take (it cannot be interrupted) */

/* libcups calls this after each second a read or write waited in vain: go on waiting while
 * the idle limit is not reached and nobody asked us to stop. */
static int devipp_timeout_cb(http_t *http, void *data)
{
  devipp_t *c = data;
  (void)http;
  c->idle++;
  return c->idle < c->idle_max && !(c->cancel && atomic_load(c->cancel));
}

/* Never ask anyone for a password: devices that want one are refused. */
static const char *devipp_no_password(const char *prompt, http_t *http, const char *method,
                                      const char *resource, void *data)
{
  (void)prompt;
  (void)http;
  (void)method;
  (void)resource;
  (void)data;
  return NULL;
}

bool devipp_open(devipp_t *c, const char *uri, int timeout, const atomic_bool *cancel,
                 char *err, size_t len)
{
  char scheme[16], user[256], host[256];
  int port = 0;

  memset(c, 0, sizeof(*c));
  c->idle_max = timeout > 0 ? timeout : 1;
  c->cancel = cancel;
  if (httpSeparateURI(HTTP_URI_CODING_ALL, uri, scheme, sizeof(scheme), user, sizeof(user),
                      host, sizeof(host), &port, c->resource, sizeof(c->resource)) <
          HTTP_URI_STATUS_OK ||
      (strcmp(scheme, "ipp") && strcmp(scheme, "ipps"))) {
    snprintf(err, len, "not an ipp:// or ipps:// URI: %s", uri);
    return false;
  }
  snprintf(c->uri, sizeof(c->uri), "%s", uri);
  cupsSetPasswordCB2(devipp_no_password, NULL);  /* per thread in libcups */
  c->http = httpConnect2(host, port, NULL, AF_UNSPEC,
                         !strcmp(scheme, "ipps") ? HTTP_ENCRYPTION_ALWAYS
                                                 : HTTP_ENCRYPTION_IF_REQUESTED,
                         1, (c->idle_max < DEVIPP_CONNECT_MAX ? c->idle_max
                                                              : DEVIPP_CONNECT_MAX) * 1000,
                         NULL);
  if (!c->http) {
    snprintf(err, len, "cannot connect to %s:%d: %s", host, port, cupsLastErrorString());
    return false;
  }
  httpSetTimeout(c->http, 1.0, devipp_timeout_cb, c);
  return true;
}

void devipp_close(devipp_t *c)
{
  if (c->http)
    httpClose(c->http);
  c->http = NULL;
}

ipp_t *devipp_request(const devipp_t *c, ipp_op_t op, const char *user)
{
  ipp_t *req = ippNewRequest(op);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, c->uri);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL,
               user && *user ? user : "quire");
  return req;
}

/* The reason a request got no IPP answer. */
static void devipp_failed(devipp_t *c, char *err, size_t len)
{
  if (c->cancel && atomic_load(c->cancel))
    snprintf(err, len, "quired is stopping");
  else if (c->idle >= c->idle_max)
    snprintf(err, len, "no answer within %d s", c->idle_max);
  else
    snprintf(err, len, "%s", cupsLastErrorString());
}

ipp_t *devipp_do(devipp_t *c, ipp_t *req, char *err, size_t len)
{
  c->idle = 0;
  ipp_t *resp = cupsDoRequest(c->http, req, c->resource);  /* frees req */
  if (!resp)
    devipp_failed(c, err, len);
  return resp;
}

ipp_t *devipp_do_file(devipp_t *c, ipp_t *req, const char *path, bool *all_sent, char *err,
                      size_t len)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat sb;
  char *buf = NULL;
  ipp_t *resp = NULL;
  bool ok = fd >= 0 && fstat(fd, &sb) == 0;

  c->idle = 0;
  *all_sent = false;
  if (!ok)
    snprintf(err, len, "cannot read %s: %s", path, strerror(errno));
  /* The length given is that of the whole body: the IPP message and the document. */
  if (ok && cupsSendRequest(c->http, req, c->resource, ippLength(req) + (size_t)sb.st_size) !=
                HTTP_STATUS_CONTINUE) {
    devipp_failed(c, err, len);
    ok = false;
  }
  if (ok && !(buf = malloc(DEVIPP_CHUNK)))
    abort();
  for (ssize_t n; ok && (n = read(fd, buf, DEVIPP_CHUNK)) != 0;) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      snprintf(err, len, "cannot read %s: %s", path, strerror(errno));
      ok = false;
    } else if (cupsWriteRequestData(c->http, buf, (size_t)n) != HTTP_STATUS_CONTINUE) {
      devipp_failed(c, err, len);
      ok = false;
    } else {
      c->idle = 0;  /* progress */
    }
  }
  *all_sent = ok;
  if (ok && !(resp = cupsGetResponse(c->http, c->resource)))
    devipp_failed(c, err, len);
  if (ok && httpGetState(c->http) != HTTP_STATE_WAITING)
    httpFlush(c->http);
  free(buf);
  if (fd >= 0)
    close(fd);
  ippDelete(req);
  return resp;
}

ipp_status_t devipp_status(ipp_t *resp)
{
  return resp ? ippGetStatusCode(resp) : IPP_STATUS_ERROR_INTERNAL;
}

/* ---- reading Get-Printer-Attributes ------------------------------------------------------ */

/* Every string value of attribute `name` as a list (empty if absent). */
static char **device_ipp_strings(ipp_t *resp, const char *name)
{
  ipp_attribute_t *a = ippFindAttribute(resp, name, IPP_TAG_ZERO);
  int n = a ? ippGetCount(a) : 0;
  char **v = calloc((size_t)n + 1, sizeof(char *));

  if (!v)
    abort();
  for (int i = 0, j = 0; i < n; i++) {
    const char *s = ippGetString(a, i, NULL);
    if (s)
      v[j++] = util_strdup(s);
  }
  return v;
}

/* Resolutions in dpi, 0-ended. */
static int *device_ipp_resolutions(ipp_t *resp, const char *name)
{
  ipp_attribute_t *a = ippFindAttribute(resp, name, IPP_TAG_RESOLUTION);
  int n = a ? ippGetCount(a) : 0;
  int *v = calloc((size_t)n + 1, sizeof(int));

  if (!v)
    abort();
  for (int i = 0; i < n; i++) {
    int yres;
    ipp_res_t units;
    int x = ippGetResolution(a, i, &yres, &units);
    v[i] = units == IPP_RES_PER_CM ? (int)(x * 2.54 + 0.5) : x;
  }
  return v;
}

void device_caps_from_ipp(device_t *d, ipp_t *resp)
{
  ipp_attribute_t *a;

  device_strv_free(d->formats);
  d->formats = device_ipp_strings(resp, "document-format-supported");
  device_strv_free(d->color_modes);
  d->color_modes = device_ipp_strings(resp, "print-color-mode-supported");
  a = ippFindAttribute(resp, "color-supported", IPP_TAG_BOOLEAN);
  d->color = (a && ippGetBoolean(a, 0)) || device_list_has(d->color_modes, "color");
  device_strv_free(d->sides_supported);
  d->sides_supported = device_ipp_strings(resp, "sides-supported");
  d->duplex = device_list_has(d->sides_supported, "two-sided-long-edge") ||
              device_list_has(d->sides_supported, "two-sided-short-edge");
  device_strv_free(d->media_supported);
  d->media_supported = device_ipp_strings(resp, "media-supported");
  a = ippFindAttribute(resp, "media-default", IPP_TAG_ZERO);
  device_set_str(&d->media_default, a ? ippGetString(a, 0, NULL) : NULL);
  device_strv_free(d->pwg_raster_types);
  d->pwg_raster_types = device_ipp_strings(resp, "pwg-raster-document-type-supported");
  free(d->pwg_resolutions);
  d->pwg_resolutions = device_ipp_resolutions(resp, "pwg-raster-document-resolution-supported");
  device_strv_free(d->urf);
  d->urf = device_ipp_strings(resp, "urf-supported");
  a = ippFindAttribute(resp, "copies-supported", IPP_TAG_RANGE);
  d->copies_max = 1;
  if (a) {
    int upper = 1;
    ippGetRange(a, 0, &upper);
    d->copies_max = upper > 0 ? upper : 1;
  }
  a = ippFindAttribute(resp, "multiple-document-jobs-supported", IPP_TAG_BOOLEAN);
  d->multiple_documents = a && ippGetBoolean(a, 0);
  a = ippFindAttribute(resp, "printer-make-and-model", IPP_TAG_ZERO);
  device_set_str(&d->make_model, a ? ippGetString(a, 0, NULL) : NULL);
  d->caps_checked = time(NULL);
}

/* Adds one marker object to the JSON being built. */
static void device_marker_add(JsonBuilder *b, const char *name, const char *color,
                              const char *type, int level)
{
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "name");
  json_builder_add_string_value(b, name ? name : "");
  json_builder_set_member_name(b, "color");
  json_builder_add_string_value(b, color ? color : "");
  json_builder_set_member_name(b, "type");
  json_builder_add_string_value(b, type ? type : "");
  json_builder_set_member_name(b, "level");
  json_builder_add_int_value(b, level);
  json_builder_end_object(b);
}

/* The value of `key` in a printer-supply string "k=v;k=v;" (PWG 5100.13), into dst. */
static void device_supply_value(const char *supply, const char *key, char *dst, size_t size)
{
  size_t klen = strlen(key);
  dst[0] = '\0';
  for (const char *p = supply; p && *p;) {
    const char *end = strchr(p, ';');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n > klen && !strncmp(p, key, klen) && p[klen] == '=')
      snprintf(dst, size, "%.*s", (int)(n - klen - 1), p + klen + 1);
    p = end ? end + 1 : NULL;
  }
}

/* Markers from printer-supply (+ printer-supply-description), as devices without CUPS's
 * marker-* attributes report them. */
static void device_markers_supply(JsonBuilder *b, ipp_t *resp)
{
  ipp_attribute_t *sup = ippFindAttribute(resp, "printer-supply", IPP_TAG_STRING);
  ipp_attribute_t *desc = ippFindAttribute(resp, "printer-supply-description", IPP_TAG_ZERO);

  for (int i = 0; sup && i < ippGetCount(sup); i++) {
    int vlen = 0;
    const char *v = ippGetOctetString(sup, i, &vlen);
    char text[1024], level[32], color[64], type[64];
    snprintf(text, sizeof(text), "%.*s", v ? vlen : 0, v ? v : "");
    device_supply_value(text, "level", level, sizeof(level));
    device_supply_value(text, "colorantname", color, sizeof(color));
    device_supply_value(text, "type", type, sizeof(type));
    const char *name = desc && i < ippGetCount(desc) ? ippGetString(desc, i, NULL) : type;
    device_marker_add(b, name, color, type, level[0] ? atoi(level) : -1);
  }
}

/* The markers of a response as a JSON array (malloc'd). */
static char *device_markers_json(ipp_t *resp)
{
  ipp_attribute_t *names = ippFindAttribute(resp, "marker-names", IPP_TAG_ZERO);
  ipp_attribute_t *colors = ippFindAttribute(resp, "marker-colors", IPP_TAG_ZERO);
  ipp_attribute_t *types = ippFindAttribute(resp, "marker-types", IPP_TAG_ZERO);
  ipp_attribute_t *levels = ippFindAttribute(resp, "marker-levels", IPP_TAG_INTEGER);
  JsonBuilder *b = json_builder_new();

  json_builder_begin_array(b);
  if (names) {
    for (int i = 0; i < ippGetCount(names); i++)
      device_marker_add(b, ippGetString(names, i, NULL),
                        colors && i < ippGetCount(colors) ? ippGetString(colors, i, NULL) : NULL,
                        types && i < ippGetCount(types) ? ippGetString(types, i, NULL) : NULL,
                        levels && i < ippGetCount(levels) ? ippGetInteger(levels, i) : -1);
  } else {
    device_markers_supply(b, resp);
  }
  json_builder_end_array(b);
  JsonGenerator *g = json_generator_new();
  JsonNode *root = json_builder_get_root(b);
  json_generator_set_root(g, root);
  gchar *s = json_generator_to_data(g, NULL);
  char *r = util_strdup(s);
  g_free(s);
  json_node_unref(root);
  g_object_unref(g);
  g_object_unref(b);
  return r;
}

void device_status_from_ipp(device_t *d, ipp_t *resp)
{
  ipp_attribute_t *a = ippFindAttribute(resp, "printer-state", IPP_TAG_ENUM);
  d->printer_state = a ? ippGetInteger(a, 0) : DEVICE_IDLE;
  char **reasons = device_ipp_strings(resp, "printer-state-reasons");
  free(d->state_reasons);
  d->state_reasons = device_strv_join(reasons);
  device_strv_free(reasons);
  a = ippFindAttribute(resp, "printer-state-message", IPP_TAG_ZERO);
  device_set_str(&d->state_message, a ? ippGetString(a, 0, NULL) : NULL);
  free(d->markers);
  d->markers = device_markers_json(resp);
}

bool device_probe(device_t *d, bool caps, int timeout, const atomic_bool *cancel, char *err,
                  size_t len)
{
  static const char *const status_attrs[] = {
    "printer-state", "printer-state-reasons", "printer-state-message", "marker-names",
    "marker-colors", "marker-levels", "marker-types", "printer-supply",
    "printer-supply-description"};
  devipp_t c;
  ipp_t *resp = NULL;
  bool ok = devipp_open(&c, d->uri, timeout, cancel, err, len);

  if (ok) {
    ipp_t *req = devipp_request(&c, IPP_OP_GET_PRINTER_ATTRIBUTES, NULL);
    if (caps)
      ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", NULL, "all");
    else
      ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
                    (int)(sizeof(status_attrs) / sizeof(status_attrs[0])), NULL, status_attrs);
    resp = devipp_do(&c, req, err, len);
    if (resp && devipp_status(resp) > IPP_STATUS_OK_CONFLICTING) {
      snprintf(err, len, "the device answered %s", ippErrorString(devipp_status(resp)));
      ok = false;
    }
  }
  if (ok && resp) {
    if (caps)
      device_caps_from_ipp(d, resp);
    device_status_from_ipp(d, resp);
  }
  ok = ok && resp;
  ippDelete(resp);
  devipp_close(&c);
  d->reachable = ok;
  d->checked = time(NULL);
  device_set_str(&d->last_error, ok ? NULL : err);
  return ok;
}
