/*
 * tls.c: the certificate store in DATA/tls/: load, check, replace, describe (see tls.h).
 */
#include "tls.h"

#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TLS_DAY 86400
#define TLS_MAX_CHAIN 10

struct tls_store_s {
  pthread_mutex_t lock;
  char *dir, *cert_path, *key_path;
  char *cert_pem, *key_pem;     /* current pair (guarded by lock) */
  tls_cert_info_t info;         /* what cert_pem says (guarded by lock) */
  time_t last_warning;          /* when the expiry warning was last logged */
};

void tls_pem_free(char *pem)
{
  if (!pem)
    return;
  OPENSSL_cleanse(pem, strlen(pem));
  free(pem);
}

void tls_cert_info_clear(tls_cert_info_t *info)
{
  free(info->subject);
  free(info->issuer);
  for (size_t i = 0; i < info->num_sans; i++)
    free(info->sans[i]);
  free(info->sans);
  free(info->fingerprint);
  free(info->key_type);
  memset(info, 0, sizeof(*info));
}

/* Copies `src` (strings duplicated) into `dst`. */
static void tls_cert_info_copy(tls_cert_info_t *dst, const tls_cert_info_t *src)
{
  *dst = *src;
  dst->subject = util_strdup(src->subject);
  dst->issuer = util_strdup(src->issuer);
  dst->fingerprint = util_strdup(src->fingerprint);
  dst->key_type = util_strdup(src->key_type);
  dst->sans = src->num_sans ? calloc(src->num_sans, sizeof(char *)) : NULL;
  if (src->num_sans && !dst->sans)
    abort();
  for (size_t i = 0; i < src->num_sans; i++)
    dst->sans[i] = util_strdup(src->sans[i]);
}

/* An X509 name as one RFC 2253 line (malloc'd). */
static char *tls_name_text(const X509_NAME *name)
{
  BIO *b = BIO_new(BIO_s_mem());
  char *data = NULL, *r;
  if (!b)
    abort();
  X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  long n = BIO_get_mem_data(b, &data);
  r = util_printf("%.*s", (int)(n > 0 ? n : 0), data ? data : "");
  BIO_free(b);
  return r;
}

/* An ASN.1 time as time_t (0 when unreadable). */
static time_t tls_time(const ASN1_TIME *t)
{
  struct tm tm;
  return t && ASN1_TIME_to_tm(t, &tm) == 1 ? timegm(&tm) : 0;
}

/* The subjectAltNames (DNS and IP) of `x`. */
static void tls_sans(X509 *x, tls_cert_info_t *info)
{
  GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
  int n = gens ? sk_GENERAL_NAME_num(gens) : 0;

  info->sans = n > 0 ? calloc((size_t)n, sizeof(char *)) : NULL;
  for (int i = 0; i < n && info->sans; i++) {
    const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
    char ip[INET6_ADDRSTRLEN] = "";
    if (g->type == GEN_DNS) {
      const ASN1_IA5STRING *s = g->d.dNSName;
      info->sans[info->num_sans++] = util_printf("DNS:%.*s", s->length, (const char *)s->data);
    } else if (g->type == GEN_IPADD && (g->d.iPAddress->length == 4 ||
                                        g->d.iPAddress->length == 16)) {
      inet_ntop(g->d.iPAddress->length == 4 ? AF_INET : AF_INET6, g->d.iPAddress->data, ip,
                sizeof(ip));
      info->sans[info->num_sans++] = util_printf("IP:%s", ip);
    }
  }
  GENERAL_NAMES_free(gens);
}

/* "EC P-256", "RSA 2048", ... (malloc'd). */
static char *tls_key_type(EVP_PKEY *key)
{
  char group[64] = "";
  size_t len = 0;
  switch (EVP_PKEY_get_base_id(key)) {
  case EVP_PKEY_RSA:
    return util_printf("RSA %d", EVP_PKEY_get_bits(key));
  case EVP_PKEY_EC:
    if (EVP_PKEY_get_group_name(key, group, sizeof(group), &len) != 1)
      snprintf(group, sizeof(group), "%d bits", EVP_PKEY_get_bits(key));
    return util_printf("EC %s", !strcmp(group, "prime256v1") ? "P-256" : group);
  default:
    return util_printf("%s", OBJ_nid2sn(EVP_PKEY_get_base_id(key)));
  }
}

/* True when the certificate is one quire made itself. */
static bool tls_is_quire_self_signed(X509 *x)
{
  char org[64] = "";
  return X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0 &&
         X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_organizationName, org,
                                   sizeof(org)) > 0 &&
         !strcmp(org, "quire");
}

/* Fills `info` from the leaf `x` and its key. */
static void tls_describe(X509 *x, EVP_PKEY *key, size_t chain_length, tls_cert_info_t *info)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;

  memset(info, 0, sizeof(*info));
  info->subject = tls_name_text(X509_get_subject_name(x));
  info->issuer = tls_name_text(X509_get_issuer_name(x));
  tls_sans(x, info);
  info->not_before = tls_time(X509_get0_notBefore(x));
  info->not_after = tls_time(X509_get0_notAfter(x));
  info->self_signed = tls_is_quire_self_signed(x);
  info->key_type = tls_key_type(key);
  info->chain_length = chain_length;
  GString *fp = g_string_new("");
  if (X509_digest(x, EVP_sha256(), md, &mdlen) == 1)
    for (unsigned i = 0; i < mdlen; i++)
      g_string_append_printf(fp, "%s%02X", i ? ":" : "", md[i]);
  info->fingerprint = util_strdup(fp->str);
  g_string_free(fp, TRUE);
}

/* Refuses an OpenSSL passphrase prompt: keys must not be encrypted. */
static int tls_no_password(char *buf, int size, int rwflag, void *u)
{
  (void)buf;
  (void)size;
  (void)rwflag;
  (void)u;
  return -1;
}

/* Reads the certificate chain of `pem`: the leaf is returned, *chain_length counts all. */
static X509 *tls_read_chain(const char *pem, size_t *chain_length, char **err)
{
  BIO *b = BIO_new_mem_buf(pem, -1);
  X509 *leaf = b ? PEM_read_bio_X509(b, NULL, tls_no_password, NULL) : NULL;

  *chain_length = leaf ? 1 : 0;
  if (!leaf) {
    *err = util_strdup("the certificate is not a PEM certificate "
                       "(-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)");
  } else {
    for (;;) {
      ERR_clear_error();
      X509 *next = PEM_read_bio_X509(b, NULL, tls_no_password, NULL);
      if (!next) {
        unsigned long e = ERR_peek_last_error();
        if (ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
          *err = util_printf("certificate %zu of the chain does not parse", *chain_length + 1);
          X509_free(leaf);
          leaf = NULL;
        }
        break;
      }
      X509_free(next);
      if (++*chain_length > TLS_MAX_CHAIN) {
        *err = util_printf("the chain has more than %d certificates", TLS_MAX_CHAIN);
        X509_free(leaf);
        leaf = NULL;
        break;
      }
    }
  }
  BIO_free(b);
  ERR_clear_error();
  return leaf;
}

/* Reads an unencrypted PEM private key. */
static EVP_PKEY *tls_read_key(const char *pem, char **err)
{
  if (strstr(pem, "ENCRYPTED")) {
    *err = util_strdup("the private key is encrypted; upload it without a passphrase "
                       "(openssl pkey -in key.pem -out plain.pem)");
    return NULL;
  }
  BIO *b = BIO_new_mem_buf(pem, -1);
  EVP_PKEY *key = b ? PEM_read_bio_PrivateKey(b, NULL, tls_no_password, NULL) : NULL;
  BIO_free(b);
  ERR_clear_error();
  if (!key)
    *err = util_strdup("the private key is not a PEM private key "
                       "(-----BEGIN PRIVATE KEY----- ... -----END PRIVATE KEY-----)");
  return key;
}

/* Parses a pair and checks what does not depend on the time: the key belongs to the leaf, it
 * is RSA >= 2048 or EC, and the leaf may serve TLS. Fills `info` when not NULL. */
static bool tls_pair_parse(const char *cert_pem, const char *key_pem, tls_cert_info_t *info,
                           char **err)
{
  size_t chain = 0;
  X509 *leaf = cert_pem ? tls_read_chain(cert_pem, &chain, err) : NULL;
  EVP_PKEY *key = leaf && key_pem ? tls_read_key(key_pem, err) : NULL;
  bool ok = false;

  if (!cert_pem || !key_pem) {
    *err = util_strdup("both a certificate and a private key are needed");
  } else if (!leaf || !key) {
    /* *err set */
  } else if (X509_check_private_key(leaf, key) != 1) {
    *err = util_strdup("the private key does not belong to the certificate "
                       "(it is the key of another certificate)");
  } else if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA && EVP_PKEY_get_bits(key) < 2048) {
    *err = util_printf("the RSA key has %d bits; at least 2048 are needed",
                       EVP_PKEY_get_bits(key));
  } else if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA && EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) {
    *err = util_strdup("the key must be RSA or ECDSA (EC), which every printing client accepts");
  } else if ((X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) &&
             !(X509_get_extended_key_usage(leaf) & XKU_SSL_SERVER)) {
    *err = util_strdup("the certificate is not allowed for TLS servers "
                       "(its extendedKeyUsage lacks serverAuth)");
  } else {
    if (info)
      tls_describe(leaf, key, chain, info);
    ok = true;
  }
  X509_free(leaf);
  EVP_PKEY_free(key);
  ERR_clear_error();
  return ok;
}

/* A date as "2025-01-31 12:00 UTC" into `buf`. */
static const char *tls_date(time_t t, char *buf, size_t size)
{
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

bool tls_pair_check(const char *cert_pem, const char *key_pem, tls_cert_info_t *info,
                    char **err)
{
  tls_cert_info_t in;
  char date[64];
  time_t now = time(NULL);

  if (!tls_pair_parse(cert_pem, key_pem, &in, err))
    return false;
  if (in.not_after <= now) {
    *err = util_printf("the certificate expired on %s", tls_date(in.not_after, date, sizeof(date)));
  } else if (in.not_before > now) {
    *err = util_printf("the certificate is not valid before %s",
                       tls_date(in.not_before, date, sizeof(date)));
  } else {
    if (info)
      *info = in;
    else
      tls_cert_info_clear(&in);
    return true;
  }
  tls_cert_info_clear(&in);
  return false;
}

/* Writes `data` to `path` through a temporary file (mode `mode`), flushed and renamed. */
static bool tls_write_file(const char *path, const char *data, mode_t mode, char **err)
{
  char *tmp = util_printf("%s.tmp", path);
  size_t len = strlen(data), done = 0;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  bool ok = fd >= 0 && fchmod(fd, mode) == 0;

  while (ok && done < len) {
    ssize_t n = write(fd, data + done, len - done);
    if (n < 0 && errno == EINTR)
      continue;
    ok = n > 0;
    done += ok ? (size_t)n : 0;
  }
  ok = ok && fsync(fd) == 0;
  if (fd >= 0 && close(fd) != 0)
    ok = false;
  ok = ok && rename(tmp, path) == 0;
  if (!ok) {
    *err = util_printf("cannot write %s: %s", path, strerror(errno));
    unlink(tmp);
  }
  free(tmp);
  return ok;
}

/* Writes the pair to disk (key first) and makes it current. Lock held. */
static bool tls_store_install(tls_store_t *ts, const char *cert_pem, const char *key_pem,
                              const tls_cert_info_t *info, char **err)
{
  if (!tls_write_file(ts->key_path, key_pem, 0600, err) ||
      !tls_write_file(ts->cert_path, cert_pem, 0644, err))
    return false;
  if (!util_fsync_dir(ts->dir))
    log_warn("tls: cannot flush %s: %s", ts->dir, strerror(errno));
  free(ts->cert_pem);
  tls_pem_free(ts->key_pem);
  ts->cert_pem = util_strdup(cert_pem);
  ts->key_pem = util_strdup(key_pem);
  tls_cert_info_clear(&ts->info);
  tls_cert_info_copy(&ts->info, info);
  ts->last_warning = 0;
  return true;
}

/* Generates and installs a self-signed pair. Lock held. */
static bool tls_store_generate(tls_store_t *ts, char *const *names, size_t num_names, char **err)
{
  char *cert = NULL, *key = NULL;
  tls_cert_info_t info;
  bool ok = tls_self_signed_create(names, num_names, &cert, &key, err) &&
            tls_pair_parse(cert, key, &info, err);

  if (ok) {
    ok = tls_store_install(ts, cert, key, &info, err);
    if (ok)
      log_info("tls: new self-signed certificate %s for %zu names, SHA-256 %s", info.subject,
               info.num_sans, info.fingerprint);
    tls_cert_info_clear(&info);
  }
  free(cert);
  tls_pem_free(key);
  return ok;
}

/* True when every name of `names` is a subjectAltName of `info`. */
static bool tls_covers(const tls_cert_info_t *info, char *const *names, size_t num_names)
{
  for (size_t i = 0; i < num_names; i++) {
    bool found = false;
    for (size_t j = 0; j < info->num_sans && !found; j++)
      found = !g_ascii_strcasecmp(names[i], info->sans[j]);
    if (!found)
      return false;
  }
  return true;
}

/* Moves an unusable pair into dir/rejected-TIME/ so that nothing is lost. */
static void tls_store_reject(tls_store_t *ts, const char *why)
{
  char *aside = util_printf("%s/rejected-%lld", ts->dir, (long long)time(NULL));
  char *key = util_printf("%s/key.pem", aside), *cert = util_printf("%s/cert.pem", aside);

  if (mkdir(aside, 0700) != 0 && errno != EEXIST)
    log_error("tls: cannot create %s: %s", aside, strerror(errno));
  if (rename(ts->key_path, key) != 0 && errno != ENOENT)
    log_error("tls: cannot move %s aside: %s", ts->key_path, strerror(errno));
  if (rename(ts->cert_path, cert) != 0 && errno != ENOENT)
    log_error("tls: cannot move %s aside: %s", ts->cert_path, strerror(errno));
  log_error("tls: %s in %s (%s); moved to %s, using a new self-signed certificate", why, ts->dir,
            "key.pem, cert.pem", aside);
  free(aside);
  free(key);
  free(cert);
}

/* Loads the pair on disk into the store; false (nothing loaded) when absent or unusable. */
static bool tls_store_load(tls_store_t *ts)
{
  gchar *cert = NULL, *key = NULL;
  char *err = NULL;
  tls_cert_info_t info;
  bool have_cert = g_file_get_contents(ts->cert_path, &cert, NULL, NULL);
  bool have_key = g_file_get_contents(ts->key_path, &key, NULL, NULL);
  bool ok = false;
  struct stat st;

  if (!have_cert && !have_key) {
    /* first start */
  } else if (!have_cert || !have_key) {
    tls_store_reject(ts, have_cert ? "cert.pem has no key.pem" : "key.pem has no cert.pem");
  } else if (!tls_pair_parse(cert, key, &info, &err)) {
    tls_store_reject(ts, err);
  } else {
    ts->cert_pem = util_strdup(cert);
    ts->key_pem = util_strdup(key);
    ts->info = info;
    ok = true;
    if (stat(ts->key_path, &st) == 0 && (st.st_mode & 077)) {
      log_warn("tls: %s was readable by others; now mode 0600", ts->key_path);
      if (chmod(ts->key_path, 0600) != 0)
        log_error("tls: chmod %s: %s", ts->key_path, strerror(errno));
    }
  }
  free(err);
  g_free(cert);
  if (key) {
    OPENSSL_cleanse(key, strlen(key));
    g_free(key);
  }
  return ok;
}

tls_store_t *tls_store_open(const char *dir, char *const *names, size_t num_names,
                            int renew_days, char **err)
{
  tls_store_t *ts = calloc(1, sizeof(*ts));
  time_t now = time(NULL);

  if (!ts)
    abort();
  *err = NULL;
  pthread_mutex_init(&ts->lock, NULL);
  ts->dir = util_strdup(dir);
  ts->cert_path = util_printf("%s/cert.pem", dir);
  ts->key_path = util_printf("%s/key.pem", dir);
  if (!util_mkdir_p(dir)) {
    *err = util_printf("cannot create %s: %s", dir, strerror(errno));
    tls_store_free(ts);
    return NULL;
  }
  bool loaded = tls_store_load(ts);
  const char *renew = NULL;
  char date[64];
  if (loaded && ts->info.self_signed && !tls_covers(&ts->info, names, num_names))
    renew = "the host names or addresses changed";
  else if (loaded && ts->info.self_signed &&
           ts->info.not_after - now < (time_t)renew_days * TLS_DAY)
    renew = "it expires soon";
  if (loaded && !renew) {
    log_info("tls: certificate %s (%s), valid until %s", ts->info.subject,
             ts->info.self_signed ? "self-signed" : ts->info.issuer,
             tls_date(ts->info.not_after, date, sizeof(date)));
    return ts;
  }
  if (renew)
    log_info("tls: renewing the self-signed certificate: %s", renew);
  if (!tls_store_generate(ts, names, num_names, err)) {
    if (!loaded) {
      tls_store_free(ts);
      return NULL;
    }
    log_error("tls: %s; keeping the old certificate", *err);
    free(*err);
    *err = NULL;
  }
  return ts;
}

void tls_store_free(tls_store_t *ts)
{
  if (!ts)
    return;
  free(ts->cert_pem);
  tls_pem_free(ts->key_pem);
  tls_cert_info_clear(&ts->info);
  free(ts->dir);
  free(ts->cert_path);
  free(ts->key_path);
  pthread_mutex_destroy(&ts->lock);
  free(ts);
}

void tls_store_pem(tls_store_t *ts, char **cert_pem, char **key_pem)
{
  pthread_mutex_lock(&ts->lock);
  *cert_pem = util_strdup(ts->cert_pem);
  *key_pem = util_strdup(ts->key_pem);
  pthread_mutex_unlock(&ts->lock);
}

void tls_store_info(tls_store_t *ts, tls_cert_info_t *info)
{
  pthread_mutex_lock(&ts->lock);
  tls_cert_info_copy(info, &ts->info);
  pthread_mutex_unlock(&ts->lock);
}

bool tls_store_replace(tls_store_t *ts, const char *cert_pem, const char *key_pem, char **err)
{
  tls_cert_info_t info;

  if (!tls_pair_check(cert_pem, key_pem, &info, err))
    return false;
  pthread_mutex_lock(&ts->lock);
  bool ok = tls_store_install(ts, cert_pem, key_pem, &info, err);
  pthread_mutex_unlock(&ts->lock);
  if (ok)
    log_info("tls: certificate replaced: %s, issued by %s, SHA-256 %s", info.subject, info.issuer,
             info.fingerprint);
  tls_cert_info_clear(&info);
  return ok;
}

bool tls_store_make_self_signed(tls_store_t *ts, char *const *names, size_t num_names,
                                char **err)
{
  pthread_mutex_lock(&ts->lock);
  bool ok = tls_store_generate(ts, names, num_names, err);
  pthread_mutex_unlock(&ts->lock);
  return ok;
}

char *tls_store_expiry_warning(tls_store_t *ts, int warn_days)
{
  time_t now = time(NULL);
  char date[64], *msg = NULL;

  pthread_mutex_lock(&ts->lock);
  time_t left = ts->info.not_after - now;
  if (left <= 0)
    msg = util_printf("the TLS certificate %s expired on %s; upload a new one",
                      ts->info.subject, tls_date(ts->info.not_after, date, sizeof(date)));
  else if (left < (time_t)warn_days * TLS_DAY)
    msg = util_printf("the TLS certificate %s expires on %s (in %lld days); upload a new one",
                      ts->info.subject, tls_date(ts->info.not_after, date, sizeof(date)),
                      (long long)(left / TLS_DAY));
  bool log_it = msg && now - ts->last_warning >= TLS_DAY;
  if (log_it)
    ts->last_warning = now;
  pthread_mutex_unlock(&ts->lock);
  if (log_it)
    log_warn("tls: %s", msg);
  return msg;
}
