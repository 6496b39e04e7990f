/*
 * users-admin.c: creating, changing and deleting users, setting PINs (users.h); the one
 * implementation behind `quire user ...` and the admin API (web/api-users.c).
 */
#include "users.h"

#include "auth.h"
#include "log.h"
#include "util.h"

#include <glib.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

char *users_groups_normalise(const char *groups, const char **why)
{
  char **parts = g_strsplit_set(groups ? groups : "", ",;|", -1);
  GString *out = g_string_new("");
  bool ok = true;
  for (size_t i = 0; parts[i] && ok; i++) {
    char *g = g_strstrip(parts[i]);
    if (!*g)
      continue;
    if (!users_name_valid(g)) {
      *why = "a group name has 1-64 letters, digits, '.', '_', '@' or '-'";
      ok = false;
    } else {
      g_string_append_printf(out, "%s%s", out->len ? "," : "", g);
    }
  }
  g_strfreev(parts);
  char *r = ok ? util_strdup(out->str) : NULL;
  g_string_free(out, TRUE);
  return r;
}

/* The new row of `name` from the old one (NULL for a new user) and `edit`; the caller frees
 * the groups and password_hash it allocates (see users_save). Not OK with *err. */
static users_save_t users_merge(const store_user_t *old, const char *name, const users_edit_t *e,
                        store_user_t *u, char **err)
{
  const char *why = NULL;
  memset(u, 0, sizeof(*u));
  u->name = (char *)name;
  u->full_name = (char *)(e->full_name ? e->full_name : old ? old->full_name : NULL);
  u->email = (char *)(e->email ? e->email : old ? old->email : NULL);
  u->groups = e->groups ? users_groups_normalise(e->groups, &why)
                        : util_strdup(old ? old->groups : NULL);
  if (e->groups && !u->groups) {
    *err = util_printf("invalid groups: %s", why);
    return USERS_SAVE_INVALID;
  }
  u->admin = e->admin >= 0 ? e->admin == 1 : old && old->admin;
  u->restricted = e->restricted >= 0 ? e->restricted == 1
                  : old ? old->restricted : e->restrict_new;
  u->created = old ? old->created : time(NULL);
  if (e->password && *e->password) {
    if (!(u->password_hash = auth_password_hash(e->password))) {
      *err = util_strdup("cannot hash the password");
      return USERS_SAVE_ERROR;
    }
  } else {
    u->password_hash = util_strdup(old ? old->password_hash : NULL);
  }
  return USERS_SAVE_OK;
}

users_save_t users_save(users_t *users, const char *name, const users_edit_t *edit, bool create,
                        bool *old_admin, char **err)
{
  store_t *store = users_store(users);
  *err = NULL;
  if (old_admin)
    *old_admin = false;
  if (!users_name_valid(name)) {
    *err = util_printf("invalid user name '%s' (1-64 letters, digits, '.', '_', '@', '-')",
                       name ? name : "");
    return USERS_SAVE_INVALID;
  }
  store_user_t *old = store_user_get(store, name);
  if (create == (old != NULL)) {
    *err = create ? util_printf("user %s exists already", name) : util_printf("no user %s", name);
    store_user_free(old);
    return create ? USERS_SAVE_EXISTS : USERS_SAVE_NO_USER;
  }
  if (old_admin)
    *old_admin = old && old->admin;
  store_user_t u;
  users_save_t r = users_merge(old, name, edit, &u, err);
  if (r != USERS_SAVE_OK) {
    /* *err set */
  } else if (!store_user_put(store, &u)) {
    *err = util_printf("cannot save user %s", name);
    r = USERS_SAVE_ERROR;
  } else {
    log_info("users: %s %s%s", name, create ? "added" : "changed", u.admin ? " (admin)" : "");
  }
  free(u.groups);
  if (u.password_hash)
    OPENSSL_cleanse(u.password_hash, strlen(u.password_hash));
  free(u.password_hash);
  store_user_free(old);
  return r;
}

store_cred_result_t users_set_pin(users_t *users, const char *user, const char *pin, char **err)
{
  char norm[80];
  const char *why = NULL;
  *err = NULL;
  /* Checked before the old PINs go, so that a typo or a PIN in use leaves the user theirs. */
  if (!users_secret_normalise(STORE_CRED_PIN, pin, norm, sizeof(norm), &why)) {
    *err = util_printf("invalid PIN: %s", why);
    return STORE_CRED_ERROR;
  }
  OPENSSL_cleanse(norm, sizeof(norm));
  store_user_t *u = store_user_get(users_store(users), user);
  if (!u) {
    *err = util_printf("no user %s", user);
    return STORE_CRED_NO_USER;
  }
  store_user_free(u);
  if (users_credential_taken(users, STORE_CRED_PIN, pin, user)) {
    *err = util_strdup("this PIN is already in use");
    return STORE_CRED_DUPLICATE;
  }
  if (!store_cred_clear(users_store(users), user, STORE_CRED_PIN, NULL)) {
    *err = util_strdup("cannot clear the old PINs");
    return STORE_CRED_ERROR;
  }
  return users_add_credential(users, user, STORE_CRED_PIN, pin, err);
}

bool users_delete(users_t *users, const char *name)
{
  bool ok = name && store_user_delete(users_store(users), name);
  if (ok) {
    users_cache_clear(users);
    log_info("users: %s deleted", name);
  }
  return ok;
}

bool users_is_locked(const store_user_t *u, time_t now)
{
  return u->locked_until == -1 || u->locked_until > now;
}
