/*
 * users.h: who may print and release: users, their credentials (password, PINs, card
 * numbers), logins with lockout and throttling, and CSV import. Used by quired (IPP HTTP
 * Basic, the release API, the web) and by the `quire user ...` commands.
 *
 * DESIGN
 * Passwords are PBKDF2-HMAC-SHA256 hashes with a per-record salt (core/auth.c). A PIN or card
 * number is stored twice, never in clear: as a lookup digest, HMAC-SHA256 keyed with the
 * appliance's credential key (DATA/credential.key, 32 random bytes, mode 0600), unique, so
 * that a PIN typed alone at a terminal finds its user with one indexed read; and as a salted
 * PBKDF2 hash, verified after the lookup. A stolen database without the key gives neither.
 *
 * Lockout: each failed login of a known user counts; at `lockout_attempts` the user is locked
 * for `lockout_minutes` (0: until an admin unlocks). Attempts that name no user (an unknown
 * PIN or card, an unknown user name) count per source (the client address or terminal); at
 * `throttle_attempts` within `throttle_minutes` that source is refused for `throttle_minutes`.
 * Successful password checks are cached for a few minutes (keyed by a digest of name and
 * password, never the password), but a cache hit still reads the user row, so a changed
 * password, a deleted user or a lock takes effect at once.
 */
#ifndef QUIRE_USERS_H
#define QUIRE_USERS_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "store-users.h"

typedef struct users_s users_t;

typedef struct users_policy_s {
  int lockout_attempts;    /* failed logins before a user is locked (0: never) */
  int lockout_minutes;     /* how long (0: until an admin unlocks) */
  int throttle_attempts;   /* failed logins naming no user, per source, before throttling */
  int throttle_minutes;
} users_policy_t;

typedef enum users_login_e {
  USERS_LOGIN_OK,
  USERS_LOGIN_WRONG,       /* wrong or unknown credentials */
  USERS_LOGIN_LOCKED,      /* the user is locked */
  USERS_LOGIN_THROTTLED,   /* too many failures from this source */
  USERS_LOGIN_ERROR        /* store error */
} users_login_t;

/* Opens the user service on `store`, loading DATA/credential.key (created on first use).
 * NULL with *err (malloc'd) on failure. Free with users_close. */
users_t *users_open(store_t *store, const char *data_dir, char **err);

void users_close(users_t *users);

/* Replaces the lockout/throttle policy (defaults: 5 attempts, 15 minutes; 10 per source in
 * 5 minutes). */
void users_set_policy(users_t *users, const users_policy_t *policy);

/* Logs in with a user name and password, a PIN (with or without a user name) or a card
 * number, from `source` (client address or terminal name, for throttling). On
 * USERS_LOGIN_OK *user is the user's row (caller frees with store_user_free); otherwise
 * `msg` holds a sentence for the person at the terminal. */
users_login_t users_login_password(users_t *users, const char *name, const char *password,
                                   const char *source, store_user_t **user, char *msg,
                                   size_t len);
users_login_t users_login_pin(users_t *users, const char *name, const char *pin,
                              const char *source, store_user_t **user, char *msg, size_t len);
users_login_t users_login_card(users_t *users, const char *card, const char *source,
                               store_user_t **user, char *msg, size_t len);

/* True for a valid user name: 1-64 of [A-Za-z0-9._@-], not starting with '-' or '.'. */
bool users_name_valid(const char *name);

/* Normalises a PIN (4-12 digits) or a card number (1-64 of letters, digits; spaces, dashes
 * and colons dropped, letters upper-cased) into `out`. False (with *why, static) if invalid. */
bool users_secret_normalise(store_cred_kind_t kind, const char *secret, char *out, size_t len,
                            const char **why);

/* Adds a PIN or card to `user`. On failure returns the store result and sets *err
 * (malloc'd): "this PIN is already in use" and the like. */
store_cred_result_t users_add_credential(users_t *users, const char *user,
                                         store_cred_kind_t kind, const char *secret, char **err);

/* Replaces the PINs of `user` with a new random PIN of `digits` digits (4-12), unique among all
 * PINs. Returns it (malloc'd; the caller shows it once and frees it) or NULL with *err. */
char *users_generate_pin(users_t *users, const char *user, int digits, char **err);

/* Clears failed logins and the lock of `name`. */
bool users_unlock(users_t *users, const char *name);

/* Imports users from CSV with a header row naming any of: username (required), full_name,
 * email, groups (separated by ';' or '|'), password, pin, card, admin (yes/no/true/false/1/0),
 * restricted. Existing users are updated (empty cells keep what they have). Each bad row is
 * reported on `report` with its line number and skipped; the others are imported. Sets
 * *imported and *failed; false only if the file cannot be read or has no username column. */
bool users_import_csv(users_t *users, FILE *in, FILE *report, int *imported, int *failed);

/* The store the service works on (borrowed). */
store_t *users_store(users_t *users);

/* Forgets cached password checks (after users change in this process). */
void users_cache_clear(users_t *users);

/* ---- administration (core/users-admin.c): what `quire user` and the admin API share ---- */

/* A change to a user. NULL strings keep what the user has ("" clears it); -1 keeps a flag. */
typedef struct users_edit_s {
  const char *full_name, *email;
  const char *groups;      /* group names separated by ',', ';' or '|' (spaces trimmed) */
  const char *password;    /* a new password; NULL or "" keeps the old one */
  int admin, restricted;   /* 1 yes, 0 no, -1 keep (a new user: no) */
  bool restrict_new;       /* a new user with restricted -1 is restricted ([accounting]) */
} users_edit_t;

/* Outcome of users_save. */
typedef enum users_save_e {
  USERS_SAVE_OK,
  USERS_SAVE_INVALID,      /* bad user name or group */
  USERS_SAVE_EXISTS,       /* create: the user exists already */
  USERS_SAVE_NO_USER,      /* change: no such user */
  USERS_SAVE_ERROR         /* hashing or store error */
} users_save_t;

/* Creates (`create`) or changes the user `name` with `edit`. On failure *err is a malloc'd
 * sentence (caller frees). With `old_admin`, *old_admin is set to whether the user was an
 * administrator before (false for a new user). */
users_save_t users_save(users_t *users, const char *name, const users_edit_t *edit, bool create,
                        bool *old_admin, char **err);

/* Normalises a group list ("a; b|c") into "a,b,c" (malloc'd); NULL with *why (static) when a
 * name is invalid (same rule as user names). */
char *users_groups_normalise(const char *groups, const char **why);

/* True when the PIN or card `secret` belongs to someone other than `user` (NULL: anyone). */
bool users_credential_taken(users_t *users, store_cred_kind_t kind, const char *secret,
                            const char *user);

/* Replaces every PIN of `user` with `pin` (nothing changes when `pin` is invalid or someone
 * else's). Result and *err as users_add_credential. */
store_cred_result_t users_set_pin(users_t *users, const char *user, const char *pin, char **err);

/* Deletes the user `name` with their credentials (logged). False if there is no such user. */
bool users_delete(users_t *users, const char *name);

/* True when `u` is locked at `now` (until an admin unlocks, or a lock not yet over). */
bool users_is_locked(const store_user_t *u, time_t now);

#endif
