/*
 * config.c: loads quired's INI configuration with GLib's GKeyFile (see config.h and
 * docs/configuration.md for every key and its default).
 */
#include "config.h"

#include "util.h"

#include <ctype.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define QUEUE_PREFIX "queue "

/* Parses "123", "10K", "5M", "1G" into bytes; -1 on error. */
static int64_t config_parse_size(const char *s)
{
  char *end = NULL;
  long long v = strtoll(s, &end, 10);

  if (end == s || v < 0)
    return -1;
  while (*end == ' ')
    end++;
  switch (toupper((unsigned char)*end)) {
  case '\0': return v;
  case 'K': v *= 1024LL; break;
  case 'M': v *= 1024LL * 1024; break;
  case 'G': v *= 1024LL * 1024 * 1024; break;
  default: return -1;
  }
  return end[1] == '\0' || (toupper((unsigned char)end[1]) == 'B' && end[2] == '\0') ? v : -1;
}

/* Maps a level name to a syslog level. */
int config_parse_log_level(const char *name)
{
  static const struct { const char *name; int level; } levels[] = {
    {"error", LOG_ERR}, {"warn", LOG_WARNING}, {"warning", LOG_WARNING},
    {"info", LOG_INFO}, {"debug", LOG_DEBUG}
  };
  for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
    if (!g_ascii_strcasecmp(name, levels[i].name))
      return levels[i].level;
  return -1;
}

/* True for names usable in /ipp/print/NAME. */
bool config_queue_name_valid(const char *name)
{
  size_t len = strlen(name);
  if (len == 0 || len > 63)
    return false;
  for (const char *p = name; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
      return false;
  return true;
}

/* Returns a malloc'd copy of a string key, or of `def` when absent. */
static char *config_string(GKeyFile *kf, const char *group, const char *key, const char *def)
{
  gchar *v = g_key_file_get_string(kf, group, key, NULL);
  if (!v)
    return util_strdup(def);
  char *r = util_strdup(g_strstrip(v));
  g_free(v);
  return r;
}

/* Reads an integer key within [min,max]; false with *err set when out of range or not a
 * number. */
static bool config_int(GKeyFile *kf, const char *group, const char *key, int min, int max,
                       int *out, char **err)
{
  GError *gerr = NULL;
  if (!g_key_file_has_key(kf, group, key, NULL))
    return true;
  int v = g_key_file_get_integer(kf, group, key, &gerr);
  if (gerr || v < min || v > max) {
    *err = util_printf("[%s] %s: expected an integer from %d to %d", group, key, min, max);
    g_clear_error(&gerr);
    return false;
  }
  *out = v;
  return true;
}

/* Reads a duration key ("90s", "30m", "24h", "7d"; a bare number is hours; 0: never) into
 * seconds; false with *err when malformed or over a year. */
static bool config_duration(GKeyFile *kf, const char *group, const char *key, int *out,
                            char **err)
{
  if (!g_key_file_has_key(kf, group, key, NULL))
    return true;
  char *v = config_string(kf, group, key, ""), *end = NULL;
  long long n = strtoll(v, &end, 10);
  long long unit = !end || !*end ? 3600 : !strcmp(end, "s") ? 1 : !strcmp(end, "m") ? 60
                   : !strcmp(end, "h") ? 3600 : !strcmp(end, "d") ? 86400 : -1;
  bool ok = end != v && n >= 0 && unit > 0 && n * unit <= 366LL * 86400;
  if (ok)
    *out = (int)(n * unit);
  else
    *err = util_printf("[%s] %s: expected a duration like 30m, 24h or 7d (0: never), got '%s'",
                       group, key, v);
  free(v);
  return ok;
}

/* Reads a yes/no (also true/false, on/off) key; false with *err when it is something else. */
static bool config_bool(GKeyFile *kf, const char *group, const char *key, bool *out, char **err)
{
  if (!g_key_file_has_key(kf, group, key, NULL))
    return true;
  char *v = config_string(kf, group, key, "");
  bool yes = !g_ascii_strcasecmp(v, "yes") || !g_ascii_strcasecmp(v, "true") ||
             !g_ascii_strcasecmp(v, "on");
  bool no = !g_ascii_strcasecmp(v, "no") || !g_ascii_strcasecmp(v, "false") ||
            !g_ascii_strcasecmp(v, "off");
  free(v);
  if (!yes && !no) {
    *err = util_printf("[%s] %s: expected yes or no", group, key);
    return false;
  }
  *out = yes;
  return true;
}

/* Fills one queue with its defaults. */
void config_queue_defaults(quire_queue_config_t *q, const char *name, int expiry)
{
  memset(q, 0, sizeof(*q));
  q->name = util_strdup(name);
  q->info = util_printf("quire pull-print queue %s", name);
  q->location = util_strdup("");
  q->make_model = util_strdup("quire Mobile Print Gateway");
  q->color = QUIRE_COLOR_AUTO;
  q->duplex = QUIRE_DUPLEX_OPTIONAL;
  q->media_default = util_strdup("iso_a4_210x297mm");
  q->job_expiry_seconds = expiry;
}

/* Frees the strings of one queue configuration (not the struct itself). */
void config_queue_clear(quire_queue_config_t *q)
{
  free(q->name);
  free(q->info);
  free(q->dnssd_name);
  free(q->location);
  free(q->make_model);
  free(q->media_default);
  free(q->device);
}

/* Replaces *field with the key's value when present. */
static void config_override(GKeyFile *kf, const char *group, const char *key, char **field)
{
  if (g_key_file_has_key(kf, group, key, NULL)) {
    free(*field);
    *field = config_string(kf, group, key, "");
  }
}

/* Reads `mode` (pull|direct) and `device` of a queue. */
static bool config_load_queue_mode(GKeyFile *kf, const char *group, quire_queue_config_t *q,
                                   char **err)
{
  char *mode = config_string(kf, group, "mode", "pull");
  bool ok = true;

  config_override(kf, group, "device", &q->device);
  q->direct = !strcmp(mode, "direct");
  if (strcmp(mode, "pull") && strcmp(mode, "direct")) {
    *err = util_printf("[%s] mode: expected pull|direct, got '%s'", group, mode);
    ok = false;
  } else if (q->direct && (!q->device || !*q->device)) {
    *err = util_printf("[%s]: mode = direct needs device = NAME", group);
    ok = false;
  }
  free(mode);
  return ok;
}

/* Reads one [queue NAME] section into `q`. */
static bool config_load_queue(GKeyFile *kf, const char *group, quire_queue_config_t *q,
                              int expiry, char **err)
{
  const char *name = group + strlen(QUEUE_PREFIX);
  if (!config_queue_name_valid(name)) {
    *err = util_printf("[%s]: queue names are 1-63 letters, digits, '-' or '_'", group);
    return false;
  }
  config_queue_defaults(q, name, expiry);
  config_override(kf, group, "info", &q->info);
  config_override(kf, group, "dnssd-name", &q->dnssd_name);
  config_override(kf, group, "location", &q->location);
  config_override(kf, group, "make-and-model", &q->make_model);
  config_override(kf, group, "media-default", &q->media_default);
  q->job_expiry_set = g_key_file_has_key(kf, group, "job-expiry", NULL);

  if (!config_bool(kf, group, "force-mono", &q->force_mono, err) ||
      !config_bool(kf, group, "force-duplex", &q->force_duplex, err) ||
      !config_bool(kf, group, "hide-job-names", &q->hide_job_names, err) ||
      !config_duration(kf, group, "job-expiry", &q->job_expiry_seconds, err) ||
      !config_int(kf, group, "max-held-jobs-per-user", 0, 100000, &q->max_held_per_user, err))
    return false;
  char *color = config_string(kf, group, "color", "auto");
  char *duplex = config_string(kf, group, "duplex", "optional");
  char *auth = config_string(kf, group, "auth", "none");
  bool ok = true;

  if (!strcmp(color, "monochrome")) q->color = QUIRE_COLOR_MONOCHROME;
  else if (strcmp(color, "auto")) ok = false;
  if (!strcmp(duplex, "default")) q->duplex = QUIRE_DUPLEX_DEFAULT;
  else if (!strcmp(duplex, "off")) q->duplex = QUIRE_DUPLEX_OFF;
  else if (strcmp(duplex, "optional")) ok = false;
  if (!strcmp(auth, "basic")) q->auth_basic = true;
  else if (strcmp(auth, "none")) ok = false;
  if (!ok)
    *err = util_printf("[%s]: color is auto|monochrome, duplex optional|default|off, "
                       "auth none|basic", group);
  free(color);
  free(duplex);
  free(auth);
  return ok && config_load_queue_mode(kf, group, q, err);
}

/* Reads the device monitor and forwarding keys of [server]. */
static bool config_load_devices(GKeyFile *kf, quire_config_t *c, char **err)
{
  const char *g = "server";
  bool ok = config_int(kf, g, "device-poll-interval", 1, 86400, &c->device_poll_interval, err) &&
            config_int(kf, g, "device-refresh-minutes", 1, 10080, &c->device_refresh_minutes,
                       err) &&
            config_int(kf, g, "device-timeout", 1, 300, &c->device_timeout, err) &&
            config_int(kf, g, "forward-retry-initial", 1, 86400, &c->forward_retry_initial,
                       err) &&
            config_int(kf, g, "forward-retry-max", 1, 86400, &c->forward_retry_max, err) &&
            config_int(kf, g, "forward-max-attempts", 1, 1000, &c->forward_max_attempts, err) &&
            config_int(kf, g, "forward-give-up-minutes", 1, 100000, &c->forward_give_up_minutes,
                       err) &&
            config_int(kf, g, "forward-io-timeout", 1, 3600, &c->forward_io_timeout, err) &&
            config_int(kf, g, "forward-job-poll", 1, 60, &c->forward_job_poll, err);
  if (ok && g_key_file_has_key(kf, g, "forward-raster-max", NULL)) {
    char *v = config_string(kf, g, "forward-raster-max", "");
    if ((c->forward_raster_max = config_parse_size(v)) < 1024 * 1024) {
      *err = util_printf("[server] forward-raster-max: expected a size of at least 1M, got '%s'",
                         v);
      ok = false;
    }
    free(v);
  }
  return ok;
}

/* Reads the [server] section. */
static bool config_load_server(GKeyFile *kf, quire_config_t *c, char **err)
{
  const char *g = "server";
  config_override(kf, g, "data-dir", &c->data_dir);
  config_override(kf, g, "listen", &c->listen);
  config_override(kf, g, "server-name", &c->server_name);
  if (!config_int(kf, g, "port", 1, 65535, &c->port, err) ||
      !config_int(kf, g, "max-connections", 1, 100000, &c->max_connections, err) ||
      !config_int(kf, g, "multiple-operation-timeout", 1, 86400,
                  &c->multiple_operation_timeout, err) ||
      !config_int(kf, g, "job-history-hours", 0, 24 * 365, &c->job_history_hours, err) ||
      !config_int(kf, g, "render-workers", 1, 16, &c->render_workers, err) ||
      !config_int(kf, g, "render-timeout", 1, 86400, &c->render_timeout, err) ||
      !config_int(kf, g, "render-cpu", 1, 86400, &c->render_cpu, err) ||
      !config_int(kf, g, "tls-port", 0, 65535, &c->tls_port, err) ||
      !config_int(kf, g, "tls-expiry-warning", 1, 3650, &c->tls_expiry_warning, err) ||
      !config_int(kf, g, "session-idle-timeout", 1, 7 * 86400, &c->session_idle_timeout, err) ||
      !config_int(kf, g, "session-lifetime", 1, 30 * 86400, &c->session_lifetime, err) ||
      !config_int(kf, g, "max-sessions", 1, 1000000, &c->max_sessions, err) ||
      !config_int(kf, g, "login-rate-limit", 0, 1000000, &c->login_rate_limit, err) ||
      !config_int(kf, g, "login-rate-window", 1, 86400, &c->login_rate_window, err) ||
      !config_duration(kf, g, "default-job-expiry", &c->default_job_expiry, err) ||
      !config_load_devices(kf, c, err))
    return false;
  config_override(kf, g, "render-command", &c->render_command);

  char *level = config_string(kf, g, "log-level", "info");
  char *target = config_string(kf, g, "log-target", "stderr");
  char *size = config_string(kf, g, "max-document-size", "1G");
  char *dnssd = config_string(kf, g, "dnssd", "on");
  char *rmem = config_string(kf, g, "render-memory", "2G");
  char *analysis = config_string(kf, g, "analysis", "on");
  bool ok = true;

  c->dnssd = !strcmp(dnssd, "on");
  if (strcmp(dnssd, "on") && strcmp(dnssd, "off")) {
    *err = util_printf("[server] dnssd: expected on|off, got '%s'", dnssd);
    ok = false;
  }
  free(dnssd);
  if (ok && (c->render_memory = config_parse_size(rmem)) < 64LL * 1024 * 1024) {
    *err = util_printf("[server] render-memory: expected a size of at least 64M, got '%s'", rmem);
    ok = false;
  }
  free(rmem);
  c->analysis = !strcmp(analysis, "on");
  if (ok && strcmp(analysis, "on") && strcmp(analysis, "off")) {
    *err = util_printf("[server] analysis: expected on|off, got '%s'", analysis);
    ok = false;
  }
  free(analysis);

  if (!ok) {
    /* *err already set */
  } else if ((c->log_level = config_parse_log_level(level)) < 0) {
    *err = util_printf("[server] log-level: expected error|warn|info|debug, got '%s'", level);
    ok = false;
  } else if (strcmp(target, "stderr") && strcmp(target, "syslog")) {
    *err = util_printf("[server] log-target: expected stderr|syslog, got '%s'", target);
    ok = false;
  } else if ((c->max_document_size = config_parse_size(size)) <= 0) {
    *err = util_printf("[server] max-document-size: expected a size like 512M, got '%s'", size);
    ok = false;
  }
  c->log_syslog = !strcmp(target, "syslog");
  free(level);
  free(target);
  free(size);
  return ok;
}

/* Reads the [security] section. */
static bool config_load_security(GKeyFile *kf, quire_config_t *c, char **err)
{
  const char *g = "security";
  quire_security_config_t *s = &c->security;
  return config_int(kf, g, "lockout-attempts", 0, 1000, &s->lockout_attempts, err) &&
         config_int(kf, g, "lockout-minutes", 0, 100000, &s->lockout_minutes, err) &&
         config_int(kf, g, "throttle-attempts", 0, 100000, &s->throttle_attempts, err) &&
         config_int(kf, g, "throttle-minutes", 1, 100000, &s->throttle_minutes, err) &&
         config_int(kf, g, "release-session-minutes", 1, 1440, &s->release_session_minutes,
                    err);
}

/* Reads the [accounting] section. */
static bool config_load_accounting(GKeyFile *kf, quire_config_t *c, char **err)
{
  const char *g = "accounting";
  quire_accounting_config_t *a = &c->accounting;
  config_override(kf, g, "site", &a->site);
  config_override(kf, g, "currency", &a->currency);
  return config_bool(kf, g, "restrict-new-users", &a->restrict_new_users, err) &&
         config_bool(kf, g, "color-on-mono", &a->color_on_mono, err);
}

/* True for the sections other than queues. */
static bool config_known_section(const char *name)
{
  return !strcmp(name, "server") || !strcmp(name, "security") || !strcmp(name, "accounting");
}

/* Reads every [queue NAME] section; adds "default" when there is none. */
static bool config_load_queues(GKeyFile *kf, quire_config_t *c, char **err)
{
  gsize ngroups = 0;
  gchar **groups = kf ? g_key_file_get_groups(kf, &ngroups) : NULL;
  bool ok = true;

  c->queues = calloc(ngroups + 1, sizeof(quire_queue_config_t));
  if (!c->queues)
    abort();
  for (gsize i = 0; ok && i < ngroups; i++) {
    if (config_known_section(groups[i]))
      continue;
    if (strncmp(groups[i], QUEUE_PREFIX, strlen(QUEUE_PREFIX))) {
      *err = util_printf("unknown section [%s]", groups[i]);
      ok = false;
    } else if (config_queue_find(c, groups[i] + strlen(QUEUE_PREFIX))) {
      *err = util_printf("[%s] appears twice", groups[i]);
      ok = false;
    } else if (config_load_queue(kf, groups[i], &c->queues[c->num_queues],
                                 c->default_job_expiry, err)) {
      c->num_queues++;
    } else {
      config_queue_clear(&c->queues[c->num_queues]);
      ok = false;
    }
  }
  g_strfreev(groups);
  for (size_t i = 0; ok && !c->analysis && i < c->num_queues; i++)
    if (c->queues[i].direct) {
      *err = util_printf("[queue %s]: mode = direct needs [server] analysis = on",
                         c->queues[i].name);
      ok = false;
    }
  if (ok && c->num_queues == 0) {
    config_queue_defaults(&c->queues[0], "default", c->default_job_expiry);
    free(c->queues[0].info);
    c->queues[0].info = util_strdup("Demo pull-print queue");
    c->num_queues = 1;
  }
  return ok;
}

/* Loads the file (or defaults), validating every value. */
quire_config_t *config_load(const char *path, char **err)
{
  quire_config_t *c = calloc(1, sizeof(*c));
  GKeyFile *kf = NULL;
  GError *gerr = NULL;
  bool ok = true;

  if (!c)
    abort();
  *err = NULL;
  c->path = util_strdup(path);
  c->data_dir = util_strdup("/var/lib/quire");
  c->listen = util_strdup("*");
  c->port = QUIRE_DEFAULT_PORT;
  c->log_level = LOG_INFO;
  c->max_document_size = 1024LL * 1024 * 1024;
  c->max_connections = 256;
  c->multiple_operation_timeout = 300;
  c->job_history_hours = 24;
  c->dnssd = true;
  c->analysis = true;
  c->render_workers = 1;
  c->render_timeout = 300;
  c->render_cpu = 240;
  c->render_memory = 2048LL * 1024 * 1024;
  c->device_poll_interval = 30;
  c->device_refresh_minutes = 60;
  c->device_timeout = 5;
  c->forward_retry_initial = 5;
  c->forward_retry_max = 300;
  c->forward_max_attempts = 10;
  c->forward_give_up_minutes = 30;
  c->forward_io_timeout = 60;
  c->forward_job_poll = 2;
  c->forward_raster_max = 2048LL * 1024 * 1024;
  c->server_name = util_strdup("localhost");
  c->security = (quire_security_config_t){5, 15, 10, 5, 5};
  c->accounting.site = util_strdup("");
  c->accounting.currency = util_strdup("EUR");
  c->accounting.color_on_mono = true;
  c->tls_port = QUIRE_DEFAULT_TLS_PORT;
  c->tls_expiry_warning = 30;
  c->session_idle_timeout = 30 * 60;
  c->session_lifetime = 12 * 3600;
  c->max_sessions = 1000;
  c->login_rate_limit = 10;
  c->login_rate_window = 300;
  c->default_job_expiry = 24 * 3600;

  if (path) {
    kf = g_key_file_new();
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &gerr)) {
      *err = util_printf("%s: %s", path, gerr->message);
      g_clear_error(&gerr);
      ok = false;
    } else {
      ok = (!g_key_file_has_group(kf, "server") || config_load_server(kf, c, err)) &&
           config_load_security(kf, c, err) && config_load_accounting(kf, c, err);
    }
  }
  if (ok)
    ok = config_load_queues(kf, c, err);
  if (kf)
    g_key_file_free(kf);
  if (!ok) {
    config_free(c);
    return NULL;
  }
  return c;
}

/* Frees the config and its queues. */
void config_free(quire_config_t *c)
{
  if (!c)
    return;
  for (size_t i = 0; i < c->num_queues; i++)
    config_queue_clear(&c->queues[i]);
  free(c->queues);
  free(c->path);
  free(c->data_dir);
  free(c->listen);
  free(c->server_name);
  free(c->render_command);
  free(c->accounting.site);
  free(c->accounting.currency);
  free(c);
}

/* Deep-copies the whole configuration (every string malloc'd, owned by the copy). */
quire_config_t *config_copy(const quire_config_t *src)
{
  quire_config_t *c = malloc(sizeof(*c));
  if (!c)
    abort();
  *c = *src;
  c->path = util_strdup(src->path);
  c->data_dir = util_strdup(src->data_dir);
  c->listen = util_strdup(src->listen);
  c->server_name = util_strdup(src->server_name);
  c->render_command = util_strdup(src->render_command);
  c->accounting.site = util_strdup(src->accounting.site);
  c->accounting.currency = util_strdup(src->accounting.currency);
  c->queues = calloc(src->num_queues + 1, sizeof(*c->queues));
  if (!c->queues)
    abort();
  for (size_t i = 0; i < src->num_queues; i++)
    config_queue_copy(&c->queues[i], &src->queues[i]);
  return c;
}

/* Deep-copies one queue configuration into `dst` (strings malloc'd, owned by dst). */
void config_queue_copy(quire_queue_config_t *dst, const quire_queue_config_t *src)
{
  *dst = *src;
  dst->name = util_strdup(src->name);
  dst->info = util_strdup(src->info);
  dst->dnssd_name = util_strdup(src->dnssd_name);
  dst->location = util_strdup(src->location);
  dst->make_model = util_strdup(src->make_model);
  dst->media_default = util_strdup(src->media_default);
  dst->device = util_strdup(src->device);
}

/* Looks a queue up by name. */
const quire_queue_config_t *config_queue_find(const quire_config_t *c, const char *name)
{
  for (size_t i = 0; i < c->num_queues; i++)
    if (c->queues[i].name && !strcmp(c->queues[i].name, name))
      return &c->queues[i];
  return NULL;
}
