/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Two-layer session lock.  A file lock alone does not exclude
 * threads of one process when APR implements it with fcntl, and a process
 * mutex does not reach other farm nodes: so first claim the id in this
 * process's table, then lock the session's lock file. */
#include <errno.h>
#include <sys/file.h>
#include <apr_strings.h>
#include <apr_portable.h>
#include "bits_lock.h"
#include "bits_fileio.h"

/* A busy lock is polled, first every millisecond and then less often:
 * most holds last a few disk flushes, and a fixed 20 ms made every
 * contended Create-Session (the owner's index lock) wait that long. */
#define BITS_LOCK_POLL_FIRST apr_time_from_msec(1)
#define BITS_LOCK_POLL_MAX   apr_time_from_msec(20)

/* Sleeps *wait, and doubles it for the next time, up to the maximum. */
static void poll_wait(apr_interval_time_t *wait)
{
    apr_sleep(*wait);
    if ((*wait *= 2) > BITS_LOCK_POLL_MAX)
        *wait = BITS_LOCK_POLL_MAX;
}

struct bits_claims_t {
    apr_thread_mutex_t *mutex;   /* guards slot[] only, held for microseconds */
    int nslots;
    char (*slot)[BITS_GUID_LEN + 1];   /* "" = free, else a claimed id */
};

apr_status_t bits_claims_create(bits_claims_t **out, int nslots, apr_pool_t *p)
{
    bits_claims_t *c = apr_pcalloc(p, sizeof *c);

    c->nslots = nslots > 0 ? nslots : 1;
    c->slot = apr_pcalloc(p, (apr_size_t)c->nslots * sizeof *c->slot);
    *out = c;
    return apr_thread_mutex_create(&c->mutex, APR_THREAD_MUTEX_DEFAULT, p);
}

/* APR_EAGAIN if another thread of this process holds the id. */
static apr_status_t claim(bits_claims_t *c, const char *id, int *slot)
{
    apr_status_t rv = APR_ENOSPC;
    int i, free_slot = -1;

    apr_thread_mutex_lock(c->mutex);
    for (i = 0; i < c->nslots; i++) {
        if (!strcmp(c->slot[i], id)) {
            rv = APR_EAGAIN;
            break;
        }
        if (free_slot < 0 && !c->slot[i][0])
            free_slot = i;
    }
    if (rv != APR_EAGAIN && free_slot >= 0) {
        apr_cpystrn(c->slot[free_slot], id, sizeof c->slot[free_slot]);
        *slot = free_slot;
        rv = APR_SUCCESS;
    }
    apr_thread_mutex_unlock(c->mutex);
    return rv;
}

static void unclaim(bits_claims_t *c, int slot)
{
    apr_thread_mutex_lock(c->mutex);
    c->slot[slot][0] = '\0';
    apr_thread_mutex_unlock(c->mutex);
}

static int lock_is_busy(apr_status_t rv)
{
    return APR_STATUS_IS_EAGAIN(rv) || APR_STATUS_IS_EBUSY(rv)
           || APR_STATUS_IS_EACCES(rv);
}

static apr_status_t release_cleanup(void *data)
{
    bits_lock_release(data);
    return APR_SUCCESS;
}

/* create: BITS_CREATE_PRIVATE, or 0 for a lock file that must exist. */
static apr_status_t acquire(bits_lock_t **out, bits_claims_t *claims,
                            const char *lock_path, const char *id,
                            apr_interval_time_t max_wait, int create,
                            apr_pool_t *p)
{
    apr_time_t deadline = apr_time_now() + max_wait;
    apr_interval_time_t wait = BITS_LOCK_POLL_FIRST;
    bits_lock_t *lk = apr_pcalloc(p, sizeof *lk);
    apr_status_t rv;

    lk->claims = claims;
    lk->slot = -1;
    while ((rv = claim(claims, id, &lk->slot)) == APR_EAGAIN) {
        if (apr_time_now() >= deadline)
            return APR_TIMEUP;
        poll_wait(&wait);
    }
    if (rv != APR_SUCCESS)
        return rv;
    apr_pool_cleanup_register(p, lk, release_cleanup, apr_pool_cleanup_null);

    /* Opened per request: closing it releases a flock held by a dead
     * request, and an fcntl lock never outlives its process. */
    rv = bits_open_nofollow(&lk->file, lock_path, create, p);
    while (rv == APR_SUCCESS) {
        apr_status_t lrv = apr_file_lock(lk->file, APR_FLOCK_EXCLUSIVE
                                                   | APR_FLOCK_NONBLOCK);
        if (!lock_is_busy(lrv)) {
            rv = lrv;
            break;
        }
        if (apr_time_now() >= deadline) {
            rv = APR_TIMEUP;
            break;
        }
        poll_wait(&wait);
    }
    if (rv != APR_SUCCESS) {
        apr_pool_cleanup_run(p, lk, release_cleanup);
        return rv;
    }
    *out = lk;
    return APR_SUCCESS;
}

apr_status_t bits_lock_acquire(bits_lock_t **out, bits_claims_t *claims,
                               const char *lock_path, const char *id,
                               apr_interval_time_t max_wait, apr_pool_t *p)
{
    return acquire(out, claims, lock_path, id, max_wait, BITS_CREATE_PRIVATE, p);
}

apr_status_t bits_lock_acquire_existing(bits_lock_t **out, bits_claims_t *claims,
                                        const char *lock_path, const char *id,
                                        apr_interval_time_t max_wait, apr_pool_t *p)
{
    return acquire(out, claims, lock_path, id, max_wait, 0, p);
}

void bits_lock_release(bits_lock_t *lk)
{
    if (lk->file) {
        apr_file_unlock(lk->file);
        apr_file_close(lk->file);
        lk->file = NULL;
    }
    if (lk->slot >= 0) {
        unclaim(lk->claims, lk->slot);
        lk->slot = -1;
    }
}

/* ---- counting slots ---------------------------------------------------- */

struct bits_slot_t {
    apr_pool_t *pool;
    apr_file_t *file;
};

const char *bits_slot_path(const char *dir, int i, apr_pool_t *p)
{
    return apr_psprintf(p, "%s/slot.%d", dir, i);
}

apr_status_t bits_slots_prepare(const char *dir, int n, apr_pool_t *p)
{
    apr_status_t rv = apr_dir_make(dir, APR_FPROT_UREAD | APR_FPROT_UWRITE
                                        | APR_FPROT_UEXECUTE, p);
    apr_file_t *f;
    int i;

    if (rv != APR_SUCCESS && !APR_STATUS_IS_EEXIST(rv))
        return rv;
    for (i = 0; i < n; i++) {
        rv = apr_file_open(&f, bits_slot_path(dir, i, p),
                           APR_FOPEN_READ | APR_FOPEN_CREATE,
                           APR_FPROT_UREAD | APR_FPROT_UWRITE, p);
        if (rv != APR_SUCCESS)
            return rv;
        apr_file_close(f);
    }
    return APR_SUCCESS;
}

static apr_status_t slot_cleanup(void *data)
{
    bits_slot_t *slot = data;

    if (slot->file) {
        apr_file_close(slot->file);     /* closing drops the flock */
        slot->file = NULL;
    }
    return APR_SUCCESS;
}

/* flock(2) itself: APR may lock with fcntl, whose locks belong to the
 * process and would let two threads hold the same slot. */
static apr_status_t try_flock(apr_file_t *f)
{
    apr_os_file_t fd;

    apr_os_file_get(&fd, f);
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EINTR)
            return errno == EWOULDBLOCK ? APR_EBUSY : APR_FROM_OS_ERROR(errno);
    }
    return APR_SUCCESS;
}

apr_status_t bits_slot_take(bits_slot_t **out, const char *dir, int n,
                            apr_pool_t *p)
{
    int i;

    for (i = 0; i < n; i++) {
        apr_file_t *f;
        apr_status_t rv = apr_file_open(&f, bits_slot_path(dir, i, p),
                                        APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, p);
        if (rv != APR_SUCCESS)
            return rv;
        if ((rv = try_flock(f)) == APR_SUCCESS) {
            bits_slot_t *slot = apr_pcalloc(p, sizeof *slot);
            slot->pool = p;
            slot->file = f;
            apr_pool_cleanup_register(p, slot, slot_cleanup, apr_pool_cleanup_null);
            *out = slot;
            return APR_SUCCESS;
        }
        apr_file_close(f);
        if (rv != APR_EBUSY)
            return rv;
    }
    return APR_EBUSY;
}

void bits_slot_release(bits_slot_t *slot)
{
    apr_pool_cleanup_run(slot->pool, slot, slot_cleanup);
}
