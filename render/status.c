/*
 * status.c: the parts of the quire-render contract the daemon shares (see render.h).
 */
#include "render.h"

/* Maps an exit status to its job-state-reasons keyword; static string. */
const char *render_exit_reason(int status)
{
  switch (status) {
  case RENDER_EXIT_UNSUPPORTED:
    return "document-format-not-supported";
  case RENDER_EXIT_FORMAT:
    return "document-format-error";
  case RENDER_EXIT_UNPRINTABLE:
    return "document-unprintable-error";
  default:
    return "aborted-by-system";
  }
}

/* Counts physical sheets: ceil(pages / 2) per copy two-sided, pages per copy one-sided. */
unsigned long render_sheet_count(unsigned long pages, bool two_sided, unsigned long copies)
{
  unsigned long per_copy = two_sided ? (pages + 1) / 2 : pages;
  return per_copy * copies;
}
