/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* BITS at server and <VirtualHost> level (issue 7): the startup checks
 * that keep one vhost's settings from surprising another, and the default
 * stores of the DocumentRoots uploads were enabled in. */
#include <http_core.h>
#include <apr_strings.h>

#include "bits_private.h"
#include "bits_host.h"
#include "bits_session.h"

/* The server's own level: its settings outside any section, merged with
 * the main server's (httpd merged them before post_config). */
static const bits_dir_conf *level_conf(server_rec *s)
{
    return ap_get_module_config(s->lookup_defaults, &bits_module);
}

static const char *document_root(server_rec *s)
{
    core_server_config *sc = ap_get_core_module_config(s->module_config);

    return sc->ap_document_root;
}

void bits_vhost_default_stores(bits_stores_t *set, server_rec *main, apr_pool_t *p)
{
    server_rec *s;

    for (s = main; s; s = s->next) {
        const bits_dir_conf *c = level_conf(s);

        if (c->enabled == 1 && c->root_docroot && !c->session_dir && document_root(s))
            bits_stores_add(set, apr_pstrcat(p, document_root(s),
                                             "/" BITS_SESSION_DIRNAME, NULL));
    }
}

/* The server's own bits_srv_conf, NULL for a vhost without any BITS
 * directive: httpd gives such a vhost the main server's. */
static const bits_srv_conf *own_conf(server_rec *s, server_rec *main)
{
    const bits_srv_conf *sc = bits_server_conf(s);

    return s == main || sc != bits_server_conf(main) ? sc : NULL;
}

/* A global On is inherited by every vhost that does not decide itself. */
static void warn_global_enable(server_rec *main)
{
    const bits_srv_conf *m = bits_server_conf(main), *own;
    server_rec *s;

    if (m->level_enabled != 1)
        return;
    for (s = main->next; s; s = s->next) {
        own = own_conf(s, main);
        if ((own && own->level_enabled != BITS_UNSET) || level_conf(s)->enabled != 1)
            continue;
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main, "BITS00123: "
                     "mod_bits: the server-level "
                     "BITSUploadEnabled On (%s:%u) enables BITS uploads into the "
                     "DocumentRoot %s of the virtual host %s (%s:%u); write "
                     "BITSUploadEnabled in each <VirtualHost> instead, or Off in "
                     "those that must not accept uploads",
                     m->level_file ? m->level_file : "?", m->level_line,
                     document_root(s) ? document_root(s) : "?",
                     s->server_hostname ? s->server_hostname : "?",
                     s->defn_name ? s->defn_name : "?", s->defn_line_number);
    }
}

/* A name of the vhost: ServerName, ServerAlias, or the address of an
 * address-based <VirtualHost> as written. */
static int names_vhost(server_rec *s, const char *host)
{
    server_addr_rec *a;

    if (bits_host_is_vhost_name(host, s->server_hostname, s->names, s->wild_names))
        return 1;
    for (a = s->addrs; a; a = a->next)
        if (a->virthost && !strcasecmp(a->virthost, host))
            return 1;
    return 0;
}

static void check_host_id(server_rec *s, const char *host_id, const char *file,
                          unsigned line)
{
    const char *where;

    if (!host_id || names_vhost(s, host_id))
        return;
    where = file ? apr_psprintf(s->process->pconf, "%s:%u", file, line)
                 : "at server or virtual host level";
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "BITS00124: "
                 "mod_bits: BITSHostId %s (%s) "
                 "is not the ServerName or a ServerAlias of the %s %s (%s:%u): a "
                 "client pinned to it may reach another virtual host, which does not "
                 "know its sessions", host_id, where,
                 s->is_virtual ? "virtual host" : "main server",
                 s->server_hostname ? s->server_hostname : "?",
                 s->defn_name ? s->defn_name : "?", s->defn_line_number);
}

static void warn_host_ids(server_rec *main)
{
    server_rec *s;
    int i;

    for (s = main; s; s = s->next) {
        const bits_srv_conf *own = own_conf(s, main);
        const apr_array_header_t *notes = own ? own->section_host_ids : NULL;

        check_host_id(s, level_conf(s)->host_id, NULL, 0);
        for (i = 0; notes && i < notes->nelts; i++) {
            const bits_host_id_note *n = &APR_ARRAY_IDX(notes, i, bits_host_id_note);
            check_host_id(s, n->host_id, n->file, n->line);
        }
    }
}

void bits_vhost_warnings(server_rec *main)
{
    warn_global_enable(main);
    warn_host_ids(main);
}
