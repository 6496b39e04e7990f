/*
 * ticket.c: encoding and reading of job tickets (see ticket.h).
 */
#include "ticket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growable memory buffer that libcups reads from or writes to. */
typedef struct ticket_blob_s {
  unsigned char *buf;
  size_t len, cap, pos;
} ticket_blob_t;

static ssize_t ticket_blob_write(void *ctx, ipp_uchar_t *buf, size_t bytes)
{
  ticket_blob_t *b = ctx;
  if (b->len + bytes > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 1024;
    while (cap < b->len + bytes)
      cap *= 2;
    unsigned char *p = realloc(b->buf, cap);
    if (!p)
      return -1;
    b->buf = p;
    b->cap = cap;
  }
  memcpy(b->buf + b->len, buf, bytes);
  b->len += bytes;
  return (ssize_t)bytes;
}

static ssize_t ticket_blob_read(void *ctx, ipp_uchar_t *buf, size_t bytes)
{
  ticket_blob_t *b = ctx;
  if (b->len - b->pos < bytes)
    return -1;
  memcpy(buf, b->buf + b->pos, bytes);
  b->pos += bytes;
  return (ssize_t)bytes;
}

unsigned char *ticket_encode(ipp_t *ticket, size_t *len)
{
  ticket_blob_t b = {0};

  ippSetState(ticket, IPP_STATE_IDLE);
  if (ippWriteIO(&b, ticket_blob_write, 1, NULL, ticket) != IPP_STATE_DATA) {
    free(b.buf);
    *len = 0;
    return NULL;
  }
  *len = b.len;
  return b.buf;
}

ipp_t *ticket_decode(const unsigned char *buf, size_t len)
{
  if (!buf || !len)
    return NULL;
  ticket_blob_t b = {.buf = (unsigned char *)buf, .len = len};
  ipp_t *t = ippNew();
  if (t && ippReadIO(&b, ticket_blob_read, 1, NULL, t) != IPP_STATE_DATA) {
    ippDelete(t);
    return NULL;
  }
  return t;
}

/* Copies keyword attribute `name` of `t` into dst when present. */
static void ticket_keyword(ipp_t *t, const char *name, char *dst, size_t size)
{
  ipp_attribute_t *a = ippFindAttribute(t, name, IPP_TAG_KEYWORD);
  const char *v = a ? ippGetString(a, 0, NULL) : NULL;
  if (v)
    snprintf(dst, size, "%s", v);
}

void ticket_options(const unsigned char *buf, size_t len, ticket_options_t *o)
{
  ipp_t *t = ticket_decode(buf, len);
  char color[32] = "";

  memset(o, 0, sizeof(*o));
  o->copies = 1;
  snprintf(o->sides, sizeof(o->sides), "one-sided");
  snprintf(o->print_scaling, sizeof(o->print_scaling), "auto");
  if (!t)
    return;
  ipp_attribute_t *copies = ippFindAttribute(t, "copies", IPP_TAG_INTEGER);
  if (copies && ippGetInteger(copies, 0) >= 1)
    o->copies = ippGetInteger(copies, 0);
  ticket_keyword(t, "sides", o->sides, sizeof(o->sides));
  ticket_keyword(t, "print-scaling", o->print_scaling, sizeof(o->print_scaling));
  ticket_keyword(t, "print-color-mode", color, sizeof(color));
  o->monochrome = !strcmp(color, "monochrome") || !strcmp(color, "process-monochrome") ||
                  !strcmp(color, "auto-monochrome");
  ticket_keyword(t, "media", o->media, sizeof(o->media));
  ipp_attribute_t *col = ippFindAttribute(t, "media-col", IPP_TAG_BEGIN_COLLECTION);
  if (col && !o->media[0])
    ticket_keyword(ippGetCollection(col, 0), "media-size-name", o->media, sizeof(o->media));
  ipp_attribute_t *account = ippFindAttribute(t, "job-account-id", IPP_TAG_ZERO);
  const char *acc = account ? ippGetString(account, 0, NULL) : NULL;
  if (acc)
    snprintf(o->account, sizeof(o->account), "%s", acc);
  ippDelete(t);
}
