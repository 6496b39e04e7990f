/*
 * render.h: the contract of the quire-render worker (render/README.md), for the daemon.
 *
 * DESIGN
 * Documents are rendered out of process: the daemon runs `quire-render` with resource limits
 * and reads its exit status, its one-line stderr message and, with --info, one JSON object on
 * stdout. This header holds what the daemon needs to interpret that: the exit statuses, the
 * IPP job-state-reasons keyword each one maps to, the limits quire-render enforces, and the
 * sheet count rule used in the JSON. It pulls in no rendering library (status.c only).
 */
#ifndef QUIRE_RENDER_H
#define QUIRE_RENDER_H

#include <stdbool.h>

/* Exit statuses of quire-render. Anything else, or death by a signal, is a crash. */
#define RENDER_EXIT_OK 0
#define RENDER_EXIT_SYSTEM 1      /* out of memory, write error: not the document's fault */
#define RENDER_EXIT_USAGE 2       /* bad command line */
#define RENDER_EXIT_UNSUPPORTED 3 /* document-format-not-supported */
#define RENDER_EXIT_FORMAT 4      /* document-format-error: damaged or malformed */
#define RENDER_EXIT_UNPRINTABLE 5 /* document-unprintable-error: valid but over a limit */

/* Limits: a document over one of them fails with RENDER_EXIT_UNPRINTABLE. */
#define RENDER_MAX_PAGES 10000
#define RENDER_MAX_PAGE_MM 5000.0               /* a PDF page or the media, per side */
#define RENDER_MAX_IMAGE_PIXELS 60000000.0      /* JPEG, after orientation */
#define RENDER_MAX_RASTER_PIXELS 100000000.0    /* one PWG or URF input page */
#define RENDER_MIN_RESOLUTION 36
#define RENDER_MAX_RESOLUTION 2400

/* A pixel is not neutral when max(R,G,B) - min(R,G,B) exceeds this (0-255 scale). */
#define RENDER_NEUTRAL_TOLERANCE 12

/* The IPP job-state-reasons keyword for an exit status: "document-format-not-supported",
 * "document-format-error", "document-unprintable-error", or "aborted-by-system" for a crash,
 * a usage or a system error. Static string. */
const char *render_exit_reason(int status);

/* Physical sheets for `pages` impressions per copy: one per page one-sided, one per two pages
 * two-sided (each copy starts on a new sheet). */
unsigned long render_sheet_count(unsigned long pages, bool two_sided, unsigned long copies);

#endif
