/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Checking a session store for what the module never leaves behind in
 * working order: records that do not load, data shorter than the record
 * says, damaged progress slots, index drift, files that belong to no
 * session, and modes or owners that are not the store's.  Changes nothing,
 * not even a lock file; a session locked by a request is skipped (counted
 * busy), so it is safe while Apache runs.  bitsctl verify.  APR and libc
 * only (unit-tested). */
#ifndef BITS_VERIFY_H
#define BITS_VERIFY_H

#include <apr_pools.h>
#include <apr_time.h>
#include "bits_lock.h"

/* What is wrong, in one of these words (stable, for scripts). */
#define BITS_PROBLEM_RECORD      "record"       /* state file missing or unreadable */
#define BITS_PROBLEM_DATA        "data"         /* request file missing or short */
#define BITS_PROBLEM_PROGRESS    "progress"     /* progress file or slot damaged */
#define BITS_PROBLEM_TOMBSTONE   "tombstone"    /* an ended session still holds data */
#define BITS_PROBLEM_INDEX       "index"        /* index entry missing or stale */
#define BITS_PROBLEM_ORPHAN      "orphan"       /* belongs to no session */
#define BITS_PROBLEM_PERMISSIONS "permissions"  /* owner, mode or type */

typedef struct {
    const char *kind;      /* BITS_PROBLEM_* */
    const char *id;        /* the session concerned, or NULL */
    const char *path;      /* the file concerned, relative to the store */
    const char *detail;    /* one sentence for an operator */
} bits_problem_t;

typedef void (*bits_verify_fn)(void *baton, const bits_problem_t *problem);

typedef struct {
    int sessions;          /* session directories examined */
    int busy;              /* of those, skipped: a request held them */
    int problems;          /* fn calls */
} bits_verify_stats_t;

/* Checks the store; fn is called once per problem.  Records younger than
 * grace that are missing are a Create-Session under way, not a problem.
 * An error only if the store itself cannot be read. */
apr_status_t bits_verify_store(const char *store, apr_interval_time_t grace,
                               bits_claims_t *claims, apr_time_t now,
                               bits_verify_fn fn, void *baton,
                               bits_verify_stats_t *stats, apr_pool_t *p);

#endif
