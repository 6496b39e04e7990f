# tests/bench/: benchmark tools. Included by the top-level Makefile; adds to TOOL_BINS.

# Render bench (tests/bench/render-run): the peers it runs, and the tools it builds.
#   cups-filters: pdftoraster, imagetoraster;  cups: rastertopwg (imagetoraster writes CUPS
#   raster, converted to PWG);  poppler-utils: pdftocairo;  ghostscript is in PACKAGES already.
PACKAGES += cups-filters cups poppler-utils

TOOL_BINS += $(B)/tests/mkrenderdocs $(B)/tests/runstat $(B)/tests/rasterinfo

$(B)/tests/mkrenderdocs: $(B)/tests/bench/mkrenderdocs.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS) -ljpeg -lm

$(B)/tests/runstat: $(B)/tests/bench/runstat.o
	$(CC) $(ALL_CFLAGS) -o $@ $^

$(B)/tests/rasterinfo: $(B)/tests/bench/rasterinfo.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)
