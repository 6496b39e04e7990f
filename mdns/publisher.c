/*
 * publisher.c: advertises every queue through avahi-daemon (libavahi-client on an
 * AvahiThreadedPoll: one thread, woken only by D-Bus messages, so it costs nothing while idle).
 *
 * Per queue, one entry group holds: _ipp._tcp with the subtypes _universal (iOS) and _print
 * (Mopria / IPP Everywhere), _ipps._tcp with the same subtypes on the TLS port when TLS is on,
 * and _printer._tcp on port 0, the LPD name reservation that CUPS and PAPPL also register to
 * defend the name.
 *
 * Life cycle: the client is created with AVAHI_CLIENT_NO_FAIL, so quired starts whether or not
 * avahi-daemon runs. When the daemon goes away the client is recreated and waits for it; when
 * it (re)appears every group is registered again. A name collision renames the service
 * ("Name (2)", "Name (3)", ...) and reports the name in use through the status callback.
 *
 * Threads: Avahi callbacks run on the poll thread with the poll lock held; the daemon's other
 * threads (refresh, stop) take that lock with avahi_threaded_poll_lock.
 */
#include "mdns.h"

#include "../core/log.h"
#include "../core/util.h"

#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/error.h>
#include <avahi-common/timeval.h>
#include <avahi-common/thread-watch.h>
#include <stdlib.h>
#include <string.h>

#define PUB_MAX_ATTEMPTS 100   /* renames tried before giving up on a queue */
#define PUB_RETRY_SECONDS 5    /* retry interval while no D-Bus system bus can be reached */

/* One advertised queue. Allocated separately so Avahi callbacks can keep a pointer. */
typedef struct pub_entry_s {
  mdns_publisher_t *pub;
  mdns_service_t svc;          /* what we want to advertise */
  AvahiEntryGroup *group;      /* NULL while no daemon is connected */
  unsigned attempt;            /* collisions so far (0: the wanted name) */
  char name[MDNS_NAME_MAX + 1];/* instance name registered or being registered */
} pub_entry_t;

struct mdns_publisher_s {
  AvahiThreadedPoll *poll;
  AvahiClient *client;
  AvahiTimeout *retry;         /* armed only while the client cannot be created */
  ipp_service_t *ipp;
  int port;
  int tls_port;                /* where _ipps._tcp points (the TLS listener) */
  bool tls;                    /* tls_port != 0 */
  mdns_status_cb_t cb;
  void *cb_data;
  pub_entry_t **entries;
  size_t num_entries;
};

static void pub_client_cb(AvahiClient *c, AvahiClientState state, void *data);

/* Tells the status callback about `e`. */
static void pub_report(pub_entry_t *e, const char *state)
{
  if (e->pub->cb)
    e->pub->cb(e->pub->cb_data, e->svc.queue, e->name, state);
}

/* The service types of one entry (the ipps one only with TLS), NULL-terminated. */
static void pub_types(const pub_entry_t *e, const char *types[3])
{
  types[0] = "_ipp._tcp";
  types[1] = e->svc.tls ? "_ipps._tcp" : NULL;
  types[2] = NULL;
}

/* The TXT record of `e` for service type `type`: the queue's, plus TLS=1.2 for _ipps (the
 * plain port offers no TLS upgrade). Caller frees with avahi_string_list_free. */
static AvahiStringList *pub_txt(const pub_entry_t *e, const char *type)
{
  AvahiStringList *txt = avahi_string_list_new_from_array((const char **)e->svc.txt,
                                                          (int)e->svc.num_txt);
  if (!strcmp(type, "_ipps._tcp"))
    txt = avahi_string_list_add(txt, "TLS=1.2");
  return txt;
}

/* Adds the services of `e` under e->name to its (empty) group and commits it. Returns an
 * Avahi error code (AVAHI_OK, AVAHI_ERR_COLLISION, ...). */
static int pub_entry_add(pub_entry_t *e)
{
  const char *types[3];
  int r = AVAHI_OK;

  pub_types(e, types);
  for (int i = 0; types[i] && r == AVAHI_OK; i++) {
    char universal[64], print[64];
    snprintf(universal, sizeof(universal), "_universal._sub.%s", types[i]);
    snprintf(print, sizeof(print), "_print._sub.%s", types[i]);
    int port = strcmp(types[i], "_ipps._tcp") ? e->pub->port : e->pub->tls_port;
    AvahiStringList *txt = pub_txt(e, types[i]);
    r = avahi_entry_group_add_service_strlst(e->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0,
                                             e->name, types[i], NULL, NULL, (uint16_t)port, txt);
    avahi_string_list_free(txt);
    if (r == AVAHI_OK)
      r = avahi_entry_group_add_service_subtype(e->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
                                                0, e->name, types[i], NULL, universal);
    if (r == AVAHI_OK)
      r = avahi_entry_group_add_service_subtype(e->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
                                                0, e->name, types[i], NULL, print);
  }
  if (r == AVAHI_OK)
    r = avahi_entry_group_add_service(e->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0, e->name,
                                      "_printer._tcp", NULL, NULL, 0, NULL);
  if (r == AVAHI_OK)
    r = avahi_entry_group_commit(e->group);
  return r;
}

/* Registers `e` under its current candidate name, moving to the next candidate while the name
 * is already taken locally. Called with the poll lock held and a running client. */
static void pub_entry_register(pub_entry_t *e)
{
  int r;

  for (;;) {
    mdns_name_candidate(e->name, sizeof(e->name), e->svc.name, e->attempt);
    r = pub_entry_add(e);
    if (r != AVAHI_ERR_COLLISION || e->attempt + 1 >= PUB_MAX_ATTEMPTS)
      break;
    avahi_entry_group_reset(e->group);
    e->attempt++;
    log_warn("dns-sd: name '%s' already taken on this host; trying the next one", e->name);
  }
  if (r != AVAHI_OK) {
    log_error("dns-sd: cannot advertise queue %s as '%s': %s", e->svc.queue, e->name,
              avahi_strerror(r));
    pub_report(e, "failed");
  } else {
    pub_report(e, "registering");
  }
}

/* Entry group state changes: established, or a collision with another host's service. */
static void pub_group_cb(AvahiEntryGroup *g, AvahiEntryGroupState state, void *data)
{
  pub_entry_t *e = data;

  if (e->group != g)
    return;  /* a callback for a group being replaced */
  switch (state) {
  case AVAHI_ENTRY_GROUP_ESTABLISHED:
    log_info("dns-sd: queue %s advertised as '%s'", e->svc.queue, e->name);
    pub_report(e, e->attempt ? "renamed" : "established");
    break;
  case AVAHI_ENTRY_GROUP_COLLISION: {
    char old[sizeof(e->name)];
    memcpy(old, e->name, sizeof(old));
    if (++e->attempt >= PUB_MAX_ATTEMPTS) {
      log_error("dns-sd: queue %s: every name up to '%s' is taken", e->svc.queue, old);
      pub_report(e, "failed");
      break;
    }
    mdns_name_candidate(e->name, sizeof(e->name), e->svc.name, e->attempt);
    log_warn("dns-sd: name '%s' is used by another device on the network; queue %s renamed "
             "to '%s'", old, e->svc.queue, e->name);
    pub_report(e, "collision");
    avahi_entry_group_reset(g);
    pub_entry_register(e);
    break;
  }
  case AVAHI_ENTRY_GROUP_FAILURE:
    log_error("dns-sd: queue %s: %s", e->svc.queue,
              avahi_strerror(avahi_client_errno(avahi_entry_group_get_client(g))));
    pub_report(e, "failed");
    break;
  default:
    break;
  }
}

/* Creates the group of `e` if needed and registers it (client running, poll lock held). */
static void pub_entry_start(pub_entry_t *e)
{
  AvahiClient *c = e->pub->client;

  if (!c || avahi_client_get_state(c) != AVAHI_CLIENT_S_RUNNING)
    return;
  if (!e->group && !(e->group = avahi_entry_group_new(c, pub_group_cb, e))) {
    log_error("dns-sd: cannot create an entry group: %s", avahi_strerror(avahi_client_errno(c)));
    pub_report(e, "failed");
    return;
  }
  if (avahi_entry_group_is_empty(e->group))
    pub_entry_register(e);
}

/* Frees an entry and its group; reports the queue withdrawn. */
static void pub_entry_free(pub_entry_t *e)
{
  if (e->group)
    avahi_entry_group_free(e->group);
  if (e->pub->cb)
    e->pub->cb(e->pub->cb_data, e->svc.queue, NULL, "withdrawn");
  mdns_service_clear(&e->svc);
  free(e);
}

/* True when two descriptions have the same TXT strings in the same order. */
static bool pub_txt_equal(const mdns_service_t *a, const mdns_service_t *b)
{
  if (a->num_txt != b->num_txt)
    return false;
  for (size_t i = 0; i < a->num_txt; i++)
    if (strcmp(a->txt[i], b->txt[i]))
      return false;
  return true;
}

/* Brings an existing entry up to date with `svc` (taken over): a new TXT record is updated in
 * place; a new name or TLS setting re-registers the group. */
static void pub_entry_update(pub_entry_t *e, mdns_service_t *svc)
{
  bool rename = strcmp(e->svc.name, svc->name) || e->svc.tls != svc->tls;
  bool retxt = !pub_txt_equal(&e->svc, svc);

  mdns_service_clear(&e->svc);
  e->svc = *svc;
  memset(svc, 0, sizeof(*svc));
  if (!e->group || avahi_entry_group_is_empty(e->group)) {
    pub_entry_start(e);
  } else if (rename) {
    e->attempt = 0;
    avahi_entry_group_reset(e->group);
    pub_entry_register(e);
  } else if (retxt) {
    const char *types[3];
    pub_types(e, types);
    for (int i = 0; types[i]; i++) {
      AvahiStringList *txt = pub_txt(e, types[i]);
      int r = avahi_entry_group_update_service_txt_strlst(e->group, AVAHI_IF_UNSPEC,
                                                          AVAHI_PROTO_UNSPEC, 0, e->name,
                                                          types[i], NULL, txt);
      avahi_string_list_free(txt);
      if (r != AVAHI_OK)
        log_warn("dns-sd: cannot update the TXT record of '%s': %s", e->name, avahi_strerror(r));
    }
    log_info("dns-sd: queue %s: TXT record updated", e->svc.queue);
  }
}

/* Finds the entry of `queue` among the current ones, or NULL. */
static pub_entry_t *pub_find(mdns_publisher_t *pub, const char *queue)
{
  for (size_t i = 0; i < pub->num_entries; i++)
    if (pub->entries[i] && !strcmp(pub->entries[i]->svc.queue, queue))
      return pub->entries[i];
  return NULL;
}

/* Rebuilds the entry list from the IPP service's queues (poll lock held). The host name in
 * URIs (adminurl) is the one Avahi announces, falling back to "localhost" before connecting. */
static void pub_sync(mdns_publisher_t *pub)
{
  const char *fqdn = pub->client ? avahi_client_get_host_name_fqdn(pub->client) : NULL;
  size_t n = 0;
  /* Described as the plain port answers Get-Printer-Attributes; pub_txt adds TLS for _ipps. */
  mdns_service_t *svcs = mdns_services_describe(pub->ipp, fqdn ? fqdn : "localhost", pub->port,
                                                false, &n);
  pub_entry_t **next = n ? calloc(n, sizeof(*next)) : NULL;

  if (n && !next)
    abort();
  for (size_t i = 0; i < n; i++) {
    pub_entry_t *e = pub_find(pub, svcs[i].queue);
    svcs[i].tls = pub->tls;
    if (e) {
      for (size_t j = 0; j < pub->num_entries; j++)
        if (pub->entries[j] == e)
          pub->entries[j] = NULL;  /* kept: moved to `next` */
      pub_entry_update(e, &svcs[i]);
    } else {
      if (!(e = calloc(1, sizeof(*e))))
        abort();
      e->pub = pub;
      e->svc = svcs[i];
      memset(&svcs[i], 0, sizeof(svcs[i]));
      snprintf(e->name, sizeof(e->name), "%s", e->svc.name);
      pub_report(e, "waiting-for-avahi");
      pub_entry_start(e);
    }
    next[i] = e;
  }
  for (size_t j = 0; j < pub->num_entries; j++)
    if (pub->entries[j])
      pub_entry_free(pub->entries[j]);  /* queue removed */
  free(pub->entries);
  pub->entries = next;
  pub->num_entries = n;
  mdns_services_free(svcs, n);
}

/* Forgets every group (they die with the client) and reports the wait for the daemon. */
static void pub_forget_groups(mdns_publisher_t *pub)
{
  for (size_t i = 0; i < pub->num_entries; i++) {
    pub->entries[i]->group = NULL;
    pub->entries[i]->attempt = 0;
    pub_report(pub->entries[i], "waiting-for-avahi");
  }
}

static void pub_client_new(mdns_publisher_t *pub);

/* Retry timer: tries to create the client again. */
static void pub_retry_cb(AvahiTimeout *t, void *data)
{
  (void)t;
  pub_client_new(data);
}

/* Creates a client that waits for avahi-daemon (poll lock held or poll not started). With no
 * D-Bus system bus at all even that fails; then a timer retries every few seconds (the only
 * timer the publisher ever arms). */
static void pub_client_new(mdns_publisher_t *pub)
{
  const AvahiPoll *api = avahi_threaded_poll_get(pub->poll);
  int error = 0;

  pub->client = avahi_client_new(api, AVAHI_CLIENT_NO_FAIL, pub_client_cb, pub, &error);
  if (pub->client) {
    if (pub->retry)
      api->timeout_update(pub->retry, NULL);
    return;
  }
  struct timeval tv;
  avahi_elapse_time(&tv, PUB_RETRY_SECONDS * 1000, 0);
  if (!pub->retry) {
    log_warn("dns-sd: cannot reach avahi-daemon (%s); retrying every %d s",
             avahi_strerror(error), PUB_RETRY_SECONDS);
    pub->retry = api->timeout_new(api, &tv, pub_retry_cb, pub);
  } else {
    api->timeout_update(pub->retry, &tv);
  }
}

/* Client state changes: daemon running (register), host name collision (reset and wait),
 * daemon gone (recreate the client, which waits for the daemon to come back). */
static void pub_client_cb(AvahiClient *c, AvahiClientState state, void *data)
{
  mdns_publisher_t *pub = data;

  if (!pub->client)
    pub->client = c;  /* callback from inside avahi_client_new */
  switch (state) {
  case AVAHI_CLIENT_S_RUNNING:
    log_info("dns-sd: avahi-daemon running, host %s", avahi_client_get_host_name_fqdn(c));
    pub_sync(pub);  /* adminurl follows the host name */
    for (size_t i = 0; i < pub->num_entries; i++)
      pub_entry_start(pub->entries[i]);
    break;
  case AVAHI_CLIENT_S_COLLISION:
  case AVAHI_CLIENT_S_REGISTERING:
    for (size_t i = 0; i < pub->num_entries; i++)
      if (pub->entries[i]->group)
        avahi_entry_group_reset(pub->entries[i]->group);
    break;
  case AVAHI_CLIENT_FAILURE:
    if (avahi_client_errno(c) != AVAHI_ERR_DISCONNECTED) {
      log_error("dns-sd: Avahi client failed: %s", avahi_strerror(avahi_client_errno(c)));
    } else {
      log_warn("dns-sd: avahi-daemon went away; waiting for it to come back");
    }
    pub_forget_groups(pub);
    avahi_client_free(c);
    pub->client = NULL;
    pub_client_new(pub);
    break;
  case AVAHI_CLIENT_CONNECTING:
    log_info("dns-sd: waiting for avahi-daemon");
    break;
  }
}

mdns_publisher_t *mdns_publisher_start(ipp_service_t *ipp, int port, int tls_port,
                                       mdns_status_cb_t cb, void *cb_data, char **err)
{
  mdns_publisher_t *pub = calloc(1, sizeof(*pub));

  if (!pub)
    abort();
  pub->ipp = ipp;
  pub->port = port;
  pub->tls_port = tls_port;
  pub->tls = tls_port > 0;
  pub->cb = cb;
  pub->cb_data = cb_data;
  if (!(pub->poll = avahi_threaded_poll_new())) {
    *err = util_strdup("cannot create the Avahi poll thread");
    free(pub);
    return NULL;
  }
  pub_client_new(pub);
  if (!pub->client || avahi_client_get_state(pub->client) != AVAHI_CLIENT_S_RUNNING)
    pub_sync(pub);  /* entries exist (waiting) even before the daemon answers */
  if (avahi_threaded_poll_start(pub->poll) < 0) {
    *err = util_strdup("cannot start the Avahi poll thread");
    mdns_publisher_stop(pub);
    return NULL;
  }
  return pub;
}

void mdns_publisher_refresh(mdns_publisher_t *pub)
{
  if (!pub)
    return;
  avahi_threaded_poll_lock(pub->poll);
  pub_sync(pub);
  avahi_threaded_poll_unlock(pub->poll);
}

void mdns_publisher_stop(mdns_publisher_t *pub)
{
  if (!pub)
    return;
  avahi_threaded_poll_stop(pub->poll);
  for (size_t i = 0; i < pub->num_entries; i++)
    pub_entry_free(pub->entries[i]);
  free(pub->entries);
  if (pub->client)
    avahi_client_free(pub->client);
  if (pub->retry)
    avahi_threaded_poll_get(pub->poll)->timeout_free(pub->retry);
  avahi_threaded_poll_free(pub->poll);
  free(pub);
}
