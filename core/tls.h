/*
 * tls.h: the appliance's TLS certificate and private key (OpenSSL), kept in DATA/tls/.
 *
 * On first start there is no key: quired generates an EC P-256 key and a self-signed
 * certificate whose subjectAltNames cover every name and address a client may use (the
 * configured server-name, the host name and HOST.local, localhost, every interface address,
 * 127.0.0.1 and ::1). An administrator may upload a real certificate (with its chain) and key;
 * they are checked (PEM, key matches, usable for a TLS server, not expired) before they replace
 * the old pair, which stays in place when anything is wrong. Serving TLS is web/http.c's job
 * (libmicrohttpd with GnuTLS); this module only makes, checks, stores and describes the pair.
 *
 * Files: DATA/tls/key.pem (mode 0600) and DATA/tls/cert.pem (leaf first, then the chain), each
 * written to a temporary file, flushed and renamed. Thread-safe: one mutex per store.
 */
#ifndef QUIRE_TLS_H
#define QUIRE_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* What a certificate says, for the admin API and the logs. Strings are malloc'd; release the
 * whole with tls_cert_info_clear. */
typedef struct tls_cert_info_s {
  char *subject;           /* RFC 2253 one-liner, e.g. "CN=print.example.com,O=Example" */
  char *issuer;
  char **sans;             /* "DNS:name" or "IP:address", in certificate order */
  size_t num_sans;
  time_t not_before, not_after;
  bool self_signed;        /* made by quire (issuer = subject, O=quire) */
  char *fingerprint;       /* SHA-256 of the DER, "AB:CD:..." */
  char *key_type;          /* "EC P-256", "RSA 2048", ... */
  size_t chain_length;     /* certificates in the PEM, leaf included */
} tls_cert_info_t;

typedef struct tls_store_s tls_store_t;

/* Opens the key and certificate in `dir` (created 0700 if missing). Generates a new
 * self-signed pair when there is none, when quire's own certificate no longer covers the names
 * in `names` (see tls_names_collect), or when it expires within `renew_days` days. A pair that
 * does not load (garbage, key of another certificate) is moved aside into dir/rejected-TIME/
 * with an error in the log, and a self-signed one is made. Returns NULL with *err (malloc'd)
 * only when nothing can be written. The caller frees the store with tls_store_free. */
tls_store_t *tls_store_open(const char *dir, char *const *names, size_t num_names,
                            int renew_days, char **err);

/* Frees the store (NULL is fine). */
void tls_store_free(tls_store_t *ts);

/* Copies the current certificate chain and key (PEM, NUL-terminated). The caller frees both,
 * the key with tls_pem_free (it is wiped first). */
void tls_store_pem(tls_store_t *ts, char **cert_pem, char **key_pem);

/* Describes the current certificate into `info` (clear it with tls_cert_info_clear). */
void tls_store_info(tls_store_t *ts, tls_cert_info_t *info);

/* Replaces the pair with `cert_pem` and `key_pem` after tls_pair_check; on any error (*err,
 * malloc'd) the old pair stays, in memory and on disk. */
bool tls_store_replace(tls_store_t *ts, const char *cert_pem, const char *key_pem, char **err);

/* Replaces the pair with a new self-signed one for `names`. */
bool tls_store_make_self_signed(tls_store_t *ts, char *const *names, size_t num_names,
                                char **err);

/* When the certificate expires within `warn_days` days (or has expired), returns a malloc'd
 * message saying when, and logs it (at most once a day); otherwise NULL. */
char *tls_store_expiry_warning(tls_store_t *ts, int warn_days);

/* Checks a pair as uploaded: both PEM, the key (unencrypted RSA of 2048 bits or more, or EC)
 * belongs to the first certificate, which is valid now and allowed for TLS servers; every
 * further certificate of the chain parses. Fills `info` when not NULL. False with *err
 * (malloc'd, a sentence for the administrator) otherwise. */
bool tls_pair_check(const char *cert_pem, const char *key_pem, tls_cert_info_t *info,
                    char **err);

/* Frees what `info` holds and zeroes it. */
void tls_cert_info_clear(tls_cert_info_t *info);

/* Wipes and frees a PEM key (NULL is fine). */
void tls_pem_free(char *pem);

/* ---- self-signed certificates (tls-selfsigned.c) ----------------------------------------- */

/* The subjectAltNames a self-signed certificate of this appliance needs: `server_name` (unless
 * it is localhost), the host name (and HOST.local, or the short name and SHORT.local of a
 * dotted one), localhost,
 * every non-link-local interface address, 127.0.0.1 and ::1, as "DNS:..." / "IP:..." without
 * duplicates. Returns a malloc'd array of *count malloc'd strings (free with
 * tls_names_free). */
char **tls_names_collect(const char *server_name, size_t *count);

/* Frees an array from tls_names_collect. */
void tls_names_free(char **names, size_t count);

/* Generates an EC P-256 key and a self-signed certificate for `names` (the first DNS name is
 * the CN), valid from an hour ago for 825 days. Sets *cert_pem and *key_pem (caller frees,
 * the key with tls_pem_free); false with *err on failure. */
bool tls_self_signed_create(char *const *names, size_t num_names, char **cert_pem,
                            char **key_pem, char **err);

#endif
