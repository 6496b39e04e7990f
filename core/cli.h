/*
 * cli.h: internals shared by the files of the `quire` command-line tool.
 */
#ifndef QUIRE_CLI_H
#define QUIRE_CLI_H

#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "config.h"
#include "store.h"

typedef struct cli_s {
  const quire_config_t *config;
  const char *data_dir;
  char *url;           /* the daemon's base URL */
  bool json;           /* print the daemon's JSON instead of a table */
} cli_t;

/* Options of `quire dnssd-zone`. */
typedef struct cli_zone_args_s {
  const char *domain, *host, *output;
  const char *addrs[16];
  size_t num_addrs;
  int port, ttl;
  bool records_only;
} cli_zone_args_t;

/* Options of the device commands (cli-device.c). */
typedef struct cli_device_args_s {
  const char *location, *info, *formats, *device, *sides;
  const char *color, *duplex;    /* "yes" / "no", NULL when not given */
  bool no_probe, force_mono;
  int copies;                    /* 0: from the job's ticket */
} cli_device_args_t;

/* Sends `method resource` with an optional JSON `body` to the daemon with the admin token.
 * Returns the answer's body (malloc'd, "" when empty) and sets *status, or NULL after printing
 * why the daemon could not be asked. */
char *cli_request(const cli_t *cli, const char *method, const char *resource, const char *body,
                  int *status);

/* `quire devices`, `device-add`, `device-del`, `release-job`, `deliveries` (cli-device.c).
 * Each returns the exit status. */
int cli_devices(const cli_t *cli);
int cli_device_add(const cli_t *cli, const char *name, const char *uri,
                   const cli_device_args_t *a);
int cli_device_del(const cli_t *cli, const char *name);
int cli_release_job(const cli_t *cli, const char *job, const cli_device_args_t *a);
int cli_deliveries(const cli_t *cli, const char *job);

/* GETs `resource` from the daemon and parses the JSON answer. Returns the parser (caller
 * unrefs) with *root set, or NULL after printing why. Prints the raw JSON with --json. */
JsonParser *cli_json(const cli_t *cli, const char *resource, JsonNode **root);

/* Opens the store of the data directory (for the commands that manage it directly). NULL
 * after printing why. The caller closes it. */
store_t *cli_store(const cli_t *cli);

/* `quire user ...` (core/cli-user.c): argv[0] is "user". Exit status. */
int cli_user(cli_t *cli, int argc, char **argv);

/* True for the accounting commands of core/cli-accounting.c. */
bool cli_is_accounting(const char *cmd);

/* `quire price|account|balance|balances|quota|report|journal|verify-journal`: argv[0] is the
 * command. Exit status. */
int cli_accounting(cli_t *cli, int argc, char **argv);

/* `quire dnssd-zone`: writes the wide-area DNS-SD zone of the daemon's queues. Exit status. */
int cli_dnssd_zone(const cli_t *cli, const cli_zone_args_t *args);

#endif
