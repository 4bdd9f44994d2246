/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The notification URL (bits_notify_url): the configured reference
 * resolved against the upload's URL, plus the client's query string.
 * Input: "ref NUL dest_url", the destination as httpd lets a client shape
 * it (see fuzz_dest_url; "http://" is added in front).  References with a
 * scheme other than http(s), with bytes outside printable ASCII or with
 * %-escapes in the host are skipped: BITSServerNotificationURL is the
 * administrator's, an http(s) or relative reference.
 * Properties: the result is NULL or one well-formed absolute http(s) URL of
 * printable ASCII, at most BITS_MAX_URL; a relative reference (no scheme,
 * no "//") never moves the request to another host. */
#include <string.h>
#include <strings.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "bits_notify.h"
#include "fuzz_common.h"

/* RFC 3986 §3.1: scheme ":" before any '/', '?' or '#'. */
static const char *scheme_of(const char *ref, apr_pool_t *p)
{
    size_t len = strspn(ref, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "0123456789+-.");

    return (len > 0 && apr_isalpha(ref[0]) && ref[len] == ':')
           ? apr_pstrmemdup(p, ref, len) : NULL;
}

/* 1 if the reference has an authority ("//host") with a '%' in it. */
static int escaped_host(const char *ref, const char *scheme)
{
    const char *auth = ref + (scheme ? strlen(scheme) + 1 : 0);

    if (strncmp(auth, "//", 2) != 0)
        return 0;
    auth += strspn(auth, "/");       /* libcurl takes "///h" as "//h" */
    return memchr(auth, '%', strcspn(auth, "/?#")) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *f[2], *ref, *dest, *scheme, *url;

    fuzz_fields(data, size, f, 2, p);
    ref = f[0];
    dest = fuzz_dest_url(f[1] ? f[1] : "127.0.0.1/up/file.bin", p);
    if (dest == NULL)
        return 0;
    scheme = scheme_of(ref, p);
    if (!fuzz_is_printable_token(ref) || escaped_host(ref, scheme)
        || (scheme && strcasecmp(scheme, "http") && strcasecmp(scheme, "https")))
        return 0;

    url = bits_notify_url(ref, dest, p);
    if (url == NULL)
        return 0;
    fuzz_check_url(url, BITS_MAX_URL, "notification URL");
    if (!scheme && strncmp(ref, "//", 2) != 0) {
        const char *from = fuzz_url_host(dest, p), *to = fuzz_url_host(url, p);
        FUZZ_CHECK(from && to && strcasecmp(from, to) == 0,
                   "relative \"%s\" against \"%s\" went to host %s", ref, dest,
                   to ? to : "(none)");
    }
    return 0;
}
