/*
 * zone.c: wide-area (unicast) DNS-SD records for the queues, as a zone file that BIND, Knot,
 * NSD, dnsmasq-with-a-zone or any RFC 1035 master-file reader loads. Phones in other subnets
 * find the queues through the search domain their DHCP server hands out (RFC 6763 section 11):
 * they ask b._dns-sd._udp.DOMAIN (browse domains), then PTR _universal._sub._ipp._tcp.DOMAIN,
 * then the SRV, TXT and A/AAAA of each instance.
 */
#include "zone.h"

#include "../core/util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Writes `label` as one DNS label in master-file syntax: '.', '\', '"', ';', '(', ')', '$',
 * '@' and spaces are escaped, other bytes outside printable ASCII become \DDD (UTF-8 bytes
 * included, which is how RFC 1035 files carry them). */
static void zone_label(FILE *f, const char *label)
{
  for (const unsigned char *p = (const unsigned char *)label; *p; p++) {
    if (*p <= 32 || *p >= 127)
      fprintf(f, "\\%03u", *p);
    else if (strchr(".\\\";()$@", *p))
      fprintf(f, "\\%c", *p);
    else
      fputc(*p, f);
  }
}

/* Writes one TXT string in quotes: '"' and '\' escaped, non-printable bytes as \DDD. */
static void zone_txt_string(FILE *f, const char *s)
{
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p < 32 || *p >= 127)
      fprintf(f, "\\%03u", *p);
    else if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else
      fputc(*p, f);
  }
  fputc('"', f);
}

/* True if `s` is a syntactically valid domain name (letters, digits, '-', '_', dots). */
static bool zone_valid_domain(const char *s)
{
  size_t label = 0;

  if (!s || !*s || strlen(s) > 253)
    return false;
  for (const char *p = s; *p; p++) {
    if (*p == '.') {
      if (label == 0 && p[1])
        return false;
      label = 0;
    } else if (isalnum((unsigned char)*p) || *p == '-' || *p == '_') {
      if (++label > 63)
        return false;
    } else {
      return false;
    }
  }
  return true;
}

/* Writes the host's owner name relative to the origin when it is inside it, else absolute. */
static char *zone_host_name(const mdns_zone_opts_t *o)
{
  size_t hl = strlen(o->host), dl = strlen(o->domain);

  if (!strchr(o->host, '.'))
    return util_printf("%s", o->host);  /* a label inside the zone */
  if (hl > dl + 1 && !strcmp(o->host + hl - dl, o->domain) && o->host[hl - dl - 1] == '.')
    return util_printf("%.*s", (int)(hl - dl - 1), o->host);
  return util_printf("%s%s", o->host, o->host[hl - 1] == '.' ? "" : ".");
}

/* Writes SOA and NS (a stand-alone zone whose name server is the appliance itself). */
static void zone_header(FILE *f, const mdns_zone_opts_t *o, const char *host)
{
  fprintf(f, "$ORIGIN %s.\n$TTL %d\n", o->domain, o->ttl);
  fprintf(f, "@\tIN\tSOA\t%s hostmaster (\n\t\t%lu ; serial\n\t\t3600 ; refresh\n"
             "\t\t600 ; retry\n\t\t86400 ; expire\n\t\t%d ) ; negative TTL\n",
          host, o->serial, o->ttl);
  fprintf(f, "@\tIN\tNS\t%s\n", host);
}

/* Writes the PTR records that list one instance under a type and its subtypes. */
static void zone_ptrs(FILE *f, const mdns_service_t *s, const char *type)
{
  const char *prefixes[] = {"", "_universal._sub.", "_print._sub."};

  for (size_t i = 0; i < 3; i++) {
    fprintf(f, "%s%s\tIN\tPTR\t", prefixes[i], type);
    zone_label(f, s->name);
    fprintf(f, ".%s\n", type);
  }
}

/* Writes SRV and TXT of one instance under `type`. */
static void zone_instance(FILE *f, const mdns_service_t *s, const char *type, int port,
                          const char *host)
{
  zone_label(f, s->name);
  fprintf(f, ".%s\tIN\tSRV\t0 0 %d %s\n", type, port, host);
  zone_label(f, s->name);
  fprintf(f, ".%s\tIN\tTXT\t", type);
  for (size_t i = 0; i < s->num_txt; i++) {
    fputs(i ? " " : "", f);
    zone_txt_string(f, s->txt[i]);
  }
  fputc('\n', f);
}

/* Writes A and AAAA records; false with *err on an address that is neither. */
static bool zone_addresses(FILE *f, const mdns_zone_opts_t *o, const char *host, char **err)
{
  for (size_t i = 0; i < o->num_addrs; i++) {
    unsigned char buf[16];
    bool v6 = strchr(o->addrs[i], ':') != NULL;
    if (inet_pton(v6 ? AF_INET6 : AF_INET, o->addrs[i], buf) != 1) {
      *err = util_printf("'%s' is not an IPv4 or IPv6 address", o->addrs[i]);
      return false;
    }
    fprintf(f, "%s\tIN\t%s\t%s\n", host, v6 ? "AAAA" : "A", o->addrs[i]);
  }
  return true;
}

bool mdns_zone_write(FILE *f, const mdns_zone_opts_t *o, const mdns_service_t *svcs,
                     size_t count, char **err)
{
  if (!zone_valid_domain(o->domain) || !zone_valid_domain(o->host)) {
    *err = util_printf("'%s' is not a valid domain or host name",
                       zone_valid_domain(o->domain) ? o->host : o->domain);
    return false;
  }
  char *host = zone_host_name(o);
  bool tls = false, ok;

  for (size_t i = 0; i < count; i++)
    tls |= svcs[i].tls;
  if (!o->records_only)
    zone_header(f, o, host);
  fprintf(f, "; DNS-SD browse domain (RFC 6763 section 11)\n");
  fprintf(f, "b._dns-sd._udp\tIN\tPTR\t@\ndb._dns-sd._udp\tIN\tPTR\t@\nlb._dns-sd._udp\tIN\tPTR\t@\n");
  fprintf(f, "_services._dns-sd._udp\tIN\tPTR\t_ipp._tcp\n");
  if (tls)
    fprintf(f, "_services._dns-sd._udp\tIN\tPTR\t_ipps._tcp\n");
  for (size_t i = 0; i < count; i++) {
    fprintf(f, "; queue %s\n", svcs[i].queue);
    zone_ptrs(f, &svcs[i], "_ipp._tcp");
    zone_instance(f, &svcs[i], "_ipp._tcp", o->port, host);
    if (svcs[i].tls) {
      zone_ptrs(f, &svcs[i], "_ipps._tcp");
      zone_instance(f, &svcs[i], "_ipps._tcp", o->port, host);
    }
  }
  fprintf(f, "; the appliance\n");
  if (host[strlen(host) - 1] == '.')
    ok = true;  /* the host lives in another zone, which holds its addresses */
  else if (!o->records_only && o->num_addrs == 0)
    ok = !(*err = util_printf("host %s needs at least one address", host));
  else
    ok = zone_addresses(f, o, host, err);
  free(host);
  if (ok && (fflush(f) != 0 || ferror(f))) {
    *err = util_strdup("write error");
    ok = false;
  }
  return ok;
}
