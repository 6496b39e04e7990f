/*
 * log.c: logging to stderr or syslog (see log.h).
 */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static atomic_int log_level = LOG_INFO;
static atomic_bool log_to_syslog = false;

/* Sets the level and target; opens syslog when asked. */
void log_init(const char *ident, int level, bool use_syslog)
{
  log_level = level;
  log_to_syslog = use_syslog;
  if (use_syslog)
    openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* Changes the minimum level. */
void log_set_level(int level)
{
  log_level = level;
}

/* True when `level` passes the current minimum. */
bool log_enabled(int level)
{
  return level <= log_level;
}

static const char *log_level_name(int level)
{
  switch (level) {
  case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: case LOG_ERR: return "error";
  case LOG_WARNING: return "warn";
  case LOG_NOTICE: case LOG_INFO: return "info";
  default: return "debug";
  }
}

/* Formats one message and writes it with a single write so lines never interleave. */
void log_msg(int level, const char *fmt, ...)
{
  if (!log_enabled(level))
    return;

  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);

  if (log_to_syslog) {
    syslog(level, "%s", msg);
    return;
  }

  struct timespec ts;
  struct tm tm;
  char stamp[32];
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
  fprintf(stderr, "%s.%03ldZ %-5s %s\n", stamp, ts.tv_nsec / 1000000L, log_level_name(level), msg);
}
