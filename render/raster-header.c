/*
 * raster-header.c: PWG raster (PWG 5102.4) and Apple raster page headers, and conversion of
 * decoded raster lines to cairo RGB24 pixels.
 *
 * A PWG page header is 1796 bytes: 64-byte NUL-padded strings and big-endian 32-bit integers
 * at fixed offsets (the layout of CUPS's cups_page_header2_t with the non-PWG fields zero).
 */
#include "render-private.h"

#include <string.h>

enum {
  OFF_MEDIA_CLASS = 0,
  OFF_MEDIA_COLOR = 64,
  OFF_MEDIA_TYPE = 128,
  OFF_CONTENT_OPTIMIZE = 192,
  OFF_DUPLEX = 272,
  OFF_HW_RESOLUTION = 276,
  OFF_IMAGING_BBOX = 284,
  OFF_NUM_COPIES = 340,
  OFF_PAGE_SIZE = 352,
  OFF_TUMBLE = 368,
  OFF_WIDTH = 372,
  OFF_HEIGHT = 376,
  OFF_BITS_PER_COLOR = 384,
  OFF_BITS_PER_PIXEL = 388,
  OFF_BYTES_PER_LINE = 392,
  OFF_COLOR_ORDER = 396,
  OFF_COLOR_SPACE = 400,
  OFF_NUM_COLORS = 420,
  OFF_TOTAL_PAGE_COUNT = 452,
  OFF_CROSS_FEED = 456,
  OFF_FEED = 460,
  OFF_IMAGE_BOX = 464,
  OFF_ALTERNATE_PRIMARY = 480,
  OFF_PAGE_SIZE_NAME = 1732
};

/* Big-endian 32-bit store. */
static void put_u32(unsigned char *p, unsigned v)
{
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

/* Big-endian 32-bit load. */
static unsigned get_u32(const unsigned char *p)
{
  return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

/* Copies a string into a 64-byte NUL-padded field (always NUL-terminated). */
static void put_str(unsigned char *p, const char *s)
{
  size_t n = strnlen(s, 63);
  memcpy(p, s, n);
}

/* Reads a 64-byte field into a C string. */
static void get_str(const unsigned char *p, char *s)
{
  memcpy(s, p, 63);
  s[63] = '\0';
}

/* Serializes a header into buf (RENDER_PWG_HEADER_SIZE bytes, zeroed here first). */
void render_pwg_header_encode(const render_pwg_header_t *h, unsigned char *buf)
{
  memset(buf, 0, RENDER_PWG_HEADER_SIZE);
  put_str(buf + OFF_MEDIA_CLASS, "PwgRaster");
  put_str(buf + OFF_MEDIA_TYPE, h->media_type);
  put_str(buf + OFF_CONTENT_OPTIMIZE, h->content_optimize);
  put_u32(buf + OFF_DUPLEX, h->duplex);
  put_u32(buf + OFF_HW_RESOLUTION, h->xres);
  put_u32(buf + OFF_HW_RESOLUTION + 4, h->yres);
  for (int i = 0; i < 4; i++)
    put_u32(buf + OFF_IMAGING_BBOX + 4 * i, h->bbox[i]);
  put_u32(buf + OFF_NUM_COPIES, h->num_copies);
  put_u32(buf + OFF_PAGE_SIZE, h->page_w);
  put_u32(buf + OFF_PAGE_SIZE + 4, h->page_h);
  put_u32(buf + OFF_TUMBLE, h->tumble);
  put_u32(buf + OFF_WIDTH, h->width);
  put_u32(buf + OFF_HEIGHT, h->height);
  put_u32(buf + OFF_BITS_PER_COLOR, h->bits_per_color);
  put_u32(buf + OFF_BITS_PER_PIXEL, h->bits_per_pixel);
  put_u32(buf + OFF_BYTES_PER_LINE, h->bytes_per_line);
  put_u32(buf + OFF_COLOR_ORDER, h->color_order);
  put_u32(buf + OFF_COLOR_SPACE, h->color_space);
  put_u32(buf + OFF_NUM_COLORS, h->num_colors);
  put_u32(buf + OFF_TOTAL_PAGE_COUNT, h->total_pages);
  put_u32(buf + OFF_CROSS_FEED, (unsigned)h->cross_feed);
  put_u32(buf + OFF_FEED, (unsigned)h->feed);
  for (int i = 0; i < 4; i++)
    put_u32(buf + OFF_IMAGE_BOX + 4 * i, h->box[i]);
  put_u32(buf + OFF_ALTERNATE_PRIMARY, h->alternate_primary);
  put_str(buf + OFF_PAGE_SIZE_NAME, h->page_size_name);
}

/* Parses the fields quire uses from a header. */
void render_pwg_header_decode(const unsigned char *buf, render_pwg_header_t *h)
{
  memset(h, 0, sizeof(*h));
  get_str(buf + OFF_MEDIA_TYPE, h->media_type);
  get_str(buf + OFF_CONTENT_OPTIMIZE, h->content_optimize);
  get_str(buf + OFF_PAGE_SIZE_NAME, h->page_size_name);
  h->duplex = get_u32(buf + OFF_DUPLEX);
  h->xres = get_u32(buf + OFF_HW_RESOLUTION);
  h->yres = get_u32(buf + OFF_HW_RESOLUTION + 4);
  h->num_copies = get_u32(buf + OFF_NUM_COPIES);
  for (int i = 0; i < 4; i++)
    h->bbox[i] = get_u32(buf + OFF_IMAGING_BBOX + 4 * i);
  h->page_w = get_u32(buf + OFF_PAGE_SIZE);
  h->page_h = get_u32(buf + OFF_PAGE_SIZE + 4);
  h->tumble = get_u32(buf + OFF_TUMBLE);
  h->width = get_u32(buf + OFF_WIDTH);
  h->height = get_u32(buf + OFF_HEIGHT);
  h->bits_per_color = get_u32(buf + OFF_BITS_PER_COLOR);
  h->bits_per_pixel = get_u32(buf + OFF_BITS_PER_PIXEL);
  h->bytes_per_line = get_u32(buf + OFF_BYTES_PER_LINE);
  h->color_order = get_u32(buf + OFF_COLOR_ORDER);
  h->color_space = get_u32(buf + OFF_COLOR_SPACE);
  h->num_colors = get_u32(buf + OFF_NUM_COLORS);
  h->total_pages = get_u32(buf + OFF_TOTAL_PAGE_COUNT);
  h->cross_feed = (int)get_u32(buf + OFF_CROSS_FEED);
  h->feed = (int)get_u32(buf + OFF_FEED);
  for (int i = 0; i < 4; i++)
    h->box[i] = get_u32(buf + OFF_IMAGE_BOX + 4 * i);
  h->alternate_primary = get_u32(buf + OFF_ALTERNATE_PRIMARY);
}

/* Parses an Apple raster page header (32 bytes). */
void render_urf_header_decode(const unsigned char *buf, render_urf_header_t *h)
{
  h->bpp = buf[0];
  h->color_space = buf[1];
  h->duplex = buf[2];
  h->quality = buf[3];
  h->width = get_u32(buf + 12);
  h->height = get_u32(buf + 16);
  h->resolution = get_u32(buf + 20);
}

/* Packs an RGB24 pixel. */
static inline uint32_t rgb(unsigned r, unsigned g, unsigned b)
{
  return (uint32_t)r << 16 | (uint32_t)g << 8 | b;
}

/* One component at index i of a line with `bits` per component (8 or 16: big-endian). */
static inline unsigned sample(const unsigned char *src, size_t i, unsigned bits)
{
  return bits == 16 ? src[2 * i] : src[i];
}

/* Converts one line to RGB24; CMYK by the naive R = (1-C)(1-K) rule. */
void render_raster_convert(render_raster_kind_t kind, unsigned bits, const unsigned char *src,
                           unsigned width, uint32_t *dst)
{
  if (bits == 1) {
    for (unsigned x = 0; x < width; x++) {
      unsigned bit = (src[x >> 3] >> (7 - (x & 7))) & 1;
      bool white = kind == RENDER_RASTER_BLACK ? !bit : bit;
      dst[x] = white ? 0xFFFFFFu : 0;
    }
    return;
  }
  switch (kind) {
  case RENDER_RASTER_GRAY:
    for (unsigned x = 0; x < width; x++) {
      unsigned v = sample(src, x, bits);
      dst[x] = rgb(v, v, v);
    }
    break;
  case RENDER_RASTER_BLACK:
    for (unsigned x = 0; x < width; x++) {
      unsigned v = 255 - sample(src, x, bits);
      dst[x] = rgb(v, v, v);
    }
    break;
  case RENDER_RASTER_RGB:
    for (unsigned x = 0; x < width; x++)
      dst[x] = rgb(sample(src, 3 * (size_t)x, bits), sample(src, 3 * (size_t)x + 1, bits),
                   sample(src, 3 * (size_t)x + 2, bits));
    break;
  case RENDER_RASTER_CMYK:
    for (unsigned x = 0; x < width; x++) {
      unsigned w = 255 - sample(src, 4 * (size_t)x + 3, bits);
      unsigned r = (255 - sample(src, 4 * (size_t)x, bits)) * w / 255;
      unsigned g = (255 - sample(src, 4 * (size_t)x + 1, bits)) * w / 255;
      unsigned b = (255 - sample(src, 4 * (size_t)x + 2, bits)) * w / 255;
      dst[x] = rgb(r, g, b);
    }
    break;
  }
}
