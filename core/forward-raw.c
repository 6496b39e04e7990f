/*
 * forward-raw.c: the fallback device kinds (see forward-private.h): a raw socket
 * (socket://HOST[:9100], "JetDirect") and LPD (lpd://HOST[:515]/QUEUE, RFC 1179, client side
 * written here since it is neither HTTP nor IPP). Neither says whether a job printed: a raw
 * job counts as printed once every byte was accepted and the connection closed cleanly, an
 * LPD job once the server acknowledged its control file. A raw transfer cut off half-way may
 * have printed in part, so it is never sent again on its own; an LPD server discards a job
 * whose control file did not arrive, so those are retried.
 */
#include "forward-private.h"

#include "job.h"
#include "log.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define RAW_PORT 9100
#define LPD_PORT 515
#define RAW_CONNECT_MAX 5   /* seconds a TCP connect may take (it cannot be interrupted) */

/* A connected raw or LPD socket and its waiting rules. */
typedef struct raw_conn_s {
  int fd;
  int idle_max;               /* seconds without progress */
  const atomic_bool *cancel;
  long long sent;             /* bytes written so far */
} raw_conn_t;

bool device_raw_address(const char *uri, char *host, size_t hlen, int *port, char *queue,
                        size_t qlen)
{
  char scheme[16], user[64], resource[256];
  device_kind_t kind;

  if (!device_kind_of(uri, &kind) || kind == DEVICE_IPP ||
      httpSeparateURI(HTTP_URI_CODING_ALL, uri, scheme, sizeof(scheme), user, sizeof(user),
                      host, (int)hlen, port, resource, sizeof(resource)) < HTTP_URI_STATUS_OK)
    return false;
  if (*port <= 0)
    *port = kind == DEVICE_LPD ? LPD_PORT : RAW_PORT;
  snprintf(queue, qlen, "%s", resource[0] == '/' ? resource + 1 : resource);
  return host[0] && (kind != DEVICE_LPD || queue[0]);
}

/* Connects to host:port within `timeout` seconds; false with a reason. */
static bool raw_connect(const char *uri, raw_conn_t *rc, int timeout, char *err, size_t len)
{
  char host[256], queue[256], service[16];
  int port = 0;

  rc->fd = -1;
  rc->sent = 0;
  if (!device_raw_address(uri, host, sizeof(host), &port, queue, sizeof(queue))) {
    snprintf(err, len, "bad device URI %s", uri);
    return false;
  }
  snprintf(service, sizeof(service), "%d", port);
  http_addrlist_t *addrs = httpAddrGetList(host, AF_UNSPEC, service);
  int msec = (timeout < RAW_CONNECT_MAX ? timeout : RAW_CONNECT_MAX) * 1000;
  http_addrlist_t *ok = addrs ? httpAddrConnect2(addrs, &rc->fd, msec, NULL) : NULL;
  httpAddrFreeList(addrs);
  if (!ok) {
    snprintf(err, len, "cannot connect to %s:%d: %s", host, port,
             addrs ? strerror(errno) : "unknown host");
    rc->fd = -1;
    return false;
  }
  int flags = fcntl(rc->fd, F_GETFL);
  if (flags < 0 || fcntl(rc->fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    snprintf(err, len, "cannot set up the connection: %s", strerror(errno));
    close(rc->fd);
    rc->fd = -1;
    return false;
  }
  return true;
}

static void raw_close(raw_conn_t *rc)
{
  if (rc->fd >= 0)
    close(rc->fd);
  rc->fd = -1;
}

/* Waits until the socket is ready for `events`, one second at a time; false (with a reason)
 * after idle_max seconds or when canceled. */
static bool raw_wait(raw_conn_t *rc, short events, char *err, size_t len)
{
  struct pollfd p = {.fd = rc->fd, .events = events};
  for (int idle = 0; idle < rc->idle_max; idle++) {
    if (rc->cancel && atomic_load(rc->cancel)) {
      snprintf(err, len, "quired is stopping");
      return false;
    }
    int n = poll(&p, 1, 1000);
    if (n > 0)
      return true;
    if (n < 0 && errno != EINTR) {
      snprintf(err, len, "poll: %s", strerror(errno));
      return false;
    }
  }
  snprintf(err, len, "no progress within %d s", rc->idle_max);
  return false;
}

/* Writes all of `buf`; false with a reason. */
static bool raw_write(raw_conn_t *rc, const void *buf, size_t n, char *err, size_t len)
{
  const char *p = buf;
  while (n > 0) {
    ssize_t w = send(rc->fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!raw_wait(rc, POLLOUT, err, len))
        return false;
      continue;
    }
    if (w <= 0) {
      snprintf(err, len, "the connection broke after %lld bytes: %s", rc->sent,
               w < 0 ? strerror(errno) : "closed");
      return false;
    }
    p += w;
    n -= (size_t)w;
    rc->sent += w;
  }
  return true;
}

/* Sends the bytes of a file; false with a reason. */
static bool raw_write_file(raw_conn_t *rc, const char *path, char *err, size_t len)
{
  char buf[65536];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  bool ok = fd >= 0;

  if (!ok)
    snprintf(err, len, "cannot read %s: %s", path, strerror(errno));
  for (ssize_t n; ok && (n = read(fd, buf, sizeof(buf))) != 0;) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      snprintf(err, len, "cannot read %s: %s", path, strerror(errno));
      ok = false;
    } else {
      ok = raw_write(rc, buf, (size_t)n, err, len);
    }
  }
  if (fd >= 0)
    close(fd);
  return ok;
}

/* Reads one byte (an LPD acknowledgement); -1 with a reason. */
static int raw_read_byte(raw_conn_t *rc, char *err, size_t len)
{
  unsigned char b;
  for (;;) {
    ssize_t n = recv(rc->fd, &b, 1, 0);
    if (n == 1)
      return b;
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!raw_wait(rc, POLLIN, err, len))
        return -1;
      continue;
    }
    snprintf(err, len, "the connection closed: %s", n < 0 ? strerror(errno) : "no answer");
    return -1;
  }
}

/* After the last byte: half-close and wait for the device to close (bounded). */
static void raw_finish(raw_conn_t *rc, const char *device)
{
  char buf[4096], err[128];
  shutdown(rc->fd, SHUT_WR);
  for (;;) {
    ssize_t n = recv(rc->fd, buf, sizeof(buf), 0);
    if (n > 0 || (n < 0 && errno == EINTR))
      continue;
    if (n < 0 && errno == EAGAIN && raw_wait(rc, POLLIN, err, sizeof(err)))
      continue;
    if (n < 0)
      log_info("%s did not close the connection after the job (%s); counted as printed",
               device, errno == EAGAIN ? err : strerror(errno));
    return;
  }
}

/* ---- socket ------------------------------------------------------------------------------ */

static forward_outcome_t forward_socket_send(forward_step_t *s, const forward_files_t *f)
{
  raw_conn_t rc = {.idle_max = s->set.io_timeout, .cancel = &s->fw->stopping};
  delivery_t *dl = s->dl;

  if (!raw_connect(s->dev->uri, &rc, s->set.io_timeout, s->err,
                   sizeof(s->err)))
    return FWD_RETRY;
  dl->state = DELIVERY_SENDING;  /* from here on, bytes may reach paper */
  dl->device_jobs++;
  if (job_forward_save(s->sys, dl) != JOB_OK) {
    raw_close(&rc);
    dl->state = DELIVERY_QUEUED;
    snprintf(s->err, sizeof(s->err), "store error");
    return FWD_RETRY;
  }
  bool ok = true;
  for (size_t i = 0; ok && i < f->count; i++)
    ok = raw_write_file(&rc, f->paths[i], s->err, sizeof(s->err));
  if (ok)
    raw_finish(&rc, dl->device);
  raw_close(&rc);
  if (!ok)
    return FWD_GIVE_UP;  /* part of it may have printed: never sent again on its own */
  dl->sent = dl->completed = time(NULL);
  dl->state = DELIVERY_PRINTED;
  log_info("job %d: %lld bytes sent to %s", dl->job_id, rc.sent, dl->device);
  return job_forward_save(s->sys, dl) == JOB_OK ? FWD_NEXT : FWD_RETRY;
}

/* ---- LPD --------------------------------------------------------------------------------- */

/* Sends an LPD command line and reads its acknowledgement (0 = accepted). */
static bool lpd_command(raw_conn_t *rc, const char *line, size_t n, char *err, size_t len)
{
  if (!raw_write(rc, line, n, err, len))
    return false;
  int ack = raw_read_byte(rc, err, len);
  if (ack > 0)
    snprintf(err, len, "the LPD server refused the request (answer %d)", ack);
  return ack == 0;
}

/* Sends one file of a job: the subcommand, the bytes and the closing zero byte. */
static bool lpd_send_file(raw_conn_t *rc, int kind, const char *name, const char *path,
                          const char *data, size_t dlen, char *err, size_t len)
{
  struct stat sb;
  long long size = (long long)dlen;
  if (path && stat(path, &sb) != 0) {
    snprintf(err, len, "cannot read %s: %s", path, strerror(errno));
    return false;
  }
  if (path)
    size = (long long)sb.st_size;
  char *cmd = util_printf("%c%lld %s\n", kind, size, name);
  bool ok = lpd_command(rc, cmd, strlen(cmd), err, len) &&
            (path ? raw_write_file(rc, path, err, len) : raw_write(rc, data, dlen, err, len)) &&
            lpd_command(rc, "", 1, err, len);
  free(cmd);
  return ok;
}

/* This host's name as LPD wants it: letters, digits, '.', '-', at most 31 characters. */
static void lpd_host(char *dst, size_t size)
{
  char h[256] = "quire";
  if (gethostname(h, sizeof(h)) != 0 || !h[0])
    snprintf(h, sizeof(h), "quire");
  h[sizeof(h) - 1] = '\0';
  size_t j = 0;
  for (size_t i = 0; h[i] && j + 1 < size && j < 31; i++)
    if (isalnum((unsigned char)h[i]) || h[i] == '.' || h[i] == '-')
      dst[j++] = h[i];
  dst[j] = '\0';
}

/* The control file of the job (RFC 1179 section 7), malloc'd. */
static char *lpd_control(const forward_step_t *s, const char *host, int num, size_t nfiles)
{
  GString *c = g_string_new("");
  bool pwg = !strcmp(s->dl->format, "image/pwg-raster");
  int copies = pwg ? 1 : s->dl->copies;  /* PWG raster carries its copies */

  g_string_append_printf(c, "H%s\nP%.31s\nJ%.99s\n", host, s->job->owner,
                         s->job->name && *s->job->name ? s->job->name : "quire job");
  for (size_t i = 0; i < nfiles; i++) {
    for (int k = 0; k < copies; k++)
      g_string_append_printf(c, "ldf%c%03d%s\n", (int)('A' + i), num, host);
    g_string_append_printf(c, "Udf%c%03d%s\n", (int)('A' + i), num, host);
  }
  char *r = util_strdup(c->str);
  g_string_free(c, TRUE);
  return r;
}

static forward_outcome_t forward_lpd_send(forward_step_t *s, const forward_files_t *f)
{
  raw_conn_t rc = {.idle_max = s->set.io_timeout, .cancel = &s->fw->stopping};
  delivery_t *dl = s->dl;
  char host[64], srv[256], queue[256], name[128];
  int port = 0, num = dl->id % 1000;

  lpd_host(host, sizeof(host));
  if (!device_raw_address(s->dev->uri, srv, sizeof(srv), &port, queue, sizeof(queue)) ||
      f->count > 26) {
    snprintf(s->err, sizeof(s->err), "cannot send %zu document(s) to %s", f->count, s->dev->uri);
    return FWD_GIVE_UP;
  }
  if (!raw_connect(s->dev->uri, &rc, s->set.io_timeout, s->err, sizeof(s->err)))
    return FWD_RETRY;
  char *cmd = util_printf("\002%s\n", queue);
  bool ok = lpd_command(&rc, cmd, strlen(cmd), s->err, sizeof(s->err));
  free(cmd);
  for (size_t i = 0; ok && i < f->count; i++) {
    snprintf(name, sizeof(name), "df%c%03d%s", (int)('A' + i), num, host);
    ok = lpd_send_file(&rc, '\003', name, f->paths[i], NULL, 0, s->err, sizeof(s->err));
  }
  if (!ok) {
    raw_close(&rc);
    return FWD_RETRY;  /* without its control file the server drops the job */
  }
  dl->state = DELIVERY_SENDING;  /* once the control file is in, the job prints */
  dl->device_jobs++;
  if (job_forward_save(s->sys, dl) != JOB_OK) {
    raw_close(&rc);
    dl->state = DELIVERY_QUEUED;
    snprintf(s->err, sizeof(s->err), "store error");
    return FWD_RETRY;
  }
  char *control = lpd_control(s, host, num, f->count);
  snprintf(name, sizeof(name), "cfA%03d%s", num, host);
  ok = lpd_send_file(&rc, '\002', name, NULL, control, strlen(control), s->err, sizeof(s->err));
  free(control);
  raw_close(&rc);
  if (!ok)
    return FWD_GIVE_UP;  /* the server may or may not have queued it */
  dl->sent = dl->completed = time(NULL);
  dl->state = DELIVERY_PRINTED;
  log_info("job %d: queued on LPD server %s, queue %s", dl->job_id, srv, queue);
  return job_forward_save(s->sys, dl) == JOB_OK ? FWD_NEXT : FWD_RETRY;
}

/* ---- step and probe ---------------------------------------------------------------------- */

forward_outcome_t forward_raw_step(forward_step_t *s)
{
  forward_files_t f;
  bool give_up = false;

  if (s->dl->state != DELIVERY_QUEUED) {
    snprintf(s->err, sizeof(s->err), "the transfer was interrupted and part of the job may "
             "have printed");
    return FWD_GIVE_UP;
  }
  if (!forward_files_prepare(s, &f, &give_up))
    return give_up ? FWD_GIVE_UP : FWD_RETRY;
  job_result_t r = forward_progress(s, JOB_PROCESSING, "job-outgoing", "Sending to %s.",
                                    s->dl->device);
  forward_outcome_t o = r == JOB_NOT_POSSIBLE ? FWD_NEXT
                      : r != JOB_OK           ? FWD_RETRY
                      : s->dev->kind == DEVICE_LPD ? forward_lpd_send(s, &f)
                                                   : forward_socket_send(s, &f);
  if (r == JOB_STORE_ERROR)
    snprintf(s->err, sizeof(s->err), "store error");
  forward_files_clear(&f);
  return o;
}

bool device_probe_tcp(device_t *d, int timeout, char *err, size_t len)
{
  raw_conn_t rc = {.idle_max = timeout};
  bool ok = raw_connect(d->uri, &rc, timeout, err, len);

  raw_close(&rc);
  d->reachable = ok;
  d->checked = time(NULL);
  d->printer_state = ok ? DEVICE_IDLE : 0;
  device_set_str(&d->state_reasons, ok ? "none" : NULL);
  device_set_str(&d->last_error, ok ? NULL : err);
  return ok;
}
