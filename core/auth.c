/*
 * auth.c: password hashes and checks (see auth.h).
 */
#include "auth.h"

#include "log.h"
#include "util.h"

#include <glib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define AUTH_ITERATIONS 200000
#define AUTH_SALT_LEN 16
#define AUTH_HASH_LEN 32
#define AUTH_CACHE_SIZE 64
#define AUTH_CACHE_SECONDS 300

typedef struct auth_cache_entry_s {
  unsigned char key[32];   /* SHA-256 of "user\0password" */
  time_t expires;
  bool admin;
} auth_cache_entry_t;

static pthread_mutex_t auth_lock = PTHREAD_MUTEX_INITIALIZER;
static auth_cache_entry_t auth_cache[AUTH_CACHE_SIZE];
static unsigned auth_cache_next;

/* Derives the PBKDF2 hash of `password` with `salt`. */
static bool auth_derive(const char *password, const unsigned char *salt, size_t saltlen,
                        int iterations, unsigned char *out, size_t outlen)
{
  return PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)saltlen, iterations,
                           EVP_sha256(), (int)outlen, out) == 1;
}

char *auth_password_hash(const char *password)
{
  unsigned char salt[AUTH_SALT_LEN], hash[AUTH_HASH_LEN];

  if (RAND_bytes(salt, sizeof(salt)) != 1 ||
      !auth_derive(password, salt, sizeof(salt), AUTH_ITERATIONS, hash, sizeof(hash)))
    return NULL;
  gchar *s64 = g_base64_encode(salt, sizeof(salt));
  gchar *h64 = g_base64_encode(hash, sizeof(hash));
  char *r = util_printf("pbkdf2-sha256$%d$%s$%s", AUTH_ITERATIONS, s64, h64);
  g_free(s64);
  g_free(h64);
  OPENSSL_cleanse(hash, sizeof(hash));
  return r;
}

bool auth_password_verify(const char *password, const char *stored)
{
  int iterations = 0;
  char salt64[64], hash64[128];
  unsigned char out[AUTH_HASH_LEN];
  bool ok = false;

  if (!password || !stored ||
      sscanf(stored, "pbkdf2-sha256$%d$%63[^$]$%127s", &iterations, salt64, hash64) != 3 ||
      iterations < 1000 || iterations > 10000000)
    return false;
  gsize saltlen = 0, hashlen = 0;
  guchar *salt = g_base64_decode(salt64, &saltlen);
  guchar *hash = g_base64_decode(hash64, &hashlen);
  if (salt && hash && hashlen == sizeof(out) &&
      auth_derive(password, salt, saltlen, iterations, out, sizeof(out)))
    ok = CRYPTO_memcmp(out, hash, sizeof(out)) == 0;
  g_free(salt);
  g_free(hash);
  OPENSSL_cleanse(out, sizeof(out));
  return ok;
}

/* Computes the cache key of a credential pair. */
static void auth_cache_key(const char *user, const char *password, unsigned char key[32])
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
      EVP_DigestUpdate(ctx, user, strlen(user) + 1) != 1 ||
      EVP_DigestUpdate(ctx, password, strlen(password)) != 1 ||
      EVP_DigestFinal_ex(ctx, key, &len) != 1)
    memset(key, 0, 32);
  EVP_MD_CTX_free(ctx);
}

/* Looks a key up in the cache; true with *admin when a fresh entry matches. */
static bool auth_cache_lookup(const unsigned char key[32], bool *admin)
{
  time_t now = time(NULL);
  bool hit = false;
  pthread_mutex_lock(&auth_lock);
  for (int i = 0; i < AUTH_CACHE_SIZE && !hit; i++)
    if (auth_cache[i].expires > now && CRYPTO_memcmp(auth_cache[i].key, key, 32) == 0) {
      *admin = auth_cache[i].admin;
      hit = true;
    }
  pthread_mutex_unlock(&auth_lock);
  return hit;
}

static void auth_cache_add(const unsigned char key[32], bool admin)
{
  pthread_mutex_lock(&auth_lock);
  auth_cache_entry_t *e = &auth_cache[auth_cache_next++ % AUTH_CACHE_SIZE];
  memcpy(e->key, key, 32);
  e->expires = time(NULL) + AUTH_CACHE_SECONDS;
  e->admin = admin;
  pthread_mutex_unlock(&auth_lock);
}

void auth_cache_clear(void)
{
  pthread_mutex_lock(&auth_lock);
  memset(auth_cache, 0, sizeof(auth_cache));
  pthread_mutex_unlock(&auth_lock);
}

bool auth_check_user(store_t *store, const char *user, const char *password, bool *admin)
{
  unsigned char key[32];

  *admin = false;
  if (!user || !*user || !password)
    return false;
  auth_cache_key(user, password, key);
  if (auth_cache_lookup(key, admin))
    return true;

  store_user_t *u = store_user_get(store, user);
  bool ok = u && auth_password_verify(password, u->password_hash);
  if (ok) {
    *admin = u->admin;
    auth_cache_add(key, u->admin);
  } else {
    log_warn("auth: failed login for user '%s'", user);
  }
  store_user_free(u);
  return ok;
}
