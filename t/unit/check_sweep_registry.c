/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bits_sweep_registry.c: the stores the background sweep looks after,
 * their policies merged within one configuration, replaced across. */
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>
#include <apr_strings.h>
#include "bits_sweep_registry.h"
#include "check_units.h"

#define MIN apr_time_from_sec(60)

static const char *dir;

static void setup(void)
{
    bits_test_pool_setup();
    dir = apr_pstrcat(bits_test_pool, bits_test_mkdtemp(bits_test_pool), "/reg", NULL);
    ck_assert_int_eq(bits_sweep_registry_prepare(dir, bits_test_pool), APR_SUCCESS);
}

static void teardown(void)
{
    bits_test_rmtree(apr_pstrcat(bits_test_pool, dir, "/..", NULL));
    bits_test_pool_teardown();
}

static bits_sweep_entry_t entry(const char *store, int interval_min, int timeout_min,
                                int limit)
{
    bits_sweep_entry_t e;

    e.store = store;
    e.interval = interval_min * MIN;
    e.policy.session_timeout = timeout_min * MIN;
    e.policy.tombstone_ttl = 2 * timeout_min * MIN;
    e.policy.grace = 10 * MIN;
    e.policy.sessions_limit = limit;
    return e;
}

/* The registered entry of `store`; fails the test if there is none. */
static bits_sweep_entry_t registered(const char *store, int *count)
{
    apr_array_header_t *all;
    int i;

    ck_assert_int_eq(bits_sweep_registry_read(dir, &all, bits_test_pool), APR_SUCCESS);
    *count = all->nelts;
    for (i = 0; i < all->nelts; i++) {
        bits_sweep_entry_t e = APR_ARRAY_IDX(all, i, bits_sweep_entry_t);
        if (!strcmp(e.store, store))
            return e;
    }
    ck_abort_msg("%s is not registered", store);
    return entry(store, 0, 0, 0);
}

static int reg(bits_sweep_entry_t e, apr_time_t epoch)
{
    int written = -1;

    ck_assert_int_eq(bits_sweep_register(dir, &e, epoch, &written, bits_test_pool),
                     APR_SUCCESS);
    return written;
}

START_TEST(stores_are_registered_with_their_policy)
{
    bits_sweep_entry_t e;
    int n;

    ck_assert_int_eq(reg(entry("/srv/a/BITS-Sessions", 60, 120, 50), 1), 1);
    ck_assert_int_eq(reg(entry("/srv/b with space", 1, 5, 0), 1), 1);
    e = registered("/srv/a/BITS-Sessions", &n);
    ck_assert_int_eq(n, 2);
    ck_assert(e.interval == 60 * MIN && e.policy.session_timeout == 120 * MIN);
    ck_assert(e.policy.tombstone_ttl == 240 * MIN && e.policy.grace == 10 * MIN);
    ck_assert_int_eq(e.policy.sessions_limit, 50);
    e = registered("/srv/b with space", &n);
    ck_assert(e.interval == MIN && e.policy.sessions_limit == 0);
    /* The same again changes nothing. */
    ck_assert_int_eq(reg(entry("/srv/a/BITS-Sessions", 60, 120, 50), 1), 0);
}
END_TEST

START_TEST(one_configuration_merges_to_the_most_lenient)
{
    bits_sweep_entry_t e;
    int n;

    reg(entry("/s", 60, 120, 50), 1);
    ck_assert_int_eq(reg(entry("/s", 10, 60, 80), 1), 1);
    e = registered("/s", &n);
    ck_assert(e.interval == 10 * MIN);                  /* the shortest */
    ck_assert(e.policy.session_timeout == 120 * MIN);   /* the longest */
    ck_assert_int_eq(e.policy.sessions_limit, 80);      /* the highest */
    ck_assert_int_eq(reg(entry("/s", 30, 30, 3), 1), 0);   /* covered already */
    reg(entry("/s", 30, 30, 0), 1);
    ck_assert_int_eq(registered("/s", &n).policy.sessions_limit, 0);   /* none */
}
END_TEST

START_TEST(a_new_configuration_replaces_an_older_ones_policy)
{
    int n;

    reg(entry("/s", 60, 120, 50), 1);
    ck_assert_int_eq(reg(entry("/s", 60, 30, 3), 2), 1);    /* restarted: lowered */
    ck_assert(registered("/s", &n).policy.session_timeout == 30 * MIN);
    ck_assert_int_eq(registered("/s", &n).policy.sessions_limit, 3);
    /* A child of the old configuration, still finishing its requests. */
    ck_assert_int_eq(reg(entry("/s", 60, 120, 50), 1), 0);
    ck_assert_int_eq(registered("/s", &n).policy.sessions_limit, 3);
}
END_TEST

START_TEST(registering_never_waits)
{
    bits_sweep_entry_t e = entry("/s", 1, 1, 1);
    int fd = open(apr_pstrcat(bits_test_pool, dir, "/slot.0", NULL), O_RDONLY);
    int written;

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(flock(fd, LOCK_EX), 0);          /* another child registers */
    ck_assert_int_eq(bits_sweep_register(dir, &e, 1, &written, bits_test_pool),
                     APR_EBUSY);
    close(fd);
    ck_assert_int_eq(reg(e, 1), 1);
}
END_TEST

START_TEST(paths_that_could_forge_lines_are_refused)
{
    bits_sweep_entry_t e = entry("/s\ninterval 1", 1, 1, 1);
    int written;
    apr_array_header_t *all;

    ck_assert_int_eq(bits_sweep_register(dir, &e, 1, &written, bits_test_pool),
                     APR_EINVAL);
    e.store = "relative";
    ck_assert_int_eq(bits_sweep_register(dir, &e, 1, &written, bits_test_pool),
                     APR_EINVAL);
    /* Junk in the directory is no entry. */
    bits_test_write_file(apr_pstrcat(bits_test_pool, dir, "/store-0000000000000001",
                                     NULL), "store /x\ninterval 5\n", bits_test_pool);
    ck_assert_int_eq(bits_sweep_registry_read(dir, &all, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(all->nelts, 0);
}
END_TEST

START_TEST(a_missing_registry_is_empty)
{
    apr_array_header_t *all;

    ck_assert_int_eq(bits_sweep_registry_read(apr_pstrcat(bits_test_pool, dir, "/none",
                                                          NULL), &all, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(all->nelts, 0);
}
END_TEST

TCase *bits_sweep_registry_tcase(void)
{
    TCase *tc = tcase_create("sweep_registry");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, stores_are_registered_with_their_policy);
    tcase_add_test(tc, one_configuration_merges_to_the_most_lenient);
    tcase_add_test(tc, a_new_configuration_replaces_an_older_ones_policy);
    tcase_add_test(tc, registering_never_waits);
    tcase_add_test(tc, paths_that_could_forge_lines_are_refused);
    tcase_add_test(tc, a_missing_registry_is_empty);
    return tc;
}
