/*
 * info.c: the --info JSON object (json-glib), one line on standard output:
 *   {"format", "pages", "sheets", "color_pages", "mono_pages", "copies", "sides", "media",
 *    "color_mode", "analysis_resolution",
 *    "per_page": [{"page", "color", "width_pt", "height_pt", "coverage": {"c","m","y","k"}}]}
 */
#include "render-private.h"

#include <json-glib/json-glib.h>
#include <math.h>

/* Rounds to one decimal (page sizes in points). */
static double round1(double v)
{
  return floor(v * 10 + 0.5) / 10;
}

/* Adds one per_page entry. */
static void add_page(JsonBuilder *b, unsigned n, const render_page_info_t *p)
{
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "page");
  json_builder_add_int_value(b, n);
  json_builder_set_member_name(b, "color");
  json_builder_add_boolean_value(b, p->color);
  json_builder_set_member_name(b, "width_pt");
  json_builder_add_double_value(b, round1(p->width_pt));
  json_builder_set_member_name(b, "height_pt");
  json_builder_add_double_value(b, round1(p->height_pt));
  json_builder_set_member_name(b, "coverage");
  json_builder_begin_object(b);
  const char *names[] = {"c", "m", "y", "k"};
  const double values[] = {p->c, p->m, p->y, p->k};
  for (int i = 0; i < 4; i++) {
    json_builder_set_member_name(b, names[i]);
    json_builder_add_double_value(b, values[i]);
  }
  json_builder_end_object(b);
  json_builder_end_object(b);
}

/* Adds a member with an integer value. */
static void add_int(JsonBuilder *b, const char *name, gint64 v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_int_value(b, v);
}

/* Adds a member with a string value. */
static void add_str(JsonBuilder *b, const char *name, const char *v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_string_value(b, v);
}

/* Prints the JSON object for the analysed document. */
bool render_info_print(FILE *fp, const render_opts_t *o, render_format_t format,
                       unsigned pages, const render_page_info_t *info, render_error_t *err)
{
  unsigned color = 0;
  for (unsigned i = 0; i < pages; i++)
    color += info[i].color;
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  add_str(b, "format", render_format_mime(format));
  add_int(b, "pages", pages);
  add_int(b, "sheets",
          (gint64)render_sheet_count(pages, o->sides != RENDER_SIDES_ONE, o->copies));
  add_int(b, "color_pages", color);
  add_int(b, "mono_pages", pages - color);
  add_int(b, "copies", o->copies);
  add_str(b, "sides", render_sides_name(o->sides));
  add_str(b, "media", o->media);
  add_str(b, "color_mode", o->gray ? "sgray" : "srgb");
  add_int(b, "analysis_resolution",
          o->output && o->to == RENDER_TO_PWG ? o->resolution
          : o->resolution_set               ? o->resolution
                                            : RENDER_INFO_RESOLUTION);
  json_builder_set_member_name(b, "per_page");
  json_builder_begin_array(b);
  for (unsigned i = 0; i < pages; i++)
    add_page(b, i + 1, &info[i]);
  json_builder_end_array(b);
  json_builder_end_object(b);

  JsonNode *root = json_builder_get_root(b);
  JsonGenerator *gen = json_generator_new();
  json_generator_set_root(gen, root);
  gchar *text = json_generator_to_data(gen, NULL);
  bool ok = text && fprintf(fp, "%s\n", text) > 0 && fflush(fp) == 0;
  g_free(text);
  g_object_unref(gen);
  json_node_unref(root);
  g_object_unref(b);
  return ok || render_fail(err, RENDER_EXIT_SYSTEM, "cannot print the analysis");
}
