/*
 * spool.h: document files on disk.
 *
 * DESIGN
 * A document is streamed into DATA/spool/tmp/<random>.part while it arrives (decompressed on
 * the fly when the client used IPP compression), hashed with SHA-256 as it is written, then
 * fsync'd and renamed to DATA/spool/<random>.<ext>. The rename is made durable by the store's
 * pre-commit hook (spool_precommit fsyncs the spool folder once per group commit), so a
 * document is durable before its store row commits. At start, spool_recover deletes every
 * .part file and every document file that no store row references: after a crash nothing of
 * an unacknowledged upload is left. A spool_writer_t belongs to one request thread.
 */
#ifndef QUIRE_SPOOL_H
#define QUIRE_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef struct spool_s spool_t;
typedef struct spool_writer_s spool_writer_t;

/* Result of feeding bytes to a writer. */
typedef enum spool_result_e {
  SPOOL_OK,
  SPOOL_TOO_BIG,      /* decompressed size exceeds the limit */
  SPOOL_BAD_DATA,     /* compressed stream is corrupt */
  SPOOL_IO_ERROR      /* write failed (disk full...) */
} spool_result_t;

/* Opens the spool under `dir` (created if missing). Caller frees with spool_close. */
spool_t *spool_open(const char *dir, char **err);
void spool_close(spool_t *spool);

/* Removes temporary files and every document file not named in `keep` (relative paths).
 * Sets *removed to the number of files deleted. */
bool spool_recover(spool_t *spool, char **keep, size_t nkeep, size_t *removed);

/* Pre-commit hook for store_set_precommit: fsyncs the spool folder. `data` is the spool. */
bool spool_precommit(void *data);

/* Starts a new document; `compression` is NULL, "none", "gzip" or "deflate". The writer is
 * owned by the caller and ends with spool_writer_finish or spool_writer_abort. */
spool_writer_t *spool_writer_new(spool_t *spool, const char *compression, int64_t max_size);

/* Appends `len` received bytes. */
spool_result_t spool_writer_write(spool_writer_t *w, const void *buf, size_t len);

/* The first decompressed bytes (up to 16) seen so far, for format detection. */
const unsigned char *spool_writer_head(spool_writer_t *w, size_t *len);

/* Decompressed bytes written so far. */
int64_t spool_writer_size(spool_writer_t *w);

/* Flushes, fsyncs and renames the document into the spool with extension `ext`; fills
 * doc->path (relative), doc->sha256 and doc->size (strings malloc'd, owned by doc). Frees the
 * writer in every case. Returns SPOOL_OK or the error. */
spool_result_t spool_writer_finish(spool_writer_t *w, const char *ext, store_doc_t *doc);

/* Deletes the temporary file and frees the writer (NULL is fine). */
void spool_writer_abort(spool_writer_t *w);

/* Deletes a document file given its relative path. */
bool spool_remove(spool_t *spool, const char *path);

/* Absolute path of a document, malloc'd (caller frees). */
char *spool_path(spool_t *spool, const char *path);

/* Bytes used by document files. */
int64_t spool_bytes(spool_t *spool);

/* Bytes free for an unprivileged writer on the spool's file system, -1 if unknown. */
int64_t spool_free_bytes(spool_t *spool);

/* Detects a document format from its first bytes: "application/pdf", "image/jpeg",
 * "image/pwg-raster", "image/urf", or NULL when unknown. */
const char *spool_detect_format(const unsigned char *head, size_t len);

/* File extension for a detected format ("pdf", "jpg", "pwg", "urf", else "bin"). */
const char *spool_format_ext(const char *format);

#endif
