/*
 * route.c: dispatch of non-IPP requests to the route tables, reply and JSON helpers (web.h).
 */
#include "web.h"

#include "api.h"
#include "assets.h"
#include "login.h"
#include "session.h"
#include "tls-api.h"
#include "api-accounting.h"
#include "api-devices.h"
#include "api-users.h"
#include "api-release.h"
#include "api-reports.h"
#include "audit.h"
#include "api-queues.h"
#include "api-settings.h"
#include "setup.h"

#include "../core/log.h"
#include "../core/util.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Every route table, searched in this order. */
static const web_route_t *const web_route_tables[] = {
  setup_routes,        /* first: "/" is the set-up page until the set-up is done */
  api_accounting_routes, /* before api_devices_routes: PUT /api/devices/NAME/price-list */
  api_users_routes,
  api_devices_routes,   /* first: api_admin_routes takes every GET under /api/jobs/ */
  api_release_routes,
  api_reports_routes,
  api_queues_routes,     /* before api_admin_routes, which has GET /api/queues too */
  api_settings_routes,
  web_audit_routes,
  web_login_routes,
  web_page_routes,
  web_tls_routes,
  api_admin_routes,
  NULL
};

/* Content-Security-Policy of every reply: this site only, no inline script or style, no
 * plugins, never framed, forms post here only. */
#define WEB_CSP_FRAMEABLE "default-src 'self'; script-src 'self'; style-src 'self'; " \
                          "img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
#define WEB_CSP WEB_CSP_FRAMEABLE "; frame-ancestors 'none'"

/* Adds the headers every reply carries (see web_dispatch). */
static void web_reply_security_headers(web_reply_t *rep)
{
  web_reply_header(rep, "Content-Security-Policy", rep->frame_ok ? WEB_CSP_FRAMEABLE : WEB_CSP);
  web_reply_header(rep, "X-Content-Type-Options", "nosniff");
  if (!rep->frame_ok)
    web_reply_header(rep, "X-Frame-Options", "DENY");
  web_reply_header(rep, "Referrer-Policy", "same-origin");
  if (!web_reply_has_header(rep, "Cache-Control"))
    web_reply_header(rep, "Cache-Control", "no-store");
}

/* True when `route` matches `path`: exactly, where a '*' inside the route stands for one
 * non-empty path segment ("/api/jobs/" "*" "/release") and a final '*' for any rest. */
static bool web_route_matches(const char *route, const char *path)
{
  while (*route) {
    if (*route == '*' && !route[1])
      return true;
    if (*route == '*') {
      const char *end = strchr(path, '/');
      if (!end || end == path)
        return false;
      path = end;
      route++;
    } else if (*route++ != *path++) {
      return false;
    }
  }
  return !*path;
}

/* Runs the route of `req`; sets 404/405 and returns false when there is none. */
static bool web_route_run(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  const char *method = !strcmp(req->method, "HEAD") ? "GET" : req->method;
  bool path_known = false;

  for (size_t t = 0; web_route_tables[t]; t++) {
    for (const web_route_t *r = web_route_tables[t]; r->path; r++) {
      if (!web_route_matches(r->path, req->path))
        continue;
      path_known = true;
      if (r->method && strcmp(r->method, method))
        continue;
      r->handler(ctx, req, rep);
      return true;
    }
  }
  if (path_known)
    web_reply_error(rep, 405, "method %s not allowed here", req->method);
  else
    web_reply_error(rep, 404, "not found");
  return false;
}

bool web_dispatch(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  bool found = true;
  if (web_request_changes_state(req) && !web_request_same_origin(req)) {
    const char *origin = req->header(req, "Origin");
    log_warn("web: cross-site %s %s from %s (Origin %s): refused", req->method, req->path,
             req->remote, origin ? origin : "none, Referer of another site");
    web_reply_error(rep, 403, "cross-site request refused");
  } else {
    found = web_route_run(ctx, req, rep);
    web_audit_record(ctx, req, rep);
  }
  web_reply_security_headers(rep);
  return found;
}

void web_reply_data(web_reply_t *rep, int status, const char *type, const void *data, size_t len)
{
  free(rep->body);
  rep->status = status;
  rep->type = type;
  rep->body = malloc(len + 1);
  if (!rep->body)
    abort();
  memcpy(rep->body, data, len);
  rep->body[len] = '\0';
  rep->len = len;
}

void web_reply_json(web_reply_t *rep, int status, char *json)
{
  free(rep->body);
  rep->status = status;
  rep->type = "application/json";
  rep->body = json;
  rep->len = strlen(json);
}

void web_reply_error(web_reply_t *rep, int status, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  web_json_str(b, "error", msg);
  json_builder_end_object(b);
  g_free(msg);
  web_reply_json(rep, status, web_json_finish(b));
}

void web_reply_header(web_reply_t *rep, const char *name, const char *value)
{
  if (rep->num_headers == WEB_MAX_HEADERS)
    return;
  rep->headers[rep->num_headers][0] = util_strdup(name);
  rep->headers[rep->num_headers][1] = util_strdup(value);
  rep->num_headers++;
}

void web_reply_redirect(web_reply_t *rep, const char *location)
{
  static const char body[] = "See Other\n";
  web_reply_data(rep, 303, "text/plain; charset=utf-8", body, sizeof(body) - 1);
  web_reply_header(rep, "Location", location);
}

bool web_reply_has_header(const web_reply_t *rep, const char *name)
{
  for (size_t i = 0; i < rep->num_headers; i++)
    if (!strcasecmp(rep->headers[i][0], name))
      return true;
  return false;
}

void web_reply_clear(web_reply_t *rep)
{
  free(rep->body);
  free(rep->actor);
  for (size_t i = 0; i < rep->num_headers; i++) {
    free(rep->headers[i][0]);
    free(rep->headers[i][1]);
  }
  memset(rep, 0, sizeof(*rep));
}

char *web_json_finish(JsonBuilder *b)
{
  JsonNode *root = json_builder_get_root(b);
  JsonGenerator *g = json_generator_new();
  json_generator_set_root(g, root);
  json_generator_set_pretty(g, TRUE);
  gchar *s = json_generator_to_data(g, NULL);
  char *r = util_printf("%s\n", s);
  g_free(s);
  g_object_unref(g);
  json_node_unref(root);
  g_object_unref(b);
  return r;
}

void web_json_str(JsonBuilder *b, const char *name, const char *v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_string_value(b, v ? v : "");
}

void web_json_int(JsonBuilder *b, const char *name, gint64 v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_int_value(b, v);
}

void web_json_bool(JsonBuilder *b, const char *name, bool v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_boolean_value(b, v);
}

void web_json_double(JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_double_value(b, v);
}

JsonNode *web_json_body(const web_request_t *req, web_reply_t *rep)
{
  JsonParser *p = json_parser_new();
  GError *e = NULL;
  JsonNode *root = NULL;

  if (!json_parser_load_from_data(p, req->body, (gssize)req->body_len, &e)) {
    web_reply_error(rep, 400, "the body is not JSON: %s", e ? e->message : "?");
  } else if (!json_parser_get_root(p) || !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
    web_reply_error(rep, 400, "the body must be a JSON object");
  } else {
    root = json_node_copy(json_parser_get_root(p));
  }
  if (e)
    g_error_free(e);
  g_object_unref(p);
  return root;
}

const char *web_json_get_str(JsonObject *o, const char *name, const char *def)
{
  JsonNode *n = o ? json_object_get_member(o, name) : NULL;
  if (!n || json_node_get_value_type(n) != G_TYPE_STRING)
    return def;
  return json_node_get_string(n);
}

gint64 web_json_get_int(JsonObject *o, const char *name, gint64 def)
{
  JsonNode *n = o ? json_object_get_member(o, name) : NULL;
  if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
    return def;
  return json_node_get_int(n);
}

bool web_json_get_bool(JsonObject *o, const char *name, bool def)
{
  JsonNode *n = o ? json_object_get_member(o, name) : NULL;
  if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
    return def;
  return json_node_get_boolean(n);
}

bool web_request_is_form(const web_request_t *req)
{
  const char *t = req->header(req, "Content-Type");
  return t && !strncasecmp(t, "application/x-www-form-urlencoded", 33);
}

char *web_form_value(const web_request_t *req, const char *name)
{
  GHashTable *form = g_uri_parse_params(req->body, (gssize)req->body_len, "&",
                                        G_URI_PARAMS_WWW_FORM, NULL);
  char *v = form ? util_strdup(g_hash_table_lookup(form, name)) : NULL;
  if (form)
    g_hash_table_destroy(form);
  return v;
}

bool web_admin_token(const web_ctx_t *ctx, const web_request_t *req)
{
  const char *auth = req->header(req, "Authorization");
  const char *token = ctx->sys->admin_token;
  size_t n = strlen(token);
  return auth && !strncmp(auth, "Bearer ", 7) && strlen(auth + 7) == n &&
         CRYPTO_memcmp(auth + 7, token, n) == 0;
}
