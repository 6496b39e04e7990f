/*
 * http.c: one HTTP request on any listener, plain or TLS (see http.h; the listening daemons
 * are in http-listen.c).
 *
 * DESIGN
 * libmicrohttpd calls http_access once with the headers, then once per body chunk, then once
 * more with no data. For IPP the body is fed to an ipp_exchange_t as it arrives (documents
 * stream to the spool, never into memory) and the response is queued on the last call, or
 * earlier when the exchange decides before the body ends (too big, refused): then the rest of
 * the body is not read and the connection closes after the response. Connection threads block
 * only on the spool and the store.
 */
#include "http-private.h"

#include "../core/log.h"
#include "../core/util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_DISCARD_LIMIT (64ULL * 1024 * 1024)  /* body dropped after an early answer */
#define HTTP_ATTRS_ALLOWANCE (1024 * 1024)        /* IPP attributes before the document */

/* Per-request state kept in MHD's con_cls. */
typedef struct http_request_s {
  ipp_exchange_t *ex;          /* IPP requests only */
  char *body;                  /* other requests with a body: what arrived so far */
  size_t body_len;
  bool too_big;                /* the body went past WEB_BODY_MAX: answered 413 */
  bool responded;              /* the response is queued */
  bool decided;                /* the exchange answered early; the rest of the body is dropped */
  unsigned long long discarded;
} http_request_t;

/* Queues a response from a buffer (copied) with a content type. */
static enum MHD_Result http_reply(struct MHD_Connection *c, unsigned status, const char *type,
                                  const void *body, size_t len, bool close)
{
  struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
                                                           MHD_RESPMEM_MUST_COPY);
  if (!r)
    return MHD_NO;
  if (type)
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  if (close)
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
  if (status == 401)
    MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic realm=\"quire\"");
  enum MHD_Result ret = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return ret;
}


/* Splits the Host header into name and port (IPv6 literals keep no brackets). */
static void http_host(struct MHD_Connection *c, int default_port, char *host, size_t hlen,
                      int *port)
{
  const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
  *port = default_port;
  snprintf(host, hlen, "%s", h && *h ? h : "localhost");
  char *colon = strrchr(host, ':');
  if (host[0] == '[') {
    char *end = strchr(host, ']');
    if (end) {
      if (end[1] == ':')
        *port = atoi(end + 2);
      *end = '\0';
      memmove(host, host + 1, strlen(host));
    }
  } else if (colon && colon == strchr(host, ':')) {
    *port = atoi(colon + 1);
    *colon = '\0';
  }
  if (*port <= 0 || *port > 65535)
    *port = default_port;
}

/* The client's address, for logs. */
static void http_remote(struct MHD_Connection *c, char *buf, size_t len)
{
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  snprintf(buf, len, "?");
  if (!ci || !ci->client_addr)
    return;
  if (ci->client_addr->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, buf, (socklen_t)len);
  else if (ci->client_addr->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, buf, (socklen_t)len);
}

/* True for the paths the IPP service answers. */
static bool http_is_ipp_path(const char *url)
{
  return !strcmp(url, "/") || !strcmp(url, "/ipp/print") || !strncmp(url, "/ipp/print/", 11);
}

/* True when the Content-Type is application/ipp (parameters allowed). */
static bool http_is_ipp_type(struct MHD_Connection *c)
{
  const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
  return t && !strncasecmp(t, "application/ipp", 15) && (t[15] == '\0' || t[15] == ';' || t[15] == ' ');
}

/* Starts an IPP exchange with what the headers tell. */
static void http_ipp_begin(http_listener_t *l, struct MHD_Connection *c, const char *url,
                           http_request_t *req)
{
  char host[256], remote[64];
  int port;
  char *pass = NULL;
  char *user = MHD_basic_auth_get_username_password(c, &pass);

  http_host(c, l->port, host, sizeof(host), &port);
  http_remote(c, remote, sizeof(remote));
  ipp_http_info_t info = {.resource = url, .host = host, .port = port, .basic_user = user,
                          .basic_password = pass, .remote = remote, .tls = l->tls,
                          .other_port = l->tls ? l->srv->plain->port
                                               : http_server_tls_port(l->srv)};
  req->ex = ipp_exchange_new(l->srv->ipp, &info);
  if (pass) {
    explicit_bzero(pass, strlen(pass));
    MHD_free(pass);
  }
  if (user)
    MHD_free(user);
}

/* Encodes and queues the IPP response. */
static enum MHD_Result http_ipp_respond(struct MHD_Connection *c, http_request_t *req)
{
  size_t len = 0;
  int status = 200;
  const unsigned char *body = ipp_exchange_finish(req->ex, &len, &status);

  req->responded = true;
  if (status == 400 && !len)
    return http_reply(c, 400, "text/plain", "Bad IPP request\n", 16, true);
  return http_reply(c, (unsigned)status, len ? "application/ipp" : NULL, body, len,
                    req->decided);
}

/* Handles one call for an IPP POST. libmicrohttpd only lets a response be queued once the
 * whole body has arrived, so when the exchange decides early (refused, too big) the rest of the
 * body is read and dropped, up to HTTP_DISCARD_LIMIT bytes; past that the connection is closed. */
static enum MHD_Result http_ipp(struct MHD_Connection *c, http_request_t *req,
                                const char *data, size_t *size)
{
  if (*size == 0)
    return http_ipp_respond(c, req);
  size_t n = *size;
  *size = 0;
  if (req->decided) {
    req->discarded += n;
    if (req->discarded > HTTP_DISCARD_LIMIT) {
      log_info("http: closing a connection whose refused request body goes on and on");
      return MHD_NO;
    }
    return MHD_YES;
  }
  if (ipp_exchange_feed(req->ex, data, n) == IPP_FEED_RESPOND)
    req->decided = true;
  return MHD_YES;
}

/* Refuses at once (before reading any body) a POST whose Content-Length is over the limit. */
static bool http_too_long(quire_system_t *sys, struct MHD_Connection *c)
{
  const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (!cl)
    return false;
  long long len = atoll(cl);
  return len > system_max_document_size(sys) + HTTP_ATTRS_ALLOWANCE;
}

/* web_request_t lookups on the MHD connection. */
static const char *http_req_header(const web_request_t *req, const char *name)
{
  return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

static const char *http_req_query(const web_request_t *req, const char *name)
{
  return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

static const char *http_req_cookie(const web_request_t *req, const char *name)
{
  return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

/* Runs a non-IPP request through the route tables (web.h) and queues the reply. */
static enum MHD_Result http_web(http_listener_t *l, struct MHD_Connection *c, const char *url,
                                const char *method, const char *body, size_t len)
{
  http_server_t *srv = l->srv;
  char host[256], remote[64];
  int port;
  http_host(c, l->port, host, sizeof(host), &port);
  http_remote(c, remote, sizeof(remote));
  web_request_t req = {.method = method, .path = url, .body = body ? body : "",
                       .body_len = body ? len : 0, .host = host, .port = port, .remote = remote,
                       .tls = l->tls, .local_port = l->port, .header = http_req_header,
                       .query = http_req_query, .cookie = http_req_cookie, .conn = c};
  web_ctx_t ctx = {.sys = srv->sys, .ipp = srv->ipp, .sessions = srv->sessions,
                   .limiter = srv->limiter, .tls = srv->tls, .http = srv};
  web_reply_t rep = {0};

  web_dispatch(&ctx, &req, &rep);
  struct MHD_Response *r = MHD_create_response_from_buffer(rep.len, rep.body,
                                                           MHD_RESPMEM_MUST_COPY);
  enum MHD_Result ret = MHD_NO;
  if (r) {
    if (rep.type)
      MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rep.type);
    for (size_t i = 0; i < rep.num_headers; i++)
      MHD_add_response_header(r, rep.headers[i][0], rep.headers[i][1]);
    ret = MHD_queue_response(c, (unsigned)rep.status, r);
    MHD_destroy_response(r);
  }
  web_reply_clear(&rep);
  return ret;
}

/* Collects the body of a non-IPP request (at most WEB_BODY_MAX bytes), then answers it. */
static enum MHD_Result http_web_body(http_listener_t *l, struct MHD_Connection *c,
                                     http_request_t *req, const char *url, const char *method,
                                     const char *data, size_t *size)
{
  if (*size == 0) {
    req->responded = true;
    if (req->too_big)
      return http_reply(c, 413, "application/json", "{\"error\": \"request body too large\"}\n",
                        36, true);
    return http_web(l, c, url, method, req->body, req->body_len);
  }
  size_t n = *size;
  *size = 0;
  if (req->too_big || req->body_len + n > WEB_BODY_MAX) {
    req->too_big = true;
    req->discarded += n;
    return req->discarded > HTTP_DISCARD_LIMIT ? MHD_NO : MHD_YES;
  }
  char *nb = realloc(req->body, req->body_len + n + 1);
  if (!nb)
    return MHD_NO;
  memcpy(nb + req->body_len, data, n);
  req->body = nb;
  req->body_len += n;
  req->body[req->body_len] = '\0';
  return MHD_YES;
}

/* libmicrohttpd's access handler: routes each request. Every request gets its state (counted
 * in the listener's `active` until http_completed) on the first call. */
enum MHD_Result http_access(void *cls, struct MHD_Connection *c, const char *url,
                            const char *method, const char *version, const char *data,
                            size_t *size, void **con_cls)
{
  http_listener_t *l = cls;
  http_request_t *req = *con_cls;
  (void)version;

  if (req)
    return req->ex ? http_ipp(c, req, data, size)
                   : http_web_body(l, c, req, url, method, data, size);

  if (!(req = calloc(1, sizeof(*req))))
    return MHD_NO;
  *con_cls = req;
  atomic_fetch_add(&l->active, 1);
  if (!strcmp(method, "POST") && http_is_ipp_path(url) && http_is_ipp_type(c)) {
    if (http_too_long(l->srv->sys, c)) {
      req->responded = true;
      return http_reply(c, 413, "text/plain", "Request too large for this server\n", 34, true);
    }
    http_ipp_begin(l, c, url, req);
    return MHD_YES;
  }
  if (!strcmp(method, "POST") && http_is_ipp_path(url)) {
    req->responded = true;
    return http_reply(c, 415, "text/plain", "Expected Content-Type: application/ipp\n", 39, true);
  }
  if (!strcmp(method, "GET") || !strcmp(method, "HEAD")) {
    req->responded = true;
    return http_web(l, c, url, method, NULL, 0);
  }
  /* Other methods may carry a body: collect it first (http_web_body). */
  return MHD_YES;
}

/* Frees the per-request state when libmicrohttpd is done with it (also on disconnects). */
void http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
  http_listener_t *l = cls;
  http_request_t *req = *con_cls;
  (void)c;
  if (!req)
    return;
  if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !req->responded)
    log_info("http: client went away before the request completed (code %d)", (int)toe);
  ipp_exchange_free(req->ex);
  free(req->body);
  free(req);
  *con_cls = NULL;
  atomic_fetch_sub(&l->active, 1);
}
