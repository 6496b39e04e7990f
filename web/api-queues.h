/*
 * api-queues.h: queues managed from the admin console (api-queues.c): GET/POST /api/queues,
 * PUT/DELETE /api/queues/NAME. Queues added there are kept in the store (core/store-queues.h)
 * and merged with the configuration file's; a file queue may be edited or removed too. Every
 * change reaches IPP and DNS-SD at once (system_console_apply). Admin only (the bearer token or
 * an admin's session with its CSRF token). Documented in docs/api.md.
 */
#ifndef QUIRE_API_QUEUES_H
#define QUIRE_API_QUEUES_H

#include "web.h"

/* The routes served by api-queues.c (web.h); searched before api_admin_routes. */
extern const web_route_t api_queues_routes[];

#endif
