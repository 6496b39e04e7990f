/*
 * pipeline.c: one run of quire-render: detect the format, open the document, write the
 * requested output (PWG raster, PDF or JPEG), analyse pages for --info, write the thumbnail.
 *
 * PWG output is streamed page by page; a PDF of more than one page is split across --jobs
 * forked workers (workers.c). Copies are generated in the stream (collated): the bytes of the
 * first copy are read back from the output file and appended copies-1 times, or the pages are
 * rendered again when the output is not a regular file. Two-sided jobs of an odd page count
 * get a blank page at the end of each copy when there are several copies, so that every copy
 * starts on a new sheet. Any failure removes the partial output files.
 */
#include "render-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define THUMB_QUALITY 80
#define JPEG_QUALITY 90

/* Opens a document of a known format. Caller closes with render_doc_close. */
render_doc_t *render_doc_open(const char *path, render_format_t format, render_error_t *err)
{
  switch (format) {
  case RENDER_FORMAT_PDF:
    return render_pdf_open(path, err);
  case RENDER_FORMAT_JPEG:
    return render_jpeg_open(path, err);
  case RENDER_FORMAT_URF:
  case RENDER_FORMAT_PWG:
    return render_raster_open(path, format, err);
  default:
    render_fail(err, RENDER_EXIT_UNSUPPORTED, "unsupported document format");
    return NULL;
  }
}

/* Closes a document (NULL is fine). */
void render_doc_close(render_doc_t *doc)
{
  if (doc)
    doc->ops->close(doc);
}

/* Copies standard input into an unlinked-on-exit temporary file; returns its path (malloc'd). */
static char *spool_stdin(render_error_t *err)
{
  const char *dir = getenv("TMPDIR");
  char *path = NULL;
  if (asprintf(&path, "%s/quire-render-XXXXXX", dir && *dir ? dir : "/tmp") < 0) {
    render_fail(err, RENDER_EXIT_SYSTEM, "out of memory");
    return NULL;
  }
  int fd = mkstemp(path);
  if (fd < 0) {
    render_fail(err, RENDER_EXIT_SYSTEM, "cannot create a temporary file: %s", strerror(errno));
    free(path);
    return NULL;
  }
  char buf[65536];
  long long n;
  bool ok = true;
  while (ok && (n = render_read_full(STDIN_FILENO, buf, sizeof(buf))) > 0)
    ok = render_write_all(fd, buf, (size_t)n);
  if (close(fd) != 0 || !ok || n < 0) {
    render_fail(err, RENDER_EXIT_SYSTEM, "cannot copy standard input: %s", strerror(errno));
    unlink(path);
    free(path);
    return NULL;
  }
  return path;
}

/* Format from --format, else from the content. */
static render_format_t detect_format(const render_opts_t *o, const char *path,
                                     render_error_t *err)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    render_fail(err, RENDER_EXIT_USAGE, "cannot open %s: %s", o->input, strerror(errno));
    return RENDER_FORMAT_NONE;
  }
  unsigned char head[16];
  long long n = render_read_full(fd, head, sizeof(head));
  close(fd);
  if (n < 0) {
    render_fail(err, RENDER_EXIT_SYSTEM, "cannot read %s: %s", o->input, strerror(errno));
    return RENDER_FORMAT_NONE;
  }
  if (n == 0) {
    render_fail(err, RENDER_EXIT_FORMAT, "the document is empty (0 bytes)");
    return RENDER_FORMAT_NONE;
  }
  render_format_t f = o->format ? render_format_from_mime(o->format)
                                : render_format_sniff(head, (size_t)n);
  if (f == RENDER_FORMAT_NONE && o->format && !strcasecmp(o->format, "application/octet-stream"))
    f = render_format_sniff(head, (size_t)n);
  if (f == RENDER_FORMAT_NONE && o->format && strcasecmp(o->format, "application/octet-stream"))
    render_fail(err, RENDER_EXIT_UNSUPPORTED, "documents of type %s are not supported", o->format);
  else if (f == RENDER_FORMAT_NONE)
    render_fail(err, RENDER_EXIT_UNSUPPORTED,
                "the document is not PDF, JPEG, PWG raster or Apple raster");
  return f;
}

/* Renders every page once into enc (and the analysis when info is given), single process. */
static bool pwg_pages(render_doc_t *doc, const render_opts_t *o, const render_geom_t *g,
                      render_pwg_enc_t *enc, render_page_info_t *info, render_error_t *err)
{
  render_band_t band;
  if (!render_band_alloc(&band, g, doc->band_bytes, err))
    return false;
  bool ok = true;
  for (unsigned i = 0; ok && i < doc->pages; i++)
    ok = render_page_raster(doc, i, g, o->scaling, &band, enc, o->gray, info ? &info[i] : NULL,
                            err);
  render_band_free(&band);
  return ok;
}

/* Appends the bytes [from, from + len) of the output file to its end, `times` times. */
static bool repeat_bytes(int fd, off_t from, off_t len, unsigned times, render_error_t *err)
{
  unsigned char *buf = malloc(1u << 20);
  bool ok = buf || render_fail(err, RENDER_EXIT_SYSTEM, "out of memory");
  for (unsigned t = 0; ok && t < times; t++)
    for (off_t done = 0; ok && done < len;) {
      size_t chunk = len - done > (off_t)(1u << 20) ? 1u << 20 : (size_t)(len - done);
      ssize_t n = pread(fd, buf, chunk, from + done);
      ok = n > 0 && render_write_all(fd, buf, (size_t)n);
      done += n > 0 ? n : 0;
    }
  free(buf);
  return ok || render_fail(err, RENDER_EXIT_SYSTEM, "cannot write the copies: %s", strerror(errno));
}

/* Pages of the first copy: workers for multi-page PDFs, else one process. */
static bool pwg_first_copy(render_doc_t *doc, const char *path, const render_opts_t *o,
                           const render_geom_t *g, const render_pwg_params_t *p,
                           render_pwg_enc_t *enc, render_out_t *out, render_page_info_t *info,
                           render_error_t *err)
{
  if (doc->format == RENDER_FORMAT_PDF && doc->pages > 1 && o->jobs > 1) {
    render_work_t w = {path, doc->format, o, g, p, info != NULL, doc->pages, o->jobs};
    return render_workers_run(&w, out, info, err);
  }
  return pwg_pages(doc, o, g, enc, info, err);
}

/* Writes the PWG raster stream to fd; fills info[] when given. */
static bool write_pwg(render_doc_t *doc, const char *path, const render_opts_t *o, int fd,
                      render_page_info_t *info, render_error_t *err)
{
  render_geom_t g;
  if (!render_geom_init(&g, o->media_w, o->media_h, o->resolution, o->resolution, err))
    return false;
  bool pad = o->sides != RENDER_SIDES_ONE && doc->pages % 2 && o->copies > 1;
  render_pwg_params_t p = {&g, o->gray, o->sides, (doc->pages + pad) * o->copies, o->media,
                           doc->format == RENDER_FORMAT_JPEG ? "photo" : ""};
  render_out_t out;
  if (!render_out_init_fd(&out, fd, err))
    return false;
  out.background = o->jobs > 1; /* --jobs 1: one thread */
  render_pwg_enc_t *enc = render_pwg_enc_new(&p, &out, err);
  bool ok = enc && render_out_write(&out, "RaS2", 4, err) &&
            pwg_first_copy(doc, path, o, &g, &p, enc, &out, info, err) &&
            (!pad || render_pwg_blank_page(enc, err)) && render_out_flush(&out, err);
  struct stat st; /* copies are read back from a regular file open for reading too */
  bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                 (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR;
  if (ok && o->copies > 1 && regular) {
    off_t len = (off_t)out.written - 4;
    ok = repeat_bytes(fd, 4, len, o->copies - 1, err);
  }
  for (unsigned c = 1; ok && c < o->copies && !regular; c++)
    ok = pwg_pages(doc, o, &g, enc, NULL, err) && (!pad || render_pwg_blank_page(enc, err)) &&
         render_out_flush(&out, err);
  render_pwg_enc_free(enc);
  render_out_free(&out);
  return ok;
}

/* Analysis pass for --info when no PWG output was rendered. */
static bool analyse(render_doc_t *doc, const char *path, const render_opts_t *o,
                    render_page_info_t *info, render_error_t *err)
{
  unsigned res = o->resolution_set ? o->resolution : RENDER_INFO_RESOLUTION;
  render_geom_t g;
  if (!render_geom_init(&g, o->media_w, o->media_h, res, res, err))
    return false;
  if (doc->format == RENDER_FORMAT_PDF && doc->pages > 1 && o->jobs > 1) {
    render_work_t w = {path, doc->format, o, &g, NULL, true, doc->pages, o->jobs};
    return render_workers_run(&w, NULL, info, err);
  }
  return pwg_pages(doc, o, &g, NULL, info, err);
}

/* Writes the main output file (-o) into f (created here, closed on success). */
static bool write_output(render_doc_t *doc, const char *path, const render_opts_t *o,
                         render_file_t *f, render_page_info_t *info, bool *analysed,
                         render_error_t *err)
{
  if (!render_file_create(f, o->output, err))
    return false;
  bool ok;
  render_geom_t g;
  switch (o->to) {
  case RENDER_TO_PDF:
    ok = doc->format == RENDER_FORMAT_PDF ? render_copy_file(path, f->fd, err)
                                          : render_pdf_write(doc, o, f->fd, err);
    break;
  case RENDER_TO_JPEG:
    ok = render_geom_init(&g, o->media_w, o->media_h, o->resolution, o->resolution, err) &&
         render_jpeg_write(doc, 0, &g, o->scaling, o->gray, JPEG_QUALITY, f->fd, err);
    break;
  default:
    ok = write_pwg(doc, path, o, f->fd, info, err);
    *analysed = ok && info;
    break;
  }
  return ok && render_file_close(f, err);
}

/* Writes the thumbnail of page 1 into f. */
static bool write_thumbnail(render_doc_t *doc, const render_opts_t *o, render_file_t *f,
                            render_error_t *err)
{
  render_geom_t g;
  render_geom_init_thumb(&g, o->media_w, o->media_h, RENDER_THUMB_SIDE);
  return render_file_create(f, o->thumbnail, err) &&
         render_jpeg_write(doc, 0, &g, o->scaling, o->gray, THUMB_QUALITY, f->fd, err) &&
         render_file_close(f, err);
}

/* Everything after the document is open; on failure every output file is removed. */
static bool run_doc(render_doc_t *doc, const char *path, const render_opts_t *o,
                    render_error_t *err)
{
  render_page_info_t *info = NULL;
  if (o->info && !(info = calloc(doc->pages, sizeof(*info))))
    return render_fail(err, RENDER_EXIT_SYSTEM, "out of memory");
  render_file_t out = {NULL, -1, false}, thumb = {NULL, -1, false};
  bool analysed = false;
  bool ok = (!o->output || write_output(doc, path, o, &out, info, &analysed, err)) &&
            (!o->info || analysed || analyse(doc, path, o, info, err)) &&
            (!o->thumbnail || write_thumbnail(doc, o, &thumb, err)) &&
            (!o->info || render_info_print(stdout, o, doc->format, doc->pages, info, err));
  if (!ok) {
    render_file_discard(&out);
    render_file_discard(&thumb);
  }
  free(info);
  return ok;
}

/* One run; returns the exit status. */
int render_run(const render_opts_t *o, render_error_t *err)
{
  char *tmp = NULL;
  const char *path = o->input;
  if (!strcmp(path, "-")) {
    if (!(tmp = spool_stdin(err)))
      return err->status;
    path = tmp;
  }
  render_format_t format = detect_format(o, path, err);
  render_doc_t *doc = format ? render_doc_open(path, format, err) : NULL;
  bool ok = doc != NULL;
  if (ok) {
    doc->scaling = o->scaling;
    doc->threads = o->jobs;
    ok = run_doc(doc, path, o, err);
  }
  render_doc_close(doc);
  if (tmp) {
    unlink(tmp);
    free(tmp);
  }
  return ok ? RENDER_EXIT_OK : (err->status ? err->status : RENDER_EXIT_SYSTEM);
}
