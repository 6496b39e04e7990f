/*
 * accounting.h: what a job costs, whether its owner may print it (balance, quotas), and the
 * record written once it printed (append-only journal with a SHA-256 chain).
 *
 * The same function prices a job at release (the estimate users see and quotas check) and
 * when the device reports it printed (the charge), from the job's analysis (pages and colour
 * pages of one copy) and the options it was sent with (copies, sides, mono): the charge never
 * differs from the estimate for the same options. Money is in units of 1/10000
 * (store-accounting.h); a charge is rounded to whole cents.
 */
#ifndef QUIRE_ACCOUNTING_H
#define QUIRE_ACCOUNTING_H

#include <stdbool.h>
#include <stdio.h>

#include "store-accounting.h"
#include "store-users.h"

/* A job as it will be (or was) printed. */
typedef struct acct_job_s {
  const char *user, *queue, *device, *media;  /* media: PWG name, NULL for any */
  int pages;               /* pages of one copy (all documents) */
  int color_pages;         /* of them, in colour */
  int copies;              /* >= 1 */
  bool duplex;
  bool mono;               /* printed in grey whatever the pages hold */
} acct_job_t;

/* What it amounts to. */
typedef struct acct_cost_s {
  int impressions, sheets, color_impressions, mono_impressions;
  int64_t cost;            /* units, rounded to cents */
  char list[64];           /* price list used */
} acct_cost_t;

/* Prices `job` with the device's price list (store_device_price_list). A missing price row
 * costs 0. False on a store error. */
bool accounting_price(store_t *store, const acct_job_t *job, acct_cost_t *out);

/* Checks that `user` may print `add` more (the sum of the jobs being released): a restricted
 * user's balance stays >= -credit, and no quota of the user or of any of their groups is
 * exceeded in its current period. False with a sentence in `why` otherwise. */
bool accounting_allow(store_t *store, const store_user_t *user, const acct_cost_t *add,
                      const char *currency, char *why, size_t len);

/* A printed job to record. */
typedef struct acct_print_s {
  int64_t delivery;        /* unique per delivery: a second call with it records nothing */
  int job_id;
  const char *user, *queue, *device, *site, *account, *media, *format;
  time_t submitted, printed;
  int pages, color_pages, copies;   /* as in acct_job_t */
  bool duplex, mono;
} acct_print_t;

/* Prices the print and appends its journal record, charging the user's balance, in one
 * transaction. *duplicate when the delivery was recorded already. False on a store error. */
bool accounting_record(store_t *store, const acct_print_t *p, bool *duplicate);

/* The SHA-256 (hex) of a record, over every field, its seq and prev_hash. */
void accounting_record_hash(const store_record_t *rec, char out[65]);

/* Walks the journal from the start: every record's hash, its link to the previous one,
 * consecutive sequence numbers, and the head. Writes a line per problem (and a summary) to
 * `out`. Returns true if intact; else *bad_seq is the first bad record (or the head's seq). */
bool accounting_verify(store_t *store, FILE *out, int64_t *bad_seq);

/* Start of the current period ("day", "week" (Monday), "month", "year", local time; "total":
 * 0) for `now`; -1 for an unknown period. */
time_t accounting_period_start(const char *period, time_t now);

/* Local midnight of a YYYY-MM-DD date; `def` when `s` is NULL or empty; -1 when malformed. */
time_t accounting_parse_date(const char *s, time_t def);

/* Parses a decimal amount ("1", "0.05", "-2.5", at most 4 decimals) into units. */
bool money_parse(const char *s, int64_t *units);

/* Formats units with 2 decimals, or up to 4 when needed ("0.015"). */
void money_format(int64_t units, char *buf, size_t len);

/* ---- administration: what `quire price|quota` and the admin API share ---- */

/* Outcome of a change made from what a person typed. */
typedef enum acct_result_e {
  ACCT_OK,
  ACCT_INVALID,            /* bad input: `why` says what */
  ACCT_ERROR               /* store error */
} acct_result_t;

/* A change to one price row. Amounts are decimal strings in the currency ("0.05"); NULL keeps
 * the row's value (0 for a new row); duplex_discount -1 keeps it. */
typedef struct acct_price_edit_s {
  const char *list;        /* NULL or "": "default" */
  const char *media;       /* NULL, "", "any" or "*": every media without a row of its own */
  const char *mono, *color, *sheet;
  int duplex_discount;     /* per cent, 0-100, or -1 */
} acct_price_edit_t;

/* Creates or changes the price row of `e` (list, media). */
acct_result_t accounting_price_set(store_t *store, const acct_price_edit_t *e, char *why,
                                   size_t len);

/* The stored media key of a media given by a person: "*" for NULL, "", "any" or "*". */
const char *accounting_media_key(const char *media);

/* Fills `q` (pointing into the arguments) from a quota given by a person: kind "user" or
 * "group", a subject, a period (day|week|month|year|total), a unit ("pages" or "cost") and,
 * unless `amount` is NULL (a deletion), the amount: pages > 0, or a cost >= 0. */
acct_result_t accounting_quota_make(const char *kind, const char *subject, const char *period,
                                    const char *unit, const char *amount, store_quota_t *q,
                                    char *why, size_t len);

#endif
