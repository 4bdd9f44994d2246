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

/* Sweeps <store>/Requests, all at once.  Sessions locked by a request
 * are skipped. */
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

/* The same sweep in batches, resumable where it stopped: begin, then
 * step until it returns APR_SUCCESS (done; or an error), then end.  A step
 * works until `deadline` (0: none) or after `max_items` units (0: no
 * bound; a unit is one session, the per-owner limit, or one owner's
 * index), and returns APR_INCOMPLETE if there is more.  The cursor keeps a
 * pool of its own below p (the live sessions, for the per-owner limit). */
typedef struct bits_sweep_cursor_t bits_sweep_cursor_t;
apr_status_t bits_sweep_begin(bits_sweep_cursor_t **out, const char *store,
                              const bits_sweep_policy_t *policy,
                              const bits_sweep_run_t *run,     /* NULL: a real sweep */
                              bits_claims_t *claims, apr_time_t now, apr_pool_t *p);
apr_status_t bits_sweep_step(bits_sweep_cursor_t *c, apr_time_t deadline,
                             int max_items);
const bits_sweep_stats_t *bits_sweep_stats(const bits_sweep_cursor_t *c);
const char *bits_sweep_store(const bits_sweep_cursor_t *c);
void bits_sweep_end(bits_sweep_cursor_t *c);

/* 1 if the store's last sweep (its stamp file) is `interval` old, or it
 * never had one. */
int bits_sweep_is_due(const char *store, apr_interval_time_t interval,
                      apr_time_t now, apr_pool_t *p);

/* The store's sweep lock, without waiting: APR_EBUSY while another
 * process or farm node (or another thread of this process) sweeps it.
 * Hold it for the whole sweep, across its steps; bits_lock_release (or a
 * cleanup on p) drops it.  Check bits_sweep_is_due again once it is held:
 * the previous holder may have just finished. */
apr_status_t bits_sweep_lock(bits_lock_t **out, bits_claims_t *claims,
                             const char *store, apr_pool_t *p);

/* A store's sweep files, made with the store (Create-Session): the stamp,
 * so that a new store, which has nothing to sweep, is first swept an
 * interval later, and the lock file; both left alone if they exist. */
void bits_sweep_prepare(const char *store, apr_pool_t *p);

/* Marks the sweep done: renews the stamp. */
void bits_sweep_done(const char *store, apr_time_t now, apr_pool_t *p);

#endif
