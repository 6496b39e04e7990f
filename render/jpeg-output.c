/*
 * jpeg-output.c: one page as a JPEG (--to jpeg, and the --thumbnail of page 1), encoded row by
 * row from the band with libjpeg-turbo into memory, then written out.
 */
#include "render-private.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h> /* after stdio.h */

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CAIRO_JCS JCS_EXT_BGRX
#else
#define CAIRO_JCS JCS_EXT_XRGB
#endif

typedef struct jpeg_out_s {
  struct jpeg_error_mgr mgr;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  struct jpeg_compress_struct c;
  unsigned char *gray;        /* one grey row, grey output only */
} jpeg_out_t;

/* libjpeg error_exit: keeps the message and jumps back to render_jpeg_write. */
static void on_error(j_common_ptr c)
{
  jpeg_out_t *o = (jpeg_out_t *)c->err;
  c->err->format_message(c, o->message);
  longjmp(o->jump, 1);
}

/* Row callback: one scanline, straight from the RGB24 band or through the grey row. */
static bool jpeg_row(void *data, const uint32_t *row, const uint32_t *prev, render_error_t *err)
{
  jpeg_out_t *o = data;
  (void)prev;
  (void)err;
  JSAMPROW rp = (JSAMPROW)row;
  if (o->gray) {
    render_row_to_gray(row, o->c.image_width, o->gray);
    rp = o->gray;
  }
  jpeg_write_scanlines(&o->c, &rp, 1);
  return true;
}

/* Draws the page into the encoder; called under the setjmp of render_jpeg_write. */
static bool encode_page(jpeg_out_t *o, render_doc_t *doc, const render_geom_t *g,
                        render_scaling_t scaling, render_band_t *band, int quality,
                        render_error_t *err)
{
  o->c.image_width = g->width;
  o->c.image_height = g->height;
  o->c.input_components = o->gray ? 1 : 4;
  o->c.in_color_space = o->gray ? JCS_GRAYSCALE : CAIRO_JCS;
  jpeg_set_defaults(&o->c);
  jpeg_set_quality(&o->c, quality, TRUE);
  if (g->xres) {
    o->c.density_unit = 1;
    o->c.X_density = (UINT16)g->xres;
    o->c.Y_density = (UINT16)g->yres;
  }
  jpeg_start_compress(&o->c, TRUE);
  if (!render_page_rows(doc, g, scaling, band, jpeg_row, o, err))
    return false;
  jpeg_finish_compress(&o->c);
  return true;
}

/* Renders page `index` at g and writes it to fd as a JPEG. */
bool render_jpeg_write(render_doc_t *doc, unsigned index, const render_geom_t *g,
                       render_scaling_t scaling, bool gray, int quality, int fd,
                       render_error_t *err)
{
  jpeg_out_t *o = calloc(1, sizeof(*o));
  render_band_t band = {0};
  unsigned char *volatile mem = NULL;
  unsigned long mem_len = 0;
  if (!o)
    return render_fail(err, RENDER_EXIT_SYSTEM, "out of memory");
  if (!doc->ops->page_open(doc, index, g, err)) {
    free(o);
    return false;
  }
  bool ok = render_band_alloc(&band, g, doc->band_bytes, err) &&
            (!gray || (o->gray = malloc(g->width)) ||
             render_fail(err, RENDER_EXIT_SYSTEM, "out of memory"));
  o->c.err = jpeg_std_error(&o->mgr);
  o->mgr.error_exit = on_error;
  jpeg_create_compress(&o->c);
  if (setjmp(o->jump)) {
    ok = render_fail(err, RENDER_EXIT_SYSTEM, "cannot write the JPEG: %s", o->message);
  } else if (ok) {
    jpeg_mem_dest(&o->c, (unsigned char **)&mem, &mem_len);
    ok = encode_page(o, doc, g, scaling, &band, quality, err);
  }
  jpeg_destroy_compress(&o->c);
  if (ok && !render_write_all(fd, mem, mem_len))
    ok = render_fail(err, RENDER_EXIT_SYSTEM, "cannot write the JPEG");
  free(mem);
  free(o->gray);
  free(o);
  render_band_free(&band);
  doc->ops->page_close(doc);
  return ok;
}
