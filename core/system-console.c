/*
 * system-console.c: the configuration in force, built from the file's and from what the web
 * console keeps in the store (store-queues.h): settings laid over the file's values, queues
 * added, edited or removed (see system.h, system_config_effective).
 */
#include "system.h"

#include "log.h"
#include "settings.h"
#include "store-queues.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* Lays the console's settings over `c`; a stored value that no longer checks is skipped. */
static bool system_console_settings(store_t *store, quire_config_t *c, char **err)
{
  size_t n = 0;
  store_setting_t **list = store_setting_list(store, &n);

  if (!list) {
    *err = util_printf("cannot read the console's settings from the store");
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    const settings_key_t *k = settings_find(list[i]->key);
    if (!k || !settings_apply(c, k, list[i]->value))
      log_warn("settings: ignoring stored %s = '%s'", list[i]->key, list[i]->value);
  }
  store_settings_free(list, n);
  return true;
}

/* The console's row for `name`, NULL if none. */
static const store_console_queue_t *system_console_row(store_console_queue_t **rows, size_t n,
                                                       const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (!strcmp(rows[i]->config.name, name))
      return rows[i];
  return NULL;
}

/* Replaces c->queues by the file's queues, minus those the console removed, with the
 * console's edits, followed by the queues added in the console. */
static bool system_console_queues(store_t *store, quire_config_t *c, char **err)
{
  size_t n = 0, k = 0;
  store_console_queue_t **rows = store_console_queue_list(store, &n);

  if (!rows) {
    *err = util_printf("cannot read the console's queues from the store");
    return false;
  }
  quire_queue_config_t *qs = calloc(c->num_queues + n + 1, sizeof(*qs));
  if (!qs)
    abort();
  for (size_t i = 0; i < c->num_queues; i++) {
    const store_console_queue_t *r = system_console_row(rows, n, c->queues[i].name);
    if (r && r->removed)
      continue;
    config_queue_copy(&qs[k], r ? &r->config : &c->queues[i]);
    qs[k++].origin = r ? QUIRE_QUEUE_EDITED : QUIRE_QUEUE_FILE;
  }
  for (size_t i = 0; i < n; i++)
    if (!rows[i]->removed && !config_queue_find(c, rows[i]->config.name)) {
      config_queue_copy(&qs[k], &rows[i]->config);
      qs[k++].origin = QUIRE_QUEUE_CONSOLE;
    }
  store_console_queues_free(rows, n);
  for (size_t i = 0; i < c->num_queues; i++)
    config_queue_clear(&c->queues[i]);
  free(c->queues);
  c->queues = qs;
  c->num_queues = k;
  return true;
}

quire_config_t *system_config_effective(store_t *store, const quire_config_t *file, char **err)
{
  quire_config_t *c = config_copy(file);

  if (!system_console_settings(store, c, err) || !system_console_queues(store, c, err)) {
    config_free(c);
    return NULL;
  }
  for (size_t i = 0; i < c->num_queues; i++)
    if (!c->queues[i].job_expiry_set)
      c->queues[i].job_expiry_seconds = c->default_job_expiry;
  return c;
}
