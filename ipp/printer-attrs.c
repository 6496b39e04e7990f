/*
 * printer-attrs.c: the printer attributes of a pull-print queue (see printer-attrs.h).
 *
 * DESIGN. ipp_printer_attrs_create builds, once per queue, every attribute that does not change
 * per request (the IPP Everywhere set plus AirPrint's urf-supported and Mopria's
 * mopria-certified) into one ipp_t. That ipp_t is then shared, read-only, by every request
 * thread. libcups 2.4 is not safe for that on its own:
 *   - ippFindAttribute, ippFirstAttribute and ippNextAttribute store a cursor in the ipp_t, so
 *     two threads searching the same message race; we walk shared messages with
 *     ippCopyAttributes and a callback that never copies (ipp_attrs_find_shared), which only
 *     reads the attribute list;
 *   - ippCopyAttribute shares collection values through a non-atomic use count, so
 *     collections are deep-copied (attrs_copy_deep) instead.
 * Non-collection attributes are copied by reference to the source's strings (quick copy),
 * which is safe because the static attributes outlive every response built from them.
 *
 * Values that depend on the request (URIs built from the Host header) or on time (state,
 * counters) are added per request by ipp_printer_attrs_add_dynamic.
 */
#include "printer-attrs.h"

#include "../core/log.h"
#include "../core/util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const ipp_op_t ipp_printer_ops_supported[] = {
  IPP_OP_PRINT_JOB,
  IPP_OP_VALIDATE_JOB,
  IPP_OP_CREATE_JOB,
  IPP_OP_SEND_DOCUMENT,
  IPP_OP_CANCEL_JOB,
  IPP_OP_GET_JOB_ATTRIBUTES,
  IPP_OP_GET_JOBS,
  IPP_OP_GET_PRINTER_ATTRIBUTES,
  IPP_OP_CANCEL_MY_JOBS,
  IPP_OP_CLOSE_JOB,
  IPP_OP_IDENTIFY_PRINTER,
};
const size_t ipp_printer_num_ops_supported =
  sizeof(ipp_printer_ops_supported) / sizeof(ipp_printer_ops_supported[0]);

const char *const ipp_printer_formats_supported[] = {
  "application/pdf",
  "image/jpeg",
  "image/urf",
  "image/pwg-raster",
  "application/octet-stream",
  NULL
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define ATTRS_MARGIN          423  /* hundredths of mm (1/6 inch) for bordered media */
#define ATTRS_PPM             30   /* pages-per-minute: a plausible fleet value */
#define ATTRS_PPM_COLOR       20
#define ATTRS_MULTI_OP_TIMEOUT 300 /* multiple-operation-time-out, seconds (config default) */
#define ATTRS_PASSWORD_MAX    4    /* job-password-supported: a 4-digit release PIN */
#define ATTRS_TEXT_MAX        127  /* printer-info/-location/-make-and-model (ipp-1.1.test) */
#define ATTRS_DNSSD_NAME_MAX   63  /* printer-dns-sd-name: one DNS label (RFC 6763 4.1.1) */
#define ATTRS_DEFAULT_MEDIA   "iso_a4_210x297mm"
#define ATTRS_DEFAULT_MODEL   "Quire Pull Print"
#define ATTRS_MAX_REASONS     32

/* media-supported, in PWG self-describing names; dimensions come from libcups's PWG table. */
static const char *const attrs_media[] = {
  "iso_a4_210x297mm",
  "na_letter_8.5x11in",
  "na_legal_8.5x14in",
  "iso_a5_148x210mm",
  "iso_a3_297x420mm",
  "na_ledger_11x17in",
  "iso_a6_105x148mm",
  "na_index-4x6_4x6in",
  "na_5x7_5x7in",
  "na_number-10_4.125x9.5in",
  "iso_dl_110x220mm",
};

/* media-ready (the default medium is added in front when it is not one of these). */
static const char *const attrs_media_ready[] = {"iso_a4_210x297mm", "na_letter_8.5x11in"};

static const char *const attrs_media_col_supported[] = {
  "media-bottom-margin", "media-left-margin", "media-right-margin", "media-size",
  "media-size-name", "media-source", "media-top-margin", "media-type",
};

static const char *const attrs_media_sources[] = {"auto", "main", "manual"};

static const char *const attrs_media_types[] = {
  "stationery", "stationery-letterhead", "photographic", "photographic-glossy",
  "envelope", "labels", "transparency", "cardstock",
};

/* Job creation attributes accepted: exactly those ipp_job_attrs_validate checks (the unit
 * test compares both lists). */
static const char *const attrs_job_creation[] = {
  "copies", "finishings", "ipp-attribute-fidelity", "job-account-id", "job-accounting-user-id",
  "job-hold-until", "job-name", "job-password", "job-password-encryption", "job-priority",
  "job-sheets", "media", "media-col", "multiple-document-handling", "orientation-requested",
  "output-bin", "overrides", "page-ranges", "print-color-mode", "print-content-optimize",
  "print-quality", "print-rendering-intent", "print-scaling", "printer-resolution", "sides",
};

/* Registered printer-description attributes that libcups 2.4's "printer-description" group
 * (ippCreateRequestedArray) does not list: returned for that group name all the same. */
static const char *const attrs_description_extras[] = {
  "job-password-repertoire-configured",
  "job-password-repertoire-supported",
};

/* ---- Building ---------------------------------------------------------------------------- */

/* Collects additions into one message and remembers whether any of them failed. */
typedef struct attrs_builder_s {
  ipp_t *ipp;
  bool ok;
} attrs_builder_t;

/* Records the result of one ippAdd* call. */
static void ab_check(attrs_builder_t *b, ipp_attribute_t *attr)
{
  if (!attr)
    b->ok = false;
}

/* Adds one string-valued attribute (keyword, charset, uri, name, text...). */
static void ab_string(attrs_builder_t *b, ipp_tag_t tag, const char *name, const char *value)
{
  ab_check(b, ippAddString(b->ipp, IPP_TAG_PRINTER, tag, name, NULL, value));
}

/* Adds a 1setOf string attribute. */
static void ab_strings(attrs_builder_t *b, ipp_tag_t tag, const char *name, size_t n,
                       const char *const *values)
{
  ab_check(b, ippAddStrings(b->ipp, IPP_TAG_PRINTER, tag, name, (int)n, NULL, values));
}

/* Adds a 1setOf keyword attribute. */
static void ab_keywords(attrs_builder_t *b, const char *name, size_t n, const char *const *values)
{
  ab_strings(b, IPP_TAG_KEYWORD, name, n, values);
}

/* Adds an integer or enum attribute. */
static void ab_int(attrs_builder_t *b, ipp_tag_t tag, const char *name, int value)
{
  ab_check(b, ippAddInteger(b->ipp, IPP_TAG_PRINTER, tag, name, value));
}

/* Adds a 1setOf integer or enum attribute. */
static void ab_ints(attrs_builder_t *b, ipp_tag_t tag, const char *name, size_t n,
                    const int *values)
{
  ab_check(b, ippAddIntegers(b->ipp, IPP_TAG_PRINTER, tag, name, (int)n, values));
}

static void ab_bool(attrs_builder_t *b, const char *name, bool value)
{
  ab_check(b, ippAddBoolean(b->ipp, IPP_TAG_PRINTER, name, value ? 1 : 0));
}

static void ab_range(attrs_builder_t *b, const char *name, int lower, int upper)
{
  ab_check(b, ippAddRange(b->ipp, IPP_TAG_PRINTER, name, lower, upper));
}

/* Adds an out-of-band value (no-value, unknown). */
static void ab_oob(attrs_builder_t *b, ipp_tag_t tag, const char *name)
{
  ab_check(b, ippAddOutOfBand(b->ipp, IPP_TAG_PRINTER, tag, name));
}

/* Adds a 1setOf collection attribute and releases the caller's references to `cols`. */
static void ab_collections(attrs_builder_t *b, const char *name, size_t n, ipp_t **cols)
{
  bool complete = true;
  for (size_t i = 0; i < n; i++)
    complete = complete && cols[i];
  if (!complete)
    b->ok = false;
  else
    ab_check(b, ippAddCollections(b->ipp, IPP_TAG_PRINTER, name, (int)n,
                                  (const ipp_t **)cols));
  for (size_t i = 0; i < n; i++)
    ippDelete(cols[i]);
}

/* Writes the DNS-SD instance name of `queue` (dnssd-name, else printer-info, else the queue
 * name), cut to the 63 bytes a DNS label holds. Returns `buf`. */
static const char *attrs_dnssd_name(char *buf, size_t size, const quire_queue_config_t *queue)
{
  const char *name = queue->dnssd_name && *queue->dnssd_name ? queue->dnssd_name
                     : queue->info && *queue->info       ? queue->info
                                                           : queue->name;
  util_utf8_cut(buf, size, name, ATTRS_DNSSD_NAME_MAX);
  for (size_t len = strlen(buf); len > 1 && buf[len - 1] == ' '; len--)
    buf[len - 1] = '\0';  /* a cut between words leaves a space nobody can see */
  return buf;
}

/* Adds a text attribute of at most ATTRS_TEXT_MAX bytes. */
static void ab_text127(attrs_builder_t *b, const char *name, const char *value)
{
  char buf[ATTRS_TEXT_MAX + 1];
  ab_string(b, IPP_TAG_TEXT, name, util_utf8_cut(buf, sizeof(buf), value, ATTRS_TEXT_MAX));
}

/* Builds printer-device-id ("MFG:...;MDL:...;CMD:...;") from the make and model: the first
 * word is the manufacturer. ';' would end a key early, so it becomes ','. */
static void attrs_device_id(char *buf, size_t size, const char *make_model)
{
  char mm[ATTRS_TEXT_MAX + 1];
  util_utf8_cut(mm, sizeof(mm), make_model, ATTRS_TEXT_MAX);
  for (char *p = mm; *p; p++)
    if (*p == ';')
      *p = ',';
  char *space = strchr(mm, ' ');
  const char *model = space && space[1] ? space + 1 : mm;
  if (space && space[1])
    *space = '\0';
  snprintf(buf, size, "MFG:%s;MDL:%s;CMD:PDF,JPEG,PWG,URF;", mm, model);
}

/* Protocol attributes: charsets, languages, versions, features, operations. */
static void attrs_add_protocol(attrs_builder_t *b)
{
  static const char *const versions[] = {"1.0", "1.1", "2.0"};
  static const char *const features[] = {"ipp-everywhere", "ipp-everywhere-server"};
  static const char *const charsets[] = {"us-ascii", "utf-8"};
  int ops[N_ELEMS(ipp_printer_ops_supported)];

  ab_string(b, IPP_TAG_CHARSET, "charset-configured", "utf-8");
  ab_strings(b, IPP_TAG_CHARSET, "charset-supported", N_ELEMS(charsets), charsets);
  ab_string(b, IPP_TAG_LANGUAGE, "natural-language-configured", "en");
  ab_string(b, IPP_TAG_LANGUAGE, "generated-natural-language-supported", "en");
  ab_keywords(b, "ipp-versions-supported", N_ELEMS(versions), versions);
  ab_keywords(b, "ipp-features-supported", N_ELEMS(features), features);
  for (size_t i = 0; i < ipp_printer_num_ops_supported; i++)
    ops[i] = (int)ipp_printer_ops_supported[i];
  ab_ints(b, IPP_TAG_ENUM, "operations-supported", ipp_printer_num_ops_supported, ops);
}

/* Identity and device description attributes. */
static void attrs_add_identity(attrs_builder_t *b, const quire_queue_config_t *queue,
                               const char *uuid, bool color)
{
  static const char *const kinds[] = {"document", "envelope", "photo"};
  const char *make_model = queue->make_model && *queue->make_model ? queue->make_model
                                                                     : ATTRS_DEFAULT_MODEL;
  char device_id[320];  /* 32 fixed bytes + up to 2 x 127 */
  char dnssd[ATTRS_DNSSD_NAME_MAX + 1];

  ab_string(b, IPP_TAG_NAME, "printer-name", queue->name);
  ab_text127(b, "printer-info", queue->info && *queue->info ? queue->info : queue->name);
  ab_text127(b, "printer-location", queue->location ? queue->location : "");
  ab_string(b, IPP_TAG_NAME, "printer-dns-sd-name", attrs_dnssd_name(dnssd, sizeof(dnssd), queue));
  ab_text127(b, "printer-make-and-model", make_model);
  attrs_device_id(device_id, sizeof(device_id), make_model);
  ab_string(b, IPP_TAG_TEXT, "printer-device-id", device_id);
  ab_string(b, IPP_TAG_URI, "printer-uuid", uuid);
  ab_oob(b, IPP_TAG_UNKNOWN, "printer-geo-location");
  ab_string(b, IPP_TAG_TEXT, "printer-organization", "");
  ab_string(b, IPP_TAG_TEXT, "printer-organizational-unit", "");
  ab_keywords(b, "printer-kind", color ? 3 : 2, kinds);  /* photo only in colour */
  ab_string(b, IPP_TAG_TEXT, "mopria-certified", "1.3");
  ab_bool(b, "color-supported", color);
  ab_int(b, IPP_TAG_INTEGER, "pages-per-minute", ATTRS_PPM);
  if (color)
    ab_int(b, IPP_TAG_INTEGER, "pages-per-minute-color", ATTRS_PPM_COLOR);
  ab_string(b, IPP_TAG_KEYWORD, "identify-actions-default", "display");
  ab_string(b, IPP_TAG_KEYWORD, "identify-actions-supported", "display");
}

/* How the server handles jobs: job ids, Get-Jobs filters, Create-Job time-out, privacy. */
static void attrs_add_server(attrs_builder_t *b)
{
  static const char *const which_jobs[] = {"completed", "not-completed", "pending-held"};

  ab_keywords(b, "which-jobs-supported", N_ELEMS(which_jobs), which_jobs);
  ab_bool(b, "job-ids-supported", true);
  ab_bool(b, "preferred-attributes-supported", false);
  ab_string(b, IPP_TAG_KEYWORD, "printer-get-attributes-supported", "document-format");
  ab_bool(b, "multiple-document-jobs-supported", false);
  ab_int(b, IPP_TAG_INTEGER, "multiple-operation-time-out", ATTRS_MULTI_OP_TIMEOUT);
  ab_string(b, IPP_TAG_KEYWORD, "multiple-operation-time-out-action", "abort-job");
  ab_keywords(b, "job-creation-attributes-supported", N_ELEMS(attrs_job_creation),
              attrs_job_creation);
  ab_string(b, IPP_TAG_KEYWORD, "job-privacy-attributes", "default");
  ab_string(b, IPP_TAG_KEYWORD, "job-privacy-scope", "owner");
  ab_string(b, IPP_TAG_KEYWORD, "job-spooling-supported", "spool");
}

/* A virtual queue has no supplies of its own; one entry whose level is "some remains" (-3,
 * RFC 3805) keeps IPP Everywhere clients and tests that require printer-supply content. */
static void attrs_add_supplies(attrs_builder_t *b)
{
  static const char supply[] = "index=1;class=supplyThatIsConsumed;type=toner;unit=percent;"
                               "maxcapacity=100;level=-3;colorantname=black;";
  ab_check(b, ippAddOctetString(b->ipp, IPP_TAG_PRINTER, "printer-supply", supply,
                                (int)strlen(supply)));
  ab_string(b, IPP_TAG_TEXT, "printer-supply-description", "Toner (at the release device)");
}

/* Formats, compression, PWG raster and Apple raster (urf-supported) attributes. */
static void attrs_add_document(attrs_builder_t *b, bool color, bool duplex,
                               long long max_document_size)
{
  static const char *const compressions[] = {"none", "deflate", "gzip"};
  static const char *const pdf_versions[] = {
    "adobe-1.3", "adobe-1.4", "adobe-1.5", "adobe-1.6", "adobe-1.7", "iso-32000-1_2008"};
  static const char *const raster_types[] = {"sgray_8", "srgb_8"};
  static const int res[] = {300, 600};
  const char *urf[12];
  size_t n = 0, nformats = 0;

  while (ipp_printer_formats_supported[nformats])
    nformats++;
  ab_strings(b, IPP_TAG_MIMETYPE, "document-format-supported", nformats,
             ipp_printer_formats_supported);
  ab_string(b, IPP_TAG_MIMETYPE, "document-format-default", "application/octet-stream");
  ab_string(b, IPP_TAG_MIMETYPE, "document-format-preferred", "application/pdf");
  ab_keywords(b, "compression-supported", N_ELEMS(compressions), compressions);
  ab_string(b, IPP_TAG_KEYWORD, "pdl-override-supported", "attempted");
  ab_keywords(b, "pdf-versions-supported", N_ELEMS(pdf_versions), pdf_versions);
  ab_int(b, IPP_TAG_INTEGER, "document-password-supported", 0);

  long long kmax = max_document_size > 0 ? max_document_size / 1024 : INT_MAX;
  ab_range(b, "job-k-octets-supported", 0, kmax > INT_MAX ? INT_MAX : (int)kmax);

  ab_check(b, ippAddResolutions(b->ipp, IPP_TAG_PRINTER, "pwg-raster-document-resolution-"
                                "supported", (int)N_ELEMS(res), IPP_RES_PER_INCH, res, res));
  ab_keywords(b, "pwg-raster-document-type-supported", color ? 2 : 1, raster_types);
  ab_string(b, IPP_TAG_KEYWORD, "pwg-raster-document-sheet-back", "normal");

  /* Apple raster: version, 8-bit gray [+ sRGB], client makes copies, input slots main and
   * manual, media types (Apple indexes of attrs_media_types), qualities, resolutions,
   * [duplex back side normal]. */
  urf[n++] = "V1.4";
  urf[n++] = "W8";
  if (color)
    urf[n++] = "SRGB24";
  urf[n++] = "CP1";
  urf[n++] = "IS1-4";
  urf[n++] = "MT1-2-3-4-5-6-11";
  urf[n++] = "PQ3-4-5";
  urf[n++] = "RS300-600";
  if (duplex)
    urf[n++] = "DM1";
  ab_keywords(b, "urf-supported", n, urf);
}

/* Sides and colour attributes, which follow the queue's policies. */
static void attrs_add_policies(attrs_builder_t *b, const quire_queue_config_t *queue)
{
  static const char *const sides[] = {"one-sided", "two-sided-long-edge", "two-sided-short-edge"};
  static const char *const modes[] = {"auto", "color", "monochrome"};
  bool duplex = queue->duplex != QUIRE_DUPLEX_OFF;

  ab_keywords(b, "sides-supported", duplex ? 3 : 1, sides);
  ab_string(b, IPP_TAG_KEYWORD, "sides-default",
            queue->duplex == QUIRE_DUPLEX_DEFAULT ? "two-sided-long-edge" : "one-sided");
  if (queue->color == QUIRE_COLOR_MONOCHROME) {
    ab_string(b, IPP_TAG_KEYWORD, "print-color-mode-supported", "monochrome");
    ab_string(b, IPP_TAG_KEYWORD, "print-color-mode-default", "monochrome");
  } else {
    ab_keywords(b, "print-color-mode-supported", N_ELEMS(modes), modes);
    ab_string(b, IPP_TAG_KEYWORD, "print-color-mode-default", "auto");
  }
}

/* Print options other than media, sides and colour. */
static void attrs_add_print_options(attrs_builder_t *b)
{
  static const int orientations[] = {3, 4, 5, 6, 7};  /* portrait..reverse-portrait, none */
  static const int qualities[] = {3, 4, 5};
  static const int res[] = {300, 600};
  static const char *const scaling[] = {"auto", "auto-fit", "fill", "fit", "none"};
  static const char *const optimize[] = {"auto", "graphic", "photo", "text", "text-and-graphic"};
  static const char *const intents[] = {"auto", "perceptual", "relative"};

  ab_range(b, "copies-supported", 1, 999);
  ab_int(b, IPP_TAG_INTEGER, "copies-default", 1);
  ab_int(b, IPP_TAG_ENUM, "finishings-supported", IPP_FINISHINGS_NONE);
  ab_int(b, IPP_TAG_ENUM, "finishings-default", IPP_FINISHINGS_NONE);
  ab_ints(b, IPP_TAG_ENUM, "orientation-requested-supported", N_ELEMS(orientations),
          orientations);
  ab_int(b, IPP_TAG_ENUM, "orientation-requested-default", IPP_ORIENT_PORTRAIT);
  ab_string(b, IPP_TAG_KEYWORD, "output-bin-supported", "face-down");
  ab_string(b, IPP_TAG_KEYWORD, "output-bin-default", "face-down");
  ab_ints(b, IPP_TAG_ENUM, "print-quality-supported", N_ELEMS(qualities), qualities);
  ab_int(b, IPP_TAG_ENUM, "print-quality-default", IPP_QUALITY_NORMAL);
  ab_check(b, ippAddResolutions(b->ipp, IPP_TAG_PRINTER, "printer-resolution-supported",
                                (int)N_ELEMS(res), IPP_RES_PER_INCH, res, res));
  ab_check(b, ippAddResolution(b->ipp, IPP_TAG_PRINTER, "printer-resolution-default",
                               IPP_RES_PER_INCH, 300, 300));
  ab_keywords(b, "print-scaling-supported", N_ELEMS(scaling), scaling);
  ab_string(b, IPP_TAG_KEYWORD, "print-scaling-default", "auto");
  ab_keywords(b, "print-content-optimize-supported", N_ELEMS(optimize), optimize);
  ab_string(b, IPP_TAG_KEYWORD, "print-content-optimize-default", "auto");
  ab_keywords(b, "print-rendering-intent-supported", N_ELEMS(intents), intents);
  ab_string(b, IPP_TAG_KEYWORD, "print-rendering-intent-default", "auto");
  ab_bool(b, "page-ranges-supported", true);
}

/* Job handling template attributes: hold, priority, sheets, documents, overrides, release
 * PIN (job-password, PWG 5100.11) and accounting. */
static void attrs_add_job_handling(attrs_builder_t *b)
{
  static const char *const hold[] = {"no-hold", "indefinite"};
  static const char *const mdh[] = {"separate-documents-uncollated-copies",
                                    "separate-documents-collated-copies"};
  static const char *const encryptions[] = {"none", "sha2-256"};
  static const char *const overrides[] = {"document-numbers", "pages"};

  ab_keywords(b, "job-hold-until-supported", N_ELEMS(hold), hold);
  ab_string(b, IPP_TAG_KEYWORD, "job-hold-until-default", "indefinite");
  ab_int(b, IPP_TAG_INTEGER, "job-priority-supported", 100);
  ab_int(b, IPP_TAG_INTEGER, "job-priority-default", 50);
  ab_string(b, IPP_TAG_KEYWORD, "job-sheets-supported", "none");
  ab_string(b, IPP_TAG_KEYWORD, "job-sheets-default", "none");
  ab_keywords(b, "multiple-document-handling-supported", N_ELEMS(mdh), mdh);
  ab_string(b, IPP_TAG_KEYWORD, "multiple-document-handling-default", mdh[1]);
  ab_keywords(b, "overrides-supported", N_ELEMS(overrides), overrides);
  ab_int(b, IPP_TAG_INTEGER, "job-password-supported", ATTRS_PASSWORD_MAX);
  ab_keywords(b, "job-password-encryption-supported", N_ELEMS(encryptions), encryptions);
  ab_string(b, IPP_TAG_KEYWORD, "job-password-repertoire-supported", "iana_us-ascii_digits");
  ab_string(b, IPP_TAG_KEYWORD, "job-password-repertoire-configured", "iana_us-ascii_digits");
  ab_bool(b, "job-account-id-supported", true);
  ab_oob(b, IPP_TAG_NOVALUE, "job-account-id-default");
  ab_bool(b, "job-accounting-user-id-supported", true);
  ab_oob(b, IPP_TAG_NOVALUE, "job-accounting-user-id-default");
}

/* ---- Media ------------------------------------------------------------------------------- */

/* Looks up a PWG media name (or a legacy IPP one such as "iso-a4", or a PPD one such as
 * "A4"); NULL if libcups does not know it. */
static pwg_media_t *attrs_media_lookup(const char *name)
{
  pwg_media_t *m = name ? pwgMediaForPWG(name) : NULL;
  if (!m && name)
    m = pwgMediaForLegacy(name);
  if (!m && name)
    m = pwgMediaForPPD(name);
  return m && m->pwg && m->width > 0 && m->length > 0 ? m : NULL;
}

/* New media-size collection {x-dimension, y-dimension}; NULL on allocation failure. */
static ipp_t *attrs_media_size(const pwg_media_t *m)
{
  ipp_t *size = ippNew();
  if (size && (!ippAddInteger(size, IPP_TAG_ZERO, IPP_TAG_INTEGER, "x-dimension", m->width) ||
               !ippAddInteger(size, IPP_TAG_ZERO, IPP_TAG_INTEGER, "y-dimension", m->length))) {
    ippDelete(size);
    size = NULL;
  }
  return size;
}

/* New media-col collection for `m` with equal margins; source/type omitted when NULL. */
static ipp_t *attrs_media_col(const pwg_media_t *m, int margin, const char *source,
                              const char *type)
{
  ipp_t *col = ippNew(), *size = attrs_media_size(m);
  bool ok = col && size;

  ok = ok && ippAddCollection(col, IPP_TAG_ZERO, "media-size", size);
  ok = ok && ippAddInteger(col, IPP_TAG_ZERO, IPP_TAG_INTEGER, "media-bottom-margin", margin);
  ok = ok && ippAddInteger(col, IPP_TAG_ZERO, IPP_TAG_INTEGER, "media-left-margin", margin);
  ok = ok && ippAddInteger(col, IPP_TAG_ZERO, IPP_TAG_INTEGER, "media-right-margin", margin);
  ok = ok && ippAddInteger(col, IPP_TAG_ZERO, IPP_TAG_INTEGER, "media-top-margin", margin);
  if (source)
    ok = ok && ippAddString(col, IPP_TAG_ZERO, IPP_TAG_KEYWORD, "media-source", NULL, source);
  if (type)
    ok = ok && ippAddString(col, IPP_TAG_ZERO, IPP_TAG_KEYWORD, "media-type", NULL, type);
  ippDelete(size);
  if (!ok) {
    ippDelete(col);
    col = NULL;
  }
  return col;
}

/* Collects the media lists: `supported` gets attrs_media (+ the default if it is another size),
 * `ready` the default first, then attrs_media_ready. Returns false if a name is unknown. */
static bool attrs_media_lists(const char *def, const pwg_media_t **supported, size_t *nsup,
                              const pwg_media_t **ready, size_t *nready)
{
  *nsup = *nready = 0;
  for (size_t i = 0; i < N_ELEMS(attrs_media); i++)
    if (!(supported[(*nsup)++] = attrs_media_lookup(attrs_media[i])))
      return false;
  const pwg_media_t *dm = attrs_media_lookup(def);
  if (!dm)
    return false;
  bool known = false;
  for (size_t i = 0; i < *nsup; i++)
    known = known || !strcmp(supported[i]->pwg, dm->pwg);
  if (!known)
    supported[(*nsup)++] = dm;
  ready[(*nready)++] = dm;
  for (size_t i = 0; i < N_ELEMS(attrs_media_ready); i++) {
    const pwg_media_t *m = attrs_media_lookup(attrs_media_ready[i]);
    if (m && strcmp(m->pwg, dm->pwg))
      ready[(*nready)++] = m;
  }
  return true;
}

/* Adds media-supported/-ready/-default and their media-col counterparts. `def` is a PWG name
 * libcups knows (checked by the caller). */
static void attrs_add_media(attrs_builder_t *b, const char *def)
{
  static const int margins[] = {0, ATTRS_MARGIN};
  const pwg_media_t *sup[N_ELEMS(attrs_media) + 1], *ready[N_ELEMS(attrs_media_ready) + 1];
  const char *names[N_ELEMS(attrs_media) + 1];
  ipp_t *cols[2 * (N_ELEMS(attrs_media) + 1)];
  size_t nsup, nready;

  if (!attrs_media_lists(def, sup, &nsup, ready, &nready)) {
    b->ok = false;
    return;
  }
  for (size_t i = 0; i < nsup; i++)
    names[i] = sup[i]->pwg;
  ab_keywords(b, "media-supported", nsup, names);
  for (size_t i = 0; i < nready; i++)
    names[i] = ready[i]->pwg;
  ab_keywords(b, "media-ready", nready, names);
  ab_string(b, IPP_TAG_KEYWORD, "media-default", ready[0]->pwg);

  for (size_t i = 0; i < nsup; i++)
    cols[i] = attrs_media_size(sup[i]);
  ab_collections(b, "media-size-supported", nsup, cols);
  for (size_t i = 0; i < nsup; i++) {  /* borderless and bordered variant of each size */
    cols[2 * i] = attrs_media_col(sup[i], 0, NULL, NULL);
    cols[2 * i + 1] = attrs_media_col(sup[i], ATTRS_MARGIN, NULL, NULL);
  }
  ab_collections(b, "media-col-database", 2 * nsup, cols);
  for (size_t i = 0; i < nready; i++)
    cols[i] = attrs_media_col(ready[i], ATTRS_MARGIN, "auto", "stationery");
  ab_collections(b, "media-col-ready", nready, cols);
  cols[0] = attrs_media_col(ready[0], ATTRS_MARGIN, "auto", "stationery");
  ab_collections(b, "media-col-default", 1, cols);

  ab_keywords(b, "media-col-supported", N_ELEMS(attrs_media_col_supported),
              attrs_media_col_supported);
  ab_keywords(b, "media-source-supported", N_ELEMS(attrs_media_sources), attrs_media_sources);
  ab_keywords(b, "media-type-supported", N_ELEMS(attrs_media_types), attrs_media_types);
  ab_ints(b, IPP_TAG_INTEGER, "media-bottom-margin-supported", 2, margins);
  ab_ints(b, IPP_TAG_INTEGER, "media-left-margin-supported", 2, margins);
  ab_ints(b, IPP_TAG_INTEGER, "media-right-margin-supported", 2, margins);
  ab_ints(b, IPP_TAG_INTEGER, "media-top-margin-supported", 2, margins);
}

/* The queue's default medium as a PWG name: its configured one when libcups knows it (legacy
 * names such as "a4" are mapped), else A4. */
static const char *attrs_media_default(const quire_queue_config_t *queue)
{
  const char *want = queue->media_default && *queue->media_default ? queue->media_default
                                                                     : ATTRS_DEFAULT_MEDIA;
  const pwg_media_t *m = attrs_media_lookup(want);
  if (!m) {
    log_warn("queue %s: unknown media_default \"%s\", using %s", queue->name, want,
             ATTRS_DEFAULT_MEDIA);
    return ATTRS_DEFAULT_MEDIA;
  }
  return m->pwg;
}

ipp_t *ipp_printer_attrs_create(const quire_queue_config_t *queue, const char *uuid,
                                long long max_document_size)
{
  char fallback_uuid[64];
  attrs_builder_t b = {.ipp = ippNew(), .ok = true};
  bool color = queue->color != QUIRE_COLOR_MONOCHROME;

  if (!b.ipp)
    return NULL;
  if (!uuid || strncmp(uuid, "urn:uuid:", 9)) {
    log_warn("queue %s: no printer-uuid given, using a random one", queue->name);
    if (!util_uuid_new(fallback_uuid, sizeof(fallback_uuid))) {
      ippDelete(b.ipp);
      return NULL;
    }
    uuid = fallback_uuid;
  }
  attrs_add_protocol(&b);
  attrs_add_identity(&b, queue, uuid, color);
  attrs_add_server(&b);
  attrs_add_supplies(&b);
  attrs_add_document(&b, color, queue->duplex != QUIRE_DUPLEX_OFF, max_document_size);
  attrs_add_policies(&b, queue);
  attrs_add_print_options(&b);
  attrs_add_job_handling(&b);
  attrs_add_media(&b, attrs_media_default(queue));
  if (!b.ok) {
    ippDelete(b.ipp);
    return NULL;
  }
  return b.ipp;
}

/* ---- Reading shared messages ------------------------------------------------------------- */

typedef struct attrs_find_s {
  const char *name;
  ipp_attribute_t *found;
} attrs_find_t;

/* ippCopyAttributes callback that only looks: remembers the first attribute named `name`. */
static int attrs_find_cb(void *context, ipp_t *dst, ipp_attribute_t *attr)
{
  attrs_find_t *f = context;
  const char *name = ippGetName(attr);
  (void)dst;
  if (!f->found && name && !strcmp(name, f->name))
    f->found = attr;
  return 0;
}

/* Finds `name` in a message other threads may read at the same time (ippFindAttribute moves a
 * cursor stored in the message). NULL if absent. */
ipp_attribute_t *ipp_attrs_find_shared(ipp_t *ipp, const char *name)
{
  attrs_find_t f = {.name = name, .found = NULL};
  if (ipp && name)
    ippCopyAttributes(ipp, ipp, 0, attrs_find_cb, &f);
  return f.found;
}

/* ippCopyAttributes callback used for collection members: deep-copies, then skips. */
static int attrs_deep_cb(void *context, ipp_t *dst, ipp_attribute_t *attr)
{
  bool *ok = context;
  if (!ipp_attrs_copy_deep(dst, attr, IPP_TAG_ZERO))
    *ok = false;
  return 0;
}

/* New copy of collection `src` that shares nothing with it; NULL on allocation failure. */
static ipp_t *attrs_collection_copy(ipp_t *src)
{
  ipp_t *col = ippNew();
  bool ok = col != NULL;
  if (ok)
    ippCopyAttributes(col, src, 0, attrs_deep_cb, &ok);
  if (!ok) {
    ippDelete(col);
    col = NULL;
  }
  return col;
}

/* Copies `attr` into `dst` in `group` (IPP_TAG_ZERO inside a collection) without sharing any
 * collection value with the source. Strings are referenced, not copied ("quick copy"): the
 * source must outlive `dst`, which holds for a queue's static attributes (the request keeps a
 * reference to its printer until the response is freed), and it spares libcups's global,
 * mutex-guarded string pool. Returns false on allocation failure. */
bool ipp_attrs_copy_deep(ipp_t *dst, ipp_attribute_t *attr, ipp_tag_t group)
{
  if (ippGetValueTag(attr) != IPP_TAG_BEGIN_COLLECTION) {
    ipp_attribute_t *copy = ippCopyAttribute(dst, attr, 1);
    return copy && (ippGetGroupTag(copy) == group || ippSetGroupTag(dst, &copy, group));
  }
  int n = ippGetCount(attr);
  ipp_t **cols = calloc((size_t)n, sizeof(*cols));
  if (!cols)
    return false;
  bool ok = true;
  for (int i = 0; i < n && ok; i++)
    ok = (cols[i] = attrs_collection_copy(ippGetCollection(attr, i))) != NULL;
  if (ok)
    ok = ippAddCollections(dst, group, ippGetName(attr), n, (const ipp_t **)cols) != NULL;
  for (int i = 0; i < n; i++)
    ippDelete(cols[i]);
  free(cols);
  return ok;
}

/* ---- Get-Printer-Attributes -------------------------------------------------------------- */

typedef struct attrs_filter_s {
  cups_array_t *requested;   /* NULL: everything */
  bool all;                  /* "all" named: everything (libcups expands it to a fixed list) */
  bool media_col_database;   /* named explicitly */
  bool description;          /* "printer-description" named */
  bool defaults;             /* "printer-defaults" named (libcups 2.4 does not expand it) */
  ipp_t *response;
  bool ok;
} attrs_filter_t;

/* True if `name` is one of `list`. */
static bool attrs_in_list(const char *name, const char *const *list, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!strcmp(name, list[i]))
      return true;
  return false;
}

/* True if the client asked for attribute `name`. */
static bool attrs_wanted(const attrs_filter_t *f, const char *name)
{
  size_t len = strlen(name);

  if (!strcmp(name, "media-col-database"))
    return f->media_col_database;
  if (!f->requested || f->all || cupsArrayFind(f->requested, (void *)name))
    return true;
  if (f->description &&
      attrs_in_list(name, attrs_description_extras, N_ELEMS(attrs_description_extras)))
    return true;
  return f->defaults && len > 8 && !strcmp(name + len - 8, "-default");
}

/* ippCopyAttributes callback: copies wanted attributes itself (deeply), never via libcups. */
static int attrs_filter_cb(void *context, ipp_t *dst, ipp_attribute_t *attr)
{
  attrs_filter_t *f = context;
  const char *name = ippGetName(attr);
  (void)dst;
  if (name && attrs_wanted(f, name) && !ipp_attrs_copy_deep(f->response, attr, IPP_TAG_PRINTER))
    f->ok = false;
  return 0;
}

void ipp_printer_attrs_copy(ipp_t *response, ipp_t *static_attrs, ipp_t *request,
                            cups_array_t *requested)
{
  attrs_filter_t f = {.requested = requested, .response = response, .ok = true};
  ipp_attribute_t *ra = request ? ippFindAttribute(request, "requested-attributes",
                                                   IPP_TAG_KEYWORD) : NULL;

  if (!response || !static_attrs)
    return;
  if (ra && ippGetGroupTag(ra) == IPP_TAG_OPERATION) {
    f.all = ippContainsString(ra, "all");
    f.media_col_database = ippContainsString(ra, "media-col-database");
    f.description = ippContainsString(ra, "printer-description");
    f.defaults = ippContainsString(ra, "printer-defaults");
  }
  ippCopyAttributes(static_attrs, static_attrs, 0, attrs_filter_cb, &f);
  if (!f.ok)
    log_error("printer attributes: out of memory while copying");
}

/* ---- Dynamic attributes ------------------------------------------------------------------ */

/* True if `name` is requested (NULL: all). */
static bool attrs_dyn_wanted(cups_array_t *requested, const char *name)
{
  return !requested || cupsArrayFind(requested, (void *)name);
}

/* Builds "scheme://host:port/resource"; IPv6 literals get brackets (httpAssembleURI adds them;
 * brackets the caller left on are removed first so they are not doubled or escaped) and lose
 * their zone ("%eth0"), which libcups would write in its own "[v1.addr+zone]" form. */
static void attrs_uri(char *buf, size_t size, const char *scheme, const char *host, int port,
                      const char *resource)
{
  char h[256];
  size_t len = host ? strlen(host) : 0;

  if (!len)
    snprintf(h, sizeof(h), "localhost");
  else if (host[0] == '[' && host[len - 1] == ']' && len >= 2)
    snprintf(h, sizeof(h), "%.*s", (int)(len - 2), host + 1);
  else
    snprintf(h, sizeof(h), "%s", host);
  char *zone = strchr(h, ':') ? strchr(h, '%') : NULL;
  if (zone)
    *zone = '\0';  /* an IPv6 zone only means something on the client's side */
  if (httpAssembleURI(HTTP_URI_CODING_ALL, buf, (int)size, scheme, NULL, h, port,
                      resource) < HTTP_URI_STATUS_OK)
    snprintf(buf, size, "%s://localhost:%d%s", scheme, port, resource);
}

/* Adds printer-state-reasons from a comma-separated list ("none" if empty). */
static void attrs_add_reasons(ipp_t *response, const char *list)
{
  char buf[1024];
  const char *reasons[ATTRS_MAX_REASONS];
  int n = 0;

  snprintf(buf, sizeof(buf), "%s", list ? list : "");
  for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok && n < ATTRS_MAX_REASONS;
       tok = strtok_r(NULL, ", ", &save))
    reasons[n++] = tok;
  if (!n)
    reasons[n++] = "none";
  ippAddStrings(response, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "printer-state-reasons", n, NULL,
                reasons);
}

/* Adds the URI attributes (printer-uri-supported and the lists of the same length, more-info,
 * icons, supply-info-uri), all built from the host and port the client used. */
static void attrs_add_uris(ipp_t *response, const ipp_printer_dynamic_t *dyn, bool auth_basic,
                           cups_array_t *requested)
{
  const char *resource = dyn->resource ? dyn->resource : "/ipp/print";
  int port = dyn->port > 0 ? dyn->port : QUIRE_DEFAULT_PORT;
  char uris[2][1024], icons[2][1024], more[1024];
  const char *uri_v[2] = {uris[0], uris[1]}, *icon_v[2] = {icons[0], icons[1]};
  const char *security[2] = {"none", "tls"};
  const char *auth = auth_basic ? "basic" : "requesting-user-name";
  const char *auths[2] = {auth, auth};
  int n = dyn->tls_available ? 2 : 1;

  attrs_uri(uris[0], sizeof(uris[0]), "ipp", dyn->host, port, resource);
  int tls_port = dyn->tls_port > 0 ? dyn->tls_port : port;
  attrs_uri(uris[1], sizeof(uris[1]), "ipps", dyn->host, tls_port, resource);
  attrs_uri(icons[0], sizeof(icons[0]), "http", dyn->host, port, "/icon.png");
  attrs_uri(icons[1], sizeof(icons[1]), "https", dyn->host, tls_port, "/icon.png");
  attrs_uri(more, sizeof(more), "http", dyn->host, port, "/");

  if (attrs_dyn_wanted(requested, "printer-uri-supported"))
    ippAddStrings(response, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-uri-supported", n, NULL, uri_v);
  if (attrs_dyn_wanted(requested, "uri-security-supported"))
    ippAddStrings(response, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "uri-security-supported", n, NULL,
                  security);
  if (attrs_dyn_wanted(requested, "uri-authentication-supported"))
    ippAddStrings(response, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "uri-authentication-supported", n,
                  NULL, auths);
  if (attrs_dyn_wanted(requested, "printer-more-info"))
    ippAddString(response, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-more-info", NULL, more);
  if (attrs_dyn_wanted(requested, "printer-supply-info-uri"))
    ippAddString(response, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-supply-info-uri", NULL, more);
  if (attrs_dyn_wanted(requested, "printer-icons"))
    ippAddStrings(response, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-icons", n, NULL, icon_v);
}

/* Seconds from the daemon's start to `t`, as printer-up-time counts them (>= 0). */
static int attrs_up_seconds(time_t start, time_t t)
{
  double d = difftime(t, start);
  return d < 0 ? 0 : d > INT_MAX ? INT_MAX : (int)d;
}

/* Adds the time attributes (up time, current time, change times). */
static void attrs_add_times(ipp_t *response, const ipp_printer_dynamic_t *dyn,
                            cups_array_t *requested)
{
  time_t now = time(NULL);
  int up = attrs_up_seconds(dyn->start_time, now);
  time_t config_time = dyn->config_time ? dyn->config_time : dyn->start_time;
  time_t state_time = dyn->state_time ? dyn->state_time : dyn->start_time;

  if (attrs_dyn_wanted(requested, "printer-up-time"))
    ippAddInteger(response, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "printer-up-time", up < 1 ? 1 : up);
  if (attrs_dyn_wanted(requested, "printer-current-time"))
    ippAddDate(response, IPP_TAG_PRINTER, "printer-current-time", ippTimeToDate(now));
  if (attrs_dyn_wanted(requested, "printer-config-change-time"))
    ippAddInteger(response, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "printer-config-change-time",
                  attrs_up_seconds(dyn->start_time, config_time));
  if (attrs_dyn_wanted(requested, "printer-config-change-date-time"))
    ippAddDate(response, IPP_TAG_PRINTER, "printer-config-change-date-time",
               ippTimeToDate(config_time));
  if (attrs_dyn_wanted(requested, "printer-state-change-time"))
    ippAddInteger(response, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "printer-state-change-time",
                  attrs_up_seconds(dyn->start_time, state_time));
  if (attrs_dyn_wanted(requested, "printer-state-change-date-time"))
    ippAddDate(response, IPP_TAG_PRINTER, "printer-state-change-date-time",
               ippTimeToDate(state_time));
}

void ipp_printer_attrs_add_dynamic(ipp_t *response, const ipp_printer_dynamic_t *dyn,
                                   bool auth_basic, cups_array_t *requested)
{
  if (!response || !dyn)
    return;
  attrs_add_uris(response, dyn, auth_basic, requested);
  if (attrs_dyn_wanted(requested, "printer-state"))
    ippAddInteger(response, IPP_TAG_PRINTER, IPP_TAG_ENUM, "printer-state",
                  dyn->state ? (int)dyn->state : (int)IPP_PSTATE_IDLE);
  if (attrs_dyn_wanted(requested, "printer-state-reasons"))
    attrs_add_reasons(response, dyn->state_reasons);
  if (attrs_dyn_wanted(requested, "printer-state-message"))
    ippAddString(response, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-state-message", NULL,
                 dyn->state_message ? dyn->state_message : "");
  if (attrs_dyn_wanted(requested, "printer-is-accepting-jobs"))
    ippAddBoolean(response, IPP_TAG_PRINTER, "printer-is-accepting-jobs", dyn->accepting);
  if (attrs_dyn_wanted(requested, "queued-job-count"))
    ippAddInteger(response, IPP_TAG_PRINTER, IPP_TAG_INTEGER, "queued-job-count",
                  dyn->queued_jobs < 0 ? 0 : dyn->queued_jobs);
  attrs_add_times(response, dyn, requested);
}
