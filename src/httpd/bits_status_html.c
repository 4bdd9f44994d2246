/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The status page as HTML, and mod_bits' section of mod_status's page.
 * Every text a client chose (user names, URLs, paths) goes through
 * bits_report_text and ap_escape_html2: it is shown, never interpreted. */
#include <httpd.h>
#include <http_core.h>
#include <http_protocol.h>
#include <apr_strings.h>

#include "bits_private.h"
#include "bits_status.h"

static const char *esc(const char *s, apr_pool_t *p)
{
    return ap_escape_html2(p, bits_report_text(s ? s : "", p), 0);
}

/* The query of a link to another page of the same listing. */
static const char *page_link(const bits_status_t *st, int page, apr_pool_t *p)
{
    const char *q = apr_psprintf(p, "?page=%d&limit=%d", page, st->limit);

    if (st->owner)
        q = apr_pstrcat(p, q, "&owner=", ap_escape_urlencoded(p, st->owner), NULL);
    if (st->refresh)
        q = apr_psprintf(p, "%s&refresh=%d", q, st->refresh);
    return ap_escape_html2(p, q, 0);
}

static const char *STYLE =
    "body{font-family:sans-serif;margin:1.5em;color:#222}"
    "h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}"
    "th{background:#eee}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".bar{display:inline-block;vertical-align:middle;width:7em;height:.9em;"
    "background:#ddd;border-radius:3px;overflow:hidden}"
    ".bar span{display:block;height:100%;background:#2a7ae2}"
    ".id{font-family:monospace;font-size:.9em}.muted{color:#777}"
    ".state-RECEIVING{color:#2a7ae2}.state-COMPLETING{color:#b8860b}"
    ".state-DONE{color:#228b22}.state-REFUSED{color:#b22222}"
    "nav a{margin:0 .5em}td.num,td.id{white-space:nowrap}"
    ".top{display:flex;gap:2em;align-items:flex-start;flex-wrap:wrap}";

static void totals(const bits_status_t *st)
{
    request_rec *r = st->r;
    const bits_report_summary_t *s = &st->sum;

    ap_rputs("<h2>Totals</h2>\n<table class=\"totals\">\n", r);
    ap_rprintf(r, "<tr><th>Session stores</th><td class=\"num\" id=\"stores\">%d</td></tr>\n",
               st->stores->nelts);
    ap_rprintf(r, "<tr><th>Active sessions</th><td class=\"num\" id=\"active\">%d</td></tr>\n",
               s->sessions);
    ap_rprintf(r, "<tr><th>Owners</th><td class=\"num\" id=\"owners\">%d</td></tr>\n",
               s->owners);
    ap_rprintf(r, "<tr><th>Bytes in flight</th><td class=\"num\" id=\"in-flight\" "
               "title=\"%" APR_OFF_T_FMT " bytes of %" APR_OFF_T_FMT " expected\">%s</td></tr>\n",
               s->received, s->expected, bits_status_size(s->received, r->pool));
    ap_rprintf(r, "<tr><th>Receiving / completing / done / refused</th><td class=\"num\" "
               "id=\"by-state\">%d / %d / %d / %d</td></tr>\n",
               s->by_state[BITS_STATE_RECEIVING], s->by_state[BITS_STATE_COMPLETING],
               s->by_state[BITS_STATE_DONE], s->by_state[BITS_STATE_REFUSED]);
    ap_rprintf(r, "<tr><th>Completed, last hour / day</th><td class=\"num\" "
               "id=\"completed\">%d / %d</td></tr>\n", st->hour.completed,
               st->day.completed);
    ap_rprintf(r, "<tr><th>Bytes completed, last hour / day</th><td class=\"num\">"
               "%s / %s</td></tr>\n", bits_status_size(st->hour.completed_bytes, r->pool),
               bits_status_size(st->day.completed_bytes, r->pool));
    ap_rprintf(r, "<tr><th>Failed, last hour / day</th><td class=\"num\" "
               "id=\"failed\">%d / %d</td></tr>\n", st->hour.failed, st->day.failed);
    ap_rputs("</table>\n", r);
}

static void failures(const bits_status_t *st)
{
    request_rec *r = st->r;
    const bits_report_window_t *w[2] = { &st->hour, &st->day };
    const char *names[2] = { "last hour", "last day" };
    int k, i;

    if (!st->day.by_code->nelts)
        return;
    ap_rputs("<h2>Failed sessions by error code</h2>\n<table class=\"failed\">\n"
             "<tr><th>Window</th><th>Outcome</th><th>Error code</th><th>Sessions</th></tr>\n",
             r);
    for (k = 0; k < 2; k++)
        for (i = 0; i < w[k]->by_code->nelts; i++) {
            const bits_report_tally_t *t = &APR_ARRAY_IDX(w[k]->by_code, i,
                                                          bits_report_tally_t);
            ap_rprintf(r, "<tr><td>%s</td><td>%s</td><td class=\"id\">0x%08X</td>"
                       "<td class=\"num\">%d</td></tr>\n", names[k],
                       bits_outcome_name(t->outcome), (unsigned)t->code, t->count);
        }
    ap_rputs("</table>\n", r);
}

static void session_row(const bits_status_t *st, const bits_status_row_t *sr)
{
    request_rec *r = st->r;
    apr_pool_t *p = r->pool;
    const bits_report_row_t *row = &sr->row;
    const bits_session_t *s = &row->s;
    double pct;

    if (!row->loaded) {
        ap_rprintf(r, "<tr class=\"session\" data-id=\"%s\"><td class=\"id\">%s</td>"
                   "<td>%s</td><td colspan=\"8\" class=\"muted\">no readable record "
                   "(being created, or damaged)</td></tr>\n", esc(row->id, p),
                   esc(row->id, p), esc(row->key, p));
        return;
    }
    pct = bits_status_percent(s);
    ap_rprintf(r, "<tr class=\"session\" data-id=\"%s\" data-state=\"%s\">"
               "<td class=\"id\">%s</td>", esc(s->id, p), bits_state_name(s->state),
               esc(s->id, p));
    ap_rprintf(r, "<td class=\"owner\"><a href=\"?owner=%s\" title=\"%s\">%s</a></td>",
               ap_escape_html2(p, ap_escape_urlencoded(p, row->key), 0),
               esc(row->key, p), *s->owner ? esc(s->owner, p)
                                           : "<span class=\"muted\">anonymous</span>");
    ap_rprintf(r, "<td class=\"client\">%s</td>",
               s->client_ip ? esc(s->client_ip, p) : "<span class=\"muted\">not recorded</span>");
    ap_rprintf(r, "<td class=\"dest\" title=\"%s\">%s</td>", esc(s->dest_path, p),
               esc(s->dest_url, p));
    if (s->total >= 0)
        ap_rprintf(r, "<td class=\"num\" title=\"%" APR_OFF_T_FMT " of %" APR_OFF_T_FMT
                   " bytes\">%s / %s</td>", s->received, s->total,
                   bits_status_size(s->received, p), bits_status_size(s->total, p));
    else
        ap_rputs("<td class=\"num muted\">no data yet</td>", r);
    ap_rprintf(r, "<td class=\"num\"><div class=\"bar\"><span style=\"width:%.1f%%\">"
               "</span></div> %.1f%%</td>", pct, pct);
    ap_rprintf(r, "<td class=\"num\">%s/s</td>", bits_status_size(bits_report_rate(s), p));
    ap_rprintf(r, "<td class=\"num\">%s</td><td class=\"num\">%s</td>",
               bits_status_duration(st->now - s->created, p),
               bits_status_duration(st->now - s->last_activity, p));
    ap_rprintf(r, "<td class=\"state state-%s\">%s</td></tr>\n",
               bits_state_name(s->state), bits_state_name(s->state));
}

static void sessions(const bits_status_t *st)
{
    request_rec *r = st->r;
    int i;

    ap_rprintf(r, "<h2>Sessions%s%s</h2>\n", st->owner ? " of " : "",
               st->owner ? esc(st->owner, r->pool) : "");
    ap_rprintf(r, "<nav>%d session%s, page %d of %d", st->listed,
               st->listed == 1 ? "" : "s", st->page, st->pages);
    if (st->page > 1)
        ap_rprintf(r, " <a rel=\"prev\" href=\"%s\">previous</a>",
                   page_link(st, st->page - 1, r->pool));
    if (st->page < st->pages)
        ap_rprintf(r, " <a rel=\"next\" href=\"%s\">next</a>",
                   page_link(st, st->page + 1, r->pool));
    if (st->owner)
        ap_rputs(" <a href=\"?\">all owners</a>", r);
    ap_rputs("</nav>\n<table class=\"sessions\">\n<tr><th>Session</th><th>Owner</th>"
             "<th>Client</th><th>Destination</th><th>Received / total</th>"
             "<th>Progress</th><th>Rate (avg.)</th><th>Age</th><th>Idle</th>"
             "<th>State</th></tr>\n", r);
    for (i = 0; i < st->rows->nelts; i++)
        session_row(st, &APR_ARRAY_IDX(st->rows, i, bits_status_row_t));
    ap_rputs("</table>\n", r);
}

static void recent(const bits_status_t *st)
{
    request_rec *r = st->r;
    apr_pool_t *p = r->pool;
    int i, j, any = 0;

    for (i = 0; i < st->stores->nelts; i++) {
        const bits_status_store_t *s = &APR_ARRAY_IDX(st->stores, i, bits_status_store_t);

        for (j = 0; s->hist.recent && j < s->hist.recent->nelts; j++) {
            const bits_journal_event_t *ev = &APR_ARRAY_IDX(s->hist.recent, j,
                                                           bits_journal_event_t);
            if (!any++)
                ap_rputs("<h2>Recently ended</h2>\n<table class=\"recent\">\n<tr>"
                         "<th>Ended</th><th>Session</th><th>Outcome</th>"
                         "<th>Error code</th><th>Bytes</th><th>Store</th></tr>\n", r);
            ap_rprintf(r, "<tr class=\"ended\" data-id=\"%s\"><td>%s ago</td>"
                       "<td class=\"id\">%s</td><td class=\"outcome-%s\">%s</td>"
                       "<td class=\"id\">%s</td><td class=\"num\">%s</td><td>%s</td></tr>\n",
                       ev->id, bits_status_duration(st->now - ev->when, p), ev->id,
                       bits_outcome_name(ev->outcome), bits_outcome_name(ev->outcome),
                       ev->code ? apr_psprintf(p, "0x%08X", (unsigned)ev->code) : "",
                       bits_status_size(ev->bytes, p), esc(s->path, p));
        }
    }
    if (any)
        ap_rputs("</table>\n", r);
}

static void stores(const bits_status_t *st)
{
    request_rec *r = st->r;
    int i;

    ap_rputs("<h2>Session stores</h2>\n<table class=\"stores\">\n<tr><th>Store</th>"
             "<th>Sessions</th><th>Bytes in flight</th><th>Read</th></tr>\n", r);
    for (i = 0; i < st->stores->nelts; i++) {
        const bits_status_store_t *s = &APR_ARRAY_IDX(st->stores, i, bits_status_store_t);

        ap_rprintf(r, "<tr><td>%s</td><td class=\"num\">%d</td><td class=\"num\">%s</td>"
                   "<td class=\"muted\">%s</td></tr>\n", esc(s->path, r->pool),
                   s->sum.sessions, bits_status_size(s->sum.received, r->pool),
                   !s->exists ? "not created yet"
                   : apr_psprintf(r->pool, "%s ago, in %.1f ms",
                                  bits_status_duration(st->now - s->computed, r->pool),
                                  (double)s->cost / 1000.0));
    }
    ap_rputs("</table>\n", r);
}

void bits_status_html(const bits_status_t *st)
{
    request_rec *r = st->r;
    char date[APR_RFC822_DATE_LEN];

    apr_rfc822_date(date, st->now);
    ap_rputs(DOCTYPE_HTML_4_01 "<html><head><meta charset=\"utf-8\">\n", r);
    if (st->refresh)
        ap_rprintf(r, "<meta http-equiv=\"refresh\" content=\"%d\">\n", st->refresh);
    ap_rprintf(r, "<title>BITS upload status</title>\n<style>%s</style></head>\n<body>\n"
               "<h1>BITS upload status of %s</h1>\n<p class=\"muted\">%s</p>\n",
               STYLE, esc(ap_get_server_name(r), r->pool), date);
    ap_rputs("<div class=\"top\"><div>", r);
    totals(st);
    ap_rputs("</div><div>", r);
    failures(st);
    ap_rputs("</div></div>\n", r);
    sessions(st);
    recent(st);
    stores(st);
    ap_rputs("</body></html>\n", r);
}

void bits_status_html_section(const bits_status_t *st)
{
    request_rec *r = st->r;
    const bits_report_summary_t *s = &st->sum;

    ap_rputs("<hr />\n<h2>BITS uploads</h2>\n<table id=\"bits-status\">\n", r);
    ap_rprintf(r, "<tr><th>Session stores</th><td>%d</td></tr>\n", st->stores->nelts);
    ap_rprintf(r, "<tr><th>Active sessions</th><td>%d</td></tr>\n", s->sessions);
    ap_rprintf(r, "<tr><th>Bytes in flight</th><td>%s</td></tr>\n",
               bits_status_size(s->received, r->pool));
    ap_rprintf(r, "<tr><th>Completed, last hour / day</th><td>%d / %d</td></tr>\n",
               st->hour.completed, st->day.completed);
    ap_rprintf(r, "<tr><th>Failed, last hour / day</th><td>%d / %d</td></tr>\n",
               st->hour.failed, st->day.failed);
    ap_rputs("</table>\n", r);
}
