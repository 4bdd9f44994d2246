/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Every session store of the configuration (issue 6 items 3 and 4): no URL
 * of any vhost may serve a store, and no upload may write into one.  The
 * set is built from the BITSSessionDirectory directives on each
 * configuration pass; the default stores are recognised by their name,
 * BITS-Sessions.  APR and libc only (unit-tested). */
#ifndef BITS_STORE_H
#define BITS_STORE_H

#include <apr_pools.h>

typedef struct bits_stores_t bits_stores_t;

bits_stores_t *bits_stores_make(apr_pool_t *p);

/* Adds a configured store (an absolute path; "." and ".." are resolved
 * lexically, trailing slashes dropped).  Duplicates are ignored. */
void bits_stores_add(bits_stores_t *set, const char *path);

/* Adds every store of `from` to `set`. */
void bits_stores_merge(bits_stores_t *set, const bits_stores_t *from);

/* Resolves the symlinks of every store (as far as it exists now), so that
 * a path reaching a store through a symlink is recognised.  A store that
 * does not exist yet is resolved again whenever it is checked. */
void bits_stores_canonicalise(bits_stores_t *set, apr_pool_t *p);

int bits_stores_count(const bits_stores_t *set);

/* The i-th store (0 <= i < count), symlinks resolved as far as known. */
const char *bits_stores_path(const bits_stores_t *set, int i);

/* 1 if the absolute `path` is a store or lies inside one: a configured
 * store of `set` (may be NULL), or any directory named BITS-Sessions.  The
 * path is checked as given and with its symlinks resolved; names are
 * compared without regard to case, as a case-insensitive file system
 * would (the cost is refusing a sibling that differs only in case). */
int bits_store_reserved(const bits_stores_t *set, const char *path, apr_pool_t *p);

/* 1 if the directory `dir` holds a store somewhere below it: a directory
 * that bits_store_reserved names.  Symlinks are not followed (mod_dav_fs
 * does not follow them either: what it would delete or copy is the tree
 * as it is on disk).  An unreadable directory is not looked into. */
int bits_store_within(const bits_stores_t *set, const char *dir, apr_pool_t *p);

/* 1 if a component of `path` is "BITS-Sessions", in any case. */
int bits_path_names_store(const char *path);

#endif
