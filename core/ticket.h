/*
 * ticket.h: a job's ticket (its job template attributes) as the store keeps it: one IPP
 * message encoded with libcups. ipp/ writes and reports it; the analyzer reads the options
 * that change how a document renders.
 */
#ifndef QUIRE_TICKET_H
#define QUIRE_TICKET_H

#include <cups/ipp.h>
#include <stdbool.h>
#include <stddef.h>

/* The rendering options of a ticket, with IPP's defaults where the client sent nothing. */
typedef struct ticket_options_s {
  int copies;                 /* >= 1 */
  char sides[32];             /* one-sided, two-sided-long-edge, two-sided-short-edge */
  bool monochrome;            /* print-color-mode monochrome (or a mono-only queue) */
  char media[64];             /* PWG media name, "" for the queue default */
  char print_scaling[16];     /* auto, auto-fit, fill, fit, none */
  char account[128];          /* job-account-id (project or cost centre), "" if none */
} ticket_options_t;

/* Encodes `ticket` (its attributes, any groups). Returns a malloc'd buffer and *len, or NULL
 * on failure. */
unsigned char *ticket_encode(ipp_t *ticket, size_t *len);

/* Decodes a stored ticket. Returns a new ipp_t (caller ippDeletes) or NULL if `buf` is empty
 * or not a valid encoding. */
ipp_t *ticket_decode(const unsigned char *buf, size_t len);

/* Reads the rendering options of a stored ticket (defaults for whatever is absent). */
void ticket_options(const unsigned char *buf, size_t len, ticket_options_t *o);

#endif
