/*
 * http.h: quired's one HTTP server (libmicrohttpd, one thread per connection): IPP at
 * /ipp/print[/NAME], the admin JSON API at /api/, a status page at / and the queue icon.
 */
#ifndef QUIRE_HTTP_H
#define QUIRE_HTTP_H

#include <stdbool.h>

#include "../core/system.h"
#include "../ipp/ipp.h"

typedef struct http_server_s http_server_t;

/* Starts listening on the configured address and port. Returns NULL with *err (malloc'd) on
 * failure. The caller stops and frees it with http_server_stop. */
http_server_t *http_server_start(quire_system_t *sys, ipp_service_t *ipp, char **err);

/* Stops accepting connections, lets requests in progress finish for up to `grace` seconds,
 * then closes everything (partial uploads are dropped without leaving files). */
void http_server_stop(http_server_t *srv, int grace);

#endif
