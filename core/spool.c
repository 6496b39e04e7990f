/*
 * spool.c: streaming document files into the spool (see spool.h for the design).
 */
#include "spool.h"

#include "log.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <zlib.h>

#define SPOOL_BUFSIZE (64 * 1024)
#define SPOOL_HEAD 16

struct spool_s {
  char *dir;       /* DATA/spool */
  char *tmpdir;    /* DATA/spool/tmp */
};

struct spool_writer_s {
  spool_t *spool;
  int fd;
  char *tmppath;
  char name[33];              /* random part of the file name */
  EVP_MD_CTX *md;
  z_stream zs;
  int zmode;                  /* 0 none, 1 gzip, 2 deflate (raw or zlib, decided lazily) */
  bool zinit;
  bool zdone;                 /* the compressed stream reached its end */
  int64_t size, max_size;
  unsigned char head[SPOOL_HEAD];
  size_t head_len;
  size_t buf_len;
  unsigned char buf[SPOOL_BUFSIZE];   /* pending output, flushed when full */
  unsigned char zbuf[SPOOL_BUFSIZE];  /* inflate output */
};

/* Creates the spool folders. */
spool_t *spool_open(const char *dir, char **err)
{
  spool_t *s = calloc(1, sizeof(*s));
  if (!s)
    abort();
  s->dir = util_strdup(dir);
  s->tmpdir = util_printf("%s/tmp", dir);
  if (!util_mkdir_p(s->tmpdir)) {
    *err = util_printf("cannot create %s: %s", s->tmpdir, strerror(errno));
    spool_close(s);
    return NULL;
  }
  return s;
}

void spool_close(spool_t *s)
{
  if (!s)
    return;
  free(s->dir);
  free(s->tmpdir);
  free(s);
}

static int spool_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Unlinks every regular file of `dir` for which `keep` (sorted) has no entry. */
static size_t spool_sweep(const char *dir, char **keep, size_t nkeep)
{
  DIR *d = opendir(dir);
  size_t removed = 0;
  struct dirent *de;

  if (!d)
    return 0;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.' || de->d_type == DT_DIR)
      continue;
    const char *name = de->d_name;
    if (keep && bsearch(&name, keep, nkeep, sizeof(char *), spool_cmp))
      continue;
    if (unlinkat(dirfd(d), name, 0) == 0) {
      removed++;
      log_info("spool: removed leftover file %s/%s", dir, name);
    }
  }
  closedir(d);
  return removed;
}

/* Deletes temporary and unreferenced files (after a crash). */
bool spool_recover(spool_t *s, char **keep, size_t nkeep, size_t *removed)
{
  char **sorted = NULL;

  if (nkeep) {
    sorted = malloc(nkeep * sizeof(char *));
    if (!sorted)
      abort();
    memcpy(sorted, keep, nkeep * sizeof(char *));
    qsort(sorted, nkeep, sizeof(char *), spool_cmp);
  }
  *removed = spool_sweep(s->tmpdir, NULL, 0) + spool_sweep(s->dir, sorted, nkeep);
  free(sorted);
  return util_fsync_dir(s->dir) && util_fsync_dir(s->tmpdir);
}

/* Makes every document of the batch durable, data and name, with one syncfs(2) of the spool's
 * file system; called by the store's writer once per group commit, before COMMIT. One flush
 * for a whole batch replaces an fsync per file plus one of the folder. On the appliance the
 * spool has a data partition of its own, so nothing else is flushed with it. */
bool spool_precommit(void *data)
{
  spool_t *s = data;
  int fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || syncfs(fd) != 0) {
    log_error("spool: syncfs of %s failed: %s", s->dir, strerror(errno));
    if (fd >= 0)
      close(fd);
    return false;
  }
  close(fd);
  return true;
}

/* Opens a new temporary file for one document. */
spool_writer_t *spool_writer_new(spool_t *s, const char *compression, int64_t max_size)
{
  spool_writer_t *w = calloc(1, sizeof(*w));
  if (!w)
    abort();
  w->spool = s;
  w->fd = -1;
  w->max_size = max_size;
  if (compression && !strcmp(compression, "gzip"))
    w->zmode = 1;
  else if (compression && !strcmp(compression, "deflate"))
    w->zmode = 2;
  if (!util_random_hex(w->name, 16) || !(w->md = EVP_MD_CTX_new()) ||
      EVP_DigestInit_ex(w->md, EVP_sha256(), NULL) != 1) {
    log_error("spool: cannot initialise a document writer");
    spool_writer_abort(w);
    return NULL;
  }
  w->tmppath = util_printf("%s/%s.part", s->tmpdir, w->name);
  w->fd = open(w->tmppath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (w->fd < 0) {
    log_error("spool: cannot create %s: %s", w->tmppath, strerror(errno));
    spool_writer_abort(w);
    return NULL;
  }
  return w;
}

/* Writes the buffered output to the file. */
static bool spool_flush(spool_writer_t *w)
{
  size_t off = 0;
  while (off < w->buf_len) {
    ssize_t n = write(w->fd, w->buf + off, w->buf_len - off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      log_error("spool: write to %s failed: %s", w->tmppath, strerror(errno));
      return false;
    }
    off += (size_t)n;
  }
  w->buf_len = 0;
  return true;
}

/* Appends decompressed bytes: size check, hash, head capture, buffered write. */
static spool_result_t spool_emit(spool_writer_t *w, const unsigned char *p, size_t len)
{
  if (w->size + (int64_t)len > w->max_size)
    return SPOOL_TOO_BIG;
  w->size += (int64_t)len;
  if (EVP_DigestUpdate(w->md, p, len) != 1)
    return SPOOL_IO_ERROR;
  if (w->head_len < SPOOL_HEAD) {
    size_t n = SPOOL_HEAD - w->head_len < len ? SPOOL_HEAD - w->head_len : len;
    memcpy(w->head + w->head_len, p, n);
    w->head_len += n;
  }
  while (len > 0) {
    size_t n = SPOOL_BUFSIZE - w->buf_len;
    if (n > len)
      n = len;
    memcpy(w->buf + w->buf_len, p, n);
    w->buf_len += n;
    p += n;
    len -= n;
    if (w->buf_len == SPOOL_BUFSIZE && !spool_flush(w))
      return SPOOL_IO_ERROR;
  }
  return SPOOL_OK;
}

/* Starts the decompressor; for "deflate" accepts both raw (RFC 1951) and zlib (RFC 1950)
 * streams, telling them apart by the zlib header check. */
static bool spool_zstart(spool_writer_t *w, const unsigned char *p, size_t len)
{
  int bits = 31;
  if (w->zmode == 2) {
    bool zlib_hdr = len >= 2 && (p[0] & 0x0f) == 8 && ((p[0] << 8) | p[1]) % 31 == 0;
    bits = zlib_hdr ? 15 : -15;
  }
  if (inflateInit2(&w->zs, bits) != Z_OK)
    return false;
  w->zinit = true;
  return true;
}

/* Runs the inflater over input (or flushes at the end when `p` is NULL). */
static spool_result_t spool_inflate(spool_writer_t *w, const unsigned char *p, size_t len)
{
  w->zs.next_in = (unsigned char *)p;
  w->zs.avail_in = (uInt)len;
  do {
    w->zs.next_out = w->zbuf;
    w->zs.avail_out = sizeof(w->zbuf);
    int rc = inflate(&w->zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
      return SPOOL_BAD_DATA;
    spool_result_t r = spool_emit(w, w->zbuf, sizeof(w->zbuf) - w->zs.avail_out);
    if (r != SPOOL_OK)
      return r;
    if (rc == Z_STREAM_END) {
      w->zdone = true;
      if (w->zmode == 1 && w->zs.avail_in > 0) {
        /* concatenated gzip members */
        if (inflateReset(&w->zs) != Z_OK)
          return SPOOL_BAD_DATA;
        w->zdone = false;
        continue;
      }
      break;
    }
    if (rc == Z_BUF_ERROR && w->zs.avail_out != 0)
      break;
  } while (w->zs.avail_in > 0 || w->zs.avail_out == 0);
  return SPOOL_OK;
}

/* Appends received (possibly compressed) bytes. */
spool_result_t spool_writer_write(spool_writer_t *w, const void *buf, size_t len)
{
  if (len == 0)
    return SPOOL_OK;
  if (!w->zmode)
    return spool_emit(w, buf, len);
  if (!w->zinit && !spool_zstart(w, buf, len))
    return SPOOL_BAD_DATA;
  if (w->zdone && w->zmode == 2)
    return SPOOL_OK;  /* trailing bytes after a deflate stream are ignored */
  /* Cap input per call so a 32-bit avail_in never overflows. */
  const unsigned char *p = buf;
  while (len > 0) {
    size_t n = len > (1u << 30) ? (1u << 30) : len;
    spool_result_t r = spool_inflate(w, p, n);
    if (r != SPOOL_OK)
      return r;
    p += n;
    len -= n;
  }
  return SPOOL_OK;
}

const unsigned char *spool_writer_head(spool_writer_t *w, size_t *len)
{
  *len = w->head_len;
  return w->head;
}

int64_t spool_writer_size(spool_writer_t *w)
{
  return w->size;
}

/* Releases everything a writer holds. */
static void spool_writer_free(spool_writer_t *w)
{
  if (w->fd >= 0)
    close(w->fd);
  if (w->zinit)
    inflateEnd(&w->zs);
  EVP_MD_CTX_free(w->md);
  free(w->tmppath);
  free(w);
}

/* Completes the document: flush, hash, rename into place. The data is made durable by
 * spool_precommit, in the same group commit as the document's store row. */
spool_result_t spool_writer_finish(spool_writer_t *w, const char *ext, store_doc_t *doc)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  char hex[2 * EVP_MAX_MD_SIZE + 1];

  if (w->zmode && !w->zdone) {
    log_warn("spool: compressed document %s ends before its stream does", w->tmppath);
    spool_writer_abort(w);
    return SPOOL_BAD_DATA;
  }
  if (!spool_flush(w) || EVP_DigestFinal_ex(w->md, md, &mdlen) != 1) {
    log_error("spool: cannot complete %s: %s", w->tmppath, strerror(errno));
    spool_writer_abort(w);
    return SPOOL_IO_ERROR;
  }
  for (unsigned int i = 0; i < mdlen; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);

  char *rel = util_printf("%s.%s", w->name, ext);
  char *dst = util_printf("%s/%s", w->spool->dir, rel);
  if (rename(w->tmppath, dst) != 0) {
    log_error("spool: cannot rename %s to %s: %s", w->tmppath, dst, strerror(errno));
    free(rel);
    free(dst);
    spool_writer_abort(w);
    return SPOOL_IO_ERROR;
  }
  free(dst);
  doc->path = rel;
  doc->sha256 = util_strdup(hex);
  doc->size = w->size;
  spool_writer_free(w);
  return SPOOL_OK;
}

/* Drops a partial document. */
void spool_writer_abort(spool_writer_t *w)
{
  if (!w)
    return;
  if (w->tmppath && w->fd >= 0 && unlink(w->tmppath) != 0)
    log_warn("spool: cannot remove %s: %s", w->tmppath, strerror(errno));
  spool_writer_free(w);
}

/* Deletes one document file. */
bool spool_remove(spool_t *s, const char *path)
{
  if (!path || strchr(path, '/'))
    return false;
  char *abs = spool_path(s, path);
  bool ok = unlink(abs) == 0 || errno == ENOENT;
  if (!ok)
    log_warn("spool: cannot remove %s: %s", abs, strerror(errno));
  free(abs);
  return ok;
}

char *spool_path(spool_t *s, const char *path)
{
  return util_printf("%s/%s", s->dir, path);
}

/* Sums the sizes of the document files. */
int64_t spool_bytes(spool_t *s)
{
  DIR *d = opendir(s->dir);
  struct dirent *de;
  struct stat st;
  int64_t total = 0;

  if (!d)
    return 0;
  while ((de = readdir(d)) != NULL)
    if (de->d_name[0] != '.' && fstatat(dirfd(d), de->d_name, &st, 0) == 0 &&
        S_ISREG(st.st_mode))
      total += st.st_size;
  closedir(d);
  return total;
}

int64_t spool_free_bytes(spool_t *s)
{
  struct statvfs vfs;

  if (statvfs(s->dir, &vfs) != 0)
    return -1;
  return (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;
}

/* Sniffs the magic bytes of the formats quire accepts. */
const char *spool_detect_format(const unsigned char *h, size_t len)
{
  if (len >= 5 && !memcmp(h, "%PDF-", 5))
    return "application/pdf";
  if (len >= 3 && h[0] == 0xff && h[1] == 0xd8 && h[2] == 0xff)
    return "image/jpeg";
  if (len >= 4 && !memcmp(h, "RaS2", 4))
    return "image/pwg-raster";
  if (len >= 8 && !memcmp(h, "UNIRAST", 8))
    return "image/urf";
  return NULL;
}

const char *spool_format_ext(const char *format)
{
  if (!format) return "bin";
  if (!strcmp(format, "application/pdf")) return "pdf";
  if (!strcmp(format, "image/jpeg")) return "jpg";
  if (!strcmp(format, "image/pwg-raster")) return "pwg";
  if (!strcmp(format, "image/urf")) return "urf";
  return "bin";
}
