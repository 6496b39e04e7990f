/*
 * tls-api.h: the admin API of the TLS certificate (GET and PUT /api/tls/certificate, POST
 * /api/tls/self-signed) and the certificate's expiry alert for /api/status.
 */
#ifndef QUIRE_WEB_TLS_API_H
#define QUIRE_WEB_TLS_API_H

#include "web.h"

/* The routes served by tls-api.c (admin only). */
extern const web_route_t web_tls_routes[];

/* Adds to the array being built by `b` an alert object {"level", "source", "message"} when
 * the certificate expires within tls-expiry-warning days (logged at most once a day). */
void web_tls_alerts(const web_ctx_t *ctx, JsonBuilder *b);

#endif
