/*
 * workers.c: the pages of a PDF split across forked worker processes (--jobs).
 *
 * DESIGN
 * Worker j (0 <= j < N) opens the document itself (its own file descriptor, so no shared file
 * offset with the parent) and renders pages j, j + N, j + 2N... For each page it sends to its
 * pipe: DATA records with the encoded PWG page (buffered up to SPILL_AT bytes, so a typical
 * page is rendered and encoded without waiting for the parent), then PAGE_END with the page's
 * analysis; on failure one ERROR record with its exit status and message. The parent reads
 * page p from worker p mod N, in page order, and writes it to the output, so the output is
 * the same as a single process would write. Each worker holds one page (or one band) in
 * memory, like the single-process path. A worker that dies (EOF before PAGE_END) fails the
 * run with 128 + its signal; on any failure the parent kills the remaining workers (by pid)
 * and reaps them all. Workers die with the parent (PR_SET_PDEATHSIG).
 */
#include "render-private.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define SPILL_AT (16u << 20)
#define PIPE_SIZE (1 << 20)
#define COPY_CHUNK (1u << 20)

enum { REC_DATA = 1, REC_PAGE_END, REC_ERROR };

typedef struct record_s {
  uint32_t type;
  uint32_t page;
  uint64_t len;
} record_t;

/* A worker's pipe and the page it is on. */
typedef struct worker_out_s {
  int fd;
  unsigned page;
} worker_out_t;

/* Sends one record. */
static bool send_record(int fd, uint32_t type, unsigned page, const void *data, size_t len)
{
  record_t r = {type, page, len};
  return render_write_all(fd, &r, sizeof(r)) && (!len || render_write_all(fd, data, len));
}

/* Memory stream spill: the encoded bytes so far go out as a DATA record. */
static bool spill(render_out_t *out, render_error_t *err)
{
  worker_out_t *w = out->spill_data;
  if (out->len && !send_record(w->fd, REC_DATA, w->page, out->buf, out->len))
    return render_fail(err, RENDER_EXIT_SYSTEM, "worker: lost the parent");
  out->len = 0;
  return true;
}

/* Renders this worker's pages; returns true when all were sent. */
static bool worker_pages(const render_work_t *w, unsigned j, worker_out_t *wo,
                         render_error_t *err)
{
  render_doc_t *doc = render_doc_open(w->path, w->format, err);
  if (!doc)
    return false;
  doc->scaling = w->opts->scaling;
  render_band_t band = {0};
  render_out_t out;
  render_out_init_mem(&out);
  out.spill = spill;
  out.spill_data = wo;
  out.spill_at = SPILL_AT;
  render_pwg_enc_t *enc = NULL;
  bool ok = render_band_alloc(&band, w->geom, doc->band_bytes, err) &&
            (!w->pwg || (enc = render_pwg_enc_new(w->pwg, &out, err)));
  for (unsigned p = j; ok && p < w->pages; p += w->jobs) {
    render_page_info_t info = {0};
    wo->page = p;
    ok = render_page_raster(doc, p, w->geom, w->opts->scaling, &band, enc, w->opts->gray,
                            w->analyse ? &info : NULL, err) &&
         spill(&out, err) &&
         (send_record(wo->fd, REC_PAGE_END, p, &info, sizeof(info)) ||
          render_fail(err, RENDER_EXIT_SYSTEM, "worker: lost the parent"));
  }
  render_pwg_enc_free(enc);
  render_out_free(&out);
  render_band_free(&band);
  render_doc_close(doc);
  return ok;
}

/* Body of worker j; never returns. */
static void worker_main(const render_work_t *w, unsigned j, int fd, pid_t parent)
{
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
    _exit(RENDER_EXIT_SYSTEM);
  render_error_t err = {0};
  worker_out_t wo = {fd, j};
  if (!worker_pages(w, j, &wo, &err)) {
    send_record(fd, REC_ERROR, wo.page, &err, sizeof(err));
    _exit(err.status ? err.status : RENDER_EXIT_SYSTEM);
  }
  _exit(RENDER_EXIT_OK);
}

/* The parent's view of its workers. */
typedef struct pool_s {
  unsigned n;
  pid_t pid[16];
  int fd[16];
} pool_t;

/* Forks the workers. */
static bool pool_start(pool_t *pool, const render_work_t *w, render_error_t *err)
{
  pid_t parent = getpid();
  fflush(stdout);
  for (unsigned j = 0; j < pool->n; j++) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
      return render_fail(err, RENDER_EXIT_SYSTEM, "cannot start workers: %s", strerror(errno));
    (void)fcntl(p[1], F_SETPIPE_SZ, PIPE_SIZE); /* best effort */
    pid_t pid = fork();
    if (pid < 0) {
      close(p[0]);
      close(p[1]);
      return render_fail(err, RENDER_EXIT_SYSTEM, "cannot start workers: %s", strerror(errno));
    }
    if (pid == 0) {
      close(p[0]);
      for (unsigned k = 0; k < j; k++)
        close(pool->fd[k]);
      worker_main(w, j, p[1], parent);
    }
    close(p[1]);
    pool->pid[j] = pid;
    pool->fd[j] = p[0];
  }
  return true;
}

/* Kills (when failed) and reaps every worker; closes the pipes. */
static void pool_stop(pool_t *pool, bool kill_them)
{
  for (unsigned j = 0; j < pool->n; j++) {
    if (pool->fd[j] >= 0)
      close(pool->fd[j]);
    if (pool->pid[j] > 0 && kill_them)
      kill(pool->pid[j], SIGKILL);
  }
  for (unsigned j = 0; j < pool->n; j++)
    if (pool->pid[j] > 0)
      while (waitpid(pool->pid[j], NULL, 0) < 0 && errno == EINTR)
        ;
}

/* Explains a worker that ended without a record: a crash (128 + signal) or an early exit. */
static bool worker_died(pool_t *pool, unsigned j, unsigned page, render_error_t *err)
{
  int status = 0;
  pid_t pid = pool->pid[j];
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  pool->pid[j] = -1;
  if (WIFSIGNALED(status))
    return render_fail(err, 128 + WTERMSIG(status), "the renderer crashed on page %u (signal %d)",
                       page + 1, WTERMSIG(status));
  return render_fail(err, RENDER_EXIT_SYSTEM, "the renderer stopped on page %u (status %d)",
                     page + 1, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* Copies a DATA payload of len bytes from fd to out. */
static bool copy_payload(int fd, uint64_t len, render_out_t *out, unsigned char *buf,
                         render_error_t *err)
{
  while (len > 0) {
    size_t chunk = len > COPY_CHUNK ? COPY_CHUNK : (size_t)len;
    if (render_read_full(fd, buf, chunk) != (long long)chunk)
      return false;
    if (!out || !render_out_write(out, buf, chunk, err))
      return out ? false : render_fail(err, RENDER_EXIT_SYSTEM, "worker sent data unasked");
    len -= chunk;
  }
  return true;
}

/* Reads page `page` from worker j into out and info. */
static bool read_page(pool_t *pool, unsigned j, unsigned page, render_out_t *out,
                      render_page_info_t *info, unsigned char *buf, render_error_t *err)
{
  for (;;) {
    record_t r;
    if (render_read_full(pool->fd[j], &r, sizeof(r)) != sizeof(r) || r.page != page)
      return worker_died(pool, j, page, err);
    if (r.type == REC_DATA) {
      if (!copy_payload(pool->fd[j], r.len, out, buf, err))
        return err->status ? false : worker_died(pool, j, page, err);
    } else if (r.type == REC_PAGE_END && r.len == sizeof(render_page_info_t)) {
      render_page_info_t pi;
      if (render_read_full(pool->fd[j], &pi, sizeof(pi)) != sizeof(pi))
        return worker_died(pool, j, page, err);
      if (info)
        info[page] = pi;
      return true;
    } else if (r.type == REC_ERROR && r.len == sizeof(render_error_t)) {
      render_error_t we;
      if (render_read_full(pool->fd[j], &we, sizeof(we)) != sizeof(we))
        return worker_died(pool, j, page, err);
      we.message[sizeof(we.message) - 1] = '\0';
      return render_fail(err, we.status ? we.status : RENDER_EXIT_SYSTEM, "%s", we.message);
    } else {
      return worker_died(pool, j, page, err);
    }
  }
}

/* Runs the workers and collects their pages in order. */
bool render_workers_run(const render_work_t *w, render_out_t *out, render_page_info_t *info,
                        render_error_t *err)
{
  pool_t pool = {0};
  pool.n = w->jobs < w->pages ? w->jobs : w->pages;
  if (pool.n > 16)
    pool.n = 16;
  for (unsigned j = 0; j < 16; j++)
    pool.fd[j] = pool.pid[j] = -1;
  render_work_t work = *w;
  work.jobs = pool.n;
  unsigned char *buf = malloc(COPY_CHUNK);
  bool ok = buf ? pool_start(&pool, &work, err)
                : render_fail(err, RENDER_EXIT_SYSTEM, "out of memory");
  for (unsigned p = 0; ok && p < w->pages; p++)
    ok = read_page(&pool, p % pool.n, p, out, info, buf, err);
  pool_stop(&pool, !ok);
  free(buf);
  return ok;
}
