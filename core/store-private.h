/*
 * store-private.h: what the files of the SQLite store back end share (store-sqlite.c: core
 * SQL text, connections, migrations, writer thread; store-sqlite-jobs.c: the queue, job and
 * document operations; store-sqlite-AREA.c: the schema areas, each with its own SQL), plus
 * counters for tests and benchmarks.
 *
 * Not part of the store interface (store.h): only the SQLite back end and its tests include
 * it. The core statements are in store-sqlite.c (store-sqlite-jobs.c refers to them by id);
 * an area file keeps its statements next to its code (store_prepare).
 */
#ifndef QUIRE_STORE_PRIVATE_H
#define QUIRE_STORE_PRIVATE_H

#include "store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_READERS 4        /* read connections in the pool */

/* The cached statements (text in store_sql[], store-sqlite.c); a connection prepares each
 * one on first use. */
typedef enum store_sql_e {
  SQL_BEGIN, SQL_COMMIT, SQL_ROLLBACK, SQL_SAVEPOINT, SQL_RELEASE, SQL_ROLLBACK_TO,
  SQL_VERSION, SQL_QUEUE_INSERT, SQL_QUEUE_GET, SQL_QUEUE_LIST,
  SQL_JOB_INSERT, SQL_JOB_GET, SQL_JOB_ADD_DOC, SQL_JOB_SET_STATE, SQL_JOB_DELETE,
  SQL_JOB_SET_ANALYSIS, SQL_JOB_ANALYSIS_ATTEMPT, SQL_JOB_TO_ANALYSE, SQL_JOB_ANALYSIS_DETAIL,
  SQL_JOB_ACTIVE, SQL_JOB_ACTIVE_QUEUE,
  SQL_DOC_INSERT, SQL_DOC_NEXT, SQL_DOC_LIST, SQL_DOC_JOB_PATHS, SQL_DOC_PATHS,
  SQL_COUNT
} store_sql_t;

/* One connection and its statement caches; used by one thread at a time. */
typedef struct store_conn_s {
  sqlite3 *db;
  sqlite3_stmt *stmt[SQL_COUNT];
  struct store_stmt_cache_s *extra; /* statements of the area files (store_prepare) */
  bool busy;                       /* readers: lent out by store_reader_get */
} store_conn_t;

/* A write or read run on a connection by store_write / store_read. Returns false on failure
 * (after logging). */
typedef bool (*store_call_fn)(store_conn_t *c, void *arg);

/* An area of the schema kept by its own file (users, devices, accounting...): its ordered
 * migrations (element i brings the area from version i to i + 1; never edit a released one).
 * Each area's version is kept in the schema_area table, so areas grow independently. */
typedef struct store_area_s {
  const char *name;
  const char *const *migrations;
  size_t count;
} store_area_t;

typedef enum store_op_kind_e {
  OP_CALL, OP_QUEUE_INSERT, OP_JOB_INSERT, OP_JOB_ADD_DOC, OP_JOB_SET_STATE, OP_JOB_DELETE,
  OP_JOB_SET_ANALYSIS, OP_JOB_ANALYSIS_ATTEMPT
} store_op_kind_t;

/* One write waiting for (or run by) the writer; lives on the caller's stack. Inputs point at
 * the caller's data, which stays valid while the caller waits in store_submit. */
typedef struct store_op_s {
  struct store_op_s *next;
  store_op_kind_t kind;
  const char *name, *uuid;         /* queue name + uuid */
  const store_job_t *job;
  const store_doc_t *doc;
  const store_analysis_t *analysis;
  store_call_fn call;              /* OP_CALL: runs on the writer connection with call_arg */
  void *call_arg;
  int job_id, state;
  const char *reasons, *message;
  bool closed;
  time_t processed, completed;
  /* results, handed to the caller only if ok */
  int new_id, doc_number;
  char **paths;                    /* OP_JOB_DELETE; the caller frees them in every case */
  size_t npaths;
  bool wrote_doc, ok, done;
} store_op_t;

struct store_s {
  store_conn_t writer_conn;
  store_conn_t readers[STORE_READERS];
  pthread_mutex_t readers_lock;
  pthread_cond_t readers_free;

  pthread_mutex_t lock;            /* guards everything below */
  pthread_cond_t wake;             /* writer: ops are pending or stop was asked */
  pthread_cond_t done;             /* callers: a batch finished */
  store_op_t *head, *tail;
  size_t pending;
  bool stopping, writer_running;
  pthread_t writer;
  store_precommit_cb_t precommit;
  void *precommit_data;
  uint64_t commits, batches, ops;
};

/* ---- store-sqlite.c: helpers -------------------------------------------------------------- */

/* Logs a failed SQLite call on `db` once (log_error), with SQLite's message. */
void store_log(sqlite3 *db, const char *what);

/* Returns the cached statement `id` of `c`, preparing it on first use; NULL after logging. */
sqlite3_stmt *store_stmt(store_conn_t *c, store_sql_t id);

/* Resets a statement and clears its bindings (errors were reported by sqlite3_step). */
void store_stmt_done(sqlite3_stmt *st);

/* Binds; each does nothing once *rc holds an error, so binds can be chained, then checked
 * once with store_bound. NULL text or blob binds SQL NULL. Strings are not copied. */
void store_bind_text(sqlite3_stmt *st, int i, const char *s, int *rc);
void store_bind_int(sqlite3_stmt *st, int i, int64_t v, int *rc);
void store_bind_blob(sqlite3_stmt *st, int i, const void *p, size_t len, int *rc);

/* True if rc is SQLITE_OK; otherwise logs, resets `st` and returns false. */
bool store_bound(store_conn_t *c, sqlite3_stmt *st, int rc, const char *what);

/* Steps a bound statement whose rows are not needed, then resets it. */
bool store_run(store_conn_t *c, sqlite3_stmt *st, const char *what);

/* Steps a bound statement expected to return one integer into *out, then resets it. */
bool store_run_int(store_conn_t *c, sqlite3_stmt *st, int64_t *out, const char *what);

/* Steps `st` to its end, making one element per row with `row`. Returns a malloc'd array
 * (never NULL on success, even when empty) and sets *count; the caller owns the array and its
 * elements. On error returns NULL (and *count 0) after logging and releasing partial rows with
 * `drop`. Resets `st`. */
void **store_rows(store_conn_t *c, sqlite3_stmt *st, void *(*row)(sqlite3_stmt *),
                  void (*drop)(void *), size_t *count, const char *what);

/* Writes the job listing query for `filter` into `buf`. Its parameters, in this order and each
 * only when the filter uses it: queue, owner, state, limit. Columns as for SQL_JOB_GET. False
 * if it does not fit. */
bool store_sql_job_list(const store_job_filter_t *filter, char *buf, size_t size);

/* Borrows a read connection from the pool (waits if all are lent out) / gives it back. */
store_conn_t *store_reader_get(store_t *s);
void store_reader_put(store_t *s, store_conn_t *c);

/* Queues `op` for the writer thread and waits until the batch holding it committed (true if
 * the op succeeded) or failed (false). */
bool store_submit(store_t *s, store_op_t *op);

/* The statement for `sql` (a string with static storage: the cache is keyed by its address),
 * prepared on first use on `c` and kept; NULL after logging. Reset it with store_stmt_done
 * (store_run and friends do). For the area files, whose SQL lives next to their code. */
sqlite3_stmt *store_prepare(store_conn_t *c, const char *sql);

/* Runs `fn` on the writer connection inside a group-commit batch (its own savepoint) and
 * waits until the batch committed: durable when it returns true. */
bool store_write(store_t *s, store_call_fn fn, void *arg);

/* Runs `fn` on a borrowed read connection. */
bool store_read(store_t *s, store_call_fn fn, void *arg);

/* The rowid of the last INSERT on `c` (the writer connection). */
int64_t store_last_id(store_conn_t *c);

/* malloc'd copy of a text column, NULL for SQL NULL. */
char *store_col_text(sqlite3_stmt *st, int i);

/* A statement parameter for the helpers below: text (NULL binds SQL NULL) or integer. */
typedef struct store_arg_s {
  bool is_text;
  const char *text;
  int64_t num;
} store_arg_t;
#define STORE_TEXT(s) ((store_arg_t){true, (s), 0})
#define STORE_INT(v) ((store_arg_t){false, NULL, (int64_t)(v)})
#define STORE_ARGS(...) (const store_arg_t[]){__VA_ARGS__}, \
  sizeof((const store_arg_t[]){__VA_ARGS__}) / sizeof(store_arg_t)

/* On connection `c`: runs `sql` (cached, static text) with `args` bound to ?1..?n; sets
 * *changes (may be NULL) to the rows changed. */
bool store_exec_args(store_conn_t *c, const char *sql, const store_arg_t *args, size_t n,
                     int *changes);

/* On connection `c`: runs a query and makes one element per row (store_rows). */
void **store_query_args(store_conn_t *c, const char *sql, const store_arg_t *args, size_t n,
                        void *(*row)(sqlite3_stmt *), void (*drop)(void *), size_t *count);

/* On connection `c`: a query returning one integer (0 when it returns no row). */
bool store_query_int(store_conn_t *c, const char *sql, const store_arg_t *args, size_t n,
                     int64_t *out);

/* The same three on the store: a write in its own group-commit batch, and reads on a
 * pooled connection. */
bool store_update(store_t *s, const char *sql, const store_arg_t *args, size_t n,
                  int *changes);
void **store_select(store_t *s, const char *sql, const store_arg_t *args, size_t n,
                    void *(*row)(sqlite3_stmt *), void (*drop)(void *), size_t *count);
bool store_select_int(store_t *s, const char *sql, const store_arg_t *args, size_t n,
                      int64_t *out);

/* The schema areas, defined by their files and listed in migration order in store_areas[]
 * (store-sqlite.c). */
extern const store_area_t store_area_users;       /* store-sqlite-users.c */
extern const store_area_t store_area_accounting;  /* store-sqlite-accounting.c */
extern const store_area_t store_area_devices;     /* store-sqlite-devices.c */
extern const store_area_t store_area_audit;       /* store-sqlite-audit.c */
extern const store_area_t store_area_console;     /* store-sqlite-queues.c */

/* ---- store-sqlite-jobs.c ------------------------------------------------------------------ */

/* Runs one op's statements on the writer connection, inside the batch transaction and the op's
 * savepoint; false if the op failed (already logged). Sets op->wrote_doc when it stored a
 * document. */
bool store_op_run(store_conn_t *c, store_op_t *op);

/* ---- counters for tests ------------------------------------------------------------------- */

/* A snapshot of the writer's counters since store_open. */
typedef struct store_stats_s {
  uint64_t commits;   /* batches committed; with synchronous=FULL each is one WAL fsync */
  uint64_t batches;   /* batches run, committed or rolled back */
  uint64_t ops;       /* write operations run (each in its own SAVEPOINT), successful or not */
  size_t pending;     /* write operations queued and not yet taken into a batch */
} store_stats_t;

/* Returns the counters, read under the store's lock. */
store_stats_t store_stats(store_t *store);

#endif
