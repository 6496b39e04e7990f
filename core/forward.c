/*
 * forward.c: releasing jobs to devices and the per-device threads that deliver them (see
 * forward.h): submit, retries with backoff, giving up, the accounting hook, restart recovery.
 * How bytes reach a device is in forward-ipp.c and forward-raw.c.
 */
#include "forward-private.h"

#include "analyzer.h"
#include "job.h"
#include "log.h"
#include "ticket.h"
#include "util.h"

#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORWARD_STORE_RETRY 5   /* seconds before trying again after a store error */
#define FORWARD_BUSY_STEPS 50   /* steps in a row without a wait before a forced pause */

/* ---- settings and small helpers ---------------------------------------------------------- */

static forward_settings_t forward_settings(quire_system_t *sys)
{
  forward_settings_t s;

  pthread_rwlock_rdlock(&sys->config_lock);
  const quire_config_t *c = sys->config;
  s = (forward_settings_t){.retry_initial = c->forward_retry_initial,
                           .retry_max = c->forward_retry_max,
                           .max_attempts = c->forward_max_attempts,
                           .give_up_minutes = c->forward_give_up_minutes,
                           .io_timeout = c->forward_io_timeout,
                           .job_poll = c->forward_job_poll,
                           .render_timeout = c->render_timeout,
                           .render_cpu = c->render_cpu,
                           .render_memory = c->render_memory,
                           .raster_max = c->forward_raster_max};
  pthread_rwlock_unlock(&sys->config_lock);
  snprintf(s.print_scaling, sizeof(s.print_scaling), "auto");
  return s;
}

job_result_t forward_progress(forward_step_t *s, int state, const char *reasons,
                              const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  job_result_t r = job_forward_progress(s->sys, s->dl, state, reasons, msg);
  g_free(msg);
  return r;
}

/* The wait before retry number `attempts` (1-based): initial x 2^(attempts-1), capped. */
static int forward_backoff(const forward_settings_t *set, int attempts)
{
  long long wait = set->retry_initial;
  for (int i = 1; i < attempts && wait < set->retry_max; i++)
    wait *= 2;
  return (int)(wait < set->retry_max ? wait : set->retry_max);
}

/* ---- outcomes ---------------------------------------------------------------------------- */

/* Gives the job back (held, or aborted on a direct queue) with the step's reason. */
static int forward_give_up(forward_step_t *s)
{
  delivery_t *dl = s->dl;
  char err[600];
  device_sentence(err, sizeof(err), s->err);
  char *msg = dl->state == DELIVERY_SENT
              ? util_printf("Could not confirm that %s printed this job: %s It may have "
                            "printed; check before printing it again.", dl->device, err)
              : util_printf("Could not print on %s: %s", dl->device, err);
  device_set_str(&dl->last_error, s->err);
  dl->state = DELIVERY_FAILED;
  dl->next_try = 0;
  int wait = job_forward_failed(s->sys, dl, msg) == JOB_OK ? 0 : FORWARD_STORE_RETRY;
  free(msg);
  return wait;
}

/* A failed try: counts it, then schedules the next one or gives up. Returns the wait. */
static int forward_retry(forward_step_t *s)
{
  delivery_t *dl = s->dl;
  time_t now = time(NULL);

  dl->attempts++;
  if (!dl->first_failure)
    dl->first_failure = now;
  device_set_str(&dl->last_error, s->err);
  if (dl->attempts >= s->set.max_attempts ||
      now - dl->first_failure >= (time_t)s->set.give_up_minutes * 60) {
    log_warn("job %d: giving up on %s after %d tries: %s", dl->job_id, dl->device,
             dl->attempts, s->err);
    return forward_give_up(s);
  }
  int wait = forward_backoff(&s->set, dl->attempts);
  dl->next_try = now + wait;
  log_warn("job %d: %s failed (try %d): %s; again in %d s", dl->job_id, dl->device,
           dl->attempts, s->err, wait);
  bool following = dl->state == DELIVERY_SENDING || dl->state == DELIVERY_SENT;
  if (forward_progress(s, following ? JOB_PROCESSING : JOB_PENDING,
                       following ? "job-printing" : "job-queued",
                       "Waiting for %s: %s. Trying again in %d s.", dl->device, s->err, wait) !=
          JOB_OK &&
      job_forward_save(s->sys, dl) != JOB_OK)
    return FORWARD_STORE_RETRY;
  return wait;
}

/* Calls the accounting hook for a printed delivery, then completes the job. */
static int forward_account(forward_step_t *s)
{
  delivery_t *dl = s->dl;
  forward_printed_t p = {.job_id = dl->job_id, .delivery_id = dl->id, .device = dl->device,
                         .format = dl->format, .copies = dl->copies, .sides = dl->sides,
                         .mono = dl->mono, .device_impressions = dl->device_impressions,
                         .sent = dl->sent, .completed = dl->completed, .account = dl->account,
                         .released_by = dl->released_by};
  quire_system_t *sys = s->sys;

  dl->printed_calls++;
  if (sys->on_printed && !sys->on_printed(sys->on_printed_data, &p)) {
    log_warn("job %d: the accounting hook failed for delivery %d; trying again", dl->job_id,
             dl->id);
    job_forward_save(sys, dl);
    return s->set.retry_initial;
  }
  dl->state = DELIVERY_DONE;
  return job_forward_completed(sys, dl) == JOB_OK ? 0 : FORWARD_STORE_RETRY;
}

/* The quire job ended (canceled) while being delivered: cancel the device job, then close. */
static int forward_job_ended(forward_step_t *s)
{
  if (s->dev && s->dev->kind == DEVICE_IPP && !forward_ipp_cancel(s)) {
    /* Tried again later; after max_attempts the device job is left to the device. */
    s->dl->attempts++;
    device_set_str(&s->dl->last_error, s->err);
    if (s->dl->attempts < s->set.max_attempts) {
      log_warn("job %d: cannot cancel job %d on %s yet: %s", s->dl->job_id,
               s->dl->device_job_id, s->dl->device, s->err);
      return job_forward_save(s->sys, s->dl) == JOB_OK ? forward_backoff(&s->set, s->dl->attempts)
                                                       : FORWARD_STORE_RETRY;
    }
  }
  s->dl->state = DELIVERY_CANCELED;
  log_info("job %d: delivery %d to %s canceled", s->dl->job_id, s->dl->id, s->dl->device);
  return job_forward_save(s->sys, s->dl) == JOB_OK ? 0 : FORWARD_STORE_RETRY;
}

/* Runs one step of `dl`; returns how many milliseconds to wait before the next (0: at
 * once). The helpers it calls count in seconds. */
static int forward_step(forward_worker_t *w, delivery_t *dl)
{
  forward_step_t s = {.fw = w->fw, .worker = w, .sys = w->fw->sys, .dl = dl,
                      .set = forward_settings(w->fw->sys)};
  int wait = 0;

  s.job = store_job_get(s.sys->store, dl->job_id);
  s.dev = store_device_get(s.sys->store, dl->device);
  if (dl->state == DELIVERY_PRINTED) {
    wait = forward_account(&s) * 1000;
  } else if (!s.job || s.job->state >= JOB_CANCELED || s.job->state == JOB_HELD) {
    wait = forward_job_ended(&s) * 1000;  /* canceled, or taken back meanwhile */
  } else if (!s.dev) {
    snprintf(s.err, sizeof(s.err), "the printer was removed");
    wait = forward_give_up(&s) * 1000;
  } else {
    forward_outcome_t o = s.dev->kind == DEVICE_IPP ? forward_ipp_step(&s)
                                                    : forward_raw_step(&s);
    if (atomic_load(&w->fw->stopping))
      wait = 0;  /* the loop ends; nothing counted against the delivery */
    else if (o == FWD_WAIT)
      wait = s.wait_ms;
    else if (o == FWD_RETRY)
      wait = forward_retry(&s) * 1000;
    else if (o == FWD_GIVE_UP)
      wait = forward_give_up(&s) * 1000;
  }
  store_job_free(s.job);
  device_free(s.dev);
  return wait;
}

/* ---- device threads ---------------------------------------------------------------------- */

/* The wait of a worker after a round: on its condition until woken, stopped or `ms`
 * milliseconds passed (forever when negative). fw->lock held. */
static void forward_worker_wait(forward_worker_t *w, int ms)
{
  forwarder_t *fw = w->fw;
  struct timespec until;

  clock_gettime(CLOCK_REALTIME, &until);
  if (ms > 0) {
    long long ns = until.tv_nsec + (ms % 1000) * 1000000LL;
    until.tv_sec += ms / 1000 + ns / 1000000000LL;
    until.tv_nsec = ns % 1000000000LL;
  }
  while (!w->woken && !atomic_load(&fw->stopping)) {
    if (ms < 0)
      pthread_cond_wait(&w->cond, &fw->lock);
    else if (pthread_cond_timedwait(&w->cond, &fw->lock, &until) != 0)
      break;
  }
}

/* A device thread: the oldest open delivery of its device, one step at a time. */
static void *forward_worker_main(void *arg)
{
  forward_worker_t *w = arg;
  forwarder_t *fw = w->fw;

  int busy = 0;  /* steps in a row that asked for no wait */
  /* wait: milliseconds before the next round, -1 for none until woken */

  pthread_mutex_lock(&fw->lock);
  while (!atomic_load(&fw->stopping)) {
    w->woken = false;
    pthread_mutex_unlock(&fw->lock);
    size_t n = 0;
    delivery_t **open = store_delivery_list_open(fw->sys->store, w->device, &n);
    time_t now = time(NULL);
    int wait = -1;
    if (!open)
      wait = FORWARD_STORE_RETRY * 1000;
    else if (n > 0 && open[0]->next_try > now)
      wait = (int)(open[0]->next_try - now) * 1000;
    else if (n > 0)
      wait = forward_step(w, open[0]);
    deliveries_free(open, n);
    busy = wait ? 0 : busy + 1;
    if (busy > FORWARD_BUSY_STEPS) {  /* never spin, whatever a step says */
      log_warn("device %s: %d steps in a row without a pause", w->device, busy);
      wait = 1000;
      busy = 0;
    }
    pthread_mutex_lock(&fw->lock);
    if (wait != 0)
      forward_worker_wait(w, wait);
  }
  pthread_mutex_unlock(&fw->lock);
  devipp_close(&w->conn);
  return NULL;
}

/* The worker of `device`, started if there is none (fw->lock held). NULL if it cannot
 * start. */
static forward_worker_t *forward_worker(forwarder_t *fw, const char *device)
{
  for (forward_worker_t *w = fw->workers; w; w = w->next)
    if (!strcmp(w->device, device))
      return w;
  forward_worker_t *w = calloc(1, sizeof(*w));
  if (!w)
    abort();
  w->fw = fw;
  w->device = util_strdup(device);
  pthread_cond_init(&w->cond, NULL);
  if (pthread_create(&w->thread, NULL, forward_worker_main, w) != 0) {
    log_error("device %s: cannot start its forwarding thread", device);
    pthread_cond_destroy(&w->cond);
    free(w->device);
    free(w);
    return NULL;
  }
  w->next = fw->workers;
  fw->workers = w;
  return w;
}

void forwarder_wake(forwarder_t *fw, const char *device)
{
  if (!fw || !device)
    return;
  pthread_mutex_lock(&fw->lock);
  forward_worker_t *w = atomic_load(&fw->stopping) ? NULL : forward_worker(fw, device);
  if (w) {
    w->woken = true;
    pthread_cond_signal(&w->cond);
  }
  pthread_mutex_unlock(&fw->lock);
}

/* ---- submit ------------------------------------------------------------------------------ */

/* The queue settings a delivery depends on. */
typedef struct forward_queue_s {
  bool found, direct, mono;
  char device[64];
  char media[64];
} forward_queue_t;

static forward_queue_t forward_queue(quire_system_t *sys, const char *name)
{
  forward_queue_t q = {0};

  pthread_rwlock_rdlock(&sys->config_lock);
  const quire_queue_config_t *c = config_queue_find(sys->config, name);
  if (c) {
    q.found = true;
    q.direct = c->direct;
    q.mono = c->color == QUIRE_COLOR_MONOCHROME;
    snprintf(q.device, sizeof(q.device), "%s", c->device ? c->device : "");
    snprintf(q.media, sizeof(q.media), "%s", c->media_default ? c->media_default : "");
  }
  pthread_rwlock_unlock(&sys->config_lock);
  return q;
}

/* Checks the release options; false with a reason. */
static bool forward_options_valid(const forward_options_t *opt, char *why, size_t len)
{
  if (opt->copies < 0 || opt->copies > 999) {
    snprintf(why, len, "copies must be 1-999");
    return false;
  }
  if (opt->sides && strcmp(opt->sides, "one-sided") && strcmp(opt->sides, "two-sided-long-edge") &&
      strcmp(opt->sides, "two-sided-short-edge")) {
    snprintf(why, len, "sides must be one-sided, two-sided-long-edge or two-sided-short-edge");
    return false;
  }
  return true;
}

/* Builds the plan for `job` on `dev` with the release options. */
static bool forward_plan(quire_system_t *sys, const store_job_t *job, const device_t *dev,
                         const forward_options_t *opt, const forward_queue_t *q,
                         device_plan_t *plan, char *why, size_t len)
{
  ticket_options_t o;
  size_t nd = 0;
  store_doc_t **docs = store_doc_list(sys->store, job->id, &nd);
  char **formats = calloc(nd + 1, sizeof(char *));

  if (!formats)
    abort();
  for (size_t i = 0; docs && i < nd; i++)
    formats[i] = docs[i]->format ? docs[i]->format : "application/octet-stream";
  ticket_options(job->attrs, job->attrs_len, &o);
  const char *sides = opt->sides ? opt->sides : o.sides;
  if (opt->force_duplex && !strcmp(sides, "one-sided"))
    sides = "two-sided-long-edge";
  device_plan_in_t in = {.doc_formats = formats, .copies = opt->copies > 0 ? opt->copies : o.copies,
                         .sides = sides, .media = o.media, .media_fallback = q->media,
                         .mono = o.monochrome || opt->force_mono || q->mono};
  bool ok = docs && nd > 0;
  if (!ok)
    snprintf(why, len, "job %d has no documents", job->id);
  ok = ok && device_plan(dev, &in, plan, why, len);
  free(formats);
  store_docs_free(docs, nd);
  return ok;
}

/* A new delivery row for the plan. */
static delivery_t *forward_delivery_new(const store_job_t *job, const char *device,
                                        const device_plan_t *p, const forward_options_t *opt,
                                        bool direct)
{
  delivery_t *dl = calloc(1, sizeof(*dl));
  if (!dl)
    abort();
  dl->job_id = job->id;
  dl->device = util_strdup(device);
  dl->state = DELIVERY_QUEUED;
  dl->direct = direct;
  dl->created = time(NULL);
  dl->format = util_strdup(p->format);
  dl->render = p->render;
  dl->raster_type = util_strdup(p->raster_type[0] ? p->raster_type : NULL);
  dl->resolution = p->resolution;
  dl->copies = p->copies;
  dl->sides = util_strdup(p->sides);
  dl->media = util_strdup(p->media[0] ? p->media : NULL);
  dl->mono = p->mono;
  dl->account = util_strdup(opt->account);
  dl->released_by = util_strdup(opt->released_by);
  dl->device_impressions = -1;
  return dl;
}

/* True when the job can be released at all (held, complete, not already printing); false
 * with a reason. */
static bool forward_job_releasable(quire_system_t *sys, const store_job_t *job, char *why,
                                   size_t len)
{
  size_t n = 0;
  delivery_t **list = store_delivery_list_job(sys->store, job->id, &n);
  bool open = false;

  for (size_t i = 0; i < n; i++)
    open = open || list[i]->state <= DELIVERY_PRINTED;
  deliveries_free(list, n);
  if (open)
    snprintf(why, len, "job %d is already being printed", job->id);
  else if (job->state != JOB_HELD)
    snprintf(why, len, "job %d is not held (it is %s)", job->id,
             job->state == JOB_COMPLETED ? "printed" : job->state == JOB_CANCELED ? "canceled"
             : job->state == JOB_ABORTED ? "aborted" : "being processed");
  else if (!job->closed)
    snprintf(why, len, "job %d has not received all its documents yet", job->id);
  return !open && job->state == JOB_HELD && job->closed;
}

/* Records the delivery of `job` to `dev` with the plan for it; false with a reason. */
static bool forward_begin(quire_system_t *sys, const store_job_t *job, const device_t *dev,
                          const forward_options_t *opt, char *why, size_t len)
{
  forward_queue_t q = forward_queue(sys, job->queue);
  device_plan_t plan;

  if (!forward_plan(sys, job, dev, opt, &q, &plan, why, len))
    return false;
  delivery_t *dl = forward_delivery_new(job, dev->name, &plan, opt,
                                        q.direct || opt->abort_on_failure);
  job_result_t r = job_forward_begin(sys, dl);
  if (r == JOB_OK)
    log_info("job %d: to %s as %s%s, %d cop%s, %s%s", job->id, dev->name, plan.format,
             plan.render ? " (rendered)" : "", plan.copies, plan.copies == 1 ? "y" : "ies",
             plan.sides, plan.mono ? ", grey" : "");
  else if (r == JOB_STORE_ERROR)
    snprintf(why, len, "cannot record the release (store error)");
  else
    snprintf(why, len, "job %d cannot be released now", job->id);
  delivery_free(dl);
  return r == JOB_OK;
}

bool forward_submit(quire_system_t *sys, int job_id, const char *device,
                    const forward_options_t *opt, char *why, size_t len)
{
  store_job_t *job = store_job_get(sys->store, job_id);
  device_t *dev = device ? store_device_get(sys->store, device) : NULL;
  bool ok = false;

  if (!job)
    snprintf(why, len, "no job %d", job_id);
  else if (!dev)
    snprintf(why, len, "no printer %s", device ? device : "(none given)");
  else if (!dev->enabled)
    snprintf(why, len, "%s is disabled", device);
  else if (!dev->caps_checked)
    snprintf(why, len, "what %s can print is not known yet: it has not answered since it was "
             "added", device);
  else if (forward_options_valid(opt, why, len) && forward_job_releasable(sys, job, why, len))
    ok = forward_begin(sys, job, dev, opt, why, len);
  store_job_free(job);
  device_free(dev);
  if (ok)
    forwarder_wake(sys->forwarder, device);
  return ok;
}

void forward_direct(quire_system_t *sys, int job_id)
{
  store_job_t *job = store_job_get(sys->store, job_id);
  forward_queue_t q = job ? forward_queue(sys, job->queue) : (forward_queue_t){0};
  forward_options_t opt = {.released_by = "direct queue"};
  char why[512];

  if (job && q.direct && !forward_submit(sys, job_id, q.device, &opt, why, sizeof(why))) {
    char text[600];
    device_sentence(text, sizeof(text), why);
    char *msg = util_printf("Cannot be printed on %s: %s", q.device, text);
    if (job_abort(sys, job_id, "aborted-by-system,destination-uri-failed", msg) == JOB_OK)
      log_warn("job %d: aborted: %s", job_id, msg);
    free(msg);
  }
  store_job_free(job);
}

bool forward_cancel(quire_system_t *sys, int job_id)
{
  size_t n = 0;
  delivery_t **list = store_delivery_list_job(sys->store, job_id, &n);
  char *device = NULL;

  for (size_t i = 0; i < n; i++)
    if (list[i]->state <= DELIVERY_SENT && !device)
      device = util_strdup(list[i]->device);
  deliveries_free(list, n);
  job_actor_t admin = {.user = "quire", .admin = true};
  bool ok = device && job_cancel(sys, &admin, job_id, "job-canceled-by-operator") == JOB_OK;
  if (ok)
    forwarder_wake(sys->forwarder, device);
  free(device);
  return ok;
}

delivery_t **forward_deliveries(quire_system_t *sys, int job_id, size_t *count)
{
  return store_delivery_list_job(sys->store, job_id, count);
}

/* ---- start and stop ---------------------------------------------------------------------- */

/* Hands over the direct-queue jobs that were analysed but not yet sent before a restart. */
static void forward_recover_direct(forwarder_t *fw)
{
  quire_system_t *sys = fw->sys;
  store_job_filter_t f = {.which = STORE_WHICH_NOT_COMPLETED, .state = JOB_HELD};
  size_t n = 0;
  store_job_t **jobs = store_job_list(sys->store, &f, &n);

  for (size_t i = 0; i < n; i++) {
    forward_queue_t q = forward_queue(sys, jobs[i]->queue);
    size_t nd = 0;
    delivery_t **dls = q.direct && jobs[i]->closed && jobs[i]->analysis == STORE_ANALYSIS_DONE
                       ? store_delivery_list_job(sys->store, jobs[i]->id, &nd) : NULL;
    if (dls && nd == 0) {
      log_info("job %d: direct queue %s, handing it to %s after the restart", jobs[i]->id,
               jobs[i]->queue, q.device);
      forward_direct(sys, jobs[i]->id);
    }
    deliveries_free(dls, nd);
  }
  store_jobs_free(jobs, n);
}

forwarder_t *forwarder_start(quire_system_t *sys)
{
  forwarder_t *fw = calloc(1, sizeof(*fw));
  size_t n = 0;

  if (!fw)
    abort();
  fw->sys = sys;
  pthread_mutex_init(&fw->lock, NULL);
  atomic_init(&fw->stopping, false);
  pthread_rwlock_rdlock(&sys->config_lock);
  fw->render_command = analyzer_command(sys->config);
  fw->work_dir = util_printf("%s/forward", sys->config->data_dir);
  pthread_rwlock_unlock(&sys->config_lock);
  if (!util_mkdir_p(fw->work_dir)) {
    log_error("cannot create %s", fw->work_dir);
    forwarder_stop(fw);
    return NULL;
  }
  sys->forwarder = fw;
  delivery_t **open = store_delivery_list_open(sys->store, NULL, &n);
  for (size_t i = 0; i < n; i++)
    forwarder_wake(fw, open[i]->device);
  if (n)
    log_info("forwarding: %zu delivery(ies) left from before the restart", n);
  deliveries_free(open, n);
  forward_recover_direct(fw);
  return fw;
}

void forwarder_stop(forwarder_t *fw)
{
  if (!fw)
    return;
  pthread_mutex_lock(&fw->lock);
  atomic_store(&fw->stopping, true);
  for (forward_worker_t *w = fw->workers; w; w = w->next)
    pthread_cond_signal(&w->cond);
  pthread_mutex_unlock(&fw->lock);
  for (forward_worker_t *w = fw->workers, *next; w; w = next) {
    next = w->next;
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cond);
    free(w->device);
    free(w);
  }
  if (fw->sys->forwarder == fw)
    fw->sys->forwarder = NULL;
  free(fw->render_command);
  free(fw->work_dir);
  pthread_mutex_destroy(&fw->lock);
  free(fw);
}
