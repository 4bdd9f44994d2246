/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* URL helpers on top of libcurl's URL API: validation, the destination
 * name for a URL ending in '/', host replacement for BITS-Host-Id (§10) and
 * resolution of a relative BITS-Reply-URL (§12.1). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "bitsup.h"

const char *file_base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The URL without user name and password, for output, JSON and the state
 * file: credentials in a URL are never printed or stored. */
char *url_redacted(const char *url)
{
    CURLU *u = curl_url();
    char *result = NULL, *copy = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK
        && curl_url_set(u, CURLUPART_USER, NULL, 0) == CURLUE_OK
        && curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) == CURLUE_OK
        && curl_url_get(u, CURLUPART_URL, &result, 0) == CURLUE_OK)
        copy = strdup(result);
    curl_free(result);
    curl_url_cleanup(u);
    /* Unparsable: shown only up to any '@', which may end a password. */
    if (!copy && (copy = strdup(url)) && strchr(copy, '@'))
        strcpy(strchr(copy, '@'), "@...");
    return copy;
}

int url_check(const char *url, char *err, size_t errsize)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *shown = url_redacted(url);
    int ok = 0;
    if (!u || !shown)
        snprintf(err, errsize, "out of memory");
    else if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        snprintf(err, errsize, "not a valid URL: %s", shown);
    else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK
             || (strcasecmp(scheme, "http") && strcasecmp(scheme, "https")))
        snprintf(err, errsize, "not an http:// or https:// URL: %s", shown);
    else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host)
        snprintf(err, errsize, "URL has no host: %s", shown);
    else
        ok = 1;
    free(shown);
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}

/* Percent-encodes everything but RFC 3986 unreserved characters, so a
 * UTF-8 name arrives as the spec says (§2.1). */
static char *encode_segment(const char *name)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(name);
    char *out = malloc(3 * n + 1), *o = out;
    const unsigned char *p;
    if (!out)
        return NULL;
    for (p = (const unsigned char *)name; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')
            || (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

/* A URL whose path ends in '/' names a directory: the file keeps its name. */
char *url_for_file(const char *url, const char *file)
{
    CURLU *u = curl_url();
    char *path = NULL, *enc, *joined, *result = NULL;
    size_t len;
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK
        || curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
        curl_url_cleanup(u);
        return strdup(url);
    }
    len = strlen(path);
    if (len == 0 || path[len - 1] != '/') {
        curl_free(path);
        curl_url_cleanup(u);
        return strdup(url);
    }
    enc = encode_segment(file_base_name(file));
    joined = enc ? malloc(len + strlen(enc) + 1) : NULL;
    if (joined) {
        strcpy(joined, path);
        strcat(joined, enc);
        if (curl_url_set(u, CURLUPART_PATH, joined, 0) == CURLUE_OK)
            curl_url_get(u, CURLUPART_URL, &result, 0);
    }
    free(enc);
    free(joined);
    curl_free(path);
    curl_url_cleanup(u);
    if (result) {
        char *copy = strdup(result);
        curl_free(result);
        return copy;
    }
    return strdup(url);
}

/* The same URL with another host (scheme, port and path unchanged); an
 * IPv6 literal gets its brackets. */
char *url_with_host(const char *url, const char *host)
{
    CURLU *u = curl_url();
    char *result = NULL, *copy = NULL, bracketed[340];
    if (strchr(host, ':') && host[0] != '[') {
        snprintf(bracketed, sizeof bracketed, "[%s]", host);
        host = bracketed;
    }
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK
        && curl_url_set(u, CURLUPART_HOST, host, 0) == CURLUE_OK
        && curl_url_get(u, CURLUPART_URL, &result, 0) == CURLUE_OK)
        copy = strdup(result);
    curl_free(result);
    curl_url_cleanup(u);
    return copy;
}

/* IIS sends a relative reply URL with back-slashes (§12.1); it is relative
 * to the destination URL. */
char *url_resolve(const char *base, const char *ref)
{
    CURLU *u = curl_url();
    char *fixed = strdup(ref), *p, *result = NULL, *copy = NULL;
    if (!fixed || !u) {
        free(fixed);
        curl_url_cleanup(u);
        return NULL;
    }
    for (p = fixed; *p; p++)
        if (*p == '\\')
            *p = '/';
    if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK
        && curl_url_set(u, CURLUPART_URL, fixed, 0) == CURLUE_OK
        && curl_url_get(u, CURLUPART_URL, &result, 0) == CURLUE_OK)
        copy = strdup(result);
    curl_free(result);
    curl_url_cleanup(u);
    free(fixed);
    return copy;
}
