/*
 * setup.h: the appliance's first-boot set-up, as state in DATA/setup/ (no HTTP here; the
 * pages are web/setup.c).
 *
 * DESIGN
 * The set-up is pending while DATA/setup/code exists and DATA/setup/done does not. The code
 * is made on the device by quire-setup-code (image/deb), which shows it on the console; no
 * password is ever shipped. Whoever knows the code may set the admin password once. Codes are
 * compared in constant time, and wrong ones are rate limited for the whole process (a bucket
 * of SETUP_CODE_TRIES tries that refills one try every SETUP_CODE_REFILL seconds), so that
 * the 50-bit code cannot be guessed over the network. Finishing creates the admin user in the
 * store, records the other choices in DATA/setup/appliance.conf (applied by the root-owned
 * quire-setup-apply on the appliance: host name, network, DNS-SD), marks the set-up done and
 * deletes the code: from then on the code no longer works. Thread-safe.
 */
#ifndef QUIRE_SETUP_H
#define QUIRE_SETUP_H

#include <stdbool.h>

#include "store.h"

#define SETUP_CODE_TRIES 5        /* wrong codes accepted in a burst */
#define SETUP_CODE_REFILL 20.0    /* seconds until one more try is allowed */
#define SETUP_ADMIN_USER "admin"  /* the user the set-up creates */

/* Where the set-up stands. */
typedef enum setup_state_e {
  SETUP_NONE,      /* no set-up on this installation (no code was ever made) */
  SETUP_PENDING,   /* waiting for someone with the code */
  SETUP_DONE       /* finished; the set-up pages are gone */
} setup_state_t;

/* The answer to one code. */
typedef enum setup_code_e {
  SETUP_CODE_OK,
  SETUP_CODE_WRONG,
  SETUP_CODE_LIMITED  /* too many wrong codes: try again later (*retry_after seconds) */
} setup_code_t;

/* What the admin chose. Every string is borrowed; NULL or "" when not given. */
typedef struct setup_choices_s {
  const char *password, *password2;
  const char *name;          /* appliance name, 1-63 bytes of UTF-8, no control characters */
  const char *role;          /* "standalone" or "site" */
  const char *central_url;   /* site: https URL of the central quire */
  const char *token;         /* site: enrolment token */
  const char *network;       /* "dhcp" or "static" */
  const char *address;       /* static: IPv4/prefix, e.g. 192.168.1.20/24 */
  const char *gateway;       /* static, optional: IPv4 */
  const char *dns;           /* static, optional: up to 3 IPv4 addresses (spaces or commas) */
} setup_choices_t;

/* Where the set-up of the data directory `data_dir` stands. */
setup_state_t setup_state(const char *data_dir);

/* Checks a code as typed (case, spaces and dashes do not matter). `now` is util_now(). */
setup_code_t setup_code_check(const char *data_dir, const char *code, double now,
                              int *retry_after);

/* Checks the choices; NULL when they are fine, else a static message naming the field. */
const char *setup_choices_check(const setup_choices_t *c);

/* Finishes the set-up after the code was checked and the choices too: admin user, choices,
 * done marker, code deleted, in that order (a crash in between leaves the set-up pending).
 * False and *err (malloc'd, the caller frees) on failure, also when another request finished
 * it meanwhile. */
bool setup_finish(store_t *store, const char *data_dir, const setup_choices_t *c, char **err);

#endif
