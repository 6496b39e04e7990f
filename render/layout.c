/*
 * layout.c: page geometry and the placement of page content on the media (print-scaling).
 *
 * print-scaling, with the media's printable area = the whole media (quire-render writes no
 * margins):
 *   fit       scale to fit inside the media, keeping the aspect ratio (may leave white bands)
 *   fill      scale to cover the media, keeping the aspect ratio (may crop)
 *   none      natural size (PDF points; images at their resolution, 72 ppi when unknown)
 *   auto-fit  'fit' if the content is larger than the media, else 'none'
 *   auto      the same as auto-fit: quire never prints borderless, so PWG 5100.13's 'fill' for
 *             borderless images does not arise. Images without a resolution count as larger.
 * The content is centred, and turned 90 degrees counter-clockwise when it is landscape on
 * portrait media or the reverse (as orientation-requested 'none' asks printers to do).
 */
#include "render-private.h"

#include <math.h>

#define MM_TO_PT (72.0 / 25.4)
#define MAX_OUTPUT_PIXELS 1.0e9 /* one output page (A0 at 600 dpi is 0.56e9) */
#define SIZE_SLACK_PT 0.5       /* content this close to the media size counts as equal */

/* Geometry of a page at xres x yres dpi, with the size limits checked. */
bool render_geom_init(render_geom_t *g, double media_w, double media_h, unsigned xres,
                      unsigned yres, render_error_t *err)
{
  double max_pt = RENDER_MAX_PAGE_MM * MM_TO_PT;
  if (!(media_w > 0 && media_h > 0) || media_w > max_pt || media_h > max_pt)
    return render_fail(err, RENDER_EXIT_UNPRINTABLE,
                       "the media is %.0f x %.0f mm, over the %.0f mm limit",
                       media_w / MM_TO_PT, media_h / MM_TO_PT, RENDER_MAX_PAGE_MM);
  g->media_w = media_w;
  g->media_h = media_h;
  g->xres = xres;
  g->yres = yres;
  g->sx = xres / 72.0;
  g->sy = yres / 72.0;
  /* Truncated like libcups's cupsRasterInitPWGHeader (A4 at 300 dpi: 2480 x 3507). */
  double w = floor(media_w * g->sx + 1e-6), h = floor(media_h * g->sy + 1e-6);
  if (w < 1 || h < 1 || w * h > MAX_OUTPUT_PIXELS)
    return render_fail(err, RENDER_EXIT_UNPRINTABLE,
                       "a page would be %.0f x %.0f pixels at %u dpi, over the limit", w, h,
                       xres);
  g->width = (unsigned)w;
  g->height = (unsigned)h;
  return true;
}

/* Geometry whose longest side is `side` pixels. */
void render_geom_init_thumb(render_geom_t *g, double media_w, double media_h, unsigned side)
{
  double s = side / fmax(media_w, media_h);
  g->media_w = media_w;
  g->media_h = media_h;
  g->sx = g->sy = s;
  g->xres = g->yres = 0;
  g->width = (unsigned)fmax(1, floor(media_w * s + 0.5));
  g->height = (unsigned)fmax(1, floor(media_h * s + 0.5));
}

/* Scale factor for one print-scaling mode. */
static double layout_scale(double mw, double mh, double rw, double rh, bool size_known,
                           render_scaling_t scaling)
{
  double fit = fmin(mw / rw, mh / rh), fill = fmax(mw / rw, mh / rh);
  bool larger = !size_known || rw > mw + SIZE_SLACK_PT || rh > mh + SIZE_SLACK_PT;
  switch (scaling) {
  case RENDER_SCALING_FIT:
    return fit;
  case RENDER_SCALING_FILL:
    return fill;
  case RENDER_SCALING_NONE:
    return 1.0;
  case RENDER_SCALING_AUTO:
  case RENDER_SCALING_AUTO_FIT:
  default:
    return larger ? fit : 1.0;
  }
}

/* Content points -> media points: centred, scaled, maybe rotated. */
void render_layout(double mw, double mh, const render_content_t *c, render_scaling_t scaling,
                   cairo_matrix_t *m)
{
  double cw = c->width > 0 ? c->width : 1, ch = c->height > 0 ? c->height : 1;
  bool rotate = (cw > ch && mw < mh) || (cw < ch && mw > mh);
  double rw = rotate ? ch : cw, rh = rotate ? cw : ch;
  double s = layout_scale(mw, mh, rw, rh, c->size_known, scaling);

  cairo_matrix_init_translate(m, (mw - rw * s) / 2, (mh - rh * s) / 2);
  cairo_matrix_scale(m, s, s);
  if (rotate) {
    /* Counter-clockwise: content (x, y) -> (y, cw - x); its top edge ends up on the left. */
    cairo_matrix_t r;
    cairo_matrix_init(&r, 0, -1, 1, 0, 0, cw);
    cairo_matrix_multiply(m, &r, m);
  }
}
