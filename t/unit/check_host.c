/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bits_host.c: whether a BITSHostId is a name of its virtual host (issue 7). */
#include <string.h>
#include <apr_tables.h>
#include "bits_host.h"
#include "check_units.h"

START_TEST(host_exact_and_case)
{
    ck_assert_int_eq(bits_host_matches("up.example", "up.example"), 1);
    ck_assert_int_eq(bits_host_matches("UP.Example", "up.example"), 1);
    ck_assert_int_eq(bits_host_matches("up.example.", "up.example"), 1);
    ck_assert_int_eq(bits_host_matches("up.example", "up.example."), 1);
    ck_assert_int_eq(bits_host_matches("up.example", "up.example.org"), 0);
    ck_assert_int_eq(bits_host_matches("up", "up.example"), 0);
    ck_assert_int_eq(bits_host_matches("", "up.example"), 0);
    ck_assert_int_eq(bits_host_matches("up.example", ""), 0);
    ck_assert_int_eq(bits_host_matches(NULL, "up.example"), 0);
    ck_assert_int_eq(bits_host_matches("up.example", NULL), 0);
    ck_assert_int_eq(bits_host_matches(".", "."), 1);
}
END_TEST

START_TEST(host_wildcards)
{
    ck_assert_int_eq(bits_host_matches("node1.farm.example", "*.farm.example"), 1);
    ck_assert_int_eq(bits_host_matches("NODE1.farm.example", "*.farm.example"), 1);
    ck_assert_int_eq(bits_host_matches("farm.example", "*.farm.example"), 0);
    ck_assert_int_eq(bits_host_matches("node1.other.example", "*.farm.example"), 0);
    ck_assert_int_eq(bits_host_matches("node7.example", "node?.example"), 1);
    ck_assert_int_eq(bits_host_matches("node17.example", "node?.example"), 0);
    /* A host id is not a pattern: a '*' in it matches nothing literally. */
    ck_assert_int_eq(bits_host_matches("*.example", "up.example"), 0);
}
END_TEST

START_TEST(host_too_long)
{
    char longname[400];

    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    ck_assert_int_eq(bits_host_matches(longname, longname), 0);
}
END_TEST

START_TEST(host_vhost_names)
{
    apr_array_header_t *names = apr_array_make(bits_test_pool, 2, sizeof(const char *));
    apr_array_header_t *wild = apr_array_make(bits_test_pool, 1, sizeof(const char *));

    APR_ARRAY_PUSH(names, const char *) = "www.up.example";
    APR_ARRAY_PUSH(names, const char *) = "node1.up.example";
    APR_ARRAY_PUSH(wild, const char *) = "*.farm.example";
    ck_assert_int_eq(bits_host_is_vhost_name("up.example", "up.example", names, wild), 1);
    ck_assert_int_eq(bits_host_is_vhost_name("node1.up.example", "up.example", names,
                                             wild), 1);
    ck_assert_int_eq(bits_host_is_vhost_name("n2.farm.example", "up.example", names,
                                             wild), 1);
    ck_assert_int_eq(bits_host_is_vhost_name("down.example", "up.example", names,
                                             wild), 0);
    ck_assert_int_eq(bits_host_is_vhost_name("up.example", "up.example", NULL, NULL), 1);
    ck_assert_int_eq(bits_host_is_vhost_name("down.example", NULL, NULL, NULL), 0);
}
END_TEST

TCase *bits_host_tcase(void)
{
    TCase *tc = tcase_create("host");

    tcase_add_checked_fixture(tc, bits_test_pool_setup, bits_test_pool_teardown);
    tcase_add_test(tc, host_exact_and_case);
    tcase_add_test(tc, host_wildcards);
    tcase_add_test(tc, host_too_long);
    tcase_add_test(tc, host_vhost_names);
    return tc;
}
