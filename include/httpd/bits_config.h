/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Per-directory configuration of mod_bits (one field per directive). */
#ifndef BITS_CONFIG_H
#define BITS_CONFIG_H

#include <apr_pools.h>
#include <apr_time.h>
#include <apr_file_io.h>
#include "bits_space.h"

#define BITS_UNSET (-1)
/* A size directive not given: -1 already means "unlimited" there. */
#define BITS_UNSET_SIZE (-2)

#include "bits_defaults.h"   /* BITS_DEFAULT_*: bitsctl reads them too */

typedef struct {
    int enabled;               /* BITSUploadEnabled: BITS_UNSET / 0 / 1 */
    const char *root_dir;      /* <Directory> where BITSUploadEnabled was set */
    const char *root_url;      /* or the <Location> URL prefix */
    int root_docroot;          /* or 1: set at server/vhost level, the root is
                                  the request's DocumentRoot (read per request) */
    const char *session_dir;   /* BITSSessionDirectory, NULL = <root>/BITS-Sessions */
    apr_int64_t session_timeout;   /* s */
    apr_off_t max_upload;      /* BITSMaximumUploadSize; -1 unlimited */
    int allow_overwrites;
    int notify_type;           /* BITSServerNotificationType */
    const char *notify_url;    /* BITSServerNotificationURL */
    apr_int64_t notify_timeout;    /* BITSNotificationTimeout, s */
    const char *host_id;       /* BITSHostId (web farms) */
    apr_int64_t host_id_fallback;  /* s */
    apr_int64_t lock_timeout;  /* BITSLockTimeout, s */
    int cleanup_use_default;   /* BITSCleanupUseDefault */
    int cleanup_count;         /* BITSCleanupCount ... */
    int cleanup_unit;          /* ... x BITSCleanupUnits, in seconds */
    int sessions_limit;        /* BITSNumberOfSessionsLimit */
    int limit_enable;          /* BITSSessionLimitEnable */
    apr_int64_t session_group; /* BITSSessionGroup: a gid, BITS_GROUP_NONE or unset */
    int published_mode;        /* BITSPublishedFileMode (octal bits) or unset */
    int owners_limit;          /* BITSSessionOwnersLimit, 0 = unlimited */
    apr_int64_t notify_retry;  /* BITSNotificationRetryDelay, s (0 = no backoff) */
    apr_off_t max_reply;       /* BITSMaximumReplySize; -1 unlimited */
    bits_min_free_t min_free;  /* BITSMinimumFreeSpace (zero: none) */
    int min_free_set;          /* ... given here (1) or not (0) */
    int fragment_sync;         /* BITSFragmentSync: every Ack durable */
    apr_int64_t sync_batch_time;   /* BITSFragmentSyncBatch: seconds ... */
    apr_off_t sync_batch_bytes;    /* ... and bytes between syncs (Off) */
} bits_dir_conf;

#define BITS_GROUP_NONE (-2)


/* Effective values: the IIS defaults where a directive was not given
 * (src/httpd/bits_config.c).  Durations are apr_interval_time_t unless
 * said otherwise. */
apr_interval_time_t bits_conf_session_timeout(const bits_dir_conf *c);
apr_interval_time_t bits_conf_lock_timeout(const bits_dir_conf *c);
apr_interval_time_t bits_conf_notify_timeout(const bits_dir_conf *c);
apr_interval_time_t bits_conf_notify_retry(const bits_dir_conf *c);
apr_interval_time_t bits_conf_cleanup_interval(const bits_dir_conf *c);
apr_int64_t bits_conf_fallback(const bits_dir_conf *c);     /* seconds */
apr_off_t bits_conf_max_upload(const bits_dir_conf *c);     /* -1: unlimited */
apr_off_t bits_conf_max_reply(const bits_dir_conf *c);      /* -1: unlimited */
int bits_conf_overwrites(const bits_dir_conf *c);
int bits_conf_sessions_limit(const bits_dir_conf *c);       /* 0: none */
int bits_conf_owners_limit(const bits_dir_conf *c);         /* 0: none */
int bits_conf_notify_type(const bits_dir_conf *c);
/* BITSMinimumFreeSpace; all zero if none. */
const bits_min_free_t *bits_conf_min_free(const bits_dir_conf *c);
int bits_conf_fragment_sync(const bits_dir_conf *c);        /* 1: every Ack durable */
apr_interval_time_t bits_conf_sync_batch_time(const bits_dir_conf *c);
apr_off_t bits_conf_sync_batch_bytes(const bits_dir_conf *c);
/* The group of the session store, or BITS_NO_GROUP (bits_session.h). */
apr_gid_t bits_conf_session_group(const bits_dir_conf *c);

#endif
