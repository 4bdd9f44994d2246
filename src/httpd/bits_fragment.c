/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Fragment packets (§7.4): validate the range, then stream the new part of
 * the body straight into the request file at the session's offset. */
#include <http_protocol.h>
#include <http_request.h>
#include <http_core.h>
#include <apr_strings.h>
#include <apr_portable.h>
#include <errno.h>
#include <unistd.h>

#include "bits_request.h"
#include "bits_fileio.h"
#include "bits_freespace.h"
#include "bits_commit.h"
#include "bits_notify.h"

#define BITS_READ_CHUNK (64 * 1024)
#define ACK_BODY_TIMEOUT BITS_ACK_ERR(HTTP_REQUEST_TIME_OUT, \
                                      BITS_E_HTTP(HTTP_REQUEST_TIME_OUT))

/* The body arrives in buckets of about 8000 bytes: gathered into writes
 * of this size (one buffer per request, never the whole fragment), the
 * file system sees a few large writes instead of a thousand small ones. */
#define BITS_WRITE_GATHER (256 * 1024)

typedef struct {
    apr_off_t written;       /* bytes that reached the request file */
    apr_status_t read_rv;    /* the client went away or was too slow */
    apr_status_t write_rv;   /* the disk refused (the rest is drained) */
} body_result_t;

typedef struct {
    apr_os_file_t fd;
    apr_off_t at;            /* where the next write goes */
    char *buf;
    apr_size_t len, size;
    apr_off_t taken;         /* bytes accepted: written + buffered */
    body_result_t *res;
} gather_t;

/* pwrite(2) in full: the offset travels with each write, no lseek. */
static apr_status_t write_at(apr_os_file_t fd, const char *buf, apr_size_t len,
                             apr_off_t at)
{
    while (len) {
        ssize_t n = pwrite(fd, buf, len, (off_t)at);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return APR_FROM_OS_ERROR(errno);
        }
        if (n == 0)
            return APR_EGENERAL;
        buf += n;
        len -= (apr_size_t)n;
        at += n;
    }
    return APR_SUCCESS;
}

/* Writes what is buffered.  After a write error nothing more is written:
 * the rest of the body is only drained. */
static void gather_flush(gather_t *g)
{
    if (g->len && !g->res->write_rv) {
        g->res->write_rv = write_at(g->fd, g->buf, g->len, g->at);
        if (g->res->write_rv == APR_SUCCESS) {
            g->res->written += g->len;
            g->at += g->len;
        }
    }
    g->len = 0;
}

/* Takes `n` bytes of the body for the file. */
static void gather_add(gather_t *g, const char *data, apr_size_t n)
{
    g->taken += n;
    while (n && !g->res->write_rv) {
        apr_size_t room = g->size - g->len, k = n < room ? n : room;
        memcpy(g->buf + g->len, data, k);
        g->len += k;
        data += k;
        n -= k;
        if (g->len == g->size)
            gather_flush(g);
    }
}

/* Consumes the whole body; skips `skip` bytes, writes the next `want`.
 * Whatever arrived is written, also when the body breaks off, so that N
 * can count every byte that truly came. */
static void stream_body(request_rec *r, apr_file_t *f, apr_off_t at, apr_off_t skip,
                        apr_off_t want, body_result_t *res)
{
    apr_bucket_brigade *bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    gather_t g = { -1, at, NULL, 0, 0, 0, res };
    int eos = 0;

    apr_os_file_get(&g.fd, f);

    g.size = want < BITS_WRITE_GATHER ? (apr_size_t)want : BITS_WRITE_GATHER;
    if (g.size)
        g.buf = apr_palloc(r->pool, g.size);
    while (!eos && !res->read_rv) {
        apr_bucket *e;
        apr_status_t rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                                         APR_BLOCK_READ, BITS_READ_CHUNK);
        if (rv != APR_SUCCESS) {
            res->read_rv = rv;
            break;
        }
        for (e = APR_BRIGADE_FIRST(bb); e != APR_BRIGADE_SENTINEL(bb);
             e = APR_BUCKET_NEXT(e)) {
            const char *buf;
            apr_size_t n;
            apr_off_t take;

            if (APR_BUCKET_IS_EOS(e)) {
                eos = 1;
                break;
            }
            if (APR_BUCKET_IS_METADATA(e))
                continue;
            if ((rv = apr_bucket_read(e, &buf, &n, APR_BLOCK_READ)) != APR_SUCCESS) {
                res->read_rv = rv;
                break;
            }
            if (skip >= (apr_off_t)n) {
                skip -= n;
                continue;
            }
            buf += skip;
            n -= (apr_size_t)skip;
            skip = 0;
            take = want - g.taken;
            if (take > (apr_off_t)n)
                take = n;
            if (res->write_rv || take <= 0)
                continue;
            gather_add(&g, buf, (apr_size_t)take);
        }
        apr_brigade_cleanup(bb);
    }
    gather_flush(&g);
    if (!res->read_rv && !res->write_rv && res->written < want)
        res->read_rv = APR_INCOMPLETE;   /* body shorter than announced */
    apr_brigade_destroy(bb);
}

/* The body stopped before its end: the client went away, or it was too
 * slow for mod_reqtimeout.  Either is transient for the client (408), never
 * a fatal 400: a Windows job throttled by policy sends about 250 B/s and
 * must simply resume from N, which the Ack reports.  What reached the disk
 * is kept, and the lock is released as soon as this returns. */
static bits_ack_t body_broken(bits_req_t *rq, apr_off_t written, apr_status_t why)
{
    bits_ack_t ack = ACK_BODY_TIMEOUT;

    rq->r->connection->keepalive = AP_CONN_CLOSE;
    if (written > 0 && !bits_save(rq, &ack))
        return ack;
    return bits_fail(rq, ack, why, "the request body %s after %" APR_OFF_T_FMT
                     " new bytes; the session keeps %" APR_OFF_T_FMT " bytes",
                     APR_STATUS_IS_TIMEUP(why) ? "timed out" : "ended early",
                     written, rq->sess.received);
}

/* After bytes were accounted for: the state advances and, once every byte
 * is held, completion runs (§7.4 steps 9-10). */
static bits_ack_t settle(bits_req_t *rq)
{
    bits_session_t *s = &rq->sess;
    bits_ack_t ack;

    if (s->state == BITS_STATE_RECEIVING && s->received == s->total) {
        s->state = BITS_STATE_COMPLETING;
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, rq->r,
                      "BITS00108: "
                      "BITS session %s completed: %" APR_OFF_T_FMT " bytes received",
                      s->id, s->total);
    }
    /* Publishing writes the session's next record itself (bits_finish.c):
     * one record fewer to sync at the end of every upload. */
    if (s->state == BITS_STATE_COMPLETING
        && bits_conf_notify_type(rq->conf) == BITS_NOTIFY_NONE)
        return bits_complete(rq);
    if (!bits_save(rq, &ack))
        return ack;
    return s->state == BITS_STATE_COMPLETING ? bits_complete(rq) : BITS_ACK_OK;
}

/* Writes the new tail of the fragment at offset N before the record says
 * it is there; synced per fragment or in batches (§16 item 5, bits_commit.h). */
static bits_ack_t write_tail(bits_req_t *rq, const bits_range_t *rg, apr_off_t skip)
{
    request_rec *r = rq->r;
    bits_session_t *s = &rq->sess;
    const char *path = bits_session_file(rq->store, s->id, BITS_REQUEST_FILE, r->pool);
    apr_off_t at = s->received, want = rg->last - s->received + 1;
    body_result_t res = { 0, APR_SUCCESS, APR_SUCCESS };
    apr_file_t *f = rq->request_file;
    apr_status_t rv = f ? APR_SUCCESS : bits_open_nofollow(&f, path, 0, r->pool);

    rq->request_file = NULL;      /* closed below */
    if (rv != APR_SUCCESS)
        return bits_fail(rq, bits_ack_for_io_error(rv), rv,
                         "cannot open the request file %s", path);
    stream_body(r, f, at, skip, want, &res);
    if (res.write_rv == APR_SUCCESS && res.written > 0)
        res.write_rv = bits_commit_written(rq, f, res.written);
    apr_file_close(f);

    if (res.write_rv != APR_SUCCESS) {
        /* Give the space back; the session still holds its first N bytes. */
        bits_truncate(path, s->received, r->pool);
        return bits_fail(rq, bits_ack_for_io_error(res.write_rv), res.write_rv,
                         "writing %" APR_OFF_T_FMT " bytes at offset %" APR_OFF_T_FMT
                         " failed; the session keeps %" APR_OFF_T_FMT " bytes",
                         want, at, s->received);
    }
    rq->written = res.written;
    if (res.read_rv != APR_SUCCESS)
        return body_broken(rq, res.written, res.read_rv);
    return settle(rq);
}

/* Checks the Content-Range and the session's total (§7.4 steps 1-4). */
static int check_range(bits_req_t *rq, bits_range_t *rg, bits_ack_t *ack)
{
    request_rec *r = rq->r;
    bits_session_t *s = &rq->sess;
    const char *range = apr_table_get(r->headers_in, "Content-Range");
    const char *encoding = apr_table_get(r->headers_in, "Content-Encoding");
    apr_off_t limit = ap_get_limit_req_body(r);

    if (!range || bits_range_parse(range, rg) != 0) {
        *ack = bits_fail(rq, BITS_ACK_INVALID, 0, "missing or malformed Content-Range '%s'",
                         range ? ap_escape_logitem(r->pool, range) : "");
        return 0;
    }
    if (bits_range_length(rg) != rq->length) {
        *ack = bits_fail(rq, BITS_ACK_INVALID, 0, "Content-Range covers %" APR_OFF_T_FMT
                         " bytes but Content-Length is %" APR_OFF_T_FMT,
                         bits_range_length(rg), rq->length);
        return 0;
    }
    if (encoding && strcasecmp(encoding, "identity") != 0) {
        *ack = bits_fail(rq, BITS_ACK_INVALID, 0, "Content-Encoding '%s' is not supported",
                         ap_escape_logitem(r->pool, encoding));
        return 0;
    }
    if (s->total >= 0 && rg->total != s->total) {
        *ack = bits_fail(rq, BITS_ACK_INVALID, 0, "total %" APR_OFF_T_FMT " differs from "
                         "the announced %" APR_OFF_T_FMT, rg->total, s->total);
        return 0;
    }
    if (s->total < 0 && s->max_upload >= 0 && rg->total > s->max_upload) {
        *ack = bits_fail(rq, BITS_ACK_ERR(HTTP_INTERNAL_SERVER_ERROR, BITS_E_TOO_LARGE),
                         0, "upload of %" APR_OFF_T_FMT " bytes exceeds "
                         "BITSMaximumUploadSize %" APR_OFF_T_FMT, rg->total,
                         s->max_upload);
        return 0;
    }
    if (limit > 0 && rq->length > limit) {
        r->connection->keepalive = AP_CONN_CLOSE;
        *ack = bits_fail(rq, BITS_ACK_ERR(HTTP_REQUEST_ENTITY_TOO_LARGE,
                                          BITS_E_HTTP(HTTP_REQUEST_ENTITY_TOO_LARGE)),
                         0, "fragment of %" APR_OFF_T_FMT " bytes exceeds "
                         "LimitRequestBody %" APR_OFF_T_FMT, rq->length, limit);
        return 0;
    }
    return 1;
}

bits_ack_t bits_packet_fragment(bits_req_t *rq)
{
    bits_session_t *s = &rq->sess;
    bits_range_t rg;
    apr_off_t skip = 0;
    bits_ack_t ack;

    if (bits_state_is_terminal(s->state)) {
        rq->have_session = 0;
        return bits_fail(rq, BITS_ACK_NOT_FOUND, 0, "session is %s",
                         bits_state_name(s->state));
    }
    if (!bits_commit_check(rq, &ack) || !check_range(rq, &rg, &ack))
        return ack;
    /* Completion already decided: replay it, never redo it (§7.4 step 5). */
    if (s->state == BITS_STATE_DONE || s->state == BITS_STATE_REFUSED)
        return bits_replay_completion(rq);
    s->total = rg.total;

    switch (bits_fragment_plan(&rg, s->received, &skip)) {
    case BITS_FRAG_GAP:
        return bits_fail(rq, BITS_ACK_ERR(HTTP_RANGE_NOT_SATISFIABLE, BITS_E_OK), 0,
                         "fragment starts at %" APR_OFF_T_FMT ", expected %"
                         APR_OFF_T_FMT, rg.first, s->received);
    case BITS_FRAG_HELD:
        return settle(rq);
    default:
        if (!bits_space_enough(rq, "Fragment", NULL, &ack))
            return ack;
        return write_tail(rq, &rg, skip);
    }
}
