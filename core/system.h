/*
 * system.h: the quired process as one object: configuration, store, spool, queues, and the job
 * life cycle of a pull-print gateway (every job is held until released).
 *
 * DESIGN
 * Threads: libmicrohttpd runs one thread per connection; each calls into this module directly.
 * A housekeeping thread (system.c) aborts Create-Jobs whose document never came and expires
 * old finished jobs. Locks, in the order they may be taken:
 *   0. system->console_lock (mutex): serialises rebuilds of the configuration in force from the
 *      file and the console's rows in the store (SIGHUP, queue and settings changes), so that
 *      the last one to swap saw the latest rows.
 *   1. system->config_lock (rwlock): the current configuration and queue table; swapped on
 *      SIGHUP under the write lock, read-locked for the short time a request looks a queue up.
 *   2. system->job_lock (mutex): serialises state changes of existing jobs (read-check-write:
 *      Send-Document vs Cancel-Job vs expiry). New jobs do not take it, so Print-Jobs from
 *      many threads reach the store's group commit together.
 *   3. the store's internal locks (never held by callers across calls).
 */
#ifndef QUIRE_SYSTEM_H
#define QUIRE_SYSTEM_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "advert.h"
#include "config.h"
#include "spool.h"
#include "store.h"
#include "users.h"

struct forward_printed_s;   /* forward.h */

/* A queue at run time: its configuration and its stable identity. */
typedef struct quire_queue_s {
  quire_queue_config_t config;  /* deep copy, owned by the queue */
  char *uuid;                   /* "urn:uuid:..." from the store */
  time_t config_time;           /* when this definition took effect */
} quire_queue_t;

typedef struct quire_system_s {
  pthread_mutex_t console_lock;
  pthread_rwlock_t config_lock;
  quire_config_t *config;       /* in force: the file's, with the console's settings and
                                   queues merged in (guarded by config_lock) */
  quire_config_t *file_config;  /* as read from the file (guarded by config_lock) */
  quire_queue_t *queues;        /* one per configured queue (guarded by config_lock) */
  size_t num_queues;
  unsigned generation;          /* bumped on every reload */

  pthread_mutex_t job_lock;
  store_t *store;
  spool_t *spool;
  char *admin_token;            /* bearer token for the admin API, in DATA/admin.token */
  users_t *users;               /* logins, credentials, lockout (users.h) */
  time_t start_time;
  advert_table_t *adverts;      /* DNS-SD names in use per queue (written by mdns/) */
  struct analyzer_s *analyzer;  /* document analysis workers (analyzer.h), NULL if stopped */
  struct device_monitor_s *devices; /* device status thread (device.h), NULL if stopped */
  struct forwarder_s *forwarder;    /* delivery of jobs to devices (forward.h), NULL if stopped */
  /* Accounting hook (forward.h, forward_printed_fn): called once per delivery a device reported
   * completed, before the job is marked completed; false = try again later. NULL: none. */
  bool (*on_printed)(void *data, const struct forward_printed_s *p);
  void *on_printed_data;
  /* Called (no lock held) after a change from the console rebuilt the queue table or the
   * settings, so that IPP and DNS-SD follow at once (set by core/main.c). NULL: none. */
  void (*on_queues_changed)(void *data);
  void *on_queues_changed_data;

  pthread_t housekeeper;
  pthread_mutex_t hk_lock;
  pthread_cond_t hk_cond;
  bool stopping;
} quire_system_t;

/* Opens the data directory (store, spool, admin token), recovers the spool after a crash and
 * builds the queues. Returns NULL and *err (malloc'd) on failure. Takes ownership of
 * `config`. The caller frees the system with system_free. */
quire_system_t *system_new(quire_config_t *config, char **err);

/* Starts the housekeeping thread. */
bool system_start(quire_system_t *sys);

/* Stops housekeeping, closes the store (committing pending writes) and frees everything. */
void system_free(quire_system_t *sys);

/* Swaps in a new configuration (SIGHUP). Listen address, port and data-dir changes need a
 * restart and are reported as such. Takes ownership of `config` on success. */
bool system_reload(quire_system_t *sys, quire_config_t *config, char **err);

/* Rebuilds the configuration in force from the file's and the console's queues and settings
 * in the store (store-queues.h), swaps it in and calls on_queues_changed. Call it after every
 * change of those rows. False with *err (malloc'd) when the store cannot be read; the running
 * configuration is then kept. */
bool system_console_apply(quire_system_t *sys, char **err);

/* The configuration in force for the file's `file` (system-console.c): a copy with the
 * console's settings laid over it and its queues merged with the console's (added, edited,
 * removed). NULL with *err when the store cannot be read. Caller frees with config_free. */
quire_config_t *system_config_effective(store_t *store, const quire_config_t *file, char **err);

/* True when `queue` has hide-job-names set (lists show "Job N"). */
bool system_queue_hides_names(quire_system_t *sys, const char *queue);

/* Copies the current value of a few config settings (under the read lock). */
int64_t system_max_document_size(quire_system_t *sys);

#endif
