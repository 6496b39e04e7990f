/*
 * tls-selfsigned.c: the names a self-signed certificate of the appliance must cover, and the
 * certificate itself (OpenSSL: EC P-256 key, X.509 v3 with subjectAltNames). See tls.h.
 */
#include "tls.h"

#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <glib.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TLS_MAX_NAMES 64
#define TLS_VALID_DAYS 825   /* the longest validity Apple clients accept for TLS servers */

/* True for a host name usable as a dNSName: letters, digits, '-' and '.', 1-253 bytes. */
static bool tls_dns_ok(const char *name)
{
  size_t n = strlen(name);
  if (n == 0 || n > 253 || name[0] == '.' || name[0] == '-')
    return false;
  for (const char *p = name; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
      return false;
  return true;
}

/* Appends "DNS:name" or "IP:addr" unless present or the list is full. */
static void tls_names_add(GPtrArray *list, const char *kind, const char *value)
{
  char *entry = util_printf("%s:%s", kind, value);
  for (guint i = 0; i < list->len; i++)
    if (!g_ascii_strcasecmp(g_ptr_array_index(list, i), entry)) {
      free(entry);
      return;
    }
  if (list->len < TLS_MAX_NAMES)
    g_ptr_array_add(list, entry);
  else
    free(entry);
}

/* Adds `name` as an IP address when it is one, else as a DNS name when valid. */
static void tls_names_add_host(GPtrArray *list, const char *name)
{
  unsigned char bin[16];
  char text[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, name, bin) == 1 && inet_ntop(AF_INET, bin, text, sizeof(text)))
    tls_names_add(list, "IP", text);
  else if (inet_pton(AF_INET6, name, bin) == 1 && inet_ntop(AF_INET6, bin, text, sizeof(text)))
    tls_names_add(list, "IP", text);
  else if (tls_dns_ok(name))
    tls_names_add(list, "DNS", name);
}

/* Adds the host name, its short form and their ".local" (mDNS) names. */
static void tls_names_add_hostname(GPtrArray *list)
{
  char host[256] = "";
  if (gethostname(host, sizeof(host) - 1) != 0 || !tls_dns_ok(host))
    return;
  tls_names_add(list, "DNS", host);
  char *dot = strchr(host, '.');
  if (dot)
    *dot = '\0';
  char *local = util_printf("%s.local", host);
  tls_names_add(list, "DNS", host);
  tls_names_add(list, "DNS", local);
  free(local);
}

/* Adds every IPv4 and non-link-local IPv6 address of the machine's interfaces. */
static void tls_names_add_interfaces(GPtrArray *list)
{
  struct ifaddrs *ifs = NULL;
  char text[INET6_ADDRSTRLEN];

  if (getifaddrs(&ifs) != 0)
    return;
  for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
    if (!i->ifa_addr)
      continue;
    if (i->ifa_addr->sa_family == AF_INET) {
      const struct sockaddr_in *a = (const struct sockaddr_in *)i->ifa_addr;
      if (inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text)))
        tls_names_add(list, "IP", text);
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)i->ifa_addr;
      if (!IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr) &&
          inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof(text)))
        tls_names_add(list, "IP", text);
    }
  }
  freeifaddrs(ifs);
}

char **tls_names_collect(const char *server_name, size_t *count)
{
  GPtrArray *list = g_ptr_array_new();

  if (server_name && *server_name && strcmp(server_name, "localhost"))
    tls_names_add_host(list, server_name);   /* first: the CN of a self-signed certificate */
  tls_names_add_hostname(list);
  tls_names_add(list, "DNS", "localhost");
  tls_names_add(list, "IP", "127.0.0.1");
  tls_names_add(list, "IP", "::1");
  tls_names_add_interfaces(list);
  *count = list->len;
  return (char **)g_ptr_array_free(list, FALSE);
}

void tls_names_free(char **names, size_t count)
{
  for (size_t i = 0; i < count; i++)
    free(names[i]);
  g_free(names);
}

/* Adds one X.509 v3 extension given in OpenSSL's config syntax. */
static bool tls_add_ext(X509 *x, int nid, const char *value)
{
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  bool ok = ext && X509_add_ext(x, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

/* Sets a random positive 127-bit serial number. */
static bool tls_set_serial(X509 *x)
{
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof(raw)) != 1)
    return false;
  raw[0] &= 0x7f;
  BIGNUM *bn = BN_bin2bn(raw, sizeof(raw), NULL);
  bool ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
  BN_free(bn);
  return ok;
}

/* Sets subject = issuer = CN=cn, O=quire, OU=self-signed. */
static bool tls_set_names(X509 *x, const char *cn)
{
  X509_NAME *n = X509_get_subject_name(x);
  char cut[65];
  snprintf(cut, sizeof(cut), "%s", cn);
  return X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cut, -1, -1, 0) &&
         X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)"quire", -1, -1, 0) &&
         X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_UTF8,
                                    (const unsigned char *)"self-signed", -1, -1, 0) &&
         X509_set_issuer_name(x, n) == 1;
}

/* Writes a certificate or a key as PEM into a malloc'd string. */
static char *tls_pem(X509 *x, EVP_PKEY *key)
{
  BIO *b = BIO_new(BIO_s_mem());
  char *data = NULL, *r = NULL;
  if (!b)
    return NULL;
  int ok = x ? PEM_write_bio_X509(b, x) : PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
  long n = BIO_get_mem_data(b, &data);
  if (ok == 1 && n > 0)
    r = util_printf("%.*s", (int)n, data);
  BIO_free_all(b);   /* a memory BIO holding the key is cleansed by BIO_free */
  return r;
}

/* The subjectAltName extension value: "DNS:a,DNS:b,IP:1.2.3.4". */
static char *tls_san_value(char *const *names, size_t num_names)
{
  GString *s = g_string_new("");
  for (size_t i = 0; i < num_names; i++)
    g_string_append_printf(s, "%s%s", i ? "," : "", names[i]);
  char *r = util_strdup(s->str);
  g_string_free(s, TRUE);
  return r;
}

bool tls_self_signed_create(char *const *names, size_t num_names, char **cert_pem,
                            char **key_pem, char **err)
{
  const char *cn = "quire";
  for (size_t i = 0; i < num_names; i++)
    if (!strncmp(names[i], "DNS:", 4)) {
      cn = names[i] + 4;
      break;
    }
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509 *x = X509_new();
  char *san = tls_san_value(names, num_names);
  bool ok = key && x && X509_set_version(x, 2) == 1 && tls_set_serial(x) &&
            X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
            X509_time_adj_ex(X509_getm_notAfter(x), TLS_VALID_DAYS, 0, NULL) &&
            tls_set_names(x, cn) && X509_set_pubkey(x, key) == 1 &&
            tls_add_ext(x, NID_basic_constraints, "critical,CA:FALSE") &&
            tls_add_ext(x, NID_key_usage, "critical,digitalSignature") &&
            tls_add_ext(x, NID_ext_key_usage, "serverAuth") &&
            tls_add_ext(x, NID_subject_key_identifier, "hash") &&
            (num_names == 0 || tls_add_ext(x, NID_subject_alt_name, san)) &&
            X509_sign(x, key, EVP_sha256()) > 0;

  *cert_pem = ok ? tls_pem(x, NULL) : NULL;
  *key_pem = ok ? tls_pem(NULL, key) : NULL;
  if (!*cert_pem || !*key_pem) {
    unsigned long e = ERR_get_error();
    *err = util_printf("cannot make a self-signed certificate: %s",
                       e ? ERR_reason_error_string(e) : "out of memory");
    free(*cert_pem);
    tls_pem_free(*key_pem);
    *cert_pem = *key_pem = NULL;
    ok = false;
  }
  ERR_clear_error();
  free(san);
  X509_free(x);
  EVP_PKEY_free(key);
  return ok;
}
