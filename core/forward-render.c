/*
 * forward-render.c: the bytes a delivery sends (see forward-private.h): the spooled documents
 * as they are, or what quire-render makes of them for the device (PWG raster at a resolution
 * and colour space the device takes, or images placed on PDF pages), in DATA/forward/ while
 * they are sent. The renderer runs isolated, with the analyzer's limits (core/render-run.h).
 */
#include "forward-private.h"

#include "job.h"
#include "log.h"
#include "render-run.h"
#include "ticket.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PWG_SYNC_LEN 4   /* "RaS2" at the start of every PWG raster stream */

/* Appends a path to a list. */
static void forward_list_add(char ***list, size_t *n, char *path)
{
  char **v = realloc(*list, (*n + 1) * sizeof(char *));
  if (!v)
    abort();
  v[(*n)++] = path;
  *list = v;
}

void forward_files_clear(forward_files_t *f)
{
  for (size_t i = 0; i < f->ntemps; i++) {
    if (unlink(f->temps[i]) != 0 && errno != ENOENT)
      log_warn("cannot remove %s: %s", f->temps[i], strerror(errno));
    free(f->temps[i]);
  }
  for (size_t i = 0; i < f->count; i++)
    free(f->paths[i]);
  free(f->temps);
  free(f->paths);
  memset(f, 0, sizeof(*f));
}

/* The renderer's arguments for one document (strings kept in `nums`). */
static void forward_render_argv(const forward_step_t *s, const char *in, const char *out,
                                const store_doc_t *doc, const ticket_options_t *o,
                                char *argv[32], char nums[3][16])
{
  const delivery_t *dl = s->dl;
  bool pwg = !strcmp(dl->format, "image/pwg-raster");
  int i = 0;

  snprintf(nums[0], 16, "%d", pwg ? dl->copies : 1);  /* PDF: copies are the device's */
  snprintf(nums[1], 16, "%d", dl->resolution > 0 ? dl->resolution : 300);
  argv[i++] = s->fw->render_command;
  argv[i++] = (char *)in;
  argv[i++] = "-o";
  argv[i++] = (char *)out;
  argv[i++] = "--to";
  argv[i++] = pwg ? "pwg" : "pdf";
  if (doc->format && strcmp(doc->format, "application/octet-stream")) {
    argv[i++] = "--format";
    argv[i++] = doc->format;
  }
  argv[i++] = "--copies";
  argv[i++] = nums[0];
  argv[i++] = "--sides";
  argv[i++] = pwg && dl->sides ? dl->sides : "one-sided";
  argv[i++] = "--color";
  argv[i++] = dl->mono || (dl->raster_type && !strcmp(dl->raster_type, "sgray_8")) ? "sgray"
                                                                                  : "srgb";
  if (pwg) {
    argv[i++] = "--resolution";
    argv[i++] = nums[1];
  }
  if (dl->media && *dl->media) {
    argv[i++] = "--media";
    argv[i++] = dl->media;
  }
  argv[i++] = "--print-scaling";
  argv[i++] = (char *)o->print_scaling;
  argv[i] = NULL;
}

/* Renders one document into `out`; false with s->err (and *give_up if it was refused). */
static bool forward_render_one(forward_step_t *s, const store_doc_t *doc, const char *out,
                               const ticket_options_t *o, bool *give_up)
{
  char *in = spool_path(s->sys->spool, doc->path);
  char *argv[32], nums[3][16];
  render_limits_t lim = {.timeout_seconds = s->set.render_timeout,
                         .cpu_seconds = s->set.render_cpu,
                         .memory_bytes = s->set.render_memory,
                         .file_bytes = s->set.raster_max,
                         .cancel = &s->fw->stopping};
  render_result_t r;

  forward_render_argv(s, in, out, doc, o, argv, nums);
  bool ok = render_run(argv, &lim, &r);
  if (!ok) {
    *give_up = r.outcome == RENDER_REFUSED || r.outcome == RENDER_TIMEOUT ||
               r.outcome == RENDER_CPU_LIMIT;
    snprintf(s->err, sizeof(s->err), "document %d could not be prepared for the printer: %.300s",
             doc->number, r.message[0] ? r.message : "the renderer failed");
    if (unlink(out) != 0 && errno != ENOENT)
      log_warn("cannot remove %s: %s", out, strerror(errno));
  } else {
    log_debug("job %d: document %d rendered for %s in %.2f s", s->dl->job_id, doc->number,
              s->dl->device, r.seconds);
  }
  free(r.out);
  free(in);
  return ok;
}

/* Copies `from` (skipping `skip` bytes) to the end of the open file `fd`. */
static bool forward_append(int fd, const char *from, off_t skip)
{
  char buf[65536];
  int in = open(from, O_RDONLY | O_CLOEXEC);
  bool ok = in >= 0 && lseek(in, skip, SEEK_SET) == skip;
  for (ssize_t n; ok && (n = read(in, buf, sizeof(buf))) != 0;) {
    if (n < 0 && errno == EINTR)
      continue;
    ok = n > 0 && write(fd, buf, (size_t)n) == n;
  }
  if (in >= 0)
    close(in);
  return ok;
}

/* Joins several PWG raster streams into one (for devices that take one document per job). */
static bool forward_join_pwg(forward_step_t *s, forward_files_t *f)
{
  char *out = util_printf("%s/%d.pwg", s->fw->work_dir, s->dl->id);
  int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0;

  for (size_t i = 0; ok && i < f->count; i++)
    ok = forward_append(fd, f->paths[i], i ? PWG_SYNC_LEN : 0);
  if (fd >= 0 && close(fd) != 0)
    ok = false;
  forward_list_add(&f->temps, &f->ntemps, util_strdup(out));
  if (!ok) {
    snprintf(s->err, sizeof(s->err), "cannot write %s: %s", out, strerror(errno));
    free(out);
    return false;
  }
  for (size_t i = 0; i < f->count; i++)
    free(f->paths[i]);
  f->paths[0] = out;
  f->count = 1;
  return true;
}

/* Renders every document; false with s->err. */
static bool forward_render_all(forward_step_t *s, store_doc_t **docs, size_t nd,
                               forward_files_t *f, bool *give_up)
{
  ticket_options_t o;
  bool pwg = !strcmp(s->dl->format, "image/pwg-raster");

  ticket_options(s->job->attrs, s->job->attrs_len, &o);
  forward_progress(s, JOB_PROCESSING, "job-transforming", "Preparing for %s.", s->dl->device);
  for (size_t i = 0; i < nd; i++) {
    char *out = util_printf("%s/%d-%zu.%s", s->fw->work_dir, s->dl->id, i + 1,
                            pwg ? "pwg" : "pdf");
    forward_list_add(&f->temps, &f->ntemps, util_strdup(out));
    if (!forward_render_one(s, docs[i], out, &o, give_up)) {
      free(out);
      return false;
    }
    forward_list_add(&f->paths, &f->count, out);
  }
  if (pwg && nd > 1 && !s->dev->multiple_documents)
    return forward_join_pwg(s, f);
  return true;
}

bool forward_files_prepare(forward_step_t *s, forward_files_t *f, bool *give_up)
{
  size_t nd = 0;
  store_doc_t **docs = store_doc_list(s->sys->store, s->dl->job_id, &nd);
  bool ok = docs != NULL && nd > 0;

  memset(f, 0, sizeof(*f));
  *give_up = docs != NULL && nd == 0;
  if (!ok)
    snprintf(s->err, sizeof(s->err), "%s", docs ? "the job has no documents"
                                                : "cannot read the job's documents");
  else if (s->dl->render)
    ok = forward_render_all(s, docs, nd, f, give_up);
  else
    for (size_t i = 0; i < nd; i++)
      forward_list_add(&f->paths, &f->count, spool_path(s->sys->spool, docs[i]->path));
  store_docs_free(docs, nd);
  if (!ok)
    forward_files_clear(f);
  return ok;
}
