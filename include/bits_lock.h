/* Per-session lock that holds between threads, processes and farm nodes
 * (guide §5.3): an in-process claim table plus an flock/fcntl lock on the
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

#endif
