/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The status page's forms for programs: ?json (everything the HTML page
 * shows), ?auto (key: value lines, as mod_status's ?auto; also mod_bits'
 * lines there) and ?metrics (Prometheus text format, or OpenMetrics).
 * Client-chosen text appears only in the JSON, escaped by bits_report_json. */
#include <httpd.h>
#include <http_protocol.h>
#include <apr_strings.h>

#include "bits_private.h"
#include "bits_status.h"

static const char *hex(apr_uint32_t code, apr_pool_t *p)
{
    return apr_psprintf(p, "0x%08X", (unsigned)code);
}

static void json_window(request_rec *r, const char *name, const bits_report_window_t *w)
{
    int i;

    ap_rprintf(r, "\"%s\":{\"completed\":%d,\"completed_bytes\":%" APR_OFF_T_FMT
               ",\"failed\":%d,\"failed_by_code\":[", name, w->completed,
               w->completed_bytes, w->failed);
    for (i = 0; i < w->by_code->nelts; i++) {
        const bits_report_tally_t *t = &APR_ARRAY_IDX(w->by_code, i, bits_report_tally_t);
        ap_rprintf(r, "%s{\"outcome\":\"%s\",\"code\":\"%s\",\"sessions\":%d}",
                   i ? "," : "", bits_outcome_name(t->outcome), hex(t->code, r->pool),
                   t->count);
    }
    ap_rputs("]}", r);
}

static void json_summary(request_rec *r, const bits_report_summary_t *s)
{
    ap_rprintf(r, "\"sessions\":%d,\"owners\":%d,\"bytes_in_flight\":%" APR_OFF_T_FMT
               ",\"bytes_expected\":%" APR_OFF_T_FMT ",\"unreadable\":%d,"
               "\"by_state\":{\"RECEIVING\":%d,\"COMPLETING\":%d,\"DONE\":%d,"
               "\"REFUSED\":%d}", s->sessions, s->owners, s->received, s->expected,
               s->unreadable, s->by_state[BITS_STATE_RECEIVING],
               s->by_state[BITS_STATE_COMPLETING], s->by_state[BITS_STATE_DONE],
               s->by_state[BITS_STATE_REFUSED]);
}

static void json_session(const bits_status_t *st, const bits_status_row_t *sr, int first)
{
    request_rec *r = st->r;
    apr_pool_t *p = r->pool;
    const bits_report_row_t *row = &sr->row;
    const bits_session_t *s = &row->s;

    ap_rprintf(r, "%s\n{\"id\":%s,\"store\":%s,\"owner_key\":%s", first ? "" : ",",
               bits_report_json(row->id, p), bits_report_json(sr->store->path, p),
               bits_report_json(row->key, p));
    if (!row->loaded) {
        ap_rputs(",\"state\":null}", r);
        return;
    }
    ap_rprintf(r, ",\"owner\":%s,\"client_ip\":%s,\"vhost\":%s,\"destination\":%s,"
               "\"dest_path\":%s,\"received\":%" APR_OFF_T_FMT ",\"total\":%s,"
               "\"percent\":%.1f,\"rate\":%" APR_OFF_T_FMT ",\"created\":%" APR_INT64_T_FMT
               ",\"last_activity\":%" APR_INT64_T_FMT ",\"age\":%" APR_INT64_T_FMT
               ",\"idle\":%" APR_INT64_T_FMT ",\"state\":\"%s\"}",
               bits_report_json(s->owner, p), bits_report_json(s->client_ip, p),
               bits_report_json(s->vhost, p), bits_report_json(s->dest_url, p),
               bits_report_json(s->dest_path, p), s->received,
               s->total >= 0 ? apr_off_t_toa(p, s->total) : "null",
               bits_status_percent(s), bits_report_rate(s),
               (apr_int64_t)apr_time_sec(s->created),
               (apr_int64_t)apr_time_sec(s->last_activity),
               (apr_int64_t)apr_time_sec(st->now - s->created),
               (apr_int64_t)apr_time_sec(st->now - s->last_activity),
               bits_state_name(s->state));
}

void bits_status_json(const bits_status_t *st)
{
    request_rec *r = st->r;
    apr_pool_t *p = r->pool;
    int i, j, n = 0;

    ap_rprintf(r, "{\"now\":%" APR_INT64_T_FMT ",\"totals\":{\"stores\":%d,",
               (apr_int64_t)apr_time_sec(st->now), st->stores->nelts);
    json_summary(r, &st->sum);
    ap_rputs(",", r);
    json_window(r, "last_hour", &st->hour);
    ap_rputs(",", r);
    json_window(r, "last_day", &st->day);
    ap_rputs("},\n\"stores\":[", r);
    for (i = 0; i < st->stores->nelts; i++) {
        const bits_status_store_t *s = &APR_ARRAY_IDX(st->stores, i, bits_status_store_t);
        ap_rprintf(r, "%s\n{\"path\":%s,\"exists\":%s,\"read_at\":%" APR_INT64_T_FMT
                   ",\"read_ms\":%.1f,", i ? "," : "", bits_report_json(s->path, p),
                   s->exists ? "true" : "false", (apr_int64_t)apr_time_sec(s->computed),
                   (double)s->cost / 1000.0);
        json_summary(r, &s->sum);
        ap_rputs(",", r);
        json_window(r, "last_hour", &s->hist.hour);
        ap_rputs(",", r);
        json_window(r, "last_day", &s->hist.day);
        ap_rputs(",\"recent\":[", r);
        for (j = 0; s->hist.recent && j < s->hist.recent->nelts; j++) {
            const bits_journal_event_t *ev = &APR_ARRAY_IDX(s->hist.recent, j,
                                                           bits_journal_event_t);
            ap_rprintf(r, "%s{\"id\":\"%s\",\"ended\":%" APR_INT64_T_FMT ",\"outcome\":"
                       "\"%s\",\"code\":\"%s\",\"bytes\":%" APR_OFF_T_FMT "}",
                       j ? "," : "", ev->id, (apr_int64_t)apr_time_sec(ev->when),
                       bits_outcome_name(ev->outcome), hex(ev->code, p), ev->bytes);
        }
        ap_rputs("]}", r);
    }
    ap_rprintf(r, "],\n\"page\":{\"number\":%d,\"pages\":%d,\"limit\":%d,\"sessions\":%d,"
               "\"owner\":%s},\n\"sessions\":[", st->page, st->pages, st->limit,
               st->listed, bits_report_json(st->owner, p));
    for (i = 0; i < st->rows->nelts; i++)
        json_session(st, &APR_ARRAY_IDX(st->rows, i, bits_status_row_t), !n++);
    ap_rputs("]}\n", r);
}

static void auto_window(request_rec *r, const char *suffix, const bits_report_window_t *w)
{
    int i;

    ap_rprintf(r, "BITSCompleted%s: %d\nBITSCompletedBytes%s: %" APR_OFF_T_FMT "\n"
               "BITSFailed%s: %d\n", suffix, w->completed, suffix, w->completed_bytes,
               suffix, w->failed);
    for (i = 0; i < w->by_code->nelts; i++) {
        const bits_report_tally_t *t = &APR_ARRAY_IDX(w->by_code, i, bits_report_tally_t);
        ap_rprintf(r, "BITSFailed%s_%s_%s: %d\n", suffix, bits_outcome_name(t->outcome),
                   hex(t->code, r->pool), t->count);
    }
}

void bits_status_auto(const bits_status_t *st, int with_sessions)
{
    request_rec *r = st->r;
    const bits_report_summary_t *s = &st->sum;
    int i;

    ap_rprintf(r, "BITSStores: %d\nBITSSessions: %d\nBITSOwners: %d\n"
               "BITSBytesInFlight: %" APR_OFF_T_FMT "\nBITSBytesExpected: %" APR_OFF_T_FMT "\n"
               "BITSSessionsReceiving: %d\nBITSSessionsCompleting: %d\n"
               "BITSSessionsDone: %d\nBITSSessionsRefused: %d\n",
               st->stores->nelts, s->sessions, s->owners, s->received, s->expected,
               s->by_state[BITS_STATE_RECEIVING], s->by_state[BITS_STATE_COMPLETING],
               s->by_state[BITS_STATE_DONE], s->by_state[BITS_STATE_REFUSED]);
    auto_window(r, "LastHour", &st->hour);
    auto_window(r, "LastDay", &st->day);
    if (!with_sessions)
        return;
    /* Ids, states and numbers only: nothing a client chose. */
    ap_rprintf(r, "BITSPage: %d/%d\n", st->page, st->pages);
    for (i = 0; i < st->rows->nelts; i++) {
        const bits_report_row_t *row = &APR_ARRAY_IDX(st->rows, i, bits_status_row_t).row;
        if (row->loaded)
            ap_rprintf(r, "BITSSession: %s %s %" APR_OFF_T_FMT "/%s\n", row->id,
                       bits_state_name(row->s.state), row->s.received,
                       row->s.total >= 0 ? apr_off_t_toa(r->pool, row->s.total) : "-");
        else
            ap_rprintf(r, "BITSSession: %s - -\n", row->id);
    }
}

/* A label value of the text formats: \\, \" and \n escaped. */
static const char *label(const char *v, apr_pool_t *p)
{
    const char *t = bits_report_text(v, p);
    char *out = apr_palloc(p, strlen(t) * 2 + 1), *o = out;

    for (; *t; t++) {
        if (*t == '\\' || *t == '"')
            *o++ = '\\';
        *o++ = *t;
    }
    *o = '\0';
    return out;
}

static void family(request_rec *r, const char *name, const char *help)
{
    ap_rprintf(r, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static const bits_status_store_t *store_at(const bits_status_t *st, int i)
{
    return &APR_ARRAY_IDX(st->stores, i, bits_status_store_t);
}

/* One gauge per store, from the value `fn` picks. */
typedef double (*pick_fn)(const bits_status_store_t *s);
static double pick_sessions(const bits_status_store_t *s) { return s->sum.sessions; }
static double pick_owners(const bits_status_store_t *s) { return s->sum.owners; }
static double pick_flight(const bits_status_store_t *s) { return (double)s->sum.received; }
static double pick_expected(const bits_status_store_t *s) { return (double)s->sum.expected; }
static double pick_done_h(const bits_status_store_t *s) { return s->hist.hour.completed; }
static double pick_done_d(const bits_status_store_t *s) { return s->hist.day.completed; }
static double pick_bytes_h(const bits_status_store_t *s) { return (double)s->hist.hour.completed_bytes; }
static double pick_bytes_d(const bits_status_store_t *s) { return (double)s->hist.day.completed_bytes; }
static double pick_fail_h(const bits_status_store_t *s) { return s->hist.hour.failed; }
static double pick_fail_d(const bits_status_store_t *s) { return s->hist.day.failed; }
static double pick_read(const bits_status_store_t *s) { return (double)s->cost / 1e6; }

static void per_store(const bits_status_t *st, const char *name, const char *help,
                      pick_fn fn)
{
    int i;

    family(st->r, name, help);
    for (i = 0; i < st->stores->nelts; i++)
    {
        double v = fn(store_at(st, i));
        /* Counts exactly, times to a microsecond. */
        ap_rprintf(st->r, v == (double)(apr_int64_t)v ? "%s{store=\"%s\"} %.0f\n"
                                                      : "%s{store=\"%s\"} %.6f\n",
                   name, label(store_at(st, i)->path, st->r->pool), v);
    }
}

static void by_code(const bits_status_t *st, const char *name, const char *help, int day)
{
    int i, j;

    family(st->r, name, help);
    for (i = 0; i < st->stores->nelts; i++) {
        const bits_report_window_t *w = day ? &store_at(st, i)->hist.day
                                            : &store_at(st, i)->hist.hour;
        for (j = 0; j < w->by_code->nelts; j++) {
            const bits_report_tally_t *t = &APR_ARRAY_IDX(w->by_code, j, bits_report_tally_t);
            ap_rprintf(st->r, "%s{store=\"%s\",outcome=\"%s\",code=\"%s\"} %d\n", name,
                       label(store_at(st, i)->path, st->r->pool),
                       bits_outcome_name(t->outcome), hex(t->code, st->r->pool), t->count);
        }
    }
}

void bits_status_metrics(const bits_status_t *st, int openmetrics)
{
    request_rec *r = st->r;
    static const bits_state_t states[] = {
        BITS_STATE_RECEIVING, BITS_STATE_COMPLETING, BITS_STATE_DONE, BITS_STATE_REFUSED
    };
    int i;
    unsigned k;

    family(r, "bits_stores", "Session stores known to this server.");
    ap_rprintf(r, "bits_stores %d\n", st->stores->nelts);
    per_store(st, "bits_sessions_active", "Live sessions (not closed, cancelled or "
              "expired).", pick_sessions);
    family(r, "bits_sessions", "Live sessions by state.");
    for (i = 0; i < st->stores->nelts; i++)
        for (k = 0; k < sizeof states / sizeof *states; k++)
            ap_rprintf(r, "bits_sessions{store=\"%s\",state=\"%s\"} %d\n",
                       label(store_at(st, i)->path, r->pool), bits_state_name(states[k]),
                       store_at(st, i)->sum.by_state[states[k]]);
    per_store(st, "bits_session_owners", "Owners holding live sessions.", pick_owners);
    per_store(st, "bits_bytes_in_flight", "Bytes received of uploads not yet complete.",
              pick_flight);
    per_store(st, "bits_bytes_expected", "Total size of uploads not yet complete, "
              "where known.", pick_expected);
    per_store(st, "bits_sessions_completed_last_hour", "Sessions completed in the last "
              "hour.", pick_done_h);
    per_store(st, "bits_sessions_completed_last_day", "Sessions completed in the last "
              "24 hours.", pick_done_d);
    per_store(st, "bits_bytes_completed_last_hour", "Bytes of the sessions completed "
              "in the last hour.", pick_bytes_h);
    per_store(st, "bits_bytes_completed_last_day", "Bytes of the sessions completed "
              "in the last 24 hours.", pick_bytes_d);
    per_store(st, "bits_sessions_failed_last_hour", "Sessions that ended without "
              "completing in the last hour.", pick_fail_h);
    per_store(st, "bits_sessions_failed_last_day", "Sessions that ended without "
              "completing in the last 24 hours.", pick_fail_d);
    by_code(st, "bits_sessions_failed_by_code_last_hour", "Failed sessions of the last "
            "hour by outcome and BITS error code.", 0);
    by_code(st, "bits_sessions_failed_by_code_last_day", "Failed sessions of the last "
            "24 hours by outcome and BITS error code.", 1);
    per_store(st, "bits_status_read_seconds", "How long reading the store's summary "
              "took.", pick_read);
    if (openmetrics)
        ap_rputs("# EOF\n", r);
}
