/*
 * pages.c: the web console's pages and who may open them; the pages themselves are static
 * files (web/assets/) that fill themselves in from the JSON API.
 *
 *   /login       the login form (a logged-in visitor goes on to /)
 *   /            the console shell: who is logged in, logout (a visitor goes to /login)
 *   /admin/tls   the TLS certificate (administrators; others get a 403 page)
 *   /assets/X    CSS, JavaScript and images (HTML only through the routes above)
 */
#include "assets.h"
#include "session.h"

#include "../core/util.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

/* Sends a visitor without a session to the login page, coming back to this page after. */
static void pages_to_login(const web_request_t *req, web_reply_t *rep)
{
  gchar *next = g_uri_escape_string(req->path, "/", FALSE);
  char *to = util_printf("/login?next=%s", next);
  web_reply_redirect(rep, to);
  free(to);
  g_free(next);
}

/* Serves `asset` to a visitor with one of `roles`; others are sent to log in (no session)
 * or get the refusal page (a user on an admin page). */
static void pages_gated(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep,
                        const char *asset, unsigned roles)
{
  web_user_t *u = web_session_peek(ctx, req);
  if (!u)
    pages_to_login(req, rep);
  else if ((roles & WEB_ROLE_ADMIN) && !(roles & WEB_ROLE_USER) && !u->admin)
    web_asset_reply(req, rep, "forbidden.html", 403);
  else
    web_asset_reply(req, rep, asset, 200);
  web_user_free(u);
}

static void pages_shell(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  pages_gated(ctx, req, rep, "app.html", WEB_ROLE_USER);
}

static void pages_tls(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  pages_gated(ctx, req, rep, "tls.html", WEB_ROLE_ADMIN);
}

static void pages_login(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  web_user_t *u = web_session_peek(ctx, req);
  if (u)
    web_reply_redirect(rep, "/");
  else
    web_asset_reply(req, rep, "login.html", 200);
  web_user_free(u);
}

/* /assets/NAME: any embedded file but the pages. */
static void pages_asset(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  const char *name = req->path + strlen("/assets/");
  const char *dot = strrchr(name, '.');
  (void)ctx;
  if (strchr(name, '/') || (dot && !strcmp(dot, ".html")))
    web_reply_error(rep, 404, "not found");
  else
    web_asset_reply(req, rep, name, 200);
}

const web_route_t web_page_routes[] = {
  {"GET", "/", pages_shell},
  {"GET", "/login", pages_login},
  {"GET", "/admin/tls", pages_tls},
  {"GET", "/assets/*", pages_asset},
  {NULL, NULL, NULL}
};
