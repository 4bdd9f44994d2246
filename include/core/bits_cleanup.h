/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The sweep of a session store (spec §13 "Cleanup task"): expired sessions
 * lose their data, old tombstones and debris go, an owner over the session
 * limit loses their most recent sessions, as IIS does, and the session
 * index (bits_index.h) is repaired.  Owners are owner keys: one owner's
 * sessions never cost another owner any.  Safe to run from several
 * processes and farm nodes at once.  APR only (unit-tested). */
#ifndef BITS_CLEANUP_H
#define BITS_CLEANUP_H

#include <apr_pools.h>
#include <apr_time.h>
#include "bits_lock.h"

typedef struct {
    apr_interval_time_t session_timeout;  /* live sessions idle this long expire */
    apr_interval_time_t tombstone_ttl;    /* tombstones older than this go */
    apr_interval_time_t grace;            /* tolerance for clocks of other nodes */
    int sessions_limit;                   /* per owner key; <= 0 = no limit */
} bits_sweep_policy_t;

typedef struct {
    int live;        /* sessions left running */
    int expired;     /* live sessions that expired now */
    int limited;     /* sessions removed for the per-owner limit */
    int removed;     /* tombstones and debris deleted */
    int busy;        /* skipped because a request held them */
    int indexed;     /* live sessions that had no index entry */
    int unindexed;   /* index entries without a live session, dropped */
} bits_sweep_stats_t;

/* How long a session directory, or an index entry, may lack a readable
 * record before it counts as debris: longer than any Create-Session takes,
 * and than clocks of farm nodes may differ. */
#define BITS_SWEEP_GRACE apr_time_from_sec(600)

/* The module's policy for a session timeout and a per-owner limit: §8.3,
 * tombstones live as long as sessions, at least one and at most seven days;
 * the grace above. */
void bits_sweep_policy_init(bits_sweep_policy_t *policy,
                            apr_interval_time_t session_timeout,
                            int sessions_limit);

/* Sweeps <store>/Requests.  Sessions locked by a request are skipped. */
apr_status_t bits_sweep(const char *store, const bits_sweep_policy_t *policy,
                        bits_claims_t *claims, apr_time_t now,
                        bits_sweep_stats_t *stats, apr_pool_t *p);

/* What the sweep did (or, in a dry run, would do) to one session. */
typedef enum {
    BITS_SWEEP_EXPIRED,       /* idle too long: its data deleted, tombstone left */
    BITS_SWEEP_LIMITED,       /* over the per-owner limit: the same */
    BITS_SWEEP_REMOVED,       /* an old tombstone, or debris, deleted */
    BITS_SWEEP_BUSY,          /* locked by a request: left alone */
    BITS_SWEEP_INDEXED        /* a live session given its missing index entry */
} bits_sweep_action_t;

typedef void (*bits_sweep_note_fn)(void *baton, bits_sweep_action_t action,
                                   const char *id);

/* For an operator's tool (bitsctl): note is called per session acted on
 * (may be NULL); with dry_run nothing is changed, not even a lock file
 * created, and stats count what a sweep would do now (index entries
 * without a live session included). */
typedef struct {
    int dry_run;
    bits_sweep_note_fn note;
    void *baton;
} bits_sweep_run_t;

apr_status_t bits_sweep_run(const char *store, const bits_sweep_policy_t *policy,
                            const bits_sweep_run_t *run, bits_claims_t *claims,
                            apr_time_t now, bits_sweep_stats_t *stats,
                            apr_pool_t *p);

/* 1 if this caller should sweep now: the store's stamp file is older than
 * `interval` and the caller won the right to renew it (exclusive create). */
int bits_sweep_due(const char *store, apr_interval_time_t interval,
                   apr_time_t now, apr_pool_t *p);

/* Marks the sweep done (renews the stamp, drops the claim). */
void bits_sweep_done(const char *store, apr_time_t now, apr_pool_t *p);

#endif
