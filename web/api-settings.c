/*
 * api-settings.c: GET and PUT /api/settings (see api-settings.h and docs/api.md).
 */
#include "api-settings.h"

#include "session.h"

#include "../core/settings.h"
#include "../core/store-queues.h"
#include "../core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Adds "name": the text value of `k` as JSON (a boolean, an integer or a string). */
static void api_setting_value(JsonBuilder *b, const char *name, const settings_key_t *k,
                              const char *v)
{
  if (k->type == SETTING_BOOL)
    web_json_bool(b, name, !strcmp(v, "yes"));
  else if (k->type == SETTING_INT)
    web_json_int(b, name, g_ascii_strtoll(v, NULL, 10));
  else
    web_json_str(b, name, v);
}

/* True when the console overrides `key`. */
static bool api_setting_stored(store_setting_t **list, size_t n, const char *key)
{
  for (size_t i = 0; i < n; i++)
    if (!strcmp(list[i]->key, key))
      return true;
  return false;
}

/* Adds one setting: its value in force, where it comes from, the file's value and bounds. */
static void api_setting(JsonBuilder *b, const settings_key_t *k, const quire_config_t *eff,
                        const quire_config_t *file, const quire_config_t *defaults,
                        bool stored)
{
  char *v = settings_get(eff, k), *fv = settings_get(file, k), *dv = settings_get(defaults, k);

  json_builder_begin_object(b);
  web_json_str(b, "key", k->key);
  api_setting_value(b, "value", k, v);
  web_json_str(b, "source", stored ? "console" : strcmp(fv, dv) ? "file" : "default");
  api_setting_value(b, "file_value", k, fv);
  api_setting_value(b, "default", k, dv);
  web_json_str(b, "file_key", k->file_key);
  web_json_str(b, "type", k->type == SETTING_BOOL ? "boolean"
                          : k->type == SETTING_INT ? "integer" : "string");
  if (k->type == SETTING_INT) {
    web_json_int(b, "min", k->min);
    web_json_int(b, "max", k->max);
  }
  web_json_str(b, "help", k->help);
  json_builder_end_object(b);
  free(v);
  free(fv);
  free(dv);
}

static quire_config_t *api_settings_defaults_config;  /* built once, never freed */
static pthread_once_t api_settings_defaults_once = PTHREAD_ONCE_INIT;

/* Loads the built-in defaults (config_load without a file). */
static void api_settings_defaults_load(void)
{
  char *err = NULL;
  api_settings_defaults_config = config_load(NULL, &err);
  free(err);
}

/* The built-in configuration, whose values are the settings' defaults; static, shared, NULL
 * if it could not be built. */
static const quire_config_t *api_settings_defaults(void)
{
  pthread_once(&api_settings_defaults_once, api_settings_defaults_load);
  return api_settings_defaults_config;
}

/* The answer of GET and PUT: {"settings": [...]}, or NULL when the store cannot be read. */
static char *api_settings_json(quire_system_t *sys)
{
  size_t n = 0;
  store_setting_t **list = store_setting_list(sys->store, &n);
  const quire_config_t *defaults = api_settings_defaults();

  if (!list || !defaults) {
    store_settings_free(list, n);
    return NULL;
  }
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "settings");
  json_builder_begin_array(b);
  pthread_rwlock_rdlock(&sys->config_lock);
  for (const settings_key_t *k = settings_keys; k->key; k++)
    api_setting(b, k, sys->config, sys->file_config, defaults,
                api_setting_stored(list, n, k->key));
  pthread_rwlock_unlock(&sys->config_lock);
  json_builder_end_array(b);
  json_builder_end_object(b);
  store_settings_free(list, n);
  return web_json_finish(b);
}

static void api_settings_get(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  web_user_t *u = web_session_require(ctx, req, rep, WEB_ROLE_ADMIN);
  if (!u)
    return;
  web_user_free(u);
  char *body = api_settings_json(ctx->sys);
  if (body)
    web_reply_json(rep, 200, body);
  else
    web_reply_error(rep, 500, "cannot read the settings");
}

/* The text form of a JSON member for `k` into *out (malloc'd; NULL for JSON null: clear the
 * override). False with `why` when the type is wrong or the value does not check. */
static bool api_setting_text(const settings_key_t *k, JsonNode *n, char **out, char *why,
                             size_t len)
{
  GType t = JSON_NODE_HOLDS_VALUE(n) ? json_node_get_value_type(n) : G_TYPE_INVALID;

  *out = NULL;
  if (JSON_NODE_HOLDS_NULL(n))
    return true;
  if (k->type == SETTING_BOOL && t == G_TYPE_BOOLEAN)
    *out = util_strdup(json_node_get_boolean(n) ? "yes" : "no");
  else if (k->type == SETTING_INT && t == G_TYPE_INT64)
    *out = util_printf("%lld", (long long)json_node_get_int(n));
  else if (k->type == SETTING_STRING && t == G_TYPE_STRING)
    *out = util_strdup(json_node_get_string(n));
  if (!*out) {
    snprintf(why, len, "%s: expected %s (or null to use the file's value)", k->key,
             k->type == SETTING_BOOL ? "true or false"
             : k->type == SETTING_INT ? "an integer" : "a string");
    return false;
  }
  if (settings_check(k, *out, why, len))
    return true;
  free(*out);
  *out = NULL;
  return false;
}

/* Checks every member of `o`, then stores them all; false with the reply set. */
static bool api_settings_store(quire_system_t *sys, JsonObject *o, web_reply_t *rep)
{
  GList *members = json_object_get_members(o);
  size_t n = g_list_length(members), i = 0;
  char **values = calloc(n + 1, sizeof(*values)), why[256] = "";
  bool ok = true;

  if (!values)
    abort();
  for (GList *m = members; m && ok; m = m->next, i++) {
    const settings_key_t *k = settings_find(m->data);
    if (!k)
      snprintf(why, sizeof(why), "unknown setting '%s'", (const char *)m->data);
    ok = k && api_setting_text(k, json_object_get_member(o, m->data), &values[i], why,
                               sizeof(why));
  }
  if (!ok)
    web_reply_error(rep, 400, "%s", why);
  i = 0;
  for (GList *m = members; m && ok; m = m->next, i++)
    if (!store_setting_put(sys->store, m->data, values[i])) {
      web_reply_error(rep, 500, "cannot store setting %s", (const char *)m->data);
      ok = false;
    }
  for (i = 0; i < n; i++)
    free(values[i]);
  free(values);
  g_list_free(members);
  return ok;
}

static void api_settings_put(const web_ctx_t *ctx, const web_request_t *req, web_reply_t *rep)
{
  char *err = NULL;
  web_user_t *u = web_session_require(ctx, req, rep, WEB_ROLE_ADMIN);
  JsonNode *root = u ? web_json_body(req, rep) : NULL;

  if (root && api_settings_store(ctx->sys, json_node_get_object(root), rep)) {
    if (!system_console_apply(ctx->sys, &err)) {
      web_reply_error(rep, 500, "the settings were stored but not applied: %s",
                      err ? err : "?");
    } else {
      char *body = api_settings_json(ctx->sys);
      if (body)
        web_reply_json(rep, 200, body);
      else
        web_reply_error(rep, 500, "cannot read the settings");
    }
    free(err);
  }
  if (root)
    json_node_unref(root);
  web_user_free(u);
}

const web_route_t api_settings_routes[] = {
  {"GET", "/api/settings", api_settings_get},
  {"PUT", "/api/settings", api_settings_put},
  {NULL, NULL, NULL}
};
