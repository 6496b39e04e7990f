/*
 * ippload.c: a small IPP load generator for `make bench` (see tests/bench/README.md).
 *
 * Each thread keeps one HTTP/1.1 connection alive and sends its requests one after another,
 * each as a single writev of [HTTP header][IPP request][document]. IPP requests are built
 * and serialized by libcups (ippNewRequest, ippAdd*, ippWriteIO into memory); responses are
 * read with plain sockets (Content-Length or chunked) and decoded with ippReadIO from memory.
 * libcups's own HTTP client is not used for the load: it is slower than the servers measured.
 *
 * Prints one line:  op=... conc=N ok=N err=N secs=F rps=F p50_ms=F p99_ms=F
 * and exits 1 if any request failed or none succeeded, 2 on a usage error.
 */
#include <cups/cups.h>
#include <cups/ipp.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONCURRENCY 1024
#define MAX_REQUESTS 1000000
#define MAX_DURATION 3600.0
#define MAX_DOC_BYTES (256L * 1024 * 1024)
#define MAX_BODY_BYTES (64L * 1024 * 1024)   /* largest response body accepted */
#define MAX_LINE 8192                        /* longest HTTP header line */
#define MAX_HEADERS 100
#define RBUF_SIZE 65536
#define JOIN_GRACE 2.0                       /* seconds past --duration before giving up */

/* Growable byte buffer (IPP serialization target, response bodies). */
typedef struct {
  unsigned char *data;
  size_t len, cap;
} buf_t;

/* Read cursor over a memory buffer, for ippReadIO. */
typedef struct {
  const unsigned char *data;
  size_t len, pos;
} cursor_t;

/* One keep-alive connection with its receive buffer. */
typedef struct {
  int fd;
  bool reused;             /* at least one response already came back on it */
  bool rx;                 /* bytes arrived since the current request was sent */
  int last_errno;          /* errno of the last transport failure */
  size_t rpos, rlen;
  unsigned char rbuf[RBUF_SIZE];
} conn_t;

/* Options and shared, read-only inputs. */
typedef struct {
  char uri[1024], host[256], resource[1024], user[256], format[128], attrs[1024];
  int port;
  ipp_op_t op;
  const char *op_name;
  int concurrency, requests;
  double duration;
  bool hold;
  const char *file;
  unsigned char *doc;      /* document bytes (Print-Job only) */
  size_t doc_len;
  struct sockaddr_storage addr;
  socklen_t addrlen;
} config_t;

/* Shared run state: the request counter, per-request latencies and results. */
typedef struct {
  const config_t *cfg;
  atomic_int next;         /* next request index to claim */
  atomic_int ok, err;
  double *latency;         /* seconds, one slot per request index; < 0 if it failed */
  double start, stop_at;   /* monotonic seconds */
  pthread_mutex_t lock;
  char first_error[256];
} run_t;

/* Monotonic clock in seconds. */
static double now_sec(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Records the first error message of the run (later ones are only counted). */
__attribute__((format(printf, 2, 3)))
static void run_error(run_t *run, const char *fmt, ...)
{
  va_list ap;

  pthread_mutex_lock(&run->lock);
  if (!run->first_error[0]) {
    va_start(ap, fmt);
    vsnprintf(run->first_error, sizeof(run->first_error), fmt, ap);
    va_end(ap);
  }
  pthread_mutex_unlock(&run->lock);
}

/* Appends n bytes to b, growing it; false if that would exceed limit. */
static bool buf_append(buf_t *b, const void *src, size_t n, size_t limit)
{
  if (n > limit - b->len)
    return false;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n)
      cap *= 2;
    unsigned char *p = realloc(b->data, cap);
    if (!p)
      return false;
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->len, src, n);
  b->len += n;
  return true;
}

/* ippWriteIO callback appending to a buf_t. */
static ssize_t ipp_mem_write(void *ctx, ipp_uchar_t *data, size_t n)
{
  return buf_append(ctx, data, n, MAX_BODY_BYTES) ? (ssize_t)n : -1;
}

/* ippReadIO callback reading from a cursor_t; 0 at the end. */
static ssize_t ipp_mem_read(void *ctx, ipp_uchar_t *data, size_t n)
{
  cursor_t *c = ctx;
  size_t left = c->len - c->pos;

  if (n > left)
    n = left;
  memcpy(data, c->data + c->pos, n);
  c->pos += n;
  return (ssize_t)n;
}

/* Builds the IPP request for cfg->op with libcups; NULL on error. */
static ipp_t *build_request(const config_t *cfg)
{
  ipp_t *req = ippNewRequest(cfg->op);

  if (!req)
    return NULL;
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, cfg->uri);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, cfg->user);
  if (cfg->op == IPP_OP_PRINT_JOB) {
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", NULL, "ippload");
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE, "document-format", NULL,
                 cfg->format);
    if (cfg->hold)
      ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "job-hold-until", NULL, "indefinite");
  } else if (cfg->attrs[0]) {
    char *copy = strdup(cfg->attrs), *save = NULL;
    const char *vals[64];
    int n = 0;
    if (!copy) {
      ippDelete(req);
      return NULL;
    }
    for (char *t = strtok_r(copy, ",", &save); t && n < 64; t = strtok_r(NULL, ",", &save))
      vals[n++] = t;
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", n, NULL,
                  vals);
    free(copy);
  }
  return req;
}

/* Serializes req with request-id id into out (emptied first); false on error. */
static bool serialize_request(ipp_t *req, int id, buf_t *out)
{
  out->len = 0;
  ippSetRequestId(req, id);
  ippSetState(req, IPP_STATE_IDLE);
  return ippWriteIO(out, ipp_mem_write, 1, NULL, req) == IPP_STATE_DATA;
}

/* Opens a TCP connection to the server with I/O timeouts; fd or -1. */
static int conn_open(const config_t *cfg, double timeout)
{
  int fd = socket(cfg->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  struct timeval tv = { .tv_sec = (time_t)timeout,
                        .tv_usec = (suseconds_t)((timeout - (time_t)timeout) * 1e6) };

  if (fd < 0)
    return -1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
      connect(fd, (const struct sockaddr *)&cfg->addr, cfg->addrlen) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Closes the connection, if open, and forgets buffered bytes. */
static void conn_close(conn_t *c)
{
  if (c->fd >= 0)
    close(c->fd);
  c->fd = -1;
  c->reused = false;
  c->rpos = c->rlen = 0;
}

/* Sends all iovecs, normally in one writev; false on error or timeout. */
static bool send_all(int fd, struct iovec *iov, int iovcnt)
{
  for (int tries = 0; iovcnt > 0 && tries < 1000000; tries++) {
    ssize_t n = writev(fd, iov, iovcnt);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
      n -= (ssize_t)iov->iov_len;
      iov++;
      iovcnt--;
    }
    if (iovcnt > 0) {
      iov->iov_base = (char *)iov->iov_base + n;
      iov->iov_len -= (size_t)n;
    }
  }
  return iovcnt == 0;
}

/* Refills the receive buffer; bytes read, 0 at EOF, -1 on error or timeout. */
static ssize_t conn_fill(conn_t *c)
{
  if (c->rpos == c->rlen)
    c->rpos = c->rlen = 0;
  else if (c->rpos > 0) {
    memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
    c->rlen -= c->rpos;
    c->rpos = 0;
  }
  if (c->rlen == sizeof(c->rbuf))
    return -1;
  for (int tries = 0; tries < 100; tries++) {
    ssize_t n = recv(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n > 0) {
      c->rlen += (size_t)n;
      c->rx = true;
    }
    if (n < 0)
      c->last_errno = errno;
    return n;
  }
  return -1;
}

/* Reads one CRLF-terminated line (without CRLF) into line; false on error or EOF. */
static bool conn_read_line(conn_t *c, char *line, size_t size)
{
  for (int tries = 0; tries < 1000; tries++) {
    unsigned char *nl = memchr(c->rbuf + c->rpos, '\n', c->rlen - c->rpos);
    if (nl) {
      size_t n = (size_t)(nl - (c->rbuf + c->rpos));
      if (n >= size)
        return false;
      memcpy(line, c->rbuf + c->rpos, n);
      if (n > 0 && line[n - 1] == '\r')
        n--;
      line[n] = '\0';
      c->rpos += (size_t)(nl - (c->rbuf + c->rpos)) + 1;
      return true;
    }
    if (c->rlen - c->rpos >= size || conn_fill(c) <= 0)
      return false;
  }
  return false;
}

/* Appends exactly n body bytes to body; false on error, EOF or oversize. */
static bool conn_read_exact(conn_t *c, buf_t *body, size_t n)
{
  while (n > 0) {
    if (c->rpos == c->rlen && conn_fill(c) <= 0)
      return false;
    size_t take = c->rlen - c->rpos < n ? c->rlen - c->rpos : n;
    if (!buf_append(body, c->rbuf + c->rpos, take, MAX_BODY_BYTES))
      return false;
    c->rpos += take;
    n -= take;
  }
  return true;
}

/* Appends everything until the peer closes; false on error or oversize. */
static bool conn_read_to_eof(conn_t *c, buf_t *body)
{
  for (;;) {
    if (!buf_append(body, c->rbuf + c->rpos, c->rlen - c->rpos, MAX_BODY_BYTES))
      return false;
    c->rpos = c->rlen;
    ssize_t n = conn_fill(c);
    if (n == 0)
      return true;
    if (n < 0)
      return false;
  }
}

/* Reads a chunked body (chunks, last chunk, trailers) into body. */
static bool conn_read_chunked(conn_t *c, buf_t *body)
{
  char line[MAX_LINE];

  for (;;) {
    if (!conn_read_line(c, line, sizeof(line)))
      return false;
    char *end;
    errno = 0;
    unsigned long size = strtoul(line, &end, 16);
    if (errno || end == line || size > (unsigned long)MAX_BODY_BYTES)
      return false;
    if (size == 0)
      break;
    if (!conn_read_exact(c, body, size) || !conn_read_line(c, line, sizeof(line)) || line[0])
      return false;
  }
  for (int i = 0; i < MAX_HEADERS; i++) {         /* trailers up to the empty line */
    if (!conn_read_line(c, line, sizeof(line)))
      return false;
    if (!line[0])
      return true;
  }
  return false;
}

/* What the response headers said about the body. */
typedef struct {
  int status;
  long content_length;   /* -1 if absent */
  bool chunked, close;
} http_head_t;

/* Reads the status line and headers, skipping 1xx responses; false on error. */
static bool read_head(conn_t *c, http_head_t *h)
{
  char line[MAX_LINE];

  for (int interim = 0; interim < 5; interim++) {
    int minor = 1;
    memset(h, 0, sizeof(*h));
    h->content_length = -1;
    if (!conn_read_line(c, line, sizeof(line)) ||
        sscanf(line, "HTTP/1.%d %d", &minor, &h->status) != 2)
      return false;
    h->close = minor == 0;
    int i;
    for (i = 0; i < MAX_HEADERS; i++) {
      if (!conn_read_line(c, line, sizeof(line)))
        return false;
      if (!line[0])
        break;
      if (!strncasecmp(line, "Content-Length:", 15))
        h->content_length = strtol(line + 15, NULL, 10);
      else if (!strncasecmp(line, "Transfer-Encoding:", 18) && strcasestr(line, "chunked"))
        h->chunked = true;
      else if (!strncasecmp(line, "Connection:", 11))
        h->close = strcasestr(line, "close") != NULL;
    }
    if (i == MAX_HEADERS)
      return false;
    if (h->status >= 200)
      return true;
  }
  return false;
}

/* Reads one whole HTTP response into body; sets *status; false on a transport error. */
static bool read_response(conn_t *c, buf_t *body, int *status, bool *must_close)
{
  http_head_t h;

  body->len = 0;
  if (!read_head(c, &h))
    return false;
  *status = h.status;
  *must_close = h.close;
  if (h.chunked)
    return conn_read_chunked(c, body);
  if (h.content_length >= 0)
    return h.content_length <= MAX_BODY_BYTES && conn_read_exact(c, body, (size_t)h.content_length);
  *must_close = true;
  return conn_read_to_eof(c, body);
}

/* Decodes the IPP status code from a response body; -1 if it is not a valid IPP message. */
static int decode_ipp_status(const buf_t *body)
{
  cursor_t cur = { body->data, body->len, 0 };
  ipp_t *resp = ippNew();
  int status = -1;

  if (!resp)
    return -1;
  if (ippReadIO(&cur, ipp_mem_read, 1, NULL, resp) == IPP_STATE_DATA)
    status = (int)ippGetStatusCode(resp);
  ippDelete(resp);
  return status;
}

/* Per-thread state. */
typedef struct {
  run_t *run;
  ipp_t *req;
  buf_t ipp, body;
  conn_t conn;
  char head[2048];
} worker_t;

/* Sends one request and reads its response; -1 transport error, else the HTTP status. */
static int exchange(worker_t *w, struct iovec *iov, int iovcnt)
{
  const config_t *cfg = w->run->cfg;
  int status = 0;
  bool must_close = false;

  w->conn.rx = false;
  w->conn.last_errno = 0;
  if (w->conn.fd < 0) {
    double left = w->run->stop_at + JOIN_GRACE - 0.5 - now_sec();
    w->conn.fd = conn_open(cfg, left > 0.1 ? left : 0.1);
    if (w->conn.fd < 0) {
      w->conn.last_errno = errno;
      return -1;
    }
  }
  if (!send_all(w->conn.fd, iov, iovcnt)) {
    w->conn.last_errno = errno;
    conn_close(&w->conn);
    return -1;
  }
  if (!read_response(&w->conn, &w->body, &status, &must_close)) {
    conn_close(&w->conn);
    return -1;
  }
  w->conn.reused = true;
  if (must_close)
    conn_close(&w->conn);
  return status;
}

/* Runs request number idx; true if the server answered successful-ok*. */
static bool do_request(worker_t *w, int idx)
{
  const config_t *cfg = w->run->cfg;

  if (!serialize_request(w->req, idx + 1, &w->ipp)) {
    run_error(w->run, "ippWriteIO failed: %s", cupsLastErrorString());
    return false;
  }
  size_t total = w->ipp.len + cfg->doc_len;
  bool v6 = strchr(cfg->host, ':') != NULL;       /* IPv6 literals go in brackets */
  int hlen = snprintf(w->head, sizeof(w->head),
                      "POST %s HTTP/1.1\r\nHost: %s%s%s:%d\r\nContent-Type: application/ipp\r\n"
                      "Content-Length: %zu\r\nUser-Agent: ippload\r\n\r\n",
                      cfg->resource, v6 ? "[" : "", cfg->host, v6 ? "]" : "", cfg->port, total);
  if (hlen < 0 || (size_t)hlen >= sizeof(w->head)) {
    run_error(w->run, "request header too long");
    return false;
  }
  struct iovec iov[3] = {
    { w->head, (size_t)hlen }, { w->ipp.data, w->ipp.len }, { cfg->doc, cfg->doc_len },
  };
  bool reused = w->conn.reused && w->conn.fd >= 0;
  int http = exchange(w, iov, cfg->doc_len ? 3 : 2);
  if (http < 0 && reused && !w->conn.rx) {
    /* the server may have closed an idle keep-alive connection: retry once on a new one */
    struct iovec again[3] = {
      { w->head, (size_t)hlen }, { w->ipp.data, w->ipp.len }, { cfg->doc, cfg->doc_len },
    };
    http = exchange(w, again, cfg->doc_len ? 3 : 2);
  }
  if (http != 200) {
    if (http < 0)
      run_error(w->run, "request %d: connection failed, closed or timed out (%s)", idx + 1,
                w->conn.last_errno ? strerror(w->conn.last_errno) : "bad or short response");
    else
      run_error(w->run, "request %d: HTTP status %d", idx + 1, http);
    return false;
  }
  int ipp = decode_ipp_status(&w->body);
  if (ipp < 0 || ipp > 0xff) {
    run_error(w->run, "request %d: IPP status %s (0x%04x)", idx + 1,
              ipp < 0 ? "undecodable" : ippErrorString((ipp_status_t)ipp), ipp < 0 ? 0 : ipp);
    return false;
  }
  return true;
}

/* Thread body: claims request indices until the count or the time runs out. */
static void *worker_main(void *arg)
{
  worker_t *w = arg;
  run_t *run = w->run;

  for (int n = 0; n < MAX_REQUESTS; n++) {
    if (now_sec() >= run->stop_at)
      break;
    int idx = atomic_fetch_add(&run->next, 1);
    if (idx >= run->cfg->requests)
      break;
    double t0 = now_sec();
    bool ok = do_request(w, idx);
    run->latency[idx] = ok ? now_sec() - t0 : -1.0;
    atomic_fetch_add(ok ? &run->ok : &run->err, 1);
  }
  conn_close(&w->conn);
  return NULL;
}

/* Compares two doubles for qsort. */
static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return (x > y) - (x < y);
}

/* Returns the q-quantile (0..1) of sorted values in milliseconds; 0 if there are none. */
static double quantile_ms(const double *v, size_t n, double q)
{
  if (n == 0)
    return 0.0;
  size_t i = (size_t)(q * (double)n + 0.999999);
  return 1000.0 * v[(i ? i : 1) - 1];
}

/* Prints the result line from the successful latencies; the caller checks counts. */
static void report(const run_t *run, double secs)
{
  int done = atomic_load(&run->next) < run->cfg->requests ? atomic_load(&run->next)
                                                          : run->cfg->requests;
  double *ok = malloc(sizeof(double) * (size_t)(done > 0 ? done : 1));
  size_t n = 0;
  int nok = atomic_load(&run->ok), nerr = atomic_load(&run->err);

  for (int i = 0; ok && i < done; i++)
    if (run->latency[i] >= 0)
      ok[n++] = run->latency[i];
  if (ok)
    qsort(ok, n, sizeof(double), cmp_double);
  printf("op=%s conc=%d ok=%d err=%d secs=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f\n",
         run->cfg->op_name, run->cfg->concurrency, nok, nerr, secs,
         secs > 0 ? nok / secs : 0.0, ok ? quantile_ms(ok, n, 0.50) : 0.0,
         ok ? quantile_ms(ok, n, 0.99) : 0.0);
  fflush(stdout);
  if (run->first_error[0])
    fprintf(stderr, "ippload: %d errors; first: %s\n", nerr, run->first_error);
  free(ok);
}

/* Reads the whole document into cfg->doc; false on error or if it is too large. */
static bool load_document(config_t *cfg)
{
  FILE *fp = fopen(cfg->file, "rb");
  struct stat st;

  if (!fp || fstat(fileno(fp), &st) != 0 || st.st_size > MAX_DOC_BYTES) {
    fprintf(stderr, "ippload: %s: %s\n", cfg->file, fp ? "cannot read or too large"
                                                      : strerror(errno));
    if (fp)
      fclose(fp);
    return false;
  }
  cfg->doc_len = (size_t)st.st_size;
  cfg->doc = malloc(cfg->doc_len ? cfg->doc_len : 1);
  bool ok = cfg->doc && fread(cfg->doc, 1, cfg->doc_len, fp) == cfg->doc_len;
  fclose(fp);
  if (!ok)
    fprintf(stderr, "ippload: %s: short read\n", cfg->file);
  return ok;
}

/* Guesses document-format from the file name unless --format gave one. */
static void guess_format(config_t *cfg)
{
  const char *dot = strrchr(cfg->file, '.');

  if (cfg->format[0])
    return;
  if (dot && !strcasecmp(dot, ".pdf"))
    snprintf(cfg->format, sizeof(cfg->format), "application/pdf");
  else if (dot && (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg")))
    snprintf(cfg->format, sizeof(cfg->format), "image/jpeg");
  else if (dot && !strcasecmp(dot, ".pwg"))
    snprintf(cfg->format, sizeof(cfg->format), "image/pwg-raster");
  else
    snprintf(cfg->format, sizeof(cfg->format), "application/octet-stream");
}

/* Splits --uri into host, port and resource and resolves the host; false on error. */
static bool resolve_uri(config_t *cfg)
{
  char scheme[32], userpass[256], portstr[16];
  struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai = NULL;

  if (httpSeparateURI(HTTP_URI_CODING_ALL, cfg->uri, scheme, sizeof(scheme), userpass,
                      sizeof(userpass), cfg->host, sizeof(cfg->host), &cfg->port,
                      cfg->resource, sizeof(cfg->resource)) < HTTP_URI_STATUS_OK ||
      strcmp(scheme, "ipp") != 0) {
    fprintf(stderr, "ippload: bad --uri \"%s\" (want ipp://HOST:PORT/RESOURCE)\n", cfg->uri);
    return false;
  }
  snprintf(portstr, sizeof(portstr), "%d", cfg->port);
  int rc = getaddrinfo(cfg->host, portstr, &hints, &ai);
  if (rc != 0 || !ai || ai->ai_addrlen > sizeof(cfg->addr)) {
    fprintf(stderr, "ippload: %s: %s\n", cfg->host, rc ? gai_strerror(rc) : "no address");
    if (ai)
      freeaddrinfo(ai);
    return false;
  }
  memcpy(&cfg->addr, ai->ai_addr, ai->ai_addrlen);
  cfg->addrlen = ai->ai_addrlen;
  freeaddrinfo(ai);
  return true;
}

/* Prints usage and returns the exit status for a usage error. */
static int usage(void)
{
  fputs("usage: ippload --uri ipp://HOST:PORT/RESOURCE [--op print-job|get-printer-attributes]\n"
        "               [--file DOC] [--format MIME] [--concurrency N] [--requests N]\n"
        "               [--duration S] [--hold] [--user NAME] [--attrs a,b,c]\n"
        "   or: --host H --port P --resource /PATH instead of --uri\n", stderr);
  return 2;
}

/* Copies an option value into a fixed buffer; false if it does not fit. */
static bool set_str(char *dst, size_t size, const char *val)
{
  int n = snprintf(dst, size, "%s", val);

  return n >= 0 && (size_t)n < size;
}

/* Parses a bounded integer option; false if out of range. */
static bool set_int(int *dst, const char *val, int lo, int hi)
{
  char *end;

  errno = 0;
  long v = strtol(val, &end, 10);
  if (errno || end == val || *end || v < lo || v > hi)
    return false;
  *dst = (int)v;
  return true;
}

/* Parses one option into cfg; false on a bad value. */
static bool parse_opt(config_t *cfg, int opt, const char *val, char *host, int *port,
                      char *resource)
{
  char *end;

  switch (opt) {
  case 'u': return set_str(cfg->uri, sizeof(cfg->uri), val);
  case 'H': return set_str(host, 256, val);
  case 'P': return set_int(port, val, 1, 65535);
  case 'R': return set_str(resource, 1024, val);
  case 'f': cfg->file = val; return true;
  case 'F': return set_str(cfg->format, sizeof(cfg->format), val);
  case 'c': return set_int(&cfg->concurrency, val, 1, MAX_CONCURRENCY);
  case 'n': return set_int(&cfg->requests, val, 1, MAX_REQUESTS);
  case 'h': cfg->hold = true; return true;
  case 'U': return set_str(cfg->user, sizeof(cfg->user), val);
  case 'a': return set_str(cfg->attrs, sizeof(cfg->attrs), val);
  case 'd':
    errno = 0;
    cfg->duration = strtod(val, &end);
    return !errno && end != val && !*end && cfg->duration > 0 && cfg->duration <= MAX_DURATION;
  case 'o':
    cfg->op_name = val;
    cfg->op = !strcmp(val, "print-job") ? IPP_OP_PRINT_JOB
            : !strcmp(val, "get-printer-attributes") ? IPP_OP_GET_PRINTER_ATTRIBUTES
            : IPP_OP_CUPS_INVALID;
    return cfg->op != IPP_OP_CUPS_INVALID;
  }
  return false;
}

/* Parses the command line into cfg; false on a usage error. */
static bool parse_args(config_t *cfg, int argc, char **argv)
{
  static const struct option longopts[] = {
    { "uri", 1, NULL, 'u' }, { "host", 1, NULL, 'H' }, { "port", 1, NULL, 'P' },
    { "resource", 1, NULL, 'R' }, { "op", 1, NULL, 'o' }, { "file", 1, NULL, 'f' },
    { "format", 1, NULL, 'F' }, { "concurrency", 1, NULL, 'c' }, { "requests", 1, NULL, 'n' },
    { "duration", 1, NULL, 'd' }, { "hold", 0, NULL, 'h' }, { "user", 1, NULL, 'U' },
    { "attrs", 1, NULL, 'a' }, { NULL, 0, NULL, 0 },
  };
  char host[256] = "", resource[1024] = "/ipp/print";
  int port = 0, opt;

  while ((opt = getopt_long(argc, argv, "u:o:f:c:n:d:U:", longopts, NULL)) != -1)
    if (!parse_opt(cfg, opt, optarg, host, &port, resource)) {
      fprintf(stderr, "ippload: bad option or value%s%s\n", optarg ? ": " : "",
              optarg ? optarg : "");
      return false;
    }
  if (optind != argc)
    return false;
  if (!cfg->uri[0] && host[0] && port &&
      httpAssembleURI(HTTP_URI_CODING_ALL, cfg->uri, sizeof(cfg->uri), "ipp", NULL, host, port,
                      resource) < HTTP_URI_STATUS_OK)
    return false;
  if (!cfg->uri[0] || (cfg->op == IPP_OP_PRINT_JOB && !cfg->file)) {
    fprintf(stderr, "ippload: need --uri (or --host/--port) and, for print-job, --file\n");
    return false;
  }
  return true;
}

/* Starts the workers, waits for them with a hard deadline and prints the result line. */
static int run_load(config_t *cfg)
{
  run_t run = { .cfg = cfg, .lock = PTHREAD_MUTEX_INITIALIZER };
  worker_t *w = calloc((size_t)cfg->concurrency, sizeof(*w));
  pthread_t *tid = calloc((size_t)cfg->concurrency, sizeof(*tid));
  int started = 0;

  run.latency = malloc(sizeof(double) * (size_t)cfg->requests);
  if (!w || !tid || !run.latency) {
    fprintf(stderr, "ippload: out of memory\n");
    free(w), free(tid), free(run.latency);
    return 1;
  }
  for (int i = 0; i < cfg->requests; i++)
    run.latency[i] = -1.0;
  run.start = now_sec();
  run.stop_at = run.start + cfg->duration;
  for (; started < cfg->concurrency; started++) {
    w[started] = (worker_t){ .run = &run, .req = build_request(cfg), .conn = { .fd = -1 } };
    if (!w[started].req || pthread_create(&tid[started], NULL, worker_main, &w[started]) != 0) {
      ippDelete(w[started].req);
      fprintf(stderr, "ippload: cannot start worker %d\n", started);
      atomic_store(&run.next, cfg->requests);   /* stop the others */
      break;
    }
  }
  bool timed_out = false;
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += (time_t)(cfg->duration + JOIN_GRACE) + 1;
  for (int i = 0; i < started; i++)
    if (pthread_timedjoin_np(tid[i], NULL, &deadline) != 0)
      timed_out = true;
  double secs = now_sec() - run.start;
  if (timed_out) {
    /* a worker is stuck past its socket timeout: report what finished and leave */
    fprintf(stderr, "ippload: workers still busy after %.1f s; giving up\n", secs);
    report(&run, secs);
    fflush(stderr);
    _exit(1);
  }
  report(&run, secs);
  int rc = (atomic_load(&run.err) > 0 || atomic_load(&run.ok) == 0 ||
            started < cfg->concurrency) ? 1 : 0;
  for (int i = 0; i < started; i++) {
    ippDelete(w[i].req);
    free(w[i].ipp.data);
    free(w[i].body.data);
  }
  free(w), free(tid), free(run.latency);
  return rc;
}

int main(int argc, char **argv)
{
  config_t cfg = { .op = IPP_OP_PRINT_JOB, .op_name = "print-job", .concurrency = 1,
                   .requests = 1000, .duration = 10.0 };

  snprintf(cfg.user, sizeof(cfg.user), "bench");
  if (!parse_args(&cfg, argc, argv))
    return usage();
  if (signal(SIGPIPE, SIG_IGN) == SIG_ERR || !resolve_uri(&cfg))
    return 1;
  if (cfg.op == IPP_OP_PRINT_JOB) {
    guess_format(&cfg);
    if (!load_document(&cfg)) {
      free(cfg.doc);
      return 1;
    }
  }
  int rc = run_load(&cfg);
  free(cfg.doc);
  return rc;
}
