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

/* The message id of a refusal's log line names the kind of answer (status,
 * HRESULT, context), so that operators can grep and alert on one kind,
 * e.g. disk full (README "Message ids").  An application's own answers
 * share an id per status; ANY_CODE matches every HRESULT. */
#define ANY_CODE 1u
static const struct {
    int status;
    unsigned int code;
    int context;
    const char *id;
} fail_ids[] = {
    { 400, BITS_E_INVALIDARG,             BITS_CONTEXT_SERVER, "BITS00001" },
    { 403, BITS_E_ACCESSDENIED,           BITS_CONTEXT_SERVER, "BITS00002" },
    { 403, BITS_E_SERVER_EXECUTE_ENABLED, BITS_CONTEXT_SERVER, "BITS00003" },
    { 404, BITS_E_HTTP(404),              BITS_CONTEXT_SERVER, "BITS00004" },
    { 408, BITS_E_HTTP(408),              BITS_CONTEXT_SERVER, "BITS00005" },
    { 413, BITS_E_HTTP(413),              BITS_CONTEXT_SERVER, "BITS00006" },
    { 416, BITS_E_OK,                     BITS_CONTEXT_SERVER, "BITS00007" },
    { 500, BITS_E_SESSION_NOT_FOUND,      BITS_CONTEXT_SERVER, "BITS00008" },
    { 500, BITS_E_DISK_FULL,              BITS_CONTEXT_SERVER, "BITS00009" },
    { 500, BITS_E_FAIL,                   BITS_CONTEXT_SERVER, "BITS00010" },
    { 500, BITS_E_TOO_LARGE,              BITS_CONTEXT_SERVER, "BITS00011" },
    { 501, BITS_E_ACCESSDENIED,           BITS_CONTEXT_SERVER, "BITS00012" },
    { 503, BITS_E_HTTP(503),              BITS_CONTEXT_SERVER, "BITS00013" },
    { 400, ANY_CODE,                 BITS_CONTEXT_APPLICATION, "BITS00014" },
    { 408, ANY_CODE,                 BITS_CONTEXT_APPLICATION, "BITS00015" },
    { 500, ANY_CODE,                 BITS_CONTEXT_APPLICATION, "BITS00016" },
    { 503, ANY_CODE,                 BITS_CONTEXT_APPLICATION, "BITS00017" },
    { 0,   ANY_CODE,                 BITS_CONTEXT_APPLICATION, "BITS00018" },
};
#define OTHER_REFUSAL_ID "BITS00019"

static const char *fail_msgid(bits_ack_t ack)
{
    size_t i;

    for (i = 0; i < sizeof fail_ids / sizeof *fail_ids; i++)
        if ((fail_ids[i].status == ack.status || fail_ids[i].status == 0)
            && (fail_ids[i].code == ack.code || fail_ids[i].code == ANY_CODE)
            && fail_ids[i].context == ack.context)
            return fail_ids[i].id;
    return OTHER_REFUSAL_ID;
}

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
                  "%s: BITS %s %s: %d %s: %s", fail_msgid(ack),
                  bits_packet_name(rq->type),
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
