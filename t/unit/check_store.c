/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bits_store.c: the set of configured session stores and the test that
 * keeps requests and uploads out of every store (issue 6 items 3, 4). */
#include <string.h>
#include <sys/stat.h>
#include <apr_strings.h>
#include "bits_store.h"
#include "bits_path.h"
#include "check_units.h"

static const char *dir;

static void store_setup(void)
{
    bits_test_pool_setup();
    dir = bits_test_realpath(bits_test_mkdtemp(bits_test_pool), bits_test_pool);
}

static void store_teardown(void)
{
    bits_test_rmtree(dir);
    bits_test_pool_teardown();
}

static const char *in_dir(const char *name)
{
    return apr_pstrcat(bits_test_pool, dir, "/", name, NULL);
}

static void make_dir(const char *path)
{
    ck_assert_int_eq(mkdir(path, 0700), 0);
}

START_TEST(names_store_in_any_case)
{
    ck_assert(bits_path_names_store("/a/BITS-Sessions"));
    ck_assert(bits_path_names_store("/a/BITS-Sessions/Requests/x"));
    ck_assert(bits_path_names_store("/BITS-Sessions"));
    ck_assert(bits_path_names_store("/a/bits-sessions/x"));
    ck_assert(bits_path_names_store("/a/Bits-SESSIONS"));
    ck_assert(!bits_path_names_store("/a/BITS-SessionsX/x"));
    ck_assert(!bits_path_names_store("/a/xBITS-Sessions"));
    ck_assert(!bits_path_names_store("/a/BITS-Session/x"));
    ck_assert(!bits_path_names_store("BITS-Sessions"));   /* not a component */
}
END_TEST

START_TEST(configured_store_and_below)
{
    bits_stores_t *set = bits_stores_make(bits_test_pool);

    bits_stores_add(set, "/srv/x/../data/store/");
    bits_stores_add(set, "/srv/data/store");               /* the same one */
    ck_assert_int_eq(bits_stores_count(set), 1);
    bits_stores_canonicalise(set, bits_test_pool);
    ck_assert(bits_store_reserved(set, "/srv/data/store", bits_test_pool));
    ck_assert(bits_store_reserved(set, "/srv/data/store/Requests/{x}/state",
                                  bits_test_pool));
    ck_assert(bits_store_reserved(set, "/srv/DATA/Store/Requests", bits_test_pool));
    ck_assert(!bits_store_reserved(set, "/srv/data/storex", bits_test_pool));
    ck_assert(!bits_store_reserved(set, "/srv/data", bits_test_pool));
    ck_assert(!bits_store_reserved(set, "/srv/data/other/file", bits_test_pool));
    ck_assert(!bits_store_reserved(NULL, "/srv/data/store/x", bits_test_pool));
    ck_assert(bits_store_reserved(NULL, "/srv/up/BITS-Sessions/x", bits_test_pool));
    ck_assert(!bits_store_reserved(set, "relative/path", bits_test_pool));
}
END_TEST

START_TEST(through_a_symlink_to_a_store)
{
    bits_stores_t *set = bits_stores_make(bits_test_pool);

    make_dir(in_dir("store"));
    make_dir(in_dir("store/Requests"));
    bits_test_symlink(in_dir("store"), in_dir("alias"));
    bits_stores_add(set, in_dir("store"));
    bits_stores_canonicalise(set, bits_test_pool);
    ck_assert(bits_store_reserved(set, in_dir("alias/Requests"), bits_test_pool));
    ck_assert(bits_store_reserved(set, in_dir("alias/Requests/missing/file"),
                                  bits_test_pool));
    ck_assert(bits_store_reserved(set, in_dir("alias"), bits_test_pool));
    ck_assert(!bits_store_reserved(set, in_dir("elsewhere/file"), bits_test_pool));
}
END_TEST

START_TEST(configured_through_a_symlink)
{
    bits_stores_t *set = bits_stores_make(bits_test_pool);

    /* The directive names a symlinked path; the store is reached directly. */
    make_dir(in_dir("real"));
    bits_test_symlink(in_dir("real"), in_dir("link"));
    bits_stores_add(set, in_dir("link/store"));
    make_dir(in_dir("real/store"));
    bits_stores_canonicalise(set, bits_test_pool);
    ck_assert(bits_store_reserved(set, in_dir("real/store/Requests"), bits_test_pool));
}
END_TEST

START_TEST(store_created_after_startup)
{
    bits_stores_t *set = bits_stores_make(bits_test_pool);

    /* Missing at startup, then created behind a symlinked parent. */
    bits_stores_add(set, in_dir("later/store"));
    bits_stores_canonicalise(set, bits_test_pool);
    make_dir(in_dir("real"));
    bits_test_symlink(in_dir("real"), in_dir("later"));
    make_dir(in_dir("real/store"));
    ck_assert(bits_store_reserved(set, in_dir("real/store/x"), bits_test_pool));
    ck_assert(!bits_store_reserved(set, in_dir("real/other"), bits_test_pool));
}
END_TEST

START_TEST(default_store_through_a_symlink)
{
    make_dir(in_dir("up"));
    make_dir(in_dir("up/BITS-Sessions"));
    bits_test_symlink(in_dir("up/BITS-Sessions"), in_dir("sessions"));
    ck_assert(bits_store_reserved(NULL, in_dir("sessions/Requests/x"), bits_test_pool));
    ck_assert(!bits_store_reserved(NULL, in_dir("up/file"), bits_test_pool));
}
END_TEST

START_TEST(canonical_of_missing_tail)
{
    make_dir(in_dir("real"));
    bits_test_symlink(in_dir("real"), in_dir("link"));
    ck_assert_str_eq(bits_path_canonical(in_dir("link/a/b"), bits_test_pool),
                     in_dir("real/a/b"));
    ck_assert_str_eq(bits_path_canonical(in_dir("link"), bits_test_pool),
                     in_dir("real"));
    ck_assert_str_eq(bits_path_canonical("/", bits_test_pool), "/");
    ck_assert_ptr_null(bits_path_canonical("rel", bits_test_pool));
}
END_TEST

START_TEST(merge_collects_every_server)
{
    bits_stores_t *a = bits_stores_make(bits_test_pool);
    bits_stores_t *b = bits_stores_make(bits_test_pool);
    bits_stores_t *all = bits_stores_make(bits_test_pool);

    bits_stores_add(a, "/s/one");
    bits_stores_add(b, "/s/two");
    bits_stores_add(b, "/s/one");
    bits_stores_merge(all, a);
    bits_stores_merge(all, b);
    bits_stores_merge(all, NULL);
    ck_assert_int_eq(bits_stores_count(all), 2);
    ck_assert(bits_store_reserved(all, "/s/two/x", bits_test_pool));
}
END_TEST

START_TEST(a_tree_holding_a_store)
{
    bits_stores_t *set = bits_stores_make(bits_test_pool);

    make_dir(in_dir("tree"));
    make_dir(in_dir("tree/a"));
    make_dir(in_dir("tree/a/b"));
    make_dir(in_dir("plain"));
    make_dir(in_dir("plain/sub"));
    make_dir(in_dir("elsewhere"));
    make_dir(in_dir("elsewhere/store"));
    bits_stores_add(set, in_dir("tree/a/b/store"));
    bits_stores_canonicalise(set, bits_test_pool);
    ck_assert(!bits_store_within(set, in_dir("tree"), bits_test_pool));  /* not yet */
    make_dir(in_dir("tree/a/b/store"));
    ck_assert(bits_store_within(set, in_dir("tree"), bits_test_pool));
    ck_assert(bits_store_within(set, in_dir("tree/a"), bits_test_pool));
    ck_assert(!bits_store_within(set, in_dir("plain"), bits_test_pool));
    ck_assert(!bits_store_within(set, in_dir("missing"), bits_test_pool));
    /* a default store, in any case, deep down */
    make_dir(in_dir("plain/sub/bits-sessions"));
    ck_assert(bits_store_within(NULL, in_dir("plain"), bits_test_pool));
    /* a symlink to a store is not followed (nor would a DAV walk follow it) */
    bits_stores_add(set, in_dir("elsewhere/store"));
    make_dir(in_dir("linked"));
    bits_test_symlink(in_dir("elsewhere"), in_dir("linked/to"));
    ck_assert(!bits_store_within(set, in_dir("linked"), bits_test_pool));
    /* a configured store reached through a symlinked parent */
    bits_test_symlink(in_dir("tree"), in_dir("treelink"));
    ck_assert(bits_store_within(set, in_dir("treelink/a"), bits_test_pool));
}
END_TEST

TCase *bits_store_tcase(void)
{
    TCase *tc = tcase_create("store");

    tcase_add_checked_fixture(tc, store_setup, store_teardown);
    tcase_add_test(tc, names_store_in_any_case);
    tcase_add_test(tc, configured_store_and_below);
    tcase_add_test(tc, through_a_symlink_to_a_store);
    tcase_add_test(tc, configured_through_a_symlink);
    tcase_add_test(tc, store_created_after_startup);
    tcase_add_test(tc, default_store_through_a_symlink);
    tcase_add_test(tc, canonical_of_missing_tail);
    tcase_add_test(tc, merge_collects_every_server);
    tcase_add_test(tc, a_tree_holding_a_store);
    return tc;
}
