/*
 * job-attrs.c: a job as IPP job attributes: the stored ticket (encoded with libcups into an
 * opaque blob for the store) and the description attributes reported by Get-Jobs and
 * Get-Job-Attributes, with job privacy for other users.
 */
#include "ipp-private.h"

#include "../core/ticket.h"
#include "../core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* True when the response lists `name` as unsupported. */
static bool ipp_job_attr_unsupported(ipp_t *response, const char *name)
{
  for (ipp_attribute_t *a = ippFirstAttribute(response); a; a = ippNextAttribute(response))
    if (ippGetGroupTag(a) == IPP_TAG_UNSUPPORTED_GROUP && ippGetName(a) &&
        !strcmp(ippGetName(a), name))
      return true;
  return false;
}

/* Copies an operation attribute into the ticket under another name (e.g. *-supplied). */
static void ipp_job_copy_as(ipp_t *ticket, ipp_t *request, const char *from, const char *to)
{
  ipp_attribute_t *a = ippFindAttribute(request, from, IPP_TAG_ZERO);
  if (!a || ippGetGroupTag(a) != IPP_TAG_OPERATION)
    return;
  ipp_attribute_t *c = ippCopyAttribute(ticket, a, 0);
  if (c) {
    ippSetName(ticket, &c, to);
    ippSetGroupTag(ticket, &c, IPP_TAG_JOB);
  }
}

unsigned char *ipp_job_attrs_encode(ipp_exchange_t *ex, size_t *len)
{
  ipp_t *ticket = ippNew();

  for (ipp_attribute_t *a = ippFirstAttribute(ex->request); a; a = ippNextAttribute(ex->request)) {
    const char *name = ippGetName(a);
    if (ippGetGroupTag(a) != IPP_TAG_JOB || !name || !strcmp(name, "job-hold-until") ||
        ipp_job_attr_unsupported(ex->response, name))
      continue;
    ippCopyAttribute(ticket, a, 0);
  }
  ipp_job_copy_as(ticket, ex->request, "document-format", "document-format-supplied");
  ipp_job_copy_as(ticket, ex->request, "document-name", "document-name-supplied");
  ipp_job_copy_as(ticket, ex->request, "compression", "compression-supplied");
  unsigned char *buf = ticket_encode(ticket, len);
  ippDelete(ticket);
  return buf;
}

/* Decodes a stored ticket; NULL if there is none. Caller deletes. */
static ipp_t *ipp_job_attrs_decode(const store_job_t *job)
{
  return ticket_decode(job->attrs, job->attrs_len);
}

static bool want(cups_array_t *ra, const char *name);

/* Adds an integer job attribute, or no-value until the documents have been analysed. */
static void ipp_job_add_count(ipp_t *r, cups_array_t *ra, const char *name, bool known, int v)
{
  if (!want(ra, name))
    return;
  if (known)
    ippAddInteger(r, IPP_TAG_JOB, IPP_TAG_INTEGER, name, v);
  else
    ippAddOutOfBand(r, IPP_TAG_JOB, IPP_TAG_NOVALUE, name);
}

/* Adds what analysis found out (render/ via core/analyzer.c): job-pages, job-impressions,
 * job-media-sheets, and job-impressions-col split into full-color and monochrome (PWG
 * 5100.7), so a client or an accounting system sees them before the job is released. */
static void ipp_job_add_counts(ipp_t *r, const store_job_t *job, cups_array_t *ra)
{
  bool known = job->analysis == STORE_ANALYSIS_DONE;
  int copies = job->pages > 0 ? job->impressions / job->pages : 1;

  ipp_job_add_count(r, ra, "job-pages", known, job->pages);
  ipp_job_add_count(r, ra, "job-impressions", known || job->impressions > 0, job->impressions);
  ipp_job_add_count(r, ra, "job-media-sheets", known, job->sheets);
  if (known && want(ra, "job-impressions-col")) {
    ipp_t *col = ippNew();
    ippAddInteger(col, IPP_TAG_ZERO, IPP_TAG_INTEGER, "full-color", job->color_pages * copies);
    ippAddInteger(col, IPP_TAG_ZERO, IPP_TAG_INTEGER, "monochrome",
                  (job->pages - job->color_pages) * copies);
    ippAddCollection(r, IPP_TAG_JOB, "job-impressions-col", col);
    ippDelete(col);
  }
}

static bool want(cups_array_t *ra, const char *name)
{
  return !ra || cupsArrayFind(ra, (void *)name);
}

/* Adds a time as integer (seconds) or no-value when never reached. */
static void ipp_job_add_time(ipp_t *r, cups_array_t *ra, const char *iname, const char *dname,
                             time_t t)
{
  if (want(ra, iname)) {
    if (t)
      ippAddInteger(r, IPP_TAG_JOB, IPP_TAG_INTEGER, iname, (int)t);
    else
      ippAddOutOfBand(r, IPP_TAG_JOB, IPP_TAG_NOVALUE, iname);
  }
  if (want(ra, dname)) {
    if (t)
      ippAddDate(r, IPP_TAG_JOB, dname, ippTimeToDate(t));
    else
      ippAddOutOfBand(r, IPP_TAG_JOB, IPP_TAG_NOVALUE, dname);
  }
}

/* Adds the comma-separated reasons as a keyword set. */
static void ipp_job_add_reasons(ipp_t *r, const store_job_t *job)
{
  char buf[512];
  const char *kw[16];
  int n = 0;

  snprintf(buf, sizeof(buf), "%s", job->state_reasons && *job->state_reasons
                                   ? job->state_reasons : "none");
  for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && n < 16;
       t = strtok_r(NULL, ",", &save))
    kw[n++] = t;
  ippAddStrings(r, IPP_TAG_JOB, IPP_TAG_KEYWORD, "job-state-reasons", n, NULL, kw);
}

/* job-uri / printer-uri as the client addressed us. */
static void ipp_job_uris(ipp_exchange_t *ex, const store_job_t *job, char *juri, size_t jlen,
                         char *puri, size_t plen)
{
  httpAssembleURIf(HTTP_URI_CODING_ALL, puri, (int)plen, "ipp", NULL, ex->host, ex->port,
                   "/ipp/print/%s", job->queue);
  httpAssembleURIf(HTTP_URI_CODING_ALL, juri, (int)jlen, "ipp", NULL, ex->host, ex->port,
                   "/ipp/print/%s/%d", job->queue, job->id);
}

void ipp_job_attrs_add_summary(ipp_exchange_t *ex, const store_job_t *job)
{
  char juri[1024], puri[1024];

  ipp_job_uris(ex, job, juri, sizeof(juri), puri, sizeof(puri));
  ippAddInteger(ex->response, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-id", job->id);
  ippAddString(ex->response, IPP_TAG_JOB, IPP_TAG_URI, "job-uri", NULL, juri);
  ippAddInteger(ex->response, IPP_TAG_JOB, IPP_TAG_ENUM, "job-state", job->state);
  ipp_job_add_reasons(ex->response, job);
  ippAddString(ex->response, IPP_TAG_JOB, IPP_TAG_TEXT, "job-state-message", NULL,
               job->state_message ? job->state_message
               : job->closed ? "Held until released at a printer."
                             : "Waiting for the document.");
}

/* Adds the stored ticket attributes named in `ra`. */
static void ipp_job_add_ticket(ipp_exchange_t *ex, const store_job_t *job, cups_array_t *ra)
{
  ipp_t *t = ipp_job_attrs_decode(job);
  if (!t)
    return;
  for (ipp_attribute_t *a = ippFirstAttribute(t); a; a = ippNextAttribute(t))
    if (ippGetName(a) && want(ra, ippGetName(a)))
      ippCopyAttribute(ex->response, a, 0);
  ippDelete(t);
}

void ipp_job_attrs_add(ipp_exchange_t *ex, const store_job_t *job, cups_array_t *ra,
                       bool owner_view)
{
  ipp_t *r = ex->response;
  char juri[1024], puri[1024], more[1024];

  ipp_job_uris(ex, job, juri, sizeof(juri), puri, sizeof(puri));
  if (want(ra, "job-id"))
    ippAddInteger(r, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-id", job->id);
  if (want(ra, "job-uri"))
    ippAddString(r, IPP_TAG_JOB, IPP_TAG_URI, "job-uri", NULL, juri);
  if (want(ra, "job-printer-uri"))
    ippAddString(r, IPP_TAG_JOB, IPP_TAG_URI, "job-printer-uri", NULL, puri);
  if (want(ra, "job-state"))
    ippAddInteger(r, IPP_TAG_JOB, IPP_TAG_ENUM, "job-state", job->state);
  if (want(ra, "job-state-reasons"))
    ipp_job_add_reasons(r, job);
  if (want(ra, "job-printer-up-time"))
    ippAddInteger(r, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-printer-up-time", (int)time(NULL));
  ipp_job_add_time(r, ra, "time-at-creation", "date-time-at-creation", job->created);
  if (!owner_view)
    return;  /* job privacy: nothing more about other users' jobs */

  httpAssembleURIf(HTTP_URI_CODING_ALL, more, sizeof(more), "http", NULL, ex->host, ex->port,
                   "/jobs/%d", job->id);
  if (want(ra, "job-more-info"))
    ippAddString(r, IPP_TAG_JOB, IPP_TAG_URI, "job-more-info", NULL, more);
  if (want(ra, "job-uuid") && job->uuid)
    ippAddString(r, IPP_TAG_JOB, IPP_TAG_URI, "job-uuid", NULL, job->uuid);
  if (want(ra, "job-name"))
    ippAddString(r, IPP_TAG_JOB, IPP_TAG_NAME, "job-name", NULL, job->name ? job->name : "");
  if (want(ra, "job-originating-user-name"))
    ippAddString(r, IPP_TAG_JOB, IPP_TAG_NAME, "job-originating-user-name", NULL, job->owner);
  if (want(ra, "job-state-message"))
    ippAddString(r, IPP_TAG_JOB, IPP_TAG_TEXT, "job-state-message", NULL,
                 job->state_message ? job->state_message
                 : job->state == JOB_HELD ? "Held until released at a printer." : "");
  if (want(ra, "job-hold-until"))
    ippAddString(r, IPP_TAG_JOB, IPP_TAG_KEYWORD, "job-hold-until", NULL,
                 job->hold_until ? job->hold_until : "indefinite");
  if (want(ra, "number-of-documents"))
    ippAddInteger(r, IPP_TAG_JOB, IPP_TAG_INTEGER, "number-of-documents", job->num_docs);
  ipp_job_add_time(r, ra, "time-at-processing", "date-time-at-processing", job->processed);
  ipp_job_add_time(r, ra, "time-at-completed", "date-time-at-completed", job->completed);
  if (want(ra, "job-k-octets"))
    ippAddInteger(r, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-k-octets", (int)job->k_octets);
  ipp_job_add_counts(r, job, ra);
  if (want(ra, "job-impressions-completed"))
    ippAddInteger(r, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-impressions-completed", 0);
  if (want(ra, "job-media-sheets-completed"))
    ippAddInteger(r, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-media-sheets-completed", 0);
  ipp_job_add_ticket(ex, job, ra);
}
