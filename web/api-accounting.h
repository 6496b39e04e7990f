/*
 * api-accounting.h: prices, quotas, balances and accounts in the admin JSON API
 * (api-accounting.c): GET /api/prices, PUT/DELETE /api/prices/LIST/MEDIA, PUT
 * /api/devices/NAME/price-list, GET/PUT/DELETE /api/quotas, GET /api/balances, POST
 * /api/balances/NAME, GET/POST /api/accounts, DELETE /api/accounts/NAME. Admin token or an
 * admin's web session (session.h). Documented in docs/api.md.
 */
#ifndef QUIRE_API_ACCOUNTING_H
#define QUIRE_API_ACCOUNTING_H

#include "web.h"

/* The routes served by api-accounting.c (web.h). Searched before api_devices_routes, whose
 * "/api/devices/" "*" would take /api/devices/NAME/price-list. */
extern const web_route_t api_accounting_routes[];

#endif
