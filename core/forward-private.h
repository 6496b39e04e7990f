/*
 * forward-private.h: what the forwarder's files share: forward.c (submit, device threads,
 * retries, accounting hook), forward-render.c (the bytes to send), forward-ipp.c (IPP
 * devices) and forward-raw.c (socket and LPD devices).
 */
#ifndef QUIRE_FORWARD_PRIVATE_H
#define QUIRE_FORWARD_PRIVATE_H

#include "device-private.h"
#include "forward.h"
#include "job.h"

#include <pthread.h>
#include <stdatomic.h>

/* One thread per device: it delivers that device's jobs one at a time, oldest first. */
typedef struct forward_worker_s {
  struct forwarder_s *fw;
  char *device;
  pthread_t thread;
  pthread_cond_t cond;        /* signalled by forwarder_wake (with fw->lock) */
  bool woken;
  devipp_t conn;              /* IPP connection kept between steps (worker thread only) */
  struct forward_worker_s *next;
} forward_worker_t;

struct forwarder_s {
  quire_system_t *sys;
  pthread_mutex_t lock;       /* guards the worker list and their `woken` flags */
  forward_worker_t *workers;
  atomic_bool stopping;
  char *render_command;       /* quire-render */
  char *work_dir;             /* DATA/forward: rendered files while they are sent */
};

/* Settings read from the configuration for one step. */
typedef struct forward_settings_s {
  int retry_initial, retry_max, max_attempts, give_up_minutes, io_timeout, job_poll;
  int render_timeout, render_cpu;
  long long render_memory, raster_max;
  char print_scaling[16];
} forward_settings_t;

/* One step of one delivery. */
typedef struct forward_step_s {
  forwarder_t *fw;
  forward_worker_t *worker;
  quire_system_t *sys;
  delivery_t *dl;             /* the delivery (the step changes it; forward.c saves it) */
  store_job_t *job;
  device_t *dev;              /* registry row, no live status */
  forward_settings_t set;
  int wait_ms;                /* FWD_WAIT: milliseconds until the next look */
  char err[512];              /* FWD_RETRY, FWD_GIVE_UP: what went wrong */
} forward_step_t;

/* What a step of a device-kind file ended with. */
typedef enum forward_outcome_e {
  FWD_NEXT,                   /* the delivery moved on (saved): take the next step now */
  FWD_WAIT,                   /* nothing wrong; look again in step->wait_ms */
  FWD_RETRY,                  /* failed (step->err): retry after a backoff, or give up */
  FWD_GIVE_UP,                /* cannot succeed (step->err): give the job back now */
  FWD_FINISHED                /* the delivery ended and was saved */
} forward_outcome_t;

/* The files to send for one delivery: spooled documents or rendered files. */
typedef struct forward_files_s {
  char **paths;               /* what to send, in order */
  size_t count;
  char **temps;               /* rendered files to delete afterwards */
  size_t ntemps;
} forward_files_t;

/* ---- forward.c --------------------------------------------------------------------------- */

/* Saves the delivery and sets the job's state with it (job_forward_progress): JOB_OK,
 * JOB_NOT_POSSIBLE when the job has ended meanwhile, JOB_STORE_ERROR. */
job_result_t forward_progress(forward_step_t *s, int state, const char *reasons,
                              const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));

/* ---- forward-render.c -------------------------------------------------------------------- */

/* Makes the files to send for the delivery (rendering with quire-render when dl->render).
 * False with s->err; *give_up tells whether retrying cannot help (the renderer refused). */
bool forward_files_prepare(forward_step_t *s, forward_files_t *f, bool *give_up);

/* Deletes the rendered files and frees the lists. */
void forward_files_clear(forward_files_t *f);

/* ---- forward-ipp.c / forward-raw.c ------------------------------------------------------- */

/* One step of a delivery to an IPP / a socket or LPD device. */
forward_outcome_t forward_ipp_step(forward_step_t *s);
forward_outcome_t forward_raw_step(forward_step_t *s);

/* Cancels the device job of a delivery whose quire job was canceled; true when it is gone
 * (or never existed). */
bool forward_ipp_cancel(forward_step_t *s);

#endif
