/*
 * cli-user.c: `quire user ...`: users, PINs, cards, lockout and CSV import, written to the
 * store directly (core/users.h), so they work whether quired runs or not; quired reads the
 * store on every login, so changes apply at once.
 */
#include "cli.h"

#include "users.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The flags of every user subcommand. */
typedef struct user_opts_s {
  const char *password, *full_name, *email, *groups, *pin, *card;
  bool password_stdin, admin, no_admin, restricted, unrestricted, clear, generate, json;
  bool restrict_new;   /* [accounting] restrict-new-users */
  int digits;
} user_opts_t;

static void user_usage(FILE *f)
{
  fprintf(f,
    "Usage: quire user COMMAND ...\n"
    "  add NAME [--password PW | --password-stdin] [--full-name T] [--email E]\n"
    "           [--groups G1,G2] [--admin] [--restricted]\n"
    "  set NAME [the same flags, plus --no-admin, --unrestricted]   change what is given\n"
    "  del NAME\n"
    "  list                         every user (--json for JSON)\n"
    "  show NAME\n"
    "  pin NAME --generate [--digits N] | --set PIN | --clear\n"
    "                               a generated PIN is printed once; PINs are unique\n"
    "  card NAME --add NUMBER | --clear\n"
    "  unlock NAME                  after too many wrong PINs or passwords\n"
    "  import FILE.csv              header: username,full_name,email,groups,password,pin,\n"
    "                               card,admin,restricted (any subset; groups split by ';')\n");
}

/* Parses the flags after `quire user CMD`; false after printing usage. */
static bool user_parse(int argc, char **argv, user_opts_t *o, const char **name)
{
  static const struct option opts[] = {
    {"password", required_argument, NULL, 'P'}, {"password-stdin", no_argument, NULL, 'S'},
    {"full-name", required_argument, NULL, 'f'}, {"email", required_argument, NULL, 'e'},
    {"groups", required_argument, NULL, 'g'}, {"admin", no_argument, NULL, 'a'},
    {"no-admin", no_argument, NULL, 'A'}, {"restricted", no_argument, NULL, 'r'},
    {"unrestricted", no_argument, NULL, 'U'}, {"set", required_argument, NULL, 's'},
    {"add", required_argument, NULL, 'c'}, {"clear", no_argument, NULL, 'C'},
    {"generate", no_argument, NULL, 'G'}, {"digits", required_argument, NULL, 'n'},
    {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  int ch;
  memset(o, 0, sizeof(*o));
  o->digits = 6;
  optind = 0; /* 0, not 1: getopt re-initialises (the global parse used "+") */
  while ((ch = getopt_long(argc, argv, "P:Sf:e:g:aArUs:c:CGn:jh", opts, NULL)) != -1) {
    switch (ch) {
    case 'P': o->password = optarg; break;
    case 'S': o->password_stdin = true; break;
    case 'f': o->full_name = optarg; break;
    case 'e': o->email = optarg; break;
    case 'g': o->groups = optarg; break;
    case 'a': o->admin = true; break;
    case 'A': o->no_admin = true; break;
    case 'r': o->restricted = true; break;
    case 'U': o->unrestricted = true; break;
    case 's': o->pin = optarg; break;
    case 'c': o->card = optarg; break;
    case 'C': o->clear = true; break;
    case 'G': o->generate = true; break;
    case 'n': o->digits = atoi(optarg); break;
    case 'j': o->json = true; break;
    case 'h': user_usage(stdout); exit(0);
    default: user_usage(stderr); return false;
    }
  }
  *name = optind < argc ? argv[optind] : NULL;
  return true;
}

/* Reads one line (the password) from standard input; malloc'd or NULL. */
static char *user_read_password(void)
{
  char buf[1024];
  if (!fgets(buf, sizeof(buf), stdin))
    return NULL;
  buf[strcspn(buf, "\r\n")] = '\0';
  return util_strdup(buf);
}

/* `user add` and `user set`: creates or changes a user with what the flags give
 * (users_save, shared with the admin API). */
static int user_put(users_t *users, const char *name, const user_opts_t *o, bool create)
{
  char *password = o->password_stdin ? user_read_password() : util_strdup(o->password);
  users_edit_t e = {.full_name = o->full_name, .email = o->email, .groups = o->groups,
                    .password = password,
                    .admin = o->admin ? 1 : o->no_admin ? 0 : -1,
                    .restricted = o->restricted ? 1 : o->unrestricted ? 0 : -1,
                    .restrict_new = o->restrict_new};
  char *err = NULL;
  users_save_t r = users_save(users, name, &e, create, NULL, &err);
  if (r == USERS_SAVE_OK) {
    store_user_t *u = store_user_get(users_store(users), name);
    printf("user %s %s%s\n", name, create ? "added" : "updated", u && u->admin ? " (admin)" : "");
    store_user_free(u);
  } else {
    fprintf(stderr, "quire: %s%s\n", err, r == USERS_SAVE_EXISTS ? " (use 'quire user set')" : "");
  }
  if (password)
    memset(password, 0, strlen(password));
  free(password);
  free(err);
  return r == USERS_SAVE_OK ? 0 : r == USERS_SAVE_INVALID ? 2 : 1;
}

/* Prints one user as a table row or a JSON object member list. */
static void user_print(const store_user_t *u, int pins, int cards, bool json, bool first)
{
  time_t now = time(NULL);
  const char *lock = !users_is_locked(u, now) ? "" : u->locked_until == -1 ? "locked"
                     : "locked (timed)";
  if (json) {
    gchar *fn = g_strescape(u->full_name ? u->full_name : "", NULL);
    gchar *em = g_strescape(u->email ? u->email : "", NULL);
    gchar *gr = g_strescape(u->groups ? u->groups : "", NULL);
    printf("%s  {\"name\": \"%s\", \"full_name\": \"%s\", \"email\": \"%s\", \"groups\": \"%s\", "
           "\"admin\": %s, \"restricted\": %s, \"pins\": %d, \"cards\": %d, \"password\": %s, "
           "\"failed_logins\": %d, \"locked\": %s, \"last_login\": %lld}",
           first ? "" : ",\n", u->name, fn, em, gr, u->admin ? "true" : "false",
           u->restricted ? "true" : "false", pins, cards, u->password_hash ? "true" : "false",
           u->failed_logins, *lock ? "true" : "false", (long long)u->last_login);
    g_free(fn);
    g_free(em);
    g_free(gr);
    return;
  }
  printf("%-16s %-24s %-16s %-5s %-4s %-5s %-8s %s\n", u->name,
         u->full_name ? u->full_name : "", u->groups ? u->groups : "", u->admin ? "yes" : "",
         pins ? "yes" : "", cards ? "yes" : "", u->password_hash ? "yes" : "", lock);
}

/* `user list` and `user show`. */
static int user_list(users_t *users, const char *name, bool json)
{
  store_t *store = users_store(users);
  size_t n = 0;
  store_user_t **list = NULL, *one = NULL;
  if (name) {
    if (!(one = store_user_get(store, name))) {
      fprintf(stderr, "quire: no user %s\n", name);
      return 1;
    }
    list = &one;
    n = 1;
  } else if (!(list = store_user_list(store, &n))) {
    fprintf(stderr, "quire: cannot list users\n");
    return 1;
  }
  if (json)
    printf("[\n");
  else
    printf("%-16s %-24s %-16s %-5s %-4s %-5s %-8s %s\n", "USER", "NAME", "GROUPS", "ADMIN",
           "PIN", "CARD", "PASSWORD", "LOCK");
  for (size_t i = 0; i < n; i++)
    user_print(list[i], store_cred_count(store, list[i]->name, STORE_CRED_PIN),
               store_cred_count(store, list[i]->name, STORE_CRED_CARD), json, i == 0);
  if (json)
    printf("\n]\n");
  if (one)
    store_user_free(one);
  else
    store_users_free(list, n);
  return 0;
}

/* `user pin` and `user card`. */
static int user_credential(users_t *users, const char *name, store_cred_kind_t kind,
                           const user_opts_t *o)
{
  store_t *store = users_store(users);
  const char *secret = kind == STORE_CRED_PIN ? o->pin : o->card;
  char *err = NULL;
  store_user_t *u = name ? store_user_get(store, name) : NULL;
  if (!u) {
    fprintf(stderr, "quire: no user %s\n", name ? name : "(none given)");
    return 1;
  }
  store_user_free(u);
  if (kind == STORE_CRED_PIN && o->generate) {
    char *pin = users_generate_pin(users, name, o->digits, &err);
    if (pin)
      printf("new PIN for %s: %s\n", name, pin);
    else
      fprintf(stderr, "quire: %s\n", err);
    free(pin);
    free(err);
    return pin ? 0 : 1;
  }
  if (kind == STORE_CRED_PIN && secret && !o->clear) {
    store_cred_result_t r = users_set_pin(users, name, secret, &err);
    if (r != STORE_CRED_ADDED)
      fprintf(stderr, "quire: %s\n", err);
    else
      printf("PIN saved for %s\n", name);
    free(err);
    return r == STORE_CRED_ADDED ? 0 : 1;
  }
  if (o->clear) {
    int removed = 0;
    if (!store_cred_clear(store, name, kind, &removed)) {
      fprintf(stderr, "quire: cannot clear credentials of %s\n", name);
      return 1;
    }
    if (!secret)
      printf("%d %s(s) of %s removed\n", removed, kind == STORE_CRED_PIN ? "PIN" : "card", name);
  }
  if (!secret)
    return o->clear ? 0 : (user_usage(stderr), 2);
  if (users_add_credential(users, name, kind, secret, &err) != STORE_CRED_ADDED) {
    fprintf(stderr, "quire: %s\n", err);
    free(err);
    return 1;
  }
  printf("%s saved for %s\n", kind == STORE_CRED_PIN ? "PIN" : "card", name);
  return 0;
}

/* `user import FILE`. */
static int user_import(users_t *users, const char *path)
{
  FILE *f = path ? fopen(path, "r") : NULL;
  int imported = 0, failed = 0;
  if (!f) {
    fprintf(stderr, "quire: cannot open %s\n", path ? path : "(no file given)");
    return 2;
  }
  bool ok = users_import_csv(users, f, stderr, &imported, &failed);
  fclose(f);
  printf("%d user(s) imported, %d row(s) refused\n", imported, failed);
  return !ok ? 2 : failed ? 1 : 0;
}

/* Runs one subcommand on an open user service. */
static int user_run(users_t *users, const char *cmd, const char *name, const user_opts_t *o,
                    bool json)
{
  if (!strcmp(cmd, "add")) return user_put(users, name, o, true);
  if (!strcmp(cmd, "set")) return user_put(users, name, o, false);
  if (!strcmp(cmd, "list")) return user_list(users, NULL, json);
  if (!strcmp(cmd, "show")) return user_list(users, name, json);
  if (!strcmp(cmd, "pin")) return user_credential(users, name, STORE_CRED_PIN, o);
  if (!strcmp(cmd, "card")) return user_credential(users, name, STORE_CRED_CARD, o);
  if (!strcmp(cmd, "import")) return user_import(users, name);
  if (!strcmp(cmd, "del")) {
    bool ok = name && users_delete(users, name);
    if (!ok)
      fprintf(stderr, "quire: no user %s\n", name ? name : "(none given)");
    else
      printf("user %s deleted\n", name);
    return ok ? 0 : 1;
  }
  if (!strcmp(cmd, "unlock")) {
    bool ok = name && users_unlock(users, name);
    if (!ok)
      fprintf(stderr, "quire: no user %s\n", name ? name : "(none given)");
    else
      printf("user %s unlocked\n", name);
    return ok ? 0 : 1;
  }
  fprintf(stderr, "quire: unknown user command '%s'\n", cmd);
  user_usage(stderr);
  return 2;
}

int cli_user(cli_t *cli, int argc, char **argv)
{
  user_opts_t o;
  const char *name = NULL;
  if (argc < 2 || !strcmp(argv[1], "--help")) {
    user_usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const char *cmd = argv[1];
  if (!user_parse(argc - 1, argv + 1, &o, &name))
    return 2;
  o.restrict_new = cli->config->accounting.restrict_new_users;
  store_t *store = cli_store(cli);
  char *err = NULL;
  users_t *users = store ? users_open(store, cli->data_dir, &err) : NULL;
  int rc = 1;
  if (!users && store)
    fprintf(stderr, "quire: %s\n", err);
  if (users)
    rc = user_run(users, cmd, name, &o, cli->json || o.json);
  free(err);
  users_close(users);
  store_close(store);
  return rc;
}
