/*
 * setup.c: the first-boot set-up pages (see setup.h): plain HTML forms, no script, no
 * external assets, no cookies (each POST carries the one-time code).
 */
#include "setup.h"

#include "assets.h"

#include "api.h"
#include "../core/log.h"
#include "../core/setup.h"
#include "../core/util.h"

#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char setup_head[] =
  "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
  "<meta name=\"viewport\" content=\"width=device-width\"><title>quire set-up</title>"
  "<style>body{font-family:sans-serif;max-width:34em;margin:2em auto;padding:0 1em}"
  "label{display:block;margin:.8em 0 .2em}input[type=text],input[type=password]{width:100%}"
  "fieldset{margin:1em 0}.err{color:#a00;font-weight:bold}button{margin-top:1em}</style>"
  "</head><body><h1>quire print gateway: set-up</h1>";

/* The data directory (malloc'd copy; it never changes while quired runs). */
static char *setup_data_dir(const web_ctx_t *ctx)
{
  pthread_rwlock_rdlock(&ctx->sys->config_lock);
  char *d = util_strdup(ctx->sys->config->data_dir);
  pthread_rwlock_unlock(&ctx->sys->config_lock);
  return d;
}

/* Sends `page` (a GString, freed here) with the page head and tail around it. */
static void setup_reply(web_reply_t *rep, int status, GString *page)
{
  g_string_prepend(page, setup_head);
  g_string_append(page, "</body></html>\n");
  web_reply_data(rep, status, "text/html; charset=utf-8", page->str, page->len);
  web_reply_header(rep, "Cache-Control", "no-store");
  g_string_free(page, TRUE);
}

/* Appends `fmt` with every string argument HTML-escaped (g_markup_printf_escaped). */
static void setup_append(GString *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void setup_append(GString *s, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  gchar *t = g_markup_vprintf_escaped(fmt, ap);
  va_end(ap);
  g_string_append(s, t);
  g_free(t);
}

/* A new page body, starting with `error` (NULL: none). The caller sends it with setup_reply. */
static GString *setup_page_new(const char *error)
{
  GString *s = g_string_new("");
  if (error)
    setup_append(s, "<p class=\"err\">%s</p>", error);
  return s;
}

/* Step 1: the code shown on the console. */
static void setup_page_code(web_reply_t *rep, int status, const char *error)
{
  GString *s = setup_page_new(error);
  g_string_append(s, "<p>This appliance is not set up yet. Its console (screen or serial "
                     "port) shows a one-time set-up code.</p>"
                     "<form method=\"post\" action=\"/setup\">"
                     "<label for=\"code\">Set-up code</label>"
                     "<input type=\"text\" id=\"code\" name=\"code\" autocomplete=\"off\" "
                     "autofocus required placeholder=\"XXXXX-XXXXX\">"
                     "<button type=\"submit\">Continue</button></form>");
  setup_reply(rep, status, s);
}

/* Value of form field `name` in `form`, "" when absent. */
static const char *setup_field(GHashTable *form, const char *name)
{
  const char *v = form ? g_hash_table_lookup(form, name) : NULL;
  return v ? v : "";
}

/* Appends a radio button. */
static void setup_radio(GString *s, const char *name, const char *value, const char *label,
                        const char *current)
{
  setup_append(s, "<label><input type=\"radio\" name=\"%s\" value=\"%s\"%s> %s</label>", name,
               value, !strcmp(current, value) ? " checked" : "", label);
}

/* Appends a text input with its label, filled with the value sent before. */
static void setup_input(GString *s, GHashTable *form, const char *name, const char *label,
                        const char *placeholder)
{
  setup_append(s, "<label for=\"%s\">%s</label><input type=\"text\" id=\"%s\" name=\"%s\" "
                  "value=\"%s\" placeholder=\"%s\">",
               name, label, name, name, setup_field(form, name), placeholder);
}

/* Step 2: admin password, name, role, network (the code travels along, hidden). */
static void setup_page_choices(web_reply_t *rep, int status, GHashTable *form, const char *error)
{
  const char *role = *setup_field(form, "role") ? setup_field(form, "role") : "standalone";
  const char *net = *setup_field(form, "network") ? setup_field(form, "network") : "dhcp";
  GString *s = setup_page_new(error);
  setup_append(s, "<form method=\"post\" action=\"/setup\">"
                  "<input type=\"hidden\" name=\"code\" value=\"%s\">"
                  "<fieldset><legend>Administrator (user name <b>%s</b>)</legend>"
                  "<label for=\"password\">Password (at least 8 characters)</label>"
                  "<input type=\"password\" id=\"password\" name=\"password\" required "
                  "minlength=\"8\" autocomplete=\"new-password\">"
                  "<label for=\"password2\">The same password again</label>"
                  "<input type=\"password\" id=\"password2\" name=\"password2\" required "
                  "minlength=\"8\" autocomplete=\"new-password\"></fieldset>",
               setup_field(form, "code"), SETUP_ADMIN_USER);
  g_string_append(s, "<fieldset><legend>Appliance</legend>");
  setup_input(s, form, "name", "Name (shown to phones, also the host name)", "Branch printer");
  setup_radio(s, "role", "standalone", "Standalone", role);
  setup_radio(s, "role", "site", "Site of a central quire", role);
  setup_input(s, form, "central-url", "Central URL (site only)", "https://central.example.com/");
  setup_input(s, form, "token", "Enrolment token (site only)", "");
  g_string_append(s, "</fieldset><fieldset><legend>Network</legend>");
  setup_radio(s, "network", "dhcp", "DHCP (automatic)", net);
  setup_radio(s, "network", "static", "Static address", net);
  setup_input(s, form, "address", "Address/prefix (static only)", "192.168.1.20/24");
  setup_input(s, form, "gateway", "Gateway (static only)", "192.168.1.1");
  setup_input(s, form, "dns", "DNS servers (static only)", "192.168.1.1");
  g_string_append(s, "</fieldset><button type=\"submit\">Finish set-up</button></form>");
  setup_reply(rep, status, s);
}

/* The page after the set-up. */
static void setup_page_done(web_reply_t *rep, const setup_choices_t *c, const web_request_t *req)
{
  GString *s = g_string_new("");
  bool is_static = !strcmp(c->network, "static");
  setup_append(s, "<p>Set-up done. <b>%s</b> now advertises its queues; sign in as <b>%s</b> "
                  "with the password you chose.</p>", c->name, SETUP_ADMIN_USER);
  if (is_static)
    setup_append(s, "<p>The network changes to the static address %s; continue at "
                    "<a href=\"http://%.*s:%d/\">that address</a>.</p>",
                 c->address, (int)strcspn(c->address, "/"), c->address, req->port);
  else
    setup_append(s, "<p>Continue to the <a href=\"/\">status page</a>.</p>");
  setup_reply(rep, 200, s);
}

/* 410 once done, 404 on an installation that never had a set-up. */
static void setup_page_gone(web_reply_t *rep, setup_state_t state)
{
  GString *s = g_string_new(state == SETUP_DONE ? "<p>This appliance is set up already.</p>"
                                                : "<p>No set-up on this server.</p>");
  setup_reply(rep, state == SETUP_DONE ? 410 : 404, s);
}

/* The choices as sent in the form (strings borrowed from `form`). */
static setup_choices_t setup_choices_from(GHashTable *form)
{
  setup_choices_t c = {
    .password = setup_field(form, "password"), .password2 = setup_field(form, "password2"),
    .name = setup_field(form, "name"), .role = setup_field(form, "role"),
    .central_url = setup_field(form, "central-url"), .token = setup_field(form, "token"),
    .network = *setup_field(form, "network") ? setup_field(form, "network") : "dhcp",
    .address = setup_field(form, "address"), .gateway = setup_field(form, "gateway"),
    .dns = setup_field(form, "dns")};
  return c;
}

/* Checks the code of a POST; on anything but SETUP_CODE_OK the reply is set. */
static bool setup_post_code(const char *data, const web_request_t *req, GHashTable *form,
                            web_reply_t *rep)
{
  int retry = 0;
  switch (setup_code_check(data, setup_field(form, "code"), util_now(), &retry)) {
  case SETUP_CODE_OK:
    return true;
  case SETUP_CODE_LIMITED: {
    char secs[16];
    snprintf(secs, sizeof(secs), "%d", retry);
    setup_page_code(rep, 429, "Too many wrong codes. Wait a little and try again.");
    web_reply_header(rep, "Retry-After", secs);
    log_warn("set-up: wrong codes rate limited (%s)", req->remote ? req->remote : "?");
    return false;
  }
  default:
    setup_page_code(rep, 403, "That is not the code shown on the console.");
    log_warn("set-up: wrong code from %s", req->remote ? req->remote : "?");
    return false;
  }
}

/* POST /setup: step 1 (code only) or step 2 (code and choices). */
static void setup_post(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  char *data = setup_data_dir(ctx);
  setup_state_t state = setup_state(data);
  GHashTable *form = NULL;

  if (state != SETUP_PENDING) {
    setup_page_gone(rep, state);
  } else if (!(form = g_uri_parse_params(req->body, (gssize)req->body_len, "&",
                                         G_URI_PARAMS_WWW_FORM, NULL))) {
    setup_page_code(rep, 400, "The form could not be read.");
  } else if (setup_post_code(data, req, form, rep)) {
    setup_choices_t c = setup_choices_from(form);
    const char *error = NULL;
    char *err = NULL;
    if (!g_hash_table_contains(form, "password"))
      setup_page_choices(rep, 200, form, NULL);
    else if ((error = setup_choices_check(&c)))
      setup_page_choices(rep, 400, form, error);
    else if (!setup_finish(ctx->sys->store, data, &c, &err)) {
      setup_page_code(rep, 409, err);
      free(err);
    } else
      setup_page_done(rep, &c, req);
  }
  if (form)
    g_hash_table_unref(form);
  free(data);
}

/* GET /setup. */
static void setup_get(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  (void)req;
  char *data = setup_data_dir(ctx);
  setup_state_t state = setup_state(data);
  if (state == SETUP_PENDING)
    setup_page_code(rep, 200, NULL);
  else
    setup_page_gone(rep, state);
  free(data);
}

/* GET /: the set-up while it is pending, else the console page served at "/". */
static void setup_root(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  char *data = setup_data_dir(ctx);
  bool pending = setup_state(data) == SETUP_PENDING;
  free(data);
  if (pending) {
    setup_page_code(rep, 200, NULL);
    return;
  }
  for (const web_route_t *r = web_page_routes; r->path; r++)
    if (!strcmp(r->path, "/") && r->method && !strcmp(r->method, "GET")) {
      r->handler(ctx, req, rep);
      return;
    }
  web_reply_error(rep, 404, "not found");
}

const web_route_t setup_routes[] = {
  {"GET", "/", setup_root},
  {"GET", "/setup", setup_get},
  {"POST", "/setup", setup_post},
  {NULL, NULL, NULL}
};
