/*
 * users-import.c: CSV import of users (users.h), parsed with libcsv (RFC 4180: quoted fields,
 * embedded commas, quotes and newlines).
 */
#include "users.h"

#include "auth.h"
#include "util.h"

#include <csv.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { COL_USERNAME, COL_FULL_NAME, COL_EMAIL, COL_GROUPS, COL_PASSWORD, COL_PIN, COL_CARD,
       COL_ADMIN, COL_RESTRICTED, COL_COUNT };

static const char *const import_columns[COL_COUNT] = {
  "username", "full_name", "email", "groups", "password", "pin", "card", "admin", "restricted"};

/* Parser state: the header's column map, the current row, counters. */
typedef struct import_s {
  users_t *users;
  FILE *report;
  int map[64];             /* CSV field index -> COL_*, or -1 */
  size_t num_fields;
  bool header_done, has_username;
  char *row[COL_COUNT];
  size_t field;            /* index of the next field in the current row */
  long line;               /* line where the current row started */
  long lines_seen;
  int imported, failed;
} import_t;

/* Parses a yes/no cell; -1 when empty, -2 when invalid. */
static int import_bool(const char *v)
{
  if (!v || !*v)
    return -1;
  if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "y"))
    return 1;
  if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "n"))
    return 0;
  return -2;
}

/* A cell, or NULL when empty. */
static const char *import_cell(import_t *im, int col)
{
  return im->row[col] && *im->row[col] ? im->row[col] : NULL;
}

/* Builds the user to store from the row and what exists; NULL with *why when invalid. */
static store_user_t *import_user(import_t *im, const char *name, char **why)
{
  int admin = import_bool(import_cell(im, COL_ADMIN));
  int restricted = import_bool(import_cell(im, COL_RESTRICTED));
  if (admin == -2 || restricted == -2) {
    *why = util_strdup("admin and restricted must be yes or no");
    return NULL;
  }
  store_user_t *old = store_user_get(users_store(im->users), name);
  store_user_t *u = calloc(1, sizeof(*u));
  if (!u)
    abort();
  u->name = util_strdup(name);
#define KEEP(field, col) \
  u->field = util_strdup(import_cell(im, col) ? import_cell(im, col) : old ? old->field : NULL)
  KEEP(full_name, COL_FULL_NAME);
  KEEP(email, COL_EMAIL);
#undef KEEP
  if (import_cell(im, COL_GROUPS)) {
    u->groups = util_strdup(import_cell(im, COL_GROUPS));
    for (char *p = u->groups; *p; p++)
      if (*p == ';' || *p == '|')
        *p = ',';
  } else {
    u->groups = util_strdup(old ? old->groups : "");
  }
  u->admin = admin >= 0 ? admin == 1 : old && old->admin;
  u->restricted = restricted >= 0 ? restricted == 1 : old && old->restricted;
  u->created = old ? old->created : 0;
  if (import_cell(im, COL_PASSWORD) && !(u->password_hash = auth_password_hash(import_cell(im, COL_PASSWORD)))) {
    *why = util_strdup("cannot hash the password");
    store_user_free(u);
    u = NULL;
  } else if (u && !u->password_hash) {
    u->password_hash = util_strdup(old ? old->password_hash : NULL);
  }
  store_user_free(old);
  return u;
}

/* Stores one row; returns NULL or a malloc'd reason. */
static char *import_store(import_t *im)
{
  const char *name = import_cell(im, COL_USERNAME);
  char *why = NULL;
  if (!users_name_valid(name))
    return util_printf("invalid user name '%s'", name ? name : "");
  for (int col = COL_PIN; col <= COL_CARD; col++) {
    char norm[80];
    const char *bad = NULL;
    store_cred_kind_t kind = col == COL_PIN ? STORE_CRED_PIN : STORE_CRED_CARD;
    if (import_cell(im, col) && !users_secret_normalise(kind, import_cell(im, col), norm,
                                                        sizeof(norm), &bad))
      return util_printf("%s: %s", import_columns[col], bad);
  }
  store_user_t *u = import_user(im, name, &why);
  if (!u)
    return why;
  bool ok = store_user_put(users_store(im->users), u);
  store_user_free(u);
  if (!ok)
    return util_strdup("cannot store the user");
  for (int col = COL_PIN; col <= COL_CARD && !why; col++) {
    store_cred_kind_t kind = col == COL_PIN ? STORE_CRED_PIN : STORE_CRED_CARD;
    if (!import_cell(im, col))
      continue;
    if (!store_cred_clear(users_store(im->users), name, kind, NULL))
      return util_strdup("cannot replace the credentials");
    users_add_credential(im->users, name, kind, import_cell(im, col), &why);
  }
  return why;
}

/* libcsv callback: one field. */
static void import_field(void *data, size_t len, void *ctx)
{
  import_t *im = ctx;
  if (im->field == 0)
    im->line = im->lines_seen + 1;
  char *v = g_strndup(data ? data : "", len);
  g_strstrip(v);
  if (!im->header_done) {
    int col = -1;
    for (int i = 0; i < COL_COUNT; i++)
      if (!strcasecmp(v, import_columns[i]))
        col = i;
    if (im->num_fields < 64)
      im->map[im->num_fields++] = col;
    im->has_username |= col == COL_USERNAME;
  } else if (im->field < im->num_fields && im->map[im->field] >= 0) {
    int col = im->map[im->field];
    g_free(im->row[col]);
    im->row[col] = v;
    v = NULL;
  }
  im->field++;
  g_free(v);
}

/* libcsv callback: end of a row. */
static void import_row(int term, void *ctx)
{
  import_t *im = ctx;
  (void)term;
  if (!im->header_done) {
    im->header_done = true;
  } else if (im->field > 1 || import_cell(im, COL_USERNAME)) {
    char *why = import_store(im);
    if (why) {
      im->failed++;
      fprintf(im->report, "line %ld: %s: %s\n", im->line,
              import_cell(im, COL_USERNAME) ? import_cell(im, COL_USERNAME) : "(no username)",
              why);
      free(why);
    } else {
      im->imported++;
    }
  }
  for (int i = 0; i < COL_COUNT; i++) {
    g_free(im->row[i]);
    im->row[i] = NULL;
  }
  im->field = 0;
}

bool users_import_csv(users_t *users, FILE *in, FILE *report, int *imported, int *failed)
{
  struct csv_parser p;
  import_t im = {.users = users, .report = report, .line = 1};
  char buf[4096];
  size_t n;
  bool ok = csv_init(&p, CSV_APPEND_NULL) == 0;

  *imported = *failed = 0;
  while (ok && (n = fread(buf, 1, sizeof(buf), in)) > 0) {
    /* Fed line by line, so the callbacks know which line they are on. */
    for (size_t start = 0; ok && start < n;) {
      const char *nl = memchr(buf + start, '\n', n - start);
      size_t end = nl ? (size_t)(nl - buf) + 1 : n;
      if (csv_parse(&p, buf + start, end - start, import_field, import_row, &im) !=
          end - start) {
        fprintf(report, "line %ld: %s\n", im.lines_seen + 1, csv_strerror(csv_error(&p)));
        ok = false;
      }
      im.lines_seen += nl != NULL;
      start = end;
    }
  }
  if (ok && ferror(in)) {
    fprintf(report, "cannot read the file\n");
    ok = false;
  }
  if (ok)
    csv_fini(&p, import_field, import_row, &im);
  csv_free(&p);
  for (int i = 0; i < COL_COUNT; i++)
    g_free(im.row[i]);
  if (ok && !im.has_username) {
    fprintf(report, "the header row has no 'username' column\n");
    ok = false;
  }
  *imported = im.imported;
  *failed = im.failed;
  return ok;
}
