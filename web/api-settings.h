/*
 * api-settings.h: the settings an admin changes from the web console (api-settings.c):
 * GET /api/settings and PUT /api/settings. Values are kept in the store, override the
 * configuration file and take effect at once (system_console_apply); the keys are in
 * core/settings.c. Admin only. Documented in docs/api.md.
 */
#ifndef QUIRE_API_SETTINGS_H
#define QUIRE_API_SETTINGS_H

#include "web.h"

/* The routes served by api-settings.c (web.h). */
extern const web_route_t api_settings_routes[];

#endif
