/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The HTTP transport: one libcurl easy handle reused for every packet, so
 * that the keep-alive connection (and connection-bound Negotiate
 * authentication) carries the whole session as with Windows (spec §2.1).
 * Fragment bodies are streamed from the file with pread(); nothing is read
 * whole. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bitsup.h"

struct http {
    CURL *curl;
    const struct options *opt;
    struct bits_ack *ack;
    struct body_source *body;
    http_progress_fn progress;
    void *progress_ctx;
    FILE *out;
};

static size_t on_header(char *line, size_t size, size_t n, void *userdata)
{
    struct http *h = userdata;
    ack_header_line(h->ack, line, size * n);
    return size * n;
}

/* Acks have no body; a non-BITS server's error page is discarded.  A reply
 * download writes its body only when the answer is the one asked for. */
static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
    struct http *h = userdata;
    if (h->out && (h->ack->status == 200 || h->ack->status == 206))
        return fwrite(data, size, n, h->out) == n ? size * n : 0;
    return size * n;
}

static size_t on_read(char *buf, size_t size, size_t n, void *userdata)
{
    struct body_source *b = userdata;
    size_t want = size * n;
    ssize_t got;
    if ((off_t)want > b->length - b->sent)
        want = (size_t)(b->length - b->sent);
    if (want == 0)
        return 0;
    got = pread(b->fd, buf, want, b->start + b->sent);
    if (got <= 0)
        return CURL_READFUNC_ABORT;    /* the file shrank or failed: local error */
    b->sent += got;
    return (size_t)got;
}

/* curl rewinds the body when it has to resend it (an auth challenge). */
static int on_seek(void *userdata, curl_off_t offset, int origin)
{
    struct body_source *b = userdata;
    if (origin != SEEK_SET || offset < 0 || offset > b->length)
        return CURL_SEEKFUNC_CANTSEEK;
    b->sent = offset;
    return CURL_SEEKFUNC_OK;
}

static int on_xfer(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                   curl_off_t ultotal, curl_off_t ulnow)
{
    struct http *h = userdata;
    (void)dltotal; (void)ultotal;
    if (h->progress)
        h->progress(h->progress_ctx, h->out ? dlnow : ulnow);
    return 0;
}

static void set_auth(CURL *c, const struct options *opt)
{
    if (opt->negotiate) {
        /* GSS-API uses the ticket cache; curl wants a (blank) user set. */
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_NEGOTIATE);
        curl_easy_setopt(c, CURLOPT_USERPWD, ":");
        return;
    }
    if (opt->user) {
        curl_easy_setopt(c, CURLOPT_USERNAME, opt->user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, opt->password ? opt->password : "");
        /* Without --basic curl waits for the server's challenge and picks
         * the best scheme offered; with it Basic goes out at once. */
        curl_easy_setopt(c, CURLOPT_HTTPAUTH,
                         opt->basic ? CURLAUTH_BASIC : CURLAUTH_BASIC | CURLAUTH_DIGEST);
    }
    curl_easy_setopt(c, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
    if (opt->netrc_file)
        curl_easy_setopt(c, CURLOPT_NETRC_FILE, opt->netrc_file);
}

struct http *http_open(const struct options *opt, char *errbuf, size_t errsize)
{
    struct http *h = calloc(1, sizeof *h);
    CURL *c;
    if (!h || !(c = curl_easy_init())) {
        snprintf(errbuf, errsize, "cannot initialise libcurl");
        free(h);
        return NULL;
    }
    h->curl = c;
    h->opt = opt;
    curl_easy_setopt(c, CURLOPT_USERAGENT, "bitsup/" BITSUP_VERSION " (BITS 1.5 upload)");
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_xfer);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, opt->connect_timeout);
    /* Windows' defaults: a request that stalls is abandoned and retried. */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 300L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (opt->cacert)
        curl_easy_setopt(c, CURLOPT_CAINFO, opt->cacert);
    if (opt->limit_rate > 0) {
        curl_easy_setopt(c, CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t)opt->limit_rate);
        curl_easy_setopt(c, CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t)opt->limit_rate);
    }
    set_auth(c, opt);
    return h;
}

void http_close(struct http *h)
{
    if (!h)
        return;
    curl_easy_cleanup(h->curl);
    free(h);
}

void http_on_progress(struct http *h, http_progress_fn fn, void *ctx)
{
    h->progress = fn;
    h->progress_ctx = ctx;
}

static struct curl_slist *add_header(struct curl_slist *l, const char *name,
                                     const char *value)
{
    char line[4400];
    if (!value)
        return l;
    snprintf(line, sizeof line, "%s: %s", name, value);
    return curl_slist_append(l, line);
}

static void perform(struct http *h, const char *url, struct bits_ack *ack)
{
    ack_reset(ack);
    h->ack = ack;
    curl_easy_setopt(h->curl, CURLOPT_URL, url);
    curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, ack->curl_err);
    ack->curl_rc = curl_easy_perform(h->curl);
    if (ack->curl_rc != CURLE_OK)
        ack->status = 0;       /* a half-read answer is no answer */
    h->ack = NULL;
}

void http_bits_post(struct http *h, const char *url, const char *packet,
                    const char *session_id, const char *content_name,
                    const char *content_range, struct body_source *body,
                    struct bits_ack *ack)
{
    CURL *c = h->curl;
    struct curl_slist *hdr = NULL;

    hdr = add_header(hdr, "BITS-Packet-Type", packet);
    if (!strcmp(packet, "Create-Session"))
        hdr = add_header(hdr, "BITS-Supported-Protocols", BITS_PROTOCOL_GUID);
    hdr = add_header(hdr, "BITS-Session-Id", session_id);
    hdr = add_header(hdr, "Content-Name", content_name);
    hdr = add_header(hdr, "Content-Range", content_range);
    hdr = add_header(hdr, "Accept", "*/*");
    /* Windows sends neither; curl would add both to a POST (spec §2.1). */
    hdr = curl_slist_append(hdr, "Expect:");
    hdr = curl_slist_append(hdr, "Content-Type:");

    curl_easy_setopt(c, CURLOPT_HTTPGET, 0L);
    curl_easy_setopt(c, CURLOPT_NOBODY, 0L);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "BITS_POST");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    if (body) {
        body->sent = 0;
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, body);
        curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(c, CURLOPT_SEEKDATA, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->length);
    } else {
        /* Every packet carries Content-Length, 0 here (spec §2.1). */
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
    }
    h->out = NULL;
    perform(h, url, ack);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdr);
}

/* GET url from byte `from` on (a Range request when from > 0). */
void http_get(struct http *h, const char *url, long long from, FILE *out,
              struct bits_ack *ack)
{
    CURL *c = h->curl;
    char range[64];
    struct curl_slist *hdr = curl_slist_append(NULL, "Accept-Encoding: identity");

    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    if (from > 0) {
        snprintf(range, sizeof range, "%lld-", from);
        curl_easy_setopt(c, CURLOPT_RANGE, range);
    } else {
        curl_easy_setopt(c, CURLOPT_RANGE, NULL);
    }
    h->out = out;
    perform(h, url, ack);
    h->out = NULL;
    curl_easy_setopt(c, CURLOPT_RANGE, NULL);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdr);
}
