/*
 * runstat.c: runs one command and reports its wall time, CPU time and peak RSS, for the render
 * bench (tests/bench/render-run). A small wrapper rather than a shell or Python timer: the
 * figures come from wait4() on the command itself, so they include whatever descendants it
 * waited for (a `sh -c 'a | b'` pipeline counts both filters; ru_maxrss is then the largest
 * single process, not a sum) and never the size of the process that started it.
 *
 *   runstat [-t SECONDS] [-o OUTFILE] [-r REPORTFILE] -- COMMAND [ARG...]
 *
 * -o sends the command's standard output to OUTFILE (truncated); -r appends the report line
 * to REPORTFILE instead of writing it to stderr; -t kills the command's process group after
 * SECONDS (exit status 124, as timeout(1)). The report line is
 *
 *     rc=N secs=F user=F sys=F maxrss_kb=N
 *
 * where rc is the command's exit status, 128+signal if a signal ended it, 124 on timeout and
 * 127 if it could not be started. runstat exits with that same rc (2 on a usage error).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TIMEOUT 86400.0

static volatile sig_atomic_t child_pgid;   /* 0 until the child runs; signals are forwarded */
static volatile sig_atomic_t timed_out;

/* Forwards SIGINT/SIGTERM to the child's process group. */
static void forward_signal(int sig)
{
  if (child_pgid > 0)
    kill(-(pid_t)child_pgid, sig);
}

/* SIGALRM: the time limit passed; kills the child's whole process group. */
static void on_alarm(int sig)
{
  (void)sig;
  timed_out = 1;
  if (child_pgid > 0)
    kill(-(pid_t)child_pgid, SIGKILL);
}

/* Seconds from a monotonic clock. */
static double now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Seconds in a struct timeval. */
static double tv_secs(struct timeval tv)
{
  return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* Prints usage to stderr and returns the exit status for a usage error. */
static int usage(void)
{
  fputs("usage: runstat [-t SECONDS] [-o OUTFILE] [-r REPORTFILE] -- COMMAND [ARG...]\n", stderr);
  return 2;
}

/* In the child: own process group, stdout to outfile if given, then exec. Never returns. */
static void run_child(char **argv, const char *outfile)
{
  setpgid(0, 0);
  if (outfile) {
    int fd = open(outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
      fprintf(stderr, "runstat: %s: %s\n", outfile, strerror(errno));
      _exit(127);
    }
  }
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  execvp(argv[0], argv);
  fprintf(stderr, "runstat: %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

int main(int argc, char **argv)
{
  const char *outfile = NULL, *report = NULL;
  double limit = 0.0;
  int opt;

  while ((opt = getopt(argc, argv, "+t:o:r:")) != -1) {
    switch (opt) {
    case 't': {
      char *end;
      limit = strtod(optarg, &end);
      if (*end || !(limit > 0.0 && limit <= MAX_TIMEOUT))
        return usage();
      break;
    }
    case 'o': outfile = optarg; break;
    case 'r': report = optarg; break;
    default: return usage();
    }
  }
  if (optind >= argc)
    return usage();

  struct sigaction sa = { 0 };
  sa.sa_handler = forward_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);

  double start = now();
  pid_t pid = fork();
  if (pid < 0) {
    perror("runstat: fork");
    return 127;
  }
  if (pid == 0)
    run_child(argv + optind, outfile);
  setpgid(pid, pid);            /* also done in the child: whichever runs first wins */
  child_pgid = pid;
  if (limit > 0.0) {
    struct itimerval it = { { 0, 0 },
                            { (time_t)limit, (suseconds_t)((limit - (time_t)limit) * 1e6) } };
    setitimer(ITIMER_REAL, &it, NULL);
  }

  int status = 0;
  struct rusage ru;
  pid_t r;
  while ((r = wait4(pid, &status, 0, &ru)) < 0 && errno == EINTR)
    ;
  double secs = now() - start;
  if (r < 0) {
    perror("runstat: wait4");
    return 127;
  }
  /* the group may still hold processes the command left behind: do not leave them running */
  kill(-pid, SIGKILL);

  int rc;
  if (timed_out)
    rc = 124;
  else if (WIFEXITED(status))
    rc = WEXITSTATUS(status);
  else
    rc = 128 + WTERMSIG(status);

  FILE *out = stderr;
  if (report && !(out = fopen(report, "a"))) {
    fprintf(stderr, "runstat: %s: %s\n", report, strerror(errno));
    out = stderr;
  }
  fprintf(out, "rc=%d secs=%.6f user=%.3f sys=%.3f maxrss_kb=%ld\n", rc, secs,
          tv_secs(ru.ru_utime), tv_secs(ru.ru_stime), ru.ru_maxrss);
  if (out != stderr)
    fclose(out);
  return rc;
}
