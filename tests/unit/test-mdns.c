/*
 * test-mdns.c: DNS-SD descriptions without a network: instance-name candidates after
 * collisions, TXT records built from real printer attributes (limits, values), and the
 * zone-file writer's escaping and error handling.
 */
#include "../../ipp/printer-attrs.h"
#include "../../mdns/mdns.h"
#include "test.h"

#include <stdlib.h>

/* True if `s` is well-formed UTF-8. */
static bool utf8_ok(const char *s)
{
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
    if (n < 0)
      return false;
    p++;
    for (int i = 0; i < n; i++, p++)
      if ((*p & 0xC0) != 0x80)
        return false;
  }
  return true;
}

static void test_names(void)
{
  char buf[MDNS_NAME_MAX + 1];
  /* 21 x "é" (2 bytes) + "x" x 30 = 72 bytes: every cut point is tested by the suffixes */
  char longname[128] = "";
  for (int i = 0; i < 21; i++)
    strcat(longname, "\xc3\xa9");
  strcat(longname, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");

  CHECK_STR(mdns_name_candidate(buf, sizeof(buf), "Office", 0), "Office");
  CHECK_STR(mdns_name_candidate(buf, sizeof(buf), "Office", 1), "Office (2)");
  CHECK_STR(mdns_name_candidate(buf, sizeof(buf), "Office", 9), "Office (10)");
  for (unsigned a = 0; a < 120; a += 7) {
    mdns_name_candidate(buf, sizeof(buf), longname, a);
    CHECK(strlen(buf) <= MDNS_NAME_MAX);
    CHECK(utf8_ok(buf));
    if (a)
      CHECK(strstr(buf, " (") != NULL && buf[strlen(buf) - 1] == ')');
  }
  /* all multibyte: the cut must not split "é" */
  char accents[200] = "";
  for (int i = 0; i < 40; i++)
    strcat(accents, "\xc3\xa9");
  mdns_name_candidate(buf, sizeof(buf), accents, 2);
  CHECK(utf8_ok(buf) && strlen(buf) <= MDNS_NAME_MAX);
  CHECK(strcmp(buf + strlen(buf) - 4, " (3)") == 0);
}

/* Builds a queue's attributes as Get-Printer-Attributes reports them to host:631. */
static ipp_t *attrs_for(quire_queue_config_t *q)
{
  ipp_t *st = ipp_printer_attrs_create(q, "urn:uuid:12345678-1234-4234-8234-123456789abc", 1 << 30);
  ipp_t *all = ippNew();
  ipp_printer_dynamic_t dyn = {.host = "gw.local", .port = 631, .resource = "/ipp/print/q1",
                               .state = IPP_PSTATE_IDLE, .state_reasons = "none", .accepting = true};
  ipp_printer_attrs_add_dynamic(all, &dyn, q->auth_basic, NULL);
  ipp_printer_attrs_copy(all, st, NULL, NULL);
  ippDelete(st);
  return all;
}

static void test_txt_from_attrs(void)
{
  quire_queue_config_t q = {.name = "q1", .info = "Front desk", .location = "Hall",
                            .make_model = "quire Gateway", .media_default = "iso_a4_210x297mm"};
  ipp_t *a = attrs_for(&q);
  mdns_service_t s;
  char *err = NULL;

  CHECK(mdns_service_from_ipp(&s, a, false, &err));
  CHECK_STR(s.queue, "q1");
  CHECK_STR(s.name, "Front desk");
  CHECK_STR(s.resource, "ipp/print/q1");
  CHECK_STR(s.txt[0], "txtvers=1");  /* first, as the Bonjour Printing spec asks */
  CHECK_STR(mdns_service_txt(&s, "rp"), "ipp/print/q1");
  CHECK_STR(mdns_service_txt(&s, "UUID"), "12345678-1234-4234-8234-123456789abc");
  CHECK_STR(mdns_service_txt(&s, "adminurl"), "http://gw.local:631/");
  CHECK_STR(mdns_service_txt(&s, "note"), "Hall");
  CHECK_STR(mdns_service_txt(&s, "product"), "(quire Gateway)");
  CHECK_STR(mdns_service_txt(&s, "Color"), "T");
  CHECK_STR(mdns_service_txt(&s, "Duplex"), "T");
  CHECK(strstr(mdns_service_txt(&s, "pdl"), "image/pwg-raster") != NULL);
  CHECK(strstr(mdns_service_txt(&s, "pdl"), "octet-stream") == NULL);
  CHECK(strstr(mdns_service_txt(&s, "URF"), "SRGB24") != NULL);
  CHECK(mdns_service_txt(&s, "air") == NULL);
  CHECK(mdns_service_txt(&s, "TLS") == NULL);
  for (size_t i = 0; i < s.num_txt; i++)
    CHECK(strlen(s.txt[i]) <= MDNS_TXT_ITEM_MAX);
  mdns_service_clear(&s);
  ippDelete(a);

  q.color = QUIRE_COLOR_MONOCHROME;
  q.duplex = QUIRE_DUPLEX_OFF;
  q.auth_basic = true;
  a = attrs_for(&q);
  CHECK(mdns_service_from_ipp(&s, a, true, &err));
  CHECK_STR(mdns_service_txt(&s, "Color"), "F");
  CHECK_STR(mdns_service_txt(&s, "Duplex"), "F");
  CHECK_STR(mdns_service_txt(&s, "air"), "username,password");
  CHECK_STR(mdns_service_txt(&s, "TLS"), "1.2");
  CHECK(strstr(mdns_service_txt(&s, "URF"), "SRGB24") == NULL);
  mdns_service_clear(&s);
  ippDelete(a);
}

static void test_txt_limits(void)
{
  ipp_t *a = ippNew();
  const char *formats[40];
  char bufs[40][40];
  mdns_service_t s;
  char *err = NULL;

  for (int i = 0; i < 40; i++) {
    snprintf(bufs[i], sizeof(bufs[i]), "application/x-format-%02d", i);
    formats[i] = bufs[i];
  }
  CHECK(!mdns_service_from_ipp(&s, a, false, &err));  /* nothing to describe */
  CHECK(err && strstr(err, "lack"));
  free(err);
  err = NULL;
  ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_NAME, "printer-name", NULL, "q");
  ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_NAME, "printer-dns-sd-name", NULL, "Q");
  ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-make-and-model", NULL, "M");
  ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-more-info", NULL, "http://h/");
  ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-uuid", NULL, "urn:uuid:x");
  ippAddString(a, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-uri-supported", NULL, "ipp://h:631/ipp/print/q");
  ippAddStrings(a, IPP_TAG_PRINTER, IPP_TAG_MIMETYPE, "document-format-supported", 40, NULL, formats);
  CHECK(mdns_service_from_ipp(&s, a, false, &err));
  const char *pdl = mdns_service_txt(&s, "pdl");
  CHECK(pdl && strlen(pdl) + 4 <= MDNS_TXT_ITEM_MAX);
  CHECK(pdl && strlen(pdl) > 200);                       /* as many whole types as fit */
  CHECK(pdl && strncmp(pdl + strlen(pdl) - 24, ",application/x-format-", 22) == 0);  /* whole */
  mdns_service_clear(&s);
  ippDelete(a);
}

static void test_zone(void)
{
  char *text = NULL, *err = NULL;
  size_t len = 0;
  char *txt[] = {"txtvers=1", "note=say \"hi\"\\", "ty=Caf\xc3\xa9"};
  mdns_service_t s = {.queue = "q", .name = "Caf\xc3\xa9 2.0 \"best\"", .resource = "ipp/print/q",
                      .txt = txt, .num_txt = 3};
  const char *addrs[] = {"192.0.2.1", "2001:db8::1"};
  mdns_zone_opts_t o = {.domain = "ex.test", .host = "gw", .addrs = addrs, .num_addrs = 2,
                        .port = 631, .ttl = 60, .serial = 7};
  FILE *f = open_memstream(&text, &len);

  CHECK(mdns_zone_write(f, &o, &s, 1, &err));
  fclose(f);
  CHECK(strstr(text, "$ORIGIN ex.test.") != NULL);
  CHECK(strstr(text, "_universal._sub._ipp._tcp\tIN\tPTR\tCaf\\195\\169\\0322\\.0\\032\\\"best\\\"._ipp._tcp") != NULL);
  CHECK(strstr(text, "\"note=say \\\"hi\\\"\\\\\"") != NULL);
  CHECK(strstr(text, "\"ty=Caf\\195\\169\"") != NULL);
  CHECK(strstr(text, "SRV\t0 0 631 gw\n") != NULL);
  CHECK(strstr(text, "gw\tIN\tAAAA\t2001:db8::1") != NULL);
  free(text);

  o.domain = "bad domain";
  f = open_memstream(&text, &len);
  CHECK(!mdns_zone_write(f, &o, &s, 1, &err) && err && strstr(err, "not a valid"));
  fclose(f);
  free(text);
  free(err);
  err = NULL;
  o.domain = "ex.test";
  addrs[1] = "2001:zz::1";
  f = open_memstream(&text, &len);
  CHECK(!mdns_zone_write(f, &o, &s, 1, &err) && err && strstr(err, "2001:zz::1"));
  fclose(f);
  free(text);
  free(err);
}

int main(void)
{
  test_names();
  test_txt_from_attrs();
  test_txt_limits();
  test_zone();
  return test_summary();
}
