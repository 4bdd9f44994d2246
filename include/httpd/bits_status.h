/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The status page (SetHandler bits-status) and mod_bits' section of
 * mod_status's page: what every known session store holds, from the core's
 * reports (bits_report.h).  Glue only. */
#ifndef BITS_STATUS_H
#define BITS_STATUS_H

#include <httpd.h>
#include <apr_tables.h>
#include "bits_report.h"

#define BITS_STATUS_HANDLER "bits-status"

/* One store as the page shows it: its summary and history, from a cache
 * (see bits_status_stores.c) when reading them is expensive. */
typedef struct {
    const char *path;
    int exists;
    bits_report_summary_t sum;
    bits_report_history_t hist;
    apr_time_t computed;            /* when sum and hist were read */
    apr_interval_time_t cost;       /* how long that took */
} bits_status_store_t;

/* src/httpd/bits_status_stores.c: which stores exist.  The configured
 * ones (bits_all_stores) and every store the background sweep looks after
 * (its registry, bits_sweeper_stores: the sections known at start-up, and
 * a <Location>'s store once a request used it). */
void bits_status_child_init(apr_pool_t *pchild, server_rec *s);
/* Every known store, sorted by path, with its summary and history. */
apr_array_header_t *bits_status_stores(request_rec *r, int recent);

/* How many ended sessions the page lists. */
#define BITS_STATUS_RECENT 20

/* A listed session and the store it is in. */
typedef struct {
    const bits_status_store_t *store;
    bits_report_row_t row;
} bits_status_row_t;

/* Everything one answer of the page shows. */
typedef struct {
    request_rec *r;
    apr_time_t now;
    apr_array_header_t *stores;         /* of bits_status_store_t */
    bits_report_summary_t sum;          /* of all stores */
    bits_report_window_t hour, day;     /* of all stores */
    apr_array_header_t *rows;           /* of bits_status_row_t: this page */
    int listed;                         /* sessions of the whole listing */
    int page, pages, limit;             /* page is 1-based */
    const char *owner;                  /* ?owner=KEY, or NULL */
    int refresh;                        /* ?refresh=N seconds, or 0 */
} bits_status_t;

/* Gathers the stores and their totals (rows only if with_rows). */
void bits_status_gather(bits_status_t *st, request_rec *r, int with_rows);

/* src/httpd/bits_status.c: the handler and the mod_status hook. */
int bits_status_handler(request_rec *r);
void bits_status_register_hooks(apr_pool_t *p);

/* src/httpd/bits_status_html.c: the HTML page, and the section of
 * mod_status's page. */
void bits_status_html(const bits_status_t *st);
void bits_status_html_section(const bits_status_t *st);

/* src/httpd/bits_status_text.c: ?json, ?auto (also mod_status's ?auto
 * lines: with_sessions 0) and ?metrics (OpenMetrics if openmetrics). */
void bits_status_json(const bits_status_t *st);
void bits_status_auto(const bits_status_t *st, int with_sessions);
void bits_status_metrics(const bits_status_t *st, int openmetrics);

/* src/httpd/bits_status_format.c: numbers as the forms show them. */
const char *bits_status_size(apr_off_t bytes, apr_pool_t *p);   /* 1.5 MiB */
const char *bits_status_duration(apr_interval_time_t t, apr_pool_t *p);  /* 2h 5m */
/* The share of the total received, in percent (0 for an unknown total). */
double bits_status_percent(const bits_session_t *s);

#endif
