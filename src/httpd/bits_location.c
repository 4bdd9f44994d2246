/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Where a BITS location lives on disk: its directory and session store. */
#include <http_core.h>
#include <http_request.h>
#include <apr_strings.h>

#include "bits_private.h"
#include "bits_session.h"
#include "bits_ack.h"

/* The request's DocumentRoot, without trailing slashes: read per request,
 * since mod_vhost_alias (VirtualDocumentRoot) sets it per request. */
static const char *document_root(request_rec *r)
{
    const char *root = ap_document_root(r);
    apr_size_t len = root ? strlen(root) : 0;

    if (!root || root[0] != '/')
        return NULL;
    while (len > 1 && root[len - 1] == '/')
        len--;
    return apr_pstrmemdup(r->pool, root, len);
}

const char *bits_location_root(request_rec *r, const bits_dir_conf *conf)
{
    const char *target, *rest;
    apr_size_t tlen, rlen;

    if (conf->root_dir)
        return conf->root_dir;
    /* Enabled at server or vhost level: URLs an Alias maps elsewhere lie
     * outside this root and are refused (bits_path_confine). */
    if (conf->root_docroot)
        return document_root(r);
    if (!conf->root_url || !r->filename)
        return NULL;
    /* A <Location>: httpd mapped the URL (DocumentRoot, Alias) to
     * filename + path_info; the part of the URL below the location prefix
     * is the part of that path below the location's directory. */
    if (strncmp(r->uri, conf->root_url, strlen(conf->root_url)) != 0)
        return NULL;
    rest = r->uri + strlen(conf->root_url);
    while (*rest == '/')
        rest++;
    target = apr_pstrcat(r->pool, r->filename, r->path_info, NULL);
    tlen = strlen(target);
    rlen = strlen(rest);
    if (rlen >= tlen || strcmp(target + tlen - rlen, rest) != 0)
        return NULL;
    target = apr_pstrndup(r->pool, target, tlen - rlen);
    tlen = strlen(target);
    while (tlen > 1 && target[tlen - 1] == '/')
        tlen--;
    return apr_pstrndup(r->pool, target, tlen);
}

const char *bits_store_root(const bits_dir_conf *conf, const char *root,
                            apr_pool_t *p)
{
    return conf->session_dir ? conf->session_dir
                             : apr_pstrcat(p, root, "/" BITS_SESSION_DIRNAME, NULL);
}

/* No session store is ever served, whatever URL leads into it, in any
 * vhost: a GET of a reply in a BITS location is mapped by bits_reply_map,
 * and any other request whose file lies in a configured store or in a
 * "BITS-Sessions" directory (as mapped, or with its symlinks resolved, so
 * a second Alias or a symlink does not bypass this) is 404 — every method,
 * so WebDAV and the like cannot list or change a store either.  A BITS_POST
 * in a BITS location is left to the handler, which refuses the store as a
 * destination (403). */
int bits_store_fixups(request_rec *r)
{
    const bits_dir_conf *conf = ap_get_module_config(r->per_dir_config, &bits_module);
    const char *root, *path;
    int rc;

    if (!r->filename || r->filename[0] != '/')
        return DECLINED;    /* not a file (proxy:, handlers without one) */
    if (conf->enabled != BITS_UNSET && bits_is_bits_request(r))
        return DECLINED;
    path = apr_pstrcat(r->pool, r->filename, r->path_info, NULL);
    if (conf->enabled != BITS_UNSET && (root = bits_location_root(r, conf)) != NULL
        && (rc = bits_reply_map(r, bits_store_root(conf, root, r->pool))) != DECLINED)
        return rc;
    if (bits_store_reserved(bits_all_stores(r->server), path, r->pool)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "BITS00114: refusing %s of a BITS session store: %s", r->method,
                      ap_escape_logitem(r->pool, path));
        return HTTP_NOT_FOUND;
    }
    return DECLINED;
}
