/*
 * client.c: one IPP request/response exchange: incremental parsing of the IPP message with
 * libcups, envelope validation in a fixed order (version, request-id, group order, charset,
 * language, duplicates, target), authentication, and routing to the per-object handlers in
 * printer-ipp.c and job-ipp.c. Documents stream into the spool as they arrive.
 */
#include "ipp-private.h"

#include "../core/users.h"
#include "../core/util.h"

#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The attribute section may not be larger than this. Real requests carry a few KiB; the limit
 * bounds what a flood of tiny attributes costs libcups to parse (its string pool makes that
 * cost grow faster than linearly with the number of distinct names). */
#define IPP_MAX_ATTRS_BYTES (128 * 1024)
#define IPP_FIRST_PARSE_BYTES 4096

/* Memory reader for ippReadIO: hands out exact byte counts or reports starvation. */
typedef struct ipp_mem_reader_s {
  const unsigned char *buf;
  size_t len, pos;
  bool starved;
} ipp_mem_reader_t;

static ssize_t ipp_mem_read(void *ctx, ipp_uchar_t *buf, size_t bytes)
{
  ipp_mem_reader_t *r = ctx;
  if (r->len - r->pos < bytes) {
    r->starved = true;
    return -1;
  }
  memcpy(buf, r->buf + r->pos, bytes);
  r->pos += bytes;
  return (ssize_t)bytes;
}

/* Memory writer for ippWriteIO into ex->out. */
static ssize_t ipp_mem_write(void *ctx, ipp_uchar_t *buf, size_t bytes)
{
  ipp_exchange_t *ex = ctx;
  if (ex->outlen + bytes > ex->outcap) {
    size_t cap = ex->outcap ? ex->outcap : 4096;
    while (cap < ex->outlen + bytes)
      cap *= 2;
    unsigned char *p = realloc(ex->out, cap);
    if (!p)
      return -1;
    ex->out = p;
    ex->outcap = cap;
  }
  memcpy(ex->out + ex->outlen, buf, bytes);
  ex->outlen += bytes;
  return (ssize_t)bytes;
}

/* Inserts the pre-encoded static printer attributes just before the end-of-attributes tag:
 * the last group written is the printer group, so they join it. */
static void ipp_exchange_splice(ipp_exchange_t *ex)
{
  if (ex->outlen < 9 || ex->out[ex->outlen - 1] != IPP_TAG_END)
    return;
  ex->outlen--;
  if (ipp_mem_write(ex, (ipp_uchar_t *)ex->splice, ex->splice_len) < 0) {
    ex->outlen++;  /* the end tag is still in place */
    return;
  }
  ipp_uchar_t end = IPP_TAG_END;
  if (ipp_mem_write(ex, &end, 1) < 0)
    ex->outlen -= ex->splice_len;  /* out of memory: answer without the static part */
}

ipp_exchange_t *ipp_exchange_new(ipp_service_t *svc, const ipp_http_info_t *info)
{
  ipp_exchange_t *ex = calloc(1, sizeof(*ex));
  if (!ex)
    abort();
  ex->svc = svc;
  ex->resource = util_strdup(info->resource);
  ex->host = util_strdup(info->host && *info->host ? info->host : "localhost");
  ex->port = info->port;
  ex->tls = info->tls;
  ex->other_port = info->other_port;
  ex->remote = util_strdup(info->remote ? info->remote : "?");
  ex->basic_user = util_strdup(info->basic_user);
  ex->basic_password = util_strdup(info->basic_password);
  ex->http_status = 200;
  return ex;
}

void ipp_exchange_free(ipp_exchange_t *ex)
{
  if (!ex)
    return;
  if (ex->writer) {
    log_info("ipp %s: request ended before its document did; partial document dropped",
             ex->remote);
    spool_writer_abort(ex->writer);
  }
  ippDelete(ex->request);
  ippDelete(ex->response);
  ipp_printer_release(ex->printer);
  store_job_free(ex->pending_job);
  free(ex->resource);
  free(ex->host);
  free(ex->remote);
  free(ex->basic_user);
  if (ex->basic_password) {
    explicit_bzero(ex->basic_password, strlen(ex->basic_password));
    free(ex->basic_password);
  }
  free(ex->user);
  free(ex->format);
  free(ex->compression);
  free(ex->buf);
  free(ex->out);
  free(ex);
}

void ipp_exchange_status(ipp_exchange_t *ex, ipp_status_t status, const char *fmt, ...)
{
  char msg[512];
  va_list ap;

  ippSetStatusCode(ex->response, status);
  if (!fmt)
    return;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  ipp_attribute_t *old = ippFindAttribute(ex->response, "status-message", IPP_TAG_TEXT);
  if (old)
    ippDeleteAttribute(ex->response, old);
  ippAddString(ex->response, IPP_TAG_OPERATION, IPP_TAG_TEXT, "status-message", NULL, msg);
  if (status >= IPP_STATUS_ERROR_BAD_REQUEST)
    log_info("ipp %s: %s -> %s: %s", ex->remote, ippOpString(ex->op), ippErrorString(status), msg);
}

/* Builds a bare response when the request could not even be parsed. */
static void ipp_exchange_bad_message(ipp_exchange_t *ex, const char *why)
{
  ippDelete(ex->response);
  ex->response = ippNew();
  if (ex->len >= 8) {
    int reqid = (ex->buf[4] << 24) | (ex->buf[5] << 16) | (ex->buf[6] << 8) | ex->buf[7];
    ippSetVersion(ex->response, ex->buf[0] == 1 ? 1 : 2, ex->buf[0] == 1 ? ex->buf[1] : 0);
    ippSetRequestId(ex->response, reqid);
    ippAddString(ex->response, IPP_TAG_OPERATION, IPP_TAG_CHARSET, "attributes-charset", NULL,
                 "utf-8");
    ippAddString(ex->response, IPP_TAG_OPERATION, IPP_TAG_LANGUAGE,
                 "attributes-natural-language", NULL, "en");
    ipp_exchange_status(ex, IPP_STATUS_ERROR_BAD_REQUEST, "%s", why);
  } else {
    ex->http_status = 400;
    log_info("ipp %s: malformed request: %s", ex->remote, why);
  }
}

/* Checks that no attribute name appears twice in one group (a hash set: linear in the
 * number of attributes). */
static bool ipp_exchange_duplicates(ipp_t *req, const char **dup)
{
  GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
  ipp_tag_t group = IPP_TAG_ZERO;
  bool found = false;

  for (ipp_attribute_t *a = ippFirstAttribute(req); a && !found; a = ippNextAttribute(req)) {
    const char *name = ippGetName(a);
    if (!name)
      continue;
    if (ippGetGroupTag(a) != group) {
      group = ippGetGroupTag(a);
      g_hash_table_remove_all(seen);
    }
    if (!g_hash_table_add(seen, (gpointer)name)) {
      *dup = name;
      found = true;
    }
  }
  g_hash_table_destroy(seen);
  return found;
}

/* Validates the envelope (RFC 8011 section 4.1): returns false with the status set. */
static bool ipp_exchange_check_envelope(ipp_exchange_t *ex)
{
  ipp_t *req = ex->request;
  int minor, major = ippGetVersion(req, &minor);
  ipp_attribute_t *charset, *lang, *a;
  const char *dup = NULL;

  if (major < 1 || major > 2) {
    ipp_exchange_status(ex, IPP_STATUS_ERROR_VERSION_NOT_SUPPORTED,
                        "IPP version %d.%d is not supported.", major, minor);
    return false;
  }
  if (ippGetRequestId(req) <= 0) {
    ipp_exchange_status(ex, IPP_STATUS_ERROR_BAD_REQUEST, "Bad request-id %d.",
                        ippGetRequestId(req));
    return false;
  }
  ipp_tag_t group = IPP_TAG_ZERO;
  for (a = ippFirstAttribute(req); a; a = ippNextAttribute(req)) {
    if (ippGetGroupTag(a) < group && ippGetGroupTag(a) != IPP_TAG_ZERO) {
      ipp_exchange_status(ex, IPP_STATUS_ERROR_BAD_REQUEST, "Attribute groups are out of order.");
      return false;
    }
    group = ippGetGroupTag(a);
  }
  charset = ippFirstAttribute(req);
  lang = ippNextAttribute(req);
  if (!charset || strcmp(ippGetName(charset) ? ippGetName(charset) : "", "attributes-charset") ||
      ippGetValueTag(charset) != IPP_TAG_CHARSET || ippGetCount(charset) != 1 ||
      ippGetGroupTag(charset) != IPP_TAG_OPERATION ||
      !lang || strcmp(ippGetName(lang) ? ippGetName(lang) : "", "attributes-natural-language") ||
      ippGetValueTag(lang) != IPP_TAG_LANGUAGE || ippGetCount(lang) != 1 ||
      ippGetGroupTag(lang) != IPP_TAG_OPERATION) {
    ipp_exchange_status(ex, IPP_STATUS_ERROR_BAD_REQUEST,
                        "attributes-charset and attributes-natural-language must come first.");
    return false;
  }
  const char *cs = ippGetString(charset, 0, NULL);
  if (strcasecmp(cs, "utf-8") && strcasecmp(cs, "us-ascii")) {
    ipp_exchange_status(ex, IPP_STATUS_ERROR_CHARSET, "Charset %s is not supported.", cs);
    return false;
  }
  if (ipp_exchange_duplicates(req, &dup)) {
    ipp_exchange_status(ex, IPP_STATUS_ERROR_BAD_REQUEST, "Attribute %s appears twice.", dup);
    return false;
  }
  return true;
}

/* Operation attributes whose syntax is fixed: a wrong tag or count is a bad request. */
static const struct {
  const char *name;
  ipp_tag_t tag, alt;
} ipp_op_attr_syntax[] = {
  {"printer-uri", IPP_TAG_URI, IPP_TAG_URI},
  {"job-uri", IPP_TAG_URI, IPP_TAG_URI},
  {"job-id", IPP_TAG_INTEGER, IPP_TAG_INTEGER},
  {"requesting-user-name", IPP_TAG_NAME, IPP_TAG_NAMELANG},
  {"job-name", IPP_TAG_NAME, IPP_TAG_NAMELANG},
  {"document-name", IPP_TAG_NAME, IPP_TAG_NAMELANG},
  {"document-format", IPP_TAG_MIMETYPE, IPP_TAG_MIMETYPE},
  {"compression", IPP_TAG_KEYWORD, IPP_TAG_KEYWORD},
  {"which-jobs", IPP_TAG_KEYWORD, IPP_TAG_KEYWORD},
  {"my-jobs", IPP_TAG_BOOLEAN, IPP_TAG_BOOLEAN},
  {"limit", IPP_TAG_INTEGER, IPP_TAG_INTEGER},
  {"last-document", IPP_TAG_BOOLEAN, IPP_TAG_BOOLEAN},
  {"ipp-attribute-fidelity", IPP_TAG_BOOLEAN, IPP_TAG_BOOLEAN},
};

/* Checks the syntax of well-known operation attributes. */
static bool ipp_exchange_check_syntax(ipp_exchange_t *ex)
{
  for (size_t i = 0; i < sizeof(ipp_op_attr_syntax) / sizeof(ipp_op_attr_syntax[0]); i++) {
    ipp_attribute_t *a = ippFindAttribute(ex->request, ipp_op_attr_syntax[i].name, IPP_TAG_ZERO);
    if (!a || ippGetGroupTag(a) != IPP_TAG_OPERATION)
      continue;
    ipp_tag_t tag = ippGetValueTag(a);
    const char *s = (tag == IPP_TAG_NAME || tag == IPP_TAG_NAMELANG || tag == IPP_TAG_URI)
                    ? ippGetString(a, 0, NULL) : NULL;
    if ((tag != ipp_op_attr_syntax[i].tag && tag != ipp_op_attr_syntax[i].alt) ||
        ippGetCount(a) != 1 || (s && strlen(s) > (tag == IPP_TAG_URI ? 1023 : 255))) {
      ipp_exchange_status(ex, IPP_STATUS_ERROR_BAD_REQUEST, "Bad %s value.",
                          ipp_op_attr_syntax[i].name);
      ipp_attribute_t *u = ippCopyAttribute(ex->response, a, 0);
      if (u)
        ippSetGroupTag(ex->response, &u, IPP_TAG_UNSUPPORTED_GROUP);
      return false;
    }
  }
  return true;
}

/* Resolves printer-uri / job-uri to a printer (and job-id). */
static bool ipp_exchange_target(ipp_exchange_t *ex)
{
  ipp_attribute_t *uri = ippFindAttribute(ex->request, "printer-uri", IPP_TAG_URI);
  ipp_attribute_t *juri = ippFindAttribute(ex->request, "job-uri", IPP_TAG_URI);
  char scheme[32], userpass[256], host[256], resource[1024], name[128] = "";
  int port = 0, job_id = 0;

  if (!uri && !juri) {
    ipp_exchange_status(ex, IPP_STATUS_ERROR_BAD_REQUEST, "Missing printer-uri.");
    return false;
  }
  if (httpSeparateURI(HTTP_URI_CODING_ALL, ippGetString(uri ? uri : juri, 0, NULL), scheme,
                      sizeof(scheme), userpass, sizeof(userpass), host, sizeof(host), &port,
                      resource, sizeof(resource)) < HTTP_URI_STATUS_OK ||
      (strcmp(scheme, "ipp") && strcmp(scheme, "ipps"))) {
    ipp_exchange_status(ex, IPP_STATUS_ERROR_BAD_REQUEST, "Bad printer-uri.");
    return false;
  }
  if (!strcmp(resource, "/ipp/print") || !strcmp(resource, "/ipp/print/") ||
      (uri && !strcmp(resource, "/")) ||
      sscanf(resource, "/ipp/print/%127[A-Za-z0-9_-]/%d", name, &job_id) >= 1) {
    ex->printer = ipp_service_printer(ex->svc, name);
  }
  if (!ex->printer) {
    ipp_exchange_status(ex, IPP_STATUS_ERROR_NOT_FOUND, "No queue at %s.", resource);
    return false;
  }
  if (!uri)
    ex->job_id = job_id;
  ipp_attribute_t *jid = ippFindAttribute(ex->request, "job-id", IPP_TAG_INTEGER);
  if (jid)
    ex->job_id = ippGetInteger(jid, 0);
  return true;
}

/* Establishes who is asking. Returns false (HTTP 401) when credentials are wrong or required
 * but missing. */
static bool ipp_exchange_authenticate(ipp_exchange_t *ex)
{
  ipp_attribute_t *rq = ippFindAttribute(ex->request, "requesting-user-name", IPP_TAG_ZERO);
  const char *claimed = rq ? ippGetString(rq, 0, NULL) : NULL;
  bool needs = ex->printer->config.auth_basic && ex->op != IPP_OP_GET_PRINTER_ATTRIBUTES &&
               ex->op != IPP_OP_IDENTIFY_PRINTER && ex->op != IPP_OP_GET_JOBS &&
               ex->op != IPP_OP_GET_JOB_ATTRIBUTES;

  if (ex->basic_user) {
    store_user_t *u = NULL;
    char msg[256];
    if (users_login_password(ex->svc->sys->users, ex->basic_user, ex->basic_password, ex->remote,
                             &u, msg, sizeof(msg)) != USERS_LOGIN_OK) {
      log_info("ipp %s: HTTP Basic login of '%s' refused: %s", ex->remote, ex->basic_user, msg);
      ex->http_status = 401;
      return false;
    }
    ex->admin = u->admin;
    store_user_free(u);
    ex->authenticated = true;
    ex->user = util_strdup(ex->basic_user);
    return true;
  }
  if (needs) {
    ex->http_status = 401;
    return false;
  }
  if (ex->printer->config.auth_basic) {
    /* On a queue that authenticates, a claimed name proves nothing: owns no job. */
    ex->user = util_strdup("anonymous");
    ex->anonymous = true;
    return true;
  }
  ex->user = util_strdup(claimed && *claimed ? claimed : "anonymous");
  return true;
}

job_actor_t ipp_exchange_actor(const ipp_exchange_t *ex)
{
  job_actor_t a = {.user = ex->anonymous ? NULL : ex->user, .admin = ex->admin};
  return a;
}

/* True for the operations whose request carries a document. */
static bool ipp_op_has_document(ipp_op_t op)
{
  return op == IPP_OP_PRINT_JOB || op == IPP_OP_SEND_DOCUMENT;
}

/* The attributes are complete: validate and prepare. Returns the feed verdict. */
static ipp_feed_t ipp_exchange_attributes_done(ipp_exchange_t *ex)
{
  ex->op = ippGetOperation(ex->request);
  ex->response = ippNewResponse(ex->request);
  if (!ipp_exchange_check_envelope(ex) || !ipp_exchange_check_syntax(ex) ||
      !ipp_exchange_target(ex) || !ipp_exchange_authenticate(ex)) {
    ex->state = IPP_EX_DISCARD;
    return IPP_FEED_RESPOND;
  }
  if (!ipp_op_has_document(ex->op))
    return IPP_FEED_CONTINUE;  /* dispatched in ipp_exchange_finish */

  bool ok = ex->op == IPP_OP_PRINT_JOB ? ipp_printer_print_job_start(ex)
                                       : ipp_job_send_document_start(ex);
  if (!ok) {
    ex->state = IPP_EX_DISCARD;
    return IPP_FEED_RESPOND;
  }
  ex->state = IPP_EX_DATA;
  return IPP_FEED_CONTINUE;
}

/* Writes document bytes; on a spool error decides the response. */
static ipp_feed_t ipp_exchange_data(ipp_exchange_t *ex, const void *data, size_t len)
{
  if (!ex->writer)
    return IPP_FEED_CONTINUE;  /* e.g. Send-Document with last-document and no data */
  spool_result_t r = spool_writer_write(ex->writer, data, len);
  if (r == SPOOL_OK)
    return IPP_FEED_CONTINUE;
  spool_writer_abort(ex->writer);
  ex->writer = NULL;
  ex->state = IPP_EX_DISCARD;
  if (r == SPOOL_TOO_BIG)
    ipp_exchange_status(ex, IPP_STATUS_ERROR_REQUEST_ENTITY, "The document is larger than "
                        "this queue accepts (%lld bytes).",
                        (long long)system_max_document_size(ex->svc->sys));
  else if (r == SPOOL_BAD_DATA)
    ipp_exchange_status(ex, IPP_STATUS_ERROR_COMPRESSION_ERROR,
                        "The compressed document data is corrupt.");
  else
    ipp_exchange_status(ex, IPP_STATUS_ERROR_INTERNAL, "Cannot store the document.");
  return IPP_FEED_RESPOND;
}

/* Tries to parse the attribute bytes received so far. */
static ipp_feed_t ipp_exchange_parse(ipp_exchange_t *ex)
{
  ipp_mem_reader_t r = {.buf = ex->buf, .len = ex->len};
  ipp_t *req = ippNew();
  ipp_state_t st = ippReadIO(&r, ipp_mem_read, 1, NULL, req);

  if (st != IPP_STATE_DATA) {
    ippDelete(req);
    ex->parsed_len = ex->len;
    if (r.starved && ex->len < IPP_MAX_ATTRS_BYTES) {
      ex->next_parse = ex->len * 2 > IPP_FIRST_PARSE_BYTES ? ex->len * 2 : IPP_FIRST_PARSE_BYTES;
      return IPP_FEED_CONTINUE;
    }
    ipp_exchange_bad_message(ex, r.starved ? "attributes too large" : "malformed IPP message");
    ex->state = IPP_EX_DISCARD;
    return IPP_FEED_RESPOND;
  }
  ex->request = req;
  ipp_feed_t f = ipp_exchange_attributes_done(ex);
  if (f == IPP_FEED_CONTINUE && ex->state == IPP_EX_DATA && r.pos < ex->len)
    f = ipp_exchange_data(ex, ex->buf + r.pos, ex->len - r.pos);
  free(ex->buf);
  ex->buf = NULL;
  ex->len = ex->cap = 0;
  if (f == IPP_FEED_CONTINUE && ex->state == IPP_EX_ATTRS)
    ex->state = IPP_EX_DISCARD;  /* non-document op: trailing bytes are ignored */
  return f;
}

ipp_feed_t ipp_exchange_feed(ipp_exchange_t *ex, const void *data, size_t len)
{
  switch (ex->state) {
  case IPP_EX_DATA:
    return ipp_exchange_data(ex, data, len);
  case IPP_EX_DISCARD:
    return ex->request && !ipp_op_has_document(ex->op) && ex->http_status == 200 &&
           ippGetStatusCode(ex->response) < IPP_STATUS_ERROR_BAD_REQUEST
           ? IPP_FEED_CONTINUE : IPP_FEED_RESPOND;
  case IPP_EX_ATTRS:
    break;
  }
  if (ex->len + len > ex->cap) {
    size_t cap = ex->cap ? ex->cap : 8192;
    while (cap < ex->len + len)
      cap *= 2;
    unsigned char *p = realloc(ex->buf, cap);
    if (!p)
      abort();
    ex->buf = p;
    ex->cap = cap;
  }
  memcpy(ex->buf + ex->len, data, len);
  ex->len += len;
  /* Parse again only once the buffer has doubled since the last incomplete try, so a request
   * trickled in small pieces costs linear, not quadratic, parsing. */
  if (ex->len < ex->next_parse && ex->len <= IPP_MAX_ATTRS_BYTES)
    return IPP_FEED_CONTINUE;
  return ipp_exchange_parse(ex);
}

/* Runs a non-document operation. */
static void ipp_exchange_dispatch(ipp_exchange_t *ex)
{
  switch (ex->op) {
  case IPP_OP_GET_PRINTER_ATTRIBUTES: ipp_printer_get_attributes(ex); break;
  case IPP_OP_VALIDATE_JOB: ipp_printer_validate_job(ex); break;
  case IPP_OP_CREATE_JOB: ipp_printer_create_job(ex); break;
  case IPP_OP_GET_JOBS: ipp_printer_get_jobs(ex); break;
  case IPP_OP_CANCEL_MY_JOBS: ipp_printer_cancel_my_jobs(ex); break;
  case IPP_OP_IDENTIFY_PRINTER: ipp_printer_identify(ex); break;
  case IPP_OP_CLOSE_JOB: ipp_job_close(ex); break;
  case IPP_OP_CANCEL_JOB: ipp_job_cancel(ex); break;
  case IPP_OP_GET_JOB_ATTRIBUTES: ipp_job_get_attributes(ex); break;
  default:
    ipp_exchange_status(ex, IPP_STATUS_ERROR_OPERATION_NOT_SUPPORTED,
                        "Operation 0x%04x is not supported.", (unsigned)ex->op);
    break;
  }
}

/* Completes the document operation once the whole body has arrived. */
static void ipp_exchange_finish_document(ipp_exchange_t *ex)
{
  store_doc_t doc = {0};
  size_t hlen = 0;
  const unsigned char *head = ex->writer ? spool_writer_head(ex->writer, &hlen) : NULL;

  if (ex->writer && hlen == 0 && ex->op == IPP_OP_SEND_DOCUMENT) {
    spool_writer_abort(ex->writer);  /* an empty last Send-Document just closes the job */
    ex->writer = NULL;
  }
  const char *detected = ex->writer ? spool_detect_format(head, hlen) : NULL;

  if (ex->writer && !detected) {
    ipp_exchange_status(ex, hlen ? IPP_STATUS_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED
                                 : IPP_STATUS_ERROR_BAD_REQUEST,
                        hlen ? "The document is not PDF, JPEG, PWG raster or Apple raster."
                             : "The request has no document data.");
  } else if (ex->writer && ex->format && strcmp(ex->format, detected)) {
    ipp_exchange_status(ex, IPP_STATUS_ERROR_DOCUMENT_FORMAT_ERROR,
                        "The document is %s, not the %s it was declared as.", detected,
                        ex->format);
  } else if (ex->writer) {
    spool_result_t r = spool_writer_finish(ex->writer, spool_format_ext(detected), &doc);
    ex->writer = NULL;
    if (r != SPOOL_OK) {
      ipp_exchange_status(ex, r == SPOOL_BAD_DATA ? IPP_STATUS_ERROR_COMPRESSION_ERROR
                                                  : IPP_STATUS_ERROR_INTERNAL,
                          "Cannot store the document.");
      return;
    }
    doc.format = (char *)detected;
  }
  if (ippGetStatusCode(ex->response) >= IPP_STATUS_ERROR_BAD_REQUEST) {
    spool_writer_abort(ex->writer);
    ex->writer = NULL;
    return;
  }
  if (ex->op == IPP_OP_PRINT_JOB)
    ipp_printer_print_job_finish(ex, doc.path ? &doc : NULL);
  else
    ipp_job_send_document_finish(ex, doc.path ? &doc : NULL);
  doc.format = NULL;
  free(doc.path);
  free(doc.sha256);
}

const unsigned char *ipp_exchange_finish(ipp_exchange_t *ex, size_t *len, int *http_status)
{
  /* The body ended: parse whatever arrived since the last try. */
  if (ex->state == IPP_EX_ATTRS && ex->http_status == 200 && ex->len && ex->len != ex->parsed_len)
    ipp_exchange_parse(ex);
  if (ex->state == IPP_EX_ATTRS && ex->http_status == 200)
    ipp_exchange_bad_message(ex, ex->len ? "truncated IPP message" : "empty request");
  else if (ex->state == IPP_EX_DATA)
    ipp_exchange_finish_document(ex);
  else if (ex->request && ex->http_status == 200 &&
           ippGetStatusCode(ex->response) < IPP_STATUS_ERROR_BAD_REQUEST &&
           !ipp_op_has_document(ex->op))
    ipp_exchange_dispatch(ex);

  if (ex->http_status == 401 && ex->response)
    ipp_exchange_status(ex, IPP_STATUS_ERROR_NOT_AUTHENTICATED, "Authentication required.");
  *http_status = ex->http_status;
  ex->outlen = 0;
  if (ex->response) {
    ippSetState(ex->response, IPP_STATE_IDLE);
    if (ippWriteIO(ex, ipp_mem_write, 1, NULL, ex->response) != IPP_STATE_DATA) {
      log_error("ipp %s: cannot encode the response", ex->remote);
      ex->outlen = 0;
      *http_status = 500;
    } else if (ex->splice && ippGetStatusCode(ex->response) < IPP_STATUS_ERROR_BAD_REQUEST) {
      ipp_exchange_splice(ex);
    }
  }
  *len = ex->outlen;
  return ex->out;
}
