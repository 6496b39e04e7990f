/*
 * cli-dnssd.c: `quire dnssd-zone`, the wide-area DNS-SD zone of the queues. The daemon describes
 * its queues (GET /api/dnssd, the same TXT records Avahi publishes, with URIs built for the
 * unicast host name); this file turns them into a zone file with mdns/zone.c.
 */
#include "cli.h"
#include "util.h"

#include "../mdns/zone.h"

#include <arpa/inet.h>
#include <cups/cups.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CLI_MAX_ADDRS 16

/* Collects the host's non-loopback IPv4 and global IPv6 addresses (malloc'd strings). */
static size_t cli_local_addrs(char **out, size_t max)
{
  struct ifaddrs *ifs = NULL;
  size_t n = 0;

  if (getifaddrs(&ifs) != 0)
    return 0;
  for (struct ifaddrs *i = ifs; i && n < max; i = i->ifa_next) {
    char buf[INET6_ADDRSTRLEN];
    if (!i->ifa_addr || (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP))
      continue;
    if (i->ifa_addr->sa_family == AF_INET) {
      inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf, sizeof(buf));
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      struct in6_addr *a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
      if (IN6_IS_ADDR_LINKLOCAL(a))
        continue;  /* scoped to one link: useless in DNS */
      inet_ntop(AF_INET6, a, buf, sizeof(buf));
    } else {
      continue;
    }
    out[n++] = util_strdup(buf);
  }
  freeifaddrs(ifs);
  return n;
}

/* Fills one service from an /api/dnssd element. */
static void cli_zone_service(JsonObject *o, mdns_service_t *s)
{
  JsonArray *txt = json_object_get_array_member(o, "txt");
  guint n = txt ? json_array_get_length(txt) : 0;

  s->queue = util_strdup(json_object_get_string_member(o, "queue"));
  s->name = util_strdup(json_object_get_string_member(o, "name"));
  s->resource = util_strdup(json_object_get_string_member(o, "resource"));
  s->tls = json_object_get_boolean_member(o, "tls");
  if (!(s->txt = calloc(n ? n : 1, sizeof(char *))))
    abort();
  for (guint i = 0; i < n; i++)
    s->txt[s->num_txt++] = util_strdup(json_array_get_string_element(txt, i));
}

/* Frees what cli_zone_service filled. */
static void cli_zone_services_free(mdns_service_t *svcs, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    for (size_t t = 0; t < svcs[i].num_txt; t++)
      free(svcs[i].txt[t]);
    free(svcs[i].txt);
    free(svcs[i].queue);
    free(svcs[i].name);
    free(svcs[i].resource);
  }
  free(svcs);
}

/* The daemon's port, from its URL. */
static int cli_url_port(const cli_t *cli)
{
  char scheme[32], user[64], host[256], resource[256];
  int port = 0;

  httpSeparateURI(HTTP_URI_CODING_ALL, cli->url, scheme, sizeof(scheme), user, sizeof(user),
                  host, sizeof(host), &port, resource, sizeof(resource));
  return port;
}

/* Fetches the services as a client reaching `fqdn`:`port` sees them; NULL on error. */
static mdns_service_t *cli_zone_fetch(const cli_t *cli, const char *fqdn, int port, size_t *n)
{
  char *enc = g_uri_escape_string(fqdn, NULL, FALSE);
  char *res = util_printf("/api/dnssd?host=%s&port=%d", enc, port);
  cli_t quiet = *cli;
  JsonNode *root = NULL;
  mdns_service_t *svcs = NULL;

  quiet.json = false;  /* the zone file goes to stdout, not the daemon's JSON */
  JsonParser *p = cli_json(&quiet, res, &root);
  g_free(enc);
  free(res);
  *n = 0;
  if (!p)
    return NULL;
  JsonArray *a = json_node_get_array(root);
  guint len = a ? json_array_get_length(a) : 0;
  if (!(svcs = calloc(len ? len : 1, sizeof(*svcs))))
    abort();
  for (guint i = 0; i < len; i++)
    cli_zone_service(json_array_get_object_element(a, i), &svcs[(*n)++]);
  g_object_unref(p);
  return svcs;
}

int cli_dnssd_zone(const cli_t *cli, const cli_zone_args_t *args)
{
  char hostbuf[256] = "", *local[CLI_MAX_ADDRS];
  const char *addrs[CLI_MAX_ADDRS];
  size_t nlocal = 0, naddrs = 0, nsvcs = 0;
  int rc = 1;

  if (!args->domain) {
    fprintf(stderr, "quire: dnssd-zone needs --domain DOMAIN (e.g. print.example.com)\n");
    return 2;
  }
  const char *host = args->host;
  if (!host) {
    if (gethostname(hostbuf, sizeof(hostbuf) - 1) != 0)
      snprintf(hostbuf, sizeof(hostbuf), "quire");
    hostbuf[strcspn(hostbuf, ".")] = '\0';  /* the label; it lives inside the zone */
    host = hostbuf;
  }
  for (size_t i = 0; i < args->num_addrs && naddrs < CLI_MAX_ADDRS; i++)
    addrs[naddrs++] = args->addrs[i];
  if (!naddrs) {
    nlocal = cli_local_addrs(local, CLI_MAX_ADDRS);
    for (size_t i = 0; i < nlocal; i++)
      addrs[naddrs++] = local[i];
  }
  int port = args->port > 0 ? args->port : cli_url_port(cli);
  size_t hl = strlen(host);
  char *fqdn = hl && host[hl - 1] == '.' ? util_printf("%.*s", (int)(hl - 1), host)
               : strchr(host, '.')       ? util_strdup(host)
                                         : util_printf("%s.%s", host, args->domain);
  mdns_service_t *svcs = cli_zone_fetch(cli, fqdn, port, &nsvcs);
  FILE *f = args->output ? fopen(args->output, "w") : stdout;
  mdns_zone_opts_t o = {.domain = args->domain, .host = host, .addrs = addrs,
                        .num_addrs = naddrs, .port = port, .ttl = args->ttl > 0 ? args->ttl : 300,
                        .records_only = args->records_only, .serial = (unsigned long)time(NULL)};
  char *err = NULL;

  if (!f)
    fprintf(stderr, "quire: cannot write %s\n", args->output);
  else if (svcs && !mdns_zone_write(f, &o, svcs, nsvcs, &err))
    fprintf(stderr, "quire: %s%s\n", err, naddrs ? "" : " (pass --address)");
  else if (svcs)
    rc = 0;
  if (f && f != stdout && fclose(f) != 0)
    rc = 1;
  if (rc && args->output)
    unlink(args->output);
  free(err);
  free(fqdn);
  cli_zone_services_free(svcs, svcs ? nsvcs : 0);
  for (size_t i = 0; i < nlocal; i++)
    free(local[i]);
  return rc;
}
