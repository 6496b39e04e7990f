/*
 * util.c: errors, buffered output streams and output files for quire-render.
 */
#include "render-private.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT_BUFFER (1u << 20) /* fd mode: write in 1 MiB pieces */
#define WRITER_STACK (64u << 10)
#define HUGE_PAGE (2u << 20)
#define HUGE_MIN (4u << 20)   /* buffers from this size on ask for huge pages */

/* Records the first failure (status and a one-line message); returns false. */
bool render_fail(render_error_t *err, int status, const char *fmt, ...)
{
  if (!err || err->status != RENDER_EXIT_OK)
    return false;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof(err->message), fmt, ap);
  va_end(ap);
  for (char *p = err->message; *p; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  err->status = status;
  return false;
}

/* Writes all of buf to fd. */
bool render_write_all(int fd, const void *buf, size_t len)
{
  const unsigned char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    len -= (size_t)n;
  }
  return true;
}

/* Reads up to len bytes, stopping only at end of file; -1 on a read error. */
long long render_read_full(int fd, void *buf, size_t len)
{
  unsigned char *p = buf;
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(fd, p + got, len - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0)
      break;
    got += (size_t)n;
  }
  return (long long)got;
}

/* Starts a thread running fn(arg) with a stack of `stack` bytes; false if it cannot. */
bool render_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg, size_t stack)
{
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0)
    return false;
  bool ok = pthread_attr_setstacksize(&attr, stack) == 0 &&
            pthread_create(thread, &attr, fn, arg) == 0;
  pthread_attr_destroy(&attr);
  return ok;
}

/* Background writer of an fd stream: while the main thread fills one buffer, this thread
 * writes the other (the kernel's copy into the page cache is a fifth of a photo page's time). */
typedef struct render_writer_s {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int fd;
  unsigned char *buf;         /* being written, NULL when idle */
  size_t len;
  unsigned char *spare;       /* the idle buffer */
  int error;                  /* errno of the first failed write, 0 */
  bool stop;
} render_writer_t;

/* Thread body: writes each buffer handed over until told to stop. */
static void *writer_main(void *data)
{
  render_writer_t *w = data;
  pthread_mutex_lock(&w->lock);
  for (;;) {
    while (!w->buf && !w->stop)
      pthread_cond_wait(&w->cond, &w->lock);
    if (!w->buf)
      break;
    unsigned char *buf = w->buf;
    size_t len = w->len;
    bool skip = w->error != 0; /* after a failure nothing more is written */
    pthread_mutex_unlock(&w->lock);
    int error = skip || render_write_all(w->fd, buf, len) ? 0 : (errno ? errno : EIO);
    pthread_mutex_lock(&w->lock);
    if (error && !w->error)
      w->error = error;
    w->spare = buf;
    w->buf = NULL;
    pthread_cond_broadcast(&w->cond);
  }
  pthread_mutex_unlock(&w->lock);
  return NULL;
}

/* Starts the writer of out (with a second buffer); NULL if it cannot (then writes are
 * synchronous). */
static render_writer_t *writer_start(render_out_t *out)
{
  render_writer_t *w = calloc(1, sizeof(*w));
  if (!w || !(w->spare = malloc(out->cap))) {
    free(w);
    return NULL;
  }
  w->fd = out->fd;
  bool started = false;
  if (pthread_mutex_init(&w->lock, NULL) == 0) {
    if (pthread_cond_init(&w->cond, NULL) == 0) {
      started = render_thread_start(&w->thread, writer_main, w, WRITER_STACK);
      if (!started)
        pthread_cond_destroy(&w->cond);
    }
    if (!started)
      pthread_mutex_destroy(&w->lock);
  }
  if (!started) {
    free(w->spare);
    free(w);
    return NULL;
  }
  return w;
}

/* Waits until the writer is idle; false (and err) if a write failed. */
static bool writer_wait(render_writer_t *w, render_error_t *err)
{
  pthread_mutex_lock(&w->lock);
  while (w->buf)
    pthread_cond_wait(&w->cond, &w->lock);
  int error = w->error;
  pthread_mutex_unlock(&w->lock);
  if (error)
    return render_fail(err, RENDER_EXIT_SYSTEM, "cannot write the output: %s", strerror(error));
  return true;
}

/* Stops and frees the writer after it has written what it holds. */
static void writer_free(render_writer_t *w)
{
  pthread_mutex_lock(&w->lock);
  w->stop = true;
  pthread_cond_broadcast(&w->cond);
  pthread_mutex_unlock(&w->lock);
  pthread_join(w->thread, NULL);
  pthread_cond_destroy(&w->cond);
  pthread_mutex_destroy(&w->lock);
  free(w->spare);
  free(w);
}

/* Starts a buffered stream to fd. */
bool render_out_init_fd(render_out_t *out, int fd, render_error_t *err)
{
  memset(out, 0, sizeof(*out));
  out->fd = fd;
  out->cap = OUT_BUFFER;
  out->buf = malloc(out->cap);
  if (!out->buf)
    return render_fail(err, RENDER_EXIT_SYSTEM, "out of memory");
  return true;
}

/* Starts a memory stream (grows as needed). */
void render_out_init_mem(render_out_t *out)
{
  memset(out, 0, sizeof(*out));
  out->fd = -1;
}

/* fd mode: hands the buffered bytes to the writer thread (started on first use) and takes its
 * idle buffer; without a thread, writes them here. */
static bool out_pass_on(render_out_t *out, render_error_t *err)
{
  if (!out->len)
    return true;
  if (!out->writer && out->background && !(out->writer = writer_start(out)))
    out->background = false; /* no thread: write here from now on */
  render_writer_t *w = out->writer;
  if (!w) {
    if (!render_write_all(out->fd, out->buf, out->len))
      return render_fail(err, RENDER_EXIT_SYSTEM, "cannot write the output: %s",
                         strerror(errno));
  } else {
    if (!writer_wait(w, err))
      return false;
    pthread_mutex_lock(&w->lock);
    w->buf = out->buf;
    w->len = out->len;
    out->buf = w->spare;
    w->spare = NULL;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
  }
  out->written += out->len;
  out->len = 0;
  return true;
}

/* Passes buffered bytes on: to the fd (written when this returns), or to the spill callback in
 * memory mode. */
bool render_out_flush(render_out_t *out, render_error_t *err)
{
  if (out->fd < 0)
    return out->spill ? out->spill(out, err) : true;
  return out_pass_on(out, err) && (!out->writer || writer_wait(out->writer, err));
}

/* Makes room for `more` bytes in memory mode. */
static bool out_grow(render_out_t *out, size_t more, render_error_t *err)
{
  size_t need = out->len + more;
  if (need <= out->cap)
    return true;
  size_t cap = out->cap ? out->cap : 64 * 1024;
  while (cap < need)
    cap *= 2;
  unsigned char *p = realloc(out->buf, cap);
  if (!p)
    return render_fail(err, RENDER_EXIT_SYSTEM, "out of memory");
  out->buf = p;
  out->cap = cap;
  return true;
}

/* Appends bytes to the stream. */
bool render_out_write(render_out_t *out, const void *data, size_t len, render_error_t *err)
{
  if (out->fd < 0) {
    if (!out_grow(out, len, err))
      return false;
    memcpy(out->buf + out->len, data, len);
    out->len += len;
    if (out->spill && out->spill_at && out->len > out->spill_at)
      return out->spill(out, err);
    return true;
  }
  if (out->len + len > out->cap && !out_pass_on(out, err))
    return false;
  if (len >= out->cap) { /* large pieces go out directly, after what is queued */
    if (!render_out_flush(out, err))
      return false;
    if (!render_write_all(out->fd, data, len))
      return render_fail(err, RENDER_EXIT_SYSTEM, "cannot write the output: %s",
                         strerror(errno));
    out->written += len;
    return true;
  }
  memcpy(out->buf + out->len, data, len);
  out->len += len;
  return true;
}

/* Stops the writer thread (after it has written what it holds) and frees the buffers (does
 * not close the fd). */
void render_out_free(render_out_t *out)
{
  if (out->writer)
    writer_free(out->writer);
  out->writer = NULL;
  free(out->buf);
  out->buf = NULL;
  out->len = out->cap = 0;
}

/* Creates (or truncates) an output file; "-" is standard output. */
bool render_file_create(render_file_t *f, const char *path, render_error_t *err)
{
  f->path = path;
  f->removable = false;
  if (!strcmp(path, "-")) {
    f->fd = STDOUT_FILENO;
    return true;
  }
  f->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644); /* read: copies */
  if (f->fd < 0)
    return render_fail(err, RENDER_EXIT_USAGE, "cannot create %s: %s", path, strerror(errno));
  struct stat st;
  f->removable = fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode);
  return true;
}

/* Closes the file; a failing close means lost data. */
bool render_file_close(render_file_t *f, render_error_t *err)
{
  if (f->fd < 0 || f->fd == STDOUT_FILENO) {
    f->fd = -1;
    return true;
  }
  int rc = close(f->fd);
  f->fd = -1;
  if (rc != 0)
    return render_fail(err, RENDER_EXIT_SYSTEM, "cannot write %s: %s", f->path,
                       strerror(errno));
  return true;
}

/* Closes and deletes a partial output (regular files this run created only). */
void render_file_discard(render_file_t *f)
{
  if (f->fd >= 0 && f->fd != STDOUT_FILENO)
    close(f->fd);
  f->fd = -1;
  if (f->removable && f->path)
    unlink(f->path);
  f->removable = false;
}

/* A pixel buffer of `size` bytes. Large ones are 2 MiB aligned and advised for transparent huge
 * pages: a 35 MB page buffer then takes a few dozen page faults instead of 8,500. Free with
 * free(). NULL if out of memory. */
void *render_alloc_pixels(size_t size)
{
  if (size < HUGE_MIN)
    return malloc(size ? size : 1);
  size_t rounded = (size + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
  void *p = aligned_alloc(HUGE_PAGE, rounded);
  if (p)
    (void)madvise(p, rounded, MADV_HUGEPAGE); /* a hint: fine if refused */
  return p;
}

/* An RGB24 surface over a render_alloc_pixels buffer that the surface owns. */
cairo_surface_t *render_surface_new(unsigned width, unsigned height)
{
  static const cairo_user_data_key_t key;
  int stride = cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, (int)width);
  if (stride <= 0 || width > INT32_MAX || height > INT32_MAX)
    return NULL;
  unsigned char *data = render_alloc_pixels((size_t)stride * height);
  if (!data)
    return NULL;
  cairo_surface_t *s = cairo_image_surface_create_for_data(data, CAIRO_FORMAT_RGB24, (int)width,
                                                           (int)height, stride);
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS ||
      cairo_surface_set_user_data(s, &key, data, free) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(s);
    free(data);
    return NULL;
  }
  return s;
}
