/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Sweeping a session store.  Like htcacheclean it never touches what a live
 * request may be using: every session is examined under its own lock,
 * taken without waiting, and anything whose record is unreadable is only
 * removed once it is older than the grace period. */
#include <stdlib.h>
#include <apr_strings.h>
#include <apr_file_info.h>
#include <apr_tables.h>

#include "bits_cleanup.h"
#include "bits_session.h"
#include "bits_fileio.h"
#include "bits_index.h"
#include "bits_walk.h"

#define SWEEP_STAMP "/.sweep-stamp"
#define SWEEP_CLAIM "/.sweep-claim"
#define SWEEP_CLAIM_STALE apr_time_from_sec(3600)
/* Like everything in the store: the server's alone. */
#define SWEEP_FILE_MODE (APR_FPROT_UREAD | APR_FPROT_UWRITE)

typedef struct {
    const char *key;          /* the owner key the session counts against */
    const char *id;
    apr_time_t created;
} live_session_t;

/* Removes a session directory: its files first, the directory last. */
static apr_status_t remove_session_dir(const char *dir, apr_pool_t *p)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv = apr_dir_open(&d, dir, p);

    if (rv != APR_SUCCESS)
        return APR_STATUS_IS_ENOENT(rv) ? APR_SUCCESS : rv;
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS) {
        if (fi.filetype != APR_DIR)
            apr_file_remove(apr_pstrcat(p, dir, "/", fi.name, NULL), p);
    }
    apr_dir_close(d);
    rv = apr_dir_remove(dir, p);
    return APR_STATUS_IS_ENOENT(rv) ? APR_SUCCESS : rv;
}

/* Tells the tool what happened; counts nothing. */
static void note(const bits_sweep_run_t *run, bits_sweep_action_t action,
                 const char *id)
{
    if (run->note)
        run->note(run->baton, action, id);
}

/* The session's lock, taken without waiting.  A dry run creates no lock
 * file: if there is none, no request holds the session (*lk stays NULL). */
static apr_status_t lock_session(bits_lock_t **lk, const char *store, const char *id,
                                 const bits_sweep_run_t *run, bits_claims_t *claims,
                                 apr_pool_t *p)
{
    const char *path = bits_session_file(store, id, BITS_LOCK_FILE, p);
    apr_status_t rv;

    *lk = NULL;
    if (!run->dry_run)
        return bits_lock_acquire(lk, claims, path, id, 0, p);
    rv = bits_lock_acquire_existing(lk, claims, path, id, 0, p);
    return APR_STATUS_IS_ENOENT(rv) ? APR_SUCCESS : rv;
}

static void unlock_session(bits_lock_t *lk)
{
    if (lk)
        bits_lock_release(lk);
}

/* Looks at one session under its lock; live ones are returned in *live. */
static void sweep_one(const char *store, const char *id,
                      const bits_sweep_policy_t *policy, const bits_sweep_run_t *run,
                      bits_claims_t *claims, apr_time_t now,
                      bits_sweep_stats_t *stats, live_session_t *live, apr_pool_t *p)
{
    const char *dir = bits_session_dir(store, id, p);
    bits_session_t s;
    bits_lock_t *lk;
    apr_finfo_t fi;
    apr_status_t rv;

    rv = lock_session(&lk, store, id, run, claims, p);
    if (rv == APR_TIMEUP) {
        stats->busy++;
        note(run, BITS_SWEEP_BUSY, id);
        return;
    }
    if (rv != APR_SUCCESS || bits_session_load(&s, store, id, p) != APR_SUCCESS) {
        /* No readable record: debris of a crash, once nobody can be
         * creating it any more. */
        if (apr_stat(&fi, dir, APR_FINFO_MTIME, p) == APR_SUCCESS
            && now - fi.mtime > policy->grace
            && (run->dry_run || remove_session_dir(dir, p) == APR_SUCCESS)) {
            stats->removed++;
            note(run, BITS_SWEEP_REMOVED, id);
        }
    }
    else if (bits_state_is_terminal(s.state)) {
        if (now - s.last_activity > policy->tombstone_ttl + policy->grace
            && (run->dry_run || remove_session_dir(dir, p) == APR_SUCCESS)) {
            stats->removed++;
            note(run, BITS_SWEEP_REMOVED, id);
        }
    }
    else if (bits_session_expired(&s, policy->session_timeout + policy->grace, now)) {
        if (run->dry_run
            || bits_index_retire(&s, store, BITS_STATE_EXPIRED, p) == APR_SUCCESS) {
            stats->expired++;
            note(run, BITS_SWEEP_EXPIRED, id);
        }
    }
    else {
        /* Repairs a missing entry; under the session's lock, so no
         * tombstone can remove the session meanwhile. */
        if (!bits_index_has(store, s.owner_key, s.id, p)
            && (run->dry_run
                || bits_index_add(store, s.owner_key, s.id, p) == APR_SUCCESS)) {
            stats->indexed++;
            note(run, BITS_SWEEP_INDEXED, id);
        }
        live->key = s.owner_key;
        live->id = apr_pstrdup(p, s.id);
        live->created = s.created;
        stats->live++;
    }
    unlock_session(lk);
}

/* Same owner together, most recent first. */
static int by_owner_newest_first(const void *a, const void *b)
{
    const live_session_t *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    if (c)
        return c;
    return x->created < y->created ? 1 : x->created > y->created ? -1 : 0;
}

/* IIS: an owner over the limit loses their most recent sessions.  With the
 * limit enforced at Create-Session this only happens after the limit was
 * lowered, and only to that owner's sessions. */
static void enforce_limit(const char *store, apr_array_header_t *live, int limit,
                          const bits_sweep_run_t *run, bits_claims_t *claims,
                          bits_sweep_stats_t *stats, apr_pool_t *p)
{
    live_session_t *all = (live_session_t *)live->elts;
    int i = 0;

    qsort(all, (size_t)live->nelts, sizeof *all, by_owner_newest_first);
    while (i < live->nelts) {
        int n = 1, j;
        while (i + n < live->nelts && !strcmp(all[i].key, all[i + n].key))
            n++;
        for (j = 0; j < n - limit; j++) {
            bits_session_t s;
            bits_lock_t *lk;
            const char *id = all[i + j].id;
            if (lock_session(&lk, store, id, run, claims, p) != APR_SUCCESS)
                continue;
            if (bits_session_load(&s, store, id, p) == APR_SUCCESS
                && !bits_state_is_terminal(s.state)
                && (run->dry_run
                    || bits_index_retire(&s, store, BITS_STATE_EXPIRED, p)
                       == APR_SUCCESS)) {
                stats->limited++;
                stats->live--;
                note(run, BITS_SWEEP_LIMITED, id);
            }
            unlock_session(lk);
        }
        i += n;
    }
}

void bits_sweep_policy_init(bits_sweep_policy_t *policy,
                            apr_interval_time_t session_timeout,
                            int sessions_limit)
{
    const apr_interval_time_t day = apr_time_from_sec(86400);

    policy->session_timeout = session_timeout;
    policy->tombstone_ttl = session_timeout < day ? day
                          : session_timeout > 7 * day ? 7 * day : session_timeout;
    policy->grace = BITS_SWEEP_GRACE;
    policy->sessions_limit = sessions_limit;
}

apr_status_t bits_sweep(const char *store, const bits_sweep_policy_t *policy,
                        bits_claims_t *claims, apr_time_t now,
                        bits_sweep_stats_t *stats, apr_pool_t *p)
{
    const bits_sweep_run_t run = { 0, NULL, NULL };

    return bits_sweep_run(store, policy, &run, claims, now, stats, p);
}

/* What the walk of the sessions needs from the sweep. */
typedef struct {
    const char *store;
    const bits_sweep_policy_t *policy;
    const bits_sweep_run_t *run;
    bits_claims_t *claims;
    apr_time_t now;
    bits_sweep_stats_t *stats;
    apr_array_header_t *live;       /* in the caller's pool */
} sweep_walk_t;

static int sweep_walked(void *baton, const char *id, apr_pool_t *iter)
{
    sweep_walk_t *w = baton;
    live_session_t one = { NULL, NULL, 0 };

    sweep_one(w->store, id, w->policy, w->run, w->claims, w->now, w->stats, &one, iter);
    if (one.id) {
        one.key = apr_pstrdup(w->live->pool, one.key);
        one.id = apr_pstrdup(w->live->pool, one.id);
        *(live_session_t *)apr_array_push(w->live) = one;
    }
    return 0;
}

apr_status_t bits_sweep_run(const char *store, const bits_sweep_policy_t *policy,
                            const bits_sweep_run_t *run, bits_claims_t *claims,
                            apr_time_t now, bits_sweep_stats_t *stats,
                            apr_pool_t *p)
{
    sweep_walk_t w = { store, policy, run, claims, now, stats,
                       apr_array_make(p, 16, sizeof(live_session_t)) };
    apr_status_t rv;

    memset(stats, 0, sizeof *stats);
    if ((rv = bits_walk_sessions(store, sweep_walked, &w, p)) != APR_SUCCESS)
        return rv;
    if (policy->sessions_limit > 0)
        enforce_limit(store, w.live, policy->sessions_limit, run, claims, stats, p);
    if (run->dry_run) {
        stats->unindexed = bits_index_stale(store, policy->grace, now, NULL, NULL, p);
        return APR_SUCCESS;
    }
    return bits_index_repair(store, claims, policy->grace, now, &stats->unindexed, p);
}

int bits_sweep_due(const char *store, apr_interval_time_t interval,
                   apr_time_t now, apr_pool_t *p)
{
    const char *claim = apr_pstrcat(p, store, SWEEP_CLAIM, NULL);
    apr_finfo_t fi;
    apr_file_t *f;
    int attempt;

    if (apr_stat(&fi, apr_pstrcat(p, store, SWEEP_STAMP, NULL), APR_FINFO_MTIME, p)
        == APR_SUCCESS && now - fi.mtime < interval)
        return 0;
    for (attempt = 0; attempt < 2; attempt++) {
        if (apr_file_open(&f, claim, APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_EXCL,
                          SWEEP_FILE_MODE, p) == APR_SUCCESS) {
            apr_file_close(f);
            return 1;
        }
        /* A claim left by a sweeper that died is taken over after an hour. */
        if (apr_stat(&fi, claim, APR_FINFO_MTIME, p) != APR_SUCCESS
            || now - fi.mtime < SWEEP_CLAIM_STALE)
            return 0;
        apr_file_remove(claim, p);
    }
    return 0;
}

void bits_sweep_done(const char *store, apr_time_t now, apr_pool_t *p)
{
    const char *stamp = apr_pstrcat(p, store, SWEEP_STAMP, NULL);
    apr_file_t *f;

    if (apr_file_open(&f, stamp, APR_FOPEN_WRITE | APR_FOPEN_CREATE,
                      SWEEP_FILE_MODE, p) == APR_SUCCESS) {
        apr_file_close(f);
        apr_file_mtime_set(stamp, now, p);
    }
    apr_file_remove(apr_pstrcat(p, store, SWEEP_CLAIM, NULL), p);
}
