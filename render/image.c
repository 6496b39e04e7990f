/*
 * image.c: decoded images (JPEG, raster pages) as cairo RGB24 surfaces, painted with their
 * EXIF orientation and resolution. Content space of an image: the displayed (oriented) image,
 * in points at its resolution (72 ppi when it has none).
 *
 * Painting: pixman's fast (SIMD) bilinear paths only handle a positive scale, and its generic
 * path for turned or mirrored images is several times slower; so when the stored image must be
 * turned or mirrored (EXIF orientation, auto-rotation onto the media), a turned copy is made
 * once per page (cached in img->upright, 64 x 64 tiles) and painted with a plain scale.
 */
#include "render-private.h"

#include <math.h>
#include <stdint.h>

#define TILE 64

#define UNKNOWN_PPI 72.0

/* Displayed width/height in pixels and resolution, after orientation. */
static void displayed(const render_image_t *img, double *w, double *h, double *xppi,
                      double *yppi)
{
  bool swap = img->orientation >= 5;
  *w = swap ? img->height : img->width;
  *h = swap ? img->width : img->height;
  double xr = swap ? img->yppi : img->xppi, yr = swap ? img->xppi : img->yppi;
  bool known = img->xppi > 0 && img->yppi > 0;
  *xppi = known ? xr : UNKNOWN_PPI;
  *yppi = known ? yr : UNKNOWN_PPI;
}

/* Natural size of the displayed image, in points at its resolution. */
void render_image_content(const render_image_t *img, render_content_t *content)
{
  double w, h, xppi, yppi;
  displayed(img, &w, &h, &xppi, &yppi);
  content->width = w * 72.0 / xppi;
  content->height = h * 72.0 / yppi;
  content->size_known = img->xppi > 0 && img->yppi > 0;
  content->is_image = true;
}

/* Rounds a to the nearest of -1, 0, 1 when it is within 1e-3 of it. */
static bool snap_unit(double *a)
{
  double r = round(*a);
  if (fabs(*a - r) > 1e-3 || fabs(r) > 1)
    return false;
  *a = r;
  return true;
}

/* One image pixel per device pixel (a raster page at the output resolution, possibly turned by
 * a multiple of 90 degrees): align on whole device pixels, so the copy is exact instead of
 * interpolated across a sub-pixel centring offset. */
static void snap_unit_scale(cairo_matrix_t *m)
{
  cairo_matrix_t t = *m;
  if (snap_unit(&t.xx) && snap_unit(&t.yy) && snap_unit(&t.xy) && snap_unit(&t.yx) &&
      fabs(t.xx * t.yy - t.xy * t.yx) == 1) {
    t.x0 = round(t.x0);
    t.y0 = round(t.y0);
    *m = t;
  }
}

/* Frees the stored surface and the turned copy. */
void render_image_clear(render_image_t *img)
{
  if (img->surface)
    cairo_surface_destroy(img->surface);
  if (img->upright)
    cairo_surface_destroy(img->upright);
  img->surface = img->upright = NULL;
}

/* -1, 0 or 1. */
static int sign(double v)
{
  return v > 1e-9 ? 1 : v < -1e-9 ? -1 : 0;
}

/* Multiplies ctm (user -> device) by the image's own part: points at its resolution, then
 * displayed pixels -> stored pixels. Afterwards ctm maps stored pixels to the device. */
static void image_ctm(const render_image_t *img, cairo_matrix_t *ctm)
{
  double w, h, xppi, yppi;
  displayed(img, &w, &h, &xppi, &yppi);
  cairo_matrix_t s, e;
  cairo_matrix_init_scale(&s, 72.0 / xppi, 72.0 / yppi);
  cairo_matrix_multiply(ctm, &s, ctm);
  render_exif_matrix(img->orientation, img->width, img->height, &e);
  if (cairo_matrix_invert(&e) == CAIRO_STATUS_SUCCESS)
    cairo_matrix_multiply(ctm, &e, ctm);
}

/* For a CTM (stored pixels -> device) that turns or mirrors by multiples of 90 degrees, the
 * matrix t from turned pixels to stored ones such that CTM * t is a positive scale, the
 * turned size and a key naming the turn; 0 (t = identity) when no turn is needed. For the
 * sign pattern p = {xx, xy, yx, yy} of the CTM (a signed permutation P), t = P^-1 = P^T plus
 * a translation. */
static int turn_for_ctm(const cairo_matrix_t *ctm, unsigned w, unsigned h, cairo_matrix_t *t,
                        unsigned *nw, unsigned *nh)
{
  int p[4] = {sign(ctm->xx), sign(ctm->xy), sign(ctm->yx), sign(ctm->yy)};
  bool perm = (p[0] && p[3] && !p[1] && !p[2]) || (!p[0] && !p[3] && p[1] && p[2]);
  cairo_matrix_init_identity(t);
  *nw = w;
  *nh = h;
  if (!perm || (p[0] > 0 && p[3] > 0))
    return 0;
  bool swap = p[0] == 0;
  *nw = swap ? h : w;
  *nh = swap ? w : h;
  /* t: stored x = p[0] u + p[2] v + tx, stored y = p[1] u + p[3] v + ty */
  double tx = (p[0] < 0 ? *nw : 0) + (p[2] < 0 ? *nh : 0);
  double ty = (p[1] < 0 ? *nw : 0) + (p[3] < 0 ? *nh : 0);
  cairo_matrix_init(t, p[0], p[1], p[2], p[3], tx, ty);
  return (p[0] + 1) * 27 + (p[1] + 1) * 9 + (p[2] + 1) * 3 + (p[3] + 1);
}

/* Pixel index offsets for a matrix m with entries -1, 0, 1 mapping pixels of a to pixels of
 * b (row stride bs): pixel (x, y) of a, sampled at its centre, is b[o + x * dx + y * dy]. */
static void pixel_steps(const cairo_matrix_t *m, ptrdiff_t bs, ptrdiff_t *o, ptrdiff_t *dx,
                        ptrdiff_t *dy)
{
  long xx = lround(m->xx), xy = lround(m->xy), yx = lround(m->yx), yy = lround(m->yy);
  long u0 = lround(floor(0.5 * (m->xx + m->xy) + m->x0));
  long v0 = lround(floor(0.5 * (m->yx + m->yy) + m->y0));
  *o = v0 * bs + u0;
  *dx = yx * bs + xx;
  *dy = yy * bs + xy;
}

/* Copies src into a new nw x nh surface whose pixel (u, v) is the src pixel t maps its centre
 * to; 64 x 64 tiles. NULL if out of memory. */
static cairo_surface_t *turned_copy(cairo_surface_t *src, const cairo_matrix_t *t, unsigned nw,
                                    unsigned nh)
{
  cairo_surface_t *dst = render_surface_new(nw, nh);
  if (!dst)
    return NULL;
  cairo_surface_flush(src);
  cairo_surface_flush(dst);
  const uint32_t *s = (const uint32_t *)cairo_image_surface_get_data(src);
  uint32_t *d = (uint32_t *)cairo_image_surface_get_data(dst);
  ptrdiff_t ds = cairo_image_surface_get_stride(dst) / 4, o, step_u, step_v;
  pixel_steps(t, cairo_image_surface_get_stride(src) / 4, &o, &step_u, &step_v);
  for (unsigned v0 = 0; v0 < nh; v0 += TILE)
    for (unsigned u0 = 0; u0 < nw; u0 += TILE)
      for (unsigned v = v0; v < v0 + TILE && v < nh; v++) {
        const uint32_t *sp = s + o + step_u * (ptrdiff_t)u0 + step_v * (ptrdiff_t)v;
        uint32_t *dp = d + (size_t)v * (size_t)ds;
        for (unsigned u = u0; u < u0 + TILE && u < nw; u++, sp += step_u)
          dp[u] = *sp;
      }
  cairo_surface_mark_dirty(dst);
  return dst;
}

/* Recreates the stored-orientation surface from the turned one (the decoder kept only that);
 * false if out of memory. */
static bool restore_stored(render_image_t *img)
{
  cairo_matrix_t inv = img->upright_t;
  if (img->surface)
    return true;
  if (!img->upright || cairo_matrix_invert(&inv) != CAIRO_STATUS_SUCCESS)
    return false;
  img->surface = turned_copy(img->upright, &inv, img->width, img->height);
  return img->surface != NULL;
}

/* Makes the CTM a positive scale when it turns or mirrors: switches the source to a turned
 * copy (made once per orientation, then cached) and adjusts the CTM. Returns the surface to
 * paint and its size. */
static cairo_surface_t *upright_source(render_image_t *img, cairo_t *cr, unsigned *w, unsigned *h)
{
  cairo_matrix_t ctm, t;
  cairo_get_matrix(cr, &ctm);
  unsigned nw, nh;
  int key = turn_for_ctm(&ctm, img->width, img->height, &t, &nw, &nh);
  if (img->upright && img->upright_key == key) {
    cairo_transform(cr, &img->upright_t);
    *w = nw;
    *h = nh;
    return img->upright;
  }
  if (!restore_stored(img)) { /* out of memory: paint the turned pixels turned back, slowly */
    cairo_transform(cr, &img->upright_t);
    cairo_surface_t *u = img->upright;
    *w = (unsigned)cairo_image_surface_get_width(u);
    *h = (unsigned)cairo_image_surface_get_height(u);
    return u;
  }
  *w = img->width;
  *h = img->height;
  if (!key)
    return img->surface;
  if (img->upright)
    cairo_surface_destroy(img->upright);
  img->upright = turned_copy(img->surface, &t, nw, nh);
  img->upright_key = key;
  img->upright_t = t;
  if (!img->upright)
    return img->surface; /* out of memory: paint turned, slowly */
  cairo_transform(cr, &t);
  *w = nw;
  *h = nh;
  return img->upright;
}

/* Allocates the surface img will be painted from on g with `scaling`: turned already when
 * painting would turn it (then img->upright, key set, img->surface NULL), so that no second
 * copy is made. img's size, resolution and orientation must be set. False if out of memory. */
bool render_image_alloc(render_image_t *img, const render_geom_t *g, render_scaling_t scaling)
{
  render_content_t content;
  cairo_matrix_t ctm, layout, t;
  render_image_content(img, &content);
  render_layout(g->media_w, g->media_h, &content, scaling, &layout);
  cairo_matrix_init_scale(&ctm, g->sx, g->sy);
  cairo_matrix_multiply(&ctm, &layout, &ctm);
  image_ctm(img, &ctm);
  unsigned nw, nh;
  int key = turn_for_ctm(&ctm, img->width, img->height, &t, &nw, &nh);
  cairo_surface_t *s = render_surface_new(nw, nh);
  if (!s)
    return false;
  cairo_surface_flush(s);
  if (key) {
    img->upright = s;
    img->upright_key = key;
    img->upright_t = t;
  } else {
    img->surface = s;
  }
  return true;
}

/* Where stored row y of an image from render_image_alloc goes when it is not turned; NULL when
 * it is (then rows are handed over with render_image_put_rows). */
uint32_t *render_image_row(render_image_t *img, unsigned y)
{
  if (!img->surface)
    return NULL;
  unsigned char *data = cairo_image_surface_get_data(img->surface);
  return (uint32_t *)(data + (size_t)y * (size_t)cairo_image_surface_get_stride(img->surface));
}

/* Writes n stored rows from y0 on (`rows`, `stride` bytes apart) into the turned surface. */
void render_image_put_rows(render_image_t *img, const uint32_t *rows, size_t stride, unsigned y0,
                           unsigned n)
{
  cairo_matrix_t inv = img->upright_t; /* stored pixels -> turned pixels */
  if (cairo_matrix_invert(&inv) != CAIRO_STATUS_SUCCESS)
    return;
  uint32_t *d = (uint32_t *)cairo_image_surface_get_data(img->upright);
  ptrdiff_t ss = (ptrdiff_t)(stride / 4), o, dx, dy;
  pixel_steps(&inv, cairo_image_surface_get_stride(img->upright) / 4, &o, &dx, &dy);
  uint32_t *base = d + o + dy * (ptrdiff_t)y0;
  if (dy == 1 || dy == -1) { /* a stored column is a turned row: copy column by column */
    for (unsigned x = 0; x < img->width; x++) {
      const uint32_t *s = rows + x;
      uint32_t *p = base + dx * (ptrdiff_t)x;
      for (unsigned i = 0; i < n; i++, s += ss, p += dy)
        *p = *s;
    }
    return;
  }
  for (unsigned i = 0; i < n; i++) {
    const uint32_t *s = rows + ss * (ptrdiff_t)i;
    uint32_t *p = base + dy * (ptrdiff_t)i;
    for (unsigned x = 0; x < img->width; x++, p += dx)
      *p = s[x];
  }
}

/* Ends writing the pixels of an image from render_image_alloc. */
void render_image_done(render_image_t *img)
{
  cairo_surface_mark_dirty(img->surface ? img->surface : img->upright);
}

/* Paints the stored surface so that it appears oriented, at its resolution. Bilinear
 * filtering, or cairo's "good" (box) filter when shrinking by more than half. */
void render_image_paint(render_image_t *img, cairo_t *cr)
{
  double w, h, xppi, yppi;
  displayed(img, &w, &h, &xppi, &yppi);
  cairo_matrix_t e;
  render_exif_matrix(img->orientation, img->width, img->height, &e);
  if (cairo_matrix_invert(&e) != CAIRO_STATUS_SUCCESS)
    return;
  cairo_save(cr);
  /* as image_ctm, through cairo's own steps: cairo_set_matrix would invert the CTM anew, and
   * pixman's sampling follows the inverse to the last bit */
  cairo_scale(cr, 72.0 / xppi, 72.0 / yppi);
  cairo_transform(cr, &e); /* now in stored pixels */
  unsigned w_px, h_px;
  cairo_surface_t *source = upright_source(img, cr, &w_px, &h_px);

  cairo_matrix_t ctm;
  cairo_get_matrix(cr, &ctm);
  snap_unit_scale(&ctm);
  cairo_set_matrix(cr, &ctm);
  double det = fabs(ctm.xx * ctm.yy - ctm.xy * ctm.yx);
  cairo_set_source_surface(cr, source, 0, 0);
  cairo_pattern_t *pat = cairo_get_source(cr);
  cairo_pattern_set_extend(pat, CAIRO_EXTEND_PAD);
  cairo_pattern_set_filter(pat, det < 0.25 ? CAIRO_FILTER_GOOD : CAIRO_FILTER_BILINEAR);
  /* Fill the image's box rounded to whole device pixels: an aligned box is one plain pixman
   * composite (SIMD bilinear), an unaligned one goes through masks. */
  double x0 = 0, y0 = 0, x1 = w_px, y1 = h_px;
  cairo_user_to_device(cr, &x0, &y0);
  cairo_user_to_device(cr, &x1, &y1);
  cairo_identity_matrix(cr);
  double l = round(fmin(x0, x1)), t = round(fmin(y0, y1));
  cairo_rectangle(cr, l, t, round(fmax(x0, x1)) - l, round(fmax(y0, y1)) - t);
  cairo_fill(cr);
  cairo_restore(cr);
}

/* Eighths to decode at: the largest power-of-two reduction (1/2, 1/4, 1/8, which libjpeg-turbo
 * decodes with SIMD; 3/8, 7/8... are plain C and slower than a full decode) that still leaves
 * RENDER_MIN_IMAGE_DENSITY image pixels per device pixel after placement (at 300 dpi: at least
 * 180 image pixels per inch). */
unsigned render_image_decode_scale(unsigned w, unsigned h, int o, double xppi, double yppi,
                                   const render_geom_t *g, render_scaling_t scaling)
{
  render_image_t probe = {.width = w, .height = h, .xppi = xppi, .yppi = yppi, .orientation = o};
  render_content_t content;
  render_image_content(&probe, &content);
  cairo_matrix_t m;
  render_layout(g->media_w, g->media_h, &content, scaling, &m);
  double s = sqrt(fabs(m.xx * m.yy - m.xy * m.yx)); /* media points per content point */
  double dw, dh, dx, dy;
  displayed(&probe, &dw, &dh, &dx, &dy);
  /* device pixels per image pixel, in each direction */
  double need = fmax(s * 72.0 / dx * g->sx, s * 72.0 / dy * g->sy) * RENDER_MIN_IMAGE_DENSITY;
  unsigned num = 8;
  while (num > 1 && num / 2 >= need * 8)
    num /= 2;
  return num;
}
