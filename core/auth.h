/*
 * auth.h: password hashing and checking (PBKDF2-HMAC-SHA256 with a per-record salt, from
 * OpenSSL), for passwords, PINs and card numbers (core/users.c) in quired and the quire CLI.
 */
#ifndef QUIRE_AUTH_H
#define QUIRE_AUTH_H

#include <stdbool.h>


/* Hashes `password` with a new random salt. Returns a malloc'd string
 * "pbkdf2-sha256$ITER$SALT$HASH" (base64 parts) owned by the caller, or NULL on failure. */
char *auth_password_hash(const char *password);

/* True when `password` matches `stored` (constant-time comparison). */
bool auth_password_verify(const char *password, const char *stored);

#endif
