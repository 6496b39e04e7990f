/*
 * jpeg-input.c: JPEG documents (one page) through libjpeg-turbo.
 *
 * The header is read when the document opens (size limit, EXIF orientation, JFIF density);
 * the pixels when the page opens, with DCT scaling (scale_num/8) picked so the decoded image
 * still has at least one pixel per device pixel. RGB/YCbCr decode straight into a cairo RGB24
 * surface (JCS_EXT_BGRX); grey and CMYK/YCCK (Adobe inverted CMYK, naive conversion) go
 * through one row buffer. libjpeg's errors and warnings (a truncated file is only a warning
 * to libjpeg) jump back through longjmp and fail the document as damaged.
 */
#include "render-private.h"

#include <errno.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h> /* after stdio.h */

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CAIRO_JCS JCS_EXT_BGRX
#else
#define CAIRO_JCS JCS_EXT_XRGB
#endif

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

/* Decodes every scanline into the surface. Runs under the caller's setjmp. */
static void decode_rows(struct jpeg_decompress_struct *c, unsigned char *data, int stride,
                        JSAMPLE *row)
{
  while (c->output_scanline < c->output_height) {
    uint32_t *dst = (uint32_t *)(data + (size_t)c->output_scanline * (size_t)stride);
    if (!row) {
      JSAMPROW rp = (JSAMPROW)dst;
      jpeg_read_scanlines(c, &rp, 1);
    } else {
      JSAMPROW rp = row;
      jpeg_read_scanlines(c, &rp, 1);
      convert_row(c, row, dst);
    }
  }
}

/* Decodes the image at scale/8 into d->img. */
static bool decode(jpeg_doc_t *d, unsigned scale, render_error_t *err)
{
  FILE *fp = fopen(d->path, "rb");
  if (!fp)
    return render_fail(err, RENDER_EXIT_SYSTEM, "cannot open the image: %s", strerror(errno));
  struct jpeg_decompress_struct c;
  jpeg_fail_t f;
  cairo_surface_t *volatile surface = NULL;
  JSAMPLE *volatile row = NULL;
  fail_init(&f, &c);
  if (setjmp(f.jump)) {
    jpeg_destroy_decompress(&c);
    fclose(fp);
    free(row);
    if (surface)
      cairo_surface_destroy(surface);
    return render_fail(err, RENDER_EXIT_FORMAT, "the JPEG image is damaged: %s", f.message);
  }
  jpeg_create_decompress(&c);
  jpeg_stdio_src(&c, fp);
  jpeg_read_header(&c, TRUE);
  c.scale_num = scale;
  c.scale_denom = 8;
  if (c.jpeg_color_space == JCS_CMYK || c.jpeg_color_space == JCS_YCCK)
    c.out_color_space = JCS_CMYK;
  else if (c.num_components == 1)
    c.out_color_space = JCS_GRAYSCALE;
  else
    c.out_color_space = CAIRO_JCS;
  jpeg_start_decompress(&c);
  surface = render_surface_new(c.output_width, c.output_height);
  if (!surface ||
      (c.out_color_space != CAIRO_JCS &&
       !(row = malloc((size_t)c.output_width * (size_t)c.output_components)))) {
    strcpy(f.message, "out of memory");
    jpeg_destroy_decompress(&c);
    fclose(fp);
    free(row);
    if (surface)
      cairo_surface_destroy(surface);
    return render_fail(err, RENDER_EXIT_SYSTEM, "out of memory for a %u x %u image",
                       c.output_width, c.output_height);
  }
  cairo_surface_flush(surface);
  decode_rows(&c, cairo_image_surface_get_data(surface), cairo_image_surface_get_stride(surface),
              row);
  jpeg_finish_decompress(&c);
  cairo_surface_mark_dirty(surface);
  d->img.surface = surface;
  d->img.width = c.output_width;
  d->img.height = c.output_height;
  d->img.xppi = d->img.yppi = d->ppi * scale / 8.0;
  d->img.orientation = d->orientation;
  jpeg_destroy_decompress(&c);
  fclose(fp);
  free(row);
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
  if (!decode(d, scale, err))
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
