/*
 * release.h: pull-print release. A user who logged in at a device (PIN, card or password: see
 * users.h) lists their held jobs with pages, colour pages, sheets and the estimated cost at
 * that device, and releases one, several or all of them there. Every check a commercial
 * release station makes is here, so the release API, the web portal and kiosks behave the
 * same: the job is the user's, complete and analysed; the device is ready and can print it;
 * the queue's policies (force mono/duplex) and the colour-on-mono policy; the account; the
 * user's balance and quotas for everything released at once. Accepted jobs are handed to the
 * forwarder (forward.h), which delivers them and, once the device printed them, charges them
 * through release_on_printed.
 */
#ifndef QUIRE_RELEASE_H
#define QUIRE_RELEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounting.h"
#include "system.h"

/* One held job as a release terminal shows it. */
typedef struct release_job_s {
  int id;
  char *name;              /* "Job N" when the queue hides job names */
  char *queue;
  int state;               /* JOB_HELD, or JOB_PENDING/PROCESSING once released */
  bool ready;              /* analysed: pages and cost are known */
  int pages, color_pages;  /* one copy */
  int copies;
  bool duplex, mono;       /* as it would print at the device */
  acct_cost_t cost;        /* estimate at the device (or the default price list) */
  char *account;           /* job-account-id from the ticket, may be "" */
  time_t created;
  bool thumbnail;          /* a page-1 thumbnail exists */
} release_job_t;

/* The outcome of releasing one job. */
typedef struct release_result_s {
  int id;
  bool released;
  char message[256];       /* why not, or "Sent to DEVICE" */
} release_result_t;

/* The user's held (and releasing) jobs, oldest first, priced for `device` (NULL or "": the
 * default price list, ticket options). Caller frees with release_jobs_free. NULL on a store
 * error. */
release_job_t *release_list(quire_system_t *sys, const store_user_t *user, const char *device,
                            size_t *count);

void release_jobs_free(release_job_t *jobs, size_t count);

/* Releases the jobs `ids` (n of them), or with `all` every held job of the user, to `device`,
 * charged to `account` (NULL: each job's job-account-id). Fills *results (malloc'd, one per
 * job considered; the caller frees) and returns true when the request itself was valid; false
 * with `why` when nothing could be released at all (device unknown, stopped, in error). */
bool release_jobs(quire_system_t *sys, const store_user_t *user, const int *ids, size_t n,
                  bool all, const char *device, const char *account, release_result_t **results,
                  size_t *nresults, char *why, size_t len);

/* Installs the accounting hook of the forwarder: every delivery the device completed is
 * recorded once in the journal and charged to its owner. */
void release_install_accounting(quire_system_t *sys);

#endif
