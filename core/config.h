/*
 * config.h: quired's configuration, read from an INI file with GLib's GKeyFile.
 *
 * Every key and its default is documented in docs/configuration.md. A config is immutable once
 * loaded; SIGHUP loads a new one and the daemon swaps it in (core/system.c).
 */
#ifndef QUIRE_CONFIG_H
#define QUIRE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUIRE_DEFAULT_PORT 8631
#define QUIRE_DEFAULT_TLS_PORT 8632

/* Colour policy of a pull queue: what it advertises and accepts. */
typedef enum quire_color_policy_e {
  QUIRE_COLOR_AUTO,        /* colour and monochrome offered, client chooses */
  QUIRE_COLOR_MONOCHROME   /* only monochrome offered (color-supported=false) */
} quire_color_policy_t;

/* Duplex policy. */
typedef enum quire_duplex_policy_e {
  QUIRE_DUPLEX_OPTIONAL,   /* one- and two-sided offered, default one-sided */
  QUIRE_DUPLEX_DEFAULT,    /* both offered, default two-sided-long-edge */
  QUIRE_DUPLEX_OFF         /* one-sided only */
} quire_duplex_policy_t;

/* Where a queue's definition comes from: the file, the admin console (a queue added there),
 * or the file with the console's edit on top. */
typedef enum quire_queue_origin_e {
  QUIRE_QUEUE_FILE,
  QUIRE_QUEUE_CONSOLE,
  QUIRE_QUEUE_EDITED
} quire_queue_origin_t;

/* One pull-print queue as configured. */
typedef struct quire_queue_config_s {
  char *name;              /* URL-safe name: [A-Za-z0-9_-]{1,63} */
  char *info;              /* printer-info */
  char *dnssd_name;        /* DNS-SD instance name (printer-dns-sd-name), <= 63 bytes */
  char *location;          /* printer-location */
  char *make_model;        /* printer-make-and-model */
  quire_color_policy_t color;
  quire_duplex_policy_t duplex;
  bool auth_basic;         /* require HTTP Basic authentication for job operations */
  char *media_default;     /* PWG media name, e.g. "iso_a4_210x297mm" */
  /* Release and accounting policies (issue 5) */
  bool force_mono;         /* released jobs print monochrome (and are charged so) */
  bool force_duplex;       /* released one-sided jobs print two-sided-long-edge */
  int job_expiry_seconds;  /* unreleased held jobs are deleted after this (0: never) */
  bool job_expiry_set;     /* given for this queue (else the default-job-expiry in force) */
  int max_held_per_user;   /* jobs a user may have held on this queue (0: no limit) */
  bool hide_job_names;     /* job names shown as "Job N" in lists, terminals and reports */
  bool direct;             /* mode = direct: every job goes to `device` at once (no hold) */
  char *device;            /* the device of a direct queue (core/device.h), else NULL */
  quire_queue_origin_t origin; /* where the definition comes from (set by core/system.c) */
} quire_queue_config_t;

/* Logins: lockout of users, throttling of sources (core/users.h). */
typedef struct quire_security_config_s {
  int lockout_attempts;    /* 0: never lock */
  int lockout_minutes;     /* 0: until an admin unlocks */
  int throttle_attempts;
  int throttle_minutes;
  int release_session_minutes; /* idle lifetime of a release-terminal login */
} quire_security_config_t;

/* Accounting settings (core/accounting.h). */
typedef struct quire_accounting_config_s {
  char *site;              /* site name written in every record */
  char *currency;          /* ISO 4217 code shown with amounts, e.g. "EUR" */
  bool restrict_new_users; /* users created from now on may not go below their credit */
  bool color_on_mono;      /* a colour job may be released to a mono device (printed grey) */
} quire_accounting_config_t;

typedef struct quire_config_s {
  char *path;              /* file it was read from, NULL for built-in defaults */
  char *data_dir;          /* state: store, spool, admin token */
  char *listen;            /* "*" (all addresses), or one address such as 127.0.0.1 */
  int port;
  char *server_name;       /* host name used in URIs when the request has no Host header */
  int log_level;           /* LOG_ERR .. LOG_DEBUG (syslog.h values) */
  bool log_syslog;         /* log to syslog instead of stderr */
  int64_t max_document_size; /* bytes, after decompression */
  int max_connections;
  int multiple_operation_timeout; /* seconds a Create-Job waits for its document */
  int job_history_hours;   /* completed/canceled jobs kept this long */
  bool dnssd;              /* advertise the queues through avahi-daemon */
  bool analysis;           /* analyse documents (pages, colour, thumbnail) before release */
  char *render_command;    /* quire-render path; NULL: next to quired */
  int render_workers;      /* documents analysed at the same time */
  int render_timeout;      /* seconds of wall clock per document */
  int render_cpu;          /* seconds of CPU per document */
  int64_t render_memory;   /* address-space limit of a renderer, bytes */
  quire_security_config_t security;
  quire_accounting_config_t accounting;
  int tls_port;            /* HTTPS and IPPS port; 0: no TLS listener */
  int tls_expiry_warning;  /* days before the certificate expires that alerts start */
  int session_idle_timeout; /* seconds a web session lives without a request */
  int session_lifetime;    /* seconds a web session lives at most */
  int max_sessions;        /* web sessions kept at once (oldest dropped beyond) */
  int login_rate_limit;    /* failed logins allowed per client address per window; 0: any */
  int login_rate_window;   /* seconds of that window */
  int device_poll_interval; /* seconds between status checks of each device */
  int device_refresh_minutes; /* minutes between capability refreshes */
  int device_timeout;      /* seconds a status check or capability read may take */
  int forward_retry_initial; /* seconds before the first retry of a failed delivery */
  int forward_retry_max;   /* longest wait between retries (doubling up to it) */
  int forward_max_attempts; /* failed tries before a delivery is given up */
  int forward_give_up_minutes; /* or minutes since its first failure */
  int forward_io_timeout;  /* seconds without progress talking to a device */
  int forward_job_poll;    /* seconds between Get-Job-Attributes of a printing job */
  int64_t forward_raster_max; /* largest raster file made for a device, bytes */
  int default_job_expiry;  /* job-expiry (seconds) of queues that do not set one */
  quire_queue_config_t *queues;
  size_t num_queues;
} quire_config_t;

/* Loads `path` (NULL: built-in defaults with one queue named "default"). Returns NULL and sets
 * *err (malloc'd; caller frees) on a missing file, a syntax error or a bad value. The caller
 * owns the config and frees it with config_free. */
quire_config_t *config_load(const char *path, char **err);

/* A deep copy of `config` (queues included); the caller frees it with config_free. */
quire_config_t *config_copy(const quire_config_t *config);

/* True for names usable in /ipp/print/NAME: [A-Za-z0-9_-]{1,63}. */
bool config_queue_name_valid(const char *name);

/* Fills `q` with the defaults of a queue named `name` (job expiry `expiry` seconds); release
 * it with config_queue_clear. */
void config_queue_defaults(quire_queue_config_t *q, const char *name, int expiry);

/* Frees a config (NULL is fine). */
void config_free(quire_config_t *config);

/* Finds a queue by name, NULL if none. */
const quire_queue_config_t *config_queue_find(const quire_config_t *config, const char *name);

/* Deep-copies one queue configuration into `dst`; release it with config_queue_clear. */
void config_queue_copy(quire_queue_config_t *dst, const quire_queue_config_t *src);

/* Frees the strings of one queue configuration (not the struct itself). */
void config_queue_clear(quire_queue_config_t *q);

/* Parses a log level name ("error", "warn", "info", "debug"); -1 if unknown. */
int config_parse_log_level(const char *name);

#endif
