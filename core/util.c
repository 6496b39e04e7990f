/*
 * util.c: small helpers (see util.h).
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Makes a version-4 UUID URN from OpenSSL's CSPRNG. */
bool util_uuid_new(char *buf, size_t bufsize)
{
  unsigned char b[16];

  if (bufsize < 46 || RAND_bytes(b, sizeof(b)) != 1)
    return false;
  b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
  b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
  snprintf(buf, bufsize,
           "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
           b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
           b[13], b[14], b[15]);
  return true;
}

/* Random bytes as hex, for file names and tokens. */
bool util_random_hex(char *buf, size_t len)
{
  unsigned char b[64];
  static const char hex[] = "0123456789abcdef";

  if (len > sizeof(b) || RAND_bytes(b, (int)len) != 1)
    return false;
  for (size_t i = 0; i < len; i++) {
    buf[2 * i] = hex[b[i] >> 4];
    buf[2 * i + 1] = hex[b[i] & 15];
  }
  buf[2 * len] = '\0';
  return true;
}

/* Makes renames and creations in `path` durable. */
bool util_fsync_dir(const char *path)
{
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return false;
  int rc = fsync(fd);
  int saved = errno;
  close(fd);
  errno = saved;
  return rc == 0;
}

/* Creates `path` and its missing parents. */
bool util_mkdir_p(const char *path)
{
  char tmp[4096];
  size_t len = strlen(path);

  if (len == 0 || len >= sizeof(tmp))
    return false;
  memcpy(tmp, path, len + 1);
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
      return false;
    *p = '/';
  }
  return mkdir(tmp, 0700) == 0 || errno == EEXIST;
}

/* NULL-tolerant strdup. */
char *util_strdup(const char *s)
{
  if (!s)
    return NULL;
  char *d = strdup(s);
  if (!d)
    abort();
  return d;
}

/* malloc'd printf. */
char *util_printf(const char *fmt, ...)
{
  va_list ap;
  char *s = NULL;

  va_start(ap, fmt);
  int n = vasprintf(&s, fmt, ap);
  va_end(ap);
  if (n < 0)
    abort();
  return s;
}

/* Seconds on the monotonic clock. */
double util_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Cuts on a UTF-8 boundary: see util.h. */
const char *util_utf8_cut(char *dst, size_t size, const char *src, size_t max)
{
  size_t len = strlen(src);
  if (max >= size)
    max = size - 1;
  if (len > max) {
    len = max;
    while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
      len--;  /* src[len] continues a sequence: cut before the sequence's first byte */
  }
  memcpy(dst, src, len);
  dst[len] = '\0';
  return dst;
}
