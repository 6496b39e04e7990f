/*
 * api.h: the admin JSON API (GET /api/status, /api/jobs, /api/jobs/ID/analysis, /api/dnssd;
 * GET /api/queues is in api-queues.c), used by the `quire` command-line tool, plus the status
 * page at "/status" and the queue icon. Every API call needs "Authorization: Bearer <DATA/admin.token>" or an admin's
 * web session (session.h).
 */
#ifndef QUIRE_API_H
#define QUIRE_API_H

#include "web.h"

/* The routes served by api.c (web.h). */
extern const web_route_t api_admin_routes[];

#endif
