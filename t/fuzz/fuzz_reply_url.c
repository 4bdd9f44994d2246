/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The reply URL the client is given (bits_reply_url): next to the
 * destination, on BITSHostId if set.  Input: "dest_url NUL id NUL host".
 * The destination is one httpd lets a client shape (see fuzz_dest_url;
 * "http://" is added in front), the id is canonical (a fixed one if the field is not), and the
 * host is absent or one BITSHostId accepts (1-300 of alnum and "-._:[]").
 * Properties: the result is NULL or one well-formed absolute http(s) URL of
 * printable ASCII, at most BITS_MAX_URL, ending in the session's
 * responsefile.bin, on the configured host when one is given. */
#include <string.h>
#include <strings.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "bits_guid.h"
#include "bits_notify.h"
#include "fuzz_common.h"

static int host_id_ok(const char *h)
{
    size_t len = strlen(h);

    return len >= 1 && len <= 300
           && strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789-._:[]") == len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *f[3], *dest, *host, *url, *tail, *got, *want;
    char id[BITS_GUID_LEN + 1];

    fuzz_fields(data, size, f, 3, p);
    if ((dest = fuzz_dest_url(f[0], p)) == NULL)
        return 0;
    if (!f[1] || !bits_guid_canonical(f[1], id))
        strcpy(id, "{6A1C2F1E-0B5D-4C1A-9F3E-2D4B6C8A0E12}");
    host = f[2];
    if (host && !host_id_ok(host))
        return 0;

    url = bits_reply_url(dest, id, host, p);
    if (url == NULL)
        return 0;
    fuzz_check_url(url, BITS_MAX_URL, "reply URL");
    tail = apr_psprintf(p, "/%%7B%.36s%%7D/responsefile.bin", id + 1);
    FUZZ_CHECK(strlen(url) > strlen(tail)
               && strcmp(url + strlen(url) - strlen(tail), tail) == 0,
               "reply URL \"%s\" does not end in %s", url, tail);
    /* libcurl normalises hosts ("0" is 0.0.0.0): compare its readings. */
    if (host && (want = fuzz_url_host(apr_pstrcat(p, "http://", host, "/", NULL), p))) {
        got = fuzz_url_host(url, p);
        FUZZ_CHECK(got && strcasecmp(got, want) == 0, "reply URL \"%s\" is not on host %s",
                   url, host);
    }
    return 0;
}
