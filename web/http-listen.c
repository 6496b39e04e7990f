/*
 * http-listen.c: the listening libmicrohttpd daemons (plain and TLS), a certificate change on
 * a running TLS port, and shutdown (see http.h).
 *
 * DESIGN
 * Each listener is one MHD daemon with an internal polling thread and one thread per
 * connection; both use http_access (http.c) with the listener as closure, so they serve the
 * same routes and IPP. TLS is GnuTLS inside libmicrohttpd, fed the PEM pair of the certificate
 * store (core/tls.c). A new certificate is served without closing the port:
 * MHD_quiesce_daemon takes the listening socket back from the old daemon, a new daemon starts
 * on that very socket (connections that arrive meanwhile wait in its backlog), and a "retirer"
 * thread waits for the old daemon's requests in progress, then stops it. The retirer is never
 * a connection thread of the daemon it stops, which MHD_stop_daemon would deadlock on.
 */
#include "http-private.h"

#include "login.h"
#include "session.h"

#include "../core/log.h"
#include "../core/util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HTTP_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define HTTP_RETIRE_SECONDS 30   /* longest wait for a replaced daemon's requests */

/* Logs libmicrohttpd's own errors through quire's log. */
static void http_mhd_log(void *cls, const char *fmt, va_list ap)
{
  char buf[512];
  (void)cls;
  vsnprintf(buf, sizeof(buf), fmt, ap);
  buf[strcspn(buf, "\n")] = '\0';
  log_debug("http: %s", buf);
}

/* Where to listen: fills `a4`/`a6` and returns the address to bind (NULL for every address,
 * with MHD_USE_DUAL_STACK added to *flags). Sets *err for a bad `listen` value. */
static struct sockaddr *http_bind_addr(const char *listen, int port, struct sockaddr_in *a4,
                                       struct sockaddr_in6 *a6, unsigned *flags, char **err)
{
  memset(a4, 0, sizeof(*a4));
  memset(a6, 0, sizeof(*a6));
  if (!strcmp(listen, "*")) {
    *flags |= MHD_USE_DUAL_STACK;
    return NULL;
  }
  if (inet_pton(AF_INET, listen, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    return (struct sockaddr *)a4;
  }
  if (inet_pton(AF_INET6, listen, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    *flags |= MHD_USE_IPv6;
    return (struct sockaddr *)a6;
  }
  *err = util_printf("listen: '%s' is not '*' or an IP address", listen);
  return NULL;
}

/* Frees a listener whose daemon is stopped (or never started). */
static void http_listener_free(http_listener_t *l)
{
  if (!l)
    return;
  free(l->cert_pem);
  tls_pem_free(l->key_pem);
  free(l);
}

/* Starts one listener on `port` (or on the already listening socket `sock`, when not
 * MHD_INVALID_SOCKET). A TLS listener takes ownership of `cert` and `key`. NULL with *err
 * (replaced, malloc'd) on failure. */
static http_listener_t *http_listener_start(http_server_t *srv, int port, MHD_socket sock,
                                            char *cert, char *key, char **err)
{
  http_listener_t *l = calloc(1, sizeof(*l));
  struct sockaddr_in a4;
  struct sockaddr_in6 a6;
  unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                   MHD_USE_ERROR_LOG | MHD_USE_ITC | (cert ? MHD_USE_TLS : 0);

  if (!l)
    abort();
  l->srv = srv;
  l->port = port;
  l->tls = cert != NULL;
  l->cert_pem = cert;
  l->key_pem = key;
  pthread_rwlock_rdlock(&srv->sys->config_lock);
  char *listen = util_strdup(srv->sys->config->listen);
  unsigned maxconn = (unsigned)srv->sys->config->max_connections;
  pthread_rwlock_unlock(&srv->sys->config_lock);
  char *why = NULL;
  struct sockaddr *addr = sock == MHD_INVALID_SOCKET
                          ? http_bind_addr(listen, port, &a4, &a6, &flags, &why) : NULL;
  struct MHD_OptionItem opts[8];
  size_t n = 0;
  opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, maxconn, NULL};
  opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, 120, NULL};
  if (addr)
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, addr};
  if (sock != MHD_INVALID_SOCKET)
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, sock, NULL};
  if (cert) {
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, cert};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, key};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0,
                                        (void *)HTTP_TLS_PRIORITIES};
  }
  opts[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

  if (!why)
    l->mhd = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, http_access, l,
                              MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, l,
                              MHD_OPTION_NOTIFY_COMPLETED, http_completed, l,
                              MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
  if (!l->mhd && !why)
    why = util_printf("cannot listen on %s port %d (in use, or not allowed)%s", listen, port,
                      cert ? " with TLS" : "");
  free(listen);
  if (!l->mhd) {
    free(*err);
    *err = why;
    http_listener_free(l);
    return NULL;
  }
  return l;
}

/* Closes the listening socket of `l` (NULL is fine): no new connections from now on. */
static void http_listener_quiesce(http_listener_t *l)
{
  MHD_socket s = l ? MHD_quiesce_daemon(l->mhd) : MHD_INVALID_SOCKET;
  if (s != MHD_INVALID_SOCKET)
    close(s);
}

/* Requests in progress on `l` (0 for NULL). */
static int http_listener_active(http_listener_t *l)
{
  return l ? atomic_load(&l->active) : 0;
}

/* Waits (bounded) until neither `a` nor `b` (either may be NULL) has a request in progress. */
static void http_listeners_drain(http_listener_t *a, http_listener_t *b, int seconds)
{
  for (int i = 0; i < seconds * 20 && http_listener_active(a) + http_listener_active(b) > 0; i++)
    usleep(50000);
}

/* Stops the daemon of `l` (NULL is fine), closing its connections, and frees it. */
static void http_listener_halt(http_listener_t *l)
{
  if (!l)
    return;
  if (atomic_load(&l->active) > 0)
    log_warn("shutdown: %d request(s) still in progress on port %d are dropped",
             atomic_load(&l->active), l->port);
  MHD_stop_daemon(l->mhd);
  http_listener_free(l);
}

/* Retirer thread: lets a replaced TLS daemon finish its requests, then stops it. */
static void *http_retire_main(void *arg)
{
  http_listener_t *l = arg;
  for (int i = 0; i < HTTP_RETIRE_SECONDS * 20 && atomic_load(&l->active) > 0 &&
                  !atomic_load(&l->srv->stopping); i++)
    usleep(50000);
  http_listener_halt(l);
  return NULL;
}

/* Collects libmicrohttpd's messages of a trial start. */
static void http_trial_log(void *cls, const char *fmt, va_list ap)
{
  GString *s = cls;
  char buf[512];
  vsnprintf(buf, sizeof(buf), fmt, ap);
  buf[strcspn(buf, "\n")] = '\0';
  g_string_append_printf(s, "%s%s", s->len ? "; " : "", buf);
}

bool http_server_tls_try(const char *cert_pem, const char *key_pem, char **err)
{
  GString *msg = g_string_new("");
  struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_TLS | MHD_USE_NO_LISTEN_SOCKET |
                                          MHD_USE_ERROR_LOG, 0, NULL, NULL, http_access, NULL,
                                          MHD_OPTION_EXTERNAL_LOGGER, http_trial_log, msg,
                                          MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
                                          MHD_OPTION_HTTPS_MEM_KEY, key_pem,
                                          MHD_OPTION_HTTPS_PRIORITIES, HTTP_TLS_PRIORITIES,
                                          MHD_OPTION_END);
  if (d)
    MHD_stop_daemon(d);
  else
    *err = util_printf("the TLS server refuses this certificate and key (%s)",
                       msg->len ? msg->str : "no reason given");
  g_string_free(msg, TRUE);
  return d != NULL;
}

/* Starts the TLS listener with the store's pair. */
static bool http_server_start_tls(http_server_t *srv, int tls_port, const char *server_name,
                                  int renew_days, char **err)
{
  size_t n = 0;
  char **names = tls_names_collect(server_name, &n);
  char *dir = util_printf("%s/tls", srv->sys->config->data_dir);
  char *cert = NULL, *key = NULL;

  srv->tls = tls_store_open(dir, names, n, renew_days, err);
  tls_names_free(names, n);
  free(dir);
  if (!srv->tls)
    return false;
  free(tls_store_expiry_warning(srv->tls, renew_days));   /* logged when near */
  tls_store_pem(srv->tls, &cert, &key);
  char *why = NULL;
  if (!http_server_tls_try(cert, key, &why)) {   /* say so rather than "cannot listen" */
    *err = util_printf("DATA/tls: %s", why);
    free(why);
    free(cert);
    tls_pem_free(key);
    return false;
  }
  srv->secure = http_listener_start(srv, tls_port, MHD_INVALID_SOCKET, cert, key, err);
  return srv->secure != NULL;
}

http_server_t *http_server_start(quire_system_t *sys, ipp_service_t *ipp, char **err)
{
  http_server_t *srv = calloc(1, sizeof(*srv));

  if (!srv)
    abort();
  *err = NULL;
  srv->sys = sys;
  srv->ipp = ipp;
  pthread_mutex_init(&srv->tls_lock, NULL);
  srv->retirers = g_array_new(FALSE, FALSE, sizeof(pthread_t));
  srv->orphans = g_ptr_array_new();
  srv->sessions = web_sessions_new();
  srv->limiter = web_login_limiter_new();
  pthread_rwlock_rdlock(&sys->config_lock);
  int port = sys->config->port, tls_port = sys->config->tls_port;
  int renew_days = sys->config->tls_expiry_warning;
  char *server_name = util_strdup(sys->config->server_name);
  pthread_rwlock_unlock(&sys->config_lock);

  if (tls_port == port)
    *err = util_printf("tls-port %d is also the plain port; choose another, or 0 for no TLS",
                       tls_port);
  else if (tls_port && !MHD_is_feature_supported(MHD_FEATURE_TLS))
    *err = util_strdup("this libmicrohttpd has no TLS support; set tls-port = 0");
  /* TLS first: once the plain port answers (what `quire` and the tests wait for), both do. */
  else if (!tls_port || http_server_start_tls(srv, tls_port, server_name, renew_days, err))
    srv->plain = http_listener_start(srv, port, MHD_INVALID_SOCKET, NULL, NULL, err);
  free(server_name);
  if (*err) {
    http_server_stop(srv, 0);
    return NULL;
  }
  if (srv->secure)
    log_info("https and ipps on port %d", tls_port);
  return srv;
}

int http_server_tls_port(const http_server_t *srv)
{
  return srv && srv->secure ? srv->secure->port : 0;
}

bool http_server_tls_reload(http_server_t *srv, char **err)
{
  char *cert = NULL, *key = NULL;
  bool ok = false;

  pthread_mutex_lock(&srv->tls_lock);
  http_listener_t *old = srv->secure;
  if (!old) {
    *err = util_strdup("TLS is off (tls-port = 0)");
    pthread_mutex_unlock(&srv->tls_lock);
    return false;
  }
  tls_store_pem(srv->tls, &cert, &key);
  MHD_socket sock = MHD_quiesce_daemon(old->mhd);
  http_listener_t *next = sock == MHD_INVALID_SOCKET ? NULL
                          : http_listener_start(srv, old->port, sock, cert, key, err);
  if (next) {
    ok = true;
  } else if (sock != MHD_INVALID_SOCKET) {
    log_error("tls: cannot serve the new certificate (%s); serving the old one", *err);
    next = http_listener_start(srv, old->port, sock, util_strdup(old->cert_pem),
                               util_strdup(old->key_pem), err);
  } else {
    *err = util_strdup("the TLS listener cannot be quiesced");
    free(cert);
    tls_pem_free(key);
  }
  if (!next && sock != MHD_INVALID_SOCKET) {
    log_error("tls: port %d is closed: %s", old->port, *err);
    close(sock);
  }
  srv->secure = next;
  /* This may run on a connection thread of `old`: never stop it here. */
  pthread_t t;
  if (pthread_create(&t, NULL, http_retire_main, old) == 0)
    g_array_append_val(srv->retirers, t);
  else
    g_ptr_array_add(srv->orphans, old);   /* stopped by http_server_stop */
  pthread_mutex_unlock(&srv->tls_lock);
  return ok;
}

void http_server_stop(http_server_t *srv, int grace)
{
  if (!srv)
    return;
  pthread_mutex_lock(&srv->tls_lock);
  http_listener_quiesce(srv->plain);
  http_listener_quiesce(srv->secure);
  http_listeners_drain(srv->plain, srv->secure, grace);   /* retirers drain meanwhile */
  atomic_store(&srv->stopping, true);
  http_listener_halt(srv->plain);
  http_listener_halt(srv->secure);
  for (guint i = 0; i < srv->retirers->len; i++)
    pthread_join(g_array_index(srv->retirers, pthread_t, i), NULL);
  for (guint i = 0; i < srv->orphans->len; i++)
    http_listener_halt(g_ptr_array_index(srv->orphans, i));
  g_array_free(srv->retirers, TRUE);
  g_ptr_array_free(srv->orphans, TRUE);
  pthread_mutex_unlock(&srv->tls_lock);
  pthread_mutex_destroy(&srv->tls_lock);
  web_sessions_free(srv->sessions);
  web_login_limiter_free(srv->limiter);
  tls_store_free(srv->tls);
  free(srv);
}
