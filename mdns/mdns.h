/*
 * mdns.h: DNS-SD advertisement of quire's queues (Avahi on the local link, a zone file for
 * wide-area DNS-SD across subnets).
 *
 * One source of truth: every TXT record is built from the printer attributes the IPP service
 * reports for the queue (ipp_service_describe), so an advertisement can never promise what
 * Get-Printer-Attributes does not say.
 */
#ifndef QUIRE_MDNS_H
#define QUIRE_MDNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../ipp/ipp.h"
#include "zone.h"

/* Fills `svc` from one queue's printer attributes (as ipp_service_describe returns them).
 * False, with *err (malloc'd), if an attribute DNS-SD needs is missing. Clear it with
 * mdns_service_clear. */
bool mdns_service_from_ipp(mdns_service_t *svc, ipp_t *attrs, bool tls, char **err);

/* Returns the value of TXT key `key` in `svc` (case-insensitive), NULL if absent. */
const char *mdns_service_txt(const mdns_service_t *svc, const char *key);

/* Frees the strings of `svc` (not the struct). */
void mdns_service_clear(mdns_service_t *svc);

/* Describes every queue as a client reaching `host`:`port` sees it. Returns a malloc'd array
 * of *count services (free with mdns_services_free), NULL with *count 0 when there are none. */
mdns_service_t *mdns_services_describe(ipp_service_t *ipp, const char *host, int port,
                                       bool tls, size_t *count);

/* Frees an array from mdns_services_describe. */
void mdns_services_free(mdns_service_t *svcs, size_t count);

/* Writes into `buf` (size > MDNS_NAME_MAX + 1) the instance name to try after `attempt`
 * collisions: `name` itself for 0, then "name (2)", "name (3)", ..., cutting `name` on a
 * UTF-8 boundary so the whole stays within 63 bytes. Returns `buf`. */
const char *mdns_name_candidate(char *buf, size_t size, const char *name, unsigned attempt);

/* ---- Avahi publisher (publisher.c) ------------------------------------------------------- */

typedef struct mdns_publisher_s mdns_publisher_t;

/* Called (from the Avahi thread) whenever the advertisement of a queue changes: `name` is the
 * instance name in use (NULL once the queue is withdrawn) and `state` one of "registering",
 * "established", "renamed", "collision", "waiting-for-avahi", "failed". */
typedef void (*mdns_status_cb_t)(void *data, const char *queue, const char *name,
                                 const char *state);

/* Starts publishing every queue of `ipp`: _ipp._tcp on `port`, and _ipps._tcp on `tls_port`
 * unless it is 0. Does not need avahi-daemon to be running: the services appear when it
 * starts and come back whenever it restarts. Returns NULL with *err (malloc'd) only if the
 * Avahi thread cannot be created. Stop it with mdns_publisher_stop. */
mdns_publisher_t *mdns_publisher_start(ipp_service_t *ipp, int port, int tls_port,
                                       mdns_status_cb_t cb, void *cb_data, char **err);

/* Re-reads the queues and updates the records (added, removed, renamed or changed queues). */
void mdns_publisher_refresh(mdns_publisher_t *pub);

/* Withdraws every service, stops the Avahi thread and frees the publisher (NULL is fine). */
void mdns_publisher_stop(mdns_publisher_t *pub);

#endif
