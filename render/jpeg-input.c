/*
 * jpeg-input.c: JPEG documents (one page) through libjpeg-turbo.
 *
 * The header is read when the document opens (size limit, EXIF orientation, JFIF density);
 * the pixels when the page opens, with DCT scaling (scale_num/8) picked so the decoded image
 * still has at least one pixel per device pixel. RGB/YCbCr decode straight into a cairo RGB24
 * surface (JCS_EXT_BGRX), turned as it will be painted (image.c); grey and CMYK/YCCK (Adobe
 * inverted CMYK, naive conversion) go through one row buffer. A large baseline image is
 * decoded by two threads, each with its own decoder: the first decodes the top rows, the
 * second skips them (libjpeg must still entropy-decode them) and decodes the rest; the pixels
 * are the same as from one decoder. libjpeg's errors and warnings (a truncated file is only a
 * warning to libjpeg) jump back through longjmp and fail the document as damaged.
 */
#include "render-private.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h> /* after stdio.h */

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CAIRO_JCS JCS_EXT_BGRX
#else
#define CAIRO_JCS JCS_EXT_XRGB
#endif

#define STRIP_ROWS 64 /* rows decoded before they are turned into the image (see decode_rows) */
#define SPLIT_MIN_PIXELS 2e6 /* decoded images from this size on use two decoders (see decode) */
#define SPLIT_AT 0.69 /* skipping a row costs ~0.55 of decoding it: both decoders end together */
#define DECODER_STACK (1u << 20)

typedef struct jpeg_doc_s {
  render_doc_t base;
  char *path;
  unsigned width, height;
  int orientation;
  double ppi;                 /* 0 = unknown */
  render_image_t img;         /* decoded page, while open */
} jpeg_doc_t;

/* libjpeg error manager that jumps back instead of exiting. */
typedef struct jpeg_fail_s {
  struct jpeg_error_mgr mgr;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
} jpeg_fail_t;

/* libjpeg error_exit: keeps the message and jumps back to the decoder's setjmp. */
static void on_error(j_common_ptr c)
{
  jpeg_fail_t *f = (jpeg_fail_t *)c->err;
  c->err->format_message(c, f->message);
  longjmp(f->jump, 1);
}

/* Warnings (level -1) are errors here: they mean corrupt or missing data. */
static void on_message(j_common_ptr c, int level)
{
  if (level < 0)
    on_error(c);
}

/* Installs the jumping error manager on c. */
static void fail_init(jpeg_fail_t *f, struct jpeg_decompress_struct *c)
{
  c->err = jpeg_std_error(&f->mgr);
  f->mgr.error_exit = on_error;
  f->mgr.emit_message = on_message;
  f->message[0] = '\0';
}

/* Resolution from the JFIF density, 0 when absent or absurd. */
static double jfif_ppi(const struct jpeg_decompress_struct *c)
{
  double ppi = 0;
  if (c->saw_JFIF_marker && c->X_density == c->Y_density) {
    if (c->density_unit == 1)
      ppi = c->X_density;
    else if (c->density_unit == 2)
      ppi = c->X_density * 2.54;
  }
  return ppi >= 10 && ppi <= 10000 ? ppi : 0;
}

/* EXIF orientation from the saved APP1 markers. */
static int saved_orientation(const struct jpeg_decompress_struct *c)
{
  for (jpeg_saved_marker_ptr m = c->marker_list; m; m = m->next)
    if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 && !memcmp(m->data, "Exif\0\0", 6))
      return render_exif_orientation(m->data, m->data_length);
  return 1;
}

/* Reads the header: size, orientation, resolution. */
static bool read_header(jpeg_doc_t *d, render_error_t *err)
{
  FILE *fp = fopen(d->path, "rb");
  if (!fp)
    return render_fail(err, RENDER_EXIT_SYSTEM, "cannot open the image: %s", strerror(errno));
  struct jpeg_decompress_struct c;
  jpeg_fail_t f;
  fail_init(&f, &c);
  if (setjmp(f.jump)) {
    jpeg_destroy_decompress(&c);
    fclose(fp);
    return render_fail(err, RENDER_EXIT_FORMAT, "the JPEG image is damaged: %s", f.message);
  }
  jpeg_create_decompress(&c);
  jpeg_stdio_src(&c, fp);
  jpeg_save_markers(&c, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(&c, TRUE);
  d->width = c.image_width;
  d->height = c.image_height;
  d->orientation = saved_orientation(&c);
  d->ppi = jfif_ppi(&c);
  jpeg_destroy_decompress(&c);
  fclose(fp);
  if ((double)d->width * d->height > RENDER_MAX_IMAGE_PIXELS)
    return render_fail(err, RENDER_EXIT_UNPRINTABLE,
                       "the image is %u x %u pixels, larger than the %.0f-megapixel limit",
                       d->width, d->height, RENDER_MAX_IMAGE_PIXELS / 1e6);
  return true;
}

/* Converts one decoded grey or CMYK row to RGB24. */
static void convert_row(const struct jpeg_decompress_struct *c, const JSAMPLE *src,
                        uint32_t *dst)
{
  unsigned w = c->output_width;
  if (c->out_color_space == JCS_GRAYSCALE) {
    for (unsigned x = 0; x < w; x++)
      dst[x] = (uint32_t)src[x] * 0x010101u;
    return;
  }
  bool inverted = c->saw_Adobe_marker; /* Adobe CMYK: 255 = no ink */
  for (unsigned x = 0; x < w; x++) {
    const JSAMPLE *p = src + 4 * (size_t)x;
    unsigned cc = inverted ? p[0] : 255 - p[0], mm = inverted ? p[1] : 255 - p[1];
    unsigned yy = inverted ? p[2] : 255 - p[2], kk = inverted ? p[3] : 255 - p[3];
    dst[x] = (uint32_t)(cc * kk / 255) << 16 | (uint32_t)(mm * kk / 255) << 8 | (yy * kk / 255);
  }
}

/* Decodes scanlines up to `to` into img (from render_image_alloc): straight into its rows when
 * it is not turned, else strip by strip (STRIP_ROWS rows, in the cache) handed to
 * render_image_put_rows, so the image is turned while it is decoded. `row` is the buffer for
 * grey and CMYK (converted), NULL for RGB; `strip` is NULL when not turned. Runs under the
 * caller's setjmp. */
static void decode_rows(struct jpeg_decompress_struct *c, render_image_t *img, unsigned to,
                        JSAMPLE *row, uint32_t *strip)
{
  while (c->output_scanline < to) {
    unsigned y0 = c->output_scanline, n = to - y0;
    if (n > STRIP_ROWS)
      n = STRIP_ROWS;
    for (unsigned i = 0; i < n; i++) {
      uint32_t *dst = strip ? strip + (size_t)i * c->output_width : render_image_row(img, y0 + i);
      JSAMPROW rp = row ? row : (JSAMPROW)dst;
      jpeg_read_scanlines(c, &rp, 1);
      if (row)
        convert_row(c, row, dst);
    }
    if (strip)
      render_image_put_rows(img, strip, (size_t)c->output_width * 4, y0, n);
  }
}

/* The decoding parameters of every decoder of the document: DCT scale, output colours. */
static void decode_setup(struct jpeg_decompress_struct *c, unsigned scale)
{
  c->scale_num = scale;
  c->scale_denom = 8;
  if (c->jpeg_color_space == JCS_CMYK || c->jpeg_color_space == JCS_YCCK)
    c->out_color_space = JCS_CMYK;
  else if (c->num_components == 1)
    c->out_color_space = JCS_GRAYSCALE;
  else
    c->out_color_space = CAIRO_JCS;
}

/* One decoder of the image: rows [from, to) of the decoded image go into img; rows before
 * `from` are skipped (entropy-decoded only, jpeg_skip_scanlines). */
typedef struct jpeg_part_s {
  const char *path;
  unsigned scale, from, to;
  render_image_t *img;        /* allocated, size checked against the decoder's */
  render_error_t err;
} jpeg_part_t;

/* Runs one decoder (own file, own libjpeg state: two can run at once). */
static bool decode_part(jpeg_part_t *p)
{
  FILE *fp = fopen(p->path, "rb");
  if (!fp)
    return render_fail(&p->err, RENDER_EXIT_SYSTEM, "cannot open the image: %s",
                       strerror(errno));
  struct jpeg_decompress_struct c;
  jpeg_fail_t f;
  JSAMPLE *volatile row = NULL;
  uint32_t *volatile strip = NULL;
  volatile bool no_memory = false;
  fail_init(&f, &c);
  if (setjmp(f.jump)) {
    jpeg_destroy_decompress(&c);
    fclose(fp);
    free(row);
    free(strip);
    if (no_memory)
      return render_fail(&p->err, RENDER_EXIT_SYSTEM, "out of memory for the image");
    return render_fail(&p->err, RENDER_EXIT_FORMAT, "the JPEG image is damaged: %s", f.message);
  }
  jpeg_create_decompress(&c);
  jpeg_stdio_src(&c, fp);
  jpeg_read_header(&c, TRUE);
  decode_setup(&c, p->scale);
  jpeg_start_decompress(&c);
  size_t w = c.output_width;
  if (w != p->img->width || c.output_height != p->img->height) {
    strcpy(f.message, "its size changed while it was read");
    longjmp(f.jump, 1);
  }
  if ((!p->img->surface && !(strip = malloc(w * 4 * STRIP_ROWS))) ||
      (c.out_color_space != CAIRO_JCS && !(row = malloc(w * (size_t)c.output_components)))) {
    no_memory = true;
    longjmp(f.jump, 1);
  }
  while (c.output_scanline < p->from)
    if (!jpeg_skip_scanlines(&c, p->from - c.output_scanline))
      break; /* cannot happen: a damaged stream fails through on_message */
  decode_rows(&c, p->img, p->to, row, strip);
  if (p->to == c.output_height)
    jpeg_finish_decompress(&c); /* reads to the end: trailing damage fails too */
  else
    jpeg_abort_decompress(&c);
  jpeg_destroy_decompress(&c);
  fclose(fp);
  free(row);
  free(strip);
  return true;
}

/* Thread body for the second decoder. */
static void *decode_part_main(void *data)
{
  decode_part(data);
  return NULL;
}

/* Decoded size at scale/8 and whether the image is progressive (header only). */
static bool decoded_size(const jpeg_doc_t *d, unsigned scale, unsigned *w, unsigned *h,
                         bool *progressive, render_error_t *err)
{
  FILE *fp = fopen(d->path, "rb");
  if (!fp)
    return render_fail(err, RENDER_EXIT_SYSTEM, "cannot open the image: %s", strerror(errno));
  struct jpeg_decompress_struct c;
  jpeg_fail_t f;
  fail_init(&f, &c);
  if (setjmp(f.jump)) {
    jpeg_destroy_decompress(&c);
    fclose(fp);
    return render_fail(err, RENDER_EXIT_FORMAT, "the JPEG image is damaged: %s", f.message);
  }
  jpeg_create_decompress(&c);
  jpeg_stdio_src(&c, fp);
  jpeg_read_header(&c, TRUE);
  decode_setup(&c, scale);
  jpeg_calc_output_dimensions(&c);
  *w = c.output_width;
  *h = c.output_height;
  *progressive = jpeg_has_multiple_scans(&c);
  jpeg_destroy_decompress(&c);
  fclose(fp);
  return true;
}

/* Decodes the image at scale/8 into d->img, turned as painting on g will need it. Large
 * baseline images are decoded by two threads when the document may use them: the second
 * skips to SPLIT_AT of the rows (it still has to entropy-decode them) and decodes the rest. */
static bool decode(jpeg_doc_t *d, unsigned scale, const render_geom_t *g,
                   render_scaling_t scaling, render_error_t *err)
{
  unsigned w, h;
  bool progressive;
  if (!decoded_size(d, scale, &w, &h, &progressive, err))
    return false;
  d->img = (render_image_t){.width = w, .height = h, .xppi = d->ppi * scale / 8.0,
                            .yppi = d->ppi * scale / 8.0, .orientation = d->orientation};
  if (!render_image_alloc(&d->img, g, scaling))
    return render_fail(err, RENDER_EXIT_SYSTEM, "out of memory for a %u x %u image", w, h);
  jpeg_part_t top = {d->path, scale, 0, h, &d->img, {0}}, bottom = top;
  bool split = d->base.threads > 1 && !progressive && (double)w * h >= SPLIT_MIN_PIXELS;
  pthread_t thread;
  if (split) {
    top.to = bottom.from = (unsigned)(h * SPLIT_AT);
    split = render_thread_start(&thread, decode_part_main, &bottom, DECODER_STACK);
    if (!split)
      top.to = h;
  }
  bool ok = decode_part(&top);
  if (split) {
    pthread_join(thread, NULL);
    ok = ok && bottom.err.status == RENDER_EXIT_OK;
  }
  if (!ok) {
    const render_error_t *e = top.err.status ? &top.err : &bottom.err;
    render_image_clear(&d->img);
    return render_fail(err, e->status, "%s", e->message);
  }
  render_image_done(&d->img);
  return true;
}

/* Decodes the image at the DCT scale that suits g. */
static bool jpeg_page_open(render_doc_t *base, unsigned index, const render_geom_t *g,
                           render_error_t *err)
{
  jpeg_doc_t *d = (jpeg_doc_t *)base;
  (void)index;
  unsigned scale = render_image_decode_scale(d->width, d->height, d->orientation, d->ppi,
                                             d->ppi, g, base->scaling);
  if (!decode(d, scale, g, base->scaling, err))
    return false;
  render_image_content(&d->img, &base->content);
  base->page_w = g->media_w;
  base->page_h = g->media_h;
  return true;
}

/* Paints the decoded image (see render_image_paint). */
static void jpeg_page_paint(render_doc_t *base, cairo_t *cr)
{
  render_image_paint(&((jpeg_doc_t *)base)->img, cr);
}

/* Frees the decoded image. */
static void jpeg_page_close(render_doc_t *base)
{
  render_image_clear(&((jpeg_doc_t *)base)->img);
}

/* Frees the document. */
static void jpeg_close(render_doc_t *base)
{
  jpeg_doc_t *d = (jpeg_doc_t *)base;
  jpeg_page_close(base);
  free(d->path);
  free(d);
}

static const render_doc_ops_t jpeg_ops = {jpeg_page_open, jpeg_page_paint, jpeg_page_close,
                                          jpeg_close};

/* Opens a JPEG and checks its header. Caller closes. */
render_doc_t *render_jpeg_open(const char *path, render_error_t *err)
{
  jpeg_doc_t *d = calloc(1, sizeof(*d));
  if (!d || !(d->path = strdup(path))) {
    free(d);
    render_fail(err, RENDER_EXIT_SYSTEM, "out of memory");
    return NULL;
  }
  d->base.ops = &jpeg_ops;
  d->base.format = RENDER_FORMAT_JPEG;
  d->base.pages = 1;
  d->base.band_bytes = RENDER_IMAGE_BAND_BYTES;
  if (!read_header(d, err)) {
    jpeg_close(&d->base);
    return NULL;
  }
  return &d->base;
}
