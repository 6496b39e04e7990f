/*
 * job-ipp.c: IPP operations whose target is one job: Send-Document, Close-Job, Cancel-Job,
 * Get-Job-Attributes.
 */
#include "ipp-private.h"

#include <string.h>

/* Maps a core result to an IPP status and message. */
void ipp_job_result_status(ipp_exchange_t *ex, job_result_t r, int job_id)
{
  switch (r) {
  case JOB_OK:
    ipp_exchange_status(ex, IPP_STATUS_OK, NULL);
    break;
  case JOB_NOT_FOUND:
    ipp_exchange_status(ex, IPP_STATUS_ERROR_NOT_FOUND, "Job %d does not exist.", job_id);
    break;
  case JOB_NOT_OWNER:
    ipp_exchange_status(ex, IPP_STATUS_ERROR_NOT_AUTHORIZED,
                        "Job %d belongs to another user.", job_id);
    break;
  case JOB_NOT_POSSIBLE:
    ipp_exchange_status(ex, IPP_STATUS_ERROR_NOT_POSSIBLE,
                        "Job %d is already finished or closed.", job_id);
    break;
  case JOB_CLOSED:
    ipp_exchange_status(ex, IPP_STATUS_ERROR_NOT_POSSIBLE,
                        "Job %d accepts no more documents.", job_id);
    break;
  case JOB_STORE_ERROR:
    ipp_exchange_status(ex, IPP_STATUS_ERROR_INTERNAL, "The job could not be stored.");
    break;
  }
}

/* Loads the target job of a job operation, checking it belongs to the addressed queue.
 * Returns NULL with the status set. Caller frees. */
static store_job_t *ipp_job_load(ipp_exchange_t *ex)
{
  if (ex->job_id <= 0) {
    ipp_exchange_status(ex, IPP_STATUS_ERROR_BAD_REQUEST, "Missing job-id.");
    return NULL;
  }
  store_job_t *job = store_job_get(ex->svc->sys->store, ex->job_id);
  if (!job || strcmp(job->queue, ex->printer->config.name)) {
    ipp_job_result_status(ex, JOB_NOT_FOUND, ex->job_id);
    store_job_free(job);
    return NULL;
  }
  return job;
}

bool ipp_job_send_document_start(ipp_exchange_t *ex)
{
  ipp_attribute_t *last = ippFindAttribute(ex->request, "last-document", IPP_TAG_BOOLEAN);
  if (!last) {
    ipp_exchange_status(ex, IPP_STATUS_ERROR_BAD_REQUEST, "Missing last-document.");
    return false;
  }
  ex->last_document = ippGetBoolean(last, 0);

  store_job_t *job = ipp_job_load(ex);
  if (!job)
    return false;
  job_actor_t actor = ipp_exchange_actor(ex);
  job_result_t r = !job_actor_owns(&actor, job->owner) ? JOB_NOT_OWNER
                   : job->closed || job->state >= JOB_CANCELED ? JOB_CLOSED : JOB_OK;
  store_job_free(job);
  if (r != JOB_OK) {
    ipp_job_result_status(ex, r, ex->job_id);
    return false;
  }
  return ipp_exchange_check_document(ex) && ipp_exchange_open_document(ex);
}

void ipp_job_send_document_finish(ipp_exchange_t *ex, store_doc_t *doc)
{
  if (doc) {
    ipp_attribute_t *dn = ippFindAttribute(ex->request, "document-name", IPP_TAG_ZERO);
    doc->name = dn ? (char *)ippGetString(dn, 0, NULL) : NULL;
  }
  job_result_t r = job_add_document(ex->svc->sys, ex->job_id, doc, ex->last_document);
  if (doc)
    doc->name = NULL;
  if (r != JOB_OK) {
    if (doc)
      spool_remove(ex->svc->sys->spool, doc->path);
    ipp_job_result_status(ex, r, ex->job_id);
    return;
  }
  store_job_t *job = store_job_get(ex->svc->sys->store, ex->job_id);
  if (job)
    ipp_job_attrs_add_summary(ex, job);
  store_job_free(job);
  ipp_exchange_status(ex, IPP_STATUS_OK, NULL);
}

void ipp_job_close(ipp_exchange_t *ex)
{
  store_job_t *job = ipp_job_load(ex);
  if (!job)
    return;
  store_job_free(job);
  job_actor_t actor = ipp_exchange_actor(ex);
  ipp_job_result_status(ex, job_close(ex->svc->sys, &actor, ex->job_id), ex->job_id);
}

void ipp_job_cancel(ipp_exchange_t *ex)
{
  store_job_t *job = ipp_job_load(ex);
  if (!job)
    return;
  store_job_free(job);
  job_actor_t actor = ipp_exchange_actor(ex);
  ipp_job_result_status(ex, job_cancel(ex->svc->sys, &actor, ex->job_id, "job-canceled-by-user"),
                        ex->job_id);
}

void ipp_job_get_attributes(ipp_exchange_t *ex)
{
  store_job_t *job = ipp_job_load(ex);
  if (!job)
    return;
  cups_array_t *ra = ippCreateRequestedArray(ex->request);
  job_actor_t actor = ipp_exchange_actor(ex);
  ipp_job_attrs_add(ex, job, ra, job_actor_owns(&actor, job->owner));
  cupsArrayDelete(ra);
  store_job_free(job);
  ipp_exchange_status(ex, IPP_STATUS_OK, NULL);
}
