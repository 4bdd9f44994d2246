/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Session ids from BITS-Session-Id and from paths (bits_guid_canonical).
 * Input: the id as the client sent it.
 * Properties: an accepted id is the {8-4-4-4-12} form, 38 characters, and
 * equals the input but for case; its canonical form is upper-case and
 * canonical again unchanged (idempotent); a refused id leaves "" behind.
 * Every id bits_guid_new makes is canonical already. */
#include <string.h>
#include <strings.h>
#include <apr_lib.h>
#include "bits_guid.h"
#include "fuzz_common.h"

static void check_layout(const char *id, const char *in)
{
    int i;

    FUZZ_CHECK(strlen(id) == BITS_GUID_LEN, "\"%s\" (from \"%s\") is not %d characters",
               id, in, BITS_GUID_LEN);
    for (i = 0; i < BITS_GUID_LEN; i++) {
        char c = id[i];
        if (i == 0)
            FUZZ_CHECK(c == '{', "no '{' in \"%s\"", id);
        else if (i == BITS_GUID_LEN - 1)
            FUZZ_CHECK(c == '}', "no '}' in \"%s\"", id);
        else if (i == 9 || i == 14 || i == 19 || i == 24)
            FUZZ_CHECK(c == '-', "no '-' at %d in \"%s\"", i, id);
        else
            FUZZ_CHECK(apr_isxdigit(c) && !apr_islower(c),
                       "'%c' at %d of \"%s\" is not an upper-case hex digit", c, i, id);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char id[BITS_GUID_LEN + 1], canon[BITS_GUID_LEN + 1];
    int i;

    (void)argc;
    (void)argv;
    fuzz_pool();                     /* apr_initialize for the random source */
    for (i = 0; i < 64; i++) {
        FUZZ_CHECK(bits_guid_new(id) == APR_SUCCESS, "bits_guid_new failed");
        FUZZ_CHECK(bits_guid_canonical(id, canon) && strcmp(id, canon) == 0,
                   "new id \"%s\" is not canonical", id);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *in = fuzz_cstr(data, size, p);
    char out[BITS_GUID_LEN + 1], again[BITS_GUID_LEN + 1];

    memset(out, 'x', sizeof out);
    if (!bits_guid_canonical(in, out)) {
        FUZZ_CHECK(out[0] == '\0', "refused \"%s\" but left output behind", in);
        return 0;
    }
    check_layout(out, in);
    FUZZ_CHECK(strcasecmp(in, out) == 0, "\"%s\" became \"%s\"", in, out);
    FUZZ_CHECK(bits_guid_canonical(out, again) && strcmp(out, again) == 0,
               "canonical form \"%s\" is not idempotent", out);
    return 0;
}
