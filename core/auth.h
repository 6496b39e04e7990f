/*
 * auth.h: password hashing and checking (PBKDF2-HMAC-SHA256 with a per-record salt, from
 * OpenSSL), shared by quired (HTTP Basic) and the quire CLI (user-add).
 */
#ifndef QUIRE_AUTH_H
#define QUIRE_AUTH_H

#include <stdbool.h>

#include "store.h"

/* Hashes `password` with a new random salt. Returns a malloc'd string
 * "pbkdf2-sha256$ITER$SALT$HASH" (base64 parts) owned by the caller, or NULL on failure. */
char *auth_password_hash(const char *password);

/* True when `password` matches `stored` (constant-time comparison). */
bool auth_password_verify(const char *password, const char *stored);

/* Checks a user's credentials against the store. A short-lived in-memory cache of successful
 * checks (keyed by a SHA-256 of user and password, never the password) keeps repeated IPP
 * requests with HTTP Basic from paying the KDF each time. Sets *admin on success. */
bool auth_check_user(store_t *store, const char *user, const char *password, bool *admin);

/* Empties the cache (after a user changes). */
void auth_cache_clear(void);

#endif
