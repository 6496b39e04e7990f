/*
 * api-dashboard.h: the admin dashboard's parts of GET /api/status (api.c): today's figures
 * from the journal, free space of the spool, the devices that can print, and an alert per
 * device that is unreachable, stopped or in error, or low on a supply (waste tanks excepted).
 * docs/api.md.
 */
#ifndef QUIRE_API_DASHBOARD_H
#define QUIRE_API_DASHBOARD_H

#include "web.h"

#include "../core/device.h"

#define API_DASHBOARD_LOW_MARKER 10  /* a supply at or below this level (%) is an alert */

/* Jobs received since local midnight, counted by the caller from its job listing. */
typedef struct api_dashboard_jobs_s {
  int received;    /* submitted today (every job is held on arrival) */
  int held;        /* of them, still held */
} api_dashboard_jobs_t;

/* Local midnight of today. */
time_t api_dashboard_midnight(void);

/* Adds "today", "spool_free_bytes" and "devices" to the object being built; `devs` (n of
 * them, NULL when they could not be read) is the caller's device_list. */
void api_dashboard_status(const web_ctx_t *ctx, JsonBuilder *b, const api_dashboard_jobs_t *jobs,
                          device_t *const *devs, size_t n);

/* Adds one alert object per problem of the devices `devs` to the array being built (one
 * error alert when `devs` is NULL: they could not be read). */
void api_dashboard_alerts(JsonBuilder *b, device_t *const *devs, size_t n);

#endif
