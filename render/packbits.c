/*
 * packbits.c: the line compression shared by PWG raster (PWG 5102.4) and Apple raster.
 *
 * A line is a sequence of runs of "units" (bytes per pixel, rounded up to whole bytes).
 * Control byte C: 0..127 = the next unit repeated C+1 times; 129..255 = 257-C literal units
 * follow; 128 = the rest of the line is blank (Apple raster; decoded, never written here).
 * The byte before each line (the line repeat count) is handled by the callers.
 */
#include "render-private.h"

#include <string.h>

#define RUN_MAX 128

/* Worst case: every unit a lone repeat run (control byte + unit). */
size_t render_packbits_max(size_t n, unsigned bpp)
{
  return n * (1 + (size_t)bpp) + 1;
}

/* Length of the run of units equal to unit i, at most RUN_MAX. */
static size_t run_length(const unsigned char *line, size_t i, size_t n, unsigned bpp)
{
  const unsigned char *u = line + i * bpp;
  size_t j = i + 1;
  while (j < n && j - i < RUN_MAX && !memcmp(line + j * bpp, u, bpp))
    j++;
  return j - i;
}

/* Generic encoder for any unit size. */
size_t render_packbits_encode(const unsigned char *line, size_t n, unsigned bpp,
                              unsigned char *out)
{
  unsigned char *o = out;
  size_t i = 0;
  while (i < n) {
    size_t run = run_length(line, i, n, bpp);
    if (run > 1 || i + 1 == n) {
      *o++ = (unsigned char)(run - 1);
      memcpy(o, line + i * bpp, bpp);
      o += bpp;
      i += run;
      continue;
    }
    size_t k = i + 1; /* units i..k-1 go out literally; stop where a run begins */
    while (k < n && k - i < RUN_MAX &&
           !(k + 1 < n && !memcmp(line + k * bpp, line + (k + 1) * bpp, bpp)))
      k++;
    size_t count = k - i;
    *o++ = count == 1 ? 0 : (unsigned char)(257 - count);
    memcpy(o, line + i * bpp, count * bpp);
    o += count * bpp;
    i = k;
  }
  return (size_t)(o - out);
}

/* Stores the RGB bytes of a cairo RGB24 pixel with one 4-byte store (the 4th byte is scratch,
 * overwritten by the next pixel or left in the slack byte of render_packbits_max). */
static inline unsigned char *put_rgb(unsigned char *o, uint32_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint32_t w = __builtin_bswap32(v << 8);
#else
  uint32_t w = v << 8;
#endif
  memcpy(o, &w, 4);
  return o + 3;
}

/* Encoder for RGB24 pixels (3-byte units), comparing whole words, no repacking first. Literal
 * pixels are written while they are scanned. out must hold render_packbits_max(n, 3). */
size_t render_packbits_encode_rgb32(const uint32_t *px, size_t n, unsigned char *out)
{
  const uint32_t mask = 0xFFFFFFu;
  unsigned char *o = out;
  size_t i = 0;
  while (i < n) {
    uint32_t v = px[i] & mask;
    size_t j = i + 1;
    while (j < n && j - i < RUN_MAX && (px[j] & mask) == v)
      j++;
    if (j - i > 1 || j == n) {
      *o++ = (unsigned char)(j - i - 1);
      o = put_rgb(o, v);
      i = j;
      continue;
    }
    unsigned char *control = o++; /* px[i] differs from px[i + 1]: a literal run */
    size_t end = n - i > RUN_MAX ? i + RUN_MAX : n, k = i + 1;
    o = put_rgb(o, v);
    for (; k < end; k++) {
      uint32_t a = px[k] & mask;
      if (k + 1 < n && a == (px[k + 1] & mask))
        break; /* a run starts at k */
      o = put_rgb(o, a);
    }
    size_t count = k - i;
    *control = count == 1 ? 0 : (unsigned char)(257 - count);
    i = k;
  }
  return (size_t)(o - out);
}

/* Decodes one line; runs past the end of the line are clipped. */
size_t render_packbits_decode(const unsigned char *src, size_t len, unsigned char *line,
                              size_t bpl, unsigned bpp, unsigned char fill)
{
  size_t pos = 0, out = 0;
  while (out < bpl) {
    if (pos >= len)
      return 0;
    unsigned c = src[pos++];
    if (c == 0x80) {
      memset(line + out, fill, bpl - out);
      break;
    }
    if (c < 0x80) {
      if (len - pos < bpp)
        return 0;
      size_t total = (size_t)(c + 1) * bpp;
      if (total > bpl - out)
        total = bpl - out;
      if (bpp == 1) {
        memset(line + out, src[pos], total);
      } else {
        for (size_t k = 0; k < total; k++)
          line[out + k] = src[pos + k % bpp];
      }
      out += total;
      pos += bpp;
    } else {
      size_t bytes = (size_t)(257 - c) * bpp;
      if (len - pos < bytes)
        return 0;
      size_t copy = bytes > bpl - out ? bpl - out : bytes;
      memcpy(line + out, src + pos, copy);
      out += copy;
      pos += bytes;
    }
  }
  return pos;
}
