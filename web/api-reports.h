/*
 * api-reports.h: accounting reports and the journal in the admin API (api-reports.c).
 */
#ifndef QUIRE_API_REPORTS_H
#define QUIRE_API_REPORTS_H

#include "web.h"

/* The routes served by api-reports.c (web.h). */
extern const web_route_t api_reports_routes[];

#endif
