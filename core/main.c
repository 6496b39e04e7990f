/*
 * main.c: quired, the quire print-gateway daemon: flags, configuration, start-up, and the
 * signal loop (SIGTERM/SIGINT: clean shutdown; SIGHUP: reload the configuration).
 */
#include "config.h"
#include "log.h"
#include "system.h"
#include "util.h"

#include "../ipp/ipp.h"
#include "../mdns/mdns.h"
#include "../web/http.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHUTDOWN_GRACE_SECONDS 10

/* Command-line values that override the configuration file. */
typedef struct main_flags_s {
  const char *config, *data_dir, *log_level, *listen;
  int port;
  int tls_port;                 /* -1: not given */
} main_flags_t;

static void main_usage(FILE *f)
{
  fprintf(f, "Usage: quired [options]\n"
             "  -c, --config FILE      configuration file (INI; see docs/configuration.md)\n"
             "  -d, --data-dir DIR     state directory (store, spool)\n"
             "  -p, --port N           TCP port for IPP, web and API (default %d)\n"
             "  -t, --tls-port N       TCP port for IPPS and HTTPS, 0 for none (default %d)\n"
             "  -l, --log-level LEVEL  error, warn, info or debug\n"
             "  -L, --listen ADDR      '*' for every address, or one IP address\n"
             "  -h, --help             this text\n", QUIRE_DEFAULT_PORT, QUIRE_DEFAULT_TLS_PORT);
}

/* Parses argv; returns false (after printing why) on a bad flag. */
static bool main_parse(int argc, char **argv, main_flags_t *fl)
{
  static const struct option opts[] = {
    {"config", required_argument, NULL, 'c'}, {"data-dir", required_argument, NULL, 'd'},
    {"port", required_argument, NULL, 'p'}, {"log-level", required_argument, NULL, 'l'},
    {"listen", required_argument, NULL, 'L'}, {"tls-port", required_argument, NULL, 't'},
    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  int ch;

  memset(fl, 0, sizeof(*fl));
  fl->tls_port = -1;
  while ((ch = getopt_long(argc, argv, "c:d:p:l:L:t:h", opts, NULL)) != -1) {
    switch (ch) {
    case 'c': fl->config = optarg; break;
    case 'd': fl->data_dir = optarg; break;
    case 'l': fl->log_level = optarg; break;
    case 'L': fl->listen = optarg; break;
    case 'p':
      fl->port = atoi(optarg);
      if (fl->port < 1 || fl->port > 65535) {
        fprintf(stderr, "quired: --port must be 1-65535\n");
        return false;
      }
      break;
    case 't':
      fl->tls_port = atoi(optarg);
      if (fl->tls_port < 0 || fl->tls_port > 65535) {
        fprintf(stderr, "quired: --tls-port must be 0-65535\n");
        return false;
      }
      break;
    case 'h': main_usage(stdout); exit(0);
    default: main_usage(stderr); return false;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "quired: unexpected argument '%s'\n", argv[optind]);
    return false;
  }
  if (fl->log_level && config_parse_log_level(fl->log_level) < 0) {
    fprintf(stderr, "quired: --log-level must be error, warn, info or debug\n");
    return false;
  }
  return true;
}

/* Loads the configuration and applies the flags on top. NULL (message printed) on error. */
static quire_config_t *main_config(const main_flags_t *fl)
{
  char *err = NULL;
  quire_config_t *c = config_load(fl->config, &err);

  if (!c) {
    fprintf(stderr, "quired: %s\n", err);
    free(err);
    return NULL;
  }
  if (fl->data_dir) {
    free(c->data_dir);
    c->data_dir = util_strdup(fl->data_dir);
  }
  if (fl->listen) {
    free(c->listen);
    c->listen = util_strdup(fl->listen);
  }
  if (fl->port)
    c->port = fl->port;
  if (fl->tls_port >= 0)
    c->tls_port = fl->tls_port;
  if (fl->log_level)
    c->log_level = config_parse_log_level(fl->log_level);
  return c;
}

/* Writes DATA/quired.url (how the `quire` tool reaches this daemon), atomically. */
static void main_write_url(const quire_config_t *c)
{
  const char *host = !strcmp(c->listen, "*") ? "127.0.0.1" : c->listen;
  bool v6 = strchr(host, ':') != NULL;
  char *path = util_printf("%s/quired.url", c->data_dir);
  char *tmp = util_printf("%s.tmp", path);
  FILE *f = fopen(tmp, "w");

  if (!f || fprintf(f, "http://%s%s%s:%d/\n", v6 ? "[" : "", host, v6 ? "]" : "", c->port) < 0 ||
      fclose(f) != 0 || rename(tmp, path) != 0)
    log_warn("cannot write %s; quire will need --url", path);
  free(path);
  free(tmp);
}

/* Records what the publisher advertises, for the admin API and `quire status`. */
static void main_dnssd_status(void *data, const char *queue, const char *name, const char *state)
{
  advert_table_set(((quire_system_t *)data)->adverts, queue, name, state);
}

/* Starts or stops DNS-SD to match the configuration, or refreshes it after a reload.
 * `tls_port` (0: none) is where _ipps._tcp is advertised. */
static void main_dnssd(quire_system_t *sys, ipp_service_t *ipp, int tls_port,
                       mdns_publisher_t **pub)
{
  pthread_rwlock_rdlock(&sys->config_lock);
  bool on = sys->config->dnssd;
  int port = sys->config->port;
  pthread_rwlock_unlock(&sys->config_lock);
  char *err = NULL;

  if (on && *pub) {
    mdns_publisher_refresh(*pub);
  } else if (on) {
    if (!(*pub = mdns_publisher_start(ipp, port, tls_port, main_dnssd_status, sys, &err))) {
      log_error("dns-sd: %s; queues are reachable by URI only", err);
      free(err);
    }
  } else if (*pub) {
    mdns_publisher_stop(*pub);
    *pub = NULL;
    log_info("dns-sd: advertising stopped (dnssd = off)");
  }
}

/* What the console's changes need to reach IPP and DNS-SD (main_queues_changed). */
typedef struct main_services_s {
  quire_system_t *sys;
  ipp_service_t *ipp;
  int tls_port;
  mdns_publisher_t *pub;
  pthread_mutex_t lock;         /* the main thread (SIGHUP) and web threads (console) */
  bool stopped;                 /* shutting down: no more changes */
} main_services_t;

/* Serves the queues and settings in force over IPP and DNS-SD (after SIGHUP or a change in
 * the console; system.h, on_queues_changed). */
static void main_queues_changed(void *data)
{
  main_services_t *m = data;
  pthread_mutex_lock(&m->lock);
  if (!m->stopped) {
    ipp_service_reload(m->ipp);
    main_dnssd(m->sys, m->ipp, m->tls_port, &m->pub);
  }
  pthread_mutex_unlock(&m->lock);
}

/* Waits for signals until asked to stop. */
static void main_loop(const main_flags_t *fl, quire_system_t *sys, main_services_t *m,
                      const sigset_t *set)
{
  for (;;) {
    int sig = 0;
    if (sigwait(set, &sig) != 0)
      continue;
    if (sig != SIGHUP) {
      log_info("signal %d: shutting down", sig);
      return;
    }
    log_info("SIGHUP: reloading %s", fl->config ? fl->config : "(built-in defaults)");
    quire_config_t *c = main_config(fl);
    char *err = NULL;
    if (!c) {
      log_error("reload failed; keeping the running configuration");
    } else if (!system_reload(sys, c, &err)) {
      log_error("reload failed: %s", err ? err : "?");
      free(err);
      config_free(c);
    } else {
      log_set_level(c->log_level);
      main_queues_changed(m);
    }
  }
}

int main(int argc, char **argv)
{
  main_flags_t fl;
  sigset_t set;
  char *err = NULL;

  if (!main_parse(argc, argv, &fl))
    return 2;
  quire_config_t *config = main_config(&fl);
  if (!config)
    return 2;
  log_init("quired", config->log_level, config->log_syslog);

  /* Every thread inherits this mask; the main thread takes signals with sigwait. */
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);

  int port = config->port;
  quire_system_t *sys = system_new(config, &err);
  if (!sys) {
    log_error("cannot start: %s", err);
    free(err);
    return 1;
  }
  /* Housekeeping and analysis start before the first request can create a job. */
  ipp_service_t *ipp = system_start(sys) ? ipp_service_new(sys) : NULL;
  /* The console's hook is in place before any web thread runs; it does nothing until the
   * services below are up (stopped). */
  main_services_t m = {sys, ipp, 0, NULL, PTHREAD_MUTEX_INITIALIZER, true};
  sys->on_queues_changed_data = &m;
  sys->on_queues_changed = main_queues_changed;
  http_server_t *http = ipp ? http_server_start(sys, ipp, &err) : NULL;
  if (!http) {
    log_error("cannot start: %s", err ? err : "IPP service or housekeeping failed");
    free(err);
    http_server_stop(http, 0);
    ipp_service_free(ipp);
    system_free(sys);
    return 1;
  }
  main_write_url(sys->config);
  log_info("quired listening on port %d with %zu queue(s); data in %s", port, sys->num_queues,
           sys->config->data_dir);

  pthread_mutex_lock(&m.lock);
  m.tls_port = http_server_tls_port(http);
  ipp_service_reload(ipp);   /* a console change made while the hook was still stopped */
  main_dnssd(sys, ipp, m.tls_port, &m.pub);
  m.stopped = false;
  pthread_mutex_unlock(&m.lock);
  main_loop(&fl, sys, &m, &set);
  pthread_mutex_lock(&m.lock);
  m.stopped = true;
  mdns_publisher_stop(m.pub);
  m.pub = NULL;
  pthread_mutex_unlock(&m.lock);
  http_server_stop(http, SHUTDOWN_GRACE_SECONDS);
  ipp_service_free(ipp);
  system_free(sys);
  log_info("quired stopped cleanly");
  return 0;
}
