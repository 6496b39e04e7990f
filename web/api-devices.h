/*
 * api-devices.h: the admin JSON API of devices and deliveries (api-devices.c): GET/POST
 * /api/devices, GET/DELETE /api/devices/NAME, POST /api/jobs/ID/release, GET
 * /api/jobs/ID/deliveries, POST /api/devices/NAME/test-page. Every call needs the admin token
 * or an admin's session (with its CSRF token on changes).
 * Documented in docs/api.md.
 */
#ifndef QUIRE_API_DEVICES_H
#define QUIRE_API_DEVICES_H

#include "web.h"

/* The routes served by api-devices.c (web.h). */
extern const web_route_t api_devices_routes[];

#endif
