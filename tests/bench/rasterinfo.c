/*
 * rasterinfo.c: checks a PWG (or CUPS) raster stream with libcups's own reader, for the render
 * bench (tests/bench/render-run): every page header is parsed with cupsRasterReadHeader2 and
 * every line read with cupsRasterReadPixels, so a truncated or malformed stream fails here.
 *
 *   rasterinfo FILE      prints one line:
 *       sync=RaS2 pages=N width=W height=H res=X bpp=B cs=C
 *   (the width, height, resolution, bits per pixel and colour space of page 1; "mixed" after
 *   the page count if later pages differ). Exits 1 if the file cannot be read as raster or
 *   has no page, 2 on a usage error.
 */
#include <cups/raster.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads every line of one page into row; false if the stream ends early. */
static bool read_page(cups_raster_t *ras, const cups_page_header2_t *h, unsigned char *row)
{
  for (unsigned y = 0; y < h->cupsHeight; y++)
    if (cupsRasterReadPixels(ras, row, h->cupsBytesPerLine) != h->cupsBytesPerLine)
      return false;
  return true;
}

int main(int argc, char **argv)
{
  if (argc != 2) {
    fputs("usage: rasterinfo FILE\n", stderr);
    return 2;
  }
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) {
    fprintf(stderr, "rasterinfo: %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  char sync[5] = "";
  if (read(fd, sync, 4) != 4 || lseek(fd, 0, SEEK_SET) != 0) {
    fprintf(stderr, "rasterinfo: %s: too short\n", argv[1]);
    close(fd);
    return 1;
  }

  cups_raster_t *ras = cupsRasterOpen(fd, CUPS_RASTER_READ);
  cups_page_header2_t h, first;
  unsigned char *row = NULL;
  size_t row_size = 0;
  int pages = 0;
  bool mixed = false, ok = ras != NULL;

  while (ok && cupsRasterReadHeader2(ras, &h)) {
    if (h.cupsBytesPerLine == 0 || h.cupsHeight == 0 || h.cupsBytesPerLine > (1u << 24)) {
      fprintf(stderr, "rasterinfo: %s: page %d: bad header\n", argv[1], pages + 1);
      ok = false;
      break;
    }
    if (h.cupsBytesPerLine > row_size) {
      free(row);
      row_size = h.cupsBytesPerLine;
      row = malloc(row_size);
      if (!row) {
        fputs("rasterinfo: out of memory\n", stderr);
        ok = false;
        break;
      }
    }
    if (pages == 0)
      first = h;
    else if (h.cupsWidth != first.cupsWidth || h.cupsHeight != first.cupsHeight ||
             h.cupsBitsPerPixel != first.cupsBitsPerPixel)
      mixed = true;
    if (!read_page(ras, &h, row)) {
      fprintf(stderr, "rasterinfo: %s: page %d: truncated\n", argv[1], pages + 1);
      ok = false;
      break;
    }
    pages++;
  }
  if (ok && pages == 0) {
    fprintf(stderr, "rasterinfo: %s: no page\n", argv[1]);
    ok = false;
  }
  if (ok)
    printf("sync=%.4s pages=%d%s width=%u height=%u res=%u bpp=%u cs=%u\n", sync, pages,
           mixed ? " mixed" : "", first.cupsWidth, first.cupsHeight, first.HWResolution[0],
           first.cupsBitsPerPixel, (unsigned)first.cupsColorSpace);
  if (ras)
    cupsRasterClose(ras);
  close(fd);
  free(row);
  return ok ? 0 : 1;
}
