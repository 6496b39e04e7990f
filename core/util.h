/*
 * util.h: small helpers shared by quire's modules (UUIDs, time, files, strings).
 */
#ifndef QUIRE_UTIL_H
#define QUIRE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes a new random "urn:uuid:xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" (46 bytes with NUL) into
 * `buf`. Returns false if the random generator failed. */
bool util_uuid_new(char *buf, size_t bufsize);

/* Writes `len` random bytes as lowercase hex (2*len+1 bytes) into `buf`. */
bool util_random_hex(char *buf, size_t len);

/* fsyncs the directory `path`; false (errno set) on failure. */
bool util_fsync_dir(const char *path);

/* mkdir -p with mode 0700 for each created level. */
bool util_mkdir_p(const char *path);

/* strdup that accepts NULL and returns NULL for it. Aborts on allocation failure, since a
 * daemon that cannot allocate a few bytes cannot log, answer or recover anyway. */
char *util_strdup(const char *s);

/* malloc'd printf. Aborts on allocation failure (see util_strdup). */
char *util_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copies `src` into `dst` (size `size`), cut to at most `max` bytes without splitting a UTF-8
 * sequence. Returns `dst`. */
const char *util_utf8_cut(char *dst, size_t size, const char *src, size_t max);

/* Monotonic clock in seconds. */
double util_now(void);

#endif
