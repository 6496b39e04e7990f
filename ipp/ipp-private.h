/*
 * ipp-private.h: internals shared by the files of the ipp/ module.
 */
#ifndef QUIRE_IPP_PRIVATE_H
#define QUIRE_IPP_PRIVATE_H

#include "ipp.h"
#include "printer-attrs.h"

#include "../core/job.h"
#include "../core/log.h"
#include "../core/spool.h"

#include <cups/cups.h>
#include <pthread.h>
#include <stdatomic.h>

/* One queue as the IPP service sees it: immutable after creation, reference-counted so a
 * reload can replace it while requests still use the old one. */
typedef struct ipp_printer_s {
  atomic_int refs;
  quire_queue_config_t config;  /* deep copy */
  char *uuid;
  char *resource;               /* "/ipp/print/NAME" */
  time_t config_time;
  ipp_t *attrs;                 /* static printer attributes (printer-attrs.c) */
  unsigned char *all_bytes;     /* the static attributes of "all", already encoded (the
                                   attribute bytes of the printer group, no tags around) */
  size_t all_len;
  atomic_int queued;            /* cached queued-job-count ... */
  atomic_llong queued_at_ms;    /* ... and when it was counted (monotonic ms, 0: never) */
} ipp_printer_t;

struct ipp_service_s {
  quire_system_t *sys;
  pthread_rwlock_t lock;        /* guards printers (taken after the system's config_lock) */
  ipp_printer_t **printers;     /* first one also answers at /ipp/print */
  size_t num_printers;
  unsigned generation;          /* system generation the printers were built from */
};

typedef enum ipp_exchange_state_e {
  IPP_EX_ATTRS,                 /* reading the IPP message up to end-of-attributes */
  IPP_EX_DATA,                  /* streaming the document into the spool */
  IPP_EX_DISCARD,               /* response decided; ignore the rest of the body */
} ipp_exchange_state_t;

struct ipp_exchange_s {
  ipp_service_t *svc;
  ipp_exchange_state_t state;
  char *resource, *host, *remote, *basic_user, *basic_password;
  int port;
  bool tls;                     /* came over TLS */
  int other_port;               /* the other scheme's port, 0 if none (ipp_http_info_t) */

  unsigned char *buf;           /* attribute bytes received so far */
  size_t len, cap;
  size_t parsed_len;            /* length at the last incomplete parse */
  size_t next_parse;            /* parse again once this many bytes are here */
  ipp_t *request;               /* parsed request, NULL until complete */
  ipp_t *response;              /* response being built */
  ipp_op_t op;
  int http_status;              /* 200 unless no IPP answer fits */

  ipp_printer_t *printer;       /* target queue (referenced) */
  int job_id;                   /* target job for job operations */
  char *user;                   /* owner identity (authenticated or requesting-user-name) */
  bool authenticated, admin;
  bool anonymous;               /* unauthenticated on a queue that authenticates */

  spool_writer_t *writer;       /* document in progress */
  char *format;                 /* document-format supplied (NULL: octet-stream) */
  char *compression;
  bool last_document;
  store_job_t *pending_job;     /* Print-Job: the job row to insert with the document */

  const unsigned char *splice;  /* pre-encoded printer attributes appended to the last group */
  size_t splice_len;
  unsigned char *out;           /* encoded response */
  size_t outlen, outcap;
};

/* Per-operation handlers. Each sets the response status (ippSetStatusCode) and adds its
 * groups. Document operations have a "start" (attributes parsed: validate, prepare) and a
 * "finish" (document received: store it). */
void ipp_printer_get_attributes(ipp_exchange_t *ex);
void ipp_printer_validate_job(ipp_exchange_t *ex);
bool ipp_printer_print_job_start(ipp_exchange_t *ex);
void ipp_printer_print_job_finish(ipp_exchange_t *ex, store_doc_t *doc);
void ipp_printer_create_job(ipp_exchange_t *ex);
void ipp_printer_get_jobs(ipp_exchange_t *ex);
void ipp_printer_cancel_my_jobs(ipp_exchange_t *ex);
void ipp_printer_identify(ipp_exchange_t *ex);
bool ipp_job_send_document_start(ipp_exchange_t *ex);
void ipp_job_send_document_finish(ipp_exchange_t *ex, store_doc_t *doc);
void ipp_job_close(ipp_exchange_t *ex);
void ipp_job_cancel(ipp_exchange_t *ex);
void ipp_job_get_attributes(ipp_exchange_t *ex);

/* Sets the response status and a status-message (printf-style). */
void ipp_exchange_status(ipp_exchange_t *ex, ipp_status_t status, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

/* Checks document-format / compression of the request; false (status set) if unsupported. */
bool ipp_exchange_check_document(ipp_exchange_t *ex);

/* Opens the spool writer for the document that follows the attributes. */
bool ipp_exchange_open_document(ipp_exchange_t *ex);

/* Fills the dynamic values for a printer from the system. */
void ipp_printer_dynamic(ipp_exchange_t *ex, ipp_printer_dynamic_t *dyn);

/* Job attributes (job-attrs.c). */
/* Adds the attributes of `job` named in `requested` (NULL: all) to the response's current
 * job group; private ones only when `owner_view`. */
void ipp_job_attrs_add(ipp_exchange_t *ex, const store_job_t *job, cups_array_t *requested,
                       bool owner_view);

/* Adds job-id, job-uri, job-state, job-state-reasons, job-state-message (Print-Job and
 * Create-Job responses). */
void ipp_job_attrs_add_summary(ipp_exchange_t *ex, const store_job_t *job);

/* Encodes the job template attributes of the request into a new blob (malloc'd) for the store;
 * skips those listed in the response's unsupported group. */
unsigned char *ipp_job_attrs_encode(ipp_exchange_t *ex, size_t *len);

/* Maps a job_result_t to an IPP status with a message. */
void ipp_job_result_status(ipp_exchange_t *ex, job_result_t r, int job_id);

/* Identity of the requester for core/job.c. */
job_actor_t ipp_exchange_actor(const ipp_exchange_t *ex);

/* Compares two attribute names (a cups_array_func_t for sets of names). */
int ipp_name_cmp(void *a, void *b, void *data);

/* Looks a printer up by name (NULL: the first). Returns a new reference or NULL. */
ipp_printer_t *ipp_service_printer(ipp_service_t *svc, const char *name);
void ipp_printer_release(ipp_printer_t *p);

#endif
