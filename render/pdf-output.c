/*
 * pdf-output.c: PDF output. A PDF input is copied byte for byte (it was opened and checked
 * first); images and raster pages are placed on media-size pages through cairo's PDF surface
 * (print-scaling, centred, no margins), the image embedded at the resolution it was decoded
 * at (JPEG: DCT-scaled to at least --resolution on the page).
 */
#include "render-private.h"

#include <cairo-pdf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COPY_BUFFER (1u << 20)

/* Copies path to fd. */
bool render_copy_file(const char *path, int fd, render_error_t *err)
{
  int in = open(path, O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return render_fail(err, RENDER_EXIT_SYSTEM, "cannot open %s: %s", path, strerror(errno));
  unsigned char *buf = malloc(COPY_BUFFER);
  bool ok = buf || render_fail(err, RENDER_EXIT_SYSTEM, "out of memory");
  while (ok) {
    long long n = render_read_full(in, buf, COPY_BUFFER);
    if (n < 0)
      ok = render_fail(err, RENDER_EXIT_SYSTEM, "cannot read %s: %s", path, strerror(errno));
    else if (n == 0)
      break;
    else if (!render_write_all(fd, buf, (size_t)n))
      ok = render_fail(err, RENDER_EXIT_SYSTEM, "cannot write the output: %s", strerror(errno));
  }
  free(buf);
  close(in);
  return ok;
}

/* cairo write callback state: the fd, and whether a write failed. */
typedef struct pdf_sink_s {
  int fd;
  bool failed;
} pdf_sink_t;

/* Passes cairo's PDF bytes to the fd. */
static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int len)
{
  pdf_sink_t *s = closure;
  if (!s->failed && !render_write_all(s->fd, data, len))
    s->failed = true;
  return s->failed ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* Draws every page of doc on its own media-size PDF page. */
bool render_pdf_write(render_doc_t *doc, const render_opts_t *o, int fd, render_error_t *err)
{
  render_geom_t g;
  if (!render_geom_init(&g, o->media_w, o->media_h, o->resolution, o->resolution, err))
    return false;
  pdf_sink_t sink = {fd, false};
  cairo_surface_t *s = cairo_pdf_surface_create_for_stream(sink_write, &sink, o->media_w,
                                                           o->media_h);
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "quire-render");
  cairo_t *cr = cairo_create(s);
  bool ok = cairo_status(cr) == CAIRO_STATUS_SUCCESS ||
            render_fail(err, RENDER_EXIT_SYSTEM, "cannot start the PDF");
  for (unsigned i = 0; ok && i < doc->pages; i++) {
    if (!doc->ops->page_open(doc, i, &g, err)) {
      ok = false;
      break;
    }
    cairo_matrix_t layout;
    render_layout(o->media_w, o->media_h, &doc->content, o->scaling, &layout);
    cairo_save(cr);
    cairo_transform(cr, &layout);
    doc->ops->page_paint(doc, cr);
    cairo_restore(cr);
    cairo_show_page(cr);
    doc->ops->page_close(doc);
    ok = cairo_status(cr) == CAIRO_STATUS_SUCCESS ||
         render_fail(err, RENDER_EXIT_SYSTEM, "cannot write the PDF: %s",
                     cairo_status_to_string(cairo_status(cr)));
  }
  cairo_destroy(cr);
  cairo_surface_finish(s);
  if (ok && (sink.failed || cairo_surface_status(s) != CAIRO_STATUS_SUCCESS))
    ok = render_fail(err, RENDER_EXIT_SYSTEM, "cannot write the PDF: %s",
                     sink.failed ? strerror(errno) : cairo_status_to_string(cairo_surface_status(s)));
  cairo_surface_destroy(s);
  return ok;
}
