/*
 * testpage.h: a device's test page: a one-page PDF drawn with cairo (appliance name, device
 * name, URI, date, and a colour bar when the device prints colour, a grey ramp otherwise),
 * printed as a real job through the normal release path (core/forward.h).
 *
 * DESIGN
 * The test page is an ordinary job so that it is delivered, followed, retried and accounted
 * like any other: it is stored in the spool, submitted held on the internal queue
 * TESTPAGE_QUEUE (not a configured queue: no IPP client sees it), owned by the admin who asked
 * for it, with its analysis recorded at once (1 page, 1 sheet, 1 colour page on a colour
 * device), then released to the device with the account TESTPAGE_ACCOUNT. When the device
 * cannot print it after the usual retries, the job is aborted (not held again: nobody would
 * release it from the internal queue) and history expiry removes it later. When the device
 * reports it printed, the accounting hook records it in the journal like any printed page:
 * user = the admin, account "test-page", priced with the device's price list. Reports can
 * leave test pages out by account.
 */
#ifndef QUIRE_TESTPAGE_H
#define QUIRE_TESTPAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "system.h"

#define TESTPAGE_QUEUE "_test-page"
#define TESTPAGE_ACCOUNT "test-page"

/* What the page shows. Strings are borrowed. */
typedef struct testpage_info_s {
  const char *appliance;    /* server name */
  const char *device;       /* device name */
  const char *uri;          /* device URI */
  const char *make_model;   /* may be NULL */
  const char *media;        /* PWG media name, picks Letter or A4 (NULL: A4) */
  bool color;               /* draw colour swatches (else a grey ramp) */
  time_t when;
} testpage_info_t;

/* Draws the test page as a one-page PDF. Returns the bytes (malloc'd, caller frees) and sets
 * *len, or NULL when cairo fails (logged). */
unsigned char *testpage_pdf(const testpage_info_t *info, size_t *len);

/* Makes the test page of device `device` and releases it there as a job of `user`. Returns the
 * job id, or 0 with a reason a person can act on in `why` (*status set to 404 for an unknown
 * device, 409 when it cannot print now, 500 on a store or spool error). */
int testpage_print(quire_system_t *sys, const char *device, const char *user, int *status,
                   char *why, size_t len);

#endif
