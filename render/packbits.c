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

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

/* ---- RGB24 encoder ----
 * Same output as render_packbits_encode on the RGB bytes, in passes over a line that is in the
 * cache. Photos at 300 dpi are made of runs of 2-6 pixels (the 12 MP bench page: 2.3 million
 * segments in 8.4 million pixels), and a loop that branches on every pixel mispredicts about
 * once per segment; here no pass branches on the pixels:
 *   1. eq: bit k set when pixel k equals pixel k + 1 (SSE2: four compares at once).
 *   2. starts: where the segments begin. From a segment start i, the plain rules give a run
 *      when bit i is set (up to the first clear bit j, pixels i..j), else literal pixels up to
 *      the next set bit. So a segment starts at 0, at every clear -> set step of eq (a run
 *      begins) and one past every set -> clear step (the pixel after a run's last one).
 *   3. the pixels packed to RGB bytes.
 *   4. a walk over the start bits: each segment is a control byte and a fixed 32-byte copy.
 * A segment longer than RUN_MAX (128), and the end of the line, are encoded by the plain rules
 * (encode_plain), which split it; the rest of the line needs no fixing (see there). */

#define COPY_BYTES 32 /* bytes copied per segment without a length test (10 pixels) */

/* Words of one bitmap for n pixels. */
static size_t bitmap_words(size_t n)
{
  return n / 64 + 1;
}

/* Scratch bytes for a line of n pixels: two bitmaps and the packed pixels (+ COPY_BYTES). */
size_t render_packbits_rgb32_scratch(size_t n)
{
  return 2 * bitmap_words(n) * sizeof(uint64_t) + 3 * n + COPY_BYTES;
}

/* 1 when pixels a and b have the same RGB. */
static inline uint64_t same_rgb(uint32_t a, uint32_t b)
{
  return ((a ^ b) << 8) == 0;
}

/* Bit of pixel k in a bitmap. */
static inline unsigned bit_at(const uint64_t *bits, size_t k)
{
  return (unsigned)(bits[k / 64] >> (k % 64)) & 1u;
}

/* eq: bit k set when px[k] equals px[k + 1]; bit n - 1 and the rest of the last word clear. */
static void equal_bits(const uint32_t *px, size_t n, uint64_t *eq)
{
  size_t k = 0;
  memset(eq, 0, bitmap_words(n) * sizeof(uint64_t));
#ifdef __SSE2__
  const __m128i zero = _mm_setzero_si128();
  for (; k + 9 <= n; k += 8) {
    unsigned bits = 0;
    for (unsigned h = 0; h < 2; h++) {
      __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(px + k + 4 * h));
      __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(px + k + 4 * h + 1));
      __m128i diff = _mm_slli_epi32(_mm_xor_si128(a, b), 8); /* RGB bits only */
      bits |= (unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(diff, zero))) << 4 * h;
    }
    eq[k / 64] |= (uint64_t)bits << (k % 64);
  }
#endif
  for (; k + 1 < n; k++)
    eq[k / 64] |= same_rgb(px[k], px[k + 1]) << (k % 64);
}

/* starts: bit k set where a segment starts by the eq bits alone (see above; bit 0 is not
 * needed); none >= n. */
static void segment_starts(const uint64_t *eq, size_t n, uint64_t *starts)
{
  uint64_t carry_eq = 0, carry_fall = 0; /* bit 63 of the previous word's eq and falls */
  for (size_t w = 0; w < bitmap_words(n); w++) {
    uint64_t e = eq[w], before = e << 1 | carry_eq; /* bit k: eq bit k - 1 */
    uint64_t falls = ~e & before;                   /* bit k: the last pixel of a run */
    starts[w] = (e & ~before) | falls << 1 | carry_fall;
    carry_eq = e >> 63;
    carry_fall = falls >> 63;
  }
  starts[n / 64] &= (UINT64_C(1) << (n % 64)) - 1;
}

/* The R, G, B bytes of a cairo RGB24 pixel in the low three bytes of a little-endian word. */
static inline uint32_t rgb_bytes(uint32_t v)
{
  return __builtin_bswap32(v << 8);
}

/* Writes a 32-bit word at any alignment in little-endian order. */
static inline void put_le32(unsigned char *o, uint32_t w)
{
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
  w = __builtin_bswap32(w);
#endif
  memcpy(o, &w, 4);
}

/* Packs n pixels into 3n RGB bytes, four pixels into three words at a time. */
static void pack_rgb(const uint32_t *p, size_t n, unsigned char *o)
{
  size_t i = 0;
  for (; i + 4 <= n; i += 4, p += 4, o += 12) {
    uint32_t a = rgb_bytes(p[0]), b = rgb_bytes(p[1]), c = rgb_bytes(p[2]), d = rgb_bytes(p[3]);
    put_le32(o, a | b << 24);
    put_le32(o + 4, b >> 8 | c << 16);
    put_le32(o + 8, c >> 16 | d << 8);
  }
  for (; i < n; i++, p++, o += 3) {
    o[0] = (unsigned char)(*p >> 16);
    o[1] = (unsigned char)(*p >> 8);
    o[2] = (unsigned char)*p;
  }
}

/* Writes one segment of len pixels from src (packed): a run (1 unit) or literal units.
 * `roomy`: out has COPY_BYTES to spare, so a fixed-size copy may write past the segment. */
static inline unsigned char *put_segment(unsigned char *o, const unsigned char *src, size_t len,
                                         unsigned run, bool roomy)
{
  size_t mask = 0 - (size_t)run; /* all ones for a run: selects without branching */
  size_t units = (len & ~mask) | (1 & mask);
  *o++ = (unsigned char)(((len - 1) & mask) | ((257 - len) & ~mask)); /* 1 literal: 0 */
  if (roomy) {
    memcpy(o, src, COPY_BYTES);
    if (3 * units > COPY_BYTES)
      memcpy(o + COPY_BYTES, src + COPY_BYTES, 3 * units - COPY_BYTES);
  } else {
    memcpy(o, src, 3 * units);
  }
  return o + 3 * units;
}

/* Encodes by the plain rules from pixel i to the first segment end at or past `end`; returns
 * it. Stopping there is safe: the plain rules and the start bits only disagree at the last
 * pixel of a run that was cut at RUN_MAX (pixel 128 of a run of 129: the plain rules start a
 * literal there, the bits one pixel later), and that pixel is before `end`. Anywhere in a
 * literal stretch both end the literal at the next set eq bit. */
static size_t encode_plain(const uint64_t *eq, const unsigned char *packed, size_t i,
                           size_t end, size_t n, unsigned char **op)
{
  while (i < end) {
    size_t lim = n - i > RUN_MAX ? RUN_MAX : n - i, k = i;
    unsigned run = bit_at(eq, i);
    while (k - i < lim && bit_at(eq, k) == run)
      k++;
    size_t len = k - i + run < lim ? k - i + run : lim;
    /* out holds 4 bytes per pixel: COPY_BYTES to spare while 8 pixels are left */
    *op = put_segment(*op, packed + 3 * i, len, run, i + 8 <= n);
    i += len;
  }
  return i;
}

/* Encoder for RGB24 pixels (3-byte units), see above. out must hold render_packbits_max(n, 3)
 * bytes, scratch render_packbits_rgb32_scratch(n) (malloc'd: aligned for uint64_t). */
size_t render_packbits_encode_rgb32(const uint32_t *px, size_t n, void *scratch,
                                    unsigned char *out)
{
  uint64_t *eq = scratch, *starts = eq + bitmap_words(n);
  unsigned char *packed = (unsigned char *)(starts + bitmap_words(n)), *o = out;
  equal_bits(px, n, eq);
  segment_starts(eq, n, starts);
  pack_rgb(px, n, packed);
  memset(packed + 3 * n, 0, COPY_BYTES);
  size_t cur = 0; /* the segment being found starts here */
  for (size_t w = 0; w < bitmap_words(n); w++) {
    for (uint64_t s = starts[w]; s; s &= s - 1) {
      size_t next = w * 64 + (size_t)__builtin_ctzll(s);
      if (next <= cur) /* pixel 0, or already encoded by encode_plain */
        continue;
      if (next - cur > RUN_MAX)
        cur = encode_plain(eq, packed, cur, next, n, &o);
      else {
        o = put_segment(o, packed + 3 * cur, next - cur, bit_at(eq, cur), cur + 8 <= n);
        cur = next;
      }
    }
  }
  encode_plain(eq, packed, cur, n, n, &o);
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
