/*
 * system.c: the quired process object: opening the data directory, recovering after a crash,
 * the queue table, reload, and the housekeeping thread (see system.h for threads and locks).
 */
#include "system.h"

#include "release.h"

#include "analyzer.h"
#include "device.h"
#include "forward.h"

#include "job.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOUSEKEEPING_SECONDS 10

static void system_queue_clear(quire_queue_t *q)
{
  config_queue_clear(&q->config);
  free(q->uuid);
}

static void system_queues_free(quire_queue_t *queues, size_t n)
{
  for (size_t i = 0; i < n; i++)
    system_queue_clear(&queues[i]);
  free(queues);
}

/* True when two queue definitions advertise the same thing. */
static bool system_queue_same(const quire_queue_config_t *a, const quire_queue_config_t *b)
{
  return !strcmp(a->info, b->info) && !strcmp(a->location, b->location) &&
         !strcmp(a->make_model, b->make_model) && !strcmp(a->media_default, b->media_default) &&
         a->color == b->color && a->duplex == b->duplex && a->auth_basic == b->auth_basic;
}

/* Builds the queue table for `config`, reusing the store's UUIDs and, for unchanged queues,
 * the previous config_time. */
static quire_queue_t *system_queues_build(quire_system_t *sys, const quire_config_t *config,
                                          char **err)
{
  quire_queue_t *qs = calloc(config->num_queues ? config->num_queues : 1, sizeof(*qs));
  time_t now = time(NULL);

  if (!qs)
    abort();
  for (size_t i = 0; i < config->num_queues; i++) {
    store_queue_t *row = store_queue_ensure(sys->store, config->queues[i].name);
    if (!row) {
      *err = util_printf("cannot record queue '%s' in the store", config->queues[i].name);
      system_queues_free(qs, i);
      return NULL;
    }
    config_queue_copy(&qs[i].config, &config->queues[i]);
    qs[i].uuid = util_strdup(row->uuid);
    qs[i].config_time = now;
    for (size_t j = 0; j < sys->num_queues; j++)
      if (!strcmp(sys->queues[j].config.name, qs[i].config.name) &&
          system_queue_same(&sys->queues[j].config, &qs[i].config))
        qs[i].config_time = sys->queues[j].config_time;
    store_queue_free(row);
  }
  return qs;
}

/* Reads DATA/admin.token or creates it (0600) with a new random token. */
static char *system_admin_token(const char *data_dir, char **err)
{
  char *path = util_printf("%s/admin.token", data_dir);
  char buf[128] = "";
  FILE *f = fopen(path, "r");

  if (f) {
    if (!fgets(buf, sizeof(buf), f))
      buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
  }
  if (strlen(buf) < 32) {
    char tmp[4096];
    int fd;
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (!util_random_hex(buf, 32) ||
        (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
      *err = util_printf("cannot create %s: %s", path, strerror(errno));
      free(path);
      return NULL;
    }
    bool ok = write(fd, buf, strlen(buf)) == (ssize_t)strlen(buf) && write(fd, "\n", 1) == 1 &&
              fsync(fd) == 0;
    close(fd);
    if (!ok || rename(tmp, path) != 0) {
      *err = util_printf("cannot write %s: %s", path, strerror(errno));
      free(path);
      return NULL;
    }
  }
  free(path);
  return util_strdup(buf);
}

/* Deletes spool files left by a crash: partial uploads and documents whose store row never
 * committed. */
static bool system_recover(quire_system_t *sys, char **err)
{
  size_t npaths = 0, removed = 0;
  char **paths = store_doc_paths(sys->store, &npaths);
  if (!paths) {
    /* Never sweep the spool against a list we could not read: that would delete documents. */
    *err = util_printf("cannot list the stored documents; spool left untouched");
    return false;
  }
  bool ok = spool_recover(sys->spool, paths, npaths, &removed);

  store_strings_free(paths, npaths);
  if (!ok) {
    *err = util_printf("spool recovery failed: %s", strerror(errno));
    return false;
  }
  if (removed)
    log_info("recovery: removed %zu file(s) of unacknowledged uploads", removed);
  return true;
}

/* Hands the [security] settings to the user service. */
static void system_apply_security(quire_system_t *sys, const quire_config_t *config)
{
  users_policy_t p = {config->security.lockout_attempts, config->security.lockout_minutes,
                      config->security.throttle_attempts, config->security.throttle_minutes};
  users_set_policy(sys->users, &p);
}

/* Opens everything under the data directory. */
quire_system_t *system_new(quire_config_t *config, char **err)
{
  quire_system_t *sys = calloc(1, sizeof(*sys));
  if (!sys)
    abort();
  pthread_mutex_init(&sys->console_lock, NULL);
  pthread_rwlock_init(&sys->config_lock, NULL);
  pthread_mutex_init(&sys->job_lock, NULL);
  sys->adverts = advert_table_new();
  pthread_mutex_init(&sys->hk_lock, NULL);
  pthread_cond_init(&sys->hk_cond, NULL);
  sys->config = config;
  sys->start_time = time(NULL);
  *err = NULL;

  char *dbpath = util_printf("%s/quire.db", config->data_dir);
  char *spooldir = util_printf("%s/spool", config->data_dir);
  if (!util_mkdir_p(config->data_dir))
    *err = util_printf("cannot create %s: %s", config->data_dir, strerror(errno));
  else if ((sys->store = store_open(dbpath, err)) &&
           (sys->spool = spool_open(spooldir, err)) &&
           (sys->admin_token = system_admin_token(config->data_dir, err)) &&
           (sys->users = users_open(sys->store, config->data_dir, err)) &&
           system_recover(sys, err) &&
           (sys->config = system_config_effective(sys->store, config, err))) {
    sys->file_config = config;
    system_apply_security(sys, sys->config);
    store_set_precommit(sys->store, spool_precommit, sys->spool);
    sys->queues = system_queues_build(sys, sys->config, err);
    sys->num_queues = sys->queues ? sys->config->num_queues : 0;
  } else if (!sys->config) {
    sys->config = config;
  }
  free(dbpath);
  free(spooldir);
  if (*err) {
    system_free(sys);
    return NULL;
  }
  return sys;
}

/* Housekeeping loop: wakes every few seconds or when stopping. */
static void *system_housekeeper(void *arg)
{
  quire_system_t *sys = arg;

  pthread_mutex_lock(&sys->hk_lock);
  while (!sys->stopping) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += HOUSEKEEPING_SECONDS;
    pthread_cond_timedwait(&sys->hk_cond, &sys->hk_lock, &until);
    if (sys->stopping)
      break;
    pthread_mutex_unlock(&sys->hk_lock);

    pthread_rwlock_rdlock(&sys->config_lock);
    int timeout = sys->config->multiple_operation_timeout;
    int history = sys->config->job_history_hours;
    pthread_rwlock_unlock(&sys->config_lock);
    job_housekeeping(sys, timeout, history);

    pthread_mutex_lock(&sys->hk_lock);
  }
  pthread_mutex_unlock(&sys->hk_lock);
  return NULL;
}

bool system_start(quire_system_t *sys)
{
  if (pthread_create(&sys->housekeeper, NULL, system_housekeeper, sys) != 0) {
    log_error("cannot start the housekeeping thread");
    return false;
  }
  /* Accounting first, so that no delivery completes uncharged; the forwarder before the
   * analyzer (which hands direct-queue jobs to it) and the monitor (which wakes it when a
   * device comes back). */
  release_install_accounting(sys);
  if (!(sys->forwarder = forwarder_start(sys)) || !(sys->devices = device_monitor_start(sys)))
    return false;
  if (!sys->config->analysis) {
    log_info("analysis = off: jobs are held without page counts");
    return true;
  }
  sys->analyzer = analyzer_start(sys);
  return sys->analyzer != NULL;
}

void system_free(quire_system_t *sys)
{
  if (!sys)
    return;
  if (sys->housekeeper) {
    pthread_mutex_lock(&sys->hk_lock);
    sys->stopping = true;
    pthread_cond_signal(&sys->hk_cond);
    pthread_mutex_unlock(&sys->hk_lock);
    pthread_join(sys->housekeeper, NULL);
  }
  analyzer_stop(sys->analyzer);
  sys->analyzer = NULL;
  users_close(sys->users);
  device_monitor_stop(sys->devices);
  sys->devices = NULL;
  forwarder_stop(sys->forwarder);
  sys->forwarder = NULL;
  store_close(sys->store);
  spool_close(sys->spool);
  advert_table_free(sys->adverts);
  system_queues_free(sys->queues, sys->num_queues);
  if (sys->file_config != sys->config)
    config_free(sys->file_config);
  config_free(sys->config);
  free(sys->admin_token);
  pthread_mutex_destroy(&sys->console_lock);
  pthread_rwlock_destroy(&sys->config_lock);
  pthread_mutex_destroy(&sys->job_lock);
  pthread_mutex_destroy(&sys->hk_lock);
  pthread_cond_destroy(&sys->hk_cond);
  free(sys);
}

/* Swaps in `file` (the file's configuration) and `eff` (in force, built from it) under the
 * write lock; frees the previous ones. False (nothing swapped, nothing freed) when the queue
 * table cannot be built. The caller holds console_lock: only holders of it replace
 * sys->queues, so the table is built (store reads and writes of queue identities) before the
 * write lock, which IPP requests wait on, is taken. */
static bool system_swap(quire_system_t *sys, quire_config_t *file, quire_config_t *eff,
                        char **err)
{
  quire_queue_t *qs = system_queues_build(sys, eff, err);
  if (!qs)
    return false;
  pthread_rwlock_wrlock(&sys->config_lock);
  system_queues_free(sys->queues, sys->num_queues);
  sys->queues = qs;
  sys->num_queues = eff->num_queues;
  config_free(sys->config);
  if (file != sys->file_config)
    config_free(sys->file_config);
  sys->config = eff;
  sys->file_config = file;
  sys->generation++;
  system_apply_security(sys, eff);
  pthread_rwlock_unlock(&sys->config_lock);
  return true;
}

/* Swaps in a new configuration; settings bound at start are kept and reported. */
bool system_reload(quire_system_t *sys, quire_config_t *config, char **err)
{
  *err = NULL;
  pthread_mutex_lock(&sys->console_lock);
  pthread_rwlock_rdlock(&sys->config_lock);
  quire_config_t *old = sys->file_config;
  if (strcmp(old->data_dir, config->data_dir) || strcmp(old->listen, config->listen) ||
      old->port != config->port)
    log_warn("reload: listen, port and data-dir changes take effect at the next restart");
  pthread_rwlock_unlock(&sys->config_lock);

  /* Keep the bound settings of the running process (old is only replaced under this
   * console_lock, which we hold). */
  free(config->data_dir);
  config->data_dir = util_strdup(old->data_dir);
  free(config->listen);
  config->listen = util_strdup(old->listen);
  config->port = old->port;

  quire_config_t *eff = system_config_effective(sys->store, config, err);
  bool ok = eff && system_swap(sys, config, eff, err);
  if (eff && !ok)
    config_free(eff);
  pthread_mutex_unlock(&sys->console_lock);
  return ok;
}

bool system_console_apply(quire_system_t *sys, char **err)
{
  *err = NULL;
  pthread_mutex_lock(&sys->console_lock);
  /* file_config changes only under console_lock, so it can be read without config_lock. */
  quire_config_t *eff = system_config_effective(sys->store, sys->file_config, err);
  bool ok = eff && system_swap(sys, sys->file_config, eff, err);
  if (eff && !ok)
    config_free(eff);
  pthread_mutex_unlock(&sys->console_lock);
  if (ok && sys->on_queues_changed)
    sys->on_queues_changed(sys->on_queues_changed_data);
  return ok;
}

int64_t system_max_document_size(quire_system_t *sys)
{
  pthread_rwlock_rdlock(&sys->config_lock);
  int64_t v = sys->config->max_document_size;
  pthread_rwlock_unlock(&sys->config_lock);
  return v;
}

bool system_queue_hides_names(quire_system_t *sys, const char *queue)
{
  bool hide = false;
  pthread_rwlock_rdlock(&sys->config_lock);
  for (size_t i = 0; i < sys->num_queues; i++)
    if (!strcmp(sys->queues[i].config.name, queue))
      hide = sys->queues[i].config.hide_job_names;
  pthread_rwlock_unlock(&sys->config_lock);
  return hide;
}
