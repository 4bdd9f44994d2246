/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The status page: SetHandler bits-status, behind whatever access control
 * the operator puts on its location.  ?json, ?auto and ?metrics select the
 * other forms, ?page=N, ?limit=N and ?owner=KEY the sessions listed,
 * ?refresh=N reloads the HTML page.  And mod_bits' section of mod_status's
 * own page, through its status hook, when mod_status is loaded. */
#include <httpd.h>
#include <http_config.h>
#include <http_protocol.h>
#include <http_request.h>
#include <apr_optional_hooks.h>
#include <apr_strings.h>
#include <mod_status.h>

#include "bits_private.h"
#include "bits_status.h"

#define DEFAULT_LIMIT 50
#define MAX_LIMIT     1000

typedef enum { FORM_HTML, FORM_JSON, FORM_AUTO, FORM_METRICS } form_t;

/* A non-negative number of at most 9 digits, or -1. */
static int small_number(const char *v)
{
    int n = 0, digits = 0;

    for (; v && *v >= '0' && *v <= '9' && digits < 9; v++, digits++)
        n = n * 10 + (*v - '0');
    return v && !*v && digits ? n : -1;
}

/* ?json&page=2&limit=100&owner=KEY&refresh=5 (mod_status's style: bare
 * words select a form). */
static form_t parse_query(bits_status_t *st, request_rec *r)
{
    char *args = apr_pstrdup(r->pool, r->args ? r->args : ""), *tok, *last;
    form_t form = FORM_HTML;

    st->page = 1;
    st->limit = DEFAULT_LIMIT;
    for (tok = apr_strtok(args, "&;", &last); tok; tok = apr_strtok(NULL, "&;", &last)) {
        char *eq = strchr(tok, '=');
        const char *val = eq ? eq + 1 : "";
        int n;

        if (eq)
            *eq = '\0';
        if (!strcmp(tok, "json"))
            form = FORM_JSON;
        else if (!strcmp(tok, "auto"))
            form = FORM_AUTO;
        else if (!strcmp(tok, "metrics"))
            form = FORM_METRICS;
        else if (!strcmp(tok, "page") && (n = small_number(val)) > 0)
            st->page = n;
        else if (!strcmp(tok, "limit") && (n = small_number(val)) > 0)
            st->limit = n < MAX_LIMIT ? n : MAX_LIMIT;
        else if (!strcmp(tok, "refresh") && (n = small_number(val)) > 0)
            st->refresh = n < 3600 ? n : 3600;
        else if (!strcmp(tok, "owner") && *val) {
            /* A key no owner can have lists nothing, not everyone. */
            char *key = apr_pstrdup(r->pool, val);
            st->owner = ap_unescape_urlencoded(key) == OK ? key : "";
        }
    }
    return form;
}

/* The page's rows: the stores' listings one after another. */
static void gather_rows(bits_status_t *st)
{
    apr_pool_t *p = st->r->pool;
    int offset = (st->page - 1) * st->limit, i, j;

    st->rows = apr_array_make(p, st->limit, sizeof(bits_status_row_t));
    st->listed = 0;
    for (i = 0; i < st->stores->nelts; i++) {
        const bits_status_store_t *store = &APR_ARRAY_IDX(st->stores, i,
                                                          bits_status_store_t);
        int want = st->limit - st->rows->nelts, from = offset - st->listed, n = 0;
        apr_array_header_t *rows;

        if (!store->exists)
            continue;
        bits_report_page(&rows, &n, store->path, st->owner, from > 0 ? from : 0,
                         want > 0 ? want : 0, p);
        for (j = 0; j < rows->nelts; j++) {
            bits_status_row_t *out = apr_array_push(st->rows);
            out->store = store;
            out->row = APR_ARRAY_IDX(rows, j, bits_report_row_t);
        }
        st->listed += n;
    }
    st->pages = st->listed ? (st->listed + st->limit - 1) / st->limit : 1;
}

void bits_status_gather(bits_status_t *st, request_rec *r, int with_rows)
{
    int i;

    st->r = r;
    st->now = apr_time_now();
    st->stores = bits_status_stores(r, BITS_STATUS_RECENT);
    memset(&st->sum, 0, sizeof st->sum);
    memset(&st->hour, 0, sizeof st->hour);
    memset(&st->day, 0, sizeof st->day);
    st->hour.by_code = apr_array_make(r->pool, 4, sizeof(bits_report_tally_t));
    st->day.by_code = apr_array_make(r->pool, 4, sizeof(bits_report_tally_t));
    for (i = 0; i < st->stores->nelts; i++) {
        const bits_status_store_t *s = &APR_ARRAY_IDX(st->stores, i, bits_status_store_t);
        bits_report_summary_add(&st->sum, &s->sum);
        bits_report_window_add(&st->hour, &s->hist.hour);
        bits_report_window_add(&st->day, &s->hist.day);
    }
    if (with_rows)
        gather_rows(st);
}

/* OpenMetrics if the scraper asks for it, else Prometheus' text format. */
static int wants_openmetrics(request_rec *r)
{
    const char *accept = apr_table_get(r->headers_in, "Accept");

    return accept && ap_strcasestr(accept, "application/openmetrics-text") != NULL;
}

int bits_status_handler(request_rec *r)
{
    bits_status_t st;
    form_t form;

    if (!r->handler || strcmp(r->handler, BITS_STATUS_HANDLER) != 0)
        return DECLINED;
    r->allowed = AP_METHOD_BIT << M_GET;
    if (r->method_number != M_GET)
        return HTTP_METHOD_NOT_ALLOWED;
    memset(&st, 0, sizeof st);
    form = parse_query(&st, r);
    bits_status_gather(&st, r, form != FORM_METRICS);
    apr_table_setn(r->headers_out, "Cache-Control", "no-cache");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    switch (form) {
    case FORM_JSON:
        ap_set_content_type(r, "application/json");
        if (!r->header_only)
            bits_status_json(&st);
        break;
    case FORM_AUTO:
        ap_set_content_type(r, "text/plain; charset=utf-8");
        if (!r->header_only)
            bits_status_auto(&st, 1);
        break;
    case FORM_METRICS:
        ap_set_content_type(r, wants_openmetrics(r)
                               ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                               : "text/plain; version=0.0.4; charset=utf-8");
        if (!r->header_only)
            bits_status_metrics(&st, wants_openmetrics(r));
        break;
    default:
        /* Names on the page are the clients': no script runs, whatever
         * they hold (and they are escaped anyway). */
        apr_table_setn(r->headers_out, "Content-Security-Policy",
                       "default-src 'none'; style-src 'unsafe-inline'");
        ap_set_content_type(r, "text/html; charset=utf-8");
        if (!r->header_only)
            bits_status_html(&st);
    }
    return OK;
}

/* mod_status's page: a short section, or key: value lines for ?auto. */
static int status_hook(request_rec *r, int flags)
{
    bits_status_t st;

    memset(&st, 0, sizeof st);
    bits_status_gather(&st, r, 0);
    if (flags & AP_STATUS_SHORT)
        bits_status_auto(&st, 0);
    else
        bits_status_html_section(&st);
    return OK;
}

void bits_status_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_handler(bits_status_handler, NULL, NULL, APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(ap, status_hook, status_hook, NULL, NULL, APR_HOOK_MIDDLE);
}
