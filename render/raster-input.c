/*
 * raster-input.c: PWG raster (image/pwg-raster) and Apple raster (image/urf) documents.
 *
 * Opening reads the whole stream once without keeping pixels: every page header is checked
 * (layout, colour space, limits: before anything is allocated for it) and every line decoded
 * and counted, so a truncated or malformed stream fails before any output and the page count
 * is exact. A page is then decoded, when opened, into a cairo RGB24 surface at its own
 * resolution and painted like an image (scaled to the media per print-scaling). Pages are
 * read in order; opening an earlier page rewinds the stream.
 */
#include "render-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIN_BUFFER (1u << 20)
#define MAX_RES 10000
#define MM_TO_PT (72.0 / 25.4)

/* Layout of one input page, from its header. */
typedef struct raster_page_s {
  unsigned width, height, xres, yres;
  unsigned bits;              /* per colour: 1, 8, 16 */
  unsigned unit;              /* bytes per compression unit */
  size_t bpl;                 /* bytes per line */
  render_raster_kind_t kind;
  unsigned char fill;         /* what 0x80 fills the rest of a line with */
} raster_page_t;

typedef struct raster_doc_s {
  render_doc_t base;
  int fd;
  off_t data_start;           /* first page header */
  unsigned char *buf;         /* read buffer */
  size_t cap, pos, len;
  bool eof;
  unsigned next_page;         /* index of the page the stream is positioned at */
  unsigned char *line;        /* one decoded line */
  size_t line_cap;
  render_image_t img;
} raster_doc_t;

/* Makes at least n bytes available if the file has them; returns the bytes available. */
static size_t buf_fill(raster_doc_t *d, size_t n, render_error_t *err)
{
  if (d->len - d->pos >= n || d->eof)
    return d->len - d->pos;
  memmove(d->buf, d->buf + d->pos, d->len - d->pos);
  d->len -= d->pos;
  d->pos = 0;
  while (d->len < n && !d->eof) {
    long long got = render_read_full(d->fd, d->buf + d->len, d->cap - d->len);
    if (got < 0) {
      render_fail(err, RENDER_EXIT_SYSTEM, "cannot read the raster: %s", strerror(errno));
      return 0;
    }
    d->eof = got == 0 || (size_t)got < d->cap - d->len;
    d->len += (size_t)got;
  }
  return d->len - d->pos;
}

/* Grows the read buffer so that one encoded line always fits twice. */
static bool buf_reserve(raster_doc_t *d, size_t max_line, render_error_t *err)
{
  size_t want = 2 * max_line + 64 < MIN_BUFFER ? MIN_BUFFER : 2 * max_line + 64;
  if (d->cap >= want)
    return true;
  unsigned char *p = realloc(d->buf, want);
  if (!p)
    return render_fail(err, RENDER_EXIT_SYSTEM, "out of memory");
  d->buf = p;
  d->cap = want;
  return true;
}

/* Checks size and resolution limits common to both formats. */
static bool check_limits(const raster_page_t *p, unsigned page, render_error_t *err)
{
  if (!p->width || !p->height)
    return render_fail(err, RENDER_EXIT_FORMAT, "the raster is damaged: page %u has no pixels",
                       page);
  if (!p->xres || !p->yres || p->xres > MAX_RES || p->yres > MAX_RES)
    return render_fail(err, RENDER_EXIT_FORMAT,
                       "the raster is damaged: page %u has a resolution of %u x %u dpi", page,
                       p->xres, p->yres);
  double w_mm = p->width * 25.4 / p->xres, h_mm = p->height * 25.4 / p->yres;
  if ((double)p->width * p->height > RENDER_MAX_RASTER_PIXELS)
    return render_fail(err, RENDER_EXIT_UNPRINTABLE,
                       "raster page %u is %u x %u pixels, larger than the %.0f-megapixel limit",
                       page, p->width, p->height, RENDER_MAX_RASTER_PIXELS / 1e6);
  if (w_mm > RENDER_MAX_PAGE_MM || h_mm > RENDER_MAX_PAGE_MM)
    return render_fail(err, RENDER_EXIT_UNPRINTABLE,
                       "raster page %u is %.0f x %.0f mm, larger than the %.0f mm limit", page,
                       w_mm, h_mm, RENDER_MAX_PAGE_MM);
  return true;
}

/* Colour space of a PWG header -> kind and number of colours; false if unsupported. */
static bool pwg_kind(unsigned cs, render_raster_kind_t *kind, unsigned *ncolors)
{
  switch (cs) {
  case 18: /* sGray */
    *kind = RENDER_RASTER_GRAY;
    *ncolors = 1;
    return true;
  case 3: /* Black */
    *kind = RENDER_RASTER_BLACK;
    *ncolors = 1;
    return true;
  case 1:  /* RGB */
  case 19: /* sRGB */
  case 20: /* AdobeRGB */
    *kind = RENDER_RASTER_RGB;
    *ncolors = 3;
    return true;
  case 6: /* CMYK */
    *kind = RENDER_RASTER_CMYK;
    *ncolors = 4;
    return true;
  default:
    return false;
  }
}

/* Validates a PWG page header into p. */
static bool pwg_page(const unsigned char *buf, unsigned page, raster_page_t *p,
                     render_error_t *err)
{
  render_pwg_header_t h;
  unsigned ncolors;
  render_pwg_header_decode(buf, &h);
  if (!pwg_kind(h.color_space, &p->kind, &ncolors))
    return render_fail(err, RENDER_EXIT_UNSUPPORTED,
                       "PWG raster colour space %u (page %u) is not supported", h.color_space,
                       page);
  bool bits_ok = h.bits_per_color == 8 || h.bits_per_color == 16 ||
                 (h.bits_per_color == 1 && ncolors == 1);
  p->width = h.width;
  p->height = h.height;
  p->xres = h.xres;
  p->yres = h.yres;
  p->bits = h.bits_per_color;
  if (!bits_ok || h.bits_per_pixel != h.bits_per_color * ncolors || h.color_order != 0 ||
      (h.num_colors && h.num_colors != ncolors))
    return render_fail(err, RENDER_EXIT_FORMAT,
                       "the PWG raster is damaged: page %u has %u bits per pixel for %u colours",
                       page, h.bits_per_pixel, ncolors);
  if (!check_limits(p, page, err))
    return false;
  p->bpl = ((size_t)h.width * h.bits_per_pixel + 7) / 8;
  if (h.bytes_per_line != p->bpl)
    return render_fail(err, RENDER_EXIT_FORMAT,
                       "the PWG raster is damaged: page %u has %u bytes per line, not %zu", page,
                       h.bytes_per_line, p->bpl);
  p->unit = h.bits_per_pixel >= 8 ? h.bits_per_pixel / 8 : 1;
  p->fill = p->kind == RENDER_RASTER_GRAY || p->kind == RENDER_RASTER_RGB ? 0xFF : 0x00;
  return true;
}

/* Validates an Apple raster page header into p. */
static bool urf_page(const unsigned char *buf, unsigned page, raster_page_t *p,
                     render_error_t *err)
{
  render_urf_header_t h;
  unsigned ncolors;
  render_urf_header_decode(buf, &h);
  switch (h.color_space) {
  case 0: case 4: p->kind = RENDER_RASTER_GRAY; ncolors = 1; break;
  case 1: case 3: case 5: p->kind = RENDER_RASTER_RGB; ncolors = 3; break;
  case 6: p->kind = RENDER_RASTER_CMYK; ncolors = 4; break;
  default:
    return render_fail(err, RENDER_EXIT_UNSUPPORTED,
                       "Apple raster colour space %u (page %u) is not supported", h.color_space,
                       page);
  }
  if (h.bpp != 8 * ncolors && h.bpp != 16 * ncolors)
    return render_fail(err, RENDER_EXIT_FORMAT,
                       "the Apple raster is damaged: page %u has %u bits per pixel", page, h.bpp);
  p->width = h.width;
  p->height = h.height;
  p->xres = p->yres = h.resolution;
  p->bits = h.bpp / ncolors;
  if (!check_limits(p, page, err))
    return false;
  p->bpl = (size_t)h.width * (h.bpp / 8);
  p->unit = h.bpp / 8;
  p->fill = p->kind == RENDER_RASTER_CMYK ? 0x00 : 0xFF;
  return true;
}

/* Reads the next page header; *end set at a clean end of stream. */
static bool next_header(raster_doc_t *d, unsigned page, raster_page_t *p, bool *end,
                        render_error_t *err)
{
  size_t size = d->base.format == RENDER_FORMAT_PWG ? RENDER_PWG_HEADER_SIZE
                                                    : RENDER_URF_HEADER_SIZE;
  size_t avail = buf_fill(d, size, err);
  *end = false;
  if (err->status)
    return false;
  if (avail == 0) {
    *end = true;
    return true;
  }
  if (avail < size)
    return render_fail(err, RENDER_EXIT_FORMAT,
                       "the raster is damaged: the header of page %u is cut short", page);
  const unsigned char *h = d->buf + d->pos;
  d->pos += size;
  bool ok = d->base.format == RENDER_FORMAT_PWG ? pwg_page(h, page, p, err)
                                                : urf_page(h, page, p, err);
  if (ok && d->line_cap < p->bpl) {
    unsigned char *l = realloc(d->line, p->bpl);
    if (!l)
      return render_fail(err, RENDER_EXIT_SYSTEM, "out of memory");
    d->line = l;
    d->line_cap = p->bpl;
  }
  return ok && buf_reserve(d, render_packbits_max((p->bpl + p->unit - 1) / p->unit, p->unit), err);
}

/* Decodes the lines of a page; into `data` (RGB24 rows, stride bytes) unless it is NULL. */
static bool read_lines(raster_doc_t *d, const raster_page_t *p, unsigned page,
                       unsigned char *data, size_t stride, render_error_t *err)
{
  size_t max = render_packbits_max((p->bpl + p->unit - 1) / p->unit, p->unit) + 1;
  for (unsigned y = 0; y < p->height;) {
    size_t avail = buf_fill(d, max, err);
    size_t used = avail >= 2 ? render_packbits_decode(d->buf + d->pos + 1, avail - 1, d->line,
                                                      p->bpl, p->unit, p->fill)
                             : 0;
    if (!used)
      return err->status ? false
                         : render_fail(err, RENDER_EXIT_FORMAT,
                                       "the raster is damaged: page %u ends after %u of %u lines",
                                       page, y, p->height);
    unsigned reps = d->buf[d->pos] + 1u;
    d->pos += used + 1;
    if (reps > p->height - y)
      reps = p->height - y;
    if (data) {
      uint32_t *row = (uint32_t *)(data + y * stride);
      render_raster_convert(p->kind, p->bits, d->line, p->width, row);
      for (unsigned r = 1; r < reps; r++)
        memcpy(data + (y + r) * stride, row, (size_t)p->width * 4);
    }
    y += reps;
  }
  return true;
}

/* Positions the stream at the first page. */
static bool rewind_stream(raster_doc_t *d, render_error_t *err)
{
  if (lseek(d->fd, d->data_start, SEEK_SET) != d->data_start)
    return render_fail(err, RENDER_EXIT_SYSTEM, "cannot rewind the raster: %s", strerror(errno));
  d->pos = d->len = 0;
  d->eof = false;
  d->next_page = 0;
  return true;
}

/* Reads every page once: validates and counts. */
static bool scan(raster_doc_t *d, render_error_t *err)
{
  unsigned n = 0;
  for (;;) {
    raster_page_t p;
    bool end;
    if (!next_header(d, n + 1, &p, &end, err))
      return false;
    if (end)
      break;
    if (++n > RENDER_MAX_PAGES)
      return render_fail(err, RENDER_EXIT_UNPRINTABLE, "the raster has over %d pages",
                         RENDER_MAX_PAGES);
    if (!read_lines(d, &p, n, NULL, 0, err))
      return false;
  }
  if (!n)
    return render_fail(err, RENDER_EXIT_FORMAT, "the raster is damaged: it has no pages");
  d->base.pages = n;
  return rewind_stream(d, err);
}

/* Frees the decoded page. */
static void raster_page_close(render_doc_t *base)
{
  render_image_clear(&((raster_doc_t *)base)->img);
}

/* Decodes page `index` into an image surface. */
static bool raster_page_open(render_doc_t *base, unsigned index, const render_geom_t *g,
                             render_error_t *err)
{
  raster_doc_t *d = (raster_doc_t *)base;
  raster_page_t p;
  bool end = false;
  (void)g;
  if (index < d->next_page && !rewind_stream(d, err))
    return false;
  for (;;) {
    if (!next_header(d, d->next_page + 1, &p, &end, err))
      return false;
    if (end)
      return render_fail(err, RENDER_EXIT_FORMAT, "the raster has no page %u", index + 1);
    if (d->next_page == index)
      break;
    if (!read_lines(d, &p, d->next_page + 1, NULL, 0, err)) /* skip an earlier page */
      return false;
    d->next_page++;
  }
  cairo_surface_t *s = render_surface_new(p.width, p.height);
  if (!s)
    return render_fail(err, RENDER_EXIT_SYSTEM, "out of memory for a %u x %u raster page",
                       p.width, p.height);
  cairo_surface_flush(s);
  bool ok = read_lines(d, &p, index + 1, cairo_image_surface_get_data(s),
                       (size_t)cairo_image_surface_get_stride(s), err);
  cairo_surface_mark_dirty(s);
  d->next_page = index + 1;
  d->img = (render_image_t){.surface = s, .width = p.width, .height = p.height, .xppi = p.xres,
                            .yppi = p.yres, .orientation = 1};
  render_image_content(&d->img, &base->content);
  base->page_w = p.width * 72.0 / p.xres;
  base->page_h = p.height * 72.0 / p.yres;
  if (!ok)
    raster_page_close(base);
  return ok;
}

/* Paints the decoded page like an image. */
static void raster_page_paint(render_doc_t *base, cairo_t *cr)
{
  render_image_paint(&((raster_doc_t *)base)->img, cr);
}

/* Frees the document and closes its file. */
static void raster_close(render_doc_t *base)
{
  raster_doc_t *d = (raster_doc_t *)base;
  raster_page_close(base);
  if (d->fd >= 0)
    close(d->fd);
  free(d->buf);
  free(d->line);
  free(d);
}

static const render_doc_ops_t raster_ops = {raster_page_open, raster_page_paint,
                                            raster_page_close, raster_close};

/* Reads and checks the file header ("RaS2", or "UNIRAST\0" + page count). */
static bool file_header(raster_doc_t *d, render_error_t *err)
{
  bool pwg = d->base.format == RENDER_FORMAT_PWG;
  size_t size = pwg ? 4 : 12;
  if (buf_fill(d, size, err) < size)
    return err->status ? false
                       : render_fail(err, RENDER_EXIT_FORMAT, "the raster is damaged: too short");
  if (pwg ? memcmp(d->buf, "RaS2", 4) : memcmp(d->buf, "UNIRAST", 8))
    return render_fail(err, RENDER_EXIT_FORMAT, "the file is not %s",
                       pwg ? "PWG raster" : "Apple raster");
  d->pos = size;
  d->data_start = (off_t)size;
  return true;
}

/* Opens and scans a PWG or Apple raster file. Caller closes. */
render_doc_t *render_raster_open(const char *path, render_format_t format, render_error_t *err)
{
  raster_doc_t *d = calloc(1, sizeof(*d));
  if (!d) {
    render_fail(err, RENDER_EXIT_SYSTEM, "out of memory");
    return NULL;
  }
  d->base.ops = &raster_ops;
  d->base.format = format;
  d->base.band_bytes = RENDER_IMAGE_BAND_BYTES;
  d->fd = open(path, O_RDONLY | O_CLOEXEC);
  bool ok = d->fd >= 0 ||
            render_fail(err, RENDER_EXIT_SYSTEM, "cannot open %s: %s", path, strerror(errno));
  ok = ok && buf_reserve(d, 0, err) && file_header(d, err) && scan(d, err);
  if (!ok) {
    raster_close(&d->base);
    return NULL;
  }
  return &d->base;
}
