/*
 * api.h: the admin JSON API (GET /api/status, /api/queues, /api/jobs), used by the `quire`
 * command-line tool. Every call needs "Authorization: Bearer <DATA/admin.token>".
 */
#ifndef QUIRE_API_H
#define QUIRE_API_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/system.h"

/* Answers one API GET. Sets *status (200, 401, 404) and *type; returns a malloc'd body owned by
 * the caller. `query_*` are the query parameters (NULL when absent); `auth` the Authorization
 * header. `host`/`port` build the URIs. */
char *api_handle(quire_system_t *sys, const char *path, const char *auth, const char *q_which,
                 const char *q_queue, const char *host, int port, int *status);

/* Renders the small HTML status page served at "/". Caller frees. */
char *api_status_page(quire_system_t *sys);

/* The queue icon (printer-icons) as PNG, drawn once with cairo; static, not to be freed. */
const unsigned char *api_icon_png(size_t *len);

#endif
