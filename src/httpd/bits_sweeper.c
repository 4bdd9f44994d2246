/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The sweep off the request path.  A mod_watchdog singleton (one child of
 * the server at a time, never the root parent) ticks every second and
 * sweeps the registered stores that are due, one at a time, for at most
 * BITS_SWEEP_BUDGET per tick, resuming where it stopped; the store's sweep
 * lock keeps every other process and farm node out meanwhile.  Stores are
 * registered with their policy (bits_sweep_registry.h): at start-up those
 * the configuration names, at their first request the others. */
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <unixd.h>
#include <errno.h>
#include <unistd.h>
#include <mod_watchdog.h>

#include "bits_private.h"
#include "bits_sweeper.h"
#include "bits_sections.h"
#include "bits_session.h"

#define BITS_SWEEP_WATCHDOG "_mod_bits_sweep_"
#define BITS_SWEEP_TICK     AP_WD_TM_INTERVAL            /* 1 s */
/* Work per tick: the sweeping child keeps most of its second for requests. */
#define BITS_SWEEP_BUDGET   apr_time_from_msec(250)
/* A store the sweeper cannot lock or read is logged this seldom. */
#define BITS_SWEEP_RELOG    apr_time_from_sec(3600)

/* Set in post_config, inherited by the children. */
static const char *registry_dir;
static apr_time_t config_epoch;     /* when this configuration was loaded */
static int timer_on;                /* mod_watchdog runs the sweep */

/* Per child: its claim table (bits_startup.c), and the stores (and
 * policies) this child registered already. */
static bits_claims_t *claims;
static apr_thread_mutex_t *cache_mutex;
static apr_pool_t *cache_pool;
static apr_hash_t *cache;

/* The sweeping child's watchdog thread: the sweep in progress. */
typedef struct {
    server_rec *s;
    apr_pool_t *pool;               /* the sweep's own, with its lock */
    bits_sweep_cursor_t *cursor;
    bits_lock_t *lock;
    apr_time_t started;
    int steps;
    int next;                       /* round robin over the registry */
    apr_hash_t *logged;             /* store -> when its failure was logged */
    apr_pool_t *logged_pool;
} sweeper_t;

static sweeper_t sweeper;

void bits_sweep_entry_of(const bits_dir_conf *conf, const char *store,
                         bits_sweep_entry_t *e)
{
    e->store = store;
    e->interval = bits_conf_cleanup_interval(conf);
    /* The policy bitsctl sweeps with too. */
    bits_sweep_policy_init(&e->policy, bits_conf_session_timeout(conf),
                           bits_conf_sessions_limit(conf));
}

static const char *describe(const bits_sweep_entry_t *e, apr_pool_t *p)
{
    return apr_psprintf(p, "every %" APR_TIME_T_FMT " s, sessions idle for %"
                        APR_TIME_T_FMT " s expire, %d per owner",
                        apr_time_sec(e->interval), apr_time_sec(e->policy.session_timeout),
                        e->policy.sessions_limit);
}

/* Registers a store (and its policy) for the background sweep, saying so
 * when the registry changed.  APR_EBUSY: another process is registering. */
static apr_status_t register_store(server_rec *s, const bits_sweep_entry_t *e,
                                   apr_pool_t *p)
{
    int written = 0;
    apr_status_t rv = bits_sweep_register(registry_dir, e, config_epoch, &written, p);

    if (rv != APR_SUCCESS && rv != APR_EBUSY)
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, "BITS00130: mod_bits: cannot register "
                     "the session store %s in %s for the background sweep", e->store,
                     registry_dir);
    else if (rv == APR_SUCCESS && written)
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, "BITS00132: mod_bits: sweeping %s (%s)",
                     e->store, describe(e, p));
    return rv;
}

/* ---- registration at start-up ------------------------------------------ */

typedef struct {
    server_rec *main;
    apr_pool_t *p;
} startup_t;

static void register_section(void *baton, server_rec *s, const char *path,
                             int is_location, const bits_dir_conf *merged)
{
    startup_t *st = baton;
    bits_sweep_entry_t e;
    const char *store = merged->session_dir;

    if (merged->enabled != 1)
        return;
    /* A <Location>'s directory is only known from a request. */
    if (!store && !is_location)
        store = apr_pstrcat(st->p, path, "/" BITS_SESSION_DIRNAME, NULL);
    if (!store)
        return;
    bits_sweep_entry_of(merged, store, &e);
    register_store(s, &e, st->p);
}

/* The children read and replace the entries after dropping root. */
static apr_status_t give_registry_to_user(apr_pool_t *p)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv;

    if (geteuid() != 0)
        return APR_SUCCESS;
    if (chown(registry_dir, ap_unixd_config.user_id, -1) != 0)
        return APR_FROM_OS_ERROR(errno);
    if ((rv = apr_dir_open(&d, registry_dir, p)) != APR_SUCCESS)
        return rv;
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS) {
        if (fi.filetype == APR_REG
            && chown(apr_pstrcat(p, registry_dir, "/", fi.name, NULL),
                     ap_unixd_config.user_id, -1) != 0)
            rv = APR_FROM_OS_ERROR(errno);
    }
    apr_dir_close(d);
    return rv;
}

/* ---- the timer --------------------------------------------------------- */

static int should_log(const char *store, apr_time_t now)
{
    apr_time_t *when = apr_hash_get(sweeper.logged, store, APR_HASH_KEY_STRING);

    if (when && now - *when < BITS_SWEEP_RELOG)
        return 0;
    if (!when) {
        when = apr_palloc(sweeper.logged_pool, sizeof *when);
        apr_hash_set(sweeper.logged, apr_pstrdup(sweeper.logged_pool, store),
                     APR_HASH_KEY_STRING, when);
    }
    *when = now;
    return 1;
}

/* Takes the store's lock and begins its sweep if it is due; 1 if begun. */
static int begin_sweep(const bits_sweep_entry_t *e, apr_time_t now, apr_pool_t *ptemp)
{
    apr_pool_t *pool;
    apr_status_t rv;

    if (!bits_sweep_is_due(e->store, e->interval, now, ptemp))
        return 0;
    apr_pool_create(&pool, NULL);
    rv = bits_sweep_lock(&sweeper.lock, claims, e->store, pool);
    if (rv == APR_EBUSY) {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, sweeper.s, "BITS00134: BITS sweep of %s: "
                     "another process is sweeping it", e->store);
    }
    else if (rv != APR_SUCCESS) {
        /* A store not created yet has nothing to sweep. */
        if (!APR_STATUS_IS_ENOENT(rv) && should_log(e->store, now))
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, sweeper.s, "BITS00135: BITS sweep of %s: "
                         "cannot take its sweep lock", e->store);
    }
    else if (!bits_sweep_is_due(e->store, e->interval, apr_time_now(), pool)) {
        rv = APR_EAGAIN;            /* the previous holder just finished */
    }
    else if ((rv = bits_sweep_begin(&sweeper.cursor, e->store, &e->policy, NULL,
                                    claims, now, pool)) != APR_SUCCESS) {
        if (should_log(e->store, now))
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, sweeper.s, "BITS00136: BITS sweep of %s: "
                         "cannot read the store", e->store);
    }
    if (rv != APR_SUCCESS) {
        apr_pool_destroy(pool);     /* drops the lock if it was taken */
        sweeper.lock = NULL;
        return 0;
    }
    sweeper.pool = pool;
    sweeper.started = apr_time_now();
    sweeper.steps = 0;
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, sweeper.s, "BITS00137: BITS sweep of %s started by "
                 "the background sweeper (pid %" APR_PID_T_FMT "; %s)", e->store,
                 getpid(), describe(e, pool));
    return 1;
}

static void pick_store(apr_pool_t *ptemp)
{
    apr_array_header_t *entries;
    apr_time_t now = apr_time_now();
    int i, n;

    if (bits_sweep_registry_read(registry_dir, &entries, ptemp) != APR_SUCCESS)
        return;
    n = entries->nelts;
    for (i = 0; i < n; i++) {
        int k = (sweeper.next + i) % n;
        if (begin_sweep(&APR_ARRAY_IDX(entries, k, bits_sweep_entry_t), now, ptemp)) {
            sweeper.next = k + 1;
            return;
        }
    }
}

/* The sweep's outcome: on the server's log (a request's only for the
 * fallback inside Create-Session, which has no request line to add). */
static void log_stats(int level, apr_status_t rv, server_rec *s, request_rec *r,
                      const char *store, const bits_sweep_stats_t *st, const char *how)
{
    ap_log_error(APLOG_MARK, level, rv, r ? r->server : s, "BITS00109: BITS sweep of "
                 "%s: %d live, %d expired, %d over the per-owner limit, %d removed, "
                 "%d busy; index: %d added, %d dropped%s", store, st->live, st->expired,
                 st->limited, st->removed, st->busy, st->indexed, st->unindexed, how);
}

static void end_sweep(apr_status_t rv, const char *why)
{
    const char *store = bits_sweep_store(sweeper.cursor);
    apr_time_t now = apr_time_now();

    if (!why)
        bits_sweep_done(store, now, sweeper.pool);
    log_stats(rv == APR_SUCCESS ? APLOG_INFO : APLOG_ERR, rv, sweeper.s, NULL, store,
              bits_sweep_stats(sweeper.cursor),
              apr_psprintf(sweeper.pool, " (%s; %d steps in %" APR_TIME_T_FMT " ms)",
                           why ? why : "done by the background sweeper",
                           sweeper.steps, apr_time_as_msec(now - sweeper.started)));
    bits_sweep_end(sweeper.cursor);
    sweeper.cursor = NULL;
    apr_pool_destroy(sweeper.pool);      /* drops the lock */
    sweeper.pool = NULL;
    sweeper.lock = NULL;
}

static void tick(apr_pool_t *ptemp)
{
    apr_time_t deadline = apr_time_now() + BITS_SWEEP_BUDGET;
    apr_status_t rv;

    if (!claims)
        return;                     /* child_init has not run yet */
    if (!sweeper.cursor)
        pick_store(ptemp);
    if (!sweeper.cursor)
        return;
    rv = bits_sweep_step(sweeper.cursor, deadline, 0);
    sweeper.steps++;
    if (rv != APR_INCOMPLETE)
        end_sweep(rv, NULL);
}

static apr_status_t sweeper_callback(int state, void *data, apr_pool_t *ptemp)
{
    switch (state) {
    case AP_WATCHDOG_STATE_STARTING:
        sweeper.s = data;
        apr_pool_create(&sweeper.logged_pool, NULL);
        sweeper.logged = apr_hash_make(sweeper.logged_pool);
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, sweeper.s, "BITS00138: mod_bits: the background "
                     "sweeper runs in pid %" APR_PID_T_FMT, getpid());
        break;
    case AP_WATCHDOG_STATE_RUNNING:
        tick(ptemp);
        break;
    case AP_WATCHDOG_STATE_STOPPING:
        /* Not stamped: the next sweeper starts this store again. */
        if (sweeper.cursor)
            end_sweep(APR_SUCCESS, "interrupted: the child stops; another run "
                      "starts it again");
        if (sweeper.logged_pool)
            apr_pool_destroy(sweeper.logged_pool);
        sweeper.logged_pool = NULL;
        break;
    }
    return APR_SUCCESS;     /* anything else would stop the timer for good */
}

static int start_timer(apr_pool_t *pconf, server_rec *s)
{
    APR_OPTIONAL_FN_TYPE(ap_watchdog_get_instance) *get_instance;
    APR_OPTIONAL_FN_TYPE(ap_watchdog_register_callback) *register_callback;
    ap_watchdog_t *wd;
    apr_status_t rv;

    get_instance = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance);
    register_callback = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback);
    if (!get_instance || !register_callback) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "BITS00139: mod_bits: mod_watchdog is not "
                     "loaded, so the session stores are swept inside Create-Session "
                     "requests (a client may wait for a sweep, and a store without "
                     "new sessions is not swept); load it (LoadModule "
                     "watchdog_module modules/mod_watchdog.so) "
                     "to sweep them in the background");
        return 0;
    }
    /* A child singleton: one child of this server at a time, never the
     * parent, which runs as root. */
    rv = get_instance(&wd, BITS_SWEEP_WATCHDOG, 0, 1, pconf);
    if (rv == APR_SUCCESS)
        rv = register_callback(wd, BITS_SWEEP_TICK, s, sweeper_callback);
    if (rv != APR_SUCCESS && !APR_STATUS_IS_EEXIST(rv)) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, "BITS00140: mod_bits: cannot start the "
                     "background sweep (mod_watchdog); the session stores are "
                     "swept inside Create-Session requests instead");
        return 0;
    }
    return 1;
}

void bits_sweeper_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    startup_t st = { s, ptemp };
    apr_status_t rv;

    config_epoch = apr_time_now();
    registry_dir = ap_runtime_dir_relative(pconf, "mod_bits-sweep");
    rv = bits_sweep_registry_prepare(registry_dir, ptemp);
    if (rv == APR_SUCCESS) {
        bits_sections_each(ptemp, register_section, &st);
        rv = give_registry_to_user(ptemp);
    }
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, "BITS00141: mod_bits: cannot set up %s, the "
                     "registry of session stores to sweep in the background",
                     registry_dir);
    timer_on = start_timer(pconf, s);
}

void bits_sweeper_child_init(apr_pool_t *pchild, server_rec *s,
                             bits_claims_t *child_claims)
{
    apr_status_t rv = apr_pool_create(&cache_pool, pchild);

    claims = child_claims;
    if (rv == APR_SUCCESS)
        rv = apr_thread_mutex_create(&cache_mutex, APR_THREAD_MUTEX_DEFAULT, pchild);
    if (rv != APR_SUCCESS) {
        cache_mutex = NULL;
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "BITS00142: mod_bits: cannot set up the "
                     "registry of swept stores in this child");
        return;
    }
    cache = apr_hash_make(cache_pool);
}

/* ---- requests ---------------------------------------------------------- */

apr_array_header_t *bits_sweeper_stores(apr_pool_t *p)
{
    apr_array_header_t *entries, *paths = apr_array_make(p, 8, sizeof(const char *));
    int i;

    if (registry_dir && bits_sweep_registry_read(registry_dir, &entries, p) == APR_SUCCESS)
        for (i = 0; i < entries->nelts; i++)
            *(const char **)apr_array_push(paths)
                = APR_ARRAY_IDX(entries, i, bits_sweep_entry_t).store;
    return paths;
}

void bits_sweeper_note_store(request_rec *r, const bits_dir_conf *conf,
                             const char *store)
{
    bits_sweep_entry_t e;
    const char *key;
    void *known;

    if (!cache_mutex || !registry_dir)
        return;
    bits_sweep_entry_of(conf, store, &e);
    key = apr_psprintf(r->pool, "%s\n%" APR_TIME_T_FMT "\n%" APR_TIME_T_FMT "\n%d",
                       store, e.interval, e.policy.session_timeout,
                       e.policy.sessions_limit);
    apr_thread_mutex_lock(cache_mutex);
    known = apr_hash_get(cache, key, APR_HASH_KEY_STRING);
    apr_thread_mutex_unlock(cache_mutex);
    if (known)
        return;
    if (register_store(r->server, &e, r->pool) == APR_EBUSY)
        return;                     /* another child is registering: next time */
    /* Known either way: a failure is logged once per child. */
    apr_thread_mutex_lock(cache_mutex);
    apr_hash_set(cache, apr_pstrdup(cache_pool, key), APR_HASH_KEY_STRING, cache);
    apr_thread_mutex_unlock(cache_mutex);
}

void bits_sweeper_fallback(request_rec *r, const bits_dir_conf *conf,
                           const char *store)
{
    bits_sweep_entry_t e;
    bits_sweep_stats_t st;
    bits_lock_t *lock;
    apr_time_t now = apr_time_now();
    apr_status_t rv;

    if (timer_on || !claims || !bits_sweep_is_due(store, bits_conf_cleanup_interval(conf), now,
                                       r->pool))
        return;
    if (bits_sweep_lock(&lock, claims, store, r->pool) != APR_SUCCESS)
        return;
    bits_sweep_entry_of(conf, store, &e);
    if (bits_sweep_is_due(store, e.interval, now, r->pool)) {
        rv = bits_sweep(store, &e.policy, claims, now, &st, r->pool);
        bits_sweep_done(store, apr_time_now(), r->pool);
        log_stats(rv == APR_SUCCESS ? APLOG_INFO : APLOG_ERR, rv, NULL, r, store, &st,
                  " (in this request: mod_watchdog is not loaded)");
    }
    bits_lock_release(lock);
}
