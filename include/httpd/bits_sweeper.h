/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The background sweep of the session stores (src/httpd/bits_sweeper.c):
 * a mod_watchdog timer in one child at a time sweeps every registered
 * store in batches, so that no request waits for a sweep.  Glue only. */
#ifndef BITS_SWEEPER_H
#define BITS_SWEEPER_H

#include <httpd.h>
#include "bits_config.h"
#include "bits_lock.h"
#include "bits_sweep_registry.h"

/* post_config (not the trial pass), after the sections were noted:
 * registers the stores the configuration names and the timer. */
void bits_sweeper_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);

/* child_init: the child's cache of registered stores, and the claim
 * table the sweeps share with its requests. */
void bits_sweeper_child_init(apr_pool_t *pchild, server_rec *s,
                             bits_claims_t *child_claims);

/* Every request that reaches a store: registers it with the policy in
 * effect there (once per child and policy; never waits). */
void bits_sweeper_note_store(request_rec *r, const bits_dir_conf *conf,
                             const char *store);

/* Create-Session, before the new session exists: without mod_watchdog
 * only, the due sweep of the store runs here, as it did before the timer
 * (one process of the farm at a time; a busy lock is not waited for). */
/* Every store registered for the sweep (configured at start-up, or used by
 * a request since), as paths; empty if the registry cannot be read. */
apr_array_header_t *bits_sweeper_stores(apr_pool_t *p);

void bits_sweeper_fallback(request_rec *r, const bits_dir_conf *conf,
                           const char *store);

/* The sweep policy of a configuration. */
void bits_sweep_entry_of(const bits_dir_conf *conf, const char *store,
                         bits_sweep_entry_t *e);

#endif
