/*
 * route.c: dispatch of non-IPP requests to the route tables, reply and JSON helpers (web.h).
 */
#include "web.h"

#include "api.h"
#include "setup.h"

#include "../core/util.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every route table, searched in this order. */
static const web_route_t *const web_route_tables[] = {
  setup_routes,        /* first: "/" is the set-up page until the set-up is done */
  api_admin_routes,
  NULL
};

/* True when `route` (exact, or a prefix when it ends in '*') matches `path`. */
static bool web_route_matches(const char *route, const char *path)
{
  size_t n = strlen(route);
  if (n && route[n - 1] == '*')
    return !strncmp(path, route, n - 1);
  return !strcmp(route, path);
}

bool web_dispatch(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
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
  return path_known;
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

void web_reply_clear(web_reply_t *rep)
{
  free(rep->body);
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

bool web_admin_token(const web_ctx_t *ctx, const web_request_t *req)
{
  const char *auth = req->header(req, "Authorization");
  const char *token = ctx->sys->admin_token;
  size_t n = strlen(token);
  return auth && !strncmp(auth, "Bearer ", 7) && strlen(auth + 7) == n &&
         CRYPTO_memcmp(auth + 7, token, n) == 0;
}
