/*
 * band.c: draws an open page into a band buffer of cairo RGB24 pixels, band by band, and hands
 * each row to the consumers (PWG encoder, analysis, JPEG writer) while it is in the cache.
 */
#include "render-private.h"

#include <stdlib.h>
#include <string.h>

/* Allocates a band for g: the whole page when it fits in max_bytes, else as many rows as do.
 * PDF pages use large bands (each band re-runs the page's drawing), images small ones (they
 * stay in the cache). */
bool render_band_alloc(render_band_t *band, const render_geom_t *g, size_t max_bytes,
                       render_error_t *err)
{
  band->stride = (size_t)g->width * 4;
  size_t rows = max_bytes / band->stride;
  if (rows < 1)
    rows = 1;
  if (rows > g->height)
    rows = g->height;
  band->rows = (unsigned)rows;
  band->size = band->stride * rows;
  band->buf = render_alloc_pixels(band->size);
  if (!band->buf)
    return render_fail(err, RENDER_EXIT_SYSTEM, "out of memory for a %u x %u page", g->width,
                       g->height);
  return true;
}

/* Frees the band's buffer (the struct is the caller's). */
void render_band_free(render_band_t *band)
{
  free(band->buf);
  band->buf = NULL;
}

/* Paints rows [y0, y0 + rows) of the open page into the band, on white. */
static bool band_draw(render_doc_t *doc, const render_geom_t *g, const cairo_matrix_t *layout,
                      render_band_t *band, unsigned y0, unsigned rows, render_error_t *err)
{
  memset(band->buf, 0xFF, band->stride * rows);
  cairo_surface_t *s = cairo_image_surface_create_for_data(
      (unsigned char *)band->buf, CAIRO_FORMAT_RGB24, (int)g->width, (int)rows, (int)band->stride);
  cairo_t *cr = cairo_create(s);
  cairo_translate(cr, 0, -(double)y0);
  cairo_scale(cr, g->sx, g->sy);
  cairo_transform(cr, layout);
  doc->ops->page_paint(doc, cr);
  cairo_status_t status = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_finish(s);
  cairo_surface_destroy(s);
  if (status != CAIRO_STATUS_SUCCESS)
    return render_fail(err, RENDER_EXIT_SYSTEM, "cannot draw the page: %s",
                       cairo_status_to_string(status));
  return true;
}

/* Draws the open page band by band and calls fn for every row. */
bool render_page_rows(render_doc_t *doc, const render_geom_t *g, render_scaling_t scaling,
                      render_band_t *band, render_row_fn fn, void *data, render_error_t *err)
{
  cairo_matrix_t layout;
  render_layout(g->media_w, g->media_h, &doc->content, scaling, &layout);
  for (unsigned y0 = 0; y0 < g->height; y0 += band->rows) {
    unsigned rows = g->height - y0 < band->rows ? g->height - y0 : band->rows;
    if (!band_draw(doc, g, &layout, band, y0, rows, err))
      return false;
    const uint32_t *prev = NULL;
    for (unsigned r = 0; r < rows; r++) {
      const uint32_t *row = (const uint32_t *)((const unsigned char *)band->buf + r * band->stride);
      if (!fn(data, row, prev, err))
        return false;
      prev = row;
    }
  }
  return true;
}

/* What render_page_raster feeds each row to. */
typedef struct raster_sinks_s {
  render_pwg_enc_t *enc;
  render_analysis_t *analysis;
  unsigned width;
} raster_sinks_t;

/* Row callback of render_page_raster: analysis, then the PWG encoder. */
static bool raster_row(void *data, const uint32_t *row, const uint32_t *prev,
                       render_error_t *err)
{
  raster_sinks_t *s = data;
  if (s->analysis)
    render_analysis_row(s->analysis, row, s->width);
  return !s->enc || render_pwg_row(s->enc, row, prev, err);
}

/* Renders one page into the PWG encoder and/or the analysis. */
bool render_page_raster(render_doc_t *doc, unsigned index, const render_geom_t *g,
                        render_scaling_t scaling, render_band_t *band, render_pwg_enc_t *enc,
                        bool gray, render_page_info_t *info, render_error_t *err)
{
  render_analysis_t analysis;
  raster_sinks_t sinks = {enc, info ? &analysis : NULL, g->width};

  if (!doc->ops->page_open(doc, index, g, err))
    return false;
  if (info)
    render_analysis_begin(&analysis, gray);
  bool ok = (!enc || render_pwg_page_begin(enc, err)) &&
            render_page_rows(doc, g, scaling, band, raster_row, &sinks, err) &&
            (!enc || render_pwg_page_end(enc, err));
  if (ok && info) {
    render_analysis_end(&analysis, info);
    info->width_pt = doc->page_w;
    info->height_pt = doc->page_h;
  }
  doc->ops->page_close(doc);
  return ok;
}
