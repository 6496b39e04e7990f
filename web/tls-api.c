/*
 * tls-api.c: viewing and replacing the appliance's TLS certificate (see tls-api.h).
 *
 * An upload is checked three times before anything changes: by OpenSSL (tls_pair_check: PEM,
 * key matches, server use, dates), by the TLS library that will serve it (a trial GnuTLS
 * daemon, http_server_tls_try), and only then written (tls_store_replace) and served
 * (http_server_tls_reload, without closing the port). A refusal leaves the old pair in use.
 */
#include "tls-api.h"

#include "http.h"
#include "session.h"

#include "../core/log.h"
#include "../core/util.h"

#include <stdlib.h>
#include <string.h>

/* The expiry warning, if any (malloc'd, or NULL). */
static char *tls_api_warning(const web_ctx_t *ctx)
{
  pthread_rwlock_rdlock(&ctx->sys->config_lock);
  int days = ctx->sys->config->tls_expiry_warning;
  pthread_rwlock_unlock(&ctx->sys->config_lock);
  return tls_store_expiry_warning(ctx->tls, days);
}

/* The current certificate as JSON. */
static char *tls_api_info_json(const web_ctx_t *ctx)
{
  tls_cert_info_t info;
  char *warning = tls_api_warning(ctx);
  JsonBuilder *b = json_builder_new();

  tls_store_info(ctx->tls, &info);
  json_builder_begin_object(b);
  web_json_str(b, "subject", info.subject);
  web_json_str(b, "issuer", info.issuer);
  json_builder_set_member_name(b, "sans");
  json_builder_begin_array(b);
  for (size_t i = 0; i < info.num_sans; i++)
    json_builder_add_string_value(b, info.sans[i]);
  json_builder_end_array(b);
  web_json_int(b, "not_before", info.not_before);
  web_json_int(b, "not_after", info.not_after);
  web_json_int(b, "days_left", (info.not_after - time(NULL)) / 86400);
  web_json_bool(b, "self_signed", info.self_signed);
  web_json_str(b, "fingerprint_sha256", info.fingerprint);
  web_json_str(b, "key_type", info.key_type);
  web_json_int(b, "chain_length", (gint64)info.chain_length);
  web_json_int(b, "tls_port", http_server_tls_port(ctx->http));
  json_builder_set_member_name(b, "warning");
  if (warning)
    json_builder_add_string_value(b, warning);
  else
    json_builder_add_null_value(b);
  json_builder_end_object(b);
  tls_cert_info_clear(&info);
  free(warning);
  return web_json_finish(b);
}

/* The admin asking, or NULL with the reply set (also when TLS is off). */
static web_user_t *tls_api_admin(const web_ctx_t *ctx, const web_request_t *req,
                                 web_reply_t *rep)
{
  web_user_t *u = web_session_require(ctx, req, rep, WEB_ROLE_ADMIN);
  if (u && !ctx->tls) {
    web_reply_error(rep, 404, "TLS is off (tls-port = 0)");
    web_user_free(u);
    return NULL;
  }
  return u;
}

/* GET /api/tls/certificate */
static void tls_api_get(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  web_user_t *u = tls_api_admin(ctx, req, rep);
  if (u)
    web_reply_json(rep, 200, tls_api_info_json(ctx));
  web_user_free(u);
}

/* Serves the store's new pair; answers with it, or with why it is not served. */
static void tls_api_serve(const web_ctx_t *ctx, web_reply_t *rep, const web_user_t *u,
                          const char *what)
{
  char *err = NULL;
  if (!http_server_tls_reload(ctx->http, &err)) {
    web_reply_error(rep, 500, "the certificate is stored but cannot be served yet: %s", err);
    free(err);
    return;
  }
  log_info("web: '%s' %s; served on port %d from now on", u->name, what,
           http_server_tls_port(ctx->http));
  web_reply_json(rep, 200, tls_api_info_json(ctx));
}

/* PUT /api/tls/certificate {"certificate": PEM (leaf, then chain), "key": PEM} */
static void tls_api_put(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  web_user_t *u = tls_api_admin(ctx, req, rep);
  JsonNode *root = u ? web_json_body(req, rep) : NULL;
  char *err = NULL;

  if (root) {
    JsonObject *o = json_node_get_object(root);
    const char *cert = web_json_get_str(o, "certificate", NULL);
    const char *key = web_json_get_str(o, "key", NULL);
    if (!cert || !key)
      web_reply_error(rep, 400, "\"certificate\" and \"key\" (PEM text) are needed");
    else if (!tls_pair_check(cert, key, NULL, &err) || !http_server_tls_try(cert, key, &err))
      web_reply_error(rep, 400, "%s; the current certificate stays", err);
    else if (!tls_store_replace(ctx->tls, cert, key, &err))
      web_reply_error(rep, 500, "%s; the current certificate stays", err);
    else
      tls_api_serve(ctx, rep, u, "uploaded a TLS certificate");
    if (err)
      log_warn("web: certificate upload by '%s' refused: %s", u->name, err);
    json_node_unref(root);
  }
  free(err);
  web_user_free(u);
}

/* POST /api/tls/self-signed: a new self-signed certificate for today's names. */
static void tls_api_self_signed(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  web_user_t *u = tls_api_admin(ctx, req, rep);
  char *err = NULL;
  size_t n = 0;

  if (!u)
    return;
  pthread_rwlock_rdlock(&ctx->sys->config_lock);
  char **names = tls_names_collect(ctx->sys->config->server_name, &n);
  pthread_rwlock_unlock(&ctx->sys->config_lock);
  if (!tls_store_make_self_signed(ctx->tls, names, n, &err))
    web_reply_error(rep, 500, "%s", err);
  else
    tls_api_serve(ctx, rep, u, "made a new self-signed certificate");
  tls_names_free(names, n);
  free(err);
  web_user_free(u);
}

void web_tls_alerts(const web_ctx_t *ctx, JsonBuilder *b)
{
  char *warning = ctx->tls ? tls_api_warning(ctx) : NULL;
  if (!warning)
    return;
  json_builder_begin_object(b);
  web_json_str(b, "level", "warning");
  web_json_str(b, "source", "tls");
  web_json_str(b, "message", warning);
  json_builder_end_object(b);
  free(warning);
}

const web_route_t web_tls_routes[] = {
  {"GET", "/api/tls/certificate", tls_api_get},
  {"PUT", "/api/tls/certificate", tls_api_put},
  {"POST", "/api/tls/self-signed", tls_api_self_signed},
  {NULL, NULL, NULL}
};
