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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define AUTH_ITERATIONS 200000
#define AUTH_SALT_LEN 16
#define AUTH_HASH_LEN 32

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
