/*
 * device-monitor.c: the thread that keeps every device's status (printer-state, reasons,
 * message, markers, reachable) in memory, and refreshes capabilities now and then (see
 * device.h). Request threads only read the table under its mutex; no one waits on a device
 * while holding it.
 */
#include "device-private.h"

#include "forward.h"
#include "log.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define MONITOR_BACKOFF_MAX 300    /* longest wait between checks of an unreachable device */

/* What the monitor knows of one device. */
typedef struct monitor_entry_s {
  char *name;
  int printer_state;
  char *state_reasons, *state_message, *markers, *last_error;
  bool reachable;
  time_t checked;
  int fails;                /* checks failed in a row */
  time_t next_check;
  time_t next_caps;
} monitor_entry_t;

struct device_monitor_s {
  quire_system_t *sys;
  pthread_mutex_t lock;     /* guards everything below */
  pthread_cond_t wake;
  monitor_entry_t *entries;
  size_t count, cap;
  bool kick;                /* check every device now */
  atomic_bool stopping;
  pthread_t thread;
  bool running;
};

/* The entry of `name` (lock held), created when `create`; NULL if absent. */
static monitor_entry_t *monitor_entry(device_monitor_t *m, const char *name, bool create)
{
  for (size_t i = 0; i < m->count; i++)
    if (!strcmp(m->entries[i].name, name))
      return &m->entries[i];
  if (!create)
    return NULL;
  if (m->count == m->cap) {
    m->cap = m->cap ? m->cap * 2 : 16;
    if (!(m->entries = realloc(m->entries, m->cap * sizeof(*m->entries))))
      abort();
  }
  monitor_entry_t *e = &m->entries[m->count++];
  memset(e, 0, sizeof(*e));
  e->name = util_strdup(name);
  return e;
}

static void monitor_entry_clear(monitor_entry_t *e)
{
  free(e->name);
  free(e->state_reasons);
  free(e->state_message);
  free(e->markers);
  free(e->last_error);
}

void device_monitor_fill(device_monitor_t *m, device_t *d)
{
  if (!m)
    return;
  pthread_mutex_lock(&m->lock);
  monitor_entry_t *e = monitor_entry(m, d->name, false);
  if (e) {
    d->printer_state = e->printer_state;
    device_set_str(&d->state_reasons, e->state_reasons);
    device_set_str(&d->state_message, e->state_message);
    device_set_str(&d->markers, e->markers ? e->markers : "[]");
    device_set_str(&d->last_error, e->last_error);
    d->reachable = e->reachable;
    d->checked = e->checked;
  }
  pthread_mutex_unlock(&m->lock);
}

/* Copies the status of `d` into `e` (lock held). */
static void monitor_entry_set(monitor_entry_t *e, const device_t *d)
{
  e->printer_state = d->printer_state;
  device_set_str(&e->state_reasons, d->state_reasons);
  device_set_str(&e->state_message, d->state_message);
  device_set_str(&e->markers, d->markers);
  device_set_str(&e->last_error, d->last_error);
  e->reachable = d->reachable;
  e->checked = d->checked;
}

void device_monitor_record(device_monitor_t *m, const device_t *d)
{
  if (!m)
    return;
  pthread_mutex_lock(&m->lock);
  monitor_entry_t *e = monitor_entry(m, d->name, true);
  bool back = d->reachable && !e->reachable;
  monitor_entry_set(e, d);
  pthread_mutex_unlock(&m->lock);
  if (back)
    forwarder_wake(m->sys->forwarder, d->name);
}

void device_monitor_forget(device_monitor_t *m, const char *name)
{
  if (!m)
    return;
  pthread_mutex_lock(&m->lock);
  monitor_entry_t *e = monitor_entry(m, name, false);
  if (e) {
    monitor_entry_clear(e);
    *e = m->entries[--m->count];
  }
  pthread_mutex_unlock(&m->lock);
}

void device_monitor_wake(device_monitor_t *m)
{
  if (!m)
    return;
  pthread_mutex_lock(&m->lock);
  m->kick = true;
  pthread_cond_signal(&m->wake);
  pthread_mutex_unlock(&m->lock);
}

/* The monitor's settings. */
typedef struct monitor_settings_s {
  int interval, refresh, timeout;
} monitor_settings_t;

static monitor_settings_t monitor_settings(quire_system_t *sys)
{
  pthread_rwlock_rdlock(&sys->config_lock);
  monitor_settings_t s = {sys->config->device_poll_interval,
                          sys->config->device_refresh_minutes * 60, sys->config->device_timeout};
  pthread_rwlock_unlock(&sys->config_lock);
  return s;
}

/* Stores refreshed capabilities, unless the device was removed or changed meanwhile. */
static void monitor_store_caps(device_monitor_t *m, const device_t *d)
{
  device_t *now = store_device_get(m->sys->store, d->name);
  if (now && !strcmp(now->uri, d->uri) && !store_device_put(m->sys->store, d))
    log_warn("device %s: cannot store its refreshed capabilities", d->name);
  device_free(now);
}

/* Checks one device (no lock held) and records what was seen; returns when to check next. */
static time_t monitor_check(device_monitor_t *m, device_t *d, bool caps,
                            const monitor_settings_t *s)
{
  char err[256];
  bool ok = d->kind == DEVICE_IPP
            ? device_probe(d, caps, s->timeout, &m->stopping, err, sizeof(err))
            : device_probe_tcp(d, s->timeout, err, sizeof(err));
  time_t now = time(NULL);

  if (atomic_load(&m->stopping))
    return now;
  if (ok && caps && d->kind == DEVICE_IPP)
    monitor_store_caps(m, d);
  pthread_mutex_lock(&m->lock);
  monitor_entry_t *e = monitor_entry(m, d->name, true);
  bool was = e->reachable || !e->checked;
  e->fails = ok ? 0 : e->fails + 1;
  if (caps && ok)
    e->next_caps = now + s->refresh;
  int wait = s->interval;
  for (int i = 1; i < e->fails && wait < MONITOR_BACKOFF_MAX; i++)
    wait *= 2;
  if (wait > MONITOR_BACKOFF_MAX && s->interval < MONITOR_BACKOFF_MAX)
    wait = MONITOR_BACKOFF_MAX;
  e->next_check = now + wait;
  time_t next = e->next_check;
  pthread_mutex_unlock(&m->lock);
  device_monitor_record(m, d);
  if (!ok && was)
    log_warn("device %s: unreachable (%s); checking again in %d s", d->name, err, wait);
  else if (ok && !was)
    log_info("device %s: reachable again", d->name);
  return next;
}

/* One round: checks the devices that are due. Returns the earliest next check, or 0 when
 * there is no device to watch (the thread then sleeps until one is added). */
static time_t monitor_round(device_monitor_t *m, bool all)
{
  monitor_settings_t s = monitor_settings(m->sys);
  size_t n = 0;
  device_t **list = store_device_list(m->sys->store, &n);
  time_t now = time(NULL), next = now + s.interval;
  bool any = !list;  /* a store error: look again later */

  for (size_t i = 0; list && i < n && !atomic_load(&m->stopping); i++) {
    device_t *d = list[i];
    if (!d->enabled)
      continue;
    any = true;
    pthread_mutex_lock(&m->lock);
    monitor_entry_t *e = monitor_entry(m, d->name, true);
    if (!e->next_caps)
      e->next_caps = d->caps_checked + s.refresh;
    bool due = all || now >= e->next_check, caps = now >= e->next_caps;
    time_t when = e->next_check;
    pthread_mutex_unlock(&m->lock);
    if (due)
      when = monitor_check(m, d, caps, &s);
    if (when < next)
      next = when;
  }
  devices_free(list, n);
  return any ? next : 0;
}

/* The thread: a round, then sleep until the next device is due, a wake-up or stop. */
static void *monitor_main(void *arg)
{
  device_monitor_t *m = arg;
  bool all = true;

  while (!atomic_load(&m->stopping)) {
    time_t next = monitor_round(m, all);
    pthread_mutex_lock(&m->lock);
    struct timespec until = {.tv_sec = next};
    while (!m->kick && !atomic_load(&m->stopping) && (!next || time(NULL) < next)) {
      if (!next)
        pthread_cond_wait(&m->wake, &m->lock);
      else if (pthread_cond_timedwait(&m->wake, &m->lock, &until) != 0)
        break;
    }
    all = m->kick;
    m->kick = false;
    pthread_mutex_unlock(&m->lock);
  }
  return NULL;
}

device_monitor_t *device_monitor_start(quire_system_t *sys)
{
  device_monitor_t *m = calloc(1, sizeof(*m));
  if (!m)
    abort();
  m->sys = sys;
  pthread_mutex_init(&m->lock, NULL);
  pthread_cond_init(&m->wake, NULL);
  atomic_init(&m->stopping, false);
  if (pthread_create(&m->thread, NULL, monitor_main, m) != 0) {
    log_error("cannot start the device monitor thread");
    device_monitor_stop(m);
    return NULL;
  }
  m->running = true;
  return m;
}

void device_monitor_stop(device_monitor_t *m)
{
  if (!m)
    return;
  pthread_mutex_lock(&m->lock);
  atomic_store(&m->stopping, true);
  pthread_cond_broadcast(&m->wake);
  pthread_mutex_unlock(&m->lock);
  if (m->running)
    pthread_join(m->thread, NULL);
  for (size_t i = 0; i < m->count; i++)
    monitor_entry_clear(&m->entries[i]);
  free(m->entries);
  pthread_cond_destroy(&m->wake);
  pthread_mutex_destroy(&m->lock);
  free(m);
}
