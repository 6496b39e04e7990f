/*
 * test-render.c: unit tests of render/'s pure parts: PackBits line coding, PWG and URF headers
 * (checked against libcups's own reader and writer), EXIF orientation, sheet counting, colour
 * classification and coverage, layout (print-scaling), raster line conversion, option tables.
 */
#include "../../render/render-private.h"
#include "test.h"

#include <cups/raster.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

/* Deterministic pseudo-random bytes with long runs mixed in. */
static void fill_line(unsigned char *line, size_t n, unsigned seed)
{
  uint32_t s = seed * 2654435761u + 1;
  for (size_t i = 0; i < n;) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    size_t run = (s & 3) == 0 ? (s >> 8) % 300 : 1;
    unsigned char v = (unsigned char)(s >> 3);
    for (size_t k = 0; k < run && i < n; k++)
      line[i++] = (s & 4) ? v : (unsigned char)(v + k);
  }
}

static void test_packbits(void)
{
  static const unsigned char known[] = {'A', 'A', 'A', 'B', 'C'};
  static const unsigned char known_enc[] = {2, 'A', 0xFF, 'B', 'C'};
  unsigned char enc[64], dec[64];
  size_t n = render_packbits_encode(known, 5, 1, enc);
  CHECK(n == sizeof(known_enc) && !memcmp(enc, known_enc, n));
  CHECK(render_packbits_decode(enc, n, dec, 5, 1, 0xFF) == n && !memcmp(dec, known, 5));

  /* a lone last pixel is a repeat run with count 0; 0x80 fills the rest of the line */
  static const unsigned char tail[] = {0x80};
  memset(dec, 0, sizeof(dec));
  CHECK(render_packbits_decode(tail, 1, dec, 6, 3, 0xFF) == 1 && dec[0] == 0xFF && dec[5] == 0xFF);
  static const unsigned char over[] = {127, 7, 7, 7}; /* 128 units clipped to the line */
  CHECK(render_packbits_decode(over, 4, dec, 9, 3, 0) == 4 && dec[8] == 7);
  static const unsigned char cut[] = {0xFD, 1, 2}; /* 4 literal units, data missing */
  CHECK(render_packbits_decode(cut, 3, dec, 12, 3, 0) == 0);
  CHECK(render_packbits_decode(cut, 0, dec, 12, 3, 0) == 0);

  for (unsigned bpp = 1; bpp <= 4; bpp++)
    for (unsigned seed = 0; seed < 40; seed++) {
      size_t units = 1 + seed * 37 % 700;
      unsigned char *line = malloc(units * bpp), *e = malloc(render_packbits_max(units, bpp));
      unsigned char *d = malloc(units * bpp);
      fill_line(line, units * bpp, seed + bpp * 100);
      if (seed % 5 == 0) /* whole-unit runs */
        for (size_t i = bpp; i < units * bpp; i++)
          line[i] = line[i - bpp];
      size_t len = render_packbits_encode(line, units, bpp, e);
      CHECK(len <= render_packbits_max(units, bpp));
      CHECK(render_packbits_decode(e, len, d, units * bpp, bpp, 0) == len);
      CHECK(!memcmp(d, line, units * bpp));
      free(line);
      free(e);
      free(d);
    }
}

/* Encodes px[0..n) with both encoders; true when the bytes are the same. */
static bool rgb32_matches(const uint32_t *px, size_t n)
{
  unsigned char *rgb = malloc(n * 3), *a = malloc(render_packbits_max(n, 3));
  unsigned char *b = malloc(render_packbits_max(n, 3));
  unsigned char *scratch = malloc(render_packbits_rgb32_scratch(n));
  for (size_t i = 0; i < n; i++) {
    rgb[3 * i] = (unsigned char)(px[i] >> 16);
    rgb[3 * i + 1] = (unsigned char)(px[i] >> 8);
    rgb[3 * i + 2] = (unsigned char)px[i];
  }
  size_t la = render_packbits_encode(rgb, n, 3, a);
  size_t lb = render_packbits_encode_rgb32(px, n, scratch, b);
  bool same = la == lb && !memcmp(a, b, la);
  free(rgb);
  free(a);
  free(b);
  free(scratch);
  return same;
}

/* The RGB24 encoder must produce exactly the generic encoder's bytes: pseudo-random lines,
 * lines of two or three colours (short runs everywhere, across the encoder's 64-bit words),
 * and lines made of runs and literal stretches of every length around the 128-unit limit and
 * the word size, with garbage in the unused top byte. */
static void test_packbits_rgb32(void)
{
  for (unsigned seed = 0; seed < 30; seed++) {
    size_t n = 1 + seed * 53 % 900;
    uint32_t *px = malloc(n * 4);
    fill_line((unsigned char *)px, n * 4, seed);
    for (size_t i = 0; seed % 3 == 0 && i < n; i++)
      px[i] &= 0xFF0000F0u; /* few distinct colours: runs; top byte is garbage */
    CHECK(rgb32_matches(px, n));
    free(px);
  }
  uint32_t s = 7;
  unsigned mismatches = 0;
  for (unsigned t = 0; t < 400; t++) {
    size_t n = 1 + t * 7 % 700;
    uint32_t *line = malloc(n * 4);
    for (size_t i = 0; i < n; i++) {
      s = s * 1103515245u + 12345u;
      line[i] = (s >> 16) % (2 + t % 2) * 0x30405u | (s & 0xFF000000u);
    }
    mismatches += !rgb32_matches(line, n);
    free(line);
  }
  CHECK(mismatches == 0);
  static const unsigned lengths[] = {1, 2, 3, 7, 8, 9, 55, 56, 57, 58, 63, 64, 65, 127, 128,
                                     129, 130, 255, 256, 257, 258, 300};
  size_t nl = sizeof(lengths) / sizeof(lengths[0]);
  uint32_t *px = malloc(2000 * 4);
  unsigned bad = 0;
  for (size_t a = 0; a < nl; a++)
    for (size_t b = 0; b < nl; b++)
      for (unsigned kinds = 0; kinds < 4; kinds++) {
        /* [run or literal of lengths[a]] [run or literal of lengths[b]] [tail] */
        size_t n = 0;
        uint32_t colour = 0x102030u;
        for (unsigned part = 0; part < 2; part++) {
          bool run = kinds >> part & 1;
          size_t len = lengths[part ? b : a];
          for (size_t k = 0; k < len; k++, n++)
            px[n] = (run ? colour : colour + (uint32_t)k * 0x010101u) | (uint32_t)(n * 37) << 24;
          colour += 0x400000u;
        }
        static const uint32_t tail[] = {0x800000, 0x800001, 0x800002, 0x800002, 0x800002, 9};
        for (unsigned k = 0; k < 6; k++, n++) /* 2 literal, a run of 3, 1 literal */
          px[n] = tail[k];
        for (size_t end = n - 6; end <= n; end++) /* every tail length */
          bad += !rgb32_matches(px, end);
      }
  for (unsigned t = 0; t < 3000; t++) { /* chains of such stretches */
    size_t n = 0;
    for (unsigned part = 0; part < 8; part++) {
      s = s * 1103515245u + 12345u;
      size_t len = lengths[(s >> 16) % nl];
      bool run = s >> 30 & 1;
      for (size_t k = 0; k < len && n < 2000; k++, n++)
        px[n] = (run ? 0x10000u * part : 0x10000u * part + (uint32_t)k + 1) | (s & 0xFF000000u);
    }
    bad += !rgb32_matches(px, n);
  }
  CHECK(bad == 0);
  free(px);
}

/* Pixel value of stored pixel (x, y) in test_image_turn. */
static uint32_t turn_pixel(unsigned x, unsigned y)
{
  return 0x100000u * (x + 1) + 0x1000u * (y + 1) + 0x11u;
}

/* Paints img on a w x h pt media at 72 dpi; true when every pixel is the stored pixel that
 * the layout and the EXIF orientation put there (exact at one pixel per point). */
static bool turn_paint_matches(render_image_t *img, double w, double h)
{
  render_geom_t g;
  render_error_t err = {0};
  render_content_t content;
  cairo_matrix_t layout, e;
  if (!render_geom_init(&g, w, h, 72, 72, &err))
    return false;
  render_image_content(img, &content);
  render_layout(w, h, &content, RENDER_SCALING_FIT, &layout);
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)g.width, (int)g.height);
  cairo_t *cr = cairo_create(s);
  cairo_transform(cr, &layout);
  render_image_paint(img, cr);
  cairo_destroy(cr);
  cairo_surface_flush(s);
  cairo_matrix_t inv = layout;
  cairo_matrix_invert(&inv);
  render_exif_matrix(img->orientation, img->width, img->height, &e); /* displayed -> stored */
  bool ok = cairo_surface_status(s) == CAIRO_STATUS_SUCCESS;
  const unsigned char *data = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  for (unsigned v = 0; ok && v < g.height; v++)
    for (unsigned u = 0; ok && u < g.width; u++) {
      double x = u + 0.5, y = v + 0.5;
      cairo_matrix_transform_point(&inv, &x, &y);
      cairo_matrix_transform_point(&e, &x, &y);
      uint32_t got;
      memcpy(&got, data + (size_t)v * (size_t)stride + 4 * u, 4);
      ok = (got & 0xFFFFFFu) == turn_pixel((unsigned)floor(x), (unsigned)floor(y));
    }
  cairo_surface_destroy(s);
  return ok;
}

/* Images decoded straight into the orientation they are painted in (render_image_alloc and
 * render_image_put_rows, every EXIF orientation, turned or not by the layout), then painted
 * on the media they were prepared for and on the other one (the stored orientation is then
 * rebuilt from the turned pixels). */
static void test_image_turn(void)
{
  static const double media[2][2] = {{4, 6}, {6, 4}}; /* points */
  unsigned bad = 0;
  for (int o = 1; o <= 8; o++)
    for (unsigned m = 0; m < 2; m++)
      for (unsigned other = 0; other < 2; other++) {
        render_image_t img = {.width = 6, .height = 4, .xppi = 72, .yppi = 72, .orientation = o};
        render_geom_t g;
        render_error_t err = {0};
        CHECK(render_geom_init(&g, media[m][0], media[m][1], 72, 72, &err));
        CHECK(render_image_alloc(&img, &g, RENDER_SCALING_FIT));
        uint32_t rows[4][6];
        for (unsigned y = 0; y < 4; y++)
          for (unsigned x = 0; x < 6; x++)
            rows[y][x] = turn_pixel(x, y) | 0xFF000000u;
        if (render_image_row(&img, 0)) {
          for (unsigned y = 0; y < 4; y++)
            memcpy(render_image_row(&img, y), rows[y], sizeof(rows[y]));
        } else {
          render_image_put_rows(&img, rows[0], sizeof(rows[0]), 0, 1); /* one row, then three */
          render_image_put_rows(&img, rows[1], sizeof(rows[0]), 1, 3);
        }
        render_image_done(&img);
        bad += !turn_paint_matches(&img, media[m ^ other][0], media[m ^ other][1]);
        bad += !turn_paint_matches(&img, media[m][0], media[m][1]);
        render_image_clear(&img);
      }
  CHECK(bad == 0);
}

/* Our PWG header, read by libcups. */
static void test_pwg_header_libcups(void)
{
  render_geom_t g;
  render_error_t err = {0};
  CHECK(render_geom_init(&g, 612, 792, 300, 300, &err));
  CHECK(g.width == 2550 && g.height == 3300);
  render_pwg_params_t p = {&g, false, RENDER_SIDES_SHORT_EDGE, 7, "na_letter_8.5x11in", "photo"};
  render_pwg_header_t h, back;
  render_pwg_header_for(&p, &h);
  unsigned char buf[4 + RENDER_PWG_HEADER_SIZE];
  memcpy(buf, "RaS2", 4);
  render_pwg_header_encode(&h, buf + 4);
  render_pwg_header_decode(buf + 4, &back);
  CHECK(back.width == 2550 && back.height == 3300 && back.total_pages == 7 && back.tumble == 1 &&
        back.cross_feed == 1 && back.feed == 1 && !strcmp(back.content_optimize, "photo"));

  char path[] = "/tmp/test-render-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0 && write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
  CHECK(lseek(fd, 0, SEEK_SET) == 0);
  cups_raster_t *ras = cupsRasterOpen(fd, CUPS_RASTER_READ);
  cups_page_header2_t c;
  CHECK(ras && cupsRasterReadHeader2(ras, &c));
  CHECK(c.cupsWidth == 2550 && c.cupsHeight == 3300 && c.HWResolution[0] == 300);
  CHECK(c.PageSize[0] == 612 && c.PageSize[1] == 792 && c.Duplex && c.Tumble);
  CHECK(c.cupsBitsPerPixel == 24 && c.cupsBytesPerLine == 2550 * 3 && c.cupsColorSpace == CUPS_CSPACE_SRGB);
  CHECK(c.cupsInteger[CUPS_RASTER_PWG_TotalPageCount] == 7 && c.NumCopies == 0);
  CHECK_STR(c.cupsPageSizeName, "na_letter_8.5x11in");
  CHECK_STR(c.MediaClass, "PwgRaster");
  if (ras)
    cupsRasterClose(ras);
  close(fd);
  unlink(path);
}

/* Our header bytes equal what libcups writes in PWG mode for the same page, except ImageBox
 * (bytes 464-479): libcups leaves it 0, quire-render gives the whole page in pixels. */
static void test_pwg_header_vs_libcups_writer(void)
{
  cups_page_header2_t c;
  pwg_media_t *media = pwgMediaForPWG("iso_a4_210x297mm");
  CHECK(media && cupsRasterInitPWGHeader(&c, media, "sgray_8", 600, 600, "two-sided-long-edge",
                                          "normal"));
  c.cupsInteger[CUPS_RASTER_PWG_TotalPageCount] = 3;
  char path[] = "/tmp/test-render-XXXXXX";
  int fd = mkstemp(path);
  cups_raster_t *ras = cupsRasterOpen(fd, CUPS_RASTER_WRITE_PWG);
  CHECK(ras && cupsRasterWriteHeader2(ras, &c));
  if (ras)
    cupsRasterClose(ras);
  unsigned char theirs[4 + RENDER_PWG_HEADER_SIZE];
  CHECK(pread(fd, theirs, sizeof(theirs), 0) == (ssize_t)sizeof(theirs));
  close(fd);
  unlink(path);

  render_geom_t g;
  render_error_t err = {0};
  CHECK(render_geom_init(&g, media->width * 72.0 / 2540, media->length * 72.0 / 2540, 600, 600, &err));
  render_pwg_params_t p = {&g, true, RENDER_SIDES_LONG_EDGE, 3, "iso_a4_210x297mm", ""};
  render_pwg_header_t h;
  render_pwg_header_for(&p, &h);
  unsigned char ours[RENDER_PWG_HEADER_SIZE];
  render_pwg_header_encode(&h, ours);
  int diffs = 0;
  for (int i = 0; i < RENDER_PWG_HEADER_SIZE; i++)
    if (ours[i] != theirs[4 + i] && (i < 464 || i >= 480)) {
      if (diffs++ < 8)
        fprintf(stderr, "header byte %d: ours %02x, libcups %02x\n", i, ours[i], theirs[4 + i]);
    }
  CHECK(!memcmp(theirs, "RaS2", 4));
  CHECK(diffs == 0);
}

static void test_urf_header(void)
{
  unsigned char b[32] = {24, 1, 3, 5, 0, 1};
  b[14] = 0x09, b[15] = 0xB0; /* width 2480 */
  b[18] = 0x0D, b[19] = 0xB4; /* height 3508 */
  b[22] = 0x01, b[23] = 0x2C; /* 300 dpi */
  render_urf_header_t h;
  render_urf_header_decode(b, &h);
  CHECK(h.bpp == 24 && h.color_space == 1 && h.duplex == 3 && h.quality == 5);
  CHECK(h.width == 2480 && h.height == 3508 && h.resolution == 300);
}

/* "Exif\0\0" + TIFF header + IFD0 with `n` entries, the last being Orientation = v. */
static size_t make_exif(unsigned char *b, bool be, unsigned v, unsigned n)
{
  size_t len = 6 + 8 + 2 + 12 * n + 4;
  memset(b, 0, len);
  memcpy(b, "Exif\0\0", 6);
  unsigned char *t = b + 6;
#define W16(p, x) (be ? ((p)[0] = (unsigned char)((x) >> 8), (p)[1] = (unsigned char)(x)) \
                      : ((p)[1] = (unsigned char)((x) >> 8), (p)[0] = (unsigned char)(x)))
  memcpy(t, be ? "MM" : "II", 2);
  W16(t + 2, 42);
  t[be ? 7 : 4] = 8;
  W16(t + 8, n);
  for (unsigned i = 0; i < n; i++) {
    unsigned char *e = t + 10 + 12 * i;
    W16(e, i + 1 == n ? 0x0112 : 0x010F);
    W16(e + 2, 3);
    e[be ? 7 : 4] = 1;
    W16(e + 8, v);
  }
#undef W16
  return len;
}

static void test_exif(void)
{
  unsigned char b[200];
  size_t n = make_exif(b, true, 6, 3);
  CHECK(render_exif_orientation(b, n) == 6);
  n = make_exif(b, false, 8, 1);
  CHECK(render_exif_orientation(b, n) == 8);
  n = make_exif(b, false, 9, 1);
  CHECK(render_exif_orientation(b, n) == 1);   /* out of range */
  n = make_exif(b, true, 3, 4);
  CHECK(render_exif_orientation(b, n - 20) == 1); /* entries cut off */
  CHECK(render_exif_orientation(b, 10) == 1);
  n = make_exif(b, true, 3, 1);
  b[6 + 7] = 200; /* IFD offset beyond the data */
  CHECK(render_exif_orientation(b, n) == 1);
  memcpy(b, "Exif\0\0XX", 8);
  CHECK(render_exif_orientation(b, n) == 1);

  /* displayed -> stored corners for a 600 x 400 stored image */
  cairo_matrix_t m;
  double x = 0, y = 0;
  render_exif_matrix(6, 600, 400, &m); /* displayed 400 x 600: top-left comes from bottom-left */
  cairo_matrix_transform_point(&m, &x, &y);
  CHECK(fabs(x) < 1e-9 && fabs(y - 400) < 1e-9);
  x = 400, y = 0; /* displayed top-right = stored top-left */
  cairo_matrix_transform_point(&m, &x, &y);
  CHECK(fabs(x) < 1e-9 && fabs(y) < 1e-9);
  render_exif_matrix(3, 600, 400, &m);
  x = 0, y = 0;
  cairo_matrix_transform_point(&m, &x, &y);
  CHECK(fabs(x - 600) < 1e-9 && fabs(y - 400) < 1e-9);
}

static void test_sheets(void)
{
  CHECK(render_sheet_count(3, true, 2) == 4);
  CHECK(render_sheet_count(3, false, 3) == 9);
  CHECK(render_sheet_count(4, true, 1) == 2);
  CHECK(render_sheet_count(1, true, 5) == 5);
  CHECK(render_sheet_count(0, false, 1) == 0);
  CHECK_STR(render_exit_reason(RENDER_EXIT_FORMAT), "document-format-error");
  CHECK_STR(render_exit_reason(RENDER_EXIT_UNPRINTABLE), "document-unprintable-error");
  CHECK_STR(render_exit_reason(RENDER_EXIT_UNSUPPORTED), "document-format-not-supported");
  CHECK_STR(render_exit_reason(139), "aborted-by-system");
}

/* Runs the analysis over rows x width copies of `row` fill. */
static render_page_info_t analyse(const uint32_t *row, size_t width, unsigned rows, bool gray)
{
  render_analysis_t a;
  render_page_info_t info = {0};
  render_analysis_begin(&a, gray);
  for (unsigned r = 0; r < rows; r++)
    render_analysis_row(&a, row, width);
  render_analysis_end(&a, &info);
  return info;
}

static void test_colour(void)
{
  CHECK(render_pixel_is_neutral(100, 100, 100));
  CHECK(render_pixel_is_neutral(100, 100, 100 + RENDER_NEUTRAL_TOLERANCE));
  CHECK(!render_pixel_is_neutral(100, 100, 101 + RENDER_NEUTRAL_TOLERANCE));
  CHECK(!render_pixel_is_neutral(255, 0, 0));

  uint32_t row[1000];
  for (int i = 0; i < 1000; i++)
    row[i] = 0xFFFFFFFFu;
  render_page_info_t p = analyse(row, 1000, 10, false);
  CHECK(!p.color && p.c == 0 && p.m == 0 && p.y == 0 && p.k == 0);
  row[500] = 0x00FF0000u; /* one red pixel among 10,000 */
  p = analyse(row, 1000, 10, false);
  CHECK(p.color && p.m > 0 && p.y > 0 && p.c == 0);
  CHECK(!analyse(row, 1000, 10, true).color); /* grey output is never colour */
  for (int i = 0; i < 1000; i++)
    row[i] = 0xAA808080u; /* mid grey, garbage in the top byte */
  p = analyse(row, 1000, 4, false);
  CHECK(!p.color && p.c == 0 && fabs(p.k - (255 - 128) / 255.0) < 1e-3);
  for (int i = 0; i < 1000; i++)
    row[i] = 0x0000FFFFu; /* cyan */
  p = analyse(row, 1000, 4, false);
  CHECK(p.color && fabs(p.c - 1) < 1e-4 && p.m == 0 && p.y == 0 && p.k == 0);
  for (int i = 0; i < 1000; i++)
    row[i] = i < 250 ? 0 : 0xFFFFFFu; /* a quarter black */
  p = analyse(row, 1000, 4, false);
  CHECK(fabs(p.k - 0.25) < 1e-4 && p.c == 0);
  p = analyse(row, 1000, 4, true);
  CHECK(fabs(p.k - 0.25) < 1e-4);

  uint32_t px[3] = {0xFFFFFF, 0x000000, 0xFF0000};
  unsigned char g[3];
  render_row_to_gray(px, 3, g);
  CHECK(g[0] == 255 && g[1] == 0 && g[2] == 77);
}

/* Applies m to (x, y). */
static void map(const cairo_matrix_t *m, double x, double y, double *ox, double *oy)
{
  *ox = x, *oy = y;
  cairo_matrix_transform_point(m, ox, oy);
}

static void test_layout(void)
{
  const double aw = 595.2756, ah = 841.8898;
  cairo_matrix_t m;
  double x, y;
  render_content_t a4 = {aw, ah, true, false}, letter = {612, 792, true, false};
  render_layout(aw, ah, &a4, RENDER_SCALING_AUTO, &m);
  map(&m, aw, ah, &x, &y);
  CHECK(fabs(m.x0) < 1e-6 && fabs(m.y0) < 1e-6 && fabs(x - aw) < 1e-6 && fabs(y - ah) < 1e-6);
  render_layout(aw, ah, &letter, RENDER_SCALING_AUTO, &m); /* wider than A4: fit */
  CHECK(fabs(m.xx - aw / 612) < 1e-9 && fabs(m.x0) < 1e-9 && m.y0 > 0);
  render_layout(aw, ah, &letter, RENDER_SCALING_NONE, &m); /* centred, cropped */
  CHECK(m.xx == 1 && fabs(m.x0 - (aw - 612) / 2) < 1e-9);
  render_layout(aw, ah, &letter, RENDER_SCALING_FILL, &m);
  CHECK(fabs(m.xx - ah / 792) < 1e-9);
  render_content_t small = {100, 200, true, true};
  render_layout(aw, ah, &small, RENDER_SCALING_AUTO_FIT, &m); /* fits: natural size */
  CHECK(m.xx == 1 && fabs(m.x0 - (aw - 100) / 2) < 1e-9);
  render_layout(aw, ah, &small, RENDER_SCALING_FIT, &m);
  CHECK(fabs(m.xx - ah / 200) < 1e-9);
  small.size_known = false; /* no resolution: auto fits */
  render_layout(aw, ah, &small, RENDER_SCALING_AUTO, &m);
  CHECK(fabs(m.xx - ah / 200) < 1e-9);
  render_content_t land = {ah, aw, true, false}; /* landscape A4 on portrait A4: turned */
  render_layout(aw, ah, &land, RENDER_SCALING_AUTO, &m);
  map(&m, 0, 0, &x, &y); /* content top-left ends bottom-left */
  CHECK(fabs(x) < 1e-6 && fabs(y - ah) < 1e-6);
  map(&m, ah, 0, &x, &y); /* content top-right ends top-left */
  CHECK(fabs(x) < 1e-6 && fabs(y) < 1e-6);

  render_geom_t g;
  render_error_t err = {0};
  CHECK(render_geom_init(&g, aw, ah, 300, 300, &err) && g.width == 2480 && g.height == 3507);
  CHECK(!render_geom_init(&g, 20000, 800, 300, 300, &err) && err.status == RENDER_EXIT_UNPRINTABLE);
  render_geom_init_thumb(&g, aw, ah, 256);
  CHECK(g.width == 181 && g.height == 256);
}

static void test_raster_convert(void)
{
  uint32_t px[16];
  unsigned char black1[2] = {0x80, 0x01};
  render_raster_convert(RENDER_RASTER_BLACK, 1, black1, 16, px);
  CHECK(px[0] == 0 && px[1] == 0xFFFFFF && px[15] == 0);
  render_raster_convert(RENDER_RASTER_GRAY, 1, black1, 16, px);
  CHECK(px[0] == 0xFFFFFF && px[1] == 0);
  unsigned char cmyk[8] = {0, 255, 255, 0, 0, 0, 0, 255};
  render_raster_convert(RENDER_RASTER_CMYK, 8, cmyk, 2, px);
  CHECK(px[0] == 0xFF0000 && px[1] == 0);
  unsigned char rgb16[6] = {0x12, 0x34, 0xAB, 0xCD, 0xFF, 0xFF};
  render_raster_convert(RENDER_RASTER_RGB, 16, rgb16, 1, px);
  CHECK(px[0] == 0x12ABFF);
  unsigned char k8[1] = {255};
  render_raster_convert(RENDER_RASTER_BLACK, 8, k8, 1, px);
  CHECK(px[0] == 0);
}

static void test_options(void)
{
  double w = 0, h = 0;
  CHECK(render_media_lookup("iso_a4_210x297mm", &w, &h) && fabs(w - 595.2756) < 0.01 &&
        fabs(h - 841.8898) < 0.01);
  CHECK(render_media_lookup("na_letter_8.5x11in", &w, &h) && fabs(w - 612) < 0.01);
  CHECK(!render_media_lookup("no_such_media", &w, &h));
  CHECK(render_format_from_mime("application/pdf") == RENDER_FORMAT_PDF);
  CHECK(render_format_from_mime("IMAGE/JPEG; q=1") == RENDER_FORMAT_JPEG);
  CHECK(render_format_from_mime("image/pwg-raster") == RENDER_FORMAT_PWG);
  CHECK(render_format_from_mime("image/urf") == RENDER_FORMAT_URF);
  CHECK(render_format_from_mime("image/tiff") == RENDER_FORMAT_NONE);
  CHECK(render_format_sniff((const unsigned char *)"%PDF-1.7", 8) == RENDER_FORMAT_PDF);
  CHECK(render_format_sniff((const unsigned char *)"\xFF\xD8\xFF\xE0", 4) == RENDER_FORMAT_JPEG);
  CHECK(render_format_sniff((const unsigned char *)"UNIRAST\0", 8) == RENDER_FORMAT_URF);
  CHECK(render_format_sniff((const unsigned char *)"RaS2", 4) == RENDER_FORMAT_PWG);
  CHECK(render_format_sniff((const unsigned char *)"RaS3", 4) == RENDER_FORMAT_NONE);
  CHECK(render_format_sniff((const unsigned char *)"%PD", 3) == RENDER_FORMAT_NONE);

  render_opts_t o;
  render_error_t err = {0};
  char *ok_argv[] = {"quire-render", "--jobs", "1", "in.pdf", "-o", "out.pwg", "--copies", "2",
                     "--sides", "two-sided-short-edge", NULL};
  CHECK(render_opts_parse(&o, 10, ok_argv, &err));
  CHECK(o.to == RENDER_TO_PWG && o.copies == 2 && o.sides == RENDER_SIDES_SHORT_EDGE &&
        o.jobs == 1 && !strcmp(o.input, "in.pdf") && o.resolution == 300);
  char *bad_argv[] = {"quire-render", "in.pdf", "--info", "--resolution", "20", NULL};
  err = (render_error_t){0};
  CHECK(!render_opts_parse(&o, 5, bad_argv, &err) && err.status == RENDER_EXIT_USAGE);
  char *none_argv[] = {"quire-render", "in.pdf", NULL};
  err = (render_error_t){0};
  CHECK(!render_opts_parse(&o, 2, none_argv, &err) && err.status == RENDER_EXIT_USAGE);
}

int main(void)
{
  test_packbits();
  test_packbits_rgb32();
  test_pwg_header_libcups();
  test_pwg_header_vs_libcups_writer();
  test_urf_header();
  test_exif();
  test_image_turn();
  test_sheets();
  test_colour();
  test_layout();
  test_raster_convert();
  test_options();
  return test_summary();
}
