/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bits_protocol.c: packet names, byte counts, Content-Range, fragment
 * arithmetic, negotiation and error codes (spec §2.1, §3.4, §5, §7.4, §9). */
#include <errno.h>
#include <string.h>
#include <apr_strings.h>
#include "bits_protocol.h"
#include "check_units.h"

#define OFF_MAX APR_INT64_C(9223372036854775807)

/* ---- BITS-Packet-Type ------------------------------------------------ */

START_TEST(packet_windows_spelling)
{
    ck_assert_int_eq(bits_packet_parse("Ping"), BITS_PACKET_PING);
    ck_assert_int_eq(bits_packet_parse("Create-Session"), BITS_PACKET_CREATE_SESSION);
    ck_assert_int_eq(bits_packet_parse("Fragment"), BITS_PACKET_FRAGMENT);
    ck_assert_int_eq(bits_packet_parse("Close-Session"), BITS_PACKET_CLOSE_SESSION);
    ck_assert_int_eq(bits_packet_parse("Cancel-Session"), BITS_PACKET_CANCEL_SESSION);
}
END_TEST

START_TEST(packet_other_cases_and_blanks)
{
    ck_assert_int_eq(bits_packet_parse("PING"), BITS_PACKET_PING);
    ck_assert_int_eq(bits_packet_parse("ping"), BITS_PACKET_PING);
    ck_assert_int_eq(bits_packet_parse("CREATE-SESSION"), BITS_PACKET_CREATE_SESSION);
    ck_assert_int_eq(bits_packet_parse("create-session"), BITS_PACKET_CREATE_SESSION);
    ck_assert_int_eq(bits_packet_parse("fRaGmEnT"), BITS_PACKET_FRAGMENT);
    ck_assert_int_eq(bits_packet_parse("CLOSE-session"), BITS_PACKET_CLOSE_SESSION);
    ck_assert_int_eq(bits_packet_parse("cancel-SESSION"), BITS_PACKET_CANCEL_SESSION);
    ck_assert_int_eq(bits_packet_parse("  Ping"), BITS_PACKET_PING);
    ck_assert_int_eq(bits_packet_parse("Fragment  "), BITS_PACKET_FRAGMENT);
    ck_assert_int_eq(bits_packet_parse("\t Close-Session \t"), BITS_PACKET_CLOSE_SESSION);
}
END_TEST

START_TEST(packet_invalid)
{
    static const char *const bad[] = {
        "", " ", "\t", "Ack", "Pin", "Pingg", "Ping Ping", "Create Session",
        "CreateSession", "Create_Session", "Fragment\n", "Frag ment",
        "-Ping", "Cancel-Session-", "invalid", "Ping\x01", "P\xc3\xaeng"
    };
    size_t i;

    ck_assert_int_eq(bits_packet_parse(NULL), BITS_PACKET_INVALID);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(bits_packet_parse(bad[i]) == BITS_PACKET_INVALID,
                      "\"%s\" parsed as a packet type", bad[i]);
}
END_TEST

START_TEST(packet_names)
{
    ck_assert_str_eq(bits_packet_name(BITS_PACKET_PING), "Ping");
    ck_assert_str_eq(bits_packet_name(BITS_PACKET_CREATE_SESSION), "Create-Session");
    ck_assert_str_eq(bits_packet_name(BITS_PACKET_FRAGMENT), "Fragment");
    ck_assert_str_eq(bits_packet_name(BITS_PACKET_CLOSE_SESSION), "Close-Session");
    ck_assert_str_eq(bits_packet_name(BITS_PACKET_CANCEL_SESSION), "Cancel-Session");
    ck_assert_str_eq(bits_packet_name(BITS_PACKET_INVALID), "invalid");
    ck_assert_str_eq(bits_packet_name((bits_packet_t)99), "invalid");
    ck_assert_str_eq(bits_packet_name((bits_packet_t)-1), "invalid");
}
END_TEST

START_TEST(packet_name_round_trip)
{
    int t;

    for (t = BITS_PACKET_PING; t <= BITS_PACKET_CANCEL_SESSION; t++)
        ck_assert_int_eq(bits_packet_parse(bits_packet_name((bits_packet_t)t)), t);
}
END_TEST

/* ---- Decimal lengths ------------------------------------------------- */

static void assert_length(const char *text, apr_off_t want)
{
    apr_off_t got = -42;

    ck_assert_msg(bits_parse_length(text, &got) == 0, "\"%s\" refused", text);
    ck_assert_msg(got == want, "\"%s\" gave %" APR_OFF_T_FMT, text, got);
}

START_TEST(length_good)
{
    assert_length("0", 0);
    assert_length("1", 1);
    assert_length("00042", 42);
    assert_length(" 12 ", 12);
    assert_length("\t7\t", 7);
    assert_length("13631488", 13631488);
    assert_length("4294967296", APR_INT64_C(4294967296));
    assert_length("9223372036854775806", OFF_MAX - 1);
    assert_length("9223372036854775807", OFF_MAX);
    assert_length("  9223372036854775807  ", OFF_MAX);
}
END_TEST

START_TEST(length_bad)
{
    static const char *const bad[] = {
        "", " ", "\t", "-1", "+1", "-0", "0x10", "0X10", "1 2", "12a", "a12",
        "1.5", "1e3", "1,000", "\n12", "12\n", "12\r",
        "9223372036854775808", "9223372036854775810", "10000000000000000000",
        "18446744073709551615", "18446744073709551616",
        "99999999999999999999999999999999"
    };
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        apr_off_t v = 1234;
        ck_assert_msg(bits_parse_length(bad[i], &v) == -1,
                      "\"%s\" accepted", bad[i]);
        ck_assert_msg(v == 1234, "\"%s\" wrote the output", bad[i]);
    }
    ck_assert_int_eq(bits_parse_length(NULL, &(apr_off_t){0}), -1);
}
END_TEST

/* ---- Content-Range (§3.4) ------------------------------------------- */

static void assert_range(const char *text, apr_off_t first, apr_off_t last,
                         apr_off_t total)
{
    bits_range_t rg = { -7, -7, -7 };

    ck_assert_msg(bits_range_parse(text, &rg) == 0, "\"%s\" refused", text);
    ck_assert_msg(rg.first == first && rg.last == last && rg.total == total,
                  "\"%s\" gave %" APR_OFF_T_FMT "-%" APR_OFF_T_FMT "/%"
                  APR_OFF_T_FMT, text, rg.first, rg.last, rg.total);
}

static void assert_bad_range(const char *text)
{
    bits_range_t rg = { -7, -7, -7 };

    ck_assert_msg(bits_range_parse(text, &rg) != 0, "\"%s\" accepted", text);
}

START_TEST(range_good)
{
    assert_range("bytes 0-65535/65536", 0, 65535, 65536);
    assert_range("bytes 128-212/1000", 128, 212, 1000);
    assert_range("Bytes 0-0/1", 0, 0, 1);
    assert_range("BYTES 5-9/10", 5, 9, 10);
    assert_range("bYtEs 1-1/3", 1, 1, 3);
    assert_range("bytes   0-99/100", 0, 99, 100);
    assert_range("  bytes 0-99/100  ", 0, 99, 100);
    assert_range("\tbytes 0-99/100\t", 0, 99, 100);
    assert_range("bytes 007-010/011", 7, 10, 11);
    assert_range("bytes 0-9223372036854775806/9223372036854775807",
                 0, OFF_MAX - 1, OFF_MAX);
    assert_range("bytes 9223372036854775806-9223372036854775806/"
                 "9223372036854775807", OFF_MAX - 1, OFF_MAX - 1, OFF_MAX);
}
END_TEST

START_TEST(range_bad_shape)
{
    static const char *const bad[] = {
        "", " ", "bytes", "bytes ", "0-1/2", " 0-1/2", "bits 0-1/2",
        "byte 0-1/2", "bytess 0-1/2", "bytes0-1/2", "bytes\t0-1/2",
        "bytes=0-1/2", "bytes 0-1", "bytes 0-/2", "bytes -1/2", "bytes 0 1/2",
        "bytes 0-1 /2", "bytes 0 -1/2", "bytes 0-1/ 2", "bytes 0- 1/2",
        "bytes 0-1/2x", "bytes 0-1/2 x", "bytes 0-1/2/3", "bytes 0-1-2/3",
        "bytes 0x0-0x1/0x2", "bytes +0-1/2", "bytes 0-+1/2", "bytes 0-1/+2",
        "bytes 1.0-2/3", "bytes 0-1/2,", "bytes 0-1/2\n", "bytes 0-1/2 bytes",
        "bytes 0-1/2;", "bytes  -  /  ", "xbytes 0-1/2"
    };
    size_t i;

    ck_assert_int_ne(bits_range_parse(NULL, &(bits_range_t){0, 0, 0}), 0);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_bad_range(bad[i]);
}
END_TEST

START_TEST(range_bad_order)
{
    assert_bad_range("bytes 5-4/10");        /* first > last */
    assert_bad_range("bytes 1-0/1");
    assert_bad_range("bytes 0-10/10");       /* last >= total */
    assert_bad_range("bytes 0-11/10");
    assert_bad_range("bytes 0-0/0");
    assert_bad_range("bytes 10-10/10");
    assert_bad_range("bytes 0-9223372036854775807/9223372036854775807");
}
END_TEST

START_TEST(range_negative)
{
    assert_bad_range("bytes -1-5/10");
    assert_bad_range("bytes 0--1/10");       /* empty form needs total 0 */
    assert_bad_range("bytes 1--1/0");        /* and first 0 */
    assert_bad_range("bytes 0--2/0");
    assert_bad_range("bytes 0--1/-1");
    assert_bad_range("bytes 0---1/0");
    assert_bad_range("bytes 0-1/-2");
    assert_bad_range("bytes -0-1/2");
}
END_TEST

START_TEST(range_overflow)
{
    assert_bad_range("bytes 9223372036854775808-9223372036854775808/"
                     "9223372036854775809");
    assert_bad_range("bytes 0-9223372036854775808/9223372036854775809");
    assert_bad_range("bytes 0-1/9223372036854775808");
    assert_bad_range("bytes 0-1/18446744073709551617");
    assert_bad_range("bytes 18446744073709551616-18446744073709551617/"
                     "18446744073709551618");
    /* 2^64 + 1 wraps to 1 in unchecked arithmetic. */
    assert_bad_range("bytes 0-18446744073709551617/2");
}
END_TEST

START_TEST(range_star_forms)
{
    assert_range("bytes */0", 0, -1, 0);
    assert_range("Bytes */0", 0, -1, 0);
    assert_range("  bytes  */0 ", 0, -1, 0);
    assert_bad_range("bytes */1");
    assert_bad_range("bytes */100");
    assert_bad_range("bytes * /0");
    assert_bad_range("bytes */");
    assert_bad_range("bytes *");
    assert_bad_range("bytes */0x");
    assert_bad_range("bytes 0-1/*");
    assert_bad_range("bytes 0-*/2");
    assert_bad_range("bytes *-1/2");
    assert_bad_range("bytes **/0");
    assert_bad_range("bytes */*");
    assert_bad_range("*/0");
    assert_bad_range("bytes */-0");
}
END_TEST

START_TEST(range_empty_entity)
{
    bits_range_t rg;

    assert_range("bytes 0--1/0", 0, -1, 0);
    assert_range("BYTES 0--1/0", 0, -1, 0);
    assert_range(" bytes 0--1/0\t", 0, -1, 0);
    ck_assert_int_eq(bits_range_parse("bytes 0--1/0", &rg), 0);
    ck_assert_int_eq(bits_range_length(&rg), 0);
    ck_assert_int_eq(bits_range_parse("bytes */0", &rg), 0);
    ck_assert_int_eq(bits_range_length(&rg), 0);
}
END_TEST

START_TEST(range_length_macro)
{
    bits_range_t rg;

    ck_assert_int_eq(bits_range_parse("bytes 128-212/1000", &rg), 0);
    ck_assert_int_eq(bits_range_length(&rg), 85);
    ck_assert_int_eq(bits_range_parse("bytes 0-0/1", &rg), 0);
    ck_assert_int_eq(bits_range_length(&rg), 1);
    ck_assert_int_eq(bits_range_parse("bytes 0-9223372036854775806/"
                                      "9223372036854775807", &rg), 0);
    ck_assert(bits_range_length(&rg) == OFF_MAX);
}
END_TEST

/* ---- Fragment plan (§7.4 steps 6-8) ---------------------------------- */

static bits_frag_action_t plan(const char *range, apr_off_t held,
                               apr_off_t *skip)
{
    bits_range_t rg;

    ck_assert_msg(bits_range_parse(range, &rg) == 0, "\"%s\" refused", range);
    *skip = -99;
    return bits_fragment_plan(&rg, held, skip);
}

START_TEST(plan_gap)
{
    apr_off_t skip;

    ck_assert_int_eq(plan("bytes 101-200/300", 100, &skip), BITS_FRAG_GAP);
    ck_assert_int_eq(plan("bytes 1-1/2", 0, &skip), BITS_FRAG_GAP);
    ck_assert_int_eq(plan("bytes 200-299/300", 100, &skip), BITS_FRAG_GAP);
}
END_TEST

START_TEST(plan_exact_append)
{
    apr_off_t skip;

    ck_assert_int_eq(plan("bytes 0-99/300", 0, &skip), BITS_FRAG_WRITE);
    ck_assert_int_eq(skip, 0);
    ck_assert_int_eq(plan("bytes 100-199/300", 100, &skip), BITS_FRAG_WRITE);
    ck_assert_int_eq(skip, 0);
}
END_TEST

START_TEST(plan_overlap)
{
    apr_off_t skip;

    /* The SDK's example: 0-100 held, 50-150 only adds 101-150. */
    ck_assert_int_eq(plan("bytes 50-150/300", 101, &skip), BITS_FRAG_WRITE);
    ck_assert_int_eq(skip, 51);
    ck_assert_int_eq(plan("bytes 0-199/300", 199, &skip), BITS_FRAG_WRITE);
    ck_assert_int_eq(skip, 199);      /* only the last byte is new */
    ck_assert_int_eq(plan("bytes 0-0/1", 0, &skip), BITS_FRAG_WRITE);
    ck_assert_int_eq(skip, 0);
}
END_TEST

START_TEST(plan_duplicate)
{
    apr_off_t skip;

    ck_assert_int_eq(plan("bytes 0-99/300", 100, &skip), BITS_FRAG_HELD);
    ck_assert_int_eq(plan("bytes 0-99/300", 250, &skip), BITS_FRAG_HELD);
    ck_assert_int_eq(plan("bytes 50-99/300", 100, &skip), BITS_FRAG_HELD);
    ck_assert_int_eq(skip, -99);      /* untouched when nothing is written */
}
END_TEST

START_TEST(plan_final_fragment)
{
    apr_off_t skip;

    ck_assert_int_eq(plan("bytes 200-299/300", 200, &skip), BITS_FRAG_WRITE);
    ck_assert_int_eq(skip, 0);
    /* A repeated final fragment once everything is held. */
    ck_assert_int_eq(plan("bytes 200-299/300", 300, &skip), BITS_FRAG_HELD);
    ck_assert_int_eq(plan("bytes 9223372036854775806-9223372036854775806/"
                          "9223372036854775807", OFF_MAX - 1, &skip),
                     BITS_FRAG_WRITE);
    ck_assert_int_eq(skip, 0);
}
END_TEST

START_TEST(plan_empty_entity)
{
    apr_off_t skip;

    ck_assert_int_eq(plan("bytes 0--1/0", 0, &skip), BITS_FRAG_HELD);
    ck_assert_int_eq(plan("bytes */0", 0, &skip), BITS_FRAG_HELD);
}
END_TEST

/* ---- Negotiation (§5) ------------------------------------------------ */

#define OTHER_GUID "{00000000-1111-2222-3333-444444444444}"

START_TEST(negotiate_match)
{
    apr_pool_t *p = bits_test_pool;

    ck_assert_int_eq(bits_protocol_negotiate(BITS_PROTOCOL_GUID, p), 1);
    ck_assert_int_eq(bits_protocol_negotiate(
        "{7DF0354D-249B-430F-820D-3D2A9BEF4931}", p), 1);
    ck_assert_int_eq(bits_protocol_negotiate(
        "{7Df0354d-249B-430f-820D-3d2a9bEf4931}", p), 1);
    ck_assert_int_eq(bits_protocol_negotiate(
        "  " BITS_PROTOCOL_GUID "  ", p), 1);
    ck_assert_int_eq(bits_protocol_negotiate(
        OTHER_GUID " " BITS_PROTOCOL_GUID, p), 1);
    ck_assert_int_eq(bits_protocol_negotiate(
        OTHER_GUID "," BITS_PROTOCOL_GUID, p), 1);
    ck_assert_int_eq(bits_protocol_negotiate(
        OTHER_GUID " ,\t" BITS_PROTOCOL_GUID ", " OTHER_GUID, p), 1);
    ck_assert_int_eq(bits_protocol_negotiate(
        BITS_PROTOCOL_GUID "," OTHER_GUID, p), 1);
}
END_TEST

START_TEST(negotiate_no_match)
{
    apr_pool_t *p = bits_test_pool;

    ck_assert_int_eq(bits_protocol_negotiate(NULL, p), 0);
    ck_assert_int_eq(bits_protocol_negotiate("", p), 0);
    ck_assert_int_eq(bits_protocol_negotiate("   ", p), 0);
    ck_assert_int_eq(bits_protocol_negotiate(" , ,", p), 0);
    ck_assert_int_eq(bits_protocol_negotiate(OTHER_GUID, p), 0);
    ck_assert_int_eq(bits_protocol_negotiate("garbage;{}", p), 0);
    /* Without braces, with a suffix, or glued to another entry. */
    ck_assert_int_eq(bits_protocol_negotiate(
        "7df0354d-249b-430f-820d-3d2a9bef4931", p), 0);
    ck_assert_int_eq(bits_protocol_negotiate(BITS_PROTOCOL_GUID "x", p), 0);
    ck_assert_int_eq(bits_protocol_negotiate(
        OTHER_GUID ";" BITS_PROTOCOL_GUID, p), 0);
}
END_TEST

static const char *protocol_list(int others_before, apr_pool_t *p)
{
    const char *list = "";
    int i;

    for (i = 0; i < others_before; i++)
        list = apr_pstrcat(p, list, OTHER_GUID, (i % 2) ? "," : " ", NULL);
    return apr_pstrcat(p, list, BITS_PROTOCOL_GUID, NULL);
}

START_TEST(negotiate_limit)
{
    apr_pool_t *p = bits_test_pool;

    /* The 100th entry is examined, the 101st is not (§5). */
    ck_assert_int_eq(bits_protocol_negotiate(protocol_list(99, p), p), 1);
    ck_assert_int_eq(bits_protocol_negotiate(protocol_list(100, p), p), 0);
    ck_assert_int_eq(bits_protocol_negotiate(protocol_list(500, p), p), 0);
}
END_TEST

START_TEST(negotiate_leaves_input_alone)
{
    const char *list = OTHER_GUID ", " BITS_PROTOCOL_GUID;
    char copy[128];

    apr_cpystrn(copy, list, sizeof copy);
    ck_assert_int_eq(bits_protocol_negotiate(copy, bits_test_pool), 1);
    ck_assert_str_eq(copy, list);
}
END_TEST

/* ---- Error codes (§3.3, §9) ------------------------------------------ */

START_TEST(hresult_strings)
{
    apr_pool_t *p = bits_test_pool;

    ck_assert_str_eq(bits_hresult_str(BITS_E_OK, p), "0x0");
    ck_assert_str_eq(bits_hresult_str(BITS_E_INVALIDARG, p), "0x80070057");
    ck_assert_str_eq(bits_hresult_str(BITS_E_SESSION_NOT_FOUND, p), "0x8020001F");
    ck_assert_str_eq(bits_hresult_str(BITS_E_DISK_FULL, p), "0x80070070");
    ck_assert_str_eq(bits_hresult_str(BITS_E_HTTP(404), p), "0x80190194");
    ck_assert_str_eq(bits_hresult_str(BITS_E_HTTP(413), p), "0x8019019D");
    ck_assert_str_eq(bits_hresult_str(0x5, p), "0x00000005");
    ck_assert_str_eq(bits_hresult_str(0xFFFFFFFFu, p), "0xFFFFFFFF");
}
END_TEST

static void assert_ack(bits_ack_t ack, int status, unsigned int code)
{
    ck_assert_int_eq(ack.status, status);
    ck_assert_uint_eq(ack.code, code);
    ck_assert_int_eq(ack.context, BITS_CONTEXT_SERVER);
}

START_TEST(ack_for_io_errors)
{
    assert_ack(bits_ack_for_io_error(APR_FROM_OS_ERROR(ENOSPC)), 500,
               BITS_E_DISK_FULL);
    assert_ack(bits_ack_for_io_error(APR_ENOSPC), 500, BITS_E_DISK_FULL);
#ifdef EDQUOT
    assert_ack(bits_ack_for_io_error(APR_FROM_OS_ERROR(EDQUOT)), 500,
               BITS_E_DISK_FULL);
#endif
    assert_ack(bits_ack_for_io_error(APR_FROM_OS_ERROR(EIO)), 500, BITS_E_FAIL);
    assert_ack(bits_ack_for_io_error(APR_EACCES), 500, BITS_E_FAIL);
    assert_ack(bits_ack_for_io_error(APR_EGENERAL), 500, BITS_E_FAIL);
}
END_TEST

START_TEST(ack_constants)
{
    bits_ack_t ok = BITS_ACK_OK;

    ck_assert_int_eq(ok.status, 200);
    ck_assert_uint_eq(ok.code, 0);
    ck_assert_uint_eq(BITS_E_HTTP(503), 0x801901F7u);
}
END_TEST

START_TEST(sizes_and_durations_with_units)
{
    static const struct { const char *text; apr_int64_t size, secs; } ok[] = {
        { "0", 0, 0 }, { "512", 512, 512 }, { "64k", 65536, -1 },
        { "512M", 512 * APR_INT64_C(1048576), 512 * 60 }, { "10G", 10 * (APR_INT64_C(1) << 30), -1 },
        { "2T", 2 * (APR_INT64_C(1) << 40), -1 }, { "30s", -1, 30 }, { "12h", -1, 12 * 3600 },
        { "14d", -1, 1209600 }, { "2W", -1, 2 * 7 * 86400 }, { "8388607T", APR_INT64_C(8388607) << 40, -1 },
    };
    static const char *const bad[] = {
        "", "k", "-1", "+5", " 5", "5 ", "5KB", "5x", "1.5G", "0x10", "8388608T",
        "9223372036854775808", "99999999999999999999w"
    };
    apr_int64_t v;
    unsigned i;

    for (i = 0; i < sizeof ok / sizeof *ok; i++) {
        v = -7;
        ck_assert_int_eq(bits_parse_size(ok[i].text, &v), ok[i].size < 0 ? -1 : 0);
        if (ok[i].size >= 0)
            ck_assert_msg(v == ok[i].size, "size \"%s\"", ok[i].text);
        v = -7;
        ck_assert_int_eq(bits_parse_duration(ok[i].text, &v), ok[i].secs < 0 ? -1 : 0);
        if (ok[i].secs >= 0)
            ck_assert_msg(v == ok[i].secs, "duration \"%s\"", ok[i].text);
    }
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_msg(bits_parse_size(bad[i], &v) == -1, "size \"%s\" accepted", bad[i]);
        ck_assert_msg(bits_parse_duration(bad[i], &v) == -1, "duration \"%s\" accepted", bad[i]);
    }
    ck_assert_int_eq(bits_parse_size(NULL, &v), -1);
}
END_TEST

TCase *bits_protocol_tcase(void)
{
    TCase *tc = tcase_create("protocol");

    tcase_add_checked_fixture(tc, bits_test_pool_setup, bits_test_pool_teardown);
    tcase_add_test(tc, packet_windows_spelling);
    tcase_add_test(tc, packet_other_cases_and_blanks);
    tcase_add_test(tc, packet_invalid);
    tcase_add_test(tc, packet_names);
    tcase_add_test(tc, packet_name_round_trip);
    tcase_add_test(tc, length_good);
    tcase_add_test(tc, length_bad);
    tcase_add_test(tc, range_good);
    tcase_add_test(tc, range_bad_shape);
    tcase_add_test(tc, range_bad_order);
    tcase_add_test(tc, range_negative);
    tcase_add_test(tc, range_overflow);
    tcase_add_test(tc, range_star_forms);
    tcase_add_test(tc, range_empty_entity);
    tcase_add_test(tc, range_length_macro);
    tcase_add_test(tc, plan_gap);
    tcase_add_test(tc, plan_exact_append);
    tcase_add_test(tc, plan_overlap);
    tcase_add_test(tc, plan_duplicate);
    tcase_add_test(tc, plan_final_fragment);
    tcase_add_test(tc, plan_empty_entity);
    tcase_add_test(tc, negotiate_match);
    tcase_add_test(tc, negotiate_no_match);
    tcase_add_test(tc, negotiate_limit);
    tcase_add_test(tc, negotiate_leaves_input_alone);
    tcase_add_test(tc, hresult_strings);
    tcase_add_test(tc, ack_for_io_errors);
    tcase_add_test(tc, ack_constants);
    tcase_add_test(tc, sizes_and_durations_with_units);
    return tc;
}
