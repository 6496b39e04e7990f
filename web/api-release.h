/*
 * api-release.h: the release API for MFD terminals, kiosks and the web portal (api-release.c,
 * docs/api.md "Release API").
 */
#ifndef QUIRE_API_RELEASE_H
#define QUIRE_API_RELEASE_H

#include "web.h"

/* The routes served by api-release.c (web.h). */
extern const web_route_t api_release_routes[];

#endif
