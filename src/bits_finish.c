/* The end of a session: completion and publishing (§7.4 step 10, §7.7),
 * Close-Session (§7.6) and Cancel-Session (§7.8). */
#include <http_protocol.h>
#include <apr_strings.h>

#include "bits_request.h"
#include "bits_fileio.h"

#define ACK_NOT_FOUND BITS_ACK_ERR(HTTP_INTERNAL_SERVER_ERROR, BITS_E_SESSION_NOT_FOUND)

/* Records the inode about to appear at the destination, so that a crash
 * right after it appears is recognised as a publish that happened. */
static apr_status_t record_publish(void *baton, apr_ino_t ino)
{
    bits_req_t *rq = baton;

    rq->sess.publish_ino = ino;
    return bits_session_save(&rq->sess, rq->store, rq->r->pool);
}

/* Places the upload at its destination, once (§7.7). */
static bits_ack_t publish(bits_req_t *rq)
{
    request_rec *r = rq->r;
    bits_session_t *s = &rq->sess;
    const char *src = bits_session_file(rq->store, s->id, BITS_REQUEST_FILE, r->pool);
    apr_ino_t placed = 0;
    apr_status_t rv;

    /* Bytes past the total can only be leftovers of an interrupted write. */
    if ((rv = bits_truncate(src, s->total, r->pool)) == APR_SUCCESS)
        rv = bits_publish(src, s->dest_path, s->allow_overwrites, s->publish_ino,
                          record_publish, rq, &placed, r->pool);
    if (APR_STATUS_IS_EEXIST(rv))
        return bits_fail(rq, BITS_ACK_ERR(HTTP_FORBIDDEN, BITS_E_ACCESSDENIED), rv,
                         "%s appeared during the upload and BITSAllowOverwrites "
                         "is Off; nothing was published", s->dest_path);
    if (APR_STATUS_IS_ENOENT(rv))
        return bits_fail(rq, BITS_ACK_ERR(HTTP_NOT_FOUND, BITS_E_HTTP(HTTP_NOT_FOUND)),
                         rv, "the uploaded data or the destination directory "
                         "vanished; nothing was published");
    if (rv != APR_SUCCESS)
        return bits_fail(rq, bits_ack_for_io_error(rv), rv,
                         "cannot publish %s", s->dest_path);
    s->published = 1;
    s->publish_ino = placed;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "BITS session %s published %" APR_OFF_T_FMT " bytes at %s",
                  s->id, s->total, s->dest_path);
    return BITS_ACK_OK;
}

bits_ack_t bits_complete(bits_req_t *rq)
{
    bits_session_t *s = &rq->sess;
    bits_ack_t ack;

    /* Notification type 0: the upload itself is the result. */
    s->copy_to_dest = 1;
    ack = publish(rq);
    if (ack.status != HTTP_OK)
        return ack;        /* stays COMPLETING: a resent final packet retries */
    s->state = BITS_STATE_DONE;
    s->final_ack = BITS_ACK_OK;
    if (!bits_save(rq, &ack))
        return ack;
    /* The destination holds the data now; the session copy can go. */
    apr_file_remove(bits_session_file(rq->store, s->id, BITS_REQUEST_FILE,
                                      rq->r->pool), rq->r->pool);
    return BITS_ACK_OK;
}

/* A terminal session, or one that stops now, is answered from its
 * tombstone (§8.3). */
static bits_ack_t end_session(bits_req_t *rq, bits_state_t terminal,
                              const char *event)
{
    bits_session_t *s = &rq->sess;
    bits_state_t was = s->state;
    apr_status_t rv = bits_session_tombstone(s, rq->store, terminal, rq->r->pool);

    if (rv != APR_SUCCESS)
        return bits_fail(rq, bits_ack_for_io_error(rv), rv,
                         "cannot remove the session's data");
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, rq->r, "BITS session %s %s (was %s%s)",
                  s->id, event, bits_state_name(was),
                  was == BITS_STATE_DONE ? "" : ", nothing published");
    return BITS_ACK_OK;
}

bits_ack_t bits_packet_close(bits_req_t *rq)
{
    bits_session_t *s = &rq->sess;
    bits_ack_t ack;

    if (bits_state_is_terminal(s->state)) {
        if (s->state == BITS_STATE_CLOSED)
            return BITS_ACK_OK;     /* a repeat whose first Ack was lost */
        return bits_fail(rq, ACK_NOT_FOUND, 0, "session is %s",
                         bits_state_name(s->state));
    }
    /* No fragment at all: the upload of an empty file (§17.8). */
    if (s->state == BITS_STATE_RECEIVING && s->total < 0) {
        s->total = 0;
        s->state = BITS_STATE_COMPLETING;
        ack = bits_complete(rq);
        if (ack.status != HTTP_OK)
            return ack;
    }
    if (s->state == BITS_STATE_DONE && s->copy_to_dest && !s->published) {
        ack = publish(rq);
        if (ack.status != HTTP_OK)
            return ack;
    }
    return end_session(rq, BITS_STATE_CLOSED, "closed");
}

bits_ack_t bits_packet_cancel(bits_req_t *rq)
{
    if (bits_state_is_terminal(rq->sess.state))
        return BITS_ACK_OK;
    /* A published file stays: the client only cancels the reply side. */
    return end_session(rq, BITS_STATE_CANCELLED, "cancelled");
}
