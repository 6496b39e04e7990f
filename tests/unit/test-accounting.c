/*
 * test-accounting.c: core/accounting.c on a real store: money, prices (media rows, device
 * lists, duplex discount, mono), balance and quota checks, journal records charged exactly
 * once, reports, and verification that finds an edited record, a gap and a cut-off tail made
 * with SQLite directly (as someone editing the database by hand would).
 */
#include "../../core/accounting.h"
#include "../../core/log.h"
#include "../../core/util.h"
#include "test.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static int64_t M(const char *s)
{
  int64_t v = 0;
  CHECK(money_parse(s, &v));
  return v;
}

static void test_money(void)
{
  char buf[32];
  CHECK(M("1") == 10000 && M("0.05") == 500 && M("-2.5") == -25000 && M(".015") == 150);
  int64_t v;
  CHECK(!money_parse("", &v) && !money_parse("1.23456", &v) && !money_parse("1,5", &v) &&
        !money_parse("abc", &v) && !money_parse("1e3", &v));
  money_format(12345, buf, sizeof(buf));
  CHECK_STR(buf, "1.2345");
  money_format(-25000, buf, sizeof(buf));
  CHECK_STR(buf, "-2.50");
  money_format(150, buf, sizeof(buf));
  CHECK_STR(buf, "0.015");
  money_format(0, buf, sizeof(buf));
  CHECK_STR(buf, "0.00");
}

static acct_cost_t price(store_t *s, const char *device, const char *media, int pages, int color,
                         int copies, bool duplex, bool mono)
{
  acct_job_t j = {"u", "q", device, media, pages, color, copies, duplex, mono};
  acct_cost_t c;
  CHECK(accounting_price(s, &j, &c));
  return c;
}

static void test_prices(store_t *s)
{
  acct_cost_t c = price(s, "mfd", NULL, 3, 1, 2, false, false);
  CHECK(c.cost == 0 && c.impressions == 6 && c.sheets == 6 && c.color_impressions == 2);
  store_price_t p = {"default", "*", M("0.10"), M("0.50"), M("0.02"), 20};
  CHECK(store_price_put(s, &p));
  store_price_t a3 = {"default", "iso_a3_297x420mm", M("0.20"), M("1.00"), M("0.04"), 0};
  CHECK(store_price_put(s, &a3));
  store_price_t cheap = {"cheap", "*", M("0.015"), M("0.05"), 0, 0};
  CHECK(store_price_put(s, &cheap));
  /* 3 pages (1 colour) x 2 copies one-sided: 4 x 0.10 + 2 x 0.50 + 6 x 0.02 = 1.52 */
  c = price(s, "mfd", "iso_a4_210x297mm", 3, 1, 2, false, false);
  CHECK(c.cost == M("1.52") && !strcmp(c.list, "default"));
  /* two-sided: 4 sheets; (0.40 + 1.00 + 0.08) x 80% = 1.184 -> 1.18 */
  c = price(s, "mfd", NULL, 3, 1, 2, true, false);
  CHECK(c.sheets == 4 && c.cost == M("1.18"));
  /* forced grey: 6 x 0.10 + 6 x 0.02 = 0.72 */
  c = price(s, "mfd", NULL, 3, 1, 2, false, true);
  CHECK(c.color_impressions == 0 && c.mono_impressions == 6 && c.cost == M("0.72"));
  c = price(s, "mfd", "iso_a3_297x420mm", 1, 0, 1, false, false);
  CHECK(c.cost == M("0.24"));
  CHECK(store_device_price_list_set(s, "mfd", "cheap"));
  c = price(s, "mfd", NULL, 10, 0, 1, false, false); /* 10 x 0.015 = 0.15 */
  CHECK(c.cost == M("0.15") && !strcmp(c.list, "cheap"));
  CHECK(store_device_price_list_set(s, "mfd", "default"));
  c = price(s, "mfd", NULL, 10, 0, 1, false, false);
  CHECK(c.cost == M("1.20"));
}

static bool record(store_t *s, int64_t delivery, const char *user, int pages, int color,
                   bool *dup)
{
  acct_print_t p = {delivery, (int)delivery, user, "q", "mfd", "site1", NULL, NULL,
                    "application/pdf", time(NULL) - 60, time(NULL), pages, color, 1, false,
                    false};
  return accounting_record(s, &p, dup);
}

static void test_allow_and_charge(store_t *s)
{
  char why[256];
  store_user_t u = {.name = (char *)"ann", .groups = (char *)"staff", .restricted = true};
  CHECK(store_user_put(s, &u));
  store_user_t v = {.name = (char *)"ben", .groups = (char *)"staff"};
  CHECK(store_user_put(s, &v));
  acct_cost_t c = price(s, "mfd", NULL, 10, 0, 1, false, false); /* 1.20 */
  CHECK(!accounting_allow(s, &u, &c, "EUR", why, sizeof(why)) && strstr(why, "balance"));
  CHECK(accounting_allow(s, &v, &c, "EUR", why, sizeof(why))); /* not restricted */
  CHECK(store_balance_adjust(s, "ann", M("1.00"), false, M("0.50"), "top-up", "test"));
  CHECK(accounting_allow(s, &u, &c, "EUR", why, sizeof(why))); /* 1.00 - 1.20 >= -0.50 */
  bool dup = true;
  CHECK(record(s, 1, "ann", 10, 0, &dup) && !dup);
  CHECK(record(s, 1, "ann", 10, 0, &dup) && dup); /* the same delivery: charged once */
  store_balance_t *b = store_balance_get(s, "ann");
  CHECK(b && b->balance == M("-0.20") && b->credit == M("0.50"));
  store_balance_free(b);
  CHECK(!accounting_allow(s, &u, &c, "EUR", why, sizeof(why)));

  store_quota_t q = {"user", "ben", "month", "pages", 15};
  CHECK(store_quota_put(s, &q));
  CHECK(accounting_allow(s, &v, &c, "EUR", why, sizeof(why))); /* 0 + 10 <= 15 */
  CHECK(record(s, 2, "ben", 10, 2, &dup) && !dup);
  CHECK(!accounting_allow(s, &v, &c, "EUR", why, sizeof(why)) && strstr(why, "15 pages"));
  store_quota_t g = {"group", "staff", "day", "cost", M("3.00")};
  CHECK(store_quota_put(s, &g));
  CHECK(store_quota_delete(s, "user", "ben", "month", "pages"));
  /* group usage today: ann 1.20 + ben (8 x 0.10 + 2 x 0.50 + 10 x 0.02 = 2.00) = 3.20 */
  CHECK(!accounting_allow(s, &v, &c, "EUR", why, sizeof(why)) && strstr(why, "staff"));
  CHECK(store_quota_delete(s, "group", "staff", "day", "cost"));
  CHECK(accounting_allow(s, &v, &c, "EUR", why, sizeof(why)));
}

static void test_reports(store_t *s)
{
  size_t n = 0;
  store_report_row_t **r = store_report(s, "user", 0, time(NULL) + 10, &n);
  CHECK(r && n == 2 && !strcmp(r[0]->key, "ann") && r[0]->pages == 10 && r[1]->pages == 10 &&
        r[1]->color_pages == 2 && r[1]->cost == M("2.00"));
  store_report_free(r, n);
  r = store_report(s, "group", 0, time(NULL) + 10, &n);
  CHECK(r && n == 1 && !strcmp(r[0]->key, "staff") && r[0]->jobs == 2 && r[0]->pages == 20);
  store_report_free(r, n);
  r = store_report(s, "day", 0, time(NULL) + 10, &n);
  CHECK(r && n == 1 && r[0]->sheets == 20);
  store_report_free(r, n);
  r = store_report(s, "day", time(NULL) + 100, time(NULL) + 200, &n);
  CHECK(r && n == 0);
  store_report_free(r, n);
  CHECK(store_report(s, "nonsense", 0, 1, &n) == NULL);
}

/* Runs SQL on the database file behind the store's back. */
static void tamper(const char *db, const char *sql)
{
  sqlite3 *h = NULL;
  CHECK(sqlite3_open(db, &h) == SQLITE_OK);
  char *msg = NULL;
  int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
  if (rc != SQLITE_OK)
    fprintf(stderr, "tamper: %s\n", msg);
  CHECK(rc == SQLITE_OK);
  sqlite3_free(msg);
  sqlite3_close(h);
}

static bool verify(store_t *s, int64_t *bad)
{
  FILE *null = fopen("/dev/null", "w");
  bool ok = accounting_verify(s, null, bad);
  fclose(null);
  return ok;
}

static void test_journal(store_t *s, const char *db)
{
  bool dup;
  int64_t bad = -1;
  for (int i = 3; i <= 6; i++)
    CHECK(record(s, i, "ben", 1, 0, &dup) && !dup);
  CHECK(verify(s, &bad) && bad == 0);
  /* The triggers refuse edits through SQL. */
  sqlite3 *h = NULL;
  CHECK(sqlite3_open(db, &h) == SQLITE_OK);
  CHECK(sqlite3_exec(h, "UPDATE journal SET pages = 1 WHERE seq = 2", NULL, NULL, NULL) != SQLITE_OK);
  CHECK(sqlite3_exec(h, "DELETE FROM journal WHERE seq = 2", NULL, NULL, NULL) != SQLITE_OK);
  sqlite3_close(h);
  tamper(db, "DROP TRIGGER journal_no_update; UPDATE journal SET pages = 99 WHERE seq = 3;");
  CHECK(!verify(s, &bad) && bad == 3);
  tamper(db, "UPDATE journal SET pages = 1 WHERE seq = 3;"); /* back as it was */
  CHECK(verify(s, &bad) && bad == 0);
  tamper(db, "UPDATE journal SET cost = cost + 100 WHERE seq = 4;");
  CHECK(!verify(s, &bad) && bad == 4);
  tamper(db, "UPDATE journal SET cost = cost - 100 WHERE seq = 4;");
  CHECK(verify(s, &bad));
  tamper(db, "DROP TRIGGER journal_no_delete; DELETE FROM journal WHERE seq = 5;");
  CHECK(!verify(s, &bad) && bad == 6);
  tamper(db, "DELETE FROM journal WHERE seq = 6;");
  CHECK(!verify(s, &bad) && bad == 5); /* the tail is gone: the head tells */
}

int main(void)
{
  char tmpl[] = "/tmp/quire-test-accounting-XXXXXX";
  char *dir = mkdtemp(tmpl), *err = NULL;
  log_init("test-accounting", LOG_ERR, false);
  char *db = util_printf("%s/quire.db", dir);
  store_t *s = store_open(db, &err);
  CHECK(s != NULL);
  test_money();
  if (s) {
    test_prices(s);
    test_allow_and_charge(s);
    test_reports(s);
    test_journal(s, db);
  }
  store_close(s);
  char *cmd = util_printf("rm -rf '%s'", dir);
  CHECK(system(cmd) == 0);
  free(cmd);
  free(db);
  free(err);
  return test_summary();
}
