/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The session index of a store: who holds which live sessions, readable
 * without scanning the store (the session limit at Create-Session, a status
 * page, bitsctl).  No shared memory, so it works across processes, restarts
 * and NFS-sharing farm nodes:
 *   Index/<owner key>/<ID>   one empty entry per live session
 *   Index/<owner key>/lock   the owner's lock (counting and adding under it)
 * The entry is made before the session directory and removed by the
 * tombstone; the sweep repairs drift both ways.  APR only (unit-tested). */
#ifndef BITS_INDEX_H
#define BITS_INDEX_H

#include <apr_pools.h>
#include <apr_time.h>
#include <apr_tables.h>
#include "bits_lock.h"
#include "bits_owner.h"
#include "bits_session.h"

#define BITS_INDEX_DIR       "Index"
#define BITS_INDEX_LOCK_FILE "lock"
/* Takes the owner's lock, waiting up to max_wait (APR_TIMEUP if it stays
 * busy); creates the owner's index directory.  Release with
 * bits_lock_release (a cleanup on p does it otherwise). */
apr_status_t bits_index_lock(bits_lock_t **out, bits_claims_t *claims,
                             const char *store, const char *key,
                             apr_interval_time_t max_wait, apr_pool_t *p);

/* Adds (idempotent) or removes (a missing entry is fine) a session's entry. */
apr_status_t bits_index_add(const char *store, const char *key, const char *id,
                            apr_pool_t *p);
apr_status_t bits_index_remove(const char *store, const char *key, const char *id,
                               apr_pool_t *p);

/* 1 if the session has its entry. */
int bits_index_has(const char *store, const char *key, const char *id,
                   apr_pool_t *p);

/* The owner's entries, counting stops at stop_at (<= 0: no bound). */
int bits_index_count(const char *store, const char *key, int stop_at,
                     apr_pool_t *p);

/* Like bits_index_count, but each entry's record is read: entries whose
 * session is gone or ended are dropped, and sessions idle for longer than
 * timeout (> 0) are not counted.  An entry without any record yet counts
 * while it is younger than BITS_INDEX_CREATING: Create-Session adds the
 * entry under the owner's lock and writes the record after releasing it. */
#define BITS_INDEX_CREATING apr_time_from_sec(60)

int bits_index_count_live(const char *store, const char *key, int stop_at,
                          apr_interval_time_t timeout, apr_time_t now,
                          apr_pool_t *p);

/* 1 if the owner has an index directory (sessions now, or lately). */
int bits_index_has_owner(const char *store, const char *key, apr_pool_t *p);

/* The owners with an index directory, counting stops at stop_at (<= 0: no
 * bound): one directory read, for a store-wide ceiling. */
int bits_index_owner_count(const char *store, int stop_at, apr_pool_t *p);

/* Calls fn for every owner key, or every session id of one owner; a
 * non-zero return stops the walk. */
typedef int (*bits_index_owner_fn)(void *baton, const char *key);
typedef int (*bits_index_session_fn)(void *baton, const char *key, const char *id);
apr_status_t bits_index_owners(const char *store, bits_index_owner_fn fn,
                               void *baton, apr_pool_t *p);
apr_status_t bits_index_sessions(const char *store, const char *key,
                                 bits_index_session_fn fn, void *baton,
                                 apr_pool_t *p);

/* The sweep's half of the repair (live sessions without an entry get one
 * from the sweep itself): drops entries whose session has ended, belongs to
 * another key, or has had no record for longer than grace; then removes
 * owner directories left empty (under their lock, skipped if busy).
 * *removed counts the entries dropped. */
apr_status_t bits_index_repair(const char *store, bits_claims_t *claims,
                               apr_interval_time_t grace, apr_time_t now,
                               int *removed, apr_pool_t *p);

/* The same judgement, changing nothing (bitsctl verify, sweep --dry-run):
 * calls fn (may be NULL) for every entry the repair would drop; returns
 * how many. */
int bits_index_stale(const char *store, apr_interval_time_t grace, apr_time_t now,
                     bits_index_session_fn fn, void *baton, apr_pool_t *p);

/* The same for one owner, a step of a sweep done in batches: adds the
 * entries dropped to *removed.  bits_index_owner_keys lists the owners
 * (an empty list for a store without an index). */
apr_status_t bits_index_repair_owner(const char *store, const char *key,
                                     bits_claims_t *claims,
                                     apr_interval_time_t grace, apr_time_t now,
                                     int *removed, apr_pool_t *p);
apr_status_t bits_index_owner_keys(const char *store, apr_array_header_t **keys,
                                   apr_pool_t *p);

/* Ends a session for good: bits_session_tombstone, then drops its index
 * entry (the index sits above the records, so the records never call it)
 * and notes the outcome in the store's journal (bits_journal.h). */
apr_status_t bits_index_retire(bits_session_t *s, const char *store,
                               bits_state_t terminal, apr_pool_t *p);

#endif
