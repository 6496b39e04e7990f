/*
 * web.h: what every handler of quired's HTTP server shares (except IPP, which streams): one
 * request as received (method, path, headers, query, a bounded body), one reply to fill, route
 * tables, and JSON helpers (json-glib).
 *
 * Each web/ file that serves URLs exports a route table (web_route_t[], ended by an entry
 * with a NULL path); http.c dispatches every non-IPP request through web_dispatch, which
 * walks the tables in web_route_tables[] (route.c).
 */
#ifndef QUIRE_WEB_H
#define QUIRE_WEB_H

#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "../core/system.h"
#include "../ipp/ipp.h"

#define WEB_BODY_MAX (1024 * 1024)  /* request bodies larger than this get 413 */

/* One request. Every pointer is borrowed for the duration of the handler call. */
typedef struct web_request_s {
  const char *method;        /* "GET", "POST", ... (HEAD is served as GET) */
  const char *path;          /* URL path without the query */
  const char *body;          /* request body (NUL-terminated), "" when none */
  size_t body_len;
  const char *host;          /* Host header without the port ("localhost" when absent) */
  int port;                  /* port from the Host header, else the listening port */
  const char *remote;        /* client address, for logs and rate limits */
  bool tls;                  /* the request came over TLS */
  /* Header and query lookups (NULL when absent). */
  const char *(*header)(const struct web_request_s *req, const char *name);
  const char *(*query)(const struct web_request_s *req, const char *name);
  void *conn;                /* the server's connection handle, for the two lookups */
} web_request_t;

#define WEB_MAX_HEADERS 8

/* One reply. The handler sets status and body (a malloc'd buffer the server frees) and may add
 * headers (name and value copied). */
typedef struct web_reply_s {
  int status;
  const char *type;          /* Content-Type, static string */
  char *body;
  size_t len;
  char *headers[WEB_MAX_HEADERS][2];
  size_t num_headers;
} web_reply_t;

/* What handlers are given: the daemon's system and IPP service. */
typedef struct web_ctx_s {
  quire_system_t *sys;
  ipp_service_t *ipp;
} web_ctx_t;

/* A handler fills `rep`. */
typedef void (*web_handler_fn)(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep);

/* One route: `method` (NULL: any) and `path`, matched exactly, or as a prefix when it ends in
 * '*' (route "/api/jobs/" + "*" matches "/api/jobs/12/analysis"; the handler parses the rest);
 * a '*' inside the path stands for one segment ("/api/jobs/" "*" "/release"). */
typedef struct web_route_s {
  const char *method;
  const char *path;
  web_handler_fn handler;
} web_route_t;

/* Finds the route for `req` and runs it; 404 (or 405 when only the method differs) otherwise.
 * Returns false when no route matched the path at all. */
bool web_dispatch(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep);

/* Sets a reply: body copied from `data`. */
void web_reply_data(web_reply_t *rep, int status, const char *type, const void *data, size_t len);

/* Sets a JSON reply, taking ownership of `json` (malloc'd text). */
void web_reply_json(web_reply_t *rep, int status, char *json);

/* Sets a JSON error reply {"error": message}. */
void web_reply_error(web_reply_t *rep, int status, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

/* Adds a response header (copied). Ignored past WEB_MAX_HEADERS. */
void web_reply_header(web_reply_t *rep, const char *name, const char *value);

/* Frees what a reply holds (not the struct). */
void web_reply_clear(web_reply_t *rep);

/* Serialises a builder's root (pretty) into malloc'd text ending in a newline; frees `b`. */
char *web_json_finish(JsonBuilder *b);

/* Adds "name": value members to the object being built (NULL strings become ""). */
void web_json_str(JsonBuilder *b, const char *name, const char *v);
void web_json_int(JsonBuilder *b, const char *name, gint64 v);
void web_json_bool(JsonBuilder *b, const char *name, bool v);
void web_json_double(JsonBuilder *b, const char *name, double v);

/* Parses the request body as a JSON object. Returns a new reference (json_node_unref it) to
 * the root node, or NULL with a 400 reply already set. */
JsonNode *web_json_body(const web_request_t *req, web_reply_t *rep);

/* Members of a parsed object, with defaults when absent or of another type. */
const char *web_json_get_str(JsonObject *o, const char *name, const char *def);
gint64 web_json_get_int(JsonObject *o, const char *name, gint64 def);
bool web_json_get_bool(JsonObject *o, const char *name, bool def);

/* True when the request carries "Authorization: Bearer <DATA/admin.token>" (constant time). */
bool web_admin_token(const web_ctx_t *ctx, const web_request_t *req);

#endif
