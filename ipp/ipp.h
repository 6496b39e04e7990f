/*
 * ipp.h: quire's IPP service (IPP/1.1 and 2.0 over any HTTP transport).
 *
 * The HTTP server (web/http.c) hands each POST of application/ipp to an ipp_exchange_t and
 * feeds it the request body as it arrives; the exchange parses the IPP attributes with libcups,
 * validates them, streams any document straight into the spool and, at the end, produces the
 * encoded IPP response. Nothing here knows about libmicrohttpd.
 */
#ifndef QUIRE_IPP_H
#define QUIRE_IPP_H

#include <cups/ipp.h>
#include <stdbool.h>
#include <stddef.h>

#include "../core/system.h"

typedef struct ipp_service_s ipp_service_t;
typedef struct ipp_exchange_s ipp_exchange_t;

/* What the transport knows about one request. Strings are borrowed for the call. */
typedef struct ipp_http_info_s {
  const char *resource;       /* request path, e.g. "/ipp/print/default" */
  const char *host;           /* Host header without port ("localhost" if none) */
  int port;                   /* port the client connected to (from the Host header) */
  bool tls;                   /* the request came over TLS (ipps://) */
  int other_port;             /* the listening port of the other scheme (TLS for a plain
                               * request and the reverse), 0 when there is none */
  const char *basic_user;     /* HTTP Basic credentials, NULL if none were sent */
  const char *basic_password;
  const char *remote;         /* client address, for logs */
} ipp_http_info_t;

/* What the transport should do after feeding data. */
typedef enum ipp_feed_e {
  IPP_FEED_CONTINUE,          /* keep sending body data */
  IPP_FEED_RESPOND            /* the response is ready now; discard the rest of the body */
} ipp_feed_t;

/* Creates the service for `sys`, building every queue's static attributes. Caller frees. */
ipp_service_t *ipp_service_new(quire_system_t *sys);

/* Rebuilds the printers after system_reload (queues added, removed or changed). */
void ipp_service_reload(ipp_service_t *svc);

void ipp_service_free(ipp_service_t *svc);

/* Returns the printer attributes of every queue, in configuration order, as Get-Printer-
 * Attributes with requested-attributes "all" answers a client that reached this appliance at
 * `host`:`port` (URIs built from them). DNS-SD builds its TXT records from these, so the two
 * cannot disagree. Returns a malloc'd array of *count new ipp_t (caller frees each with
 * ippDelete, then the array), or NULL with *count 0 when there are no queues. */
ipp_t **ipp_service_describe(ipp_service_t *svc, const char *host, int port, bool tls,
                             size_t *count);

/* Starts one request. Owned by the caller; end it with ipp_exchange_free. */
ipp_exchange_t *ipp_exchange_new(ipp_service_t *svc, const ipp_http_info_t *info);

/* Feeds `len` body bytes. */
ipp_feed_t ipp_exchange_feed(ipp_exchange_t *ex, const void *data, size_t len);

/* Ends the request (the whole body was received, or IPP_FEED_RESPOND was returned) and
 * returns the encoded response (owned by the exchange, valid until ipp_exchange_free), its
 * HTTP status (200, or 400/401/413 when no IPP answer fits) and, for 401, sets *auth_realm. */
const unsigned char *ipp_exchange_finish(ipp_exchange_t *ex, size_t *len, int *http_status);

/* Drops the request: aborts a partial document (client vanished) and frees everything. */
void ipp_exchange_free(ipp_exchange_t *ex);

#endif
