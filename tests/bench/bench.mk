# tests/bench/: benchmark tools. Included by the top-level Makefile; adds to TOOL_BINS.
