/*
 * render-private.h: quire-render's internal interfaces.
 *
 * DESIGN
 * A document (render_doc_t) is one of four inputs (pdf-input.c, jpeg-input.c, raster-input.c
 * for PWG and URF). Each page is "opened" (PDF: poppler page; JPEG: decoded once; raster: the
 * next page decoded), then painted onto a cairo context whose matrix maps the media, in
 * points with the origin top-left, to the target. layout.c places the page content on the
 * media (print-scaling, centring, auto-rotation). Raster targets (PWG, JPEG, analysis) are
 * drawn into a band buffer of cairo RGB24 pixels (one uint32_t per pixel, 0x00RRGGBB, top
 * byte ignored), at most RENDER_BAND_BYTES at a time, and each row is handed to the PWG
 * encoder (pwg-output.c) and the colour/coverage analysis (analysis.c) while it is hot in
 * the cache. Only one page (or one band of it, two for images) is ever in memory. pipeline.c
 * drives one run; workers.c splits the pages of a PDF across forked processes. With --jobs > 1
 * a process also uses threads for one page: two JPEG decoders (jpeg-input.c), a painter
 * (band.c) and an output writer (util.c); each hands its work over in order, so the output
 * does not depend on them.
 *
 * Errors: every function that can fail takes a render_error_t, records the first failure
 * (exit status + one line a user can read) with render_fail and returns false or NULL.
 */
#ifndef QUIRE_RENDER_PRIVATE_H
#define QUIRE_RENDER_PRIVATE_H

#include "render.h"

#include <cairo.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RENDER_BAND_BYTES (192u * 1024 * 1024) /* largest band buffer (PDF: redrawn per band) */
#define RENDER_IMAGE_BAND_BYTES (1u << 20)     /* images: cheap to paint band by band */
#define RENDER_PWG_HEADER_SIZE 1796
#define RENDER_URF_HEADER_SIZE 32
#define RENDER_THUMB_SIDE 256                  /* thumbnail: longest side in pixels */
#define RENDER_INFO_RESOLUTION 100             /* analysis resolution without -o */

/* ---- errors (util.c) ---- */

typedef struct render_error_s {
  int status;          /* RENDER_EXIT_*; RENDER_EXIT_OK while nothing failed */
  char message[300];   /* one line, without the "quire-render: " prefix */
} render_error_t;

/* Records a failure unless one is already recorded; always returns false. */
bool render_fail(render_error_t *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- options (options.c) ---- */

typedef enum render_format_e {
  RENDER_FORMAT_NONE = 0,
  RENDER_FORMAT_PDF,
  RENDER_FORMAT_JPEG,
  RENDER_FORMAT_URF,
  RENDER_FORMAT_PWG
} render_format_t;

typedef enum render_to_e { RENDER_TO_NONE, RENDER_TO_PWG, RENDER_TO_PDF, RENDER_TO_JPEG } render_to_t;

typedef enum render_scaling_e {
  RENDER_SCALING_AUTO,
  RENDER_SCALING_AUTO_FIT,
  RENDER_SCALING_FIT,
  RENDER_SCALING_FILL,
  RENDER_SCALING_NONE
} render_scaling_t;

typedef enum render_sides_e {
  RENDER_SIDES_ONE,
  RENDER_SIDES_LONG_EDGE,
  RENDER_SIDES_SHORT_EDGE
} render_sides_t;

/* One run of quire-render, as parsed from the command line. Strings point into argv. */
typedef struct render_opts_s {
  const char *input;          /* path; "-" = standard input */
  const char *output;         /* NULL: no document output */
  const char *thumbnail;      /* NULL: none */
  const char *format;         /* MIME type from --format, or NULL to sniff */
  render_to_t to;
  unsigned resolution;        /* dpi */
  bool resolution_set;
  bool gray;                  /* --color sgray */
  const char *media;          /* PWG media name */
  double media_w, media_h;    /* points */
  render_sides_t sides;
  unsigned copies;
  render_scaling_t scaling;
  bool info;
  unsigned jobs;
} render_opts_t;

/* Parses argv into opts; on a usage error records it in err and returns false. */
bool render_opts_parse(render_opts_t *opts, int argc, char **argv, render_error_t *err);

/* Looks up a PWG media name (self-describing names included); sizes in points. */
bool render_media_lookup(const char *name, double *w, double *h);

/* Format from a MIME type; RENDER_FORMAT_NONE if not one quire-render reads. */
render_format_t render_format_from_mime(const char *mime);

/* Format from the first bytes of a document; RENDER_FORMAT_NONE if unknown. */
render_format_t render_format_sniff(const unsigned char *head, size_t len);

/* MIME type of a format ("application/pdf"...), static. */
const char *render_format_mime(render_format_t format);

const char *render_sides_name(render_sides_t sides);

/* ---- output files (util.c) ---- */

/* An output stream: a file descriptor with a write buffer, or a growing memory buffer that is
 * handed to `spill` once it holds more than `spill_at` bytes (workers.c). In fd mode a full
 * buffer is written by a background thread while the next one fills (util.c); a flush waits
 * for it. */
typedef struct render_out_s {
  int fd;                     /* -1 for memory mode */
  unsigned char *buf;
  size_t len, cap;
  size_t spill_at;            /* memory mode: call spill past this size (0 = never) */
  bool (*spill)(struct render_out_s *out, render_error_t *err);
  void *spill_data;
  unsigned long long written; /* bytes passed on so far (fd mode) */
  bool background;            /* fd mode: may write from a background thread (set by the caller) */
  struct render_writer_s *writer; /* fd mode: the background writer once started, or NULL */
} render_out_t;

bool render_out_init_fd(render_out_t *out, int fd, render_error_t *err);
void render_out_init_mem(render_out_t *out);
bool render_out_write(render_out_t *out, const void *data, size_t len, render_error_t *err);
bool render_out_flush(render_out_t *out, render_error_t *err);
void render_out_free(render_out_t *out);

/* Starts a thread running fn(arg) with a stack of `stack` bytes; false if it cannot. */
bool render_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg, size_t stack);

/* A large pixel buffer (huge pages when possible); free with free(). */
void *render_alloc_pixels(size_t size);

/* An RGB24 surface owning a render_alloc_pixels buffer; NULL if out of memory. */
cairo_surface_t *render_surface_new(unsigned width, unsigned height);

/* Writes all of buf to fd, retrying short writes and EINTR. */
bool render_write_all(int fd, const void *buf, size_t len);

/* Reads exactly len bytes unless the file ends; returns bytes read, -1 on error. */
long long render_read_full(int fd, void *buf, size_t len);

/* A file being written: removed again if the run fails (only when it is a regular file that
 * this run created or truncated). */
typedef struct render_file_s {
  const char *path;
  int fd;
  bool removable;
} render_file_t;

bool render_file_create(render_file_t *f, const char *path, render_error_t *err);
/* Closes; false (and err) if the final close reports a write error. */
bool render_file_close(render_file_t *f, render_error_t *err);
/* Closes and removes a partial file. */
void render_file_discard(render_file_t *f);

/* ---- geometry and layout (layout.c) ---- */

/* The raster a page is drawn into: media size, pixels per point, size in pixels. */
typedef struct render_geom_s {
  double media_w, media_h;    /* points */
  double sx, sy;              /* pixels per point */
  unsigned xres, yres;        /* dpi for headers (0 for thumbnails) */
  unsigned width, height;     /* pixels */
} render_geom_t;

/* Geometry at xres x yres dpi; fails (unprintable) over the size limits. */
bool render_geom_init(render_geom_t *g, double media_w, double media_h, unsigned xres,
                      unsigned yres, render_error_t *err);

/* Geometry whose longest side is `side` pixels (thumbnails). */
void render_geom_init_thumb(render_geom_t *g, double media_w, double media_h, unsigned side);

/* What is placed on the media: its natural size in points (when known), and whether it is an
 * image (print-scaling 'auto' fills borderless media with images only). */
typedef struct render_content_s {
  double width, height;       /* points; for images without resolution, pixels */
  bool size_known;            /* false: images without a resolution */
  bool is_image;
} render_content_t;

/* Matrix mapping content points (origin top-left) to media points, per print-scaling,
 * centred, rotated 90 degrees counter-clockwise when the content's orientation (portrait or
 * landscape) differs from the media's. */
void render_layout(double media_w, double media_h, const render_content_t *content,
                   render_scaling_t scaling, cairo_matrix_t *m);

/* ---- documents (document.c and the inputs) ---- */

typedef struct render_doc_s render_doc_t;

typedef struct render_doc_ops_s {
  /* Opens page `index` (raster inputs: in order only); `g` is the geometry it will be drawn
   * at (images pick their decode scale from it). Sets doc->content. */
  bool (*page_open)(render_doc_t *doc, unsigned index, const render_geom_t *g,
                    render_error_t *err);
  /* Paints the open page; cr maps content points to the target. */
  void (*page_paint)(render_doc_t *doc, cairo_t *cr);
  void (*page_close)(render_doc_t *doc);
  void (*close)(render_doc_t *doc);
} render_doc_ops_t;

struct render_doc_s {
  const render_doc_ops_t *ops;
  render_format_t format;
  unsigned pages;
  render_content_t content;   /* of the open page */
  double page_w, page_h;      /* open page's own size in points (for --info) */
  render_scaling_t scaling;   /* set by the caller after opening (images pick a decode scale) */
  unsigned threads;           /* set by the caller: threads a page may use (--jobs; 0 = 1) */
  size_t band_bytes;          /* band buffer size that suits this input */
};

/* Opens path (already checked to exist) as `format`. Caller closes with render_doc_close. */
render_doc_t *render_doc_open(const char *path, render_format_t format, render_error_t *err);
void render_doc_close(render_doc_t *doc);

render_doc_t *render_pdf_open(const char *path, render_error_t *err);
render_doc_t *render_jpeg_open(const char *path, render_error_t *err);
render_doc_t *render_raster_open(const char *path, render_format_t format, render_error_t *err);

/* Checks the tail of a PDF file: %%EOF near the end and a startxref offset that points at a
 * cross-reference table or stream. Fails with RENDER_EXIT_FORMAT. */
bool render_pdf_check_xref(int fd, render_error_t *err);

/* ---- decoded images (image.c), shared by JPEG and raster inputs ---- */

typedef struct render_image_s {
  cairo_surface_t *surface;   /* RGB24, stored orientation; NULL when only `upright` is held */
  unsigned width, height;     /* stored pixels */
  double xppi, yppi;          /* 0 when unknown */
  int orientation;            /* EXIF 1..8 */
  cairo_surface_t *upright;   /* copy turned for the last paint (see image.c), or NULL */
  int upright_key;            /* which turn upright is */
  cairo_matrix_t upright_t;   /* upright pixels -> stored pixels */
} render_image_t;

/* Frees the image's surfaces. */
void render_image_clear(render_image_t *img);

/* Content description of an image as displayed (after orientation). */
void render_image_content(const render_image_t *img, render_content_t *content);

/* Allocates the surface img (size, resolution, orientation set) will be painted from on g:
 * turned already when painting will turn it. False if out of memory. */
bool render_image_alloc(render_image_t *img, const render_geom_t *g, render_scaling_t scaling);

/* Where stored row y goes when the image is not turned, else NULL (see render_image_put_rows). */
uint32_t *render_image_row(render_image_t *img, unsigned y);

/* Writes n stored rows from y0 on (stride bytes apart) into the turned surface. */
void render_image_put_rows(render_image_t *img, const uint32_t *rows, size_t stride, unsigned y0,
                           unsigned n);

/* Ends writing the pixels of an image from render_image_alloc. */
void render_image_done(render_image_t *img);

/* Paints img; cr maps displayed-image content points (see render_image_content). */
void render_image_paint(render_image_t *img, cairo_t *cr);

#define RENDER_MIN_IMAGE_DENSITY 0.6 /* image pixels per device pixel kept by DCT scaling */

/* Scale (1, 2, 4 or 8 eighths) for a libjpeg DCT-scaled decode of a w x h image with EXIF
 * orientation o and resolution xppi/yppi, placed on geometry g: the smallest that still
 * gives at least one image pixel per device pixel. */
unsigned render_image_decode_scale(unsigned w, unsigned h, int o, double xppi, double yppi,
                                   const render_geom_t *g, render_scaling_t scaling);

/* Matrix from displayed image pixels to stored pixels for EXIF orientation o. */
void render_exif_matrix(int o, double w, double h, cairo_matrix_t *m);

/* EXIF Orientation (1..8) from an APP1 payload ("Exif\0\0" + TIFF), 1 if absent/invalid. */
int render_exif_orientation(const unsigned char *data, size_t len);

/* ---- PackBits-style line compression (packbits.c), PWG 5102.4 / URF ---- */

/* Worst-case encoded size of one line of n units of bpp bytes (without the repeat byte). */
size_t render_packbits_max(size_t n, unsigned bpp);

/* Encodes n units of bpp bytes; returns bytes written to out. */
size_t render_packbits_encode(const unsigned char *line, size_t n, unsigned bpp,
                              unsigned char *out);

/* Same for cairo RGB24 pixels, written as 3-byte RGB units; scratch holds
 * render_packbits_rgb32_scratch(n) bytes. */
size_t render_packbits_rgb32_scratch(size_t n);
size_t render_packbits_encode_rgb32(const uint32_t *px, size_t n, void *scratch,
                                    unsigned char *out);

/* Decodes one line (after its repeat byte) of bpl bytes in units of bpp; 0x80 fills the
 * rest with `fill`. Returns bytes consumed, 0 if src ends first. */
size_t render_packbits_decode(const unsigned char *src, size_t len, unsigned char *line,
                              size_t bpl, unsigned bpp, unsigned char fill);

/* ---- raster headers (raster-header.c) ---- */

/* The fields of a PWG page header quire reads or writes. */
typedef struct render_pwg_header_s {
  char media_type[64], content_optimize[64], page_size_name[64];
  unsigned duplex, tumble;
  unsigned xres, yres;
  unsigned num_copies;        /* 0: not given (quire writes every copy into the stream) */
  unsigned bbox[4];           /* ImagingBoundingBox, points: left, bottom, right, top */
  unsigned page_w, page_h;    /* points */
  unsigned width, height;
  unsigned bits_per_color, bits_per_pixel, bytes_per_line;
  unsigned color_order, color_space, num_colors;
  unsigned total_pages;
  int cross_feed, feed;       /* 1 or -1 */
  unsigned box[4];            /* ImageBox left, top, right, bottom (pixels) */
  unsigned alternate_primary;
} render_pwg_header_t;

void render_pwg_header_encode(const render_pwg_header_t *h, unsigned char *buf);
void render_pwg_header_decode(const unsigned char *buf, render_pwg_header_t *h);

/* Apple raster page header (32 bytes). */
typedef struct render_urf_header_s {
  unsigned bpp, color_space, duplex, quality, width, height, resolution;
} render_urf_header_t;

void render_urf_header_decode(const unsigned char *buf, render_urf_header_t *h);

/* Internal pixel layouts a raster line can be converted from. */
typedef enum render_raster_kind_e {
  RENDER_RASTER_GRAY,         /* 0 = black */
  RENDER_RASTER_BLACK,        /* K: 0 = white */
  RENDER_RASTER_RGB,
  RENDER_RASTER_CMYK
} render_raster_kind_t;

/* Converts one decoded raster line (bits 1, 8 or 16 per colour) to cairo RGB24. */
void render_raster_convert(render_raster_kind_t kind, unsigned bits, const unsigned char *src,
                           unsigned width, uint32_t *dst);

/* ---- analysis (analysis.c) ---- */

typedef struct render_analysis_s {
  bool gray;                  /* output is grey: coverage from luminance, never colour */
  bool color;
  unsigned long long pixels;
  unsigned long long c, m, y, k; /* sums, 255 * 65536 = full ink on one pixel */
  uint32_t recip[256];        /* 65536 * 255 / m */
} render_analysis_t;

/* Per-page result, also sent from workers to the parent (plain data). */
typedef struct render_page_info_s {
  double width_pt, height_pt;
  bool color;
  double c, m, y, k;          /* mean ink fraction 0..1 */
} render_page_info_t;

void render_analysis_begin(render_analysis_t *a, bool gray);
void render_analysis_row(render_analysis_t *a, const uint32_t *row, size_t n);
void render_analysis_end(const render_analysis_t *a, render_page_info_t *info);

/* True if the pixel is neutral (grey) within RENDER_NEUTRAL_TOLERANCE. */
bool render_pixel_is_neutral(unsigned r, unsigned g, unsigned b);

/* Converts a row of RGB24 pixels to 8-bit grey (sGray, Rec. 601 weights). */
void render_row_to_gray(const uint32_t *row, size_t n, unsigned char *out);

/* ---- raster drawing (band.c) ---- */

/* A reusable band buffer for one geometry. */
typedef struct render_band_s {
  uint32_t *buf;
  uint32_t *spare;            /* second buffer for a painter thread, or NULL (band.c) */
  size_t stride;              /* bytes per row */
  unsigned rows;              /* rows per band */
  size_t size;                /* bytes allocated */
} render_band_t;

/* Allocates a band of at most max_bytes (at least one row) for pages of geometry g. */
bool render_band_alloc(render_band_t *band, const render_geom_t *g, size_t max_bytes,
                       render_error_t *err);
void render_band_free(render_band_t *band);

/* Called for every row of a page, top to bottom; prev is the row above when it is still in
 * memory (same band), else NULL. */
typedef bool (*render_row_fn)(void *data, const uint32_t *row, const uint32_t *prev,
                              render_error_t *err);

/* Draws the open page of doc at g, band by band, calling fn for each row. */
bool render_page_rows(render_doc_t *doc, const render_geom_t *g, render_scaling_t scaling,
                      render_band_t *band, render_row_fn fn, void *data, render_error_t *err);

/* ---- PWG output (pwg-output.c) ---- */

typedef struct render_pwg_params_s {
  const render_geom_t *g;
  bool gray;
  render_sides_t sides;
  unsigned total_pages;       /* in the stream, padding and copies included */
  const char *media;
  const char *content_optimize;
} render_pwg_params_t;

/* Fills the header of one output page. */
void render_pwg_header_for(const render_pwg_params_t *p, render_pwg_header_t *h);

typedef struct render_pwg_enc_s render_pwg_enc_t;

/* Encoder of pages for `p` into out; caller frees with render_pwg_enc_free. */
render_pwg_enc_t *render_pwg_enc_new(const render_pwg_params_t *p, render_out_t *out,
                                     render_error_t *err);
void render_pwg_enc_free(render_pwg_enc_t *enc);
bool render_pwg_page_begin(render_pwg_enc_t *enc, render_error_t *err);
bool render_pwg_row(render_pwg_enc_t *enc, const uint32_t *row, const uint32_t *prev,
                    render_error_t *err);
bool render_pwg_page_end(render_pwg_enc_t *enc, render_error_t *err);
/* A blank (white) page, for duplex padding. */
bool render_pwg_blank_page(render_pwg_enc_t *enc, render_error_t *err);

/* Renders page `index` of doc into enc and/or analysis (either may be NULL); fills info. */
bool render_page_raster(render_doc_t *doc, unsigned index, const render_geom_t *g,
                        render_scaling_t scaling, render_band_t *band, render_pwg_enc_t *enc,
                        bool gray, render_page_info_t *info, render_error_t *err);

/* ---- other outputs ---- */

/* Writes page `index` of doc at g as a JPEG to fd (jpeg-output.c). */
bool render_jpeg_write(render_doc_t *doc, unsigned index, const render_geom_t *g,
                       render_scaling_t scaling, bool gray, int quality, int fd,
                       render_error_t *err);

/* Writes every page of doc onto media-size PDF pages to fd (pdf-output.c). */
bool render_pdf_write(render_doc_t *doc, const render_opts_t *o, int fd, render_error_t *err);

/* Copies the input file to fd byte for byte (pdf-output.c). */
bool render_copy_file(const char *path, int fd, render_error_t *err);

/* Prints the --info JSON object on fp (info.c). */
bool render_info_print(FILE *fp, const render_opts_t *o, render_format_t format,
                       unsigned pages, const render_page_info_t *pages_info,
                       render_error_t *err);

/* ---- workers (workers.c) ---- */

/* What the workers produce for each page: PWG data (enc params non-NULL) and analysis. */
typedef struct render_work_s {
  const char *path;
  render_format_t format;
  const render_opts_t *opts;
  const render_geom_t *geom;
  const render_pwg_params_t *pwg; /* NULL: analysis only */
  bool analyse;               /* fill info[] */
  unsigned pages;
  unsigned jobs;
} render_work_t;

/* Renders pages [0, w->pages) in w->jobs forked processes; the parent writes PWG pages to out
 * in order (out may be NULL without pwg) and fills info[] (when w->analyse). A worker killed
 * by a signal fails the run with status 128 + signal. */
bool render_workers_run(const render_work_t *w, render_out_t *out, render_page_info_t *info,
                        render_error_t *err);

/* ---- one run (pipeline.c) ---- */

/* Does everything opts asks; returns the exit status (message in err). */
int render_run(const render_opts_t *opts, render_error_t *err);

#endif
