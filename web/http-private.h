/*
 * http-private.h: what http.c (requests) and http-listen.c (listening daemons, TLS) share.
 *
 * The server has one libmicrohttpd daemon per listener: plain HTTP on `port`, and HTTPS on
 * `tls-port` when TLS is on. Both serve exactly the same requests (IPP and the web routes);
 * each request knows which listener it came in on (web_request_t.tls).
 */
#ifndef QUIRE_HTTP_PRIVATE_H
#define QUIRE_HTTP_PRIVATE_H

#include "http.h"
#include "web.h"

#include <glib.h>
#include <microhttpd.h>
#include <stdatomic.h>

/* One listening libmicrohttpd daemon. */
typedef struct http_listener_s {
  http_server_t *srv;
  struct MHD_Daemon *mhd;
  bool tls;
  int port;
  atomic_int active;          /* requests in progress (counted from headers to completion) */
  char *cert_pem, *key_pem;   /* what a TLS daemon serves; libmicrohttpd keeps the pointers */
} http_listener_t;

struct http_server_s {
  quire_system_t *sys;
  ipp_service_t *ipp;
  http_listener_t *plain;
  http_listener_t *secure;    /* NULL without TLS; replaced by a certificate change */
  pthread_mutex_t tls_lock;   /* serialises certificate changes */
  GArray *retirers;           /* pthread_t of threads stopping replaced TLS daemons */
  atomic_bool stopping;       /* http_server_stop has begun: retirers stop waiting */
  GPtrArray *orphans;         /* replaced TLS listeners no thread could be started for */
  tls_store_t *tls;           /* NULL without TLS */
  web_sessions_t *sessions;
  web_login_limiter_t *limiter;
};

/* libmicrohttpd's access handler (cls: the listener) and completion callback (http.c). */
enum MHD_Result http_access(void *cls, struct MHD_Connection *c, const char *url,
                            const char *method, const char *version, const char *data,
                            size_t *size, void **con_cls);
void http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe);

#endif
