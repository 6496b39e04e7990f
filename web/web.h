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
#include "../core/tls.h"
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
  int local_port;            /* the port of the listener it came in on */
  /* Header, query and cookie lookups (NULL when absent). */
  const char *(*header)(const struct web_request_s *req, const char *name);
  const char *(*query)(const struct web_request_s *req, const char *name);
  const char *(*cookie)(const struct web_request_s *req, const char *name);
  void *conn;                /* the server's connection handle, for the lookups */
} web_request_t;

#define WEB_MAX_HEADERS 16

/* One reply. The handler sets status and body (a malloc'd buffer the server frees) and may add
 * headers (name and value copied). */
typedef struct web_reply_s {
  int status;
  const char *type;          /* Content-Type, static string */
  char *body;
  size_t len;
  char *headers[WEB_MAX_HEADERS][2];
  size_t num_headers;
  bool frame_ok;             /* may be shown in a frame (the kiosk page); default: never */
  char *actor;               /* who the request acted as, set by web_session_require and
                              * web_session_create when that is an admin (for the audit log) */
} web_reply_t;

typedef struct web_sessions_s web_sessions_t;         /* session.h */
typedef struct web_login_limiter_s web_login_limiter_t; /* login.h */
typedef struct http_server_s http_server_t;           /* http.h */

/* What handlers are given: the daemon's system and IPP service, the web sessions, the failed
 * login counter, the TLS certificate store (NULL without TLS) and the HTTP server itself (to
 * serve a new certificate). */
typedef struct web_ctx_s {
  quire_system_t *sys;
  ipp_service_t *ipp;
  web_sessions_t *sessions;
  web_login_limiter_t *limiter;
  tls_store_t *tls;
  http_server_t *http;
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
 * A state-changing request (POST, PUT, PATCH, DELETE) whose Origin or Referer names another
 * site is refused with 403 before any handler runs. Every reply gets the security headers
 * (Content-Security-Policy, X-Content-Type-Options, X-Frame-Options unless rep->frame_ok,
 * Referrer-Policy, and Cache-Control: no-store unless the handler set a Cache-Control).
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

/* Sets a 303 redirect to `location` (a local path). */
void web_reply_redirect(web_reply_t *rep, const char *location);

/* True when the reply already has header `name` (case-insensitive). */
bool web_reply_has_header(const web_reply_t *rep, const char *name);

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

/* True when the body is a form (application/x-www-form-urlencoded). */
bool web_request_is_form(const web_request_t *req);

/* The value of field `name` of a form body, malloc'd (caller frees), NULL when absent. */
char *web_form_value(const web_request_t *req, const char *name);

/* True when the request carries "Authorization: Bearer <DATA/admin.token>" (constant time). */
bool web_admin_token(const web_ctx_t *ctx, const web_request_t *req);

#endif
