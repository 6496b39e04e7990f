/*
 * job.h: the life cycle of a held job in a pull-print queue.
 *
 * Every accepted job is held: pending-held with job-state-reasons job-hold-until-specified and
 * job-hold-until indefinite, until it is released (issue 5) or canceled. These functions are
 * the only place that changes a job's state; the IPP layer translates requests into them.
 * All take the system's job_lock where a state is read and then written.
 */
#ifndef QUIRE_JOB_H
#define QUIRE_JOB_H

#include <stdbool.h>

#include "system.h"

/* Job states, values of IPP's job-state enum (RFC 8011). */
enum {
  JOB_PENDING = 3, JOB_HELD = 4, JOB_PROCESSING = 5, JOB_STOPPED = 6,
  JOB_CANCELED = 7, JOB_ABORTED = 8, JOB_COMPLETED = 9
};

/* Outcome of a job operation, mapped to IPP status codes by ipp/. */
typedef enum job_result_e {
  JOB_OK,
  JOB_NOT_FOUND,
  JOB_NOT_OWNER,          /* caller may not act on this job */
  JOB_NOT_POSSIBLE,       /* e.g. canceling a completed job */
  JOB_CLOSED,             /* no more documents accepted */
  JOB_STORE_ERROR
} job_result_t;

/* Who is asking: used for ownership checks. */
typedef struct job_actor_s {
  const char *user;       /* authenticated user or requesting-user-name */
  bool admin;             /* authenticated admin: may act on every job */
} job_actor_t;

/* True when `actor` may see the private details of / act on a job owned by `owner`. */
bool job_actor_owns(const job_actor_t *actor, const char *owner);

/* Creates a held job in one durable step. With `doc` (Print-Job) the job is complete; without
 * (Create-Job) it waits for Send-Document with job-state-reasons job-incoming. Fills in
 * job->id, state, reasons, hold-until and times, so the caller can answer from `job` without
 * reading it back. The job's strings are the caller's; `doc` fields too. */
job_result_t job_submit(quire_system_t *sys, store_job_t *job, store_doc_t *doc);

/* Adds a document to a job created by Create-Job (`doc` may be NULL for an empty
 * last-document). If `last`, the job is closed and becomes fully held. The caller must have
 * checked ownership of the job already; the state is re-checked under the lock. */
job_result_t job_add_document(quire_system_t *sys, int job_id, store_doc_t *doc, bool last);

/* Closes a job without a further document (Close-Job). */
job_result_t job_close(quire_system_t *sys, const job_actor_t *actor, int job_id);

/* Cancels a job that is not yet terminal (Cancel-Job). */
job_result_t job_cancel(quire_system_t *sys, const job_actor_t *actor, int job_id,
                        const char *reason);

/* Cancels every non-terminal job of `actor` (or the listed ids) on `queue`; sets *count. */
job_result_t job_cancel_mine(quire_system_t *sys, const job_actor_t *actor, const char *queue,
                             const int *ids, int nids, int *count);

/* Aborts a held job that cannot be printed (its documents failed analysis), with
 * job-state-reasons `reasons` and a job-state-message for its owner. JOB_NOT_POSSIBLE if the
 * job is no longer held (canceled meanwhile). */
job_result_t job_abort(quire_system_t *sys, int job_id, const char *reasons,
                       const char *message);

/* ---- job-forward.c: a job on its way to a device (core/forward.c) ----------------------- */

struct delivery_s;

/* Starts delivery `dl` (new, dl->id 0) of a held, complete job: records it and makes the job
 * pending (job-queued, "Sent to DEVICE") in one durable step. JOB_NOT_POSSIBLE when the job is
 * not held and complete or already has an open delivery. */
job_result_t job_forward_begin(quire_system_t *sys, struct delivery_s *dl);

/* Saves `dl` and sets the job's state (pending or processing), reasons and message with it.
 * JOB_NOT_POSSIBLE (nothing written) when the job has ended meanwhile (canceled). */
job_result_t job_forward_progress(quire_system_t *sys, struct delivery_s *dl, int state,
                                  const char *reasons, const char *message);

/* Saves `dl` (done) and completes the job (job-completed-successfully, time-at-completed).
 * A job canceled meanwhile keeps its state; only the delivery is saved. */
job_result_t job_forward_completed(quire_system_t *sys, struct delivery_s *dl);

/* Saves `dl` (failed) and gives the job back to its owner, held with `message` (pull queue),
 * or aborts it (direct queue). An ended job keeps its state. */
job_result_t job_forward_failed(quire_system_t *sys, struct delivery_s *dl,
                                const char *message);

/* Saves `dl` alone (no change of the job's state). */
job_result_t job_forward_save(quire_system_t *sys, struct delivery_s *dl);

/* Aborts Create-Jobs whose document did not come within `timeout` seconds, deletes held jobs
 * older than their queue's job-expiry and finished jobs older than `history_hours` (with
 * their documents). Called by housekeeping. */
void job_housekeeping(quire_system_t *sys, int timeout, int history_hours);

/* False (with a sentence for the user in `why`) when `user` already has the queue's
 * max-held-jobs-per-user jobs waiting on it. */
bool job_user_may_submit(quire_system_t *sys, const quire_queue_config_t *queue,
                         const char *user, char *why, size_t len);

#endif
