/*
 * store.h: quire's embedded store, the one narrow interface behind which every SQL statement
 * lives.
 *
 * DESIGN
 * The store keeps queues, jobs and documents here; users (store-users.h) and other areas
 * have headers of their own. The SQLite back end (store-sqlite.c) runs
 * in WAL mode with synchronous=FULL. Writes are funnelled through one writer thread that
 * commits every write waiting at that moment in a single transaction ("group commit"): many
 * concurrent Print-Jobs share one fsync of the WAL. A caller of a write function blocks until
 * its write is durable (or failed). Reads use their own connection and never wait for the
 * writer. Document bytes never enter the store: they are files in the spool (core/spool.h);
 * the store keeps their metadata and SHA-256.
 *
 * Every function is thread-safe. Strings passed in are copied; structures returned are owned
 * by the caller and freed with the matching *_free function.
 */
#ifndef QUIRE_STORE_H
#define QUIRE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct store_s store_t;

/* Called by the writer thread once per batch, after the batch's statements ran and before
 * COMMIT; returning false rolls the whole batch back. The spool uses it to fsync its directory
 * once for every document renamed into it by that batch. */
typedef bool (*store_precommit_cb_t)(void *data);

/* One document of a job. */
typedef struct store_doc_s {
  int job_id;          /* set by the store on insert */
  int number;          /* document-number, 1-based */
  char *name;          /* document-name, may be NULL */
  char *format;        /* detected MIME type, e.g. "application/pdf" */
  char *path;          /* file name relative to the spool's document folder */
  char *sha256;        /* lowercase hex, 64 characters */
  int64_t size;        /* bytes on disk (decompressed) */
  time_t created;
} store_doc_t;

/* One job. Strings may be NULL unless noted. */
typedef struct store_job_s {
  int id;                  /* job-id, assigned by store_job_insert */
  char *queue;             /* queue name (required) */
  char *owner;             /* job-originating-user-name (required) */
  char *name;              /* job-name */
  char *uuid;              /* job-uuid, "urn:uuid:..." */
  int state;               /* ipp_jstate_t value (3..9) */
  char *state_reasons;     /* comma-separated keywords, e.g. "job-hold-until-specified" */
  char *state_message;     /* job-state-message, may be NULL */
  char *hold_until;        /* job-hold-until keyword */
  int num_docs;            /* documents received so far (filled on read) */
  bool closed;             /* no more documents will come */
  time_t created;          /* time-at-creation */
  time_t processed;        /* time-at-processing, 0 if never */
  time_t completed;        /* time-at-completed, 0 if not terminal */
  int impressions;         /* job-impressions, 0 when unknown */
  int64_t k_octets;        /* job-k-octets */
  unsigned char *attrs;    /* opaque job template attributes (IPP-encoded by ipp/) */
  size_t attrs_len;
  int analysis;            /* store_analysis_state_t */
  int analysis_attempts;   /* renderer runs started for this job */
  int pages;               /* pages of all documents, one copy (0: not analysed) */
  int sheets;              /* media sheets for the ticket's sides and copies */
  int color_pages;         /* pages with colour, one copy */
  char *thumbnail;         /* JPEG of page 1, NULL if none */
} store_job_t;

/* Where a job's document analysis stands. */
typedef enum store_analysis_state_e {
  STORE_ANALYSIS_PENDING = 0,  /* not analysed yet (or being analysed) */
  STORE_ANALYSIS_DONE = 1,
  STORE_ANALYSIS_FAILED = 2    /* the document could not be rendered; the job was aborted */
} store_analysis_state_t;

/* What rendering found out about a job (core/analyzer.c). */
typedef struct store_analysis_s {
  store_analysis_state_t state;
  int pages, sheets, color_pages;
  int impressions;         /* job-impressions: pages x copies */
  const char *thumbnail;   /* path, may be NULL */
  const char *detail;      /* the renderer's JSON (per-page figures), may be NULL */
} store_analysis_t;

/* Which jobs a listing returns. */
typedef enum store_which_e {
  STORE_WHICH_NOT_COMPLETED,  /* states 3..6 */
  STORE_WHICH_COMPLETED,      /* states 7..9 */
  STORE_WHICH_ALL
} store_which_t;

typedef struct store_job_filter_s {
  const char *queue;       /* NULL: every queue */
  const char *owner;       /* NULL: every owner */
  store_which_t which;
  int state;               /* 0: any state allowed by `which`; else only this state */
  int limit;               /* 0: no limit */
  bool newest_first;       /* completed listings are newest first in IPP */
} store_job_filter_t;

/* A queue row: the stable identity of a queue across restarts. */
typedef struct store_queue_s {
  char *name;
  char *uuid;              /* "urn:uuid:...", generated once, never changed */
  time_t created;
} store_queue_t;

/* Opens (creating and migrating if needed) the store at `path`; NULL and *err (malloc'd, the
 * caller frees) on failure. The caller owns the store and closes it with store_close. */
store_t *store_open(const char *path, char **err);

/* Stops the writer thread after it has committed every pending write, and closes the store. */
void store_close(store_t *store);

/* Registers the pre-commit hook (at most one). */
void store_set_precommit(store_t *store, store_precommit_cb_t cb, void *data);

/* Schema version currently in the database. */
int store_schema_version(store_t *store);

/* Returns the queue row for `name`, creating it (with a new UUID) if missing. Caller frees. */
store_queue_t *store_queue_ensure(store_t *store, const char *name);

/* Lists every queue row, in name order; *count is set. Caller frees with store_queues_free. */
store_queue_t **store_queue_list(store_t *store, size_t *count);

/* Inserts `job` (job->id is set on success) and, if `doc` is not NULL, its first document,
 * in the same transaction. Durable when it returns true. */
bool store_job_insert(store_t *store, store_job_t *job, store_doc_t *doc);

/* Adds a document to an existing job and updates the job's state, reasons and closed flag in
 * the same transaction. Durable when it returns true. */
bool store_job_add_document(store_t *store, int job_id, store_doc_t *doc, int state,
                            const char *state_reasons, bool closed);

/* Updates a job's state, reasons, message, closed flag and times (0 keeps a time unchanged).
 * Returns false if the job does not exist or the write failed. */
bool store_job_set_state(store_t *store, int job_id, int state, const char *state_reasons,
                         const char *state_message, bool closed, time_t processed,
                         time_t completed);

/* Returns the job with `id`, or NULL. Caller frees with store_job_free. */
store_job_t *store_job_get(store_t *store, int id);

/* Lists jobs matching `filter`, ordered by id (ascending, or descending if newest_first).
 * Caller frees with store_jobs_free. */
store_job_t **store_job_list(store_t *store, const store_job_filter_t *filter, size_t *count);

/* Records the analysis of a job (and sets its impressions). False on a store error. */
bool store_job_set_analysis(store_t *store, int job_id, const store_analysis_t *analysis);

/* Counts one more renderer run for the job, durably, before it starts. */
bool store_job_analysis_attempt(store_t *store, int job_id);

/* Ids of complete held jobs not analysed yet, oldest first (malloc'd; *count set). NULL with
 * *count 0 when there are none or on error. */
int *store_jobs_to_analyse(store_t *store, size_t *count);

/* The renderer's JSON stored for the job (malloc'd), NULL if none. */
char *store_job_analysis_detail(store_t *store, int job_id);

/* Counts jobs of `queue` (NULL: all queues) in states 3..6. */
int store_job_count_active(store_t *store, const char *queue);

/* Returns the documents of a job in document-number order. Caller frees with store_docs_free. */
store_doc_t **store_doc_list(store_t *store, int job_id, size_t *count);

/* Every document path in the store (for spool recovery). Caller frees with store_strings_free. */
char **store_doc_paths(store_t *store, size_t *count);

/* Deletes a job, its documents' rows and returns their paths (so the spool can unlink them);
 * used by history expiry. Caller frees with store_strings_free. */
char **store_job_delete(store_t *store, int job_id, size_t *count);

void store_job_free(store_job_t *job);
void store_jobs_free(store_job_t **jobs, size_t count);
void store_doc_free(store_doc_t *doc);
void store_docs_free(store_doc_t **docs, size_t count);
void store_queue_free(store_queue_t *queue);
void store_queues_free(store_queue_t **queues, size_t count);
void store_strings_free(char **strings, size_t count);

#endif
