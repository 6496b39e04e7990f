/*
 * main.c: quire-render, the document worker (contract: render/README.md, exit statuses:
 * render.h).
 *
 * Libraries (poppler, GLib, cairo) write their own diagnostics to stderr; the contract is one
 * line a user can read, so fd 2 is pointed at /dev/null for the whole run and the final line
 * goes to a private copy of the original stderr (QUIRE_RENDER_DEBUG=1 keeps library output).
 * No core files are ever written (RLIMIT_CORE 0). A worker crash is passed on as the same
 * signal once the partial output is gone.
 */
#include "render-private.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Moves stderr aside: returns a descriptor on the original stderr. */
static int silence_stderr(void)
{
  int saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
  const char *debug = getenv("QUIRE_RENDER_DEBUG");
  if (saved < 0 || (debug && *debug && strcmp(debug, "0")))
    return saved < 0 ? STDERR_FILENO : saved;
  int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null >= 0) {
    if (dup2(null, STDERR_FILENO) < 0) {
      close(null);
      return saved;
    }
    close(null);
  }
  return saved;
}

/* Writes "quire-render: message" as one line. */
static void report(int fd, const render_error_t *err)
{
  char line[400];
  int n = snprintf(line, sizeof(line), "quire-render: %s\n",
                   err->message[0] ? err->message : "failed");
  if (n > 0)
    (void)render_write_all(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* Parses, runs, reports one line on failure, exits with the contract's status. */
int main(int argc, char **argv)
{
  struct rlimit no_core = {0, 0};
  (void)setrlimit(RLIMIT_CORE, &no_core);
  signal(SIGPIPE, SIG_DFL);
  int errfd = silence_stderr();

  render_error_t err = {0};
  render_opts_t opts;
  int status = render_opts_parse(&opts, argc, argv, &err) ? render_run(&opts, &err)
                                                          : RENDER_EXIT_USAGE;
  if (status != RENDER_EXIT_OK)
    report(errfd, &err);
  if (status > 128) {
    signal(status - 128, SIG_DFL);
    raise(status - 128);
  }
  return status;
}
