/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* BITS Upload Protocol vocabulary: packet names, numbers, Content-Range,
 * negotiation and error codes (spec §2, §3, §5, §9).  APR and libc only:
 * this file is linked into the unit tests without httpd. */
#include <errno.h>
#include <string.h>
#include <apr_cstr.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include "bits_protocol.h"

/* Indexed by bits_packet_t; the Windows client's spelling (§2.1). */
static const char *const packet_names[] = {
    "invalid", "Ping", "Create-Session", "Fragment", "Close-Session",
    "Cancel-Session"
};
#define PACKET_COUNT ((int)(sizeof packet_names / sizeof packet_names[0]))

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *s)
{
    while (is_blank(*s))
        s++;
    return s;
}

bits_packet_t bits_packet_parse(const char *value)
{
    const char *start, *end;
    apr_size_t len;
    int i;

    if (value == NULL)
        return BITS_PACKET_INVALID;
    start = skip_blanks(value);
    end = start + strlen(start);
    while (end > start && is_blank(end[-1]))
        end--;
    len = (apr_size_t)(end - start);

    /* Compare the trimmed span in place instead of copying it. */
    for (i = BITS_PACKET_PING; i < PACKET_COUNT; i++) {
        if (strlen(packet_names[i]) == len
            && apr_cstr_casecmpn(start, packet_names[i], len) == 0)
            return (bits_packet_t)i;
    }
    return BITS_PACKET_INVALID;
}

const char *bits_packet_name(bits_packet_t type)
{
    if ((int)type <= BITS_PACKET_INVALID || (int)type >= PACKET_COUNT)
        return packet_names[BITS_PACKET_INVALID];
    return packet_names[type];
}

/* Reads 1*DIGIT into *out, refusing values above 2^63-1 (apr_strtoff
 * would clamp instead).  Returns the first unread character, or NULL. */
static const char *scan_digits(const char *s, apr_off_t *out)
{
    apr_int64_t v = 0;
    const char *start = s;

    while (*s >= '0' && *s <= '9') {
        int d = *s - '0';
        if (v > (APR_INT64_MAX - d) / 10)
            return NULL;
        v = v * 10 + d;
        s++;
    }
    if (s == start)
        return NULL;
    *out = (apr_off_t)v;
    return s;
}

int bits_parse_length(const char *value, apr_off_t *out)
{
    apr_off_t v;
    const char *s;

    if (value == NULL)
        return -1;
    s = scan_digits(skip_blanks(value), &v);
    if (s == NULL || *skip_blanks(s) != '\0')
        return -1;
    *out = v;
    return 0;
}

/* Digits, then at most one unit letter: one of `names` (lower case, matched
 * case-insensitively), multiplying by the factor at the same index. */
static int parse_with_unit(const char *value, const char *names,
                           const apr_int64_t *factors, apr_int64_t *out)
{
    apr_off_t v;
    const char *s, *unit;
    apr_int64_t factor = 1;

    if (value == NULL || (s = scan_digits(value, &v)) == NULL)
        return -1;
    if (*s) {
        if (s[1] != '\0' || (unit = strchr(names, apr_tolower(*s))) == NULL)
            return -1;
        factor = factors[unit - names];
    }
    if (v > APR_INT64_MAX / factor)
        return -1;
    *out = v * factor;
    return 0;
}

int bits_parse_size(const char *value, apr_int64_t *out)
{
    static const apr_int64_t factors[] = {
        APR_INT64_C(1) << 10, APR_INT64_C(1) << 20, APR_INT64_C(1) << 30,
        APR_INT64_C(1) << 40
    };

    return parse_with_unit(value, "kmgt", factors, out);
}

int bits_parse_duration(const char *value, apr_int64_t *out)
{
    static const apr_int64_t factors[] = { 1, 60, 3600, 86400, 7 * 86400 };

    return parse_with_unit(value, "smhdw", factors, out);
}

/* "*" "/" total, allowed only for the empty entity (§3.4 rule 6). */
static const char *scan_star_form(const char *s, bits_range_t *rg)
{
    if (*s++ != '*' || *s++ != '/')
        return NULL;
    s = scan_digits(s, &rg->total);
    if (s == NULL || rg->total != 0)
        return NULL;
    rg->first = 0;
    rg->last = -1;
    return s;
}

/* first "-" last "/" total, where last may be "-1" only in "0--1/0". */
static const char *scan_numeric_form(const char *s, bits_range_t *rg)
{
    int negative_last = 0;

    s = scan_digits(s, &rg->first);
    if (s == NULL || *s++ != '-')
        return NULL;
    if (*s == '-') {
        negative_last = 1;
        s++;
    }
    s = scan_digits(s, &rg->last);
    if (s == NULL || *s++ != '/')
        return NULL;
    s = scan_digits(s, &rg->total);
    if (s == NULL)
        return NULL;

    if (negative_last) {
        if (rg->first != 0 || rg->last != 1 || rg->total != 0)
            return NULL;
        rg->last = -1;
        return s;
    }
    if (rg->first > rg->last || rg->last >= rg->total)
        return NULL;
    return s;
}

int bits_range_parse(const char *value, bits_range_t *out)
{
    bits_range_t rg;
    const char *s;

    if (value == NULL)
        return -1;
    s = skip_blanks(value);
    if (apr_cstr_casecmpn(s, "bytes", 5) != 0 || s[5] != ' ')
        return -1;
    s += 5;
    while (*s == ' ')
        s++;

    s = (*s == '*') ? scan_star_form(s, &rg) : scan_numeric_form(s, &rg);
    if (s == NULL || *skip_blanks(s) != '\0')
        return -1;
    *out = rg;
    return 0;
}

bits_frag_action_t bits_fragment_plan(const bits_range_t *rg, apr_off_t held,
                                      apr_off_t *skip)
{
    if (rg->first > held)
        return BITS_FRAG_GAP;
    /* Also the empty entity (last = -1): there is nothing to write. */
    if (rg->last < held)
        return BITS_FRAG_HELD;
    if (skip != NULL)
        *skip = held - rg->first;
    return BITS_FRAG_WRITE;
}

int bits_protocol_negotiate(const char *supported, apr_pool_t *p)
{
    char *list, *state, *entry;
    int examined = 0;

    if (supported == NULL || *supported == '\0')
        return 0;
    list = apr_pstrdup(p, supported);
    for (entry = apr_strtok(list, " ,\t", &state);
         entry != NULL && examined < BITS_MAX_PROTOCOLS;
         entry = apr_strtok(NULL, " ,\t", &state), examined++) {
        if (apr_cstr_casecmp(entry, BITS_PROTOCOL_GUID) == 0)
            return 1;
    }
    return 0;
}

const char *bits_hresult_str(unsigned int code, apr_pool_t *p)
{
    if (code == 0)
        return "0x0";
    return apr_psprintf(p, "0x%08X", code);
}

static int is_out_of_space(apr_status_t rv)
{
    if (APR_STATUS_IS_ENOSPC(rv))
        return 1;
#ifdef EDQUOT
    if (rv == APR_FROM_OS_ERROR(EDQUOT))
        return 1;
#endif
    return 0;
}

bits_ack_t bits_ack_for_io_error(apr_status_t rv)
{
    if (is_out_of_space(rv))
        return BITS_ACK_ERR(500, BITS_E_DISK_FULL);
    return BITS_ACK_ERR(500, BITS_E_FAIL);
}
