/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The back-end client (spec §11): one POST per completed upload, with the
 * upload streamed from disk (by value) or named by path (by reference),
 * and the reply streamed to disk.  libcurl does the HTTP. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "bits_notify.h"
#include "bits_fileio.h"

#define BITS_USER_AGENT "mod_bits (BITS server extension)"
#define CONNECT_TIMEOUT_MS 30000L

/* ---- the per-process connection cache --------------------------------- */

static CURLSH *share;
/* One mutex per kind of shared data: libcurl may hold one while taking
 * another (the connection cache, then DNS). */
static apr_thread_mutex_t *share_mutex[CURL_LOCK_DATA_LAST];

static void share_lock(CURL *h, curl_lock_data d, curl_lock_access a, void *u)
{
    (void)h; (void)a; (void)u;
    apr_thread_mutex_lock(share_mutex[d]);
}

static void share_unlock(CURL *h, curl_lock_data d, void *u)
{
    (void)h; (void)u;
    apr_thread_mutex_unlock(share_mutex[d]);
}

static apr_status_t share_cleanup(void *unused)
{
    (void)unused;
    curl_share_cleanup(share);
    share = NULL;
    return APR_SUCCESS;
}

apr_status_t bits_notify_child_init(apr_pool_t *p)
{
    apr_status_t rv;
    int i;

    for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
        if ((rv = apr_thread_mutex_create(&share_mutex[i], APR_THREAD_MUTEX_DEFAULT,
                                          p)) != APR_SUCCESS)
            return rv;
    if (!(share = curl_share_init()))
        return APR_ENOMEM;
    /* Keep-alive connections to the application are reused by all threads. */
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    apr_pool_cleanup_register(p, NULL, share_cleanup, apr_pool_cleanup_null);
    return APR_SUCCESS;
}

/* ---- the notification URL (§11.2) -------------------------------------- */

const char *bits_notify_url(const char *ref, const char *dest_url, apr_pool_t *p)
{
    CURLU *u = curl_url();
    char *query = NULL, *full = NULL;
    const char *out = NULL;

    if (u && curl_url_set(u, CURLUPART_URL, dest_url, 0) == CURLUE_OK) {
        /* The client's query string travels to the application. */
        if (curl_url_get(u, CURLUPART_QUERY, &query, 0) != CURLUE_OK)
            query = NULL;
        if (curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK
            && (!query || !*query
                || curl_url_set(u, CURLUPART_QUERY, query, CURLU_APPENDQUERY) == CURLUE_OK)
            && curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK
            && strlen(full) <= BITS_MAX_URL && bits_url_clean(full))
            out = apr_pstrdup(p, full);
    }
    curl_free(query);
    curl_free(full);
    curl_url_cleanup(u);
    return out;
}

const char *bits_reply_url(const char *dest_url, const char *id, const char *host,
                           apr_pool_t *p)
{
    const char *rel = apr_pstrcat(p, "BITS-Sessions/Replies/%7B",
                                  apr_pstrndup(p, id + 1, strlen(id) - 2),
                                  "%7D/responsefile.bin", NULL);
    CURLU *u = curl_url();
    char *full = NULL;
    const char *out = NULL;

    if (u && curl_url_set(u, CURLUPART_URL, dest_url, 0) == CURLUE_OK
        && curl_url_set(u, CURLUPART_URL, rel, 0) == CURLUE_OK
        && (!host || curl_url_set(u, CURLUPART_HOST, host, 0) == CURLUE_OK)
        && curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK
        && strlen(full) <= BITS_MAX_URL && bits_url_clean(full))
        out = apr_pstrdup(p, full);
    curl_free(full);
    curl_url_cleanup(u);
    return out;
}

const char *bits_url_origin(const char *scheme, const char *host, unsigned port,
                            apr_pool_t *p)
{
    int v6 = strchr(host, ':') && host[0] != '[';
    unsigned dflt = !strcasecmp(scheme, "https") ? 443 : !strcasecmp(scheme, "http") ? 80 : 0;

    return apr_psprintf(p, "%s://%s%s%s%s", scheme, v6 ? "[" : "", host, v6 ? "]" : "",
                        port && port != dflt ? apr_psprintf(p, ":%u", port) : "");
}

/* Bytes that may stand in a URL as they are; '%' is kept, since the
 * target is still percent-encoded. */
static int url_byte_ok(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !strchr("\"<>\\^`{|}", c);
}

/* Copies len bytes to *out, %XX-escaping those a URL may not hold. */
static void escape_url_bytes(char **out, const char *from, apr_size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    char *o = *out;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)from[i];
        if (url_byte_ok(c)) {
            *o++ = (char)c;
        }
        else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *out = o;
}

const char *bits_url_target(const char *request_target, apr_pool_t *p)
{
    const char *t = request_target, *q, *end;
    char *out, *o;

    /* absolute-form (and "//authority/..."): the path starts after the
     * authority, which is never ours to use */
    if (!t || !(t[0] == '/' && t[1] != '/')) {
        if (!t || !(t = strstr(t, "//")))
            return NULL;
        t += 2;
        t += strcspn(t, "/?#");
    }
    end = t + strcspn(t, "#");
    q = memchr(t, '?', end - t);
    o = out = apr_palloc(p, 3 * (end - t) + 2);
    if (*t != '/')
        *o++ = '/';                       /* "http://h?q": the path is "/" */
    escape_url_bytes(&o, t, (q ? q : end) - t);
    if (q) {
        *o++ = '?';
        escape_url_bytes(&o, q + 1, end - q - 1);
    }
    *o = '\0';
    return out;
}

int bits_url_clean(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            return 0;
    return s != NULL;
}

int bits_notify_static_url_ok(const char *url)
{
    const char *authority;
    CURLU *u;
    char *scheme = NULL, *host = NULL;
    int ok;

    /* The URL goes into BITS-Reply-URL as it is: no byte may break it, and
     * libcurl's leniency ("http:///h") is no licence to the client. */
    if (!url || strlen(url) > BITS_MAX_URL || !bits_url_clean(url)
        || !(authority = strstr(url, "://")) || !strcspn(authority + 3, "/?#")
        || (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8))
        || !(u = curl_url()))
        return 0;
    ok = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK
         && curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK
         && (!strcmp(scheme, "http") || !strcmp(scheme, "https"))
         && curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && *host;
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}

/* ---- one exchange ----------------------------------------------------- */

typedef struct {
    apr_pool_t *pool;
    apr_file_t *upload;          /* body source (by value) */
    apr_file_t *reply;           /* body sink (by value), or NULL */
    apr_status_t io_error;
    bits_notice_result_t *res;
    apr_off_t max_reply;         /* -1 = no limit */
    int status;                  /* of the response being read */
    apr_off_t content_length;    /* its Content-Length, -1 if none */
    int store_body;              /* its body is the reply (a 2xx by value) */
    apr_off_t stored;            /* reply bytes written so far */
    int too_large;               /* stopped: the reply exceeds max_reply */
} exchange_t;

static size_t read_upload(char *buf, size_t size, size_t n, void *data)
{
    exchange_t *x = data;
    apr_size_t len = size * n;
    apr_status_t rv = x->upload ? apr_file_read(x->upload, buf, &len) : APR_EOF;

    if (rv == APR_EOF)
        return 0;
    if (rv != APR_SUCCESS) {
        x->io_error = rv;
        return CURL_READFUNC_ABORT;
    }
    return len;
}

/* libcurl resends on a fresh connection when a kept-alive one turns out to
 * be closed: it must be able to start the body again. */
static int seek_upload(void *data, curl_off_t offset, int origin)
{
    exchange_t *x = data;
    apr_off_t at = (apr_off_t)offset;

    if (!x->upload)
        return offset == 0 ? CURL_SEEKFUNC_OK : CURL_SEEKFUNC_CANTSEEK;
    if (origin != SEEK_SET || apr_file_seek(x->upload, APR_SET, &at) != APR_SUCCESS)
        return CURL_SEEKFUNC_FAIL;
    return CURL_SEEKFUNC_OK;
}

/* The reply limit: a reply is read no further than it may be stored. */
static int reply_exceeds(exchange_t *x, apr_off_t more)
{
    if (x->max_reply >= 0 && more > x->max_reply - x->stored)
        x->too_large = 1;
    return x->too_large;
}

static size_t write_reply(char *buf, size_t size, size_t n, void *data)
{
    exchange_t *x = data;
    apr_size_t len = size * n;

    /* By reference, an error answer or a static URL: the body is no reply. */
    if (!x->store_body)
        return len;
    if (reply_exceeds(x, (apr_off_t)len))
        return 0;                         /* makes curl stop with an error */
    if ((x->io_error = apr_file_write_full(x->reply, buf, len, NULL)) != APR_SUCCESS)
        return 0;
    x->stored += (apr_off_t)len;
    return len;
}

/* Value of "Name: value\r\n" if the header line is `name`, else NULL. */
static const char *header_value(const char *line, size_t len, const char *name,
                                apr_pool_t *p)
{
    size_t nlen = strlen(name);
    const char *v, *end = line + len;

    if (len <= nlen || strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
        return NULL;
    for (v = line + nlen + 1; v < end && (*v == ' ' || *v == '\t'); v++)
        ;
    while (end > v && apr_isspace(end[-1]))
        end--;
    return apr_pstrndup(p, v, end - v);
}

static size_t read_header(char *buf, size_t size, size_t n, void *data)
{
    exchange_t *x = data;
    size_t len = size * n;
    const char *v;

    /* A new status line starts a new response (after a 1xx): forget the old. */
    if (len > 5 && !strncmp(buf, "HTTP/", 5)) {
        const char *sp = memchr(buf, ' ', len);
        x->res->static_url = NULL;
        x->res->copy_to_dest = 0;
        x->status = sp ? atoi(sp + 1) : 0;
        x->content_length = -1;
        x->store_body = 0;
    }
    else if ((v = header_value(buf, len, BITS_H_STATIC_URL, x->pool)) != NULL) {
        x->res->static_url = v;
    }
    else if (header_value(buf, len, BITS_H_COPY_FILE, x->pool)) {
        x->res->copy_to_dest = 1;
    }
    else if ((v = header_value(buf, len, "Content-Length", x->pool)) != NULL) {
        if (bits_parse_length(v, &x->content_length) != 0)
            x->content_length = -1;
    }
    else if (buf[0] == '\r' || buf[0] == '\n') {
        /* End of the headers: decide whether the body is the reply, and
         * refuse an announced length over the limit before reading it. */
        x->store_body = x->reply && x->status / 100 == 2 && !x->res->static_url;
        if (x->store_body && x->content_length >= 0
            && reply_exceeds(x, x->content_length))
            return 0;
    }
    return len;
}

static bits_notify_outcome_t classify(CURLcode rc)
{
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return BITS_NOTIFY_TIMEOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SEND_FAIL_REWIND:
        return BITS_NOTIFY_UNREACHABLE;
    default:
        return BITS_NOTIFY_GARBAGE;
    }
}

static struct curl_slist *request_headers(const bits_notice_t *n, apr_pool_t *p)
{
    struct curl_slist *h = NULL;

    h = curl_slist_append(h, apr_pstrcat(p, BITS_H_ORIGINAL_URL ": ", n->original_url,
                                         NULL));
    h = curl_slist_append(h, apr_pstrcat(p, BITS_H_TRANSACTION ": ", n->session_id, NULL));
    if (n->type == BITS_NOTIFY_REFERENCE) {
        h = curl_slist_append(h, apr_pstrcat(p, BITS_H_REQUEST_FILE ": ",
                                             n->request_file, NULL));
        h = curl_slist_append(h, apr_pstrcat(p, BITS_H_RESPONSE_FILE ": ",
                                             n->response_file, NULL));
    }
    h = curl_slist_append(h, "Accept: */*");
    h = curl_slist_append(h, "Expect:");          /* IIS sends no 100-continue */
    h = curl_slist_append(h, "Content-Type:");    /* nor a form content type */
    return h;
}

/* Runs the POST; the caller has opened the files in x. */
static void post(const bits_notice_t *n, exchange_t *x)
{
    bits_notice_result_t *res = x->res;
    struct curl_slist *headers = request_headers(n, x->pool);
    char errbuf[CURL_ERROR_SIZE] = "";
    long timeout_ms = (long)apr_time_as_msec(n->timeout), status = 0;
    CURL *h = curl_easy_init();
    CURLcode rc;

    if (!h) {
        res->outcome = BITS_NOTIFY_LOCAL_ERROR;
        res->error = "cannot create a libcurl handle";
        curl_slist_free_all(headers);
        return;
    }
    curl_easy_setopt(h, CURLOPT_URL, n->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     timeout_ms < CONNECT_TIMEOUT_MS ? timeout_ms : CONNECT_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_USERAGENT, n->user_agent ? n->user_agent : BITS_USER_AGENT);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)(n->type == BITS_NOTIFY_VALUE ? n->size : 0));
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(h, CURLOPT_READDATA, x);
    curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, seek_upload);
    curl_easy_setopt(h, CURLOPT_SEEKDATA, x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_reply);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, read_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    if (share)
        curl_easy_setopt(h, CURLOPT_SHARE, share);

    rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (x->too_large) {
        res->outcome = BITS_NOTIFY_REPLY_TOO_LARGE;
        res->error = apr_psprintf(x->pool, "the reply is longer than %" APR_OFF_T_FMT
                                  " bytes", x->max_reply);
    }
    else if (x->io_error != APR_SUCCESS) {
        res->outcome = BITS_NOTIFY_LOCAL_ERROR;
        res->error = "reading the upload or writing the reply failed";
    }
    else if (rc != CURLE_OK) {
        res->outcome = classify(rc);
        res->error = apr_pstrdup(x->pool, *errbuf ? errbuf : curl_easy_strerror(rc));
    }
    else if (status < 100 || status > 599) {
        res->outcome = BITS_NOTIFY_GARBAGE;
        res->error = "the answer has no valid HTTP status";
    }
    else {
        res->outcome = BITS_NOTIFY_ANSWERED;
        res->status = (int)status;
    }
    curl_easy_cleanup(h);
    curl_slist_free_all(headers);
}

void bits_notify(const bits_notice_t *n, bits_notice_result_t *res, apr_pool_t *p)
{
    const char *tmp = apr_pstrcat(p, n->response_file, ".part", NULL);
    exchange_t x = { p, NULL, NULL, APR_SUCCESS, res, n->max_reply, 0, -1, 0, 0, 0 };
    apr_status_t rv = APR_SUCCESS;

    memset(res, 0, sizeof *res);
    if (n->type == BITS_NOTIFY_VALUE) {
        rv = apr_file_open(&x.upload, n->request_file, APR_FOPEN_READ | APR_FOPEN_BINARY,
                           APR_FPROT_OS_DEFAULT, p);
        if (rv == APR_SUCCESS) {
            apr_file_remove(tmp, p);
            rv = bits_open_nofollow(&x.reply, tmp, 1, p);
        }
        if (rv == APR_SUCCESS)
            rv = apr_file_trunc(x.reply, 0);
    }
    if (rv != APR_SUCCESS) {
        res->outcome = BITS_NOTIFY_LOCAL_ERROR;
        res->error = "cannot open the upload or the reply file";
        return;
    }
    post(n, &x);
    if (x.upload)
        apr_file_close(x.upload);
    if (!x.reply)
        return;
    /* The reply becomes visible only whole, and only from a success. */
    rv = apr_file_sync(x.reply);
    apr_file_close(x.reply);
    if (res->outcome == BITS_NOTIFY_ANSWERED && res->status / 100 == 2
        && !res->static_url) {
        if (rv == APR_SUCCESS)
            rv = apr_file_rename(tmp, n->response_file, p);
        if (rv != APR_SUCCESS) {
            res->outcome = BITS_NOTIFY_LOCAL_ERROR;
            res->error = "cannot store the reply";
        }
    }
    apr_file_remove(tmp, p);
}

apr_interval_time_t bits_notify_backoff(int failures, apr_interval_time_t first)
{
    apr_interval_time_t cap = first > BITS_NOTIFY_BACKOFF_CAP ? first
                                                              : BITS_NOTIFY_BACKOFF_CAP;
    apr_interval_time_t wait = first;

    if (first <= 0 || failures <= 0)
        return 0;
    while (--failures > 0 && wait < cap)
        wait *= 2;
    return wait < cap ? wait : cap;
}

apr_interval_time_t bits_notify_wait_left(apr_time_t not_before, apr_time_t now,
                                          apr_interval_time_t first)
{
    apr_interval_time_t left = not_before - now;

    if (not_before <= 0 || left <= 0 || left > bits_notify_backoff(INT_MAX, first))
        return 0;
    return left;
}

bits_ack_t bits_notify_failure_ack(const bits_notice_result_t *res)
{
    bits_ack_t ack = { 0, 0, BITS_CONTEXT_APPLICATION };

    switch (res->outcome) {
    case BITS_NOTIFY_ANSWERED:           /* §11.7: the application's status */
        ack.status = res->status;
        ack.code = BITS_E_HTTP(res->status);
        break;
    case BITS_NOTIFY_TIMEOUT:
        ack.status = 408;
        ack.code = BITS_E_TIMEOUT;
        break;
    case BITS_NOTIFY_UNREACHABLE:
        ack.status = 503;
        ack.code = BITS_E_HTTP(503);
        break;
    case BITS_NOTIFY_GARBAGE:           /* §9 row 27: an unusable answer */
    case BITS_NOTIFY_REPLY_TOO_LARGE:   /* fatal: retrying gives the same reply */
        ack.status = 400;
        ack.code = BITS_E_INVALIDARG;
        break;
    default:
        ack.status = 500;
        ack.code = BITS_E_FAIL;
        break;
    }
    return ack;
}
