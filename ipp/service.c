/*
 * service.c: the IPP service object: one ipp_printer_t per configured queue, rebuilt on
 * reload (see ipp-private.h).
 */
#include "ipp-private.h"

#include "../core/util.h"

#include <stdlib.h>
#include <string.h>

typedef struct ipp_bytes_s {
  unsigned char *buf;
  size_t len;
} ipp_bytes_t;

static ssize_t ipp_bytes_write(void *ctx, ipp_uchar_t *buf, size_t n)
{
  ipp_bytes_t *b = ctx;
  unsigned char *nb = realloc(b->buf, b->len + n);
  if (!nb)
    return -1;
  memcpy(nb + b->len, buf, n);
  b->buf = nb;
  b->len += n;
  return (ssize_t)n;
}

/* Encodes, once, what Get-Printer-Attributes returns for "all" from the static attributes,
 * so the most frequent request does not copy ~100 attributes each time. libcups writes a
 * message as an 8-byte header, the printer group tag, the attributes and the end tag; only
 * the attribute bytes are kept, to be appended to a response's printer group. */
static bool ipp_printer_encode_all(ipp_printer_t *p)
{
  ipp_t *msg = ippNew();
  ipp_bytes_t b = {0};
  bool ok = false;

  ipp_printer_attrs_copy(msg, p->attrs, NULL, NULL);
  if (ippWriteIO(&b, ipp_bytes_write, 1, NULL, msg) == IPP_STATE_DATA && b.len > 10 &&
      b.buf[8] == IPP_TAG_PRINTER && b.buf[b.len - 1] == IPP_TAG_END) {
    p->all_len = b.len - 10;
    p->all_bytes = malloc(p->all_len);
    if (p->all_bytes) {
      memcpy(p->all_bytes, b.buf + 9, p->all_len);
      ok = true;
    }
  }
  free(b.buf);
  ippDelete(msg);
  return ok;
}

/* Makes the IPP view of one queue. */
static ipp_printer_t *ipp_printer_new(const quire_queue_t *q, long long max_doc)
{
  ipp_printer_t *p = calloc(1, sizeof(*p));
  if (!p)
    abort();
  atomic_init(&p->refs, 1);
  config_queue_copy(&p->config, &q->config);
  p->uuid = util_strdup(q->uuid);
  p->resource = util_printf("/ipp/print/%s", q->config.name);
  p->config_time = q->config_time;
  p->attrs = ipp_printer_attrs_create(&p->config, p->uuid, max_doc);
  if (!p->attrs || !ipp_printer_encode_all(p)) {
    log_error("queue %s: cannot build printer attributes", p->config.name);
    ipp_printer_release(p);
    return NULL;
  }
  return p;
}

/* Drops one reference; frees the printer with the last one. */
void ipp_printer_release(ipp_printer_t *p)
{
  if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
    return;
  config_queue_clear(&p->config);
  free(p->uuid);
  free(p->resource);
  ippDelete(p->attrs);
  free(p->all_bytes);
  free(p);
}

static ipp_printer_t *ipp_service_find(ipp_service_t *svc, const char *name);

/* Builds the printer table from the system's current queues (caller holds no lock). */
static bool ipp_service_build(ipp_service_t *svc, ipp_printer_t ***out, size_t *count,
                              unsigned *generation)
{
  quire_system_t *sys = svc->sys;
  bool ok = true;

  pthread_rwlock_rdlock(&sys->config_lock);
  ipp_printer_t **ps = calloc(sys->num_queues ? sys->num_queues : 1, sizeof(*ps));
  if (!ps)
    abort();
  for (size_t i = 0; i < sys->num_queues && ok; i++) {
    ok = (ps[i] = ipp_printer_new(&sys->queues[i], sys->config->max_document_size)) != NULL;
    /* Not shared yet, so libcups's cursor-moving lookup is safe here. */
    ipp_attribute_t *mot = ok ? ippFindAttribute(ps[i]->attrs, "multiple-operation-time-out",
                                                 IPP_TAG_INTEGER) : NULL;
    if (mot) {
      ippSetInteger(ps[i]->attrs, &mot, 0, sys->config->multiple_operation_timeout);
      free(ps[i]->all_bytes);
      ps[i]->all_bytes = NULL;
      ok = ipp_printer_encode_all(ps[i]);
    }
  }
  *count = sys->num_queues;
  *generation = sys->generation;
  pthread_rwlock_unlock(&sys->config_lock);
  if (!ok) {
    for (size_t i = 0; i < *count; i++)
      ipp_printer_release(ps[i]);
    free(ps);
    return false;
  }
  *out = ps;
  return true;
}

ipp_service_t *ipp_service_new(quire_system_t *sys)
{
  ipp_service_t *svc = calloc(1, sizeof(*svc));
  if (!svc)
    abort();
  svc->sys = sys;
  pthread_rwlock_init(&svc->lock, NULL);
  if (!ipp_service_build(svc, &svc->printers, &svc->num_printers, &svc->generation)) {
    ipp_service_free(svc);
    return NULL;
  }
  return svc;
}

/* Replaces the printer table; requests in flight keep their references to the old ones. */
void ipp_service_reload(ipp_service_t *svc)
{
  ipp_printer_t **ps = NULL, **old;
  size_t n = 0, nold;
  unsigned gen = 0;

  if (!ipp_service_build(svc, &ps, &n, &gen)) {
    log_error("reload: keeping the previous printers");
    return;
  }
  pthread_rwlock_wrlock(&svc->lock);
  old = svc->printers;
  nold = svc->num_printers;
  svc->printers = ps;
  svc->num_printers = n;
  svc->generation = gen;
  pthread_rwlock_unlock(&svc->lock);
  for (size_t i = 0; i < nold; i++)
    ipp_printer_release(old[i]);
  free(old);
  log_info("reload: %zu queue(s) served", n);
}

void ipp_service_free(ipp_service_t *svc)
{
  if (!svc)
    return;
  for (size_t i = 0; i < svc->num_printers; i++)
    ipp_printer_release(svc->printers[i]);
  free(svc->printers);
  pthread_rwlock_destroy(&svc->lock);
  free(svc);
}

/* True when the system's queues changed since the printers were built. */
static bool ipp_service_stale(ipp_service_t *svc)
{
  pthread_rwlock_rdlock(&svc->sys->config_lock);
  unsigned gen = svc->sys->generation;
  pthread_rwlock_unlock(&svc->sys->config_lock);
  pthread_rwlock_rdlock(&svc->lock);
  bool stale = gen != svc->generation;
  pthread_rwlock_unlock(&svc->lock);
  return stale;
}

/* Finds a printer by name (NULL or "": the first) and takes a reference. A request that
 * arrives between a configuration reload and the rebuild of the printers rebuilds them
 * itself, so a queue is served as soon as the system lists it. */
ipp_printer_t *ipp_service_printer(ipp_service_t *svc, const char *name)
{
  ipp_printer_t *found = ipp_service_find(svc, name);

  if (!found && ipp_service_stale(svc)) {
    ipp_service_reload(svc);
    found = ipp_service_find(svc, name);
  }
  return found;
}

/* Looks a printer up in the current table and takes a reference. */
static ipp_printer_t *ipp_service_find(ipp_service_t *svc, const char *name)
{
  ipp_printer_t *found = NULL;

  pthread_rwlock_rdlock(&svc->lock);
  for (size_t i = 0; i < svc->num_printers && !found; i++)
    if (!name || !*name || !strcmp(svc->printers[i]->config.name, name))
      found = svc->printers[i];
  if (found)
    atomic_fetch_add(&found->refs, 1);
  pthread_rwlock_unlock(&svc->lock);
  return found;
}

/* One printer's attributes as seen from host:port: dynamic first, then the static set. */
static ipp_t *ipp_printer_describe(ipp_printer_t *p, quire_system_t *sys, const char *host,
                                   int port, bool tls)
{
  ipp_t *attrs = ippNew();
  ipp_printer_dynamic_t dyn = {
    .host = host, .port = port, .tls_available = tls, .tls_port = port, .resource = p->resource,
    .state = IPP_PSTATE_IDLE, .state_reasons = "none", .accepting = true,
    .start_time = sys->start_time, .config_time = p->config_time, .state_time = sys->start_time};

  if (!attrs)
    return NULL;
  ipp_printer_attrs_add_dynamic(attrs, &dyn, p->config.auth_basic, NULL);
  ipp_printer_attrs_copy(attrs, p->attrs, NULL, NULL);
  return attrs;
}

ipp_t **ipp_service_describe(ipp_service_t *svc, const char *host, int port, bool tls,
                             size_t *count)
{
  ipp_t **out = NULL;

  *count = 0;
  if (ipp_service_stale(svc))
    ipp_service_reload(svc);
  pthread_rwlock_rdlock(&svc->lock);
  if (svc->num_printers && !(out = calloc(svc->num_printers, sizeof(*out))))
    abort();
  for (size_t i = 0; i < svc->num_printers; i++)
    if ((out[*count] = ipp_printer_describe(svc->printers[i], svc->sys, host, port, tls)))
      (*count)++;
  pthread_rwlock_unlock(&svc->lock);
  return out;
}

int ipp_name_cmp(void *a, void *b, void *data)
{
  (void)data;
  return strcmp(a, b);
}
