/*
 * session.c: the session table, cookies, CSRF tokens, roles and the Origin check (session.h).
 *
 * DESIGN
 * One mutex guards the table, a GHashTable from the hex SHA-256 of a session id to its entry,
 * so the id itself is never kept and a lookup's timing says nothing about it. Entries carry
 * monotonic times; expiry is checked on every lookup and swept whenever a session is created.
 * The user's row is read from the store on every use, outside the lock, so a deleted user
 * loses their sessions and a changed role applies at once.
 */
#include "session.h"

#include "../core/log.h"
#include "../core/util.h"

#include <glib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SESSION_TOKEN_BYTES 32
#define SESSION_TOKEN_LEN 43        /* base64url of 32 bytes, no padding */

typedef struct session_s {
  char *user, *full_name;
  bool admin;                       /* the role of this session */
  bool store_admin;                 /* the user's admin flag in the store at login */
  char csrf[SESSION_TOKEN_LEN + 1];
  double created, last_seen;        /* util_now() */
  time_t created_wall;
} session_t;

struct web_sessions_s {
  pthread_mutex_t lock;
  GHashTable *table;                /* hex SHA-256 of the id -> session_t (owned) */
};

/* The limits in force (config, read-locked). */
typedef struct session_limits_s {
  int idle, lifetime, max;
} session_limits_t;

static session_limits_t session_limits(const web_ctx_t *ctx)
{
  session_limits_t l;
  pthread_rwlock_rdlock(&ctx->sys->config_lock);
  l.idle = ctx->sys->config->session_idle_timeout;
  l.lifetime = ctx->sys->config->session_lifetime;
  l.max = ctx->sys->config->max_sessions;
  pthread_rwlock_unlock(&ctx->sys->config_lock);
  return l;
}

static void session_free(gpointer p)
{
  session_t *s = p;
  free(s->user);
  free(s->full_name);
  OPENSSL_cleanse(s->csrf, sizeof(s->csrf));
  free(s);
}

web_sessions_t *web_sessions_new(void)
{
  web_sessions_t *s = calloc(1, sizeof(*s));
  if (!s)
    abort();
  pthread_mutex_init(&s->lock, NULL);
  s->table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, session_free);
  return s;
}

void web_sessions_free(web_sessions_t *s)
{
  if (!s)
    return;
  g_hash_table_destroy(s->table);
  pthread_mutex_destroy(&s->lock);
  free(s);
}

size_t web_sessions_count(web_sessions_t *s)
{
  pthread_mutex_lock(&s->lock);
  size_t n = g_hash_table_size(s->table);
  pthread_mutex_unlock(&s->lock);
  return n;
}

/* Writes 32 random bytes as base64url (43 characters and a NUL) into `out`. */
static bool session_random_token(char out[SESSION_TOKEN_LEN + 1])
{
  unsigned char raw[SESSION_TOKEN_BYTES];
  if (RAND_bytes(raw, sizeof(raw)) != 1)
    return false;
  gchar *b64 = g_base64_encode(raw, sizeof(raw));
  OPENSSL_cleanse(raw, sizeof(raw));
  for (char *p = b64; *p; p++)
    *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
  memcpy(out, b64, SESSION_TOKEN_LEN);
  out[SESSION_TOKEN_LEN] = '\0';
  OPENSSL_cleanse(b64, strlen(b64));
  g_free(b64);
  return true;
}

/* True for a well-formed session id (43 base64url characters). */
static bool session_id_valid(const char *id)
{
  if (!id || strlen(id) != SESSION_TOKEN_LEN)
    return false;
  for (const char *p = id; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
      return false;
  return true;
}

/* The table key of a session id: hex SHA-256, g_malloc'd. */
static char *session_key(const char *id)
{
  unsigned char md[32];
  unsigned int len = 0;
  char *hex = g_malloc(65);
  if (EVP_Digest(id, strlen(id), md, &len, EVP_sha256(), NULL) != 1)
    memset(md, 0, sizeof(md));
  for (int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);
  return hex;
}

/* True when `s` has outlived either limit. */
static bool session_expired(const session_t *s, const session_limits_t *l, double now)
{
  return now - s->last_seen > l->idle || now - s->created > l->lifetime;
}

/* Removes expired sessions, then the least recently used ones while the table is full (lock
 * held). */
static void session_sweep(web_sessions_t *s, const session_limits_t *l, double now)
{
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, s->table);
  while (g_hash_table_iter_next(&it, &k, &v))
    if (session_expired(v, l, now))
      g_hash_table_iter_remove(&it);
  while (g_hash_table_size(s->table) >= (guint)l->max) {
    gpointer oldest = NULL;
    double seen = now + 1;
    g_hash_table_iter_init(&it, s->table);
    while (g_hash_table_iter_next(&it, &k, &v))
      if (((session_t *)v)->last_seen < seen) {
        seen = ((session_t *)v)->last_seen;
        oldest = k;
      }
    if (!oldest)
      break;
    log_info("web: session of '%s' ended to make room (max-sessions = %d)",
             ((session_t *)g_hash_table_lookup(s->table, oldest))->user, l->max);
    g_hash_table_remove(s->table, oldest);
  }
}

/* Removes the session whose id is `id` (if any). */
static void session_remove(web_sessions_t *s, const char *id)
{
  if (!session_id_valid(id))
    return;
  char *key = session_key(id);
  pthread_mutex_lock(&s->lock);
  g_hash_table_remove(s->table, key);
  pthread_mutex_unlock(&s->lock);
  g_free(key);
}

void web_sessions_drop_user(web_sessions_t *s, const char *user)
{
  GHashTableIter it;
  gpointer k, v;
  pthread_mutex_lock(&s->lock);
  g_hash_table_iter_init(&it, s->table);
  while (g_hash_table_iter_next(&it, &k, &v))
    if (!strcmp(((session_t *)v)->user, user))
      g_hash_table_iter_remove(&it);
  pthread_mutex_unlock(&s->lock);
}

/* Adds the session cookie (or, for an empty `id`, its removal) to the reply. */
static void session_set_cookie(const web_request_t *req, web_reply_t *rep, const char *id)
{
  char *c = util_printf("%s=%s; Path=/;%s HttpOnly; SameSite=Strict%s", WEB_SESSION_COOKIE, id,
                        *id ? "" : " Max-Age=0;", req->tls ? "; Secure" : "");
  web_reply_header(rep, "Set-Cookie", c);
  free(c);
}

/* A web_user_t from a session entry (lock held). */
static web_user_t *session_user(const session_t *s, const session_limits_t *l, double now)
{
  web_user_t *u = calloc(1, sizeof(*u));
  if (!u)
    abort();
  u->name = util_strdup(s->user);
  u->full_name = util_strdup(s->full_name);
  u->admin = s->admin;
  u->store_admin = s->store_admin;
  u->csrf_token = util_strdup(s->csrf);
  u->idle_timeout = l->idle;
  double left = l->lifetime - (now - s->created);
  if (left > l->idle)
    left = l->idle;
  u->expires = time(NULL) + (time_t)(left > 0 ? left : 0);
  return u;
}

web_user_t *web_session_create(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep,
                               const char *user, const char *full_name, bool admin)
{
  char id[SESSION_TOKEN_LEN + 1];
  session_t *s = calloc(1, sizeof(*s));
  session_limits_t l = session_limits(ctx);
  double now = util_now();

  if (!s)
    abort();
  session_remove(ctx->sessions, req->cookie(req, WEB_SESSION_COOKIE));
  if (!session_random_token(id) || !session_random_token(s->csrf)) {
    session_free(s);
    web_reply_error(rep, 500, "the random number generator failed");
    return NULL;
  }
  s->user = util_strdup(user);
  s->full_name = util_strdup(full_name ? full_name : "");
  s->admin = admin;
  store_user_t *row = store_user_get(ctx->sys->store, user);
  s->store_admin = row ? row->admin : admin;   /* a PIN login keeps an admin's user role */
  store_user_free(row);
  s->created = s->last_seen = now;
  s->created_wall = time(NULL);
  char *key = session_key(id);
  pthread_mutex_lock(&ctx->sessions->lock);
  session_sweep(ctx->sessions, &l, now);
  g_hash_table_replace(ctx->sessions->table, key, s);
  web_user_t *u = session_user(s, &l, now);
  pthread_mutex_unlock(&ctx->sessions->lock);
  session_set_cookie(req, rep, id);
  OPENSSL_cleanse(id, sizeof(id));
  if (admin) {
    free(rep->actor);
    rep->actor = util_strdup(user);
  }
  return u;
}

void web_session_destroy(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  session_remove(ctx->sessions, req->cookie(req, WEB_SESSION_COOKIE));
  session_set_cookie(req, rep, "");
}

/* Looks the cookie's session up and counts the request as activity; NULL when unknown or
 * expired (an expired one is removed). */
static web_user_t *session_lookup(const web_ctx_t *ctx, const char *id)
{
  session_limits_t l = session_limits(ctx);
  double now = util_now();
  web_user_t *u = NULL;

  if (!session_id_valid(id))
    return NULL;
  char *key = session_key(id);
  pthread_mutex_lock(&ctx->sessions->lock);
  session_t *s = g_hash_table_lookup(ctx->sessions->table, key);
  if (s && session_expired(s, &l, now)) {
    g_hash_table_remove(ctx->sessions->table, key);
  } else if (s) {
    s->last_seen = now;
    u = session_user(s, &l, now);
  }
  pthread_mutex_unlock(&ctx->sessions->lock);
  g_free(key);
  return u;
}

web_user_t *web_session_peek(const web_ctx_t *ctx, const web_request_t *req)
{
  const char *id = req->cookie(req, WEB_SESSION_COOKIE);
  web_user_t *u = session_lookup(ctx, id);
  if (!u)
    return NULL;
  store_user_t *row = store_user_get(ctx->sys->store, u->name);
  if (!row) {
    log_info("web: user '%s' no longer exists; session ended", u->name);
    session_remove(ctx->sessions, id);
    web_user_free(u);
    return NULL;
  }
  if (row->admin != u->store_admin) {
    web_sessions_drop_user(ctx->sessions, u->name);   /* role changed: log in again */
    web_user_free(u);
    u = NULL;
  }
  store_user_free(row);
  return u;
}

void web_user_free(web_user_t *u)
{
  if (!u)
    return;
  free(u->name);
  free(u->full_name);
  if (u->csrf_token) {
    OPENSSL_cleanse(u->csrf_token, strlen(u->csrf_token));
    free(u->csrf_token);
  }
  free(u);
}

bool web_request_changes_state(const web_request_t *req)
{
  return !strcmp(req->method, "POST") || !strcmp(req->method, "PUT") ||
         !strcmp(req->method, "PATCH") || !strcmp(req->method, "DELETE");
}

/* True when the request carries the session's CSRF token (header, or form field). */
static bool session_csrf_ok(const web_request_t *req, const char *token)
{
  const char *sent = req->header(req, WEB_CSRF_HEADER);
  char *field = !sent && web_request_is_form(req) ? web_form_value(req, WEB_CSRF_FIELD) : NULL;
  const char *v = sent ? sent : field;
  size_t n = strlen(token);
  bool ok = v && strlen(v) == n && CRYPTO_memcmp(v, token, n) == 0;
  free(field);
  return ok;
}

/* The user the admin bearer token stands for. */
static web_user_t *session_token_user(void)
{
  web_user_t *u = calloc(1, sizeof(*u));
  if (!u)
    abort();
  u->name = util_strdup("admin-token");
  u->full_name = util_strdup("admin token");
  u->admin = u->store_admin = true;
  u->by_token = true;
  return u;
}

web_user_t *web_session_require(const web_ctx_t *ctx, const web_request_t *req,
                                web_reply_t *rep, unsigned roles)
{
  const char *auth = req->header(req, "Authorization");

  if (auth && !strncasecmp(auth, "Bearer ", 7)) {
    if (!web_admin_token(ctx, req)) {
      web_reply_error(rep, 401, "wrong admin token");
      return NULL;
    }
    if (!(roles & WEB_ROLE_ADMIN)) {
      web_reply_error(rep, 403, "this needs a user's session, not the admin token");
      return NULL;
    }
    free(rep->actor);
    rep->actor = util_strdup("admin-token");
    return session_token_user();
  }
  web_user_t *u = web_session_peek(ctx, req);
  if (!u) {
    web_reply_error(rep, 401, "not logged in (or the session expired)");
    if (req->cookie(req, WEB_SESSION_COOKIE))
      session_set_cookie(req, rep, "");
    return NULL;
  }
  if (web_request_changes_state(req) && !session_csrf_ok(req, u->csrf_token)) {
    log_warn("web: %s %s by '%s' from %s without the right CSRF token: refused", req->method,
             req->path, u->name, req->remote);
    web_reply_error(rep, 403, "missing or wrong CSRF token (send the " WEB_CSRF_HEADER
                              " header given by /api/session)");
    web_user_free(u);
    return NULL;
  }
  unsigned has = WEB_ROLE_USER | (u->admin ? WEB_ROLE_ADMIN : 0);
  if (!(roles & has)) {
    web_reply_error(rep, 403, "administrators only");
    web_user_free(u);
    return NULL;
  }
  if (u->admin) {
    free(rep->actor);
    rep->actor = util_strdup(u->name);
  }
  return u;
}

/* True when `url` is `scheme` + `host` followed by nothing (Origin) or by a path, query or
 * fragment (Referer, when `prefix`). Case-insensitive. */
static bool session_origin_is(const char *url, const char *scheme, const char *host, bool prefix)
{
  size_t ns = strlen(scheme), nh = strlen(host);
  if (strncasecmp(url, scheme, ns) || strncasecmp(url + ns, host, nh))
    return false;
  char next = url[ns + nh];
  return next == '\0' || (prefix && (next == '/' || next == '?' || next == '#'));
}

bool web_request_same_origin(const web_request_t *req)
{
  const char *origin = req->header(req, "Origin");
  const char *referer = req->header(req, "Referer");
  const char *host = req->header(req, "Host");
  const char *scheme = req->tls ? "https://" : "http://";

  if (origin)
    return host && *host && session_origin_is(origin, scheme, host, false);
  if (referer)
    return host && *host && session_origin_is(referer, scheme, host, true);
  return true;
}
