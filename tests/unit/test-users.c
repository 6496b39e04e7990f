/*
 * test-users.c: core/users.c against a real store in a temporary directory: password, PIN and
 * card logins, lockout and unlock, throttling of unknown credentials, unique PINs, secrets
 * never stored in clear, and CSV import with per-row errors.
 */
#include "../../core/auth.h"
#include "../../core/log.h"
#include "../../core/users.h"
#include "../../core/util.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static users_login_t pw(users_t *u, const char *name, const char *pass, const char *src)
{
  store_user_t *out = NULL;
  char msg[256];
  users_login_t r = users_login_password(u, name, pass, src, &out, msg, sizeof(msg));
  CHECK((r == USERS_LOGIN_OK) == (out != NULL));
  if (r != USERS_LOGIN_OK)
    CHECK(msg[0] != '\0');
  store_user_free(out);
  return r;
}

static users_login_t pin(users_t *u, const char *name, const char *p, const char *src,
                         char *who, size_t len)
{
  store_user_t *out = NULL;
  char msg[256];
  users_login_t r = users_login_pin(u, name, p, src, &out, msg, sizeof(msg));
  if (who)
    snprintf(who, len, "%s", out ? out->name : msg);
  store_user_free(out);
  return r;
}

static void add_user(store_t *s, const char *name, const char *password)
{
  char *hash = auth_password_hash(password);
  store_user_t u = {.name = (char *)name, .password_hash = hash};
  CHECK(hash && store_user_put(s, &u));
  free(hash);
}

static void test_logins(users_t *u, store_t *s)
{
  users_policy_t p = {3, 0, 4, 1};
  users_set_policy(u, &p);
  add_user(s, "alice", "right");
  add_user(s, "bob", "other");
  CHECK(pw(u, "alice", "right", "t1") == USERS_LOGIN_OK);
  CHECK(pw(u, "alice", "right", "t1") == USERS_LOGIN_OK); /* cached, still checked */
  CHECK(pw(u, "alice", "wrong", "t1") == USERS_LOGIN_WRONG);
  CHECK(pw(u, "alice", "wrong", "t1") == USERS_LOGIN_WRONG);
  CHECK(pw(u, "alice", "wrong", "t1") == USERS_LOGIN_LOCKED);
  CHECK(pw(u, "alice", "right", "t1") == USERS_LOGIN_LOCKED); /* even the cached password */
  CHECK(pw(u, "bob", "other", "t1") == USERS_LOGIN_OK);       /* others are not affected */
  CHECK(users_unlock(u, "alice"));
  CHECK(pw(u, "alice", "right", "t1") == USERS_LOGIN_OK);
  /* A changed password takes effect at once, despite the cache. */
  add_user(s, "alice", "new");
  CHECK(pw(u, "alice", "right", "t1") == USERS_LOGIN_WRONG);
  CHECK(pw(u, "alice", "new", "t1") == USERS_LOGIN_OK);
  /* Unknown names count against the source, not a user. */
  CHECK(pw(u, "nobody", "x", "t2") == USERS_LOGIN_WRONG);
  CHECK(pw(u, "nobody", "x", "t2") == USERS_LOGIN_WRONG);
  CHECK(pw(u, "nobody", "x", "t2") == USERS_LOGIN_WRONG);
  CHECK(pw(u, "nobody", "x", "t2") == USERS_LOGIN_WRONG);
  CHECK(pw(u, "bob", "other", "t2") == USERS_LOGIN_THROTTLED);
  CHECK(pw(u, "bob", "other", "t3") == USERS_LOGIN_OK);
  p = (users_policy_t){3, 1, 10, 1};
  users_set_policy(u, &p);
  CHECK(pw(u, "bob", "x", "t3") == USERS_LOGIN_WRONG);
  CHECK(pw(u, "bob", "x", "t3") == USERS_LOGIN_WRONG);
  CHECK(pw(u, "bob", "x", "t3") == USERS_LOGIN_LOCKED);
  store_user_t *b = store_user_get(s, "bob");
  CHECK(b && b->locked_until > time(NULL) + 50 && b->locked_until <= time(NULL) + 60);
  store_user_free(b);
}

static void test_pins(users_t *u, store_t *s)
{
  char *err = NULL, who[256];
  users_policy_t p = {3, 0, 3, 1};
  users_set_policy(u, &p);
  add_user(s, "carol", "c");
  add_user(s, "dave", "d");
  CHECK(users_add_credential(u, "carol", STORE_CRED_PIN, "4711", &err) == STORE_CRED_ADDED);
  CHECK(users_add_credential(u, "dave", STORE_CRED_PIN, "4711", &err) == STORE_CRED_DUPLICATE);
  CHECK(err && strstr(err, "already in use"));
  free(err);
  CHECK(users_add_credential(u, "dave", STORE_CRED_PIN, "12", &err) == STORE_CRED_ERROR);
  free(err);
  CHECK(users_add_credential(u, "dave", STORE_CRED_CARD, "04:a2-bc 11", &err) == STORE_CRED_ADDED);
  CHECK(pin(u, NULL, "4711", "k1", who, sizeof(who)) == USERS_LOGIN_OK && !strcmp(who, "carol"));
  CHECK(pin(u, "carol", "4711", "k1", who, sizeof(who)) == USERS_LOGIN_OK);
  CHECK(pin(u, "dave", "4711", "k1", who, sizeof(who)) == USERS_LOGIN_WRONG);
  store_user_t *out = NULL;
  char msg[256];
  CHECK(users_login_card(u, "04A2BC11", "k1", &out, msg, sizeof(msg)) == USERS_LOGIN_OK &&
        out && !strcmp(out->name, "dave"));
  store_user_free(out);
  out = NULL;
  CHECK(users_login_card(u, "FFFF", "k1", &out, msg, sizeof(msg)) == USERS_LOGIN_WRONG && !out);
  /* Wrong PINs for a named user lock that user. */
  CHECK(pin(u, "carol", "0000", "k2", NULL, 0) == USERS_LOGIN_WRONG);
  CHECK(pin(u, "carol", "0000", "k2", NULL, 0) == USERS_LOGIN_WRONG);
  CHECK(pin(u, "carol", "0000", "k2", who, sizeof(who)) == USERS_LOGIN_LOCKED);
  CHECK(strstr(who, "locked") != NULL);
  CHECK(pin(u, NULL, "4711", "k3", NULL, 0) == USERS_LOGIN_LOCKED);
  CHECK(users_unlock(u, "carol"));
  /* Unknown PINs typed alone throttle the terminal. */
  CHECK(pin(u, NULL, "9999", "k4", NULL, 0) == USERS_LOGIN_WRONG);
  CHECK(pin(u, NULL, "9998", "k4", NULL, 0) == USERS_LOGIN_WRONG);
  CHECK(pin(u, NULL, "9997", "k4", NULL, 0) == USERS_LOGIN_WRONG);
  CHECK(pin(u, NULL, "4711", "k4", who, sizeof(who)) == USERS_LOGIN_THROTTLED);
  CHECK(pin(u, NULL, "4711", "k5", NULL, 0) == USERS_LOGIN_OK);
  /* Generated PINs replace the old ones and log in. */
  char *gen = users_generate_pin(u, "carol", 8, &err);
  CHECK(gen && strlen(gen) == 8);
  CHECK(pin(u, NULL, "4711", "k6", NULL, 0) == USERS_LOGIN_WRONG);
  CHECK(gen && pin(u, NULL, gen, "k6", who, sizeof(who)) == USERS_LOGIN_OK && !strcmp(who, "carol"));
  CHECK(store_cred_count(s, "carol", STORE_CRED_PIN) == 1);
  free(gen);
}

/* Nothing secret is in the database file in clear. */
static void test_no_clear_secrets(const char *dbpath)
{
  FILE *f = fopen(dbpath, "rb");
  CHECK(f != NULL);
  if (!f)
    return;
  size_t cap = 1 << 22, n = 0;
  char *buf = malloc(cap);
  n = buf ? fread(buf, 1, cap, f) : 0;
  fclose(f);
  CHECK(n > 0 && !memmem(buf, n, "4711", 4) && !memmem(buf, n, "04A2BC11", 8) &&
        !memmem(buf, n, "right", 5));
  free(buf);
}

static void test_import(users_t *u, store_t *s)
{
  const char *csv = "Username,Full_Name,Email,Groups,Password,PIN,Card,Admin\n"
                    "erin,\"Erin, E.\",erin@example.com,staff;finance,pw1,246810,CARD-1,no\n"
                    "frank,Frank,,staff,pw2,,,maybe\n"
                    "bad name,X,,,,,,\n"
                    "gina,Gina,,,pw3,246810,,\n"
                    "\"hank\",\"Hank\nSecond line\",,,pw4,,,yes\n";
  FILE *in = fmemopen((void *)csv, strlen(csv), "r");
  char *report = NULL;
  size_t rlen = 0;
  FILE *rep = open_memstream(&report, &rlen);
  int imported = 0, failed = 0;
  CHECK(users_import_csv(u, in, rep, &imported, &failed));
  fclose(in);
  fclose(rep);
  CHECK(imported == 2 && failed == 3);
  CHECK(report && strstr(report, "line 3: frank") && strstr(report, "line 4:") &&
        strstr(report, "line 5: gina") && strstr(report, "already in use"));
  store_user_t *e = store_user_get(s, "erin");
  CHECK(e && !strcmp(e->full_name, "Erin, E.") && !strcmp(e->groups, "finance,staff") &&
        !e->admin);
  store_user_free(e);
  store_user_t *h = store_user_get(s, "hank");
  CHECK(h && h->admin && strchr(h->full_name, '\n'));
  store_user_free(h);
  CHECK(pw(u, "erin", "pw1", "i1") == USERS_LOGIN_OK);
  char who[256];
  CHECK(pin(u, NULL, "246810", "i1", who, sizeof(who)) == USERS_LOGIN_OK && !strcmp(who, "erin"));
  free(report);

  in = fmemopen((void *)"name,pin\nx,1234\n", 16, "r");
  rep = open_memstream(&report, &rlen);
  CHECK(!users_import_csv(u, in, rep, &imported, &failed)); /* no username column */
  fclose(in);
  fclose(rep);
  free(report);
}

int main(void)
{
  char tmpl[] = "/tmp/quire-test-users-XXXXXX";
  char *dir = mkdtemp(tmpl), *err = NULL;
  log_init("test-users", LOG_ERR, false);
  char *db = util_printf("%s/quire.db", dir);
  store_t *s = store_open(db, &err);
  users_t *u = s ? users_open(s, dir, &err) : NULL;
  CHECK(u != NULL);
  if (u) {
    test_logins(u, s);
    test_pins(u, s);
    test_import(u, s);
  }
  users_close(u);
  store_close(s);
  test_no_clear_secrets(db);
  /* The key survives: a second open reads the same key (a PIN still logs in). */
  s = store_open(db, &err);
  u = s ? users_open(s, dir, &err) : NULL;
  char who[256];
  CHECK(u && pin(u, NULL, "4711", "z", who, sizeof(who)) == USERS_LOGIN_WRONG); /* replaced */
  CHECK(u && pin(u, NULL, "246810", "z", who, sizeof(who)) == USERS_LOGIN_OK);
  users_close(u);
  store_close(s);
  char *cmd = util_printf("rm -rf '%s'", dir);
  CHECK(system(cmd) == 0);
  free(cmd);
  free(db);
  free(err);
  return test_summary();
}
