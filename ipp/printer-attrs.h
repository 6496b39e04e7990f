/*
 * printer-attrs.h: the printer attributes of a pull-print queue, and the validation of the job
 * template attributes a client sends against them (ipp/ module internals).
 *
 * One source of truth: the static attributes are built once per queue from its configuration
 * (ipp_printer_attrs_create); the values that change (state, counters, URIs that depend on the
 * Host the client used) are added per request (ipp_printer_attrs_add_dynamic). Job template
 * validation reads the same static attributes, so what is advertised is exactly what is
 * accepted. Later modules (DNS-SD TXT records) read the same ipp_t.
 */
#ifndef QUIRE_IPP_PRINTER_ATTRS_H
#define QUIRE_IPP_PRINTER_ATTRS_H

#include <cups/cups.h>
#include <stdbool.h>
#include <time.h>

#include "../core/config.h"

/* Operations quire implements, in the order listed in operations-supported. */
extern const ipp_op_t ipp_printer_ops_supported[];
extern const size_t ipp_printer_num_ops_supported;

/* Document formats accepted (document-format-supported), NULL-terminated. */
extern const char *const ipp_printer_formats_supported[];

/* Values that change per request or over time. */
typedef struct ipp_printer_dynamic_s {
  const char *host;          /* host name the client used (from the Host header), no port */
  int port;                  /* port of the plain listener as the client reaches it */
  bool tls_available;        /* add ipps:// and https:// URIs on tls_port */
  int tls_port;              /* port of the TLS listener as the client reaches it */
  const char *resource;      /* "/ipp/print/NAME" */
  ipp_pstate_t state;        /* IPP_PSTATE_IDLE normally */
  const char *state_reasons; /* comma-separated keywords, "none" when nothing to say */
  const char *state_message; /* may be NULL */
  bool accepting;            /* printer-is-accepting-jobs */
  int queued_jobs;           /* queued-job-count */
  time_t start_time;         /* daemon start (printer-up-time counts from it) */
  time_t config_time;        /* printer-config-change-time */
  time_t state_time;         /* printer-state-change-time */
} ipp_printer_dynamic_t;

/* Builds the static printer-attributes of `queue` (IPP Everywhere set: formats, media,
 * media-col-database/-ready/-default, sides, colour modes, quality, resolutions, urf-supported,
 * pwg-raster-*, printer-uuid, ipp-features-supported, job-hold-until-*, job-password-*,
 * operations-supported, ...). `uuid` is "urn:uuid:...". `max_document_size` is in bytes.
 * Returns a new ipp_t owned by the caller (ippDelete), or NULL on allocation failure. */
ipp_t *ipp_printer_attrs_create(const quire_queue_config_t *queue, const char *uuid,
                                long long max_document_size);

/* Copies into `response` (printer-attributes group) every static attribute named in
 * `requested` (from ippCreateRequestedArray; NULL means all). media-col-database is copied only
 * when `request` names it explicitly in requested-attributes (PWG 5100.7), never for "all". */
void ipp_printer_attrs_copy(ipp_t *response, ipp_t *static_attrs, ipp_t *request,
                            cups_array_t *requested);

/* Adds the dynamic attributes named in `requested` (NULL: all) to `response`: printer-uri-
 * supported, uri-security-supported, uri-authentication-supported, printer-more-info,
 * printer-icons, printer-state, printer-state-reasons, printer-state-message,
 * printer-is-accepting-jobs, printer-up-time, printer-current-time, queued-job-count,
 * printer-config-change-time/-date-time, printer-state-change-time/-date-time. */
void ipp_printer_attrs_add_dynamic(ipp_t *response, const ipp_printer_dynamic_t *dyn,
                                   bool auth_basic, cups_array_t *requested);

/* Validates the job template attributes of `request` (job group, plus job-name,
 * job-hold-until... in the operation group where RFC 8011 allows them) against `static_attrs`.
 * Each unsupported value or attribute is copied into the unsupported-attributes group of
 * `response`. Returns IPP_STATUS_OK when everything is supported,
 * IPP_STATUS_OK_IGNORED_OR_SUBSTITUTED when something was ignored and ipp-attribute-fidelity
 * is false, or an error: IPP_STATUS_ERROR_BAD_REQUEST for a malformed operation attribute
 * (wrong tag or count, invalid value), IPP_STATUS_ERROR_ATTRIBUTES_OR_VALUES for unsupported
 * job attributes when fidelity is true (a job attribute of the wrong syntax counts as
 * unsupported, RFC 8011 section 4.1.7). `*message` is set on any non-OK status. */
ipp_status_t ipp_job_attrs_validate(ipp_t *request, ipp_t *static_attrs, ipp_t *response,
                                    const char **message);

/* Finds `name` in an ipp_t shared between request threads without touching its internal
 * search cursor (libcups's ippFindAttribute moves it, which races). */
ipp_attribute_t *ipp_attrs_find_shared(ipp_t *ipp, const char *name);

/* Copies `attr` into `dst` under `group`, duplicating collections instead of sharing them
 * (libcups's shared collection reference counts are not thread-safe). */
bool ipp_attrs_copy_deep(ipp_t *dst, ipp_attribute_t *attr, ipp_tag_t group);

/* Test hook: row `i` of validation table `table` (0: job template); false past the end. */
bool ipp_job_attrs_table_row(int table, size_t i, const char **name, const char **supported,
                             bool *operation);

#endif
