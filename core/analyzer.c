/*
 * analyzer.c: analysis of held jobs by isolated renderer processes (see analyzer.h).
 */
#include "analyzer.h"

#include "forward.h"
#include "job.h"
#include "log.h"
#include "render-run.h"
#include "ticket.h"
#include "util.h"

#include <json-glib/json-glib.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct analyzer_s {
  quire_system_t *sys;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  int *queue;                 /* FIFO of job ids */
  size_t len, cap;
  atomic_bool stopping;       /* also read by running renderers' watch loops */
  pthread_t *threads;
  int nthreads;
  char *command;              /* the renderer */
  char *thumb_dir;            /* DATA/thumbnails */
};

/* What one job's documents add up to. */
typedef struct analyzer_sum_s {
  int pages, sheets, color_pages;
  GString *detail;            /* JSON array of the renderer's answers */
} analyzer_sum_t;

/* The renderer path: the configured one, else quire-render next to this executable. */
char *analyzer_command(const quire_config_t *c)
{
  char exe[4096];
  ssize_t n;

  if (c->render_command && *c->render_command)
    return util_strdup(c->render_command);
  if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = '\0';
      return util_printf("%s/quire-render", exe);
    }
  }
  return util_strdup("/usr/lib/quire/quire-render");
}

/* Builds the renderer's argument vector for one document (strings in `bufs`). */
static void analyzer_argv(analyzer_t *an, const char *path, const store_doc_t *doc,
                          const ticket_options_t *o, const char *thumb, char *argv[24],
                          char copies[16])
{
  int i = 0;

  snprintf(copies, 16, "%d", o->copies);
  argv[i++] = an->command;
  argv[i++] = (char *)path;
  argv[i++] = "--info";
  argv[i++] = "--jobs";
  argv[i++] = "1";
  if (doc->format && strcmp(doc->format, "application/octet-stream")) {
    argv[i++] = "--format";
    argv[i++] = doc->format;
  }
  argv[i++] = "--copies";
  argv[i++] = copies;
  argv[i++] = "--sides";
  argv[i++] = (char *)o->sides;
  argv[i++] = "--color";
  argv[i++] = o->monochrome ? "sgray" : "srgb";
  argv[i++] = "--print-scaling";
  argv[i++] = (char *)o->print_scaling;
  if (o->media[0]) {
    argv[i++] = "--media";
    argv[i++] = (char *)o->media;
  }
  if (thumb) {
    argv[i++] = "--thumbnail";
    argv[i++] = (char *)thumb;
  }
  argv[i] = NULL;
}

/* Reads pages, sheets and color_pages from the renderer's JSON; false if it is not valid. */
static bool analyzer_parse(const char *json, analyzer_sum_t *sum)
{
  JsonParser *p = json_parser_new();
  bool ok = false;

  if (json_parser_load_from_data(p, json, -1, NULL) && json_parser_get_root(p) &&
      JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
    JsonObject *o = json_node_get_object(json_parser_get_root(p));
    if (json_object_has_member(o, "pages") && json_object_has_member(o, "sheets") &&
        json_object_has_member(o, "color_pages")) {
      gint64 pages = json_object_get_int_member(o, "pages");
      gint64 sheets = json_object_get_int_member(o, "sheets");
      gint64 color = json_object_get_int_member(o, "color_pages");
      ok = pages >= 0 && sheets >= 0 && color >= 0 && color <= pages && pages < 1000000;
      if (ok) {
        sum->pages += (int)pages;
        sum->sheets += (int)sheets;
        sum->color_pages += (int)color;
        g_string_append(sum->detail, sum->detail->len > 1 ? "," : "");
        g_string_append(sum->detail, json);
      }
    }
  }
  g_object_unref(p);
  return ok;
}

/* The job-state-reasons for a document the renderer rejected (exit 3, 4, 5). */
static const char *analyzer_refusal_reason(int exit_code)
{
  return exit_code == 3 ? "aborted-by-system,unsupported-document-format"
       : exit_code == 4 ? "aborted-by-system,document-format-error"
                        : "aborted-by-system,document-unprintable-error";
}

/* Aborts the job with `reasons` and a message for its owner; records the failed analysis. */
static void analyzer_fail(analyzer_t *an, int job_id, const char *reasons, const char *message)
{
  store_analysis_t a = {.state = STORE_ANALYSIS_FAILED, .detail = message};

  store_job_set_analysis(an->sys->store, job_id, &a);
  if (job_abort(an->sys, job_id, reasons, message) == JOB_OK)
    log_warn("job %d: aborted: %s", job_id, message);
}

/* Handles a renderer run that did not succeed. Returns after deciding the job's fate. */
static void analyzer_failed_run(analyzer_t *an, const store_job_t *job, const store_doc_t *doc,
                                const render_result_t *r)
{
  char *msg = util_printf("Document %d could not be printed: %s.", doc->number,
                          r->message[0] ? r->message : "the renderer failed");
  switch (r->outcome) {
  case RENDER_REFUSED:
    analyzer_fail(an, job->id, analyzer_refusal_reason(r->exit_code), msg);
    break;
  case RENDER_TIMEOUT:
  case RENDER_CPU_LIMIT:
    analyzer_fail(an, job->id, "aborted-by-system,document-unprintable-error", msg);
    break;
  case RENDER_CANCELED:
    break;  /* quired is stopping: the job stays pending for the next start */
  case RENDER_SPAWN_ERROR:
    log_error("job %d: cannot run %s (%s); the job stays held unanalysed", job->id,
              an->command, r->message);
    break;
  default:  /* crashed, or failed in an unexpected way: try again, a few times */
    if (job->analysis_attempts + 1 >= ANALYZER_MAX_ATTEMPTS) {
      free(msg);
      msg = util_printf("Document %d could not be printed: the renderer failed %d times on it "
                        "(last: %s).", doc->number, ANALYZER_MAX_ATTEMPTS,
                        r->message[0] ? r->message : "no message");
      analyzer_fail(an, job->id, "aborted-by-system,document-unprintable-error", msg);
    } else {
      log_warn("job %d: renderer failed on document %d (%s); will retry", job->id,
               doc->number, r->message);
      analyzer_enqueue(an, job->id);
    }
  }
  free(msg);
}

/* Renders every document of the job in turn; false once one fails (the job was handled). */
static bool analyzer_documents(analyzer_t *an, const store_job_t *job, const ticket_options_t *o,
                               const render_limits_t *lim, const char *thumb,
                               analyzer_sum_t *sum)
{
  size_t n = 0;
  store_doc_t **docs = store_doc_list(an->sys->store, job->id, &n);
  bool ok = docs != NULL;

  for (size_t i = 0; ok && i < n; i++) {
    char *path = spool_path(an->sys->spool, docs[i]->path);
    char *argv[24], copies[16];
    render_result_t r;
    analyzer_argv(an, path, docs[i], o, i == 0 ? thumb : NULL, argv, copies);
    if (!render_run(argv, lim, &r)) {
      analyzer_failed_run(an, job, docs[i], &r);
      ok = false;
    } else if (!analyzer_parse(r.out, sum)) {
      r.outcome = RENDER_FAILED;
      snprintf(r.message, sizeof(r.message), "the renderer gave no valid analysis");
      analyzer_failed_run(an, job, docs[i], &r);
      ok = false;
    } else {
      log_debug("job %d: document %d analysed in %.2f s", job->id, docs[i]->number, r.seconds);
    }
    free(r.out);
    free(path);
  }
  store_docs_free(docs, n);
  return ok;
}

/* The options to render with: the ticket, plus the queue's colour policy. */
static void analyzer_options(analyzer_t *an, const store_job_t *job, ticket_options_t *o,
                             render_limits_t *lim)
{
  quire_system_t *sys = an->sys;

  ticket_options(job->attrs, job->attrs_len, o);
  pthread_rwlock_rdlock(&sys->config_lock);
  const quire_queue_config_t *q = config_queue_find(sys->config, job->queue);
  if (q && q->color == QUIRE_COLOR_MONOCHROME)
    o->monochrome = true;
  if (q && !o->media[0] && q->media_default)
    snprintf(o->media, sizeof(o->media), "%s", q->media_default);
  *lim = (render_limits_t){.timeout_seconds = sys->config->render_timeout,
                           .cpu_seconds = sys->config->render_cpu,
                           .memory_bytes = sys->config->render_memory,
                           .file_bytes = 64LL * 1024 * 1024,
                           .cancel = &an->stopping};
  pthread_rwlock_unlock(&sys->config_lock);
}

/* Analyses one job, if it still needs it. */
static void analyzer_job(analyzer_t *an, int job_id)
{
  store_job_t *job = store_job_get(an->sys->store, job_id);
  ticket_options_t o;
  render_limits_t lim;

  if (!job || job->state != JOB_HELD || !job->closed || job->analysis != STORE_ANALYSIS_PENDING) {
    store_job_free(job);
    return;
  }
  if (access(an->command, X_OK) != 0) {  /* logged at start; the job waits for a renderer */
    store_job_free(job);
    return;
  }
  if (!store_job_analysis_attempt(an->sys->store, job_id)) {
    store_job_free(job);
    return;
  }
  analyzer_options(an, job, &o, &lim);
  char *thumb = util_printf("%s/%d.jpg", an->thumb_dir, job_id);
  analyzer_sum_t sum = {.detail = g_string_new("[")};
  if (analyzer_documents(an, job, &o, &lim, thumb, &sum)) {
    g_string_append(sum.detail, "]");
    store_analysis_t a = {.state = STORE_ANALYSIS_DONE, .pages = sum.pages,
                          .sheets = sum.sheets, .color_pages = sum.color_pages,
                          .impressions = sum.pages * o.copies,
                          .thumbnail = access(thumb, R_OK) == 0 ? thumb : NULL,
                          .detail = sum.detail->str};
    if (store_job_set_analysis(an->sys->store, job_id, &a)) {
      log_info("job %d: %d page(s), %d in colour, %d sheet(s)", job_id, sum.pages,
               sum.color_pages, sum.sheets);
      forward_direct(an->sys, job_id);  /* direct queues: to the device now (no hold) */
    }
  }
  g_string_free(sum.detail, TRUE);
  free(thumb);
  store_job_free(job);
}

/* Worker thread: takes jobs from the queue until stopped. */
static void *analyzer_worker(void *arg)
{
  analyzer_t *an = arg;

  pthread_mutex_lock(&an->lock);
  while (!an->stopping) {
    if (!an->len) {
      pthread_cond_wait(&an->wake, &an->lock);
      continue;
    }
    int id = an->queue[0];
    memmove(an->queue, an->queue + 1, --an->len * sizeof(int));
    pthread_mutex_unlock(&an->lock);
    analyzer_job(an, id);
    pthread_mutex_lock(&an->lock);
  }
  pthread_mutex_unlock(&an->lock);
  return NULL;
}

/* Appends `job_id` unless it is queued already (lock held). */
static void analyzer_push(analyzer_t *an, int job_id)
{
  for (size_t i = 0; i < an->len; i++)
    if (an->queue[i] == job_id)
      return;
  if (an->len == an->cap) {
    size_t cap = an->cap ? an->cap * 2 : 64;
    int *q = realloc(an->queue, cap * sizeof(int));
    if (!q)
      abort();
    an->queue = q;
    an->cap = cap;
  }
  an->queue[an->len++] = job_id;
  pthread_cond_signal(&an->wake);
}

void analyzer_enqueue(analyzer_t *an, int job_id)
{
  if (!an)
    return;
  pthread_mutex_lock(&an->lock);
  if (!an->stopping)
    analyzer_push(an, job_id);
  pthread_mutex_unlock(&an->lock);
}

analyzer_t *analyzer_start(quire_system_t *sys)
{
  analyzer_t *an = calloc(1, sizeof(*an));
  size_t n = 0;

  if (!an)
    abort();
  an->sys = sys;
  pthread_mutex_init(&an->lock, NULL);
  pthread_cond_init(&an->wake, NULL);
  pthread_rwlock_rdlock(&sys->config_lock);
  an->command = analyzer_command(sys->config);
  an->thumb_dir = util_printf("%s/thumbnails", sys->config->data_dir);
  int workers = sys->config->render_workers;
  pthread_rwlock_unlock(&sys->config_lock);
  if (!util_mkdir_p(an->thumb_dir))
    log_warn("cannot create %s: no thumbnails", an->thumb_dir);
  if (access(an->command, X_OK) != 0)
    log_error("renderer %s is missing: jobs stay held without page counts", an->command);

  int *ids = store_jobs_to_analyse(sys->store, &n);
  for (size_t i = 0; i < n; i++)
    analyzer_push(an, ids[i]);
  free(ids);
  if (n)
    log_info("analysis: %zu held job(s) left from before the restart", n);
  if (!(an->threads = calloc((size_t)workers, sizeof(pthread_t))))
    abort();
  for (int i = 0; i < workers; i++)
    if (pthread_create(&an->threads[an->nthreads], NULL, analyzer_worker, an) == 0)
      an->nthreads++;
  if (!an->nthreads) {
    log_error("analysis: cannot start a worker thread");
    analyzer_stop(an);
    return NULL;
  }
  return an;
}

void analyzer_stop(analyzer_t *an)
{
  if (!an)
    return;
  pthread_mutex_lock(&an->lock);
  an->stopping = true;
  pthread_cond_broadcast(&an->wake);
  pthread_mutex_unlock(&an->lock);
  for (int i = 0; i < an->nthreads; i++)
    pthread_join(an->threads[i], NULL);
  free(an->threads);
  free(an->queue);
  free(an->command);
  free(an->thumb_dir);
  pthread_cond_destroy(&an->wake);
  pthread_mutex_destroy(&an->lock);
  free(an);
}
