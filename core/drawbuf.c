/*
 * drawbuf.c: cairo output collected in memory (see drawbuf.h).
 */
#include "drawbuf.h"

#include <stdlib.h>
#include <string.h>

cairo_status_t drawbuf_write(void *closure, const unsigned char *data, unsigned int n)
{
  drawbuf_t *b = closure;
  unsigned char *nb = realloc(b->data, b->len + n);
  if (!nb)
    return CAIRO_STATUS_NO_MEMORY;
  memcpy(nb + b->len, data, n);
  b->data = nb;
  b->len += n;
  return CAIRO_STATUS_SUCCESS;
}
