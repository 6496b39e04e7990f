/*
 * pwg-output.c: PWG raster (PWG 5102.4) pages, sRGB 8 or sGray 8, encoded row by row.
 *
 * Each row is compressed once (PackBits-style runs of pixels); consecutive identical rows are
 * sent once with a repeat count (up to 256), found by comparing the raw row with the row above
 * when both are in the band, else by comparing the encoded bytes. Header: see
 * render_pwg_header_for and render/README.md (copies are generated in the stream, so
 * NumCopies is 1; CrossFeedTransform and FeedTransform are 1: back sides are not turned).
 */
#include "render-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct render_pwg_enc_s {
  render_pwg_params_t p;
  render_pwg_header_t header;
  render_out_t *out;
  unsigned char *enc, *prev_enc; /* encoded rows */
  size_t prev_len;
  unsigned repeat;             /* extra occurrences of prev_enc not written yet (0..255) */
  bool have_prev;
  unsigned char *gray;         /* one grey row */
  void *scratch;               /* for the RGB encoder */
};

/* The header of every page written for p. */
void render_pwg_header_for(const render_pwg_params_t *p, render_pwg_header_t *h)
{
  const render_geom_t *g = p->g;
  memset(h, 0, sizeof(*h));
  snprintf(h->content_optimize, sizeof(h->content_optimize), "%s",
           p->content_optimize ? p->content_optimize : "");
  snprintf(h->page_size_name, sizeof(h->page_size_name), "%s", p->media ? p->media : "");
  h->duplex = p->sides != RENDER_SIDES_ONE;
  h->tumble = p->sides == RENDER_SIDES_SHORT_EDGE;
  h->xres = g->xres;
  h->yres = g->yres;
  h->num_copies = 0;
  h->page_w = (unsigned)floor(g->media_w + 1e-6); /* truncated, as libcups does */
  h->page_h = (unsigned)floor(g->media_h + 1e-6);
  h->bbox[2] = h->page_w;
  h->bbox[3] = h->page_h;
  h->width = g->width;
  h->height = g->height;
  h->bits_per_color = 8;
  h->bits_per_pixel = p->gray ? 8 : 24;
  h->bytes_per_line = g->width * (p->gray ? 1 : 3);
  h->color_space = p->gray ? 18 : 19; /* sGray, sRGB */
  h->num_colors = p->gray ? 1 : 3;
  h->total_pages = p->total_pages;
  h->cross_feed = 1;
  h->feed = 1;
  h->box[2] = g->width;
  h->box[3] = g->height;
  h->alternate_primary = 0xFFFFFF;
}

/* Allocates an encoder; rows are at most render_packbits_max bytes encoded. */
render_pwg_enc_t *render_pwg_enc_new(const render_pwg_params_t *p, render_out_t *out,
                                     render_error_t *err)
{
  render_pwg_enc_t *enc = calloc(1, sizeof(*enc));
  size_t max = render_packbits_max(p->g->width, p->gray ? 1 : 3);
  if (enc) {
    enc->p = *p;
    enc->out = out;
    enc->enc = malloc(max);
    enc->prev_enc = malloc(max);
    enc->gray = malloc(p->g->width);
    enc->scratch = malloc(render_packbits_rgb32_scratch(p->g->width));
  }
  if (!enc || !enc->enc || !enc->prev_enc || !enc->gray || !enc->scratch) {
    render_pwg_enc_free(enc);
    render_fail(err, RENDER_EXIT_SYSTEM, "out of memory");
    return NULL;
  }
  render_pwg_header_for(p, &enc->header);
  return enc;
}

/* Frees an encoder (NULL is fine). */
void render_pwg_enc_free(render_pwg_enc_t *enc)
{
  if (!enc)
    return;
  free(enc->enc);
  free(enc->prev_enc);
  free(enc->gray);
  free(enc->scratch);
  free(enc);
}

/* Writes the page header. */
bool render_pwg_page_begin(render_pwg_enc_t *enc, render_error_t *err)
{
  unsigned char buf[RENDER_PWG_HEADER_SIZE];
  render_pwg_header_encode(&enc->header, buf);
  enc->have_prev = false;
  enc->repeat = 0;
  return render_out_write(enc->out, buf, sizeof(buf), err);
}

/* Writes the pending row: repeat byte, then the encoded row. */
static bool flush_prev(render_pwg_enc_t *enc, render_error_t *err)
{
  unsigned char r = (unsigned char)enc->repeat;
  return render_out_write(enc->out, &r, 1, err) &&
         render_out_write(enc->out, enc->prev_enc, enc->prev_len, err);
}

/* Adds one row of the page. */
bool render_pwg_row(render_pwg_enc_t *enc, const uint32_t *row, const uint32_t *prev,
                    render_error_t *err)
{
  unsigned width = enc->p.g->width;
  if (enc->have_prev && enc->repeat < 255 && prev && !memcmp(prev, row, (size_t)width * 4)) {
    enc->repeat++;
    return true;
  }
  size_t len;
  if (enc->p.gray) {
    render_row_to_gray(row, width, enc->gray);
    len = render_packbits_encode(enc->gray, width, 1, enc->enc);
  } else {
    len = render_packbits_encode_rgb32(row, width, enc->scratch, enc->enc);
  }
  if (enc->have_prev && enc->repeat < 255 && len == enc->prev_len &&
      !memcmp(enc->enc, enc->prev_enc, len)) {
    enc->repeat++;
    return true;
  }
  if (enc->have_prev && !flush_prev(enc, err))
    return false;
  unsigned char *t = enc->prev_enc;
  enc->prev_enc = enc->enc;
  enc->enc = t;
  enc->prev_len = len;
  enc->repeat = 0;
  enc->have_prev = true;
  return true;
}

/* Ends the page: writes the last pending rows. */
bool render_pwg_page_end(render_pwg_enc_t *enc, render_error_t *err)
{
  bool ok = !enc->have_prev || flush_prev(enc, err);
  enc->have_prev = false;
  return ok;
}

/* A white page with the same header (duplex padding). */
bool render_pwg_blank_page(render_pwg_enc_t *enc, render_error_t *err)
{
  unsigned width = enc->p.g->width;
  uint32_t *white = malloc((size_t)width * 4);
  if (!white)
    return render_fail(err, RENDER_EXIT_SYSTEM, "out of memory");
  memset(white, 0xFF, (size_t)width * 4);
  bool ok = render_pwg_page_begin(enc, err);
  for (unsigned y = 0; ok && y < enc->p.g->height; y++)
    ok = render_pwg_row(enc, white, y ? white : NULL, err);
  ok = ok && render_pwg_page_end(enc, err);
  free(white);
  return ok;
}
