/*
 * session.h: web console sessions, CSRF protection and roles.
 *
 * A login (login.c) creates a session: a random 256-bit id (OpenSSL RAND_bytes) sent to the
 * browser only, in the cookie `quire_session` (HttpOnly, SameSite=Strict, Path=/, Secure over
 * TLS); the server keeps its SHA-256, the user, the role and a CSRF token, in memory. A session
 * ends at logout, after `session-idle-timeout` seconds without a request, after
 * `session-lifetime` seconds at most, when its user is deleted, or when `max-sessions` newer
 * ones push it out.
 *
 * Every state-changing request (POST, PUT, PATCH, DELETE) authenticated by the cookie must
 * carry the session's CSRF token in an X-CSRF-Token header or a `csrf` form field, and
 * web_dispatch refuses any such request whose Origin (or Referer) is another site. The admin
 * bearer token (DATA/admin.token, used by the `quire` CLI) is not a cookie, so it needs no
 * CSRF token; it has the admin role only.
 */
#ifndef QUIRE_WEB_SESSION_H
#define QUIRE_WEB_SESSION_H

#include "web.h"

#include <time.h>

#define WEB_SESSION_COOKIE "quire_session"
#define WEB_CSRF_HEADER "X-CSRF-Token"
#define WEB_CSRF_FIELD "csrf"

/* Roles, combined with '|' in web_session_require: the caller needs one of them. */
#define WEB_ROLE_USER 1u
#define WEB_ROLE_ADMIN 2u

/* Who is asking. Owned by the caller; free with web_user_free. */
typedef struct web_user_s {
  char *name;              /* store user name ("admin-token" for the bearer token) */
  char *full_name;
  bool admin;              /* the session's role is admin */
  bool store_admin;        /* the user is an admin in the store (a PIN or card login of an
                            * admin has the user role only: admin false, store_admin true) */
  bool by_token;           /* the admin bearer token, not a session */
  char *csrf_token;        /* the session's CSRF token (NULL for the bearer token) */
  int idle_timeout;        /* seconds of inactivity that end the session */
  time_t expires;          /* wall-clock time the session ends at the latest */
} web_user_t;

/* An empty session table. Free with web_sessions_free. */
web_sessions_t *web_sessions_new(void);

/* Frees the table and every session in it (NULL is fine). */
void web_sessions_free(web_sessions_t *s);

/* Number of live sessions. */
size_t web_sessions_count(web_sessions_t *s);

/* Ends every session of `user` (deleted, or its role changed). */
void web_sessions_drop_user(web_sessions_t *s, const char *user);

/* Starts a session for a user who just proved who they are, ending the one the request's
 * cookie names (no fixation), and sets its cookie on `rep`. Returns the user (caller frees),
 * NULL when the random generator fails (500 set). */
web_user_t *web_session_create(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep,
                               const char *user, const char *full_name, bool admin);

/* Ends the session of the request's cookie (if any) and clears the cookie on `rep`. */
void web_session_destroy(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep);

/* The user of the request's session cookie, NULL when there is none, or it expired. Counts as
 * activity. Checks neither CSRF nor roles: for pages (GET) only. Caller frees. */
web_user_t *web_session_peek(const web_ctx_t *ctx, const web_request_t *req);

/* The gate of every protected API handler. Returns who is asking when they have one of
 * `roles`: the admin bearer token, or a session cookie (with the right CSRF token for a
 * state-changing method). Otherwise sets the reply (401 not logged in / expired / bad token,
 * 403 wrong role or missing/wrong CSRF token) and returns NULL. Caller frees the user. */
web_user_t *web_session_require(const web_ctx_t *ctx, const web_request_t *req,
                                web_reply_t *rep, unsigned roles);

/* Frees a user (NULL is fine). */
void web_user_free(web_user_t *u);

/* True for POST, PUT, PATCH and DELETE. */
bool web_request_changes_state(const web_request_t *req);

/* False when the request's Origin (or, without one, its Referer) is not this site: scheme
 * (https on the TLS listener, http otherwise) and the Host header the request was sent to.
 * True when neither header is there (not a browser's cross-site request). */
bool web_request_same_origin(const web_request_t *req);

#endif
