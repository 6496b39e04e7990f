/*
 * quire-cli.c: `quire`, the admin command-line tool. It asks the running daemon through its
 * admin JSON API (token from DATA/admin.token) for jobs, queues and status, and manages users
 * directly in the store (the same store.h calls the daemon uses).
 */
#include "auth.h"
#include "cli.h"
#include "config.h"
#include "log.h"
#include "store-users.h"
#include "util.h"

#include <cups/cups.h>
#include <errno.h>
#include <getopt.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void cli_usage(FILE *f)
{
  fprintf(f, "Usage: quire [--config FILE] [--data-dir DIR] [--url URL] [--json] COMMAND ...\n"
             "Commands:\n"
             "  status                     daemon status\n"
             "  queues                     the pull-print queues and their URIs\n"
             "  jobs [--which all|completed|not-completed]   jobs in every queue\n"
             "  user add|set|del|list|show|pin|card|unlock|import ...   users (quire user --help)\n"
             "  user-add NAME --password PW [--admin] [--full-name TEXT]\n"
             "  user-del NAME\n"
             "  price, account, balance(s), quota, report, journal, verify-journal\n"
             "                             accounting (quire price --help)\n"
             "  dnssd-zone --domain DOMAIN [--host NAME] [--address IP]... [--port N] [--ttl S]\n"
             "             [--records-only] [-o FILE]\n"
             "                             wide-area DNS-SD zone file of the queues (BIND format)\n"
             "  render IN [-o OUT] [--to pwg|pdf|jpeg] [--info] ...   quire-render (see its --help)\n"
             "  devices                    the MFDs: state, reasons, reachable, formats, colour,\n"
             "                             duplex, supplies\n"
             "  device-add NAME URI [--location L] [--info I] [--formats F,F] [--color yes|no]\n"
             "             [--duplex yes|no] [--no-probe]   ipp://, ipps://, socket://, lpd://\n"
             "  device-del NAME\n"
             "  release-job ID --device NAME [--copies N] [--sides S] [--force-mono]\n"
             "  deliveries ID              the deliveries of a job to devices\n");
}

/* GETs `resource` from the daemon; returns the body (malloc'd) or NULL after printing why. */
static char *cli_get(const cli_t *cli, const char *resource)
{
  int status = 0;
  char *body = cli_request(cli, "GET", resource, NULL, &status);

  if (body && status != HTTP_STATUS_OK) {
    fprintf(stderr, "quire: %s answered HTTP %d for %s\n", cli->url, status, resource);
    free(body);
    body = NULL;
  }
  return body;
}

/* Fetches and parses JSON: see cli.h. */
JsonParser *cli_json(const cli_t *cli, const char *resource, JsonNode **root)
{
  char *body = cli_get(cli, resource);
  if (!body)
    return NULL;
  if (cli->json)
    fputs(body, stdout);
  JsonParser *p = json_parser_new();
  GError *err = NULL;
  if (!json_parser_load_from_data(p, body, -1, &err)) {
    fprintf(stderr, "quire: bad answer from quired: %s\n", err->message);
    g_error_free(err);
    g_object_unref(p);
    free(body);
    return NULL;
  }
  free(body);
  *root = json_parser_get_root(p);
  return p;
}

/* Prints what each queue is advertised as; a renamed queue shows the name phones now see. */
static void cli_status_dnssd(JsonArray *a)
{
  guint n = a ? json_array_get_length(a) : 0;

  if (!n) {
    printf("dns-sd: not advertising\n");
    return;
  }
  for (guint i = 0; i < n; i++) {
    JsonObject *d = json_array_get_object_element(a, i);
    printf("dns-sd: queue %s as \"%s\" (%s)\n", json_object_get_string_member(d, "queue"),
           json_object_get_string_member(d, "name"), json_object_get_string_member(d, "state"));
  }
}

static int cli_status(const cli_t *cli)
{
  JsonNode *root;
  JsonParser *p = cli_json(cli, "/api/status", &root);
  if (!p)
    return 1;
  if (!cli->json) {
    JsonObject *o = json_node_get_object(root);
    JsonObject *jobs = json_object_get_object_member(o, "jobs");
    printf("quired %s, up %lld s, port %lld, data %s\n",
           json_object_get_string_member(o, "version"),
           (long long)json_object_get_int_member(o, "uptime"),
           (long long)json_object_get_int_member(o, "port"),
           json_object_get_string_member(o, "data_dir"));
    printf("queues: %lld\njobs: %lld held, %lld in total\nspool: %lld bytes\n",
           (long long)json_object_get_int_member(o, "queues"),
           (long long)json_object_get_int_member(jobs, "held"),
           (long long)json_object_get_int_member(jobs, "total"),
           (long long)json_object_get_int_member(o, "spool_bytes"));
    cli_status_dnssd(json_object_get_array_member(o, "dnssd"));
  }
  g_object_unref(p);
  return 0;
}

static int cli_queues(const cli_t *cli)
{
  JsonNode *root;
  JsonParser *p = cli_json(cli, "/api/queues", &root);
  if (!p)
    return 1;
  if (!cli->json) {
    JsonArray *a = json_node_get_array(root);
    printf("%-16s %-5s %-10s %-8s %s\n", "QUEUE", "HELD", "COLOR", "AUTH", "URI");
    for (guint i = 0; i < json_array_get_length(a); i++) {
      JsonObject *q = json_array_get_object_element(a, i);
      printf("%-16s %-5lld %-10s %-8s %s\n", json_object_get_string_member(q, "name"),
             (long long)json_object_get_int_member(q, "held_jobs"),
             json_object_get_string_member(q, "color"), json_object_get_string_member(q, "auth"),
             json_object_get_string_member(q, "uri"));
    }
  }
  g_object_unref(p);
  return 0;
}

static int cli_jobs(const cli_t *cli, const char *which)
{
  JsonNode *root;
  char *res = util_printf("/api/jobs?which=%s", which ? which : "all");
  JsonParser *p = cli_json(cli, res, &root);
  free(res);
  if (!p)
    return 1;
  if (!cli->json) {
    JsonArray *a = json_node_get_array(root);
    printf("%-6s %-12s %-12s %-14s %-10s %s\n", "ID", "QUEUE", "OWNER", "STATE", "BYTES", "NAME");
    for (guint i = 0; i < json_array_get_length(a); i++) {
      JsonObject *j = json_array_get_object_element(a, i);
      JsonArray *docs = json_object_get_array_member(j, "documents");
      long long bytes = 0;
      for (guint d = 0; d < json_array_get_length(docs); d++)
        bytes += json_object_get_int_member(json_array_get_object_element(docs, d), "size");
      printf("%-6lld %-12s %-12s %-14s %-10lld %s\n", (long long)json_object_get_int_member(j, "id"),
             json_object_get_string_member(j, "queue"), json_object_get_string_member(j, "owner"),
             json_object_get_string_member(j, "state_name"), bytes,
             json_object_get_string_member(j, "name"));
    }
  }
  g_object_unref(p);
  return 0;
}

/* The running daemon's URL as it wrote it in DATA/quired.url, else the configured port on
 * the loopback address. Caller frees. */
static char *cli_daemon_url(const char *data_dir, int port)
{
  char *path = util_printf("%s/quired.url", data_dir);
  char buf[512] = "";
  FILE *f = fopen(path, "r");
  free(path);
  if (f) {
    if (!fgets(buf, sizeof(buf), f))
      buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
  }
  return buf[0] ? util_strdup(buf) : util_printf("http://127.0.0.1:%d/", port);
}

/* Opens the store of the data directory for user management (see cli.h). */
store_t *cli_store(const cli_t *cli)
{
  char *err = NULL, *path = util_printf("%s/quire.db", cli->data_dir);
  store_t *s = store_open(path, &err);
  if (!s) {
    fprintf(stderr, "quire: %s: %s\n", path, err ? err : "cannot open");
    free(err);
  }
  free(path);
  return s;
}

static int cli_user_add(const cli_t *cli, const char *name, const char *password, bool admin,
                        const char *full_name)
{
  if (!name || !*name || !password || !*password) {
    fprintf(stderr, "quire: user-add needs a NAME and --password\n");
    return 2;
  }
  store_t *s = cli_store(cli);
  char *hash = auth_password_hash(password);
  store_user_t u = {.name = (char *)name, .full_name = (char *)full_name, .password_hash = hash,
                    .admin = admin, .created = time(NULL)};
  bool ok = s && hash && store_user_put(s, &u);
  if (ok)
    printf("user %s saved%s\n", name, admin ? " (admin)" : "");
  else
    fprintf(stderr, "quire: cannot save user %s\n", name);
  free(hash);
  store_close(s);
  return ok ? 0 : 1;
}

static int cli_user_del(const cli_t *cli, const char *name)
{
  store_t *s = name ? cli_store(cli) : NULL;
  bool ok = s && store_user_delete(s, name);
  if (!ok)
    fprintf(stderr, "quire: no user %s\n", name ? name : "(none given)");
  store_close(s);
  return ok ? 0 : 1;
}

/* `quire render ...`: runs quire-render (installed next to quire) with the same arguments, so
 * admins have one command. Only returns (127) if it cannot be started. */
static int cli_render(int argc, char **argv)
{
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
  char *path = slash ? util_printf("%.*s/quire-render", (int)(slash - exe), exe)
                     : util_strdup("/usr/lib/quire/quire-render");

  argv[1] = path;
  (void)argc;
  execv(path, argv + 1);
  fprintf(stderr, "quire: cannot run %s: %s\n", path, strerror(errno));
  free(path);
  return 127;
}

/* Options of the commands that take the classic flags (status ... dnssd-zone). */
typedef struct cli_opts_s {
  const char *which, *password, *full;
  bool admin;
  cli_zone_args_t zone;
  cli_device_args_t dev;
  const char *arg;     /* the first word after the command */
  const char *arg2;    /* the second */
} cli_opts_t;

/* Parses a command's flags (argv[0] is the command). False after printing usage. */
static bool cli_parse_opts(cli_t *cli, int argc, char **argv, cli_opts_t *o)
{
  static const struct option opts[] = {
    {"json", no_argument, NULL, 'j'}, {"which", required_argument, NULL, 'w'},
    {"password", required_argument, NULL, 'P'}, {"admin", no_argument, NULL, 'a'},
    {"full-name", required_argument, NULL, 'f'}, {"domain", required_argument, NULL, 'D'},
    {"host", required_argument, NULL, 'H'}, {"address", required_argument, NULL, 'A'},
    {"port", required_argument, NULL, 'p'}, {"ttl", required_argument, NULL, 'T'},
    {"records-only", no_argument, NULL, 'R'}, {"output", required_argument, NULL, 'o'},
    {"location", required_argument, NULL, 256}, {"info", required_argument, NULL, 257},
    {"formats", required_argument, NULL, 258}, {"color", required_argument, NULL, 259},
    {"duplex", required_argument, NULL, 260}, {"no-probe", no_argument, NULL, 261},
    {"device", required_argument, NULL, 262}, {"copies", required_argument, NULL, 263},
    {"sides", required_argument, NULL, 264}, {"force-mono", no_argument, NULL, 265},
    {NULL, 0, NULL, 0}};
  int ch;
  memset(o, 0, sizeof(*o));
  o->zone.ttl = 300;
  optind = 0; /* 0, not 1: getopt re-initialises (the global parse used "+") */
  while ((ch = getopt_long(argc, argv, "jw:P:af:D:H:A:p:T:Ro:", opts, NULL)) != -1) {
    switch (ch) {
    case 'j': cli->json = true; break;
    case 'w': o->which = optarg; break;
    case 'P': o->password = optarg; break;
    case 'a': o->admin = true; break;
    case 'f': o->full = optarg; break;
    case 'D': o->zone.domain = optarg; break;
    case 'H': o->zone.host = optarg; break;
    case 'A':
      if (o->zone.num_addrs < sizeof(o->zone.addrs) / sizeof(o->zone.addrs[0]))
        o->zone.addrs[o->zone.num_addrs++] = optarg;
      break;
    case 'p': o->zone.port = atoi(optarg); break;
    case 'T': o->zone.ttl = atoi(optarg); break;
    case 'R': o->zone.records_only = true; break;
    case 'o': o->zone.output = optarg; break;
    case 256: o->dev.location = optarg; break;
    case 257: o->dev.info = optarg; break;
    case 258: o->dev.formats = optarg; break;
    case 259: o->dev.color = optarg; break;
    case 260: o->dev.duplex = optarg; break;
    case 261: o->dev.no_probe = true; break;
    case 262: o->dev.device = optarg; break;
    case 263: o->dev.copies = atoi(optarg); break;
    case 264: o->dev.sides = optarg; break;
    case 265: o->dev.force_mono = true; break;
    default: cli_usage(stderr); return false;
    }
  }
  o->arg = optind < argc ? argv[optind] : NULL;
  o->arg2 = optind + 1 < argc ? argv[optind + 1] : NULL;
  return true;
}

/* Runs a command with classic flags. */
static int cli_classic(cli_t *cli, int argc, char **argv)
{
  cli_opts_t o;
  const char *cmd = argv[0];
  if (!cli_parse_opts(cli, argc, argv, &o))
    return 2;
  if (!strcmp(cmd, "status")) return cli_status(cli);
  if (!strcmp(cmd, "queues")) return cli_queues(cli);
  if (!strcmp(cmd, "jobs")) return cli_jobs(cli, o.which);
  if (!strcmp(cmd, "user-add")) return cli_user_add(cli, o.arg, o.password, o.admin, o.full);
  if (!strcmp(cmd, "user-del")) return cli_user_del(cli, o.arg);
  if (!strcmp(cmd, "dnssd-zone")) return cli_dnssd_zone(cli, &o.zone);
  if (!strcmp(cmd, "devices")) return cli_devices(cli);
  if (!strcmp(cmd, "device-add")) return cli_device_add(cli, o.arg, o.arg2, &o.dev);
  if (!strcmp(cmd, "device-del")) return cli_device_del(cli, o.arg);
  if (!strcmp(cmd, "release-job")) return cli_release_job(cli, o.arg, &o.dev);
  if (!strcmp(cmd, "deliveries")) return cli_deliveries(cli, o.arg);
  fprintf(stderr, "quire: unknown command '%s'\n", cmd);
  cli_usage(stderr);
  return 2;
}

int main(int argc, char **argv)
{
  static const struct option opts[] = {
    {"config", required_argument, NULL, 'c'}, {"data-dir", required_argument, NULL, 'd'},
    {"url", required_argument, NULL, 'u'}, {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  cli_t cli = {0};
  const char *config = NULL;
  int ch;

  if (argc > 1 && !strcmp(argv[1], "render"))
    return cli_render(argc, argv);
  log_init("quire", LOG_WARNING, false);
  /* Global flags come before the command; "+" stops at the command word. */
  while ((ch = getopt_long(argc, argv, "+c:d:u:jh", opts, NULL)) != -1) {
    switch (ch) {
    case 'c': config = optarg; break;
    case 'd': cli.data_dir = optarg; break;
    case 'u': cli.url = util_strdup(optarg); break;
    case 'j': cli.json = true; break;
    case 'h': cli_usage(stdout); return 0;
    default: cli_usage(stderr); return 2;
    }
  }
  if (optind >= argc) {
    cli_usage(stderr);
    return 2;
  }
  char *err = NULL;
  quire_config_t *cfg = config_load(config, &err);
  if (!cfg) {
    fprintf(stderr, "quire: %s\n", err);
    free(err);
    return 2;
  }
  if (!cli.data_dir)
    cli.data_dir = cfg->data_dir;
  if (!cli.url)
    cli.url = cli_daemon_url(cli.data_dir, cfg->port);
  cli.config = cfg;
  int sargc = argc - optind;
  char **sargv = argv + optind;
  const char *cmd = sargv[0];
  int rc;
  if (!strcmp(cmd, "user"))
    rc = cli_user(&cli, sargc, sargv);
  else if (cli_is_accounting(cmd))
    rc = cli_accounting(&cli, sargc, sargv);
  else
    rc = cli_classic(&cli, sargc, sargv);
  free(cli.url);
  config_free(cfg);
  return rc;
}
