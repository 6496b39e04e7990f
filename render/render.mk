# render/: document rendering and analysis (issue 4). Included by the top-level Makefile.
# Adds its Debian packages to PACKAGES, its binaries to RENDER_BINS, unit tests to TEST_BINS.
