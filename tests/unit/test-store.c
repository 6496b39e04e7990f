/*
 * test-store.c: unit tests of the SQLite store (core/store.h) in a fresh temporary directory:
 * schema, queues, jobs, documents, listings, users, the pre-commit hook, savepoint isolation
 * inside one batch, group commit under 16 concurrent writers, and reopening.
 */
#include "../../core/log.h"
#include "../../core/store-private.h"
#include "../../core/store-users.h"
#include "../../core/util.h"
#include "test.h"

#include <dirent.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NTHREADS 16
#define NPERTHREAD 50

static const unsigned char attrs_blob[] = {0x01, 0x00, 0x47, 0xff, 0x00, 0x12, 0x7f, 0x80};

/* ---- helpers ------------------------------------------------------------------------------ */

/* A job row with every field set; strings point at literals (the store copies nothing it
 * keeps). */
static store_job_t make_job(const char *queue, const char *owner, const char *name, int state)
{
  store_job_t j = {
    .queue = (char *)queue, .owner = (char *)owner, .name = (char *)name,
    .uuid = (char *)"urn:uuid:12345678-1234-4234-8234-123456789abc", .state = state,
    .state_reasons = (char *)"job-hold-until-specified", .state_message = (char *)"held",
    .hold_until = (char *)"indefinite", .closed = false, .created = 1700000000,
    .processed = 0, .completed = 0, .impressions = 3, .k_octets = 12345,
    .attrs = (unsigned char *)attrs_blob, .attrs_len = sizeof(attrs_blob)};
  return j;
}

static store_doc_t make_doc(const char *path)
{
  store_doc_t d = {.name = (char *)"report.pdf", .format = (char *)"application/pdf",
                   .path = (char *)path,
                   .sha256 = (char *)"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                   .size = 4096, .created = 1700000100};
  return d;
}

/* Counts listing results for a filter. */
static size_t list_count(store_t *s, store_job_filter_t f)
{
  size_t n = 0;
  store_job_t **jobs = store_job_list(s, &f, &n);
  CHECK(jobs != NULL);
  store_jobs_free(jobs, n);
  return n;
}

static bool has_string(char **v, size_t n, const char *s)
{
  for (size_t i = 0; i < n; i++)
    if (!strcmp(v[i], s))
      return true;
  return false;
}

/* Removes the test directory and its files (one level). */
static void remove_dir(const char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    char *p = util_printf("%s/%s", dir, e->d_name);
    unlink(p);
    free(p);
  }
  if (d)
    closedir(d);
  rmdir(dir);
}

/* ---- pre-commit hook ---------------------------------------------------------------------- */

static atomic_int hook_calls;
static atomic_bool hook_result = true;
static atomic_bool hook_stall;       /* next call waits until hook_release */
static atomic_bool hook_entered, hook_release, hook_bad_data;

static bool test_hook(void *data)
{
  if (data != (void *)&hook_calls)
    hook_bad_data = true;
  hook_calls++;
  if (hook_stall) {
    hook_stall = false;
    hook_entered = true;
    while (!hook_release)
      usleep(1000);
  }
  return hook_result;
}

/* ---- threads ------------------------------------------------------------------------------ */

typedef struct insert_arg_s {
  store_t *store;
  int index;
  int ids[NPERTHREAD];
  bool ok;
  const char *path;       /* for single inserts: document path or NULL */
  const char *name;
} insert_arg_t;

/* Inserts NPERTHREAD jobs, every fifth one with a document. */
static void *insert_many(void *p)
{
  insert_arg_t *a = p;
  a->ok = true;
  for (int i = 0; i < NPERTHREAD; i++) {
    char name[64], path[64];
    snprintf(name, sizeof(name), "t%d-%d", a->index, i);
    snprintf(path, sizeof(path), "conc-%d-%d.pdf", a->index, i);
    store_job_t j = make_job("office", "bob", name, 4);
    store_doc_t d = make_doc(path);
    if (!store_job_insert(a->store, &j, i % 5 == 0 ? &d : NULL))
      a->ok = false;
    a->ids[i] = j.id;
  }
  return NULL;
}

/* Inserts one job named a->name, with a document at a->path if set. */
static void *insert_one(void *p)
{
  insert_arg_t *a = p;
  store_job_t j = make_job("office", "carol", a->name, 4);
  store_doc_t d = make_doc(a->path ? a->path : "");
  a->ok = store_job_insert(a->store, &j, a->path ? &d : NULL);
  a->ids[0] = j.id;
  return NULL;
}

static int cmp_int(const void *a, const void *b)
{
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* ---- tests -------------------------------------------------------------------------------- */

static char *office_uuid;
static int job1, job2;

static void test_queues(store_t *s)
{
  store_queue_t *q = store_queue_ensure(s, "office");
  CHECK(q != NULL);
  if (!q)
    return;
  CHECK_STR(q->name, "office");
  CHECK(q->uuid && !strncmp(q->uuid, "urn:uuid:", 9) && strlen(q->uuid) == 45);
  CHECK(q->created > 0);
  office_uuid = util_strdup(q->uuid);
  store_queue_free(q);

  q = store_queue_ensure(s, "office");
  CHECK(q && !strcmp(q->uuid, office_uuid));
  store_queue_free(q);
  q = store_queue_ensure(s, "lab");
  CHECK(q && strcmp(q->uuid, office_uuid));
  store_queue_free(q);
  CHECK(store_queue_ensure(s, NULL) == NULL);

  size_t n = 0;
  store_queue_t **qs = store_queue_list(s, &n);
  CHECK(qs && n == 2);
  if (qs && n == 2) {
    CHECK_STR(qs[0]->name, "lab");
    CHECK_STR(qs[1]->name, "office");
    CHECK_STR(qs[1]->uuid, office_uuid);
  }
  store_queues_free(qs, n);
  store_queue_free(NULL);
  store_queues_free(NULL, 0);
}

static void test_jobs(store_t *s)
{
  /* without a document */
  store_job_t j = make_job("office", "alice", "no-doc", 4);
  CHECK(store_job_insert(s, &j, NULL));
  CHECK(j.id > 0);
  job1 = j.id;

  store_job_t *g = store_job_get(s, job1);
  CHECK(g != NULL);
  if (g) {
    CHECK(g->id == job1);
    CHECK_STR(g->queue, "office");
    CHECK_STR(g->owner, "alice");
    CHECK_STR(g->name, "no-doc");
    CHECK_STR(g->uuid, j.uuid);
    CHECK(g->state == 4);
    CHECK_STR(g->state_reasons, "job-hold-until-specified");
    CHECK_STR(g->state_message, "held");
    CHECK_STR(g->hold_until, "indefinite");
    CHECK(g->num_docs == 0);
    CHECK(!g->closed);
    CHECK(g->created == 1700000000);
    CHECK(g->processed == 0 && g->completed == 0);
    CHECK(g->impressions == 3);
    CHECK(g->k_octets == 12345);
    CHECK(g->attrs_len == sizeof(attrs_blob) && g->attrs &&
          !memcmp(g->attrs, attrs_blob, sizeof(attrs_blob)));
  }
  store_job_free(g);
  CHECK(store_job_get(s, 999999) == NULL);

  /* NULLs round-trip as NULLs */
  store_job_t bare = {.queue = (char *)"lab", .owner = (char *)"dave", .state = 3};
  CHECK(store_job_insert(s, &bare, NULL));
  g = store_job_get(s, bare.id);
  CHECK(g && !g->name && !g->uuid && !g->state_message && !g->attrs && g->attrs_len == 0 &&
        g->created > 0);
  store_job_free(g);
  CHECK(store_job_set_state(s, bare.id, 9, "job-completed-successfully", NULL, true, 0,
                            1700000900));

  /* a required field missing fails (NOT NULL) */
  store_job_t noqueue = {.owner = (char *)"dave", .state = 3};
  fprintf(stderr, "(an expected NOT NULL error follows)\n");
  CHECK(!store_job_insert(s, &noqueue, NULL));

  /* with a document; number 0 lets the store number it */
  j = make_job("office", "bob", "with-doc", 4);
  j.closed = true;
  store_doc_t d = make_doc("aaaa.pdf");
  CHECK(store_job_insert(s, &j, &d));
  job2 = j.id;
  CHECK(job2 > job1 && d.job_id == job2 && d.number == 1);
  g = store_job_get(s, job2);
  CHECK(g && g->num_docs == 1 && g->closed);
  store_job_free(g);

  size_t n = 0;
  store_doc_t **docs = store_doc_list(s, job2, &n);
  CHECK(docs && n == 1);
  if (docs && n == 1) {
    CHECK(docs[0]->job_id == job2 && docs[0]->number == 1);
    CHECK_STR(docs[0]->name, "report.pdf");
    CHECK_STR(docs[0]->format, "application/pdf");
    CHECK_STR(docs[0]->path, "aaaa.pdf");
    CHECK_STR(docs[0]->sha256, d.sha256);
    CHECK(docs[0]->size == 4096 && docs[0]->created == 1700000100);
  }
  store_docs_free(docs, n);

  /* add_document: to the job without documents, then a second one to job2 */
  d = make_doc("bbbb.pdf");
  CHECK(store_job_add_document(s, job1, &d, 4, "job-incoming,job-hold-until-specified", false));
  CHECK(d.job_id == job1 && d.number == 1);
  d = make_doc("cccc.pdf");
  d.name = NULL;
  CHECK(store_job_add_document(s, job2, &d, 5, "job-printing", true));
  CHECK(d.number == 2);
  d = make_doc("dddd.pdf");
  d.number = 7;
  CHECK(store_job_add_document(s, job2, &d, 5, "job-printing", true));
  CHECK(d.number == 7);
  g = store_job_get(s, job2);
  CHECK(g && g->num_docs == 3 && g->state == 5 && g->closed);
  CHECK(g && !strcmp(g->state_reasons, "job-printing"));
  store_job_free(g);
  g = store_job_get(s, job1);
  CHECK(g && g->num_docs == 1 && !g->closed);
  CHECK(g && !strcmp(g->state_reasons, "job-incoming,job-hold-until-specified"));
  store_job_free(g);
  docs = store_doc_list(s, job2, &n);
  CHECK(docs && n == 3 && docs[1]->number == 2 && !docs[1]->name && docs[2]->number == 7);
  store_docs_free(docs, n);
  docs = store_doc_list(s, 999999, &n);
  CHECK(docs && n == 0);
  store_docs_free(docs, n);

  d = make_doc("eeee.pdf");
  CHECK(!store_job_add_document(s, 999999, &d, 4, "none", false));
  CHECK(!store_job_add_document(s, job1, NULL, 4, "none", false));
  d = make_doc("aaaa.pdf");
  fprintf(stderr, "(an expected UNIQUE error follows)\n");
  CHECK(!store_job_add_document(s, job1, &d, 9, "none", false));
  g = store_job_get(s, job1);
  CHECK(g && g->state == 4 && g->num_docs == 1);   /* the failed op changed nothing */
  store_job_free(g);

  /* set_state: a 0 time keeps the stored one */
  CHECK(store_job_set_state(s, job1, 5, "job-printing", "Printing", false, 1700000500, 0));
  CHECK(store_job_set_state(s, job1, 9, "job-completed-successfully", NULL, true, 0,
                            1700000600));
  g = store_job_get(s, job1);
  CHECK(g && g->state == 9 && g->closed && g->processed == 1700000500 &&
        g->completed == 1700000600 && !g->state_message);
  CHECK(g && !strcmp(g->state_reasons, "job-completed-successfully"));
  store_job_free(g);
  CHECK(!store_job_set_state(s, 999999, 9, "x", NULL, true, 0, 0));
}

static void test_lists(store_t *s)
{
  /* jobs so far: job1 office/alice 9, bare lab/dave 9, job2 office/bob 5 */
  store_job_t j = make_job("lab", "alice", "lab-held", 4);
  CHECK(store_job_insert(s, &j, NULL));
  int lab_held = j.id;
  j = make_job("office", "alice", "office-pending", 3);
  CHECK(store_job_insert(s, &j, NULL));
  int office_pending = j.id;
  j = make_job("office", "bob", "office-aborted", 8);
  CHECK(store_job_insert(s, &j, NULL));

  CHECK(list_count(s, (store_job_filter_t){.which = STORE_WHICH_ALL}) == 6);
  CHECK(list_count(s, (store_job_filter_t){.which = STORE_WHICH_NOT_COMPLETED}) == 3);
  CHECK(list_count(s, (store_job_filter_t){.which = STORE_WHICH_COMPLETED}) == 3);
  CHECK(list_count(s, (store_job_filter_t){.which = STORE_WHICH_ALL, .owner = "alice"}) == 3);
  CHECK(list_count(s, (store_job_filter_t){.which = STORE_WHICH_NOT_COMPLETED,
                                           .owner = "alice"}) == 2);
  CHECK(list_count(s, (store_job_filter_t){.which = STORE_WHICH_ALL, .queue = "lab"}) == 2);
  CHECK(list_count(s, (store_job_filter_t){.which = STORE_WHICH_COMPLETED, .queue = "office",
                                           .owner = "bob"}) == 1);
  CHECK(list_count(s, (store_job_filter_t){.which = STORE_WHICH_ALL, .state = 9}) == 2);
  CHECK(list_count(s, (store_job_filter_t){.which = STORE_WHICH_NOT_COMPLETED, .state = 9}) == 0);
  CHECK(list_count(s, (store_job_filter_t){.which = STORE_WHICH_ALL, .owner = "nobody"}) == 0);
  CHECK(list_count(s, (store_job_filter_t){.which = STORE_WHICH_ALL, .limit = 4}) == 4);

  size_t n = 0;
  store_job_filter_t f = {.which = STORE_WHICH_ALL, .limit = 2, .newest_first = true};
  store_job_t **jobs = store_job_list(s, &f, &n);
  CHECK(jobs && n == 2 && jobs[0]->id > jobs[1]->id && jobs[1]->id == office_pending);
  store_jobs_free(jobs, n);
  f = (store_job_filter_t){.which = STORE_WHICH_NOT_COMPLETED, .queue = "office"};
  jobs = store_job_list(s, &f, &n);
  CHECK(jobs && n == 2 && jobs[0]->id == job2 && jobs[1]->id == office_pending);
  CHECK(jobs && n == 2 && jobs[0]->num_docs == 3 && jobs[1]->num_docs == 0);
  CHECK(jobs && n == 2 && jobs[0]->attrs_len == sizeof(attrs_blob));
  store_jobs_free(jobs, n);
  jobs = store_job_list(s, NULL, &n);
  CHECK(jobs && n == 6 && jobs[0]->id == job1);
  store_jobs_free(jobs, n);
  store_jobs_free(NULL, 0);

  CHECK(store_job_count_active(s, NULL) == 3);
  CHECK(store_job_count_active(s, "office") == 2);
  CHECK(store_job_count_active(s, "lab") == 1);
  CHECK(store_job_count_active(s, "none") == 0);
  (void)lab_held;

  char **paths = store_doc_paths(s, &n);
  CHECK(paths && n == 4);
  if (paths && n == 4) {
    CHECK_STR(paths[0], "aaaa.pdf");
    CHECK_STR(paths[1], "bbbb.pdf");
    CHECK_STR(paths[2], "cccc.pdf");
    CHECK_STR(paths[3], "dddd.pdf");
  }
  store_strings_free(paths, n);
}

static void test_delete(store_t *s)
{
  size_t n = 99;
  char **paths = store_job_delete(s, job2, &n);
  CHECK(paths && n == 3);
  if (paths && n == 3) {
    CHECK_STR(paths[0], "aaaa.pdf");
    CHECK_STR(paths[1], "cccc.pdf");
    CHECK_STR(paths[2], "dddd.pdf");
  }
  store_strings_free(paths, n);
  CHECK(store_job_get(s, job2) == NULL);
  size_t nd = 0;
  store_doc_t **docs = store_doc_list(s, job2, &nd);
  CHECK(docs && nd == 0);
  store_docs_free(docs, nd);
  paths = store_doc_paths(s, &n);
  CHECK(paths && n == 1 && !strcmp(paths[0], "bbbb.pdf"));
  store_strings_free(paths, n);

  paths = store_job_delete(s, job2, &n);
  CHECK(paths == NULL && n == 0);

  /* a job without documents: empty array */
  store_job_t j = make_job("lab", "erin", "to-delete", 7);
  CHECK(store_job_insert(s, &j, NULL));
  paths = store_job_delete(s, j.id, &n);
  CHECK(paths != NULL && n == 0);
  store_strings_free(paths, n);
  store_strings_free(NULL, 0);
}

static void test_users(store_t *s)
{
  store_user_t u = {.name = (char *)"alice", .full_name = (char *)"Alice A.",
                    .password_hash = (char *)"$hash$1", .admin = true, .created = 1600000000};
  CHECK(store_user_put(s, &u));
  store_user_t *g = store_user_get(s, "alice");
  CHECK(g && !strcmp(g->name, "alice") && !strcmp(g->full_name, "Alice A.") &&
        !strcmp(g->password_hash, "$hash$1") && g->admin && g->created == 1600000000);
  store_user_free(g);

  u = (store_user_t){.name = (char *)"alice", .full_name = (char *)"Alice B.", .admin = false};
  CHECK(store_user_put(s, &u));
  g = store_user_get(s, "alice");
  CHECK(g && !strcmp(g->full_name, "Alice B.") && !g->password_hash && !g->admin &&
        g->created == 1600000000);
  store_user_free(g);

  u = (store_user_t){.name = (char *)"bob", .password_hash = (char *)"$hash$2"};
  CHECK(store_user_put(s, &u));
  g = store_user_get(s, "bob");
  CHECK(g && !g->full_name && g->created > 0);
  store_user_free(g);
  CHECK(store_user_delete(s, "bob"));
  CHECK(store_user_get(s, "bob") == NULL);
  CHECK(!store_user_delete(s, "bob"));
  CHECK(store_user_get(s, "nobody") == NULL);
  CHECK(!store_user_put(s, NULL));
  store_user_free(NULL);
}

static void test_precommit(store_t *s)
{
  store_set_precommit(s, test_hook, &hook_calls);
  hook_calls = 0;

  store_job_t j = make_job("office", "frank", "hooked", 4);
  store_doc_t d = make_doc("hook-1.pdf");
  CHECK(store_job_insert(s, &j, &d));
  CHECK(hook_calls == 1);
  j = make_job("office", "frank", "no-doc-no-hook", 4);
  CHECK(store_job_insert(s, &j, NULL));
  CHECK(hook_calls == 1);
  int frank_job = j.id;

  /* the hook says no: the whole batch rolls back */
  int before = list_count(s, (store_job_filter_t){.which = STORE_WHICH_ALL});
  hook_result = false;
  j = make_job("office", "frank", "rolled-back", 4);
  d = make_doc("hook-2.pdf");
  fprintf(stderr, "(an expected pre-commit failure follows, twice)\n");
  CHECK(!store_job_insert(s, &j, &d));
  CHECK(hook_calls == 2);
  d = make_doc("hook-3.pdf");
  CHECK(!store_job_add_document(s, frank_job, &d, 4, "x", true));
  CHECK(hook_calls == 3);
  CHECK(list_count(s, (store_job_filter_t){.which = STORE_WHICH_ALL}) == (size_t)before);
  CHECK(list_count(s, (store_job_filter_t){.which = STORE_WHICH_ALL, .owner = "frank"}) == 2);
  size_t n = 0;
  char **paths = store_doc_paths(s, &n);
  CHECK(paths && !has_string(paths, n, "hook-2.pdf") && !has_string(paths, n, "hook-3.pdf") &&
        has_string(paths, n, "hook-1.pdf"));
  store_strings_free(paths, n);
  store_job_t *g = store_job_get(s, frank_job);
  CHECK(g && g->num_docs == 0 && !g->closed);
  store_job_free(g);
  /* a batch without a document does not ask the hook */
  CHECK(store_job_set_state(s, frank_job, 5, "job-printing", NULL, false, 1, 0));
  CHECK(hook_calls == 3);
  hook_result = true;
}

/* One batch holding a failing op and a good one: the savepoint keeps the good one. The first
 * writer stalls in the hook until both others are queued, so they share the next batch. */
static void test_savepoints(store_t *s)
{
  insert_arg_t a = {.store = s, .name = "stall", .path = "sp-1.pdf"};
  insert_arg_t bad = {.store = s, .name = "sp-bad", .path = "sp-1.pdf"};   /* duplicate path */
  insert_arg_t good = {.store = s, .name = "sp-good"};
  pthread_t ta, tb, tg;

  hook_entered = hook_release = false;
  hook_stall = true;
  pthread_create(&ta, NULL, insert_one, &a);
  while (!hook_entered)
    usleep(1000);
  uint64_t commits = store_stats(s).commits, batches = store_stats(s).batches;
  pthread_create(&tb, NULL, insert_one, &bad);
  pthread_create(&tg, NULL, insert_one, &good);
  for (int i = 0; i < 5000 && store_stats(s).pending < 2; i++)
    usleep(1000);
  CHECK(store_stats(s).pending == 2);
  fprintf(stderr, "(an expected UNIQUE error follows)\n");
  hook_release = true;
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  pthread_join(tg, NULL);
  CHECK(a.ok && !bad.ok && good.ok);
  CHECK(store_stats(s).batches == batches + 2 && store_stats(s).commits == commits + 2);
  CHECK(list_count(s, (store_job_filter_t){.which = STORE_WHICH_ALL, .owner = "carol"}) == 2);
  store_job_t *g = store_job_get(s, good.ids[0]);
  CHECK(g && !strcmp(g->name, "sp-good"));
  store_job_free(g);
}

static void test_concurrency(store_t *s)
{
  static insert_arg_t args[NTHREADS];
  static int ids[NTHREADS * NPERTHREAD];
  pthread_t th[NTHREADS];
  uint64_t commits = store_stats(s).commits, ops = store_stats(s).ops;
  int before = list_count(s, (store_job_filter_t){.which = STORE_WHICH_ALL});
  double t0 = util_now();

  for (int i = 0; i < NTHREADS; i++) {
    args[i] = (insert_arg_t){.store = s, .index = i};
    CHECK(pthread_create(&th[i], NULL, insert_many, &args[i]) == 0);
  }
  for (int i = 0; i < NTHREADS; i++) {
    pthread_join(th[i], NULL);
    CHECK(args[i].ok);
    memcpy(ids + i * NPERTHREAD, args[i].ids, sizeof(args[i].ids));
  }
  double elapsed = util_now() - t0;
  uint64_t dc = store_stats(s).commits - commits, dops = store_stats(s).ops - ops;

  qsort(ids, NTHREADS * NPERTHREAD, sizeof(int), cmp_int);
  int distinct = ids[0] > 0, present = 0;
  for (int i = 1; i < NTHREADS * NPERTHREAD; i++)
    distinct += ids[i] > ids[i - 1];
  for (int i = 0; i < NTHREADS * NPERTHREAD; i++) {
    store_job_t *g = store_job_get(s, ids[i]);
    present += g && !strcmp(g->owner, "bob") && g->name[0] == 't';
    store_job_free(g);
  }
  CHECK(distinct == NTHREADS * NPERTHREAD);
  CHECK(present == NTHREADS * NPERTHREAD);
  CHECK(dops == NTHREADS * NPERTHREAD);
  CHECK(list_count(s, (store_job_filter_t){.which = STORE_WHICH_ALL}) ==
        (size_t)before + NTHREADS * NPERTHREAD);
  printf("group commit: %d threads x %d inserts = %llu writes in %llu commits "
         "(%.1f writes/commit, %.3f s, %.0f writes/s)\n",
         NTHREADS, NPERTHREAD, (unsigned long long)dops, (unsigned long long)dc,
         dc ? (double)dops / (double)dc : 0.0, elapsed, elapsed > 0 ? (double)dops / elapsed : 0);
}

/* True if `id` is among the jobs waiting for analysis. */
static bool to_analyse(store_t *s, int id)
{
  size_t n = 0;
  int *ids = store_jobs_to_analyse(s, &n);
  bool found = false;
  for (size_t i = 0; i < n; i++)
    found |= ids[i] == id;
  free(ids);
  return found;
}

/* Analysis results: complete held jobs wait for it, attempts count, results read back. */
static void test_analysis(store_t *s)
{
  store_job_t open_job = make_job("lab", "hana", "incoming", 4);
  store_job_t held = make_job("lab", "hana", "held", 4);
  store_doc_t d = make_doc("analysis-1.pdf");

  held.closed = true;
  CHECK(store_job_insert(s, &open_job, NULL) && store_job_insert(s, &held, &d));
  CHECK(!to_analyse(s, open_job.id));  /* documents may still come */
  CHECK(to_analyse(s, held.id));
  CHECK(store_job_analysis_attempt(s, held.id) && store_job_analysis_attempt(s, held.id));
  store_job_t *g = store_job_get(s, held.id);
  CHECK(g && g->analysis == STORE_ANALYSIS_PENDING && g->analysis_attempts == 2 && g->pages == 0);
  store_job_free(g);
  CHECK(store_job_analysis_detail(s, held.id) == NULL);

  store_analysis_t a = {.state = STORE_ANALYSIS_DONE, .pages = 7, .sheets = 4, .color_pages = 2,
                        .impressions = 14, .thumbnail = "/tmp/t.jpg", .detail = "[{\"pages\":7}]"};
  CHECK(store_job_set_analysis(s, held.id, &a));
  CHECK(!to_analyse(s, held.id));
  g = store_job_get(s, held.id);
  CHECK(g && g->analysis == STORE_ANALYSIS_DONE && g->pages == 7 && g->sheets == 4 &&
        g->color_pages == 2 && g->impressions == 14 && g->thumbnail &&
        !strcmp(g->thumbnail, "/tmp/t.jpg"));
  store_job_free(g);
  char *detail = store_job_analysis_detail(s, held.id);
  CHECK_STR(detail, "[{\"pages\":7}]");
  free(detail);
  CHECK(!store_job_set_analysis(s, 999999, &a));  /* no such job */
}

/* After close + reopen everything is still there. */
static void test_reopen(const char *path)
{
  char *err = NULL;
  store_t *s = store_open(path, &err);
  CHECK(s != NULL && err == NULL);
  free(err);
  if (!s)
    return;
  CHECK(store_schema_version(s) == 2);
  store_queue_t *q = store_queue_ensure(s, "office");
  CHECK(q && office_uuid && !strcmp(q->uuid, office_uuid));
  store_queue_free(q);
  size_t n = 0;
  store_queue_t **qs = store_queue_list(s, &n);
  CHECK(n == 2);
  store_queues_free(qs, n);
  store_job_t *g = store_job_get(s, job1);
  CHECK(g && g->state == 9 && g->num_docs == 1 && g->completed == 1700000600 &&
        g->attrs_len == sizeof(attrs_blob) && !memcmp(g->attrs, attrs_blob, g->attrs_len));
  store_job_free(g);
  CHECK(store_job_get(s, job2) == NULL);
  CHECK(list_count(s, (store_job_filter_t){.which = STORE_WHICH_ALL}) ==
        11 + NTHREADS * NPERTHREAD);  /* 5 after test_delete, 2 hook, 2 savepoints, 2 analysis */
  store_user_t *u = store_user_get(s, "alice");
  CHECK(u && !strcmp(u->full_name, "Alice B."));
  store_user_free(u);
  /* ids keep growing after a reopen (AUTOINCREMENT) */
  store_job_t j = make_job("lab", "gina", "after-reopen", 3);
  CHECK(store_job_insert(s, &j, NULL) && j.id > job2);
  store_close(s);
}

/* The users area: groups, lockout counters, credentials (unique lookups, cascade on delete). */
static void test_users_area(store_t *s)
{
  store_user_t u = {.name = (char *)"carol", .email = (char *)"carol@example.com",
                    .groups = (char *)"staff, finance,staff", .restricted = true};
  CHECK(store_user_put(s, &u));
  store_user_t *g = store_user_get(s, "carol");
  CHECK(g && g->restricted && !strcmp(g->email, "carol@example.com"));
  CHECK_STR(g ? g->groups : NULL, "finance,staff");
  store_user_free(g);
  size_t n = 0;
  char **members = store_group_members(s, "staff", &n);
  CHECK(members && n == 1 && !strcmp(members[0], "carol"));
  store_strings_free(members, n);

  int failures = 0;
  time_t until = 0;
  CHECK(store_user_login_result(s, "carol", false, 3, 60, &failures, &until));
  CHECK(failures == 1 && until == 0);
  CHECK(store_user_login_result(s, "carol", false, 3, 60, &failures, &until));
  CHECK(store_user_login_result(s, "carol", false, 3, 60, &failures, &until));
  CHECK(failures == 3 && until > time(NULL) + 50);
  CHECK(store_user_login_result(s, "carol", false, 3, 0, &failures, &until));
  CHECK(failures == 4 && until == -1);
  CHECK(store_user_put(s, &u)); /* a profile update keeps the lock */
  g = store_user_get(s, "carol");
  CHECK(g && g->failed_logins == 4 && g->locked_until == -1);
  store_user_free(g);
  CHECK(store_user_unlock(s, "carol"));
  CHECK(store_user_login_result(s, "carol", true, 3, 60, &failures, &until));
  g = store_user_get(s, "carol");
  CHECK(g && g->failed_logins == 0 && g->locked_until == 0 && g->last_login > 0);
  store_user_free(g);
  CHECK(!store_user_login_result(s, "nobody", false, 3, 60, &failures, &until));
  CHECK(!store_user_unlock(s, "nobody"));

  CHECK(store_cred_add(s, "carol", STORE_CRED_PIN, "lk1", "h1") == STORE_CRED_ADDED);
  CHECK(store_cred_add(s, "carol", STORE_CRED_CARD, "lk2", "h2") == STORE_CRED_ADDED);
  CHECK(store_cred_add(s, "carol", STORE_CRED_PIN, "lk1", "h3") == STORE_CRED_DUPLICATE);
  CHECK(store_cred_add(s, "nobody", STORE_CRED_PIN, "lk9", "h9") == STORE_CRED_NO_USER);
  store_cred_t *c = store_cred_find(s, "lk2");
  CHECK(c && !strcmp(c->user, "carol") && c->kind == STORE_CRED_CARD && !strcmp(c->hash, "h2"));
  store_cred_free(c);
  CHECK(store_cred_find(s, "nope") == NULL);
  CHECK(store_cred_count(s, "carol", STORE_CRED_PIN) == 1);
  int removed = 0;
  CHECK(store_cred_clear(s, "carol", STORE_CRED_PIN, &removed) && removed == 1);
  CHECK(store_cred_count(s, "carol", STORE_CRED_PIN) == 0);
  CHECK(store_user_delete(s, "carol"));
  CHECK(store_cred_find(s, "lk2") == NULL); /* credentials go with their user */
  members = store_group_members(s, "staff", &n);
  CHECK(members && n == 0);
  store_strings_free(members, n);
  store_user_t **all = store_user_list(s, &n);
  CHECK(all != NULL);
  store_users_free(all, n);
}

int main(void)
{
  const char *tmp = getenv("TMPDIR");
  char *dir = util_printf("%s/quire-test-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  char *err = NULL;

  log_init("test-store", LOG_WARNING, false);
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  char *path = util_printf("%s/quire.db", dir);

  store_t *s = store_open(path, &err);
  CHECK(s != NULL && err == NULL);
  if (!s) {
    fprintf(stderr, "store_open: %s\n", err ? err : "?");
    free(err);
    return test_summary();
  }
  CHECK(store_schema_version(s) == 2);
  test_queues(s);
  test_jobs(s);
  test_lists(s);
  test_delete(s);
  test_users(s);
  test_users_area(s);
  test_precommit(s);
  test_savepoints(s);
  test_analysis(s);
  store_set_precommit(s, test_hook, &hook_calls);
  test_concurrency(s);
  store_close(s);
  store_close(NULL);

  test_reopen(path);
  CHECK(!hook_bad_data);

  /* a database from a newer quire is refused, not touched */
  sqlite3 *db = NULL;
  CHECK(sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_exec(db, "INSERT INTO schema_version VALUES (99, 0)", NULL, NULL, NULL) ==
          SQLITE_OK);
  sqlite3_close(db);
  s = store_open(path, &err);
  CHECK(s == NULL && err && strstr(err, "newer"));
  free(err);
  err = NULL;

  /* a directory that cannot hold a database */
  char *bad = util_printf("%s/missing/quire.db", dir);
  s = store_open(bad, &err);
  CHECK(s == NULL && err != NULL);
  free(err);
  free(bad);

  remove_dir(dir);
  free(path);
  free(dir);
  free(office_uuid);
  return test_summary();
}
