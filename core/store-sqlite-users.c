/*
 * store-sqlite-users.c: the users area of the SQLite store (store-users.h): users, group
 * memberships, PIN/card credentials and failed-login counters. Its SQL and migrations live
 * here; writes run inside the writer's group-commit batch (store_write).
 */
#include "store-users.h"
#include "store-private.h"

#include "log.h"
#include "util.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

/* ---- schema ------------------------------------------------------------------------------- */

static const char *const users_migrations[] = {
  /* 1: profiles, lockout, groups and secondary credentials (issue 5) */
  "ALTER TABLE users ADD COLUMN email TEXT;"
  "ALTER TABLE users ADD COLUMN restricted INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE users ADD COLUMN locked_until INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE users ADD COLUMN last_login INTEGER NOT NULL DEFAULT 0;"
  "CREATE TABLE user_groups ("
  "  user TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE ON UPDATE CASCADE,"
  "  grp TEXT NOT NULL,"
  "  PRIMARY KEY (user, grp));"
  "CREATE INDEX user_groups_grp ON user_groups (grp);"
  "CREATE TABLE credentials ("
  "  id INTEGER PRIMARY KEY,"
  "  user TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE ON UPDATE CASCADE,"
  "  kind INTEGER NOT NULL,"
  "  lookup TEXT NOT NULL UNIQUE,"
  "  hash TEXT NOT NULL,"
  "  created INTEGER NOT NULL);"
  "CREATE INDEX credentials_user ON credentials (user, kind);",
};

const store_area_t store_area_users = {
  "users", users_migrations, sizeof(users_migrations) / sizeof(users_migrations[0])};

#define USER_COLUMNS                                                                           \
  "name, full_name, email, password_hash, admin, restricted, created, failed_logins, "        \
  "locked_until, last_login, "                                                                \
  "(SELECT group_concat(grp, ',') FROM (SELECT grp FROM user_groups g "                       \
  "WHERE g.user = users.name ORDER BY grp))"

static const char SQL_PUT[] =
  "INSERT INTO users (name, full_name, email, password_hash, admin, restricted, created) "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (name) DO UPDATE SET "
  "full_name = excluded.full_name, email = excluded.email, "
  "password_hash = excluded.password_hash, admin = excluded.admin, "
  "restricted = excluded.restricted";
static const char SQL_GROUPS_CLEAR[] = "DELETE FROM user_groups WHERE user = ?1";
static const char SQL_GROUP_ADD[] =
  "INSERT INTO user_groups (user, grp) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
static const char SQL_GET[] = "SELECT " USER_COLUMNS " FROM users WHERE name = ?1";
static const char SQL_LIST[] = "SELECT " USER_COLUMNS " FROM users ORDER BY name";
static const char SQL_DELETE[] = "DELETE FROM users WHERE name = ?1";
static const char SQL_LOGIN_OK[] =
  "UPDATE users SET failed_logins = 0, locked_until = 0, last_login = ?2 WHERE name = ?1";
static const char SQL_LOGIN_FAIL[] =
  "UPDATE users SET failed_logins = failed_logins + 1, "
  "locked_until = CASE WHEN ?2 > 0 AND failed_logins + 1 >= ?2 THEN ?3 ELSE locked_until END "
  "WHERE name = ?1 RETURNING failed_logins, locked_until";
static const char SQL_UNLOCK[] =
  "UPDATE users SET failed_logins = 0, locked_until = 0 WHERE name = ?1";
static const char SQL_MEMBERS[] = "SELECT user FROM user_groups WHERE grp = ?1 ORDER BY user";
static const char SQL_CRED_ADD[] =
  "INSERT INTO credentials (user, kind, lookup, hash, created) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_CRED_FIND[] =
  "SELECT user, kind, hash, created FROM credentials WHERE lookup = ?1";
static const char SQL_CRED_CLEAR[] = "DELETE FROM credentials WHERE user = ?1 AND kind = ?2";
static const char SQL_CRED_COUNT[] =
  "SELECT COUNT(*) FROM credentials WHERE user = ?1 AND kind = ?2";
static const char SQL_USER_EXISTS[] = "SELECT COUNT(*) FROM users WHERE name = ?1";
static const char SQL_CRED_TAKEN[] = "SELECT COUNT(*) FROM credentials WHERE lookup = ?1";

/* ---- rows --------------------------------------------------------------------------------- */

static void *users_row(sqlite3_stmt *st)
{
  store_user_t *u = calloc(1, sizeof(*u));
  if (!u)
    abort();
  u->name = store_col_text(st, 0);
  u->full_name = store_col_text(st, 1);
  u->email = store_col_text(st, 2);
  u->password_hash = store_col_text(st, 3);
  u->admin = sqlite3_column_int(st, 4) != 0;
  u->restricted = sqlite3_column_int(st, 5) != 0;
  u->created = (time_t)sqlite3_column_int64(st, 6);
  u->failed_logins = sqlite3_column_int(st, 7);
  u->locked_until = (time_t)sqlite3_column_int64(st, 8);
  u->last_login = (time_t)sqlite3_column_int64(st, 9);
  u->groups = store_col_text(st, 10);
  if (!u->groups)
    u->groups = util_strdup("");
  return u;
}

static void users_drop(void *p)
{
  store_user_free(p);
}

static void *users_row_string(sqlite3_stmt *st)
{
  return store_col_text(st, 0);
}

static void users_drop_string(void *p)
{
  free(p);
}

/* ---- writes ------------------------------------------------------------------------------- */

/* Replaces the group memberships of `name` with the comma-separated `groups`. */
static bool users_write_groups(store_conn_t *c, const char *name, const char *groups)
{
  if (!store_exec_args(c, SQL_GROUPS_CLEAR, STORE_ARGS(STORE_TEXT(name)), NULL))
    return false;
  gchar **list = g_strsplit(groups ? groups : "", ",", -1);
  bool ok = true;
  for (gchar **g = list; ok && *g; g++) {
    g_strstrip(*g);
    if (**g)
      ok = store_exec_args(c, SQL_GROUP_ADD, STORE_ARGS(STORE_TEXT(name), STORE_TEXT(*g)), NULL);
  }
  g_strfreev(list);
  return ok;
}

static bool users_put_fn(store_conn_t *c, void *arg)
{
  const store_user_t *u = arg;
  return store_exec_args(c, SQL_PUT,
                         STORE_ARGS(STORE_TEXT(u->name), STORE_TEXT(u->full_name),
                                    STORE_TEXT(u->email), STORE_TEXT(u->password_hash),
                                    STORE_INT(u->admin), STORE_INT(u->restricted),
                                    STORE_INT(u->created ? u->created : time(NULL))),
                         NULL) &&
         users_write_groups(c, u->name, u->groups);
}

bool store_user_put(store_t *store, const store_user_t *user)
{
  if (!user || !user->name)
    return false;
  return store_write(store, users_put_fn, (void *)user);
}

/* Runs a one-row change bound with `name` (and `num` when with_num); true if it changed it. */
static bool users_change_one(store_t *store, const char *sql, const char *name, int64_t num,
                             bool with_num)
{
  int changes = 0;
  bool ok = with_num ? store_update(store, sql, STORE_ARGS(STORE_TEXT(name), STORE_INT(num)),
                                    &changes)
                     : store_update(store, sql, STORE_ARGS(STORE_TEXT(name)), &changes);
  return ok && changes == 1;
}

bool store_user_delete(store_t *store, const char *name)
{
  return name && users_change_one(store, SQL_DELETE, name, 0, false);
}

bool store_user_unlock(store_t *store, const char *name)
{
  return name && users_change_one(store, SQL_UNLOCK, name, 0, false);
}

/* Arguments and results of a failed-login write. */
typedef struct users_login_s {
  const char *name;
  int max_failures;
  time_t lock_value;
  int failures;
  time_t locked_until;
  bool found;
} users_login_t;

static bool users_login_fail_fn(store_conn_t *c, void *arg)
{
  users_login_t *l = arg;
  sqlite3_stmt *st = store_prepare(c, SQL_LOGIN_FAIL);
  int rc = SQLITE_OK;
  if (!st)
    return false;
  store_bind_text(st, 1, l->name, &rc);
  store_bind_int(st, 2, l->max_failures, &rc);
  store_bind_int(st, 3, l->lock_value, &rc);
  if (!store_bound(c, st, rc, "bind login failure"))
    return false;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    l->found = true;
    l->failures = sqlite3_column_int(st, 0);
    l->locked_until = (time_t)sqlite3_column_int64(st, 1);
    rc = sqlite3_step(st);
  }
  if (rc != SQLITE_DONE)
    store_log(c->db, "record login failure");
  store_stmt_done(st);
  return rc == SQLITE_DONE;
}

bool store_user_login_result(store_t *store, const char *name, bool ok, int max_failures,
                             int lock_seconds, int *failures, time_t *locked_until)
{
  *failures = 0;
  *locked_until = 0;
  if (!name)
    return false;
  if (ok) {
    return users_change_one(store, SQL_LOGIN_OK, name, time(NULL), true);
  }
  users_login_t l = {.name = name, .max_failures = max_failures,
                     .lock_value = lock_seconds > 0 ? time(NULL) + lock_seconds : -1};
  if (!store_write(store, users_login_fail_fn, &l) || !l.found)
    return false;
  *failures = l.failures;
  *locked_until = l.locked_until;
  return true;
}

/* Arguments and result of a credential insert. */
typedef struct users_cred_add_s {
  const char *user, *lookup, *hash;
  store_cred_kind_t kind;
  store_cred_result_t result;
} users_cred_add_t;

static bool users_cred_add_fn(store_conn_t *c, void *arg)
{
  users_cred_add_t *a = arg;
  int64_t n = 0;
  if (!store_query_int(c, SQL_USER_EXISTS, STORE_ARGS(STORE_TEXT(a->user)), &n))
    return false;
  if (n == 0) {
    a->result = STORE_CRED_NO_USER;
    return true;
  }
  int64_t taken = 0;
  if (!store_query_int(c, SQL_CRED_TAKEN, STORE_ARGS(STORE_TEXT(a->lookup)), &taken))
    return false;
  if (taken) {
    a->result = STORE_CRED_DUPLICATE;
    return true;
  }
  if (!store_exec_args(c, SQL_CRED_ADD,
                       STORE_ARGS(STORE_TEXT(a->user), STORE_INT(a->kind), STORE_TEXT(a->lookup),
                                  STORE_TEXT(a->hash), STORE_INT(time(NULL))),
                       NULL))
    return false;
  a->result = STORE_CRED_ADDED;
  return true;
}

store_cred_result_t store_cred_add(store_t *store, const char *user, store_cred_kind_t kind,
                                   const char *lookup, const char *hash)
{
  users_cred_add_t a = {user, lookup, hash, kind, STORE_CRED_ERROR};
  if (!user || !lookup || !hash || !store_write(store, users_cred_add_fn, &a))
    return STORE_CRED_ERROR;
  return a.result;
}

bool store_cred_clear(store_t *store, const char *user, store_cred_kind_t kind, int *removed)
{
  int changes = 0;
  bool ok = user && store_update(store, SQL_CRED_CLEAR,
                                 STORE_ARGS(STORE_TEXT(user), STORE_INT(kind)), &changes);
  if (removed)
    *removed = changes;
  return ok;
}

/* ---- reads -------------------------------------------------------------------------------- */

/* Rows made by `row` of a query bound with `text` (or nothing when NULL); NULL on error. */
static void **users_query(store_t *store, const char *sql, const char *text,
                          void *(*row)(sqlite3_stmt *), void (*drop)(void *), size_t *count)
{
  if (!text)
    return store_select(store, sql, NULL, 0, row, drop, count);
  return store_select(store, sql, STORE_ARGS(STORE_TEXT(text)), row, drop, count);
}

store_user_t *store_user_get(store_t *store, const char *name)
{
  size_t n = 0;
  if (!name)
    return NULL;
  store_user_t **rows = (store_user_t **)users_query(store, SQL_GET, name, users_row,
                                                     users_drop, &n);
  store_user_t *u = n ? rows[0] : NULL;
  for (size_t i = 1; i < n; i++)
    store_user_free(rows[i]);
  free(rows);
  return u;
}

store_user_t **store_user_list(store_t *store, size_t *count)
{
  return (store_user_t **)users_query(store, SQL_LIST, NULL, users_row, users_drop, count);
}

char **store_group_members(store_t *store, const char *group, size_t *count)
{
  return (char **)users_query(store, SQL_MEMBERS, group, users_row_string, users_drop_string,
                              count);
}

static void *users_row_cred(sqlite3_stmt *st)
{
  store_cred_t *c = calloc(1, sizeof(*c));
  if (!c)
    abort();
  c->user = store_col_text(st, 0);
  c->kind = (store_cred_kind_t)sqlite3_column_int(st, 1);
  c->hash = store_col_text(st, 2);
  c->created = (time_t)sqlite3_column_int64(st, 3);
  return c;
}

static void users_drop_cred(void *p)
{
  store_cred_free(p);
}

store_cred_t *store_cred_find(store_t *store, const char *lookup)
{
  size_t n = 0;
  if (!lookup)
    return NULL;
  store_cred_t **rows = (store_cred_t **)users_query(store, SQL_CRED_FIND, lookup,
                                                     users_row_cred, users_drop_cred, &n);
  store_cred_t *c = n ? rows[0] : NULL;
  free(rows);
  return c;
}

int store_cred_count(store_t *store, const char *user, store_cred_kind_t kind)
{
  int64_t n = 0;
  return user && store_select_int(store, SQL_CRED_COUNT,
                                  STORE_ARGS(STORE_TEXT(user), STORE_INT(kind)), &n)
           ? (int)n : -1;
}

/* ---- freeing ------------------------------------------------------------------------------ */

void store_user_free(store_user_t *user)
{
  if (!user)
    return;
  free(user->name);
  free(user->full_name);
  free(user->email);
  free(user->groups);
  free(user->password_hash);
  free(user);
}

void store_users_free(store_user_t **users, size_t count)
{
  for (size_t i = 0; users && i < count; i++)
    store_user_free(users[i]);
  free(users);
}

void store_cred_free(store_cred_t *cred)
{
  if (!cred)
    return;
  free(cred->user);
  free(cred->hash);
  free(cred);
}
