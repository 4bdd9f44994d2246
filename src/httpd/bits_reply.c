/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Serving replies (§12.2): a GET or HEAD of a reply URL is mapped to the
 * session's reply file, for its owner only, and then served by httpd's own
 * file handler (Content-Length, ranges, Last-Modified, ETag). */
#include <http_core.h>
#include <http_request.h>
#include <http_protocol.h>
#include <apr_strings.h>

#include "bits_private.h"
#include "bits_session.h"
#include "bits_guid.h"

#define REPLY_HEAD "/" BITS_SESSION_DIRNAME "/" BITS_REPLIES_DIR "/"
#define REPLY_TAIL "/" BITS_RESPONSE_FILE

/* The session id in ".../BITS-Sessions/Replies/%7BID%7D/responsefile.bin"
 * (r->uri is already decoded); 0 if the URL is not a reply URL. */
static int reply_id(const char *uri, char *id, apr_pool_t *p)
{
    const char *at = strstr(uri, REPLY_HEAD);

    if (!at)
        return 0;
    at += sizeof REPLY_HEAD - 1;
    return strlen(at) == BITS_GUID_LEN + sizeof REPLY_TAIL - 1
           && !strcmp(at + BITS_GUID_LEN, REPLY_TAIL)
           && bits_guid_canonical(apr_pstrndup(p, at, BITS_GUID_LEN), id);
}

int bits_reply_map(request_rec *r, const char *store)
{
    char id[BITS_GUID_LEN + 1];
    bits_session_t s;
    const char *path;
    apr_status_t rv;

    if (r->method_number != M_GET || !reply_id(r->uri, id, r->pool))
        return DECLINED;
    /* A record is replaced atomically: reading it needs no lock. */
    if (bits_session_load(&s, store, id, r->pool) != APR_SUCCESS
        || s.state != BITS_STATE_DONE || s.static_reply || s.notify_type == 0
        || !bits_session_of_vhost(&s, r->server->server_hostname))
        return HTTP_NOT_FOUND;
    if (strcmp(s.owner, bits_request_user(r)) != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "BITS00115: "
                      "BITS session %s: reply refused "
                      "to '%s', it belongs to another user", id,
                      ap_escape_logitem(r->pool, bits_request_user(r)));
        return HTTP_FORBIDDEN;
    }
    path = apr_pstrcat(r->pool, bits_reply_dir(store, id, r->pool), REPLY_TAIL, NULL);
    rv = apr_stat(&r->finfo, path, APR_FINFO_MIN | APR_FINFO_LINK, r->pool);
    if (rv != APR_SUCCESS || r->finfo.filetype != APR_REG)
        return HTTP_NOT_FOUND;
    r->filename = apr_pstrdup(r->pool, path);
    r->canonical_filename = r->filename;
    r->path_info = NULL;
    r->handler = NULL;                         /* httpd's default file handler */
    ap_set_content_type(r, "application/octet-stream");
    /* BITS asks for identity: ranges must address the file's own bytes. */
    apr_table_setn(r->subprocess_env, "no-gzip", "1");
    apr_table_setn(r->subprocess_env, "no-brotli", "1");
    return OK;
}
