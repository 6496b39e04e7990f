/*
 * log.h: quire's logging, to stderr (with time and level) or to syslog.
 *
 * Levels are syslog's (LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG). Thread-safe: each message is
 * written with one call. Call log_init once at start; log_set_level may be called at any time
 * (SIGHUP).
 */
#ifndef QUIRE_LOG_H
#define QUIRE_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* Sets the minimum level and the target; `ident` names the program in syslog. */
void log_init(const char *ident, int level, bool use_syslog);

/* Changes the minimum level. */
void log_set_level(int level);

/* True when messages at `level` are written (to skip building costly debug text). */
bool log_enabled(int level);

/* Writes one message at `level`, printf-style. */
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
