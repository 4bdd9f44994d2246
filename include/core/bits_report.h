/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* What a store holds, for people: pages of its live sessions, a summary of
 * them, and what ended in the last hour and day.  Shared by the status
 * page (src/httpd/bits_status.c) and command-line tools, so it knows
 * nothing of how it is shown except the escaping every form needs.
 *
 * Cost, for a store of N live sessions: a page reads the index's
 * directories (N names, no records) and the records of its own rows; the
 * summary reads every live record (callers cache it); the history reads
 * the journal of the last day (bits_journal.h).  APR only (unit-tested). */
#ifndef BITS_REPORT_H
#define BITS_REPORT_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include "bits_session.h"
#include "bits_journal.h"

/* One live session of a listing, in index order. */
typedef struct {
    const char *key;            /* owner key (its index directory) */
    const char *id;
    int loaded;                 /* 0: the entry has no readable record */
    bits_session_t s;           /* the record, if loaded */
} bits_report_row_t;

/* Rows [offset, offset + limit) of the store's live sessions, ordered by
 * owner key, then id (so an owner's sessions stand together); only those
 * owners' entries are listed and only those rows' records read.  owner
 * (may be NULL) restricts the listing to one owner key.  *total is the
 * number of entries of the whole listing. */
apr_status_t bits_report_page(apr_array_header_t **rows, int *total, const char *store,
                              const char *owner, int offset, int limit, apr_pool_t *p);

/* The live sessions of a store, from every record the index names. */
typedef struct {
    int sessions;               /* index entries */
    int owners;                 /* owner keys holding entries */
    int by_state[BITS_STATE_EXPIRED + 1];
    int unreadable;             /* entries without a readable record */
    apr_off_t received;         /* bytes held by the sessions not yet done */
    apr_off_t expected;         /* their totals, where known */
    apr_time_t oldest_activity; /* 0 if no session */
} bits_report_summary_t;

apr_status_t bits_report_summarise(bits_report_summary_t *sum, const char *store,
                                   apr_pool_t *p);

/* Failed sessions of one outcome and error code. */
typedef struct {
    bits_outcome_t outcome;
    apr_uint32_t code;
    int count;
} bits_report_tally_t;

typedef struct {
    apr_time_t since;
    int completed;
    apr_off_t completed_bytes;
    int failed;
    apr_array_header_t *by_code;    /* of bits_report_tally_t, sorted */
} bits_report_window_t;

/* What the journal says about the last hour and the last day, and its
 * newest `recent` events (newest first, of bits_journal_event_t). */
typedef struct {
    bits_report_window_t hour, day;
    apr_array_header_t *recent;
} bits_report_history_t;

apr_status_t bits_report_history(bits_report_history_t *h, const char *store,
                                 apr_time_t now, int recent, apr_pool_t *p);

/* Adds the counts of `from` to `into` (several stores in one total);
 * into->by_code must live in a pool at least as long as its use. */
void bits_report_summary_add(bits_report_summary_t *into,
                             const bits_report_summary_t *from);
void bits_report_window_add(bits_report_window_t *into,
                            const bits_report_window_t *from);

/* Average rate of a session in bytes per second (received over the time
 * from creation to its last packet), 0 if it cannot be told. */
apr_off_t bits_report_rate(const bits_session_t *s);

/* Client-controlled text made fit to show: invalid UTF-8 and control
 * characters become U+FFFD, so no form can be broken by it. */
const char *bits_report_text(const char *s, apr_pool_t *p);

/* s (NULL: null) as a JSON string, quotes included, from
 * bits_report_text; '<', '>' and '&' are \u-escaped too, so the JSON is
 * safe inside HTML. */
const char *bits_report_json(const char *s, apr_pool_t *p);

#endif
