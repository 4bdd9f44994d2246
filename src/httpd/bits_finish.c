/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The end of a session: completion and publishing (§7.4 step 10, §7.7),
 * Close-Session (§7.6) and Cancel-Session (§7.8). */
#include <http_protocol.h>
#include <apr_strings.h>

#include "bits_request.h"
#include "bits_fileio.h"
#include "bits_notify.h"
#include "bits_guard.h"
#include "bits_url.h"
#include "bits_index.h"

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
    bits_ack_t ack;

    /* Again here: the session may come from before the rule, or from a
     * URL that reached this name another way (issue 6, item 2). */
    if (!bits_name_allowed(rq, s->dest_path, &ack))
        return ack;
    /* Bytes past the total can only be leftovers of an interrupted write. */
    if ((rv = bits_truncate(src, s->total, r->pool)) == APR_SUCCESS)
        rv = bits_publish(src, s->dest_path, s->allow_overwrites,
                          bits_published_mode(rq->conf), s->publish_ino,
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
                  "BITS00101: BITS session %s published %" APR_OFF_T_FMT " bytes at %s",
                  s->id, s->total, s->dest_path);
    return BITS_ACK_OK;
}

/* Type 0: the upload itself is the result. */
static bits_ack_t complete_by_publishing(bits_req_t *rq)
{
    bits_session_t *s = &rq->sess;
    bits_ack_t ack;

    s->copy_to_dest = 1;
    ack = publish(rq);
    if (ack.status != HTTP_OK) {
        bits_ack_t unsaved;

        /* Recorded as COMPLETING: a resent final packet or Close retries. */
        bits_save(rq, &unsaved);
        return ack;
    }
    s->state = BITS_STATE_DONE;
    s->final_ack = BITS_ACK_OK;
    if (!bits_save(rq, &ack))
        return ack;
    /* The destination holds the data now; the session copy can go. */
    apr_file_remove(bits_session_file(rq->store, s->id, BITS_REQUEST_FILE,
                                      rq->r->pool), rq->r->pool);
    return BITS_ACK_OK;
}

/* A reply over BITSMaximumReplySize: the application's answer cannot be
 * used as it is, and retrying gives the same answer, so the Ack is the
 * fatal "unusable answer" of §9 row 27 (400 E_INVALIDARG, context 0x7). */
static bits_ack_t reply_too_large(bits_req_t *rq, apr_off_t size)
{
    bits_notice_result_t res = { BITS_NOTIFY_REPLY_TOO_LARGE, 0, NULL, 0, NULL };

    return bits_fail(rq, bits_notify_failure_ack(&res), 0, "the application's reply "
                     "is longer than BITSMaximumReplySize (%" APR_OFF_T_FMT " bytes)%s; "
                     "it was removed and nothing was published",
                     bits_conf_max_reply(rq->conf), size < 0 ? "" :
                     apr_psprintf(rq->r->pool, ": %" APR_OFF_T_FMT " bytes", size));
}

/* The reply of a successful notification: a static URL, or the file the
 * application wrote (by reference) or sent (by value). */
static bits_ack_t take_reply(bits_req_t *rq, const bits_notice_t *n,
                             const bits_notice_result_t *res)
{
    bits_session_t *s = &rq->sess;
    apr_pool_t *p = rq->r->pool;
    apr_file_t *f;
    apr_finfo_t fi;
    apr_status_t rv;

    if (res->static_url) {
        if (!bits_notify_static_url_ok(res->static_url))
            return bits_fail(rq, BITS_ACK_APP(HTTP_BAD_REQUEST, BITS_E_INVALIDARG), 0,
                             "the application's " BITS_H_STATIC_URL " is not an "
                             "absolute http(s) URL of at most %d characters",
                             BITS_MAX_URL);
        s->reply_url = res->static_url;
        s->static_reply = 1;
        return BITS_ACK_OK;
    }
    /* By reference the application may have written nothing: empty reply.
     * It may also have written it as another user: we only need to see it. */
    rv = apr_stat(&fi, n->response_file, APR_FINFO_LINK | APR_FINFO_TYPE
                                         | APR_FINFO_SIZE, p);
    if (APR_STATUS_IS_ENOENT(rv) && (rv = bits_open_nofollow(&f, n->response_file,
                                                             1, p)) == APR_SUCCESS)
        rv = apr_file_close(f);
    else if (rv == APR_SUCCESS && fi.filetype != APR_REG)
        rv = APR_EBADF;
    else if (rv == APR_SUCCESS && n->max_reply >= 0 && fi.size > n->max_reply) {
        apr_file_remove(n->response_file, p);     /* never offered */
        return reply_too_large(rq, fi.size);
    }
    /* httpd makes the ETag of a file changed within the last second weak,
     * and the weak one would change under a download that is resuming.
     * (Best effort: a reply written by another user keeps its time.) */
    if (rv == APR_SUCCESS)
        apr_file_mtime_set(n->response_file, apr_time_now() - apr_time_from_sec(2), p);
    if (rv == APR_SUCCESS && !(s->reply_url = bits_reply_url(s->dest_url, s->id,
                                                             rq->conf->host_id, p)))
        return bits_fail(rq, BITS_ACK_APP(HTTP_BAD_REQUEST, BITS_E_INVALIDARG), 0,
                         "the reply URL would exceed %d characters", BITS_MAX_URL);
    if (rv != APR_SUCCESS)
        return bits_fail(rq, BITS_ACK_APP(HTTP_INTERNAL_SERVER_ERROR, BITS_E_FAIL), rv,
                         "cannot use the reply file %s", n->response_file);
    return BITS_ACK_OK;
}

/* The retryable answer of the application path (§9 rows 26, 32): the client
 * tries again after its retry delay; nothing was sent to the application. */
#define BITS_ACK_APP_RETRY BITS_ACK_APP(HTTP_SERVICE_UNAVAILABLE, \
                                        BITS_E_HTTP(HTTP_SERVICE_UNAVAILABLE))

/* 1 (and the Ack) while the session waits out the backoff of its last
 * failed notification: a resend of the final fragment or a Close-Session
 * then costs no new notification. */
static int backing_off(bits_req_t *rq, bits_ack_t *ack)
{
    bits_session_t *s = &rq->sess;
    apr_interval_time_t left = bits_notify_wait_left(s->notify_after, apr_time_now(),
                                                     bits_conf_notify_retry(rq->conf));

    if (left <= 0)
        return 0;
    *ack = bits_fail(rq, BITS_ACK_APP_RETRY, 0, "the last notification failed (%d in a "
                     "row); the next one is allowed in %" APR_TIME_T_FMT " s "
                     "(BITSNotificationRetryDelay), not notifying now",
                     s->notify_failures, apr_time_sec(left + APR_USEC_PER_SEC - 1));
    return 1;
}

/* Records, durably, when this session may notify again after a failure. */
static void schedule_retry(bits_req_t *rq)
{
    bits_session_t *s = &rq->sess;
    apr_interval_time_t wait;
    apr_status_t rv;

    s->notify_failures++;
    wait = bits_notify_backoff(s->notify_failures, bits_conf_notify_retry(rq->conf));
    s->notify_after = wait > 0 ? apr_time_now() + wait : 0;
    if ((rv = bits_session_save(s, rq->store, rq->r->pool)) != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, rq->r, "BITS00102: "
                      "BITS session %s: cannot record "
                      "the notification backoff", s->id);
    else if (wait > 0)
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, rq->r, "BITS00103: "
                      "BITS session %s: notification "
                      "failed %d times in a row; next attempt in %" APR_TIME_T_FMT " s "
                      "at the earliest", s->id, s->notify_failures, apr_time_sec(wait));
}

/* Takes one of the BITSMaxConcurrentNotifications slots of the whole
 * server into *slot; 0 with the Ack if all are taken.  Without usable slot
 * files (*slot stays NULL) the notification goes ahead: the cap protects
 * the server, it must not stop every upload. */
static int take_notify_slot(bits_req_t *rq, bits_slot_t **slot, bits_ack_t *ack)
{
    apr_status_t rv;

    *slot = NULL;
    if (!bits_notify_slot_dir)
        return 1;
    rv = bits_slot_take(slot, bits_notify_slot_dir, bits_notify_slots, rq->r->pool);
    if (rv == APR_EBUSY) {
        *ack = bits_fail(rq, BITS_ACK_APP_RETRY, 0, "%d notifications are already "
                         "waiting for the application (BITSMaxConcurrentNotifications); "
                         "not notifying now", bits_notify_slots);
        return 0;
    }
    if (rv != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, rq->r, "BITS00104: "
                      "BITS session %s: cannot use "
                      "the notification slots in %s; notifying without the limit",
                      rq->sess.id, bits_notify_slot_dir);
    return 1;
}

/* Types 1 and 2: hand the upload to the server application (§11).  The
 * session lock is held throughout, so two retries never notify at once,
 * and the outcome is durable before the Ack says anything (§14). */
static bits_ack_t complete_by_notifying(bits_req_t *rq)
{
    request_rec *r = rq->r;
    bits_session_t *s = &rq->sess;
    bits_notice_t n;
    bits_notice_result_t res;
    bits_ack_t ack;
    bits_slot_t *slot;
    apr_status_t rv;

    /* Where to notify comes from the configuration and this server's own
     * name, never from the session record or the client's Host. */
    n.type = bits_conf_notify_type(rq->conf);
    n.url = rq->conf->notify_url ? bits_notify_url(rq->conf->notify_url,
                                                   bits_server_upload_url(r), r->pool)
                                 : NULL;
    n.original_url = s->dest_url;
    n.session_id = s->id;
    n.request_file = bits_session_file(rq->store, s->id, BITS_REQUEST_FILE, r->pool);
    n.size = s->total;
    n.response_file = apr_pstrcat(r->pool, bits_reply_dir(rq->store, s->id, r->pool),
                                  "/" BITS_RESPONSE_FILE, NULL);
    n.timeout = bits_conf_notify_timeout(rq->conf);
    n.max_reply = bits_conf_max_reply(rq->conf);
    n.user_agent = "mod_bits/" MOD_BITS_VERSION " (BITS server extension)";
    if (!n.url)
        return bits_fail(rq, BITS_ACK_ERR(HTTP_INTERNAL_SERVER_ERROR, BITS_E_FAIL), 0,
                         "BITSServerNotificationURL is missing or unusable for %s",
                         ap_escape_logitem(r->pool, r->unparsed_uri));
    if (!bits_url_clean(n.original_url))       /* it becomes a request header */
        return bits_fail(rq, BITS_ACK_ERR(HTTP_INTERNAL_SERVER_ERROR, BITS_E_FAIL), 0,
                         "the session's upload URL is not a clean URL");
    if (backing_off(rq, &ack) || !take_notify_slot(rq, &slot, &ack))
        return ack;
    if ((rv = bits_session_create_reply_dir(rq->store, s->id,
                                            bits_conf_session_group(rq->conf),
                                            r->pool)) != APR_SUCCESS)
        return bits_fail(rq, bits_ack_for_io_error(rv), rv, "cannot create the reply "
                         "directory");

    bits_notify(&n, &res, r->pool);
    if (slot)
        bits_slot_release(slot);
    if (res.outcome == BITS_NOTIFY_REPLY_TOO_LARGE) {
        schedule_retry(rq);
        return reply_too_large(rq, -1);
    }
    if (res.outcome == BITS_NOTIFY_ANSWERED && res.status == HTTP_FORBIDDEN) {
        /* The one answer that is never posted again (§11.7). */
        s->state = BITS_STATE_REFUSED;
        s->final_ack = BITS_ACK_APP(HTTP_FORBIDDEN, BITS_E_HTTP(HTTP_FORBIDDEN));
        if (!bits_save(rq, &ack))
            return ack;
        return bits_fail(rq, s->final_ack, 0, "the application at %s refused the "
                         "upload (403); it will not be notified again", n.url);
    }
    if (res.outcome != BITS_NOTIFY_ANSWERED || res.status / 100 != 2) {
        schedule_retry(rq);
        return bits_fail(rq, bits_notify_failure_ack(&res), 0, "notifying %s failed: "
                         "%s; a resent final fragment will notify again", n.url,
                         res.error ? res.error
                                   : apr_psprintf(r->pool, "status %d", res.status));
    }
    if (res.status != HTTP_OK)
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "BITS00105: BITS session %s: the "
                      "application answered %d, taken as success", s->id, res.status);
    if ((ack = take_reply(rq, &n, &res)).status != HTTP_OK) {
        schedule_retry(rq);
        return ack;
    }
    s->copy_to_dest = res.copy_to_dest;
    s->state = BITS_STATE_DONE;
    s->final_ack = BITS_ACK_OK;
    if (!bits_save(rq, &ack))
        return ack;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "BITS00106: "
                  "BITS session %s delivered to %s "
                  "(%s); reply at %s", s->id, n.url,
                  n.type == BITS_NOTIFY_VALUE ? "by value" : "by reference", s->reply_url);
    return bits_replay_completion(rq);   /* publishes if the application asked */
}

bits_ack_t bits_complete(bits_req_t *rq)
{
    /* The configuration at completion decides (a record may be forged); the
     * record then says what was done, for the repeats of the final Ack. */
    rq->sess.notify_type = bits_conf_notify_type(rq->conf);
    return rq->sess.notify_type == BITS_NOTIFY_NONE ? complete_by_publishing(rq)
                                                   : complete_by_notifying(rq);
}

bits_ack_t bits_replay_completion(bits_req_t *rq)
{
    bits_session_t *s = &rq->sess;
    bits_ack_t ack;

    /* The application asked for a copy that is not made yet. */
    if (s->state == BITS_STATE_DONE && s->copy_to_dest && !s->published) {
        if ((ack = publish(rq)).status != HTTP_OK)
            return ack;
        if (!bits_save(rq, &ack))
            return ack;
    }
    return s->final_ack;
}

/* A terminal session, or one that stops now, is answered from its
 * tombstone (§8.3). */
static bits_ack_t end_session(bits_req_t *rq, bits_state_t terminal,
                              const char *event)
{
    bits_session_t *s = &rq->sess;
    bits_state_t was = s->state;
    apr_status_t rv = bits_index_retire(s, rq->store, terminal, rq->r->pool);

    if (rv != APR_SUCCESS)
        return bits_fail(rq, bits_ack_for_io_error(rv), rv,
                         "cannot remove the session's data");
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, rq->r, "BITS00107: "
                  "BITS session %s %s (was %s%s)",
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
        return bits_fail(rq, BITS_ACK_NOT_FOUND, 0, "session is %s",
                         bits_state_name(s->state));
    }
    /* No fragment at all: the upload of an empty file (§17.8); or its
     * notification failed before (the record says so since it keeps the
     * backoff), and this resent Close-Session retries it. */
    if ((s->state == BITS_STATE_RECEIVING && s->total < 0)
        || (s->state == BITS_STATE_COMPLETING && s->total == 0 && s->notify_failures)) {
        s->total = 0;
        s->state = BITS_STATE_COMPLETING;
        ack = bits_complete(rq);
        if (ack.status != HTTP_OK)
            return ack;
    }
    if (s->state == BITS_STATE_DONE
        && (ack = bits_replay_completion(rq)).status != HTTP_OK)
        return ack;
    return end_session(rq, BITS_STATE_CLOSED, "closed");
}

bits_ack_t bits_packet_cancel(bits_req_t *rq)
{
    if (bits_state_is_terminal(rq->sess.state))
        return BITS_ACK_OK;
    /* A published file stays: the client only cancels the reply side. */
    return end_session(rq, BITS_STATE_CANCELLED, "cancelled");
}
