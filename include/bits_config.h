/* Per-directory configuration of mod_bits (one field per directive). */
#ifndef BITS_CONFIG_H
#define BITS_CONFIG_H

#include <apr_pools.h>
#include <apr_time.h>

#define BITS_UNSET (-1)

#define BITS_DEFAULT_SESSION_TIMEOUT   1209600   /* s, 14 days (IIS) */
#define BITS_DEFAULT_FALLBACK_TIMEOUT  86400     /* s, 1 day (IIS) */
#define BITS_DEFAULT_LOCK_TIMEOUT      10        /* s, wait for a busy session */
#define BITS_DEFAULT_NOTIFY_TIMEOUT    300       /* s, IIS: 5 minutes */
#define BITS_DEFAULT_CLEANUP_INTERVAL  (12 * 3600)   /* s, IIS's default schedule */
#define BITS_DEFAULT_SESSIONS_LIMIT    50        /* per user (IIS) */
#define BITS_DEFAULT_NOTIFY_RETRY      5         /* s, first backoff after a failure */
#define BITS_DEFAULT_MAX_REPLY         (64 * 1024 * 1024)   /* bytes */

typedef struct {
    int enabled;               /* BITSUploadEnabled: BITS_UNSET / 0 / 1 */
    const char *root_dir;      /* <Directory> where BITSUploadEnabled was set */
    const char *root_url;      /* or the <Location> URL prefix */
    int root_docroot;          /* or 1: set at server/vhost level, the root is
                                  the request's DocumentRoot (read per request) */
    const char *session_dir;   /* BITSSessionDirectory, NULL = <root>/BITS-Sessions */
    apr_int64_t session_timeout;   /* s */
    apr_off_t max_upload;      /* BITSMaximumUploadSize; -2 unset, -1 unlimited */
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
    apr_off_t max_reply;       /* BITSMaximumReplySize; -2 unset, -1 unlimited */
} bits_dir_conf;

#define BITS_GROUP_NONE (-2)


/* Effective values: the IIS defaults where a directive was not given. */
#define bits_conf_session_timeout(c) \
    apr_time_from_sec((c)->session_timeout == BITS_UNSET \
                      ? BITS_DEFAULT_SESSION_TIMEOUT : (c)->session_timeout)
#define bits_conf_lock_timeout(c) \
    apr_time_from_sec((c)->lock_timeout == BITS_UNSET \
                      ? BITS_DEFAULT_LOCK_TIMEOUT : (c)->lock_timeout)
#define bits_conf_fallback(c) \
    ((c)->host_id_fallback == BITS_UNSET \
     ? BITS_DEFAULT_FALLBACK_TIMEOUT : (c)->host_id_fallback)
#define bits_conf_max_upload(c)  ((c)->max_upload < 0 ? -1 : (c)->max_upload)
#define bits_conf_overwrites(c)  ((c)->allow_overwrites == 1)
#define bits_conf_cleanup_interval(c) \
    apr_time_from_sec((c)->cleanup_use_default == 0 && (c)->cleanup_count > 0 \
                      ? (apr_int64_t)(c)->cleanup_count \
                        * ((c)->cleanup_unit > 0 ? (c)->cleanup_unit : 3600) \
                      : BITS_DEFAULT_CLEANUP_INTERVAL)
#define bits_conf_sessions_limit(c) \
    ((c)->limit_enable == 0 ? 0 : (c)->sessions_limit == BITS_UNSET \
     ? BITS_DEFAULT_SESSIONS_LIMIT : (c)->sessions_limit)
#define bits_conf_owners_limit(c) \
    ((c)->owners_limit == BITS_UNSET ? 0 : (c)->owners_limit)
#define bits_conf_notify_timeout(c) \
    apr_time_from_sec((c)->notify_timeout == BITS_UNSET \
                      ? BITS_DEFAULT_NOTIFY_TIMEOUT : (c)->notify_timeout)
/* The group of the session store, or BITS_NO_GROUP (bits_session.h). */
#define bits_conf_session_group(c) \
    ((c)->session_group >= 0 ? (apr_gid_t)(c)->session_group : BITS_NO_GROUP)
#define bits_conf_notify_retry(c) \
    apr_time_from_sec((c)->notify_retry == BITS_UNSET \
                      ? BITS_DEFAULT_NOTIFY_RETRY : (c)->notify_retry)
#define bits_conf_max_reply(c) \
    ((c)->max_reply == -2 ? BITS_DEFAULT_MAX_REPLY : (c)->max_reply)
#define bits_conf_notify_type(c) ((c)->notify_type == BITS_UNSET ? 0 : (c)->notify_type)

#endif
