/*
 * setup.h: the first-boot set-up pages (core/setup.h holds the state). While the set-up is
 * pending, "/" and /setup show a form that asks for the one-time set-up code shown on the
 * console, then for the admin password, the appliance name, its role (standalone, or site
 * with the central URL and an enrolment token) and its network (DHCP, or a static address).
 * Every POST carries the code, checked again each time. Once done, /setup answers 410 and "/"
 * is the status page again.
 */
#ifndef QUIRE_WEB_SETUP_H
#define QUIRE_WEB_SETUP_H

#include "web.h"

/* The routes served by setup.c (web.h); listed before the other tables, since "/" is its. */
extern const web_route_t setup_routes[];

#endif
