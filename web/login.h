/*
 * login.h: web console login, logout and session info (POST /api/login, POST /api/logout,
 * GET /api/session), and the per-address limit on failed logins.
 *
 * A failed login takes at least as long as the slowest one so far (a password hash check, or
 * more on a busy machine), whether the user exists or not, and says only "wrong user name or
 * password". After `login-rate-limit` failures from
 * one client address within `login-rate-window` seconds, that address gets 429 until the
 * window ends (a success does not reset the count).
 */
#ifndef QUIRE_WEB_LOGIN_H
#define QUIRE_WEB_LOGIN_H

#include "web.h"

/* An empty failure counter. Free with web_login_limiter_free (NULL is fine). */
web_login_limiter_t *web_login_limiter_new(void);
void web_login_limiter_free(web_login_limiter_t *l);

/* The routes served by login.c. */
extern const web_route_t web_login_routes[];

#endif
