/*
 * store-accounting.h: the accounting area of the store (core/store-sqlite-accounting.c):
 * price lists, accounts (projects, cost centres), user balances and their log, quotas, and the
 * append-only journal of printed jobs.
 *
 * Money is an int64 count of 1/10000 of the currency unit ("units"; 1.00 EUR = 10000), so
 * per-page prices like 0.015 are exact; charges are rounded to whole cents (core/accounting.c).
 * The journal refuses UPDATE and DELETE (SQLite triggers); each record carries the SHA-256 of
 * the previous one, and journal_head keeps the last sequence number and hash, so an edited
 * record, a gap or a cut-off tail is found by core/journal.c.
 */
#ifndef QUIRE_STORE_ACCOUNTING_H
#define QUIRE_STORE_ACCOUNTING_H

#include "store.h"

#define MONEY_UNIT 10000  /* units per currency unit */

/* One row of a price list; media "*" applies to every media without a row of its own. */
typedef struct store_price_s {
  char *list;              /* price list name, "default" unless a device names another */
  char *media;             /* PWG media name or "*" */
  int64_t mono_page;       /* per mono page (impression), units */
  int64_t color_page;      /* per colour page, units */
  int64_t sheet;           /* per sheet of paper, units */
  int duplex_discount;     /* per cent off the job when printed two-sided (0-100) */
} store_price_t;

/* One printed job, as the journal keeps it. */
typedef struct store_record_s {
  int64_t seq;             /* 1, 2, ... (set by the store) */
  int64_t delivery;        /* the forwarder's delivery id: one record per delivery */
  int job_id;
  char *user, *queue, *device, *site, *account, *media, *format;
  time_t submitted, printed;
  int pages;               /* impressions: pages x copies */
  int sheets;
  int color_pages, mono_pages;  /* impressions in colour / in grey */
  int copies;
  bool duplex;
  int64_t cost;            /* units, rounded to cents */
  char *prev_hash, *hash;  /* lowercase hex SHA-256 (set by the store) */
} store_record_t;

/* A balance and its floor. */
typedef struct store_balance_s {
  char *user;
  int64_t balance;         /* units; may be negative down to -credit */
  int64_t credit;          /* how far below zero a restricted user may go */
  time_t updated;
} store_balance_t;

/* A quota: at most `amount` pages (impressions) or units of cost per period. */
typedef struct store_quota_s {
  char *subject_kind;      /* "user" or "group" (a group's quota is shared by its members) */
  char *subject;
  char *period;            /* "day", "week", "month", "year" or "total" */
  char *unit;              /* "pages" or "cost" */
  int64_t amount;
} store_quota_t;

/* An account (project or cost centre) that jobs can be charged to. */
typedef struct store_account_s {
  char *name;
  char *description;
  time_t created;
} store_account_t;

/* One line of a report: a key (user, day, ...) and its sums. */
typedef struct store_report_row_s {
  char *key;
  int64_t jobs, pages, sheets, color_pages, mono_pages, cost;
} store_report_row_t;

/* ---- prices ---- */
bool store_price_put(store_t *store, const store_price_t *price);
bool store_price_delete(store_t *store, const char *list, const char *media);
/* The row of `list` for `media`, else its "*" row, else NULL. Caller frees. */
store_price_t *store_price_find(store_t *store, const char *list, const char *media);
store_price_t **store_price_list(store_t *store, size_t *count);
/* The price list of a device ("default" when it has none); malloc'd. */
char *store_device_price_list(store_t *store, const char *device);
bool store_device_price_list_set(store_t *store, const char *device, const char *list);

/* ---- accounts ---- */
bool store_account_put(store_t *store, const store_account_t *account);
bool store_account_delete(store_t *store, const char *name);
store_account_t *store_account_get(store_t *store, const char *name);
store_account_t **store_account_list(store_t *store, size_t *count);

/* ---- balances ---- */
/* The balance of `user` (a zero balance when none was ever set). Caller frees. */
store_balance_t *store_balance_get(store_t *store, const char *user);
/* Adds `delta` (or, with `set`, sets the balance to it) and, when credit >= 0, sets the credit;
 * logs the change with `reason` and `by`. */
bool store_balance_adjust(store_t *store, const char *user, int64_t delta, bool set,
                          int64_t credit, const char *reason, const char *by);
store_balance_t **store_balance_list(store_t *store, size_t *count);

/* ---- quotas ---- */
bool store_quota_put(store_t *store, const store_quota_t *quota);
bool store_quota_delete(store_t *store, const char *kind, const char *subject,
                        const char *period, const char *unit);
store_quota_t **store_quota_list(store_t *store, size_t *count);
/* Pages (impressions) and cost charged since `since` to `user`, or with `group` to every
 * current member of it. */
bool store_usage(store_t *store, const char *user, const char *group, time_t since,
                 int64_t *pages, int64_t *cost);

/* ---- journal ---- */
/* Appends `rec` (seq, prev_hash and hash are set here, `hash_fn` computes the hash of the
 * record with its seq and prev_hash filled in, into 65 bytes) and charges rec->cost to the
 * user's balance, in one transaction. If a record of rec->delivery exists already nothing is
 * written and *duplicate is set. Durable when it returns true. */
bool store_journal_append(store_t *store, store_record_t *rec,
                          void (*hash_fn)(const store_record_t *rec, char out[65]),
                          bool *duplicate);
/* Records with seq > after, in order, at most `limit` (0: all). Caller frees. */
store_record_t **store_journal_list(store_t *store, int64_t after, int limit, size_t *count);
/* The newest `limit` records of `user`, newest first. Caller frees. */
store_record_t **store_journal_user(store_t *store, const char *user, int limit, size_t *count);
/* The record of a delivery, or NULL. */
store_record_t *store_journal_find(store_t *store, int64_t delivery);
/* journal_head: the last sequence number and hash written (0 and "" when empty). */
bool store_journal_head(store_t *store, int64_t *seq, char hash[65]);
/* Sums of the journal between [from, to) grouped by `by` ("user", "group", "device", "queue",
 * "day", "account"). Caller frees with store_report_free. */
store_report_row_t **store_report(store_t *store, const char *by, time_t from, time_t to,
                                  size_t *count);

void store_price_free(store_price_t *p);
void store_prices_free(store_price_t **p, size_t n);
void store_account_free(store_account_t *a);
void store_accounts_free(store_account_t **a, size_t n);
void store_balance_free(store_balance_t *b);
void store_balances_free(store_balance_t **b, size_t n);
void store_quota_free(store_quota_t *q);
void store_quotas_free(store_quota_t **q, size_t n);
void store_record_free(store_record_t *r);
void store_records_free(store_record_t **r, size_t n);
void store_report_free(store_report_row_t **rows, size_t n);

#endif
