/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Which session stores the status page shows, and their summaries.
 *
 * The configured stores, and those the background sweep looks after: its
 * registry (bits_sweeper.c) already knows every store a section names at
 * start-up and a <Location>'s store once a request used it, across
 * processes and restarts.
 *
 * A summary reads every live record of a store.  Each child keeps the last
 * one per store and serves it again while it is younger than ten times
 * what reading it cost (at most a minute), but only once reading costs
 * CACHE_FROM or more: a small store is always read afresh, and a large
 * one never costs more than about a tenth of a worker. */
#include <stdlib.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "bits_private.h"
#include "bits_status.h"
#include "bits_sweeper.h"

#define CACHE_FROM     apr_time_from_msec(50)
#define CACHE_FACTOR   10
#define CACHE_MAX      apr_time_from_sec(60)

static apr_pool_t *child_pool;
static apr_thread_mutex_t *child_lock;
static apr_hash_t *cache;           /* store path -> cache_entry_t */

typedef struct {
    apr_pool_t *pool;
    bits_status_store_t st;
} cache_entry_t;

void bits_status_child_init(apr_pool_t *pchild, server_rec *s)
{
    (void)s;
    child_pool = pchild;
    cache = apr_hash_make(pchild);
    if (apr_thread_mutex_create(&child_lock, APR_THREAD_MUTEX_DEFAULT, pchild)
        != APR_SUCCESS)
        child_lock = NULL;
}

static void lock(void)
{
    if (child_lock)
        apr_thread_mutex_lock(child_lock);
}

static void unlock(void)
{
    if (child_lock)
        apr_thread_mutex_unlock(child_lock);
}

/* The registry's lines, each a store path (absolute, one line). */
static int is_dir(const char *path, apr_pool_t *p)
{
    apr_finfo_t fi;

    return apr_stat(&fi, path, APR_FINFO_TYPE, p) == APR_SUCCESS
           && fi.filetype == APR_DIR;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every known store's path, sorted, without duplicates. */
static apr_array_header_t *known_stores(request_rec *r)
{
    const bits_stores_t *configured = bits_all_stores(r->server);
    apr_array_header_t *all = bits_sweeper_stores(r->pool), *out;
    apr_hash_t *seen = apr_hash_make(r->pool);
    int i;

    for (i = 0; i < bits_stores_count(configured); i++)
        *(const char **)apr_array_push(all) = bits_stores_path(configured, i);
    qsort(all->elts, (size_t)all->nelts, sizeof(const char *), by_path);
    out = apr_array_make(r->pool, all->nelts + 1, sizeof(const char *));
    for (i = 0; i < all->nelts; i++) {
        const char *path = APR_ARRAY_IDX(all, i, const char *);
        if (!apr_hash_get(seen, path, APR_HASH_KEY_STRING)) {
            apr_hash_set(seen, path, APR_HASH_KEY_STRING, "");
            *(const char **)apr_array_push(out) = path;
        }
    }
    return out;
}

static void read_store(bits_status_store_t *st, const char *path, int recent,
                       apr_pool_t *p)
{
    apr_time_t start = apr_time_now();

    memset(st, 0, sizeof *st);
    st->path = apr_pstrdup(p, path);
    st->exists = is_dir(path, p);
    if (st->exists) {
        bits_report_summarise(&st->sum, path, p);
        bits_report_history(&st->hist, path, start, recent, p);
    }
    else {
        bits_report_history(&st->hist, "/nonexistent", start, 0, p);
    }
    st->computed = start;
    st->cost = apr_time_now() - start;
}

static apr_array_header_t *copy_array(const apr_array_header_t *a, apr_pool_t *p)
{
    return a ? apr_array_copy(p, a) : NULL;
}

/* A copy in the request's pool: the cached one may be replaced meanwhile. */
static void copy_store(bits_status_store_t *to, const bits_status_store_t *from,
                       apr_pool_t *p)
{
    *to = *from;
    to->path = apr_pstrdup(p, from->path);
    to->hist.hour.by_code = copy_array(from->hist.hour.by_code, p);
    to->hist.day.by_code = copy_array(from->hist.day.by_code, p);
    to->hist.recent = copy_array(from->hist.recent, p);
}

static void cached_store(bits_status_store_t *out, const char *path, int recent,
                         request_rec *r)
{
    apr_time_t now = apr_time_now();
    cache_entry_t *e;
    apr_pool_t *pool;

    if (!cache) {               /* no child_init (a one-process test) */
        read_store(out, path, recent, r->pool);
        return;
    }
    lock();
    e = apr_hash_get(cache, path, APR_HASH_KEY_STRING);
    if (e && e->st.cost >= CACHE_FROM
        && now - e->st.computed < (e->st.cost * CACHE_FACTOR < CACHE_MAX
                                   ? e->st.cost * CACHE_FACTOR : CACHE_MAX)) {
        copy_store(out, &e->st, r->pool);
        unlock();
        return;
    }
    apr_pool_create(&pool, child_pool);
    if (!e) {
        e = apr_pcalloc(child_pool, sizeof *e);
        apr_hash_set(cache, apr_pstrdup(child_pool, path), APR_HASH_KEY_STRING, e);
    }
    else {
        apr_pool_destroy(e->pool);
    }
    e->pool = pool;
    read_store(&e->st, path, recent, pool);
    copy_store(out, &e->st, r->pool);
    unlock();
}

apr_array_header_t *bits_status_stores(request_rec *r, int recent)
{
    apr_array_header_t *paths = known_stores(r);
    apr_array_header_t *out = apr_array_make(r->pool, paths->nelts + 1,
                                             sizeof(bits_status_store_t));
    int i;

    for (i = 0; i < paths->nelts; i++)
        cached_store(apr_array_push(out), APR_ARRAY_IDX(paths, i, const char *),
                     recent, r);
    return out;
}
