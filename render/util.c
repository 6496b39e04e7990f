/*
 * util.c: errors, buffered output streams and output files for quire-render.
 */
#include "render-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT_BUFFER (1u << 20) /* fd mode: write in 1 MiB pieces */
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

/* Passes buffered bytes on: to the fd, or to the spill callback in memory mode. */
bool render_out_flush(render_out_t *out, render_error_t *err)
{
  if (out->fd < 0)
    return out->spill ? out->spill(out, err) : true;
  if (out->len && !render_write_all(out->fd, out->buf, out->len))
    return render_fail(err, RENDER_EXIT_SYSTEM, "cannot write the output: %s", strerror(errno));
  out->written += out->len;
  out->len = 0;
  return true;
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
  if (out->len + len > out->cap && !render_out_flush(out, err))
    return false;
  if (len >= out->cap) {
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

/* Frees the buffer (does not close the fd). */
void render_out_free(render_out_t *out)
{
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
