/*
 * settings.c: the table of settings the web console may change, their checks and how they
 * are read from and written into a configuration (see settings.h).
 */
#include "settings.h"

#include "util.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CFG(field) offsetof(quire_config_t, field)

const settings_key_t settings_keys[] = {
  {"site", "[accounting] site", SETTING_STRING, 0, 127, CFG(accounting.site),
   "Site or appliance name, shown in the console and written in accounting records"},
  {"currency", "[accounting] currency", SETTING_STRING, 3, 3, CFG(accounting.currency),
   "ISO 4217 code shown with amounts (three capital letters)"},
  {"color_on_mono", "[accounting] color-on-mono", SETTING_BOOL, 0, 1,
   CFG(accounting.color_on_mono), "A colour job may be released to a monochrome device"},
  {"default_job_expiry", "[server] default-job-expiry", SETTING_INT, 0, 366 * 86400,
   CFG(default_job_expiry), "Seconds a held job waits for release on queues that set none"},
  {"job_history_hours", "[server] job-history-hours", SETTING_INT, 0, 24 * 365,
   CFG(job_history_hours), "Hours finished jobs stay listed"},
  {"session_idle_timeout", "[server] session-idle-timeout", SETTING_INT, 60, 7 * 86400,
   CFG(session_idle_timeout), "Seconds a web session lives without a request"},
  {"lockout_attempts", "[security] lockout-attempts", SETTING_INT, 0, 1000,
   CFG(security.lockout_attempts), "Wrong PINs or passwords before a user is locked (0: never)"},
  {"lockout_minutes", "[security] lockout-minutes", SETTING_INT, 0, 100000,
   CFG(security.lockout_minutes), "Minutes a user stays locked (0: until an admin unlocks)"},
  {"release_session_minutes", "[security] release-session-minutes", SETTING_INT, 1, 1440,
   CFG(security.release_session_minutes), "Idle minutes before a release terminal logs out"},
  {"tls_expiry_warning", "[server] tls-expiry-warning", SETTING_INT, 1, 3650,
   CFG(tls_expiry_warning), "Days before the certificate expires that the console warns"},
  {"dnssd", "[server] dnssd", SETTING_BOOL, 0, 1, CFG(dnssd),
   "Advertise the queues with DNS-SD (Bonjour)"},
  {NULL, NULL, 0, 0, 0, 0, NULL}
};

const settings_key_t *settings_find(const char *key)
{
  for (const settings_key_t *k = settings_keys; k->key; k++)
    if (!strcmp(k->key, key))
      return k;
  return NULL;
}

/* Parses a decimal integer (the whole text); false if it is not one. */
static bool settings_int(const char *s, long long *out)
{
  char *end = NULL;
  if (!*s || isspace((unsigned char)*s))
    return false;
  *out = strtoll(s, &end, 10);
  return end && !*end;
}

/* True for a currency code: three capital letters. */
static bool settings_currency(const char *s)
{
  return strlen(s) == 3 && isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]) &&
         isupper((unsigned char)s[2]);
}

bool settings_check(const settings_key_t *k, const char *value, char *why, size_t len)
{
  long long n = 0;
  size_t vlen = strlen(value);

  switch (k->type) {
  case SETTING_BOOL:
    if (!strcmp(value, "yes") || !strcmp(value, "no"))
      return true;
    snprintf(why, len, "%s: expected true or false", k->key);
    return false;
  case SETTING_INT:
    if (settings_int(value, &n) && n >= k->min && n <= k->max)
      return true;
    snprintf(why, len, "%s: expected an integer from %d to %d", k->key, k->min, k->max);
    return false;
  case SETTING_STRING:
    if (!strcmp(k->key, "currency") && !settings_currency(value)) {
      snprintf(why, len, "currency: expected an ISO 4217 code of three capital letters "
                         "such as EUR");
      return false;
    }
    if (vlen < (size_t)k->min || vlen > (size_t)k->max || strpbrk(value, "\r\n")) {
      snprintf(why, len, "%s: expected one line of %d to %d bytes", k->key, k->min, k->max);
      return false;
    }
    return true;
  }
  return false;
}

bool settings_apply(quire_config_t *config, const settings_key_t *k, const char *value)
{
  char why[160];
  char *field = (char *)config + k->offset;

  if (!settings_check(k, value, why, sizeof(why)))
    return false;
  if (k->type == SETTING_BOOL) {
    *(bool *)field = !strcmp(value, "yes");
  } else if (k->type == SETTING_INT) {
    *(int *)field = atoi(value);
  } else {
    free(*(char **)field);
    *(char **)field = util_strdup(value);
  }
  return true;
}

char *settings_get(const quire_config_t *config, const settings_key_t *k)
{
  const char *field = (const char *)config + k->offset;

  if (k->type == SETTING_BOOL)
    return util_strdup(*(const bool *)field ? "yes" : "no");
  if (k->type == SETTING_INT)
    return util_printf("%d", *(const int *)field);
  return util_strdup(*(char *const *)field ? *(char *const *)field : "");
}
