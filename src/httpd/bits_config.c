/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The configuration of mod_bits: per-directory and per-server records,
 * their merging, and every directive (syntax checked here, with messages
 * naming the directive). */
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <grp.h>

#include "bits_private.h"
#include "bits_protocol.h"
#include "bits_notify.h"
#include "bits_sections.h"
#include "bits_session.h"

void *bits_dir_create(apr_pool_t *p, char *dir)
{
    bits_dir_conf *c = apr_pcalloc(p, sizeof *c);

    (void)dir;
    c->enabled = BITS_UNSET;
    c->session_timeout = BITS_UNSET;
    c->max_upload = BITS_UNSET_SIZE;
    c->allow_overwrites = BITS_UNSET;
    c->notify_type = BITS_UNSET;
    c->notify_timeout = BITS_UNSET;
    c->host_id_fallback = BITS_UNSET;
    c->lock_timeout = BITS_UNSET;
    c->cleanup_use_default = BITS_UNSET;
    c->cleanup_count = BITS_UNSET;
    c->cleanup_unit = BITS_UNSET;
    c->sessions_limit = BITS_UNSET;
    c->limit_enable = BITS_UNSET;
    c->session_group = BITS_UNSET;
    c->published_mode = BITS_UNSET;
    c->owners_limit = BITS_UNSET;
    c->notify_retry = BITS_UNSET;
    c->max_reply = BITS_UNSET_SIZE;
    c->fragment_sync = BITS_UNSET;
    c->sync_batch_time = BITS_UNSET;
    c->sync_batch_bytes = BITS_UNSET_SIZE;
    return c;
}

#define PICK(field, unset) n->field = (add->field != (unset)) ? add->field : base->field
void *bits_dir_merge(apr_pool_t *p, void *basev, void *addv)
{
    const bits_dir_conf *base = basev, *add = addv;
    bits_dir_conf *n = apr_pcalloc(p, sizeof *n);

    PICK(enabled, BITS_UNSET);
    /* The location's directory is where uploads were switched on. */
    n->root_dir = add->enabled != BITS_UNSET ? add->root_dir : base->root_dir;
    n->root_url = add->enabled != BITS_UNSET ? add->root_url : base->root_url;
    n->root_docroot = add->enabled != BITS_UNSET ? add->root_docroot
                                                 : base->root_docroot;
    PICK(session_dir, NULL);
    PICK(session_timeout, BITS_UNSET);
    PICK(max_upload, BITS_UNSET_SIZE);
    PICK(allow_overwrites, BITS_UNSET);
    PICK(notify_type, BITS_UNSET);
    PICK(notify_url, NULL);
    PICK(notify_timeout, BITS_UNSET);
    PICK(host_id, NULL);
    PICK(host_id_fallback, BITS_UNSET);
    PICK(lock_timeout, BITS_UNSET);
    PICK(cleanup_use_default, BITS_UNSET);
    PICK(cleanup_count, BITS_UNSET);
    PICK(cleanup_unit, BITS_UNSET);
    PICK(sessions_limit, BITS_UNSET);
    PICK(limit_enable, BITS_UNSET);
    PICK(session_group, BITS_UNSET);
    PICK(published_mode, BITS_UNSET);
    PICK(owners_limit, BITS_UNSET);
    PICK(notify_retry, BITS_UNSET);
    PICK(max_reply, BITS_UNSET_SIZE);
    PICK(min_free_set, 0);
    n->min_free = add->min_free_set ? add->min_free : base->min_free;
    PICK(fragment_sync, BITS_UNSET);
    PICK(sync_batch_time, BITS_UNSET);
    PICK(sync_batch_bytes, BITS_UNSET_SIZE);
    return n;
}
#undef PICK

/* Per server: what the configuration of this pass says about stores.
 * Created afresh on every pass (graceful restarts re-read everything), so
 * nothing stale survives a restart. */
void *bits_srv_create(apr_pool_t *p, server_rec *s)
{
    bits_srv_conf *sc = apr_pcalloc(p, sizeof *sc);

    (void)s;
    sc->configured = bits_stores_make(p);
    sc->groups = apr_array_make(p, 2, sizeof(apr_gid_t));
    sc->level_enabled = BITS_UNSET;
    sc->notify_slots = BITS_UNSET;
    sc->section_host_ids = apr_array_make(p, 1, sizeof(bits_host_id_note));
    return sc;
}

static bits_srv_conf *srv_conf(server_rec *s)
{
    return ap_get_module_config(s->module_config, &bits_module);
}

bits_srv_conf *bits_server_conf(server_rec *s)
{
    return srv_conf(s);
}

const bits_stores_t *bits_all_stores(server_rec *s)
{
    return srv_conf(s)->all;
}


/* ---- effective values ------------------------------------------------- */

static apr_int64_t or_default(apr_int64_t v, apr_int64_t dflt)
{
    return v == BITS_UNSET ? dflt : v;
}

apr_interval_time_t bits_conf_session_timeout(const bits_dir_conf *c)
{
    return apr_time_from_sec(or_default(c->session_timeout,
                                        BITS_DEFAULT_SESSION_TIMEOUT));
}

apr_interval_time_t bits_conf_lock_timeout(const bits_dir_conf *c)
{
    return apr_time_from_sec(or_default(c->lock_timeout, BITS_DEFAULT_LOCK_TIMEOUT));
}

apr_interval_time_t bits_conf_notify_timeout(const bits_dir_conf *c)
{
    return apr_time_from_sec(or_default(c->notify_timeout,
                                        BITS_DEFAULT_NOTIFY_TIMEOUT));
}

apr_interval_time_t bits_conf_notify_retry(const bits_dir_conf *c)
{
    return apr_time_from_sec(or_default(c->notify_retry, BITS_DEFAULT_NOTIFY_RETRY));
}

/* BITSCleanupCount x BITSCleanupUnits counts only with
 * BITSCleanupUseDefault Off, as in IIS. */
apr_interval_time_t bits_conf_cleanup_interval(const bits_dir_conf *c)
{
    if (c->cleanup_use_default == 0 && c->cleanup_count > 0)
        return apr_time_from_sec((apr_int64_t)c->cleanup_count
                                 * (c->cleanup_unit > 0 ? c->cleanup_unit : 3600));
    return apr_time_from_sec(BITS_DEFAULT_CLEANUP_INTERVAL);
}

apr_int64_t bits_conf_fallback(const bits_dir_conf *c)
{
    return or_default(c->host_id_fallback, BITS_DEFAULT_FALLBACK_TIMEOUT);
}

apr_off_t bits_conf_max_upload(const bits_dir_conf *c)
{
    return c->max_upload < 0 ? -1 : c->max_upload;
}

apr_off_t bits_conf_max_reply(const bits_dir_conf *c)
{
    return c->max_reply == BITS_UNSET_SIZE ? BITS_DEFAULT_MAX_REPLY : c->max_reply;
}

int bits_conf_overwrites(const bits_dir_conf *c)
{
    return c->allow_overwrites == 1;
}

int bits_conf_sessions_limit(const bits_dir_conf *c)
{
    if (c->limit_enable == 0)
        return 0;
    return (int)or_default(c->sessions_limit, BITS_DEFAULT_SESSIONS_LIMIT);
}

int bits_conf_owners_limit(const bits_dir_conf *c)
{
    return (int)or_default(c->owners_limit, 0);
}

const bits_min_free_t *bits_conf_min_free(const bits_dir_conf *c)
{
    return &c->min_free;
}

int bits_conf_notify_type(const bits_dir_conf *c)
{
    return (int)or_default(c->notify_type, 0);
}

int bits_conf_fragment_sync(const bits_dir_conf *c)
{
    return c->fragment_sync == 1;
}

apr_interval_time_t bits_conf_sync_batch_time(const bits_dir_conf *c)
{
    return apr_time_from_sec(or_default(c->sync_batch_time,
                                        BITS_DEFAULT_SYNC_BATCH_TIME));
}

apr_off_t bits_conf_sync_batch_bytes(const bits_dir_conf *c)
{
    return c->sync_batch_bytes == BITS_UNSET_SIZE ? BITS_DEFAULT_SYNC_BATCH_BYTES
                                                   : c->sync_batch_bytes;
}

apr_gid_t bits_conf_session_group(const bits_dir_conf *c)
{
    return c->session_group >= 0 ? (apr_gid_t)c->session_group : BITS_NO_GROUP;
}

/* The container a directive sits in: "<Directory", "<Location", ... */
static const char *container_of(cmd_parms *cmd)
{
    return cmd->directive && cmd->directive->parent
           ? cmd->directive->parent->directive : "";
}

/* BITSUploadEnabled at server or <VirtualHost> level (cmd->path is NULL):
 * the upload directory is the vhost's DocumentRoot, read per request.
 * Remembered per server for the startup warnings (bits_warn_vhosts). */
static void note_level_enabled(cmd_parms *cmd, int flag)
{
    bits_srv_conf *sc = srv_conf(cmd->server);

    sc->level_enabled = flag;
    sc->level_file = cmd->directive ? cmd->directive->filename : NULL;
    sc->level_line = cmd->directive ? cmd->directive->line_num : 0;
}

static const char *set_enabled(cmd_parms *cmd, void *dcv, int flag)
{
    bits_dir_conf *dc = dcv;
    const char *where = container_of(cmd);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_FILES);

    if (err)
        return err;
    if (!cmd->path) {
        dc->enabled = flag;
        dc->root_docroot = 1;
        note_level_enabled(cmd, flag);
        return NULL;
    }
    if (cmd->path[0] == '~' || !strcasecmp(where, "<LocationMatch")
        || !strcasecmp(where, "<DirectoryMatch"))
        return "BITSUploadEnabled must be set at server or virtual host level, or "
               "in a <Directory> or <Location> section with a plain path (no "
               "regular expression)";
    dc->enabled = flag;
    if (!strcasecmp(where, "<Location")) {
        dc->root_url = apr_pstrdup(cmd->pool, cmd->path);
    }
    else {
        char *dir = apr_pstrdup(cmd->pool, cmd->path);
        apr_size_t len = strlen(dir);
        while (len > 1 && dir[len - 1] == '/')
            dir[--len] = '\0';
        dc->root_dir = dir;
    }
    if (flag)
        bits_note_upload_section(cmd);
    return NULL;
}

/* A value within [min, max] read by `parse` (digits, or digits and a unit),
 * or an error naming the directive and `what` it takes. */
static const char *parse_value(cmd_parms *cmd, const char *arg,
                               int (*parse)(const char *, apr_int64_t *),
                               const char *what, apr_int64_t min, apr_int64_t max,
                               apr_int64_t *out)
{
    apr_int64_t v = 0;

    if (parse(arg, &v) != 0 || v < min || v > max)
        return apr_psprintf(cmd->pool, "%s: '%s' is not %s between %" APR_INT64_T_FMT
                            " and %" APR_INT64_T_FMT, cmd->cmd->name, arg, what,
                            min, max);
    *out = v;
    return NULL;
}

static int parse_count(const char *arg, apr_int64_t *out)
{
    apr_off_t v = 0;
    int rc = bits_parse_length(arg, &v);

    *out = v;
    return rc;
}

/* A plain non-negative count. */
static const char *parse_number(cmd_parms *cmd, const char *arg, apr_int64_t min,
                                apr_int64_t max, apr_int64_t *out)
{
    return parse_value(cmd, arg, parse_count, "a whole number", min, max, out);
}

/* Seconds, or a duration with a unit: 30s, 15m, 12h, 14d, 2w. */
static const char *parse_seconds(cmd_parms *cmd, const char *arg, apr_int64_t min,
                                 apr_int64_t max, apr_int64_t *out)
{
    return parse_value(cmd, arg, bits_parse_duration,
                       "a number of seconds (or 30s, 15m, 12h, 14d, 2w)", min, max, out);
}

/* Seconds, kept well below what apr_time_from_sec can hold. */
#define BITS_MAX_SECONDS APR_INT64_C(315360000000)

static const char *set_seconds(cmd_parms *cmd, void *dcv, const char *arg)
{
    apr_int64_t *field = (apr_int64_t *)((char *)dcv + (apr_size_t)cmd->info);

    return parse_seconds(cmd, arg, 1, BITS_MAX_SECONDS, field);
}

/* 0 is meaningful here: BITS-Host-Id is sent without a fallback (§17.22). */
static const char *set_fallback(cmd_parms *cmd, void *dcv, const char *arg)
{
    return parse_seconds(cmd, arg, 0, BITS_MAX_SECONDS,
                         &((bits_dir_conf *)dcv)->host_id_fallback);
}

/* A size in bytes, or -1 for "unlimited" (BITSMaximumUploadSize,
 * BITSMaximumReplySize). */
static const char *set_size(cmd_parms *cmd, void *dcv, const char *arg)
{
    apr_off_t *field = (apr_off_t *)((char *)dcv + (apr_size_t)cmd->info);
    apr_int64_t v = 0;
    const char *err;

    /* IIS: empty means no limit. */
    if (!*arg || !strcasecmp(arg, "unlimited")) {
        *field = -1;
        return NULL;
    }
    /* §17.23: a decimal beyond signed 64 bits means no limit as well. */
    if (strspn(arg, "0123456789") == strlen(arg) && bits_parse_length(arg, &v) != 0) {
        *field = -1;
        return NULL;
    }
    if ((err = parse_value(cmd, arg, bits_parse_size, "a number of bytes (or 512K, "
                           "64M, 10G, 2T)", 0, APR_INT64_MAX, &v)) != NULL)
        return err;
    *field = v;
    return NULL;
}

/* BITSFragmentSyncBatch seconds [bytes]: the bounds of a group commit. */
static const char *set_sync_batch(cmd_parms *cmd, void *dcv, const char *secs,
                                  const char *bytes)
{
    bits_dir_conf *dc = dcv;
    apr_int64_t v = 0;
    const char *err = parse_seconds(cmd, secs, 1, 3600, &dc->sync_batch_time);

    if (err || !bytes)
        return err;
    if ((err = parse_value(cmd, bytes, bits_parse_size, "a number of bytes (or 512K, "
                           "64M, 1G)", 1, APR_INT64_MAX, &v)) != NULL)
        return err;
    dc->sync_batch_bytes = v;
    return NULL;
}

/* 0 is meaningful here: no backoff between notification attempts. */
static const char *set_retry_delay(cmd_parms *cmd, void *dcv, const char *arg)
{
    return parse_seconds(cmd, arg, 0, 86400, &((bits_dir_conf *)dcv)->notify_retry);
}

/* One value for the whole server: the slots are shared by every vhost. */
static const char *set_max_notifications(cmd_parms *cmd, void *dcv, const char *arg)
{
    apr_int64_t v = 0;
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    (void)dcv;
    if (!err)
        err = parse_number(cmd, arg, 1, 100000, &v);
    if (!err)
        srv_conf(cmd->server)->notify_slots = (int)v;
    return err;
}

static const char *set_int(cmd_parms *cmd, void *dcv, const char *arg)
{
    int *field = (int *)((char *)dcv + (apr_size_t)cmd->info);
    apr_int64_t v = 0;
    const char *err = parse_number(cmd, arg, 1, 100000, &v);

    if (!err)
        *field = (int)v;
    return err;
}

/* A store-wide ceiling against clients rotating addresses; off by default. */
static const char *set_owners_limit(cmd_parms *cmd, void *dcv, const char *arg)
{
    apr_int64_t v = 0;
    const char *err;

    if (!strcasecmp(arg, "unlimited")) {
        ((bits_dir_conf *)dcv)->owners_limit = 0;
        return NULL;
    }
    if ((err = parse_number(cmd, arg, 1, 10000000, &v)) != NULL)
        return apr_pstrcat(cmd->pool, err, " (or unlimited)", NULL);
    ((bits_dir_conf *)dcv)->owners_limit = (int)v;
    return NULL;
}

/* IIS numbers its units 0, 1, 2; names are accepted too. */
static const char *set_cleanup_units(cmd_parms *cmd, void *dcv, const char *arg)
{
    static const struct { const char *name, *number; int seconds; } units[] = {
        { "minutes", "0", 60 }, { "hours", "1", 3600 }, { "days", "2", 86400 }
    };
    unsigned i;

    for (i = 0; i < sizeof units / sizeof *units; i++) {
        if (!strcasecmp(arg, units[i].name) || !strcmp(arg, units[i].number)) {
            ((bits_dir_conf *)dcv)->cleanup_unit = units[i].seconds;
            return NULL;
        }
    }
    return apr_psprintf(cmd->pool, "BITSCleanupUnits: '%s' is not one of minutes (0), "
                        "hours (1) or days (2)", arg);
}

static const char *set_session_dir(cmd_parms *cmd, void *dcv, const char *arg)
{
    bits_dir_conf *dc = dcv;

    if (!ap_os_is_path_absolute(cmd->pool, arg))
        return "BITSSessionDirectory must be an absolute path";
    dc->session_dir = apr_pstrdup(cmd->pool, arg);
    /* Every store is refused to every URL of every vhost (bits_store.h). */
    bits_stores_add(srv_conf(cmd->server)->configured, dc->session_dir);
    bits_note_store_section(cmd);      /* swept from the start (bits_sweeper.c) */
    return NULL;
}

/* Bytes (with a unit) or a percentage of the file system; 0: none. */
static const char *set_min_free(cmd_parms *cmd, void *dcv, const char *arg)
{
    bits_dir_conf *dc = dcv;

    if (bits_parse_min_free(arg, &dc->min_free) != 0)
        return apr_psprintf(cmd->pool, "BITSMinimumFreeSpace: '%s' is not a number of "
                            "bytes (or 512M, 10G) nor a percentage from 1%% to 99%%", arg);
    dc->min_free_set = 1;
    return NULL;
}

/* A group name, "#<gid>", or "none" (no group: the store is private). */
static const char *set_session_group(cmd_parms *cmd, void *dcv, const char *arg)
{
    bits_dir_conf *dc = dcv;
    struct group gr, *found = NULL;
    char buf[4096];
    apr_int64_t gid = -1;

    if (!strcasecmp(arg, "none")) {
        dc->session_group = BITS_GROUP_NONE;
        return NULL;
    }
    if (arg[0] == '#') {
        if (parse_number(cmd, arg + 1, 0, 0x7fffffff, &gid) != NULL)
            gid = -1;
    }
    else if (getgrnam_r(arg, &gr, buf, sizeof buf, &found) == 0 && found) {
        gid = found->gr_gid;
    }
    if (gid < 0)
        return apr_psprintf(cmd->pool, "BITSSessionGroup: '%s' is not a known group "
                            "name, #<gid> or none", arg);
    dc->session_group = gid;
    *(apr_gid_t *)apr_array_push(srv_conf(cmd->server)->groups) = (apr_gid_t)gid;
    return NULL;
}

/* Octal permission bits for published files: read and write bits only
 * (an upload is data; an execute bit would make it a program). */
static const char *set_published_mode(cmd_parms *cmd, void *dcv, const char *arg)
{
    apr_size_t len = strlen(arg);
    char *end;
    long v;

    v = (len >= 1 && len <= 4 && strspn(arg, "01234567") == len)
        ? strtol(arg, &end, 8) : -1;
    if (v < 0 || (v & ~0666L))
        return apr_psprintf(cmd->pool, "BITSPublishedFileMode: '%s' is not an octal "
                            "mode of read and write bits only (0000 to 0666, e.g. "
                            "0644)", arg);
    ((bits_dir_conf *)dcv)->published_mode = (int)v;
    return NULL;
}

static const char *set_notify_type(cmd_parms *cmd, void *dcv, const char *arg)
{
    if (strlen(arg) != 1 || arg[0] < '0' || arg[0] > '2')
        return apr_psprintf(cmd->pool, "BITSServerNotificationType: '%s' is not 0 "
                            "(none), 1 (by reference) or 2 (by value)", arg);
    ((bits_dir_conf *)dcv)->notify_type = arg[0] - '0';
    return NULL;
}

static const char *set_notify_url(cmd_parms *cmd, void *dcv, const char *arg)
{
    const char *sample;

    /* Relative URLs are resolved against each upload's URL on this
     * server's own name (§11.2); try one such resolution now. */
    if (!*arg || strlen(arg) > BITS_MAX_URL || !bits_url_clean(arg))
        return apr_psprintf(cmd->pool, "BITSServerNotificationURL: '%s' is not a URL "
                            "of at most %d printable characters", arg, BITS_MAX_URL);
    sample = bits_notify_url(arg, "http://localhost/uploads/file.bin", cmd->temp_pool);
    if (!sample || (strncmp(sample, "http://", 7) && strncmp(sample, "https://", 8)))
        return "BITSServerNotificationURL must be an http:// or https:// URL "
               "or a relative one";
    ((bits_dir_conf *)dcv)->notify_url = apr_pstrdup(cmd->pool, arg);
    return NULL;
}

static const char *set_host_id(cmd_parms *cmd, void *dcv, const char *arg)
{
    bits_dir_conf *dc = dcv;
    const char *c;

    if (!*arg || strlen(arg) > 300)
        return "BITSHostId must be a host name or IP address of 1 to 300 characters";
    for (c = arg; *c; c++)
        if (!apr_isalnum(*c) && !strchr("-._:[]", *c))
            return apr_psprintf(cmd->pool, "BITSHostId '%s' is not a host name "
                                "or IP address (no scheme, port or path)", arg);
    dc->host_id = apr_pstrdup(cmd->pool, arg);
    /* Server and vhost level values are checked from the merged vhost
     * configuration; a section's value against its own server. */
    if (cmd->path) {
        bits_host_id_note *n = apr_array_push(srv_conf(cmd->server)->section_host_ids);
        n->host_id = dc->host_id;
        n->file = cmd->directive ? cmd->directive->filename : NULL;
        n->line = cmd->directive ? cmd->directive->line_num : 0;
    }
    return NULL;
}

/* Every BITS directive: server config, <VirtualHost>, <Directory>, <Location>. */
#define BITS_CONF (RSRC_CONF | ACCESS_CONF)

const command_rec bits_cmds[] = {
    AP_INIT_FLAG("BITSUploadEnabled", set_enabled, NULL, BITS_CONF,
                 "Accept BITS uploads (BITS_POST) in this directory or location"),
    AP_INIT_TAKE1("BITSSessionDirectory", set_session_dir, NULL, BITS_CONF,
                  "Directory holding upload sessions (default: BITS-Sessions "
                  "inside the upload directory)"),
    AP_INIT_TAKE1("BITSSessionTimeout", set_seconds,
                  (void *)APR_OFFSETOF(bits_dir_conf, session_timeout), BITS_CONF,
                  "Seconds of inactivity after which a session expires (1209600)"),
    AP_INIT_TAKE1("BITSMaximumUploadSize", set_size,
                  (void *)APR_OFFSETOF(bits_dir_conf, max_upload), BITS_CONF,
                  "Largest file one upload may carry, in bytes (default unlimited)"),
    AP_INIT_FLAG("BITSAllowOverwrites", ap_set_flag_slot,
                 (void *)APR_OFFSETOF(bits_dir_conf, allow_overwrites), BITS_CONF,
                 "Whether an upload may replace an existing file (Off)"),
    AP_INIT_TAKE1("BITSServerNotificationType", set_notify_type, NULL, BITS_CONF,
                  "0: publish uploads; 1: notify the application by reference; "
                  "2: by value"),
    AP_INIT_TAKE1("BITSServerNotificationURL", set_notify_url, NULL, BITS_CONF,
                  "URL of the server application (absolute, or relative to the "
                  "upload URL)"),
    AP_INIT_TAKE1("BITSNotificationTimeout", set_seconds,
                  (void *)APR_OFFSETOF(bits_dir_conf, notify_timeout), BITS_CONF,
                  "Seconds the application may take to answer (300)"),
    AP_INIT_TAKE1("BITSNotificationRetryDelay", set_retry_delay, NULL, BITS_CONF,
                  "Seconds before a session may notify again after a failed "
                  "notification, doubled after each further failure up to 300 "
                  "(5; 0: no backoff)"),
    AP_INIT_TAKE1("BITSMaximumReplySize", set_size,
                  (void *)APR_OFFSETOF(bits_dir_conf, max_reply), BITS_CONF,
                  "Largest reply the application may send, in bytes (67108864; "
                  "or unlimited)"),
    AP_INIT_TAKE1("BITSMaxConcurrentNotifications", set_max_notifications, NULL,
                  RSRC_CONF, "Requests of the whole server that may wait on the "
                  "application at once (default: a quarter of MaxRequestWorkers)"),
    AP_INIT_TAKE1("BITSHostId", set_host_id, NULL, BITS_CONF,
                  "Host name of this node, sent as BITS-Host-Id to pin clients"),
    AP_INIT_TAKE1("BITSHostIdFallbackTimeout", set_fallback, NULL, BITS_CONF,
                  "Seconds a client keeps trying the pinned host (86400; 0: "
                  "no fallback)"),
    AP_INIT_TAKE1("BITSLockTimeout", set_seconds,
                  (void *)APR_OFFSETOF(bits_dir_conf, lock_timeout), BITS_CONF,
                  "Seconds a request waits for a busy session before 503 (10)"),
    AP_INIT_FLAG("BITSCleanupUseDefault", ap_set_flag_slot,
                 (void *)APR_OFFSETOF(bits_dir_conf, cleanup_use_default), BITS_CONF,
                 "Sweep the session store every 12 hours (On) or every "
                 "BITSCleanupCount BITSCleanupUnits (Off)"),
    AP_INIT_TAKE1("BITSCleanupCount", set_int,
                  (void *)APR_OFFSETOF(bits_dir_conf, cleanup_count), BITS_CONF,
                  "Interval between sweeps, in BITSCleanupUnits"),
    AP_INIT_TAKE1("BITSCleanupUnits", set_cleanup_units, NULL, BITS_CONF,
                  "Unit of BITSCleanupCount: minutes, hours (default) or days"),
    AP_INIT_TAKE1("BITSNumberOfSessionsLimit", set_int,
                  (void *)APR_OFFSETOF(bits_dir_conf, sessions_limit), BITS_CONF,
                  "Live sessions one owner (a user; for anonymous uploads a "
                  "client address, an IPv6 /64) may hold in a store (50)"),
    AP_INIT_FLAG("BITSSessionLimitEnable", ap_set_flag_slot,
                 (void *)APR_OFFSETOF(bits_dir_conf, limit_enable), BITS_CONF,
                 "Whether BITSNumberOfSessionsLimit is enforced, at "
                 "Create-Session and by the sweep (On)"),
    AP_INIT_TAKE1("BITSMinimumFreeSpace", set_min_free, NULL, BITS_CONF,
                  "Free space (bytes, 10G, or 5%) below which new sessions and "
                  "fragments get the disk-full answer (default none)"),
    AP_INIT_TAKE1("BITSSessionOwnersLimit", set_owners_limit, NULL, BITS_CONF,
                  "How many owners (users, client addresses) may hold sessions "
                  "in a store at once (unlimited)"),
    AP_INIT_TAKE1("BITSSessionGroup", set_session_group, NULL, BITS_CONF,
                  "Group that may read the session store and write replies "
                  "(a by-reference application); default none: the store is "
                  "private to the server user"),
    AP_INIT_TAKE1("BITSPublishedFileMode", set_published_mode, NULL, BITS_CONF,
                  "Octal mode of published files (default 0644 less the umask)"),
    AP_INIT_FLAG("BITSFragmentSync", ap_set_flag_slot,
                 (void *)APR_OFFSETOF(bits_dir_conf, fragment_sync), BITS_CONF,
                 "On: every fragment's data is synced before its Ack; Off "
                 "(default): synced in batches, an OS crash falls back to the "
                 "last synced N"),
    AP_INIT_TAKE12("BITSFragmentSyncBatch", set_sync_batch, NULL, BITS_CONF,
                   "With BITSFragmentSync Off, a session's data is synced at "
                   "the latest after this many seconds and bytes (1 64M)"),
    { NULL }
};
