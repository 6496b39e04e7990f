/*
 * describe.c: every queue's DNS-SD description, from the IPP service's printer attributes.
 */
#include "mdns.h"

#include "../core/log.h"

#include <stdlib.h>

mdns_service_t *mdns_services_describe(ipp_service_t *ipp, const char *host, int port,
                                       bool tls, size_t *count)
{
  size_t n = 0;
  ipp_t **attrs = ipp_service_describe(ipp, host, port, tls, &n);
  mdns_service_t *svcs = n ? calloc(n, sizeof(*svcs)) : NULL;

  *count = 0;
  if (n && !svcs)
    abort();
  for (size_t i = 0; i < n; i++) {
    char *err = NULL;
    if (mdns_service_from_ipp(&svcs[*count], attrs[i], tls, &err)) {
      (*count)++;
    } else {
      log_error("dns-sd: %s", err);  /* printer-attrs.c always sets these: a bug */
      free(err);
    }
    ippDelete(attrs[i]);
  }
  free(attrs);
  return svcs;
}
