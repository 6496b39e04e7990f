/*
 * http.h: quired's one HTTP server (libmicrohttpd, one thread per connection): IPP at
 * /ipp/print[/NAME], the web console and its JSON API, the admin API at /api/, and the queue
 * icon; on the plain port and, when TLS is on, the same on the TLS port (HTTPS, IPPS).
 */
#ifndef QUIRE_HTTP_H
#define QUIRE_HTTP_H

#include <stdbool.h>

#include "../core/system.h"
#include "../ipp/ipp.h"

typedef struct http_server_s http_server_t;

/* Starts listening on the configured address and port, and on tls-port with the certificate
 * of DATA/tls/ (made on first start) unless tls-port is 0. Returns NULL with *err (malloc'd)
 * on failure. The caller stops and frees it with http_server_stop. */
http_server_t *http_server_start(quire_system_t *sys, ipp_service_t *ipp, char **err);

/* The port of the TLS listener, 0 when there is none. */
int http_server_tls_port(const http_server_t *srv);

/* True when the TLS library that serves connections (GnuTLS inside libmicrohttpd) accepts
 * this PEM pair; false with *err (malloc'd) otherwise. Nothing is changed. */
bool http_server_tls_try(const char *cert_pem, const char *key_pem, char **err);

/* Serves the certificate store's current pair on the TLS port from now on, without closing
 * the port: the listening socket is handed to a new TLS daemon, and the old one finishes its
 * requests in progress (in its own thread) before it stops. False with *err when the new
 * daemon cannot start; then the old pair is served again. */
bool http_server_tls_reload(http_server_t *srv, char **err);

/* Stops accepting connections, lets requests in progress finish for up to `grace` seconds,
 * then closes everything (partial uploads are dropped without leaving files). */
void http_server_stop(http_server_t *srv, int grace);

#endif
