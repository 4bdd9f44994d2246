/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* What every packet handler of one BITS_POST shares: the failure path
 * (log line + error Ack), saving the session record, and the destination
 * the request URL maps to.  Called by the packet files; calls only down. */
#include <httpd.h>
#include <http_log.h>
#include <apr_strings.h>

#include "bits_request.h"
#include "bits_ack.h"

bits_ack_t bits_fail(bits_req_t *rq, bits_ack_t ack, apr_status_t rv,
                     const char *fmt, ...)
{
    va_list ap;
    const char *why;
    /* A 503 of our own only asks the client to come back later (busy,
     * over its session limit): not a server failure. */
    int retry_later = ack.status == HTTP_SERVICE_UNAVAILABLE
                      && ack.context == BITS_CONTEXT_SERVER;
    int level = ack.status >= 500 && ack.code != BITS_E_SESSION_NOT_FOUND
                && !retry_later ? APLOG_ERR : APLOG_INFO;

    va_start(ap, fmt);
    why = apr_pvsprintf(rq->r->pool, fmt, ap);
    va_end(ap);
    ap_log_rerror(APLOG_MARK, level, rv, rq->r,
                  "BITS %s %s: %d %s: %s", bits_packet_name(rq->type),
                  rq->id_header ? ap_escape_logitem(rq->r->pool, rq->id_header) : "-",
                  ack.status, bits_hresult_str(ack.code, rq->r->pool), why);
    return ack;
}

int bits_save(bits_req_t *rq, bits_ack_t *ack)
{
    apr_status_t rv;

    rq->sess.last_activity = apr_time_now();
    /* Mid-upload progress needs no directory sync (see the store). */
    rv = (rq->type == BITS_PACKET_FRAGMENT && rq->sess.state == BITS_STATE_RECEIVING
          ? bits_session_save_progress : bits_session_save)(&rq->sess, rq->store,
                                                            rq->r->pool);
    if (rv != APR_SUCCESS) {
        *ack = bits_fail(rq, bits_ack_for_io_error(rv), rv,
                         "cannot write the session record");
        return 0;
    }
    return 1;
}

bits_path_status_t bits_destination(bits_req_t *rq, const char **path)
{
    request_rec *r = rq->r;
    const char *target = apr_pstrcat(r->pool, r->filename, r->path_info, NULL);
    bits_path_status_t st;

    /* mod_dir may have mapped "dir/" to its index file: the URL decides. */
    if (r->uri[0] && r->uri[strlen(r->uri) - 1] == '/')
        return BITS_PATH_IS_DIR;
    /* Extra path after an existing file ("file.txt/more") is no file name. */
    if (r->finfo.filetype == APR_REG && r->path_info && *r->path_info)
        return BITS_PATH_NO_PARENT;
    st = bits_path_confine(rq->root, rq->store, target, path, r->pool);
    /* Nor into any other location's store: nested locations, or a
     * configured store inside this directory tree (checked canonically). */
    if (st == BITS_PATH_OK && bits_store_reserved(bits_all_stores(r->server), *path,
                                                  r->pool))
        return BITS_PATH_RESERVED;
    return st;
}
