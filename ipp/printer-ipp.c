/*
 * printer-ipp.c: IPP operations whose target is a queue (printer): Get-Printer-Attributes,
 * Validate-Job, Print-Job, Create-Job, Get-Jobs, Cancel-My-Jobs, Identify-Printer.
 */
#include "ipp-private.h"

#include "../core/util.h"

#include <stdlib.h>
#include <string.h>

#define QUEUED_COUNT_MAX_AGE_MS 1000

/* queued-job-count, counted in the store at most once a second per queue: Get-Printer-
 * Attributes is the most frequent request of all and a count walks every held job. */
static int ipp_printer_queued(ipp_exchange_t *ex)
{
  ipp_printer_t *p = ex->printer;
  long long now = (long long)(util_now() * 1000.0);
  long long at = atomic_load(&p->queued_at_ms);

  if (at == 0 || now - at > QUEUED_COUNT_MAX_AGE_MS) {
    int n = store_job_count_active(ex->svc->sys->store, p->config.name);
    if (n >= 0) {
      atomic_store(&p->queued, n);
      atomic_store(&p->queued_at_ms, now);
    }
  }
  return atomic_load(&p->queued);
}

/* True when requested-attributes is absent or just "all": then no name filter is needed (and
 * building libcups's array of every attribute name is the most costly part of the request). */
static bool ipp_printer_wants_all(ipp_t *request)
{
  ipp_attribute_t *ra = ippFindAttribute(request, "requested-attributes", IPP_TAG_KEYWORD);
  return !ra || (ippGetCount(ra) == 1 && !strcmp(ippGetString(ra, 0, NULL), "all"));
}

/* Fills the values of a queue that change over time. */
void ipp_printer_dynamic(ipp_exchange_t *ex, ipp_printer_dynamic_t *dyn)
{
  quire_system_t *sys = ex->svc->sys;

  memset(dyn, 0, sizeof(*dyn));
  dyn->host = ex->host;
  /* The port of the scheme the client used is the one it reached (Host header, which may be
   * forwarded); the other scheme's is the listening port. */
  dyn->port = ex->tls ? ex->other_port : ex->port;
  dyn->tls_port = ex->tls ? ex->port : ex->other_port;
  dyn->tls_available = dyn->tls_port > 0;
  dyn->resource = ex->printer->resource;
  dyn->state = IPP_PSTATE_IDLE;
  dyn->state_reasons = "none";
  dyn->accepting = true;
  dyn->queued_jobs = ipp_printer_queued(ex);
  dyn->start_time = sys->start_time;
  dyn->config_time = ex->printer->config_time;
  dyn->state_time = sys->start_time;
}

void ipp_printer_get_attributes(ipp_exchange_t *ex)
{
  cups_array_t *ra = ipp_printer_wants_all(ex->request) ? NULL
                                                         : ippCreateRequestedArray(ex->request);
  ipp_printer_dynamic_t dyn;

  ipp_printer_dynamic(ex, &dyn);
  ipp_printer_attrs_add_dynamic(ex->response, &dyn, ex->printer->config.auth_basic, ra);
  if (ra) {
    ipp_printer_attrs_copy(ex->response, ex->printer->attrs, ex->request, ra);
  } else {
    ex->splice = ex->printer->all_bytes;  /* appended after the dynamic attributes */
    ex->splice_len = ex->printer->all_len;
  }
  cupsArrayDelete(ra);
  ipp_exchange_status(ex, IPP_STATUS_OK, NULL);
}

/* Checks document-format and compression against what the queue supports. */
bool ipp_exchange_check_document(ipp_exchange_t *ex)
{
  ipp_attribute_t *fmt = ippFindAttribute(ex->request, "document-format", IPP_TAG_MIMETYPE);
  ipp_attribute_t *comp = ippFindAttribute(ex->request, "compression", IPP_TAG_KEYWORD);
  const char *f = fmt ? ippGetString(fmt, 0, NULL) : "application/octet-stream";
  const char *c = comp ? ippGetString(comp, 0, NULL) : "none";
  bool known = false;

  for (size_t i = 0; ipp_printer_formats_supported[i]; i++)
    known |= !strcasecmp(f, ipp_printer_formats_supported[i]);
  if (!known) {
    ipp_exchange_status(ex, IPP_STATUS_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED,
                        "Document format %s is not supported.", f);
    ipp_attribute_t *u = ippCopyAttribute(ex->response, fmt, 0);
    if (u)
      ippSetGroupTag(ex->response, &u, IPP_TAG_UNSUPPORTED_GROUP);
    return false;
  }
  if (strcmp(c, "none") && strcmp(c, "gzip") && strcmp(c, "deflate")) {
    ipp_exchange_status(ex, IPP_STATUS_ERROR_ATTRIBUTES_OR_VALUES,
                        "Compression %s is not supported.", c);
    ipp_attribute_t *u = ippCopyAttribute(ex->response, comp, 0);
    if (u)
      ippSetGroupTag(ex->response, &u, IPP_TAG_UNSUPPORTED_GROUP);
    return false;
  }
  free(ex->format);
  ex->format = strcasecmp(f, "application/octet-stream") ? util_strdup(f) : NULL;
  if (ex->format)
    for (char *p = ex->format; *p; p++)
      *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
  free(ex->compression);
  ex->compression = strcmp(c, "none") ? util_strdup(c) : NULL;
  return true;
}

/* Opens the spool writer for the document that follows. */
bool ipp_exchange_open_document(ipp_exchange_t *ex)
{
  ex->writer = spool_writer_new(ex->svc->sys->spool, ex->compression,
                                system_max_document_size(ex->svc->sys));
  if (!ex->writer) {
    ipp_exchange_status(ex, IPP_STATUS_ERROR_INTERNAL, "Cannot open a spool file.");
    return false;
  }
  return true;
}

/* Validates the job ticket; false when the job must be refused (status set). */
static bool ipp_printer_check_ticket(ipp_exchange_t *ex)
{
  const char *msg = NULL;
  ipp_status_t st = ipp_job_attrs_validate(ex->request, ex->printer->attrs, ex->response, &msg);

  if (st >= IPP_STATUS_ERROR_BAD_REQUEST) {
    ipp_exchange_status(ex, st, "%s", msg ? msg : "Unsupported job attributes.");
    return false;
  }
  ipp_exchange_status(ex, st, msg ? "%s" : NULL, msg);
  return true;
}

/* Makes the store row of a new job from the request. */
static store_job_t *ipp_printer_new_job(ipp_exchange_t *ex)
{
  ipp_attribute_t *a = ippFindAttribute(ex->request, "job-name", IPP_TAG_ZERO);
  if (!a)
    a = ippFindAttribute(ex->request, "document-name", IPP_TAG_ZERO);
  const char *name = a ? ippGetString(a, 0, NULL) : NULL;
  char uuid[64];
  store_job_t *job = calloc(1, sizeof(*job));

  if (!job)
    abort();
  job->queue = util_strdup(ex->printer->config.name);
  job->owner = util_strdup(ex->user);
  job->name = util_strdup(name && *name ? name : "Untitled");
  if (util_uuid_new(uuid, sizeof(uuid)))
    job->uuid = util_strdup(uuid);
  job->attrs = ipp_job_attrs_encode(ex, &job->attrs_len);
  return job;
}

void ipp_printer_validate_job(ipp_exchange_t *ex)
{
  if (ipp_printer_check_ticket(ex))
    ipp_exchange_check_document(ex);
}

/* Refuses a new job when its user has as many jobs waiting as the queue allows. */
static bool ipp_printer_check_limit(ipp_exchange_t *ex)
{
  char why[256];
  if (job_user_may_submit(ex->svc->sys, &ex->printer->config, ex->user, why, sizeof(why)))
    return true;
  ipp_exchange_status(ex, IPP_STATUS_ERROR_NOT_POSSIBLE, "%s", why);
  return false;
}

bool ipp_printer_print_job_start(ipp_exchange_t *ex)
{
  if (!ipp_printer_check_ticket(ex) || !ipp_printer_check_limit(ex) ||
      !ipp_exchange_check_document(ex))
    return false;
  ex->pending_job = ipp_printer_new_job(ex);
  return ipp_exchange_open_document(ex);
}

/* Stores the job and its document in one durable step, then answers. */
void ipp_printer_print_job_finish(ipp_exchange_t *ex, store_doc_t *doc)
{
  store_job_t *job = ex->pending_job;

  if (!doc) {
    ipp_exchange_status(ex, IPP_STATUS_ERROR_BAD_REQUEST, "Print-Job without document data.");
    return;
  }
  ipp_attribute_t *dn = ippFindAttribute(ex->request, "document-name", IPP_TAG_ZERO);
  doc->name = dn ? (char *)ippGetString(dn, 0, NULL) : NULL;
  doc->number = 1;
  job_result_t r = job_submit(ex->svc->sys, job, doc);
  doc->name = NULL;
  if (r != JOB_OK) {
    spool_remove(ex->svc->sys->spool, doc->path);
    ipp_job_result_status(ex, r, 0);
    return;
  }
  ipp_job_attrs_add_summary(ex, job);
}

void ipp_printer_create_job(ipp_exchange_t *ex)
{
  if (!ipp_printer_check_ticket(ex) || !ipp_printer_check_limit(ex))
    return;
  store_job_t *job = ipp_printer_new_job(ex);
  job_result_t r = job_submit(ex->svc->sys, job, NULL);
  if (r != JOB_OK) {
    ipp_job_result_status(ex, r, 0);
  } else {
    ipp_job_attrs_add_summary(ex, job);
  }
  store_job_free(job);
}

/* Maps which-jobs to a store filter; false (status set) for values quire does not support. */
static bool ipp_printer_which_jobs(ipp_exchange_t *ex, store_job_filter_t *f)
{
  static const struct { const char *kw; store_which_t which; int state; } map[] = {
    {"not-completed", STORE_WHICH_NOT_COMPLETED, 0}, {"completed", STORE_WHICH_COMPLETED, 0},
    {"all", STORE_WHICH_ALL, 0}, {"pending-held", STORE_WHICH_NOT_COMPLETED, 4},
    {"pending", STORE_WHICH_NOT_COMPLETED, 3}, {"processing", STORE_WHICH_NOT_COMPLETED, 5},
    {"processing-stopped", STORE_WHICH_NOT_COMPLETED, 6},
    {"canceled", STORE_WHICH_COMPLETED, 7}, {"aborted", STORE_WHICH_COMPLETED, 8},
  };
  ipp_attribute_t *a = ippFindAttribute(ex->request, "which-jobs", IPP_TAG_KEYWORD);
  const char *kw = a ? ippGetString(a, 0, NULL) : "not-completed";

  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
    if (!strcmp(kw, map[i].kw)) {
      f->which = map[i].which;
      f->state = map[i].state;
      f->newest_first = f->which == STORE_WHICH_COMPLETED;
      return true;
    }
  ipp_exchange_status(ex, IPP_STATUS_ERROR_ATTRIBUTES_OR_VALUES,
                      "which-jobs %s is not supported.", kw);
  ipp_attribute_t *u = ippCopyAttribute(ex->response, a, 0);
  if (u)
    ippSetGroupTag(ex->response, &u, IPP_TAG_UNSUPPORTED_GROUP);
  return false;
}

void ipp_printer_get_jobs(ipp_exchange_t *ex)
{
  store_job_filter_t f = {.queue = ex->printer->config.name};
  ipp_attribute_t *my = ippFindAttribute(ex->request, "my-jobs", IPP_TAG_BOOLEAN);
  ipp_attribute_t *lim = ippFindAttribute(ex->request, "limit", IPP_TAG_INTEGER);
  size_t n = 0;

  if (!ipp_printer_which_jobs(ex, &f))
    return;
  if (lim && ippGetInteger(lim, 0) < 1) {
    ipp_exchange_status(ex, IPP_STATUS_ERROR_ATTRIBUTES_OR_VALUES, "limit must be positive.");
    return;
  }
  if (my && ippGetBoolean(my, 0)) {
    if (ex->anonymous) {
      ipp_exchange_status(ex, IPP_STATUS_OK, NULL);  /* nobody's jobs */
      return;
    }
    f.owner = ex->user;
  }
  f.limit = lim ? ippGetInteger(lim, 0) : 0;

  cups_array_t *ra = ippCreateRequestedArray(ex->request);
  if (!ippFindAttribute(ex->request, "requested-attributes", IPP_TAG_KEYWORD)) {
    cupsArrayDelete(ra);
    ra = cupsArrayNew(ipp_name_cmp, NULL);
    cupsArrayAdd(ra, "job-id");
    cupsArrayAdd(ra, "job-uri");
  }
  job_actor_t actor = ipp_exchange_actor(ex);
  store_job_t **jobs = store_job_list(ex->svc->sys->store, &f, &n);
  for (size_t i = 0; i < n; i++) {
    if (i > 0)
      ippAddSeparator(ex->response);
    ipp_job_attrs_add(ex, jobs[i], ra, job_actor_owns(&actor, jobs[i]->owner));
  }
  store_jobs_free(jobs, n);
  cupsArrayDelete(ra);
  ipp_exchange_status(ex, IPP_STATUS_OK, NULL);
}

void ipp_printer_cancel_my_jobs(ipp_exchange_t *ex)
{
  ipp_attribute_t *ids = ippFindAttribute(ex->request, "job-ids", IPP_TAG_INTEGER);
  int nids = ids ? ippGetCount(ids) : 0, count = 0;
  int *list = nids ? calloc((size_t)nids, sizeof(int)) : NULL;

  for (int i = 0; i < nids; i++)
    list[i] = ippGetInteger(ids, i);
  job_actor_t actor = ipp_exchange_actor(ex);
  job_result_t r = job_cancel_mine(ex->svc->sys, &actor, ex->printer->config.name, list, nids,
                                   &count);
  free(list);
  if (r != JOB_OK)
    ipp_job_result_status(ex, r, 0);
  else
    ipp_exchange_status(ex, IPP_STATUS_OK, "%d job(s) canceled.", count);
}

void ipp_printer_identify(ipp_exchange_t *ex)
{
  /* A pull queue has no panel or speaker of its own: the request is logged for the admin. */
  log_info("queue %s: Identify-Printer from %s (%s)", ex->printer->config.name, ex->user,
           ex->remote);
  ipp_exchange_status(ex, IPP_STATUS_OK, NULL);
}
