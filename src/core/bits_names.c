/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Names a client may not upload: configuration files and our staging
 * names (issue 6, items 2 and 10).  APR and libc only. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include "bits_names.h"
#include "bits_path.h"

/* name[0..len) equals `word` ignoring case (a component is no C string). */
static int name_is(const char *name, apr_size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(name, word, len) == 0;
}

static int name_starts(const char *name, apr_size_t len, const char *prefix)
{
    apr_size_t n = strlen(prefix);

    return len >= n && strncasecmp(name, prefix, n) == 0;
}

/* Apache reads `<dir>/<access name>`: only its last component is a name
 * that can appear in a directory. */
static const char *last_component(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

static int is_access_name(const char *name, apr_size_t len,
                          const apr_array_header_t *access_names)
{
    int i;

    if (access_names == NULL)
        return 0;
    for (i = 0; i < access_names->nelts; i++) {
        const char *a = APR_ARRAY_IDX(access_names, i, const char *);

        if (a && *a && name_is(name, len, last_component(a)))
            return 1;
    }
    return 0;
}

bits_name_rule_t bits_name_rule(const char *name, apr_size_t len,
                                const apr_array_header_t *access_names)
{
    if (is_access_name(name, len, access_names))
        return BITS_NAME_ACCESS_FILE;
    if (name_starts(name, len, ".ht"))
        return BITS_NAME_HT;
    if (name_is(name, len, ".user.ini"))
        return BITS_NAME_USER_INI;
    if (name_starts(name, len, BITS_STAGING_PREFIX))
        return BITS_NAME_STAGING;
    return BITS_NAME_OK;
}

static bits_name_rule_t check_components(const char *rel,
                                         const apr_array_header_t *access_names,
                                         const char **bad, apr_pool_t *p)
{
    while (*rel) {
        const char *end = strchr(rel, '/');
        apr_size_t len = end ? (apr_size_t)(end - rel) : strlen(rel);
        bits_name_rule_t rule = bits_name_rule(rel, len, access_names);

        if (rule != BITS_NAME_OK) {
            *bad = apr_pstrmemdup(p, rel, len);
            return rule;
        }
        if (end == NULL)
            break;
        rel = end + 1;
    }
    return BITS_NAME_OK;
}

/* The part of path below dir ("" if none), or NULL if it is not below. */
static const char *below(const char *dir, const char *path)
{
    const char *rest;

    if (dir == NULL || !bits_path_is_within(dir, path))
        return NULL;
    rest = path + strlen(dir);
    while (*rest == '/')
        rest++;
    return rest;
}

bits_name_rule_t bits_names_check_below(const char *root, const char *path,
                                        const apr_array_header_t *access_names,
                                        const char **bad, apr_pool_t *p)
{
    char *real_root = root ? realpath(root, apr_palloc(p, PATH_MAX)) : NULL;
    const char *rel = below(real_root, path);

    *bad = NULL;
    if (rel == NULL)
        rel = below(root, path);
    /* Not below the root at all (cannot happen for a confined path): the
     * file name itself is still checked. */
    if (rel == NULL)
        rel = last_component(path);
    return check_components(rel, access_names, bad, p);
}

const char *bits_name_rule_text(bits_name_rule_t rule)
{
    switch (rule) {
    case BITS_NAME_ACCESS_FILE: return "a name AccessFileName configures";
    case BITS_NAME_HT:          return "a .ht* name (Apache's configuration and "
                                       "password files)";
    case BITS_NAME_USER_INI:    return "PHP's per-directory .user.ini";
    case BITS_NAME_STAGING:     return "the module's staging names (" BITS_STAGING_PREFIX "*)";
    default:                    return "an allowed name";
    }
}
