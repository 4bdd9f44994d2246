/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Listings, summaries and history of a session store (bits_report.h):
 * built on the session index, so that a page of a large store costs
 * directory reads and the records of that page only. */
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include "bits_report.h"
#include "bits_index.h"

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int collect_key(void *baton, const char *key)
{
    apr_array_header_t *keys = baton;

    *(const char **)apr_array_push(keys) = apr_pstrdup(keys->pool, key);
    return 0;
}

static int collect_id(void *baton, const char *key, const char *id)
{
    apr_array_header_t *ids = baton;

    (void)key;
    *(const char **)apr_array_push(ids) = apr_pstrdup(ids->pool, id);
    return 0;
}

/* The owner keys to list, sorted. */
static apr_array_header_t *owner_keys(const char *store, const char *owner,
                                      apr_status_t *rv, apr_pool_t *p)
{
    apr_array_header_t *keys = apr_array_make(p, 16, sizeof(const char *));

    *rv = APR_SUCCESS;
    if (owner) {
        if (bits_index_has_owner(store, owner, p))
            *(const char **)apr_array_push(keys) = owner;
        return keys;
    }
    *rv = bits_index_owners(store, collect_key, keys, p);
    qsort(keys->elts, (size_t)keys->nelts, sizeof(const char *), by_string);
    return keys;
}

static void load_row(bits_report_row_t *row, const char *store, const char *key,
                     const char *id, apr_pool_t *p)
{
    memset(row, 0, sizeof *row);
    row->key = key;
    row->id = id;
    row->loaded = bits_session_load(&row->s, store, id, p) == APR_SUCCESS;
}

apr_status_t bits_report_page(apr_array_header_t **rows, int *total, const char *store,
                              const char *owner, int offset, int limit, apr_pool_t *p)
{
    apr_status_t rv;
    apr_array_header_t *keys = owner_keys(store, owner, &rv, p);
    apr_pool_t *scratch;
    int i, at = 0;

    *rows = apr_array_make(p, limit > 0 ? limit : 1, sizeof(bits_report_row_t));
    *total = 0;
    if (rv != APR_SUCCESS)
        return rv;
    if (offset < 0)
        offset = 0;
    apr_pool_create(&scratch, p);
    for (i = 0; i < keys->nelts; i++) {
        const char *key = APR_ARRAY_IDX(keys, i, const char *);
        int n = bits_index_count(store, key, 0, scratch), j;
        apr_array_header_t *ids;

        /* Only an owner whose entries overlap the page is listed. */
        if (at + n > offset && at < offset + limit) {
            ids = apr_array_make(p, n > 0 ? n : 1, sizeof(const char *));
            bits_index_sessions(store, key, collect_id, ids, scratch);
            qsort(ids->elts, (size_t)ids->nelts, sizeof(const char *), by_string);
            n = ids->nelts;
            for (j = 0; j < n; j++)
                if (at + j >= offset && at + j < offset + limit)
                    load_row(apr_array_push(*rows), store, key,
                             APR_ARRAY_IDX(ids, j, const char *), p);
        }
        at += n;
        apr_pool_clear(scratch);
    }
    apr_pool_destroy(scratch);
    *total = at;
    return APR_SUCCESS;
}

typedef struct {
    bits_report_summary_t *sum;
    const char *store;
    apr_pool_t *iter;
    int owner_has;
} summary_walk_t;

static int summarise_entry(void *baton, const char *key, const char *id)
{
    summary_walk_t *w = baton;
    bits_report_summary_t *sum = w->sum;
    bits_session_t s;

    (void)key;
    apr_pool_clear(w->iter);
    sum->sessions++;
    w->owner_has = 1;
    if (bits_session_load(&s, w->store, id, w->iter) != APR_SUCCESS) {
        sum->unreadable++;
        return 0;
    }
    if ((unsigned)s.state <= BITS_STATE_EXPIRED)
        sum->by_state[s.state]++;
    if (s.state == BITS_STATE_RECEIVING || s.state == BITS_STATE_COMPLETING) {
        sum->received += s.received;
        if (s.total > 0)
            sum->expected += s.total;
    }
    if (!sum->oldest_activity || s.last_activity < sum->oldest_activity)
        sum->oldest_activity = s.last_activity;
    return 0;
}

apr_status_t bits_report_summarise(bits_report_summary_t *sum, const char *store,
                                   apr_pool_t *p)
{
    apr_status_t rv;
    apr_array_header_t *keys = owner_keys(store, NULL, &rv, p);
    summary_walk_t w = { sum, store, NULL, 0 };
    apr_pool_t *walk;
    int i;

    memset(sum, 0, sizeof *sum);
    if (rv != APR_SUCCESS)
        return rv;
    /* The walk's own pool outlives the per-record one it clears. */
    apr_pool_create(&walk, p);
    apr_pool_create(&w.iter, p);
    for (i = 0; i < keys->nelts; i++) {
        w.owner_has = 0;
        bits_index_sessions(store, APR_ARRAY_IDX(keys, i, const char *),
                            summarise_entry, &w, walk);
        sum->owners += w.owner_has;
        apr_pool_clear(walk);
    }
    apr_pool_destroy(w.iter);
    apr_pool_destroy(walk);
    return APR_SUCCESS;
}

static void window_init(bits_report_window_t *w, apr_time_t since, apr_pool_t *p)
{
    memset(w, 0, sizeof *w);
    w->since = since;
    w->by_code = apr_array_make(p, 4, sizeof(bits_report_tally_t));
}

static void tally_add(apr_array_header_t *by_code, const bits_report_tally_t *add)
{
    bits_report_tally_t *t;
    int i;

    for (i = 0; i < by_code->nelts; i++) {
        t = &APR_ARRAY_IDX(by_code, i, bits_report_tally_t);
        if (t->outcome == add->outcome && t->code == add->code) {
            t->count += add->count;
            return;
        }
    }
    *(bits_report_tally_t *)apr_array_push(by_code) = *add;
}

static void window_add(bits_report_window_t *w, const bits_journal_event_t *ev)
{
    bits_report_tally_t one;

    if (ev->when < w->since)
        return;
    if (ev->outcome == BITS_OUTCOME_COMPLETED) {
        w->completed++;
        w->completed_bytes += ev->bytes;
        return;
    }
    one.outcome = ev->outcome;
    one.code = ev->code;
    one.count = 1;
    w->failed++;
    tally_add(w->by_code, &one);
}

static int by_outcome_code(const void *a, const void *b)
{
    const bits_report_tally_t *x = a, *y = b;

    if (x->outcome != y->outcome)
        return x->outcome < y->outcome ? -1 : 1;
    return x->code < y->code ? -1 : x->code > y->code;
}

typedef struct {
    bits_report_history_t *h;
    bits_journal_event_t *ring;
    int size, next, filled;
} history_walk_t;

static int history_event(void *baton, const bits_journal_event_t *ev)
{
    history_walk_t *w = baton;

    window_add(&w->h->day, ev);
    window_add(&w->h->hour, ev);
    if (w->size > 0) {
        w->ring[w->next] = *ev;
        w->next = (w->next + 1) % w->size;
        if (w->filled < w->size)
            w->filled++;
    }
    return 0;
}

apr_status_t bits_report_history(bits_report_history_t *h, const char *store,
                                 apr_time_t now, int recent, apr_pool_t *p)
{
    history_walk_t w = { h, NULL, recent > 0 ? recent : 0, 0, 0 };
    apr_status_t rv;
    int i;

    window_init(&h->day, now - apr_time_from_sec(86400), p);
    window_init(&h->hour, now - apr_time_from_sec(3600), p);
    h->recent = apr_array_make(p, w.size > 0 ? w.size : 1, sizeof(bits_journal_event_t));
    if (w.size > 0)
        w.ring = apr_pcalloc(p, sizeof *w.ring * (apr_size_t)w.size);
    rv = bits_journal_read(store, h->day.since, now, history_event, &w, p);
    qsort(h->day.by_code->elts, (size_t)h->day.by_code->nelts,
          sizeof(bits_report_tally_t), by_outcome_code);
    qsort(h->hour.by_code->elts, (size_t)h->hour.by_code->nelts,
          sizeof(bits_report_tally_t), by_outcome_code);
    /* The ring's newest event is just before `next`. */
    for (i = 1; i <= w.filled; i++)
        *(bits_journal_event_t *)apr_array_push(h->recent)
            = w.ring[(w.next - i + w.size) % w.size];
    return rv;
}

void bits_report_summary_add(bits_report_summary_t *into,
                             const bits_report_summary_t *from)
{
    int i;

    into->sessions += from->sessions;
    into->owners += from->owners;
    into->unreadable += from->unreadable;
    into->received += from->received;
    into->expected += from->expected;
    for (i = 0; i <= BITS_STATE_EXPIRED; i++)
        into->by_state[i] += from->by_state[i];
    if (from->oldest_activity && (!into->oldest_activity
                                  || from->oldest_activity < into->oldest_activity))
        into->oldest_activity = from->oldest_activity;
}

void bits_report_window_add(bits_report_window_t *into,
                            const bits_report_window_t *from)
{
    int i;

    into->completed += from->completed;
    into->completed_bytes += from->completed_bytes;
    into->failed += from->failed;
    for (i = 0; from->by_code && i < from->by_code->nelts; i++)
        tally_add(into->by_code, &APR_ARRAY_IDX(from->by_code, i, bits_report_tally_t));
    qsort(into->by_code->elts, (size_t)into->by_code->nelts,
          sizeof(bits_report_tally_t), by_outcome_code);
}

apr_off_t bits_report_rate(const bits_session_t *s)
{
    apr_interval_time_t spent = s->last_activity - s->created;

    if (spent <= 0 || s->received <= 0)
        return 0;
    /* Whole milliseconds keep the product within 64 bits for any size. */
    if (spent < 1000)
        return 0;
    return (apr_off_t)((double)s->received * 1000.0 / (double)(spent / 1000));
}

/* Length of the valid UTF-8 sequence at s (at most len bytes), 0 if none. */
static apr_size_t utf8_len(const unsigned char *s, apr_size_t len)
{
    apr_size_t n, i;
    apr_uint32_t c;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        n = 2, c = s[0] & 0x1F;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        n = 3, c = s[0] & 0x0F;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        n = 4, c = s[0] & 0x07;
    else
        return 0;
    if (n > len)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    /* No overlong forms, surrogates or code points beyond U+10FFFF. */
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF))
        || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    return n;
}

#define REPLACEMENT "\xEF\xBF\xBD"

const char *bits_report_text(const char *s, apr_pool_t *p)
{
    apr_size_t len = s ? strlen(s) : 0, i = 0, n;
    char *out = apr_palloc(p, len * 3 + 1), *o = out;

    while (i < len) {
        const unsigned char *u = (const unsigned char *)s + i;

        n = utf8_len(u, len - i);
        if (n == 0 || (n == 1 && (u[0] < 0x20 || u[0] == 0x7F))
            || (n == 2 && u[0] == 0xC2 && u[1] < 0xA0)) {      /* C1 controls */
            memcpy(o, REPLACEMENT, 3);
            o += 3;
            i += n ? n : 1;
            continue;
        }
        memcpy(o, u, n);
        o += n;
        i += n;
    }
    *o = '\0';
    return out;
}

const char *bits_report_json(const char *s, apr_pool_t *p)
{
    const char *t;
    char *out, *o;

    if (!s)
        return "null";
    t = bits_report_text(s, p);
    out = o = apr_palloc(p, strlen(t) * 6 + 3);
    *o++ = '"';
    for (; *t; t++) {
        if (*t == '"' || *t == '\\') {
            *o++ = '\\';
            *o++ = *t;
        }
        else if (*t == '<' || *t == '>' || *t == '&') {
            o += apr_snprintf(o, 7, "\\u%04x", (unsigned)*t);
        }
        else {
            *o++ = *t;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}
