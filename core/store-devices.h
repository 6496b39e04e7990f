/*
 * store-devices.h: the devices area of the store (store-sqlite-devices.c): the device registry
 * and the deliveries of jobs to devices. The row types are the ones device.h and forward.h
 * work with; live status fields of a device are never stored.
 *
 * Every function is thread-safe. Writes are durable when they return true (group commit).
 * Structures returned are owned by the caller and freed with the matching *_free function.
 */
#ifndef QUIRE_STORE_DEVICES_H
#define QUIRE_STORE_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "store.h"

/* printer-state values (RFC 8011). */
enum { DEVICE_IDLE = 3, DEVICE_PROCESSING = 4, DEVICE_STOPPED = 5 };

/* How quire talks to a device, from its URI scheme. */
typedef enum device_kind_e {
  DEVICE_IPP,        /* ipp:// or ipps:// */
  DEVICE_SOCKET,     /* socket://host:port (raw, "JetDirect" 9100) */
  DEVICE_LPD         /* lpd://host/queue (RFC 1179) */
} device_kind_t;

/* One device. String lists are NULL-terminated arrays (never NULL themselves). */
typedef struct device_s {
  char *name;               /* [A-Za-z0-9._-]{1,63} */
  char *uri;
  char *location;
  char *info;
  bool enabled;
  device_kind_t kind;
  time_t created;

  /* Capabilities (from the device, or given for socket/LPD devices). */
  char **formats;           /* document-format-supported */
  bool color;               /* color-supported, or print-color-mode-supported has color */
  bool duplex;              /* sides-supported has a two-sided value */
  char **media_supported;   /* PWG media names */
  char *media_default;
  char **pwg_raster_types;  /* pwg-raster-document-type-supported, e.g. sgray_8 */
  int *pwg_resolutions;     /* pwg-raster-document-resolution-supported (dpi), 0-ended */
  char **urf;               /* urf-supported */
  char **color_modes;       /* print-color-mode-supported */
  char **sides_supported;   /* sides-supported */
  int copies_max;           /* upper bound of copies-supported (1 when absent) */
  bool multiple_documents;  /* multiple-document-jobs-supported */
  char *make_model;         /* printer-make-and-model */
  time_t caps_checked;      /* when the capabilities were read, 0 if never */

  /* Live status (device monitor). */
  int printer_state;        /* DEVICE_IDLE, _PROCESSING, _STOPPED; 0 if never seen */
  char *state_reasons;      /* comma-separated printer-state-reasons */
  char *state_message;      /* printer-state-message */
  bool reachable;
  time_t checked;           /* last status check, 0 if never */
  char *markers;            /* JSON array: [{"name","color","type","level"}] (marker-* or
                               printer-supply), "[]" if none */
  char *last_error;         /* why the last check failed, NULL if it did not */
} device_t;

/* Where a delivery stands. */
typedef enum delivery_state_e {
  DELIVERY_QUEUED,          /* waiting to be sent (first time or again) */
  DELIVERY_SENDING,         /* a device job exists; its document may be incomplete */
  DELIVERY_SENT,            /* the device accepted the whole document; being followed */
  DELIVERY_PRINTED,         /* the device completed it; accounting hook not yet answered */
  DELIVERY_DONE,            /* printed and accounted; the job is completed */
  DELIVERY_FAILED,          /* given up; the job went back to held (or was aborted) */
  DELIVERY_CANCELED         /* the job was canceled */
} delivery_state_t;

/* One delivery, as stored. Strings may be NULL. */
typedef struct delivery_s {
  int id;
  int job_id;
  char *device;
  delivery_state_t state;
  bool direct;              /* from a direct queue: abort instead of holding on failure */
  int attempts;             /* failed tries so far */
  time_t next_try;          /* not before this time */
  time_t created, first_failure, sent, completed;
  int device_job_id;        /* 0 when none */
  char *device_job_uri;
  char *device_job_uuid;
  int device_jobs;          /* device jobs created for this delivery so far */
  char *format;             /* sent as: application/pdf, image/pwg-raster, image/jpeg */
  bool render;              /* produced by quire-render (else the spooled bytes) */
  char *raster_type;        /* PWG: sgray_8 or srgb_8 */
  int resolution;           /* PWG: dpi */
  int copies;
  char *sides;
  char *media;
  bool mono;
  char *account;
  char *released_by;
  int device_impressions;   /* -1 unknown */
  int printed_calls;        /* times the accounting hook was called */
  char *last_error;
} delivery_t;

/* Frees a device / a delivery (NULL is fine) and arrays of them. */
void device_free(device_t *d);
void devices_free(device_t **list, size_t count);
void delivery_free(delivery_t *d);
void deliveries_free(delivery_t **list, size_t count);

/* "queued", "sending", ... */
const char *delivery_state_name(delivery_state_t s);

/* A NULL-terminated list from a comma-separated string (NULL or "" gives an empty list) /
 * the reverse (malloc'd). Free lists with device_strv_free. */
char **device_strv_split(const char *s);
char *device_strv_join(char *const *list);
void device_strv_free(char **list);

/* Replaces the string *field with a copy of `v` (may be NULL). */
void device_set_str(char **field, const char *v);

/* The kind of device a URI names; false if the scheme is not one quire sends to. */
bool device_kind_of(const char *uri, device_kind_t *kind);

/* ---- devices ------------------------------------------------------------------------------ */

/* Creates or replaces the device row `d->name` (registry fields and capabilities). */
bool store_device_put(store_t *store, const device_t *d);

/* The device `name` (status fields empty), or NULL. */
device_t *store_device_get(store_t *store, const char *name);

/* Every device in name order; NULL on error. */
device_t **store_device_list(store_t *store, size_t *count);

/* Deletes the device row; false if it did not exist or on error. */
bool store_device_delete(store_t *store, const char *name);

/* ---- deliveries --------------------------------------------------------------------------- */

/* A change of a job's state written together with a delivery (core/job-forward.c only: job.h
 * owns every state change of a job). Times 0 are left as they are. */
typedef struct store_job_change_s {
  int state;
  const char *reasons;
  const char *message;
  time_t processed, completed;
} store_job_change_t;

/* Inserts `d` (when d->id is 0; d->id is then set) or writes every field of its row, and, when
 * `job` is not NULL, changes the state of job d->job_id in the same transaction. False (and
 * nothing written) if the job or the delivery does not exist, or on a store error. */
bool store_delivery_save(store_t *store, delivery_t *d, const store_job_change_t *job);

/* The delivery `id`, or NULL. */
delivery_t *store_delivery_get(store_t *store, int id);

/* The deliveries of a job, oldest first; NULL on error. */
delivery_t **store_delivery_list_job(store_t *store, int job_id, size_t *count);

/* Open deliveries (queued, sending, sent, printed) to `device` (NULL: every device), oldest
 * first; NULL on error. */
delivery_t **store_delivery_list_open(store_t *store, const char *device, size_t *count);

#endif
