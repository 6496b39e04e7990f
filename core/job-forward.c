/*
 * job-forward.c: the state changes of a job while it is delivered to a device (see job.h).
 * Each one is written in the same transaction as the delivery it comes from
 * (store_delivery_save), under the system's job_lock, so a crash never leaves a job and its
 * delivery disagreeing.
 */
#include "job.h"

#include "forward.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool job_forward_terminal(int state)
{
  return state >= JOB_CANCELED;
}

/* True when the job has a delivery that is not finished. */
static bool job_forward_has_open(quire_system_t *sys, int job_id, bool *error)
{
  size_t n = 0;
  delivery_t **list = store_delivery_list_job(sys->store, job_id, &n);
  bool open = false;

  *error = list == NULL;
  for (size_t i = 0; i < n; i++)
    open = open || list[i]->state <= DELIVERY_PRINTED;
  deliveries_free(list, n);
  return open;
}

job_result_t job_forward_begin(quire_system_t *sys, delivery_t *dl)
{
  job_result_t r = JOB_OK;
  bool error = false;
  char *msg = util_printf("Sent to %s.", dl->device);

  pthread_mutex_lock(&sys->job_lock);
  store_job_t *job = store_job_get(sys->store, dl->job_id);
  if (!job)
    r = JOB_NOT_FOUND;
  else if (job->state != JOB_HELD || !job->closed)
    r = JOB_NOT_POSSIBLE;
  else if (job_forward_has_open(sys, dl->job_id, &error) || error)
    r = error ? JOB_STORE_ERROR : JOB_NOT_POSSIBLE;
  else {
    store_job_change_t ch = {.state = JOB_PENDING, .reasons = "job-queued", .message = msg};
    if (!store_delivery_save(sys->store, dl, &ch))
      r = JOB_STORE_ERROR;
  }
  pthread_mutex_unlock(&sys->job_lock);
  if (r == JOB_OK)
    log_info("job %d: released to %s (delivery %d)", dl->job_id, dl->device, dl->id);
  store_job_free(job);
  free(msg);
  return r;
}

job_result_t job_forward_progress(quire_system_t *sys, delivery_t *dl, int state,
                                  const char *reasons, const char *message)
{
  job_result_t r = JOB_OK;

  pthread_mutex_lock(&sys->job_lock);
  store_job_t *job = store_job_get(sys->store, dl->job_id);
  if (!job)
    r = JOB_NOT_FOUND;
  else if (job_forward_terminal(job->state) || job->state == JOB_HELD)
    r = JOB_NOT_POSSIBLE;
  else {
    store_job_change_t ch = {.state = state, .reasons = reasons, .message = message,
                             .processed = state == JOB_PROCESSING && !job->processed
                                          ? time(NULL) : 0};
    if (!store_delivery_save(sys->store, dl, &ch))
      r = JOB_STORE_ERROR;
  }
  pthread_mutex_unlock(&sys->job_lock);
  store_job_free(job);
  return r;
}

/* Saves `dl` with the job ending in `ch` unless the job already ended (then `dl` alone). */
static job_result_t job_forward_end(quire_system_t *sys, delivery_t *dl,
                                    const store_job_change_t *ch)
{
  job_result_t r = JOB_OK;

  pthread_mutex_lock(&sys->job_lock);
  store_job_t *job = store_job_get(sys->store, dl->job_id);
  bool ended = !job || job_forward_terminal(job->state);
  if (!store_delivery_save(sys->store, dl, ended ? NULL : ch))
    r = JOB_STORE_ERROR;
  pthread_mutex_unlock(&sys->job_lock);
  store_job_free(job);
  return r;
}

job_result_t job_forward_completed(quire_system_t *sys, delivery_t *dl)
{
  time_t now = time(NULL);
  char *msg = util_printf("Printed on %s.", dl->device);
  store_job_change_t ch = {.state = JOB_COMPLETED, .reasons = "job-completed-successfully",
                           .message = msg, .processed = now, .completed = now};
  job_result_t r = job_forward_end(sys, dl, &ch);

  if (r == JOB_OK)
    log_info("job %d: printed on %s", dl->job_id, dl->device);
  free(msg);
  return r;
}

job_result_t job_forward_failed(quire_system_t *sys, delivery_t *dl, const char *message)
{
  store_job_change_t held = {.state = JOB_HELD,
                             .reasons = "job-hold-until-specified,destination-uri-failed",
                             .message = message};
  store_job_change_t aborted = {.state = JOB_ABORTED,
                                .reasons = "aborted-by-system,destination-uri-failed",
                                .message = message, .completed = time(NULL)};
  job_result_t r = job_forward_end(sys, dl, dl->direct ? &aborted : &held);

  if (r == JOB_OK)
    log_warn("job %d: %s %s", dl->job_id, dl->direct ? "aborted:" : "held again:", message);
  return r;
}

job_result_t job_forward_save(quire_system_t *sys, delivery_t *dl)
{
  pthread_mutex_lock(&sys->job_lock);
  bool ok = store_delivery_save(sys->store, dl, NULL);
  pthread_mutex_unlock(&sys->job_lock);
  return ok ? JOB_OK : JOB_STORE_ERROR;
}
