/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The commands that change a store: cancel, expire, sweep.  Each session is
 * changed only under its lock, the module's own (a request streaming a
 * fragment holds it), and ended exactly as the module ends it: the record
 * becomes a tombstone first, then the data and the index entry go. */
#include <string.h>
#include <apr_strings.h>
#include "bitsctl.h"
#include "bits_cleanup.h"
#include "bits_index.h"
#include "bits_walk.h"

int cmd_cancel(ctl_t *c, const char *arg)
{
    const char *id = session_id_arg(arg, c->pool);
    apr_pool_t *p = c->pool;
    const char *dir = bits_session_dir(c->store, id, p);
    bits_session_t s;
    bits_lock_t *lk;
    bits_state_t was;
    apr_finfo_t fi;
    apr_status_t rv;

    /* No session directory: no lock file to create either. */
    if (apr_stat(&fi, dir, APR_FINFO_TYPE | APR_FINFO_LINK, p) != APR_SUCCESS
        || fi.filetype != APR_DIR) {
        err("no session %s in %s", id, c->store);
        return EXIT_NO_SESSION;
    }
    rv = bits_lock_acquire(&lk, c->claims, bits_session_file(c->store, id, BITS_LOCK_FILE, p),
                           id, c->wait, p);
    if (rv == APR_TIMEUP) {
        err("session %s is busy with a request (waited %llds; --wait for longer)", id,
            (long long)apr_time_sec(c->wait));
        return EXIT_BUSY;
    }
    if (rv == APR_SUCCESS)
        rv = bits_session_load(&s, c->store, id, p);
    if (APR_STATUS_IS_ENOENT(rv)) {
        err("no session %s in %s", id, c->store);
        return EXIT_NO_SESSION;
    }
    if (rv != APR_SUCCESS) {
        err("cannot cancel %s: %s", id, rv == APR_EINVAL ? "its record is malformed"
                                                          : apr_err(rv, p));
        return EXIT_STORE;
    }
    was = s.state;
    /* Like a repeated Cancel-Session: an ended session stays as it is. */
    if (!bits_state_is_terminal(s.state)
        && (rv = bits_index_retire(&s, c->store, BITS_STATE_CANCELLED, p)) != APR_SUCCESS) {
        err("cannot cancel %s: %s", id, apr_err(rv, p));
        return EXIT_STORE;
    }
    bits_lock_release(lk);
    if (c->json)
        printf("{\"id\": %s, \"state\": %s, \"was\": %s, \"cancelled\": %s}\n",
               json_str(id, p), json_str(bits_state_name(s.state), p),
               json_str(bits_state_name(was), p),
               bits_state_is_terminal(was) ? "false" : "true");
    else if (bits_state_is_terminal(was))
        printf("%s had already ended (%s)\n", id, bits_state_name(was));
    else
        printf("%s cancelled (was %s%s)\n", id, bits_state_name(was),
               was == BITS_STATE_DONE ? "; the published file stays" : "");
    return EXIT_OK;
}

/* ---- expire ------------------------------------------------------------- */

typedef struct {
    ctl_t *c;
    int expired, busy, n;
} expire_t;

static void expire_note(expire_t *x, const char *id, const char *what)
{
    if (x->c->json)
        printf("%s\n  {\"id\": %s, \"action\": %s}", x->n++ ? "," : "",
               json_str(id, x->c->pool), json_str(what, x->c->pool));
    else
        printf("%s%s %s\n", x->c->dry_run ? "would be " : "", what, id);
}

static int expire_one(void *baton, const char *id, apr_pool_t *p)
{
    expire_t *x = baton;
    ctl_t *c = x->c;
    const char *path = bits_session_file(c->store, id, BITS_LOCK_FILE, p);
    bits_session_t s;
    bits_lock_t *lk = NULL;
    apr_status_t rv;

    /* Without waiting: a session a request holds is not idle.  A dry run
     * creates no lock file (none: nobody ever locked it). */
    rv = c->dry_run ? bits_lock_acquire_existing(&lk, c->claims, path, id, 0, p)
                    : bits_lock_acquire(&lk, c->claims, path, id, 0, p);
    if (rv == APR_TIMEUP) {
        x->busy++;
        expire_note(x, id, "busy");
        return 0;
    }
    if (rv != APR_SUCCESS && !(c->dry_run && APR_STATUS_IS_ENOENT(rv)))
        return 0;
    if (rv != APR_SUCCESS)
        lk = NULL;
    if (bits_session_load(&s, c->store, id, p) == APR_SUCCESS
        && !bits_state_is_terminal(s.state)
        && bits_session_expired(&s, c->older_than, c->now)
        && (c->dry_run || bits_index_retire(&s, c->store, BITS_STATE_EXPIRED, p)
                          == APR_SUCCESS)) {
        x->expired++;
        expire_note(x, id, "expired");
    }
    if (lk)
        bits_lock_release(lk);
    return 0;
}

int cmd_expire(ctl_t *c)
{
    expire_t x = { c, 0, 0, 0 };
    apr_status_t rv;

    if (c->json)
        printf("{\"dry_run\": %s, \"sessions\": [", c->dry_run ? "true" : "false");
    rv = bits_walk_sessions(c->store, expire_one, &x, c->pool);
    if (c->json)
        printf("%s], \"expired\": %d, \"busy\": %d}\n", x.n ? "\n" : "", x.expired, x.busy);
    else
        printf("%d session%s %sexpired (idle for more than %s), %d busy\n", x.expired,
               x.expired == 1 ? "" : "s", c->dry_run ? "would be " : "",
               human_age(c->older_than, c->pool), x.busy);
    if (rv != APR_SUCCESS) {
        err("cannot read %s: %s", c->store, apr_err(rv, c->pool));
        return EXIT_STORE;
    }
    return EXIT_OK;
}

/* ---- sweep -------------------------------------------------------------- */

typedef struct {
    ctl_t *c;
    int n;
} sweep_out_t;

static void sweep_note(void *baton, bits_sweep_action_t action, const char *id)
{
    static const char *const what[] = { "expired", "limited", "removed", "busy",
                                        "indexed" };
    sweep_out_t *o = baton;

    if (o->c->json)
        printf("%s\n  {\"id\": %s, \"action\": %s}", o->n++ ? "," : "",
               json_str(id, o->c->pool), json_str(what[action], o->c->pool));
    else
        printf("%s%s %s\n", o->c->dry_run && action != BITS_SWEEP_BUSY ? "would be " : "",
               what[action], id);
}

int cmd_sweep(ctl_t *c)
{
    sweep_out_t out = { c, 0 };
    bits_sweep_run_t run = { c->dry_run, sweep_note, &out };
    bits_sweep_policy_t policy;
    bits_sweep_stats_t st;
    apr_status_t rv;
    bits_lock_t *sweep_lock = NULL;

    bits_sweep_policy_init(&policy, c->timeout, c->limit);
    /* Renew the store's stamp, as the module's sweeper would, unless it is
     * sweeping right now (then both sweep: every session is still handled
     * under its own lock, so that is safe). */
    if (!c->dry_run && bits_sweep_lock(&sweep_lock, c->claims, c->store, c->pool)
                       != APR_SUCCESS)
        sweep_lock = NULL;
    if (c->json)
        printf("{\"dry_run\": %s, \"sessions\": [", c->dry_run ? "true" : "false");
    rv = bits_sweep_run(c->store, &policy, &run, c->claims, c->now, &st, c->pool);
    if (sweep_lock) {
        bits_sweep_done(c->store, c->now, c->pool);
        bits_lock_release(sweep_lock);
    }
    if (c->json)
        printf("%s], \"live\": %d, \"expired\": %d, \"limited\": %d, \"removed\": %d, "
               "\"busy\": %d, \"index_added\": %d, \"index_dropped\": %d}\n",
               out.n ? "\n" : "", st.live, st.expired, st.limited, st.removed, st.busy,
               st.indexed, st.unindexed);
    else
        printf("%s%d live, %d expired, %d over the per-owner limit, %d removed, "
               "%d busy; index: %d added, %d dropped\n",
               c->dry_run ? "dry run: " : "", st.live, st.expired, st.limited,
               st.removed, st.busy, st.indexed, st.unindexed);
    if (rv != APR_SUCCESS) {
        err("sweep of %s: %s", c->store, apr_err(rv, c->pool));
        return EXIT_STORE;
    }
    return EXIT_OK;
}
