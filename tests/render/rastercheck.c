/*
 * rastercheck.c: reads a PWG raster stream with libcups's own reader (cupsRasterOpen,
 * cupsRasterReadHeader2, cupsRasterReadPixels), independently of quire-render's code, for
 * tests/integration/test_render.py.
 *
 *   rastercheck FILE [--ppm PAGE OUT.ppm | --compare PAGE REF.ppm]
 *
 * Prints one JSON object per page (header fields as libcups parsed them). --ppm writes page
 * PAGE (1-based) as a binary PPM (grey pages expanded to RGB); --compare compares page PAGE
 * with a PPM (e.g. from pdftoppm) over the area both cover and prints one more JSON object:
 * {"compare":{"psnr":dB,"psnr8":dB on 8x8 block means,"mean":mean absolute difference,"over32":fraction of pixels with a
 * channel off by more than 32,"width":..,"height":..}}. Exits 0 if every page was read
 * completely, 1 if libcups failed to read it (or the PPM), 2 on a usage error.
 */
#include <cups/raster.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Prints the fields the tests check. */
static void print_header(int page, const cups_page_header2_t *h)
{
  printf("{\"page\":%d,\"width\":%u,\"height\":%u,\"xres\":%u,\"yres\":%u,\"bpc\":%u,\"bpp\":%u,"
         "\"bpl\":%u,\"cs\":%u,\"colors\":%u,\"duplex\":%u,\"tumble\":%u,\"page_w\":%u,"
         "\"page_h\":%u,\"copies\":%u,\"total\":%u,\"cross\":%d,\"feed\":%d,"
         "\"box\":[%u,%u,%u,%u],\"name\":\"%.63s\",\"media_class\":\"%.63s\","
         "\"optimize\":\"%.63s\"}\n",
         page, h->cupsWidth, h->cupsHeight, h->HWResolution[0], h->HWResolution[1],
         h->cupsBitsPerColor, h->cupsBitsPerPixel, h->cupsBytesPerLine, (unsigned)h->cupsColorSpace,
         h->cupsNumColors, h->Duplex, h->Tumble, h->PageSize[0], h->PageSize[1], h->NumCopies,
         h->cupsInteger[CUPS_RASTER_PWG_TotalPageCount],
         (int)h->cupsInteger[CUPS_RASTER_PWG_CrossFeedTransform],
         (int)h->cupsInteger[CUPS_RASTER_PWG_FeedTransform],
         h->cupsInteger[CUPS_RASTER_PWG_ImageBoxLeft], h->cupsInteger[CUPS_RASTER_PWG_ImageBoxTop],
         h->cupsInteger[CUPS_RASTER_PWG_ImageBoxRight],
         h->cupsInteger[CUPS_RASTER_PWG_ImageBoxBottom], h->cupsPageSizeName, h->MediaClass,
         h->OutputType);
}

/* Reads every line of a page; writes them as PPM rows to ppm when it is not NULL. */
static bool read_page(cups_raster_t *ras, const cups_page_header2_t *h, unsigned char *row,
                      FILE *ppm)
{
  unsigned char *rgb = ppm ? malloc((size_t)h->cupsWidth * 3) : NULL;
  if (ppm && !rgb)
    return false;
  if (ppm)
    fprintf(ppm, "P6\n%u %u\n255\n", h->cupsWidth, h->cupsHeight);
  bool ok = true;
  for (unsigned y = 0; ok && y < h->cupsHeight; y++) {
    ok = cupsRasterReadPixels(ras, row, h->cupsBytesPerLine) == h->cupsBytesPerLine;
    if (ok && ppm) {
      for (unsigned x = 0; x < h->cupsWidth; x++)
        for (int c = 0; c < 3; c++)
          rgb[3 * x + c] = h->cupsBitsPerPixel == 8 ? row[x] : row[3 * x + c];
      ok = fwrite(rgb, 3, h->cupsWidth, ppm) == h->cupsWidth;
    }
  }
  free(rgb);
  return ok;
}

/* A PPM loaded in memory. */
typedef struct ppm_s {
  unsigned w, h;
  unsigned char *data;
} ppm_t;

/* Loads a binary (P6, maxval 255) PPM; false if it is not one. */
static bool ppm_load(const char *path, ppm_t *p)
{
  FILE *fp = fopen(path, "rb");
  unsigned maxval = 0;
  bool ok = fp && fscanf(fp, "P6 %u %u %u", &p->w, &p->h, &maxval) == 3 && maxval == 255 &&
            fgetc(fp) != EOF && p->w && p->h && p->w < 100000 && p->h < 100000;
  size_t n = ok ? (size_t)p->w * p->h * 3 : 0;
  p->data = ok ? malloc(n) : NULL;
  ok = ok && p->data && fread(p->data, 1, n, fp) == n;
  if (fp)
    fclose(fp);
  return ok;
}

/* PSNR of the two images reduced to the means of 8 x 8 blocks: glyph antialiasing differences
 * between rasterizers average out there, misplaced or missing content does not. */
static double psnr_blocks(const ppm_t *a, const ppm_t *b, unsigned w, unsigned h)
{
  double sq = 0;
  unsigned long long n = 0;
  for (unsigned by = 0; by + 8 <= h; by += 8)
    for (unsigned bx = 0; bx + 8 <= w; bx += 8)
      for (int c = 0; c < 3; c++) {
        int sa = 0, sb = 0;
        for (unsigned y = by; y < by + 8; y++)
          for (unsigned x = bx; x < bx + 8; x++) {
            sa += a->data[((size_t)y * a->w + x) * 3 + c];
            sb += b->data[((size_t)y * b->w + x) * 3 + c];
          }
        double d = (sa - sb) / 64.0;
        sq += d * d;
        n++;
      }
  double mse = n ? sq / (double)n : 0;
  return mse > 0 ? 10 * log10(255.0 * 255.0 / mse) : 99.0;
}

/* Compares page `page` of the raster (written as PPM to tmp) with the reference PPM. */
static bool compare(const char *ours_path, const char *ref_path)
{
  ppm_t a = {0}, b = {0};
  bool ok = ppm_load(ours_path, &a) && ppm_load(ref_path, &b);
  if (ok) {
    unsigned w = a.w < b.w ? a.w : b.w, h = a.h < b.h ? a.h : b.h;
    double sq = 0, abs_sum = 0;
    unsigned long long over = 0;
    for (unsigned y = 0; y < h; y++)
      for (unsigned x = 0; x < w; x++) {
        const unsigned char *p = a.data + ((size_t)y * a.w + x) * 3;
        const unsigned char *q = b.data + ((size_t)y * b.w + x) * 3;
        int worst = 0;
        for (int c = 0; c < 3; c++) {
          int d = abs((int)p[c] - (int)q[c]);
          sq += (double)d * d;
          abs_sum += d;
          worst = d > worst ? d : worst;
        }
        over += worst > 32;
      }
    double n = (double)w * h * 3, mse = sq / n;
    printf("{\"compare\":{\"psnr\":%.2f,\"psnr8\":%.2f,\"mean\":%.4f,\"over32\":%.6f,"
           "\"width\":%u,\"height\":%u}}\n",
           mse > 0 ? 10 * log10(255.0 * 255.0 / mse) : 99.0, psnr_blocks(&a, &b, w, h),
           abs_sum / n, (double)over / ((double)w * h), w, h);
  } else {
    fputs("rastercheck: cannot read the PPM files\n", stderr);
  }
  free(a.data);
  free(b.data);
  return ok;
}

/* Reads every page with libcups; --ppm and --compare as described at the top. */
int main(int argc, char **argv)
{
  int want = 0;
  const char *ppm_path = NULL, *ref_path = NULL;
  char tmp[] = "/tmp/rastercheck-XXXXXX";
  if (argc == 5 && !strcmp(argv[2], "--ppm")) {
    want = atoi(argv[3]);
    ppm_path = argv[4];
  } else if (argc == 5 && !strcmp(argv[2], "--compare")) {
    int tfd = mkstemp(tmp);
    if (tfd < 0)
      return 1;
    close(tfd);
    want = atoi(argv[3]);
    ppm_path = tmp;
    ref_path = argv[4];
  } else if (argc != 2) {
    fputs("usage: rastercheck FILE [--ppm PAGE OUT.ppm | --compare PAGE REF.ppm]\n", stderr);
    return 2;
  }
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) {
    perror(argv[1]);
    return 1;
  }
  cups_raster_t *ras = cupsRasterOpen(fd, CUPS_RASTER_READ);
  cups_page_header2_t h;
  unsigned char *row = NULL;
  bool ok = ras != NULL;
  int page = 0;
  while (ok && cupsRasterReadHeader2(ras, &h)) {
    page++;
    print_header(page, &h);
    if (!h.cupsBytesPerLine || h.cupsBytesPerLine > (1u << 26) || h.cupsBitsPerColor != 8) {
      fprintf(stderr, "rastercheck: page %d: unexpected header\n", page);
      ok = false;
      break;
    }
    free(row);
    row = malloc(h.cupsBytesPerLine);
    FILE *ppm = page == want ? fopen(ppm_path, "wb") : NULL;
    ok = row && (page != want || ppm) && read_page(ras, &h, row, ppm);
    if (ppm && fclose(ppm) != 0)
      ok = false;
    if (!ok)
      fprintf(stderr, "rastercheck: page %d: cannot read every line\n", page);
  }
  if (ok && page == 0) {
    fputs("rastercheck: no page\n", stderr);
    ok = false;
  }
  if (ras)
    cupsRasterClose(ras);
  close(fd);
  free(row);
  if (ok && ref_path)
    ok = want >= 1 && want <= page && compare(tmp, ref_path);
  if (ref_path)
    unlink(tmp);
  return ok ? 0 : 1;
}
