/*
 * store-users.h: the users area of the store: users, their groups, their PIN and card
 * credentials, and failed-login counters (core/store-sqlite-users.c).
 *
 * Secrets never reach the store in clear: passwords are PBKDF2 hashes (core/auth.c); a PIN or
 * card number is kept as a keyed lookup digest (HMAC-SHA256 with the appliance's credential
 * key, unique, so a PIN or card finds its user without a scan) plus a salted PBKDF2 hash that
 * is verified after the lookup (core/users.c). Same conventions as store.h: thread-safe, inputs
 * copied, results owned by the caller.
 */
#ifndef QUIRE_STORE_USERS_H
#define QUIRE_STORE_USERS_H

#include "store.h"

/* One user. Strings may be NULL unless noted. */
typedef struct store_user_s {
  char *name;              /* required; [A-Za-z0-9._@-]{1,64} (checked by core/users.c) */
  char *full_name;
  char *email;
  char *groups;            /* comma-separated group names, "" or NULL for none */
  char *password_hash;     /* opaque string made by core/auth.c; NULL if none */
  bool admin;
  bool restricted;         /* may not go below -credit (accounting) */
  time_t created;
  int failed_logins;       /* consecutive failed logins (filled on read) */
  time_t locked_until;     /* 0: not locked; -1: until an admin unlocks; else a time */
  time_t last_login;
} store_user_t;

/* Kinds of secondary credentials. */
typedef enum store_cred_kind_e {
  STORE_CRED_PIN = 1,
  STORE_CRED_CARD = 2
} store_cred_kind_t;

/* Result of adding a credential. */
typedef enum store_cred_result_e {
  STORE_CRED_ADDED,
  STORE_CRED_DUPLICATE,    /* the lookup digest belongs to someone already */
  STORE_CRED_NO_USER,
  STORE_CRED_ERROR
} store_cred_result_t;

/* A credential found by its lookup digest. */
typedef struct store_cred_s {
  char *user;
  store_cred_kind_t kind;
  char *hash;              /* PBKDF2 hash of the secret (core/auth.c format) */
  time_t created;
} store_cred_t;

/* Creates or replaces a user (profile, password hash, admin, restricted and groups; counters
 * and lock are kept). Durable when it returns true. */
bool store_user_put(store_t *store, const store_user_t *user);

/* Returns the user `name`, or NULL. Caller frees with store_user_free. */
store_user_t *store_user_get(store_t *store, const char *name);

/* Every user in name order; *count set. Caller frees with store_users_free. */
store_user_t **store_user_list(store_t *store, size_t *count);

/* Removes the user `name` with their credentials. False if not found. */
bool store_user_delete(store_t *store, const char *name);

/* Records the outcome of a login attempt for `name` in one write: success resets the counter
 * and sets last_login; a failure counts one more and, at `max_failures` (> 0), locks the user
 * for `lock_seconds` (0: until unlocked). Sets *failures and *locked_until to the new values.
 * False if the user does not exist or on a store error. */
bool store_user_login_result(store_t *store, const char *name, bool ok, int max_failures,
                             int lock_seconds, int *failures, time_t *locked_until);

/* Clears the failure counter and the lock of `name`. False if not found. */
bool store_user_unlock(store_t *store, const char *name);

/* Names of the members of `group`, sorted; *count set. Caller frees with store_strings_free. */
char **store_group_members(store_t *store, const char *group, size_t *count);

/* Adds a credential for `user`. */
store_cred_result_t store_cred_add(store_t *store, const char *user, store_cred_kind_t kind,
                                   const char *lookup, const char *hash);

/* Finds the credential with this lookup digest, or NULL. Caller frees with store_cred_free. */
store_cred_t *store_cred_find(store_t *store, const char *lookup);

/* Removes every credential of `kind` of `user`; *removed set to how many. */
bool store_cred_clear(store_t *store, const char *user, store_cred_kind_t kind, int *removed);

/* How many credentials of `kind` `user` has (-1 on error). */
int store_cred_count(store_t *store, const char *user, store_cred_kind_t kind);

void store_user_free(store_user_t *user);
void store_users_free(store_user_t **users, size_t count);
void store_cred_free(store_cred_t *cred);

#endif
