/*
 * test-ipp-attrs.c: unit tests of ipp/printer-attrs.c (static and dynamic printer attributes,
 * requested-attributes filtering) and ipp/job-template.c (job ticket validation).
 */
#include "../../ipp/printer-attrs.h"
#include "../../core/config.h"
#include "../../core/log.h"
#include "test.h"

#include <pthread.h>
#include <regex.h>
#include <stdlib.h>


#define UUID "urn:uuid:87cbbc61-27a0-34f3-6ae5-a01c4e490ddf"
#define MAX_DOC (64LL * 1024 * 1024)

/* ipp-2.0.test's MEDIA_REGEX ("$$" there is ipptool's escape for "$"). */
#define PWG_DIM "([1-9][0-9]*(\\.[0-9]*[1-9])?|0\\.[0-9]*[1-9])"
#define PWG_IN "(custom|na|asme|roc|oe|roll)_[a-z0-9][-a-z0-9]*_" PWG_DIM "x" PWG_DIM "in"
#define PWG_MM "(custom|iso|jis|jpn|prc|om|roll)_[a-z0-9][-a-z0-9]*_" PWG_DIM "x" PWG_DIM "mm"
#define MEDIA_REGEX "^(choice(_(" PWG_IN "|" PWG_MM ")){2,}|" PWG_IN "|" PWG_MM ")$"

/* Operation attribute names of RFC 8011 / PWG 5100.x that may reach the validator (the
 * libcups group lists only cover printer-description and job-template attributes). */
static const char *const operation_attr_names[] = {
  "attributes-charset", "attributes-natural-language", "compression", "document-format",
  "document-name", "document-natural-language", "document-uri", "ipp-attribute-fidelity",
  "job-id", "job-impressions", "job-k-octets", "job-media-sheets", "job-name", "job-password",
  "job-password-encryption", "job-uri", "last-document", "limit", "my-jobs", "printer-uri",
  "requested-attributes", "requesting-user-name", "which-jobs",
};

/* Registered attributes libcups 2.4's "printer-description"/"job-template" lists lack
 * (job-accounting-user-id is there, but glued to the previous names by a missing comma). */
static const char *const extra_attr_names[] = {
  "job-accounting-user-id", "job-password-repertoire-configured",
  "job-password-repertoire-supported", "media-col-database",
};

static quire_queue_config_t queue_make(const char *name, quire_color_policy_t color,
                                       quire_duplex_policy_t duplex, const char *media)
{
  quire_queue_config_t q = {
    .name = (char *)name, .info = (char *)"Second floor pull queue",
    .location = (char *)"Building A", .make_model = (char *)"Acme Pull Gateway",
    .color = color, .duplex = duplex, .auth_basic = false, .media_default = (char *)media,
  };
  return q;
}

static ipp_attribute_t *find(ipp_t *ipp, const char *name)
{
  return ippFindAttribute(ipp, name, IPP_TAG_ZERO);
}

/* True if `attr` holds exactly the strings `values` (n of them), in any order. */
static bool has_exactly(ipp_attribute_t *attr, const char *const *values, int n)
{
  if (!attr || ippGetCount(attr) != n)
    return false;
  for (int i = 0; i < n; i++)
    if (!ippContainsString(attr, values[i]))
      return false;
  return true;
}

static bool matches(const char *pattern, const char *s)
{
  regex_t re;
  if (!s || regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB))
    return false;
  bool ok = regexec(&re, s, 0, NULL, 0) == 0;
  regfree(&re);
  return ok;
}

/* cups_array_t callbacks for C strings. */
static int str_cmp(void *a, void *b, void *data)
{
  (void)data;
  return strcmp(a, b);
}

static void str_free(void *s, void *data)
{
  (void)data;
  free(s);
}

static bool in_list(const char *name, const char *const *list, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!strcmp(name, list[i]))
      return true;
  return false;
}

/* ---- Static attributes -------------------------------------------------------------------- */

static void test_common(ipp_t *a)
{
  static const int ops[] = {0x02, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0A, 0x0B, 0x39, 0x3B, 0x3C};
  ipp_attribute_t *attr = find(a, "operations-supported");

  CHECK(attr && ippGetValueTag(attr) == IPP_TAG_ENUM);
  CHECK(ippGetCount(attr) == 11 && ipp_printer_num_ops_supported == 11);
  for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
    CHECK(ippContainsInteger(attr, ops[i]));

  const char *formats[] = {"application/pdf", "image/jpeg", "image/urf", "image/pwg-raster",
                           "application/octet-stream"};
  attr = find(a, "document-format-supported");
  CHECK(has_exactly(attr, formats, 5) && ippGetValueTag(attr) == IPP_TAG_MIMETYPE);
  CHECK_STR(ippGetString(find(a, "document-format-default"), 0, NULL), "application/octet-stream");

  attr = find(a, "printer-uuid");
  CHECK(attr && ippGetValueTag(attr) == IPP_TAG_URI && ippGetCount(attr) == 1);
  CHECK_STR(ippGetString(attr, 0, NULL), UUID);

  attr = find(a, "media-default");
  CHECK(attr && ippGetCount(attr) == 1 && matches(MEDIA_REGEX, ippGetString(attr, 0, NULL)));
  attr = find(a, "media-supported");
  for (int i = 0; attr && i < ippGetCount(attr); i++)
    CHECK(matches(MEDIA_REGEX, ippGetString(attr, i, NULL)));
  CHECK(ippContainsString(find(a, "media-ready"), "iso_a4_210x297mm"));
  CHECK(ippContainsString(find(a, "media-ready"), "na_letter_8.5x11in"));
  CHECK(ippGetCount(find(a, "media-col-database")) == 2 * ippGetCount(attr));
  CHECK(ippGetCount(find(a, "media-size-supported")) == ippGetCount(attr));
  CHECK(ippGetCount(find(a, "media-col-ready")) == ippGetCount(find(a, "media-ready")));
  CHECK(ippContainsInteger(find(a, "media-top-margin-supported"), 0));

  CHECK(matches("^([-A-Za-z ]+:[^;]*;)+$", ippGetString(find(a, "printer-device-id"), 0, NULL)));
  CHECK(ippGetValueTag(find(a, "printer-geo-location")) == IPP_TAG_UNKNOWN);
  CHECK(ippContainsString(find(a, "ipp-versions-supported"), "2.0"));
  CHECK(ippContainsString(find(a, "ipp-features-supported"), "ipp-everywhere"));
  CHECK(ippContainsString(find(a, "job-hold-until-supported"), "indefinite"));
  CHECK(ippContainsString(find(a, "job-hold-until-supported"), "no-hold"));
  CHECK_STR(ippGetString(find(a, "job-hold-until-default"), 0, NULL), "indefinite");
  CHECK(ippGetInteger(find(a, "job-password-supported"), 0) == 4);
  CHECK(ippGetValueTag(find(a, "copies-supported")) == IPP_TAG_RANGE);
  CHECK(ippContainsInteger(find(a, "finishings-supported"), 3));
  int upper = 0;
  CHECK(ippGetRange(find(a, "job-k-octets-supported"), 0, &upper) == 0 &&
        upper == MAX_DOC / 1024);
  CHECK(ippGetCount(find(a, "printer-supply")) ==
        ippGetCount(find(a, "printer-supply-description")));
  CHECK(!find(a, "printer-uri-supported"));  /* dynamic, not static */
}

static void test_color_duplex(void)
{
  quire_queue_config_t q = queue_make("color", QUIRE_COLOR_AUTO, QUIRE_DUPLEX_OPTIONAL, NULL);
  ipp_t *a = ipp_printer_attrs_create(&q, UUID, MAX_DOC);
  const char *modes[] = {"auto", "color", "monochrome"};
  const char *sides[] = {"one-sided", "two-sided-long-edge", "two-sided-short-edge"};

  CHECK(a != NULL);
  if (!a)
    return;
  test_common(a);
  CHECK(ippGetBoolean(find(a, "color-supported"), 0) == 1);
  CHECK(has_exactly(find(a, "print-color-mode-supported"), modes, 3));
  CHECK_STR(ippGetString(find(a, "print-color-mode-default"), 0, NULL), "auto");
  CHECK(has_exactly(find(a, "sides-supported"), sides, 3));
  CHECK_STR(ippGetString(find(a, "sides-default"), 0, NULL), "one-sided");
  CHECK(ippContainsString(find(a, "urf-supported"), "SRGB24"));
  CHECK(ippContainsString(find(a, "urf-supported"), "DM1"));
  CHECK(ippContainsString(find(a, "urf-supported"), "W8"));
  CHECK(ippContainsString(find(a, "pwg-raster-document-type-supported"), "srgb_8"));
  CHECK(find(a, "pages-per-minute-color") != NULL);
  CHECK(ippContainsString(find(a, "printer-kind"), "photo"));
  CHECK_STR(ippGetString(find(a, "media-default"), 0, NULL), "iso_a4_210x297mm");
  CHECK_STR(ippGetString(find(a, "printer-name"), 0, NULL), "color");
  ippDelete(a);
}

static void test_mono_simplex(void)
{
  quire_queue_config_t q = queue_make("mono", QUIRE_COLOR_MONOCHROME, QUIRE_DUPLEX_OFF,
                                      "na_letter_8.5x11in");
  ipp_t *a = ipp_printer_attrs_create(&q, UUID, MAX_DOC);
  const char *mono[] = {"monochrome"}, *simplex[] = {"one-sided"};

  CHECK(a != NULL);
  if (!a)
    return;
  test_common(a);
  CHECK(ippGetBoolean(find(a, "color-supported"), 0) == 0);
  CHECK(has_exactly(find(a, "print-color-mode-supported"), mono, 1));
  CHECK_STR(ippGetString(find(a, "print-color-mode-default"), 0, NULL), "monochrome");
  CHECK(has_exactly(find(a, "sides-supported"), simplex, 1));
  CHECK(!ippContainsString(find(a, "urf-supported"), "SRGB24"));
  CHECK(!ippContainsString(find(a, "urf-supported"), "DM1"));
  CHECK(ippContainsString(find(a, "urf-supported"), "W8"));
  CHECK(!ippContainsString(find(a, "pwg-raster-document-type-supported"), "srgb_8"));
  CHECK(find(a, "pages-per-minute-color") == NULL);  /* ipp-2.0.test: absent when mono */
  CHECK(!ippContainsString(find(a, "printer-kind"), "photo"));
  CHECK_STR(ippGetString(find(a, "media-default"), 0, NULL), "na_letter_8.5x11in");
  CHECK_STR(ippGetString(find(a, "media-ready"), 0, NULL), "na_letter_8.5x11in");
  CHECK(ippGetCount(find(a, "media-ready")) == 2);
  ippDelete(a);
}

/* Other policies and configured values: duplex by default, legacy and unknown media names,
 * over-long texts, a queue from the built-in default configuration. */
static void test_queue_variants(void)
{
  quire_queue_config_t q = queue_make("dup", QUIRE_COLOR_AUTO, QUIRE_DUPLEX_DEFAULT, "iso-a5");
  char info[400] = "";
  for (int i = 0; i < 100; i++)
    strcat(info, "\xc3\xa9t");  /* "ét": 3 bytes, 2 characters */
  q.info = info;
  ipp_t *a = ipp_printer_attrs_create(&q, UUID, 0);
  CHECK(a != NULL);
  CHECK_STR(ippGetString(find(a, "sides-default"), 0, NULL), "two-sided-long-edge");
  CHECK_STR(ippGetString(find(a, "media-default"), 0, NULL), "iso_a5_148x210mm");
  ipp_attribute_t *attr = find(a, "printer-info");
  CHECK(attr && strlen(ippGetString(attr, 0, NULL)) <= 127 && ippValidateAttribute(attr));
  int upper = 0;
  ippGetRange(find(a, "job-k-octets-supported"), 0, &upper);
  CHECK(upper == 2147483647);  /* no limit configured */
  ippDelete(a);

  q.media_default = (char *)"A5";  /* PPD name */
  a = ipp_printer_attrs_create(&q, UUID, MAX_DOC);
  CHECK_STR(ippGetString(find(a, "media-default"), 0, NULL), "iso_a5_148x210mm");
  ippDelete(a);

  q.media_default = (char *)"no_such_medium";
  a = ipp_printer_attrs_create(&q, UUID, MAX_DOC);
  CHECK_STR(ippGetString(find(a, "media-default"), 0, NULL), "iso_a4_210x297mm");
  ippDelete(a);

  q.media_default = (char *)"jis_b5_182x257mm";  /* known to libcups, not in our list */
  a = ipp_printer_attrs_create(&q, UUID, MAX_DOC);
  CHECK(ippContainsString(find(a, "media-supported"), "jis_b5_182x257mm"));
  CHECK_STR(ippGetString(find(a, "media-ready"), 0, NULL), "jis_b5_182x257mm");
  ippDelete(a);

  char *err = NULL;
  quire_config_t *config = config_load(NULL, &err);
  CHECK(config && config->num_queues == 1);
  if (config) {
    a = ipp_printer_attrs_create(&config->queues[0], UUID, config->max_document_size);
    CHECK(a != NULL);
    CHECK_STR(ippGetString(find(a, "printer-name"), 0, NULL), config->queues[0].name);
    ippDelete(a);
  }
  config_free(config);
  free(err);
}

/* ---- Name tables -------------------------------------------------------------------------- */

/* Adds to `known` libcups's expansion of requested-attributes group `group`. */
static void known_add_group(cups_array_t *known, const char *group)
{
  ipp_t *req = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", NULL, group);
  cups_array_t *ra = ippCreateRequestedArray(req);
  for (const char *s = cupsArrayFirst(ra); s; s = cupsArrayNext(ra))
    cupsArrayAdd(known, strdup(s));
  cupsArrayDelete(ra);
  ippDelete(req);
}

static bool known_has(cups_array_t *known, const char *name)
{
  return cupsArrayFind(known, (void *)name) != NULL ||
         in_list(name, extra_attr_names, sizeof(extra_attr_names) / sizeof(extra_attr_names[0]));
}

/* Every static attribute must be a registered printer attribute. */
static void test_static_names(ipp_t *a, cups_array_t *known)
{
  for (ipp_attribute_t *attr = ippFirstAttribute(a); attr; attr = ippNextAttribute(a)) {
    const char *name = ippGetName(attr);
    if (!known_has(known, name)) {
      fprintf(stderr, "unknown static attribute %s\n", name);
      CHECK(!"static attribute name is a registered IPP attribute");
    }
  }
  CHECK(!known_has(known, "print-colour-mode-supported"));  /* the check can fail */
}

/* The -supported counterpart a validation row may name instead of NAME-supported. */
static bool supported_name_ok(const char *name, const char *supported)
{
  char want[128];
  snprintf(want, sizeof(want), "%s-supported", name);
  return !strcmp(supported, want) ||
         (!strcmp(name, "media-size-name") && !strcmp(supported, "media-supported"));
}

/* Validation rows: registered names, a -supported counterpart present in the static set and
 * a -default for the job template attributes that have one. */
static void test_table_names(ipp_t *a, cups_array_t *known)
{
  const char *name, *supported;
  bool op;
  size_t n = 0;
  ipp_attribute_t *creation = find(a, "job-creation-attributes-supported");

  for (size_t i = 0; ipp_job_attrs_table_row(0, i, &name, &supported, &op); i++, n++) {
    bool registered = op ? in_list(name, operation_attr_names, sizeof(operation_attr_names) /
                                   sizeof(operation_attr_names[0]))
                         : known_has(known, name);
    if (!registered || (supported && (!supported_name_ok(name, supported) || !find(a, supported))))
      fprintf(stderr, "validation row %s (%s) is wrong\n", name, supported ? supported : "-");
    CHECK(registered);
    CHECK(!supported || (supported_name_ok(name, supported) && find(a, supported)));
    if (!op) {
      char def[128];
      snprintf(def, sizeof(def), "%s-default", name);
      CHECK(find(a, def) || !strcmp(name, "page-ranges") || !strcmp(name, "overrides"));
      CHECK(ippContainsString(creation, name));
    }
  }
  CHECK(n > 20);
  for (int i = 0; i < ippGetCount(creation); i++) {  /* advertised => validated */
    bool found = false;
    for (size_t j = 0; ipp_job_attrs_table_row(0, j, &name, &supported, &op); j++)
      found = found || !strcmp(name, ippGetString(creation, i, NULL));
    CHECK(found);
  }
  for (size_t i = 0; ipp_job_attrs_table_row(1, i, &name, &supported, &op); i++) {
    CHECK(ippContainsString(find(a, "media-col-supported"), name));
    CHECK(supported && supported_name_ok(name, supported) && find(a, supported));
  }
  for (size_t i = 0; ipp_job_attrs_table_row(2, i, &name, &supported, &op); i++)
    CHECK(ippContainsString(find(a, "overrides-supported"), name));
  CHECK(!ipp_job_attrs_table_row(3, 0, &name, &supported, &op));
}

static void test_names(void)
{
  quire_queue_config_t q = queue_make("names", QUIRE_COLOR_AUTO, QUIRE_DUPLEX_OPTIONAL, NULL);
  ipp_t *a = ipp_printer_attrs_create(&q, UUID, MAX_DOC);
  cups_array_t *known = cupsArrayNew3(str_cmp, NULL, NULL, 0, NULL, str_free);

  known_add_group(known, "printer-description");
  known_add_group(known, "job-template");
  CHECK(cupsArrayCount(known) > 300);
  test_static_names(a, known);
  test_table_names(a, known);
  cupsArrayDelete(known);
  ippDelete(a);
}

/* ---- ipp_printer_attrs_copy --------------------------------------------------------------- */

/* Runs ipp_printer_attrs_copy for requested-attributes `names` (NULL: none sent). */
static ipp_t *copy_for(ipp_t *a, const char *const *names, int n)
{
  ipp_t *req = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES), *resp = ippNew();
  if (names)
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", n, NULL,
                  names);
  cups_array_t *ra = ippCreateRequestedArray(req);
  ipp_printer_attrs_copy(resp, a, req, ra);
  cupsArrayDelete(ra);
  ippDelete(req);
  return resp;
}

static void test_copy(void)
{
  quire_queue_config_t q = queue_make("copy", QUIRE_COLOR_AUTO, QUIRE_DUPLEX_OPTIONAL, NULL);
  ipp_t *a = ipp_printer_attrs_create(&q, UUID, MAX_DOC), *r;
  const char *all[] = {"all", "media-col-database"};

  r = copy_for(a, NULL, 0);
  CHECK(find(r, "printer-name") && find(r, "copies-supported") && !find(r, "media-col-database"));
  CHECK(ippGetGroupTag(find(r, "printer-name")) == IPP_TAG_PRINTER);
  ippDelete(r);
  r = copy_for(a, all, 1);
  CHECK(find(r, "printer-name") && find(r, "urf-supported") && !find(r, "media-col-database"));
  CHECK(find(r, "job-password-repertoire-supported"));
  ippDelete(r);
  r = copy_for(a, all, 2);
  CHECK(find(r, "printer-name") && find(r, "media-col-database") && find(r, "media-col-ready"));
  CHECK(find(r, "job-password-repertoire-supported") && find(r, "mopria-certified"));
  ippDelete(r);
  r = copy_for(a, all + 1, 1);
  CHECK(find(r, "media-col-database") && !find(r, "printer-name"));
  ippDelete(r);
  const char *jt[] = {"job-template"}, *pd[] = {"printer-description"};
  const char *pdef[] = {"printer-defaults"}, *one[] = {"printer-uri-supported"};
  r = copy_for(a, jt, 1);
  CHECK(find(r, "copies-supported") && find(r, "media-col-default") && !find(r, "printer-name"));
  CHECK(!find(r, "media-col-database"));
  ippDelete(r);
  r = copy_for(a, pd, 1);
  CHECK(find(r, "printer-name") && find(r, "urf-supported") && !find(r, "copies-supported"));
  CHECK(find(r, "job-password-repertoire-supported"));
  ippDelete(r);
  r = copy_for(a, pdef, 1);
  CHECK(find(r, "copies-default") && find(r, "media-col-default") && !find(r, "copies-supported"));
  ippDelete(r);
  r = copy_for(a, one, 1);
  CHECK(ippFirstAttribute(r) == NULL);  /* static set has no printer-uri-supported */
  ippDelete(r);

  /* Copies own their collections: they outlive the static attributes. */
  r = copy_for(a, all, 2);
  ippDelete(a);
  ipp_attribute_t *col = find(r, "media-col-default");
  ipp_t *size = ippGetCollection(ippFindAttribute(ippGetCollection(col, 0), "media-size",
                                                  IPP_TAG_BEGIN_COLLECTION), 0);
  CHECK(ippGetInteger(ippFindAttribute(size, "x-dimension", IPP_TAG_INTEGER), 0) == 21000);
  CHECK(ippGetCount(find(r, "media-col-database")) == 22);
  ippDelete(r);
}

/* ---- Dynamic attributes ------------------------------------------------------------------- */

static ipp_printer_dynamic_t dyn_make(const char *host, bool tls)
{
  ipp_printer_dynamic_t d = {
    .host = host, .port = 8631, .tls_available = tls, .resource = "/ipp/print/q1",
    .state = IPP_PSTATE_IDLE, .state_reasons = NULL, .state_message = NULL, .accepting = true,
    .queued_jobs = 3, .start_time = time(NULL), .config_time = time(NULL) - 10,
    .state_time = 0,
  };
  return d;
}

static void test_dynamic(void)
{
  ipp_printer_dynamic_t d = dyn_make("printer.local", false);
  ipp_t *r = ippNew();

  ipp_printer_attrs_add_dynamic(r, &d, false, NULL);
  ipp_attribute_t *uris = find(r, "printer-uri-supported"), *sec = find(r, "uri-security-supported");
  ipp_attribute_t *auth = find(r, "uri-authentication-supported");
  CHECK(ippGetCount(uris) == 1 && ippGetCount(sec) == 1 && ippGetCount(auth) == 1);
  CHECK_STR(ippGetString(uris, 0, NULL), "ipp://printer.local:8631/ipp/print/q1");
  CHECK_STR(ippGetString(sec, 0, NULL), "none");
  CHECK_STR(ippGetString(auth, 0, NULL), "requesting-user-name");
  CHECK_STR(ippGetString(find(r, "printer-more-info"), 0, NULL), "http://printer.local:8631/");
  CHECK_STR(ippGetString(find(r, "printer-icons"), 0, NULL), "http://printer.local:8631/icon.png");
  CHECK(ippGetInteger(find(r, "printer-up-time"), 0) >= 1);
  CHECK(ippGetValueTag(find(r, "printer-current-time")) == IPP_TAG_DATE);
  CHECK(ippGetValueTag(find(r, "printer-config-change-date-time")) == IPP_TAG_DATE);
  CHECK(ippGetInteger(find(r, "printer-config-change-time"), 0) == 0);
  CHECK(ippGetInteger(find(r, "printer-state"), 0) == IPP_PSTATE_IDLE);
  CHECK_STR(ippGetString(find(r, "printer-state-reasons"), 0, NULL), "none");
  CHECK(ippGetBoolean(find(r, "printer-is-accepting-jobs"), 0) == 1);
  CHECK(ippGetInteger(find(r, "queued-job-count"), 0) == 3);
  CHECK(find(r, "printer-state-message") != NULL);
  ippDelete(r);
}

/* Host forms: IPv6 literals (bare, bracketed, with a zone), TLS and Basic lists. */
static void test_dynamic_hosts(void)
{
  ipp_printer_dynamic_t d = dyn_make("fe80::1%eth0", true);
  ipp_attribute_t *uris, *sec, *auth;
  ipp_t *r;  /* IPv6 literal with a zone, TLS, Basic */
  d.state_reasons = "media-needed, moving-to-paused";
  r = ippNew();
  ipp_printer_attrs_add_dynamic(r, &d, true, NULL);
  uris = find(r, "printer-uri-supported");
  sec = find(r, "uri-security-supported");
  auth = find(r, "uri-authentication-supported");
  CHECK(ippGetCount(uris) == 2 && ippGetCount(sec) == 2 && ippGetCount(auth) == 2);
  CHECK_STR(ippGetString(uris, 0, NULL), "ipp://[fe80::1]:8631/ipp/print/q1");
  CHECK_STR(ippGetString(uris, 1, NULL), "ipps://[fe80::1]:8631/ipp/print/q1");
  CHECK_STR(ippGetString(sec, 1, NULL), "tls");
  CHECK_STR(ippGetString(auth, 0, NULL), "basic");
  CHECK_STR(ippGetString(auth, 1, NULL), "basic");
  CHECK(ippGetCount(find(r, "printer-state-reasons")) == 2);
  ippDelete(r);

  d = dyn_make("2001:db8::7", false);
  r = ippNew();
  ipp_printer_attrs_add_dynamic(r, &d, false, NULL);
  CHECK_STR(ippGetString(find(r, "printer-icons"), 0, NULL), "http://[2001:db8::7]:8631/icon.png");
  ippDelete(r);

  d = dyn_make("[::1]", false);  /* already bracketed (Host header form) */
  r = ippNew();
  ipp_printer_attrs_add_dynamic(r, &d, false, NULL);
  CHECK_STR(ippGetString(find(r, "printer-uri-supported"), 0, NULL),
            "ipp://[::1]:8631/ipp/print/q1");
  CHECK_STR(ippGetString(find(r, "printer-more-info"), 0, NULL), "http://[::1]:8631/");
  ippDelete(r);

}

/* Only the requested dynamic attributes; "printer-description" covers all of them. */
static void test_dynamic_requested(void)
{
  ipp_printer_dynamic_t d = dyn_make("printer.local", false);
  ipp_t *r = ippNew(), *req = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES);
  int all = 0, described = 0;

  ipp_printer_attrs_add_dynamic(r, &d, false, NULL);
  for (ipp_attribute_t *a = ippFirstAttribute(r); a; a = ippNextAttribute(r))
    all++;
  ippDelete(r);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", NULL,
               "printer-description");
  cups_array_t *ra = ippCreateRequestedArray(req);
  r = ippNew();
  ipp_printer_attrs_add_dynamic(r, &d, false, ra);
  for (ipp_attribute_t *a = ippFirstAttribute(r); a; a = ippNextAttribute(r))
    described++;
  CHECK(all == 17 && described == all);
  cupsArrayDelete(ra);
  ippDelete(req);
  ippDelete(r);

  ra = cupsArrayNew(str_cmp, NULL);
  cupsArrayAdd(ra, "printer-state");
  r = ippNew();
  ipp_printer_attrs_add_dynamic(r, &d, false, ra);
  ipp_attribute_t *only = ippFirstAttribute(r);
  CHECK(only && !strcmp(ippGetName(only), "printer-state") && !ippNextAttribute(r));
  cupsArrayDelete(ra);
  ippDelete(r);
}

/* ---- Validation --------------------------------------------------------------------------- */

static ipp_t *job_request(void)
{
  ipp_t *req = ippNewRequest(IPP_OP_PRINT_JOB);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL,
               "ipp://localhost:8631/ipp/print/q");
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, "alice");
  return req;
}

/* Validates `req` (deleted here); returns the status and leaves the response in *resp. */
static ipp_status_t validate(ipp_t *req, ipp_t *attrs, ipp_t **resp, const char **msg)
{
  *resp = ippNew();
  ipp_status_t st = ipp_job_attrs_validate(req, attrs, *resp, msg);
  ippDelete(req);
  return st;
}

/* The attribute `name` of the unsupported-attributes group of `resp`, NULL if none. */
static ipp_attribute_t *unsupported(ipp_t *resp, const char *name)
{
  ipp_attribute_t *a = ippFindAttribute(resp, name, IPP_TAG_ZERO);
  return a && ippGetGroupTag(a) == IPP_TAG_UNSUPPORTED_GROUP ? a : NULL;
}

static ipp_t *media_col_new(int x, int y, int margin, const char *source)
{
  ipp_t *col = ippNew(), *size = ippNew();
  ippAddInteger(size, IPP_TAG_ZERO, IPP_TAG_INTEGER, "x-dimension", x);
  ippAddInteger(size, IPP_TAG_ZERO, IPP_TAG_INTEGER, "y-dimension", y);
  ippAddCollection(col, IPP_TAG_ZERO, "media-size", size);
  ippDelete(size);
  if (margin >= 0) {
    ippAddInteger(col, IPP_TAG_ZERO, IPP_TAG_INTEGER, "media-left-margin", margin);
    ippAddInteger(col, IPP_TAG_ZERO, IPP_TAG_INTEGER, "media-right-margin", margin);
    ippAddInteger(col, IPP_TAG_ZERO, IPP_TAG_INTEGER, "media-top-margin", margin);
    ippAddInteger(col, IPP_TAG_ZERO, IPP_TAG_INTEGER, "media-bottom-margin", margin);
  }
  if (source)
    ippAddString(col, IPP_TAG_ZERO, IPP_TAG_KEYWORD, "media-source", NULL, source);
  return col;
}

static void add_media_col(ipp_t *req, ipp_t *col)
{
  ippAddCollection(req, IPP_TAG_JOB, "media-col", col);
  ippDelete(col);
}

/* A full, valid ticket on a colour duplex queue. */
static void test_valid_ticket(ipp_t *color)
{
  ipp_t *req = job_request(), *resp;
  const char *msg = "unset";
  int lower[] = {1, 5}, upper[] = {3, 5};

  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", NULL, "report.pdf");
  ippAddBoolean(req, IPP_TAG_OPERATION, "ipp-attribute-fidelity", 1);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE, "document-format", NULL,
               "application/pdf");
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "job-hold-until", NULL, "indefinite");
  ippAddOctetString(req, IPP_TAG_OPERATION, "job-password", "1234", 4);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "job-password-encryption", NULL, "none");
  ippAddInteger(req, IPP_TAG_JOB, IPP_TAG_INTEGER, "copies", 2);
  ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "sides", NULL, "two-sided-long-edge");
  ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "media", NULL, "iso_a4_210x297mm");
  ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "print-color-mode", NULL, "color");
  ippAddInteger(req, IPP_TAG_JOB, IPP_TAG_ENUM, "print-quality", 5);
  ippAddResolution(req, IPP_TAG_JOB, "printer-resolution", IPP_RES_PER_INCH, 600, 600);
  ippAddInteger(req, IPP_TAG_JOB, IPP_TAG_ENUM, "orientation-requested", 4);
  ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "output-bin", NULL, "face-down");
  ippAddInteger(req, IPP_TAG_JOB, IPP_TAG_ENUM, "finishings", 3);
  ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "print-scaling", NULL, "fit");
  ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "print-content-optimize", NULL, "text");
  ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "print-rendering-intent", NULL, "auto");
  ippAddInteger(req, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-priority", 50);
  ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "job-sheets", NULL, "none");
  ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "multiple-document-handling", NULL,
               "separate-documents-collated-copies");
  ippAddRanges(req, IPP_TAG_JOB, "page-ranges", 2, lower, upper);
  ippAddString(req, IPP_TAG_JOB, IPP_TAG_NAME, "job-account-id", NULL, "dept-42");
  ippAddString(req, IPP_TAG_JOB, IPP_TAG_NAME, "job-accounting-user-id", NULL, "alice");
  add_media_col(req, media_col_new(21000, 29700, 423, "auto"));
  ipp_t *ov = ippNew();
  ippAddRange(ov, IPP_TAG_ZERO, "pages", 1, 1);
  ippAddCollection(req, IPP_TAG_JOB, "overrides", ov);
  ippDelete(ov);
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_OK);
  CHECK(msg == NULL);
  bool any_unsupported = false;
  for (ipp_attribute_t *a = ippFirstAttribute(resp); a; a = ippNextAttribute(resp))
    any_unsupported = any_unsupported || ippGetGroupTag(a) == IPP_TAG_UNSUPPORTED_GROUP;
  CHECK(!any_unsupported);
  ippDelete(resp);
}

/* The tickets of CUPS's own test files must pass. */
static void test_cups_tickets(ipp_t *color)
{
  ipp_t *req = job_request(), *resp;
  const char *msg;

  /* print-job-media-col.test: 4x6 borderless + print-quality */
  add_media_col(req, media_col_new(10160, 15240, 0, NULL));
  ippAddInteger(req, IPP_TAG_JOB, IPP_TAG_ENUM, "print-quality", 5);
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_OK);
  ippDelete(resp);

  /* print-job-manual.test: letter from the manual slot, print-scaling none */
  req = job_request();
  ippAddInteger(req, IPP_TAG_JOB, IPP_TAG_INTEGER, "copies", 1);
  add_media_col(req, media_col_new(21590, 27940, -1, "manual"));
  ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "print-scaling", NULL, "none");
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_OK);
  ippDelete(resp);

  /* print-job-password.test */
  req = job_request();
  ippAddOctetString(req, IPP_TAG_OPERATION, "job-password", "1234", 4);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "job-password-encryption", NULL, "none");
  ippAddInteger(req, IPP_TAG_JOB, IPP_TAG_INTEGER, "copies", 1);
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_OK);
  ippDelete(resp);

  /* print-job-letter.test */
  req = job_request();
  ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "media", NULL, "na_letter_8.5x11in");
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_OK);
  ippDelete(resp);

  /* create-job-sheets.test: job-sheets "standard" (a name) is ignored, not refused */
  req = job_request();
  ippAddString(req, IPP_TAG_JOB, IPP_TAG_NAME, "job-sheets", NULL, "standard");
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_OK_IGNORED_OR_SUBSTITUTED);
  CHECK(unsupported(resp, "job-sheets") != NULL);
  ippDelete(resp);
}

/* Unsupported values: ignored with fidelity false, refused with fidelity true. */
static void test_unsupported_values(ipp_t *color, ipp_t *mono)
{
  ipp_t *req = job_request(), *resp;
  const char *msg = NULL;

  ippAddInteger(req, IPP_TAG_JOB, IPP_TAG_INTEGER, "copies", 0);
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_OK_IGNORED_OR_SUBSTITUTED);
  CHECK(ippGetInteger(unsupported(resp, "copies"), 0) == 0);
  CHECK(msg && strstr(msg, "copies"));
  ippDelete(resp);

  req = job_request();
  ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "sides", NULL, "two-sided-long-edge");
  CHECK(validate(req, mono, &resp, &msg) == IPP_STATUS_OK_IGNORED_OR_SUBSTITUTED);
  CHECK_STR(ippGetString(unsupported(resp, "sides"), 0, NULL), "two-sided-long-edge");
  ippDelete(resp);

  req = job_request();
  ippAddBoolean(req, IPP_TAG_OPERATION, "ipp-attribute-fidelity", 1);
  ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "sides", NULL, "two-sided-long-edge");
  msg = NULL;
  CHECK(validate(req, mono, &resp, &msg) == IPP_STATUS_ERROR_ATTRIBUTES_OR_VALUES);
  CHECK(msg && strstr(msg, "sides") && unsupported(resp, "sides"));
  ippDelete(resp);

  req = job_request();
  ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "print-color-mode", NULL, "color");
  ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "media", NULL, "iso_a0_841x1189mm");
  ippAddResolution(req, IPP_TAG_JOB, "printer-resolution", IPP_RES_PER_INCH, 1200, 1200);
  ippAddInteger(req, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-priority", 0);
  ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "job-hold-until", NULL, "weekend");
  CHECK(validate(req, mono, &resp, &msg) == IPP_STATUS_OK_IGNORED_OR_SUBSTITUTED);
  CHECK(unsupported(resp, "print-color-mode") && unsupported(resp, "media"));
  CHECK(unsupported(resp, "printer-resolution") && unsupported(resp, "job-priority"));
  CHECK(unsupported(resp, "job-hold-until"));
  ippDelete(resp);

  /* only the unsupported values of a 1setOf are returned */
  int fin[] = {3, 4, 3};
  req = job_request();
  ippAddIntegers(req, IPP_TAG_JOB, IPP_TAG_ENUM, "finishings", 3, fin);
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_OK_IGNORED_OR_SUBSTITUTED);
  ipp_attribute_t *u = unsupported(resp, "finishings");
  CHECK(ippGetCount(u) == 1 && ippGetInteger(u, 0) == 4);
  ippDelete(resp);

  /* job-password: 5 clear digits is more than job-password-supported; a hash is fine */
  req = job_request();
  ippAddOctetString(req, IPP_TAG_OPERATION, "job-password", "12345", 5);
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_OK_IGNORED_OR_SUBSTITUTED);
  CHECK(unsupported(resp, "job-password") != NULL);
  ippDelete(resp);
  req = job_request();
  ippAddOctetString(req, IPP_TAG_OPERATION, "job-password", "0123456789abcdef0123456789abcdef",
                    32);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "job-password-encryption", NULL,
               "sha2-256");
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_OK);
  ippDelete(resp);
}

/* Wrong syntax: a bad request for operation attributes, unsupported for job attributes. */
static void test_syntax(ipp_t *color)
{
  ipp_t *req = job_request(), *resp;
  const char *msg = NULL;

  ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "copies", NULL, "two");
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_OK_IGNORED_OR_SUBSTITUTED);
  CHECK(ippGetValueTag(unsupported(resp, "copies")) == IPP_TAG_KEYWORD);
  ippDelete(resp);

  int two[] = {1, 2};
  req = job_request();
  ippAddIntegers(req, IPP_TAG_JOB, IPP_TAG_INTEGER, "copies", 2, two);
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_OK_IGNORED_OR_SUBSTITUTED);
  CHECK(ippGetCount(unsupported(resp, "copies")) == 2);
  ippDelete(resp);

  req = job_request();
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "job-name", NULL, "report");
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_ERROR_BAD_REQUEST);
  CHECK(msg && strstr(msg, "job-name"));
  ippDelete(resp);

  char name[301];
  memset(name, 'n', 300);
  name[300] = '\0';
  req = job_request();
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", NULL, name);
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_ERROR_BAD_REQUEST);
  CHECK(msg && strstr(msg, "job-name") && unsupported(resp, "job-name"));
  ippDelete(resp);
  name[255] = '\0';
  req = job_request();
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", NULL, name);
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_OK);
  ippDelete(resp);

  req = ippNewRequest(IPP_OP_VALIDATE_JOB);
  ippAddInteger(req, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "requesting-user-name", 7);
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_ERROR_BAD_REQUEST);
  ippDelete(resp);

  int lower[] = {5, 2}, upper[] = {3, 4};
  req = job_request();
  ippAddRanges(req, IPP_TAG_JOB, "page-ranges", 1, lower, upper);  /* 5-3 */
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_ERROR_BAD_REQUEST);
  ippDelete(resp);
  lower[0] = 1;  /* 1-3, 2-4: overlapping */
  req = job_request();
  ippAddRanges(req, IPP_TAG_JOB, "page-ranges", 2, lower, upper);
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_ERROR_BAD_REQUEST);
  ippDelete(resp);
}

/* Unknown attributes, unknown media-col members and sizes. */
static void test_unknown(ipp_t *color)
{
  ipp_t *req = job_request(), *resp;
  const char *msg;

  ippAddInteger(req, IPP_TAG_JOB, IPP_TAG_INTEGER, "number-up", 2);
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_OK_IGNORED_OR_SUBSTITUTED);
  CHECK(ippGetValueTag(unsupported(resp, "number-up")) == IPP_TAG_UNSUPPORTED_VALUE);
  ippDelete(resp);

  req = job_request();
  ippAddBoolean(req, IPP_TAG_OPERATION, "ipp-attribute-fidelity", 1);
  ippAddInteger(req, IPP_TAG_JOB, IPP_TAG_INTEGER, "number-up", 2);
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_ERROR_ATTRIBUTES_OR_VALUES);
  ippDelete(resp);

  req = job_request();
  add_media_col(req, media_col_new(10000, 10000, 0, NULL));  /* no such size */
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_OK_IGNORED_OR_SUBSTITUTED);
  ipp_t *col = ippGetCollection(unsupported(resp, "media-col"), 0);
  CHECK(col && ippFindAttribute(col, "media-size", IPP_TAG_BEGIN_COLLECTION));
  CHECK(col && !ippFindAttribute(col, "media-left-margin", IPP_TAG_ZERO));
  ippDelete(resp);

  /* unknown member: ignored and reported alone; Android's media-size-name inside media-size */
  req = job_request();
  ipp_t *mc = media_col_new(21000, 29700, 423, NULL);
  ippAddString(mc, IPP_TAG_ZERO, IPP_TAG_KEYWORD, "media-key", NULL, "a4-plain");
  ippAddString(ippGetCollection(ippFindAttribute(mc, "media-size", IPP_TAG_ZERO), 0), IPP_TAG_ZERO,
               IPP_TAG_KEYWORD, "media-size-name", NULL, "iso_a4_210x297mm");
  add_media_col(req, mc);
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_OK_IGNORED_OR_SUBSTITUTED);
  col = ippGetCollection(unsupported(resp, "media-col"), 0);
  ipp_attribute_t *key = col ? ippFindAttribute(col, "media-key", IPP_TAG_ZERO) : NULL;
  CHECK(key && ippGetValueTag(key) == IPP_TAG_UNSUPPORTED_VALUE);
  ipp_t *size = col ? ippGetCollection(ippFindAttribute(col, "media-size", IPP_TAG_ZERO), 0) : NULL;
  CHECK(size && ippFindAttribute(size, "media-size-name", IPP_TAG_ZERO) &&
        !ippFindAttribute(size, "x-dimension", IPP_TAG_ZERO));
  CHECK(col && !ippFindAttribute(col, "media-top-margin", IPP_TAG_ZERO));
  ippDelete(resp);

  /* overrides may only override what overrides-supported lists */
  req = job_request();
  ipp_t *ov = ippNew();
  ippAddRange(ov, IPP_TAG_ZERO, "pages", 1, 1);
  ippAddString(ov, IPP_TAG_ZERO, IPP_TAG_KEYWORD, "sides", NULL, "one-sided");
  ippAddCollection(req, IPP_TAG_JOB, "overrides", ov);
  ippDelete(ov);
  CHECK(validate(req, color, &resp, &msg) == IPP_STATUS_OK_IGNORED_OR_SUBSTITUTED);
  col = ippGetCollection(unsupported(resp, "overrides"), 0);
  CHECK(col && ippFindAttribute(col, "sides", IPP_TAG_ZERO) &&
        !ippFindAttribute(col, "pages", IPP_TAG_ZERO));
  ippDelete(resp);

  /* no response or message to fill: still a verdict */
  req = job_request();
  ippAddInteger(req, IPP_TAG_JOB, IPP_TAG_INTEGER, "copies", 1000);
  CHECK(ipp_job_attrs_validate(req, color, NULL, NULL) == IPP_STATUS_OK_IGNORED_OR_SUBSTITUTED);
  ippDelete(req);
}

static void test_validate(void)
{
  quire_queue_config_t qc = queue_make("c", QUIRE_COLOR_AUTO, QUIRE_DUPLEX_OPTIONAL, NULL);
  quire_queue_config_t qm = queue_make("m", QUIRE_COLOR_MONOCHROME, QUIRE_DUPLEX_OFF, NULL);
  ipp_t *color = ipp_printer_attrs_create(&qc, UUID, MAX_DOC);
  ipp_t *mono = ipp_printer_attrs_create(&qm, UUID, MAX_DOC);

  test_valid_ticket(color);
  test_cups_tickets(color);
  test_unsupported_values(color, mono);
  test_syntax(color);
  test_unknown(color);
  ippDelete(color);
  ippDelete(mono);
}

/* The shared finder sees what ippFindAttribute sees, without moving the message's cursor. */
static void test_find_shared(void)
{
  quire_queue_config_t q = queue_make("f", QUIRE_COLOR_AUTO, QUIRE_DUPLEX_OPTIONAL, NULL);
  ipp_t *a = ipp_printer_attrs_create(&q, UUID, MAX_DOC);
  ippFirstAttribute(a);
  ipp_attribute_t *second = ippNextAttribute(a);

  CHECK(ipp_attrs_find_shared(a, "sides-supported") == find(a, "sides-supported"));
  CHECK(ipp_attrs_find_shared(a, "no-such-attribute") == NULL);
  ippFirstAttribute(a);
  CHECK(ipp_attrs_find_shared(a, "media-supported") != NULL);
  CHECK(ippNextAttribute(a) == second);  /* the cursor did not move */
  ippDelete(a);
}

/* Request threads share one static set: copies and validations run concurrently (run the
 * binary under valgrind --tool=helgrind to look for races). */
static void *stress_thread(void *arg)
{
  static const char *const names[] = {"all", "media-col-database"};
  ipp_t *a = arg;
  long failures = 0;

  for (int i = 0; i < 50; i++) {
    ipp_t *r = copy_for(a, names, 2), *resp;
    const char *msg;
    failures += ippGetCount(find(r, "media-col-database")) != 22;
    ippDelete(r);
    ipp_t *req = job_request();
    add_media_col(req, media_col_new(21590, 27940, 0, "main"));
    ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "sides", NULL, "two-sided-short-edge");
    failures += validate(req, a, &resp, &msg) != IPP_STATUS_OK;
    ippDelete(resp);
  }
  return (void *)failures;
}

static void test_threads(void)
{
  quire_queue_config_t q = queue_make("t", QUIRE_COLOR_AUTO, QUIRE_DUPLEX_OPTIONAL, NULL);
  ipp_t *a = ipp_printer_attrs_create(&q, UUID, MAX_DOC);
  pthread_t threads[4];
  long failures = 0;

  for (int i = 0; i < 4; i++)
    CHECK(pthread_create(&threads[i], NULL, stress_thread, a) == 0);
  for (int i = 0; i < 4; i++) {
    void *ret = NULL;
    pthread_join(threads[i], &ret);
    failures += (long)ret;
  }
  CHECK(failures == 0);
  ippDelete(a);
}

int main(void)
{
  log_init("test-ipp-attrs", LOG_ERR, false);
  test_color_duplex();
  test_mono_simplex();
  test_queue_variants();
  test_names();
  test_copy();
  test_dynamic();
  test_dynamic_hosts();
  test_dynamic_requested();
  test_validate();
  test_find_shared();
  test_threads();
  return test_summary();
}
