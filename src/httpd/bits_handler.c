/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The BITS_POST handler: common validation (§7.1), Ping (§7.2),
 * Create-Session (§7.3) and dispatch of the session packets. */
#include <http_protocol.h>
#include <http_request.h>
#include <http_core.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "bits_request.h"
#include "bits_status.h"
#include "bits_ack.h"
#include "bits_guid.h"
#include "bits_fileio.h"
#include "bits_sweeper.h"
#include "bits_cleanup.h"
#include "bits_notify.h"
#include "bits_guard.h"
#include "bits_url.h"
#include "bits_index.h"
#include "bits_lognotes.h"
#include "bits_freespace.h"

#define ACK_BUSY      BITS_ACK_ERR(HTTP_SERVICE_UNAVAILABLE, \
                                   BITS_E_HTTP(HTTP_SERVICE_UNAVAILABLE))

/* ---- common validation (§7.1 steps 4-6) -------------------------------- */

static int header_too_long(void *rec, const char *key, const char *value)
{
    int *too_long = rec;

    if ((!strncasecmp(key, "BITS-", 5) || !strcasecmp(key, "Content-Range")
         || !strcasecmp(key, "Content-Name")) && strlen(value) > BITS_MAX_HEADER_VALUE) {
        *too_long = 1;
        return 0;
    }
    return 1;
}

static int validate_framing(bits_req_t *rq, bits_ack_t *ack)
{
    request_rec *r = rq->r;
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    int too_long = 0;

    if (apr_table_get(r->headers_in, "Transfer-Encoding")) {
        *ack = bits_fail(rq, BITS_ACK_INVALID, 0,
                         "chunked request bodies are not accepted");
        return 0;
    }
    if (!cl || bits_parse_length(cl, &rq->length) != 0) {
        *ack = bits_fail(rq, BITS_ACK_INVALID, 0, "missing or malformed Content-Length");
        return 0;
    }
    apr_table_do(header_too_long, &too_long, r->headers_in, NULL);
    if (too_long) {
        *ack = bits_fail(rq, BITS_ACK_INVALID, 0, "a header value exceeds %d bytes",
                         BITS_MAX_HEADER_VALUE);
        return 0;
    }
    if (rq->type == BITS_PACKET_INVALID) {
        *ack = bits_fail(rq, BITS_ACK_INVALID, 0, "missing or unknown BITS-Packet-Type");
        return 0;
    }
    if (rq->type != BITS_PACKET_FRAGMENT && rq->length != 0) {
        *ack = bits_fail(rq, BITS_ACK_INVALID, 0, "this packet must not carry a body");
        return 0;
    }
    return 1;
}

/* ---- Ping and Create-Session ------------------------------------------ */

static bits_ack_t destination_error(bits_req_t *rq, bits_path_status_t st)
{
    static const char *const why[] = {
        "", "the destination leaves the upload directory",
        "the destination lies inside the session store",
        "the destination name is not safe", "the destination is a directory",
        "the destination's parent directory does not exist",
        "the destination is a symbolic link"
    };
    bits_ack_t ack = BITS_ACK_DENIED;

    if (st == BITS_PATH_IS_DIR)
        ack = BITS_ACK_INVALID;
    else if (st == BITS_PATH_NO_PARENT)
        ack = BITS_ACK_ERR(HTTP_NOT_FOUND, BITS_E_HTTP(HTTP_NOT_FOUND));
    return bits_fail(rq, ack, 0, "%s: %s", why[st],
                     ap_escape_logitem(rq->r->pool, rq->r->uri));
}

static int reserve_under_lock(bits_req_t *rq, bits_lock_t **owner_lock,
                              bits_ack_t *ack)
{
    request_rec *r = rq->r;
    const char *key = rq->sess.owner_key;
    int limit = bits_conf_sessions_limit(rq->conf);
    int owners = bits_conf_owners_limit(rq->conf);
    apr_status_t rv;

    *owner_lock = NULL;
    /* Only a newcomer can raise the number of owners (a soft ceiling:
     * racing newcomers may pass it by a few). */
    if (owners > 0 && !bits_index_has_owner(rq->store, key, r->pool)
        && bits_index_owner_count(rq->store, owners, r->pool) >= owners) {
        *ack = bits_fail(rq, ACK_BUSY, 0, "%d owners already hold sessions in %s, "
                         "'%s' is not one of them (BITSSessionOwnersLimit %d)",
                         owners, rq->store, key, owners);
        return 0;
    }
    rv = bits_index_lock(owner_lock, bits_child_claims, rq->store, key,
                         bits_conf_lock_timeout(rq->conf), r->pool);
    if (rv != APR_SUCCESS)
        *owner_lock = NULL;     /* it may name a lock it already let go */
    if (rv == APR_TIMEUP || rv == APR_EAGAIN) {
        *ack = bits_fail(rq, ACK_BUSY, rv, "the sessions of '%s' are busy", key);
        return 0;
    }
    if (rv != APR_SUCCESS) {
        *ack = bits_fail(rq, bits_ack_for_io_error(rv), rv,
                         "cannot lock the session index of '%s' in %s", key, rq->store);
        return 0;
    }
    /* Entries are checked against their records only at the limit. */
    if (limit > 0 && bits_index_count(rq->store, key, limit, r->pool) >= limit
        && bits_index_count_live(rq->store, key, limit,
                                 bits_conf_session_timeout(rq->conf), apr_time_now(),
                                 r->pool) >= limit) {
        *ack = bits_fail(rq, ACK_BUSY, 0, "'%s' already holds %d sessions in %s "
                         "(BITSNumberOfSessionsLimit %d)", key, limit, rq->store, limit);
        return 0;
    }
    if ((rv = bits_index_add(rq->store, key, rq->sess.id, r->pool)) != APR_SUCCESS) {
        *ack = bits_fail(rq, bits_ack_for_io_error(rv), rv,
                         "cannot add the session to the index of %s", rq->store);
        return 0;
    }
    return 1;
}

/* BITSNumberOfSessionsLimit at Create-Session (§13, §17.26): counted per
 * owner key from the session index, under the owner's lock so that racing
 * Create-Sessions cannot both slip under the limit.  Over it, the client is
 * told to retry later (503, context 0x5): a 4xx would fail its job.  The
 * index entry is made here, before the session: counted as a session
 * being created, it holds the place without the lock (the record's disk
 * flushes would otherwise hold up every other Create of the owner). */
static int reserve_session_slot(bits_req_t *rq, bits_ack_t *ack)
{
    bits_lock_t *owner_lock;
    int ok = reserve_under_lock(rq, &owner_lock, ack);

    if (owner_lock)
        bits_lock_release(owner_lock);
    return ok;
}

static bits_ack_t packet_create(bits_req_t *rq)
{
    request_rec *r = rq->r;
    const bits_dir_conf *conf = rq->conf;
    bits_session_t *s = &rq->sess;
    const char *dest;
    bits_path_status_t st;
    apr_finfo_t fi;
    apr_status_t rv;
    bits_ack_t ack;

    if (!bits_protocol_negotiate(apr_table_get(r->headers_in, BITS_H_PROTOCOLS),
                                 r->pool))
        return bits_fail(rq, BITS_ACK_INVALID, 0, "no supported protocol offered");
    if (bits_conf_notify_type(conf) != BITS_NOTIFY_NONE && !conf->notify_url)
        return bits_fail(rq, BITS_ACK_ERR(HTTP_INTERNAL_SERVER_ERROR, BITS_E_FAIL), 0,
                         "BITSServerNotificationType %d needs a "
                         "BITSServerNotificationURL", bits_conf_notify_type(conf));
    if ((st = bits_destination(rq, &dest)) != BITS_PATH_OK)
        return destination_error(rq, st);
    if (!bits_name_allowed(rq, dest, &ack) || !bits_not_executed(rq, &ack))
        return ack;
    if (!bits_conf_overwrites(conf)
        && apr_stat(&fi, dest, APR_FINFO_LINK | APR_FINFO_TYPE, r->pool) == APR_SUCCESS)
        return bits_fail(rq, BITS_ACK_DENIED, 0, "%s exists and BITSAllowOverwrites is Off",
                         dest);

    bits_sweeper_fallback(r, conf, rq->store);    /* without mod_watchdog only */
    if (!bits_space_enough(rq, "Create-Session", dest, &ack))
        return ack;
    memset(s, 0, sizeof *s);
    if ((rv = bits_guid_new(s->id)) != APR_SUCCESS)
        return bits_fail(rq, BITS_ACK_ERR(HTTP_INTERNAL_SERVER_ERROR, BITS_E_FAIL), rv,
                         "no random id");
    s->state = BITS_STATE_RECEIVING;
    s->owner = bits_request_user(r);
    s->dest_url = bits_client_upload_url(r);
    s->dest_path = dest;
    s->vhost = r->server->server_hostname ? r->server->server_hostname : "";
    /* Where to notify is not recorded: completion reads the configuration. */
    s->notify_type = bits_conf_notify_type(conf);
    s->allow_overwrites = bits_conf_overwrites(conf);
    s->max_upload = bits_conf_max_upload(conf);
    s->total = -1;
    s->created = apr_time_now();
    s->owner_key = bits_owner_key(s->owner, r->useragent_ip, r->pool);
    s->client_ip = r->useragent_ip;
    rv = bits_session_create_store(rq->store, bits_conf_session_group(conf));
    if (rv != APR_SUCCESS)
        return bits_fail(rq, bits_ack_for_io_error(rv), rv,
                         "cannot create the session store %s", rq->store);
    bits_sweep_prepare(rq->store, r->pool);
    if (!reserve_session_slot(rq, &ack))
        return ack;
    rq->id_header = s->id;
    rv = bits_session_create_dir(rq->store, s->id, bits_conf_session_group(conf),
                                 r->pool);
    if (rv != APR_SUCCESS) {
        bits_index_remove(rq->store, s->owner_key, s->id, r->pool);
        return bits_fail(rq, bits_ack_for_io_error(rv), rv,
                         "cannot create the session in %s", rq->store);
    }
    if (!bits_save(rq, &ack)) {
        bits_index_remove(rq->store, s->owner_key, s->id, r->pool);
        return ack;
    }

    apr_table_setn(r->err_headers_out, BITS_H_PROTOCOL, BITS_PROTOCOL_GUID);
    apr_table_setn(r->err_headers_out, "Accept-Encoding", "identity");
    if (conf->host_id) {
        apr_table_setn(r->err_headers_out, BITS_H_HOST_ID, conf->host_id);
        if (bits_conf_fallback(conf) > 0)
            apr_table_setn(r->err_headers_out, BITS_H_HOST_FALLBACK,
                           apr_psprintf(r->pool, "%" APR_INT64_T_FMT,
                                        (apr_int64_t)bits_conf_fallback(conf)));
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "BITS00110: "
                  "BITS session %s created for %s by '%s' (counted as %s)", s->id,
                  dest, ap_escape_logitem(r->pool, s->owner), s->owner_key);
    return BITS_ACK_OK;
}

/* ---- session packets (§7.1 steps 7-9) --------------------------------- */

/* Does the request name the session's recorded destination literally, in
 * a Fragment that cannot complete the upload?  Such a fragment only adds
 * bytes to the session's own request file, so the full resolution of the
 * destination (realpath: a readlink per path component, the largest share
 * of a small fragment's system calls) is left to the packets that can
 * publish -- the fragment that reaches the total, Close-Session -- and to
 * any other spelling of the URL.  The session's total is known (the first
 * fragment resolves it), and this range ends before it. */
static int mid_fragment_for_recorded_dest(bits_req_t *rq)
{
    request_rec *r = rq->r;
    const bits_session_t *s = &rq->sess;
    const char *range = apr_table_get(r->headers_in, "Content-Range");
    bits_range_t rg;

    if (rq->type != BITS_PACKET_FRAGMENT || s->state != BITS_STATE_RECEIVING
        || s->total < 0 || s->received >= s->total || !range
        || bits_range_parse(range, &rg) != 0 || rg.total != s->total
        || rg.last + 1 >= rg.total)
        return 0;
    /* The cheap refusals of bits_destination(), then the literal match. */
    if (!r->uri[0] || r->uri[strlen(r->uri) - 1] == '/' || !r->filename
        || (r->path_info && *r->path_info))
        return 0;
    return strcmp(r->filename, s->dest_path) == 0
           && bits_path_is_within(rq->root, r->filename)
           && !bits_path_is_within(rq->store, r->filename);
}

/* Loads and locks the session named by the request, or says why not. */
static int open_session(bits_req_t *rq, bits_ack_t *ack)
{
    request_rec *r = rq->r;
    char id[BITS_GUID_LEN + 1];
    const char *dest;
    bits_session_t *s = &rq->sess;
    apr_status_t rv;

    if (!rq->id_header) {
        *ack = bits_fail(rq, BITS_ACK_INVALID, 0, "missing BITS-Session-Id");
        return 0;
    }
    if (!bits_guid_canonical(rq->id_header, id)) {
        *ack = bits_fail(rq, BITS_ACK_NOT_FOUND, 0, "malformed session id");
        return 0;
    }
    rv = bits_lock_acquire(&rq->lock, bits_child_claims,
                           bits_session_file(rq->store, id, BITS_LOCK_FILE, r->pool),
                           id, bits_conf_lock_timeout(rq->conf), r->pool);
    if (rv == APR_TIMEUP) {
        *ack = bits_fail(rq, ACK_BUSY, rv, "session is busy with another request");
        return 0;
    }
    if (rv == APR_SUCCESS)
        rv = bits_session_load_for_update(s, rq->store, id, r->pool);
    if (rv != APR_SUCCESS) {
        *ack = bits_fail(rq, BITS_ACK_NOT_FOUND, rv, "no such session in %s", rq->store);
        return 0;
    }
    /* Two vhosts pointed at one store still do not share sessions. */
    if (!bits_session_of_vhost(s, r->server->server_hostname)) {
        *ack = bits_fail(rq, BITS_ACK_NOT_FOUND, 0, "session belongs to the virtual "
                         "host %s", ap_escape_logitem(r->pool, s->vhost));
        return 0;
    }
    if (strcmp(s->owner, bits_request_user(r)) != 0) {
        *ack = bits_fail(rq, BITS_ACK_NOT_FOUND, 0, "session belongs to another user");
        return 0;
    }
    if (!mid_fragment_for_recorded_dest(rq)
        && (bits_destination(rq, &dest) != BITS_PATH_OK || strcmp(dest, s->dest_path))) {
        *ack = bits_fail(rq, BITS_ACK_NOT_FOUND, 0, "session was created for %s",
                         s->dest_path);
        return 0;
    }
    rq->have_session = 1;
    if (!bits_state_is_terminal(s->state)
        && bits_session_expired(s, bits_conf_session_timeout(rq->conf), apr_time_now())) {
        rv = bits_index_retire(s, rq->store, BITS_STATE_EXPIRED, r->pool);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, r, "BITS00111: "
                      "BITS session %s expired", s->id);
    }
    return 1;
}

static bits_ack_t dispatch(bits_req_t *rq)
{
    bits_ack_t ack;

    if (!validate_framing(rq, &ack))
        return ack;
    if (rq->type == BITS_PACKET_PING)
        return BITS_ACK_OK;
    if (!rq->root)
        return bits_fail(rq, BITS_ACK_DENIED, 0,
                         "the URL does not map into the location's directory");
    if (rq->type == BITS_PACKET_CREATE_SESSION)
        return packet_create(rq);
    if (!open_session(rq, &ack))
        return ack;
    switch (rq->type) {
    case BITS_PACKET_FRAGMENT:      return bits_packet_fragment(rq);
    case BITS_PACKET_CLOSE_SESSION: return bits_packet_close(rq);
    default:                        return bits_packet_cancel(rq);
    }
}

int bits_handle_request(request_rec *r, const bits_dir_conf *conf)
{
    bits_req_t rq = { 0 };
    bits_ack_t ack;

    rq.r = r;
    rq.conf = conf;
    rq.type = bits_packet_parse(apr_table_get(r->headers_in, BITS_H_PACKET_TYPE));
    rq.id_header = apr_table_get(r->headers_in, BITS_H_SESSION_ID);
    if (conf->enabled != 1) {
        ack = bits_fail(&rq, BITS_ACK_ERR(HTTP_NOT_IMPLEMENTED, BITS_E_ACCESSDENIED),
                        0, "BITS uploads are not enabled here");
    }
    else {
        rq.root = bits_location_root(r, conf);
        rq.store = rq.root ? bits_store_root(conf, rq.root, r->pool) : NULL;
        if (rq.store)       /* a <Location>'s store is first known here */
            bits_sweeper_note_store(r, conf, rq.store);
        ack = dispatch(&rq);
    }
    if (rq.id_header && rq.type != BITS_PACKET_CREATE_SESSION
        && strlen(rq.id_header) <= BITS_MAX_HEADER_VALUE && bits_url_clean(rq.id_header))
        apr_table_set(r->err_headers_out, BITS_H_SESSION_ID, rq.id_header);
    if (rq.type == BITS_PACKET_CREATE_SESSION && ack.status == HTTP_OK)
        apr_table_set(r->err_headers_out, BITS_H_SESSION_ID, rq.sess.id);
    if (rq.have_session && rq.type == BITS_PACKET_FRAGMENT)
        apr_table_set(r->err_headers_out, BITS_H_RECEIVED,
                      apr_off_t_toa(r->pool, rq.sess.received));
    /* The completion Ack, and every repeat of it, names the reply (§12.1).
     * A value httpd would refuse to send (a control character) is left out
     * rather than letting it abort every Ack of the session. */
    if (rq.have_session && ack.status == HTTP_OK && rq.sess.reply_url
        && *rq.sess.reply_url
        && rq.sess.notify_type != BITS_NOTIFY_NONE
        && (rq.type == BITS_PACKET_FRAGMENT || rq.type == BITS_PACKET_CLOSE_SESSION)) {
        if (bits_url_clean(rq.sess.reply_url))
            apr_table_set(r->err_headers_out, BITS_H_REPLY_URL, rq.sess.reply_url);
        else
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "BITS00112: "
                          "BITS session %s: the recorded "
                          "reply URL is not a clean URL; not sent", rq.sess.id);
    }
    if (rq.lock)
        bits_lock_release(rq.lock);
    bits_ack_send(r, ack);
    bits_log_notes(r, rq.type, rq.have_session || (rq.type == BITS_PACKET_CREATE_SESSION
                                                   && ack.status == HTTP_OK)
                               ? rq.sess.id : rq.id_header, ack, rq.written);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "BITS00113: "
                  "BITS %s %s: Ack %d, received %"
                  APR_OFF_T_FMT, bits_packet_name(rq.type),
                  rq.have_session ? rq.sess.id : "-", ack.status,
                  rq.have_session ? rq.sess.received : (apr_off_t)-1);
    return OK;
}
