/*
 * analysis.c: per-page colour classification and ink coverage, measured on the rows actually
 * rendered.
 *
 * Colour: a page is colour if any pixel has max(R,G,B) - min(R,G,B) greater than
 * RENDER_NEUTRAL_TOLERANCE (12 of 255, about 5 %); grey output (sGray) is never colour.
 * Coverage: naive RGB -> CMYK per pixel, K = 1 - max(R,G,B), C = (max - R) / max (same for
 * M with G, Y with B; 0 when max = 0), averaged over the page; for grey output K = 1 - grey and
 * C = M = Y = 0. White pixels, the common case, cost one comparison.
 */
#include "render-private.h"

#include <string.h>

#define FULL_INK (255ull * 65536ull) /* one pixel fully inked in one channel */


bool render_pixel_is_neutral(unsigned r, unsigned g, unsigned b)
{
  unsigned mx = r > g ? (r > b ? r : b) : (g > b ? g : b);
  unsigned mn = r < g ? (r < b ? r : b) : (g < b ? g : b);
  return mx - mn <= RENDER_NEUTRAL_TOLERANCE;
}

/* Grey = (77 R + 151 G + 28 B) / 256, rounded; white stays 255. */
void render_row_to_gray(const uint32_t *row, size_t n, unsigned char *out)
{
  for (size_t x = 0; x < n; x++) {
    uint32_t v = row[x];
    out[x] = (unsigned char)((((v >> 16) & 255) * 77 + ((v >> 8) & 255) * 151 + (v & 255) * 28 +
                              128) >> 8);
  }
}

/* Starts the analysis of one page (grey: analyse the sGray output). */
void render_analysis_begin(render_analysis_t *a, bool gray)
{
  memset(a, 0, sizeof(*a));
  a->gray = gray;
  /* recip[m] = 65536 * 255 / m, so that (m - r) * recip[m] = 65536 * 255 * (m - r) / m. */
  for (unsigned m = 1; m < 256; m++)
    a->recip[m] = (uint32_t)((65536u * 255u + m / 2) / m);
}

/* Grey output: K only. */
static void analysis_row_gray(render_analysis_t *a, const uint32_t *row, size_t n)
{
  unsigned long long k = 0;
  for (size_t x = 0; x < n; x++) {
    uint32_t v = row[x] & 0xFFFFFFu;
    if (v == 0xFFFFFFu)
      continue;
    unsigned g = (((v >> 16) & 255) * 77 + ((v >> 8) & 255) * 151 + (v & 255) * 28 + 128) >> 8;
    k += 255 - g;
  }
  a->k += k * 65536;
}

/* Adds one row of RGB24 pixels. */
void render_analysis_row(render_analysis_t *a, const uint32_t *row, size_t n)
{
  a->pixels += n;
  if (a->gray) {
    analysis_row_gray(a, row, n);
    return;
  }
  unsigned long long c = 0, m = 0, y = 0, k = 0;
  bool color = false;
  for (size_t x = 0; x < n; x++) {
    uint32_t v = row[x] & 0xFFFFFFu;
    if (v == 0xFFFFFFu)
      continue;
    unsigned r = v >> 16, g = (v >> 8) & 255, b = v & 255;
    unsigned mx = r > g ? (r > b ? r : b) : (g > b ? g : b);
    unsigned mn = r < g ? (r < b ? r : b) : (g < b ? g : b);
    color |= mx - mn > RENDER_NEUTRAL_TOLERANCE;
    k += 255 - mx;
    uint32_t q = a->recip[mx];
    c += (unsigned long long)(mx - r) * q;
    m += (unsigned long long)(mx - g) * q;
    y += (unsigned long long)(mx - b) * q;
  }
  a->c += c;
  a->m += m;
  a->y += y;
  a->k += k * 65536;
  a->color |= color;
}

/* Mean ink per channel, 0..1, rounded to 1e-4. */
static double coverage(unsigned long long sum, unsigned long long pixels)
{
  if (!pixels)
    return 0;
  double v = (double)sum / ((double)FULL_INK * (double)pixels);
  return (double)(long long)(v * 10000 + 0.5) / 10000;
}

/* Fills the page's colour flag and coverage from the sums. */
void render_analysis_end(const render_analysis_t *a, render_page_info_t *info)
{
  info->color = a->color;
  info->c = coverage(a->c, a->pixels);
  info->m = coverage(a->m, a->pixels);
  info->y = coverage(a->y, a->pixels);
  info->k = coverage(a->k, a->pixels);
}
