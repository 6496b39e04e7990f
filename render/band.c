/*
 * band.c: draws an open page into a band buffer of cairo RGB24 pixels, band by band, and hands
 * each row to the consumers (PWG encoder, analysis, JPEG writer) while it is in the cache.
 *
 * Images and raster pages (small bands, cheap to paint) may use two threads: a painter thread
 * paints band k + 1 into a second buffer while the caller's thread hands the rows of band k
 * to the consumers. Only the painter paints, so the document needs no locking; the rows reach
 * the consumers in the same order, so the output is the same as with one thread.
 */
#include "render-private.h"

#include <stdlib.h>
#include <string.h>

#define PAINTER_STACK (1u << 20)

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
  band->spare = NULL; /* allocated when a painter thread is used (render_page_rows) */
  if (!band->buf)
    return render_fail(err, RENDER_EXIT_SYSTEM, "out of memory for a %u x %u page", g->width,
                       g->height);
  return true;
}

/* Frees the band's buffers (the struct is the caller's). */
void render_band_free(render_band_t *band)
{
  free(band->buf);
  free(band->spare);
  band->buf = band->spare = NULL;
}

/* Paints rows [y0, y0 + rows) of the open page into buf (a band's buffer), on white. */
static bool band_draw(render_doc_t *doc, const render_geom_t *g, const cairo_matrix_t *layout,
                      const render_band_t *band, uint32_t *buf, unsigned y0, unsigned rows,
                      render_error_t *err)
{
  memset(buf, 0xFF, band->stride * rows);
  cairo_surface_t *s = cairo_image_surface_create_for_data(
      (unsigned char *)buf, CAIRO_FORMAT_RGB24, (int)g->width, (int)rows, (int)band->stride);
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

/* Calls fn for rows [0, rows) of a painted band buffer; prev is the row above in the band. */
static bool band_rows(const render_band_t *band, const uint32_t *buf, unsigned rows,
                      render_row_fn fn, void *data, render_error_t *err)
{
  const uint32_t *prev = NULL;
  for (unsigned r = 0; r < rows; r++) {
    const uint32_t *row = (const uint32_t *)((const unsigned char *)buf + r * band->stride);
    if (!fn(data, row, prev, err))
      return false;
    prev = row;
  }
  return true;
}

/* Rows of band k (of band->rows rows each) on a page of `height` rows. */
static unsigned band_height(const render_band_t *band, unsigned height, unsigned k)
{
  unsigned y0 = k * band->rows;
  return height - y0 < band->rows ? height - y0 : band->rows;
}

/* The painter thread and what it shares with the consumer (see the top of the file). Band k
 * is painted into bufs[k % 2]. */
typedef struct painter_s {
  render_doc_t *doc;
  const render_geom_t *g;
  const cairo_matrix_t *layout;
  const render_band_t *band;
  uint32_t *bufs[2];
  unsigned bands;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  unsigned painted;           /* bands painted so far */
  unsigned consumed;          /* bands whose rows the consumer has used */
  bool stop;                  /* the consumer failed: paint no more */
  bool failed;                /* painting failed: err holds why */
  render_error_t err;
} painter_t;

/* Painter thread body: paints every band once its buffer is free again. */
static void *painter_main(void *data)
{
  painter_t *p = data;
  for (unsigned k = 0; k < p->bands; k++) {
    pthread_mutex_lock(&p->lock);
    while (k >= p->consumed + 2 && !p->stop)
      pthread_cond_wait(&p->cond, &p->lock);
    bool stop = p->stop;
    pthread_mutex_unlock(&p->lock);
    if (stop)
      break;
    bool ok = band_draw(p->doc, p->g, p->layout, p->band, p->bufs[k % 2], k * p->band->rows,
                        band_height(p->band, p->g->height, k), &p->err);
    pthread_mutex_lock(&p->lock);
    p->failed = !ok;
    p->painted += ok;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    if (!ok)
      break;
  }
  return NULL;
}

/* Consumer side of the painter: band by band, waits for it and hands its rows to fn. */
static bool painter_consume(painter_t *p, render_row_fn fn, void *data, render_error_t *err)
{
  for (unsigned k = 0; k < p->bands; k++) {
    pthread_mutex_lock(&p->lock);
    while (p->painted <= k && !p->failed)
      pthread_cond_wait(&p->cond, &p->lock);
    bool painted = p->painted > k;
    pthread_mutex_unlock(&p->lock);
    if (!painted)
      return render_fail(err, p->err.status, "%s", p->err.message);
    bool ok = band_rows(p->band, p->bufs[k % 2], band_height(p->band, p->g->height, k), fn, data,
                        err);
    pthread_mutex_lock(&p->lock);
    p->consumed = k + 1;
    p->stop = !ok;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    if (!ok)
      return false;
  }
  return true;
}

/* Paints the bands in a painter thread while this thread uses the rows. Sets *started to
 * false (and does nothing) when the thread cannot be set up. */
static bool page_rows_threaded(render_doc_t *doc, const render_geom_t *g,
                               const cairo_matrix_t *layout, render_band_t *band,
                               render_row_fn fn, void *data, bool *started, render_error_t *err)
{
  painter_t p = {.doc = doc, .g = g, .layout = layout, .band = band,
                 .bufs = {band->buf, band->spare},
                 .bands = (g->height + band->rows - 1) / band->rows};
  pthread_t thread;
  *started = false;
  if (pthread_mutex_init(&p.lock, NULL) != 0)
    return false;
  if (pthread_cond_init(&p.cond, NULL) != 0) {
    pthread_mutex_destroy(&p.lock);
    return false;
  }
  *started = render_thread_start(&thread, painter_main, &p, PAINTER_STACK);
  bool ok = *started && painter_consume(&p, fn, data, err);
  if (*started) {
    pthread_mutex_lock(&p.lock);
    p.stop = true; /* a painter still waiting for a buffer ends */
    pthread_cond_broadcast(&p.cond);
    pthread_mutex_unlock(&p.lock);
    pthread_join(thread, NULL);
  }
  pthread_cond_destroy(&p.cond);
  pthread_mutex_destroy(&p.lock);
  return ok;
}

/* Draws the open page band by band and calls fn for every row: with a painter thread for
 * documents with cheap bands (doc->band_bytes up to RENDER_IMAGE_BAND_BYTES) of more than one
 * band when the document may use threads, else in this thread. */
bool render_page_rows(render_doc_t *doc, const render_geom_t *g, render_scaling_t scaling,
                      render_band_t *band, render_row_fn fn, void *data, render_error_t *err)
{
  cairo_matrix_t layout;
  render_layout(g->media_w, g->media_h, &doc->content, scaling, &layout);
  if (doc->threads > 1 && doc->band_bytes <= RENDER_IMAGE_BAND_BYTES && band->rows < g->height) {
    if (!band->spare)
      band->spare = render_alloc_pixels(band->size);
    bool started = false;
    bool ok = band->spare &&
              page_rows_threaded(doc, g, &layout, band, fn, data, &started, err);
    if (started)
      return ok;
  }
  for (unsigned y0 = 0; y0 < g->height; y0 += band->rows) {
    unsigned rows = g->height - y0 < band->rows ? g->height - y0 : band->rows;
    if (!band_draw(doc, g, &layout, band, band->buf, y0, rows, err) ||
        !band_rows(band, band->buf, rows, fn, data, err))
      return false;
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
