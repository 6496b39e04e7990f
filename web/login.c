/*
 * login.c: login, logout and session info for the web console, with a limit on failed
 * logins per client address (see login.h).
 */
#include "login.h"

#include "http.h"
#include "session.h"

#include "../core/auth.h"
#include "../core/users.h"
#include "../core/log.h"
#include "../core/util.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOGIN_SLOTS 256         /* client addresses whose failures are remembered */
#define LOGIN_FLOOR_MAX 2.0     /* seconds: the longest a failed login is made to take */

typedef struct login_slot_s {
  char addr[64];
  int failures;
  double since;                 /* util_now() of the first failure of the window */
} login_slot_t;

struct web_login_limiter_s {
  pthread_mutex_t lock;
  login_slot_t slots[LOGIN_SLOTS];
  double floor;                 /* seconds a failed login takes at least; 0 until measured */
};

web_login_limiter_t *web_login_limiter_new(void)
{
  web_login_limiter_t *l = calloc(1, sizeof(*l));
  if (!l)
    abort();
  pthread_mutex_init(&l->lock, NULL);
  return l;
}

void web_login_limiter_free(web_login_limiter_t *l)
{
  if (!l)
    return;
  pthread_mutex_destroy(&l->lock);
  free(l);
}

/* The slot of `addr`, or NULL (lock held). */
static login_slot_t *login_slot_find(web_login_limiter_t *l, const char *addr)
{
  for (int i = 0; i < LOGIN_SLOTS; i++)
    if (l->slots[i].failures && !strcmp(l->slots[i].addr, addr))
      return &l->slots[i];
  return NULL;
}

/* Seconds until `addr` may try again, 0 when it may now. */
static int login_blocked_for(web_login_limiter_t *l, const char *addr, int limit, int window)
{
  double now = util_now(), left = 0;
  if (limit <= 0)
    return 0;
  pthread_mutex_lock(&l->lock);
  login_slot_t *s = login_slot_find(l, addr);
  if (s && now - s->since < window && s->failures >= limit)
    left = window - (now - s->since);
  pthread_mutex_unlock(&l->lock);
  return left > 0 ? (int)left + 1 : 0;
}

/* Counts one failure of `addr` (a new window when the last one is over; the oldest slot is
 * reused when every slot is taken). */
static void login_count_failure(web_login_limiter_t *l, const char *addr, int window)
{
  double now = util_now();
  pthread_mutex_lock(&l->lock);
  login_slot_t *s = login_slot_find(l, addr);
  if (!s) {   /* a free slot, else the one whose window began first */
    s = &l->slots[0];
    for (int i = 0; i < LOGIN_SLOTS; i++) {
      if (!l->slots[i].failures) {
        s = &l->slots[i];
        break;
      }
      if (l->slots[i].since < s->since)
        s = &l->slots[i];
    }
  }
  if (strcmp(s->addr, addr) || now - s->since >= window) {
    snprintf(s->addr, sizeof(s->addr), "%s", addr);
    s->failures = 0;
    s->since = now;
  }
  s->failures++;
  pthread_mutex_unlock(&l->lock);
}

/* The shortest time a failed login may take: at first one password hash check, measured on
 * the first failure; then the longest failure seen (up to LOGIN_FLOOR_MAX), so that on a
 * busy machine an unknown user's failure is still no quicker than a wrong password's. */
static double login_floor(web_login_limiter_t *l, double took)
{
  pthread_mutex_lock(&l->lock);
  double floor = l->floor;
  pthread_mutex_unlock(&l->lock);
  if (floor <= 0) {
    char *dummy = auth_password_hash("quire-timing-reference");
    double t0 = util_now();
    auth_password_verify("not-the-password", dummy);
    floor = util_now() - t0;
    free(dummy);
  }
  if (took > floor)
    floor = took;
  if (floor > LOGIN_FLOOR_MAX)
    floor = LOGIN_FLOOR_MAX;
  pthread_mutex_lock(&l->lock);
  if (floor > l->floor)
    l->floor = floor;
  floor = l->floor;
  pthread_mutex_unlock(&l->lock);
  return floor;
}

/* What a login request carries: a user name with a password or a PIN, a PIN alone, or a
 * card number. Every field malloc'd or NULL. */
typedef struct login_cred_s {
  char *user, *password, *pin, *card;
} login_cred_t;

/* Frees the fields of `c`, wiping the secrets first. */
static void login_cred_clear(login_cred_t *c)
{
  char *secrets[] = {c->password, c->pin, c->card};
  for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
    if (secrets[i])
      OPENSSL_cleanse(secrets[i], strlen(secrets[i]));
  free(c->user);
  free(c->password);
  free(c->pin);
  free(c->card);
  memset(c, 0, sizeof(*c));
}

/* The one credential check of a web login (core/users.c: lockout and throttling included).
 * USERS_LOGIN_OK with *user (caller frees) when they proved who they are; otherwise `msg` says
 * why. A card or PIN login never has the admin role: the console's admin pages need the
 * password (*admin is false for them). */
static users_login_t login_check_credential(const web_ctx_t *ctx, const web_request_t *req,
                                            const login_cred_t *c, store_user_t **user,
                                            bool *admin, char *msg, size_t len)
{
  users_t *users = ctx->sys->users;
  users_login_t r;
  if (c->card)
    r = users_login_card(users, c->card, req->remote, user, msg, len);
  else if (c->pin)
    r = users_login_pin(users, c->user && *c->user ? c->user : NULL, c->pin, req->remote, user,
                        msg, len);
  else
    r = users_login_password(users, c->user, c->password, req->remote, user, msg, len);
  *admin = r == USERS_LOGIN_OK && *user && (*user)->admin && !c->card && !c->pin;
  return r;
}

/* Sleeps until `seconds` have passed since `start`, so that every failure takes as long. */
static void login_pad(double start, double seconds)
{
  double left = seconds - (util_now() - start);
  if (left > 0)
    usleep((useconds_t)(left * 1e6));
}

/* The JSON describing a session (login and GET /api/session). */
static char *login_session_json(const web_ctx_t *ctx, const web_request_t *req,
                                const web_user_t *u)
{
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  web_json_str(b, "user", u->name);
  web_json_str(b, "full_name", u->full_name);
  web_json_bool(b, "admin", u->admin);
  web_json_str(b, "csrf_token", u->csrf_token);
  web_json_int(b, "idle_timeout", u->idle_timeout);
  web_json_int(b, "expires", u->expires);
  web_json_bool(b, "tls", req->tls);
  web_json_int(b, "tls_port", http_server_tls_port(ctx->http));
  pthread_rwlock_rdlock(&ctx->sys->config_lock);
  web_json_str(b, "site", ctx->sys->config->accounting.site);  /* shown in the header */
  pthread_rwlock_unlock(&ctx->sys->config_lock);
  json_builder_end_object(b);
  return web_json_finish(b);
}

/* A safe local path to go to after a form login: "/..." but not "//host"; else "/". */
static const char *login_next(const char *next)
{
  if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strlen(next) > 512)
    return "/";
  for (const char *p = next; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == '\\')
      return "/";
  return next;
}

/* The credentials of a login request (form or JSON body) into `c`; false with the reply set
 * when the body is neither or lacks them. */
static bool login_read(const web_request_t *req, web_reply_t *rep, login_cred_t *c)
{
  static const char *const names[] = {"user", "password", "pin", "card"};
  char **fields[] = {&c->user, &c->password, &c->pin, &c->card};
  const char *type = req->header(req, "Content-Type");
  JsonNode *root = NULL;

  if (!web_request_is_form(req) && !(type && !strncasecmp(type, "application/json", 16))) {
    web_reply_error(rep, 415, "send the login as application/json or a form");
    return false;
  }
  if (!web_request_is_form(req) && !(root = web_json_body(req, rep)))
    return false;
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    char *v = root ? util_strdup(web_json_get_str(json_node_get_object(root), names[i], NULL))
                   : web_form_value(req, names[i]);
    if (v && !*v) {   /* an empty form field is no field */
      free(v);
      v = NULL;
    }
    *fields[i] = v;
  }
  if (root)
    json_node_unref(root);
  if (c->user && !c->pin && !c->card && !c->password)
    c->password = util_strdup("");   /* fails like a wrong one */
  if (c->user || c->pin || c->card)
    return true;
  web_reply_error(rep, 400, "a user name and password, a PIN, or a card number is needed");
  return false;
}

/* Answers a failed or refused login: JSON, or a redirect back to the form. */
static void login_refuse(const web_request_t *req, web_reply_t *rep, int status,
                         const char *reason, const char *message)
{
  if (web_request_is_form(req)) {
    char *to = util_printf("/login?error=%s", reason);
    web_reply_redirect(rep, to);
    free(to);
  } else {
    web_reply_error(rep, status, "%s", message);
  }
}

/* Reads the failure limits in force. */
static void login_limits(const web_ctx_t *ctx, int *limit, int *window)
{
  pthread_rwlock_rdlock(&ctx->sys->config_lock);
  *limit = ctx->sys->config->login_rate_limit;
  *window = ctx->sys->config->login_rate_window;
  pthread_rwlock_unlock(&ctx->sys->config_lock);
}

/* Starts the session of a user whose credentials were right, and answers. */
static void login_accept(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep,
                         const char *name, bool admin, const char *how)
{
  store_user_t *row = store_user_get(ctx->sys->store, name);
  web_user_t *u = row ? web_session_create(ctx, req, rep, name, row->full_name, admin) : NULL;
  store_user_free(row);
  if (!row)   /* deleted since a cached check */
    login_refuse(req, rep, 401, "wrong", "wrong user name or password");
  if (!u)
    return;
  log_info("web: '%s'%s logged in by %s from %s%s", name, admin ? " (admin)" : "", how,
           req->remote, req->tls ? " over TLS" : "");
  if (web_request_is_form(req)) {
    char *next = web_form_value(req, "next");
    web_reply_redirect(rep, login_next(next));
    free(next);
  } else {
    web_reply_json(rep, 200, login_session_json(ctx, req, u));
  }
  web_user_free(u);
}

/* Answers a login whose credentials were checked with result `r`. */
static void login_answer(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep,
                         const login_cred_t *c, users_login_t r, const store_user_t *u,
                         bool admin, const char *msg, double start, int window)
{
  const char *how = c->card ? "card" : c->pin ? "PIN" : "password";
  const char *who = c->user ? c->user : how;
  if (r == USERS_LOGIN_OK) {
    login_accept(ctx, req, rep, u->name, admin, how);
    return;
  }
  login_count_failure(ctx->limiter, req->remote, window);
  login_pad(start, login_floor(ctx->limiter, util_now() - start));
  if (r == USERS_LOGIN_LOCKED) {
    log_warn("web: login as locked user '%s' from %s", who, req->remote);
    login_refuse(req, rep, 403, "locked", msg);
  } else if (r == USERS_LOGIN_THROTTLED) {
    log_warn("web: %s login from %s while throttled", how, req->remote);
    login_refuse(req, rep, 429, "limited", msg);
  } else {
    log_warn("web: failed login as '%s' (%s) from %s", who, how, req->remote);
    login_refuse(req, rep, 401, "wrong", c->card || c->pin ? "wrong PIN or card"
                                                           : "wrong user name or password");
  }
}

/* POST /api/login: {"user", "password"}, {"user"?, "pin"} or {"card"} (JSON), or the same
 * fields with `next` as a form. */
static void login_post(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  login_cred_t c = {0};
  char retry[16];
  int limit, window;

  login_limits(ctx, &limit, &window);
  int blocked = login_blocked_for(ctx->limiter, req->remote, limit, window);
  if (blocked) {
    snprintf(retry, sizeof(retry), "%d", blocked);
    web_reply_header(rep, "Retry-After", retry);
    login_refuse(req, rep, 429, "limited", "too many failed logins from this address; "
                                           "try again later");
  } else if (login_read(req, rep, &c)) {
    double start = util_now();
    char msg[256] = "";
    store_user_t *u = NULL;
    bool admin = false;
    users_login_t r = login_check_credential(ctx, req, &c, &u, &admin, msg, sizeof(msg));
    login_answer(ctx, req, rep, &c, r, u, admin, msg, start, window);
    store_user_free(u);
  }
  login_cred_clear(&c);
}

/* POST /api/logout: ends the session (CSRF token needed, like every state change). */
static void login_logout(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  web_user_t *u = web_session_require(ctx, req, rep, WEB_ROLE_USER | WEB_ROLE_ADMIN);
  if (!u)
    return;
  if (u->by_token) {
    web_reply_error(rep, 400, "the admin token has no session to end");
  } else {
    web_session_destroy(ctx, req, rep);
    log_info("web: '%s' logged out", u->name);
    web_reply_json(rep, 200, util_strdup("{\"logged_out\": true}\n"));
  }
  web_user_free(u);
}

/* GET /api/session: who is logged in, the CSRF token; 401 when nobody. */
static void login_session(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  web_user_t *u = web_session_peek(ctx, req);
  if (u) {
    web_reply_json(rep, 200, login_session_json(ctx, req, u));
    web_user_free(u);
    return;
  }
  web_reply_json(rep, 401, util_printf("{\"error\": \"not logged in\", \"tls_port\": %d}\n",
                                       http_server_tls_port(ctx->http)));
}

const web_route_t web_login_routes[] = {
  {"POST", "/api/login", login_post},
  {"POST", "/api/logout", login_logout},
  {"GET", "/api/session", login_session},
  {NULL, NULL, NULL}
};
