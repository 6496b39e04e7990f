/*
 * device-private.h: what the device files (device.c, device-ipp.c, device-monitor.c) and the
 * forwarder (forward*.c) share: one IPP client connection to a device with bounded waits, the
 * reading of Get-Printer-Attributes answers, and the monitor's status table.
 */
#ifndef QUIRE_DEVICE_PRIVATE_H
#define QUIRE_DEVICE_PRIVATE_H

#include "device.h"

#include <cups/cups.h>
#include <stdatomic.h>

/* ---- device-ipp.c: an IPP client connection ---------------------------------------------- */

/* One connection to a device (libcups http_t). Every wait on the device (connect, write, read)
 * gives up after `idle_max` seconds without progress, or as soon as *cancel turns true. */
typedef struct devipp_s {
  http_t *http;
  char uri[1024];             /* the printer-uri put in requests */
  char resource[1024];        /* the HTTP path, e.g. /ipp/print */
  int idle;                   /* seconds waited without progress */
  int idle_max;
  const atomic_bool *cancel;  /* may be NULL */
} devipp_t;

/* Connects to the device at `uri` (ipp:// or ipps://). False with a reason. */
bool devipp_open(devipp_t *c, const char *uri, int timeout, const atomic_bool *cancel,
                 char *err, size_t len);

/* Closes the connection (safe on a closed or failed one). */
void devipp_close(devipp_t *c);

/* A new request for the device: operation `op` with printer-uri and requesting-user-name
 * (`user`, NULL: "quire"). The caller adds attributes and passes it to devipp_do. */
ipp_t *devipp_request(const devipp_t *c, ipp_op_t op, const char *user);

/* Sends `req` (taken over) and reads the answer. Returns the response (caller ippDeletes),
 * whatever its status, or NULL with a reason when the device could not be reached or did not
 * answer in IPP. */
ipp_t *devipp_do(devipp_t *c, ipp_t *req, char *err, size_t len);

/* Sends `req` (taken over) followed by the bytes of `path` (Send-Document, Print-Job), resetting
 * the idle count at every chunk. Returns the response or NULL with a reason; *all_sent tells
 * whether every byte was written before a failure (the device may then have it all). */
ipp_t *devipp_do_file(devipp_t *c, ipp_t *req, const char *path, bool *all_sent, char *err,
                      size_t len);

/* The IPP status of a response (IPP_STATUS_ERROR_INTERNAL for NULL). */
ipp_status_t devipp_status(ipp_t *resp);

/* ---- device.c / device-ipp.c: reading a device ------------------------------------------ */

/* Get-Printer-Attributes on `d->uri`: capabilities (if `caps`) and status into `d`. Sets
 * d->reachable, d->checked and d->last_error. False with a reason if unreachable. */
bool device_probe(device_t *d, bool caps, int timeout, const atomic_bool *cancel, char *err,
                  size_t len);

/* Copies the capabilities / the status out of a Get-Printer-Attributes response. */
void device_caps_from_ipp(device_t *d, ipp_t *resp);
void device_status_from_ipp(device_t *d, ipp_t *resp);

/* Connects to a socket/LPD device's port (bounded) to see whether it is there; sets
 * d->reachable, d->checked, d->last_error and, when reachable, an idle state. */
bool device_probe_tcp(device_t *d, int timeout, char *err, size_t len);

/* The host and port of a socket:// (default 9100) or lpd:// (515) URI, and the LPD queue. */
bool device_raw_address(const char *uri, char *host, size_t hlen, int *port, char *queue,
                        size_t qlen);

/* ---- device.c: how a job is sent to a device --------------------------------------------- */

/* What the job asks for. */
typedef struct device_plan_in_s {
  char *const *doc_formats;   /* the format of each document, NULL-terminated */
  int copies;
  const char *sides;
  const char *media;          /* from the ticket, "" or NULL if none */
  const char *media_fallback; /* the queue's media-default, used when the device has it */
  bool mono;                  /* asked for (ticket, queue policy or release option) */
} device_plan_in_t;

/* How it is sent. */
typedef struct device_plan_s {
  char format[64];            /* application/pdf, image/pwg-raster or image/jpeg */
  bool render;                /* made by quire-render (PWG raster, or images to PDF) */
  char raster_type[16];       /* PWG: sgray_8 or srgb_8 */
  int resolution;             /* PWG: dpi */
  int copies;
  char sides[32];             /* one-sided when the device cannot print two-sided */
  char media[64];             /* "" to leave it to the device */
  bool mono;                  /* grey output (asked for, or a monochrome device) */
} device_plan_t;

/* Writes `text` into dst (size len) ending with exactly one full stop. */
void device_sentence(char *dst, size_t len, const char *text);

/* Chooses the format and options a job is sent to `d` with: the spooled PDF (or JPEG) as is
 * when the device takes it, else PWG raster (or PDF) made by quire-render. False with a
 * reason a user can read when the device cannot print it. */
bool device_plan(const device_t *d, const device_plan_in_t *in, device_plan_t *p, char *why,
                 size_t len);

/* ---- device-monitor.c -------------------------------------------------------------------- */

/* Copies the last status seen of device d->name into `d` (unknown: reachable false, checked
 * 0). */
void device_monitor_fill(device_monitor_t *m, device_t *d);

/* Records the status in `d` (just probed) as the device's current one. */
void device_monitor_record(device_monitor_t *m, const device_t *d);

/* Drops the status of a removed device. */
void device_monitor_forget(device_monitor_t *m, const char *name);

/* Makes the monitor check every device now (a device was added). */
void device_monitor_wake(device_monitor_t *m);

#endif
