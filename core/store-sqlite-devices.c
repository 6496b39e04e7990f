/*
 * store-sqlite-devices.c: the devices schema area of the SQLite store (store-devices.h): the
 * `devices` and `deliveries` tables, their SQL and their rows.
 *
 * String lists (formats, media, ...) are stored comma-separated; resolutions as "300,600".
 * Writes run in the writer's group-commit batch (store_write); reads on the read pool.
 */
#include "store-devices.h"
#include "store-private.h"

#include "log.h"
#include "util.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- schema ------------------------------------------------------------------------------- */

static const char *const devices_migrations[] = {
  /* 1: the device registry and the deliveries of jobs to devices */
  "CREATE TABLE devices ("
  "  name TEXT PRIMARY KEY NOT NULL,"
  "  uri TEXT NOT NULL,"
  "  location TEXT, info TEXT,"
  "  enabled INTEGER NOT NULL DEFAULT 1,"
  "  created INTEGER NOT NULL DEFAULT 0,"
  "  formats TEXT, color INTEGER NOT NULL DEFAULT 0, duplex INTEGER NOT NULL DEFAULT 0,"
  "  media_supported TEXT, media_default TEXT, pwg_raster_types TEXT, pwg_resolutions TEXT,"
  "  urf TEXT, color_modes TEXT, sides_supported TEXT,"
  "  copies_max INTEGER NOT NULL DEFAULT 1, multiple_documents INTEGER NOT NULL DEFAULT 0,"
  "  make_model TEXT, caps_checked INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE deliveries ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,"
  "  device TEXT NOT NULL,"
  "  state INTEGER NOT NULL,"
  "  direct INTEGER NOT NULL DEFAULT 0,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  next_try INTEGER NOT NULL DEFAULT 0,"
  "  created INTEGER NOT NULL DEFAULT 0, first_failure INTEGER NOT NULL DEFAULT 0,"
  "  sent INTEGER NOT NULL DEFAULT 0, completed INTEGER NOT NULL DEFAULT 0,"
  "  device_job_id INTEGER NOT NULL DEFAULT 0, device_job_uri TEXT, device_job_uuid TEXT,"
  "  device_jobs INTEGER NOT NULL DEFAULT 0,"
  "  format TEXT, render INTEGER NOT NULL DEFAULT 0, raster_type TEXT,"
  "  resolution INTEGER NOT NULL DEFAULT 0, copies INTEGER NOT NULL DEFAULT 1, sides TEXT,"
  "  media TEXT, mono INTEGER NOT NULL DEFAULT 0, account TEXT, released_by TEXT,"
  "  device_impressions INTEGER NOT NULL DEFAULT -1,"
  "  printed_calls INTEGER NOT NULL DEFAULT 0, last_error TEXT);"
  "CREATE INDEX deliveries_job ON deliveries (job_id);"
  "CREATE INDEX deliveries_open ON deliveries (device, state) WHERE state <= 3;",
};

const store_area_t store_area_devices = {
  "devices", devices_migrations, sizeof(devices_migrations) / sizeof(devices_migrations[0])
};

#define DEVICE_COLUMNS                                                                        \
  "name, uri, location, info, enabled, created, formats, color, duplex, media_supported, "    \
  "media_default, pwg_raster_types, pwg_resolutions, urf, color_modes, sides_supported, "     \
  "copies_max, multiple_documents, make_model, caps_checked"

static const char SQL_DEVICE_PUT[] =
  "INSERT OR REPLACE INTO devices (" DEVICE_COLUMNS ") VALUES "
  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)";
static const char SQL_DEVICE_GET[] = "SELECT " DEVICE_COLUMNS " FROM devices WHERE name = ?1";
static const char SQL_DEVICE_LIST[] = "SELECT " DEVICE_COLUMNS " FROM devices ORDER BY name";
static const char SQL_DEVICE_DELETE[] = "DELETE FROM devices WHERE name = ?1";

#define DELIVERY_COLUMNS                                                                      \
  "id, job_id, device, state, direct, attempts, next_try, created, first_failure, sent, "     \
  "completed, device_job_id, device_job_uri, device_job_uuid, device_jobs, format, render, "  \
  "raster_type, resolution, copies, sides, media, mono, account, released_by, "               \
  "device_impressions, printed_calls, last_error"

static const char SQL_DELIVERY_INSERT[] =
  "INSERT INTO deliveries (" DELIVERY_COLUMNS ") VALUES (NULL, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
  "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, "
  "?27, ?28)";
static const char SQL_DELIVERY_UPDATE[] =
  "UPDATE deliveries SET job_id = ?2, device = ?3, state = ?4, direct = ?5, attempts = ?6, "
  "next_try = ?7, created = ?8, first_failure = ?9, sent = ?10, completed = ?11, "
  "device_job_id = ?12, device_job_uri = ?13, device_job_uuid = ?14, device_jobs = ?15, "
  "format = ?16, render = ?17, raster_type = ?18, resolution = ?19, copies = ?20, sides = ?21, "
  "media = ?22, mono = ?23, account = ?24, released_by = ?25, device_impressions = ?26, "
  "printed_calls = ?27, last_error = ?28 WHERE id = ?1";
static const char SQL_DELIVERY_JOB_STATE[] =
  "UPDATE jobs SET state = ?2, state_reasons = ?3, state_message = ?4, "
  "processed = CASE WHEN ?5 = 0 THEN processed ELSE ?5 END, "
  "completed = CASE WHEN ?6 = 0 THEN completed ELSE ?6 END WHERE id = ?1";
static const char SQL_DELIVERY_GET[] = "SELECT " DELIVERY_COLUMNS " FROM deliveries WHERE id = ?1";
static const char SQL_DELIVERY_JOB[] =
  "SELECT " DELIVERY_COLUMNS " FROM deliveries WHERE job_id = ?1 ORDER BY id";
static const char SQL_DELIVERY_OPEN[] =
  "SELECT " DELIVERY_COLUMNS " FROM deliveries WHERE state <= 3 ORDER BY id";
static const char SQL_DELIVERY_OPEN_DEVICE[] =
  "SELECT " DELIVERY_COLUMNS " FROM deliveries WHERE state <= 3 AND device = ?1 ORDER BY id";

/* ---- lists and free ----------------------------------------------------------------------- */

char **device_strv_split(const char *s)
{
  size_t n = 0, cap = 4;
  char **v = malloc(cap * sizeof(*v));
  char *copy = util_strdup(s ? s : ""), *save = NULL;

  if (!v)
    abort();
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    while (*t == ' ')
      t++;
    if (!*t)
      continue;
    if (n + 1 >= cap && !(v = realloc(v, (cap *= 2) * sizeof(*v))))
      abort();
    v[n++] = util_strdup(t);
  }
  v[n] = NULL;
  free(copy);
  return v;
}

char *device_strv_join(char *const *list)
{
  GString *s = g_string_new("");
  for (size_t i = 0; list && list[i]; i++)
    g_string_append_printf(s, "%s%s", i ? "," : "", list[i]);
  char *r = util_strdup(s->str);
  g_string_free(s, TRUE);
  return r;
}

void device_strv_free(char **list)
{
  for (size_t i = 0; list && list[i]; i++)
    free(list[i]);
  free(list);
}

/* "300,600" -> {300, 600, 0} (malloc'd). */
static int *device_ints_split(const char *s)
{
  char **parts = device_strv_split(s);
  size_t n = 0;
  while (parts[n])
    n++;
  int *v = calloc(n + 1, sizeof(int));
  if (!v)
    abort();
  for (size_t i = 0, j = 0; i < n; i++) {
    int x = atoi(parts[i]);
    if (x > 0)
      v[j++] = x;
  }
  device_strv_free(parts);
  return v;
}

static char *device_ints_join(const int *v)
{
  GString *s = g_string_new("");
  for (size_t i = 0; v && v[i]; i++)
    g_string_append_printf(s, "%s%d", i ? "," : "", v[i]);
  char *r = util_strdup(s->str);
  g_string_free(s, TRUE);
  return r;
}

void device_set_str(char **field, const char *v)
{
  free(*field);
  *field = util_strdup(v);
}

bool device_kind_of(const char *uri, device_kind_t *kind)
{
  if (!uri)
    return false;
  if (!strncmp(uri, "ipp://", 6) || !strncmp(uri, "ipps://", 7))
    *kind = DEVICE_IPP;
  else if (!strncmp(uri, "socket://", 9))
    *kind = DEVICE_SOCKET;
  else if (!strncmp(uri, "lpd://", 6))
    *kind = DEVICE_LPD;
  else
    return false;
  return true;
}

void device_free(device_t *d)
{
  if (!d)
    return;
  free(d->name);
  free(d->uri);
  free(d->location);
  free(d->info);
  device_strv_free(d->formats);
  device_strv_free(d->media_supported);
  free(d->media_default);
  device_strv_free(d->pwg_raster_types);
  free(d->pwg_resolutions);
  device_strv_free(d->urf);
  device_strv_free(d->color_modes);
  device_strv_free(d->sides_supported);
  free(d->make_model);
  free(d->state_reasons);
  free(d->state_message);
  free(d->markers);
  free(d->last_error);
  free(d);
}

void devices_free(device_t **list, size_t count)
{
  for (size_t i = 0; list && i < count; i++)
    device_free(list[i]);
  free(list);
}

void delivery_free(delivery_t *d)
{
  if (!d)
    return;
  free(d->device);
  free(d->device_job_uri);
  free(d->device_job_uuid);
  free(d->format);
  free(d->raster_type);
  free(d->sides);
  free(d->media);
  free(d->account);
  free(d->released_by);
  free(d->last_error);
  free(d);
}

void deliveries_free(delivery_t **list, size_t count)
{
  for (size_t i = 0; list && i < count; i++)
    delivery_free(list[i]);
  free(list);
}

const char *delivery_state_name(delivery_state_t s)
{
  static const char *names[] = {"queued", "sending", "sent", "printed", "done", "failed",
                                "canceled"};
  return s >= DELIVERY_QUEUED && s <= DELIVERY_CANCELED ? names[s] : "unknown";
}

/* ---- device rows -------------------------------------------------------------------------- */

/* One device from a row of DEVICE_COLUMNS. */
static void *store_device_row(sqlite3_stmt *st)
{
  device_t *d = calloc(1, sizeof(*d));
  char *s;

  if (!d)
    abort();
  d->name = store_col_text(st, 0);
  d->uri = store_col_text(st, 1);
  d->location = store_col_text(st, 2);
  d->info = store_col_text(st, 3);
  d->enabled = sqlite3_column_int(st, 4) != 0;
  d->created = (time_t)sqlite3_column_int64(st, 5);
  d->formats = device_strv_split((const char *)sqlite3_column_text(st, 6));
  d->color = sqlite3_column_int(st, 7) != 0;
  d->duplex = sqlite3_column_int(st, 8) != 0;
  d->media_supported = device_strv_split((const char *)sqlite3_column_text(st, 9));
  d->media_default = store_col_text(st, 10);
  d->pwg_raster_types = device_strv_split((const char *)sqlite3_column_text(st, 11));
  s = store_col_text(st, 12);
  d->pwg_resolutions = device_ints_split(s);
  free(s);
  d->urf = device_strv_split((const char *)sqlite3_column_text(st, 13));
  d->color_modes = device_strv_split((const char *)sqlite3_column_text(st, 14));
  d->sides_supported = device_strv_split((const char *)sqlite3_column_text(st, 15));
  d->copies_max = sqlite3_column_int(st, 16);
  d->multiple_documents = sqlite3_column_int(st, 17) != 0;
  d->make_model = store_col_text(st, 18);
  d->caps_checked = (time_t)sqlite3_column_int64(st, 19);
  if (!device_kind_of(d->uri, &d->kind))
    d->kind = DEVICE_IPP;
  d->markers = util_strdup("[]");
  return d;
}

static void store_device_drop(void *p)
{
  device_free(p);
}

/* Writes one device (store_write callback). */
static bool store_device_put_fn(store_conn_t *c, void *arg)
{
  const device_t *d = arg;
  sqlite3_stmt *st = store_prepare(c, SQL_DEVICE_PUT);
  char *lists[8] = {device_strv_join(d->formats), device_strv_join(d->media_supported),
                    device_strv_join(d->pwg_raster_types), device_ints_join(d->pwg_resolutions),
                    device_strv_join(d->urf), device_strv_join(d->color_modes),
                    device_strv_join(d->sides_supported), NULL};
  int rc = SQLITE_OK;
  bool ok = false;

  if (st) {
    store_bind_text(st, 1, d->name, &rc);
    store_bind_text(st, 2, d->uri, &rc);
    store_bind_text(st, 3, d->location, &rc);
    store_bind_text(st, 4, d->info, &rc);
    store_bind_int(st, 5, d->enabled, &rc);
    store_bind_int(st, 6, d->created, &rc);
    store_bind_text(st, 7, lists[0], &rc);
    store_bind_int(st, 8, d->color, &rc);
    store_bind_int(st, 9, d->duplex, &rc);
    store_bind_text(st, 10, lists[1], &rc);
    store_bind_text(st, 11, d->media_default, &rc);
    store_bind_text(st, 12, lists[2], &rc);
    store_bind_text(st, 13, lists[3], &rc);
    store_bind_text(st, 14, lists[4], &rc);
    store_bind_text(st, 15, lists[5], &rc);
    store_bind_text(st, 16, lists[6], &rc);
    store_bind_int(st, 17, d->copies_max, &rc);
    store_bind_int(st, 18, d->multiple_documents, &rc);
    store_bind_text(st, 19, d->make_model, &rc);
    store_bind_int(st, 20, d->caps_checked, &rc);
    ok = store_bound(c, st, rc, "bind device") && store_run(c, st, "put device");
  }
  for (int i = 0; lists[i]; i++)
    free(lists[i]);
  return ok;
}

bool store_device_put(store_t *store, const device_t *d)
{
  return store_write(store, store_device_put_fn, (void *)d);
}

/* A query by name, or a listing (name NULL), and its rows. */
typedef struct store_device_query_s {
  const char *name;
  const char *sql;
  void **rows;
  size_t count;
} store_device_query_t;

static bool store_device_query_fn(store_conn_t *c, void *arg)
{
  store_device_query_t *q = arg;
  sqlite3_stmt *st = store_prepare(c, q->sql);
  int rc = SQLITE_OK;

  if (!st)
    return false;
  if (q->name)
    store_bind_text(st, 1, q->name, &rc);
  if (!store_bound(c, st, rc, "bind device query"))
    return false;
  q->rows = store_rows(c, st, store_device_row, store_device_drop, &q->count, "query devices");
  return q->rows != NULL;
}

device_t *store_device_get(store_t *store, const char *name)
{
  store_device_query_t q = {.name = name, .sql = SQL_DEVICE_GET};
  device_t *d = NULL;

  if (store_read(store, store_device_query_fn, &q) && q.count > 0) {
    d = q.rows[0];
    for (size_t i = 1; i < q.count; i++)
      device_free(q.rows[i]);
  }
  free(q.rows);
  return d;
}

device_t **store_device_list(store_t *store, size_t *count)
{
  store_device_query_t q = {.sql = SQL_DEVICE_LIST};

  *count = 0;
  if (!store_read(store, store_device_query_fn, &q))
    return NULL;
  *count = q.count;
  return (device_t **)q.rows;
}

/* Deletes one device; *found tells whether a row went. */
typedef struct store_device_del_s {
  const char *name;
  bool found;
} store_device_del_t;

static bool store_device_delete_fn(store_conn_t *c, void *arg)
{
  store_device_del_t *del = arg;
  sqlite3_stmt *st = store_prepare(c, SQL_DEVICE_DELETE);
  int rc = SQLITE_OK;

  if (!st)
    return false;
  store_bind_text(st, 1, del->name, &rc);
  if (!store_bound(c, st, rc, "bind device delete") || !store_run(c, st, "delete device"))
    return false;
  del->found = sqlite3_changes(c->db) > 0;
  return true;
}

bool store_device_delete(store_t *store, const char *name)
{
  store_device_del_t del = {.name = name};
  return store_write(store, store_device_delete_fn, &del) && del.found;
}

/* ---- delivery rows ------------------------------------------------------------------------ */

static void *store_delivery_row(sqlite3_stmt *st)
{
  delivery_t *d = calloc(1, sizeof(*d));

  if (!d)
    abort();
  d->id = sqlite3_column_int(st, 0);
  d->job_id = sqlite3_column_int(st, 1);
  d->device = store_col_text(st, 2);
  d->state = (delivery_state_t)sqlite3_column_int(st, 3);
  d->direct = sqlite3_column_int(st, 4) != 0;
  d->attempts = sqlite3_column_int(st, 5);
  d->next_try = (time_t)sqlite3_column_int64(st, 6);
  d->created = (time_t)sqlite3_column_int64(st, 7);
  d->first_failure = (time_t)sqlite3_column_int64(st, 8);
  d->sent = (time_t)sqlite3_column_int64(st, 9);
  d->completed = (time_t)sqlite3_column_int64(st, 10);
  d->device_job_id = sqlite3_column_int(st, 11);
  d->device_job_uri = store_col_text(st, 12);
  d->device_job_uuid = store_col_text(st, 13);
  d->device_jobs = sqlite3_column_int(st, 14);
  d->format = store_col_text(st, 15);
  d->render = sqlite3_column_int(st, 16) != 0;
  d->raster_type = store_col_text(st, 17);
  d->resolution = sqlite3_column_int(st, 18);
  d->copies = sqlite3_column_int(st, 19);
  d->sides = store_col_text(st, 20);
  d->media = store_col_text(st, 21);
  d->mono = sqlite3_column_int(st, 22) != 0;
  d->account = store_col_text(st, 23);
  d->released_by = store_col_text(st, 24);
  d->device_impressions = sqlite3_column_int(st, 25);
  d->printed_calls = sqlite3_column_int(st, 26);
  d->last_error = store_col_text(st, 27);
  return d;
}

static void store_delivery_drop(void *p)
{
  delivery_free(p);
}

/* Binds parameters 2..28 of an insert or update from `d` (1 is the id). */
static void store_delivery_bind(sqlite3_stmt *st, const delivery_t *d, int *rc)
{
  store_bind_int(st, 2, d->job_id, rc);
  store_bind_text(st, 3, d->device, rc);
  store_bind_int(st, 4, d->state, rc);
  store_bind_int(st, 5, d->direct, rc);
  store_bind_int(st, 6, d->attempts, rc);
  store_bind_int(st, 7, d->next_try, rc);
  store_bind_int(st, 8, d->created, rc);
  store_bind_int(st, 9, d->first_failure, rc);
  store_bind_int(st, 10, d->sent, rc);
  store_bind_int(st, 11, d->completed, rc);
  store_bind_int(st, 12, d->device_job_id, rc);
  store_bind_text(st, 13, d->device_job_uri, rc);
  store_bind_text(st, 14, d->device_job_uuid, rc);
  store_bind_int(st, 15, d->device_jobs, rc);
  store_bind_text(st, 16, d->format, rc);
  store_bind_int(st, 17, d->render, rc);
  store_bind_text(st, 18, d->raster_type, rc);
  store_bind_int(st, 19, d->resolution, rc);
  store_bind_int(st, 20, d->copies, rc);
  store_bind_text(st, 21, d->sides, rc);
  store_bind_text(st, 22, d->media, rc);
  store_bind_int(st, 23, d->mono, rc);
  store_bind_text(st, 24, d->account, rc);
  store_bind_text(st, 25, d->released_by, rc);
  store_bind_int(st, 26, d->device_impressions, rc);
  store_bind_int(st, 27, d->printed_calls, rc);
  store_bind_text(st, 28, d->last_error, rc);
}

/* Inserts or updates one delivery (writer connection). */
static bool store_delivery_write(store_conn_t *c, delivery_t *d)
{
  sqlite3_stmt *st = store_prepare(c, d->id ? SQL_DELIVERY_UPDATE : SQL_DELIVERY_INSERT);
  int rc = SQLITE_OK;

  if (!st)
    return false;
  if (d->id)
    store_bind_int(st, 1, d->id, &rc);
  store_delivery_bind(st, d, &rc);
  if (!store_bound(c, st, rc, "bind delivery") || !store_run(c, st, "write delivery") ||
      sqlite3_changes(c->db) != 1)
    return false;
  if (!d->id)
    d->id = (int)store_last_id(c);
  return true;
}

/* Changes the state of the delivery's job (writer connection). */
static bool store_delivery_job_state(store_conn_t *c, int job_id, const store_job_change_t *j)
{
  sqlite3_stmt *st = store_prepare(c, SQL_DELIVERY_JOB_STATE);
  int rc = SQLITE_OK;

  if (!st)
    return false;
  store_bind_int(st, 1, job_id, &rc);
  store_bind_int(st, 2, j->state, &rc);
  store_bind_text(st, 3, j->reasons, &rc);
  store_bind_text(st, 4, j->message, &rc);
  store_bind_int(st, 5, j->processed, &rc);
  store_bind_int(st, 6, j->completed, &rc);
  return store_bound(c, st, rc, "bind job state") && store_run(c, st, "set job state") &&
         sqlite3_changes(c->db) == 1;
}

/* The arguments of store_delivery_save_fn. */
typedef struct store_delivery_save_s {
  delivery_t *d;
  const store_job_change_t *job;
  int old_id;
} store_delivery_save_t;

static bool store_delivery_save_fn(store_conn_t *c, void *arg)
{
  store_delivery_save_t *a = arg;
  return store_delivery_write(c, a->d) &&
         (!a->job || store_delivery_job_state(c, a->d->job_id, a->job));
}

bool store_delivery_save(store_t *store, delivery_t *d, const store_job_change_t *job)
{
  store_delivery_save_t a = {.d = d, .job = job, .old_id = d->id};
  bool ok = store_write(store, store_delivery_save_fn, &a);
  if (!ok)
    d->id = a.old_id;  /* a new id is only valid once the batch committed */
  return ok;
}

/* A delivery query: `sql` with an optional integer or text parameter. */
typedef struct store_delivery_query_s {
  const char *sql;
  int id;
  const char *text;
  void **rows;
  size_t count;
} store_delivery_query_t;

static bool store_delivery_query_fn(store_conn_t *c, void *arg)
{
  store_delivery_query_t *q = arg;
  sqlite3_stmt *st = store_prepare(c, q->sql);
  int rc = SQLITE_OK;

  if (!st)
    return false;
  if (q->text)
    store_bind_text(st, 1, q->text, &rc);
  else if (q->id)
    store_bind_int(st, 1, q->id, &rc);
  if (!store_bound(c, st, rc, "bind delivery query"))
    return false;
  q->rows = store_rows(c, st, store_delivery_row, store_delivery_drop, &q->count,
                       "query deliveries");
  return q->rows != NULL;
}

/* Runs a delivery query; NULL on error. */
static delivery_t **store_delivery_query(store_t *store, store_delivery_query_t *q,
                                         size_t *count)
{
  *count = 0;
  if (!store_read(store, store_delivery_query_fn, q))
    return NULL;
  *count = q->count;
  return (delivery_t **)q->rows;
}

delivery_t *store_delivery_get(store_t *store, int id)
{
  store_delivery_query_t q = {.sql = SQL_DELIVERY_GET, .id = id};
  size_t n = 0;
  delivery_t **rows = store_delivery_query(store, &q, &n);
  delivery_t *d = n > 0 ? rows[0] : NULL;

  for (size_t i = 1; i < n; i++)
    delivery_free(rows[i]);
  free(rows);
  return d;
}

delivery_t **store_delivery_list_job(store_t *store, int job_id, size_t *count)
{
  store_delivery_query_t q = {.sql = SQL_DELIVERY_JOB, .id = job_id};
  return store_delivery_query(store, &q, count);
}

delivery_t **store_delivery_list_open(store_t *store, const char *device, size_t *count)
{
  store_delivery_query_t q = {.sql = device ? SQL_DELIVERY_OPEN_DEVICE : SQL_DELIVERY_OPEN,
                              .text = device};
  return store_delivery_query(store, &q, count);
}
