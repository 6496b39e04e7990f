/*
 * setup.c: the appliance's first-boot set-up state (see setup.h).
 */
#include "setup.h"

#include "auth.h"
#include "store-users.h"
#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SETUP_CODE_LEN 10

static pthread_mutex_t setup_lock = PTHREAD_MUTEX_INITIALIZER;
static double setup_tries = SETUP_CODE_TRIES;   /* the rate-limit bucket (under setup_lock) */
static double setup_tries_time;                 /* when the bucket was last refilled */

/* DATA/setup/NAME (malloc'd). */
static char *setup_path(const char *data_dir, const char *name)
{
  return util_printf("%s/setup/%s", data_dir, name);
}

/* True when DATA/setup/NAME exists. */
static bool setup_exists(const char *data_dir, const char *name)
{
  char *p = setup_path(data_dir, name);
  bool r = access(p, F_OK) == 0;
  free(p);
  return r;
}

setup_state_t setup_state(const char *data_dir)
{
  if (setup_exists(data_dir, "done"))
    return SETUP_DONE;
  return setup_exists(data_dir, "code") ? SETUP_PENDING : SETUP_NONE;
}

/* Reads the stored code (upper case, SETUP_CODE_LEN characters) into buf; false if absent. */
static bool setup_code_read(const char *data_dir, char buf[SETUP_CODE_LEN + 1])
{
  char *p = setup_path(data_dir, "code");
  FILE *f = fopen(p, "r");
  size_t n = f ? fread(buf, 1, SETUP_CODE_LEN, f) : 0;
  if (f)
    fclose(f);
  free(p);
  buf[n] = '\0';
  return n == SETUP_CODE_LEN;
}

/* Copies the typed code without spaces and dashes, in upper case; false when too long. */
static bool setup_code_normalise(const char *typed, char buf[SETUP_CODE_LEN + 1])
{
  size_t n = 0;
  for (const char *s = typed ? typed : ""; *s; s++) {
    if (*s == ' ' || *s == '-' || *s == '\t')
      continue;
    if (n == SETUP_CODE_LEN)
      return false;
    buf[n++] = (char)toupper((unsigned char)*s);
  }
  buf[n] = '\0';
  return n == SETUP_CODE_LEN;
}

setup_code_t setup_code_check(const char *data_dir, const char *code, double now,
                              int *retry_after)
{
  char want[SETUP_CODE_LEN + 1], got[SETUP_CODE_LEN + 1];
  setup_code_t r;

  *retry_after = 0;
  pthread_mutex_lock(&setup_lock);
  if (setup_tries_time > 0)
    setup_tries += (now - setup_tries_time) / SETUP_CODE_REFILL;
  if (setup_tries > SETUP_CODE_TRIES)
    setup_tries = SETUP_CODE_TRIES;
  setup_tries_time = now;
  if (setup_tries < 1) {
    *retry_after = (int)((1 - setup_tries) * SETUP_CODE_REFILL) + 1;
    r = SETUP_CODE_LIMITED;
  } else {
    bool have = setup_code_read(data_dir, want);
    bool typed = setup_code_normalise(code, got);
    /* Both buffers hold SETUP_CODE_LEN bytes whatever was typed: the time does not depend
     * on how many characters match. */
    if (!have)
      memset(want, 0, sizeof(want));
    if (!typed)
      memset(got, 1, sizeof(got));
    bool same = CRYPTO_memcmp(want, got, SETUP_CODE_LEN) == 0;
    r = have && typed && same ? SETUP_CODE_OK : SETUP_CODE_WRONG;
    if (r == SETUP_CODE_WRONG)
      setup_tries -= 1;
  }
  pthread_mutex_unlock(&setup_lock);
  OPENSSL_cleanse(want, sizeof(want));
  return r;
}

/* True when `s` is one IPv4 address in dotted form. */
static bool setup_ipv4(const char *s)
{
  struct in_addr a;
  return s && strlen(s) <= 15 && inet_pton(AF_INET, s, &a) == 1;
}

/* True when `s` is IPv4/prefix with a prefix of 1-32. */
static bool setup_ipv4_prefix(const char *s)
{
  char buf[24];
  const char *slash = s ? strchr(s, '/') : NULL;
  if (!slash || (size_t)(slash - s) >= sizeof(buf) || !slash[1] || strlen(slash + 1) > 2)
    return false;
  memcpy(buf, s, (size_t)(slash - s));
  buf[slash - s] = '\0';
  for (const char *d = slash + 1; *d; d++)
    if (!isdigit((unsigned char)*d))
      return false;
  int prefix = atoi(slash + 1);
  return setup_ipv4(buf) && prefix >= 1 && prefix <= 32;
}

/* The DNS servers as one space-separated list (malloc'd), NULL when one is not IPv4 or there
 * are more than three. "" gives "". */
static char *setup_dns_list(const char *dns)
{
  gchar **parts = g_strsplit_set(dns ? dns : "", " ,;", -1);
  GString *out = g_string_new("");
  int count = 0;
  bool ok = true;
  for (gchar **p = parts; *p && ok; p++) {
    if (!**p)
      continue;
    ok = setup_ipv4(*p) && ++count <= 3;
    g_string_append_printf(out, "%s%s", out->len ? " " : "", *p);
  }
  g_strfreev(parts);
  char *r = ok ? util_strdup(out->str) : NULL;
  g_string_free(out, TRUE);
  return r;
}

/* True when `s` (may be NULL) is non-empty. */
static bool setup_given(const char *s)
{
  return s && *s;
}

/* Checks the site choices: an https URL with a host, a token of URL-safe characters. */
static const char *setup_site_check(const setup_choices_t *c)
{
  GUri *uri = setup_given(c->central_url) ? g_uri_parse(c->central_url, G_URI_FLAGS_NONE, NULL)
                                           : NULL;
  bool url_ok = uri && !strcmp(g_uri_get_scheme(uri), "https") && g_uri_get_host(uri) &&
                *g_uri_get_host(uri) && strlen(c->central_url) <= 512;
  if (uri)
    g_uri_unref(uri);
  if (!url_ok)
    return "the central URL must be an https:// address";
  size_t n = setup_given(c->token) ? strlen(c->token) : 0;
  if (n < 8 || n > 512 || strspn(c->token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                            "0123456789-._~+/=") != n)
    return "the enrolment token must be 8-512 letters, digits or -._~+/=";
  return NULL;
}

/* Checks the network choices. */
static const char *setup_network_check(const setup_choices_t *c)
{
  if (!setup_given(c->network) || !strcmp(c->network, "dhcp"))
    return NULL;
  if (strcmp(c->network, "static"))
    return "the network must be dhcp or static";
  if (!setup_ipv4_prefix(c->address))
    return "a static address looks like 192.168.1.20/24";
  if (setup_given(c->gateway) && !setup_ipv4(c->gateway))
    return "the gateway must be an IPv4 address";
  char *dns = setup_dns_list(c->dns);
  free(dns);
  return dns ? NULL : "DNS servers: up to three IPv4 addresses";
}

const char *setup_choices_check(const setup_choices_t *c)
{
  size_t pw = setup_given(c->password) ? strlen(c->password) : 0;
  if (pw < 8 || pw > 256)
    return "the admin password must have 8 to 256 characters";
  if (!c->password2 || strcmp(c->password, c->password2))
    return "the two passwords differ";
  size_t n = setup_given(c->name) ? strlen(c->name) : 0;
  if (n < 1 || n > 63 || !g_utf8_validate(c->name, (gssize)n, NULL))
    return "the appliance name must have 1 to 63 bytes of UTF-8";
  for (const char *s = c->name; *s; s = g_utf8_next_char(s))
    if (g_unichar_iscntrl(g_utf8_get_char(s)))
      return "the appliance name may not contain control characters";
  if (!setup_given(c->role) || (strcmp(c->role, "standalone") && strcmp(c->role, "site")))
    return "the role must be standalone or site";
  if (!strcmp(c->role, "site")) {
    const char *e = setup_site_check(c);
    if (e)
      return e;
  }
  return setup_network_check(c);
}

/* Writes `text` to DATA/setup/NAME atomically (temporary file, fsync, rename) with `mode`. */
static bool setup_write(const char *data_dir, const char *name, const char *text, mode_t mode)
{
  char *path = setup_path(data_dir, name);
  char *tmp = util_printf("%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  size_t len = strlen(text);
  bool ok = fd >= 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
  if (fd >= 0 && close(fd) != 0)
    ok = false;
  ok = ok && rename(tmp, path) == 0;
  if (!ok) {
    log_error("set-up: cannot write %s: %s", path, strerror(errno));
    unlink(tmp);
  }
  free(path);
  free(tmp);
  return ok;
}

/* The choices quire-setup-apply reads (one key=value a line; values were checked). Caller
 * frees. */
static char *setup_appliance_conf(const setup_choices_t *c)
{
  bool is_static = setup_given(c->network) && !strcmp(c->network, "static");
  bool site = !strcmp(c->role, "site");
  char *dns = is_static ? setup_dns_list(c->dns) : util_strdup("");
  char *r = util_printf("# Written by quired's set-up page; applied by quire-setup-apply.\n"
                        "name=%s\nrole=%s\ncentral-url=%s\nnetwork=%s\n"
                        "address=%s\ngateway=%s\ndns=%s\n",
                        c->name, c->role, site ? c->central_url : "",
                        is_static ? "static" : "dhcp", is_static ? c->address : "",
                        is_static && c->gateway ? c->gateway : "", dns ? dns : "");
  free(dns);
  return r;
}

/* Creates (or replaces) the admin user with the chosen password. */
static bool setup_admin_put(store_t *store, const char *password)
{
  char *hash = auth_password_hash(password);
  store_user_t u = {.name = SETUP_ADMIN_USER, .full_name = "Administrator",
                    .password_hash = hash, .admin = true, .created = time(NULL)};
  bool ok = hash && store_user_put(store, &u);
  free(hash);
  return ok;
}

bool setup_finish(store_t *store, const char *data_dir, const setup_choices_t *c, char **err)
{
  bool ok = false;
  pthread_mutex_lock(&setup_lock);
  if (setup_state(data_dir) != SETUP_PENDING) {
    *err = util_strdup("the set-up is already done");
  } else if (!setup_admin_put(store, c->password)) {
    *err = util_strdup("cannot save the admin user");
  } else {
    char *conf = setup_appliance_conf(c);
    char *stamp = util_printf("%lld\n", (long long)time(NULL));
    char *code = setup_path(data_dir, "code");
    char *dir = util_printf("%s/setup", data_dir);
    bool site = !strcmp(c->role, "site");
    ok = (!site || setup_write(data_dir, "enrolment-token", c->token, 0600)) &&
         setup_write(data_dir, "appliance.conf", conf, 0640) &&
         setup_write(data_dir, "done", stamp, 0600) && unlink(code) == 0 &&
         util_fsync_dir(dir);
    if (!ok)
      *err = util_printf("cannot record the set-up in %s", dir);
    free(conf);
    free(stamp);
    free(code);
    free(dir);
  }
  pthread_mutex_unlock(&setup_lock);
  if (ok)
    log_info("set-up done: admin user '%s', appliance '%s', role %s, network %s",
             SETUP_ADMIN_USER, c->name, c->role, setup_given(c->network) ? c->network : "dhcp");
  return ok;
}
