/*
 * users.c: logins with lockout and throttling, credential digests, PIN generation (users.h).
 */
#include "users.h"

#include "auth.h"
#include "log.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define USERS_KEY_LEN 32
#define USERS_CACHE_SIZE 64
#define USERS_CACHE_SECONDS 300
#define USERS_SOURCES 128

/* A successful password check: digest of name + password, digest of the stored hash. */
typedef struct users_cache_entry_s {
  unsigned char key[32];
  unsigned char hash[32];
  time_t expires;
} users_cache_entry_t;

/* Failures from one source that named no user. */
typedef struct users_source_s {
  char name[64];
  int failures;
  time_t window_start;
  time_t blocked_until;
} users_source_t;

struct users_s {
  store_t *store;
  unsigned char key[USERS_KEY_LEN];
  pthread_mutex_t lock;             /* guards policy, cache and sources */
  users_policy_t policy;
  users_cache_entry_t cache[USERS_CACHE_SIZE];
  unsigned cache_next;
  users_source_t sources[USERS_SOURCES];
};

/* ---- the credential key ------------------------------------------------------------------- */

/* Reads DATA/credential.key, creating it (0600, random) when missing. */
static bool users_load_key(users_t *u, const char *data_dir, char **err)
{
  char *path = util_printf("%s/credential.key", data_dir);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  bool ok = false;

  if (fd < 0 && errno == ENOENT) {
    unsigned char key[USERS_KEY_LEN];
    char *tmp = util_printf("%s.%d.tmp", path, (int)getpid());
    int w = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    ok = w >= 0 && RAND_bytes(key, sizeof(key)) == 1 &&
         write(w, key, sizeof(key)) == (ssize_t)sizeof(key) && fsync(w) == 0;
    if (w >= 0 && close(w) != 0)
      ok = false;
    /* link() fails if another process created the key meanwhile: then use theirs. */
    if (ok && link(tmp, path) != 0 && errno != EEXIST)
      ok = false;
    unlink(tmp);
    free(tmp);
    OPENSSL_cleanse(key, sizeof(key));
    fd = ok ? open(path, O_RDONLY | O_CLOEXEC) : -1;
  }
  ok = fd >= 0 && read(fd, u->key, sizeof(u->key)) == (ssize_t)sizeof(u->key);
  if (fd >= 0)
    close(fd);
  if (!ok)
    *err = util_printf("cannot read or create %s: %s", path, strerror(errno ? errno : EIO));
  free(path);
  return ok;
}

users_t *users_open(store_t *store, const char *data_dir, char **err)
{
  users_t *u = calloc(1, sizeof(*u));
  if (!u)
    abort();
  *err = NULL;
  u->store = store;
  u->policy = (users_policy_t){5, 15, 10, 5};
  pthread_mutex_init(&u->lock, NULL);
  if (!users_load_key(u, data_dir, err)) {
    users_close(u);
    return NULL;
  }
  return u;
}

void users_close(users_t *users)
{
  if (!users)
    return;
  OPENSSL_cleanse(users->key, sizeof(users->key));
  pthread_mutex_destroy(&users->lock);
  free(users);
}

store_t *users_store(users_t *users)
{
  return users->store;
}

void users_set_policy(users_t *users, const users_policy_t *policy)
{
  pthread_mutex_lock(&users->lock);
  users->policy = *policy;
  pthread_mutex_unlock(&users->lock);
}

static users_policy_t users_policy(users_t *users)
{
  pthread_mutex_lock(&users->lock);
  users_policy_t p = users->policy;
  pthread_mutex_unlock(&users->lock);
  return p;
}

/* ---- names and secrets -------------------------------------------------------------------- */

bool users_name_valid(const char *name)
{
  size_t n = name ? strlen(name) : 0;
  if (n < 1 || n > 64 || name[0] == '-' || name[0] == '.')
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)name[i]) && !strchr("._@-", name[i]))
      return false;
  return true;
}

bool users_secret_normalise(store_cred_kind_t kind, const char *secret, char *out, size_t len,
                            const char **why)
{
  size_t n = 0;
  for (const char *p = secret ? secret : ""; *p; p++) {
    unsigned char ch = (unsigned char)*p;
    if (kind == STORE_CRED_CARD && (ch == ' ' || ch == '-' || ch == ':'))
      continue;
    bool good = kind == STORE_CRED_PIN ? isdigit(ch) != 0 : isalnum(ch) != 0;
    if (!good) {
      *why = kind == STORE_CRED_PIN ? "a PIN has digits only" : "a card number has letters and "
                                                                "digits only";
      return false;
    }
    if (n + 1 >= len) {
      *why = "too long";
      return false;
    }
    out[n++] = (char)toupper(ch);
  }
  out[n] = '\0';
  if (kind == STORE_CRED_PIN && (n < 4 || n > 12)) {
    *why = "a PIN has 4 to 12 digits";
    return false;
  }
  if (kind == STORE_CRED_CARD && (n < 1 || n > 64)) {
    *why = "a card number has 1 to 64 characters";
    return false;
  }
  return true;
}

/* The lookup digest of a normalised secret: hex HMAC-SHA256(key, kind byte, secret). */
static void users_lookup(users_t *users, store_cred_kind_t kind, const char *secret,
                         char out[65])
{
  unsigned char msg[80], mac[32];
  unsigned int maclen = 0;
  size_t n = strlen(secret);
  msg[0] = (unsigned char)kind;
  memcpy(msg + 1, secret, n);
  if (!HMAC(EVP_sha256(), users->key, USERS_KEY_LEN, msg, n + 1, mac, &maclen))
    memset(mac, 0, sizeof(mac));
  for (int i = 0; i < 32; i++)
    snprintf(out + 2 * i, 3, "%02x", mac[i]);
  OPENSSL_cleanse(msg, sizeof(msg));
}

/* ---- throttling per source ---------------------------------------------------------------- */

/* The slot of `source` (a new or the oldest one when absent); users->lock held. */
static users_source_t *users_source_slot(users_t *users, const char *source)
{
  users_source_t *oldest = &users->sources[0];
  for (int i = 0; i < USERS_SOURCES; i++) {
    users_source_t *s = &users->sources[i];
    if (!strcmp(s->name, source))
      return s;
    if (s->window_start < oldest->window_start)
      oldest = s;
  }
  memset(oldest, 0, sizeof(*oldest));
  snprintf(oldest->name, sizeof(oldest->name), "%s", source);
  return oldest;
}

/* Seconds `source` must still wait, 0 if it may try. */
static int users_source_wait(users_t *users, const char *source)
{
  time_t now = time(NULL);
  int wait = 0;
  pthread_mutex_lock(&users->lock);
  for (int i = 0; i < USERS_SOURCES; i++)
    if (!strcmp(users->sources[i].name, source) && users->sources[i].blocked_until > now)
      wait = (int)(users->sources[i].blocked_until - now);
  pthread_mutex_unlock(&users->lock);
  return wait;
}

/* Counts a failure from `source` that named no user. */
static void users_source_fail(users_t *users, const char *source)
{
  time_t now = time(NULL);
  pthread_mutex_lock(&users->lock);
  users_policy_t p = users->policy;
  users_source_t *s = users_source_slot(users, source);
  if (now - s->window_start > (time_t)p.throttle_minutes * 60) {
    s->window_start = now;
    s->failures = 0;
  }
  if (p.throttle_attempts > 0 && ++s->failures >= p.throttle_attempts) {
    s->blocked_until = now + (time_t)p.throttle_minutes * 60;
    s->failures = 0;
    s->window_start = now;
    log_warn("auth: too many failed logins from %s; refused for %d minute(s)", source,
             p.throttle_minutes);
  }
  pthread_mutex_unlock(&users->lock);
}

/* ---- password cache ----------------------------------------------------------------------- */

static void users_digest(const char *a, const char *b, unsigned char out[32])
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
      EVP_DigestUpdate(ctx, a, strlen(a) + 1) != 1 ||
      EVP_DigestUpdate(ctx, b ? b : "", b ? strlen(b) : 0) != 1 ||
      EVP_DigestFinal_ex(ctx, out, &len) != 1)
    memset(out, 0, 32);
  EVP_MD_CTX_free(ctx);
}

/* True when a fresh cache entry proves this name+password matched the stored hash `hash`. */
static bool users_cache_hit(users_t *users, const unsigned char key[32], const char *hash)
{
  unsigned char hd[32];
  users_digest("hash", hash, hd);
  time_t now = time(NULL);
  bool hit = false;
  pthread_mutex_lock(&users->lock);
  for (int i = 0; i < USERS_CACHE_SIZE && !hit; i++) {
    users_cache_entry_t *e = &users->cache[i];
    hit = e->expires > now && CRYPTO_memcmp(e->key, key, 32) == 0 &&
          CRYPTO_memcmp(e->hash, hd, 32) == 0;
  }
  pthread_mutex_unlock(&users->lock);
  return hit;
}

static void users_cache_add(users_t *users, const unsigned char key[32], const char *hash)
{
  pthread_mutex_lock(&users->lock);
  users_cache_entry_t *e = &users->cache[users->cache_next++ % USERS_CACHE_SIZE];
  memcpy(e->key, key, 32);
  users_digest("hash", hash, e->hash);
  e->expires = time(NULL) + USERS_CACHE_SECONDS;
  pthread_mutex_unlock(&users->lock);
}

void users_cache_clear(users_t *users)
{
  pthread_mutex_lock(&users->lock);
  memset(users->cache, 0, sizeof(users->cache));
  pthread_mutex_unlock(&users->lock);
}

/* ---- logins ------------------------------------------------------------------------------- */

/* True (with a message) when `u` is locked now. */
static bool users_locked(const store_user_t *u, char *msg, size_t len)
{
  time_t now = time(NULL);
  if (u->locked_until == -1) {
    snprintf(msg, len, "This account is locked after too many wrong attempts. Ask an "
                       "administrator to unlock it.");
    return true;
  }
  if (u->locked_until > now) {
    int minutes = (int)((u->locked_until - now + 59) / 60);
    snprintf(msg, len, "This account is locked after too many wrong attempts. Try again in "
                       "%d minute%s or ask an administrator to unlock it.", minutes,
             minutes == 1 ? "" : "s");
    return true;
  }
  return false;
}

/* Records a failure of the known user `name`; fills msg (locked now, or attempts left). */
static users_login_t users_fail(users_t *users, const char *name, const char *what, char *msg,
                                size_t len)
{
  users_policy_t p = users_policy(users);
  int failures = 0;
  time_t until = 0;
  if (!store_user_login_result(users->store, name, false, p.lockout_attempts,
                               p.lockout_minutes * 60, &failures, &until))
    return USERS_LOGIN_ERROR;
  log_warn("auth: failed login for user '%s' (%d in a row)", name, failures);
  if (p.lockout_attempts > 0 && failures >= p.lockout_attempts) {
    store_user_t locked = {.locked_until = until};
    users_locked(&locked, msg, len);
    log_warn("auth: user '%s' locked after %d failed logins", name, failures);
    return USERS_LOGIN_LOCKED;
  }
  int left = p.lockout_attempts - failures;
  if (p.lockout_attempts > 0 && left <= 2)
    snprintf(msg, len, "%s %d attempt%s left before the account is locked.", what, left,
             left == 1 ? "" : "s");
  else
    snprintf(msg, len, "%s", what);
  return USERS_LOGIN_WRONG;
}

/* Common end of a login that found user `u` (taken) and checked the secret (`ok`). */
static users_login_t users_finish(users_t *users, store_user_t *u, bool ok, const char *wrong,
                                  store_user_t **user, char *msg, size_t len)
{
  users_login_t r;
  int failures = 0;
  time_t until = 0;
  if (!ok) {
    r = users_fail(users, u->name, wrong, msg, len);
    store_user_free(u);
    return r;
  }
  if (!store_user_login_result(users->store, u->name, true, 0, 0, &failures, &until)) {
    store_user_free(u);
    return USERS_LOGIN_ERROR;
  }
  *user = u;
  return USERS_LOGIN_OK;
}

/* Throttle check shared by the login kinds. */
static bool users_throttled(users_t *users, const char *source, char *msg, size_t len)
{
  int wait = users_source_wait(users, source);
  if (!wait)
    return false;
  snprintf(msg, len, "Too many wrong attempts from here. Wait %d minute%s and try again.",
           (wait + 59) / 60, (wait + 59) / 60 == 1 ? "" : "s");
  return true;
}

users_login_t users_login_password(users_t *users, const char *name, const char *password,
                                   const char *source, store_user_t **user, char *msg,
                                   size_t len)
{
  static const char *wrong = "Wrong user name or password.";
  *user = NULL;
  snprintf(msg, len, "%s", wrong);
  source = source ? source : "?";
  if (users_throttled(users, source, msg, len))
    return USERS_LOGIN_THROTTLED;
  if (!name || !*name || !password)
    return USERS_LOGIN_WRONG;
  store_user_t *u = store_user_get(users->store, name);
  if (!u || !u->password_hash) {
    /* Same work as a real check, so timing does not tell which names exist. */
    auth_password_verify(password, "pbkdf2-sha256$200000$AAAAAAAAAAAAAAAAAAAAAA==$"
                                   "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    store_user_free(u);
    users_source_fail(users, source);
    log_warn("auth: failed login for unknown user (or one without a password) from %s",
             source);
    return USERS_LOGIN_WRONG;
  }
  if (users_locked(u, msg, len)) {
    store_user_free(u);
    return USERS_LOGIN_LOCKED;
  }
  unsigned char key[32];
  users_digest(name, password, key);
  if (users_cache_hit(users, key, u->password_hash)) {
    *user = u;
    return USERS_LOGIN_OK;
  }
  bool ok = auth_password_verify(password, u->password_hash);
  if (ok)
    users_cache_add(users, key, u->password_hash);
  return users_finish(users, u, ok, wrong, user, msg, len);
}

/* A PIN or card login: lookup digest, then the salted hash; `name` optional. */
static users_login_t users_login_secret(users_t *users, store_cred_kind_t kind,
                                        const char *name, const char *secret,
                                        const char *source, store_user_t **user, char *msg,
                                        size_t len)
{
  const char *wrong = kind == STORE_CRED_PIN ? "Wrong PIN." : "This card is not known.";
  char norm[80], lookup[65];
  const char *why = NULL;
  *user = NULL;
  snprintf(msg, len, "%s", wrong);
  source = source ? source : "?";
  if (users_throttled(users, source, msg, len))
    return USERS_LOGIN_THROTTLED;
  bool valid = users_secret_normalise(kind, secret, norm, sizeof(norm), &why);
  users_lookup(users, kind, valid ? norm : "", lookup);
  store_cred_t *cred = valid ? store_cred_find(users->store, lookup) : NULL;
  bool match = cred && cred->kind == kind && auth_password_verify(norm, cred->hash) &&
               (!name || !strcmp(cred->user, name));
  OPENSSL_cleanse(norm, sizeof(norm));
  if (!match) {
    store_cred_free(cred);
    store_user_t *named = name ? store_user_get(users->store, name) : NULL;
    if (!named) {
      users_source_fail(users, source);
      log_warn("auth: unknown %s from %s", kind == STORE_CRED_PIN ? "PIN" : "card", source);
      return USERS_LOGIN_WRONG;
    }
    if (users_locked(named, msg, len)) {
      store_user_free(named);
      return USERS_LOGIN_LOCKED;
    }
    return users_finish(users, named, false, wrong, user, msg, len);
  }
  store_user_t *u = store_user_get(users->store, cred->user);
  store_cred_free(cred);
  if (!u)
    return USERS_LOGIN_WRONG;
  if (users_locked(u, msg, len)) {
    store_user_free(u);
    return USERS_LOGIN_LOCKED;
  }
  return users_finish(users, u, true, wrong, user, msg, len);
}

users_login_t users_login_pin(users_t *users, const char *name, const char *pin,
                              const char *source, store_user_t **user, char *msg, size_t len)
{
  return users_login_secret(users, STORE_CRED_PIN, name && *name ? name : NULL, pin, source,
                            user, msg, len);
}

users_login_t users_login_card(users_t *users, const char *card, const char *source,
                               store_user_t **user, char *msg, size_t len)
{
  return users_login_secret(users, STORE_CRED_CARD, NULL, card, source, user, msg, len);
}

/* ---- credentials -------------------------------------------------------------------------- */

store_cred_result_t users_add_credential(users_t *users, const char *user,
                                         store_cred_kind_t kind, const char *secret, char **err)
{
  char norm[80], lookup[65];
  const char *why = NULL;
  const char *what = kind == STORE_CRED_PIN ? "PIN" : "card number";
  *err = NULL;
  if (!users_secret_normalise(kind, secret, norm, sizeof(norm), &why)) {
    *err = util_printf("invalid %s: %s", what, why);
    return STORE_CRED_ERROR;
  }
  users_lookup(users, kind, norm, lookup);
  char *hash = auth_password_hash(norm);
  OPENSSL_cleanse(norm, sizeof(norm));
  store_cred_result_t r = hash ? store_cred_add(users->store, user, kind, lookup, hash)
                               : STORE_CRED_ERROR;
  free(hash);
  if (r == STORE_CRED_DUPLICATE)
    *err = util_printf("this %s is already in use", what);
  else if (r == STORE_CRED_NO_USER)
    *err = util_printf("no user %s", user);
  else if (r == STORE_CRED_ERROR)
    *err = util_printf("cannot store the %s", what);
  return r;
}

bool users_credential_taken(users_t *users, store_cred_kind_t kind, const char *secret,
                            const char *user)
{
  char norm[80], lookup[65];
  const char *why = NULL;
  if (!users_secret_normalise(kind, secret, norm, sizeof(norm), &why))
    return false;
  users_lookup(users, kind, norm, lookup);
  OPENSSL_cleanse(norm, sizeof(norm));
  store_cred_t *c = store_cred_find(users->store, lookup);
  bool taken = c && (!user || strcmp(c->user, user));
  store_cred_free(c);
  return taken;
}

char *users_generate_pin(users_t *users, const char *user, int digits, char **err)
{
  *err = NULL;
  if (digits < 4 || digits > 12) {
    *err = util_strdup("a PIN has 4 to 12 digits");
    return NULL;
  }
  if (!store_cred_clear(users->store, user, STORE_CRED_PIN, NULL)) {
    *err = util_strdup("cannot clear the old PINs");
    return NULL;
  }
  for (int attempt = 0; attempt < 20; attempt++) {
    char pin[16];
    unsigned char rnd[12];
    if (RAND_bytes(rnd, digits) != 1)
      break;
    for (int i = 0; i < digits; i++)
      pin[i] = (char)('0' + rnd[i] % 10);   /* 256 % 10 bias: below 0.5% per digit */
    pin[digits] = '\0';
    free(*err);
    *err = NULL;
    store_cred_result_t r = users_add_credential(users, user, STORE_CRED_PIN, pin, err);
    if (r == STORE_CRED_ADDED)
      return util_strdup(pin);
    if (r != STORE_CRED_DUPLICATE)
      return NULL;
  }
  free(*err);
  *err = util_strdup("could not find an unused PIN; use more digits");
  return NULL;
}

bool users_unlock(users_t *users, const char *name)
{
  bool ok = store_user_unlock(users->store, name);
  if (ok)
    log_info("auth: user '%s' unlocked", name);
  return ok;
}
