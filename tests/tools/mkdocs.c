/*
 * mkdocs.c: writes the test documents quire's tests and CUPS's ipptool conformance files
 * (ipp-1.1.test and the tests that include it, print-job.test, ...) send with FILE, all
 * generated here: PDFs drawn with cairo's PDF surface, JPEGs encoded with libjpeg-turbo and a
 * plain-text file. Output is deterministic (fixed PDF dates, no randomness).
 *
 *   mkdocs OUTDIR            writes every document into OUTDIR (created if missing)
 *   mkdocs --big N OUTFILE   writes a PDF header followed by padding, N MiB in all, streamed
 *
 * PostScript files (document-a4.ps, document-letter.ps) are not generated: every ipptool test
 * that uses them is SKIP-IF-NOT-DEFINED OPTIONAL_POSTSCRIPT, which quired never defines because
 * it does not list application/postscript in document-format-supported.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jpeglib.h>   /* after stddef.h and stdio.h, which it needs */

/* Page sizes in PostScript points. */
#define A4_W 595.275590551
#define A4_H 841.889763780
#define LETTER_W 612.0
#define LETTER_H 792.0

#define MIB (1024L * 1024L)
#define BIG_MAX_MIB 65536L          /* 64 GiB: a bound, not a target */
#define BIG_LINE_LEN 64             /* every padding line, newline included */

/* A fixed date so that regenerated PDFs are byte-identical. */
#define FIXED_PDF_DATE "2024-01-01T00:00:00Z"

/* Sentences the text pages cycle through (written for quire, not copied). */
static const char *const body_lines[] = {
  "quire test document: this page was drawn by tests/tools/mkdocs with cairo.",
  "Mobile devices send PDF and JPEG documents to the gateway over IPP Everywhere.",
  "Each job is held until someone releases it at the gateway's web interface.",
  "The quick brown fox jumps over the lazy dog. 0123456789 !?#%&()[]{}",
  "Lines of plain text test font embedding, clipping and page margins.",
  "Colour patches below test the conversion from sRGB to the printer's colour space.",
};

/* One document the directory mode writes. */
typedef enum { DOC_PDF, DOC_JPEG_COLOR, DOC_JPEG_GRAY, DOC_TEXT } doc_kind_t;

typedef struct {
  const char *name;
  doc_kind_t kind;
  double width, height;   /* PDF: page size in points; JPEG: pixels */
  int pages;              /* PDF only */
  int quality;            /* JPEG only */
} doc_spec_t;

static const doc_spec_t docs[] = {
  { "testfile.pdf",        DOC_PDF,        LETTER_W, LETTER_H, 1, 0 },
  { "document-a4.pdf",     DOC_PDF,        A4_W,     A4_H,     4, 0 },
  { "document-letter.pdf", DOC_PDF,        LETTER_W, LETTER_H, 4, 0 },
  { "onepage-a4.pdf",      DOC_PDF,        A4_W,     A4_H,     1, 0 },
  { "onepage-letter.pdf",  DOC_PDF,        LETTER_W, LETTER_H, 1, 0 },
  { "testfile.jpg",        DOC_JPEG_COLOR, 320,      240,      0, 85 },
  { "color.jpg",           DOC_JPEG_COLOR, 1000,     700,      0, 90 },
  { "gray.jpg",            DOC_JPEG_GRAY,  1000,     700,      0, 90 },
  { "testfile.txt",        DOC_TEXT,       0,        0,        0, 0 },
};

/* Prints a message prefixed with the program name to stderr. */
static void fail(const char *fmt, ...)
{
  va_list ap;

  fputs("mkdocs: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

/* Joins dir and name into buf; false if it does not fit. */
static bool join_path(char *buf, size_t size, const char *dir, const char *name)
{
  int n = snprintf(buf, size, "%s/%s", dir, name);

  return n > 0 && (size_t)n < size;
}

/* Draws the heading, the page number and the page's lines of text. */
static void pdf_draw_text(cairo_t *cr, const doc_spec_t *d, int page)
{
  char line[128];
  double margin = 54.0, y = margin + 24.0;

  cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size(cr, 24.0);
  cairo_move_to(cr, margin, y);
  cairo_show_text(cr, d->name);

  cairo_select_font_face(cr, "serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 11.0);
  snprintf(line, sizeof(line), "Page %d of %d, %.0f x %.0f points", page, d->pages,
           d->width, d->height);
  y += 24.0;
  cairo_move_to(cr, margin, y);
  cairo_show_text(cr, line);

  size_t nlines = sizeof(body_lines) / sizeof(body_lines[0]);
  for (size_t i = 0; i < 2 * nlines; i++) {
    y += 16.0;
    cairo_move_to(cr, margin, y);
    cairo_show_text(cr, body_lines[(i + (size_t)page) % nlines]);
  }
}

/* Draws colour patches, a gradient bar, circles and a frame below the text. */
static void pdf_draw_graphics(cairo_t *cr, const doc_spec_t *d, int page)
{
  static const double colors[][3] = {
    { 0.0, 1.0, 1.0 }, { 1.0, 0.0, 1.0 }, { 1.0, 1.0, 0.0 }, { 0.0, 0.0, 0.0 },
    { 1.0, 0.0, 0.0 }, { 0.0, 0.6, 0.0 }, { 0.0, 0.0, 1.0 }, { 0.5, 0.5, 0.5 },
  };
  double margin = 54.0, top = d->height * 0.45, w = (d->width - 2 * margin) / 8.0;

  for (int i = 0; i < 8; i++) {
    cairo_set_source_rgb(cr, colors[i][0], colors[i][1], colors[i][2]);
    cairo_rectangle(cr, margin + i * w, top, w - 4.0, 60.0);
    cairo_fill(cr);
  }

  cairo_pattern_t *grad = cairo_pattern_create_linear(margin, 0, d->width - margin, 0);
  cairo_pattern_add_color_stop_rgb(grad, 0.0, 0.9, 0.1, 0.1);
  cairo_pattern_add_color_stop_rgb(grad, 0.5, 0.1, 0.8, 0.2);
  cairo_pattern_add_color_stop_rgb(grad, 1.0, 0.1, 0.2, 0.9);
  cairo_set_source(cr, grad);
  cairo_rectangle(cr, margin, top + 80.0, d->width - 2 * margin, 40.0);
  cairo_fill(cr);
  cairo_pattern_destroy(grad);

  for (int i = 0; i <= page; i++) {
    cairo_set_source_rgba(cr, 0.2 * i, 0.3, 1.0 - 0.2 * i, 0.7);
    cairo_arc(cr, margin + 60.0 + i * 70.0, top + 200.0, 40.0, 0.0, 2 * M_PI);
    cairo_fill(cr);
  }

  cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
  cairo_set_line_width(cr, 1.0);
  cairo_rectangle(cr, margin / 2, margin / 2, d->width - margin, d->height - margin);
  cairo_stroke(cr);
}

/* Writes one PDF of d->pages pages; false on any cairo error. */
static bool write_pdf(const char *path, const doc_spec_t *d)
{
  cairo_surface_t *surface = cairo_pdf_surface_create(path, d->width, d->height);

  if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
    fail("%s: %s", path, cairo_status_to_string(cairo_surface_status(surface)));
    cairo_surface_destroy(surface);
    return false;
  }
  cairo_pdf_surface_restrict_to_version(surface, CAIRO_PDF_VERSION_1_5);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, d->name);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "quire mkdocs");
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, FIXED_PDF_DATE);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, FIXED_PDF_DATE);

  cairo_t *cr = cairo_create(surface);
  for (int page = 1; page <= d->pages; page++) {
    pdf_draw_text(cr, d, page);
    pdf_draw_graphics(cr, d, page);
    cairo_show_page(cr);
  }
  cairo_status_t st = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  if (st == CAIRO_STATUS_SUCCESS)
    st = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (st != CAIRO_STATUS_SUCCESS)
    fail("%s: %s", path, cairo_status_to_string(st));
  return st == CAIRO_STATUS_SUCCESS;
}

/* libjpeg error manager that jumps back instead of calling exit(). */
typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
} jpeg_err_t;

/* Reports a libjpeg error and unwinds to write_jpeg. */
static void jpeg_fail_exit(j_common_ptr cinfo)
{
  jpeg_err_t *err = (jpeg_err_t *)cinfo->err;
  char msg[JMSG_LENGTH_MAX];

  cinfo->err->format_message(cinfo, msg);
  fail("libjpeg: %s", msg);
  longjmp(err->jump, 1);
}

/* Fills one scanline: a photo-like colour field (sky, sun, hills) or its grey version. */
static void jpeg_fill_row(JSAMPLE *row, int y, int width, int height, bool gray)
{
  double cy = height * 0.3, cx = width * 0.7, r = height * 0.12;

  for (int x = 0; x < width; x++) {
    double fx = (double)x / width, fy = (double)y / height;
    double hill = height * (0.6 + 0.08 * sin(fx * 9.0) + 0.05 * sin(fx * 23.0 + 1.0));
    double red, green, blue;
    if (y > hill) {                              /* grass, darker toward the bottom */
      red = 40 + 60 * fx; green = 150 - 60 * fy + 30 * sin(x * 0.05); blue = 40;
    } else if (hypot(x - cx, y - cy) < r) {      /* sun */
      red = 255; green = 220 - 40 * fy; blue = 60;
    } else {                                     /* sky gradient */
      red = 60 + 120 * fy; green = 120 + 100 * fy; blue = 250 - 40 * fx;
    }
    int ri = (int)fmin(fmax(red, 0), 255), gi = (int)fmin(fmax(green, 0), 255),
        bi = (int)fmin(fmax(blue, 0), 255);
    if (gray)
      row[x] = (JSAMPLE)((ri * 299 + gi * 587 + bi * 114) / 1000);
    else {
      row[3 * x] = (JSAMPLE)ri;
      row[3 * x + 1] = (JSAMPLE)gi;
      row[3 * x + 2] = (JSAMPLE)bi;
    }
  }
}

/* Runs the libjpeg compressor over fp; false on a libjpeg error. */
static bool jpeg_encode(FILE *fp, JSAMPLE *row, int width, int height, bool gray, int quality)
{
  struct jpeg_compress_struct cinfo;
  jpeg_err_t err;

  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = jpeg_fail_exit;
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&cinfo);
    return false;
  }
  jpeg_create_compress(&cinfo);
  jpeg_stdio_dest(&cinfo, fp);
  cinfo.image_width = (JDIMENSION)width;
  cinfo.image_height = (JDIMENSION)height;
  cinfo.input_components = gray ? 1 : 3;
  cinfo.in_color_space = gray ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  cinfo.density_unit = 1;                         /* dots per inch */
  cinfo.X_density = cinfo.Y_density = 150;
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    jpeg_fill_row(row, (int)cinfo.next_scanline, width, height, gray);
    JSAMPROW rows[1] = { row };
    jpeg_write_scanlines(&cinfo, rows, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return true;
}

/* Writes one baseline JPEG (colour or greyscale); false on any error. */
static bool write_jpeg(const char *path, const doc_spec_t *d, bool gray)
{
  int width = (int)d->width, height = (int)d->height;
  JSAMPLE *row = malloc((size_t)width * (gray ? 1 : 3));
  FILE *fp = fopen(path, "wb");
  bool ok = row && fp && jpeg_encode(fp, row, width, height, gray, d->quality);

  if (!row)
    fail("out of memory");
  if (!fp)
    fail("%s: %s", path, strerror(errno));
  if (fp && fclose(fp) != 0) {
    fail("%s: %s", path, strerror(errno));
    ok = false;
  }
  free(row);
  return ok;
}

/* Writes a plain-text document of a few dozen lines. */
static bool write_text(const char *path)
{
  FILE *fp = fopen(path, "w");
  size_t nlines = sizeof(body_lines) / sizeof(body_lines[0]);

  if (!fp) {
    fail("%s: %s", path, strerror(errno));
    return false;
  }
  fprintf(fp, "testfile.txt: plain text test document generated by quire's mkdocs\n\n");
  for (int i = 1; i <= 40; i++)
    fprintf(fp, "%2d  %s\n", i, body_lines[(size_t)i % nlines]);
  bool ok = !ferror(fp);
  if (fclose(fp) != 0)
    ok = false;
  if (!ok)
    fail("%s: write error", path);
  return ok;
}

/* Writes one document of any kind into dir. */
static bool write_doc(const char *dir, const doc_spec_t *d)
{
  char path[PATH_MAX];

  if (!join_path(path, sizeof(path), dir, d->name)) {
    fail("%s: path too long", dir);
    return false;
  }
  switch (d->kind) {
  case DOC_PDF:        return write_pdf(path, d);
  case DOC_JPEG_COLOR: return write_jpeg(path, d, false);
  case DOC_JPEG_GRAY:  return write_jpeg(path, d, true);
  case DOC_TEXT:       return write_text(path);
  }
  return false;
}

/* Fills buf with whole padding lines ("%" + letters + "\n", BIG_LINE_LEN bytes each). */
static void big_fill(char *buf, size_t size)
{
  for (size_t off = 0; off + BIG_LINE_LEN <= size; off += BIG_LINE_LEN) {
    buf[off] = '%';
    for (size_t i = 1; i < BIG_LINE_LEN - 1; i++)
      buf[off + i] = (char)('a' + (off / BIG_LINE_LEN + i) % 26);
    buf[off + BIG_LINE_LEN - 1] = '\n';
  }
}

/* Writes exactly mib MiB: a PDF header, comment lines, "%%EOF\n"; streamed in 64 KiB blocks. */
static bool write_big(const char *path, long mib)
{
  static const char head[] = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
  static const char tail[] = "%%EOF\n";
  static char block[64 * 1024];
  long long remaining = (long long)mib * MIB - (long long)(sizeof(head) - 1) -
                        (long long)(sizeof(tail) - 1);
  FILE *fp = fopen(path, "wb");

  if (!fp) {
    fail("%s: %s", path, strerror(errno));
    return false;
  }
  big_fill(block, sizeof(block));
  bool ok = fwrite(head, 1, sizeof(head) - 1, fp) == sizeof(head) - 1;
  while (ok && remaining > 0) {
    /* the last block ends early but still on a newline, since it is cut from the end */
    size_t n = remaining < (long long)sizeof(block) ? (size_t)remaining : sizeof(block);
    const char *src = block + sizeof(block) - n;
    if (n < sizeof(block) && n > 0 && src[0] != '%') {
      /* start the partial block with a comment marker so every line is a comment */
      ok = fputc('%', fp) != EOF;
      src++;
      n--;
      remaining--;
    }
    ok = ok && fwrite(src, 1, n, fp) == n;
    remaining -= (long long)n;
  }
  ok = ok && fwrite(tail, 1, sizeof(tail) - 1, fp) == sizeof(tail) - 1;
  if (fclose(fp) != 0)
    ok = false;
  if (!ok)
    fail("%s: write error", path);
  return ok;
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

/* Parses the --big size; -1 if it is not an integer in 1..BIG_MAX_MIB. */
static long parse_mib(const char *s)
{
  char *end;

  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < 1 || v > BIG_MAX_MIB)
    return -1;
  return v;
}

/* Prints usage to stderr and returns the exit status for a usage error. */
static int usage(void)
{
  fputs("usage: mkdocs OUTDIR\n"
        "       mkdocs --big MIB OUTFILE\n", stderr);
  return 2;
}

int main(int argc, char **argv)
{
  if (argc == 4 && !strcmp(argv[1], "--big")) {
    long mib = parse_mib(argv[2]);
    if (mib < 0) {
      fail("--big: size must be 1..%ld MiB", BIG_MAX_MIB);
      return 2;
    }
    return write_big(argv[3], mib) ? 0 : 1;
  }
  if (argc != 2 || argv[1][0] == '-')
    return usage();
  if (!make_dir(argv[1]))
    return 1;

  int failed = 0;
  for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
    if (!write_doc(argv[1], &docs[i]))
      failed++;
  cairo_debug_reset_static_data();   /* drops cairo's font caches so valgrind stays quiet */
  return failed ? 1 : 0;
}
