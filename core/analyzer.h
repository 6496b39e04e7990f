/*
 * analyzer.h: document analysis of held jobs before release. When a job's last document is
 * stored, a worker thread runs the renderer (render/, `quire-render --info`) on each document
 * in an isolated process (core/render-run.c) and stores the page count, sheets, colour pages,
 * per-page figures and a page-1 thumbnail with the job. A document the renderer rejects, or
 * that crashes it repeatedly, times out or exhausts its limits, aborts the job with a
 * job-state-reason and a message the user can read; quired itself is never affected.
 */
#ifndef QUIRE_ANALYZER_H
#define QUIRE_ANALYZER_H

#include "system.h"

#define ANALYZER_MAX_ATTEMPTS 3  /* renderer crashes tolerated per job before it is aborted */

typedef struct analyzer_s analyzer_t;

/* Starts the worker threads and queues every complete held job not analysed yet (left over
 * from before a restart). Returns NULL (logged) if no thread could start. */
analyzer_t *analyzer_start(quire_system_t *sys);

/* Queues job `job_id` for analysis (no effect if it is already queued). Thread-safe. */
void analyzer_enqueue(analyzer_t *an, int job_id);

/* The renderer to run (malloc'd): `render-command`, else quire-render next to quired. Also
 * used by the forwarder (core/forward-render.c). */
char *analyzer_command(const quire_config_t *c);

/* Stops the workers: running renderers are killed, and their jobs and the queued ones stay
 * pending in the store, to be analysed at the next start. NULL is fine. */
void analyzer_stop(analyzer_t *an);


#endif
