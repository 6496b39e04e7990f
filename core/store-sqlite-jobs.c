/*
 * store-sqlite-jobs.c: the queue, job and document operations of the SQLite store
 * (interface in store.h). Writes become store_op_t's that the writer thread of store-sqlite.c
 * runs through store_op_run; reads borrow a connection of the read pool. The SQL text of every
 * statement named here (SQL_*) is in store_sql[] in store-sqlite.c; the row makers below read
 * the columns in the order of those SELECTs.
 */
#include "store.h"
#include "store-private.h"

#include "log.h"
#include "util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- the writer's operations (run inside the batch transaction and the op's savepoint) ---- */

/* Inserts `doc` as a document of `job_id`; a number <= 0 becomes the job's next number. */
static bool store_doc_insert(store_conn_t *c, store_op_t *op, int job_id, const store_doc_t *doc)
{
  sqlite3_stmt *st;
  int64_t number = doc->number;
  int rc = SQLITE_OK;

  if (number <= 0) {
    if (!(st = store_stmt(c, SQL_DOC_NEXT)))
      return false;
    store_bind_int(st, 1, job_id, &rc);
    if (!store_bound(c, st, rc, "bind next document number") ||
        !store_run_int(c, st, &number, "next document number"))
      return false;
  }
  if (!(st = store_stmt(c, SQL_DOC_INSERT)))
    return false;
  store_bind_int(st, 1, job_id, &rc);
  store_bind_int(st, 2, number, &rc);
  store_bind_text(st, 3, doc->name, &rc);
  store_bind_text(st, 4, doc->format, &rc);
  store_bind_text(st, 5, doc->path, &rc);
  store_bind_text(st, 6, doc->sha256, &rc);
  store_bind_int(st, 7, doc->size, &rc);
  store_bind_int(st, 8, doc->created ? doc->created : time(NULL), &rc);
  if (!store_bound(c, st, rc, "bind document") || !store_run(c, st, "insert document"))
    return false;
  op->doc_number = (int)number;
  op->wrote_doc = true;
  return true;
}

/* Inserts a job and, if given, its first document. */
static bool store_op_job_insert(store_conn_t *c, store_op_t *op)
{
  const store_job_t *j = op->job;
  sqlite3_stmt *st = store_stmt(c, SQL_JOB_INSERT);
  int rc = SQLITE_OK;

  if (!st)
    return false;
  store_bind_text(st, 1, j->queue, &rc);
  store_bind_text(st, 2, j->owner, &rc);
  store_bind_text(st, 3, j->name, &rc);
  store_bind_text(st, 4, j->uuid, &rc);
  store_bind_int(st, 5, j->state, &rc);
  store_bind_text(st, 6, j->state_reasons, &rc);
  store_bind_text(st, 7, j->state_message, &rc);
  store_bind_text(st, 8, j->hold_until, &rc);
  store_bind_int(st, 9, j->closed, &rc);
  store_bind_int(st, 10, j->created ? j->created : time(NULL), &rc);
  store_bind_int(st, 11, j->processed, &rc);
  store_bind_int(st, 12, j->completed, &rc);
  store_bind_int(st, 13, j->impressions, &rc);
  store_bind_int(st, 14, j->k_octets, &rc);
  store_bind_blob(st, 15, j->attrs, j->attrs_len, &rc);
  if (!store_bound(c, st, rc, "bind job") || !store_run(c, st, "insert job"))
    return false;
  sqlite3_int64 id = sqlite3_last_insert_rowid(c->db);
  if (id <= 0 || id > INT_MAX) {
    log_error("store: job id %lld is out of range", (long long)id);
    return false;
  }
  op->new_id = (int)id;
  return !op->doc || store_doc_insert(c, op, op->new_id, op->doc);
}

/* Runs an UPDATE/DELETE bound on `st` that must touch exactly one row. */
static bool store_run_one(store_conn_t *c, sqlite3_stmt *st, int rc, const char *what)
{
  if (!store_bound(c, st, rc, what) || !store_run(c, st, what))
    return false;
  if (sqlite3_changes(c->db) == 1)
    return true;
  log_debug("store: %s: no such row", what);
  return false;
}

/* Updates the job's state for a new document, then inserts the document. */
static bool store_op_job_add_doc(store_conn_t *c, store_op_t *op)
{
  sqlite3_stmt *st = store_stmt(c, SQL_JOB_ADD_DOC);
  int rc = SQLITE_OK;

  if (!st)
    return false;
  store_bind_int(st, 1, op->job_id, &rc);
  store_bind_int(st, 2, op->state, &rc);
  store_bind_text(st, 3, op->reasons, &rc);
  store_bind_int(st, 4, op->closed, &rc);
  return store_run_one(c, st, rc, "update job for document") &&
         store_doc_insert(c, op, op->job_id, op->doc);
}

/* Updates state, reasons, message, closed flag and the non-zero times of a job. */
static bool store_op_job_set_state(store_conn_t *c, store_op_t *op)
{
  sqlite3_stmt *st = store_stmt(c, SQL_JOB_SET_STATE);
  int rc = SQLITE_OK;

  if (!st)
    return false;
  store_bind_int(st, 1, op->job_id, &rc);
  store_bind_int(st, 2, op->state, &rc);
  store_bind_text(st, 3, op->reasons, &rc);
  store_bind_text(st, 4, op->message, &rc);
  store_bind_int(st, 5, op->closed, &rc);
  store_bind_int(st, 6, op->processed, &rc);
  store_bind_int(st, 7, op->completed, &rc);
  return store_run_one(c, st, rc, "set job state");
}

/* Records a job's analysis. */
static bool store_op_job_set_analysis(store_conn_t *c, store_op_t *op)
{
  const store_analysis_t *a = op->analysis;
  sqlite3_stmt *st = store_stmt(c, SQL_JOB_SET_ANALYSIS);
  int rc = SQLITE_OK;

  if (!st)
    return false;
  store_bind_int(st, 1, op->job_id, &rc);
  store_bind_int(st, 2, a->state, &rc);
  store_bind_int(st, 3, a->pages, &rc);
  store_bind_int(st, 4, a->sheets, &rc);
  store_bind_int(st, 5, a->color_pages, &rc);
  store_bind_int(st, 6, a->impressions, &rc);
  store_bind_text(st, 7, a->thumbnail, &rc);
  store_bind_text(st, 8, a->detail, &rc);
  return store_run_one(c, st, rc, "set job analysis");
}

static void *store_row_string(sqlite3_stmt *st);
static void store_drop_string(void *p);

/* Collects the job's document paths into op->paths, then deletes the job (documents follow by
 * ON DELETE CASCADE). */
static bool store_op_job_delete(store_conn_t *c, store_op_t *op)
{
  sqlite3_stmt *st = store_stmt(c, SQL_DOC_JOB_PATHS);
  int rc = SQLITE_OK;

  if (!st)
    return false;
  store_bind_int(st, 1, op->job_id, &rc);
  if (!store_bound(c, st, rc, "bind job paths") ||
      !(op->paths = (char **)store_rows(c, st, store_row_string, store_drop_string, &op->npaths,
                                        "list job paths")) ||
      !(st = store_stmt(c, SQL_JOB_DELETE)))
    return false;
  store_bind_int(st, 1, op->job_id, &rc);
  return store_run_one(c, st, rc, "delete job");
}

/* Runs one op's statements; false if the op failed (already logged). */
bool store_op_run(store_conn_t *c, store_op_t *op)
{
  sqlite3_stmt *st = NULL;
  int rc = SQLITE_OK;

  switch (op->kind) {
  case OP_CALL:
    return op->call(c, op->call_arg);
  case OP_QUEUE_INSERT:
    if (!(st = store_stmt(c, SQL_QUEUE_INSERT)))
      return false;
    store_bind_text(st, 1, op->name, &rc);
    store_bind_text(st, 2, op->uuid, &rc);
    store_bind_int(st, 3, time(NULL), &rc);
    return store_bound(c, st, rc, "bind queue") && store_run(c, st, "insert queue");
  case OP_JOB_INSERT:
    return store_op_job_insert(c, op);
  case OP_JOB_ADD_DOC:
    return store_op_job_add_doc(c, op);
  case OP_JOB_SET_STATE:
    return store_op_job_set_state(c, op);
  case OP_JOB_DELETE:
    return store_op_job_delete(c, op);
  case OP_JOB_SET_ANALYSIS:
    return store_op_job_set_analysis(c, op);
  case OP_JOB_ANALYSIS_ATTEMPT:
    if (!(st = store_stmt(c, SQL_JOB_ANALYSIS_ATTEMPT)))
      return false;
    store_bind_int(st, 1, op->job_id, &rc);
    return store_run_one(c, st, rc, "count analysis attempt");
  }
  return false;
}

/* ---- rows and reads ---------------------------------------------------------------------- */

/* malloc'd copy of a text column, NULL for SQL NULL (store-private.h). */
char *store_col_text(sqlite3_stmt *st, int i)
{
  return util_strdup((const char *)sqlite3_column_text(st, i));
}

/* Row makers for store_rows (columns as in the SELECTs above) and their releasers. */
static void *store_row_string(sqlite3_stmt *st)
{
  return store_col_text(st, 0);
}

static void store_drop_string(void *p)
{
  free(p);
}

static void *store_row_queue(sqlite3_stmt *st)
{
  store_queue_t *q = calloc(1, sizeof(*q));
  if (!q)
    abort();
  q->name = store_col_text(st, 0);
  q->uuid = store_col_text(st, 1);
  q->created = (time_t)sqlite3_column_int64(st, 2);
  return q;
}

static void store_drop_queue(void *p)
{
  store_queue_free(p);
}

static void *store_row_job(sqlite3_stmt *st)
{
  store_job_t *j = calloc(1, sizeof(*j));
  if (!j)
    abort();
  j->id = sqlite3_column_int(st, 0);
  j->queue = store_col_text(st, 1);
  j->owner = store_col_text(st, 2);
  j->name = store_col_text(st, 3);
  j->uuid = store_col_text(st, 4);
  j->state = sqlite3_column_int(st, 5);
  j->state_reasons = store_col_text(st, 6);
  j->state_message = store_col_text(st, 7);
  j->hold_until = store_col_text(st, 8);
  j->closed = sqlite3_column_int(st, 9) != 0;
  j->created = (time_t)sqlite3_column_int64(st, 10);
  j->processed = (time_t)sqlite3_column_int64(st, 11);
  j->completed = (time_t)sqlite3_column_int64(st, 12);
  j->impressions = sqlite3_column_int(st, 13);
  j->k_octets = sqlite3_column_int64(st, 14);
  const void *blob = sqlite3_column_blob(st, 15);
  int len = sqlite3_column_bytes(st, 15);
  if (blob && len > 0) {
    if (!(j->attrs = malloc((size_t)len)))
      abort();
    memcpy(j->attrs, blob, (size_t)len);
    j->attrs_len = (size_t)len;
  }
  j->num_docs = sqlite3_column_int(st, 16);
  j->analysis = sqlite3_column_int(st, 17);
  j->analysis_attempts = sqlite3_column_int(st, 18);
  j->pages = sqlite3_column_int(st, 19);
  j->sheets = sqlite3_column_int(st, 20);
  j->color_pages = sqlite3_column_int(st, 21);
  j->thumbnail = store_col_text(st, 22);
  return j;
}

static void store_drop_job(void *p)
{
  store_job_free(p);
}

static void *store_row_doc(sqlite3_stmt *st)
{
  store_doc_t *d = calloc(1, sizeof(*d));
  if (!d)
    abort();
  d->job_id = sqlite3_column_int(st, 0);
  d->number = sqlite3_column_int(st, 1);
  d->name = store_col_text(st, 2);
  d->format = store_col_text(st, 3);
  d->path = store_col_text(st, 4);
  d->sha256 = store_col_text(st, 5);
  d->size = sqlite3_column_int64(st, 6);
  d->created = (time_t)sqlite3_column_int64(st, 7);
  return d;
}

static void store_drop_doc(void *p)
{
  store_doc_free(p);
}

/* Runs the cached read statement `id` with an optional text and an optional integer
 * parameter (?1) and returns the first row made by `row`, or NULL if there is none or on error
 * (logged). The caller owns the result. */
static void *store_read_one(store_t *s, store_sql_t id, const char *text, int64_t num,
                            void *(*row)(sqlite3_stmt *), const char *what)
{
  store_conn_t *c = store_reader_get(s);
  sqlite3_stmt *st = store_stmt(c, id);
  void *result = NULL;
  int rc = SQLITE_OK;

  if (st) {
    if (text)
      store_bind_text(st, 1, text, &rc);
    else
      store_bind_int(st, 1, num, &rc);
    if (store_bound(c, st, rc, what)) {
      rc = sqlite3_step(st);
      if (rc == SQLITE_ROW)
        result = row(st);
      else if (rc != SQLITE_DONE)
        store_log(c->db, what);
      store_stmt_done(st);
    }
  }
  store_reader_put(s, c);
  return result;
}

/* Runs the cached read statement `id` (binding job_id to ?1 if it is not 0) and returns all
 * rows; see store_rows for ownership. */
static void **store_read_all(store_t *s, store_sql_t id, int job_id, void *(*row)(sqlite3_stmt *),
                             void (*drop)(void *), size_t *count, const char *what)
{
  store_conn_t *c = store_reader_get(s);
  sqlite3_stmt *st = store_stmt(c, id);
  void **rows = NULL;
  int rc = SQLITE_OK;

  *count = 0;
  if (st && job_id)
    store_bind_int(st, 1, job_id, &rc);
  if (st && store_bound(c, st, rc, what))
    rows = store_rows(c, st, row, drop, count, what);
  store_reader_put(s, c);
  return rows;
}

/* Returns the schema version recorded in the database, or -1 on error (logged). */
/* ---- queues ------------------------------------------------------------------------------- */

/* Returns the queue row `name` (caller frees with store_queue_free), inserting it with a new
 * UUID first if it does not exist; NULL on error. Concurrent calls for one name agree on one
 * UUID. */
store_queue_t *store_queue_ensure(store_t *store, const char *name)
{
  char uuid[64];
  store_queue_t *q;

  if (!name)
    return NULL;
  if ((q = store_read_one(store, SQL_QUEUE_GET, name, 0, store_row_queue, "get queue")))
    return q;
  if (!util_uuid_new(uuid, sizeof(uuid))) {
    log_error("store: cannot make a UUID for queue %s", name);
    return NULL;
  }
  store_op_t op = {.kind = OP_QUEUE_INSERT, .name = name, .uuid = uuid};
  if (!store_submit(store, &op))
    return NULL;
  if (!(q = store_read_one(store, SQL_QUEUE_GET, name, 0, store_row_queue, "get queue")))
    log_error("store: queue %s is missing right after its insert", name);
  return q;
}

/* Returns every queue row in name order and sets *count; the caller frees with
 * store_queues_free. NULL (and *count 0) only on error; an empty store gives an empty array. */
store_queue_t **store_queue_list(store_t *store, size_t *count)
{
  return (store_queue_t **)store_read_all(store, SQL_QUEUE_LIST, 0, store_row_queue,
                                          store_drop_queue, count, "list queues");
}

/* ---- jobs --------------------------------------------------------------------------------- */

/* Durably inserts `job` and, if `doc` is not NULL, its first document in one transaction. On
 * success sets job->id, doc->job_id and doc->number (the job's next number if it was <= 0);
 * created == 0 is stored as now. The store keeps no pointer into `job` or `doc`. */
bool store_job_insert(store_t *store, store_job_t *job, store_doc_t *doc)
{
  if (!job)
    return false;
  store_op_t op = {.kind = OP_JOB_INSERT, .job = job, .doc = doc};
  if (!store_submit(store, &op))
    return false;
  job->id = op.new_id;
  if (doc) {
    doc->job_id = op.new_id;
    doc->number = op.doc_number;
  }
  return true;
}

/* Durably adds `doc` to job `job_id` and sets the job's state, reasons and closed flag in the
 * same transaction. On success sets doc->job_id and doc->number (as in store_job_insert).
 * False if the job does not exist, the path is already used, or the write failed. */
bool store_job_add_document(store_t *store, int job_id, store_doc_t *doc, int state,
                            const char *state_reasons, bool closed)
{
  if (!doc)
    return false;
  store_op_t op = {.kind = OP_JOB_ADD_DOC, .job_id = job_id, .doc = doc, .state = state,
                   .reasons = state_reasons, .closed = closed};
  if (!store_submit(store, &op))
    return false;
  doc->job_id = job_id;
  doc->number = op.doc_number;
  return true;
}

/* Durably updates a job's state, reasons, message and closed flag, and its processed and
 * completed times when not 0. False if the job does not exist or the write failed. */
bool store_job_set_state(store_t *store, int job_id, int state, const char *state_reasons,
                         const char *state_message, bool closed, time_t processed,
                         time_t completed)
{
  store_op_t op = {.kind = OP_JOB_SET_STATE, .job_id = job_id, .state = state,
                   .reasons = state_reasons, .message = state_message, .closed = closed,
                   .processed = processed, .completed = completed};
  return store_submit(store, &op);
}

bool store_job_set_analysis(store_t *store, int job_id, const store_analysis_t *analysis)
{
  store_op_t op = {.kind = OP_JOB_SET_ANALYSIS, .job_id = job_id, .analysis = analysis};
  return store_submit(store, &op);
}

bool store_job_analysis_attempt(store_t *store, int job_id)
{
  store_op_t op = {.kind = OP_JOB_ANALYSIS_ATTEMPT, .job_id = job_id};
  return store_submit(store, &op);
}

static void *store_row_int(sqlite3_stmt *st)
{
  int *v = malloc(sizeof(*v));
  if (!v)
    abort();
  *v = sqlite3_column_int(st, 0);
  return v;
}

int *store_jobs_to_analyse(store_t *store, size_t *count)
{
  void **rows = store_read_all(store, SQL_JOB_TO_ANALYSE, 0, store_row_int, free, count,
                               "jobs to analyse");
  int *ids = *count ? malloc(*count * sizeof(int)) : NULL;

  if (*count && !ids)
    abort();
  for (size_t i = 0; i < *count; i++) {
    ids[i] = *(int *)rows[i];
    free(rows[i]);
  }
  free(rows);
  return ids;
}

char *store_job_analysis_detail(store_t *store, int job_id)
{
  return store_read_one(store, SQL_JOB_ANALYSIS_DETAIL, NULL, job_id, store_row_string,
                        "analysis detail");
}

/* Returns the job `id` with num_docs filled, or NULL if there is none or on error (logged).
 * The caller frees it with store_job_free. */
store_job_t *store_job_get(store_t *store, int id)
{
  return store_read_one(store, SQL_JOB_GET, NULL, id, store_row_job, "get job");
}

/* Returns the jobs matching `filter` (NULL: all jobs) ordered by id (descending if
 * newest_first), with num_docs filled, and sets *count. The caller frees them with
 * store_jobs_free. NULL (and *count 0) only on error; no match gives an empty array. */
store_job_t **store_job_list(store_t *store, const store_job_filter_t *filter, size_t *count)
{
  static const store_job_filter_t all = {.which = STORE_WHICH_ALL};
  char sql[1024];

  if (!filter)
    filter = &all;
  bool built = store_sql_job_list(filter, sql, sizeof(sql));
  store_conn_t *c = store_reader_get(store);
  sqlite3_stmt *st = NULL;
  void **rows = NULL;
  int rc = SQLITE_OK, i = 1;

  *count = 0;
  if (!built)
    log_error("store: job listing query too long");
  else if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
    store_log(c->db, "prepare job listing");
  else {
    if (filter->queue)
      store_bind_text(st, i++, filter->queue, &rc);
    if (filter->owner)
      store_bind_text(st, i++, filter->owner, &rc);
    if (filter->state)
      store_bind_int(st, i++, filter->state, &rc);
    if (filter->limit > 0)
      store_bind_int(st, i++, filter->limit, &rc);
    if (store_bound(c, st, rc, "bind job listing"))
      rows = store_rows(c, st, store_row_job, store_drop_job, count, "list jobs");
  }
  sqlite3_finalize(st);
  store_reader_put(store, c);
  return (store_job_t **)rows;
}

/* Counts the jobs of `queue` (NULL: of all queues) in states 3..6; -1 on error (logged). */
int store_job_count_active(store_t *store, const char *queue)
{
  store_conn_t *c = store_reader_get(store);
  sqlite3_stmt *st = store_stmt(c, queue ? SQL_JOB_ACTIVE_QUEUE : SQL_JOB_ACTIVE);
  int64_t n = -1;
  int rc = SQLITE_OK;

  if (st && queue)
    store_bind_text(st, 1, queue, &rc);
  if (st && store_bound(c, st, rc, "bind active count") &&
      !store_run_int(c, st, &n, "count active jobs"))
    n = -1;
  store_reader_put(store, c);
  return (int)n;
}

/* Durably deletes job `job_id` and its document rows and returns the documents' paths (for the
 * spool to unlink) with *count set; the caller frees them with store_strings_free. NULL (and
 * *count 0) if the job does not exist or the write failed; a job without documents gives an
 * empty array. */
char **store_job_delete(store_t *store, int job_id, size_t *count)
{
  store_op_t op = {.kind = OP_JOB_DELETE, .job_id = job_id};
  bool ok = store_submit(store, &op);

  *count = 0;
  if (!ok) {
    store_strings_free(op.paths, op.npaths);
    return NULL;
  }
  *count = op.npaths;
  return op.paths;
}

/* ---- documents ---------------------------------------------------------------------------- */

/* Returns the documents of `job_id` in number order and sets *count; the caller frees them
 * with store_docs_free. NULL (and *count 0) only on error. */
store_doc_t **store_doc_list(store_t *store, int job_id, size_t *count)
{
  return (store_doc_t **)store_read_all(store, SQL_DOC_LIST, job_id, store_row_doc,
                                        store_drop_doc, count, "list documents");
}

/* Returns every document path in the store (sorted) and sets *count; the caller frees them
 * with store_strings_free. NULL (and *count 0) only on error, so spool recovery can tell a
 * failed read from an empty store. */
char **store_doc_paths(store_t *store, size_t *count)
{
  return (char **)store_read_all(store, SQL_DOC_PATHS, 0, store_row_string, store_drop_string,
                                 count, "list document paths");
}

/* ---- freeing ------------------------------------------------------------------------------ */

/* The *_free functions release what the store returned; all accept NULL. */
void store_job_free(store_job_t *job)
{
  if (!job)
    return;
  free(job->queue);
  free(job->owner);
  free(job->name);
  free(job->uuid);
  free(job->state_reasons);
  free(job->state_message);
  free(job->hold_until);
  free(job->attrs);
  free(job->thumbnail);
  free(job);
}

void store_jobs_free(store_job_t **jobs, size_t count)
{
  for (size_t i = 0; jobs && i < count; i++)
    store_job_free(jobs[i]);
  free(jobs);
}

void store_doc_free(store_doc_t *doc)
{
  if (!doc)
    return;
  free(doc->name);
  free(doc->format);
  free(doc->path);
  free(doc->sha256);
  free(doc);
}

void store_docs_free(store_doc_t **docs, size_t count)
{
  for (size_t i = 0; docs && i < count; i++)
    store_doc_free(docs[i]);
  free(docs);
}

void store_queue_free(store_queue_t *queue)
{
  if (!queue)
    return;
  free(queue->name);
  free(queue->uuid);
  free(queue);
}

void store_queues_free(store_queue_t **queues, size_t count)
{
  for (size_t i = 0; queues && i < count; i++)
    store_queue_free(queues[i]);
  free(queues);
}

void store_strings_free(char **strings, size_t count)
{
  for (size_t i = 0; strings && i < count; i++)
    free(strings[i]);
  free(strings);
}

