/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* A reply URL the application names (BITS-Static-Response-URL), checked by
 * bits_notify_static_url_ok before it is stored and sent to the client in
 * BITS-Reply-URL.  Input: the header value.
 * Property: an accepted URL is one well-formed absolute http(s) URL of
 * printable ASCII (no control character, blank or DEL), at most
 * BITS_MAX_URL (issue 6 item 9). */
#include "bits_notify.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *url = fuzz_cstr(data, size, p);

    if (bits_notify_static_url_ok(url))
        fuzz_check_url(url, BITS_MAX_URL, "accepted static reply URL");
    return 0;
}
