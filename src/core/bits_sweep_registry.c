/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The registry of swept stores: "store-<hash of the path>" files of
 * "name value" lines, replaced by rename so that a reader never sees half
 * of one; writers exclude each other with a non-blocking flock so that
 * merging two policies never loses one. */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>

#include "bits_sweep_registry.h"
#include "bits_lock.h"

#define ENTRY_PREFIX "store-"
#define ENTRY_MAX 8192          /* a path and six numbers */
#define FILE_MODE (APR_FPROT_UREAD | APR_FPROT_UWRITE)

static apr_interval_time_t max_of(apr_interval_time_t a, apr_interval_time_t b)
{
    return a > b ? a : b;
}

void bits_sweep_entry_merge(bits_sweep_entry_t *into, const bits_sweep_entry_t *from)
{
    bits_sweep_policy_t *a = &into->policy;
    const bits_sweep_policy_t *b = &from->policy;

    into->interval = into->interval < from->interval ? into->interval : from->interval;
    a->session_timeout = max_of(a->session_timeout, b->session_timeout);
    a->tombstone_ttl = max_of(a->tombstone_ttl, b->tombstone_ttl);
    a->grace = max_of(a->grace, b->grace);
    a->sessions_limit = a->sessions_limit <= 0 || b->sessions_limit <= 0
                        ? 0 : (a->sessions_limit > b->sessions_limit
                               ? a->sessions_limit : b->sessions_limit);
}

static int same_entry(const bits_sweep_entry_t *a, const bits_sweep_entry_t *b)
{
    return a->interval == b->interval
           && a->policy.session_timeout == b->policy.session_timeout
           && a->policy.tombstone_ttl == b->policy.tombstone_ttl
           && a->policy.grace == b->policy.grace
           && a->policy.sessions_limit == b->policy.sessions_limit;
}

/* FNV-1a: a file name for any path, without apr-util. */
const char *bits_sweep_registry_file(const char *dir, const char *store,
                                     apr_pool_t *p)
{
    apr_uint64_t h = APR_UINT64_C(14695981039346656037);
    const unsigned char *c;

    for (c = (const unsigned char *)store; *c; c++)
        h = (h ^ *c) * APR_UINT64_C(1099511628211);
    return apr_psprintf(p, "%s/" ENTRY_PREFIX "%016" APR_UINT64_T_HEX_FMT, dir, h);
}

apr_status_t bits_sweep_registry_prepare(const char *dir, apr_pool_t *p)
{
    return bits_slots_prepare(dir, 1, p);
}

static int number(const char *v, apr_int64_t *out)
{
    char *end;

    *out = apr_strtoi64(v, &end, 10);
    return *v && !*end && *out >= 0;
}

/* Parses one entry file; APR_EINVAL if it is not one. */
static apr_status_t parse_entry(char *text, bits_sweep_entry_t *e, apr_time_t *epoch,
                                apr_pool_t *p)
{
    char *line, *last;
    int seen = 0;

    memset(e, 0, sizeof *e);
    for (line = apr_strtok(text, "\n", &last); line; line = apr_strtok(NULL, "\n", &last)) {
        char *sp = strchr(line, ' ');
        apr_int64_t v = 0;

        if (!sp)
            return APR_EINVAL;
        *sp++ = '\0';
        if (!strcmp(line, "store")) {
            e->store = apr_pstrdup(p, sp);
            seen |= 1;
            continue;
        }
        if (!number(sp, &v))
            return APR_EINVAL;
        if (!strcmp(line, "epoch"))
            *epoch = v, seen |= 2;
        else if (!strcmp(line, "interval"))
            e->interval = v, seen |= 4;
        else if (!strcmp(line, "session-timeout"))
            e->policy.session_timeout = v, seen |= 8;
        else if (!strcmp(line, "tombstone-ttl"))
            e->policy.tombstone_ttl = v, seen |= 16;
        else if (!strcmp(line, "grace"))
            e->policy.grace = v, seen |= 32;
        else if (!strcmp(line, "sessions-limit"))
            e->policy.sessions_limit = (int)v, seen |= 64;
    }
    return seen == 127 && e->store[0] == '/' && e->interval > 0 ? APR_SUCCESS
                                                                : APR_EINVAL;
}

static apr_status_t read_entry(const char *path, bits_sweep_entry_t *e,
                               apr_time_t *epoch, apr_pool_t *p)
{
    char *buf = apr_palloc(p, ENTRY_MAX + 1);
    apr_size_t n = ENTRY_MAX;
    apr_file_t *f;
    apr_status_t rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, p);

    if (rv != APR_SUCCESS)
        return rv;
    rv = apr_file_read_full(f, buf, n, &n);
    apr_file_close(f);
    if (rv != APR_SUCCESS && !APR_STATUS_IS_EOF(rv))
        return rv;
    buf[n] = '\0';
    return parse_entry(buf, e, epoch, p);
}

static apr_status_t write_entry(const char *path, const bits_sweep_entry_t *e,
                                apr_time_t epoch, apr_pool_t *p)
{
    const char *tmp = apr_pstrcat(p, path, ".new", NULL);
    const char *text = apr_psprintf(p, "store %s\nepoch %" APR_TIME_T_FMT
                                    "\ninterval %" APR_TIME_T_FMT
                                    "\nsession-timeout %" APR_TIME_T_FMT
                                    "\ntombstone-ttl %" APR_TIME_T_FMT
                                    "\ngrace %" APR_TIME_T_FMT "\nsessions-limit %d\n",
                                    e->store, epoch, e->interval,
                                    e->policy.session_timeout, e->policy.tombstone_ttl,
                                    e->policy.grace, e->policy.sessions_limit);
    apr_size_t len = strlen(text);
    apr_file_t *f;
    apr_status_t rv = apr_file_open(&f, tmp, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                                    | APR_FOPEN_TRUNCATE, FILE_MODE, p);

    if (rv != APR_SUCCESS)
        return rv;
    rv = apr_file_write_full(f, text, len, NULL);
    apr_file_close(f);
    if (rv == APR_SUCCESS)
        rv = apr_file_rename(tmp, path, p);
    if (rv != APR_SUCCESS)
        apr_file_remove(tmp, p);
    return rv;
}

apr_status_t bits_sweep_register(const char *dir, const bits_sweep_entry_t *e,
                                 apr_time_t epoch, int *written, apr_pool_t *p)
{
    const char *path = bits_sweep_registry_file(dir, e->store, p);
    bits_sweep_entry_t have, merged = *e;
    apr_time_t have_epoch = 0;
    bits_slot_t *lock;
    apr_status_t rv;

    *written = 0;
    /* A line break in the path would let it forge the other lines. */
    if (e->store[0] != '/' || strpbrk(e->store, "\r\n"))
        return APR_EINVAL;
    if ((rv = bits_slot_take(&lock, dir, 1, p)) != APR_SUCCESS)
        return rv;
    if (read_entry(path, &have, &have_epoch, p) == APR_SUCCESS
        && !strcmp(have.store, e->store)) {
        if (have_epoch > epoch) {
            bits_slot_release(lock);
            return APR_SUCCESS;
        }
        if (have_epoch == epoch) {
            merged = have;
            bits_sweep_entry_merge(&merged, e);
            if (same_entry(&merged, &have)) {
                bits_slot_release(lock);
                return APR_SUCCESS;
            }
        }
    }
    rv = write_entry(path, &merged, epoch, p);
    *written = rv == APR_SUCCESS;
    bits_slot_release(lock);
    return rv;
}

apr_status_t bits_sweep_registry_read(const char *dir, apr_array_header_t **entries,
                                      apr_pool_t *p)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv;

    *entries = apr_array_make(p, 8, sizeof(bits_sweep_entry_t));
    if ((rv = apr_dir_open(&d, dir, p)) != APR_SUCCESS)
        return APR_STATUS_IS_ENOENT(rv) ? APR_SUCCESS : rv;
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS) {
        bits_sweep_entry_t e;
        apr_time_t epoch;
        const char *path;

        if (fi.filetype != APR_REG || strncmp(fi.name, ENTRY_PREFIX, strlen(ENTRY_PREFIX))
            || strchr(fi.name, '.'))
            continue;
        path = apr_pstrcat(p, dir, "/", fi.name, NULL);
        /* A file under another store's name is not that store's entry. */
        if (read_entry(path, &e, &epoch, p) == APR_SUCCESS
            && !strcmp(path, bits_sweep_registry_file(dir, e.store, p)))
            *(bits_sweep_entry_t *)apr_array_push(*entries) = e;
    }
    apr_dir_close(d);
    return APR_SUCCESS;
}
