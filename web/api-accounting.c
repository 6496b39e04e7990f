/*
 * api-accounting.c: price lists, quotas, balances and accounts in the admin API
 * (api-accounting.h, docs/api.md "Prices, quotas, balances and accounts"). Amounts are decimal
 * strings in the configured currency, parsed by money_parse; changes go through
 * core/accounting.h and core/store-accounting.h, the same code as `quire price|quota|balance`.
 */
#include "api-accounting.h"

#include "session.h"

#include "../core/accounting.h"
#include "../core/device.h"
#include "../core/log.h"
#include "../core/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The admin asking, or NULL with 401/403 set. Caller frees. */
static web_user_t *acct_admin(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  return web_session_require(ctx, req, rep, WEB_ROLE_ADMIN);
}

/* Adds "name": the amount as a decimal string. */
static void acct_json_money(JsonBuilder *b, const char *name, int64_t units)
{
  char buf[32];
  money_format(units, buf, sizeof(buf));
  web_json_str(b, name, buf);
}

/* Adds "currency": the configured currency. */
static void acct_json_currency(const web_ctx_t *ctx, JsonBuilder *b)
{
  pthread_rwlock_rdlock(&ctx->sys->config_lock);
  web_json_str(b, "currency", ctx->sys->config->accounting.currency);
  pthread_rwlock_unlock(&ctx->sys->config_lock);
}

/* Splits the rest of `req->path` after `prefix` into `n` non-empty segments copied into
 * `segs` (each `size` bytes). False when the path has another shape. */
static bool acct_segments(const web_request_t *req, const char *prefix, char (*segs)[128],
                          int n)
{
  const char *p = req->path + strlen(prefix);
  for (int i = 0; i < n; i++) {
    const char *end = strchr(p, '/');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (!len || len >= 128 || (i == n - 1) != !end)
      return false;
    snprintf(segs[i], 128, "%.*s", (int)len, p);
    p += len + (end ? 1 : 0);
  }
  return true;
}

/* A string member that must be a decimal string if present: *v set (NULL when absent). False
 * with 400 set when it is present but not a string. */
static bool acct_amount_member(JsonObject *o, const char *name, const char **v, web_reply_t *rep)
{
  JsonNode *n = json_object_get_member(o, name);
  *v = NULL;
  if (!n || JSON_NODE_HOLDS_NULL(n))
    return true;
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
    web_reply_error(rep, 400, "%s: amounts are decimal strings like \"0.05\"", name);
    return false;
  }
  *v = json_node_get_string(n);
  return true;
}

/* ---- prices ------------------------------------------------------------------------------- */

/* Adds "lists": the price rows grouped by list (rows come sorted by list, then media). */
static void acct_json_lists(JsonBuilder *b, store_price_t **p, size_t n)
{
  json_builder_set_member_name(b, "lists");
  json_builder_begin_array(b);
  for (size_t i = 0; i < n; i++) {
    if (i == 0 || strcmp(p[i]->list, p[i - 1]->list)) {
      if (i)
        json_builder_end_array(b), json_builder_end_object(b);
      json_builder_begin_object(b);
      web_json_str(b, "name", p[i]->list);
      json_builder_set_member_name(b, "prices");
      json_builder_begin_array(b);
    }
    json_builder_begin_object(b);
    web_json_str(b, "media", strcmp(p[i]->media, "*") ? p[i]->media : "any");
    acct_json_money(b, "mono", p[i]->mono_page);
    acct_json_money(b, "color", p[i]->color_page);
    acct_json_money(b, "sheet", p[i]->sheet);
    web_json_int(b, "duplex_discount", p[i]->duplex_discount);
    json_builder_end_object(b);
  }
  if (n)
    json_builder_end_array(b), json_builder_end_object(b);
  json_builder_end_array(b);
}

/* Adds "devices": every device with the price list it charges with. */
static void acct_json_devices(const web_ctx_t *ctx, JsonBuilder *b)
{
  size_t n = 0;
  device_t **list = device_list(ctx->sys, &n);
  json_builder_set_member_name(b, "devices");
  json_builder_begin_array(b);
  for (size_t i = 0; list && i < n; i++) {
    char *pl = store_device_price_list(ctx->sys->store, list[i]->name);
    json_builder_begin_object(b);
    web_json_str(b, "name", list[i]->name);
    web_json_str(b, "price_list", pl ? pl : "default");
    json_builder_end_object(b);
    free(pl);
  }
  json_builder_end_array(b);
  devices_free(list, n);
}

static void acct_prices_get(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  web_user_t *me = acct_admin(ctx, req, rep);
  if (!me)
    return;
  size_t n = 0;
  store_price_t **p = store_price_list(ctx->sys->store, &n);
  if (!p) {
    web_reply_error(rep, 500, "cannot read the prices");
  } else {
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    acct_json_currency(ctx, b);
    acct_json_lists(b, p, n);
    acct_json_devices(ctx, b);
    json_builder_end_object(b);
    web_reply_json(rep, 200, web_json_finish(b));
  }
  store_prices_free(p, n);
  web_user_free(me);
}

/* PUT /api/prices/LIST/MEDIA {"mono", "color", "sheet", "duplex_discount"} (what is left out
 * is kept); DELETE /api/prices/LIST/MEDIA. MEDIA "any" is every media without its own row. */
static void acct_price_item(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  char segs[2][128], why[256];
  web_user_t *me = acct_admin(ctx, req, rep);
  if (!me)
    return;
  JsonNode *root = NULL;
  if (!acct_segments(req, "/api/prices/", segs, 2)) {
    web_reply_error(rep, 404, "give /api/prices/LIST/MEDIA (MEDIA \"any\" for every media)");
  } else if (!strcmp(req->method, "DELETE")) {
    if (store_price_delete(ctx->sys->store, segs[0], accounting_media_key(segs[1])))
      web_reply_json(rep, 200, util_strdup("{\"deleted\": true}\n"));
    else
      web_reply_error(rep, 404, "no price for %s in list %s", segs[1], segs[0]);
  } else if ((root = web_json_body(req, rep))) {
    JsonObject *o = json_node_get_object(root);
    acct_price_edit_t e = {segs[0], segs[1], NULL, NULL, NULL,
                           /* out of range stays out of range: refused below */
                           (int)CLAMP(web_json_get_int(o, "duplex_discount", -1), -1, 1000)};
    JsonNode *dd = json_object_get_member(o, "duplex_discount");
    if (dd && (!JSON_NODE_HOLDS_VALUE(dd) || json_node_get_value_type(dd) != G_TYPE_INT64))
      web_reply_error(rep, 400, "the duplex discount is a whole percentage from 0 to 100");
    else if (acct_amount_member(o, "mono", &e.mono, rep) &&
        acct_amount_member(o, "color", &e.color, rep) &&
        acct_amount_member(o, "sheet", &e.sheet, rep)) {
      acct_result_t r = accounting_price_set(ctx->sys->store, &e, why, sizeof(why));
      if (r == ACCT_OK) {
        log_info("web: %s set the price of %s in list %s", me->name, segs[1], segs[0]);
        acct_prices_get(ctx, req, rep);
      } else {
        web_reply_error(rep, r == ACCT_INVALID ? 400 : 500, "%s", why);
      }
    }
    json_node_unref(root);
  }
  web_user_free(me);
}

/* PUT /api/devices/NAME/price-list {"list"}: the price list a device charges with. */
static void acct_device_list(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  char segs[2][128] = {{0}};   /* the route fixes segs[1] to "price-list" */
  web_user_t *me = acct_admin(ctx, req, rep);
  if (!me)
    return;
  JsonNode *root = NULL;
  device_t *d = NULL;
  if (!acct_segments(req, "/api/devices/", segs, 2) || !(d = device_get(ctx->sys, segs[0]))) {
    web_reply_error(rep, 404, "no such device");
  } else if ((root = web_json_body(req, rep))) {
    const char *list = web_json_get_str(json_node_get_object(root), "list", NULL);
    if (!list || !*list || strlen(list) > 63)
      web_reply_error(rep, 400, "give the price list's name as \"list\"");
    else if (!store_device_price_list_set(ctx->sys->store, d->name, list))
      web_reply_error(rep, 500, "cannot save the price list of %s", d->name);
    else {
      log_info("web: %s: device %s charges with price list %s", me->name, d->name, list);
      acct_prices_get(ctx, req, rep);
    }
    json_node_unref(root);
  }
  device_free(d);
  web_user_free(me);
}

/* ---- quotas ------------------------------------------------------------------------------- */

static void acct_quotas_get(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  web_user_t *me = acct_admin(ctx, req, rep);
  if (!me)
    return;
  size_t n = 0;
  store_quota_t **q = store_quota_list(ctx->sys->store, &n);
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  acct_json_currency(ctx, b);
  json_builder_set_member_name(b, "quotas");
  json_builder_begin_array(b);
  for (size_t i = 0; q && i < n; i++) {
    bool group = !strcmp(q[i]->subject_kind, "group");
    bool cost = !strcmp(q[i]->unit, "cost");
    int64_t pages = 0, used_cost = 0;
    time_t since = accounting_period_start(q[i]->period, time(NULL));
    bool used = since >= 0 && store_usage(ctx->sys->store, group ? NULL : q[i]->subject,
                                          group ? q[i]->subject : NULL, since, &pages,
                                          &used_cost);
    json_builder_begin_object(b);
    web_json_str(b, "kind", q[i]->subject_kind);
    web_json_str(b, "subject", q[i]->subject);
    web_json_str(b, "period", q[i]->period);
    web_json_str(b, "unit", q[i]->unit);
    if (cost) {
      acct_json_money(b, "amount", q[i]->amount);
      acct_json_money(b, "used", used ? used_cost : 0);
    } else {
      char a[32];
      snprintf(a, sizeof(a), "%" PRId64, q[i]->amount);
      web_json_str(b, "amount", a);
      snprintf(a, sizeof(a), "%" PRId64, used ? pages : 0);
      web_json_str(b, "used", a);
    }
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
  char *json = web_json_finish(b);
  if (q)
    web_reply_json(rep, 200, json);
  else
    web_reply_error(rep, 500, "cannot read the quotas");
  if (!q)
    free(json);
  store_quotas_free(q, n);
  web_user_free(me);
}

/* A quota member given as a string or a whole number, into `buf`; NULL when absent. */
static const char *acct_quota_value(JsonObject *o, const char *name, char *buf, size_t len)
{
  JsonNode *n = json_object_get_member(o, name);
  if (!n || !JSON_NODE_HOLDS_VALUE(n))
    return NULL;
  if (json_node_get_value_type(n) == G_TYPE_INT64)
    snprintf(buf, len, "%" PRId64, (int64_t)json_node_get_int(n));
  else if (json_node_get_value_type(n) == G_TYPE_STRING)
    snprintf(buf, len, "%s", json_node_get_string(n));
  else
    snprintf(buf, len, "?");
  return buf;
}

/* PUT /api/quotas {"kind", "subject", "period", "pages": N | "cost": "A"} (or "unit" and
 * "amount"); DELETE /api/quotas with kind, subject, period, unit (body or query). */
static void acct_quota_change(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  web_user_t *me = acct_admin(ctx, req, rep);
  if (!me)
    return;
  bool del = !strcmp(req->method, "DELETE");
  JsonNode *root = !del || req->body_len ? web_json_body(req, rep) : NULL;
  JsonObject *o = root ? json_node_get_object(root) : NULL;
  char pages[64], cost[64], amount[64], why[256];
  const char *p = o ? acct_quota_value(o, "pages", pages, sizeof(pages)) : NULL;
  const char *c = o ? acct_quota_value(o, "cost", cost, sizeof(cost)) : NULL;
  const char *unit = p ? "pages" : c ? "cost"
                     : web_json_get_str(o, "unit", req->query(req, "unit"));
  const char *a = p ? p : c ? c : o ? acct_quota_value(o, "amount", amount, sizeof(amount)) : NULL;
  store_quota_t q;
  if (!del && !root) {
    /* 400 set */
  } else if ((p && c) || accounting_quota_make(
               web_json_get_str(o, "kind", req->query(req, "kind")),
               web_json_get_str(o, "subject", req->query(req, "subject")),
               web_json_get_str(o, "period", req->query(req, "period")), unit,
               del ? NULL : a ? a : "", &q, why, sizeof(why)) != ACCT_OK) {
    web_reply_error(rep, 400, "%s", p && c ? "give pages or cost, not both" : why);
  } else if (del ? !store_quota_delete(ctx->sys->store, q.subject_kind, q.subject, q.period,
                                       q.unit)
                 : !store_quota_put(ctx->sys->store, &q)) {
    web_reply_error(rep, del ? 404 : 500, del ? "no such quota" : "cannot save the quota");
  } else {
    log_info("web: %s %s the %s quota of %s %s", me->name, del ? "deleted" : "set", q.period,
             q.subject_kind, q.subject);
    acct_quotas_get(ctx, req, rep);
  }
  if (root)
    json_node_unref(root);
  web_user_free(me);
}

/* ---- balances ----------------------------------------------------------------------------- */

/* Adds one balance object. */
static void acct_json_balance(JsonBuilder *b, const store_user_t *u, const store_balance_t *bal)
{
  json_builder_begin_object(b);
  web_json_str(b, "user", u->name);
  web_json_str(b, "full_name", u->full_name);
  web_json_bool(b, "restricted", u->restricted);
  acct_json_money(b, "balance", bal ? bal->balance : 0);
  acct_json_money(b, "credit", bal ? bal->credit : 0);
  web_json_int(b, "updated", bal ? bal->updated : 0);
  json_builder_end_object(b);
}

static void acct_balances_get(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  web_user_t *me = acct_admin(ctx, req, rep);
  if (!me)
    return;
  size_t n = 0;
  store_user_t **users = store_user_list(ctx->sys->store, &n);
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  acct_json_currency(ctx, b);
  json_builder_set_member_name(b, "balances");
  json_builder_begin_array(b);
  for (size_t i = 0; users && i < n; i++) {
    store_balance_t *bal = store_balance_get(ctx->sys->store, users[i]->name);
    acct_json_balance(b, users[i], bal);
    store_balance_free(bal);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
  char *json = web_json_finish(b);
  if (users)
    web_reply_json(rep, 200, json);
  else
    web_reply_error(rep, 500, "cannot read the users");
  if (!users)
    free(json);
  store_users_free(users, n);
  web_user_free(me);
}

/* POST /api/balances/NAME {"add": "5.00"} | {"set": "10.00"} [, "credit", "note"]. */
static void acct_balance_post(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  char segs[1][128];
  web_user_t *me = acct_admin(ctx, req, rep);
  if (!me)
    return;
  store_user_t *u = acct_segments(req, "/api/balances/", segs, 1)
                    ? store_user_get(ctx->sys->store, segs[0]) : NULL;
  JsonNode *root = u ? web_json_body(req, rep) : NULL;
  JsonObject *o = root ? json_node_get_object(root) : NULL;
  const char *add = NULL, *set = NULL, *credit = NULL;
  int64_t amount = 0, floor = -1;
  if (!u) {
    web_reply_error(rep, 404, "no such user");
  } else if (!root || !acct_amount_member(o, "add", &add, rep) ||
             !acct_amount_member(o, "set", &set, rep) ||
             !acct_amount_member(o, "credit", &credit, rep)) {
    /* 400 set */
  } else if ((add && set) || (!add && !set && !credit)) {
    web_reply_error(rep, 400, "give \"add\" or \"set\" (an amount like \"5.00\"), not both");
  } else if ((add && !money_parse(add, &amount)) || (set && !money_parse(set, &amount)) ||
             (credit && (!money_parse(credit, &floor) || floor < 0))) {
    web_reply_error(rep, 400, "'%s' is not an amount like 5.00",
                    add && !money_parse(add, &amount) ? add
                    : set && !money_parse(set, &amount) ? set : credit);
  } else {
    const char *note = web_json_get_str(o, "note", NULL);
    char *by = util_printf("web:%s", me->name);
    if (!store_balance_adjust(ctx->sys->store, u->name, amount, set != NULL, floor,
                              note && *note ? note : set ? "set by admin" : "added by admin",
                              by)) {
      web_reply_error(rep, 500, "cannot change the balance of %s", u->name);
    } else {
      store_balance_t *bal = store_balance_get(ctx->sys->store, u->name);
      JsonBuilder *b = json_builder_new();
      acct_json_balance(b, u, bal);
      web_reply_json(rep, 200, web_json_finish(b));
      store_balance_free(bal);
      log_info("web: %s changed the balance of %s", me->name, u->name);
    }
    free(by);
  }
  if (root)
    json_node_unref(root);
  store_user_free(u);
  web_user_free(me);
}

/* ---- accounts ----------------------------------------------------------------------------- */

static void acct_accounts_get(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  web_user_t *me = acct_admin(ctx, req, rep);
  if (!me)
    return;
  size_t n = 0;
  store_account_t **a = store_account_list(ctx->sys->store, &n);
  JsonBuilder *b = json_builder_new();
  json_builder_begin_array(b);
  for (size_t i = 0; a && i < n; i++) {
    json_builder_begin_object(b);
    web_json_str(b, "name", a[i]->name);
    web_json_str(b, "description", a[i]->description);
    web_json_int(b, "created", a[i]->created);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  char *json = web_json_finish(b);
  if (a)
    web_reply_json(rep, 200, json);
  else
    web_reply_error(rep, 500, "cannot read the accounts");
  if (!a)
    free(json);
  store_accounts_free(a, n);
  web_user_free(me);
}

/* POST /api/accounts {"name", "description"}: creates or changes an account. */
static void acct_account_post(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  web_user_t *me = acct_admin(ctx, req, rep);
  JsonNode *root = me ? web_json_body(req, rep) : NULL;
  if (root) {
    JsonObject *o = json_node_get_object(root);
    const char *name = web_json_get_str(o, "name", NULL);
    store_account_t a = {(char *)name, (char *)web_json_get_str(o, "description", NULL), 0};
    if (!name || !*name || strlen(name) > 64 || strchr(name, '/'))
      web_reply_error(rep, 400, "an account needs a \"name\" (up to 64 characters, no '/')");
    else if (!store_account_put(ctx->sys->store, &a))
      web_reply_error(rep, 500, "cannot save the account");
    else
      acct_accounts_get(ctx, req, rep);
    if (rep->status == 200)
      rep->status = 201;
    json_node_unref(root);
  }
  web_user_free(me);
}

static void acct_account_delete(const web_ctx_t *ctx, const web_request_t *req,
                                web_reply_t *rep)
{
  char segs[1][128];
  web_user_t *me = acct_admin(ctx, req, rep);
  if (!me)
    return;
  if (!acct_segments(req, "/api/accounts/", segs, 1) ||
      !store_account_delete(ctx->sys->store, segs[0]))
    web_reply_error(rep, 404, "no such account");
  else
    acct_accounts_get(ctx, req, rep);
  web_user_free(me);
}

const web_route_t api_accounting_routes[] = {
  {"GET", "/api/prices", acct_prices_get},
  {"PUT", "/api/prices/*/*", acct_price_item},
  {"DELETE", "/api/prices/*/*", acct_price_item},
  {"PUT", "/api/devices/*/price-list", acct_device_list},
  {"GET", "/api/quotas", acct_quotas_get},
  {"PUT", "/api/quotas", acct_quota_change},
  {"DELETE", "/api/quotas", acct_quota_change},
  {"GET", "/api/balances", acct_balances_get},
  {"POST", "/api/balances/*", acct_balance_post},
  {"GET", "/api/accounts", acct_accounts_get},
  {"POST", "/api/accounts", acct_account_post},
  {"DELETE", "/api/accounts/*", acct_account_delete},
  {NULL, NULL, NULL}
};
