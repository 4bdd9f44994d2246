/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Which session stores the status page shows, and their summaries.
 *
 * The configured stores are known at start-up; a default store
 * (<upload directory>/BITS-Sessions of a <Directory> or <Location>) only
 * when a request uses it.  So each child notes the stores its requests use
 * in one file of the runtime directory (a line per store, appended once
 * per store and child; readers drop duplicates and stores that are gone),
 * which the parent creates for the server user at start-up and which
 * outlives restarts, as the stores do.
 *
 * A summary reads every live record of a store.  Each child keeps the last
 * one per store and serves it again while it is younger than ten times
 * what reading it cost (at most a minute), but only once reading costs
 * CACHE_FROM or more: a small store is always read afresh, and a large
 * one never costs more than about a tenth of a worker. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <unixd.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "bits_private.h"
#include "bits_status.h"

#define REGISTRY_NAME  "mod_bits-stores"
#define CACHE_FROM     apr_time_from_msec(50)
#define CACHE_FACTOR   10
#define CACHE_MAX      apr_time_from_sec(60)
#define REGISTRY_MAX   (1024 * 1024)

static const char *registry_path;
static apr_pool_t *child_pool;
static apr_thread_mutex_t *child_lock;
static apr_hash_t *noted;           /* stores this child has written down */
static apr_hash_t *cache;           /* store path -> cache_entry_t */

typedef struct {
    apr_pool_t *pool;
    bits_status_store_t st;
} cache_entry_t;

void bits_status_post_config(apr_pool_t *pconf, server_rec *s)
{
    int fd;

    registry_path = ap_runtime_dir_relative(pconf, REGISTRY_NAME);
    fd = open(registry_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
              0600);
    if (fd < 0 || (geteuid() == 0 && fchown(fd, ap_unixd_config.user_id, -1) != 0))
        ap_log_error(APLOG_MARK, APLOG_WARNING, APR_FROM_OS_ERROR(errno), s,
                     "BITS00145: mod_bits: cannot set up %s; the status page shows only the "
                     "configured session stores", registry_path);
    if (fd >= 0)
        close(fd);
}

void bits_status_child_init(apr_pool_t *pchild, server_rec *s)
{
    (void)s;
    child_pool = pchild;
    noted = apr_hash_make(pchild);
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
static apr_array_header_t *read_registry(apr_pool_t *p)
{
    apr_array_header_t *paths = apr_array_make(p, 8, sizeof(const char *));
    apr_file_t *f;
    char *buf, *line, *last;
    apr_size_t len = REGISTRY_MAX;

    if (!registry_path || apr_file_open(&f, registry_path, APR_FOPEN_READ, 0, p)
                          != APR_SUCCESS)
        return paths;
    buf = apr_palloc(p, REGISTRY_MAX + 1);
    apr_file_read_full(f, buf, REGISTRY_MAX, &len);
    apr_file_close(f);
    buf[len] = '\0';
    for (line = apr_strtok(buf, "\n", &last); line; line = apr_strtok(NULL, "\n", &last))
        if (line[0] == '/')
            *(const char **)apr_array_push(paths) = line;
    return paths;
}

static void append_registry(const char *store)
{
    int fd = registry_path ? open(registry_path, O_WRONLY | O_APPEND | O_NOFOLLOW
                                                | O_CLOEXEC) : -1;
    struct iovec line[2] = { { (void *)store, strlen(store) }, { "\n", 1 } };
    ssize_t n;

    if (fd < 0)
        return;
    /* One write per line: appends do not interleave.  If it fails, the
     * page misses this store until another child notes it. */
    n = writev(fd, line, 2);
    (void)n;
    close(fd);
}

void bits_status_note_store(request_rec *r, const char *store)
{
    apr_array_header_t *known;
    int i, found = 0;

    if (!store || store[0] != '/' || strchr(store, '\n') || !noted)
        return;
    lock();
    if (apr_hash_get(noted, store, APR_HASH_KEY_STRING)) {
        unlock();
        return;
    }
    known = read_registry(r->pool);
    for (i = 0; i < known->nelts && !found; i++)
        found = !strcmp(APR_ARRAY_IDX(known, i, const char *), store);
    if (!found)
        append_registry(store);
    apr_hash_set(noted, apr_pstrdup(child_pool, store), APR_HASH_KEY_STRING, "");
    unlock();
}

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
    apr_array_header_t *all = read_registry(r->pool), *out;
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
