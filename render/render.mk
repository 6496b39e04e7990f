# render/: document rendering and analysis (issue 4). Included by the top-level Makefile.
# Adds its Debian packages to PACKAGES, its binaries to RENDER_BINS, unit tests to TEST_BINS.
#
# Only render objects are compiled with poppler's, libjpeg's and cairo-pdf's flags and only
# quire-render and the render tests link them: quired links none of it (render/status.o, the
# exit-status helpers, needs nothing but libc). quire-render loads poppler-glib with dlopen
# when it opens a PDF (start-up cost, see render/pdf-input.c) and does not link libcups.
PACKAGES += libpoppler-glib-dev poppler-utils cups-filters libjpeg62-turbo-dev binutils

RENDER_PKGS   = cairo cairo-pdf libjpeg glib-2.0 gobject-2.0 json-glib-1.0
RENDER_POPPLER_SONAME := $(shell objdump -p "$$(pkg-config --variable=libdir poppler-glib)/libpoppler-glib.so" 2>/dev/null | awk '/SONAME/ {print $$2}')
RENDER_CFLAGS = $(shell pkg-config --cflags poppler-glib $(RENDER_PKGS)) \
                $(if $(RENDER_POPPLER_SONAME),-DRENDER_POPPLER_SONAME='"$(RENDER_POPPLER_SONAME)"')
RENDER_LIBS   = $(shell pkg-config --libs $(RENDER_PKGS)) -ldl -lm
RENDER_TEST_LIBS = $(RENDER_LIBS) $(shell cups-config --libs)

# The renderer's objects, except main.o (unit tests link these too).
RENDER_LIB_OBJS = $(addprefix $(B)/render/, util.o options.o status.o layout.o band.o \
                    packbits.o raster-header.o analysis.o exif.o image.o pdf-input.o \
                    jpeg-input.o raster-input.o pwg-output.o jpeg-output.o pdf-output.o \
                    info.o pipeline.o workers.o)
RENDER_OBJS = $(RENDER_LIB_OBJS) $(B)/render/main.o
RENDER_TEST_OBJS = $(B)/tests/unit/test-render.o $(B)/tests/render/render-docs.o \
                   $(B)/tests/render/rastercheck.o

$(RENDER_OBJS) $(RENDER_TEST_OBJS): ALL_CFLAGS += $(RENDER_CFLAGS)

RENDER_BINS += $(B)/quire-render
TEST_BINS   += $(B)/tests/test-render
TOOL_BINS   += $(B)/tests/render-docs $(B)/tests/rastercheck

$(B)/quire-render: $(RENDER_OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(RENDER_LIBS)

$(B)/tests/test-render: $(B)/tests/unit/test-render.o $(RENDER_LIB_OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(RENDER_TEST_LIBS)

$(B)/tests/render-docs: $(B)/tests/render/render-docs.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(RENDER_LIBS)

$(B)/tests/rastercheck: $(B)/tests/render/rastercheck.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(RENDER_TEST_LIBS)
