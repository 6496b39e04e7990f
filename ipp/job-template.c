/*
 * job-template.c: validation of the job template (and job-related operation) attributes of a
 * Print-Job, Validate-Job or Create-Job request against a queue's static printer attributes
 * (see printer-attrs.h).
 *
 * DESIGN. One table row per attribute: the value tags it may have, how many values, where it
 * may appear (operation and/or job group), the "-supported" attribute of the static set its
 * values are checked against, and how (contained in, range, resolution, boolean support,
 * collection members...). Collections (media-col, overrides) are checked member by member with
 * their own small tables, so what is advertised is exactly what is accepted.
 *
 * Verdicts, RFC 8011 section 4.1.7:
 *   - an operation attribute with a wrong value tag or count is a bad request (as CUPS does
 *     for job-name, requesting-user-name...), and so is any malformed value (one that
 *     value_wellformed rejects: bad UTF-8, a name over 255 octets, a range whose lower
 *     bound exceeds its upper one...) and page ranges that are not ascending;
 *   - a job template attribute with a value tag, count or value the queue does not support is
 *     "unsupported": it is returned in the unsupported-attributes group with just the values
 *     (or, for a collection, just the members) that are not supported, and an attribute the
 *     queue does not know at all is returned with the out-of-band value 'unsupported'. The job
 *     is then accepted with successful-ok-ignored-or-substituted-attributes, or refused with
 *     client-error-attributes-or-values-not-supported when ipp-attribute-fidelity is true.
 *
 * The static attributes are shared by every request thread: they are only read through
 * ipp_attrs_find_shared (printer-attrs.c), never with ippFindAttribute, which moves a cursor
 * stored in the message. The request and response belong to the calling thread.
 */
#include "printer-attrs.h"

#include <glib.h>

#include "../core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* True when every value of `attr` is well-formed for its syntax (RFC 8011 section 5.1):
 * UTF-8 text and names within their octet limits, keywords of the allowed characters, ranges
 * with lower <= upper, positive resolutions, and collection members recursively. This does
 * the checks of libcups's ippValidateAttribute that matter here without its cost: libcups
 * compiles a regular expression on every call, which was a third of a Print-Job's CPU time. */
static bool value_wellformed(ipp_attribute_t *attr)
{
  int n = ippGetCount(attr);
  ipp_tag_t tag = ippGetValueTag(attr);

  for (int i = 0; i < n; i++) {
    const char *s = NULL;
    size_t max = 0;
    switch (tag) {
    case IPP_TAG_TEXT: case IPP_TAG_TEXTLANG: max = 1023; break;
    case IPP_TAG_NAME: case IPP_TAG_NAMELANG: case IPP_TAG_KEYWORD: case IPP_TAG_MIMETYPE:
      max = 255; break;
    case IPP_TAG_URI: case IPP_TAG_URISCHEME: max = 1023; break;
    case IPP_TAG_RANGE: {
      int upper = 0;
      if (ippGetRange(attr, i, &upper) > upper)
        return false;
      break;
    }
    case IPP_TAG_RESOLUTION: {
      int y = 0;
      ipp_res_t units = IPP_RES_PER_INCH;
      if (ippGetResolution(attr, i, &y, &units) <= 0 || y <= 0 ||
          (units != IPP_RES_PER_INCH && units != IPP_RES_PER_CM))
        return false;
      break;
    }
    case IPP_TAG_BEGIN_COLLECTION: {
      ipp_t *col = ippGetCollection(attr, i);  /* the request's own: cursor use is fine */
      for (ipp_attribute_t *m = ippFirstAttribute(col); m; m = ippNextAttribute(col))
        if (!value_wellformed(m))
          return false;
      break;
    }
    default: break;
    }
    if (max && (!(s = ippGetString(attr, i, NULL)) || strlen(s) > max ||
                !g_utf8_validate(s, -1, NULL)))
      return false;
    if (tag == IPP_TAG_KEYWORD)
      for (const char *p = s; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
          return false;
  }
  return true;
}

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define MEDIA_SIZE_TOLERANCE 100  /* hundredths of mm a media-size may differ from a known one */
#define HASHED_PASSWORD_MAX  64   /* octets of a job-password hashed by the client */

typedef enum verdict_e { V_OK, V_UNSUPPORTED, V_BAD } verdict_t;

/* How the values of an attribute are checked against its "-supported" attribute. */
typedef enum check_e {
  CHK_NONE,        /* syntax only */
  CHK_CONTAINS,    /* value in the -supported list (strings, integers, enums, rangeOfInteger) */
  CHK_RANGE,       /* integer within [lo, hi] (the -supported attribute must exist) */
  CHK_RESOLUTION,  /* one of the -supported resolutions */
  CHK_BOOLEAN,     /* any value, if -supported is true */
  CHK_PASSWORD,    /* octetString no longer than -supported allows */
  CHK_RANGES,      /* ascending, non-overlapping 1-based ranges (-supported true, if named) */
  CHK_MEDIA_COL,   /* collection: members listed in -supported and checked by media_col_rows */
  CHK_MEDIA_SIZE,  /* collection: x/y-dimension of one of -supported's sizes */
  CHK_OVERRIDES,   /* collection: members listed in -supported, checked by their own rows */
} check_t;

enum { G_OP = 1, G_JOB = 2 };

typedef struct vrow_s {
  const char *name;
  ipp_tag_t tags[2];      /* allowed value tags (name/text also accept their WithLanguage form) */
  int max_count;          /* most values allowed; 0: any number (1setOf) */
  unsigned groups;        /* groups it may appear in (G_OP, G_JOB) */
  bool operation;         /* operation attribute: a syntax error is a bad request */
  const char *supported;  /* static attribute the values are checked against, or NULL */
  check_t check;
  int lo, hi;             /* CHK_RANGE bounds */
} vrow_t;

#define T1(a)    {IPP_TAG_##a, IPP_TAG_ZERO}
#define T2(a, b) {IPP_TAG_##a, IPP_TAG_##b}

/* Attributes of the request (operation and job groups). */
static const vrow_t job_rows[] = {
  {"requesting-user-name", T1(NAME), 1, G_OP, true, NULL, CHK_NONE, 0, 0},
  {"job-name", T1(NAME), 1, G_OP, true, NULL, CHK_NONE, 0, 0},
  {"document-name", T1(NAME), 1, G_OP, true, NULL, CHK_NONE, 0, 0},
  {"document-format", T1(MIMETYPE), 1, G_OP, true, NULL, CHK_NONE, 0, 0},
  {"compression", T1(KEYWORD), 1, G_OP, true, NULL, CHK_NONE, 0, 0},
  {"ipp-attribute-fidelity", T1(BOOLEAN), 1, G_OP, true, NULL, CHK_NONE, 0, 0},
  {"job-password", T1(STRING), 1, G_OP, true, "job-password-supported", CHK_PASSWORD, 0, 0},
  {"job-password-encryption", T1(KEYWORD), 1, G_OP, true, "job-password-encryption-supported",
   CHK_CONTAINS, 0, 0},
  {"copies", T1(INTEGER), 1, G_JOB, false, "copies-supported", CHK_CONTAINS, 0, 0},
  {"finishings", T1(ENUM), 0, G_JOB, false, "finishings-supported", CHK_CONTAINS, 0, 0},
  {"job-account-id", T1(NAME), 1, G_JOB, false, "job-account-id-supported", CHK_BOOLEAN, 0, 0},
  {"job-accounting-user-id", T1(NAME), 1, G_JOB, false, "job-accounting-user-id-supported",
   CHK_BOOLEAN, 0, 0},
  /* CUPS's print-job-hold.test sends job-hold-until in the operation group */
  {"job-hold-until", T2(KEYWORD, NAME), 1, G_OP | G_JOB, false, "job-hold-until-supported",
   CHK_CONTAINS, 0, 0},
  {"job-priority", T1(INTEGER), 1, G_JOB, false, "job-priority-supported", CHK_RANGE, 1, 100},
  {"job-sheets", T2(KEYWORD, NAME), 2, G_JOB, false, "job-sheets-supported", CHK_CONTAINS, 0, 0},
  {"media", T2(KEYWORD, NAME), 1, G_JOB, false, "media-supported", CHK_CONTAINS, 0, 0},
  {"media-col", T1(BEGIN_COLLECTION), 1, G_JOB, false, "media-col-supported", CHK_MEDIA_COL, 0,
   0},
  {"multiple-document-handling", T1(KEYWORD), 1, G_JOB, false,
   "multiple-document-handling-supported", CHK_CONTAINS, 0, 0},
  {"orientation-requested", T1(ENUM), 1, G_JOB, false, "orientation-requested-supported",
   CHK_CONTAINS, 0, 0},
  {"output-bin", T2(KEYWORD, NAME), 1, G_JOB, false, "output-bin-supported", CHK_CONTAINS, 0, 0},
  {"overrides", T1(BEGIN_COLLECTION), 0, G_JOB, false, "overrides-supported", CHK_OVERRIDES, 0,
   0},
  {"page-ranges", T1(RANGE), 0, G_JOB, false, "page-ranges-supported", CHK_RANGES, 0, 0},
  {"print-color-mode", T1(KEYWORD), 1, G_JOB, false, "print-color-mode-supported", CHK_CONTAINS,
   0, 0},
  {"print-content-optimize", T1(KEYWORD), 1, G_JOB, false, "print-content-optimize-supported",
   CHK_CONTAINS, 0, 0},
  {"print-quality", T1(ENUM), 1, G_JOB, false, "print-quality-supported", CHK_CONTAINS, 0, 0},
  {"print-rendering-intent", T1(KEYWORD), 1, G_JOB, false, "print-rendering-intent-supported",
   CHK_CONTAINS, 0, 0},
  {"print-scaling", T1(KEYWORD), 1, G_JOB, false, "print-scaling-supported", CHK_CONTAINS, 0, 0},
  {"printer-resolution", T1(RESOLUTION), 1, G_JOB, false, "printer-resolution-supported",
   CHK_RESOLUTION, 0, 0},
  {"sides", T1(KEYWORD), 1, G_JOB, false, "sides-supported", CHK_CONTAINS, 0, 0},
};

/* Members of media-col (each must also be listed in media-col-supported). */
static const vrow_t media_col_rows[] = {
  {"media-bottom-margin", T1(INTEGER), 1, G_JOB, false, "media-bottom-margin-supported",
   CHK_CONTAINS, 0, 0},
  {"media-left-margin", T1(INTEGER), 1, G_JOB, false, "media-left-margin-supported",
   CHK_CONTAINS, 0, 0},
  {"media-right-margin", T1(INTEGER), 1, G_JOB, false, "media-right-margin-supported",
   CHK_CONTAINS, 0, 0},
  {"media-size", T1(BEGIN_COLLECTION), 1, G_JOB, false, "media-size-supported", CHK_MEDIA_SIZE,
   0, 0},
  {"media-size-name", T2(KEYWORD, NAME), 1, G_JOB, false, "media-supported", CHK_CONTAINS, 0, 0},
  {"media-source", T2(KEYWORD, NAME), 1, G_JOB, false, "media-source-supported", CHK_CONTAINS,
   0, 0},
  {"media-top-margin", T1(INTEGER), 1, G_JOB, false, "media-top-margin-supported", CHK_CONTAINS,
   0, 0},
  {"media-type", T2(KEYWORD, NAME), 1, G_JOB, false, "media-type-supported", CHK_CONTAINS, 0, 0},
};

/* Members of overrides proper (each must be listed in overrides-supported); any other member
 * listed there is a job template attribute checked by its job_rows row. */
static const vrow_t override_rows[] = {
  {"document-numbers", T1(RANGE), 0, G_JOB, false, NULL, CHK_RANGES, 0, 0},
  {"pages", T1(RANGE), 0, G_JOB, false, NULL, CHK_RANGES, 0, 0},
};

/* State of one validation. */
typedef struct vctx_s {
  ipp_t *static_attrs;      /* shared: read with ipp_attrs_find_shared only */
  const char *encryption;   /* job-password-encryption of the request ("none" if absent) */
} vctx_t;

static verdict_t check_attr(vctx_t *v, const vrow_t *row, ipp_attribute_t *attr, ipp_t *report,
                            ipp_tag_t group);

/* Finds the row for `name` in `rows`, NULL if none. */
static const vrow_t *row_find(const vrow_t *rows, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (!strcmp(rows[i].name, name))
      return &rows[i];
  return NULL;
}

/* True if value tag `tag` is allowed by `row`. */
static bool row_tag_ok(const vrow_t *row, ipp_tag_t tag)
{
  if (tag == IPP_TAG_NAMELANG)
    tag = IPP_TAG_NAME;
  else if (tag == IPP_TAG_TEXTLANG)
    tag = IPP_TAG_TEXT;
  return tag != IPP_TAG_ZERO && (tag == row->tags[0] || tag == row->tags[1]);
}

/* ---- Reporting --------------------------------------------------------------------------- */

/* Puts a copy of all of `attr` into `report`, in `group`. The copy may share collections with
 * the request: both belong to the calling thread. */
static void report_whole(ipp_t *report, ipp_attribute_t *attr, ipp_tag_t group)
{
  ipp_attribute_t *copy = report ? ippCopyAttribute(report, attr, 0) : NULL;
  if (copy && ippGetGroupTag(copy) != group)
    ippSetGroupTag(report, &copy, group);
}

/* Reports attribute (or member) `name` as not supported at all (out-of-band 'unsupported'). */
static void report_unknown(ipp_t *report, const char *name, ipp_tag_t group)
{
  if (report)
    ippAddOutOfBand(report, group, IPP_TAG_UNSUPPORTED_VALUE, name);
}

/* Reports the values of `attr` whose verdict is not V_OK; a collection value with a partial
 * report (only its bad members) is reported as that partial. */
static void report_values(ipp_t *report, ipp_attribute_t *attr, ipp_tag_t group,
                          const verdict_t *verdicts, ipp_t **partials)
{
  int n = ippGetCount(attr), k = 0;
  ipp_tag_t tag = ippGetValueTag(attr);
  const char *name = ippGetName(attr);
  int *a = calloc((size_t)n, sizeof(int)), *b = calloc((size_t)n, sizeof(int));
  const char **s = calloc((size_t)n, sizeof(*s));
  ipp_t **c = calloc((size_t)n, sizeof(*c));
  ipp_res_t units = IPP_RES_PER_INCH;

  if (!a || !b || !s || !c)
    abort();  /* as util_strdup: a daemon that cannot allocate this cannot answer anyway */
  for (int i = 0; i < n; i++) {
    if (verdicts[i] == V_OK)
      continue;
    if (tag == IPP_TAG_INTEGER || tag == IPP_TAG_ENUM)
      a[k] = ippGetInteger(attr, i);
    else if (tag == IPP_TAG_RANGE)
      a[k] = ippGetRange(attr, i, &b[k]);
    else if (tag == IPP_TAG_RESOLUTION)
      a[k] = ippGetResolution(attr, i, &b[k], &units);
    else if (tag == IPP_TAG_BEGIN_COLLECTION)
      c[k] = partials[i] ? partials[i] : ippGetCollection(attr, i);
    else
      s[k] = ippGetString(attr, i, NULL);
    k++;
  }
  if (tag == IPP_TAG_INTEGER || tag == IPP_TAG_ENUM)
    ippAddIntegers(report, group, tag, name, k, a);
  else if (tag == IPP_TAG_RANGE)
    ippAddRanges(report, group, name, k, a, b);
  else if (tag == IPP_TAG_RESOLUTION)
    ippAddResolutions(report, group, name, k, units, a, b);
  else if (tag == IPP_TAG_BEGIN_COLLECTION)
    ippAddCollections(report, group, name, k, (const ipp_t **)c);
  else if (tag >= IPP_TAG_TEXT && tag <= IPP_TAG_MIMETYPE)
    ippAddStrings(report, group, tag, name, k, NULL, s);
  else
    report_whole(report, attr, group);  /* booleans, octetStrings, *WithLanguage */
  free(a);
  free(b);
  free(s);
  free(c);
}

/* ---- Value checks ------------------------------------------------------------------------ */

/* True if `v` matches one value of a dimension attribute (integer or range), within the
 * tolerance. */
static bool dimension_matches(ipp_attribute_t *dim, int v)
{
  for (int i = 0; i < ippGetCount(dim); i++) {
    int upper, lower;
    if (ippGetValueTag(dim) == IPP_TAG_RANGE)
      lower = ippGetRange(dim, i, &upper);
    else
      lower = upper = ippGetInteger(dim, i);
    if (v >= lower - MEDIA_SIZE_TOLERANCE && v <= upper + MEDIA_SIZE_TOLERANCE)
      return true;
  }
  return false;
}

/* True if (x, y) is one of the sizes of media-size-supported `sup`. */
static bool media_size_supported(ipp_attribute_t *sup, int x, int y)
{
  for (int i = 0; i < ippGetCount(sup); i++) {
    ipp_t *size = ippGetCollection(sup, i);
    if (dimension_matches(ipp_attrs_find_shared(size, "x-dimension"), x) &&
        dimension_matches(ipp_attrs_find_shared(size, "y-dimension"), y))
      return true;
  }
  return false;
}

/* Reads a single integer member of collection `col`; false if absent or of another syntax. */
static bool member_int(ipp_t *col, const char *name, int *value)
{
  ipp_attribute_t *m = ipp_attrs_find_shared(col, name);
  if (!m || ippGetValueTag(m) != IPP_TAG_INTEGER || ippGetCount(m) != 1)
    return false;
  *value = ippGetInteger(m, 0);
  return true;
}

/* Checks a media-size collection. Unknown members are reported in *partial (x/y-dimension
 * fine); a size that is missing or not supported makes the whole value unsupported. */
static verdict_t check_media_size(ipp_t *size, ipp_attribute_t *sup, ipp_t **partial)
{
  int x, y;

  if (!member_int(size, "x-dimension", &x) || !member_int(size, "y-dimension", &y) ||
      !media_size_supported(sup, x, y))
    return V_UNSUPPORTED;
  for (ipp_attribute_t *m = ippFirstAttribute(size); m; m = ippNextAttribute(size)) {
    const char *name = ippGetName(m);
    if (!name || !strcmp(name, "x-dimension") || !strcmp(name, "y-dimension"))
      continue;
    if (!*partial)
      *partial = ippNew();
    report_unknown(*partial, name, IPP_TAG_ZERO);
  }
  return *partial ? V_UNSUPPORTED : V_OK;
}

/* Checks the members of collection `col`: each must be listed in `allowed` and have a row in
 * `rows` (or, when `fallback` is set, a job template row of job_rows). Bad members go into
 * *partial. */
static verdict_t check_members(vctx_t *v, ipp_t *col, ipp_attribute_t *allowed,
                               const vrow_t *rows, size_t nrows, bool fallback, ipp_t **partial)
{
  verdict_t worst = V_OK;
  ipp_t *bad = ippNew();

  for (ipp_attribute_t *m = ippFirstAttribute(col); m; m = ippNextAttribute(col)) {
    const char *name = ippGetName(m);
    const vrow_t *row = NULL;
    if (!name)
      continue;
    if (ippContainsString(allowed, name)) {
      row = row_find(rows, nrows, name);
      if (!row && fallback)
        row = row_find(job_rows, N_ELEMS(job_rows), name);
      if (row && (row->operation || row->check == CHK_OVERRIDES))
        row = NULL;
    }
    verdict_t r = V_UNSUPPORTED;
    if (row)
      r = check_attr(v, row, m, bad, IPP_TAG_ZERO);
    else
      report_unknown(bad, name, IPP_TAG_ZERO);
    worst = r > worst ? r : worst;
  }
  if (worst == V_OK)
    ippDelete(bad);
  else
    *partial = bad;
  return worst;
}

/* Checks one page range (value i of attr): 1-based, lower <= upper, after the previous one. */
static verdict_t check_range_value(ipp_attribute_t *attr, int i)
{
  int upper, lower = ippGetRange(attr, i, &upper), prev_upper = 0;
  if (i > 0)
    ippGetRange(attr, i - 1, &prev_upper);
  return lower < 1 || upper < lower || lower <= prev_upper ? V_BAD : V_OK;
}

/* Checks a job-password value: at most job-password-supported octets in clear text, or a
 * hash of at most HASHED_PASSWORD_MAX octets. */
static verdict_t check_password(vctx_t *v, ipp_attribute_t *attr, int i, ipp_attribute_t *sup)
{
  int len = 0;
  int max = strcmp(v->encryption, "none") ? HASHED_PASSWORD_MAX : ippGetInteger(sup, 0);
  ippGetOctetString(attr, i, &len);
  return len >= 1 && len <= max ? V_OK : V_UNSUPPORTED;
}

/* True if resolution value i of `attr` is one of `sup`'s. */
static bool resolution_supported(ipp_attribute_t *attr, int i, ipp_attribute_t *sup)
{
  int y, sy;
  ipp_res_t units, su;
  int x = ippGetResolution(attr, i, &y, &units);
  for (int j = 0; j < ippGetCount(sup); j++)
    if (ippGetResolution(sup, j, &sy, &su) == x && sy == y && su == units)
      return true;
  return false;
}

/* True if value i of `attr` (string or integer) is in `sup`. */
static bool value_supported(ipp_attribute_t *attr, int i, ipp_attribute_t *sup)
{
  ipp_tag_t tag = ippGetValueTag(attr);
  if (tag == IPP_TAG_INTEGER || tag == IPP_TAG_ENUM)
    return ippContainsInteger(sup, ippGetInteger(attr, i));
  const char *s = ippGetString(attr, i, NULL);
  return s && ippContainsString(sup, s);
}

/* Checks value i of `attr` per `row`; for a collection, *partial may receive a report of just
 * its bad members. */
static verdict_t check_value(vctx_t *v, const vrow_t *row, ipp_attribute_t *attr, int i,
                             ipp_attribute_t *sup, ipp_t **partial)
{
  int n;
  switch (row->check) {
  case CHK_NONE:
    return V_OK;
  case CHK_CONTAINS:
    return value_supported(attr, i, sup) ? V_OK : V_UNSUPPORTED;
  case CHK_RANGE:
    n = ippGetInteger(attr, i);
    return n >= row->lo && n <= row->hi ? V_OK : V_UNSUPPORTED;
  case CHK_RESOLUTION:
    return resolution_supported(attr, i, sup) ? V_OK : V_UNSUPPORTED;
  case CHK_BOOLEAN:
    return ippGetBoolean(sup, 0) == 1 ? V_OK : V_UNSUPPORTED;
  case CHK_PASSWORD:
    return check_password(v, attr, i, sup);
  case CHK_RANGES:
    if (sup && ippGetBoolean(sup, 0) != 1)
      return V_UNSUPPORTED;
    return check_range_value(attr, i);
  case CHK_MEDIA_COL:
    return check_members(v, ippGetCollection(attr, i), sup, media_col_rows,
                         N_ELEMS(media_col_rows), false, partial);
  case CHK_MEDIA_SIZE:
    return check_media_size(ippGetCollection(attr, i), sup, partial);
  case CHK_OVERRIDES:
    return check_members(v, ippGetCollection(attr, i), sup, override_rows,
                         N_ELEMS(override_rows), true, partial);
  }
  return V_UNSUPPORTED;
}

/* Checks `attr` against `row` (syntax, count, then each value) and reports what is not
 * supported into `report` (the response, or a partial collection) in `group`. */
static verdict_t check_attr(vctx_t *v, const vrow_t *row, ipp_attribute_t *attr, ipp_t *report,
                            ipp_tag_t group)
{
  int n = ippGetCount(attr);
  ipp_attribute_t *sup = row->supported ? ipp_attrs_find_shared(v->static_attrs, row->supported)
                                        : NULL;

  if (!row_tag_ok(row, ippGetValueTag(attr)) || n < 1 || (row->max_count && n > row->max_count)) {
    report_whole(report, attr, group);
    return row->operation ? V_BAD : V_UNSUPPORTED;
  }
  if (!value_wellformed(attr)) {  /* malformed: bad UTF-8, over-long name, lower > upper... */
    report_whole(report, attr, group);
    return V_BAD;
  }
  if (row->supported && !sup) {
    report_whole(report, attr, group);
    return V_UNSUPPORTED;
  }
  verdict_t worst = V_OK;
  verdict_t *verdicts = calloc((size_t)n, sizeof(*verdicts));
  ipp_t **partials = calloc((size_t)n, sizeof(*partials));
  if (!verdicts || !partials)
    abort();  /* as util_strdup */
  for (int i = 0; i < n; i++) {
    verdicts[i] = check_value(v, row, attr, i, sup, &partials[i]);
    worst = verdicts[i] > worst ? verdicts[i] : worst;
  }
  if (worst != V_OK && report)
    report_values(report, attr, group, verdicts, partials);
  for (int i = 0; i < n; i++)
    ippDelete(partials[i]);
  free(verdicts);
  free(partials);
  return worst;
}

/* ---- Entry point ------------------------------------------------------------------------- */

/* Sets *message for `status`, naming the first attribute at fault. */
static void validate_message(const char **message, ipp_status_t status, const char *name)
{
  static _Thread_local char buf[160];

  if (!message)
    return;
  if (status == IPP_STATUS_OK) {
    *message = NULL;
    return;
  }
  if (status == IPP_STATUS_ERROR_BAD_REQUEST)
    snprintf(buf, sizeof(buf), "Bad %s value.", name);
  else if (status == IPP_STATUS_ERROR_ATTRIBUTES_OR_VALUES)
    snprintf(buf, sizeof(buf), "Unsupported %s value (ipp-attribute-fidelity is true).", name);
  else
    snprintf(buf, sizeof(buf), "Unsupported attributes or values ignored, first: %s.", name);
  *message = buf;
}

/* Reads the boolean operation attribute `name` (false if absent or malformed). */
static bool request_flag(ipp_t *request, const char *name)
{
  ipp_attribute_t *a = ippFindAttribute(request, name, IPP_TAG_ZERO);
  return a && ippGetGroupTag(a) == IPP_TAG_OPERATION && ippGetValueTag(a) == IPP_TAG_BOOLEAN &&
         ippGetCount(a) == 1 && ippGetBoolean(a, 0) == 1;
}

/* Reads job-password-encryption ("none" if absent or malformed). */
static const char *request_encryption(ipp_t *request)
{
  ipp_attribute_t *a = ippFindAttribute(request, "job-password-encryption", IPP_TAG_KEYWORD);
  const char *s = a && ippGetGroupTag(a) == IPP_TAG_OPERATION ? ippGetString(a, 0, NULL) : NULL;
  return s ? s : "none";
}

ipp_status_t ipp_job_attrs_validate(ipp_t *request, ipp_t *static_attrs, ipp_t *response,
                                    const char **message)
{
  vctx_t v = {.static_attrs = static_attrs, .encryption = request_encryption(request)};
  bool fidelity = request_flag(request, "ipp-attribute-fidelity");
  verdict_t worst = V_OK;
  const char *first = NULL;

  /* The loop moves the request's own cursor: nothing below may call ippFindAttribute on it. */
  for (ipp_attribute_t *a = ippFirstAttribute(request); a; a = ippNextAttribute(request)) {
    const char *name = ippGetName(a);
    ipp_tag_t group = ippGetGroupTag(a);
    if (!name || (group != IPP_TAG_OPERATION && group != IPP_TAG_JOB))
      continue;
    const vrow_t *row = row_find(job_rows, N_ELEMS(job_rows), name);
    unsigned where = group == IPP_TAG_OPERATION ? G_OP : G_JOB;
    verdict_t r;
    if (row && (row->groups & where))
      r = check_attr(&v, row, a, response, IPP_TAG_UNSUPPORTED_GROUP);
    else if (group == IPP_TAG_JOB) {
      report_unknown(response, name, IPP_TAG_UNSUPPORTED_GROUP);
      r = V_UNSUPPORTED;
    } else
      continue;  /* other operation attributes are the operation handler's business */
    if (r > worst || (r != V_OK && !first))
      first = name;
    worst = r > worst ? r : worst;
  }

  ipp_status_t status = worst == V_BAD ? IPP_STATUS_ERROR_BAD_REQUEST
                        : worst == V_UNSUPPORTED ? (fidelity ? IPP_STATUS_ERROR_ATTRIBUTES_OR_VALUES
                                                             : IPP_STATUS_OK_IGNORED_OR_SUBSTITUTED)
                        : IPP_STATUS_OK;
  validate_message(message, status, first);
  if (status != IPP_STATUS_OK)
    log_debug("job attributes: %s (%s)", ippErrorString(status), first);
  return status;
}

/* Test hook (declare it where needed): row `i` of validation table `table` (0: request
 * attributes, 1: media-col members, 2: overrides members). Sets the attribute name, the static
 * attribute its values are checked against (NULL if none) and whether it is an operation
 * attribute. Returns false past the end of the table. */
bool ipp_job_attrs_table_row(int table, size_t i, const char **name, const char **supported,
                             bool *operation)
{
  const vrow_t *rows = table == 0 ? job_rows : table == 1 ? media_col_rows : override_rows;
  size_t n = table == 0 ? N_ELEMS(job_rows) : table == 1 ? N_ELEMS(media_col_rows)
                                                       : N_ELEMS(override_rows);
  if (table < 0 || table > 2 || i >= n)
    return false;
  *name = rows[i].name;
  *supported = rows[i].supported;
  *operation = rows[i].operation;
  return true;
}
