/*
 * advert.c: the table of current DNS-SD advertisements (see advert.h).
 */
#include "advert.h"

#include "util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct advert_table_s {
  pthread_mutex_t lock;
  advert_entry_t *entries;
  size_t count;
};

advert_table_t *advert_table_new(void)
{
  advert_table_t *t = calloc(1, sizeof(*t));
  if (!t)
    abort();
  pthread_mutex_init(&t->lock, NULL);
  return t;
}

/* Frees the strings of one entry. */
static void advert_entry_clear(advert_entry_t *e)
{
  free(e->queue);
  free(e->name);
  free(e->state);
}

void advert_table_free(advert_table_t *t)
{
  if (!t)
    return;
  advert_entries_free(t->entries, t->count);
  pthread_mutex_destroy(&t->lock);
  free(t);
}

void advert_table_set(advert_table_t *t, const char *queue, const char *name, const char *state)
{
  size_t i;

  pthread_mutex_lock(&t->lock);
  for (i = 0; i < t->count && strcmp(t->entries[i].queue, queue); i++)
    ;
  if (!name) {
    if (i < t->count) {
      advert_entry_clear(&t->entries[i]);
      t->entries[i] = t->entries[--t->count];
    }
  } else {
    if (i == t->count) {
      advert_entry_t *n = realloc(t->entries, (t->count + 1) * sizeof(*n));
      if (!n)
        abort();
      t->entries = n;
      t->entries[t->count++] = (advert_entry_t){.queue = util_strdup(queue)};
    }
    advert_entry_t *e = &t->entries[i];
    free(e->name);
    free(e->state);
    e->name = util_strdup(name);
    e->state = util_strdup(state ? state : "");
    e->since = time(NULL);
  }
  pthread_mutex_unlock(&t->lock);
}

/* Orders entries by queue name. */
static int advert_cmp(const void *a, const void *b)
{
  return strcmp(((const advert_entry_t *)a)->queue, ((const advert_entry_t *)b)->queue);
}

advert_entry_t *advert_table_list(advert_table_t *t, size_t *count)
{
  advert_entry_t *out;

  pthread_mutex_lock(&t->lock);
  *count = t->count;
  if (!(out = calloc(t->count ? t->count : 1, sizeof(*out))))
    abort();
  for (size_t i = 0; i < t->count; i++)
    out[i] = (advert_entry_t){util_strdup(t->entries[i].queue), util_strdup(t->entries[i].name),
                              util_strdup(t->entries[i].state), t->entries[i].since};
  pthread_mutex_unlock(&t->lock);
  qsort(out, *count, sizeof(*out), advert_cmp);
  return out;
}

void advert_entries_free(advert_entry_t *entries, size_t count)
{
  for (size_t i = 0; i < count; i++)
    advert_entry_clear(&entries[i]);
  free(entries);
}
