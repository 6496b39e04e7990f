/*
 * render-run.h: runs one renderer process (quire-render) for the daemon, isolated: its own
 * process group, resource limits set before exec (CPU time, address space, file size, no core
 * files), a wall-clock timeout after which the whole group is killed, and its output captured.
 * A renderer that crashes, loops or runs out of memory never affects quired.
 */
#ifndef QUIRE_RENDER_RUN_H
#define QUIRE_RENDER_RUN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct render_limits_s {
  int timeout_seconds;        /* wall clock; then SIGKILL to the process group */
  int cpu_seconds;            /* RLIMIT_CPU */
  long long memory_bytes;     /* RLIMIT_AS */
  long long file_bytes;       /* RLIMIT_FSIZE */
  const atomic_bool *cancel;  /* when it turns true the renderer is killed (may be NULL) */
} render_limits_t;

typedef enum render_outcome_e {
  RENDER_OK,                  /* exit status 0 */
  RENDER_REFUSED,             /* the renderer rejected the document (exit 3, 4 or 5) */
  RENDER_FAILED,              /* another exit status (usage error, out of memory, ...) */
  RENDER_CRASHED,             /* killed by a signal it raised (SIGSEGV, SIGABRT, ...) */
  RENDER_TIMEOUT,             /* killed after timeout_seconds */
  RENDER_CPU_LIMIT,           /* SIGXCPU / SIGKILL at the CPU limit */
  RENDER_CANCELED,            /* killed because *cancel turned true */
  RENDER_SPAWN_ERROR          /* could not start it */
} render_outcome_t;

typedef struct render_result_s {
  render_outcome_t outcome;
  int exit_code;              /* for RENDER_OK, _REFUSED, _FAILED */
  int signal;                 /* for RENDER_CRASHED */
  char *out;                  /* stdout, NUL-terminated, malloc'd (caller frees); capped */
  size_t out_len;
  char message[512];          /* the last line the renderer wrote to stderr, or our reason */
  double seconds;
} render_result_t;

/* Runs argv[0] (a path) with `argv`, applying `lim`. Always fills `res`; true when the outcome
 * is RENDER_OK. The caller frees res->out. */
bool render_run(char *const argv[], const render_limits_t *lim, render_result_t *res);

#endif
