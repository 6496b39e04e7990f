/*
 * test-tls.c: unit tests of core/tls.c and core/tls-selfsigned.c on real files in a temporary
 * folder: the names a self-signed certificate covers, generation, reload without regeneration,
 * renewal when names change, uploads (good ones with a chain, and each kind of bad one, which
 * leave the old pair in place), expiry warnings, unusable files moved aside. Test certificates
 * (a CA, leaves, expired ones) are made here with OpenSSL's own API.
 */
#include "test.h"

#include "../../core/tls.h"
#include "../../core/util.h"

#include <dirent.h>
#include <glib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* A certificate for `key` signed by `ca_key` (self-signed when NULL), valid from `from` to
 * `to` days from now, with an optional extendedKeyUsage, as PEM (caller frees). */
static char *make_cert(EVP_PKEY *key, EVP_PKEY *ca_key, X509 *ca, const char *cn, long from,
                       long to, const char *eku, X509 **out)
{
  X509 *x = X509_new();
  X509V3_CTX ctx;
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(random() & 0xffffff) + 1);
  X509_time_adj_ex(X509_getm_notBefore(x), (int)from, 0, NULL);
  X509_time_adj_ex(X509_getm_notAfter(x), (int)to, 0, NULL);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                             (const unsigned char *)cn, -1, -1, 0);
  X509_set_issuer_name(x, ca ? X509_get_subject_name(ca) : X509_get_subject_name(x));
  X509_set_pubkey(x, key);
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, ca ? ca : x, x, NULL, NULL, 0);
  char *san = util_printf("DNS:%s", cn);
  X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
  X509_add_ext(x, e, -1);
  X509_EXTENSION_free(e);
  free(san);
  if (eku) {
    e = X509V3_EXT_conf_nid(NULL, &ctx, NID_ext_key_usage, eku);
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
  }
  X509_sign(x, ca_key ? ca_key : key, EVP_sha256());
  BIO *b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, x);
  char *data = NULL;
  long n = BIO_get_mem_data(b, &data);
  char *pem = util_printf("%.*s", (int)n, data);
  BIO_free(b);
  if (out)
    *out = x;
  else
    X509_free(x);
  return pem;
}

/* A key as PEM, optionally encrypted with a passphrase (caller frees). */
static char *key_pem(EVP_PKEY *key, bool encrypted)
{
  BIO *b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, key, encrypted ? EVP_aes_128_cbc() : NULL,
                           (unsigned char *)(encrypted ? "secret" : NULL), encrypted ? 6 : 0,
                           NULL, NULL);
  char *data = NULL;
  long n = BIO_get_mem_data(b, &data);
  char *pem = util_printf("%.*s", (int)n, data);
  BIO_free(b);
  return pem;
}

static char *read_file(const char *path)
{
  gchar *s = NULL;
  if (!g_file_get_contents(path, &s, NULL, NULL))
    return NULL;
  char *r = util_strdup(s);
  g_free(s);
  return r;
}

static bool has_name(const tls_cert_info_t *info, const char *name)
{
  for (size_t i = 0; i < info->num_sans; i++)
    if (!strcmp(info->sans[i], name))
      return true;
  return false;
}

static bool list_has(char **names, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (!strcmp(names[i], name))
      return true;
  return false;
}

/* The names: server-name, host name, .local, localhost, loopback addresses, no duplicates. */
static void test_names(void)
{
  char host[256] = "";
  gethostname(host, sizeof(host) - 1);
  char *dot = strchr(host, '.');
  if (dot)
    *dot = '\0';
  char *local = util_printf("DNS:%s.local", host), *plain = util_printf("DNS:%s", host);
  size_t n = 0;
  char **names = tls_names_collect("print.example.com", &n);

  CHECK_STR(names[0], "DNS:print.example.com");
  CHECK(list_has(names, n, plain));
  CHECK(list_has(names, n, local));
  CHECK(list_has(names, n, "DNS:localhost"));
  CHECK(list_has(names, n, "IP:127.0.0.1"));
  CHECK(list_has(names, n, "IP:::1"));
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      CHECK(strcmp(names[i], names[j]) != 0);
  tls_names_free(names, n);

  names = tls_names_collect("192.0.2.7", &n);
  CHECK_STR(names[0], "IP:192.0.2.7");
  tls_names_free(names, n);
  names = tls_names_collect("bad name;rm", &n);   /* not a host name: left out */
  CHECK(!list_has(names, n, "DNS:bad name;rm"));
  CHECK(list_has(names, n, "DNS:localhost"));
  tls_names_free(names, n);
  free(local);
  free(plain);
}

/* A generated pair checks out and says what it covers. */
static void test_self_signed(void)
{
  char *names[] = {"DNS:quire.test", "DNS:localhost", "IP:127.0.0.1", "IP:::1", "IP:192.0.2.1"};
  char *cert = NULL, *key = NULL, *err = NULL;
  tls_cert_info_t info;

  CHECK(tls_self_signed_create(names, 5, &cert, &key, &err));
  CHECK(tls_pair_check(cert, key, &info, &err));
  CHECK_STR(info.key_type, "EC P-256");
  CHECK(info.self_signed);
  CHECK(info.num_sans == 5);
  for (int i = 0; i < 5; i++)
    CHECK(has_name(&info, names[i]));
  CHECK(strstr(info.subject, "CN=quire.test") != NULL);
  CHECK(strstr(info.subject, "O=quire") != NULL);
  CHECK(info.not_before <= time(NULL) && info.not_after > time(NULL) + 800L * 86400);
  CHECK(strlen(info.fingerprint) == 95);
  CHECK(strstr(key, "BEGIN PRIVATE KEY") != NULL);
  tls_cert_info_clear(&info);
  free(cert);
  tls_pem_free(key);
}

/* Every kind of bad upload is refused with a message that says why. */
static void test_bad_pairs(void)
{
  EVP_PKEY *k1 = EVP_EC_gen("P-256"), *k2 = EVP_EC_gen("P-256");
  EVP_PKEY *small = EVP_RSA_gen(1024);
  char *c1 = make_cert(k1, NULL, NULL, "one.test", 0, 30, NULL, NULL);
  char *p1 = key_pem(k1, false), *p2 = key_pem(k2, false), *enc = key_pem(k1, true);
  char *expired = make_cert(k1, NULL, NULL, "old.test", -60, -1, NULL, NULL);
  char *future = make_cert(k1, NULL, NULL, "new.test", 5, 60, NULL, NULL);
  char *client = make_cert(k1, NULL, NULL, "client.test", 0, 30, "clientAuth", NULL);
  char *weak = make_cert(small, NULL, NULL, "weak.test", 0, 30, NULL, NULL);
  char *weak_key = key_pem(small, false);
  char *chain_bad = util_printf("%s-----BEGIN CERTIFICATE-----\nnot base64 !!\n"
                                "-----END CERTIFICATE-----\n", c1);
  struct { const char *cert, *key, *expect; } cases[] = {
    {c1, p1, NULL},
    {c1, p2, "does not belong"},
    {"garbage", p1, "not a PEM certificate"},
    {c1, "garbage", "not a PEM private key"},
    {c1, enc, "encrypted"},
    {expired, p1, "expired on"},
    {future, p1, "not valid before"},
    {client, p1, "serverAuth"},
    {weak, weak_key, "at least 2048"},
    {chain_bad, p1, "certificate 2 of the chain"},
    {c1, NULL, "both a certificate and a private key"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *err = NULL;
    bool ok = tls_pair_check(cases[i].cert, cases[i].key, NULL, &err);
    CHECK(ok == (cases[i].expect == NULL));
    if (cases[i].expect && (!err || !strstr(err, cases[i].expect))) {
      fprintf(stderr, "FAIL case %zu: expected \"%s\", got \"%s\"\n", i, cases[i].expect,
              err ? err : "(none)");
      test_failed++;
    }
    free(err);
  }
  free(c1); free(p1); free(p2); free(enc); free(expired); free(future); free(client);
  free(weak); free(weak_key); free(chain_bad);
  EVP_PKEY_free(k1); EVP_PKEY_free(k2); EVP_PKEY_free(small);
}

/* Number of entries of `dir` whose name starts with `prefix`. */
static int count_prefix(const char *dir, const char *prefix)
{
  DIR *d = opendir(dir);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));)
    n += !strncmp(e->d_name, prefix, strlen(prefix));
  if (d)
    closedir(d);
  return n;
}

/* The store: first start, reload, renewal, uploads, expiry warning, files moved aside. */
static void test_store(void)
{
  char tmpl[] = "/tmp/quire-test-tls-XXXXXX";
  char *root = mkdtemp(tmpl), *dir = util_printf("%s/tls", root);
  char *names[] = {"DNS:quire.test", "DNS:localhost", "IP:127.0.0.1"};
  char *err = NULL, *key_path = util_printf("%s/key.pem", dir);
  char *cert_path = util_printf("%s/cert.pem", dir);
  tls_cert_info_t a, b;
  struct stat st;

  tls_store_t *ts = tls_store_open(dir, names, 3, 30, &err);
  CHECK(ts != NULL);
  CHECK(stat(key_path, &st) == 0 && (st.st_mode & 0777) == 0600);
  CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
  tls_store_info(ts, &a);
  CHECK(a.self_signed && has_name(&a, "DNS:quire.test"));
  tls_store_free(ts);

  /* Reopened with the same names: the same certificate. */
  ts = tls_store_open(dir, names, 3, 30, &err);
  tls_store_info(ts, &b);
  CHECK_STR(a.fingerprint, b.fingerprint);
  tls_cert_info_clear(&b);
  tls_store_free(ts);

  /* A new address: a new self-signed certificate that covers it. */
  char *more[] = {"DNS:quire.test", "DNS:localhost", "IP:127.0.0.1", "IP:192.0.2.9"};
  ts = tls_store_open(dir, more, 4, 30, &err);
  tls_store_info(ts, &b);
  CHECK(strcmp(a.fingerprint, b.fingerprint) != 0);
  CHECK(has_name(&b, "IP:192.0.2.9"));
  tls_cert_info_clear(&a);
  a = b;

  /* A CA-issued certificate with its chain replaces it; a bad one afterwards does not. */
  EVP_PKEY *ca_key = EVP_EC_gen("P-256"), *leaf_key = EVP_RSA_gen(2048);
  X509 *ca = NULL;
  char *ca_pem = make_cert(ca_key, NULL, NULL, "Test CA", 0, 400, NULL, &ca);
  char *leaf = make_cert(leaf_key, ca_key, ca, "print.example.com", 0, 20, "serverAuth", NULL);
  char *chain = util_printf("%s%s", leaf, ca_pem), *lk = key_pem(leaf_key, false);
  CHECK(tls_store_replace(ts, chain, lk, &err));
  tls_store_info(ts, &b);
  CHECK(!b.self_signed && b.chain_length == 2 && strstr(b.subject, "print.example.com"));
  CHECK_STR(b.key_type, "RSA 2048");
  char *on_disk = read_file(cert_path), *key_disk = read_file(key_path);
  CHECK(on_disk && !strcmp(on_disk, chain));
  CHECK(key_disk && !strcmp(key_disk, lk));
  free(on_disk);
  free(key_disk);

  char *other = key_pem(ca_key, false);
  CHECK(!tls_store_replace(ts, leaf, other, &err));
  CHECK(err && strstr(err, "does not belong"));
  free(err);
  err = NULL;
  tls_cert_info_t c;
  tls_store_info(ts, &c);
  CHECK_STR(c.fingerprint, b.fingerprint);
  tls_cert_info_clear(&c);
  on_disk = read_file(cert_path);
  CHECK(on_disk && !strcmp(on_disk, chain));
  free(on_disk);

  /* Expires in 20 days: a warning at 30, none at 10. */
  char *w = tls_store_expiry_warning(ts, 30);
  CHECK(w && strstr(w, "expires on") && strstr(w, "print.example.com"));
  free(w);
  CHECK(tls_store_expiry_warning(ts, 10) == NULL);
  tls_store_free(ts);

  /* An uploaded certificate is kept on restart even though it covers other names. */
  ts = tls_store_open(dir, more, 4, 30, &err);
  tls_store_info(ts, &c);
  CHECK_STR(c.fingerprint, b.fingerprint);
  tls_cert_info_clear(&c);
  tls_store_free(ts);

  /* A key of another certificate on disk: moved aside, a new self-signed pair is made. */
  FILE *f = fopen(key_path, "w");
  fputs(other, f);
  fclose(f);
  ts = tls_store_open(dir, names, 3, 30, &err);
  CHECK(ts != NULL);
  tls_store_info(ts, &c);
  CHECK(c.self_signed);
  CHECK(count_prefix(dir, "rejected-") == 1);
  tls_cert_info_clear(&c);
  tls_store_free(ts);

  tls_cert_info_clear(&a);
  tls_cert_info_clear(&b);
  free(ca_pem); free(leaf); free(chain); free(lk); free(other);
  X509_free(ca);
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(leaf_key);
  char *rm = util_printf("rm -rf '%s'", root);
  CHECK(system(rm) == 0);
  free(rm);
  free(dir); free(key_path); free(cert_path);
}

int main(void)
{
  test_names();
  test_self_signed();
  test_bad_pairs();
  test_store();
  return test_summary();
}
