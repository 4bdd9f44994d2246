/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bits_notify.c: notification URL resolution (§11.2), the reply URL
 * (§12.1), static reply URLs and the Acks for failed notifications (§9
 * rows 24-28). */
#include <limits.h>
#include <apr_strings.h>
#include "bits_notify.h"
#include "check_units.h"

#define SID "{6E2B1F40-93A7-4C1D-8B52-0F3C9A7D1E88}"

static const char *resolve(const char *ref, const char *dest)
{
    return bits_notify_url(ref, dest, bits_test_pool);
}

START_TEST(absolute_notification_url_is_kept)
{
    ck_assert_str_eq(resolve("http://app.internal:8081/ingest",
                             "http://files.example.org/drop/report.csv"),
                     "http://app.internal:8081/ingest");
}
END_TEST

START_TEST(relative_url_resolves_against_the_upload)
{
    ck_assert_str_eq(resolve("myasp.asp", "http://myserver/myvdir/file.txt"),
                     "http://myserver/myvdir/myasp.asp");
    ck_assert_str_eq(resolve("/app/notify", "https://h:8443/a/b/c.bin"),
                     "https://h:8443/app/notify");
    ck_assert_str_eq(resolve("../n", "http://h/a/b/c.bin"), "http://h/a/n");
}
END_TEST

START_TEST(query_string_of_the_upload_is_appended)
{
    ck_assert_str_eq(resolve("http://otherserver/myvdir2/bag.asp",
                             "http://myserver/myvdir/subdir/file.asp?ACCOUNT=86433"),
                     "http://otherserver/myvdir2/bag.asp?ACCOUNT=86433");
    ck_assert_str_eq(resolve("http://o/bag?x=1", "http://m/f?ACCOUNT=2"),
                     "http://o/bag?x=1&ACCOUNT=2");
    /* the notification URL's own query is not the upload's */
    ck_assert_str_eq(resolve("notify?a=b", "http://m/d/f.bin"), "http://m/d/notify?a=b");
}
END_TEST

START_TEST(overlong_notification_url_is_refused)
{
    char *longref = apr_palloc(bits_test_pool, 2300);

    memset(longref, 'a', 2299);
    longref[2299] = '\0';
    ck_assert_ptr_null(resolve(longref, "http://h/f"));
}
END_TEST

START_TEST(reply_url_sits_next_to_the_destination)
{
    ck_assert_str_eq(bits_reply_url("http://files.example.org/drop/report.csv?x=1",
                                     SID, NULL, bits_test_pool),
                     "http://files.example.org/drop/BITS-Sessions/Replies/"
                     "%7B6E2B1F40-93A7-4C1D-8B52-0F3C9A7D1E88%7D/responsefile.bin");
}
END_TEST

START_TEST(reply_url_names_the_pinned_host)
{
    ck_assert_str_eq(bits_reply_url("https://farm.example:8443/up/f.bin", SID,
                                     "node7.example", bits_test_pool),
                     "https://node7.example:8443/up/BITS-Sessions/Replies/"
                     "%7B6E2B1F40-93A7-4C1D-8B52-0F3C9A7D1E88%7D/responsefile.bin");
}
END_TEST

START_TEST(static_reply_urls)
{
    char *longurl;

    ck_assert(bits_notify_static_url_ok("http://cdn.example/r/1.bin"));
    ck_assert(bits_notify_static_url_ok("HTTPS://cdn.example/r/1.bin"));
    ck_assert(!bits_notify_static_url_ok("/relative/reply"));
    ck_assert(!bits_notify_static_url_ok("ftp://h/x"));
    ck_assert(!bits_notify_static_url_ok("http://h/a b"));
    ck_assert(!bits_notify_static_url_ok(NULL));
    longurl = apr_palloc(bits_test_pool, 2302);
    memcpy(longurl, "http://h/", 9);
    memset(longurl + 9, 'x', 2292);
    longurl[2301] = '\0';
    ck_assert(!bits_notify_static_url_ok(longurl));
}
END_TEST

START_TEST(static_reply_urls_are_well_formed)
{
    /* issue 6 item 9: the URL is sent in every later Ack as it is */
    ck_assert(bits_notify_static_url_ok("https://cdn.example:8443/r/1.bin?a=b&c=%20"));
    ck_assert(!bits_notify_static_url_ok("http://h/r\x01.bin"));
    ck_assert(!bits_notify_static_url_ok("http://h/r\r\nSet-Cookie: x=y"));
    ck_assert(!bits_notify_static_url_ok("http://h/r\x7f"));
    ck_assert(!bits_notify_static_url_ok("http://h/\xc3\xa9"));
    ck_assert(!bits_notify_static_url_ok("http:///nohost"));
    ck_assert(!bits_notify_static_url_ok("http://"));
    ck_assert(!bits_notify_static_url_ok("http:/h/x"));
    ck_assert(!bits_notify_static_url_ok("javascript:alert(1)"));
    ck_assert(!bits_notify_static_url_ok("file:///etc/passwd"));
    ck_assert(!bits_notify_static_url_ok("http://h:99999/x"));
    ck_assert(!bits_notify_static_url_ok(""));
}
END_TEST

START_TEST(clean_urls_have_no_control_characters)
{
    ck_assert(bits_url_clean("http://h/a%20b?x=1"));
    ck_assert(bits_url_clean("{6E2B1F40-93A7-4C1D-8B52-0F3C9A7D1E88}"));
    ck_assert(!bits_url_clean("http://h/a b"));
    ck_assert(!bits_url_clean("http://h/a\rb"));
    ck_assert(!bits_url_clean("http://h/a\tb"));
    ck_assert(!bits_url_clean("\x01"));
    ck_assert(!bits_url_clean("http://h/\xff"));
    ck_assert(!bits_url_clean(NULL));
    ck_assert(bits_url_clean(""));
}
END_TEST

START_TEST(origin_from_the_server_configuration)
{
    apr_pool_t *p = bits_test_pool;

    ck_assert_str_eq(bits_url_origin("http", "127.0.0.1", 8529, p), "http://127.0.0.1:8529");
    ck_assert_str_eq(bits_url_origin("http", "files.example", 80, p), "http://files.example");
    ck_assert_str_eq(bits_url_origin("http", "files.example", 0, p), "http://files.example");
    ck_assert_str_eq(bits_url_origin("https", "files.example", 443, p),
                     "https://files.example");
    ck_assert_str_eq(bits_url_origin("https", "files.example", 80, p),
                     "https://files.example:80");
    ck_assert_str_eq(bits_url_origin("http", "files.example", 443, p),
                     "http://files.example:443");
    /* IPv6 literals need brackets (httpd keeps them without) */
    ck_assert_str_eq(bits_url_origin("http", "::1", 0, p), "http://[::1]");
    ck_assert_str_eq(bits_url_origin("http", "2001:db8::7", 8080, p),
                     "http://[2001:db8::7]:8080");
    ck_assert_str_eq(bits_url_origin("http", "[::1]", 8080, p), "http://[::1]:8080");
}
END_TEST

static const char *target(const char *t)
{
    return bits_url_target(t, bits_test_pool);
}

START_TEST(target_keeps_the_path_as_sent)
{
    /* issue 6 item 11: never decoded, origin-form or absolute-form alike */
    ck_assert_str_eq(target("/d/a%3Fb.bin"), "/d/a%3Fb.bin");
    ck_assert_str_eq(target("/d/a%20b.bin?acct=7&x=%zz"), "/d/a%20b.bin?acct=7&x=%zz");
    ck_assert_str_eq(target("http://127.0.0.1:8529/d/a%3Fb.bin"), "/d/a%3Fb.bin");
    ck_assert_str_eq(target("HTTP://u:p@127.0.0.2:9999/d/a%20b.bin?q=1"),
                     "/d/a%20b.bin?q=1");
    ck_assert_str_eq(target("http://h"), "/");
    ck_assert_str_eq(target("http://h?q=1"), "/?q=1");
    ck_assert_str_eq(target("/p#frag"), "/p");
    ck_assert_str_eq(target("/p?q#frag"), "/p?q");
    ck_assert_ptr_null(target("*"));
    ck_assert_ptr_null(target(NULL));
}
END_TEST

START_TEST(target_never_names_a_host)
{
    /* "//host/p" is a network-path reference: the host is dropped */
    ck_assert_str_eq(target("//127.0.0.2:9999/d/x.bin"), "/d/x.bin");
    ck_assert_str_eq(target("http://127.0.0.2:9999//127.0.0.3/x"), "//127.0.0.3/x");
}
END_TEST

START_TEST(target_escapes_what_a_url_cannot_hold)
{
    ck_assert_str_eq(target("/a b/\x01\x7f\xc3\xa9?x y\r\n"),
                     "/a%20b/%01%7F%C3%A9?x%20y%0D%0A");
    ck_assert_str_eq(target("/a\"<>\\^`{|}"), "/a%22%3C%3E%5C%5E%60%7B%7C%7D");
    ck_assert(bits_url_clean(target("/\x01\x02 \t?\x03")));
}
END_TEST

START_TEST(relative_url_resolves_on_the_server_not_the_host)
{
    /* issue 6 items 1 and 11: the server's own origin + the escaped target */
    const char *base = apr_pstrcat(bits_test_pool,
                                   bits_url_origin("http", "127.0.0.1", 8529, bits_test_pool),
                                   target("http://127.0.0.2:9999/up/a%3Fb.bin?acct=7"), NULL);

    ck_assert_str_eq(resolve("notify", base), "http://127.0.0.1:8529/up/notify?acct=7");
    ck_assert_str_eq(resolve("/app/notify", base), "http://127.0.0.1:8529/app/notify?acct=7");
    base = apr_pstrcat(bits_test_pool, "http://127.0.0.1:8529",
                       target("/up/a%3Fb.bin"), NULL);
    ck_assert_str_eq(resolve("notify", base), "http://127.0.0.1:8529/up/notify");
    base = apr_pstrcat(bits_test_pool, "http://127.0.0.1:8529",
                       target("http://127.0.0.1:8529/up/a%20b.bin"), NULL);
    ck_assert_str_eq(resolve("hook.app", base), "http://127.0.0.1:8529/up/hook.app");
    /* dot segments of the target cannot climb out of the server */
    base = apr_pstrcat(bits_test_pool, "http://127.0.0.1:8529",
                       target("//evil.example/../../x.bin"), NULL);
    ck_assert_str_eq(resolve("notify", base), "http://127.0.0.1:8529/notify");
}
END_TEST

START_TEST(reply_url_keeps_an_escaped_name)
{
    ck_assert_str_eq(bits_reply_url("http://127.0.0.1:8529/up/a%3Fb.bin", SID, NULL,
                                     bits_test_pool),
                     "http://127.0.0.1:8529/up/BITS-Sessions/Replies/"
                     "%7B6E2B1F40-93A7-4C1D-8B52-0F3C9A7D1E88%7D/responsefile.bin");
}
END_TEST

static bits_ack_t ack_for(bits_notify_outcome_t outcome, int status)
{
    bits_notice_result_t res = { outcome, status, NULL, 0, NULL };

    return bits_notify_failure_ack(&res);
}

START_TEST(application_errors_keep_their_status)
{
    bits_ack_t a = ack_for(BITS_NOTIFY_ANSWERED, 404);

    ck_assert_int_eq(a.status, 404);
    ck_assert_uint_eq(a.code, 0x80190194u);
    ck_assert_int_eq(a.context, BITS_CONTEXT_APPLICATION);
    a = ack_for(BITS_NOTIFY_ANSWERED, 500);
    ck_assert_int_eq(a.status, 500);
    ck_assert_uint_eq(a.code, 0x801901F4u);
    a = ack_for(BITS_NOTIFY_ANSWERED, 302);
    ck_assert_int_eq(a.status, 302);
    ck_assert_uint_eq(a.code, 0x8019012Eu);
}
END_TEST

START_TEST(transport_failures_map_to_the_spec)
{
    bits_ack_t a = ack_for(BITS_NOTIFY_TIMEOUT, 0);

    ck_assert_int_eq(a.status, 408);
    ck_assert_uint_eq(a.code, 0x800705B4u);
    ck_assert_int_eq(a.context, BITS_CONTEXT_APPLICATION);
    a = ack_for(BITS_NOTIFY_UNREACHABLE, 0);
    ck_assert_int_eq(a.status, 503);
    ck_assert_uint_eq(a.code, 0x801901F7u);
    a = ack_for(BITS_NOTIFY_GARBAGE, 0);
    ck_assert_int_eq(a.status, 400);
    ck_assert_uint_eq(a.code, 0x80070057u);
    a = ack_for(BITS_NOTIFY_REPLY_TOO_LARGE, 0);
    ck_assert_int_eq(a.status, 400);        /* fatal: the same reply again */
    ck_assert_uint_eq(a.code, 0x80070057u);
    ck_assert_int_eq(a.context, BITS_CONTEXT_APPLICATION);
    a = ack_for(BITS_NOTIFY_LOCAL_ERROR, 0);
    ck_assert_int_eq(a.status, 500);
    ck_assert_uint_eq(a.code, 0x80004005u);
    ck_assert_int_eq(a.context, BITS_CONTEXT_APPLICATION);
}
END_TEST

#define SEC(n) apr_time_from_sec(n)

START_TEST(backoff_doubles_up_to_the_cap)
{
    ck_assert_int_eq(bits_notify_backoff(1, SEC(5)), SEC(5));
    ck_assert_int_eq(bits_notify_backoff(2, SEC(5)), SEC(10));
    ck_assert_int_eq(bits_notify_backoff(3, SEC(5)), SEC(20));
    ck_assert_int_eq(bits_notify_backoff(7, SEC(5)), SEC(300));   /* 320 capped */
    ck_assert_int_eq(bits_notify_backoff(1000, SEC(5)), SEC(300));
    ck_assert_int_eq(bits_notify_backoff(INT_MAX, SEC(5)), SEC(300));
}
END_TEST

START_TEST(backoff_edges)
{
    ck_assert_int_eq(bits_notify_backoff(0, SEC(5)), 0);          /* no failure yet */
    ck_assert_int_eq(bits_notify_backoff(3, 0), 0);               /* switched off */
    /* A first delay over the cap is kept, never doubled past itself. */
    ck_assert_int_eq(bits_notify_backoff(1, SEC(900)), SEC(900));
    ck_assert_int_eq(bits_notify_backoff(5, SEC(900)), SEC(900));
    ck_assert_int_eq(bits_notify_backoff(2, SEC(86400)), SEC(86400));
}
END_TEST

START_TEST(wait_left_honours_only_plausible_times)
{
    apr_time_t now = SEC(1700000000);

    ck_assert_int_eq(bits_notify_wait_left(0, now, SEC(5)), 0);          /* never failed */
    ck_assert_int_eq(bits_notify_wait_left(now - 1, now, SEC(5)), 0);    /* elapsed */
    ck_assert_int_eq(bits_notify_wait_left(now, now, SEC(5)), 0);
    ck_assert_int_eq(bits_notify_wait_left(now + SEC(4), now, SEC(5)), SEC(4));
    ck_assert_int_eq(bits_notify_wait_left(now + SEC(300), now, SEC(5)), SEC(300));
    /* Beyond any backoff: a clock set back or a forged record. */
    ck_assert_int_eq(bits_notify_wait_left(now + SEC(301), now, SEC(5)), 0);
    ck_assert_int_eq(bits_notify_wait_left(now + SEC(4), now, 0), 0);    /* off */
}
END_TEST

TCase *bits_notify_tcase(void)
{
    TCase *tc = tcase_create("notify");

    tcase_add_checked_fixture(tc, bits_test_pool_setup, bits_test_pool_teardown);
    tcase_add_test(tc, absolute_notification_url_is_kept);
    tcase_add_test(tc, relative_url_resolves_against_the_upload);
    tcase_add_test(tc, query_string_of_the_upload_is_appended);
    tcase_add_test(tc, overlong_notification_url_is_refused);
    tcase_add_test(tc, reply_url_sits_next_to_the_destination);
    tcase_add_test(tc, reply_url_names_the_pinned_host);
    tcase_add_test(tc, static_reply_urls);
    tcase_add_test(tc, static_reply_urls_are_well_formed);
    tcase_add_test(tc, clean_urls_have_no_control_characters);
    tcase_add_test(tc, origin_from_the_server_configuration);
    tcase_add_test(tc, target_keeps_the_path_as_sent);
    tcase_add_test(tc, target_never_names_a_host);
    tcase_add_test(tc, target_escapes_what_a_url_cannot_hold);
    tcase_add_test(tc, relative_url_resolves_on_the_server_not_the_host);
    tcase_add_test(tc, reply_url_keeps_an_escaped_name);
    tcase_add_test(tc, application_errors_keep_their_status);
    tcase_add_test(tc, transport_failures_map_to_the_spec);
    tcase_add_test(tc, backoff_doubles_up_to_the_cap);
    tcase_add_test(tc, backoff_edges);
    tcase_add_test(tc, wait_left_honours_only_plausible_times);
    return tc;
}
