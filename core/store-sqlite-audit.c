/*
 * store-sqlite-audit.c: the audit schema area of the SQLite store (store-audit.h): the
 * `audit` table, its SQL and its rows.
 */
#include "store-audit.h"
#include "store-private.h"

#include "util.h"

#include <stdlib.h>

/* ---- schema ------------------------------------------------------------------------------- */

static const char *const audit_migrations[] = {
  /* 1: the audit log of admin actions */
  "CREATE TABLE audit ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  time INTEGER NOT NULL,"
  "  actor TEXT NOT NULL, remote TEXT NOT NULL DEFAULT '',"
  "  action TEXT NOT NULL, target TEXT NOT NULL DEFAULT '',"
  "  status INTEGER NOT NULL, detail TEXT NOT NULL DEFAULT '');"
  "CREATE INDEX audit_actor ON audit (actor, id);",
};

const store_area_t store_area_audit = {
  "audit", audit_migrations, sizeof(audit_migrations) / sizeof(audit_migrations[0])
};

#define AUDIT_COLUMNS "id, time, actor, remote, action, target, status, detail"

static const char SQL_AUDIT_ADD[] =
  "INSERT INTO audit (time, actor, remote, action, target, status, detail) "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_AUDIT_LIST[] =
  "SELECT " AUDIT_COLUMNS " FROM audit WHERE (?1 = 0 OR id < ?1) AND (?3 IS NULL OR actor = ?3) "
  "ORDER BY id DESC LIMIT ?2";

/* ---- rows --------------------------------------------------------------------------------- */

void store_audit_free(store_audit_t *rec)
{
  if (!rec)
    return;
  free(rec->actor);
  free(rec->remote);
  free(rec->action);
  free(rec->target);
  free(rec->detail);
  free(rec);
}

void store_audits_free(store_audit_t **recs, size_t count)
{
  for (size_t i = 0; recs && i < count; i++)
    store_audit_free(recs[i]);
  free(recs);
}

/* One row of SQL_AUDIT_LIST as a record (caller frees). */
static void *audit_row(sqlite3_stmt *st)
{
  store_audit_t *r = calloc(1, sizeof(*r));
  if (!r)
    abort();
  r->id = sqlite3_column_int64(st, 0);
  r->time = (time_t)sqlite3_column_int64(st, 1);
  r->actor = store_col_text(st, 2);
  r->remote = store_col_text(st, 3);
  r->action = store_col_text(st, 4);
  r->target = store_col_text(st, 5);
  r->status = sqlite3_column_int(st, 6);
  r->detail = store_col_text(st, 7);
  return r;
}

/* ---- operations --------------------------------------------------------------------------- */

/* Arguments of one append on the writer connection. */
typedef struct audit_add_s {
  store_audit_t *rec;
} audit_add_t;

/* Inserts the record and reads its id back (on the writer, inside the batch). */
static bool audit_add_call(store_conn_t *c, void *arg)
{
  store_audit_t *r = ((audit_add_t *)arg)->rec;
  bool ok = store_exec_args(c, SQL_AUDIT_ADD,
                            STORE_ARGS(STORE_INT(r->time), STORE_TEXT(r->actor),
                                       STORE_TEXT(r->remote ? r->remote : ""),
                                       STORE_TEXT(r->action),
                                       STORE_TEXT(r->target ? r->target : ""),
                                       STORE_INT(r->status),
                                       STORE_TEXT(r->detail ? r->detail : "")),
                            NULL);
  if (ok)
    r->id = store_last_id(c);
  return ok;
}

bool store_audit_add(store_t *store, store_audit_t *rec)
{
  audit_add_t a = {rec};
  if (!rec->time)
    rec->time = time(NULL);
  return store_write(store, audit_add_call, &a);
}

store_audit_t **store_audit_list(store_t *store, int64_t before, int limit, const char *actor,
                                 size_t *count)
{
  return (store_audit_t **)store_select(
    store, SQL_AUDIT_LIST,
    STORE_ARGS(STORE_INT(before > 0 ? before : 0), STORE_INT(limit), STORE_TEXT(actor)),
    audit_row, (void (*)(void *))store_audit_free, count);
}
