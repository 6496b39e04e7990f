/*
 * store-sqlite.c: the SQLite back end of quire's store (interface in store.h). This file holds
 * every SQL statement of the back end, the connections, the migrations, the writer thread and
 * the read pool; store-sqlite-jobs.c runs the queue, job, document and user operations on top
 * of them (shared declarations in store-private.h).
 *
 * HOW IT WORKS
 * - One write connection. store_open migrates the schema with it, then only the writer thread
 *   uses it. A public write function describes its write in a store_op_t on its own stack,
 *   appends it to the pending list and sleeps until the writer has finished the batch that
 *   held it.
 * - The writer takes every pending op at once and runs: BEGIN IMMEDIATE; for each op
 *   SAVEPOINT op, the op's statements, (ROLLBACK TO op if it failed,) RELEASE op; the
 *   pre-commit hook if the batch stored a document; COMMIT. With journal_mode=WAL and
 *   synchronous=FULL the whole batch shares one fsync of the WAL ("group commit"). Results
 *   (new ids, deleted paths) reach the caller only once the COMMIT succeeded; if the hook or
 *   the COMMIT fails, every op of the batch fails.
 * - Reads use a small pool of query_only connections. WAL readers see the last commit and
 *   never wait for the writer.
 * - Prepared statements are cached per connection and reset (bindings cleared) after each use,
 *   so no read transaction stays open and no caller pointer is kept.
 * - The callers' strings are used only while the caller blocks, so ops keep pointers, not
 *   copies.
 */
#include "store.h"
#include "store-private.h"

#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STORE_BUSY_MS 10000    /* busy_timeout, should another process hold the database */
#define STORE_EXTRA_STMTS 128  /* statements the area files may cache per connection */

/* ---- SQL ---------------------------------------------------------------------------------- */

/* Ordered migrations: element i brings the schema from version i to version i + 1. Never edit
 * a released migration; append a new one. */
static const char *const store_migrations[] = {
  /* 1: the initial schema */
  "CREATE TABLE queues ("
  "  name TEXT PRIMARY KEY NOT NULL,"
  "  uuid TEXT NOT NULL UNIQUE,"
  "  created INTEGER NOT NULL);"
  "CREATE TABLE jobs ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  queue TEXT NOT NULL,"
  "  owner TEXT NOT NULL,"
  "  name TEXT,"
  "  uuid TEXT,"
  "  state INTEGER NOT NULL,"
  "  state_reasons TEXT,"
  "  state_message TEXT,"
  "  hold_until TEXT,"
  "  closed INTEGER NOT NULL DEFAULT 0,"
  "  created INTEGER NOT NULL DEFAULT 0,"
  "  processed INTEGER NOT NULL DEFAULT 0,"
  "  completed INTEGER NOT NULL DEFAULT 0,"
  "  impressions INTEGER NOT NULL DEFAULT 0,"
  "  k_octets INTEGER NOT NULL DEFAULT 0,"
  "  attrs BLOB);"
  "CREATE INDEX jobs_queue_state ON jobs (queue, state);"
  "CREATE INDEX jobs_owner ON jobs (owner);"
  "CREATE TABLE documents ("
  "  job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,"
  "  number INTEGER NOT NULL,"
  "  name TEXT,"
  "  format TEXT,"
  "  path TEXT NOT NULL UNIQUE,"
  "  sha256 TEXT,"
  "  size INTEGER NOT NULL DEFAULT 0,"
  "  created INTEGER NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (job_id, number));"
  "CREATE TABLE users ("
  "  name TEXT PRIMARY KEY NOT NULL,"
  "  full_name TEXT,"
  "  password_hash TEXT,"
  "  admin INTEGER NOT NULL DEFAULT 0,"
  "  created INTEGER NOT NULL);",
  /* 2: what rendering found out about each job (core/analyzer.c) */
  "ALTER TABLE jobs ADD COLUMN analysis INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE jobs ADD COLUMN analysis_attempts INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE jobs ADD COLUMN pages INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE jobs ADD COLUMN sheets INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE jobs ADD COLUMN color_pages INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE jobs ADD COLUMN thumbnail TEXT;"
  "ALTER TABLE jobs ADD COLUMN analysis_detail TEXT;",
};
#define STORE_SCHEMA_VERSION ((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

/* Schema areas kept by their own files (store-private.h), migrated after the core schema in
 * this order. */
static const store_area_t *const store_areas[] = {
  &store_area_users,
  &store_area_accounting,
  &store_area_devices,
  &store_area_audit,
  &store_area_console,
  NULL
};

#define JOB_COLUMNS                                                                           \
  "id, queue, owner, name, uuid, state, state_reasons, state_message, hold_until, closed, "   \
  "created, processed, completed, impressions, k_octets, attrs, "                             \
  "(SELECT COUNT(*) FROM documents d WHERE d.job_id = jobs.id), "                             \
  "analysis, analysis_attempts, pages, sheets, color_pages, thumbnail"
#define DOC_COLUMNS "job_id, number, name, format, path, sha256, size, created"
#define ACTIVE "state BETWEEN 3 AND 6"       /* pending, held, processing, stopped */
#define DONE "state BETWEEN 7 AND 9"         /* canceled, aborted, completed */


static const char *const store_sql[SQL_COUNT] = {
  [SQL_BEGIN] = "BEGIN IMMEDIATE",
  [SQL_COMMIT] = "COMMIT",
  [SQL_ROLLBACK] = "ROLLBACK",
  [SQL_SAVEPOINT] = "SAVEPOINT op",
  [SQL_RELEASE] = "RELEASE op",
  [SQL_ROLLBACK_TO] = "ROLLBACK TO op",
  [SQL_VERSION] = "SELECT COALESCE(MAX(version), 0) FROM schema_version",
  [SQL_QUEUE_INSERT] = "INSERT INTO queues (name, uuid, created) VALUES (?1, ?2, ?3) "
                       "ON CONFLICT (name) DO NOTHING",
  [SQL_QUEUE_GET] = "SELECT name, uuid, created FROM queues WHERE name = ?1",
  [SQL_QUEUE_LIST] = "SELECT name, uuid, created FROM queues ORDER BY name",
  [SQL_JOB_INSERT] = "INSERT INTO jobs (queue, owner, name, uuid, state, state_reasons, "
                     "state_message, hold_until, closed, created, processed, completed, "
                     "impressions, k_octets, attrs) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
  [SQL_JOB_GET] = "SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?1",
  [SQL_JOB_ADD_DOC] = "UPDATE jobs SET state = ?2, state_reasons = ?3, closed = ?4 WHERE id = ?1",
  [SQL_JOB_SET_STATE] = "UPDATE jobs SET state = ?2, state_reasons = ?3, state_message = ?4, "
                        "closed = ?5, "
                        "processed = CASE WHEN ?6 = 0 THEN processed ELSE ?6 END, "
                        "completed = CASE WHEN ?7 = 0 THEN completed ELSE ?7 END "
                        "WHERE id = ?1",
  [SQL_JOB_DELETE] = "DELETE FROM jobs WHERE id = ?1",
  [SQL_JOB_SET_ANALYSIS] = "UPDATE jobs SET analysis = ?2, pages = ?3, sheets = ?4, "
                           "color_pages = ?5, impressions = ?6, thumbnail = ?7, "
                           "analysis_detail = ?8 WHERE id = ?1",
  [SQL_JOB_ANALYSIS_ATTEMPT] = "UPDATE jobs SET analysis_attempts = analysis_attempts + 1 "
                               "WHERE id = ?1",
  [SQL_JOB_TO_ANALYSE] = "SELECT id FROM jobs WHERE closed = 1 AND state = 4 AND analysis = 0 "
                         "ORDER BY id",
  [SQL_JOB_ANALYSIS_DETAIL] = "SELECT analysis_detail FROM jobs WHERE id = ?1",
  [SQL_JOB_ACTIVE] = "SELECT COUNT(*) FROM jobs WHERE " ACTIVE,
  [SQL_JOB_ACTIVE_QUEUE] = "SELECT COUNT(*) FROM jobs WHERE queue = ?1 AND " ACTIVE,
  [SQL_DOC_INSERT] = "INSERT INTO documents (" DOC_COLUMNS ") "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
  [SQL_DOC_NEXT] = "SELECT COALESCE(MAX(number), 0) + 1 FROM documents WHERE job_id = ?1",
  [SQL_DOC_LIST] = "SELECT " DOC_COLUMNS " FROM documents WHERE job_id = ?1 ORDER BY number",
  [SQL_DOC_JOB_PATHS] = "SELECT path FROM documents WHERE job_id = ?1 ORDER BY number",
  [SQL_DOC_PATHS] = "SELECT path FROM documents ORDER BY path",
};

/* Builds the job listing query (see store-private.h). */
bool store_sql_job_list(const store_job_filter_t *filter, char *buf, size_t size)
{
  const char *which = filter->which == STORE_WHICH_NOT_COMPLETED ? ACTIVE
                      : filter->which == STORE_WHICH_COMPLETED   ? DONE
                                                                 : "1";
  int n = snprintf(buf, size, "SELECT " JOB_COLUMNS " FROM jobs WHERE %s%s%s%s ORDER BY id %s%s",
                   which, filter->queue ? " AND queue = ?" : "",
                   filter->owner ? " AND owner = ?" : "", filter->state ? " AND state = ?" : "",
                   filter->newest_first ? "DESC" : "ASC", filter->limit > 0 ? " LIMIT ?" : "");
  return n > 0 && (size_t)n < size;
}

/* ---- connection helpers ------------------------------------------------------------------- */

/* The area files' statements of one connection, keyed by the address of their SQL text. */
typedef struct store_stmt_cache_s {
  const char *sql[STORE_EXTRA_STMTS];
  sqlite3_stmt *stmt[STORE_EXTRA_STMTS];
  size_t count;
} store_stmt_cache_t;

/* Logs a failed SQLite call on `db` once, with SQLite's message. */
void store_log(sqlite3 *db, const char *what)
{
  log_error("store: %s: %s", what, db ? sqlite3_errmsg(db) : "no connection");
}

/* Stores `msg` (malloc'd) in *err unless an error is already there; frees it otherwise. */
static void store_err(char **err, char *msg)
{
  if (err && !*err)
    *err = msg;
  else
    free(msg);
}

/* Returns the cached statement `id` of `c`, preparing it on first use; NULL after logging. */
sqlite3_stmt *store_stmt(store_conn_t *c, store_sql_t id)
{
  if (!c->stmt[id] &&
      sqlite3_prepare_v3(c->db, store_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &c->stmt[id],
                         NULL) != SQLITE_OK) {
    store_log(c->db, store_sql[id]);
    c->stmt[id] = NULL;
  }
  return c->stmt[id];
}

/* Returns the cached statement for `sql` (keyed by address), preparing it on first use. */
sqlite3_stmt *store_prepare(store_conn_t *c, const char *sql)
{
  if (!c->extra && !(c->extra = calloc(1, sizeof(*c->extra))))
    abort();
  store_stmt_cache_t *x = c->extra;
  for (size_t i = 0; i < x->count; i++)
    if (x->sql[i] == sql)
      return x->stmt[i];
  sqlite3_stmt *st = NULL;
  if (x->count == STORE_EXTRA_STMTS) {
    log_error("store: more than %d cached statements; raise STORE_EXTRA_STMTS", STORE_EXTRA_STMTS);
    return NULL;
  }
  if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
    store_log(c->db, sql);
    sqlite3_finalize(st);
    return NULL;
  }
  x->sql[x->count] = sql;
  x->stmt[x->count++] = st;
  return st;
}

int64_t store_last_id(store_conn_t *c)
{
  return (int64_t)sqlite3_last_insert_rowid(c->db);
}

/* Makes a cached statement ready for its next use. Errors were reported by sqlite3_step. */
void store_stmt_done(sqlite3_stmt *st)
{
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
}

/* The bind helpers do nothing once *rc holds an error, so binds can be chained. */
void store_bind_text(sqlite3_stmt *st, int i, const char *s, int *rc)
{
  if (*rc == SQLITE_OK)
    *rc = s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

void store_bind_int(sqlite3_stmt *st, int i, int64_t v, int *rc)
{
  if (*rc == SQLITE_OK)
    *rc = sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

void store_bind_blob(sqlite3_stmt *st, int i, const void *p, size_t len, int *rc)
{
  if (*rc == SQLITE_OK)
    *rc = p ? sqlite3_bind_blob64(st, i, p, (sqlite3_uint64)len, SQLITE_STATIC)
            : sqlite3_bind_null(st, i);
}

/* Checks the binds; on failure logs, resets `st` and returns false. */
bool store_bound(store_conn_t *c, sqlite3_stmt *st, int rc, const char *what)
{
  if (rc == SQLITE_OK)
    return true;
  store_log(c->db, what);
  store_stmt_done(st);
  return false;
}

/* Steps a bound statement that returns no row we need, then resets it. */
bool store_run(store_conn_t *c, sqlite3_stmt *st, const char *what)
{
  int rc = sqlite3_step(st);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    store_log(c->db, what);
  store_stmt_done(st);
  return rc == SQLITE_DONE || rc == SQLITE_ROW;
}

/* Runs the parameterless cached statement `id` (BEGIN, COMMIT, SAVEPOINT...). */
static bool store_run_sql(store_conn_t *c, store_sql_t id)
{
  sqlite3_stmt *st = store_stmt(c, id);
  return st && store_run(c, st, store_sql[id]);
}

/* Steps a bound statement expected to return one integer; resets it. */
bool store_run_int(store_conn_t *c, sqlite3_stmt *st, int64_t *out, const char *what)
{
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *out = sqlite3_column_int64(st, 0);
  else
    store_log(c->db, what);
  store_stmt_done(st);
  return rc == SQLITE_ROW;
}

/* Steps `st` to its end, making one element per row with `row`. Returns a malloc'd array
 * (never NULL on success, even when empty) and sets *count; the caller owns both the array and
 * its elements. On error returns NULL after logging and releasing partial rows with `drop`.
 * Resets `st`. */
void **store_rows(store_conn_t *c, sqlite3_stmt *st, void *(*row)(sqlite3_stmt *),
                  void (*drop)(void *), size_t *count, const char *what)
{
  size_t n = 0, cap = 8;
  void **v = malloc(cap * sizeof(*v));
  int rc;

  if (!v)
    abort();
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (n == cap && !(v = realloc(v, (cap *= 2) * sizeof(*v))))
      abort();
    v[n++] = row(st);
  }
  if (rc != SQLITE_DONE) {
    store_log(c->db, what);
    for (size_t i = 0; i < n; i++)
      drop(v[i]);
    free(v);
    v = NULL;
    n = 0;
  }
  store_stmt_done(st);
  *count = n;
  return v;
}

/* Finalizes the cached statements and closes the connection (NULL db is fine). */
static void store_conn_close(store_conn_t *c)
{
  for (int i = 0; i < SQL_COUNT; i++) {
    sqlite3_finalize(c->stmt[i]);
    c->stmt[i] = NULL;
  }
  if (c->extra) {
    for (size_t i = 0; i < c->extra->count; i++)
      sqlite3_finalize(c->extra->stmt[i]);
    free(c->extra);
    c->extra = NULL;
  }
  if (c->db && sqlite3_close(c->db) != SQLITE_OK)
    store_log(c->db, "close");
  c->db = NULL;
}

/* Runs `sql` (one or more statements, no rows needed) on `db` for store_open; on failure sets
 * *err with SQLite's message. */
static bool store_exec(sqlite3 *db, const char *sql, const char *what, char **err)
{
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
    return true;
  store_err(err, util_printf("store: %s: %s", what, msg ? msg : sqlite3_errmsg(db)));
  sqlite3_free(msg);
  return false;
}

/* sqlite3_exec callback keeping the first column of the row as an integer. */
static int store_exec_int_row(void *out, int ncols, char **values, char **names)
{
  (void)names;
  *(int64_t *)out = ncols > 0 && values[0] ? strtoll(values[0], NULL, 10) : 0;
  return 0;
}

/* Like store_exec, for a query returning one integer into *out. */
static bool store_exec_int(sqlite3 *db, const char *sql, int64_t *out, const char *what,
                           char **err)
{
  char *msg = NULL;
  if (sqlite3_exec(db, sql, store_exec_int_row, out, &msg) == SQLITE_OK)
    return true;
  store_err(err, util_printf("store: %s: %s", what, msg ? msg : sqlite3_errmsg(db)));
  sqlite3_free(msg);
  return false;
}

/* Opens one connection to `path` and sets its pragmas; the writer also creates the file and
 * switches it to WAL. On failure sets *err (the caller still closes `c`). */
static bool store_conn_open(store_conn_t *c, const char *path, bool writer, char **err)
{
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path, &c->db, flags, NULL);

  if (rc != SQLITE_OK) {
    store_err(err, util_printf("store: cannot open %s: %s", path,
                               c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc)));
    return false;
  }
  if (sqlite3_extended_result_codes(c->db, 1) != SQLITE_OK ||
      sqlite3_busy_timeout(c->db, STORE_BUSY_MS) != SQLITE_OK) {
    store_err(err, util_printf("store: cannot configure %s: %s", path, sqlite3_errmsg(c->db)));
    return false;
  }
  if (writer) {
    /* journal_mode answers with the mode now in force, which must be "wal". */
    sqlite3_stmt *st = NULL;
    bool wal = false;
    if (sqlite3_prepare_v2(c->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      const char *mode = (const char *)sqlite3_column_text(st, 0);
      wal = mode && !strcmp(mode, "wal");
    }
    if (!wal)
      store_err(err, util_printf("store: cannot switch %s to WAL mode: %s", path,
                                 sqlite3_errmsg(c->db)));
    sqlite3_finalize(st);
    if (!wal)
      return false;
  }
  return store_exec(c->db,
                    writer ? "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
                           : "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; "
                             "PRAGMA query_only = ON;",
                    "pragmas", err);
}

/* Brings one schema area to its newest version (inside store_migrate's transaction). */
static bool store_migrate_area(store_conn_t *c, const store_area_t *area, const char *path,
                               char **err)
{
  char *sql = util_printf("SELECT COALESCE(MAX(version), 0) FROM schema_area WHERE area = '%s'",
                          area->name);
  int64_t version = 0;
  bool ok = store_exec(c->db,
                       "CREATE TABLE IF NOT EXISTS schema_area ("
                       "  area TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL,"
                       "  applied INTEGER NOT NULL)",
                       "schema_area", err) &&
            store_exec_int(c->db, sql, &version, "area version", err);
  free(sql);
  if (ok && version > (int64_t)area->count) {
    store_err(err, util_printf("store: %s has %s schema version %lld, newer than this quire "
                               "(%zu)", path, area->name, (long long)version, area->count));
    return false;
  }
  for (size_t v = (size_t)version + 1; ok && v <= area->count; v++)
    ok = store_exec(c->db, area->migrations[v - 1], area->name, err);
  if (ok && (size_t)version < area->count) {
    sql = util_printf("INSERT INTO schema_area (area, version, applied) VALUES ('%s', %zu, %lld) "
                      "ON CONFLICT (area) DO UPDATE SET version = excluded.version, "
                      "applied = excluded.applied", area->name, area->count, (long long)time(NULL));
    ok = store_exec(c->db, sql, "schema_area", err);
    free(sql);
    if (ok)
      log_info("store: %s schema area %s migrated from version %lld to %zu", path, area->name,
               (long long)version, area->count);
  }
  return ok;
}

/* Brings the schema to STORE_SCHEMA_VERSION, all missing migrations in one transaction. */
static bool store_migrate(store_conn_t *c, const char *path, char **err)
{
  int64_t version = 0;

  if (!store_exec(c->db, "BEGIN IMMEDIATE", "begin migration", err))
    return false;
  bool ok = store_exec(c->db,
                       "CREATE TABLE IF NOT EXISTS schema_version ("
                       "  version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)",
                       "schema_version", err);
  ok = ok && store_exec_int(c->db, store_sql[SQL_VERSION], &version, "schema version", err);
  if (ok && version > STORE_SCHEMA_VERSION) {
    store_err(err, util_printf("store: %s has schema version %lld, newer than this quire (%d)",
                               path, (long long)version, STORE_SCHEMA_VERSION));
    ok = false;
  }
  for (int v = (int)version + 1; ok && v <= STORE_SCHEMA_VERSION; v++) {
    char *sql = util_printf("INSERT INTO schema_version (version, applied) VALUES (%d, %lld)", v,
                            (long long)time(NULL));
    ok = store_exec(c->db, store_migrations[v - 1], "migration", err) &&
         store_exec(c->db, sql, "schema_version", err);
    free(sql);
  }
  for (size_t i = 0; ok && store_areas[i]; i++)
    ok = store_migrate_area(c, store_areas[i], path, err);
  if (ok)
    ok = store_exec(c->db, "COMMIT", "commit migration", err);
  if (!ok && !sqlite3_get_autocommit(c->db))
    store_exec(c->db, "ROLLBACK", "rollback migration", err);
  if (ok && version < STORE_SCHEMA_VERSION)
    log_info("store: %s migrated from schema version %lld to %d", path, (long long)version,
             STORE_SCHEMA_VERSION);
  return ok;
}

/* ---- the writer thread -------------------------------------------------------------------- */

/* Runs a batch in one transaction (see the top of the file); sets each op's ok. Returns true
 * if the batch committed. */
static bool store_batch_run(store_t *s, store_op_t *batch)
{
  store_conn_t *c = &s->writer_conn;
  bool ok = store_run_sql(c, SQL_BEGIN), any_doc = false;

  for (store_op_t *op = batch; ok && op; op = op->next) {
    if (!store_run_sql(c, SQL_SAVEPOINT)) {
      ok = false;
      break;
    }
    op->ok = store_op_run(c, op);
    if (sqlite3_get_autocommit(c->db)) {
      /* Some errors (disk full, I/O, out of memory) make SQLite roll back the whole
       * transaction; what the earlier ops wrote is gone too. */
      log_error("store: SQLite rolled back a batch of writes after an error");
      ok = false;
      break;
    }
    if (!op->ok && !store_run_sql(c, SQL_ROLLBACK_TO))
      ok = false;
    else if (!store_run_sql(c, SQL_RELEASE))
      ok = false;
    else if (op->ok && op->wrote_doc)
      any_doc = true;
  }
  if (ok && any_doc) {
    pthread_mutex_lock(&s->lock);
    store_precommit_cb_t cb = s->precommit;
    void *data = s->precommit_data;
    pthread_mutex_unlock(&s->lock);
    if (cb && !cb(data)) {
      log_error("store: the pre-commit hook failed, rolling back a batch of writes");
      ok = false;
    }
  }
  if (ok)
    ok = store_run_sql(c, SQL_COMMIT);
  if (!ok) {
    if (!sqlite3_get_autocommit(c->db))
      store_run_sql(c, SQL_ROLLBACK);
    for (store_op_t *op = batch; op; op = op->next)
      op->ok = false;
  }
  return ok;
}

/* The writer thread: runs batches of pending ops until stopped and drained. */
static void *store_writer_main(void *arg)
{
  store_t *s = arg;

  pthread_mutex_lock(&s->lock);
  for (;;) {
    while (!s->head && !s->stopping)
      pthread_cond_wait(&s->wake, &s->lock);
    if (!s->head)
      break;
    store_op_t *batch = s->head;
    size_t n = s->pending;
    s->head = s->tail = NULL;
    s->pending = 0;
    pthread_mutex_unlock(&s->lock);

    bool committed = store_batch_run(s, batch);

    pthread_mutex_lock(&s->lock);
    s->batches++;
    s->commits += committed;
    s->ops += n;
    for (store_op_t *op = batch, *next; op; op = next) {
      next = op->next;
      op->done = true;
    }
    pthread_cond_broadcast(&s->done);
  }
  s->writer_running = false;
  pthread_mutex_unlock(&s->lock);
  return NULL;
}

/* Queues `op` for the writer and waits until its batch committed or failed. */
bool store_submit(store_t *s, store_op_t *op)
{
  pthread_mutex_lock(&s->lock);
  if (!s->writer_running) {
    pthread_mutex_unlock(&s->lock);
    log_error("store: write after store_close");
    return false;
  }
  op->next = NULL;
  op->done = op->ok = false;
  if (s->tail)
    s->tail->next = op;
  else
    s->head = op;
  s->tail = op;
  s->pending++;
  pthread_cond_signal(&s->wake);
  while (!op->done)
    pthread_cond_wait(&s->done, &s->lock);
  pthread_mutex_unlock(&s->lock);
  return op->ok;
}

/* Runs fn inside a batch (see store-private.h). */
bool store_write(store_t *s, store_call_fn fn, void *arg)
{
  store_op_t op = {.kind = OP_CALL, .call = fn, .call_arg = arg};
  return store_submit(s, &op);
}

/* Runs fn on a read connection (see store-private.h). */
bool store_read(store_t *s, store_call_fn fn, void *arg)
{
  store_conn_t *c = store_reader_get(s);
  bool ok = fn(c, arg);
  store_reader_put(s, c);
  return ok;
}

/* ---- statements with argument lists (store-private.h) ----------------------------------- */

/* Prepares (cached) and binds `sql`; NULL after logging. */
static sqlite3_stmt *store_bind_args(store_conn_t *c, const char *sql, const store_arg_t *args,
                                     size_t n)
{
  sqlite3_stmt *st = store_prepare(c, sql);
  int rc = SQLITE_OK;
  if (!st)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    if (args[i].is_text)
      store_bind_text(st, (int)i + 1, args[i].text, &rc);
    else
      store_bind_int(st, (int)i + 1, args[i].num, &rc);
  }
  return store_bound(c, st, rc, sql) ? st : NULL;
}

bool store_exec_args(store_conn_t *c, const char *sql, const store_arg_t *args, size_t n,
                     int *changes)
{
  sqlite3_stmt *st = store_bind_args(c, sql, args, n);
  bool ok = st && store_run(c, st, sql);
  if (changes)
    *changes = ok ? sqlite3_changes(c->db) : 0;
  return ok;
}

void **store_query_args(store_conn_t *c, const char *sql, const store_arg_t *args, size_t n,
                        void *(*row)(sqlite3_stmt *), void (*drop)(void *), size_t *count)
{
  sqlite3_stmt *st = store_bind_args(c, sql, args, n);
  *count = 0;
  return st ? store_rows(c, st, row, drop, count, sql) : NULL;
}

bool store_query_int(store_conn_t *c, const char *sql, const store_arg_t *args, size_t n,
                     int64_t *out)
{
  sqlite3_stmt *st = store_bind_args(c, sql, args, n);
  if (!st)
    return false;
  int rc = sqlite3_step(st);
  *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    store_log(c->db, sql);
  store_stmt_done(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* A statement and its arguments, run by the callbacks below. */
typedef struct store_call_args_s {
  const char *sql;
  const store_arg_t *args;
  size_t n;
  int changes;
  void *(*row)(sqlite3_stmt *);
  void (*drop)(void *);
  void **rows;
  size_t count;
  int64_t value;
} store_call_args_t;

static bool store_update_fn(store_conn_t *c, void *arg)
{
  store_call_args_t *a = arg;
  return store_exec_args(c, a->sql, a->args, a->n, &a->changes);
}

static bool store_select_fn(store_conn_t *c, void *arg)
{
  store_call_args_t *a = arg;
  a->rows = store_query_args(c, a->sql, a->args, a->n, a->row, a->drop, &a->count);
  return a->rows != NULL;
}

static bool store_select_int_fn(store_conn_t *c, void *arg)
{
  store_call_args_t *a = arg;
  return store_query_int(c, a->sql, a->args, a->n, &a->value);
}

bool store_update(store_t *s, const char *sql, const store_arg_t *args, size_t n,
                  int *changes)
{
  store_call_args_t a = {.sql = sql, .args = args, .n = n};
  bool ok = store_write(s, store_update_fn, &a);
  if (changes)
    *changes = ok ? a.changes : 0;
  return ok;
}

void **store_select(store_t *s, const char *sql, const store_arg_t *args, size_t n,
                    void *(*row)(sqlite3_stmt *), void (*drop)(void *), size_t *count)
{
  store_call_args_t a = {.sql = sql, .args = args, .n = n, .row = row, .drop = drop};
  store_read(s, store_select_fn, &a);
  *count = a.count;
  return a.rows;
}

bool store_select_int(store_t *s, const char *sql, const store_arg_t *args, size_t n,
                      int64_t *out)
{
  store_call_args_t a = {.sql = sql, .args = args, .n = n};
  bool ok = store_read(s, store_select_int_fn, &a);
  *out = a.value;
  return ok;
}

/* ---- open, close, counters ---------------------------------------------------------------- */

/* Opens the store: writer connection (WAL, synchronous=FULL, foreign keys), migrations, read
 * pool, writer thread. Returns a store the caller closes with store_close, or NULL with *err
 * set (malloc'd, the caller frees). */
store_t *store_open(const char *path, char **err)
{
  store_t *s = calloc(1, sizeof(*s));

  if (err)
    *err = NULL;
  if (!s)
    abort();
  pthread_mutex_init(&s->lock, NULL);
  pthread_mutex_init(&s->readers_lock, NULL);
  pthread_cond_init(&s->wake, NULL);
  pthread_cond_init(&s->done, NULL);
  pthread_cond_init(&s->readers_free, NULL);

  bool ok = sqlite3_threadsafe() != 0;
  if (!ok)
    store_err(err, util_strdup("store: SQLite was built without thread support"));
  ok = ok && store_conn_open(&s->writer_conn, path, true, err) &&
       store_migrate(&s->writer_conn, path, err);
  for (int i = 0; ok && i < STORE_READERS; i++)
    ok = store_conn_open(&s->readers[i], path, false, err);
  if (ok) {
    s->writer_running = true;
    if (pthread_create(&s->writer, NULL, store_writer_main, s) != 0) {
      s->writer_running = false;
      store_err(err, util_strdup("store: cannot start the writer thread"));
      ok = false;
    }
  }
  if (!ok) {
    store_close(s);
    return NULL;
  }
  return s;
}

/* Lets the writer finish every queued write, joins it, closes all connections and frees the
 * store. NULL is fine. No store function may be called on `store` afterwards. */
void store_close(store_t *store)
{
  if (!store)
    return;
  pthread_mutex_lock(&store->lock);
  bool running = store->writer_running;
  store->stopping = true;
  pthread_cond_signal(&store->wake);
  pthread_mutex_unlock(&store->lock);
  if (running)
    pthread_join(store->writer, NULL);

  /* Readers first: the last connection to close checkpoints the WAL, and that should be the
   * writer. */
  for (int i = 0; i < STORE_READERS; i++)
    store_conn_close(&store->readers[i]);
  store_conn_close(&store->writer_conn);
  pthread_cond_destroy(&store->readers_free);
  pthread_cond_destroy(&store->done);
  pthread_cond_destroy(&store->wake);
  pthread_mutex_destroy(&store->readers_lock);
  pthread_mutex_destroy(&store->lock);
  free(store);
}

/* Sets (or with cb NULL removes) the hook the writer calls before committing a batch that
 * stored a document. The hook runs on the writer thread and must not call store functions
 * that write. */
void store_set_precommit(store_t *store, store_precommit_cb_t cb, void *data)
{
  pthread_mutex_lock(&store->lock);
  store->precommit = cb;
  store->precommit_data = data;
  pthread_mutex_unlock(&store->lock);
}

/* Counter snapshot for tests (store-private.h). */
store_stats_t store_stats(store_t *store)
{
  pthread_mutex_lock(&store->lock);
  store_stats_t st = {.commits = store->commits, .batches = store->batches, .ops = store->ops,
                      .pending = store->pending};
  pthread_mutex_unlock(&store->lock);
  return st;
}

/* ---- reads -------------------------------------------------------------------------------- */

/* Borrows a read connection, waiting if all are in use. */
store_conn_t *store_reader_get(store_t *s)
{
  store_conn_t *c = NULL;

  pthread_mutex_lock(&s->readers_lock);
  while (!c) {
    for (int i = 0; i < STORE_READERS && !c; i++)
      if (!s->readers[i].busy)
        c = &s->readers[i];
    if (!c)
      pthread_cond_wait(&s->readers_free, &s->readers_lock);
  }
  c->busy = true;
  pthread_mutex_unlock(&s->readers_lock);
  return c;
}

/* Returns a read connection to the pool. */
void store_reader_put(store_t *s, store_conn_t *c)
{
  pthread_mutex_lock(&s->readers_lock);
  c->busy = false;
  pthread_cond_signal(&s->readers_free);
  pthread_mutex_unlock(&s->readers_lock);
}

int store_schema_version(store_t *store)
{
  store_conn_t *c = store_reader_get(store);
  sqlite3_stmt *st = store_stmt(c, SQL_VERSION);
  int64_t v = -1;

  if (st && !store_run_int(c, st, &v, "read schema version"))
    v = -1;
  store_reader_put(store, c);
  return (int)v;
}

