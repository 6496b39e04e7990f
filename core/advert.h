/*
 * advert.h: what each queue is advertised as on the network right now (DNS-SD instance name
 * and state). The mdns module writes it; the admin API and `quire status` read it. A small
 * thread-safe table, so neither side needs to know the other.
 */
#ifndef QUIRE_ADVERT_H
#define QUIRE_ADVERT_H

#include <stddef.h>
#include <time.h>

typedef struct advert_table_s advert_table_t;

/* One queue's advertisement. */
typedef struct advert_entry_s {
  char *queue;   /* queue name */
  char *name;    /* DNS-SD instance name in use */
  char *state;   /* "established", "renamed", "registering", "waiting-for-avahi", ... */
  time_t since;  /* when the state was set */
} advert_entry_t;

/* Creates an empty table. Caller frees it with advert_table_free. */
advert_table_t *advert_table_new(void);

void advert_table_free(advert_table_t *t);

/* Sets the advertisement of `queue`; a NULL `name` removes the queue from the table. */
void advert_table_set(advert_table_t *t, const char *queue, const char *name, const char *state);

/* Returns a copy of the table sorted by queue (caller frees with advert_entries_free). */
advert_entry_t *advert_table_list(advert_table_t *t, size_t *count);

void advert_entries_free(advert_entry_t *entries, size_t count);

#endif
