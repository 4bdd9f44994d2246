/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The stores the background sweep looks after, each with its sweep policy
 * (interval, timeouts, the per-owner limit).  One small file per store in
 * a directory of its own (the server's runtime directory), so that every
 * child registers what its requests find, the sweeping child reads them
 * all, and a restart still knows stores that only a request could name
 * (a <Location>'s default store).  APR only (unit-tested). */
#ifndef BITS_SWEEP_REGISTRY_H
#define BITS_SWEEP_REGISTRY_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include "bits_cleanup.h"

typedef struct {
    const char *store;               /* absolute path */
    apr_interval_time_t interval;    /* BITSCleanup*: sweep this often */
    bits_sweep_policy_t policy;
} bits_sweep_entry_t;

/* Several configurations writing into one store: the sweep follows the
 * most lenient, so that it never removes what one of them allows: the
 * longest timeouts, no per-owner limit if one has none (else the highest),
 * and the shortest interval (sweeping more often removes nothing more). */
void bits_sweep_entry_merge(bits_sweep_entry_t *into, const bits_sweep_entry_t *from);

/* Creates the directory (0700) and its lock file if missing. */
apr_status_t bits_sweep_registry_prepare(const char *dir, apr_pool_t *p);

/* Registers a store's policy.  `epoch` is when this configuration was
 * loaded: an entry of an older one is replaced (the configuration may
 * have changed), one of this configuration is merged with (as above), and
 * one of a newer configuration is left alone (written by the children of
 * a graceful restart while this one's still run).  Never waits: APR_EBUSY
 * if another process is registering at this moment (try again later).
 * *written says whether the file changed. */
apr_status_t bits_sweep_register(const char *dir, const bits_sweep_entry_t *e,
                                 apr_time_t epoch, int *written, apr_pool_t *p);

/* Every registered store, as an array of bits_sweep_entry_t. */
apr_status_t bits_sweep_registry_read(const char *dir, apr_array_header_t **entries,
                                      apr_pool_t *p);

/* The file that holds a store's entry (for chown by the caller). */
const char *bits_sweep_registry_file(const char *dir, const char *store,
                                     apr_pool_t *p);

#endif
