/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The defaults of the BITS* directives, where both the module and bitsctl
 * (which sweeps a store with the module's policy) read them.  No code. */
#ifndef BITS_DEFAULTS_H
#define BITS_DEFAULTS_H

#define BITS_DEFAULT_SESSION_TIMEOUT   1209600   /* s, 14 days (IIS) */
#define BITS_DEFAULT_FALLBACK_TIMEOUT  86400     /* s, 1 day (IIS) */
#define BITS_DEFAULT_LOCK_TIMEOUT      10        /* s, wait for a busy session */
#define BITS_DEFAULT_NOTIFY_TIMEOUT    300       /* s, IIS: 5 minutes */
#define BITS_DEFAULT_CLEANUP_INTERVAL  (12 * 3600)   /* s, IIS's default schedule */
#define BITS_DEFAULT_SESSIONS_LIMIT    50        /* per user (IIS) */
#define BITS_DEFAULT_NOTIFY_RETRY      5         /* s, first backoff after a failure */
#define BITS_DEFAULT_SYNC_BATCH_TIME   1         /* s, group commit (BITSFragmentSync Off) */
#define BITS_DEFAULT_SYNC_BATCH_BYTES  (64 * 1024 * 1024)
#define BITS_DEFAULT_MAX_REPLY         (64 * 1024 * 1024)   /* bytes */

#endif
