/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Names a client may not upload (issue 6, items 2 and 10): files Apache or
 * a common handler reads as configuration, and the module's own staging
 * names.  APR only (unit-tested without httpd). */
#ifndef BITS_NAMES_H
#define BITS_NAMES_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef enum {
    BITS_NAME_OK = 0,
    BITS_NAME_ACCESS_FILE,  /* a name AccessFileName configures */
    BITS_NAME_HT,           /* ".ht*": .htaccess, .htpasswd, .htdigest, ... */
    BITS_NAME_USER_INI,     /* ".user.ini": PHP's per-directory php.ini */
    BITS_NAME_STAGING       /* ".bits-*": the module's temporary names */
} bits_name_rule_t;

/* The module's temporary names in destination directories all start with
 * this prefix; clients cannot upload such a name, so the two never meet. */
#define BITS_STAGING_PREFIX ".bits-"

/* Which rule refuses the file name `name` (one path component of `len`
 * bytes), compared case-insensitively; `access_names` lists the names
 * AccessFileName configures (const char *; NULL or empty: none). */
bits_name_rule_t bits_name_rule(const char *name, apr_size_t len,
                                const apr_array_header_t *access_names);

/* Checks every component of `path` below the upload directory `root` (the
 * directories too: a directory named .htaccess is no upload target either).
 * `path` may be canonical (symlinks of root resolved) or not.  On a refusal
 * *bad is the offending component. */
bits_name_rule_t bits_names_check_below(const char *root, const char *path,
                                        const apr_array_header_t *access_names,
                                        const char **bad, apr_pool_t *p);

/* A short description of a rule for log lines. */
const char *bits_name_rule_text(bits_name_rule_t rule);

#endif
