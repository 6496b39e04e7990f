/*
 * store-sqlite-accounting.c: the accounting area of the SQLite store (store-accounting.h):
 * prices, accounts, balances, quotas, the append-only journal and the report queries.
 */
#include "store-accounting.h"
#include "store-private.h"

#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- schema ------------------------------------------------------------------------------- */

static const char *const accounting_migrations[] = {
  /* 1: prices, accounts, balances, quotas and the journal (issue 5) */
  "CREATE TABLE prices ("
  "  list TEXT NOT NULL, media TEXT NOT NULL,"
  "  mono_page INTEGER NOT NULL DEFAULT 0, color_page INTEGER NOT NULL DEFAULT 0,"
  "  sheet INTEGER NOT NULL DEFAULT 0, duplex_discount INTEGER NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (list, media));"
  "CREATE TABLE device_prices (device TEXT PRIMARY KEY, list TEXT NOT NULL);"
  "CREATE TABLE accounts (name TEXT PRIMARY KEY, description TEXT, created INTEGER NOT NULL);"
  "CREATE TABLE balances (user TEXT PRIMARY KEY, balance INTEGER NOT NULL DEFAULT 0,"
  "  credit INTEGER NOT NULL DEFAULT 0, updated INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE balance_log (id INTEGER PRIMARY KEY, user TEXT NOT NULL, time INTEGER NOT NULL,"
  "  amount INTEGER NOT NULL, balance INTEGER NOT NULL, reason TEXT, by TEXT);"
  "CREATE TABLE quotas (subject_kind TEXT NOT NULL, subject TEXT NOT NULL,"
  "  period TEXT NOT NULL, unit TEXT NOT NULL, amount INTEGER NOT NULL,"
  "  PRIMARY KEY (subject_kind, subject, period, unit));"
  "CREATE TABLE journal (seq INTEGER PRIMARY KEY, delivery INTEGER NOT NULL UNIQUE,"
  "  job_id INTEGER NOT NULL, user TEXT NOT NULL, queue TEXT, device TEXT, site TEXT,"
  "  account TEXT, media TEXT, format TEXT, submitted INTEGER NOT NULL,"
  "  printed INTEGER NOT NULL, pages INTEGER NOT NULL, sheets INTEGER NOT NULL,"
  "  color_pages INTEGER NOT NULL, mono_pages INTEGER NOT NULL, copies INTEGER NOT NULL,"
  "  duplex INTEGER NOT NULL, cost INTEGER NOT NULL, prev_hash TEXT NOT NULL,"
  "  hash TEXT NOT NULL);"
  "CREATE INDEX journal_user_printed ON journal (user, printed);"
  "CREATE INDEX journal_printed ON journal (printed);"
  "CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal "
  "  BEGIN SELECT RAISE(ABORT, 'the accounting journal is append-only'); END;"
  "CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal "
  "  BEGIN SELECT RAISE(ABORT, 'the accounting journal is append-only'); END;"
  "CREATE TABLE journal_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,"
  "  hash TEXT NOT NULL);",
};

const store_area_t store_area_accounting = {
  "accounting", accounting_migrations,
  sizeof(accounting_migrations) / sizeof(accounting_migrations[0])};

/* ---- prices ------------------------------------------------------------------------------- */

static const char SQL_PRICE_PUT[] =
  "INSERT INTO prices (list, media, mono_page, color_page, sheet, duplex_discount) "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (list, media) DO UPDATE SET "
  "mono_page = excluded.mono_page, color_page = excluded.color_page, "
  "sheet = excluded.sheet, duplex_discount = excluded.duplex_discount";
static const char SQL_PRICE_DELETE[] = "DELETE FROM prices WHERE list = ?1 AND media = ?2";
#define PRICE_COLUMNS "list, media, mono_page, color_page, sheet, duplex_discount"
static const char SQL_PRICE_FIND[] =
  "SELECT " PRICE_COLUMNS " FROM prices WHERE list = ?1 AND media IN (?2, '*') "
  "ORDER BY media = '*' LIMIT 1";
static const char SQL_PRICE_LIST[] = "SELECT " PRICE_COLUMNS " FROM prices ORDER BY list, media";
static const char SQL_DEVICE_LIST_GET[] = "SELECT list FROM device_prices WHERE device = ?1";
static const char SQL_DEVICE_LIST_SET[] =
  "INSERT INTO device_prices (device, list) VALUES (?1, ?2) "
  "ON CONFLICT (device) DO UPDATE SET list = excluded.list";
static const char SQL_DEVICE_LIST_DEL[] = "DELETE FROM device_prices WHERE device = ?1";

static void *acc_row_price(sqlite3_stmt *st)
{
  store_price_t *p = calloc(1, sizeof(*p));
  if (!p)
    abort();
  p->list = store_col_text(st, 0);
  p->media = store_col_text(st, 1);
  p->mono_page = sqlite3_column_int64(st, 2);
  p->color_page = sqlite3_column_int64(st, 3);
  p->sheet = sqlite3_column_int64(st, 4);
  p->duplex_discount = sqlite3_column_int(st, 5);
  return p;
}

static void acc_drop_price(void *p)
{
  store_price_free(p);
}

static void *acc_row_string(sqlite3_stmt *st)
{
  return store_col_text(st, 0);
}

static void acc_drop_string(void *p)
{
  free(p);
}

/* The first row of a select, the others freed. */
static void *acc_first(void **rows, size_t n, void (*drop)(void *))
{
  void *first = n ? rows[0] : NULL;
  for (size_t i = 1; i < n; i++)
    drop(rows[i]);
  free(rows);
  return first;
}

bool store_price_put(store_t *store, const store_price_t *p)
{
  return store_update(store, SQL_PRICE_PUT,
                      STORE_ARGS(STORE_TEXT(p->list), STORE_TEXT(p->media),
                                 STORE_INT(p->mono_page), STORE_INT(p->color_page),
                                 STORE_INT(p->sheet), STORE_INT(p->duplex_discount)),
                      NULL);
}

bool store_price_delete(store_t *store, const char *list, const char *media)
{
  int changes = 0;
  return store_update(store, SQL_PRICE_DELETE, STORE_ARGS(STORE_TEXT(list), STORE_TEXT(media)),
                      &changes) && changes == 1;
}

store_price_t *store_price_find(store_t *store, const char *list, const char *media)
{
  size_t n = 0;
  void **rows = store_select(store, SQL_PRICE_FIND,
                             STORE_ARGS(STORE_TEXT(list), STORE_TEXT(media ? media : "*")),
                             acc_row_price, acc_drop_price, &n);
  return acc_first(rows, n, acc_drop_price);
}

store_price_t **store_price_list(store_t *store, size_t *count)
{
  return (store_price_t **)store_select(store, SQL_PRICE_LIST, NULL, 0, acc_row_price,
                                        acc_drop_price, count);
}

char *store_device_price_list(store_t *store, const char *device)
{
  size_t n = 0;
  void **rows = store_select(store, SQL_DEVICE_LIST_GET, STORE_ARGS(STORE_TEXT(device)),
                             acc_row_string, acc_drop_string, &n);
  char *list = acc_first(rows, n, acc_drop_string);
  return list ? list : util_strdup("default");
}

bool store_device_price_list_set(store_t *store, const char *device, const char *list)
{
  if (!list || !*list || !strcmp(list, "default"))
    return store_update(store, SQL_DEVICE_LIST_DEL, STORE_ARGS(STORE_TEXT(device)), NULL);
  return store_update(store, SQL_DEVICE_LIST_SET, STORE_ARGS(STORE_TEXT(device), STORE_TEXT(list)),
                      NULL);
}

/* ---- accounts ----------------------------------------------------------------------------- */

static const char SQL_ACCOUNT_PUT[] =
  "INSERT INTO accounts (name, description, created) VALUES (?1, ?2, ?3) "
  "ON CONFLICT (name) DO UPDATE SET description = excluded.description";
static const char SQL_ACCOUNT_DELETE[] = "DELETE FROM accounts WHERE name = ?1";
static const char SQL_ACCOUNT_GET[] =
  "SELECT name, description, created FROM accounts WHERE name = ?1";
static const char SQL_ACCOUNT_LIST[] =
  "SELECT name, description, created FROM accounts ORDER BY name";

static void *acc_row_account(sqlite3_stmt *st)
{
  store_account_t *a = calloc(1, sizeof(*a));
  if (!a)
    abort();
  a->name = store_col_text(st, 0);
  a->description = store_col_text(st, 1);
  a->created = (time_t)sqlite3_column_int64(st, 2);
  return a;
}

static void acc_drop_account(void *p)
{
  store_account_free(p);
}

bool store_account_put(store_t *store, const store_account_t *a)
{
  return store_update(store, SQL_ACCOUNT_PUT,
                      STORE_ARGS(STORE_TEXT(a->name), STORE_TEXT(a->description),
                                 STORE_INT(a->created ? a->created : time(NULL))),
                      NULL);
}

bool store_account_delete(store_t *store, const char *name)
{
  int changes = 0;
  return store_update(store, SQL_ACCOUNT_DELETE, STORE_ARGS(STORE_TEXT(name)), &changes) &&
         changes == 1;
}

store_account_t *store_account_get(store_t *store, const char *name)
{
  size_t n = 0;
  void **rows = store_select(store, SQL_ACCOUNT_GET, STORE_ARGS(STORE_TEXT(name)),
                             acc_row_account, acc_drop_account, &n);
  return acc_first(rows, n, acc_drop_account);
}

store_account_t **store_account_list(store_t *store, size_t *count)
{
  return (store_account_t **)store_select(store, SQL_ACCOUNT_LIST, NULL, 0, acc_row_account,
                                          acc_drop_account, count);
}

/* ---- balances ----------------------------------------------------------------------------- */

static const char SQL_BALANCE_GET[] =
  "SELECT user, balance, credit, updated FROM balances WHERE user = ?1";
static const char SQL_BALANCE_LIST[] =
  "SELECT user, balance, credit, updated FROM balances ORDER BY user";
static const char SQL_BALANCE_ADD[] =
  "INSERT INTO balances (user, balance, credit, updated) VALUES (?1, ?2, MAX(?3, 0), ?4) "
  "ON CONFLICT (user) DO UPDATE SET "
  "balance = CASE WHEN ?5 THEN ?2 ELSE balance + ?2 END, "
  "credit = CASE WHEN ?3 >= 0 THEN ?3 ELSE credit END, updated = ?4";
static const char SQL_BALANCE_LOG[] =
  "INSERT INTO balance_log (user, time, amount, balance, reason, by) "
  "VALUES (?1, ?2, ?3, (SELECT balance FROM balances WHERE user = ?1), ?4, ?5)";

static void *acc_row_balance(sqlite3_stmt *st)
{
  store_balance_t *b = calloc(1, sizeof(*b));
  if (!b)
    abort();
  b->user = store_col_text(st, 0);
  b->balance = sqlite3_column_int64(st, 1);
  b->credit = sqlite3_column_int64(st, 2);
  b->updated = (time_t)sqlite3_column_int64(st, 3);
  return b;
}

static void acc_drop_balance(void *p)
{
  store_balance_free(p);
}

store_balance_t *store_balance_get(store_t *store, const char *user)
{
  size_t n = 0;
  void **rows = store_select(store, SQL_BALANCE_GET, STORE_ARGS(STORE_TEXT(user)),
                             acc_row_balance, acc_drop_balance, &n);
  store_balance_t *b = acc_first(rows, n, acc_drop_balance);
  if (!b && rows) {
    if (!(b = calloc(1, sizeof(*b))))
      abort();
    b->user = util_strdup(user);
  }
  return b;
}

store_balance_t **store_balance_list(store_t *store, size_t *count)
{
  return (store_balance_t **)store_select(store, SQL_BALANCE_LIST, NULL, 0, acc_row_balance,
                                          acc_drop_balance, count);
}

/* A balance change and its log line. */
typedef struct acc_adjust_s {
  const char *user, *reason, *by;
  int64_t delta, credit;
  bool set;
} acc_adjust_t;

/* Writes a balance change and its log line (inside a batch). */
static bool acc_adjust(store_conn_t *c, const acc_adjust_t *a)
{
  time_t now = time(NULL);
  return store_exec_args(c, SQL_BALANCE_ADD,
                         STORE_ARGS(STORE_TEXT(a->user), STORE_INT(a->delta),
                                    STORE_INT(a->credit), STORE_INT(now), STORE_INT(a->set)),
                         NULL) &&
         store_exec_args(c, SQL_BALANCE_LOG,
                         STORE_ARGS(STORE_TEXT(a->user), STORE_INT(now), STORE_INT(a->delta),
                                    STORE_TEXT(a->reason), STORE_TEXT(a->by)),
                         NULL);
}

static bool acc_adjust_fn(store_conn_t *c, void *arg)
{
  return acc_adjust(c, arg);
}

bool store_balance_adjust(store_t *store, const char *user, int64_t delta, bool set,
                          int64_t credit, const char *reason, const char *by)
{
  acc_adjust_t a = {user, reason, by, delta, credit, set};
  return user && store_write(store, acc_adjust_fn, &a);
}

/* ---- quotas ------------------------------------------------------------------------------- */

static const char SQL_QUOTA_PUT[] =
  "INSERT INTO quotas (subject_kind, subject, period, unit, amount) VALUES (?1, ?2, ?3, ?4, ?5) "
  "ON CONFLICT (subject_kind, subject, period, unit) DO UPDATE SET amount = excluded.amount";
static const char SQL_QUOTA_DELETE[] =
  "DELETE FROM quotas WHERE subject_kind = ?1 AND subject = ?2 AND period = ?3 AND unit = ?4";
static const char SQL_QUOTA_LIST[] =
  "SELECT subject_kind, subject, period, unit, amount FROM quotas "
  "ORDER BY subject_kind, subject, period, unit";
static const char SQL_USAGE_USER[] =
  "SELECT COALESCE(SUM(pages), 0), COALESCE(SUM(cost), 0) FROM journal "
  "WHERE user = ?1 AND printed >= ?2";
static const char SQL_USAGE_GROUP[] =
  "SELECT COALESCE(SUM(pages), 0), COALESCE(SUM(cost), 0) FROM journal "
  "WHERE printed >= ?2 AND user IN (SELECT user FROM user_groups WHERE grp = ?1)";

static void *acc_row_quota(sqlite3_stmt *st)
{
  store_quota_t *q = calloc(1, sizeof(*q));
  if (!q)
    abort();
  q->subject_kind = store_col_text(st, 0);
  q->subject = store_col_text(st, 1);
  q->period = store_col_text(st, 2);
  q->unit = store_col_text(st, 3);
  q->amount = sqlite3_column_int64(st, 4);
  return q;
}

static void acc_drop_quota(void *p)
{
  store_quota_free(p);
}

bool store_quota_put(store_t *store, const store_quota_t *q)
{
  return store_update(store, SQL_QUOTA_PUT,
                      STORE_ARGS(STORE_TEXT(q->subject_kind), STORE_TEXT(q->subject),
                                 STORE_TEXT(q->period), STORE_TEXT(q->unit),
                                 STORE_INT(q->amount)),
                      NULL);
}

bool store_quota_delete(store_t *store, const char *kind, const char *subject,
                        const char *period, const char *unit)
{
  int changes = 0;
  return store_update(store, SQL_QUOTA_DELETE,
                      STORE_ARGS(STORE_TEXT(kind), STORE_TEXT(subject), STORE_TEXT(period),
                                 STORE_TEXT(unit)),
                      &changes) && changes == 1;
}

store_quota_t **store_quota_list(store_t *store, size_t *count)
{
  return (store_quota_t **)store_select(store, SQL_QUOTA_LIST, NULL, 0, acc_row_quota,
                                        acc_drop_quota, count);
}

/* Two integers of one row. */
static void *acc_row_pair(sqlite3_stmt *st)
{
  int64_t *v = calloc(2, sizeof(*v));
  if (!v)
    abort();
  v[0] = sqlite3_column_int64(st, 0);
  v[1] = sqlite3_column_int64(st, 1);
  return v;
}

bool store_usage(store_t *store, const char *user, const char *group, time_t since,
                 int64_t *pages, int64_t *cost)
{
  size_t n = 0;
  void **rows = store_select(store, group ? SQL_USAGE_GROUP : SQL_USAGE_USER,
                             STORE_ARGS(STORE_TEXT(group ? group : user), STORE_INT(since)),
                             acc_row_pair, acc_drop_string, &n);
  int64_t *v = acc_first(rows, n, acc_drop_string);
  *pages = v ? v[0] : 0;
  *cost = v ? v[1] : 0;
  free(v);
  return rows != NULL;
}

/* ---- journal ------------------------------------------------------------------------------ */

#define RECORD_COLUMNS                                                                        \
  "seq, delivery, job_id, user, queue, device, site, account, media, format, submitted, "    \
  "printed, pages, sheets, color_pages, mono_pages, copies, duplex, cost, prev_hash, hash"
static const char SQL_JOURNAL_INSERT[] =
  "INSERT INTO journal (" RECORD_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
  "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)";
static const char SQL_JOURNAL_HAS_DELIVERY[] = "SELECT COUNT(*) FROM journal WHERE delivery = ?1";
static const char SQL_JOURNAL_HEAD[] = "SELECT seq, hash FROM journal_head WHERE id = 1";
static const char SQL_JOURNAL_HEAD_SET[] =
  "INSERT INTO journal_head (id, seq, hash) VALUES (1, ?1, ?2) "
  "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash";
static const char SQL_JOURNAL_BY_DELIVERY[] =
  "SELECT " RECORD_COLUMNS " FROM journal WHERE delivery = ?1";
static const char SQL_JOURNAL_LIST[] =
  "SELECT " RECORD_COLUMNS " FROM journal WHERE seq > ?1 ORDER BY seq LIMIT ?2";

static const char SQL_JOURNAL_USER[] =
  "SELECT " RECORD_COLUMNS " FROM journal WHERE user = ?1 ORDER BY seq DESC LIMIT ?2";

static void *acc_row_record(sqlite3_stmt *st)
{
  store_record_t *r = calloc(1, sizeof(*r));
  if (!r)
    abort();
  r->seq = sqlite3_column_int64(st, 0);
  r->delivery = sqlite3_column_int64(st, 1);
  r->job_id = sqlite3_column_int(st, 2);
  r->user = store_col_text(st, 3);
  r->queue = store_col_text(st, 4);
  r->device = store_col_text(st, 5);
  r->site = store_col_text(st, 6);
  r->account = store_col_text(st, 7);
  r->media = store_col_text(st, 8);
  r->format = store_col_text(st, 9);
  r->submitted = (time_t)sqlite3_column_int64(st, 10);
  r->printed = (time_t)sqlite3_column_int64(st, 11);
  r->pages = sqlite3_column_int(st, 12);
  r->sheets = sqlite3_column_int(st, 13);
  r->color_pages = sqlite3_column_int(st, 14);
  r->mono_pages = sqlite3_column_int(st, 15);
  r->copies = sqlite3_column_int(st, 16);
  r->duplex = sqlite3_column_int(st, 17) != 0;
  r->cost = sqlite3_column_int64(st, 18);
  r->prev_hash = store_col_text(st, 19);
  r->hash = store_col_text(st, 20);
  return r;
}

static void acc_drop_record(void *p)
{
  store_record_free(p);
}

/* The head row as a record (seq and hash only), NULL when the journal is empty. */
static void *acc_row_head(sqlite3_stmt *st)
{
  store_record_t *r = calloc(1, sizeof(*r));
  if (!r)
    abort();
  r->seq = sqlite3_column_int64(st, 0);
  r->hash = store_col_text(st, 1);
  return r;
}

/* An append in progress. */
typedef struct acc_append_s {
  store_record_t *rec;
  void (*hash_fn)(const store_record_t *, char[65]);
  bool duplicate;
} acc_append_t;

static bool acc_append_fn(store_conn_t *c, void *arg)
{
  acc_append_t *a = arg;
  store_record_t *r = a->rec;
  size_t n = 0;
  int64_t exists = 0;
  if (!store_query_int(c, SQL_JOURNAL_HAS_DELIVERY, STORE_ARGS(STORE_INT(r->delivery)), &exists))
    return false;
  if (exists) {
    a->duplicate = true;
    return true;
  }
  void **rows = store_query_args(c, SQL_JOURNAL_HEAD, NULL, 0, acc_row_head, acc_drop_record, &n);
  if (!rows)
    return false;
  store_record_t *head = acc_first(rows, n, acc_drop_record);
  char hash[65];
  free(r->prev_hash);
  free(r->hash);
  r->seq = head ? head->seq + 1 : 1;
  r->prev_hash = util_strdup(head ? head->hash : "0000000000000000000000000000000000000000"
                                                 "000000000000000000000000");
  store_record_free(head);
  a->hash_fn(r, hash);
  r->hash = util_strdup(hash);
  acc_adjust_t charge = {r->user, "printed", "quired", -r->cost, -1, false};
  return store_exec_args(c, SQL_JOURNAL_INSERT,
                         STORE_ARGS(STORE_INT(r->seq), STORE_INT(r->delivery),
                                    STORE_INT(r->job_id), STORE_TEXT(r->user),
                                    STORE_TEXT(r->queue), STORE_TEXT(r->device),
                                    STORE_TEXT(r->site), STORE_TEXT(r->account),
                                    STORE_TEXT(r->media), STORE_TEXT(r->format),
                                    STORE_INT(r->submitted), STORE_INT(r->printed),
                                    STORE_INT(r->pages), STORE_INT(r->sheets),
                                    STORE_INT(r->color_pages), STORE_INT(r->mono_pages),
                                    STORE_INT(r->copies), STORE_INT(r->duplex),
                                    STORE_INT(r->cost), STORE_TEXT(r->prev_hash),
                                    STORE_TEXT(r->hash)),
                         NULL) &&
         store_exec_args(c, SQL_JOURNAL_HEAD_SET, STORE_ARGS(STORE_INT(r->seq), STORE_TEXT(r->hash)),
                         NULL) &&
         (r->cost == 0 || acc_adjust(c, &charge));
}

bool store_journal_append(store_t *store, store_record_t *rec,
                          void (*hash_fn)(const store_record_t *rec, char out[65]),
                          bool *duplicate)
{
  acc_append_t a = {rec, hash_fn, false};
  bool ok = store_write(store, acc_append_fn, &a);
  *duplicate = ok && a.duplicate;
  return ok;
}

store_record_t **store_journal_list(store_t *store, int64_t after, int limit, size_t *count)
{
  return (store_record_t **)store_select(store, SQL_JOURNAL_LIST,
                                         STORE_ARGS(STORE_INT(after),
                                                    STORE_INT(limit > 0 ? limit : -1)),
                                         acc_row_record, acc_drop_record, count);
}

store_record_t **store_journal_user(store_t *store, const char *user, int limit, size_t *count)
{
  return (store_record_t **)store_select(store, SQL_JOURNAL_USER,
                                         STORE_ARGS(STORE_TEXT(user), STORE_INT(limit)),
                                         acc_row_record, acc_drop_record, count);
}

store_record_t *store_journal_find(store_t *store, int64_t delivery)
{
  size_t n = 0;
  void **rows = store_select(store, SQL_JOURNAL_BY_DELIVERY, STORE_ARGS(STORE_INT(delivery)),
                             acc_row_record, acc_drop_record, &n);
  return acc_first(rows, n, acc_drop_record);
}

bool store_journal_head(store_t *store, int64_t *seq, char hash[65])
{
  size_t n = 0;
  void **rows = store_select(store, SQL_JOURNAL_HEAD, NULL, 0, acc_row_head, acc_drop_record, &n);
  store_record_t *head = acc_first(rows, n, acc_drop_record);
  *seq = head ? head->seq : 0;
  snprintf(hash, 65, "%s", head && head->hash ? head->hash : "");
  store_record_free(head);
  return rows != NULL;
}

/* ---- reports ------------------------------------------------------------------------------ */

#define REPORT_SUMS "COUNT(*), SUM(pages), SUM(sheets), SUM(color_pages), SUM(mono_pages), SUM(cost)"
static const char SQL_REPORT_USER[] =
  "SELECT user, " REPORT_SUMS " FROM journal WHERE printed >= ?1 AND printed < ?2 "
  "GROUP BY user ORDER BY SUM(pages) DESC, user";
static const char SQL_REPORT_DEVICE[] =
  "SELECT COALESCE(device, ''), " REPORT_SUMS " FROM journal WHERE printed >= ?1 AND printed < ?2 "
  "GROUP BY device ORDER BY SUM(pages) DESC, device";
static const char SQL_REPORT_QUEUE[] =
  "SELECT COALESCE(queue, ''), " REPORT_SUMS " FROM journal WHERE printed >= ?1 AND printed < ?2 "
  "GROUP BY queue ORDER BY SUM(pages) DESC, queue";
static const char SQL_REPORT_ACCOUNT[] =
  "SELECT COALESCE(account, ''), " REPORT_SUMS " FROM journal "
  "WHERE printed >= ?1 AND printed < ?2 GROUP BY account ORDER BY SUM(pages) DESC, account";
static const char SQL_REPORT_DAY[] =
  "SELECT date(printed, 'unixepoch', 'localtime') AS day, " REPORT_SUMS " FROM journal "
  "WHERE printed >= ?1 AND printed < ?2 GROUP BY day ORDER BY day";
static const char SQL_REPORT_GROUP[] =
  "SELECT g.grp, COUNT(*), SUM(j.pages), SUM(j.sheets), SUM(j.color_pages), "
  "SUM(j.mono_pages), SUM(j.cost) FROM journal j JOIN user_groups g ON g.user = j.user "
  "WHERE j.printed >= ?1 AND j.printed < ?2 GROUP BY g.grp ORDER BY SUM(j.pages) DESC, g.grp";

static void *acc_row_report(sqlite3_stmt *st)
{
  store_report_row_t *r = calloc(1, sizeof(*r));
  if (!r)
    abort();
  r->key = store_col_text(st, 0);
  r->jobs = sqlite3_column_int64(st, 1);
  r->pages = sqlite3_column_int64(st, 2);
  r->sheets = sqlite3_column_int64(st, 3);
  r->color_pages = sqlite3_column_int64(st, 4);
  r->mono_pages = sqlite3_column_int64(st, 5);
  r->cost = sqlite3_column_int64(st, 6);
  return r;
}

static void acc_drop_report(void *p)
{
  store_report_row_t *r = p;
  if (r)
    free(r->key);
  free(r);
}

store_report_row_t **store_report(store_t *store, const char *by, time_t from, time_t to,
                                  size_t *count)
{
  static const struct { const char *by; const char *sql; } queries[] = {
    {"user", SQL_REPORT_USER}, {"device", SQL_REPORT_DEVICE}, {"queue", SQL_REPORT_QUEUE},
    {"account", SQL_REPORT_ACCOUNT}, {"day", SQL_REPORT_DAY}, {"group", SQL_REPORT_GROUP}};
  *count = 0;
  for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++)
    if (by && !strcmp(by, queries[i].by))
      return (store_report_row_t **)store_select(store, queries[i].sql,
                                                 STORE_ARGS(STORE_INT(from), STORE_INT(to)),
                                                 acc_row_report, acc_drop_report, count);
  return NULL;
}

/* ---- freeing ------------------------------------------------------------------------------ */

void store_price_free(store_price_t *p)
{
  if (!p)
    return;
  free(p->list);
  free(p->media);
  free(p);
}

void store_prices_free(store_price_t **p, size_t n)
{
  for (size_t i = 0; p && i < n; i++)
    store_price_free(p[i]);
  free(p);
}

void store_account_free(store_account_t *a)
{
  if (!a)
    return;
  free(a->name);
  free(a->description);
  free(a);
}

void store_accounts_free(store_account_t **a, size_t n)
{
  for (size_t i = 0; a && i < n; i++)
    store_account_free(a[i]);
  free(a);
}

void store_balance_free(store_balance_t *b)
{
  if (!b)
    return;
  free(b->user);
  free(b);
}

void store_balances_free(store_balance_t **b, size_t n)
{
  for (size_t i = 0; b && i < n; i++)
    store_balance_free(b[i]);
  free(b);
}

void store_quota_free(store_quota_t *q)
{
  if (!q)
    return;
  free(q->subject_kind);
  free(q->subject);
  free(q->period);
  free(q->unit);
  free(q);
}

void store_quotas_free(store_quota_t **q, size_t n)
{
  for (size_t i = 0; q && i < n; i++)
    store_quota_free(q[i]);
  free(q);
}

void store_record_free(store_record_t *r)
{
  if (!r)
    return;
  free(r->user);
  free(r->queue);
  free(r->device);
  free(r->site);
  free(r->account);
  free(r->media);
  free(r->format);
  free(r->prev_hash);
  free(r->hash);
  free(r);
}

void store_records_free(store_record_t **r, size_t n)
{
  for (size_t i = 0; r && i < n; i++)
    store_record_free(r[i]);
  free(r);
}

void store_report_free(store_report_row_t **rows, size_t n)
{
  for (size_t i = 0; rows && i < n; i++)
    acc_drop_report(rows[i]);
  free(rows);
}
