/*
 * zone.h: wide-area (unicast) DNS-SD: the description of a queue as DNS-SD publishes it, and a
 * zone-file writer for it. No dependency on IPP or Avahi, so the `quire` tool can use it with
 * descriptions it fetched from the daemon's admin API.
 */
#ifndef QUIRE_MDNS_ZONE_H
#define QUIRE_MDNS_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define MDNS_NAME_MAX 63       /* bytes in a DNS-SD instance name (one DNS label) */
#define MDNS_TXT_ITEM_MAX 255  /* bytes in one "key=value" TXT string */

/* One queue as DNS-SD describes it. All strings are owned by the struct. */
typedef struct mdns_service_s {
  char *queue;        /* printer-name: the stable key */
  char *name;         /* wanted instance name (printer-dns-sd-name), <= 63 bytes of UTF-8 */
  char *resource;     /* "ipp/print/NAME" (the rp key) */
  bool tls;           /* also advertise _ipps._tcp */
  char **txt;         /* "key=value" strings in publication order */
  size_t num_txt;
} mdns_service_t;

typedef struct mdns_zone_opts_s {
  const char *domain;        /* zone origin, e.g. "print.example.com" */
  const char *host;          /* host label or FQDN of the appliance, e.g. "quire-site1" */
  const char *const *addrs;  /* IPv4/IPv6 addresses of the host */
  size_t num_addrs;
  int port;                  /* IPP port in the SRV records */
  int ttl;                   /* seconds */
  bool records_only;         /* no $ORIGIN/SOA/NS: records to paste into an existing zone */
  unsigned long serial;      /* SOA serial */
} mdns_zone_opts_t;

/* Writes a zone file with the unicast DNS-SD records for `svcs`: b/db/lb._dns-sd._udp
 * browse-domain PTRs, the _services._dns-sd._udp PTR, PTRs for _ipp._tcp and its
 * _universal and _print subtypes (and _ipps when a service has TLS), SRV and TXT per
 * instance, and A/AAAA for the host. False with *err (malloc'd) on a bad option or a write
 * error. */
bool mdns_zone_write(FILE *f, const mdns_zone_opts_t *opts, const mdns_service_t *svcs,
                     size_t count, char **err);

#endif
