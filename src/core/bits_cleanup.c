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

#define SWEEP_STAMP "/.sweep-stamp"
/* Held (flock, like the session locks) by whoever sweeps the store: one
 * process of the farm at a time; the kernel drops it if that one dies. */
#define SWEEP_LOCK "/.sweep-lock"
/* The claim of the sweep in this process's table: one sweep per process
 * at a time (session ids start with '{', so it meets none of theirs). */
#define SWEEP_CLAIM_ID "sweep"
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

/* Where a sweep stands between two steps.  The directory stays open from
 * one step to the next: readdir(3) returns every entry present for the
 * whole walk exactly once, and new sessions are young enough to wait. */
typedef enum { PHASE_SESSIONS, PHASE_LIMIT, PHASE_INDEX, PHASE_DONE } sweep_phase_t;

struct bits_sweep_cursor_t {
    const char *store;
    bits_sweep_policy_t policy;
    bits_sweep_run_t run;
    bits_claims_t *claims;
    apr_time_t now;
    apr_pool_t *pool;           /* the cursor's own: the live list, the keys */
    apr_pool_t *iter;           /* one session or owner at a time */
    sweep_phase_t phase;
    apr_dir_t *dir;             /* PHASE_SESSIONS: Requests/ */
    apr_array_header_t *live;   /* of live_session_t, for the limit */
    apr_array_header_t *keys;   /* PHASE_INDEX: the owner keys */
    int next_key;
    bits_sweep_stats_t stats;
};

static apr_status_t close_dir(void *data)
{
    bits_sweep_cursor_t *c = data;

    if (c->dir) {
        apr_dir_close(c->dir);
        c->dir = NULL;
    }
    return APR_SUCCESS;
}

apr_status_t bits_sweep_begin(bits_sweep_cursor_t **out, const char *store,
                              const bits_sweep_policy_t *policy,
                              const bits_sweep_run_t *run,
                              bits_claims_t *claims, apr_time_t now, apr_pool_t *p)
{
    static const bits_sweep_run_t real_sweep = { 0, NULL, NULL };
    bits_sweep_cursor_t *c;
    apr_pool_t *pool;
    apr_status_t rv;

    if ((rv = apr_pool_create(&pool, p)) != APR_SUCCESS)
        return rv;
    c = apr_pcalloc(pool, sizeof *c);
    c->store = apr_pstrdup(pool, store);
    c->policy = *policy;
    c->run = run ? *run : real_sweep;
    c->claims = claims;
    c->now = now;
    c->pool = pool;
    c->live = apr_array_make(pool, 16, sizeof(live_session_t));
    apr_pool_create(&c->iter, pool);
    rv = apr_dir_open(&c->dir, apr_pstrcat(pool, store, "/" BITS_REQUESTS_DIR, NULL),
                      pool);
    if (rv == APR_SUCCESS) {
        apr_pool_cleanup_register(pool, c, close_dir, apr_pool_cleanup_null);
    }
    else if (APR_STATUS_IS_ENOENT(rv)) {
        c->dir = NULL;
        c->phase = PHASE_LIMIT;     /* no sessions; an index may still need care */
    }
    else {
        apr_pool_destroy(pool);
        return rv;
    }
    *out = c;
    return APR_SUCCESS;
}

/* One entry of Requests/; 0 when the directory is exhausted. */
static int sweep_next_session(bits_sweep_cursor_t *c)
{
    apr_finfo_t fi;
    char id[BITS_GUID_LEN + 1];
    live_session_t one = { NULL, NULL, 0 };

    if (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, c->dir) != APR_SUCCESS)
        return 0;
    /* Only our own session directories; anything else is not ours. */
    if (fi.filetype != APR_DIR || !bits_guid_canonical(fi.name, id)
        || strcmp(id, fi.name) != 0)
        return 1;
    apr_pool_clear(c->iter);
    sweep_one(c->store, id, &c->policy, &c->run, c->claims, c->now, &c->stats, &one,
              c->iter);
    if (one.id && c->policy.sessions_limit > 0) {
        one.key = apr_pstrdup(c->pool, one.key);
        one.id = apr_pstrdup(c->pool, one.id);
        *(live_session_t *)apr_array_push(c->live) = one;
    }
    return 1;
}

static int out_of_budget(apr_time_t deadline, int max_items, int done)
{
    return (max_items > 0 && done >= max_items)
           || (deadline > 0 && apr_time_now() >= deadline);
}

apr_status_t bits_sweep_step(bits_sweep_cursor_t *c, apr_time_t deadline,
                             int max_items)
{
    int done = 0;
    apr_status_t rv;

    while (c->phase != PHASE_DONE) {
        if (out_of_budget(deadline, max_items, done))
            return APR_INCOMPLETE;
        done++;
        switch (c->phase) {
        case PHASE_SESSIONS:
            if (!sweep_next_session(c)) {
                close_dir(c);
                c->phase = PHASE_LIMIT;
            }
            break;
        case PHASE_LIMIT:
            /* One unit: the sort needs every live session at once. */
            if (c->policy.sessions_limit > 0 && c->live->nelts)
                enforce_limit(c->store, c->live, c->policy.sessions_limit, &c->run,
                              c->claims, &c->stats, c->iter);
            apr_pool_clear(c->iter);
            if (c->run.dry_run) {       /* counted at once, changing nothing */
                c->stats.unindexed = bits_index_stale(c->store, c->policy.grace,
                                                      c->now, NULL, NULL, c->iter);
                c->phase = PHASE_DONE;
                break;
            }
            rv = bits_index_owner_keys(c->store, &c->keys, c->pool);
            if (rv != APR_SUCCESS) {
                c->phase = PHASE_DONE;
                return rv;
            }
            c->phase = PHASE_INDEX;
            break;
        case PHASE_INDEX:
            if (c->next_key >= c->keys->nelts) {
                c->phase = PHASE_DONE;
                break;
            }
            apr_pool_clear(c->iter);
            bits_index_repair_owner(c->store,
                                    APR_ARRAY_IDX(c->keys, c->next_key, const char *),
                                    c->claims, c->policy.grace, c->now,
                                    &c->stats.unindexed, c->iter);
            c->next_key++;
            break;
        case PHASE_DONE:
            break;
        }
    }
    return APR_SUCCESS;
}

const bits_sweep_stats_t *bits_sweep_stats(const bits_sweep_cursor_t *c)
{
    return &c->stats;
}

const char *bits_sweep_store(const bits_sweep_cursor_t *c)
{
    return c->store;
}

void bits_sweep_end(bits_sweep_cursor_t *c)
{
    apr_pool_destroy(c->pool);
}

apr_status_t bits_sweep(const char *store, const bits_sweep_policy_t *policy,
                        bits_claims_t *claims, apr_time_t now,
                        bits_sweep_stats_t *stats, apr_pool_t *p)
{
    return bits_sweep_run(store, policy, NULL, claims, now, stats, p);
}

apr_status_t bits_sweep_run(const char *store, const bits_sweep_policy_t *policy,
                            const bits_sweep_run_t *run, bits_claims_t *claims,
                            apr_time_t now, bits_sweep_stats_t *stats,
                            apr_pool_t *p)
{
    bits_sweep_cursor_t *c;
    apr_status_t rv;

    memset(stats, 0, sizeof *stats);
    if ((rv = bits_sweep_begin(&c, store, policy, run, claims, now, p)) != APR_SUCCESS)
        return rv;
    rv = bits_sweep_step(c, 0, 0);
    *stats = c->stats;
    bits_sweep_end(c);
    return rv;
}

int bits_sweep_is_due(const char *store, apr_interval_time_t interval,
                      apr_time_t now, apr_pool_t *p)
{
    apr_finfo_t fi;

    return apr_stat(&fi, apr_pstrcat(p, store, SWEEP_STAMP, NULL), APR_FINFO_MTIME, p)
           != APR_SUCCESS || now - fi.mtime >= interval;
}

apr_status_t bits_sweep_lock(bits_lock_t **out, bits_claims_t *claims,
                             const char *store, apr_pool_t *p)
{
    apr_status_t rv = bits_lock_acquire(out, claims,
                                        apr_pstrcat(p, store, SWEEP_LOCK, NULL),
                                        SWEEP_CLAIM_ID, 0, p);

    return rv == APR_TIMEUP ? APR_EBUSY : rv;
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
}

void bits_sweep_prepare(const char *store, apr_pool_t *p)
{
    static const char *const names[] = { SWEEP_STAMP, SWEEP_LOCK };
    apr_file_t *f;
    unsigned i;

    /* Exclusive creates: an existing file (or a symlink) is left alone. */
    for (i = 0; i < sizeof names / sizeof *names; i++)
        if (apr_file_open(&f, apr_pstrcat(p, store, names[i], NULL),
                          APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_EXCL,
                          SWEEP_FILE_MODE, p) == APR_SUCCESS)
            apr_file_close(f);
}
