/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The per-store session index: one directory per owner key holding an empty
 * entry per live session, so that counting one owner's sessions reads one
 * small directory instead of every record of the store.  Entries are
 * advisory: the session records stay the truth, and every reader that acts
 * on an entry checks the record first. */
#include <string.h>

#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_file_info.h>
#include <apr_tables.h>
#include "bits_index.h"
#include "bits_owner.h"
#include "bits_session.h"
#include "bits_fileio.h"
#include "bits_guid.h"
#include "bits_journal.h"

static int id_ok(const char *id)
{
    char canon[BITS_GUID_LEN + 1];

    return bits_guid_canonical(id, canon) && !strcmp(canon, id);
}

static const char *owner_dir(const char *store, const char *key, apr_pool_t *p)
{
    return apr_pstrcat(p, store, "/" BITS_INDEX_DIR "/", key, NULL);
}

static const char *entry_path(const char *store, const char *key, const char *id,
                              apr_pool_t *p)
{
    return apr_pstrcat(p, store, "/" BITS_INDEX_DIR "/", key, "/", id, NULL);
}

/* The store itself is made by bits_session_create_store, with its group. */
static apr_status_t make_owner_dir(const char *store, const char *key, apr_pool_t *p)
{
    const char *dirs[] = {
        apr_pstrcat(p, store, "/" BITS_INDEX_DIR, NULL), owner_dir(store, key, p)
    };
    apr_status_t rv = APR_SUCCESS;
    unsigned i;

    for (i = 0; i < sizeof dirs / sizeof *dirs && rv == APR_SUCCESS; i++)
        rv = bits_store_mkdir(dirs[i], p);
    return rv;
}

/* The sweep may have removed an empty owner directory, lock file and all,
 * while we waited: a lock on that unlinked file excludes nobody. */
static int lock_still_linked(bits_lock_t *lk, const char *path, apr_pool_t *p)
{
    apr_finfo_t held, named;
    apr_status_t rv = apr_file_info_get(&held, APR_FINFO_INODE | APR_FINFO_DEV,
                                        lk->file);

    if (rv != APR_SUCCESS && rv != APR_INCOMPLETE)
        return 0;
    rv = apr_stat(&named, path, APR_FINFO_INODE | APR_FINFO_DEV | APR_FINFO_LINK, p);
    if (rv != APR_SUCCESS && rv != APR_INCOMPLETE)
        return 0;
    return held.inode == named.inode && held.device == named.device;
}

apr_status_t bits_index_lock(bits_lock_t **out, bits_claims_t *claims,
                             const char *store, const char *key,
                             apr_interval_time_t max_wait, apr_pool_t *p)
{
    const char *path;
    char claim[BITS_GUID_LEN + 1];
    int attempt;

    if (!bits_owner_key_ok(key))
        return APR_EINVAL;
    path = apr_pstrcat(p, owner_dir(store, key, p), "/" BITS_INDEX_LOCK_FILE, NULL);
    /* Session ids start with '{', so this claim never meets a session's. */
    apr_snprintf(claim, sizeof claim, "index-%016" APR_UINT64_T_HEX_FMT, bits_owner_key_hash(key));
    for (attempt = 0; attempt < 3; attempt++) {
        apr_status_t rv = make_owner_dir(store, key, p);

        if (rv == APR_SUCCESS)
            rv = bits_lock_acquire(out, claims, path, claim, max_wait, p);
        if (APR_STATUS_IS_ENOENT(rv))
            continue;       /* the directory went between mkdir and open */
        if (rv != APR_SUCCESS)
            return rv;
        if (lock_still_linked(*out, path, p))
            return APR_SUCCESS;
        bits_lock_release(*out);
    }
    return APR_EAGAIN;
}

apr_status_t bits_index_add(const char *store, const char *key, const char *id,
                            apr_pool_t *p)
{
    apr_file_t *f;
    apr_status_t rv;

    if (!bits_owner_key_ok(key) || !id_ok(id))
        return APR_EINVAL;
    if ((rv = make_owner_dir(store, key, p)) != APR_SUCCESS)
        return rv;
    rv = bits_open_nofollow(&f, entry_path(store, key, id, p), 1, p);
    return rv == APR_SUCCESS ? apr_file_close(f) : rv;
}

apr_status_t bits_index_remove(const char *store, const char *key, const char *id,
                               apr_pool_t *p)
{
    apr_status_t rv;

    if (!bits_owner_key_ok(key) || !id_ok(id))
        return APR_EINVAL;
    rv = apr_file_remove(entry_path(store, key, id, p), p);
    return APR_STATUS_IS_ENOENT(rv) ? APR_SUCCESS : rv;
}

int bits_index_has(const char *store, const char *key, const char *id,
                   apr_pool_t *p)
{
    apr_finfo_t fi;

    return bits_owner_key_ok(key) && id_ok(id)
           && apr_stat(&fi, entry_path(store, key, id, p), APR_FINFO_TYPE
                       | APR_FINFO_LINK, p) == APR_SUCCESS
           && fi.filetype == APR_REG;
}

/* Calls fn for each entry (a regular file named by a canonical id). */
static apr_status_t for_each_entry(const char *store, const char *key,
                                   bits_index_session_fn fn, void *baton,
                                   apr_pool_t *p)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv;

    if (!bits_owner_key_ok(key))
        return APR_EINVAL;
    if ((rv = apr_dir_open(&d, owner_dir(store, key, p), p)) != APR_SUCCESS)
        return APR_STATUS_IS_ENOENT(rv) ? APR_SUCCESS : rv;
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS) {
        if (fi.filetype == APR_REG && id_ok(fi.name) && fn(baton, key, fi.name))
            break;
    }
    apr_dir_close(d);
    return APR_SUCCESS;
}

typedef struct {
    const char *store;
    int n, stop_at;
    apr_interval_time_t timeout;
    apr_time_t now;
    apr_pool_t *iter;
} counter_t;

static int count_entry(void *baton, const char *key, const char *id)
{
    counter_t *c = baton;

    (void)key;
    (void)id;
    return ++c->n >= c->stop_at && c->stop_at > 0;
}

int bits_index_count(const char *store, const char *key, int stop_at,
                     apr_pool_t *p)
{
    counter_t c = { store, 0, stop_at, 0, 0, NULL };

    for_each_entry(store, key, count_entry, &c, p);
    return c.n;
}

/* 1 if the record says the entry stands for a session of this owner that
 * has not ended; *rv tells why not otherwise. */
static int entry_is_current(const char *store, const char *key, const char *id,
                            bits_session_t *s, apr_status_t *rv, apr_pool_t *p)
{
    *rv = bits_session_load(s, store, id, p);
    return *rv == APR_SUCCESS && !bits_state_is_terminal(s->state)
           && !strcmp(s->owner_key, key);
}

/* A young entry whose session has no record yet: a Create-Session
 * between its entry and its record (a crash leaves it to age out). */
static int being_created(counter_t *c, const char *key, const char *id)
{
    apr_finfo_t fi;

    return apr_stat(&fi, entry_path(c->store, key, id, c->iter),
                    APR_FINFO_MTIME | APR_FINFO_LINK, c->iter) == APR_SUCCESS
           && c->now - fi.mtime < BITS_INDEX_CREATING;
}

static int count_live_entry(void *baton, const char *key, const char *id)
{
    counter_t *c = baton;
    bits_session_t s;
    apr_status_t rv;

    apr_pool_clear(c->iter);
    if (entry_is_current(c->store, key, id, &s, &rv, c->iter)) {
        if (!bits_session_expired(&s, c->timeout, c->now))
            c->n++;
    }
    else if (APR_STATUS_IS_ENOENT(rv) && being_created(c, key, id)) {
        c->n++;
    }
    else if (rv == APR_SUCCESS || APR_STATUS_IS_ENOENT(rv) || rv == APR_EINVAL) {
        bits_index_remove(c->store, key, id, c->iter);
    }
    else {
        c->n++;     /* unreadable for now: count it rather than guess */
    }
    return c->stop_at > 0 && c->n >= c->stop_at;
}

int bits_index_count_live(const char *store, const char *key, int stop_at,
                          apr_interval_time_t timeout, apr_time_t now,
                          apr_pool_t *p)
{
    counter_t c = { store, 0, stop_at, timeout, now, NULL };

    apr_pool_create(&c.iter, p);
    for_each_entry(store, key, count_live_entry, &c, p);
    apr_pool_destroy(c.iter);
    return c.n;
}

apr_status_t bits_index_owners(const char *store, bits_index_owner_fn fn,
                               void *baton, apr_pool_t *p)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv = apr_dir_open(&d, apr_pstrcat(p, store, "/" BITS_INDEX_DIR, NULL), p);

    if (rv != APR_SUCCESS)
        return APR_STATUS_IS_ENOENT(rv) ? APR_SUCCESS : rv;
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS) {
        if (fi.filetype == APR_DIR && bits_owner_key_ok(fi.name) && fn(baton, fi.name))
            break;
    }
    apr_dir_close(d);
    return APR_SUCCESS;
}

int bits_index_has_owner(const char *store, const char *key, apr_pool_t *p)
{
    apr_finfo_t fi;

    return bits_owner_key_ok(key)
           && apr_stat(&fi, owner_dir(store, key, p), APR_FINFO_TYPE | APR_FINFO_LINK,
                       p) == APR_SUCCESS
           && fi.filetype == APR_DIR;
}

typedef struct {
    int n, stop_at;
} owner_counter_t;

static int count_owner(void *baton, const char *key)
{
    owner_counter_t *c = baton;

    (void)key;
    return ++c->n >= c->stop_at && c->stop_at > 0;
}

int bits_index_owner_count(const char *store, int stop_at, apr_pool_t *p)
{
    owner_counter_t c = { 0, stop_at };

    bits_index_owners(store, count_owner, &c, p);
    return c.n;
}

apr_status_t bits_index_sessions(const char *store, const char *key,
                                 bits_index_session_fn fn, void *baton,
                                 apr_pool_t *p)
{
    return for_each_entry(store, key, fn, baton, p);
}

typedef struct {
    const char *store;
    apr_interval_time_t grace;
    apr_time_t now;
    int removed;              /* repair: entries dropped; check: stale ones */
    bits_index_session_fn fn; /* check: called per stale entry */
    void *baton;
    apr_pool_t *iter;
} repair_t;

/* An entry is stale if its session ended or is another owner's, or if it
 * has had no readable record for longer than a Create-Session takes. */
static int entry_is_stale(repair_t *r, const char *key, const char *id)
{
    bits_session_t s;
    apr_finfo_t fi;
    apr_status_t rv;

    apr_pool_clear(r->iter);
    if (entry_is_current(r->store, key, id, &s, &rv, r->iter))
        return 0;
    return rv == APR_SUCCESS
           || (apr_stat(&fi, entry_path(r->store, key, id, r->iter), APR_FINFO_MTIME,
                        r->iter) == APR_SUCCESS && r->now - fi.mtime > r->grace);
}

static int repair_entry(void *baton, const char *key, const char *id)
{
    repair_t *r = baton;

    if (entry_is_stale(r, key, id)
        && bits_index_remove(r->store, key, id, r->iter) == APR_SUCCESS)
        r->removed++;
    return 0;
}

static int check_entry(void *baton, const char *key, const char *id)
{
    repair_t *r = baton;

    if (entry_is_stale(r, key, id)) {
        r->removed++;
        if (r->fn)
            r->fn(r->baton, key, id);
    }
    return 0;
}

static int collect_owner(void *baton, const char *key)
{
    apr_array_header_t *keys = baton;

    *(const char **)apr_array_push(keys) = apr_pstrdup(keys->pool, key);
    return 0;
}

/* An owner without sessions loses its directory, so that addresses seen
 * once do not pile up; under its lock, so no Create-Session is adding. */
static void remove_owner_if_empty(const char *store, const char *key,
                                  bits_claims_t *claims, apr_pool_t *p)
{
    const char *dir = owner_dir(store, key, p);
    bits_lock_t *lk;

    if (bits_index_count(store, key, 1, p) != 0
        || bits_index_lock(&lk, claims, store, key, 0, p) != APR_SUCCESS)
        return;
    if (bits_index_count(store, key, 1, p) == 0) {
        apr_file_remove(apr_pstrcat(p, dir, "/" BITS_INDEX_LOCK_FILE, NULL), p);
        apr_dir_remove(dir, p);
    }
    bits_lock_release(lk);
}

apr_status_t bits_index_repair_owner(const char *store, const char *key,
                                     bits_claims_t *claims,
                                     apr_interval_time_t grace, apr_time_t now,
                                     int *removed, apr_pool_t *p)
{
    repair_t r = { store, grace, now, 0, NULL, NULL, NULL };
    apr_status_t rv;

    apr_pool_create(&r.iter, p);
    rv = for_each_entry(store, key, repair_entry, &r, p);
    remove_owner_if_empty(store, key, claims, p);
    apr_pool_destroy(r.iter);
    *removed += r.removed;
    return APR_STATUS_IS_ENOENT(rv) ? APR_SUCCESS : rv;
}

apr_status_t bits_index_owner_keys(const char *store, apr_array_header_t **keys,
                                   apr_pool_t *p)
{
    *keys = apr_array_make(p, 16, sizeof(const char *));
    return bits_index_owners(store, collect_owner, *keys, p);
}

apr_status_t bits_index_repair(const char *store, bits_claims_t *claims,
                               apr_interval_time_t grace, apr_time_t now,
                               int *removed, apr_pool_t *p)
{
    apr_array_header_t *keys;
    apr_pool_t *owner_pool;
    apr_status_t rv;
    int i;

    *removed = 0;
    if ((rv = bits_index_owner_keys(store, &keys, p)) != APR_SUCCESS)
        return rv;
    apr_pool_create(&owner_pool, p);
    for (i = 0; i < keys->nelts; i++) {
        bits_index_repair_owner(store, APR_ARRAY_IDX(keys, i, const char *), claims,
                                grace, now, removed, owner_pool);
        apr_pool_clear(owner_pool);
    }
    apr_pool_destroy(owner_pool);
    return APR_SUCCESS;
}

int bits_index_stale(const char *store, apr_interval_time_t grace, apr_time_t now,
                     bits_index_session_fn fn, void *baton, apr_pool_t *p)
{
    apr_array_header_t *keys;
    repair_t r = { store, grace, now, 0, fn, baton, NULL };
    int i;

    if (bits_index_owner_keys(store, &keys, p) != APR_SUCCESS)
        return 0;
    apr_pool_create(&r.iter, p);
    for (i = 0; i < keys->nelts; i++)
        for_each_entry(store, APR_ARRAY_IDX(keys, i, const char *), check_entry, &r, p);
    apr_pool_destroy(r.iter);
    return r.removed;
}

apr_status_t bits_index_retire(bits_session_t *s, const char *store,
                               bits_state_t terminal, apr_pool_t *p)
{
    bits_state_t was = s->state;
    apr_status_t rv = bits_session_tombstone(s, store, terminal, p);
    bits_journal_event_t ev;

    /* Once per session: only a live session is retired, under its lock.
     * The journal is statistics, so its failure fails nothing. */
    if (rv == APR_SUCCESS && !bits_state_is_terminal(was)) {
        bits_journal_event_of(&ev, s, was, terminal, apr_time_now());
        bits_journal_append(store, &ev, p);
    }

    /* An entry left behind only makes its owner's count high until the
     * next check of the entries (at the limit, or the sweep). */
    bits_index_remove(store, s->owner_key, s->id, p);
    return rv;
}
