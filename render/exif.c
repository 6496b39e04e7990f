/*
 * exif.c: the EXIF Orientation tag of a JPEG (APP1), read with bounds checks on every offset,
 * and the matrix that turns the stored image into the displayed one.
 */
#include "render-private.h"

#include <string.h>

#define TAG_ORIENTATION 0x0112
#define TYPE_SHORT 3

/* 16-bit read in the TIFF header's byte order. */
static unsigned rd16(const unsigned char *p, bool be)
{
  return be ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

/* 32-bit read in the TIFF header's byte order. */
static unsigned long rd32(const unsigned char *p, bool be)
{
  return be ? (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3]
            : (unsigned long)p[3] << 24 | (unsigned long)p[2] << 16 | (unsigned long)p[1] << 8 | p[0];
}

/* Orientation from IFD0 of the TIFF structure after "Exif\0\0"; 1 when absent or invalid. */
int render_exif_orientation(const unsigned char *data, size_t len)
{
  if (len < 6 + 8 || memcmp(data, "Exif\0\0", 6))
    return 1;
  const unsigned char *t = data + 6;
  size_t tl = len - 6;
  bool be;
  if (!memcmp(t, "MM", 2))
    be = true;
  else if (!memcmp(t, "II", 2))
    be = false;
  else
    return 1;
  if (rd16(t + 2, be) != 42)
    return 1;
  unsigned long ifd = rd32(t + 4, be);
  if (ifd < 8 || ifd > tl - 2)
    return 1;
  unsigned count = rd16(t + ifd, be);
  for (unsigned i = 0; i < count; i++) {
    unsigned long e = ifd + 2 + 12ul * i;
    if (e > tl - 12)
      break;
    if (rd16(t + e, be) != TAG_ORIENTATION)
      continue;
    if (rd16(t + e + 2, be) != TYPE_SHORT || rd32(t + e + 4, be) < 1)
      return 1;
    unsigned v = rd16(t + e + 8, be);
    return v >= 1 && v <= 8 ? (int)v : 1;
  }
  return 1;
}

/* Displayed pixel (dx, dy) -> stored pixel, for a stored image of w x h:
 *   1 (rx, ry) = (dx, dy)          2 (w - dx, dy)        3 (w - dx, h - dy)   4 (dx, h - dy)
 *   5 (dy, dx)                     6 (dy, h - dx)        7 (w - dy, h - dx)   8 (w - dy, dx) */
void render_exif_matrix(int o, double w, double h, cairo_matrix_t *m)
{
  switch (o) {
  case 2:
    cairo_matrix_init(m, -1, 0, 0, 1, w, 0);
    break;
  case 3:
    cairo_matrix_init(m, -1, 0, 0, -1, w, h);
    break;
  case 4:
    cairo_matrix_init(m, 1, 0, 0, -1, 0, h);
    break;
  case 5:
    cairo_matrix_init(m, 0, 1, 1, 0, 0, 0);
    break;
  case 6:
    cairo_matrix_init(m, 0, -1, 1, 0, 0, h);
    break;
  case 7:
    cairo_matrix_init(m, 0, -1, -1, 0, w, h);
    break;
  case 8:
    cairo_matrix_init(m, 0, 1, -1, 0, w, 0);
    break;
  default:
    cairo_matrix_init_identity(m);
    break;
  }
}
