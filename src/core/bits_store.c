/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The set of session stores of the whole configuration, and the test that
 * keeps requests and uploads out of them (see bits_store.h). */
#include <string.h>
#include <strings.h>
#include <apr_file_info.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "bits_store.h"
#include "bits_path.h"
#include "bits_session.h"

typedef struct {
    const char *configured;    /* as written, normalised lexically */
    const char *canonical;     /* symlinks resolved at startup */
    int complete;              /* the whole store existed then */
} store_t;

struct bits_stores_t {
    apr_pool_t *pool;
    apr_array_header_t *list;  /* of store_t */
};

bits_stores_t *bits_stores_make(apr_pool_t *p)
{
    bits_stores_t *set = apr_pcalloc(p, sizeof *set);

    set->pool = p;
    set->list = apr_array_make(p, 4, sizeof(store_t));
    return set;
}

int bits_stores_count(const bits_stores_t *set)
{
    return set ? set->list->nelts : 0;
}

const char *bits_stores_path(const bits_stores_t *set, int i)
{
    return set && i >= 0 && i < set->list->nelts
           ? APR_ARRAY_IDX(set->list, i, store_t).canonical : NULL;
}

static const char *without_trailing_slashes(const char *path, apr_pool_t *p)
{
    apr_size_t len = strlen(path);

    while (len > 1 && path[len - 1] == '/')
        len--;
    return apr_pstrmemdup(p, path, len);
}

void bits_stores_add(bits_stores_t *set, const char *path)
{
    char *merged;
    const char *norm;
    store_t *s;
    int i;

    if (!path || path[0] != '/')
        return;
    /* NOTRELATIVE: an absolute path; ".." is folded lexically by APR. */
    if (apr_filepath_merge(&merged, NULL, path, APR_FILEPATH_NOTRELATIVE,
                           set->pool) != APR_SUCCESS)
        merged = apr_pstrdup(set->pool, path);
    norm = without_trailing_slashes(merged, set->pool);
    for (i = 0; i < set->list->nelts; i++)
        if (!strcmp(APR_ARRAY_IDX(set->list, i, store_t).configured, norm))
            return;
    s = apr_array_push(set->list);
    s->configured = norm;
    s->canonical = norm;
    s->complete = 0;
}

void bits_stores_merge(bits_stores_t *set, const bits_stores_t *from)
{
    int i;

    for (i = 0; from && i < from->list->nelts; i++)
        bits_stores_add(set, APR_ARRAY_IDX(from->list, i, store_t).configured);
}

void bits_stores_canonicalise(bits_stores_t *set, apr_pool_t *p)
{
    int i;

    for (i = 0; i < set->list->nelts; i++) {
        store_t *s = &APR_ARRAY_IDX(set->list, i, store_t);
        const char *real = bits_path_real(s->configured, p);

        s->complete = real != NULL;
        if (!real)
            real = bits_path_canonical(s->configured, p);
        s->canonical = real ? apr_pstrdup(set->pool, real) : s->configured;
    }
}

/* bits_path_is_within, without regard to case. */
static int within_nocase(const char *dir, const char *path)
{
    apr_size_t len = strlen(dir);

    while (len > 0 && dir[len - 1] == '/')
        len--;
    if (len == 0)
        return path[0] == '/';
    return strncasecmp(path, dir, len) == 0
           && (path[len] == '\0' || path[len] == '/');
}

int bits_path_names_store(const char *path)
{
    static const char name[] = BITS_SESSION_DIRNAME;
    const apr_size_t nlen = sizeof name - 1;
    const char *c = path;

    while ((c = strchr(c, '/')) != NULL) {
        c++;
        if (strncasecmp(c, name, nlen) == 0 && (c[nlen] == '/' || c[nlen] == '\0'))
            return 1;
    }
    return 0;
}

static int in_configured_store(const bits_stores_t *set, const char *path,
                               apr_pool_t *p)
{
    int i;

    for (i = 0; set && i < set->list->nelts; i++) {
        const store_t *s = &APR_ARRAY_IDX(set->list, i, store_t);
        const char *now;

        if (within_nocase(s->configured, path) || within_nocase(s->canonical, path))
            return 1;
        /* Created (or replaced by a symlink) since startup: look again. */
        if (!s->complete && (now = bits_path_canonical(s->configured, p)) != NULL
            && within_nocase(now, path))
            return 1;
    }
    return 0;
}

int bits_store_reserved(const bits_stores_t *set, const char *path, apr_pool_t *p)
{
    const char *real;

    if (!path || path[0] != '/')
        return 0;
    if (bits_path_names_store(path) || in_configured_store(set, path, p))
        return 1;
    real = bits_path_canonical(path, p);
    return real && strcmp(real, path) != 0
           && (bits_path_names_store(real) || in_configured_store(set, real, p));
}

int bits_store_within(const bits_stores_t *set, const char *dir, apr_pool_t *p)
{
    apr_pool_t *sub;
    apr_dir_t *d;
    apr_finfo_t fi;
    int found = 0;

    if (apr_pool_create(&sub, p) != APR_SUCCESS)
        return 0;
    if (apr_dir_open(&d, dir, sub) == APR_SUCCESS) {
        while (!found && apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d)
                             == APR_SUCCESS) {
            const char *path;

            if (fi.filetype != APR_DIR || !strcmp(fi.name, ".") || !strcmp(fi.name, ".."))
                continue;
            path = apr_pstrcat(sub, strcmp(dir, "/") ? dir : "", "/", fi.name, NULL);
            found = bits_store_reserved(set, path, sub) || bits_store_within(set, path, sub);
        }
        apr_dir_close(d);
    }
    apr_pool_destroy(sub);
    return found;
}
