/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* One BITS_POST being processed: what the packet handlers share.  Glue only. */
#ifndef BITS_REQUEST_H
#define BITS_REQUEST_H

#include "bits_private.h"
#include "bits_protocol.h"
#include "bits_session.h"
#include "bits_lock.h"
#include "bits_path.h"

typedef struct {
    request_rec *r;
    const bits_dir_conf *conf;
    bits_packet_t type;
    const char *root;          /* the location's directory */
    const char *store;         /* its session store */
    const char *id_header;     /* BITS-Session-Id as received, or NULL */
    apr_off_t length;          /* Content-Length of the request */
    bits_session_t sess;
    int have_session;          /* sess is loaded and locked */
    bits_lock_t *lock;
    apr_off_t written;         /* body bytes this request added (access log) */
    apr_file_t *request_file;  /* opened by bits_commit_check, or NULL */
} bits_req_t;

/* Logs why a packet failed (with the session id) and returns its Ack. */
bits_ack_t bits_fail(bits_req_t *rq, bits_ack_t ack, apr_status_t rv,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The destination path the request URL maps to, or why it cannot be one. */
bits_path_status_t bits_destination(bits_req_t *rq, const char **path);

/* Records the session (last activity now); an I/O error becomes an Ack. */
int bits_save(bits_req_t *rq, bits_ack_t *ack);

/* Packets that work on a session (src/httpd/bits_fragment.c, src/httpd/bits_finish.c). */
bits_ack_t bits_packet_fragment(bits_req_t *rq);
bits_ack_t bits_packet_close(bits_req_t *rq);
bits_ack_t bits_packet_cancel(bits_req_t *rq);

/* Completion of a fully received upload (§7.4 step 10): publishes it or
 * notifies the application; and the answer to a repeat of it (§8). */
bits_ack_t bits_complete(bits_req_t *rq);
bits_ack_t bits_replay_completion(bits_req_t *rq);

#endif
