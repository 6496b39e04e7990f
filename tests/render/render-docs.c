/*
 * render-docs.c: writes the documents tests/integration/test_render.py checks quire-render
 * with, all generated here (cairo for PDF, libjpeg-turbo for JPEG), deterministic.
 *
 *   render-docs OUTDIR          writes every document below into OUTDIR (created if missing)
 *   render-docs --bench OUTDIR  writes text20.pdf (20 pages), photo10.pdf (10 photo pages) and
 *                               the JPEGs, for quick timings by hand
 *
 * PDFs: text.pdf (4 A4 pages of text and vector charts), onepage-letter.pdf, photo.pdf (3 A4
 * pages, each a full-page photo embedded as JPEG), colour-set.pdf (pages whose colour
 * classification is known, see make_colour_set), pages100.pdf (100 A4 text pages) and
 * pages1.pdf (its first page alone), landscape.pdf
 * (1 A4 landscape page). JPEGs: photo.jpg (1240x1754, portrait, same aspect as A4),
 * photo-12mp.jpg (4000x3000), gray.jpg, cmyk.jpg (Adobe inverted CMYK), progressive.jpg,
 * exif-3.jpg / exif-6.jpg / exif-8.jpg (600x400 stored, EXIF Orientation 3, 6, 8: the stored
 * image has a red top-left quadrant and is blue elsewhere), photo-ref.pdf (photo.jpg scaled to
 * an A4 page, the reference that pdftoppm renders for the JPEG comparison).
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jpeglib.h>

#define A4_W 595.275590551
#define A4_H 841.889763780
#define MM (72.0 / 25.4)

/* Pixels of an RGB or grey image built in memory before encoding. */
typedef struct {
  int width, height, channels;
  unsigned char *data;
} image_t;

/* Deterministic xorshift generator (no libc rand, so output never depends on the libc). */
static uint32_t rng_state = 2463534242u;

/* Next xorshift value. */
static uint32_t rng_next(void)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

/* Fills a photo-like RGB image: smooth colour fields plus fine noise. Caller frees data. */
static bool image_photo(image_t *img, int w, int h, unsigned seed)
{
  img->width = w;
  img->height = h;
  img->channels = 3;
  img->data = malloc((size_t)w * (size_t)h * 3);
  float *tx = malloc(sizeof(float) * (size_t)w), *ty = malloc(sizeof(float) * (size_t)h);
  if (!img->data || !tx || !ty) {
    free(img->data);
    free(tx);
    free(ty);
    return false;
  }
  for (int x = 0; x < w; x++)
    tx[x] = (float)(sin(x * 0.004 * (seed + 1)) * 60 + sin(x * 0.031) * 20);
  for (int y = 0; y < h; y++)
    ty[y] = (float)(cos(y * 0.003 * (seed + 2)) * 60 + sin(y * 0.023) * 20);
  rng_state = 2463534242u + seed;
  for (int y = 0; y < h; y++) {
    unsigned char *p = img->data + (size_t)y * (size_t)w * 3;
    for (int x = 0; x < w; x++) {
      int n = (int)(rng_next() & 15) - 8;
      int r = 128 + (int)tx[x] + n, g = 120 + (int)ty[y] + n, b = 128 + (int)(tx[x] - ty[y]) / 2;
      p[3 * x] = (unsigned char)(r < 0 ? 0 : r > 255 ? 255 : r);
      p[3 * x + 1] = (unsigned char)(g < 0 ? 0 : g > 255 ? 255 : g);
      p[3 * x + 2] = (unsigned char)(b < 0 ? 0 : b > 255 ? 255 : b);
    }
  }
  free(tx);
  free(ty);
  return true;
}

/* An EXIF APP1 payload holding only IFD0 with one Orientation tag (big-endian TIFF). */
static size_t exif_payload(unsigned char *buf, int orientation)
{
  static const unsigned char head[] = {'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8,
                                       0, 1,                       /* one entry */
                                       0x01, 0x12, 0, 3, 0, 0, 0, 1, /* Orientation SHORT x1 */
                                       0, 0, 0, 0,                 /* value, filled below */
                                       0, 0, 0, 0};                /* next IFD: none */
  memcpy(buf, head, sizeof(head));
  buf[24] = 0;
  buf[25] = (unsigned char)orientation;
  return sizeof(head);
}

/* Encodes img as a JPEG file. cmyk: the RGB data is written as Adobe inverted CMYK. */
static bool write_jpeg(const char *path, const image_t *img, int quality, bool progressive,
                       bool cmyk, int orientation)
{
  FILE *fp = fopen(path, "wb");
  if (!fp)
    return false;
  struct jpeg_compress_struct c;
  struct jpeg_error_mgr jerr;
  c.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&c);
  jpeg_stdio_dest(&c, fp);
  c.image_width = (JDIMENSION)img->width;
  c.image_height = (JDIMENSION)img->height;
  c.input_components = cmyk ? 4 : img->channels;
  c.in_color_space = cmyk ? JCS_CMYK : img->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, quality, TRUE);
  if (progressive)
    jpeg_simple_progression(&c);
  jpeg_start_compress(&c, TRUE);
  if (orientation > 1) {
    unsigned char exif[64];
    size_t n = exif_payload(exif, orientation);
    jpeg_write_marker(&c, JPEG_APP0 + 1, exif, (unsigned)n);
  }
  unsigned char *row = malloc((size_t)img->width * 4);
  for (int y = 0; row && y < img->height; y++) {
    const unsigned char *s = img->data + (size_t)y * (size_t)img->width * (size_t)img->channels;
    if (cmyk) {
      /* Adobe CMYK is stored inverted: 255 = no ink. K = 1 - max, naive. */
      for (int x = 0; x < img->width; x++) {
        int r = s[3 * x], g = s[3 * x + 1], b = s[3 * x + 2];
        int mx = r > g ? (r > b ? r : b) : (g > b ? g : b);
        row[4 * x] = (unsigned char)(mx ? r * 255 / mx : 255);
        row[4 * x + 1] = (unsigned char)(mx ? g * 255 / mx : 255);
        row[4 * x + 2] = (unsigned char)(mx ? b * 255 / mx : 255);
        row[4 * x + 3] = (unsigned char)mx;
      }
    } else {
      memcpy(row, s, (size_t)img->width * (size_t)img->channels);
    }
    JSAMPROW rp = row;
    jpeg_write_scanlines(&c, &rp, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  free(row);
  return fclose(fp) == 0;
}

/* Reads a whole file into memory (for cairo's JPEG mime data). Caller frees. */
static unsigned char *read_file(const char *path, size_t *len)
{
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return NULL;
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  unsigned char *buf = n > 0 ? malloc((size_t)n) : NULL;
  if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(fp);
  *len = (size_t)n;
  return buf;
}

/* Paints a JPEG file (decoded pixels in img, bytes in path) into the rectangle x,y,w,h; cairo
 * embeds the JPEG bytes as they are (DCTDecode), as phone PDFs do. */
static void paint_jpeg(cairo_t *cr, const image_t *img, const char *path, double x, double y,
                       double w, double h)
{
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, img->width, img->height);
  unsigned char *d = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  cairo_surface_flush(s);
  for (int j = 0; j < img->height; j++) {
    uint32_t *row = (uint32_t *)(d + (size_t)j * (size_t)stride);
    const unsigned char *p = img->data + (size_t)j * (size_t)img->width * 3;
    for (int i = 0; i < img->width; i++)
      row[i] = (uint32_t)p[3 * i] << 16 | (uint32_t)p[3 * i + 1] << 8 | p[3 * i + 2];
  }
  cairo_surface_mark_dirty(s);
  size_t len = 0;
  unsigned char *jpeg = read_file(path, &len);
  if (jpeg)
    cairo_surface_set_mime_data(s, CAIRO_MIME_TYPE_JPEG, jpeg, len, free, jpeg);
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_scale(cr, w / img->width, h / img->height);
  cairo_set_source_surface(cr, s, 0, 0);
  cairo_paint(cr);
  cairo_restore(cr);
  cairo_surface_destroy(s);
}

/* Writes lines of body text in black from y to the bottom margin. */
static void draw_text(cairo_t *cr, double width, double height, double y, int seed)
{
  static const char *const words[] = {"quire", "renders", "documents", "for", "the", "printer",
                                      "one", "page", "at", "a", "time", "with", "poppler",
                                      "and", "cairo", "while", "counting", "colour", "pages"};
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_select_font_face(cr, "serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 10);
  rng_state = 88172645u + (uint32_t)seed;
  for (; y < height - 60; y += 13) {
    char line[200] = "";
    size_t n = 0;
    while (n < 90) {
      const char *w = words[rng_next() % (sizeof(words) / sizeof(words[0]))];
      n += (size_t)snprintf(line + n, sizeof(line) - n, "%s ", w);
    }
    cairo_move_to(cr, 56, y);
    cairo_show_text(cr, line);
  }
  (void)width;
}

/* Draws a small bar chart in colour at x,y. */
static void draw_chart(cairo_t *cr, double x, double y, int seed)
{
  static const double colours[][3] = {{0.8, 0.1, 0.1}, {0.1, 0.5, 0.8}, {0.2, 0.7, 0.2}};
  cairo_set_line_width(cr, 1);
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_rectangle(cr, x, y, 240, 120);
  cairo_stroke(cr);
  for (int i = 0; i < 8; i++) {
    const double *c = colours[(i + seed) % 3];
    cairo_set_source_rgb(cr, c[0], c[1], c[2]);
    double h = 20 + ((i * 37 + seed * 11) % 90);
    cairo_rectangle(cr, x + 10 + i * 28, y + 120 - h, 20, h);
    cairo_fill(cr);
  }
}

/* Starts a PDF surface; fixed creation date for reproducibility. */
static cairo_surface_t *pdf_open(const char *dir, const char *name, double w, double h)
{
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  cairo_surface_t *s = cairo_pdf_surface_create(path, w, h);
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, "2024-01-01T00:00:00Z");
  return s;
}

/* Finishes a PDF surface; false if cairo reported an error. */
static bool pdf_close(cairo_t *cr, cairo_surface_t *s)
{
  cairo_destroy(cr);
  cairo_surface_finish(s);
  bool ok = cairo_surface_status(s) == CAIRO_STATUS_SUCCESS;
  cairo_surface_destroy(s);
  return ok;
}

/* Text pages, a chart on every page. */
static bool make_text(const char *dir, const char *name, int pages, double w, double h,
                      bool charts)
{
  cairo_surface_t *s = pdf_open(dir, name, w, h);
  cairo_t *cr = cairo_create(s);
  for (int p = 0; p < pages; p++) {
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 18);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_move_to(cr, 56, 70);
    char title[64];
    snprintf(title, sizeof(title), "Page %d", p + 1);
    cairo_show_text(cr, title);
    if (charts) {
      draw_chart(cr, 56, 90, p);
      draw_text(cr, w, h, 240, p);
    } else {
      draw_text(cr, w, h, 100, p);
    }
    cairo_show_page(cr);
  }
  return pdf_close(cr, s);
}

/* Full-page photos, one JPEG per page, embedded as DCT data. */
static bool make_photo_pdf(const char *dir, const char *name, int pages)
{
  cairo_surface_t *s = pdf_open(dir, name, A4_W, A4_H);
  cairo_t *cr = cairo_create(s);
  bool ok = true;
  for (int p = 0; ok && p < pages; p++) {
    image_t img;
    char path[4096];
    snprintf(path, sizeof(path), "%s/.photo-page-%d.jpg", dir, p);
    ok = image_photo(&img, 1654, 2339, (unsigned)p + 3) && write_jpeg(path, &img, 88, false, false, 1);
    if (ok) {
      paint_jpeg(cr, &img, path, 0, 0, A4_W, A4_H);
      free(img.data);
      remove(path);
    }
    cairo_show_page(cr);
  }
  return pdf_close(cr, s) && ok;
}

/*
 * colour-set.pdf: expected classification per page (also printed by test_render.py):
 *  1 mono text                        mono
 *  2 full-page colour fills           colour
 *  3 mono text + one 2 mm red dot     colour
 *  4 mono text + one blue word        colour
 *  5 grey gradient and grey shapes    mono
 *  6 blank page                       mono
 *  7 mono text + one 0.5 pt green line colour
 *  8 near-neutral grey (2/255 tint)   mono
 */
static bool make_colour_set(const char *dir)
{
  cairo_surface_t *s = pdf_open(dir, "colour-set.pdf", A4_W, A4_H);
  cairo_t *cr = cairo_create(s);
  draw_text(cr, A4_W, A4_H, 80, 1);
  cairo_show_page(cr);

  for (int i = 0; i < 4; i++) {
    cairo_set_source_rgb(cr, i & 1 ? 0.9 : 0.1, i & 2 ? 0.8 : 0.2, 0.5);
    cairo_rectangle(cr, 0, i * A4_H / 4, A4_W, A4_H / 4);
    cairo_fill(cr);
  }
  cairo_show_page(cr);

  draw_text(cr, A4_W, A4_H, 80, 3);
  cairo_set_source_rgb(cr, 1, 0, 0);
  cairo_arc(cr, 400, 700, 1 * MM, 0, 2 * M_PI);
  cairo_fill(cr);
  cairo_show_page(cr);

  draw_text(cr, A4_W, A4_H, 80, 4);
  cairo_set_source_rgb(cr, 0, 0, 0.8);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 10);
  cairo_move_to(cr, 300, 790);
  cairo_show_text(cr, "blue");
  cairo_show_page(cr);

  cairo_pattern_t *g = cairo_pattern_create_linear(0, 0, A4_W, 0);
  cairo_pattern_add_color_stop_rgb(g, 0, 0, 0, 0);
  cairo_pattern_add_color_stop_rgb(g, 1, 1, 1, 1);
  cairo_set_source(cr, g);
  cairo_rectangle(cr, 0, 0, A4_W, A4_H / 2);
  cairo_fill(cr);
  cairo_pattern_destroy(g);
  cairo_set_source_rgb(cr, 0.5, 0.5, 0.5);
  cairo_arc(cr, 300, 600, 100, 0, 2 * M_PI);
  cairo_fill(cr);
  cairo_show_page(cr);

  cairo_show_page(cr); /* blank */

  draw_text(cr, A4_W, A4_H, 80, 7);
  cairo_set_source_rgb(cr, 0, 0.6, 0);
  cairo_set_line_width(cr, 0.5);
  cairo_move_to(cr, 100, 780);
  cairo_line_to(cr, 300, 780);
  cairo_stroke(cr);
  cairo_show_page(cr);

  cairo_set_source_rgb(cr, 0.60, 0.60, 0.608);
  cairo_rectangle(cr, 50, 50, 400, 400);
  cairo_fill(cr);
  cairo_show_page(cr);
  return pdf_close(cr, s);
}

/* The JPEG documents and the reference PDF for photo.jpg. */
static bool make_jpegs(const char *dir)
{
  char path[4096];
  image_t img;
  bool ok = image_photo(&img, 1240, 1754, 7);
  snprintf(path, sizeof(path), "%s/photo.jpg", dir);
  ok = ok && write_jpeg(path, &img, 90, false, false, 1);
  if (ok) {
    cairo_surface_t *s = pdf_open(dir, "photo-ref.pdf", A4_W, A4_H);
    cairo_t *cr = cairo_create(s);
    paint_jpeg(cr, &img, path, 0, 0, A4_W, A4_H);
    cairo_show_page(cr);
    ok = pdf_close(cr, s);
  }
  snprintf(path, sizeof(path), "%s/progressive.jpg", dir);
  ok = ok && write_jpeg(path, &img, 85, true, false, 1);
  snprintf(path, sizeof(path), "%s/cmyk.jpg", dir);
  ok = ok && write_jpeg(path, &img, 90, false, true, 1);
  free(img.data);

  ok = ok && image_photo(&img, 4000, 3000, 11);
  snprintf(path, sizeof(path), "%s/photo-12mp.jpg", dir);
  ok = ok && write_jpeg(path, &img, 90, false, false, 1);
  free(img.data);

  ok = ok && image_photo(&img, 800, 600, 5);
  if (ok) { /* keep one channel: a grey picture */
    for (size_t i = 0; i < (size_t)800 * 600; i++)
      img.data[i] = img.data[3 * i + 1];
    img.channels = 1;
  }
  snprintf(path, sizeof(path), "%s/gray.jpg", dir);
  ok = ok && write_jpeg(path, &img, 90, false, false, 1);
  free(img.data);

  /* Orientation probes: red top-left quadrant, blue elsewhere, 600x400 as stored. */
  img.width = 600;
  img.height = 400;
  img.channels = 3;
  img.data = malloc(600 * 400 * 3);
  if (!img.data)
    return false;
  for (int y = 0; y < 400; y++)
    for (int x = 0; x < 600; x++) {
      unsigned char *p = img.data + ((size_t)y * 600 + (size_t)x) * 3;
      bool red = x < 300 && y < 200;
      p[0] = red ? 230 : 20;
      p[1] = 20;
      p[2] = red ? 20 : 230;
    }
  static const int orientations[] = {3, 6, 8};
  for (size_t i = 0; ok && i < 3; i++) {
    snprintf(path, sizeof(path), "%s/exif-%d.jpg", dir, orientations[i]);
    ok = write_jpeg(path, &img, 90, false, false, orientations[i]);
  }
  free(img.data);
  return ok;
}

/* Writes the documents (see the top of this file). */
int main(int argc, char **argv)
{
  bool bench = argc == 3 && !strcmp(argv[1], "--bench");
  if (argc != 2 && !bench) {
    fputs("usage: render-docs [--bench] OUTDIR\n", stderr);
    return 2;
  }
  const char *dir = argv[argc - 1];
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
    perror(dir);
    return 1;
  }
  if (bench) {
    bool ok = make_text(dir, "text20.pdf", 20, A4_W, A4_H, true) &&
              make_photo_pdf(dir, "photo10.pdf", 10) && make_jpegs(dir);
    return ok ? 0 : 1;
  }
  bool ok = make_text(dir, "text.pdf", 4, A4_W, A4_H, true) &&
            make_text(dir, "onepage-letter.pdf", 1, 612, 792, true) &&
            make_text(dir, "pages100.pdf", 100, A4_W, A4_H, false) &&
            make_text(dir, "pages1.pdf", 1, A4_W, A4_H, false) &&
            make_text(dir, "landscape.pdf", 1, A4_H, A4_W, true) && make_photo_pdf(dir, "photo.pdf", 3) &&
            make_colour_set(dir) && make_jpegs(dir);
  if (!ok) {
    fputs("render-docs: failed to write the documents\n", stderr);
    return 1;
  }
  return 0;
}
