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

/* Sweeps <store>/Requests.  Sessions locked by a request are skipped. */
apr_status_t bits_sweep(const char *store, const bits_sweep_policy_t *policy,
                        bits_claims_t *claims, apr_time_t now,
                        bits_sweep_stats_t *stats, apr_pool_t *p);

/* 1 if this caller should sweep now: the store's stamp file is older than
 * `interval` and the caller won the right to renew it (exclusive create). */
int bits_sweep_due(const char *store, apr_interval_time_t interval,
                   apr_time_t now, apr_pool_t *p);

/* Marks the sweep done (renews the stamp, drops the claim). */
void bits_sweep_done(const char *store, apr_time_t now, apr_pool_t *p);

#endif
