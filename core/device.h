/*
 * device.h: the MFDs (printers) quire releases jobs to: a registry kept in the store, the
 * capabilities each device reports about itself (IPP Get-Printer-Attributes), and its live
 * status as the device monitor (device-monitor.c) last saw it.
 *
 * DESIGN
 * A device is added with a URI: ipp:// or ipps:// (capabilities read from the device), or the
 * fallbacks socket://HOST[:9100] and lpd://HOST/QUEUE, whose capabilities (formats, colour,
 * duplex) are given when the device is added. Capabilities are stored with the device and
 * refreshed by the monitor every few minutes; the status (printer-state, reasons, markers,
 * reachable) lives in memory only, refreshed every `device-poll-interval` seconds.
 *
 * Every function is thread-safe; none of them waits on a device except device_add and
 * device_get_fresh (bounded by `device-timeout`). Structures returned are owned by the caller.
 */
#ifndef QUIRE_DEVICE_H
#define QUIRE_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "store-devices.h"
#include "store.h"
#include "system.h"

/* Returns device `name` with its live status, or NULL. Caller frees with device_free. */
device_t *device_get(quire_system_t *sys, const char *name);

/* Like device_get, but first checks the device's status now (bounded by device-timeout) when
 * the last check is at least `max_age` seconds old (0: always). For release, where a stale
 * status would accept a job for a device that stopped a moment ago. */
device_t *device_get_fresh(quire_system_t *sys, const char *name, int max_age);

/* Every device in name order, with live status; *count set. Free with devices_free. */
device_t **device_list(quire_system_t *sys, size_t *count);

void device_free(device_t *d);
void devices_free(device_t **list, size_t count);

/* True when jobs may be released to `d` now; false with a reason a user can read (the device
 * is unknown (NULL), disabled, unreachable, stopped, or reports an error state reason). */
bool device_can_release(const device_t *d, char *why, size_t len);

/* The same, with a reason fit for any user or terminal: an unreachable device is said to be
 * unreachable without the connection error, which names its address. */
bool device_can_release_public(const device_t *d, char *why, size_t len);

/* The IPP printer-state of a device as a word: "idle", "processing", "stopped", "unknown". */
const char *device_state_name(int printer_state);

/* True when `job` can be printed on `d` (its media is loaded there, a format the job can be
 * sent in exists, ...); false with a reason. `mono_forced`: printed in grey whatever the
 * ticket says. */
bool device_can_print_job(const device_t *d, const store_job_t *job, bool mono_forced,
                          char *why, size_t len);

/* What an admin gives to add a device. Capabilities are read from IPP devices; for
 * socket/LPD devices `formats` (comma-separated), `color` and `duplex` are taken as given. */
typedef struct device_spec_s {
  const char *name, *uri, *location, *info;
  const char *formats;      /* NULL: application/pdf for socket/LPD devices */
  bool color, duplex;
  bool probe;               /* IPP: read capabilities now and fail if unreachable */
} device_spec_t;

/* Adds (or replaces) a device. IPP devices are asked for their capabilities at once (bounded
 * by device-timeout) unless spec->probe is false. False with a reason on a bad name or URI,
 * an unreachable device, or a store error. */
bool device_add(quire_system_t *sys, const device_spec_t *spec, char *why, size_t len);

/* Removes a device. False if unknown, or when deliveries to it are still open. */
bool device_delete(quire_system_t *sys, const char *name, char *why, size_t len);

/* True if `list` (NULL-terminated) holds `s`. */
bool device_list_has(char *const *list, const char *s);

/* The status monitor (device-monitor.c): one thread that checks every enabled device every
 * device-poll-interval seconds (unreachable ones less often, with backoff) and refreshes
 * capabilities every device-refresh-minutes. It never blocks request threads. */
typedef struct device_monitor_s device_monitor_t;

/* Starts the monitor thread; NULL (logged) if it cannot start. */
device_monitor_t *device_monitor_start(quire_system_t *sys);

/* Stops the thread (an ongoing check is cut short) and frees the monitor. NULL is fine. */
void device_monitor_stop(device_monitor_t *m);

#endif
