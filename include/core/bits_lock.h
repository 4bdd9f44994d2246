/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Per-session lock that holds between threads, processes and farm nodes:
 * an in-process claim table plus an flock/fcntl lock on the
 * session's lock file.  APR only (unit-tested). */
#ifndef BITS_LOCK_H
#define BITS_LOCK_H

#include <apr_pools.h>
#include <apr_file_io.h>
#include <apr_thread_mutex.h>
#include <apr_time.h>
#include "bits_guid.h"

typedef struct bits_claims_t bits_claims_t;

typedef struct {
    bits_claims_t *claims;
    int slot;
    apr_file_t *file;
} bits_lock_t;

/* One table per child process, sized for its worker threads. */
apr_status_t bits_claims_create(bits_claims_t **out, int nslots, apr_pool_t *p);

/* Waits up to max_wait for the session; APR_TIMEUP if it stays busy.  A
 * cleanup on p releases the lock if the caller returns early. */
apr_status_t bits_lock_acquire(bits_lock_t **out, bits_claims_t *claims,
                               const char *lock_path, const char *id,
                               apr_interval_time_t max_wait, apr_pool_t *p);
void bits_lock_release(bits_lock_t *lk);

/* The same, for a reader that must change nothing: the lock file is not
 * created (APR_ENOENT if there is none: then no request has ever locked
 * the session). */
apr_status_t bits_lock_acquire_existing(bits_lock_t **out, bits_claims_t *claims,
                                        const char *lock_path, const char *id,
                                        apr_interval_time_t max_wait, apr_pool_t *p);

/* Counting lock across threads, processes and crashes without shared
 * memory: `n` slot files in `dir`, each held with a non-blocking exclusive
 * flock(2) on a descriptor of its own (flock locks belong to the open file
 * description, so two threads exclude each other too, and the kernel drops
 * them when a process dies). */
typedef struct bits_slot_t bits_slot_t;

/* Path of slot `i` in `dir`. */
const char *bits_slot_path(const char *dir, int i, apr_pool_t *p);

/* Creates `dir` (0700) and its `n` slot files (0600) if missing. */
apr_status_t bits_slots_prepare(const char *dir, int n, apr_pool_t *p);

/* Takes a free slot, without waiting: APR_EBUSY if all `n` are held.  A
 * cleanup on p releases it if the caller returns early. */
apr_status_t bits_slot_take(bits_slot_t **out, const char *dir, int n,
                            apr_pool_t *p);
void bits_slot_release(bits_slot_t *slot);

#endif
