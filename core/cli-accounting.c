/*
 * cli-accounting.c: `quire price|account|balance|quota|report|journal|verify-journal`, on
 * the store directly (core/accounting.h, core/store-accounting.h).
 */
#include "cli.h"

#include "accounting.h"
#include "util.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The flags of every accounting command. */
typedef struct acc_opts_s {
  const char *list, *media, *mono, *color, *sheet, *discount, *set, *add, *credit, *reason;
  const char *period, *pages, *cost, *by, *from, *to, *description;
  int64_t after;
  bool json, csv;
  const char *args[3];     /* words after the command (and subcommand) */
  int nargs;
} acc_opts_t;

static void acc_usage(FILE *f)
{
  fprintf(f,
    "Accounting (amounts are decimals in the configured currency):\n"
    "  quire price list\n"
    "  quire price set [--list L] [--media M|any] [--mono A] [--color A] [--sheet A]\n"
    "                  [--duplex-discount PERCENT]\n"
    "  quire price del [--list L] [--media M|any]\n"
    "  quire price device DEVICE LIST        the price list a device charges with\n"
    "  quire account list | add NAME [--description T] | del NAME\n"
    "  quire balance USER [--set A | --add A] [--credit A] [--reason T]\n"
    "  quire balances\n"
    "  quire quota list | set user:NAME|group:NAME --period day|week|month|year|total\n"
    "                          (--pages N | --cost A) | del user:NAME --period P --unit pages|cost\n"
    "  quire report --by user|group|device|queue|day|account [--from YYYY-MM-DD]\n"
    "               [--to YYYY-MM-DD] [--json | --csv]\n"
    "  quire journal [--after SEQ] [--json]\n"
    "  quire verify-journal\n");
}

/* Parses flags after the command; false after printing usage. */
static bool acc_parse(int argc, char **argv, acc_opts_t *o)
{
  static const struct option opts[] = {
    {"list", required_argument, NULL, 'l'}, {"media", required_argument, NULL, 'm'},
    {"mono", required_argument, NULL, 'M'}, {"color", required_argument, NULL, 'C'},
    {"sheet", required_argument, NULL, 'S'}, {"duplex-discount", required_argument, NULL, 'D'},
    {"set", required_argument, NULL, 's'}, {"add", required_argument, NULL, 'a'},
    {"credit", required_argument, NULL, 'c'}, {"reason", required_argument, NULL, 'r'},
    {"period", required_argument, NULL, 'p'}, {"pages", required_argument, NULL, 'P'},
    {"cost", required_argument, NULL, 'K'}, {"unit", required_argument, NULL, 'u'}, {"by", required_argument, NULL, 'b'},
    {"from", required_argument, NULL, 'f'}, {"to", required_argument, NULL, 't'},
    {"description", required_argument, NULL, 'd'}, {"after", required_argument, NULL, 'A'},
    {"json", no_argument, NULL, 'j'}, {"csv", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  int ch;
  memset(o, 0, sizeof(*o));
  optind = 0; /* re-initialise getopt (see quire-cli.c) */
  while ((ch = getopt_long(argc, argv, "l:m:M:C:S:D:s:a:c:r:p:P:K:u:b:f:t:d:A:jvh", opts,
                           NULL)) != -1) {
    switch (ch) {
    case 'l': o->list = optarg; break;
    case 'm': o->media = optarg; break;
    case 'M': o->mono = optarg; break;
    case 'C': o->color = optarg; break;
    case 'S': o->sheet = optarg; break;
    case 'D': o->discount = optarg; break;
    case 's': o->set = optarg; break;
    case 'a': o->add = optarg; break;
    case 'c': o->credit = optarg; break;
    case 'r': o->reason = optarg; break;
    case 'p': o->period = optarg; break;
    case 'P': o->pages = optarg; break;
    case 'K': o->cost = optarg; break;
    case 'u':
      if (!strcmp(optarg, "pages")) o->pages = "";
      else if (!strcmp(optarg, "cost")) o->cost = "";
      else { acc_usage(stderr); return false; }
      break;
    case 'b': o->by = optarg; break;
    case 'f': o->from = optarg; break;
    case 't': o->to = optarg; break;
    case 'd': o->description = optarg; break;
    case 'A': o->after = strtoll(optarg, NULL, 10); break;
    case 'j': o->json = true; break;
    case 'v': o->csv = true; break;
    case 'h': acc_usage(stdout); exit(0);
    default: acc_usage(stderr); return false;
    }
  }
  for (; optind < argc && o->nargs < 3; optind++)
    o->args[o->nargs++] = argv[optind];
  return true;
}

/* Parses an amount flag into *v (unchanged when the flag is absent); false after a message. */
static bool acc_amount(const char *flag, const char *text, int64_t *v)
{
  if (!text)
    return true;
  if (money_parse(text, v))
    return true;
  fprintf(stderr, "quire: --%s: '%s' is not an amount like 0.05\n", flag, text);
  return false;
}

static int acc_price(store_t *s, const acc_opts_t *o)
{
  const char *sub = o->nargs > 0 ? o->args[0] : "list";
  const char *list = o->list ? o->list : "default";
  const char *media = accounting_media_key(o->media);
  char a[32], b[32], c[32];
  if (!strcmp(sub, "list")) {
    size_t n = 0;
    store_price_t **p = store_price_list(s, &n);
    printf("%-12s %-24s %10s %10s %10s %8s\n", "LIST", "MEDIA", "MONO/PAGE", "COLOR/PAGE",
           "SHEET", "DUPLEX");
    for (size_t i = 0; p && i < n; i++) {
      money_format(p[i]->mono_page, a, sizeof(a));
      money_format(p[i]->color_page, b, sizeof(b));
      money_format(p[i]->sheet, c, sizeof(c));
      printf("%-12s %-24s %10s %10s %10s %7d%%\n", p[i]->list,
             strcmp(p[i]->media, "*") ? p[i]->media : "any", a, b, c, p[i]->duplex_discount);
    }
    store_prices_free(p, n);
    return p ? 0 : 1;
  }
  if (!strcmp(sub, "set")) {
    char why[256];
    acct_price_edit_t e = {list, media, o->mono, o->color, o->sheet,
                           o->discount ? atoi(o->discount) : -1};
    if (o->discount && e.duplex_discount < 0)
      e.duplex_discount = 101;   /* refused below, with the message */
    acct_result_t r = accounting_price_set(s, &e, why, sizeof(why));
    if (r != ACCT_OK) {
      fprintf(stderr, "quire: %s\n", why);
      return r == ACCT_INVALID ? 2 : 1;
    }
    printf("price of list %s for %s saved\n", list, strcmp(media, "*") ? media : "any media");
    return 0;
  }
  if (!strcmp(sub, "del")) {
    bool ok = store_price_delete(s, list, media);
    fprintf(ok ? stdout : stderr, ok ? "price deleted\n" : "quire: no such price\n");
    return ok ? 0 : 1;
  }
  if (!strcmp(sub, "device") && o->nargs >= 2) {
    const char *dev = o->args[1];
    const char *l = o->nargs > 2 ? o->args[2] : list;
    bool ok = store_device_price_list_set(s, dev, l);
    if (ok)
      printf("device %s charges with price list %s\n", dev, l);
    return ok ? 0 : 1;
  }
  acc_usage(stderr);
  return 2;
}

static int acc_account(store_t *s, const acc_opts_t *o)
{
  const char *sub = o->nargs > 0 ? o->args[0] : "list";
  const char *name = o->nargs > 1 ? o->args[1] : NULL;
  if (!strcmp(sub, "list")) {
    size_t n = 0;
    store_account_t **a = store_account_list(s, &n);
    printf("%-24s %s\n", "ACCOUNT", "DESCRIPTION");
    for (size_t i = 0; a && i < n; i++)
      printf("%-24s %s\n", a[i]->name, a[i]->description ? a[i]->description : "");
    store_accounts_free(a, n);
    return a ? 0 : 1;
  }
  if (!name) {
    acc_usage(stderr);
    return 2;
  }
  if (!strcmp(sub, "add")) {
    store_account_t a = {(char *)name, (char *)o->description, 0};
    bool ok = store_account_put(s, &a);
    if (ok)
      printf("account %s saved\n", name);
    return ok ? 0 : 1;
  }
  if (!strcmp(sub, "del")) {
    bool ok = store_account_delete(s, name);
    fprintf(ok ? stdout : stderr, ok ? "account %s deleted\n" : "quire: no account %s\n", name);
    return ok ? 0 : 1;
  }
  acc_usage(stderr);
  return 2;
}

static int acc_balance(cli_t *cli, store_t *s, const acc_opts_t *o)
{
  const char *user = o->nargs > 0 ? o->args[0] : NULL;
  const char *cur = cli->config->accounting.currency;
  char a[32], b[32];
  if (!user) {
    acc_usage(stderr);
    return 2;
  }
  int64_t amount = 0, credit = -1;
  if ((o->set && o->add) || !acc_amount("set", o->set, &amount) ||
      !acc_amount("add", o->add, &amount) || !acc_amount("credit", o->credit, &credit)) {
    if (o->set && o->add)
      fprintf(stderr, "quire: give --set or --add, not both\n");
    return 2;
  }
  if ((o->set || o->add || o->credit) &&
      !store_balance_adjust(s, user, amount, o->set != NULL, credit,
                            o->reason ? o->reason : o->set ? "set by admin" : "added by admin",
                            "quire"))
    return 1;
  store_balance_t *bal = store_balance_get(s, user);
  if (!bal)
    return 1;
  money_format(bal->balance, a, sizeof(a));
  money_format(bal->credit, b, sizeof(b));
  printf("%s: balance %s %s, credit %s %s\n", user, a, cur, b, cur);
  store_balance_free(bal);
  return 0;
}

static int acc_balances(cli_t *cli, store_t *s)
{
  size_t n = 0;
  char a[32], b[32];
  store_balance_t **list = store_balance_list(s, &n);
  printf("%-16s %12s %12s\n", "USER", "BALANCE", "CREDIT");
  for (size_t i = 0; list && i < n; i++) {
    money_format(list[i]->balance, a, sizeof(a));
    money_format(list[i]->credit, b, sizeof(b));
    printf("%-16s %12s %12s %s\n", list[i]->user, a, b, cli->config->accounting.currency);
  }
  store_balances_free(list, n);
  return list ? 0 : 1;
}

static int acc_quota(store_t *s, const acc_opts_t *o)
{
  const char *sub = o->nargs > 0 ? o->args[0] : "list";
  if (!strcmp(sub, "list")) {
    size_t n = 0;
    store_quota_t **q = store_quota_list(s, &n);
    printf("%-6s %-16s %-6s %-6s %s\n", "KIND", "SUBJECT", "PERIOD", "UNIT", "AMOUNT");
    for (size_t i = 0; q && i < n; i++) {
      char a[32];
      if (!strcmp(q[i]->unit, "cost"))
        money_format(q[i]->amount, a, sizeof(a));
      else
        snprintf(a, sizeof(a), "%" PRId64, q[i]->amount);
      printf("%-6s %-16s %-6s %-6s %s\n", q[i]->subject_kind, q[i]->subject, q[i]->period,
             q[i]->unit, a);
    }
    store_quotas_free(q, n);
    return q ? 0 : 1;
  }
  const char *who = o->nargs > 1 ? o->args[1] : "";
  const char *colon = strchr(who, ':');
  char kind[16] = "", why[256] = "";
  if (colon && colon - who < (int)sizeof(kind))
    snprintf(kind, sizeof(kind), "%.*s", (int)(colon - who), who);
  bool del = !strcmp(sub, "del");
  store_quota_t q;
  if ((!del && strcmp(sub, "set")) || !colon || (!o->pages == !o->cost) ||
      accounting_quota_make(kind, colon + 1, o->period, o->pages ? "pages" : "cost",
                            del ? NULL : o->pages ? o->pages : o->cost, &q, why,
                            sizeof(why)) != ACCT_OK) {
    fprintf(stderr, "quire: quota %s needs user:NAME or group:NAME, --period "
                    "day|week|month|year|total and one of --pages N (N > 0), --cost AMOUNT%s%s\n",
            sub, why[0] ? ": " : "", why);
    return 2;
  }
  if (del) {
    bool ok = store_quota_delete(s, q.subject_kind, q.subject, q.period, q.unit);
    fprintf(ok ? stdout : stderr, ok ? "quota deleted\n" : "quire: no such quota\n");
    return ok ? 0 : 1;
  }
  bool ok = store_quota_put(s, &q);
  if (ok)
    printf("quota saved\n");
  return ok ? 0 : 1;
}

static int acc_report(cli_t *cli, store_t *s, const acc_opts_t *o)
{
  time_t from = accounting_parse_date(o->from, 0);
  time_t to = accounting_parse_date(o->to, time(NULL) + 86400 * 366);
  if (!o->by || from < 0 || to < 0) {
    fprintf(stderr, "quire: report needs --by user|group|device|queue|day|account; dates are "
                    "YYYY-MM-DD (--to is exclusive)\n");
    return 2;
  }
  size_t n = 0;
  store_report_row_t **rows = store_report(s, o->by, from, to, &n);
  if (!rows) {
    fprintf(stderr, "quire: cannot report by '%s'\n", o->by);
    return 2;
  }
  if (o->json)
    printf("[\n");
  else if (o->csv)
    printf("%s,jobs,pages,sheets,color_pages,mono_pages,cost\n", o->by);
  else
    printf("%-20s %6s %8s %8s %8s %8s %12s\n", o->by, "JOBS", "PAGES", "SHEETS", "COLOR", "MONO",
           "COST");
  for (size_t i = 0; i < n; i++) {
    store_report_row_t *r = rows[i];
    char cost[32];
    money_format(r->cost, cost, sizeof(cost));
    if (o->json) {
      gchar *k = g_strescape(r->key ? r->key : "", NULL);
      printf("%s  {\"key\": \"%s\", \"jobs\": %" PRId64 ", \"pages\": %" PRId64 ", \"sheets\": %"
             PRId64 ", \"color_pages\": %" PRId64 ", \"mono_pages\": %" PRId64 ", \"cost\": %s}",
             i ? ",\n" : "", k, r->jobs, r->pages, r->sheets, r->color_pages, r->mono_pages, cost);
      g_free(k);
    } else {
      printf(o->csv ? "%s,%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%s\n"
                    : "%-20s %6" PRId64 " %8" PRId64 " %8" PRId64 " %8" PRId64 " %8" PRId64
                      " %12s\n",
             r->key ? r->key : "", r->jobs, r->pages, r->sheets, r->color_pages, r->mono_pages,
             cost);
    }
  }
  if (o->json)
    printf("%s]\n", n ? "\n" : "");
  (void)cli;
  store_report_free(rows, n);
  return 0;
}

static int acc_journal(store_t *s, const acc_opts_t *o)
{
  size_t n = 0;
  store_record_t **r = store_journal_list(s, o->after, 0, &n);
  if (!r)
    return 1;
  if (!o->json)
    printf("%-6s %-6s %-12s %-12s %-20s %6s %6s %6s %4s %10s\n", "SEQ", "JOB", "USER", "DEVICE",
           "PRINTED", "PAGES", "SHEETS", "COLOR", "DUP", "COST");
  for (size_t i = 0; i < n; i++) {
    char when[32], cost[32];
    struct tm tm;
    localtime_r(&r[i]->printed, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
    money_format(r[i]->cost, cost, sizeof(cost));
    if (o->json)
      printf("{\"seq\": %" PRId64 ", \"delivery\": %" PRId64 ", \"job\": %d, \"user\": \"%s\", "
             "\"queue\": \"%s\", \"device\": \"%s\", \"site\": \"%s\", \"account\": \"%s\", "
             "\"printed\": %lld, \"submitted\": %lld, \"pages\": %d, \"sheets\": %d, "
             "\"color_pages\": %d, \"mono_pages\": %d, \"copies\": %d, \"duplex\": %s, "
             "\"media\": \"%s\", \"format\": \"%s\", \"cost\": %s, \"hash\": \"%s\"}\n",
             r[i]->seq, r[i]->delivery, r[i]->job_id, r[i]->user, r[i]->queue ? r[i]->queue : "",
             r[i]->device ? r[i]->device : "", r[i]->site ? r[i]->site : "",
             r[i]->account ? r[i]->account : "", (long long)r[i]->printed,
             (long long)r[i]->submitted, r[i]->pages, r[i]->sheets, r[i]->color_pages,
             r[i]->mono_pages, r[i]->copies, r[i]->duplex ? "true" : "false",
             r[i]->media ? r[i]->media : "", r[i]->format ? r[i]->format : "", cost, r[i]->hash);
    else
      printf("%-6" PRId64 " %-6d %-12s %-12s %-20s %6d %6d %6d %4s %10s\n", r[i]->seq,
             r[i]->job_id, r[i]->user, r[i]->device ? r[i]->device : "", when, r[i]->pages,
             r[i]->sheets, r[i]->color_pages, r[i]->duplex ? "yes" : "no", cost);
  }
  store_records_free(r, n);
  return 0;
}

bool cli_is_accounting(const char *cmd)
{
  static const char *const cmds[] = {"price", "account", "balance", "balances", "quota",
                                     "report", "journal", "verify-journal"};
  for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
    if (!strcmp(cmd, cmds[i]))
      return true;
  return false;
}

int cli_accounting(cli_t *cli, int argc, char **argv)
{
  acc_opts_t o;
  if (!acc_parse(argc, argv, &o))
    return 2;
  store_t *s = cli_store(cli);
  if (!s)
    return 1;
  const char *cmd = argv[0];
  int rc = 2;
  int64_t bad = 0;
  if (!strcmp(cmd, "price")) rc = acc_price(s, &o);
  else if (!strcmp(cmd, "account")) rc = acc_account(s, &o);
  else if (!strcmp(cmd, "balance")) rc = acc_balance(cli, s, &o);
  else if (!strcmp(cmd, "balances")) rc = acc_balances(cli, s);
  else if (!strcmp(cmd, "quota")) rc = acc_quota(s, &o);
  else if (!strcmp(cmd, "report")) rc = acc_report(cli, s, &o);
  else if (!strcmp(cmd, "journal")) rc = acc_journal(s, &o);
  else if (!strcmp(cmd, "verify-journal")) rc = accounting_verify(s, stdout, &bad) ? 0 : 1;
  store_close(s);
  return rc;
}
