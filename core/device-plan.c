/*
 * device-plan.c: the decisions about a device that need no I/O (see device.h and
 * device-private.h): may jobs be released to it now, and how a job is sent to it (the
 * spooled PDF or JPEG as is, or what quire-render makes of it).
 */
#include "device-private.h"

#include "ticket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool device_list_has(char *const *list, const char *s)
{
  for (size_t i = 0; list && s && list[i]; i++)
    if (!strcmp(list[i], s))
      return true;
  return false;
}

/* True for a printer-state-reasons keyword that stops printing (RFC 8011 5.4.12: any
 * "-error", and the conditions that need someone at the device). */
static bool device_reason_blocks(const char *r)
{
  static const char *const blocking[] = {
    "media-empty", "media-jam", "media-needed", "toner-empty", "marker-supply-empty",
    "marker-waste-full", "door-open", "cover-open", "interlock-open", "input-tray-missing",
    "output-area-full", "output-tray-missing", "paused", "moving-to-paused", "shutdown",
    "offline", "spool-area-full", "timed-out", NULL};
  size_t n = strlen(r);

  if (n > 6 && !strcmp(r + n - 6, "-error"))
    return true;
  if ((n > 8 && !strcmp(r + n - 8, "-warning")) || (n > 7 && !strcmp(r + n - 7, "-report")))
    return false;
  for (size_t i = 0; blocking[i]; i++)
    if (!strcmp(r, blocking[i]))
      return true;
  return false;
}

/* The first blocking reason of a comma-separated list into dst ("" if none). */
static void device_blocking_reason(const char *reasons, char *dst, size_t size)
{
  char **list = device_strv_split(reasons);
  dst[0] = '\0';
  for (size_t i = 0; list[i] && !dst[0]; i++)
    if (device_reason_blocks(list[i]))
      snprintf(dst, size, "%s", list[i]);
  device_strv_free(list);
}

void device_sentence(char *dst, size_t len, const char *text)
{
  size_t n = strlen(text);
  while (n > 0 && (text[n - 1] == '.' || text[n - 1] == ' '))
    n--;
  snprintf(dst, len, "%.*s.", (int)n, text);
}

bool device_can_release(const device_t *d, char *why, size_t len)
{
  char reason[128], text[512];

  if (!d) {
    snprintf(why, len, "No such printer.");
    return false;
  }
  if (!d->enabled) {
    snprintf(why, len, "%s is disabled.", d->name);
    return false;
  }
  if (!d->checked) {
    snprintf(why, len, "The state of %s is not known yet; try again in a moment.", d->name);
    return false;
  }
  if (!d->reachable) {
    snprintf(text, sizeof(text), "%s cannot be reached%s%s", d->name, d->last_error ? ": " : "",
             d->last_error ? d->last_error : "");
    device_sentence(why, len, text);
    return false;
  }
  device_blocking_reason(d->state_reasons, reason, sizeof(reason));
  if (d->printer_state == DEVICE_STOPPED || reason[0]) {
    snprintf(text, sizeof(text), "%s is stopped%s%s%s%s%s", d->name, reason[0] ? " (" : "",
             reason, reason[0] ? ")" : "", d->state_message && *d->state_message ? ": " : "",
             d->state_message ? d->state_message : "");
    device_sentence(why, len, text);
    return false;
  }
  return true;
}

bool device_can_release_public(const device_t *d, char *why, size_t len)
{
  if (device_can_release(d, why, len))
    return true;
  if (d && d->enabled && d->checked && !d->reachable)
    snprintf(why, len, "%s cannot be reached at the moment.", d->name);
  return false;
}

const char *device_state_name(int printer_state)
{
  switch (printer_state) {
  case DEVICE_IDLE: return "idle";
  case DEVICE_PROCESSING: return "processing";
  case DEVICE_STOPPED: return "stopped";
  default: return "unknown";
  }
}

/* Picks the raster resolution: 300 dpi if offered, else the smallest above, else the largest
 * (300 when the device lists none). */
static int device_pick_resolution(const int *res)
{
  int above = 0, best = 0;
  for (size_t i = 0; res && res[i]; i++) {
    if (res[i] == 300)
      return 300;
    if (res[i] > 300 && (!above || res[i] < above))
      above = res[i];
    if (res[i] > best)
      best = res[i];
  }
  return above ? above : best ? best : 300;
}

/* The PWG raster type to send: sgray_8 for grey output, srgb_8 for colour, the other one when
 * the device lacks it; "" when it takes neither. Devices that list no types (socket, LPD)
 * take both. */
static const char *device_pick_raster_type(const device_t *d, bool mono)
{
  bool none = !d->pwg_raster_types[0];
  bool gray = none || device_list_has(d->pwg_raster_types, "sgray_8");
  bool rgb = none || device_list_has(d->pwg_raster_types, "srgb_8");
  if (mono)
    return gray ? "sgray_8" : rgb ? "srgb_8" : "";
  return rgb ? "srgb_8" : gray ? "sgray_8" : "";
}

/* True when every document is `format`. */
static bool device_docs_all(char *const *docs, const char *format)
{
  if (!docs[0])
    return false;
  for (size_t i = 0; docs[i]; i++)
    if (strcmp(docs[i], format))
      return false;
  return true;
}

/* Chooses sides and media for the plan; false with a reason if the media is missing. */
static bool device_plan_paper(const device_t *d, const device_plan_in_t *in, device_plan_t *p,
                              char *why, size_t len)
{
  bool two = strncmp(in->sides, "two-sided", 9) == 0;
  bool can = d->sides_supported[0] ? device_list_has(d->sides_supported, in->sides) : d->duplex;

  snprintf(p->sides, sizeof(p->sides), "%s", two && !can ? "one-sided" : in->sides);
  p->media[0] = '\0';
  if (in->media && in->media[0]) {
    if (d->media_supported[0] && !device_list_has(d->media_supported, in->media)) {
      snprintf(why, len, "%s has no %s paper.", d->name, in->media);
      return false;
    }
    snprintf(p->media, sizeof(p->media), "%s", in->media);
  } else if (in->media_fallback && in->media_fallback[0] &&
             (!d->media_supported[0] || device_list_has(d->media_supported, in->media_fallback))) {
    snprintf(p->media, sizeof(p->media), "%s", in->media_fallback);
  } else if (d->media_default) {
    snprintf(p->media, sizeof(p->media), "%s", d->media_default);
  }
  return true;
}

bool device_plan(const device_t *d, const device_plan_in_t *in, device_plan_t *p, char *why,
                 size_t len)
{
  size_t ndocs = 0;
  while (in->doc_formats[ndocs])
    ndocs++;
  memset(p, 0, sizeof(*p));
  p->copies = in->copies > 0 ? in->copies : 1;
  p->mono = in->mono || !d->color;
  if (!device_plan_paper(d, in, p, why, len))
    return false;

  bool pdf = device_list_has(d->formats, "application/pdf");
  bool jpeg = device_list_has(d->formats, "image/jpeg");
  const char *rtype = device_list_has(d->formats, "image/pwg-raster")
                      ? device_pick_raster_type(d, p->mono) : "";
  bool copies_ok = p->copies <= (d->copies_max > 0 ? d->copies_max : 1);
  bool docs_ok = ndocs == 1 || d->multiple_documents;

  if (pdf && copies_ok && docs_ok && device_docs_all(in->doc_formats, "application/pdf")) {
    snprintf(p->format, sizeof(p->format), "application/pdf");
  } else if (jpeg && copies_ok && ndocs == 1 && !strcmp(in->doc_formats[0], "image/jpeg")) {
    snprintf(p->format, sizeof(p->format), "image/jpeg");
  } else if (rtype[0]) {
    snprintf(p->format, sizeof(p->format), "image/pwg-raster");
    snprintf(p->raster_type, sizeof(p->raster_type), "%s", rtype);
    p->resolution = device_pick_resolution(d->pwg_resolutions);
    p->render = true;
  } else if (pdf && copies_ok && ndocs == 1) {
    snprintf(p->format, sizeof(p->format), "application/pdf");  /* images placed on pages */
    p->render = true;
  } else if (pdf && !copies_ok) {
    snprintf(why, len, "%s prints at most %d copies of a document.", d->name, d->copies_max);
    return false;
  } else if (device_list_has(d->formats, "image/pwg-raster")) {
    snprintf(why, len, "%s takes PWG raster only as %s, which quire cannot produce.", d->name,
             d->pwg_raster_types[0] ? d->pwg_raster_types[0] : "an unknown type");
    return false;
  } else if (device_list_has(d->formats, "image/urf")) {
    snprintf(why, len, "%s takes only Apple raster (image/urf), which quire cannot produce.",
             d->name);
    return false;
  } else {
    char *fmts = device_strv_join(d->formats);
    snprintf(why, len, "%s takes none of the formats quire can send (it takes: %s).", d->name,
             fmts[0] ? fmts : "nothing it reported");
    free(fmts);
    return false;
  }
  return true;
}

bool device_can_print_job(const device_t *d, const store_job_t *job, bool mono_forced,
                          char *why, size_t len)
{
  ticket_options_t o;
  char format[64] = "application/octet-stream";

  if (!d) {
    snprintf(why, len, "No such printer.");
    return false;
  }
  ticket_options(job->attrs, job->attrs_len, &o);
  ipp_t *t = ticket_decode(job->attrs, job->attrs_len);
  ipp_attribute_t *a = t ? ippFindAttribute(t, "document-format-supplied", IPP_TAG_ZERO) : NULL;
  if (a && ippGetString(a, 0, NULL))
    snprintf(format, sizeof(format), "%s", ippGetString(a, 0, NULL));
  ippDelete(t);
  char *docs[2] = {format, NULL};
  device_plan_in_t in = {.doc_formats = docs, .copies = o.copies, .sides = o.sides,
                         .media = o.media, .mono = o.monochrome || mono_forced};
  device_plan_t p;
  return device_plan(d, &in, &p, why, len);
}

