/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Shared by the httpd glue files only (never by the APR-only core). */
#ifndef BITS_PRIVATE_H
#define BITS_PRIVATE_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include "bits_config.h"
#include "bits_lock.h"
#include "bits_store.h"

/* mod_bits.c declares the module itself, which includes APLOG_USE_MODULE. */
#ifndef BITS_MODULE_FILE
APLOG_USE_MODULE(bits);
#endif
extern module AP_MODULE_DECLARE_DATA bits_module;


#define BITS_HANDLER_NAME "bits-upload"

/* A BITSHostId written in a <Directory>/<Location> section. */
typedef struct {
    const char *host_id;
    const char *file;
    unsigned line;
} bits_host_id_note;

/* Per-server configuration: the stores named by this server's sections on
 * this configuration pass, then (post_config) those of all servers. */
typedef struct {
    bits_stores_t *configured;     /* BITSSessionDirectory of this server */
    const bits_stores_t *all;      /* every server's, canonicalised */
    apr_array_header_t *groups;    /* BITSSessionGroup gids (startup check) */
    int level_enabled;             /* BITSUploadEnabled at this server's own
                                      level (not in a section), or BITS_UNSET */
    const char *level_file;        /* where it was written */
    unsigned level_line;
    apr_array_header_t *section_host_ids;  /* of bits_host_id_note */
    int notify_slots;              /* BITSMaxConcurrentNotifications (main
                                      server only), or BITS_UNSET */
} bits_srv_conf;

/* src/httpd/bits_config.c: the configuration records, the directives, and
 * every configured store of the configuration (after post_config). */
extern const command_rec bits_cmds[];
void *bits_dir_create(apr_pool_t *p, char *dir);
void *bits_dir_merge(apr_pool_t *p, void *basev, void *addv);
void *bits_srv_create(apr_pool_t *p, server_rec *s);
bits_srv_conf *bits_server_conf(server_rec *s);
const bits_stores_t *bits_all_stores(server_rec *s);

/* src/httpd/bits_startup.c: set up per configuration pass and per child. */
int bits_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                     server_rec *s);
void bits_test_config(apr_pool_t *pconf, server_rec *s);
void bits_child_init(apr_pool_t *p, server_rec *s);
/* The BITS_POST method number, registered in post_config. */
extern int bits_method_number;
/* This child's session claim table, built in child_init. */
extern bits_claims_t *bits_child_claims;
/* BITSMaxConcurrentNotifications: how many requests of the whole server
 * may wait on the application at once, as slot files in this directory
 * (src/core/bits_lock.c); set up in post_config. */
extern int bits_notify_slots;
extern const char *bits_notify_slot_dir;
/* The mode of a published file (BITSPublishedFileMode, else 0644 less the
 * umask the server runs with). */
int bits_published_mode(const bits_dir_conf *conf);

/* The user a session belongs to: the authenticated one, "" if anonymous. */
#define bits_request_user(r) ((r)->user ? (r)->user : "")

/* src/httpd/bits_handler.c */
int bits_handle_request(request_rec *r, const bits_dir_conf *conf);
/* src/httpd/bits_location.c: the location's directory (NULL if the URL does not
 * map into it) and its session store; fixups for URLs into the store:
 * replies are served (src/httpd/bits_reply.c), everything else is 404. */
const char *bits_location_root(request_rec *r, const bits_dir_conf *conf);
const char *bits_store_root(const bits_dir_conf *conf, const char *root,
                            apr_pool_t *p);
int bits_store_fixups(request_rec *r);
int bits_reply_map(request_rec *r, const char *store);
/* src/httpd/bits_vhost.c: the default stores of the DocumentRoots uploads are
 * enabled in at server or vhost level; the startup warnings about a global
 * BITSUploadEnabled On and about BITSHostIds that name no name of their
 * vhost.  After the vhosts were merged (post_config, configtest). */
void bits_vhost_default_stores(bits_stores_t *set, server_rec *main, apr_pool_t *p);
void bits_vhost_warnings(server_rec *main);

#endif
