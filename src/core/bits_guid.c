/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Session ids: random version-4 GUIDs in the brace form IIS uses (§3.2),
 * and the strict check that lets only that form reach a path.  APR only. */
#include <apr_general.h>
#include <apr_lib.h>
#include "bits_guid.h"

#define GUID_BYTES 16

/* What belongs at each position of "{8-4-4-4-12}": the punctuation
 * character itself, or 0 where a hex digit goes. */
static char layout_at(int pos)
{
    switch (pos) {
    case 0:
        return '{';
    case BITS_GUID_LEN - 1:
        return '}';
    case 9: case 14: case 19: case 24:
        return '-';
    default:
        return 0;
    }
}

apr_status_t bits_guid_new(char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    unsigned char b[GUID_BYTES];
    apr_status_t rv;
    int pos, nibble = 0;

    rv = apr_generate_random_bytes(b, sizeof b);
    if (rv != APR_SUCCESS)
        return rv;
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);   /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);   /* RFC 4122 variant */

    for (pos = 0; pos < BITS_GUID_LEN; pos++) {
        char c = layout_at(pos);
        if (c == 0) {
            unsigned v = b[nibble / 2];
            c = hex[(nibble % 2 == 0) ? (v >> 4) : (v & 0x0F)];
            nibble++;
        }
        out[pos] = c;
    }
    out[BITS_GUID_LEN] = '\0';
    return APR_SUCCESS;
}

int bits_guid_canonical(const char *in, char *out)
{
    int pos;

    if (in == NULL) {
        out[0] = '\0';
        return 0;
    }
    /* A NUL fails every position's test, so this never reads past the end
     * of a short string; in[BITS_GUID_LEN] is read only after 38 non-NULs. */
    for (pos = 0; pos < BITS_GUID_LEN; pos++) {
        char want = layout_at(pos);
        char c = in[pos];
        if (want != 0 ? c != want : !apr_isxdigit(c)) {
            out[0] = '\0';
            return 0;
        }
        out[pos] = (char)apr_toupper(c);
    }
    if (in[BITS_GUID_LEN] != '\0') {
        out[0] = '\0';
        return 0;
    }
    out[BITS_GUID_LEN] = '\0';
    return 1;
}
