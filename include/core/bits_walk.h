/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The sessions of a store, one by one: every directory of <store>/Requests
 * named by a canonical session id (anything else there is not a session).
 * For tools that look at a whole store (bitsctl).  APR only (unit-tested). */
#ifndef BITS_WALK_H
#define BITS_WALK_H

#include <apr_pools.h>

/* fn gets each id and a pool cleared after the call; a non-zero return
 * stops the walk.  A store without Requests/ has no sessions. */
typedef int (*bits_walk_fn)(void *baton, const char *id, apr_pool_t *iter);

apr_status_t bits_walk_sessions(const char *store, bits_walk_fn fn, void *baton,
                                apr_pool_t *p);

#endif
