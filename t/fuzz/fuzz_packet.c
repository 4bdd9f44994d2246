/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Header values of every packet: BITS-Packet-Type (bits_packet_parse),
 * Content-Length (bits_parse_length) and BITS-Supported-Protocols
 * (bits_protocol_negotiate).  Input: one header value.
 * Properties: a packet type is recognised only when the trimmed value is
 * its name in some case, and its name parses back to it; a length is
 * accepted only as blanks, digits, blanks, and prints back to the same
 * digits; the protocol is chosen only if the value names it, the choice
 * ignores case, and a list that starts with it always chooses it. */
#include <string.h>
#include <strings.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "bits_protocol.h"
#include "fuzz_common.h"

static const char *trimmed(const char *v, apr_pool_t *p)
{
    const char *end;

    while (*v == ' ' || *v == '\t')
        v++;
    end = v + strlen(v);
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    return apr_pstrmemdup(p, v, (apr_size_t)(end - v));
}

static const char *upper(const char *v, apr_pool_t *p)
{
    char *u = apr_pstrdup(p, v), *c;

    for (c = u; *c; c++)
        *c = (char)apr_toupper(*c);
    return u;
}

static void check_packet_type(const char *v, apr_pool_t *p)
{
    bits_packet_t t = bits_packet_parse(v);

    FUZZ_CHECK(t >= BITS_PACKET_INVALID && t <= BITS_PACKET_CANCEL_SESSION,
               "type %d out of range", (int)t);
    FUZZ_CHECK(bits_packet_parse(upper(v, p)) == t, "packet type depends on case: \"%s\"", v);
    if (t == BITS_PACKET_INVALID)
        return;
    FUZZ_CHECK(strcasecmp(trimmed(v, p), bits_packet_name(t)) == 0,
               "\"%s\" taken for %s", v, bits_packet_name(t));
    FUZZ_CHECK(bits_packet_parse(bits_packet_name(t)) == t, "name of %d does not parse back",
               (int)t);
}

static void check_length(const char *v, apr_pool_t *p)
{
    apr_off_t n = -1, again = -1;
    const char *digits = trimmed(v, p), *printed;

    if (bits_parse_length(v, &n) != 0)
        return;
    FUZZ_CHECK(n >= 0, "negative length %" APR_OFF_T_FMT " from \"%s\"", n, v);
    FUZZ_CHECK(*digits && strspn(digits, "0123456789") == strlen(digits),
               "length accepted with a non-digit: \"%s\"", v);
    while (digits[0] == '0' && digits[1] != '\0')
        digits++;
    printed = apr_off_t_toa(p, n);
    FUZZ_CHECK(strcmp(printed, digits) == 0, "\"%s\" read as %s", v, printed);
    FUZZ_CHECK(bits_parse_length(printed, &again) == 0 && again == n,
               "%s does not parse back", printed);
}

static void check_negotiate(const char *v, apr_pool_t *p)
{
    int chosen = bits_protocol_negotiate(v, p);

    FUZZ_CHECK(chosen == 0 || chosen == 1, "negotiate returned %d", chosen);
    if (chosen)
        FUZZ_CHECK(strcasestr(v, BITS_PROTOCOL_GUID) != NULL,
                   "chose a protocol \"%s\" does not name", v);
    FUZZ_CHECK(bits_protocol_negotiate(upper(v, p), p) == chosen,
               "negotiation depends on case: \"%s\"", v);
    FUZZ_CHECK(bits_protocol_negotiate(apr_pstrcat(p, BITS_PROTOCOL_GUID " ", v, NULL), p)
               == 1, "the protocol first in the list is not chosen: \"%s\"", v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *v = fuzz_cstr(data, size, p);

    check_packet_type(v, p);
    check_length(v, p);
    check_negotiate(v, p);
    return 0;
}
