/*
 * forward.h: delivering released jobs (and every job of a direct queue) to a device, and
 * following them there until the device says they printed.
 *
 * DESIGN
 * forward_submit records a *delivery* durably (job, device, options, chosen format) and moves
 * the job out of held; a forwarder thread per device then sends the job (IPP Create-Job +
 * Send-Document, or raw socket / LPD), follows the device job with Get-Job-Attributes until it
 * is completed, aborted or canceled, calls the accounting hook (quire_system_t.on_printed) and
 * only then marks the job completed. Failures are retried with exponential backoff; when the
 * device stays out of reach the job goes back to held for its owner (pull queue) or is aborted
 * (direct queue).
 *
 * Never printed twice: the device job id is stored as soon as Create-Job answers; after a
 * restart or a lost connection the device job is looked up before anything is sent again; a
 * device job that did not receive its whole document is canceled on the device first; a job
 * whose document the device accepted is never sent again (if the device then loses it, the
 * job goes back to held with a message saying so).
 *
 * A device receives one job from quire at a time, in release order; devices work in parallel.
 */
#ifndef QUIRE_FORWARD_H
#define QUIRE_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "store-devices.h"
#include "system.h"

/* Release options. */
typedef struct forward_options_s {
  int copies;               /* 0: from the ticket */
  const char *sides;        /* NULL: from the ticket */
  bool force_mono;
  bool force_duplex;
  const char *account;      /* cost centre chosen at release, may be NULL */
  const char *released_by;  /* who released it (user, terminal), may be NULL */
  bool abort_on_failure;    /* aborted, not given back held, when it cannot be printed (as on
                               a direct queue; test pages) */
} forward_options_t;

/* What the accounting hook is told when a device reports a delivery printed. */
typedef struct forward_printed_s {
  int job_id;
  int delivery_id;          /* unique and stable: make accounting idempotent on it */
  const char *device;
  const char *format;       /* what was sent: application/pdf, image/pwg-raster, ... */
  int copies;
  const char *sides;
  bool mono;
  int device_impressions;   /* job-impressions-completed reported by the device, -1 unknown */
  time_t sent, completed;
  const char *account;
  const char *released_by;
} forward_printed_t;

/* The accounting hook's type (quire_system_t.on_printed): called exactly once per delivery
 * (and again after a crash that came before its answer was recorded) when the device reports
 * the job completed, before the job is marked completed. Returning false (a store error)
 * makes the forwarder call it again later; the job stays processing meanwhile. */
typedef bool (*forward_printed_fn)(void *data, const forward_printed_t *p);

typedef struct forwarder_s forwarder_t;

/* Starts the forwarder: picks up every open delivery left from before a restart (and direct
 * queue jobs analysed but not yet handed over). NULL on failure (logged). */
forwarder_t *forwarder_start(quire_system_t *sys);

/* Stops every forwarder thread (renderers killed, connections closed); open deliveries stay
 * in the store and resume at the next start. NULL is fine. */
void forwarder_stop(forwarder_t *fw);

/* Wakes the thread of `device` (a device came back, a delivery was added). */
void forwarder_wake(forwarder_t *fw, const char *device);

/* Releases a held (or direct-queue) job to `device`: records the delivery durably and moves
 * the job out of held, then wakes the forwarder. False with a reason when the job is not held
 * and complete, already has an open delivery, or `device` cannot print it (the device being
 * stopped is not checked here: see device_can_release). */
bool forward_submit(quire_system_t *sys, int job_id, const char *device,
                    const forward_options_t *opt, char *why, size_t len);

/* Hands a job of a direct queue to its device after analysis (core/analyzer.c); aborts the job
 * with a message when it cannot be printed there. */
void forward_direct(quire_system_t *sys, int job_id);

/* Cancels the open delivery of a job (the device job too, by the forwarder). False if none. */
bool forward_cancel(quire_system_t *sys, int job_id);

/* The deliveries of a job, oldest first (*count set). Free with deliveries_free. */
delivery_t **forward_deliveries(quire_system_t *sys, int job_id, size_t *count);

#endif
