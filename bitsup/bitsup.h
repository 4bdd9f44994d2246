/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bitsup: a BITS upload client (BITS 1.5 Upload Protocol, MC-BUP) for Linux.
 * Declarations shared by the modules of the client; each .c file has one job
 * (options, HTTP transport, Ack parsing, state file, output, upload loop,
 * reply download, URL helpers). */
#ifndef BITSUP_H
#define BITSUP_H

#include <stdio.h>
#include <sys/types.h>
#include <curl/curl.h>

/* The release, from the top-level VERSION file (bitsup/Makefile passes it). */
#ifndef BITSUP_VERSION
#error "BITSUP_VERSION is not defined: build with bitsup/Makefile"
#endif
#define BITS_PROTOCOL_GUID  "{7df0354d-249b-430f-820d-3d2a9bef4931}"

/* HRESULTs the client acts on (spec §9). */
#define HR_SESSION_NOT_FOUND 0x8020001FUL
#define HR_TOO_LARGE         0x80200020UL

/* Fragments never shrink below this on 413 (spec §3.5). */
#define MIN_FRAGMENT   5120LL
#define DEFAULT_FRAGMENT (1024LL * 1024)

/* Exit codes, documented in bitsup.1 and the README. */
enum bitsup_exit {
    EXIT_DONE    = 0,   /* uploaded (and reply downloaded), or cancelled */
    EXIT_REFUSED = 1,   /* the server refused: BITS error, 4xx, not BITS */
    EXIT_USAGE   = 2,   /* bad command line or URL */
    EXIT_LOCAL   = 3,   /* local file error (missing, unreadable, -o) */
    EXIT_GAVE_UP = 4,   /* network trouble outlasted --give-up */
    EXIT_TLS     = 5    /* TLS certificate could not be verified */
};

struct options {
    const char *file;          /* local file to upload */
    const char *url;           /* destination URL as given */
    const char *cancel_session;/* --cancel: the session to cancel */
    const char *output;        /* -o: where the reply goes */
    const char *state_dir;     /* --state-dir, else XDG default */
    const char *cacert;
    const char *netrc_file;
    char *user;                /* -u user (password split off) */
    char *password;
    long long fragment_size;
    long long limit_rate;      /* bytes/s, 0 = unlimited */
    long give_up;              /* seconds without progress before giving up */
    long max_delay;            /* cap of the retry backoff, seconds */
    long connect_timeout;
    int cancel;
    int quiet;
    int json;
    int basic;                 /* send Basic credentials without a challenge */
    int negotiate;
    int no_state;
};

/* What one Ack (or non-BITS answer) said.  Header names are matched
 * case-insensitively; the last response of an auth exchange wins. */
struct bits_ack {
    CURLcode curl_rc;
    char curl_err[CURL_ERROR_SIZE];
    long status;               /* 0 when no HTTP answer arrived */
    char reason[96];
    int is_ack;                /* BITS-Packet-Type: Ack present */
    char session_id[128];
    char protocol[64];
    char host_id[320];
    long long fallback_timeout;/* -1 absent */
    long long received;        /* BITS-Received-Content-Range, -1 absent */
    char reply_url[2304];
    int has_error;
    unsigned long error_code;
    unsigned long error_context;
    long long content_length;  /* -1 absent (reply download) */
    long long range_start;     /* Content-Range of a 206, -1 absent */
    long long range_total;
};

/* ack.c */
void ack_reset(struct bits_ack *ack);
void ack_header_line(struct bits_ack *ack, const char *line, size_t len);
const char *hresult_meaning(unsigned long code);
void ack_describe(const struct bits_ack *ack, char *buf, size_t size);
int ack_is_tls_failure(const struct bits_ack *ack);
int ack_is_transient(const struct bits_ack *ack);

/* http.c: one curl handle, reused so the connection stays alive. */
struct body_source {
    int fd;
    off_t start;
    off_t length;
    off_t sent;
};
struct http;
typedef void (*http_progress_fn)(void *ctx, long long sent_in_request);
struct http *http_open(const struct options *opt, char *errbuf, size_t errsize);
void http_close(struct http *h);
void http_on_progress(struct http *h, http_progress_fn fn, void *ctx);
void http_bits_post(struct http *h, const char *url, const char *packet,
                    const char *session_id, const char *content_name,
                    const char *content_range, struct body_source *body,
                    struct bits_ack *ack);
void http_get(struct http *h, const char *url, long long from, FILE *out,
              struct bits_ack *ack);

/* url.c */
char *url_redacted(const char *url);
int url_check(const char *url, char *err, size_t errsize);
char *url_for_file(const char *url, const char *file);
char *url_with_host(const char *url, const char *host);
char *url_resolve(const char *base, const char *ref);
const char *file_base_name(const char *path);

/* state.c: remembers an unfinished session across runs. */
struct upload_state {
    char session_id[128];
    char host_id[320];
    long long fallback_timeout;
    long long offset;
    char reply_url[2304];
};
struct state_key {
    char path[4096];           /* state file */
    char identity[8192];       /* url + file identity, checked on load */
};
int state_key_make(struct state_key *key, const struct options *opt,
                   const char *url, const char *file_real, dev_t dev, ino_t ino,
                   off_t size, long long mtime_ns);
int state_load(const struct state_key *key, struct upload_state *st);
int state_save(const struct state_key *key, const struct upload_state *st);
void state_forget(const struct state_key *key);
int state_forget_session(const struct options *opt, const char *session_id);

/* report.c: what the user sees. */
void report_init(const struct options *opt, long long total);
void report_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_fragment(long long first, long long last, long long total,
                     long long received);
void report_progress(void *ctx, long long sent_in_request);
void report_retry(const char *what, long delay);
void report_field(const char *name, const char *value);
void report_number(const char *name, long long value);
void report_finish(int exit_code, const char *result);

/* retry.c: exponential backoff bounded by the give-up time. */
struct backoff {
    long delay;
    long max_delay;
    long give_up;
    double since;              /* start of the current run of failures */
};
void backoff_init(struct backoff *b, const struct options *opt);
void backoff_success(struct backoff *b);
int backoff_wait(struct backoff *b, const char *what);
double now_seconds(void);

/* conn.c: sends one packet, retrying transient failures with backoff and
 * following BITS-Host-Id pinning and its fallback (spec §10). */
struct conn {
    const struct options *opt;
    struct http *http;
    struct backoff backoff;
    const char *url;           /* destination URL as addressed at Create-Session */
    const char *shown_url;     /* the same without credentials, for messages */
    char *target;              /* where packets go now: url or the pinned host */
    long long fallback_timeout;/* -1: never fall back */
    double pinned_failing_since;
};
int conn_open(struct conn *c, const struct options *opt, const char *url,
              const char *shown_url);
void conn_close(struct conn *c);
int conn_pin(struct conn *c, const char *host_id, long long fallback_timeout);
int conn_pinned(const struct conn *c);
int conn_send(struct conn *c, const char *packet, const char *session_id,
              const char *content_name, const char *content_range,
              struct body_source *body, struct bits_ack *ack);
int exit_for_answer(const struct bits_ack *ack, const char *what);

/* upload.c / cancel.c / reply.c */
int run_upload(const struct options *opt);
int run_cancel(const struct options *opt);
int download_reply(struct http *h, const struct options *opt,
                   const char *reply_url);

#endif
