/*
 * txt.c: the DNS-SD description of a queue (instance name and TXT record), built from the
 * queue's printer attributes so that DNS-SD and Get-Printer-Attributes always agree.
 *
 * Keys follow the Bonjour Printing spec as AirPrint, Mopria and IPP Everywhere clients read
 * them (see docs/ARCHITECTURE.md, "Discovery"): txtvers, qtotal, rp, ty, adminurl, note,
 * priority, product, pdl, URF, UUID, Color, Duplex, TLS, kind, PaperMax, mopria-certified
 * and air.
 */
#include "mdns.h"

#include "../core/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TXT_MAX_ITEMS 24

/* A TXT record being built. */
typedef struct txt_builder_s {
  char **items;
  size_t count;
} txt_builder_t;

/* Appends "key=value"; a value that would pass the 255-byte limit is cut on a UTF-8
 * boundary (only free-text values can be that long; lists are cut by txt_list). */
static void txt_add(txt_builder_t *t, const char *key, const char *value)
{
  char cut[MDNS_TXT_ITEM_MAX + 1];
  size_t room = MDNS_TXT_ITEM_MAX - strlen(key) - 1;

  if (t->count >= TXT_MAX_ITEMS)
    return;
  t->items[t->count++] = util_printf("%s=%s", key, util_utf8_cut(cut, sizeof(cut), value, room));
}

/* Joins the values of `attr` with commas, skipping `skip` (may be NULL), keeping whole values
 * only while "key=" plus the list fits in 255 bytes. Returns a malloc'd string. */
static char *txt_list(ipp_attribute_t *attr, const char *key, const char *skip)
{
  size_t room = MDNS_TXT_ITEM_MAX - strlen(key) - 1, len = 0;
  char *out = util_strdup("");

  for (int i = 0; attr && i < ippGetCount(attr); i++) {
    const char *v = ippGetString(attr, i, NULL);
    if (!v || (skip && !strcmp(v, skip)))
      continue;
    size_t need = strlen(v) + (len ? 1 : 0);
    if (len + need > room)
      break;  /* drop the rest rather than cut a token in half */
    char *n = util_printf("%s%s%s", out, len ? "," : "", v);
    free(out);
    out = n;
    len += need;
  }
  return out;
}

/* String value `i` of the attribute `name`, or NULL. */
static const char *txt_attr_string(ipp_t *attrs, const char *name, int i)
{
  ipp_attribute_t *a = ippFindAttribute(attrs, name, IPP_TAG_ZERO);
  return a && i < ippGetCount(a) ? ippGetString(a, i, NULL) : NULL;
}

/* AirPrint's PaperMax class from the widest media-size-supported x-dimension (PAPPL's
 * thresholds, hundredths of millimetres). */
static const char *txt_paper_max(ipp_t *attrs)
{
  ipp_attribute_t *sizes = ippFindAttribute(attrs, "media-size-supported", IPP_TAG_BEGIN_COLLECTION);
  int widest = 0;

  for (int i = 0; sizes && i < ippGetCount(sizes); i++) {
    ipp_attribute_t *x = ippFindAttribute(ippGetCollection(sizes, i), "x-dimension",
                                          IPP_TAG_INTEGER);
    if (x && ippGetInteger(x, 0) > widest)
      widest = ippGetInteger(x, 0);
  }
  return widest < 21000 ? "<legal-A4" : widest < 29700 ? "legal-A4"
       : widest < 42000 ? "tabloid-A3" : widest < 59400 ? "isoC-A2" : ">isoC-A2";
}

/* The resource path of the first printer-uri-supported, without its leading '/'. */
static char *txt_resource(ipp_t *attrs)
{
  const char *uri = txt_attr_string(attrs, "printer-uri-supported", 0);
  char scheme[32], user[256], host[256], resource[1024];
  int port;

  if (!uri || httpSeparateURI(HTTP_URI_CODING_ALL, uri, scheme, sizeof(scheme), user,
                              sizeof(user), host, sizeof(host), &port, resource,
                              sizeof(resource)) < HTTP_URI_STATUS_OK)
    return NULL;
  return util_strdup(resource[0] == '/' ? resource + 1 : resource);
}

/* Adds the keys that describe capabilities (formats, colour, duplex, paper, kind). */
static void txt_add_capabilities(txt_builder_t *t, ipp_t *attrs)
{
  char *pdl = txt_list(ippFindAttribute(attrs, "document-format-supported", IPP_TAG_MIMETYPE),
                       "pdl", "application/octet-stream");
  char *urf = txt_list(ippFindAttribute(attrs, "urf-supported", IPP_TAG_KEYWORD), "URF", NULL);
  char *kind = txt_list(ippFindAttribute(attrs, "printer-kind", IPP_TAG_KEYWORD), "kind", NULL);
  ipp_attribute_t *color = ippFindAttribute(attrs, "color-supported", IPP_TAG_BOOLEAN);
  ipp_attribute_t *sides = ippFindAttribute(attrs, "sides-supported", IPP_TAG_KEYWORD);

  txt_add(t, "pdl", pdl);
  if (*urf)
    txt_add(t, "URF", urf);
  txt_add(t, "Color", color && ippGetBoolean(color, 0) ? "T" : "F");
  txt_add(t, "Duplex", sides && ippGetCount(sides) > 1 ? "T" : "F");
  if (*kind)
    txt_add(t, "kind", kind);
  txt_add(t, "PaperMax", txt_paper_max(attrs));
  free(pdl);
  free(urf);
  free(kind);
}

bool mdns_service_from_ipp(mdns_service_t *svc, ipp_t *attrs, bool tls, char **err)
{
  const char *queue = txt_attr_string(attrs, "printer-name", 0);
  const char *name = txt_attr_string(attrs, "printer-dns-sd-name", 0);
  const char *model = txt_attr_string(attrs, "printer-make-and-model", 0);
  const char *more = txt_attr_string(attrs, "printer-more-info", 0);
  const char *uuid = txt_attr_string(attrs, "printer-uuid", 0);
  const char *location = txt_attr_string(attrs, "printer-location", 0);
  const char *auth = txt_attr_string(attrs, "uri-authentication-supported", 0);
  const char *mopria = txt_attr_string(attrs, "mopria-certified", 0);
  char namebuf[MDNS_NAME_MAX + 1];

  memset(svc, 0, sizeof(*svc));
  svc->resource = txt_resource(attrs);
  if (!queue || !name || !model || !more || !uuid || !svc->resource) {
    *err = util_printf("queue %s: printer attributes lack a name, model, URI or UUID",
                       queue ? queue : "?");
    mdns_service_clear(svc);
    return false;
  }
  svc->queue = util_strdup(queue);
  svc->name = util_strdup(util_utf8_cut(namebuf, sizeof(namebuf), name, MDNS_NAME_MAX));
  svc->tls = tls;
  if (!(svc->txt = calloc(TXT_MAX_ITEMS, sizeof(char *))))
    abort();

  txt_builder_t t = {.items = svc->txt};
  char *product = util_printf("(%s)", model);
  txt_add(&t, "txtvers", "1");
  txt_add(&t, "qtotal", "1");
  txt_add(&t, "rp", svc->resource);
  txt_add(&t, "ty", model);
  txt_add(&t, "adminurl", more);
  txt_add(&t, "note", location ? location : "");
  txt_add(&t, "priority", "0");
  txt_add(&t, "product", product);
  txt_add_capabilities(&t, attrs);
  txt_add(&t, "UUID", strncmp(uuid, "urn:uuid:", 9) ? uuid : uuid + 9);
  if (tls)
    txt_add(&t, "TLS", "1.2");
  if (mopria)
    txt_add(&t, "mopria-certified", mopria);
  if (auth && !strcmp(auth, "basic"))
    txt_add(&t, "air", "username,password");
  free(product);
  svc->num_txt = t.count;
  return true;
}

const char *mdns_service_txt(const mdns_service_t *svc, const char *key)
{
  size_t klen = strlen(key);

  for (size_t i = 0; i < svc->num_txt; i++)
    if (!strncasecmp(svc->txt[i], key, klen) && svc->txt[i][klen] == '=')
      return svc->txt[i] + klen + 1;
  return NULL;
}

void mdns_service_clear(mdns_service_t *svc)
{
  for (size_t i = 0; i < svc->num_txt; i++)
    free(svc->txt[i]);
  free(svc->txt);
  free(svc->queue);
  free(svc->name);
  free(svc->resource);
  memset(svc, 0, sizeof(*svc));
}

void mdns_services_free(mdns_service_t *svcs, size_t count)
{
  for (size_t i = 0; i < count; i++)
    mdns_service_clear(&svcs[i]);
  free(svcs);
}

const char *mdns_name_candidate(char *buf, size_t size, const char *name, unsigned attempt)
{
  char suffix[16] = "";

  if (attempt > 0)
    snprintf(suffix, sizeof(suffix), " (%u)", attempt + 1);
  size_t max = MDNS_NAME_MAX - strlen(suffix);
  util_utf8_cut(buf, size, name, max < size - 1 ? max : size - 1);
  strncat(buf, suffix, size - strlen(buf) - 1);
  return buf;
}
