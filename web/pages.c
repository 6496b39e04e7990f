/*
 * pages.c: the web console's pages and who may open them; the pages themselves are static
 * files (web/assets/) that fill themselves in from the JSON API.
 *
 *   /login       the login form (a logged-in visitor goes on to /)
 *   /            My jobs, the user portal (a visitor goes to /login)
 *   /terminal    the release terminal of a kiosk or MFD panel (PIN or card login on the page)
 *   /admin/...   the admin console (administrators; others get a 403 page), see pages_table
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

/* The pages behind a login: path, file in web/assets/, who may open it. */
typedef struct pages_entry_s {
  const char *path;
  const char *asset;
  unsigned roles;
} pages_entry_t;

static const pages_entry_t pages_table[] = {
  {"/", "app.html", WEB_ROLE_USER},                 /* My jobs: the user portal */
  {"/admin", "admin.html", WEB_ROLE_ADMIN},         /* dashboard */
  {"/admin/queues", "admin-queues.html", WEB_ROLE_ADMIN},
  {"/admin/devices", "admin-devices.html", WEB_ROLE_ADMIN},
  {"/admin/users", "admin-users.html", WEB_ROLE_ADMIN},
  {"/admin/prices", "admin-prices.html", WEB_ROLE_ADMIN},
  {"/admin/quotas", "admin-quotas.html", WEB_ROLE_ADMIN},
  {"/admin/reports", "admin-reports.html", WEB_ROLE_ADMIN},
  {"/admin/audit", "admin-audit.html", WEB_ROLE_ADMIN},
  {"/admin/settings", "admin-settings.html", WEB_ROLE_ADMIN},
  {"/admin/tls", "tls.html", WEB_ROLE_ADMIN},
  {NULL, NULL, 0}
};

/* Serves the page of pages_table that the request's path names. */
static void pages_table_page(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  for (const pages_entry_t *p = pages_table; p->path; p++) {
    if (!strcmp(p->path, req->path)) {
      pages_gated(ctx, req, rep, p->asset, p->roles);
      return;
    }
  }
  web_reply_error(rep, 404, "not found");
}

/* /terminal: the release terminal of a kiosk or an MFD panel. Open to anyone (the person at
 * the printer logs in on the page itself, by PIN or card, through the release API); the only
 * page that may be shown inside a frame of another site (an MFD's own web panel). */
static void pages_terminal(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  (void)ctx;
  web_asset_reply(req, rep, "terminal.html", 200);
  rep->frame_ok = true;
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
  {"GET", "/", pages_table_page},
  {"GET", "/login", pages_login},
  {"GET", "/terminal", pages_terminal},
  {"GET", "/admin", pages_table_page},
  {"GET", "/admin/*", pages_table_page},
  {"GET", "/assets/*", pages_asset},
  {NULL, NULL, NULL}
};
