/*
 * mkrenderdocs.c: writes the documents of the render bench (tests/bench/render-run), drawn with
 * cairo's PDF surface and libjpeg-turbo, byte-identical on regeneration: fixed seeds for every
 * pseudo-random choice, fixed PDF dates (cairo writes CreationDate and ModDate from the
 * metadata set here), no file names or times from the environment.
 *
 *   mkrenderdocs OUTDIR [NAME...]   writes every document (or only the NAMEs) into OUTDIR
 *   mkrenderdocs --list             prints the document names, one a line
 *
 * Documents (US letter pages):
 *   letter-1p.pdf    1 page: text (embedded font subsets) and vector graphics (a chart, a
 *                    gradient banner); page 1 of the same series as text-100p.pdf
 *   text-20p.pdf     20 pages of text, a vector chart on each, a 2000x1500 photo on 5 of them
 *   text-100p.pdf    100 pages like letter-1p.pdf (memory check: 100 pages against 1)
 *   photos-10p.pdf   10 pages, each a full-page 3000x4000 photo
 *   photo-12mp.jpg   a 4000x3000 JPEG, quality 90, 72 dpi JFIF like a phone's
 *
 * The photos are synthetic but photo-like (smooth gradients, soft shapes, texture and sensor
 * noise, so they compress like camera images: about 2.8 MB per 12 MP at quality 90). In the
 * PDFs they are embedded as the JPEG bytes themselves (cairo_surface_set_mime_data with
 * CAIRO_MIME_TYPE_JPEG, which cairo writes as a DCTDecode image), as a phone's PDF holds them.
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jpeglib.h>   /* after stddef.h and stdio.h, which it needs */

#define LETTER_W 612.0
#define LETTER_H 792.0
#define MARGIN 54.0

/* A fixed date so that regenerated PDFs are byte-identical. */
#define FIXED_PDF_DATE "2024-01-01T00:00:00Z"

#define PHOTO_QUALITY 90
#define PHOTO_BLOBS 7        /* soft shapes per photo */
#define TEXT_SEED 0x5155495245ULL   /* series of letter-1p, text-20p, text-100p ("QUIRE") */

/* Words the body text is drawn from (written for quire). */
static const char *const words[] = {
  "gateway", "printer", "queue", "release", "document", "page", "raster", "colour", "sheet",
  "the", "a", "of", "to", "and", "is", "in", "held", "until", "owner", "spool", "job",
  "resolution", "media", "duplex", "copies", "phone", "tablet", "secure", "badge", "office",
  "accounting", "department", "quarterly", "report", "figures", "growth", "budget", "north",
  "south", "region", "customer", "service", "meeting", "agenda", "minutes", "approved",
  "pending", "review", "draft", "final", "summary", "table", "chart", "photo", "caption",
  "with", "for", "on", "by", "from", "each", "every", "which", "when", "after", "before",
};

/* xorshift64* generator: deterministic, seeded per page and per photo. */
typedef struct {
  uint64_t s;
} rng_t;

static void rng_seed(rng_t *r, uint64_t seed)
{
  r->s = seed * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL;
  if (r->s == 0)
    r->s = 1;
}

static uint64_t rng_next(rng_t *r)
{
  r->s ^= r->s >> 12;
  r->s ^= r->s << 25;
  r->s ^= r->s >> 27;
  return r->s * 0x2545F4914F6CDD1DULL;
}

/* Uniform double in [lo, hi). */
static double rng_range(rng_t *r, double lo, double hi)
{
  return lo + (hi - lo) * (double)(rng_next(r) >> 11) / 9007199254740992.0;
}

/* Prints a message prefixed with the program name to stderr. */
static void fail(const char *fmt, ...)
{
  va_list ap;

  fputs("mkrenderdocs: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

/* ---- synthetic photos ---------------------------------------------------------------- */

/* One photo: a sky gradient, a horizon of hills, soft coloured shapes (separable Gaussians,
 * so each costs a multiply per pixel), a texture and noise. Tables are per column and row. */
typedef struct {
  int width, height;
  uint64_t seed;
  float sky_top[3], sky_bottom[3], ground_top[3], ground_bottom[3];
  float *horizon;                 /* per column: y of the horizon */
  float *bx[PHOTO_BLOBS];         /* per column: horizontal profile of each shape */
  float *by[PHOTO_BLOBS];         /* per row: vertical profile of each shape */
  float blob_rgb[PHOTO_BLOBS][3]; /* colour each shape adds */
  float *tex_x, *tex_y;           /* smooth random walks: texture = tex_x * tex_y */
} photo_t;

static void photo_free(photo_t *p)
{
  free(p->horizon);
  free(p->tex_x);
  free(p->tex_y);
  for (int k = 0; k < PHOTO_BLOBS; k++) {
    free(p->bx[k]);
    free(p->by[k]);
  }
}

/* Fills t[0..n) with a smoothed random walk in about [-1, 1]. */
static void smooth_walk(rng_t *r, float *t, int n, double step)
{
  double v = 0.0, vel = 0.0;

  for (int i = 0; i < n; i++) {
    vel = 0.95 * vel + rng_range(r, -step, step);
    v = 0.995 * v + vel;
    t[i] = (float)fmax(-1.0, fmin(1.0, v));
  }
}

/* Sets up the photo's tables from its seed; false if out of memory. */
static bool photo_init(photo_t *p, int width, int height, uint64_t seed)
{
  rng_t r;

  memset(p, 0, sizeof(*p));
  p->width = width;
  p->height = height;
  p->seed = seed;
  rng_seed(&r, seed);
  for (int c = 0; c < 3; c++) {
    p->sky_top[c] = (float)rng_range(&r, 40, 140);
    p->sky_bottom[c] = (float)rng_range(&r, 150, 250);
    p->ground_top[c] = (float)rng_range(&r, 60, 170);
    p->ground_bottom[c] = (float)rng_range(&r, 10, 90);
  }
  p->sky_top[2] = fmaxf(p->sky_top[2], 150.0f);    /* a bluish sky */
  p->horizon = malloc(sizeof(float) * (size_t)width);
  p->tex_x = malloc(sizeof(float) * (size_t)width);
  p->tex_y = malloc(sizeof(float) * (size_t)height);
  bool ok = p->horizon && p->tex_x && p->tex_y;
  for (int k = 0; k < PHOTO_BLOBS && ok; k++) {
    p->bx[k] = malloc(sizeof(float) * (size_t)width);
    p->by[k] = malloc(sizeof(float) * (size_t)height);
    ok = p->bx[k] && p->by[k];
  }
  if (!ok) {
    photo_free(p);
    return false;
  }

  double base = rng_range(&r, 0.45, 0.65), a1 = rng_range(&r, 0.03, 0.08),
         a2 = rng_range(&r, 0.01, 0.04), f1 = rng_range(&r, 3, 9), f2 = rng_range(&r, 15, 30),
         ph = rng_range(&r, 0, 6.28);
  for (int x = 0; x < width; x++) {
    double fx = (double)x / width;
    p->horizon[x] = (float)(height * (base + a1 * sin(fx * f1 + ph) + a2 * sin(fx * f2)));
  }
  for (int k = 0; k < PHOTO_BLOBS; k++) {
    double cx = rng_range(&r, 0, width), cy = rng_range(&r, 0, height),
           sx = rng_range(&r, 0.04, 0.2) * width, sy = rng_range(&r, 0.04, 0.2) * height;
    for (int x = 0; x < width; x++)
      p->bx[k][x] = (float)exp(-0.5 * ((x - cx) / sx) * ((x - cx) / sx));
    for (int y = 0; y < height; y++)
      p->by[k][y] = (float)exp(-0.5 * ((y - cy) / sy) * ((y - cy) / sy));
    for (int c = 0; c < 3; c++)
      p->blob_rgb[k][c] = (float)rng_range(&r, -90, 110);
  }
  smooth_walk(&r, p->tex_x, width, 0.004);
  smooth_walk(&r, p->tex_y, height, 0.004);
  return true;
}

/* Writes row y as RGB bytes into rgb (3 * width bytes). */
static void photo_row(const photo_t *p, int y, unsigned char *rgb)
{
  rng_t r;
  float fy = (float)y / (float)p->height, by[PHOTO_BLOBS];

  rng_seed(&r, p->seed ^ ((uint64_t)y << 32) ^ 0xA5A5u);
  for (int k = 0; k < PHOTO_BLOBS; k++)
    by[k] = p->by[k][y];
  for (int x = 0; x < p->width; x++) {
    float v[3], h = p->horizon[x];
    if ((float)y < h) {
      float t = (float)y / h;
      for (int c = 0; c < 3; c++)
        v[c] = p->sky_top[c] + (p->sky_bottom[c] - p->sky_top[c]) * t;
    } else {
      float t = ((float)y - h) / ((float)p->height - h + 1.0f);
      for (int c = 0; c < 3; c++)
        v[c] = p->ground_top[c] + (p->ground_bottom[c] - p->ground_top[c]) * t;
      float tex = 40.0f * p->tex_x[x] * p->tex_y[y] * (0.5f + fy);
      v[0] += tex;
      v[1] += tex * 1.2f;
      v[2] += tex * 0.6f;
    }
    for (int k = 0; k < PHOTO_BLOBS; k++) {
      float w = p->bx[k][x] * by[k];
      v[0] += w * p->blob_rgb[k][0];
      v[1] += w * p->blob_rgb[k][1];
      v[2] += w * p->blob_rgb[k][2];
    }
    uint64_t n = rng_next(&r);
    /* luminance noise (triangular, +-12) and a little chroma noise, like a phone sensor */
    float lum = (float)((int)(n & 0xff) + (int)((n >> 8) & 0xff) - 255) * (12.0f / 255.0f);
    for (int c = 0; c < 3; c++) {
      float chroma = (float)((int)((n >> (16 + 8 * c)) & 7) - 3) * 0.6f;
      float o = v[c] + lum + chroma;
      rgb[3 * x + c] = (unsigned char)(o < 0.0f ? 0 : o > 255.0f ? 255 : (int)(o + 0.5f));
    }
  }
}

/* libjpeg error manager that jumps back instead of calling exit(). */
typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
} jpeg_err_t;

static void jpeg_fail_exit(j_common_ptr cinfo)
{
  jpeg_err_t *err = (jpeg_err_t *)cinfo->err;
  char msg[JMSG_LENGTH_MAX];

  cinfo->err->format_message(cinfo, msg);
  fail("libjpeg: %s", msg);
  longjmp(err->jump, 1);
}

/* Encodes the photo as a baseline JPEG (4:2:0, 72 dpi) into a malloc'ed buffer *out (caller
 * frees) and, if pixels is not NULL, also writes each row there as cairo RGB24 (stride given).
 * False on a libjpeg error or out of memory. */
static bool photo_jpeg(const photo_t *p, unsigned char **out, unsigned long *out_len,
                       unsigned char *pixels, int stride)
{
  struct jpeg_compress_struct cinfo;
  jpeg_err_t err;
  unsigned char *volatile row = malloc((size_t)p->width * 3);

  *out = NULL;
  *out_len = 0;
  if (!row) {
    fail("out of memory");
    return false;
  }
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = jpeg_fail_exit;
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&cinfo);
    free(row);
    free(*out);
    *out = NULL;
    return false;
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, out, out_len);
  cinfo.image_width = (JDIMENSION)p->width;
  cinfo.image_height = (JDIMENSION)p->height;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, PHOTO_QUALITY, TRUE);
  cinfo.density_unit = 1;
  cinfo.X_density = cinfo.Y_density = 72;
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    int y = (int)cinfo.next_scanline;
    photo_row(p, y, row);
    if (pixels) {
      uint32_t *px = (uint32_t *)(pixels + (size_t)y * (size_t)stride);
      for (int x = 0; x < p->width; x++)
        px[x] = 0xff000000u | (uint32_t)row[3 * x] << 16 | (uint32_t)row[3 * x + 1] << 8 |
                row[3 * x + 2];
    }
    JSAMPROW rows[1] = { row };
    jpeg_write_scanlines(&cinfo, rows, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  free(row);
  return true;
}

/* Returns an RGB24 image surface holding the photo, with the JPEG attached as its mime data so
 * that cairo's PDF surface embeds the JPEG bytes (DCTDecode). Caller destroys; NULL on error. */
static cairo_surface_t *photo_surface(int width, int height, uint64_t seed)
{
  photo_t p;
  unsigned char *jpeg;
  unsigned long jpeg_len;

  if (!photo_init(&p, width, height, seed)) {
    fail("out of memory");
    return NULL;
  }
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    fail("image surface: %s", cairo_status_to_string(cairo_surface_status(s)));
    cairo_surface_destroy(s);
    photo_free(&p);
    return NULL;
  }
  cairo_surface_flush(s);
  bool ok = photo_jpeg(&p, &jpeg, &jpeg_len, cairo_image_surface_get_data(s),
                       cairo_image_surface_get_stride(s));
  photo_free(&p);
  if (!ok) {
    cairo_surface_destroy(s);
    return NULL;
  }
  cairo_surface_mark_dirty(s);
  /* jpeg_mem_dest allocates with malloc: cairo frees the buffer with the surface */
  if (cairo_surface_set_mime_data(s, CAIRO_MIME_TYPE_JPEG, jpeg, jpeg_len, free, jpeg) !=
      CAIRO_STATUS_SUCCESS) {
    fail("cairo_surface_set_mime_data failed");
    free(jpeg);
    cairo_surface_destroy(s);
    return NULL;
  }
  return s;
}

/* Writes a standalone JPEG photo to path. */
static bool write_photo_jpeg(const char *path, int width, int height, uint64_t seed)
{
  photo_t p;
  unsigned char *jpeg;
  unsigned long jpeg_len;

  if (!photo_init(&p, width, height, seed)) {
    fail("out of memory");
    return false;
  }
  bool ok = photo_jpeg(&p, &jpeg, &jpeg_len, NULL, 0);
  photo_free(&p);
  if (!ok)
    return false;
  FILE *fp = fopen(path, "wb");
  if (!fp) {
    fail("%s: %s", path, strerror(errno));
    free(jpeg);
    return false;
  }
  ok = fwrite(jpeg, 1, jpeg_len, fp) == jpeg_len;
  if (fclose(fp) != 0)
    ok = false;
  if (!ok)
    fail("%s: write error", path);
  free(jpeg);
  return ok;
}

/* ---- PDF pages ------------------------------------------------------------------------- */

/* Draws a bar chart with a line series, grid, axis labels and legend in the box. */
static void draw_chart(cairo_t *cr, rng_t *r, double x0, double y0, double w, double h)
{
  static const double series[3][3] = {
    { 0.16, 0.38, 0.71 }, { 0.90, 0.49, 0.13 }, { 0.30, 0.65, 0.30 },
  };
  char label[32];
  double px = x0 + 36.0, py = y0 + 10.0, pw = w - 46.0, ph = h - 40.0;

  cairo_save(cr);
  cairo_set_source_rgb(cr, 0.97, 0.97, 0.98);
  cairo_rectangle(cr, x0, y0, w, h);
  cairo_fill(cr);

  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 7.0);
  cairo_set_line_width(cr, 0.4);
  for (int i = 0; i <= 5; i++) {              /* grid and y labels */
    double gy = py + ph - ph * i / 5.0;
    cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
    cairo_move_to(cr, px, gy);
    cairo_line_to(cr, px + pw, gy);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    snprintf(label, sizeof(label), "%d", i * 20);
    cairo_move_to(cr, x0 + 8.0, gy + 2.5);
    cairo_show_text(cr, label);
  }

  int groups = 12;
  double gw = pw / groups;
  for (int g = 0; g < groups; g++) {          /* grouped bars */
    for (int s = 0; s < 3; s++) {
      double v = rng_range(r, 0.15, 0.95);
      cairo_set_source_rgb(cr, series[s][0], series[s][1], series[s][2]);
      cairo_rectangle(cr, px + g * gw + 3.0 + s * (gw - 6.0) / 3.0, py + ph * (1.0 - v),
                      (gw - 6.0) / 3.0 - 1.0, ph * v);
      cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    snprintf(label, sizeof(label), "M%02d", g + 1);
    cairo_move_to(cr, px + g * gw + gw / 2 - 6.0, py + ph + 10.0);
    cairo_show_text(cr, label);
  }

  double v = 0.5;                             /* a line series of 160 points */
  cairo_set_source_rgb(cr, 0.75, 0.1, 0.2);
  cairo_set_line_width(cr, 1.2);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  for (int i = 0; i < 160; i++) {
    v = fmin(0.98, fmax(0.02, v + rng_range(r, -0.05, 0.05)));
    double lx = px + pw * i / 159.0, ly = py + ph * (1.0 - v);
    if (i == 0)
      cairo_move_to(cr, lx, ly);
    else
      cairo_line_to(cr, lx, ly);
  }
  cairo_stroke(cr);

  for (int s = 0; s < 3; s++) {               /* legend */
    cairo_set_source_rgb(cr, series[s][0], series[s][1], series[s][2]);
    cairo_rectangle(cr, px + 8.0 + s * 70.0, py + 4.0, 8.0, 8.0);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    snprintf(label, sizeof(label), "Region %c", 'A' + s);
    cairo_move_to(cr, px + 20.0 + s * 70.0, py + 11.0);
    cairo_show_text(cr, label);
  }
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  cairo_set_line_width(cr, 0.8);
  cairo_rectangle(cr, x0, y0, w, h);
  cairo_stroke(cr);
  cairo_restore(cr);
}

/* Draws lines of body text from y down to y_end; returns the y after the last line. */
static double draw_paragraphs(cairo_t *cr, rng_t *r, double y, double y_end)
{
  const double width = LETTER_W - 2 * MARGIN, lead = 13.0;
  char line[256];
  size_t nwords = sizeof(words) / sizeof(words[0]);

  cairo_select_font_face(cr, "serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 10.0);
  cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
  int in_paragraph = 0;
  while (y + lead <= y_end) {
    size_t len = 0;
    line[0] = '\0';
    bool sentence_start = in_paragraph == 0;
    for (;;) {                                /* fill the line up to the text width */
      const char *w = words[rng_next(r) % nwords];
      char word[32];
      snprintf(word, sizeof(word), "%s", w);
      if (sentence_start)
        word[0] = (char)(word[0] - 'a' + 'A');
      sentence_start = rng_next(r) % 9 == 0;
      char trial[256];
      int n = snprintf(trial, sizeof(trial), "%s%s%s%s", line, len ? " " : "", word,
                       sentence_start ? "." : "");
      if (n < 0 || (size_t)n >= sizeof(trial))
        break;
      cairo_text_extents_t ext;
      cairo_text_extents(cr, trial, &ext);
      if (ext.x_advance > width && len)
        break;
      memcpy(line, trial, (size_t)n + 1);
      len = (size_t)n;
    }
    cairo_move_to(cr, MARGIN, y);
    cairo_show_text(cr, line);
    y += lead;
    if (++in_paragraph >= 6 + (int)(rng_next(r) % 5)) {   /* paragraph break */
      in_paragraph = 0;
      y += lead * 0.6;
    }
  }
  return y;
}

/* Draws the page header: gradient banner, title, page number. */
static void draw_header(cairo_t *cr, const char *title, int page, int pages)
{
  char line[128];

  cairo_pattern_t *grad = cairo_pattern_create_linear(MARGIN, 0, LETTER_W - MARGIN, 0);
  cairo_pattern_add_color_stop_rgb(grad, 0.0, 0.10, 0.25, 0.60);
  cairo_pattern_add_color_stop_rgb(grad, 0.6, 0.20, 0.60, 0.75);
  cairo_pattern_add_color_stop_rgb(grad, 1.0, 0.95, 0.75, 0.20);
  cairo_set_source(cr, grad);
  cairo_rectangle(cr, MARGIN, 30.0, LETTER_W - 2 * MARGIN, 6.0);
  cairo_fill(cr);
  cairo_pattern_destroy(grad);

  cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size(cr, 16.0);
  cairo_move_to(cr, MARGIN, 60.0);
  cairo_show_text(cr, title);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 9.0);
  snprintf(line, sizeof(line), "Page %d of %d", page, pages);
  cairo_move_to(cr, LETTER_W - MARGIN - 60.0, 60.0);
  cairo_show_text(cr, line);
  cairo_move_to(cr, LETTER_W / 2 - 10.0, LETTER_H - 30.0);
  snprintf(line, sizeof(line), "- %d -", page);
  cairo_show_text(cr, line);
}

/* Draws the photo 300 pt wide, centred, with a caption, from y; returns the y below it. */
static double draw_figure(cairo_t *cr, cairo_surface_t *photo, double y)
{
  double w = 300.0, scale = w / cairo_image_surface_get_width(photo),
         h = cairo_image_surface_get_height(photo) * scale;

  cairo_save(cr);
  cairo_translate(cr, (LETTER_W - w) / 2, y);
  cairo_scale(cr, scale, scale);
  cairo_set_source_surface(cr, photo, 0, 0);
  cairo_paint(cr);
  cairo_restore(cr);
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_ITALIC, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 8.0);
  cairo_move_to(cr, (LETTER_W - w) / 2, y + h + 10.0);
  cairo_show_text(cr, "Figure: site photo, taken with a phone camera.");
  return y + h + 14.0;
}

/* Draws one text page: header, paragraphs, a chart, and the photo if one is given. Page
 * content depends only on the page number, so page 1 is the same in every document. */
static void draw_text_page(cairo_t *cr, const char *title, int page, int pages,
                           cairo_surface_t *photo)
{
  const double top = 90.0, bottom = 750.0, chart_h = 190.0, chart_w = LETTER_W - 2 * MARGIN;
  rng_t r;

  rng_seed(&r, TEXT_SEED + (uint64_t)page);
  draw_header(cr, title, page, pages);
  if (photo) {                     /* chart, figure, text */
    draw_chart(cr, &r, MARGIN, top, chart_w, chart_h);
    double y = draw_figure(cr, photo, top + chart_h + 16.0);
    draw_paragraphs(cr, &r, y + 16.0, bottom);
  } else if (page % 2) {           /* chart, text */
    draw_chart(cr, &r, MARGIN, top, chart_w, chart_h);
    draw_paragraphs(cr, &r, top + chart_h + 24.0, bottom);
  } else {                         /* text, chart, text */
    draw_paragraphs(cr, &r, top + 10.0, 400.0);
    draw_chart(cr, &r, MARGIN, 400.0, chart_w, chart_h);
    draw_paragraphs(cr, &r, 400.0 + chart_h + 24.0, bottom);
  }
}

/* Draws one full-page photo, scaled to cover the page (cropped at the long edge), centred. */
static void draw_photo_page(cairo_t *cr, cairo_surface_t *photo)
{
  int pw = cairo_image_surface_get_width(photo), ph = cairo_image_surface_get_height(photo);
  double scale = fmax(LETTER_W / pw, LETTER_H / ph);

  cairo_save(cr);
  cairo_translate(cr, (LETTER_W - pw * scale) / 2, (LETTER_H - ph * scale) / 2);
  cairo_scale(cr, scale, scale);
  cairo_set_source_surface(cr, photo, 0, 0);
  cairo_paint(cr);
  cairo_restore(cr);
}

/* ---- documents ------------------------------------------------------------------------- */

typedef enum { DOC_TEXT, DOC_PHOTOS, DOC_JPEG } doc_kind_t;

typedef struct {
  const char *name;
  doc_kind_t kind;
  int pages;          /* PDF */
  int photo_every;    /* DOC_TEXT: a photo on every Nth page (0: none) */
  int width, height;  /* photo size in pixels */
} doc_spec_t;

static const doc_spec_t docs[] = {
  { "letter-1p.pdf",  DOC_TEXT,   1,   0, 0,    0 },
  { "text-20p.pdf",   DOC_TEXT,   20,  4, 2000, 1500 },
  { "text-100p.pdf",  DOC_TEXT,   100, 0, 0,    0 },
  { "photos-10p.pdf", DOC_PHOTOS, 10,  0, 3000, 4000 },
  { "photo-12mp.jpg", DOC_JPEG,   0,   0, 4000, 3000 },
};

/* Writes one PDF document; false on any cairo error. */
static bool write_pdf(const char *path, const doc_spec_t *d)
{
  cairo_surface_t *surface = cairo_pdf_surface_create(path, LETTER_W, LETTER_H);
  cairo_status_t st = cairo_surface_status(surface);

  if (st != CAIRO_STATUS_SUCCESS) {
    fail("%s: %s", path, cairo_status_to_string(st));
    cairo_surface_destroy(surface);
    return false;
  }
  cairo_pdf_surface_restrict_to_version(surface, CAIRO_PDF_VERSION_1_5);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, d->name);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "quire mkrenderdocs");
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, FIXED_PDF_DATE);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, FIXED_PDF_DATE);

  cairo_t *cr = cairo_create(surface);
  for (int page = 1; page <= d->pages && st == CAIRO_STATUS_SUCCESS; page++) {
    cairo_surface_t *photo = NULL;
    if (d->kind == DOC_PHOTOS || (d->photo_every && page % d->photo_every == 2)) {
      photo = photo_surface(d->width, d->height, 1000u * (uint64_t)d->kind + (uint64_t)page);
      if (!photo) {
        st = CAIRO_STATUS_NO_MEMORY;
        break;
      }
    }
    if (d->kind == DOC_PHOTOS)
      draw_photo_page(cr, photo);
    else
      draw_text_page(cr, d->name, page, d->pages, photo);
    cairo_show_page(cr);
    cairo_surface_destroy(photo);   /* cairo keeps its own reference until it is written */
    st = cairo_status(cr);
  }
  if (st == CAIRO_STATUS_SUCCESS)
    st = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  if (st == CAIRO_STATUS_SUCCESS)
    st = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (st != CAIRO_STATUS_SUCCESS)
    fail("%s: %s", path, cairo_status_to_string(st));
  return st == CAIRO_STATUS_SUCCESS;
}

/* Writes one document into dir. */
static bool write_doc(const char *dir, const doc_spec_t *d)
{
  char path[PATH_MAX];
  int n = snprintf(path, sizeof(path), "%s/%s", dir, d->name);

  if (n < 0 || (size_t)n >= sizeof(path)) {
    fail("%s: path too long", dir);
    return false;
  }
  if (d->kind == DOC_JPEG)
    return write_photo_jpeg(path, d->width, d->height, 4000u);
  return write_pdf(path, d);
}

/* Creates dir (one level) unless it already exists. */
static bool make_dir(const char *dir)
{
  struct stat st;

  if (mkdir(dir, 0755) == 0)
    return true;
  if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
    return true;
  fail("%s: %s", dir, strerror(errno));
  return false;
}

/* Returns the spec named name, or NULL. */
static const doc_spec_t *find_doc(const char *name)
{
  for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
    if (!strcmp(docs[i].name, name))
      return &docs[i];
  return NULL;
}

static int usage(void)
{
  fputs("usage: mkrenderdocs OUTDIR [NAME...]\n"
        "       mkrenderdocs --list\n", stderr);
  return 2;
}

int main(int argc, char **argv)
{
  if (argc == 2 && !strcmp(argv[1], "--list")) {
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
      puts(docs[i].name);
    return 0;
  }
  if (argc < 2 || argv[1][0] == '-')
    return usage();
  for (int i = 2; i < argc; i++)
    if (!find_doc(argv[i])) {
      fail("unknown document %s (see --list)", argv[i]);
      return 2;
    }
  if (!make_dir(argv[1]))
    return 1;

  int failed = 0;
  if (argc == 2) {
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
      failed += !write_doc(argv[1], &docs[i]);
  } else {
    for (int i = 2; i < argc; i++)
      failed += !write_doc(argv[1], find_doc(argv[i]));
  }
  cairo_debug_reset_static_data();   /* drops cairo's font caches so valgrind stays quiet */
  return failed ? 1 : 0;
}
