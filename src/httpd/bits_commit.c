/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Group commit of fragment data: sync per fragment (BITSFragmentSync On)
 * or in batches per session, and the repair of a session whose unsynced
 * bytes an OS crash or another node left behind (bits_durable.h). */
#include <httpd.h>
#include <http_log.h>
#include <apr_strings.h>

#include "bits_commit.h"
#include "bits_durable.h"
#include "bits_fileio.h"

/* Set once per child before it serves requests, read-only afterwards. */
static bits_node_t child_node;

void bits_commit_child_init(void)
{
    bits_node_read(&child_node, BITS_BOOT_ID_PATH);
}

static const char *node_name(const bits_node_t *n, apr_pool_t *p)
{
    return apr_psprintf(p, "%s (boot %02x%02x%02x%02x...)", *n->host ? n->host : "?",
                        n->boot[0], n->boot[1], n->boot[2], n->boot[3]);
}

int bits_commit_check(bits_req_t *rq, bits_ack_t *ack)
{
    request_rec *r = rq->r;
    bits_session_t *s = &rq->sess;
    const char *path = bits_session_file(rq->store, s->id, BITS_REQUEST_FILE, r->pool);
    apr_finfo_t fi;
    apr_off_t size = -1, n;
    apr_status_t rv = APR_SUCCESS;

    if (s->state != BITS_STATE_RECEIVING)
        return 1;
    /* Opened here for the write that follows: its stat gives the size
     * without a lookup of its own.  Whatever the open refuses is looked at
     * as before, by path. */
    if (bits_open_nofollow_size(&rq->request_file, path, 0, &size, r->pool)
        != APR_SUCCESS) {
        rq->request_file = NULL;
        size = -1;
        if (apr_stat(&fi, path, APR_FINFO_SIZE | APR_FINFO_LINK, r->pool) == APR_SUCCESS)
            size = fi.size;
    }
    switch (bits_held_check(s, &child_node, size)) {
    case BITS_HELD_ALL:
        break;
    case BITS_HELD_SYNC:
        if ((rv = bits_session_sync_data(s, rq->store, rq->request_file, r->pool))
            != APR_SUCCESS)
            break;
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "BITS00143: BITS session %s: synced the "
                      "bytes up to %" APR_OFF_T_FMT " that %s wrote", s->id,
                      s->received, node_name(&s->writer, r->pool));
        break;
    case BITS_HELD_FALLBACK:
        n = bits_held_fallback_n(s, size);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "BITS00144: BITS session %s: bytes %"
                      APR_OFF_T_FMT "-%" APR_OFF_T_FMT " were written by %s without a "
                      "sync and %s; falling back to N = %" APR_OFF_T_FMT, s->id, n,
                      s->received, node_name(&s->writer, r->pool),
                      size >= 0 && size < s->received ? "the request file lacks them"
                      : "the system restarted since", n);
        rv = bits_session_fall_back(s, rq->store, n, r->pool);
        break;
    }
    if (rv != APR_SUCCESS) {
        *ack = bits_fail(rq, bits_ack_for_io_error(rv), rv, "cannot make the session's "
                         "%" APR_OFF_T_FMT " bytes durable", s->received);
        return 0;
    }
    /* From here on, whatever is unsynced is this node's. */
    s->writer = child_node;
    return 1;
}

apr_status_t bits_commit_written(bits_req_t *rq, apr_file_t *f, apr_off_t written)
{
    bits_session_t *s = &rq->sess;
    apr_time_t now = apr_time_now();
    apr_off_t before = s->received;
    apr_status_t rv;

    s->received += written;
    /* Without a boot id an OS crash could not be told: every Ack durable. */
    if (bits_conf_fragment_sync(rq->conf) || !bits_node_known(&child_node)
        || s->received == s->total
        || bits_sync_due(s, s->received, bits_conf_sync_batch_bytes(rq->conf),
                         bits_conf_sync_batch_time(rq->conf), now)) {
        if ((rv = bits_session_sync_data(s, rq->store, f, rq->r->pool)) != APR_SUCCESS)
            s->received = before;
        return rv;
    }
    if (s->durable >= before)
        s->dirty_since = now;     /* the first unsynced byte of this batch */
    return APR_SUCCESS;
}
