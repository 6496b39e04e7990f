/*
 * test-spool.c: unit tests of core/spool.c: streaming, decompression, hashing, limits, format
 * detection and crash recovery, on real files in a temporary folder.
 */
#include "test.h"

#include "../../core/spool.h"
#include "../../core/util.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* SHA-256 hex of a buffer. */
static void sha256_hex(const void *p, size_t n, char out[65])
{
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
  for (int i = 0; i < 32; i++)
    snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Compresses `in` as gzip (window 31) or raw deflate (-15). Caller frees. */
static unsigned char *compress_buf(const unsigned char *in, size_t n, int bits, size_t *outlen)
{
  z_stream zs = {0};
  size_t cap = n + 1024;
  unsigned char *out = malloc(cap);
  deflateInit2(&zs, 6, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY);
  zs.next_in = (unsigned char *)in;
  zs.avail_in = (uInt)n;
  zs.next_out = out;
  zs.avail_out = (uInt)cap;
  deflate(&zs, Z_FINISH);
  *outlen = cap - zs.avail_out;
  deflateEnd(&zs);
  return out;
}

/* Writes `data` through a writer in small pieces and finishes it. */
static spool_result_t put(spool_t *s, const char *comp, const unsigned char *data, size_t n,
                          int64_t max, store_doc_t *doc)
{
  spool_writer_t *w = spool_writer_new(s, comp, max);
  if (!w)
    return SPOOL_IO_ERROR;
  for (size_t off = 0; off < n; off += 777) {
    spool_result_t r = spool_writer_write(w, data + off, n - off < 777 ? n - off : 777);
    if (r != SPOOL_OK) {
      spool_writer_abort(w);
      return r;
    }
  }
  return spool_writer_finish(w, "pdf", doc);
}

static size_t count_files(const char *dir)
{
  char *cmd = util_printf("ls -A %s | wc -l", dir);
  FILE *p = popen(cmd, "r");
  size_t n = 0;
  if (p && fscanf(p, "%zu", &n) != 1)
    n = 0;
  if (p)
    pclose(p);
  free(cmd);
  return n;
}

int main(void)
{
  char tmpl[] = "/tmp/quire-spool-XXXXXX";
  char *err = NULL, hex[65];
  CHECK(mkdtemp(tmpl) != NULL);
  char *dir = util_printf("%s/spool", tmpl), *tmpdir = util_printf("%s/spool/tmp", tmpl);
  spool_t *s = spool_open(dir, &err);
  CHECK(s != NULL);

  size_t n = 300000;
  unsigned char *data = malloc(n);
  memcpy(data, "%PDF-1.4\n", 9);
  for (size_t i = 9; i < n; i++)
    data[i] = (unsigned char)("quire spool test "[i % 17] ^ (i / 4096));
  sha256_hex(data, n, hex);

  /* Plain, gzip and raw deflate give the same stored bytes and hash. */
  store_doc_t d1 = {0}, d2 = {0}, d3 = {0};
  CHECK(put(s, NULL, data, n, 1 << 30, &d1) == SPOOL_OK);
  CHECK_STR(d1.sha256, hex);
  CHECK(d1.size == (int64_t)n);
  size_t zn;
  unsigned char *gz = compress_buf(data, n, 31, &zn);
  CHECK(put(s, "gzip", gz, zn, 1 << 30, &d2) == SPOOL_OK);
  CHECK_STR(d2.sha256, hex);
  free(gz);
  unsigned char *df = compress_buf(data, n, -15, &zn);
  CHECK(put(s, "deflate", df, zn, 1 << 30, &d3) == SPOOL_OK);
  CHECK_STR(d3.sha256, hex);

  /* A truncated compressed stream is refused and leaves no file. */
  store_doc_t bad = {0};
  CHECK(put(s, "deflate", df, zn / 2, 1 << 30, &bad) == SPOOL_BAD_DATA);
  free(df);
  CHECK(count_files(tmpdir) == 0);

  /* The size limit applies to decompressed bytes. */
  store_doc_t big = {0};
  CHECK(put(s, NULL, data, n, 1000, &big) == SPOOL_TOO_BIG);
  CHECK(count_files(tmpdir) == 0);

  /* The file on disk has the content. */
  char *p1 = spool_path(s, d1.path);
  struct stat st;
  CHECK(stat(p1, &st) == 0 && st.st_size == (off_t)n);
  free(p1);
  CHECK(spool_bytes(s) == 3 * (int64_t)n);

  /* Recovery keeps referenced files and removes orphans and partial uploads. */
  spool_writer_t *partial = spool_writer_new(s, NULL, 1 << 20);
  CHECK(spool_writer_write(partial, data, 100) == SPOOL_OK);
  char *keep[] = {d1.path, d3.path};
  size_t removed = 0;
  CHECK(spool_recover(s, keep, 2, &removed));
  CHECK(removed == 2);  /* d2's file and the .part file */
  CHECK(count_files(dir) == 3);  /* d1, d3 and tmp/ */
  spool_writer_abort(partial);  /* its file is already gone: must not crash */

  /* Format detection. */
  CHECK_STR(spool_detect_format((const unsigned char *)"%PDF-1.7", 8), "application/pdf");
  CHECK_STR(spool_detect_format((const unsigned char *)"\xff\xd8\xff\xe0", 4), "image/jpeg");
  CHECK_STR(spool_detect_format((const unsigned char *)"RaS2PwgRaster", 13), "image/pwg-raster");
  CHECK_STR(spool_detect_format((const unsigned char *)"UNIRAST\0\0\0\0\1", 12), "image/urf");
  CHECK(spool_detect_format((const unsigned char *)"hello", 5) == NULL);
  CHECK(spool_remove(s, d1.path));
  CHECK(!spool_remove(s, "../etc/passwd"));

  free(d1.path); free(d1.sha256); free(d2.path); free(d2.sha256); free(d3.path); free(d3.sha256);
  free(data);
  spool_close(s);
  char *rm = util_printf("rm -rf %s", tmpl);
  CHECK(system(rm) == 0);
  free(rm);
  free(dir);
  free(tmpdir);
  return test_summary();
}
