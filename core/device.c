/*
 * device.c: the device registry (store-devices.h): adding, removing, reading devices with
 * their live status (see device.h).
 */
#include "device-private.h"

#include "log.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RAW_DEFAULT_FORMATS "application/pdf"

/* True for names usable in URLs and commands: [A-Za-z0-9._-]{1,63}. */
static bool device_valid_name(const char *name)
{
  size_t n = name ? strlen(name) : 0;
  if (n == 0 || n > 63)
    return false;
  for (const char *p = name; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
      return false;
  return true;
}

/* The device's settings for timeouts. */
static int device_timeout(quire_system_t *sys)
{
  pthread_rwlock_rdlock(&sys->config_lock);
  int t = sys->config->device_timeout;
  pthread_rwlock_unlock(&sys->config_lock);
  return t;
}

device_t *device_get(quire_system_t *sys, const char *name)
{
  device_t *d = name ? store_device_get(sys->store, name) : NULL;
  if (d)
    device_monitor_fill(sys->devices, d);
  return d;
}

device_t *device_get_fresh(quire_system_t *sys, const char *name, int max_age)
{
  device_t *d = device_get(sys, name);
  char err[256];

  if (d && d->enabled && (!d->checked || time(NULL) - d->checked >= max_age)) {
    if (d->kind == DEVICE_IPP)
      device_probe(d, false, device_timeout(sys), NULL, err, sizeof(err));
    else
      device_probe_tcp(d, device_timeout(sys), err, sizeof(err));
    device_monitor_record(sys->devices, d);
  }
  return d;
}

device_t **device_list(quire_system_t *sys, size_t *count)
{
  device_t **list = store_device_list(sys->store, count);
  for (size_t i = 0; list && i < *count; i++)
    device_monitor_fill(sys->devices, list[i]);
  return list;
}

/* Reads the capabilities of an IPP device (bounded); false with a reason. */
static bool device_add_probe(quire_system_t *sys, device_t *d, char *why, size_t len)
{
  char err[256];
  if (device_probe(d, true, device_timeout(sys), NULL, err, sizeof(err)))
    return true;
  snprintf(why, len, "%s does not answer: %s (add it with \"probe\": false to store it anyway)",
           d->uri, err);
  return false;
}

/* Fills the capabilities of a socket/LPD device from the spec. */
static void device_add_given(device_t *d, const device_spec_t *spec)
{
  device_strv_free(d->formats);
  d->formats = device_strv_split(spec->formats && *spec->formats ? spec->formats
                                                                  : RAW_DEFAULT_FORMATS);
  d->color = spec->color;
  d->duplex = spec->duplex;
  d->copies_max = 1;
  d->caps_checked = time(NULL);
}

/* A new device_t from a spec, with empty lists. */
static device_t *device_from_spec(const device_spec_t *spec, device_kind_t kind)
{
  device_t *d = calloc(1, sizeof(*d));
  if (!d)
    abort();
  d->name = util_strdup(spec->name);
  d->uri = util_strdup(spec->uri);
  d->location = util_strdup(spec->location ? spec->location : "");
  d->info = util_strdup(spec->info ? spec->info : "");
  d->enabled = true;
  d->kind = kind;
  d->created = time(NULL);
  d->formats = device_strv_split(NULL);
  d->media_supported = device_strv_split(NULL);
  d->pwg_raster_types = device_strv_split(NULL);
  d->urf = device_strv_split(NULL);
  d->color_modes = device_strv_split(NULL);
  d->sides_supported = device_strv_split(NULL);
  if (!(d->pwg_resolutions = calloc(1, sizeof(int))))
    abort();
  d->copies_max = 1;
  d->markers = util_strdup("[]");
  return d;
}

bool device_add(quire_system_t *sys, const device_spec_t *spec, char *why, size_t len)
{
  device_kind_t kind;

  if (!device_valid_name(spec->name)) {
    snprintf(why, len, "device names are 1-63 letters, digits, '.', '-' or '_'");
    return false;
  }
  if (!device_kind_of(spec->uri, &kind)) {
    snprintf(why, len, "unsupported device URI '%s' (ipp://, ipps://, socket:// or lpd://)",
             spec->uri ? spec->uri : "");
    return false;
  }
  device_t *d = device_from_spec(spec, kind);
  bool ok = true;
  if (kind != DEVICE_IPP)
    device_add_given(d, spec);
  else if (spec->probe)
    ok = device_add_probe(sys, d, why, len);
  if (ok && !store_device_put(sys->store, d)) {
    snprintf(why, len, "cannot store device %s", spec->name);
    ok = false;
  }
  if (ok) {
    log_info("device %s: added (%s)", d->name, d->uri);
    if (d->checked)
      device_monitor_record(sys->devices, d);
    device_monitor_wake(sys->devices);
  }
  device_free(d);
  return ok;
}

bool device_delete(quire_system_t *sys, const char *name, char *why, size_t len)
{
  size_t n = 0;
  delivery_t **open = store_delivery_list_open(sys->store, name, &n);

  deliveries_free(open, n);
  if (!open) {
    snprintf(why, len, "cannot read the deliveries of %s", name);
    return false;
  }
  if (n > 0) {
    snprintf(why, len, "%s still has %zu job(s) being printed; cancel them first", name, n);
    return false;
  }
  if (!store_device_delete(sys->store, name)) {
    snprintf(why, len, "no device %s", name);
    return false;
  }
  device_monitor_forget(sys->devices, name);
  log_info("device %s: removed", name);
  return true;
}
