/*
 * api-users.h: users and groups in the admin JSON API (api-users.c): GET/POST /api/users,
 * GET/PUT/DELETE /api/users/NAME, POST /api/users/NAME/pin, POST /api/users/NAME/unlock,
 * POST/DELETE /api/users/NAME/cards, POST /api/users/import, GET /api/groups. Admin token or
 * an admin's web session (session.h). Documented in docs/api.md.
 */
#ifndef QUIRE_API_USERS_H
#define QUIRE_API_USERS_H

#include "web.h"

/* The routes served by api-users.c (web.h). */
extern const web_route_t api_users_routes[];

#endif
