/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Owner keys: whom a session is counted against.  APR only. */
#ifndef BITS_OWNER_H
#define BITS_OWNER_H

#include <apr_pools.h>

/* Longer keys are cut and end in "~<64-bit hash of the whole name>". */
#define BITS_OWNER_KEY_MAX   120

/* The key sessions are counted under: "user-<name>" for an authenticated
 * user, else "anon-<client address>", IPv6 addresses grouped by their /64
 * (one subscriber's whole network), IPv4-mapped IPv6 as IPv4; without an
 * address "anon-unknown".  Bytes outside [A-Za-z0-9._@:-] are %XX-escaped,
 * so a key is always one safe file name. */
const char *bits_owner_key(const char *user, const char *client_ip, apr_pool_t *p);

/* 1 if key, read back from a record or a directory, is still one plain
 * file name of the form bits_owner_key makes. */
int bits_owner_key_ok(const char *key);

/* The 64-bit FNV-1a hash that shortens overlong keys; also names the
 * lock claim of a key.  Not collision-proof against someone who chooses
 * user names; user names come from the server's own authentication. */
apr_uint64_t bits_owner_key_hash(const char *key);

#endif
