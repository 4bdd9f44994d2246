/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Shared plumbing of the libFuzzer targets; see fuzz_common.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <curl/curl.h>
#include "bits_notify.h"
#include "fuzz_common.h"

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "\n==fuzz== PROPERTY VIOLATED at %s:%d: %s\n==fuzz== ", file, line,
            cond);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

/* The exact-size copies of this input.  They are freed at the start of
 * the next input, and held in a static array meanwhile so LeakSanitizer
 * sees them reachable (APR's pool memory may be mmap'ed, out of its view). */
#define MAX_COPIES 16
static char *copies[MAX_COPIES];
static int ncopies;

apr_pool_t *fuzz_pool(void)
{
    static apr_pool_t *pool;

    if (pool == NULL) {
        if (apr_initialize() != APR_SUCCESS || apr_pool_create(&pool, NULL) != APR_SUCCESS)
            abort();
    }
    apr_pool_clear(pool);
    while (ncopies > 0)
        free(copies[--ncopies]);
    return pool;
}

const char *fuzz_cstr(const uint8_t *data, size_t size, apr_pool_t *p)
{
    const uint8_t *nul = size ? memchr(data, '\0', size) : NULL;
    size_t len = nul ? (size_t)(nul - data) : size;
    char *s = malloc(len + 1);

    (void)p;
    if (s == NULL || ncopies == MAX_COPIES)
        abort();
    memcpy(s, data, len);
    s[len] = '\0';
    copies[ncopies++] = s;
    return s;
}

int fuzz_fields(const uint8_t *data, size_t size, const char **out, int n,
                apr_pool_t *p)
{
    const uint8_t *end = data + size;
    int i = 0;

    while (i < n) {
        const uint8_t *nul = (i < n - 1 && data < end)
                             ? memchr(data, '\0', (size_t)(end - data)) : NULL;

        out[i++] = fuzz_cstr(data, nul ? (size_t)(nul - data) : (size_t)(end - data), p);
        if (nul == NULL)
            break;
        data = nul + 1;
    }
    for (int j = i; j < n; j++)
        out[j] = NULL;
    return i;
}

int fuzz_is_printable_token(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x21 || c > 0x7e)
            return 0;
    }
    return 1;
}

int fuzz_has_http_scheme(const char *s)
{
    return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

const char *fuzz_dest_url(const char *in, apr_pool_t *p)
{
    static const char host_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789-._:[]";
    const char *rest = in, *c, *target;
    size_t host_len;

    if (strncasecmp(in, "http://", 7) == 0)
        rest = in + 7;
    else if (strncasecmp(in, "https://", 8) == 0)
        rest = in + 8;
    host_len = strspn(rest, host_chars);
    if (host_len == 0 || (rest[host_len] != '\0' && rest[host_len] != '/'))
        return NULL;
    for (c = rest + host_len; *c; c++)
        if ((unsigned char)*c <= 0x20 || *c == 0x7f)
            return NULL;
    target = bits_url_target(rest[host_len] ? rest + host_len : "/", p);
    if (target == NULL)
        return NULL;
    FUZZ_CHECK(target[0] == '/' && bits_url_clean(target),
               "bits_url_target(\"%s\") gave \"%s\"", rest + host_len, target);
    return apr_pstrcat(p, rest == in ? "http://" : apr_pstrmemdup(p, in, rest - in),
                       apr_pstrmemdup(p, rest, host_len), target, NULL);
}

const char *fuzz_url_host(const char *url, apr_pool_t *p)
{
    CURLU *u = curl_url();
    char *host = NULL;
    const char *out = NULL;

    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK
        && curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
        out = apr_pstrdup(p, host);
    curl_free(host);
    curl_url_cleanup(u);
    return out;
}

void fuzz_check_url(const char *url, size_t max_len, const char *what)
{
    CURLU *u;
    char *scheme = NULL, *host = NULL;
    int parsed;

    FUZZ_CHECK(strlen(url) <= max_len, "%s: %zu bytes, longer than %zu", what,
               strlen(url), max_len);
    FUZZ_CHECK(fuzz_is_printable_token(url),
               "%s has a control, blank or non-ASCII byte: \"%s\"", what, url);
    FUZZ_CHECK(fuzz_has_http_scheme(url), "%s is not http(s)://: \"%s\"", what, url);
    u = curl_url();
    parsed = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK
             && curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK
             && curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK;
    FUZZ_CHECK(parsed && *host
               && (!strcasecmp(scheme, "http") || !strcasecmp(scheme, "https")),
               "%s is not a well-formed absolute http(s) URL: \"%s\"", what, url);
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
}
