/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* BITSMinimumFreeSpace: its values, the threshold, and statvfs. */
#include <check.h>
#include "bits_space.h"
#include "check_units.h"

START_TEST(parse_bytes_and_units)
{
    bits_min_free_t m;

    ck_assert_int_eq(bits_parse_min_free("0", &m), 0);
    ck_assert(m.bytes == 0 && m.percent == 0);
    ck_assert_int_eq(bits_parse_min_free("1048576", &m), 0);
    ck_assert(m.bytes == 1048576 && m.percent == 0);
    ck_assert_int_eq(bits_parse_min_free("10G", &m), 0);
    ck_assert(m.bytes == (APR_INT64_C(10) << 30));
    ck_assert_int_eq(bits_parse_min_free("512m", &m), 0);
    ck_assert(m.bytes == (APR_INT64_C(512) << 20));
}
END_TEST

START_TEST(parse_percent)
{
    bits_min_free_t m;

    ck_assert_int_eq(bits_parse_min_free("5%", &m), 0);
    ck_assert(m.bytes == 0 && m.percent == 5);
    ck_assert_int_eq(bits_parse_min_free("99%", &m), 0);
    ck_assert_int_eq(m.percent, 99);
}
END_TEST

START_TEST(parse_refuses)
{
    static const char *const bad[] = {
        "", "%", "0%", "100%", "150%", "5.5%", "-5%", "5 %", "x%", "10GB", "-1",
        "1.5G", "5%%", "99999999999999999999"
    };
    bits_min_free_t m;
    unsigned i;

    for (i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(bits_parse_min_free(bad[i], &m) == -1, "'%s' accepted", bad[i]);
    ck_assert_int_eq(bits_parse_min_free(NULL, &m), -1);
}
END_TEST

START_TEST(threshold)
{
    bits_min_free_t bytes = { 2048, 0 }, pct = { 0, 10 }, off = { 0, 0 };
    apr_uint64_t huge = APR_UINT64_MAX - 5;

    ck_assert(bits_min_free_bytes(&bytes, 1000000) == 2048);
    ck_assert(bits_min_free_bytes(&pct, 1000000) == 100000);
    ck_assert(bits_min_free_bytes(&pct, 1005) == 100);      /* rounded down */
    ck_assert(bits_min_free_bytes(&off, 1000000) == 0);
    /* No overflow on the largest sizes. */
    ck_assert(bits_min_free_bytes(&pct, huge) == huge / 100 * 10 + huge % 100 * 10 / 100);
}
END_TEST

START_TEST(space_of_a_directory)
{
    const char *dir = bits_test_mkdtemp(bits_test_pool);
    bits_min_free_t off = { 0, 0 }, none = { 1, 0 }, all = { 0, 99 };
    bits_min_free_t beyond = { APR_INT64_MAX, 0 };
    apr_uint64_t avail, total, need;
    apr_status_t rv;

    ck_assert_int_eq(bits_fs_space(dir, &avail, &total), APR_SUCCESS);
    ck_assert(total > 0 && avail <= total);
    ck_assert_int_eq(bits_space_short(&off, dir, &avail, &need, &rv), 0);
    ck_assert_int_eq(bits_space_short(&none, dir, &avail, &need, &rv), avail < 1);
    ck_assert_int_eq(rv, APR_SUCCESS);
    ck_assert_int_eq(bits_space_short(&beyond, dir, &avail, &need, &rv), 1);
    ck_assert(need == (apr_uint64_t)APR_INT64_MAX && avail < need);
    /* 99% of the file system free is asked: short unless nearly empty. */
    ck_assert_int_eq(bits_space_short(&all, dir, &avail, &need, &rv), avail < need);
    /* A path that does not exist: not short, and rv says why. */
    ck_assert_int_eq(bits_space_short(&beyond, "/nonexistent/bits-space", &avail, &need,
                                      &rv), 0);
    ck_assert(APR_STATUS_IS_ENOENT(rv));
    bits_test_rmtree(dir);
}
END_TEST

TCase *bits_space_tcase(void)
{
    TCase *tc = tcase_create("space");

    tcase_add_checked_fixture(tc, bits_test_pool_setup, bits_test_pool_teardown);
    tcase_add_test(tc, parse_bytes_and_units);
    tcase_add_test(tc, parse_percent);
    tcase_add_test(tc, parse_refuses);
    tcase_add_test(tc, threshold);
    tcase_add_test(tc, space_of_a_directory);
    return tc;
}
