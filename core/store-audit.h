/*
 * store-audit.h: the audit log of administrative actions in the store (store.h): who changed
 * what, from where, when, and whether it worked. Written by the web layer for every admin
 * state change (web/audit.c); read by the console's audit page and `GET /api/audit`.
 *
 * The log only grows; rows are never edited. Secrets never reach it (the caller redacts them).
 */
#ifndef QUIRE_STORE_AUDIT_H
#define QUIRE_STORE_AUDIT_H

#include "store.h"

#include <stdint.h>
#include <time.h>

/* One audit record. */
typedef struct store_audit_s {
  int64_t id;
  time_t time;
  char *actor;         /* user name, or "admin-token" for the CLI's bearer token */
  char *remote;        /* client address */
  char *action;        /* "POST /api/devices" */
  char *target;        /* what it acted on ("floor1", "job 12"), may be "" */
  int status;          /* HTTP status of the answer */
  char *detail;        /* the request's parameters with secrets removed (JSON text), may be "" */
} store_audit_t;

/* Appends `rec` (id and, when 0, time are filled in). Durable when it returns true. */
bool store_audit_add(store_t *store, store_audit_t *rec);

/* Records newest first: at most `limit`, with id below `before` (0: from the newest), and
 * when `actor` is not NULL, only that actor's. NULL on error; *count set. Free with
 * store_audits_free. */
store_audit_t **store_audit_list(store_t *store, int64_t before, int limit, const char *actor,
                                 size_t *count);

void store_audit_free(store_audit_t *rec);
void store_audits_free(store_audit_t **recs, size_t count);

#endif
