/*
 * pdf-input.c: PDF documents through poppler-glib, one page in memory at a time.
 *
 * Before poppler sees the file, its tail is checked (render_pdf_check_xref): poppler silently
 * rebuilds a missing or broken cross-reference table by scanning the file, which can hide a
 * truncated upload and miscount pages, so such files are refused as damaged instead. Every
 * page's size is checked against RENDER_MAX_PAGE_MM when the document is opened, before any
 * output is written. Pages are drawn with poppler_page_render_for_printing (annotations as
 * printed, not as displayed).
 *
 * poppler-glib is loaded with dlopen when a PDF is opened, not linked: it and its C++
 * dependencies cost about 5 ms of start-up (relocations) that JPEG and raster jobs do not need.
 * The functions used are looked up into the document's own table (no global state).
 */
#include "render-private.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poppler.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TAIL_BYTES 4096 /* %%EOF and startxref must be in the last 4 KiB */
#define MM_TO_PT (72.0 / 25.4)
#ifndef RENDER_POPPLER_SONAME
#define RENDER_POPPLER_SONAME "libpoppler-glib.so.8"
#endif

/* The poppler-glib functions quire-render calls, looked up in the loaded library. */
typedef struct poppler_api_s {
  void *handle;
  PopplerDocument *(*new_from_fd)(int fd, const char *password, GError **error);
  int (*get_n_pages)(PopplerDocument *doc);
  PopplerPage *(*get_page)(PopplerDocument *doc, int index);
  void (*get_size)(PopplerPage *page, double *w, double *h);
  void (*render_for_printing)(PopplerPage *page, cairo_t *cr);
  GQuark (*error_quark)(void);
} poppler_api_t;

typedef struct pdf_doc_s {
  render_doc_t base;
  poppler_api_t api;
  PopplerDocument *doc;
  PopplerPage *page;
} pdf_doc_t;

/* Loads poppler-glib and looks up every function; false (system error) if any is missing. */
static bool api_load(poppler_api_t *api, render_error_t *err)
{
  api->handle = dlopen(RENDER_POPPLER_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (!api->handle)
    return render_fail(err, RENDER_EXIT_SYSTEM, "cannot load %s: %s", RENDER_POPPLER_SONAME,
                       dlerror());
  struct {
    void **slot;
    const char *name;
  } syms[] = {{(void **)&api->new_from_fd, "poppler_document_new_from_fd"},
              {(void **)&api->get_n_pages, "poppler_document_get_n_pages"},
              {(void **)&api->get_page, "poppler_document_get_page"},
              {(void **)&api->get_size, "poppler_page_get_size"},
              {(void **)&api->render_for_printing, "poppler_page_render_for_printing"},
              {(void **)&api->error_quark, "poppler_error_quark"}};
  for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
    if (!(*syms[i].slot = dlsym(api->handle, syms[i].name)))
      return render_fail(err, RENDER_EXIT_SYSTEM, "%s lacks %s", RENDER_POPPLER_SONAME,
                         syms[i].name);
  return true;
}

/* Last occurrence of needle in hay[0..len), or NULL. */
static const char *find_last(const char *hay, size_t len, const char *needle)
{
  size_t n = strlen(needle);
  for (size_t i = len >= n ? len - n + 1 : 0; i-- > 0;)
    if (!memcmp(hay + i, needle, n))
      return hay + i;
  return NULL;
}

/* True if p (len bytes) starts, after whitespace, with "xref" or "N G obj". */
static bool looks_like_xref(const char *p, size_t len)
{
  size_t i = 0;
  while (i < len && i < 4 && isspace((unsigned char)p[i]))
    i++;
  if (len - i >= 4 && !memcmp(p + i, "xref", 4))
    return true;
  for (int field = 0; field < 2; field++) {
    size_t start = i;
    while (i < len && isdigit((unsigned char)p[i]))
      i++;
    if (i == start || i >= len || !isspace((unsigned char)p[i]))
      return false;
    while (i < len && isspace((unsigned char)p[i]))
      i++;
  }
  return len - i >= 3 && !memcmp(p + i, "obj", 3);
}

/* Checks %%EOF and the startxref pointer at the end of the file. */
bool render_pdf_check_xref(int fd, render_error_t *err)
{
  struct stat st;
  if (fstat(fd, &st) != 0)
    return render_fail(err, RENDER_EXIT_SYSTEM, "cannot read the PDF: %s", strerror(errno));
  off_t size = st.st_size;
  char tail[TAIL_BYTES + 1];
  size_t n = size < TAIL_BYTES ? (size_t)size : TAIL_BYTES;
  if (pread(fd, tail, n, size - (off_t)n) != (ssize_t)n)
    return render_fail(err, RENDER_EXIT_SYSTEM, "cannot read the PDF: %s", strerror(errno));
  tail[n] = '\0';
  const char *eof = find_last(tail, n, "%%EOF");
  if (!eof)
    return render_fail(err, RENDER_EXIT_FORMAT,
                       "the PDF is damaged: it ends without an end-of-file marker (truncated?)");
  const char *sx = find_last(tail, (size_t)(eof - tail), "startxref");
  char *end = NULL;
  long long off = sx ? strtoll(sx + 9, &end, 10) : -1;
  char at[64];
  ssize_t got = off >= 0 && off < size ? pread(fd, at, sizeof(at), (off_t)off) : -1;
  if (got <= 0 || !looks_like_xref(at, (size_t)got))
    return render_fail(err, RENDER_EXIT_FORMAT,
                       "the PDF is damaged: no valid cross-reference table");
  return true;
}

/* Checks one page's size against the limits. */
static bool check_page(const poppler_api_t *api, PopplerDocument *d, int i, render_error_t *err)
{
  PopplerPage *page = api->get_page(d, i);
  if (!page)
    return render_fail(err, RENDER_EXIT_FORMAT, "the PDF is damaged: page %d is missing", i + 1);
  double w = 0, h = 0, max = RENDER_MAX_PAGE_MM * MM_TO_PT;
  api->get_size(page, &w, &h);
  g_object_unref(page);
  if (!(w >= 1 && h >= 1))
    return render_fail(err, RENDER_EXIT_UNPRINTABLE, "page %d of the PDF has no area", i + 1);
  if (w > max || h > max)
    return render_fail(err, RENDER_EXIT_UNPRINTABLE,
                       "page %d of the PDF is %.0f x %.0f mm, larger than the %.0f mm limit",
                       i + 1, w / MM_TO_PT, h / MM_TO_PT, RENDER_MAX_PAGE_MM);
  return true;
}

/* Loads page `index` and records its size (after /Rotate). */
static bool pdf_page_open(render_doc_t *base, unsigned index, const render_geom_t *g,
                          render_error_t *err)
{
  pdf_doc_t *d = (pdf_doc_t *)base;
  (void)g;
  d->page = d->api.get_page(d->doc, (int)index);
  if (!d->page)
    return render_fail(err, RENDER_EXIT_FORMAT, "the PDF is damaged: page %u is missing",
                       index + 1);
  d->api.get_size(d->page, &base->page_w, &base->page_h);
  base->content.width = base->page_w;
  base->content.height = base->page_h;
  base->content.size_known = true;
  base->content.is_image = false;
  return true;
}

/* Draws the page as printed (annotations with the Print flag). */
static void pdf_page_paint(render_doc_t *base, cairo_t *cr)
{
  pdf_doc_t *d = (pdf_doc_t *)base;
  d->api.render_for_printing(d->page, cr);
}

/* Drops the page. */
static void pdf_page_close(render_doc_t *base)
{
  pdf_doc_t *d = (pdf_doc_t *)base;
  if (d->page)
    g_object_unref(d->page);
  d->page = NULL;
}

/* Frees the document; the fd was poppler's. */
static void pdf_close(render_doc_t *base)
{
  pdf_doc_t *d = (pdf_doc_t *)base;
  pdf_page_close(base);
  if (d->doc)
    g_object_unref(d->doc);
  /* poppler-glib stays loaded: unloading C++ libraries with static objects is unsafe */
  free(d);
}

static const render_doc_ops_t pdf_ops = {pdf_page_open, pdf_page_paint, pdf_page_close,
                                         pdf_close};

/* Maps a poppler open error to an exit status and message. */
static void open_error(const poppler_api_t *api, GError *gerr, render_error_t *err)
{
  if (gerr && gerr->domain == api->error_quark() && gerr->code == POPPLER_ERROR_ENCRYPTED)
    render_fail(err, RENDER_EXIT_UNPRINTABLE, "the PDF is protected by a password");
  else if (gerr && gerr->domain == G_FILE_ERROR)
    render_fail(err, RENDER_EXIT_SYSTEM, "cannot read the PDF: %s", gerr->message);
  else
    render_fail(err, RENDER_EXIT_FORMAT, "the PDF is damaged: %s",
                gerr ? gerr->message : "poppler cannot read it");
}

/* Opens the document with poppler and checks page count and page sizes. */
static bool pdf_load(pdf_doc_t *d, int fd, render_error_t *err)
{
  GError *gerr = NULL;
  d->doc = d->api.new_from_fd(fd, NULL, &gerr); /* owns fd from here on */
  if (!d->doc) {
    open_error(&d->api, gerr, err);
    g_clear_error(&gerr);
    return false;
  }
  int n = d->api.get_n_pages(d->doc);
  if (n <= 0)
    return render_fail(err, RENDER_EXIT_FORMAT, "the PDF is damaged: it has no pages");
  if (n > RENDER_MAX_PAGES)
    return render_fail(err, RENDER_EXIT_UNPRINTABLE, "the PDF has %d pages, over the %d-page limit",
                       n, RENDER_MAX_PAGES);
  for (int i = 0; i < n; i++)
    if (!check_page(&d->api, d->doc, i, err))
      return false;
  d->base.pages = (unsigned)n;
  return true;
}

/* Opens and checks a PDF. Caller closes. */
render_doc_t *render_pdf_open(const char *path, render_error_t *err)
{
  pdf_doc_t *d = calloc(1, sizeof(*d));
  if (!d) {
    render_fail(err, RENDER_EXIT_SYSTEM, "out of memory");
    return NULL;
  }
  d->base.ops = &pdf_ops;
  d->base.format = RENDER_FORMAT_PDF;
  d->base.band_bytes = RENDER_BAND_BYTES;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  bool ok = fd >= 0 ||
            render_fail(err, RENDER_EXIT_SYSTEM, "cannot open %s: %s", path, strerror(errno));
  ok = ok && render_pdf_check_xref(fd, err) && api_load(&d->api, err);
  if (!ok && fd >= 0)
    close(fd);
  if (!ok || !pdf_load(d, fd, err)) {
    pdf_close(&d->base);
    return NULL;
  }
  return &d->base;
}
