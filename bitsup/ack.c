/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Parsing of Acks (spec §2.2, §3) and the client's classification of
 * failures (spec §8.2, §11.7).  Follows the protocol rather than mod_bits'
 * habits: header names case-insensitive, any status line reason. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "bitsup.h"

void ack_reset(struct bits_ack *ack)
{
    memset(ack, 0, sizeof *ack);
    ack->fallback_timeout = -1;
    ack->received = -1;
    ack->content_length = -1;
    ack->range_start = -1;
    ack->range_total = -1;
}

static void copy_value(char *dst, size_t size, const char *v, size_t len)
{
    if (len >= size)
        len = size - 1;
    memcpy(dst, v, len);
    dst[len] = '\0';
}

static int parse_ll(const char *s, long long *out)
{
    char *end;
    long long v;
    if (!isdigit((unsigned char)*s))
        return 0;
    v = strtoll(s, &end, 10);
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end != '\0' || v < 0)
        return 0;
    *out = v;
    return 1;
}

/* "HTTP/1.1 200 OK": a new response starts (after a 401 challenge or a
 * 100), so everything learnt from the previous one is dropped. */
static void status_line(struct bits_ack *ack, const char *line)
{
    const char *p = strchr(line, ' ');
    CURLcode rc = ack->curl_rc;
    ack_reset(ack);
    ack->curl_rc = rc;
    if (!p)
        return;
    ack->status = strtol(p + 1, NULL, 10);
    p = strchr(p + 1, ' ');
    if (p)
        copy_value(ack->reason, sizeof ack->reason, p + 1, strlen(p + 1));
}

static void content_range(struct bits_ack *ack, const char *v)
{
    long long a, b, t;
    if (sscanf(v, "bytes %lld-%lld/%lld", &a, &b, &t) == 3) {
        ack->range_start = a;
        ack->range_total = t;
    } else if (sscanf(v, "bytes */%lld", &t) == 1) {
        ack->range_total = t;       /* a 416: the size of the whole entity */
    }
}

static void header(struct bits_ack *ack, const char *name, const char *v)
{
    long long n;
    if (!strcasecmp(name, "BITS-Packet-Type"))
        ack->is_ack = !strcasecmp(v, "Ack");
    else if (!strcasecmp(name, "BITS-Session-Id"))
        copy_value(ack->session_id, sizeof ack->session_id, v, strlen(v));
    else if (!strcasecmp(name, "BITS-Protocol"))
        copy_value(ack->protocol, sizeof ack->protocol, v, strlen(v));
    else if (!strcasecmp(name, "BITS-Host-Id"))
        copy_value(ack->host_id, sizeof ack->host_id, v, strlen(v));
    else if (!strcasecmp(name, "BITS-Host-Id-Fallback-Timeout") && parse_ll(v, &n))
        ack->fallback_timeout = n;
    else if (!strcasecmp(name, "BITS-Received-Content-Range") && parse_ll(v, &n))
        ack->received = n;
    else if (!strcasecmp(name, "BITS-Reply-URL"))
        copy_value(ack->reply_url, sizeof ack->reply_url, v, strlen(v));
    else if (!strcasecmp(name, "BITS-Error-Code") || !strcasecmp(name, "BITS-Error")) {
        /* MC-BUP spells it BITS-Error; the SDK and IIS BITS-Error-Code. */
        ack->has_error = 1;
        ack->error_code = strtoul(v, NULL, 16);
    } else if (!strcasecmp(name, "BITS-Error-Context"))
        ack->error_context = strtoul(v, NULL, 16);
    else if (!strcasecmp(name, "Content-Length") && parse_ll(v, &n))
        ack->content_length = n;
    else if (!strcasecmp(name, "Content-Range"))
        content_range(ack, v);
}

/* Called by curl for every header line, CRLF included. */
void ack_header_line(struct bits_ack *ack, const char *line, size_t len)
{
    char buf[4200], *colon, *v, *end;
    if (len >= sizeof buf)
        return;         /* longer than any header the protocol allows */
    memcpy(buf, line, len);
    buf[len] = '\0';
    end = buf + len;
    while (end > buf && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        *--end = '\0';
    if (!strncmp(buf, "HTTP/", 5)) {
        status_line(ack, buf);
        return;
    }
    colon = strchr(buf, ':');
    if (!colon)
        return;
    *colon = '\0';
    v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    header(ack, buf, v);
}

struct hresult_text {
    unsigned long code;
    const char *text;
};

/* The codes of spec §9 with the meaning a user needs. */
static const struct hresult_text hresults[] = {
    { 0x80070057UL, "the server found the request invalid (E_INVALIDARG)" },
    { 0x80070005UL, "access denied: not allowed, the file exists, or uploads are disabled (E_ACCESSDENIED)" },
    { 0x80004005UL, "internal server error (E_FAIL)" },
    { 0x80070070UL, "the server's disk is full (ERROR_DISK_FULL)" },
    { 0x800705B4UL, "the server application did not answer in time (ERROR_TIMEOUT)" },
    { 0x8020001FUL, "the server does not know the session (BG_E_SESSION_NOT_FOUND)" },
    { 0x80200020UL, "the file is larger than the server accepts (BG_E_TOO_LARGE)" },
    { 0x80200023UL, "the destination directory has execute rights; uploads refused (BG_E_SERVER_EXECUTE_ENABLED)" },
    { 0x0UL,        "the fragment did not start at the server's next byte" },
};

const char *hresult_meaning(unsigned long code)
{
    size_t i;
    for (i = 0; i < sizeof hresults / sizeof hresults[0]; i++)
        if (hresults[i].code == code)
            return hresults[i].text;
    if ((code & 0xFFFF0000UL) == 0x80190000UL)
        return "HTTP error status (BG_E_HTTP_ERROR_nnn)";
    return "unknown error code";
}

/* One line: "HTTP 403 Forbidden, BITS-Error-Code 0x80070005: access denied ..." */
void ack_describe(const struct bits_ack *ack, char *buf, size_t size)
{
    int n;
    if (ack->status == 0) {
        snprintf(buf, size, "%s", ack->curl_err[0] ? ack->curl_err
                 : curl_easy_strerror(ack->curl_rc));
        return;
    }
    n = snprintf(buf, size, "HTTP %ld%s%s", ack->status,
                 ack->reason[0] ? " " : "", ack->reason);
    if (n < 0 || (size_t)n >= size)
        return;
    if (ack->has_error && (ack->error_code & 0xFFFF0000UL) == 0x80190000UL)
        snprintf(buf + n, size - n, ", BITS-Error-Code 0x%08lX%s: HTTP error %lu (BG_E_HTTP_ERROR_%lu)",
                 ack->error_code,
                 ack->error_context == 7 ? " from the server application" : "",
                 ack->error_code & 0xFFFFUL, ack->error_code & 0xFFFFUL);
    else if (ack->has_error)
        snprintf(buf + n, size - n, ", BITS-Error-Code 0x%08lX%s: %s",
                 ack->error_code,
                 ack->error_context == 7 ? " from the server application" : "",
                 hresult_meaning(ack->error_code));
    else if (!ack->is_ack && ack->status != 200)
        snprintf(buf + n, size - n, " (not a BITS answer)");
}

/* Certificate problems are never retried: waiting does not fix them. */
int ack_is_tls_failure(const struct bits_ack *ack)
{
    switch (ack->curl_rc) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return 1;
    default:
        return 0;
    }
}

/* Spec §11.7: connect errors, 408, 409, 5xx except 501 and 505, 3xx except
 * the redirections; never 500 with BG_E_TOO_LARGE or (handled by the
 * caller) BG_E_SESSION_NOT_FOUND. */
int ack_is_transient(const struct bits_ack *ack)
{
    long s = ack->status;
    if (s == 0)
        return !ack_is_tls_failure(ack) && ack->curl_rc != CURLE_UNSUPPORTED_PROTOCOL
               && ack->curl_rc != CURLE_URL_MALFORMAT
               && ack->curl_rc != CURLE_READ_ERROR
               && ack->curl_rc != CURLE_ABORTED_BY_CALLBACK;
    if (ack->has_error && (ack->error_code == HR_TOO_LARGE
                           || ack->error_code == HR_SESSION_NOT_FOUND))
        return 0;
    if (s == 408 || s == 409)
        return 1;
    if (s >= 500 && s <= 599)
        return s != 501 && s != 505;
    if (s >= 300 && s <= 399)
        return !(s <= 305 || s == 307);
    return 0;
}
