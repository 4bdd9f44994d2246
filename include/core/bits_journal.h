/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The outcome journal of a store: one line per session that ended, so that
 * a status page or bitsctl can say how many uploads completed or failed in
 * the last hour or day after their records are gone.
 *   Journal/events-<hour>   <hour> = seconds since the epoch / 3600
 * Each line is "<unix seconds> <outcome> 0x<code> <bytes> <ID>\n", appended
 * with one O_APPEND write (shorter than PIPE_BUF, so concurrent writers on
 * one machine never interleave).  Crash-safe: a line cut short by a crash
 * has no newline or does not parse, and readers skip it; nothing is ever
 * rewritten.  Bounded: a new hour's file removes those older than
 * BITS_JOURNAL_KEEP_HOURS.  Not synced: a few lines lost to a power cut
 * only make statistics low.  APR only (unit-tested). */
#ifndef BITS_JOURNAL_H
#define BITS_JOURNAL_H

#include <apr_pools.h>
#include <apr_time.h>
#include "bits_guid.h"
#include "bits_session.h"

#define BITS_JOURNAL_DIR        "Journal"
#define BITS_JOURNAL_PREFIX     "events-"
#define BITS_JOURNAL_KEEP_HOURS 48

typedef enum {
    BITS_OUTCOME_COMPLETED = 0, /* uploaded (and delivered), then closed */
    BITS_OUTCOME_CANCELLED,     /* Cancel-Session before completion */
    BITS_OUTCOME_EXPIRED,       /* idle beyond the timeout, or over the limit */
    BITS_OUTCOME_REFUSED,       /* the application refused it (403) */
    BITS_OUTCOME_INCOMPLETE,    /* Close-Session before completion */
    BITS_OUTCOME_COUNT
} bits_outcome_t;

typedef struct {
    apr_time_t when;            /* whole seconds */
    bits_outcome_t outcome;
    apr_uint32_t code;          /* BITS error code the client got, 0 if none */
    apr_off_t bytes;            /* bytes received */
    char id[BITS_GUID_LEN + 1];
} bits_journal_event_t;

const char *bits_outcome_name(bits_outcome_t o);

/* The event of a session that goes from state `was` to `terminal`. */
void bits_journal_event_of(bits_journal_event_t *ev, const bits_session_t *s,
                           bits_state_t was, bits_state_t terminal, apr_time_t now);

/* One line of the journal (with its newline), and back: 0 if the line is
 * not a whole, well-formed event. */
const char *bits_journal_format(const bits_journal_event_t *ev, apr_pool_t *p);
int bits_journal_parse(bits_journal_event_t *ev, const char *line, apr_size_t len);

/* Appends the event to the store's journal (creating Journal/ and the
 * hour's file, pruning old hours when it starts a new one). */
apr_status_t bits_journal_append(const char *store, const bits_journal_event_t *ev,
                                 apr_pool_t *p);

/* Calls fn for every well-formed event with since <= when <= until, oldest
 * hour first; a non-zero return stops the walk. */
typedef int (*bits_journal_fn)(void *baton, const bits_journal_event_t *ev);
apr_status_t bits_journal_read(const char *store, apr_time_t since, apr_time_t until,
                               bits_journal_fn fn, void *baton, apr_pool_t *p);

#endif
