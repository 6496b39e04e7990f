/*
 * test.h: the few macros quire's C unit tests share. Each test program ends by printing
 * "N passed, N failed" (tests/run adds them up) and exits non-zero if anything failed.
 */
#ifndef QUIRE_TEST_H
#define QUIRE_TEST_H

#include <stdio.h>
#include <string.h>

static int test_passed, test_failed;

/* Records one check; prints the failing expression and its location. */
#define CHECK(expr) do { \
    if (expr) test_passed++; \
    else { test_failed++; fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #expr); } \
  } while (0)

#define CHECK_STR(a, b) do { \
    const char *a_ = (a), *b_ = (b); \
    if (a_ && b_ && !strcmp(a_, b_)) test_passed++; \
    else { test_failed++; fprintf(stderr, "FAIL %s:%d: %s == %s (\"%s\" vs \"%s\")\n", \
                                  __FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } \
  } while (0)

/* Prints the summary line and returns the exit status for main. */
static inline int test_summary(void)
{
  printf("%d passed, %d failed\n", test_passed, test_failed);
  return test_failed ? 1 : 0;
}

#endif
