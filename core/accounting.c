/*
 * accounting.c: pricing, balance and quota checks, journal records (accounting.h).
 */
#include "accounting.h"

#include "log.h"
#include "util.h"

#include <ctype.h>
#include <glib.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* ---- money -------------------------------------------------------------------------------- */

bool money_parse(const char *s, int64_t *units)
{
  bool neg = false;
  int64_t whole = 0, frac = 0;
  int decimals = 0;
  const char *p = s;
  if (!p || !*p)
    return false;
  if (*p == '-' || *p == '+')
    neg = *p++ == '-';
  if (!isdigit((unsigned char)*p) && *p != '.')
    return false;
  for (; isdigit((unsigned char)*p); p++) {
    if (whole > INT64_MAX / 100000)
      return false;
    whole = whole * 10 + (*p - '0');
  }
  if (*p == '.')
    for (p++; isdigit((unsigned char)*p); p++) {
      if (++decimals > 4)
        return false;
      frac = frac * 10 + (*p - '0');
    }
  if (*p)
    return false;
  for (; decimals < 4; decimals++)
    frac *= 10;
  *units = (whole * MONEY_UNIT + frac) * (neg ? -1 : 1);
  return true;
}

void money_format(int64_t units, char *buf, size_t len)
{
  uint64_t a = units < 0 ? (uint64_t)(-(units + 1)) + 1 : (uint64_t)units;
  uint64_t frac = a % MONEY_UNIT;
  if (frac % 100 == 0)
    snprintf(buf, len, "%s%" PRIu64 ".%02" PRIu64, units < 0 ? "-" : "", a / MONEY_UNIT,
             frac / 100);
  else if (frac % 10 == 0)
    snprintf(buf, len, "%s%" PRIu64 ".%03" PRIu64, units < 0 ? "-" : "", a / MONEY_UNIT,
             frac / 10);
  else
    snprintf(buf, len, "%s%" PRIu64 ".%04" PRIu64, units < 0 ? "-" : "", a / MONEY_UNIT, frac);
}

/* Rounds units to whole cents, half away from zero. */
static int64_t money_round_cents(int64_t units)
{
  int64_t r = units >= 0 ? (units + 50) / 100 : -((-units + 50) / 100);
  return r * 100;
}

/* ---- pricing ------------------------------------------------------------------------------ */

bool accounting_price(store_t *store, const acct_job_t *job, acct_cost_t *out)
{
  memset(out, 0, sizeof(*out));
  int copies = job->copies > 0 ? job->copies : 1;
  int pages = job->pages > 0 ? job->pages : 0;
  int color = job->mono ? 0 : (job->color_pages < pages ? job->color_pages : pages);
  out->impressions = pages * copies;
  out->color_impressions = color * copies;
  out->mono_impressions = (pages - color) * copies;
  out->sheets = (job->duplex ? (pages + 1) / 2 : pages) * copies;

  char *list = store_device_price_list(store, job->device ? job->device : "");
  snprintf(out->list, sizeof(out->list), "%s", list);
  store_price_t *p = store_price_find(store, list, job->media);
  free(list);
  if (!p)
    return true; /* no price: free */
  int64_t cost = (int64_t)out->mono_impressions * p->mono_page +
                 (int64_t)out->color_impressions * p->color_page +
                 (int64_t)out->sheets * p->sheet;
  if (job->duplex && p->duplex_discount > 0)
    cost -= cost * p->duplex_discount / 100;
  out->cost = money_round_cents(cost);
  store_price_free(p);
  return true;
}

/* ---- balance and quotas ------------------------------------------------------------------- */

time_t accounting_period_start(const char *period, time_t now)
{
  struct tm tm;
  if (!strcmp(period, "total"))
    return 0;
  localtime_r(&now, &tm);
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_isdst = -1;
  if (!strcmp(period, "week"))
    tm.tm_mday -= (tm.tm_wday + 6) % 7; /* back to Monday */
  else if (!strcmp(period, "month"))
    tm.tm_mday = 1;
  else if (!strcmp(period, "year"))
    tm.tm_mday = 1, tm.tm_mon = 0;
  else if (strcmp(period, "day"))
    return -1;
  return mktime(&tm);
}

time_t accounting_parse_date(const char *s, time_t def)
{
  struct tm tm = {0};
  if (!s || !*s)
    return def;
  char *end = strptime(s, "%Y-%m-%d", &tm);
  if (!end || *end)
    return -1;
  tm.tm_isdst = -1;
  return mktime(&tm);
}

/* True when `q` applies to `user` (their own quota, or one of a group they belong to). */
static bool accounting_quota_applies(const store_quota_t *q, const store_user_t *user)
{
  if (!strcmp(q->subject_kind, "user"))
    return !strcmp(q->subject, user->name);
  if (strcmp(q->subject_kind, "group") || !user->groups)
    return false;
  gchar **groups = g_strsplit(user->groups, ",", -1);
  bool member = false;
  for (gchar **g = groups; *g && !member; g++)
    member = !strcmp(*g, q->subject);
  g_strfreev(groups);
  return member;
}

/* Checks one quota; false with why when `add` would exceed it. */
static bool accounting_quota_ok(store_t *store, const store_quota_t *q, const store_user_t *user,
                                const acct_cost_t *add, const char *currency, char *why,
                                size_t len)
{
  time_t since = accounting_period_start(q->period, time(NULL));
  int64_t pages = 0, cost = 0;
  bool group = !strcmp(q->subject_kind, "group");
  if (since < 0 || !store_usage(store, user->name, group ? q->subject : NULL, since, &pages, &cost))
    return true;
  bool by_pages = !strcmp(q->unit, "pages");
  int64_t used = by_pages ? pages : cost, need = by_pages ? add->impressions : add->cost;
  if (used + need <= q->amount)
    return true;
  const char *per = !strcmp(q->period, "total") ? "in total" : q->period;
  const char *whose = group ? "the group" : "your";
  if (by_pages) {
    snprintf(why, len, "This would exceed %s%s%s quota of %" PRId64 " pages per %s: %" PRId64
             " printed, %" PRId64 " more needed.", whose, group ? " " : "",
             group ? q->subject : "", q->amount, per, used, need);
  } else {
    char a[32], u[32], n[32];
    money_format(q->amount, a, sizeof(a));
    money_format(used, u, sizeof(u));
    money_format(need, n, sizeof(n));
    snprintf(why, len, "This would exceed %s%s%s quota of %s %s per %s: %s %s used, %s %s "
             "more needed.", whose, group ? " " : "", group ? q->subject : "", a, currency, per,
             u, currency, n, currency);
  }
  return false;
}

bool accounting_allow(store_t *store, const store_user_t *user, const acct_cost_t *add,
                      const char *currency, char *why, size_t len)
{
  if (user->restricted && add->cost > 0) {
    store_balance_t *b = store_balance_get(store, user->name);
    bool ok = b && b->balance - add->cost >= -b->credit;
    if (!ok) {
      char have[32], need[32];
      money_format(b ? b->balance : 0, have, sizeof(have));
      money_format(add->cost, need, sizeof(need));
      snprintf(why, len, "Your balance of %s %s is not enough for %s %s.", have, currency, need,
               currency);
    }
    store_balance_free(b);
    if (!ok)
      return false;
  }
  size_t n = 0;
  store_quota_t **quotas = store_quota_list(store, &n);
  bool ok = true;
  for (size_t i = 0; ok && i < n; i++)
    if (accounting_quota_applies(quotas[i], user))
      ok = accounting_quota_ok(store, quotas[i], user, add, currency, why, len);
  store_quotas_free(quotas, n);
  return ok;
}

/* ---- journal ------------------------------------------------------------------------------ */

void accounting_record_hash(const store_record_t *r, char out[65])
{
  char *text = util_printf(
    "%" PRId64 "|%" PRId64 "|%d|%s|%s|%s|%s|%s|%s|%s|%lld|%lld|%d|%d|%d|%d|%d|%d|%" PRId64 "|%s",
    r->seq, r->delivery, r->job_id, r->user ? r->user : "", r->queue ? r->queue : "",
    r->device ? r->device : "", r->site ? r->site : "", r->account ? r->account : "",
    r->media ? r->media : "", r->format ? r->format : "", (long long)r->submitted,
    (long long)r->printed, r->pages, r->sheets, r->color_pages, r->mono_pages, r->copies,
    r->duplex, r->cost, r->prev_hash ? r->prev_hash : "");
  unsigned char md[32];
  unsigned int mdlen = 0;
  if (EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL) != 1)
    memset(md, 0, sizeof(md));
  for (int i = 0; i < 32; i++)
    snprintf(out + 2 * i, 3, "%02x", md[i]);
  free(text);
}

bool accounting_record(store_t *store, const acct_print_t *p, bool *duplicate)
{
  acct_job_t job = {p->user, p->queue, p->device, p->media, p->pages, p->color_pages,
                    p->copies, p->duplex, p->mono};
  acct_cost_t cost;
  *duplicate = false;
  if (!accounting_price(store, &job, &cost))
    return false;
  store_record_t rec = {
    .delivery = p->delivery, .job_id = p->job_id, .user = (char *)p->user,
    .queue = (char *)p->queue, .device = (char *)p->device, .site = (char *)p->site,
    .account = (char *)p->account, .media = (char *)p->media, .format = (char *)p->format,
    .submitted = p->submitted, .printed = p->printed, .pages = cost.impressions,
    .sheets = cost.sheets, .color_pages = cost.color_impressions,
    .mono_pages = cost.mono_impressions, .copies = p->copies > 0 ? p->copies : 1,
    .duplex = p->duplex, .cost = cost.cost};
  bool ok = store_journal_append(store, &rec, accounting_record_hash, duplicate);
  if (ok && !*duplicate)
    log_info("accounting: job %d printed on %s for %s: %d pages (%d colour), %d sheets, "
             "record %" PRId64, p->job_id, p->device ? p->device : "?", p->user,
             cost.impressions, cost.color_impressions, cost.sheets, rec.seq);
  free(rec.prev_hash);
  free(rec.hash);
  return ok;
}

/* Checks one record against the previous hash; writes what is wrong to `out`. */
static bool accounting_verify_one(const store_record_t *r, int64_t expect_seq,
                                  const char *prev_hash, FILE *out)
{
  char hash[65];
  if (r->seq != expect_seq) {
    fprintf(out, "record %" PRId64 ": expected record %" PRId64 " here: records are missing\n",
            r->seq, expect_seq);
    return false;
  }
  if (strcmp(r->prev_hash ? r->prev_hash : "", prev_hash)) {
    fprintf(out, "record %" PRId64 ": does not link to the record before it\n", r->seq);
    return false;
  }
  accounting_record_hash(r, hash);
  if (strcmp(hash, r->hash ? r->hash : "")) {
    fprintf(out, "record %" PRId64 ": its contents do not match its hash: it was edited\n",
            r->seq);
    return false;
  }
  return true;
}

bool accounting_verify(store_t *store, FILE *out, int64_t *bad_seq)
{
  char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
  int64_t seq = 0, total = 0;
  bool ok = true;
  *bad_seq = 0;
  for (;;) {
    size_t n = 0;
    store_record_t **recs = store_journal_list(store, seq, 1000, &n);
    if (!recs) {
      fprintf(out, "cannot read the journal\n");
      return false;
    }
    for (size_t i = 0; ok && i < n; i++) {
      ok = accounting_verify_one(recs[i], seq + 1, prev, out);
      if (!ok)
        *bad_seq = recs[i]->seq;
      seq = recs[i]->seq;
      snprintf(prev, sizeof(prev), "%s", recs[i]->hash ? recs[i]->hash : "");
      total++;
    }
    store_records_free(recs, n);
    if (!ok || n < 1000)
      break;
  }
  int64_t head_seq = 0;
  char head_hash[65];
  if (ok && store_journal_head(store, &head_seq, head_hash) &&
      (head_seq != seq || (seq && strcmp(head_hash, prev)))) {
    fprintf(out, "record %" PRId64 ": the journal ends here but %" PRId64 " record(s) were "
            "written: records were removed from the end\n", seq, head_seq);
    *bad_seq = seq + 1;
    ok = false;
  }
  if (ok)
    fprintf(out, "journal intact: %" PRId64 " record(s), last hash %s\n", total,
            seq ? prev : "(none)");
  return ok;
}

/* ---- administration ----------------------------------------------------------------------- */

const char *accounting_media_key(const char *media)
{
  return !media || !*media || !strcmp(media, "any") ? "*" : media;
}

/* Parses a price amount into *v (kept when `text` is NULL); false with `why`. */
static bool accounting_amount(const char *what, const char *text, int64_t *v, char *why,
                              size_t len)
{
  int64_t a = 0;
  if (!text)
    return true;
  if (!money_parse(text, &a) || a < 0) {
    snprintf(why, len, "%s: '%s' is not an amount like 0.05", what, text);
    return false;
  }
  *v = a;
  return true;
}

acct_result_t accounting_price_set(store_t *store, const acct_price_edit_t *e, char *why,
                                   size_t len)
{
  const char *list = e->list && *e->list ? e->list : "default";
  const char *media = accounting_media_key(e->media);
  if (strlen(list) > 63 || strlen(media) > 127) {
    snprintf(why, len, "the price list or media name is too long");
    return ACCT_INVALID;
  }
  store_price_t *old = store_price_find(store, list, media);
  bool exact = old && !strcmp(old->media, media);
  store_price_t p = {(char *)list, (char *)media, exact ? old->mono_page : 0,
                     exact ? old->color_page : 0, exact ? old->sheet : 0,
                     exact ? old->duplex_discount : 0};
  store_price_free(old);
  if (!accounting_amount("mono", e->mono, &p.mono_page, why, len) ||
      !accounting_amount("color", e->color, &p.color_page, why, len) ||
      !accounting_amount("sheet", e->sheet, &p.sheet, why, len))
    return ACCT_INVALID;
  if (e->duplex_discount > 100 || e->duplex_discount < -1) {
    snprintf(why, len, "the duplex discount is a percentage from 0 to 100");
    return ACCT_INVALID;
  }
  if (e->duplex_discount >= 0)
    p.duplex_discount = e->duplex_discount;
  if (!store_price_put(store, &p)) {
    snprintf(why, len, "cannot save the price");
    return ACCT_ERROR;
  }
  log_info("accounting: price of list %s for %s set", list, media);
  return ACCT_OK;
}

acct_result_t accounting_quota_make(const char *kind, const char *subject, const char *period,
                                    const char *unit, const char *amount, store_quota_t *q,
                                    char *why, size_t len)
{
  memset(q, 0, sizeof(*q));
  if (!kind || (strcmp(kind, "user") && strcmp(kind, "group")) || !subject || !*subject) {
    snprintf(why, len, "a quota is for a user or a group: give its kind (user or group) and "
                       "name");
    return ACCT_INVALID;
  }
  if (!period || accounting_period_start(period, time(NULL)) < 0) {
    snprintf(why, len, "the period is day, week, month, year or total");
    return ACCT_INVALID;
  }
  if (!unit || (strcmp(unit, "pages") && strcmp(unit, "cost"))) {
    snprintf(why, len, "a quota counts pages or cost");
    return ACCT_INVALID;
  }
  *q = (store_quota_t){(char *)kind, (char *)subject, (char *)period, (char *)unit, 0};
  if (!amount)
    return ACCT_OK;
  char *end = NULL;
  bool pages = !strcmp(unit, "pages");
  if (pages ? ((q->amount = strtoll(amount, &end, 10)) <= 0 || !end || *end)
            : (!money_parse(amount, &q->amount) || q->amount < 0)) {
    snprintf(why, len, pages ? "a page quota is a whole number above 0"
                             : "a cost quota is an amount like 20.00");
    return ACCT_INVALID;
  }
  return ACCT_OK;
}
