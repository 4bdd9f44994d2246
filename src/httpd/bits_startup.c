/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* What mod_bits sets up once per configuration pass (post_config,
 * configtest) and once per child: the set of every session store, the
 * BITS_POST method, libcurl, the notification slots, the startup checks
 * and warnings, and each child's claim table. */
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_protocol.h>
#include <ap_mpm.h>
#include <unixd.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <curl/curl.h>

#include "bits_private.h"
#include "bits_protocol.h"
#include "bits_notify.h"
#include "bits_sections.h"
#include "bits_commit.h"
#include "bits_sweeper.h"
#include "bits_conftest.h"
#include "bits_status.h"

int bits_method_number = M_INVALID;
bits_claims_t *bits_child_claims;
int bits_notify_slots;
const char *bits_notify_slot_dir;
/* The umask httpd runs with, read once at startup (umask(2) cannot be
 * read without being set, which is not safe once threads run). */
static mode_t process_umask = 022;

int bits_published_mode(const bits_dir_conf *conf)
{
    return conf->published_mode != BITS_UNSET ? conf->published_mode
                                              : (int)(0644 & ~process_umask);
}

static apr_status_t curl_cleanup(void *unused)
{
    (void)unused;
    curl_global_cleanup();
    return APR_SUCCESS;
}

/* One set of every configured store, shared by all servers: a store of
 * one vhost must not be served by another. */
static void collect_stores(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *main)
{
    bits_stores_t *all = bits_stores_make(pconf);
    server_rec *s;

    for (s = main; s; s = s->next)
        bits_stores_merge(all, bits_server_conf(s)->configured);
    bits_vhost_default_stores(all, main, pconf);
    bits_stores_canonicalise(all, ptemp);
    for (s = main; s; s = s->next)
        bits_server_conf(s)->all = all;
    if (bits_stores_count(all))
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, main, "BITS00117: "
                     "mod_bits: %d configured "
                     "session store(s), refused to every URL", bits_stores_count(all));
}

/* Store files are given the BITSSessionGroup group (chown); that only
 * works for a group the server user belongs to. */
static void check_session_groups(server_rec *main)
{
    server_rec *s;
    int i;

    for (s = main; s; s = s->next) {
        apr_array_header_t *g = bits_server_conf(s)->groups;
        for (i = 0; i < g->nelts; i++) {
            apr_gid_t gid = APR_ARRAY_IDX(g, i, apr_gid_t);
            if (!bits_server_user_in_group(gid))
                ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "BITS00118: "
                             "BITSSessionGroup: the "
                             "server user %s is not a member of group %ld; creating "
                             "sessions in a store with that group will fail with "
                             "EPERM (add the user to the group)",
                             ap_unixd_config.user_name ? ap_unixd_config.user_name
                                                       : "?", (long)gid);
        }
    }
}

/* MaxRequestWorkers: processes times threads per process. */
static int server_workers(void)
{
    int daemons = 1, threads = 1;

    ap_mpm_query(AP_MPMQ_MAX_DAEMONS, &daemons);
    ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads);
    return (daemons > 0 ? daemons : 1) * (threads > 0 ? threads : 1);
}

/* The slot files of BITSMaxConcurrentNotifications, in the runtime
 * directory, private to the user the children run as. */
static void setup_notify_slots(apr_pool_t *pconf, server_rec *s)
{
    int workers = server_workers(), i;
    apr_status_t rv;

    /* Three quarters of the workers always stay for everything else. */
    int configured = bits_server_conf(s)->notify_slots;

    bits_notify_slots = configured != BITS_UNSET
                        ? configured : (workers / 4 > 0 ? workers / 4 : 1);
    if (bits_notify_slots > workers)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "BITS00119: mod_bits: "
                     "BITSMaxConcurrentNotifications %d is more than the %d workers "
                     "of this server (MaxRequestWorkers): a slow application can "
                     "still occupy all of them", bits_notify_slots, workers);
    bits_notify_slot_dir = ap_runtime_dir_relative(pconf, "mod_bits-notify");
    rv = bits_slots_prepare(bits_notify_slot_dir, bits_notify_slots, pconf);
    if (rv == APR_SUCCESS && geteuid() == 0) {
        /* The children open the slots after dropping root. */
        rv = chown(bits_notify_slot_dir, ap_unixd_config.user_id, -1) == 0
             ? APR_SUCCESS : APR_FROM_OS_ERROR(errno);
        for (i = 0; rv == APR_SUCCESS && i < bits_notify_slots; i++)
            if (chown(bits_slot_path(bits_notify_slot_dir, i, pconf),
                      ap_unixd_config.user_id, -1) != 0)
                rv = APR_FROM_OS_ERROR(errno);
    }
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, "BITS00120: "
                     "mod_bits: cannot set up %s for "
                     "BITSMaxConcurrentNotifications; notifications will not be "
                     "limited", bits_notify_slot_dir);
}

/* The release, from the top-level VERSION file (the Makefile passes it). */
#ifndef MOD_BITS_VERSION
#error "MOD_BITS_VERSION is not defined: build with the top-level Makefile"
#endif

int bits_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                     apr_pool_t *ptemp, server_rec *s)
{
    (void)plog;
    /* "mod_bits/<version>" in the Server header (ServerTokens Full), as mod_ssl. */
    ap_add_version_component(pconf, "mod_bits/" MOD_BITS_VERSION);
    process_umask = umask(022);
    umask(process_umask);
    collect_stores(pconf, ptemp, s);
    bits_method_number = ap_method_register(pconf, BITS_METHOD);
    /* The first, trial pass over the configuration stops here. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return OK;
    /* libcurl must be set up once, in the parent, before any thread. */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    apr_pool_cleanup_register(pconf, NULL, curl_cleanup, apr_pool_cleanup_null);
    check_session_groups(s);
    bits_note_docroot_sections(pconf, s);
    bits_warn_executable_sections(ptemp, s);   /* once, into the error log */
    bits_vhost_warnings(s);
    bits_check_config(ptemp, s);
    setup_notify_slots(pconf, s);
    bits_sweeper_post_config(pconf, ptemp, s);
    return OK;
}

/* apachectl configtest: the same warnings (post_config does not run then). */
void bits_test_config(apr_pool_t *pconf, server_rec *s)
{
    apr_pool_t *ptemp;

    if (apr_pool_create(&ptemp, pconf) != APR_SUCCESS)
        return;
    bits_note_docroot_sections(pconf, s);
    bits_warn_executable_sections(ptemp, s);
    bits_vhost_warnings(s);
    bits_check_config(ptemp, s);
    apr_pool_destroy(ptemp);
}

void bits_child_init(apr_pool_t *p, server_rec *s)
{
    int threads = 1;
    apr_status_t rv;

    ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads);
    /* The background sweeper's thread holds up to two claims: the store's
     * sweep and one session. */
    rv = bits_claims_create(&bits_child_claims, (threads > 0 ? threads : 1) + 2, p);
    if (rv == APR_SUCCESS)
        rv = bits_notify_child_init(p);
    bits_commit_child_init();
    bits_sweeper_child_init(p, s, bits_child_claims);
    bits_status_child_init(p, s);
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     "BITS00121: "
                     "mod_bits: cannot set up this child (claim table, libcurl)");
}
