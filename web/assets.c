/*
 * assets.c: serving the embedded web files: content types, ETags, gzip (see assets.h).
 *
 * DESIGN
 * The files are const arrays in the binary. Their ETags (a SHA-256 prefix) and gzip forms are
 * computed once, on the first request (pthread_once), and then shared read-only by every
 * connection thread.
 */
#include "assets.h"

#include "../core/log.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* What is derived from one asset once. */
typedef struct asset_extra_s {
  char etag[24];             /* "\"" + 16 hex + "\"" */
  char etag_gz[27];          /* the same with "-gz" inside the quotes */
  unsigned char *gz;         /* gzip form, NULL when it would not be smaller */
  size_t gz_len;
} asset_extra_t;

static asset_extra_t *asset_extras;   /* one per web_assets[] entry, made once, kept */
static pthread_once_t asset_once = PTHREAD_ONCE_INIT;

/* Compresses `data` as gzip (level 9). Returns a malloc'd buffer, NULL on failure. */
static unsigned char *asset_gzip(const unsigned char *data, size_t len, size_t *out_len)
{
  z_stream zs = {0};
  size_t cap = len + len / 100 + 64;
  unsigned char *out = malloc(cap);

  if (!out || deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    free(out);
    return NULL;
  }
  zs.next_in = (unsigned char *)data;
  zs.avail_in = (uInt)len;
  zs.next_out = out;
  zs.avail_out = (uInt)cap;
  int r = deflate(&zs, Z_FINISH);
  *out_len = cap - zs.avail_out;
  deflateEnd(&zs);
  if (r != Z_STREAM_END) {
    free(out);
    return NULL;
  }
  return out;
}

/* Computes every asset's ETag and gzip form. */
static void asset_prepare(void)
{
  size_t n = 0;
  while (web_assets[n].name)
    n++;
  if (!(asset_extras = calloc(n + 1, sizeof(*asset_extras))))
    abort();
  for (size_t i = 0; i < n; i++) {
    const web_asset_t *a = &web_assets[i];
    asset_extra_t *x = &asset_extras[i];
    unsigned char md[32];
    unsigned int mdlen = 0;
    char hex[17];
    if (EVP_Digest(a->data, a->len, md, &mdlen, EVP_sha256(), NULL) != 1)
      memset(md, 0, sizeof(md));
    for (int k = 0; k < 8; k++)
      snprintf(hex + 2 * k, 3, "%02x", md[k]);
    snprintf(x->etag, sizeof(x->etag), "\"%s\"", hex);
    snprintf(x->etag_gz, sizeof(x->etag_gz), "\"%s-gz\"", hex);
    x->gz = asset_gzip(a->data, a->len, &x->gz_len);
    if (x->gz && x->gz_len >= a->len) {
      free(x->gz);
      x->gz = NULL;
    }
  }
}

const web_asset_t *web_asset_find(const char *name)
{
  for (size_t i = 0; web_assets[i].name; i++)
    if (!strcmp(web_assets[i].name, name))
      return &web_assets[i];
  return NULL;
}

/* The Content-Type for a file name. */
static const char *asset_type(const char *name)
{
  static const struct { const char *ext, *type; } types[] = {
    {".html", "text/html; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"}, {".svg", "image/svg+xml"},
    {".png", "image/png"}, {".json", "application/json"},
  };
  const char *dot = strrchr(name, '.');
  for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
    if (!strcmp(dot, types[i].ext))
      return types[i].type;
  return "application/octet-stream";
}

/* True when Accept-Encoding lists gzip with a q-value above 0. */
static bool asset_accepts_gzip(const web_request_t *req)
{
  const char *ae = req->header(req, "Accept-Encoding");
  for (const char *p = ae; p && *p;) {
    p += strspn(p, " ,");
    size_t n = strcspn(p, ",");
    if (n >= 4 && !strncasecmp(p, "gzip", 4) && (n == 4 || p[4] == ';' || p[4] == ' ')) {
      const char *q = memchr(p, '=', n);
      return !q || strtod(q + 1, NULL) > 0;
    }
    p += n;
  }
  return false;
}

/* True when If-None-Match names `etag` (or is "*"). */
static bool asset_not_modified(const web_request_t *req, const char *etag)
{
  const char *inm = req->header(req, "If-None-Match");
  return inm && (!strcmp(inm, "*") || strstr(inm, etag) != NULL);
}

void web_asset_reply(const web_request_t *req, web_reply_t *rep, const char *name, int status)
{
  const web_asset_t *a = web_asset_find(name);
  if (!a) {
    web_reply_error(rep, 404, "not found");
    return;
  }
  pthread_once(&asset_once, asset_prepare);
  const asset_extra_t *x = &asset_extras[a - web_assets];
  bool gz = x->gz && asset_accepts_gzip(req);
  const char *etag = gz ? x->etag_gz : x->etag;

  if (status == 200 && asset_not_modified(req, etag)) {
    web_reply_data(rep, 304, NULL, "", 0);
  } else {
    web_reply_data(rep, status, asset_type(name), gz ? x->gz : a->data, gz ? x->gz_len : a->len);
    if (gz)
      web_reply_header(rep, "Content-Encoding", "gzip");
  }
  web_reply_header(rep, "ETag", etag);
  web_reply_header(rep, "Vary", "Accept-Encoding");
  web_reply_header(rep, "Cache-Control", "no-cache");
}
