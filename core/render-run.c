/*
 * render-run.c: one isolated renderer process (see render-run.h).
 */
#include "render-run.h"

#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define RENDER_OUT_MAX (8 * 1024 * 1024)  /* stdout kept (the JSON of a 10,000-page job fits) */
#define RENDER_ERR_MAX 4096               /* stderr kept (its tail) */

/* AddressSanitizer reserves terabytes of shadow address space at start-up, so a sanitizer
 * build of the renderer cannot run under RLIMIT_AS at all; only there is the limit left out. */
#if defined(__SANITIZE_ADDRESS__)
#define RENDER_RUN_SANITIZED 1
#else
#define RENDER_RUN_SANITIZED 0
#endif

/* In the child, between fork and exec (async-signal-safe calls only): own process group,
 * stdio on the pipes, limits, lower priority, then exec. Exits 127 if exec fails. */
static void render_child(char *const argv[], const render_limits_t *lim, int out, int err)
{
  struct rlimit none = {0, 0};
  struct rlimit cpu = {(rlim_t)lim->cpu_seconds, (rlim_t)lim->cpu_seconds + 2};
  struct rlimit as = {(rlim_t)lim->memory_bytes, (rlim_t)lim->memory_bytes};
  struct rlimit fsize = {(rlim_t)lim->file_bytes, (rlim_t)lim->file_bytes};
  int devnull = open("/dev/null", O_RDONLY);

  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);  /* quired killed with -9: its renderers go too */
  if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
    _exit(127);
  setrlimit(RLIMIT_CORE, &none);
  if (lim->cpu_seconds > 0)
    setrlimit(RLIMIT_CPU, &cpu);
  if (lim->memory_bytes > 0 && !RENDER_RUN_SANITIZED)
    setrlimit(RLIMIT_AS, &as);
  if (lim->file_bytes > 0)
    setrlimit(RLIMIT_FSIZE, &fsize);
  setpriority(PRIO_PROCESS, 0, 10);  /* IPP requests first */
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, NULL);  /* quired blocks some signals in every thread */
  execv(argv[0], argv);
  _exit(127);
}

/* Appends `n` bytes to a capped buffer (keeping the head for stdout, the tail for stderr). */
static void render_keep(char **buf, size_t *len, const char *data, size_t n, size_t max,
                        bool tail)
{
  if (!*buf && !(*buf = calloc(1, max + 1)))
    abort();
  if (tail && *len + n > max) {
    size_t drop = *len + n - max < *len ? *len + n - max : *len;
    memmove(*buf, *buf + drop, *len - drop);
    *len -= drop;
  }
  size_t room = max - *len;
  if (n > room)
    n = room;  /* stdout: what does not fit is dropped (the JSON then fails to parse) */
  memcpy(*buf + *len, data, n);
  *len += n;
  (*buf)[*len] = '\0';
}

/* Reads both pipes until they close, the deadline passes or *cancel turns true (checked every
 * quarter second). False when the renderer must be killed. */
static bool render_collect(int out, int err, double deadline, const atomic_bool *cancel,
                           render_result_t *res, char **ebuf, size_t *elen)
{
  struct pollfd fds[2] = {{.fd = out, .events = POLLIN}, {.fd = err, .events = POLLIN}};
  char chunk[65536];

  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    double left = deadline - util_now();
    if (left <= 0 || (cancel && atomic_load(cancel)))
      return false;
    int r = poll(fds, 2, left > 0.25 ? 250 : (int)(left * 1000) + 1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return false;
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
      if (n <= 0) {
        fds[i].fd = -1;
      } else if (i == 0) {
        render_keep(&res->out, &res->out_len, chunk, (size_t)n, RENDER_OUT_MAX, false);
      } else {
        render_keep(ebuf, elen, chunk, (size_t)n, RENDER_ERR_MAX, true);
      }
    }
  }
  return true;
}

/* The last non-empty line of the renderer's stderr, without a "quire-render: " prefix. */
static void render_last_line(const char *err, char *dst, size_t size)
{
  const char *end = err ? err + strlen(err) : NULL;

  dst[0] = '\0';
  if (!err)
    return;
  while (end > err && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
    end--;
  const char *start = end;
  while (start > err && start[-1] != '\n')
    start--;
  if (!strncmp(start, "quire-render: ", 14))
    start += 14;
  snprintf(dst, size, "%.*s", (int)(end - start), start);
}

/* Sorts the wait status into an outcome. */
static void render_classify(int status, bool timed_out, const render_limits_t *lim,
                            render_result_t *res)
{
  if (timed_out) {
    res->outcome = RENDER_TIMEOUT;
    snprintf(res->message, sizeof(res->message),
             "processing the document took longer than %d seconds", lim->timeout_seconds);
  } else if (WIFSIGNALED(status)) {
    res->signal = WTERMSIG(status);
    res->outcome = res->signal == SIGXCPU || res->signal == SIGKILL ? RENDER_CPU_LIMIT
                                                                    : RENDER_CRASHED;
    if (res->outcome == RENDER_CPU_LIMIT)
      snprintf(res->message, sizeof(res->message),
               "processing the document needed more than %d seconds of CPU time",
               lim->cpu_seconds);
    else if (!res->message[0])
      snprintf(res->message, sizeof(res->message), "the renderer crashed (%s)",
               strsignal(res->signal));
  } else {
    res->exit_code = WEXITSTATUS(status);
    res->outcome = res->exit_code == 0                         ? RENDER_OK
                   : res->exit_code >= 3 && res->exit_code <= 5 ? RENDER_REFUSED
                                                                : RENDER_FAILED;
    if (res->exit_code == 127 && !res->message[0]) {  /* execv failed in the child */
      res->outcome = RENDER_SPAWN_ERROR;
      snprintf(res->message, sizeof(res->message), "the renderer could not be started");
    }
  }
}

bool render_run(char *const argv[], const render_limits_t *lim, render_result_t *res)
{
  int out[2] = {-1, -1}, err[2] = {-1, -1};
  double t0 = util_now();
  char *ebuf = NULL;
  size_t elen = 0;
  int status = 0;

  memset(res, 0, sizeof(*res));
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    res->outcome = RENDER_SPAWN_ERROR;
    snprintf(res->message, sizeof(res->message), "cannot create pipes: %s", strerror(errno));
    for (int i = 0; i < 2; i++) {
      if (out[i] >= 0)
        close(out[i]);
    }
    return false;
  }
  pid_t pid = fork();
  if (pid == 0)
    render_child(argv, lim, out[1], err[1]);
  close(out[1]);
  close(err[1]);
  if (pid < 0) {
    res->outcome = RENDER_SPAWN_ERROR;
    snprintf(res->message, sizeof(res->message), "cannot fork: %s", strerror(errno));
    close(out[0]);
    close(err[0]);
    return false;
  }
  setpgid(pid, pid);  /* also from the parent, so the kill below cannot miss the group */
  bool finished = render_collect(out[0], err[0], t0 + lim->timeout_seconds, lim->cancel, res,
                                 &ebuf, &elen);
  if (!finished)
    kill(-pid, SIGKILL);
  close(out[0]);
  close(err[0]);
  /* Wait without reaping, so the group id cannot be reused by anyone else, kill whatever
   * the renderer forked and left behind, then reap. */
  siginfo_t info;
  while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR)
    ;
  kill(-pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  render_last_line(ebuf, res->message, sizeof(res->message));
  free(ebuf);
  render_classify(status, !finished, lim, res);
  if (!finished && lim->cancel && atomic_load(lim->cancel))
    res->outcome = RENDER_CANCELED;
  res->seconds = util_now() - t0;
  if (!res->out && !(res->out = calloc(1, 1)))
    abort();
  return res->outcome == RENDER_OK;
}
