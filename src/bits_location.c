/* Where a BITS location lives on disk: its directory and session store. */
#include <http_core.h>
#include <http_request.h>
#include <apr_strings.h>

#include "bits_private.h"
#include "bits_path.h"
#include "bits_session.h"
#include "bits_ack.h"

const char *bits_location_root(request_rec *r, const bits_dir_conf *conf)
{
    const char *target, *rest;
    apr_size_t tlen, rlen;

    if (conf->root_dir)
        return conf->root_dir;
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

/* 1 if a path names a "BITS-Sessions" directory or something inside one. */
static int passes_through_store(const char *path)
{
    static const char name[] = "/" BITS_SESSION_DIRNAME;
    const char *at;

    for (at = strstr(path, name); at; at = strstr(at + 1, name))
        if (at[sizeof name - 1] == '/' || at[sizeof name - 1] == '\0')
            return 1;
    return 0;
}

/* The session store is never served, whatever URL leads into it: a GET of
 * a reply in a BITS location is mapped by bits_reply_map, and any other
 * path through a "BITS-Sessions" directory, or into a configured store, is
 * 404.  (A second Alias to the same directory must not bypass this.) */
int bits_store_fixups(request_rec *r)
{
    const bits_dir_conf *conf = ap_get_module_config(r->per_dir_config, &bits_module);
    const char *root, *store = conf->session_dir, *path;
    int rc;

    if (!r->filename || bits_is_bits_request(r))
        return DECLINED;    /* BITS_POST into the store is refused as a destination */
    path = apr_pstrcat(r->pool, r->filename, r->path_info, NULL);
    if (conf->enabled != BITS_UNSET && (root = bits_location_root(r, conf)) != NULL) {
        store = bits_store_root(conf, root, r->pool);
        if ((rc = bits_reply_map(r, store)) != DECLINED)
            return rc;
    }
    if (passes_through_store(path) || (store && bits_path_is_within(store, path))) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "refusing access to a BITS session store: %s", path);
        return HTTP_NOT_FOUND;
    }
    return DECLINED;
}
