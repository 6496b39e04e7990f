/*
 * store-queues.h: the console's area of the store (store-sqlite-queues.c): queues added or
 * edited from the admin console, removal marks of queues of the configuration file, and the
 * settings the console overrides. core/system.c merges them with the file when it builds the
 * configuration in force.
 *
 * Every function is thread-safe. Writes are durable when they return true (group commit).
 * Structures returned are owned by the caller and freed with the matching *_free function.
 */
#ifndef QUIRE_STORE_QUEUES_H
#define QUIRE_STORE_QUEUES_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "store.h"

/* One queue as the console keeps it: a whole definition, or a removal mark (for a queue of
 * the configuration file; `config` then holds only the name). */
typedef struct store_console_queue_s {
  quire_queue_config_t config;
  bool removed;
  time_t updated;
} store_console_queue_t;

/* One setting the console overrides: its key (docs/api.md) and its value as text. */
typedef struct store_setting_s {
  char *key;
  char *value;
  time_t updated;
} store_setting_t;

/* Writes the definition of q->name (removed false) or a removal mark (removed true),
 * replacing what the console kept for that name. */
bool store_console_queue_put(store_t *store, const quire_queue_config_t *q, bool removed);

/* Forgets what the console kept for `name`; true if there was a row. */
bool store_console_queue_delete(store_t *store, const char *name);

/* Every console queue row in name order; NULL on error. */
store_console_queue_t **store_console_queue_list(store_t *store, size_t *count);

/* Frees a list of rows (NULL is fine). */
void store_console_queues_free(store_console_queue_t **list, size_t count);

/* Sets (value not NULL) or clears (NULL) one setting. */
bool store_setting_put(store_t *store, const char *key, const char *value);

/* Every setting the console overrides, in key order; NULL on error. */
store_setting_t **store_setting_list(store_t *store, size_t *count);

/* Frees a list of settings (NULL is fine). */
void store_settings_free(store_setting_t **list, size_t count);

#endif
