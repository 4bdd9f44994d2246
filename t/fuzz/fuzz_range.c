/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Content-Range of a Fragment (bits_range_parse) and what the handler does
 * with it (bits_fragment_plan).  Input: the header value, then optionally
 * NUL and the bytes already held as a decimal number.
 * Properties: a parsed range is well-formed (first <= last + 1, values in
 * range, the empty entity only as 0/-1/0); printing it again and parsing
 * that gives the same range; the plan writes exactly the bytes from `held`
 * on, never before the range or past its end. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include "bits_protocol.h"
#include "fuzz_common.h"

static void check_well_formed(const bits_range_t *rg, const char *value)
{
    FUZZ_CHECK(rg->first >= 0 && rg->total >= 0 && rg->last >= -1,
               "negative value from \"%s\"", value);
    FUZZ_CHECK(rg->first <= rg->last + 1, "first > last + 1 from \"%s\"", value);
    if (rg->last == -1)
        FUZZ_CHECK(rg->first == 0 && rg->total == 0,
                   "empty range other than 0--1/0 from \"%s\"", value);
    else
        FUZZ_CHECK(rg->first <= rg->last && rg->last < rg->total,
                   "range past its total from \"%s\"", value);
}

/* Only "bytes" and the characters of the range may appear (any case). */
static void check_alphabet(const char *value)
{
    const char *s = value;

    while (*s == ' ' || *s == '\t')
        s++;
    FUZZ_CHECK(strncasecmp(s, "bytes ", 6) == 0, "accepted without \"bytes \": \"%s\"",
               value);
    FUZZ_CHECK(strspn(s + 6, "0123456789-/* \t") == strlen(s + 6),
               "accepted a stray character: \"%s\"", value);
}

static void check_reparse(const bits_range_t *rg, const char *value, apr_pool_t *p)
{
    const char *again = rg->last == -1 ? "bytes 0--1/0"
        : apr_psprintf(p, "bytes %" APR_OFF_T_FMT "-%" APR_OFF_T_FMT "/%" APR_OFF_T_FMT,
                       rg->first, rg->last, rg->total);
    bits_range_t rg2;

    FUZZ_CHECK(bits_range_parse(again, &rg2) == 0, "\"%s\" (from \"%s\") refused",
               again, value);
    FUZZ_CHECK(rg2.first == rg->first && rg2.last == rg->last && rg2.total == rg->total,
               "\"%s\" parses differently from \"%s\"", again, value);
}

static void check_plan(const bits_range_t *rg, apr_off_t held)
{
    apr_off_t skip = -1;
    bits_frag_action_t a = bits_fragment_plan(rg, held, &skip);

    FUZZ_CHECK(bits_fragment_plan(rg, held, NULL) == a, "plan depends on skip pointer");
    if (rg->first > held) {
        FUZZ_CHECK(a == BITS_FRAG_GAP, "gap not seen (held %" APR_OFF_T_FMT ")", held);
    }
    else if (rg->last < held) {
        FUZZ_CHECK(a == BITS_FRAG_HELD, "held bytes rewritten (held %" APR_OFF_T_FMT ")",
                   held);
    }
    else {
        FUZZ_CHECK(a == BITS_FRAG_WRITE, "new bytes dropped (held %" APR_OFF_T_FMT ")",
                   held);
        FUZZ_CHECK(skip >= 0 && skip < bits_range_length(rg) && rg->first + skip == held,
                   "skip %" APR_OFF_T_FMT " does not start at held %" APR_OFF_T_FMT,
                   skip, held);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *f[2];
    bits_range_t rg;
    apr_off_t held = 0;

    fuzz_fields(data, size, f, 2, p);
    if (bits_range_parse(f[0], &rg) != 0)
        return 0;
    check_well_formed(&rg, f[0]);
    check_alphabet(f[0]);
    check_reparse(&rg, f[0], p);
    /* The handler's N: 0 <= held <= total once a total is known. */
    if (f[1] == NULL || bits_parse_length(f[1], &held) != 0)
        held = rg.first;
    check_plan(&rg, held);
    check_plan(&rg, 0);
    if (rg.last >= 0) {
        check_plan(&rg, rg.last);
        check_plan(&rg, rg.last + 1);
    }
    return 0;
}
