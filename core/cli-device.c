/*
 * cli-device.c: the device commands of `quire` (see cli.h), over the daemon's admin API
 * (docs/api.md): devices, device-add, device-del, release-job, deliveries; and cli_request,
 * the one HTTP exchange every command of the tool uses.
 */
#include "cli.h"

#include "util.h"

#include <cups/cups.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads the admin token of the data directory; NULL (message printed) if unreadable. */
static char *cli_token(const cli_t *cli)
{
  char *path = util_printf("%s/admin.token", cli->data_dir);
  char buf[128] = "";
  FILE *f = fopen(path, "r");
  if (!f || !fgets(buf, sizeof(buf), f)) {
    fprintf(stderr, "quire: cannot read %s (run as the daemon's user, or pass --data-dir)\n", path);
    if (f)
      fclose(f);
    free(path);
    return NULL;
  }
  fclose(f);
  free(path);
  buf[strcspn(buf, "\r\n")] = '\0';
  return util_strdup(buf);
}

/* Connects to the daemon at cli->url; NULL after printing why. */
static http_t *cli_connect(const cli_t *cli)
{
  char scheme[16], user[64], host[256], path[256];
  int port = 0;

  if (httpSeparateURI(HTTP_URI_CODING_ALL, cli->url, scheme, sizeof(scheme), user, sizeof(user),
                      host, sizeof(host), &port, path, sizeof(path)) < HTTP_URI_STATUS_OK) {
    fprintf(stderr, "quire: bad --url %s\n", cli->url);
    return NULL;
  }
  http_t *http = httpConnect2(host, port, NULL, AF_UNSPEC,
                              !strcmp(scheme, "https") ? HTTP_ENCRYPTION_ALWAYS
                                                       : HTTP_ENCRYPTION_IF_REQUESTED,
                              1, 10000, NULL);
  if (!http)
    fprintf(stderr, "quire: cannot reach quired at %s: %s\n", cli->url, cupsLastErrorString());
  return http;
}

/* Reads the rest of the answer (malloc'd, "" when empty). */
static char *cli_read_body(http_t *http)
{
  char buf[8192], *body = util_strdup("");
  size_t len = 0;
  ssize_t n;

  while ((n = httpRead2(http, buf, sizeof(buf))) > 0) {
    char *nb = realloc(body, len + (size_t)n + 1);
    if (!nb)
      abort();
    body = nb;
    memcpy(body + len, buf, (size_t)n);
    len += (size_t)n;
    body[len] = '\0';
  }
  return body;
}

/* Sends the request line, headers and body; false if it could not be sent. */
static bool cli_send(http_t *http, const char *method, const char *resource, const char *body,
                     const char *authz)
{
  size_t len = body ? strlen(body) : 0;

  httpClearFields(http);
  httpSetField(http, HTTP_FIELD_AUTHORIZATION, authz);
  if (!strcmp(method, "GET"))
    return httpGet(http, resource) == 0;
  if (!strcmp(method, "DELETE"))
    return httpDelete(http, resource) == 0;
  httpSetField(http, HTTP_FIELD_CONTENT_TYPE, "application/json");
  httpSetLength(http, len);
  return httpPost(http, resource) == 0 && (!len || httpWrite2(http, body, len) == (ssize_t)len);
}

char *cli_request(const cli_t *cli, const char *method, const char *resource, const char *body,
                  int *status)
{
  char *token = cli_token(cli), *answer = NULL;
  http_t *http = token ? cli_connect(cli) : NULL;

  *status = 0;
  if (http) {
    char *authz = util_printf("Bearer %s", token);
    http_status_t st;
    if (cli_send(http, method, resource, body, authz)) {
      while ((st = httpUpdate(http)) == HTTP_STATUS_CONTINUE)
        ;
      *status = (int)st;
      answer = st == HTTP_STATUS_ERROR ? NULL : cli_read_body(http);
    }
    if (!answer)
      fprintf(stderr, "quire: request to %s failed\n", cli->url);
    free(authz);
    httpClose(http);
  }
  free(token);
  return answer;
}

/* Parses a JSON answer; NULL (message printed) if it is not JSON. */
static JsonParser *cli_parse(const char *body, JsonNode **root)
{
  JsonParser *p = json_parser_new();
  GError *err = NULL;
  if (!json_parser_load_from_data(p, body, -1, &err)) {
    fprintf(stderr, "quire: bad answer from quired: %s\n", err->message);
    g_error_free(err);
    g_object_unref(p);
    return NULL;
  }
  *root = json_parser_get_root(p);
  return p;
}

/* Sends a request and reports the outcome: the JSON with --json, else the line `ok` on
 * success, else the daemon's error. Returns the exit status. */
static int cli_act(const cli_t *cli, const char *method, const char *resource, const char *body,
                   int want, const char *ok)
{
  int status = 0;
  char *answer = cli_request(cli, method, resource, body, &status);
  JsonNode *root = NULL;
  JsonParser *p = answer && *answer ? cli_parse(answer, &root) : NULL;
  int rc = 1;

  if (!answer) {
    rc = 1;
  } else if (status == want) {
    if (cli->json)
      fputs(answer, stdout);
    else
      printf("%s\n", ok);
    rc = 0;
  } else {
    JsonObject *o = p && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
    fprintf(stderr, "quire: %s\n", o && json_object_has_member(o, "error")
                                   ? json_object_get_string_member(o, "error")
                                   : "the daemon refused the request");
  }
  if (p)
    g_object_unref(p);
  free(answer);
  return rc;
}

/* The markers of a device as "Black Toner 75%, ..." into `s`. */
static void cli_markers(JsonArray *a, GString *s)
{
  for (guint i = 0; a && i < json_array_get_length(a); i++) {
    JsonObject *m = json_array_get_object_element(a, i);
    g_string_append_printf(s, "%s%s %lld%%", i ? ", " : "",
                           json_object_get_string_member(m, "name"),
                           (long long)json_object_get_int_member(m, "level"));
  }
}

/* Joins a JSON array of strings with `sep` into `s`. */
static void cli_join(JsonArray *a, const char *sep, GString *s)
{
  for (guint i = 0; a && i < json_array_get_length(a); i++)
    g_string_append_printf(s, "%s%s", i ? sep : "", json_array_get_string_element(a, i));
}

/* One line of `quire devices`. */
static void cli_device_line(JsonObject *d)
{
  JsonObject *caps = json_object_get_object_member(d, "capabilities");
  JsonObject *st = json_object_get_object_member(d, "status");
  GString *reasons = g_string_new(""), *formats = g_string_new(""), *markers = g_string_new("");

  cli_join(json_object_get_array_member(st, "reasons"), ",", reasons);
  cli_join(json_object_get_array_member(caps, "formats"), ",", formats);
  cli_markers(json_object_get_array_member(st, "markers"), markers);
  printf("%-14s %-10s %-9s %-22s %-6s %-6s %s\n    %s\n    supplies: %s\n",
         json_object_get_string_member(d, "name"), json_object_get_string_member(st, "state"),
         json_object_get_boolean_member(st, "reachable") ? "yes" : "no", reasons->str,
         json_object_get_boolean_member(caps, "color") ? "yes" : "no",
         json_object_get_boolean_member(caps, "duplex") ? "yes" : "no",
         json_object_get_string_member(d, "uri"), formats->str,
         markers->len ? markers->str : "(none reported)");
  g_string_free(reasons, TRUE);
  g_string_free(formats, TRUE);
  g_string_free(markers, TRUE);
}

int cli_devices(const cli_t *cli)
{
  JsonNode *root;
  JsonParser *p = cli_json(cli, "/api/devices", &root);
  if (!p)
    return 1;
  if (!cli->json) {
    JsonArray *a = json_node_get_array(root);
    printf("%-14s %-10s %-9s %-22s %-6s %-6s %s\n", "DEVICE", "STATE", "REACHABLE", "REASONS",
           "COLOR", "DUPLEX", "URI");
    for (guint i = 0; i < json_array_get_length(a); i++)
      cli_device_line(json_array_get_object_element(a, i));
  }
  g_object_unref(p);
  return 0;
}

/* Adds "name": true/false from "yes"/"no"; false (message printed) for anything else. */
static bool cli_yes_no(JsonBuilder *b, const char *name, const char *v)
{
  if (!v)
    return true;
  if (strcmp(v, "yes") && strcmp(v, "no")) {
    fprintf(stderr, "quire: --%s takes yes or no\n", name);
    return false;
  }
  json_builder_set_member_name(b, name);
  json_builder_add_boolean_value(b, !strcmp(v, "yes"));
  return true;
}

/* Serialises a builder's root into malloc'd text; frees the builder. */
static char *cli_builder_text(JsonBuilder *b)
{
  JsonGenerator *g = json_generator_new();
  JsonNode *root = json_builder_get_root(b);
  json_generator_set_root(g, root);
  gchar *s = json_generator_to_data(g, NULL);
  char *r = util_strdup(s);
  g_free(s);
  json_node_unref(root);
  g_object_unref(g);
  g_object_unref(b);
  return r;
}

/* Adds "name": "v" when v is given. */
static void cli_member_str(JsonBuilder *b, const char *name, const char *v)
{
  if (!v)
    return;
  json_builder_set_member_name(b, name);
  json_builder_add_string_value(b, v);
}

int cli_device_add(const cli_t *cli, const char *name, const char *uri,
                   const cli_device_args_t *a)
{
  if (!name || !uri) {
    fprintf(stderr, "quire: device-add needs a NAME and a URI\n");
    return 2;
  }
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  cli_member_str(b, "name", name);
  cli_member_str(b, "uri", uri);
  cli_member_str(b, "location", a->location);
  cli_member_str(b, "info", a->info);
  cli_member_str(b, "formats", a->formats);
  bool ok = cli_yes_no(b, "color", a->color) && cli_yes_no(b, "duplex", a->duplex);
  json_builder_set_member_name(b, "probe");
  json_builder_add_boolean_value(b, !a->no_probe);
  json_builder_end_object(b);
  char *body = cli_builder_text(b);
  char *msg = util_printf("device %s added", name);
  int rc = ok ? cli_act(cli, "POST", "/api/devices", body, 201, msg) : 2;
  free(msg);
  free(body);
  return rc;
}

int cli_device_del(const cli_t *cli, const char *name)
{
  if (!name) {
    fprintf(stderr, "quire: device-del needs a NAME\n");
    return 2;
  }
  char *res = util_printf("/api/devices/%s", name);
  char *msg = util_printf("device %s removed", name);
  int rc = cli_act(cli, "DELETE", res, NULL, 200, msg);
  free(msg);
  free(res);
  return rc;
}

int cli_release_job(const cli_t *cli, const char *job, const cli_device_args_t *a)
{
  int id = job ? atoi(job) : 0;
  if (id <= 0 || !a->device) {
    fprintf(stderr, "quire: release-job needs a job ID and --device NAME\n");
    return 2;
  }
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  cli_member_str(b, "device", a->device);
  cli_member_str(b, "sides", a->sides);
  if (a->copies > 0) {
    json_builder_set_member_name(b, "copies");
    json_builder_add_int_value(b, a->copies);
  }
  json_builder_set_member_name(b, "force_mono");
  json_builder_add_boolean_value(b, a->force_mono);
  json_builder_end_object(b);
  char *body = cli_builder_text(b);
  char *res = util_printf("/api/jobs/%d/release", id);
  char *msg = util_printf("job %d released to %s", id, a->device);
  int rc = cli_act(cli, "POST", res, body, 202, msg);
  free(msg);
  free(res);
  free(body);
  return rc;
}

int cli_deliveries(const cli_t *cli, const char *job)
{
  int id = job ? atoi(job) : 0;
  JsonNode *root;
  if (id <= 0) {
    fprintf(stderr, "quire: deliveries needs a job ID\n");
    return 2;
  }
  char *res = util_printf("/api/jobs/%d/deliveries", id);
  JsonParser *p = cli_json(cli, res, &root);
  free(res);
  if (!p)
    return 1;
  if (!cli->json) {
    JsonArray *a = json_node_get_array(root);
    printf("%-6s %-14s %-9s %-18s %-6s %-9s %s\n", "ID", "DEVICE", "STATE", "FORMAT", "COPIES",
           "ATTEMPTS", "ERROR");
    for (guint i = 0; i < json_array_get_length(a); i++) {
      JsonObject *d = json_array_get_object_element(a, i);
      printf("%-6lld %-14s %-9s %-18s %-6lld %-9lld %s\n",
             (long long)json_object_get_int_member(d, "id"),
             json_object_get_string_member(d, "device"),
             json_object_get_string_member(d, "state"),
             json_object_get_string_member(d, "format"),
             (long long)json_object_get_int_member(d, "copies"),
             (long long)json_object_get_int_member(d, "attempts"),
             json_object_has_member(d, "error") ? json_object_get_string_member(d, "error") : "");
    }
  }
  g_object_unref(p);
  return 0;
}
