/*
 * drawbuf.h: cairo output (PDF, PNG) collected in memory, for the test page (testpage.c) and
 * the queue icon (web/api.c).
 */
#ifndef QUIRE_DRAWBUF_H
#define QUIRE_DRAWBUF_H

#include <cairo.h>
#include <stddef.h>

/* What cairo wrote so far: `data` is malloc'd (the caller frees it), NULL while empty. */
typedef struct drawbuf_s {
  unsigned char *data;
  size_t len;
} drawbuf_t;

/* A cairo_write_func_t appending to the drawbuf_t `closure`. */
cairo_status_t drawbuf_write(void *closure, const unsigned char *data, unsigned int n);

#endif
