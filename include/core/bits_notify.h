/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Notifying the server application of a completed upload (spec §11) over
 * HTTP with libcurl, and turning its answer into the completion Ack.
 * APR + libcurl only (no httpd). */
#ifndef BITS_NOTIFY_H
#define BITS_NOTIFY_H

#include <apr_pools.h>
#include <apr_time.h>
#include <apr_thread_mutex.h>
#include "bits_protocol.h"

#define BITS_NOTIFY_NONE       0
#define BITS_NOTIFY_REFERENCE  1
#define BITS_NOTIFY_VALUE      2

#define BITS_MAX_URL 2200                 /* longest URL a client accepts */

/* Our transaction id for the application (§11.10): the session id. */
#define BITS_H_TRANSACTION    BITS_H_SESSION_ID
#define BITS_H_ORIGINAL_URL   "BITS-Original-Request-URL"
#define BITS_H_REQUEST_FILE   "BITS-Request-DataFile-Name"
#define BITS_H_RESPONSE_FILE  "BITS-Response-DataFile-Name"
#define BITS_H_STATIC_URL     "BITS-Static-Response-URL"
#define BITS_H_COPY_FILE      "BITS-Copy-File-To-Destination"

typedef struct {
    const char *url;             /* resolved notification URL */
    int type;                    /* BITS_NOTIFY_REFERENCE or _VALUE */
    const char *original_url;    /* BITS-Original-Request-URL */
    const char *session_id;      /* transaction id */
    const char *request_file;    /* the upload */
    apr_off_t size;              /* its length */
    const char *response_file;   /* where the reply is (to be) written */
    apr_interval_time_t timeout; /* whole exchange */
    apr_off_t max_reply;         /* longest by-value reply stored; -1 = no limit */
    const char *user_agent;      /* the server's name and version; NULL: "mod_bits" */
} bits_notice_t;

typedef enum {
    BITS_NOTIFY_ANSWERED = 0,    /* an HTTP status came back */
    BITS_NOTIFY_TIMEOUT,         /* no complete answer in time */
    BITS_NOTIFY_UNREACHABLE,     /* could not connect or send */
    BITS_NOTIFY_GARBAGE,         /* not HTTP, or a truncated body */
    BITS_NOTIFY_LOCAL_ERROR,     /* we could not read or store a file */
    BITS_NOTIFY_REPLY_TOO_LARGE  /* a 2xx whose reply body exceeds max_reply */
} bits_notify_outcome_t;

typedef struct {
    bits_notify_outcome_t outcome;
    int status;                  /* HTTP status when ANSWERED */
    const char *static_url;      /* BITS-Static-Response-URL, or NULL */
    int copy_to_dest;            /* BITS-Copy-File-To-Destination seen */
    const char *error;           /* why, for the log */
} bits_notice_result_t;

/* One connection cache per process, shared by its threads; call once in
 * each child before threads notify. */
apr_status_t bits_notify_child_init(apr_pool_t *p);

/* RFC 3986 resolution of `ref` against the destination URL, plus the
 * destination's query string (joined with '&'), or NULL if unusable.
 * The server passes its own upload URL here (its ServerName, never the
 * client's Host): the client must not choose where the server connects. */
const char *bits_notify_url(const char *ref, const char *dest_url, apr_pool_t *p);

/* "scheme://host[:port]": an IPv6 literal host in brackets; port 0 or the
 * scheme's default port (80 for http, 443 for https) is left out. */
const char *bits_url_origin(const char *scheme, const char *host, unsigned port,
                            apr_pool_t *p);

/* The path and query of a request target as the client sent it, in
 * origin-form ("/p?q") or absolute-form ("http://host/p?q"), still
 * percent-encoded (never decoded: "a%3Fb" stays one name), with every byte
 * a URL may not hold (controls, space, non-ASCII, "<>\^`{|}) escaped.
 * The authority of an absolute-form target is dropped; NULL if the
 * target is neither form ("*"). */
const char *bits_url_target(const char *request_target, apr_pool_t *p);

/* 1 if every byte is printable ASCII other than space: usable as a URL and
 * as a header value as it is (no CR, LF or other control character). */
int bits_url_clean(const char *s);

/* POSTs the notice; a by-value reply body is streamed to response_file
 * (replaced atomically, and only after a 2xx). */
void bits_notify(const bits_notice_t *n, bits_notice_result_t *res, apr_pool_t *p);

/* Backoff between the notifications of one session: the wait after the
 * `failures`-th failure in a row is `first` doubled each time, at most
 * max(first, BITS_NOTIFY_BACKOFF_CAP).  0 when `first` is 0 (no backoff). */
#define BITS_NOTIFY_BACKOFF_CAP apr_time_from_sec(300)
apr_interval_time_t bits_notify_backoff(int failures, apr_interval_time_t first);

/* How long a session must still wait before it may notify, given the time
 * recorded after its last failure (0 = now).  A wait longer than any
 * backoff can give (a clock set back, a forged record) is not honoured. */
apr_interval_time_t bits_notify_wait_left(apr_time_t not_before, apr_time_t now,
                                          apr_interval_time_t first);

/* The completion Ack for a notification result that is not a success
 * (§9 rows 24-28, §11.7).  Context 0x7 throughout. */
bits_ack_t bits_notify_failure_ack(const bits_notice_result_t *res);

/* §12.1: where the client downloads a reply we hold, next to the
 * destination (as IIS's relative reply URL resolves), on `host` if given
 * (BITSHostId); NULL if it would be longer than BITS_MAX_URL. */
const char *bits_reply_url(const char *dest_url, const char *id, const char *host,
                           apr_pool_t *p);

/* 1 if a BITS-Static-Response-URL is usable: a well-formed absolute http or
 * https URL with a host, of printable ASCII without spaces, at most
 * BITS_MAX_URL long. */
int bits_notify_static_url_ok(const char *url);

#endif
