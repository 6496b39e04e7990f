/*
 * job.c: the life cycle of a held job (see job.h).
 */
#include "job.h"

#include "analyzer.h"

#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REASON_HELD "job-hold-until-specified"
#define REASON_INCOMING "job-incoming,job-hold-until-specified"

/* Owner check: admins own everything; anonymous actors own nothing. */
bool job_actor_owns(const job_actor_t *actor, const char *owner)
{
  if (actor->admin)
    return true;
  return actor->user && owner && !strcmp(actor->user, owner);
}

static bool job_terminal(int state)
{
  return state >= JOB_CANCELED;
}

/* Inserts the job (and its document) durably. */
job_result_t job_submit(quire_system_t *sys, store_job_t *job, store_doc_t *doc)
{
  job->state = JOB_HELD;
  free(job->state_reasons);
  job->state_reasons = util_strdup(doc ? REASON_HELD : REASON_INCOMING);
  free(job->hold_until);
  job->hold_until = util_strdup("indefinite");
  job->closed = doc != NULL;
  job->created = time(NULL);
  job->k_octets = doc ? (doc->size + 1023) / 1024 : 0;
  job->num_docs = doc ? 1 : 0;
  if (!store_job_insert(sys->store, job, doc)) {
    log_error("queue %s: cannot store a job from %s", job->queue, job->owner);
    return JOB_STORE_ERROR;
  }
  log_info("job %d: held on queue %s for %s (%s, %lld bytes)", job->id, job->queue, job->owner,
           doc ? doc->format : "waiting for its document", doc ? (long long)doc->size : 0LL);
  if (doc)
    analyzer_enqueue(sys->analyzer, job->id);
  return JOB_OK;
}

/* Adds a document to an open job. */
job_result_t job_add_document(quire_system_t *sys, int job_id, store_doc_t *doc, bool last)
{
  job_result_t r = JOB_OK;

  pthread_mutex_lock(&sys->job_lock);
  store_job_t *job = store_job_get(sys->store, job_id);
  if (!job)
    r = JOB_NOT_FOUND;
  else if (job->closed || job_terminal(job->state))
    r = JOB_CLOSED;
  else if (doc && !store_job_add_document(sys->store, job_id, doc, JOB_HELD,
                                          last ? REASON_HELD : REASON_INCOMING, last))
    r = JOB_STORE_ERROR;
  else if (!doc && last &&
           !store_job_set_state(sys->store, job_id, JOB_HELD, REASON_HELD, NULL, true, 0, 0))
    r = JOB_STORE_ERROR;
  pthread_mutex_unlock(&sys->job_lock);
  if (r == JOB_OK)
    log_info("job %d: document %s%s", job_id, doc ? doc->format : "(none)",
             last ? ", job complete and held" : "");
  if (r == JOB_OK && last)
    analyzer_enqueue(sys->analyzer, job_id);
  store_job_free(job);
  return r;
}

/* Marks a job closed (no more documents). */
job_result_t job_close(quire_system_t *sys, const job_actor_t *actor, int job_id)
{
  job_result_t r = JOB_OK;

  pthread_mutex_lock(&sys->job_lock);
  store_job_t *job = store_job_get(sys->store, job_id);
  if (!job)
    r = JOB_NOT_FOUND;
  else if (!job_actor_owns(actor, job->owner))
    r = JOB_NOT_OWNER;
  else if (job->closed || job_terminal(job->state))
    r = JOB_NOT_POSSIBLE;
  else if (!store_job_set_state(sys->store, job_id, JOB_HELD, REASON_HELD, NULL, true, 0, 0))
    r = JOB_STORE_ERROR;
  pthread_mutex_unlock(&sys->job_lock);
  store_job_free(job);
  if (r == JOB_OK)
    analyzer_enqueue(sys->analyzer, job_id);
  return r;
}

job_result_t job_abort(quire_system_t *sys, int job_id, const char *reasons,
                       const char *message)
{
  job_result_t r = JOB_OK;

  pthread_mutex_lock(&sys->job_lock);
  store_job_t *job = store_job_get(sys->store, job_id);
  if (!job)
    r = JOB_NOT_FOUND;
  else if (job->state != JOB_HELD)
    r = JOB_NOT_POSSIBLE;
  else if (!store_job_set_state(sys->store, job_id, JOB_ABORTED, reasons, message, true, 0,
                                time(NULL)))
    r = JOB_STORE_ERROR;
  pthread_mutex_unlock(&sys->job_lock);
  store_job_free(job);
  return r;
}

/* Cancels one job; the caller holds job_lock. */
static job_result_t job_cancel_locked(quire_system_t *sys, const job_actor_t *actor,
                                      store_job_t *job, const char *reason)
{
  if (!job_actor_owns(actor, job->owner))
    return JOB_NOT_OWNER;
  if (job_terminal(job->state))
    return JOB_NOT_POSSIBLE;
  time_t now = time(NULL);
  if (!store_job_set_state(sys->store, job->id, JOB_CANCELED, reason, NULL, true, 0, now))
    return JOB_STORE_ERROR;
  log_info("job %d: canceled by %s (%s)", job->id, actor->user ? actor->user : "?", reason);
  return JOB_OK;
}

job_result_t job_cancel(quire_system_t *sys, const job_actor_t *actor, int job_id,
                        const char *reason)
{
  job_result_t r;

  pthread_mutex_lock(&sys->job_lock);
  store_job_t *job = store_job_get(sys->store, job_id);
  r = job ? job_cancel_locked(sys, actor, job, reason) : JOB_NOT_FOUND;
  pthread_mutex_unlock(&sys->job_lock);
  store_job_free(job);
  return r;
}

/* Cancels the actor's own active jobs (all of them, or those in `ids`). */
job_result_t job_cancel_mine(quire_system_t *sys, const job_actor_t *actor, const char *queue,
                             const int *ids, int nids, int *count)
{
  store_job_filter_t f = {.queue = queue, .owner = actor->user, .which = STORE_WHICH_NOT_COMPLETED};
  size_t n = 0;
  job_result_t r = JOB_OK;

  *count = 0;
  pthread_mutex_lock(&sys->job_lock);
  if (nids > 0) {
    for (int i = 0; i < nids && r == JOB_OK; i++) {
      store_job_t *job = store_job_get(sys->store, ids[i]);
      /* Cancel-My-Jobs only ever acts on the requester's own jobs, even for admins. */
      if (!job || !actor->user || strcmp(job->owner, actor->user))
        r = job ? JOB_NOT_OWNER : JOB_NOT_FOUND;
      else if ((r = job_cancel_locked(sys, actor, job, "job-canceled-by-user")) == JOB_OK)
        (*count)++;
      store_job_free(job);
    }
  } else if (actor->user) {
    store_job_t **jobs = store_job_list(sys->store, &f, &n);
    for (size_t i = 0; i < n; i++)
      if (job_cancel_locked(sys, actor, jobs[i], "job-canceled-by-user") == JOB_OK)
        (*count)++;
    store_jobs_free(jobs, n);
  }
  pthread_mutex_unlock(&sys->job_lock);
  return r;
}

/* Deletes a job with its documents and thumbnail; the caller holds job_lock. */
static void job_delete_locked(quire_system_t *sys, const store_job_t *j)
{
  size_t np = 0;
  char **paths = store_job_delete(sys->store, j->id, &np);
  for (size_t k = 0; k < np; k++)
    spool_remove(sys->spool, paths[k]);
  store_strings_free(paths, np);
  if (j->thumbnail && unlink(j->thumbnail) != 0 && errno != ENOENT)
    log_warn("job %d: cannot remove %s", j->id, j->thumbnail);
}

/* Seconds after which unreleased jobs of `queue` are deleted (0: never), from a snapshot. */
static int job_expiry_for(const quire_queue_config_t *qs, size_t n, const char *queue)
{
  for (size_t i = 0; i < n; i++)
    if (!strcmp(qs[i].name, queue))
      return qs[i].job_expiry_seconds;
  return 0;
}

/* Aborts stale Create-Jobs, deletes unreleased jobs past their queue's job-expiry, and
 * deletes expired history. */
void job_housekeeping(quire_system_t *sys, int timeout, int history_hours)
{
  store_job_filter_t f = {.which = STORE_WHICH_ALL};
  size_t n = 0, nq = 0;
  time_t now = time(NULL);

  /* Queue policies first: config_lock comes before job_lock. */
  pthread_rwlock_rdlock(&sys->config_lock);
  nq = sys->num_queues;
  quire_queue_config_t *qs = calloc(nq + 1, sizeof(*qs));
  if (!qs)
    abort();
  for (size_t i = 0; i < nq; i++) {
    qs[i].name = util_strdup(sys->queues[i].config.name);
    qs[i].job_expiry_seconds = sys->queues[i].config.job_expiry_seconds;
  }
  pthread_rwlock_unlock(&sys->config_lock);

  pthread_mutex_lock(&sys->job_lock);
  store_job_t **jobs = store_job_list(sys->store, &f, &n);
  for (size_t i = 0; i < n; i++) {
    store_job_t *j = jobs[i];
    int expiry = job_expiry_for(qs, nq, j->queue);
    if (!j->closed && !job_terminal(j->state) && j->created + timeout < now) {
      log_warn("job %d: no document within multiple-operation-time-out (%d s), aborting",
               j->id, timeout);
      store_job_set_state(sys->store, j->id, JOB_ABORTED, "aborted-by-system",
                          "The document did not arrive in time.", true, 0, now);
    } else if (j->state == JOB_HELD && j->closed && expiry > 0 &&
               j->created + (time_t)expiry < now) {
      job_delete_locked(sys, j);
      log_info("job %d of %s on %s: not released within %d s (job-expiry), deleted", j->id,
               j->owner, j->queue, expiry);
    } else if (job_terminal(j->state) && j->completed &&
               j->completed + (time_t)history_hours * 3600 < now) {
      job_delete_locked(sys, j);
      log_info("job %d: history expired, removed", j->id);
    }
  }
  store_jobs_free(jobs, n);
  pthread_mutex_unlock(&sys->job_lock);
  for (size_t i = 0; i < nq; i++)
    free(qs[i].name);
  free(qs);
}

bool job_user_may_submit(quire_system_t *sys, const quire_queue_config_t *queue,
                         const char *user, char *why, size_t len)
{
  if (queue->max_held_per_user <= 0 || !user)
    return true;
  store_job_filter_t f = {.queue = queue->name, .owner = user, .which = STORE_WHICH_NOT_COMPLETED};
  size_t n = 0;
  store_job_t **jobs = store_job_list(sys->store, &f, &n);
  store_jobs_free(jobs, n);
  if (!jobs || (int)n < queue->max_held_per_user)
    return true;
  snprintf(why, len, "You already have %zu job%s waiting on this printer (at most %d). Release "
           "or delete some first.", n, n == 1 ? "" : "s", queue->max_held_per_user);
  return false;
}
