/*
 * forward-ipp.c: delivering a job to an IPP device (see forward-private.h and forward.h):
 * Create-Job (the device job id is stored before any byte of the document is sent),
 * Send-Document, then Get-Job-Attributes until the device job ends. A device job found again
 * after a failure is looked up first: one that did not get its whole document is canceled
 * before the job is sent again; one that got it is never sent again.
 */
#include "forward-private.h"

#include "job.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORWARD_FAST_POLL_SECONDS 2   /* after sending, look often for this long */
#define FORWARD_FAST_POLL_MS 100

/* What the device says about our device job. */
typedef enum forward_look_e {
  LOOK_UNREACHABLE,     /* no answer (s->err says why) */
  LOOK_GONE,            /* the device does not know it (restarted, or another job has its id) */
  LOOK_INCOMPLETE,      /* it is waiting for its document */
  LOOK_ACTIVE,          /* queued or printing with its whole document */
  LOOK_COMPLETED,
  LOOK_ABORTED,
  LOOK_CANCELED
} forward_look_t;

/* The connection of the worker, opened if needed; false with s->err. */
static devipp_t *forward_conn(forward_step_t *s)
{
  devipp_t *c = &s->worker->conn;
  if (c->http)
    return c;
  if (!devipp_open(c, s->dev->uri, s->set.io_timeout, &s->fw->stopping, s->err, sizeof(s->err)))
    return NULL;
  return c;
}

/* Drops the connection after a failure, so the next step reconnects. */
static void forward_conn_drop(forward_step_t *s)
{
  devipp_close(&s->worker->conn);
}

/* The status-message of a response, or the status name. */
static const char *forward_status_text(ipp_t *resp)
{
  ipp_attribute_t *a = resp ? ippFindAttribute(resp, "status-message", IPP_TAG_TEXT) : NULL;
  const char *m = a ? ippGetString(a, 0, NULL) : NULL;
  return m && *m ? m : ippErrorString(devipp_status(resp));
}

/* True when a job-state-reasons attribute holds a reason of a job still waiting for data. */
static bool forward_reasons_incomplete(ipp_attribute_t *reasons)
{
  for (int i = 0; reasons && i < ippGetCount(reasons); i++) {
    const char *r = ippGetString(reasons, i, NULL);
    if (r && (!strcmp(r, "job-incoming") || !strcmp(r, "job-data-insufficient")))
      return true;
  }
  return false;
}

/* True when the device job in `resp` is ours (same job-uuid, or same name and owner). */
static bool forward_job_is_ours(const forward_step_t *s, ipp_t *resp)
{
  ipp_attribute_t *uuid = ippFindAttribute(resp, "job-uuid", IPP_TAG_URI);
  ipp_attribute_t *user = ippFindAttribute(resp, "job-originating-user-name", IPP_TAG_ZERO);
  const char *u = uuid ? ippGetString(uuid, 0, NULL) : NULL;
  const char *o = user ? ippGetString(user, 0, NULL) : NULL;

  if (s->dl->device_job_uuid && u)
    return !strcmp(s->dl->device_job_uuid, u);
  return !o || !strcmp(o, s->job->owner);
}

/* Get-Job-Attributes of our device job. Sets *impressions (job-impressions-completed, -1 if
 * not reported) and the device's job-state-message into `msg`. */
static forward_look_t forward_lookup(forward_step_t *s, int *impressions, char *msg, size_t len)
{
  static const char *const attrs[] = {"job-state", "job-state-reasons", "job-state-message",
                                      "job-impressions-completed", "job-uuid",
                                      "job-originating-user-name"};
  devipp_t *c = forward_conn(s);
  *impressions = -1;
  msg[0] = '\0';
  if (!c)
    return LOOK_UNREACHABLE;
  ipp_t *req = devipp_request(c, IPP_OP_GET_JOB_ATTRIBUTES, s->job->owner);
  ippAddInteger(req, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", s->dl->device_job_id);
  ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
                (int)(sizeof(attrs) / sizeof(attrs[0])), NULL, attrs);
  ipp_t *resp = devipp_do(c, req, s->err, sizeof(s->err));
  forward_look_t look = LOOK_UNREACHABLE;
  ipp_status_t st = devipp_status(resp);

  if (!resp) {
    forward_conn_drop(s);
  } else if (st == IPP_STATUS_ERROR_NOT_FOUND) {
    look = LOOK_GONE;
  } else if (st > IPP_STATUS_OK_CONFLICTING) {
    snprintf(s->err, sizeof(s->err), "the printer answered %s", forward_status_text(resp));
  } else if (!forward_job_is_ours(s, resp)) {
    look = LOOK_GONE;
  } else {
    ipp_attribute_t *a = ippFindAttribute(resp, "job-state", IPP_TAG_ENUM);
    int state = a ? ippGetInteger(a, 0) : IPP_JSTATE_PENDING;
    a = ippFindAttribute(resp, "job-impressions-completed", IPP_TAG_INTEGER);
    *impressions = a ? ippGetInteger(a, 0) : -1;
    a = ippFindAttribute(resp, "job-state-message", IPP_TAG_ZERO);
    snprintf(msg, len, "%s", a && ippGetString(a, 0, NULL) ? ippGetString(a, 0, NULL) : "");
    bool waiting = forward_reasons_incomplete(ippFindAttribute(resp, "job-state-reasons",
                                                               IPP_TAG_KEYWORD));
    look = state == IPP_JSTATE_COMPLETED ? LOOK_COMPLETED
         : state == IPP_JSTATE_ABORTED   ? LOOK_ABORTED
         : state == IPP_JSTATE_CANCELED  ? LOOK_CANCELED
         : waiting                       ? LOOK_INCOMPLETE
                                         : LOOK_ACTIVE;
  }
  ippDelete(resp);
  return look;
}

/* Cancel-Job of our device job; true when it is canceled or already ended/unknown. */
static bool forward_cancel_device_job(forward_step_t *s)
{
  devipp_t *c = forward_conn(s);
  if (!c)
    return false;
  ipp_t *req = devipp_request(c, IPP_OP_CANCEL_JOB, s->job ? s->job->owner : NULL);
  ippAddInteger(req, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", s->dl->device_job_id);
  ipp_t *resp = devipp_do(c, req, s->err, sizeof(s->err));
  ipp_status_t st = devipp_status(resp);
  bool ok = resp && (st <= IPP_STATUS_OK_CONFLICTING || st == IPP_STATUS_ERROR_NOT_FOUND ||
                     st == IPP_STATUS_ERROR_NOT_POSSIBLE);
  if (!resp)
    forward_conn_drop(s);
  else if (!ok)
    snprintf(s->err, sizeof(s->err), "the printer refused to cancel job %d: %s",
             s->dl->device_job_id, forward_status_text(resp));
  ippDelete(resp);
  return ok;
}

/* Forgets the device job (it is gone or canceled), so the next step sends the job again. */
static void forward_forget_device_job(delivery_t *dl)
{
  dl->device_job_id = 0;
  device_set_str(&dl->device_job_uri, NULL);
  device_set_str(&dl->device_job_uuid, NULL);
  dl->state = DELIVERY_QUEUED;
}

bool forward_ipp_cancel(forward_step_t *s)
{
  if (!s->dl->device_job_id || s->dl->state == DELIVERY_QUEUED)
    return true;
  if (!forward_cancel_device_job(s))
    return false;
  log_info("job %d: canceled job %d on %s", s->dl->job_id, s->dl->device_job_id,
           s->dl->device);
  return true;
}

/* Adds the job template attributes of the delivery that the device supports. */
static void forward_add_template(const forward_step_t *s, ipp_t *req)
{
  const delivery_t *dl = s->dl;
  const device_t *d = s->dev;
  bool pwg = !strcmp(dl->format, "image/pwg-raster");
  const char *mode = dl->mono ? "monochrome" : "color";

  if (!pwg && dl->copies > 1)
    ippAddInteger(req, IPP_TAG_JOB, IPP_TAG_INTEGER, "copies", dl->copies);
  if (dl->sides && (device_list_has(d->sides_supported, dl->sides) ||
                    (!d->sides_supported[0] && !strcmp(dl->sides, "one-sided"))))
    ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "sides", NULL, dl->sides);
  if (dl->media && *dl->media)
    ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "media", NULL, dl->media);
  if (device_list_has(d->color_modes, mode))
    ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "print-color-mode", NULL, mode);
}

/* Create-Job; on success records the device job (durably) and moves to SENDING. */
static forward_outcome_t forward_create(forward_step_t *s, devipp_t *c)
{
  delivery_t *dl = s->dl;
  char name[256];
  snprintf(name, sizeof(name), "%s", s->job->name && *s->job->name ? s->job->name : "quire job");
  ipp_t *req = devipp_request(c, IPP_OP_CREATE_JOB, s->job->owner);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", NULL, name);
  forward_add_template(s, req);
  ipp_t *resp = devipp_do(c, req, s->err, sizeof(s->err));
  ipp_status_t st = devipp_status(resp);
  ipp_attribute_t *id = resp ? ippFindAttribute(resp, "job-id", IPP_TAG_INTEGER) : NULL;
  ipp_attribute_t *uri = resp ? ippFindAttribute(resp, "job-uri", IPP_TAG_URI) : NULL;
  forward_outcome_t o = FWD_NEXT;

  if (!resp) {
    forward_conn_drop(s);  /* a job created without its document never prints */
    o = FWD_RETRY;
  } else if (st > IPP_STATUS_OK_CONFLICTING || !id) {
    snprintf(s->err, sizeof(s->err), "the printer refused the job: %s", forward_status_text(resp));
    o = st >= IPP_STATUS_ERROR_BAD_REQUEST && st < IPP_STATUS_ERROR_INTERNAL ? FWD_GIVE_UP
                                                                            : FWD_RETRY;
  } else {
    dl->device_job_id = ippGetInteger(id, 0);
    device_set_str(&dl->device_job_uri, uri ? ippGetString(uri, 0, NULL) : NULL);
    dl->device_jobs++;
    dl->state = DELIVERY_SENDING;
    if (job_forward_save(s->sys, dl) != JOB_OK) {
      snprintf(s->err, sizeof(s->err), "cannot record the printer's job id (store error)");
      forward_cancel_device_job(s);
      forward_forget_device_job(dl);
      o = FWD_RETRY;
    } else {
      log_info("job %d: job %d created on %s", dl->job_id, dl->device_job_id, dl->device);
    }
  }
  ippDelete(resp);
  return o;
}

/* Reads the job-uuid of the device job just created (kept with the next save). */
static void forward_read_uuid(forward_step_t *s, devipp_t *c)
{
  ipp_t *req = devipp_request(c, IPP_OP_GET_JOB_ATTRIBUTES, s->job->owner);
  ippAddInteger(req, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", s->dl->device_job_id);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", NULL, "job-uuid");
  char err[256];
  ipp_t *resp = devipp_do(c, req, err, sizeof(err));
  ipp_attribute_t *a = resp ? ippFindAttribute(resp, "job-uuid", IPP_TAG_URI) : NULL;
  if (a && devipp_status(resp) <= IPP_STATUS_OK_CONFLICTING)
    device_set_str(&s->dl->device_job_uuid, ippGetString(a, 0, NULL));
  ippDelete(resp);
}

/* Send-Document of each file; the last one closes the device job. */
static forward_outcome_t forward_send_files(forward_step_t *s, devipp_t *c,
                                            const forward_files_t *f)
{
  for (size_t i = 0; i < f->count; i++) {
    ipp_t *req = devipp_request(c, IPP_OP_SEND_DOCUMENT, s->job->owner);
    ippAddInteger(req, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", s->dl->device_job_id);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE, "document-format", NULL,
                 s->dl->format);
    ippAddBoolean(req, IPP_TAG_OPERATION, "last-document", i + 1 == f->count);
    bool all = false;
    ipp_t *resp = devipp_do_file(c, req, f->paths[i], &all, s->err, sizeof(s->err));
    ipp_status_t st = devipp_status(resp);
    if (!resp) {
      forward_conn_drop(s);  /* the next step looks the device job up */
      if (all && i + 1 == f->count) {
        /* Every byte went out but no answer came: the device may have the whole job, so it
         * is never sent again (if the device lost it, the job goes back to its owner). */
        s->dl->state = DELIVERY_SENT;
        s->dl->sent = time(NULL);
      }
      return FWD_RETRY;
    }
    if (st > IPP_STATUS_OK_CONFLICTING) {
      snprintf(s->err, sizeof(s->err), "the printer refused the document: %s",
               forward_status_text(resp));
      ippDelete(resp);
      return FWD_RETRY;
    }
    ippDelete(resp);
  }
  return FWD_NEXT;
}

/* QUEUED: prepares the files, creates the device job and sends the documents. */
static forward_outcome_t forward_ipp_send(forward_step_t *s)
{
  forward_files_t f;
  bool give_up = false;
  devipp_t *c;

  if (!forward_files_prepare(s, &f, &give_up))
    return give_up ? FWD_GIVE_UP : FWD_RETRY;
  if (!(c = forward_conn(s))) {
    forward_files_clear(&f);
    return FWD_RETRY;
  }
  job_result_t r = forward_progress(s, JOB_PROCESSING, "job-outgoing", "Sending to %s.",
                                    s->dl->device);
  if (r != JOB_OK) {
    forward_files_clear(&f);
    snprintf(s->err, sizeof(s->err), "store error");
    return r == JOB_NOT_POSSIBLE ? FWD_NEXT : FWD_RETRY;  /* canceled: the next step sees it */
  }
  forward_outcome_t o = forward_create(s, c);
  if (o == FWD_NEXT) {
    forward_read_uuid(s, c);
    o = forward_send_files(s, c, &f);
  }
  forward_files_clear(&f);
  if (o != FWD_NEXT)
    return o;
  s->dl->state = DELIVERY_SENT;
  s->dl->sent = time(NULL);
  log_info("job %d: sent to %s as job %d", s->dl->job_id, s->dl->device, s->dl->device_job_id);
  if (forward_progress(s, JOB_PROCESSING, "job-printing", "Printing on %s.", s->dl->device) !=
      JOB_OK)
    job_forward_save(s->sys, s->dl);
  return FWD_NEXT;  /* the first look at once: a fast device may be done already */
}

/* How long to wait before the next look at a device job being printed: every 100 ms during
 * the first two seconds after sending (a short job on a fast device is done by then), then
 * every forward-job-poll seconds. */
static int forward_poll_ms(const forward_step_t *s)
{
  return time(NULL) - s->dl->sent < FORWARD_FAST_POLL_SECONDS ? FORWARD_FAST_POLL_MS
                                                             : s->set.job_poll * 1000;
}

/* SENDING or SENT: what became of the device job. */
static forward_outcome_t forward_ipp_check(forward_step_t *s)
{
  delivery_t *dl = s->dl;
  char msg[256];
  int impressions = -1;
  forward_look_t look = forward_lookup(s, &impressions, msg, sizeof(msg));
  bool complete = dl->state == DELIVERY_SENT;

  switch (look) {
  case LOOK_UNREACHABLE:
    return FWD_RETRY;
  case LOOK_GONE:
    if (complete) {
      snprintf(s->err, sizeof(s->err), "the printer no longer knows job %d after receiving it "
               "(it may have restarted)", dl->device_job_id);
      return FWD_GIVE_UP;
    }
    log_info("job %d: job %d on %s is gone before it got its document; sending again",
             dl->job_id, dl->device_job_id, dl->device);
    forward_forget_device_job(dl);
    return job_forward_save(s->sys, dl) == JOB_OK ? FWD_NEXT : FWD_RETRY;
  case LOOK_INCOMPLETE:
    if (!complete) {
      if (!forward_cancel_device_job(s))
        return FWD_RETRY;
      log_info("job %d: canceled the incomplete job %d on %s; sending again", dl->job_id,
               dl->device_job_id, dl->device);
      forward_forget_device_job(dl);
      return job_forward_save(s->sys, dl) == JOB_OK ? FWD_NEXT : FWD_RETRY;
    }
    s->wait_ms = forward_poll_ms(s);
    return FWD_WAIT;
  case LOOK_ACTIVE:
    if (!complete) {  /* the device got it all before the connection broke */
      dl->state = DELIVERY_SENT;
      dl->sent = time(NULL);
      if (forward_progress(s, JOB_PROCESSING, "job-printing", "Printing on %s.", dl->device) !=
          JOB_OK)
        job_forward_save(s->sys, dl);
    }
    s->wait_ms = forward_poll_ms(s);
    return FWD_WAIT;
  case LOOK_COMPLETED:
    dl->device_impressions = impressions;
    dl->completed = time(NULL);
    dl->state = DELIVERY_PRINTED;
    log_info("job %d: %s completed job %d (%d impression(s))", dl->job_id, dl->device,
             dl->device_job_id, impressions);
    return job_forward_save(s->sys, dl) == JOB_OK ? FWD_NEXT : FWD_RETRY;
  case LOOK_ABORTED:
    snprintf(s->err, sizeof(s->err), "the printer aborted job %d%s%s", dl->device_job_id,
             msg[0] ? ": " : "", msg);
    forward_forget_device_job(dl);
    return FWD_RETRY;
  case LOOK_CANCELED:
  default:
    snprintf(s->err, sizeof(s->err), "job %d was canceled at the printer", dl->device_job_id);
    return FWD_GIVE_UP;
  }
}

forward_outcome_t forward_ipp_step(forward_step_t *s)
{
  if (s->dl->state == DELIVERY_QUEUED)
    return forward_ipp_send(s);
  return forward_ipp_check(s);
}
