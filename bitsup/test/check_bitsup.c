/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Unit tests of bitsup's pure parts: Ack parsing, the transient/fatal
 * classification of spec §11.7, URL helpers, the state file.  Built with
 * ASan/UBSan by `make -C bitsup check` (run by the top-level `make unit`). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "../bitsup.h"

static void feed(struct bits_ack *a, const char *line)
{
    ack_header_line(a, line, strlen(line));
}

START_TEST(ack_headers_any_case)
{
    struct bits_ack a;
    ack_reset(&a);
    feed(&a, "HTTP/1.1 200 OK\r\n");
    feed(&a, "bits-packet-type: ack\r\n");
    feed(&a, "BITS-SESSION-ID: {ABC}\r\n");
    feed(&a, "Bits-Received-Content-Range:  4096 \r\n");
    feed(&a, "bits-host-id: node7.example\r\n");
    feed(&a, "BITS-Host-Id-Fallback-Timeout: 3600\r\n");
    feed(&a, "BITS-Reply-URL: BITS-Sessions\\Replies\\{X}\\responsefile.bin\r\n");
    ck_assert_int_eq(a.status, 200);
    ck_assert_str_eq(a.reason, "OK");
    ck_assert_int_eq(a.is_ack, 1);
    ck_assert_str_eq(a.session_id, "{ABC}");
    ck_assert_int_eq(a.received, 4096);
    ck_assert_str_eq(a.host_id, "node7.example");
    ck_assert_int_eq(a.fallback_timeout, 3600);
    ck_assert_str_eq(a.reply_url, "BITS-Sessions\\Replies\\{X}\\responsefile.bin");
    ck_assert_int_eq(a.has_error, 0);
}
END_TEST

START_TEST(ack_error_spellings)
{
    struct bits_ack a;
    ack_reset(&a);
    feed(&a, "HTTP/1.1 500 Internal Server Error\r\n");
    feed(&a, "BITS-Error: 8020001F\r\n");          /* MC-BUP's spelling, no 0x */
    ck_assert_int_eq(a.has_error, 1);
    ck_assert_uint_eq(a.error_code, 0x8020001FUL);
    ack_reset(&a);
    feed(&a, "HTTP/1.1 416 Requested Range Not Satisfiable\r\n");
    feed(&a, "BITS-Error-Code: 0x0\r\n");
    feed(&a, "BITS-Error-Context: 0x5\r\n");
    ck_assert_int_eq(a.has_error, 1);
    ck_assert_uint_eq(a.error_code, 0);
    ck_assert_uint_eq(a.error_context, 5);
}
END_TEST

/* After a 401 challenge curl shows the next response's headers too:
 * nothing of the challenge may survive. */
START_TEST(ack_new_response_resets)
{
    struct bits_ack a;
    ack_reset(&a);
    feed(&a, "HTTP/1.1 401 Unauthorized\r\n");
    feed(&a, "BITS-Error-Code: 0x80070005\r\n");
    feed(&a, "HTTP/1.1 200 OK\r\n");
    feed(&a, "BITS-Packet-Type: Ack\r\n");
    ck_assert_int_eq(a.status, 200);
    ck_assert_int_eq(a.has_error, 0);
    ck_assert_int_eq(a.is_ack, 1);
}
END_TEST

START_TEST(ack_bad_numbers_ignored)
{
    struct bits_ack a;
    ack_reset(&a);
    feed(&a, "HTTP/1.1 200 OK\r\n");
    feed(&a, "BITS-Received-Content-Range: 12x\r\n");
    feed(&a, "BITS-Received-Content-Range: -5\r\n");
    ck_assert_int_eq(a.received, -1);
    feed(&a, "Content-Range: bytes */70000\r\n");
    ck_assert_int_eq(a.range_total, 70000);
    ck_assert_int_eq(a.range_start, -1);
}
END_TEST

static int transient(long status, unsigned long code, int has_code)
{
    struct bits_ack a;
    ack_reset(&a);
    a.status = status;
    a.has_error = has_code;
    a.error_code = code;
    return ack_is_transient(&a);
}

START_TEST(classification)
{
    struct bits_ack a;
    ck_assert_int_eq(transient(408, 0, 0), 1);
    ck_assert_int_eq(transient(409, 0, 0), 1);
    ck_assert_int_eq(transient(500, 0x80004005UL, 1), 1);
    ck_assert_int_eq(transient(503, 0x801901F7UL, 1), 1);
    ck_assert_int_eq(transient(504, 0, 0), 1);
    ck_assert_int_eq(transient(501, 0x80070005UL, 1), 0);
    ck_assert_int_eq(transient(505, 0, 0), 0);
    ck_assert_int_eq(transient(500, HR_TOO_LARGE, 1), 0);
    ck_assert_int_eq(transient(500, HR_SESSION_NOT_FOUND, 1), 0);
    ck_assert_int_eq(transient(400, 0x80070057UL, 1), 0);
    ck_assert_int_eq(transient(403, 0x80070005UL, 1), 0);
    ck_assert_int_eq(transient(404, 0, 0), 0);
    ck_assert_int_eq(transient(413, 0x8019019DUL, 1), 0);
    ck_assert_int_eq(transient(302, 0, 0), 0);
    ck_assert_int_eq(transient(307, 0, 0), 0);
    ck_assert_int_eq(transient(308, 0, 0), 1);
    ack_reset(&a);
    a.curl_rc = CURLE_COULDNT_CONNECT;
    ck_assert_int_eq(ack_is_transient(&a), 1);
    a.curl_rc = CURLE_PEER_FAILED_VERIFICATION;
    ck_assert_int_eq(ack_is_transient(&a), 0);
    ck_assert_int_eq(ack_is_tls_failure(&a), 1);
}
END_TEST

START_TEST(describe_names_the_meaning)
{
    struct bits_ack a;
    char buf[600];
    ack_reset(&a);
    a.status = 403;
    strcpy(a.reason, "Forbidden");
    a.is_ack = a.has_error = 1;
    a.error_code = 0x80070005UL;
    a.error_context = 5;
    ack_describe(&a, buf, sizeof buf);
    ck_assert_ptr_nonnull(strstr(buf, "HTTP 403 Forbidden, BITS-Error-Code 0x80070005: access denied"));
    a.error_code = 0x80190193UL;
    a.error_context = 7;
    ack_describe(&a, buf, sizeof buf);
    ck_assert_ptr_nonnull(strstr(buf, "from the server application: HTTP error 403"));
}
END_TEST

static void url_is(char *got, const char *want)
{
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, want);
    free(got);
}

START_TEST(urls)
{
    char err[256], *got;
    ck_assert_int_eq(url_check("http://127.0.0.1/x", err, sizeof err), 1);
    ck_assert_int_eq(url_check("HTTPS://127.0.0.1/x", err, sizeof err), 1);
    ck_assert_int_eq(url_check("ftp://127.0.0.1/x", err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "not an http:// or https:// URL"));
    ck_assert_int_eq(url_check("http://", err, sizeof err), 0);
    ck_assert_int_eq(url_check("/just/a/path", err, sizeof err), 0);

    /* libcurl may print the hex digits in either case; both are the same URL */
    got = url_for_file("http://h:81/up/", "/tmp/a b\xc3\xa9.txt");
    ck_assert_int_eq(strcasecmp(got, "http://h:81/up/a%20b%C3%A9.txt"), 0);
    free(got);
    url_is(url_for_file("http://h/up/?job=1", "x.bin"), "http://h/up/x.bin?job=1");
    url_is(url_for_file("http://h/up/name.bin", "x.bin"), "http://h/up/name.bin");

    url_is(url_redacted("http://alice:s3cret@h:81/up/x.bin?q=1"), "http://h:81/up/x.bin?q=1");
    url_is(url_redacted("http://h/x"), "http://h/x");
    ck_assert_int_eq(url_check("ftp://bob:s3cret@h/x", err, sizeof err), 0);
    ck_assert_ptr_null(strstr(err, "s3cret"));

    url_is(url_with_host("https://farm.example:8443/up/x.bin?q", "node2.example"),
           "https://node2.example:8443/up/x.bin?q");
    url_is(url_with_host("http://127.0.0.1:81/x", "::1"), "http://[::1]:81/x");

    url_is(url_resolve("http://h/vdir/x.bin", "BITS-Sessions\\Replies\\{AB}\\responsefile.bin"),
           "http://h/vdir/BITS-Sessions/Replies/{AB}/responsefile.bin");
    url_is(url_resolve("http://h/vdir/x.bin", "http://node/r/%7BAB%7D/responsefile.bin"),
           "http://node/r/%7BAB%7D/responsefile.bin");
}
END_TEST

START_TEST(state_round_trip)
{
    char dir[] = "/tmp/bitsup-check-XXXXXX";
    struct options o;
    struct state_key k, other;
    struct upload_state st, back;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    memset(&o, 0, sizeof o);
    o.state_dir = dir;
    ck_assert_int_eq(state_key_make(&k, &o, "http://h/x", "/tmp/f", 1, 2, 300, 4), 0);
    ck_assert_int_eq(state_load(&k, &back), 0);        /* nothing yet */
    memset(&st, 0, sizeof st);
    strcpy(st.session_id, "{S1}");
    strcpy(st.host_id, "node2");
    st.fallback_timeout = 60;
    st.offset = 123;
    strcpy(st.reply_url, "http://h/r");
    ck_assert_int_eq(state_save(&k, &st), 0);
    ck_assert_int_eq(state_load(&k, &back), 1);
    ck_assert_str_eq(back.session_id, "{S1}");
    ck_assert_str_eq(back.host_id, "node2");
    ck_assert_int_eq(back.fallback_timeout, 60);
    ck_assert_int_eq(back.offset, 123);
    ck_assert_str_eq(back.reply_url, "http://h/r");
    /* the same name but another file identity (changed mtime): not ours */
    ck_assert_int_eq(state_key_make(&other, &o, "http://h/x", "/tmp/f", 1, 2, 300, 5), 0);
    strcpy(other.path, k.path);
    ck_assert_int_eq(state_load(&other, &back), 0);
    ck_assert_int_eq(state_forget_session(&o, "{S1}"), 1);
    ck_assert_int_eq(state_load(&k, &back), 0);
    o.no_state = 1;
    ck_assert_int_eq(state_key_make(&k, &o, "http://h/x", "/tmp/f", 1, 2, 300, 4), -1);
    rmdir(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bitsup");
    TCase *tc = tcase_create("bitsup");
    SRunner *sr;
    int failed;
    tcase_add_test(tc, ack_headers_any_case);
    tcase_add_test(tc, ack_error_spellings);
    tcase_add_test(tc, ack_new_response_resets);
    tcase_add_test(tc, ack_bad_numbers_ignored);
    tcase_add_test(tc, classification);
    tcase_add_test(tc, describe_names_the_meaning);
    tcase_add_test(tc, urls);
    tcase_add_test(tc, state_round_trip);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
