/*
 * settings.h: the settings an admin may change from the web console without editing the
 * configuration file (GET/PUT /api/settings, docs/api.md): one table of keys, each naming its
 * field of quire_config_t, its file key, its type and its bounds. Values are kept as text in
 * the store (store-queues.h) and laid over the file's configuration by core/system-console.c.
 */
#ifndef QUIRE_SETTINGS_H
#define QUIRE_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

typedef enum settings_type_e { SETTING_STRING, SETTING_INT, SETTING_BOOL } settings_type_t;

/* One setting. */
typedef struct settings_key_s {
  const char *key;         /* API name, e.g. "session_idle_timeout" */
  const char *file_key;    /* where the file sets it, e.g. "[server] session-idle-timeout" */
  settings_type_t type;
  int min, max;            /* bounds of an integer; of a string's length in bytes */
  size_t offset;           /* of the field in quire_config_t (int, bool or char *) */
  const char *help;        /* one line for the settings page */
} settings_key_t;

/* The table, ended by an entry whose key is NULL. */
extern const settings_key_t settings_keys[];

/* The setting `key`, NULL if there is none. */
const settings_key_t *settings_find(const char *key);

/* Checks the text `value` for setting `k`; false with a message in `why` (naming the key). */
bool settings_check(const settings_key_t *k, const char *value, char *why, size_t len);

/* Writes the checked text `value` of `k` into `config`. False if it does not check. */
bool settings_apply(quire_config_t *config, const settings_key_t *k, const char *value);

/* The value of `k` in `config` as text ("yes"/"no" for booleans); malloc'd, caller frees. */
char *settings_get(const quire_config_t *config, const settings_key_t *k);

#endif
