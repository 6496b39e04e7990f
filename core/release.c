/*
 * release.c: listing and releasing held jobs at a device, and charging what printed
 * (release.h).
 */
#include "release.h"

#include "device.h"
#include "forward.h"
#include "job.h"
#include "log.h"
#include "ticket.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What release needs of a job's queue, copied under the config lock. */
typedef struct release_queue_s {
  bool found, force_mono, force_duplex, hide_names, color_on_mono;
  char media_default[64];
  char currency[16];
} release_queue_t;

static release_queue_t release_queue(quire_system_t *sys, const char *name)
{
  release_queue_t q = {0};
  pthread_rwlock_rdlock(&sys->config_lock);
  for (size_t i = 0; i < sys->num_queues; i++) {
    const quire_queue_config_t *c = &sys->queues[i].config;
    if (strcmp(c->name, name))
      continue;
    q.found = true;
    q.force_mono = c->force_mono;
    q.force_duplex = c->force_duplex;
    q.hide_names = c->hide_job_names;
    snprintf(q.media_default, sizeof(q.media_default), "%s", c->media_default);
  }
  q.color_on_mono = sys->config->accounting.color_on_mono;
  snprintf(q.currency, sizeof(q.currency), "%s", sys->config->accounting.currency);
  pthread_rwlock_unlock(&sys->config_lock);
  return q;
}

/* How `job` would print on `dev` (NULL: as its ticket asks), and what it costs. */
static void release_describe(quire_system_t *sys, const store_job_t *job, const device_t *dev,
                             release_job_t *out)
{
  ticket_options_t t;
  release_queue_t q = release_queue(sys, job->queue);
  ticket_options(job->attrs, job->attrs_len, &t);
  out->id = job->id;
  out->name = q.hide_names ? util_printf("Job %d", job->id) : util_strdup(job->name);
  out->queue = util_strdup(job->queue);
  out->state = job->state;
  out->ready = job->analysis == STORE_ANALYSIS_DONE;
  out->pages = job->pages;
  out->color_pages = job->color_pages;
  out->copies = t.copies;
  out->duplex = strcmp(t.sides, "one-sided") || q.force_duplex;
  out->mono = t.monochrome || q.force_mono || job->color_pages == 0;
  if (dev) {
    out->duplex = out->duplex && dev->duplex;
    out->mono = out->mono || !dev->color;
  }
  out->account = util_strdup(t.account);
  out->created = job->created;
  out->thumbnail = job->thumbnail != NULL;
  acct_job_t a = {job->owner, job->queue, dev ? dev->name : NULL,
                  t.media[0] ? t.media : q.media_default, out->pages, out->color_pages,
                  out->copies, out->duplex, out->mono};
  if (!accounting_price(sys->store, &a, &out->cost))
    memset(&out->cost, 0, sizeof(out->cost));
}

release_job_t *release_list(quire_system_t *sys, const store_user_t *user, const char *device,
                            size_t *count)
{
  store_job_filter_t f = {.owner = user->name, .which = STORE_WHICH_NOT_COMPLETED};
  size_t n = 0;
  *count = 0;
  store_job_t **jobs = store_job_list(sys->store, &f, &n);
  if (!jobs)
    return NULL;
  device_t *dev = device && *device ? device_get(sys, device) : NULL;
  release_job_t *out = calloc(n + 1, sizeof(*out));
  if (!out)
    abort();
  for (size_t i = 0; i < n; i++) {
    if (!jobs[i]->closed)
      continue; /* still arriving */
    release_describe(sys, jobs[i], dev, &out[(*count)++]);
  }
  device_free(dev);
  store_jobs_free(jobs, n);
  return out;
}

void release_jobs_free(release_job_t *jobs, size_t count)
{
  for (size_t i = 0; jobs && i < count; i++) {
    free(jobs[i].name);
    free(jobs[i].queue);
    free(jobs[i].account);
  }
  free(jobs);
}

/* Checks one job for release; false with the reason in r->message. */
static bool release_check(quire_system_t *sys, const store_user_t *user, const store_job_t *job,
                          const device_t *dev, const release_job_t *d, release_result_t *r)
{
  release_queue_t q = release_queue(sys, job->queue);
  size_t len = sizeof(r->message);
  (void)user; /* ownership was checked by the caller */
  if (job->state != JOB_HELD || !job->closed) {
    snprintf(r->message, len, job->state < JOB_CANCELED ? "The job is already being printed."
                                                        : "The job is finished.");
    return false;
  }
  if (job->analysis != STORE_ANALYSIS_DONE) {
    snprintf(r->message, len, "The job is still being prepared; try again in a moment.");
    return false;
  }
  ticket_options_t t;
  ticket_options(job->attrs, job->attrs_len, &t);
  bool wants_color = job->color_pages > 0 && !t.monochrome && !q.force_mono;
  if (wants_color && !dev->color && !q.color_on_mono) {
    snprintf(r->message, len, "This job has colour pages and %s prints black and white only; "
             "release it at a colour printer.", dev->name);
    return false;
  }
  return device_can_print_job(dev, job, d->mono, r->message, len);
}

/* The account a job is charged to: the one chosen at release, else its ticket's. False with
 * a message when it names an account that does not exist. */
static bool release_account(quire_system_t *sys, const char *chosen, const release_job_t *d,
                            const char **account, release_result_t *r)
{
  *account = chosen && *chosen ? chosen : d->account && *d->account ? d->account : NULL;
  if (!*account)
    return true;
  store_account_t *a = store_account_get(sys->store, *account);
  store_account_free(a);
  if (!a)
    snprintf(r->message, sizeof(r->message), "There is no account \"%s\".", *account);
  return a != NULL;
}

/* Releases one job (checks, cumulative quota, forwarding); fills r. */
static void release_one(quire_system_t *sys, const store_user_t *user, int id,
                        const device_t *dev, const char *chosen_account, acct_cost_t *total,
                        release_result_t *r)
{
  store_job_t *job = store_job_get(sys->store, id);
  release_job_t d = {0};
  const char *account = NULL;
  r->id = id;
  if (!job || strcmp(job->owner, user->name)) {
    snprintf(r->message, sizeof(r->message), "No such job.");
    store_job_free(job);
    return;
  }
  release_describe(sys, job, dev, &d);
  acct_cost_t sum = *total;
  sum.impressions += d.cost.impressions;
  sum.cost += d.cost.cost;
  release_queue_t q = release_queue(sys, job->queue);
  if (release_check(sys, user, job, dev, &d, r) &&
      release_account(sys, chosen_account, &d, &account, r) &&
      accounting_allow(sys->store, user, &sum, q.currency, r->message, sizeof(r->message))) {
    forward_options_t opt = {.copies = 0, .sides = d.duplex ? NULL : "one-sided",
                             .force_mono = d.mono,
                             .force_duplex = d.duplex && q.force_duplex, .account = account,
                             .released_by = user->name};
    if (forward_submit(sys, id, dev->name, &opt, r->message, sizeof(r->message))) {
      r->released = true;
      *total = sum;
      snprintf(r->message, sizeof(r->message), "Sent to %s.", dev->name);
      log_info("release: job %d of %s released to %s (%d pages, estimated cost %lld units)",
               id, user->name, dev->name, d.cost.impressions, (long long)d.cost.cost);
    }
  }
  if (!r->released)
    log_info("release: job %d of %s not released to %s: %s", id, user->name, dev->name,
             r->message);
  free(d.name);
  free(d.queue);
  free(d.account);
  store_job_free(job);
}

bool release_jobs(quire_system_t *sys, const store_user_t *user, const int *ids, size_t n,
                  bool all, const char *device, const char *account, release_result_t **results,
                  size_t *nresults, char *why, size_t len)
{
  *results = NULL;
  *nresults = 0;
  /* The device's state now, not as the monitor last saw it. */
  device_t *dev = device && *device ? device_get_fresh(sys, device, 0) : NULL;
  if (!dev) {
    snprintf(why, len, "There is no printer \"%s\".", device ? device : "");
    return false;
  }
  if (!device_can_release_public(dev, why, len)) {
    device_free(dev);
    return false;
  }
  int *list = NULL;
  size_t count = n;
  if (all) {
    size_t nj = 0;
    release_job_t *jobs = release_list(sys, user, NULL, &nj);
    list = calloc(nj + 1, sizeof(*list));
    if (!list)
      abort();
    count = 0;
    for (size_t i = 0; jobs && i < nj; i++)
      if (jobs[i].state == JOB_HELD)
        list[count++] = jobs[i].id;
    release_jobs_free(jobs, nj);
  }
  *results = calloc(count + 1, sizeof(**results));
  if (!*results)
    abort();
  acct_cost_t total = {0};
  for (size_t i = 0; i < count; i++)
    release_one(sys, user, all ? list[i] : ids[i], dev, account, &total, &(*results)[i]);
  *nresults = count;
  free(list);
  device_free(dev);
  return true;
}

/* The forwarder's hook: record and charge a completed delivery exactly once. */
static bool release_on_printed(void *data, const forward_printed_t *p)
{
  quire_system_t *sys = data;
  store_job_t *job = store_job_get(sys->store, p->job_id);
  if (!job) {
    log_error("accounting: delivery %d completed for job %d, which no longer exists",
              p->delivery_id, p->job_id);
    return true; /* nothing left to charge; do not retry forever */
  }
  ticket_options_t t;
  ticket_options(job->attrs, job->attrs_len, &t);
  release_queue_t q = release_queue(sys, job->queue);
  pthread_rwlock_rdlock(&sys->config_lock);
  char *site = util_strdup(*sys->config->accounting.site ? sys->config->accounting.site
                                                         : sys->config->server_name);
  pthread_rwlock_unlock(&sys->config_lock);
  acct_print_t rec = {
    .delivery = p->delivery_id, .job_id = job->id, .user = job->owner, .queue = job->queue,
    .device = p->device, .site = site, .account = p->account,
    .media = t.media[0] ? t.media : q.media_default, .format = p->format,
    .submitted = job->created, .printed = p->completed ? p->completed : time(NULL),
    .pages = job->pages, .color_pages = job->color_pages, .copies = p->copies,
    .duplex = p->sides && strcmp(p->sides, "one-sided"), .mono = p->mono};
  bool dup = false;
  bool ok = accounting_record(sys->store, &rec, &dup);
  if (ok && dup)
    log_info("accounting: delivery %d of job %d was recorded already", p->delivery_id, job->id);
  free(site);
  store_job_free(job);
  return ok;
}

void release_install_accounting(quire_system_t *sys)
{
  sys->on_printed = release_on_printed;
  sys->on_printed_data = sys;
}
