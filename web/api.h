/*
 * api.h: the admin JSON API (GET /api/status, /api/queues, /api/jobs, /api/dnssd), used by the
 * `quire` command-line tool. Every call needs "Authorization: Bearer <DATA/admin.token>".
 */
#ifndef QUIRE_API_H
#define QUIRE_API_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/system.h"
#include "../ipp/ipp.h"

/* One API GET as the HTTP server received it. Strings are borrowed for the call. */
typedef struct api_request_s {
  const char *path;      /* "/api/..." */
  const char *auth;      /* Authorization header, NULL if none */
  const char *q_which;   /* query parameters, NULL when absent */
  const char *q_queue;
  const char *q_host;
  const char *q_port;
  const char *host;      /* how the client reached us (Host header), to build URIs */
  int port;
} api_request_t;

/* Answers one API GET. Sets *status (200, 400, 401, 404); returns a malloc'd JSON body owned
 * by the caller. */
char *api_handle(quire_system_t *sys, ipp_service_t *ipp, const api_request_t *req,
                 int *status);

/* Renders the small HTML status page served at "/". Caller frees. */
char *api_status_page(quire_system_t *sys);

/* The queue icon (printer-icons) as PNG, drawn once with cairo; static, not to be freed. */
const unsigned char *api_icon_png(size_t *len);

#endif
