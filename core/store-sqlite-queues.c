/*
 * store-sqlite-queues.c: the console schema area of the SQLite store (store-queues.h): the
 * `console_queues` and `console_settings` tables, their SQL and their rows.
 */
#include "store-queues.h"
#include "store-private.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char *const console_migrations[] = {
  /* 1: queues added, edited or removed from the admin console; settings it overrides */
  "CREATE TABLE console_queues ("
  "  name TEXT PRIMARY KEY NOT NULL,"
  "  removed INTEGER NOT NULL DEFAULT 0,"
  "  info TEXT, location TEXT, dnssd_name TEXT, make_model TEXT, media_default TEXT,"
  "  color INTEGER NOT NULL DEFAULT 0, duplex INTEGER NOT NULL DEFAULT 0,"
  "  auth_basic INTEGER NOT NULL DEFAULT 0, force_mono INTEGER NOT NULL DEFAULT 0,"
  "  force_duplex INTEGER NOT NULL DEFAULT 0, job_expiry INTEGER NOT NULL DEFAULT 0,"
  "  max_held_per_user INTEGER NOT NULL DEFAULT 0, hide_job_names INTEGER NOT NULL DEFAULT 0,"
  "  direct INTEGER NOT NULL DEFAULT 0, device TEXT,"
  "  updated INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE console_settings ("
  "  key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL,"
  "  updated INTEGER NOT NULL DEFAULT 0);",
};

const store_area_t store_area_console = {
  "console", console_migrations, sizeof(console_migrations) / sizeof(console_migrations[0])
};

#define QUEUE_COLUMNS                                                                         \
  "name, removed, info, location, dnssd_name, make_model, media_default, color, duplex, "     \
  "auth_basic, force_mono, force_duplex, job_expiry, max_held_per_user, hide_job_names, "     \
  "direct, device, updated"

static const char SQL_CONSOLE_QUEUE_PUT[] =
  "INSERT OR REPLACE INTO console_queues (" QUEUE_COLUMNS ") VALUES "
  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";
static const char SQL_CONSOLE_QUEUE_DELETE[] = "DELETE FROM console_queues WHERE name = ?1";
static const char SQL_CONSOLE_QUEUE_LIST[] =
  "SELECT " QUEUE_COLUMNS " FROM console_queues ORDER BY name";
static const char SQL_SETTING_PUT[] =
  "INSERT OR REPLACE INTO console_settings (key, value, updated) VALUES (?1, ?2, ?3)";
static const char SQL_SETTING_DELETE[] = "DELETE FROM console_settings WHERE key = ?1";
static const char SQL_SETTING_LIST[] =
  "SELECT key, value, updated FROM console_settings ORDER BY key";

bool store_console_queue_put(store_t *store, const quire_queue_config_t *q, bool removed)
{
  return store_update(store, SQL_CONSOLE_QUEUE_PUT,
                      STORE_ARGS(STORE_TEXT(q->name), STORE_INT(removed), STORE_TEXT(q->info),
                                 STORE_TEXT(q->location), STORE_TEXT(q->dnssd_name),
                                 STORE_TEXT(q->make_model), STORE_TEXT(q->media_default),
                                 STORE_INT(q->color), STORE_INT(q->duplex),
                                 STORE_INT(q->auth_basic), STORE_INT(q->force_mono),
                                 STORE_INT(q->force_duplex),
                                 STORE_INT(q->job_expiry_set ? q->job_expiry_seconds : -1),
                                 STORE_INT(q->max_held_per_user), STORE_INT(q->hide_job_names),
                                 STORE_INT(q->direct), STORE_TEXT(q->device),
                                 STORE_INT(time(NULL))),
                      NULL);
}

bool store_console_queue_delete(store_t *store, const char *name)
{
  int changes = 0;
  return store_update(store, SQL_CONSOLE_QUEUE_DELETE, STORE_ARGS(STORE_TEXT(name)), &changes) &&
         changes > 0;
}

/* A text column as a malloc'd string, "" for SQL NULL. */
static char *console_col(sqlite3_stmt *st, int i)
{
  char *s = store_col_text(st, i);
  return s ? s : util_strdup("");
}

/* One console_queues row (QUEUE_COLUMNS order). */
static void *console_queue_row(sqlite3_stmt *st)
{
  store_console_queue_t *r = calloc(1, sizeof(*r));
  quire_queue_config_t *q = &r->config;
  if (!r)
    abort();
  q->name = store_col_text(st, 0);
  r->removed = sqlite3_column_int(st, 1) != 0;
  q->info = console_col(st, 2);
  q->location = console_col(st, 3);
  q->dnssd_name = store_col_text(st, 4);
  q->make_model = console_col(st, 5);
  q->media_default = console_col(st, 6);
  q->color = sqlite3_column_int(st, 7) ? QUIRE_COLOR_MONOCHROME : QUIRE_COLOR_AUTO;
  int duplex = sqlite3_column_int(st, 8);
  q->duplex = duplex == QUIRE_DUPLEX_DEFAULT ? QUIRE_DUPLEX_DEFAULT
              : duplex == QUIRE_DUPLEX_OFF ? QUIRE_DUPLEX_OFF : QUIRE_DUPLEX_OPTIONAL;
  q->auth_basic = sqlite3_column_int(st, 9) != 0;
  q->force_mono = sqlite3_column_int(st, 10) != 0;
  q->force_duplex = sqlite3_column_int(st, 11) != 0;
  q->job_expiry_seconds = sqlite3_column_int(st, 12);
  q->job_expiry_set = q->job_expiry_seconds >= 0;
  if (!q->job_expiry_set)
    q->job_expiry_seconds = 0;
  q->max_held_per_user = sqlite3_column_int(st, 13);
  q->hide_job_names = sqlite3_column_int(st, 14) != 0;
  q->direct = sqlite3_column_int(st, 15) != 0;
  q->device = store_col_text(st, 16);
  r->updated = (time_t)sqlite3_column_int64(st, 17);
  q->origin = QUIRE_QUEUE_CONSOLE;
  return r;
}

/* Frees one row (its strings; config.c is not linked with the store's tests). */
static void console_queue_drop(void *p)
{
  store_console_queue_t *r = p;
  if (!r)
    return;
  free(r->config.name);
  free(r->config.info);
  free(r->config.dnssd_name);
  free(r->config.location);
  free(r->config.make_model);
  free(r->config.media_default);
  free(r->config.device);
  free(r);
}

store_console_queue_t **store_console_queue_list(store_t *store, size_t *count)
{
  return (store_console_queue_t **)store_select(store, SQL_CONSOLE_QUEUE_LIST, NULL, 0,
                                                console_queue_row, console_queue_drop, count);
}

void store_console_queues_free(store_console_queue_t **list, size_t count)
{
  for (size_t i = 0; list && i < count; i++)
    console_queue_drop(list[i]);
  free(list);
}

bool store_setting_put(store_t *store, const char *key, const char *value)
{
  if (!value)
    return store_update(store, SQL_SETTING_DELETE, STORE_ARGS(STORE_TEXT(key)), NULL);
  return store_update(store, SQL_SETTING_PUT,
                      STORE_ARGS(STORE_TEXT(key), STORE_TEXT(value), STORE_INT(time(NULL))),
                      NULL);
}

/* One console_settings row. */
static void *console_setting_row(sqlite3_stmt *st)
{
  store_setting_t *s = calloc(1, sizeof(*s));
  if (!s)
    abort();
  s->key = console_col(st, 0);
  s->value = console_col(st, 1);
  s->updated = (time_t)sqlite3_column_int64(st, 2);
  return s;
}

static void console_setting_drop(void *p)
{
  store_setting_t *s = p;
  if (!s)
    return;
  free(s->key);
  free(s->value);
  free(s);
}

store_setting_t **store_setting_list(store_t *store, size_t *count)
{
  return (store_setting_t **)store_select(store, SQL_SETTING_LIST, NULL, 0,
                                          console_setting_row, console_setting_drop, count);
}

void store_settings_free(store_setting_t **list, size_t count)
{
  for (size_t i = 0; list && i < count; i++)
    console_setting_drop(list[i]);
  free(list);
}
