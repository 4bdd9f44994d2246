/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* WebDAV on a tree that holds a session store (issue 10).
 *
 * Requests INTO a store are 404 already (bits_store_fixups), but mod_dav_fs
 * walks the file system below the requested collection without asking
 * other modules: PROPFIND (Depth 1, infinity) would list a store, DELETE
 * would remove it, MOVE would rename it away and COPY would copy the
 * sessions' bytes to a served place.  So, on requests mod_dav handles:
 *   - DELETE, MOVE and COPY of a collection that holds a store (or onto
 *     one, with Overwrite: mod_dav looks the Destination up by a
 *     sub-request with the same method, which comes here too) are 403,
 *     before anything is touched: all or nothing, rather than a partial
 *     delete that leaves the parents standing;
 *   - the 207 answer of a PROPFIND passes an output filter that leaves out
 *     every <D:response> whose href maps into a store.
 * Why not wrap mod_dav_fs's provider (its walk hook) instead: mod_dav_fs
 * only gives live properties (size, dates, etag) to resources whose hooks
 * are its own (dav_fs_find_liveprop compares the pointer), so resources
 * carrying wrapped hooks would be listed without them; and its DELETE,
 * MOVE and COPY walk with an internal walker, not through the hook.
 * The filter relies only on mod_dav's fixed multistatus markup. */
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_filter.h>
#include <apr_strings.h>

#include "bits_private.h"
#include "bits_dav.h"
#include "bits_store.h"

#define DAV_HANDLER_NAME   "dav-handler"      /* mod_dav's */
#define LIST_FILTER        "BITS_DAV_LIST"

#define RESPONSE_OPEN      "<D:response"
#define RESPONSE_CLOSE     "</D:response>"
#define HREF_OPEN          "<D:href>"
#define HREF_CLOSE         "</D:href>"

/* ---- DELETE, MOVE, COPY ---------------------------------------------- */

static int takes_tree_along(request_rec *r)
{
    const char *depth;

    if (r->method_number == M_DELETE || r->method_number == M_MOVE)
        return 1;
    if (r->method_number != M_COPY)
        return 0;
    /* A destination is deleted whole before a COPY onto it (Overwrite);
     * a source copied with Depth 0 is only the collection itself. */
    depth = apr_table_get(r->headers_in, "Depth");
    return r->main || !depth || strcmp(depth, "0") != 0;
}

static int bits_dav_fixups(request_rec *r)
{
    const char *path;

    if (!r->handler || strcmp(r->handler, DAV_HANDLER_NAME) != 0)
        return DECLINED;
    if (r->method_number == M_PROPFIND) {
        ap_add_output_filter(LIST_FILTER, NULL, r, r->connection);
        return DECLINED;
    }
    if (!takes_tree_along(r) || r->finfo.filetype != APR_DIR || !r->filename)
        return DECLINED;
    path = apr_pstrcat(r->pool, r->filename, r->path_info, NULL);
    if (!bits_store_within(bits_all_stores(r->server), path, r->pool))
        return DECLINED;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "BITS00150: refusing %s %s of %s: it holds a BITS session store",
                  r->method, r->main ? "onto the destination" : "of the collection",
                  ap_escape_logitem(r->pool, path));
    return HTTP_FORBIDDEN;
}

/* ---- PROPFIND ----------------------------------------------------------- */

typedef struct {
    apr_bucket_brigade *bb;    /* what passes on */
    char *held;                /* text not passed yet: a <D:response> unfinished */
    apr_size_t len, cap;
    const char *base_uri;      /* the request's URI, without trailing slashes */
    const char *base_path;     /* ... and the file it maps to */
    int hidden;
} list_ctx;

static const char *trim_slashes(const char *s, apr_pool_t *p)
{
    apr_size_t len = strlen(s);

    while (len > 1 && s[len - 1] == '/')
        len--;
    return apr_pstrmemdup(p, s, len);
}

static void hold(list_ctx *c, const char *data, apr_size_t len, apr_pool_t *p)
{
    if (c->len + len > c->cap) {
        apr_size_t cap = c->cap ? c->cap : 8192;
        char *grown;

        while (cap < c->len + len)
            cap *= 2;
        grown = apr_palloc(p, cap);
        memcpy(grown, c->held, c->len);
        c->held = grown;
        c->cap = cap;
    }
    memcpy(c->held + c->len, data, len);
    c->len += len;
}

static const char *find(const char *hay, apr_size_t len, const char *needle)
{
    apr_size_t n = strlen(needle);

    for (; len >= n; hay++, len--)
        if (*hay == *needle && memcmp(hay, needle, n) == 0)
            return hay;
    return NULL;
}

/* The start of the next <D:response> element (not <D:responsedescription>). */
static const char *next_response(const char *s, apr_size_t len)
{
    const char *end = s + len, *at;
    const apr_size_t n = sizeof RESPONSE_OPEN - 1;

    while ((at = find(s, end - s, RESPONSE_OPEN)) != NULL) {
        if (at + n < end && (at[n] == '>' || at[n] == ' ' || at[n] == '\n'))
            return at;
        if (at + n >= end)
            return at;          /* undecided yet: wait for more */
        s = at + 1;
    }
    return NULL;
}

/* An href as mod_dav writes it (URI-escaped, then XML-escaped), decoded. */
static char *decode_href(const char *s, apr_size_t len, apr_pool_t *p)
{
    static const struct { const char *ent; char c; } ents[] = {
        { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
        { "&quot;", '"' }, { "&apos;", '\'' }, { "&#39;", '\'' },
    };
    char *out = apr_palloc(p, len + 1), *o = out;
    apr_size_t i = 0, k;

    while (i < len) {
        for (k = 0; k < sizeof ents / sizeof ents[0]; k++) {
            apr_size_t n = strlen(ents[k].ent);
            if (len - i >= n && memcmp(s + i, ents[k].ent, n) == 0)
                break;
        }
        if (k < sizeof ents / sizeof ents[0]) {
            *o++ = ents[k].c;
            i += strlen(ents[k].ent);
        }
        else
            *o++ = s[i++];
    }
    *o = '\0';
    return ap_unescape_url(out) == OK ? out : NULL;
}

/* 1 if the <D:response> element in [s, s+len) is of a resource in a store. */
static int in_store(request_rec *r, const list_ctx *c, const char *s, apr_size_t len)
{
    const char *h = find(s, len, HREF_OPEN), *e, *rel;
    char *href;
    apr_size_t blen = strlen(c->base_uri);

    if (!h)
        return 0;
    h += sizeof HREF_OPEN - 1;
    if ((e = find(h, s + len - h, HREF_CLOSE)) == NULL
        || (href = decode_href(h, e - h, r->pool)) == NULL)
        return 0;
    /* mod_dav_fs names a member by the request's URI and the names of the
     * directories below it, so the same tail leads from the request's file. */
    if (strcmp(c->base_uri, "/") == 0)
        blen = 0;
    if (strncmp(href, c->base_uri, blen) != 0 || (href[blen] && href[blen] != '/'))
        return 0;
    rel = href + blen;
    return bits_store_reserved(bits_all_stores(r->server),
                               trim_slashes(apr_pstrcat(r->pool, c->base_path, rel, NULL),
                                            r->pool), r->pool);
}

/* Passes on every complete piece of the held text, keeps the rest. */
static void sift(ap_filter_t *f, list_ctx *c, int at_end)
{
    apr_size_t pos = 0;

    for (;;) {
        const char *s = c->held + pos, *start, *close;
        apr_size_t left = c->len - pos, unit;

        start = next_response(s, left);
        if (!start) {
            /* keep a tail that may be the beginning of "<D:response" */
            apr_size_t keep = at_end ? 0 : sizeof RESPONSE_OPEN - 1;
            if (left > keep) {
                apr_brigade_write(c->bb, NULL, NULL, s, left - keep);
                pos += left - keep;
            }
            break;
        }
        if (start > s)
            apr_brigade_write(c->bb, NULL, NULL, s, start - s);
        pos += start - s;
        left = c->len - pos;
        close = find(start, left, RESPONSE_CLOSE);
        if (!close) {
            if (at_end) {
                apr_brigade_write(c->bb, NULL, NULL, start, left);
                pos += left;
            }
            break;
        }
        unit = (close - start) + sizeof RESPONSE_CLOSE - 1;
        if (in_store(f->r, c, start, unit))
            c->hidden++;
        else
            apr_brigade_write(c->bb, NULL, NULL, start, unit);
        pos += unit;
    }
    memmove(c->held, c->held + pos, c->len - pos);
    c->len -= pos;
}

static apr_status_t bits_dav_list_filter(ap_filter_t *f, apr_bucket_brigade *in)
{
    request_rec *r = f->r;
    list_ctx *c = f->ctx;
    apr_bucket *b;
    apr_status_t rv;

    if (!c) {
        if (r->status != HTTP_MULTI_STATUS || !r->filename) {
            ap_remove_output_filter(f);
            return ap_pass_brigade(f->next, in);
        }
        f->ctx = c = apr_pcalloc(r->pool, sizeof *c);
        c->bb = apr_brigade_create(r->pool, f->c->bucket_alloc);
        c->base_uri = trim_slashes(r->uri, r->pool);
        c->base_path = trim_slashes(apr_pstrcat(r->pool, r->filename, r->path_info, NULL),
                                    r->pool);
        if (strcmp(c->base_path, "/") == 0)
            c->base_path = "";
        apr_table_unset(r->headers_out, "Content-Length");
    }
    while ((b = APR_BRIGADE_FIRST(in)) != APR_BRIGADE_SENTINEL(in)) {
        if (APR_BUCKET_IS_EOS(b)) {
            sift(f, c, 1);
            if (c->hidden)
                ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "BITS00151: "
                              "PROPFIND of %s: %d member(s) in a BITS session store "
                              "left out", ap_escape_logitem(r->pool, r->uri), c->hidden);
            APR_BUCKET_REMOVE(b);
            APR_BRIGADE_INSERT_TAIL(c->bb, b);
            break;
        }
        if (APR_BUCKET_IS_METADATA(b)) {
            sift(f, c, 0);
            APR_BUCKET_REMOVE(b);
            APR_BRIGADE_INSERT_TAIL(c->bb, b);
            continue;
        }
        {
            const char *data;
            apr_size_t len;

            if ((rv = apr_bucket_read(b, &data, &len, APR_BLOCK_READ)) != APR_SUCCESS)
                return rv;
            hold(c, data, len, r->pool);
            apr_bucket_delete(b);
        }
    }
    sift(f, c, 0);
    apr_brigade_cleanup(in);
    rv = ap_pass_brigade(f->next, c->bb);
    apr_brigade_cleanup(c->bb);
    return rv;
}

void bits_dav_register_hooks(apr_pool_t *p)
{
    /* mod_dav's fixup is what names its handler. */
    static const char *const after_dav[] = { "mod_dav.c", NULL };

    (void)p;
    ap_hook_fixups(bits_dav_fixups, after_dav, NULL, APR_HOOK_MIDDLE);
    /* Before mod_deflate and the like, which would compress the markup. */
    ap_register_output_filter(LIST_FILTER, bits_dav_list_filter, NULL, AP_FTYPE_RESOURCE);
}
