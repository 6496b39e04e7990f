/*
 * options.c: quire-render's command line, media names and format detection.
 */
#include "render-private.h"

#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_COPIES 999
#define MAX_JOBS 16
#define DEFAULT_MAX_JOBS 4

static const char usage_text[] =
    "usage: quire-render IN [-o OUT] [--to pwg|pdf|jpeg] [--format MIME] [--resolution DPI]\n"
    "         [--color srgb|sgray] [--media PWG_MEDIA_NAME]\n"
    "         [--sides one-sided|two-sided-long-edge|two-sided-short-edge] [--copies N]\n"
    "         [--print-scaling auto|auto-fit|fit|fill|none] [--info] [--thumbnail FILE.jpg]\n"
    "         [--jobs N]\n";

/* Parses a whole decimal number in [lo, hi]. */
static bool parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *v)
{
  char *end = NULL;
  if (!s || !*s || *s == '-' || *s == '+')
    return false;
  unsigned long n = strtoul(s, &end, 10);
  if (*end || n < lo || n > hi)
    return false;
  *v = (unsigned)n;
  return true;
}

/* Finds s in a NULL-terminated table; index or -1. */
static int keyword_index(const char *s, const char *const *table)
{
  for (int i = 0; table[i]; i++)
    if (!strcmp(s, table[i]))
      return i;
  return -1;
}

/* Size of a PWG 5101.1 self-describing media name, "class_name_WxHunit" (unit mm or in, e.g.
 * iso_a4_210x297mm, na_letter_8.5x11in), in points. Computed as libcups does (hundredths of
 * a millimetre first), so page sizes match what libcups-based printers expect. */
bool render_media_lookup(const char *name, double *w, double *h)
{
  const char *dims = strrchr(name, '_');
  if (!dims || dims == name || !strchr(dims + 1, 'x'))
    return false;
  char *end = NULL;
  double a = strtod(dims + 1, &end);
  if (end == dims + 1 || *end != 'x')
    return false;
  const char *second = end + 1;
  double b = strtod(second, &end);
  if (end == second || (strcmp(end, "mm") && strcmp(end, "in")))
    return false;
  double per = !strcmp(end, "mm") ? 100.0 : 2540.0; /* hundredths of mm per unit */
  long wh = lround(a * per), hh = lround(b * per);
  if (!(a > 0 && b > 0) || wh < 1 || hh < 1 || wh > 100000000L || hh > 100000000L)
    return false;
  *w = wh * 72.0 / 2540.0;
  *h = hh * 72.0 / 2540.0;
  return true;
}

/* Format named by a MIME type (parameters after ';' ignored). */
render_format_t render_format_from_mime(const char *mime)
{
  static const struct {
    const char *mime;
    render_format_t format;
  } table[] = {{"application/pdf", RENDER_FORMAT_PDF},
               {"application/PCLm", RENDER_FORMAT_PDF},
               {"image/jpeg", RENDER_FORMAT_JPEG},
               {"image/urf", RENDER_FORMAT_URF},
               {"image/pwg-raster", RENDER_FORMAT_PWG}};
  size_t len = strcspn(mime, "; \t");
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
    if (strlen(table[i].mime) == len && !strncasecmp(mime, table[i].mime, len))
      return table[i].format;
  return RENDER_FORMAT_NONE;
}

/* Format from the magic bytes at the start of a file. */
render_format_t render_format_sniff(const unsigned char *h, size_t len)
{
  if (len >= 5 && !memcmp(h, "%PDF-", 5))
    return RENDER_FORMAT_PDF;
  if (len >= 3 && h[0] == 0xFF && h[1] == 0xD8 && h[2] == 0xFF)
    return RENDER_FORMAT_JPEG;
  if (len >= 8 && !memcmp(h, "UNIRAST", 8))
    return RENDER_FORMAT_URF;
  if (len >= 4 && !memcmp(h, "RaS2", 4))
    return RENDER_FORMAT_PWG;
  return RENDER_FORMAT_NONE;
}

/* MIME type of a format; static string. */
const char *render_format_mime(render_format_t format)
{
  switch (format) {
  case RENDER_FORMAT_PDF:
    return "application/pdf";
  case RENDER_FORMAT_JPEG:
    return "image/jpeg";
  case RENDER_FORMAT_URF:
    return "image/urf";
  case RENDER_FORMAT_PWG:
    return "image/pwg-raster";
  default:
    return "application/octet-stream";
  }
}

/* IPP keyword of a sides value; static string. */
const char *render_sides_name(render_sides_t sides)
{
  static const char *const names[] = {"one-sided", "two-sided-long-edge", "two-sided-short-edge"};
  return names[sides];
}

/* Number of worker processes when --jobs is not given: online CPUs, at most 4. */
static unsigned default_jobs(void)
{
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1)
    return 1;
  return n > DEFAULT_MAX_JOBS ? DEFAULT_MAX_JOBS : (unsigned)n;
}

/* Applies one option; false (usage error recorded) for a bad value. */
static bool apply_option(render_opts_t *o, int c, const char *arg, render_error_t *err)
{
  static const char *const tos[] = {"none", "pwg", "pdf", "jpeg", NULL};
  static const char *const colors[] = {"srgb", "sgray", NULL};
  static const char *const sides[] = {"one-sided", "two-sided-long-edge",
                                      "two-sided-short-edge", NULL};
  static const char *const scalings[] = {"auto", "auto-fit", "fit", "fill", "none", NULL};
  int i;

  switch (c) {
  case 'o':
    o->output = arg;
    return true;
  case 't':
    if ((i = keyword_index(arg, tos)) <= 0)
      return render_fail(err, RENDER_EXIT_USAGE, "--to must be pwg, pdf or jpeg, not \"%s\"", arg);
    o->to = (render_to_t)i;
    return true;
  case 'f':
    o->format = arg;
    return true;
  case 'r':
    o->resolution_set = true;
    if (!parse_uint(arg, RENDER_MIN_RESOLUTION, RENDER_MAX_RESOLUTION, &o->resolution))
      return render_fail(err, RENDER_EXIT_USAGE, "--resolution must be %d to %d dpi, not \"%s\"",
                         RENDER_MIN_RESOLUTION, RENDER_MAX_RESOLUTION, arg);
    return true;
  case 'c':
    if ((i = keyword_index(arg, colors)) < 0)
      return render_fail(err, RENDER_EXIT_USAGE, "--color must be srgb or sgray, not \"%s\"", arg);
    o->gray = i == 1;
    return true;
  case 'm':
    o->media = arg;
    if (!render_media_lookup(arg, &o->media_w, &o->media_h))
      return render_fail(err, RENDER_EXIT_USAGE, "unknown media \"%s\"", arg);
    return true;
  case 's':
    if ((i = keyword_index(arg, sides)) < 0)
      return render_fail(err, RENDER_EXIT_USAGE, "unknown --sides value \"%s\"", arg);
    o->sides = (render_sides_t)i;
    return true;
  case 'n':
    if (!parse_uint(arg, 1, MAX_COPIES, &o->copies))
      return render_fail(err, RENDER_EXIT_USAGE, "--copies must be 1 to %d", MAX_COPIES);
    return true;
  case 'p':
    if ((i = keyword_index(arg, scalings)) < 0)
      return render_fail(err, RENDER_EXIT_USAGE, "unknown --print-scaling value \"%s\"", arg);
    o->scaling = (render_scaling_t)i;
    return true;
  case 'i':
    o->info = true;
    return true;
  case 'T':
    o->thumbnail = arg;
    return true;
  case 'j':
    if (!parse_uint(arg, 1, MAX_JOBS, &o->jobs))
      return render_fail(err, RENDER_EXIT_USAGE, "--jobs must be 1 to %d", MAX_JOBS);
    return true;
  default:
    return render_fail(err, RENDER_EXIT_USAGE, "bad option (see --help)");
  }
}

/* Checks that the options make one coherent run. */
static bool check_options(render_opts_t *o, render_error_t *err)
{
  if (!o->input)
    return render_fail(err, RENDER_EXIT_USAGE, "no input file (see --help)");
  if (o->output && o->to == RENDER_TO_NONE)
    o->to = RENDER_TO_PWG;
  if (!o->output && o->to != RENDER_TO_NONE)
    return render_fail(err, RENDER_EXIT_USAGE, "--to needs -o OUT");
  if (!o->output && !o->info && !o->thumbnail)
    return render_fail(err, RENDER_EXIT_USAGE, "nothing to do: give -o, --info or --thumbnail");
  if (o->info && o->output && !strcmp(o->output, "-"))
    return render_fail(err, RENDER_EXIT_USAGE, "--info prints on standard output: -o - is taken");
  if (o->thumbnail && !strcmp(o->thumbnail, "-") && (o->info || (o->output && !strcmp(o->output, "-"))))
    return render_fail(err, RENDER_EXIT_USAGE, "only one output can go to standard output");
  return true;
}

/* Parses the command line; --help prints the usage and exits 0. */
bool render_opts_parse(render_opts_t *o, int argc, char **argv, render_error_t *err)
{
  static const struct option longopts[] = {
      {"output", required_argument, NULL, 'o'},     {"to", required_argument, NULL, 't'},
      {"format", required_argument, NULL, 'f'},     {"resolution", required_argument, NULL, 'r'},
      {"color", required_argument, NULL, 'c'},      {"media", required_argument, NULL, 'm'},
      {"sides", required_argument, NULL, 's'},      {"copies", required_argument, NULL, 'n'},
      {"print-scaling", required_argument, NULL, 'p'}, {"info", no_argument, NULL, 'i'},
      {"thumbnail", required_argument, NULL, 'T'},  {"jobs", required_argument, NULL, 'j'},
      {"help", no_argument, NULL, 'h'},             {NULL, 0, NULL, 0}};

  memset(o, 0, sizeof(*o));
  o->resolution = 300;
  o->media = "iso_a4_210x297mm";
  o->copies = 1;
  o->jobs = default_jobs();
  if (!render_media_lookup(o->media, &o->media_w, &o->media_h))
    return render_fail(err, RENDER_EXIT_SYSTEM, "libcups does not know A4");

  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) { /* GNU: IN anywhere */
    if (c == 'h') {
      fputs(usage_text, stdout);
      exit(RENDER_EXIT_OK);
    }
    if (c == '?' || c == ':')
      return render_fail(err, RENDER_EXIT_USAGE, "unknown option or missing value: %s",
                         argv[optind - 1]);
    if (!apply_option(o, c, optarg, err))
      return false;
  }
  if (optind < argc)
    o->input = argv[optind++];
  if (optind < argc)
    return render_fail(err, RENDER_EXIT_USAGE, "unexpected argument \"%s\"", argv[optind]);
  return check_options(o, err);
}
