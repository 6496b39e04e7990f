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
