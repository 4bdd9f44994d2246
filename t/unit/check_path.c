/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bits_path.c: confining destinations to the upload directory (§7.3). */
#include <stdarg.h>
#include <string.h>
#include <apr_strings.h>
#include "bits_path.h"
#include "bits_names.h"
#include "check_units.h"

/* The tree every path test runs against:
 *   base/root/               upload root        base/outside/   link target
 *   base/root/sub/           nested directory   base/up/        prefix sibling
 *   base/root/dir/           existing directory base/upload/    of "up"
 *   base/root/BITS-Sessions/ session store
 *   base/root/escape   -> base/outside
 *   base/root/link.bin -> /etc/passwd */
static const char *base, *root, *sessions;

static const char *under(const char *dir, const char *rel)
{
    return apr_pstrcat(bits_test_pool, dir, "/", rel, NULL);
}

static void make_dir(const char *path)
{
    ck_assert_int_eq(apr_dir_make(path, APR_FPROT_OS_DEFAULT, bits_test_pool),
                     APR_SUCCESS);
}

static void tree_setup(void)
{
    bits_test_pool_setup();
    base = bits_test_mkdtemp(bits_test_pool);
    root = under(base, "root");
    sessions = under(root, "BITS-Sessions");
    make_dir(root);
    make_dir(under(root, "sub"));
    make_dir(under(root, "dir"));
    make_dir(sessions);
    make_dir(under(sessions, "Requests"));
    make_dir(under(base, "outside"));
    make_dir(under(base, "up"));
    make_dir(under(base, "upload"));
    bits_test_symlink(under(base, "outside"), under(root, "escape"));
    bits_test_symlink("/etc/passwd", under(root, "link.bin"));
}

static void tree_teardown(void)
{
    bits_test_rmtree(base);
    bits_test_pool_teardown();
}

static bits_path_status_t confine(const char *target, const char **out)
{
    *out = "unset";
    return bits_path_confine(root, sessions, target, out, bits_test_pool);
}

static void assert_status(const char *target, bits_path_status_t want)
{
    const char *out;
    bits_path_status_t got = confine(target, &out);

    ck_assert_msg(got == want, "%s: status %d, expected %d", target, got, want);
    if (want != BITS_PATH_OK)
        ck_assert_msg(out == NULL, "%s: *out set on failure", target);
}

static void assert_ok(const char *target, const char *expected_real)
{
    const char *out;
    bits_path_status_t got = confine(target, &out);

    ck_assert_msg(got == BITS_PATH_OK, "%s: status %d", target, got);
    ck_assert_str_eq(out, expected_real);
}

/* ---- bits_path_is_within ---------------------------------------------- */

START_TEST(within_prefix_on_boundary)
{
    ck_assert_int_eq(bits_path_is_within("/srv/up", "/srv/up"), 1);
    ck_assert_int_eq(bits_path_is_within("/srv/up", "/srv/up/f"), 1);
    ck_assert_int_eq(bits_path_is_within("/srv/up", "/srv/up/a/b"), 1);
    ck_assert_int_eq(bits_path_is_within("/srv/up/", "/srv/up/f"), 1);
    ck_assert_int_eq(bits_path_is_within("/srv/up/", "/srv/up"), 1);
    ck_assert_int_eq(bits_path_is_within("/srv/up", "/srv/upload"), 0);
    ck_assert_int_eq(bits_path_is_within("/srv/up", "/srv/upload/f"), 0);
    ck_assert_int_eq(bits_path_is_within("/srv/up/", "/srv/upload"), 0);
    ck_assert_int_eq(bits_path_is_within("/srv/up", "/srv"), 0);
    ck_assert_int_eq(bits_path_is_within("/srv/up", "/other/f"), 0);
    ck_assert_int_eq(bits_path_is_within("/srv/up", ""), 0);
    ck_assert_int_eq(bits_path_is_within("/", "/anything"), 1);
    ck_assert_int_eq(bits_path_is_within("/", "/"), 1);
    ck_assert_int_eq(bits_path_is_within("", "/x"), 0);
    ck_assert_int_eq(bits_path_is_within(NULL, "/x"), 0);
    ck_assert_int_eq(bits_path_is_within("/x", NULL), 0);
}
END_TEST

/* ---- bits_path_confine ------------------------------------------------ */

START_TEST(confine_ok)
{
    const char *real_root = bits_test_realpath(root, bits_test_pool);

    assert_ok(under(root, "f.bin"), under(real_root, "f.bin"));
    assert_ok(under(root, "sub/f.bin"), under(real_root, "sub/f.bin"));
    assert_ok(under(root, "name with spaces %41.bin"),
              under(real_root, "name with spaces %41.bin"));
    assert_ok(under(root, "caf\xc3\xa9.txt"), under(real_root, "caf\xc3\xa9.txt"));
    assert_ok(under(root, "..hidden"), under(real_root, "..hidden"));
}
END_TEST

START_TEST(confine_ok_with_trailing_slash_on_root)
{
    const char *out;
    const char *real_root = bits_test_realpath(root, bits_test_pool);

    ck_assert_int_eq(bits_path_confine(apr_pstrcat(bits_test_pool, root, "/", NULL),
                                       sessions, under(root, "f.bin"), &out,
                                       bits_test_pool), BITS_PATH_OK);
    ck_assert_str_eq(out, under(real_root, "f.bin"));
}
END_TEST

START_TEST(confine_ok_existing_file)
{
    const char *real_root = bits_test_realpath(root, bits_test_pool);

    bits_test_write_file(under(root, "sub/old.bin"), "old", bits_test_pool);
    assert_ok(under(root, "sub/old.bin"), under(real_root, "sub/old.bin"));
}
END_TEST

START_TEST(confine_ok_without_session_root)
{
    const char *out;

    /* A separately configured session store may live elsewhere. */
    ck_assert_int_eq(bits_path_confine(root, NULL, under(root, "sub/f.bin"),
                                       &out, bits_test_pool), BITS_PATH_OK);
    ck_assert_int_eq(bits_path_confine(root, NULL, under(sessions, "x"),
                                       &out, bits_test_pool), BITS_PATH_OK);
}
END_TEST

START_TEST(confine_outside)
{
    assert_status(under(root, "../x"), BITS_PATH_OUTSIDE);
    assert_status(under(root, "sub/../../x"), BITS_PATH_OUTSIDE);
    assert_status(under(root, "sub/../f.bin"), BITS_PATH_OUTSIDE);
    assert_status(under(root, "./f.bin"), BITS_PATH_OUTSIDE);
    assert_status(under(root, "sub//f.bin"), BITS_PATH_OUTSIDE);
    assert_status(under(root, ".."), BITS_PATH_OUTSIDE);
    assert_status("/other/x", BITS_PATH_OUTSIDE);
    assert_status(root, BITS_PATH_IS_DIR);       /* the upload directory itself */
    assert_status(base, BITS_PATH_OUTSIDE);
    assert_status(under(base, "outside/f.bin"), BITS_PATH_OUTSIDE);
    assert_status("relative/f.bin", BITS_PATH_OUTSIDE);
}
END_TEST

START_TEST(confine_outside_through_symlink)
{
    assert_status(under(root, "escape/f.bin"), BITS_PATH_OUTSIDE);
    bits_test_symlink(under(base, "outside"), under(root, "sub/deeper"));
    assert_status(under(root, "sub/deeper/f.bin"), BITS_PATH_OUTSIDE);
}
END_TEST

START_TEST(confine_outside_prefix_sibling)
{
    const char *out;
    const char *up = under(base, "up");

    ck_assert_int_eq(bits_path_confine(up, NULL, under(base, "upload/f"), &out,
                                       bits_test_pool), BITS_PATH_OUTSIDE);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(bits_path_confine(up, NULL, under(base, "up/f"), &out,
                                       bits_test_pool), BITS_PATH_OK);
}
END_TEST

START_TEST(confine_reserved)
{
    assert_status(under(sessions, "x"), BITS_PATH_RESERVED);
    assert_status(under(sessions, "Requests/y"), BITS_PATH_RESERVED);
    assert_status(under(sessions, "Requests/missing/state"), BITS_PATH_RESERVED);
    assert_status(sessions, BITS_PATH_RESERVED);
}
END_TEST

START_TEST(confine_reserved_through_symlink)
{
    /* A link elsewhere in the root that leads into the session store. */
    bits_test_symlink(sessions, under(root, "sub/store"));
    assert_status(under(root, "sub/store/x"), BITS_PATH_RESERVED);
}
END_TEST

START_TEST(confine_unsafe)
{
    assert_status(under(root, "a\x01" "b.bin"), BITS_PATH_UNSAFE);
    assert_status(under(root, "a\\b.bin"), BITS_PATH_UNSAFE);
    assert_status(under(root, "sub\\..\\..\\x"), BITS_PATH_UNSAFE);
    assert_status(under(root, "line\nbreak"), BITS_PATH_UNSAFE);
    assert_status(under(root, "tab\there"), BITS_PATH_UNSAFE);
    assert_status(under(root, "del\x7f"), BITS_PATH_UNSAFE);
    assert_status(under(root, "s\x1fub/f.bin"), BITS_PATH_UNSAFE);
}
END_TEST

START_TEST(confine_is_dir)
{
    assert_status(under(root, "dir"), BITS_PATH_IS_DIR);
    assert_status(under(root, "sub"), BITS_PATH_IS_DIR);
    assert_status(under(root, "f/"), BITS_PATH_IS_DIR);
    assert_status(under(root, "sub/"), BITS_PATH_IS_DIR);
    assert_status(apr_pstrcat(bits_test_pool, root, "/", NULL), BITS_PATH_IS_DIR);
}
END_TEST

START_TEST(confine_no_parent)
{
    assert_status(under(root, "missing/f.bin"), BITS_PATH_NO_PARENT);
    assert_status(under(root, "sub/missing/deeper/f.bin"), BITS_PATH_NO_PARENT);
    bits_test_symlink(under(base, "nowhere"), under(root, "dangling"));
    assert_status(under(root, "dangling/f.bin"), BITS_PATH_NO_PARENT);
    bits_test_write_file(under(root, "plain"), "x", bits_test_pool);
    assert_status(under(root, "plain/f.bin"), BITS_PATH_NO_PARENT);
}
END_TEST

START_TEST(confine_symlink_destination)
{
    assert_status(under(root, "link.bin"), BITS_PATH_SYMLINK);
    bits_test_symlink(under(base, "nowhere"), under(root, "sub/dangling.bin"));
    assert_status(under(root, "sub/dangling.bin"), BITS_PATH_SYMLINK);
    assert_status(under(root, "escape"), BITS_PATH_SYMLINK);
}
END_TEST

TCase *bits_path_tcase(void)
{
    TCase *tc = tcase_create("path");

    tcase_add_checked_fixture(tc, tree_setup, tree_teardown);
    tcase_add_test(tc, within_prefix_on_boundary);
    tcase_add_test(tc, confine_ok);
    tcase_add_test(tc, confine_ok_with_trailing_slash_on_root);
    tcase_add_test(tc, confine_ok_existing_file);
    tcase_add_test(tc, confine_ok_without_session_root);
    tcase_add_test(tc, confine_outside);
    tcase_add_test(tc, confine_outside_through_symlink);
    tcase_add_test(tc, confine_outside_prefix_sibling);
    tcase_add_test(tc, confine_reserved);
    tcase_add_test(tc, confine_reserved_through_symlink);
    tcase_add_test(tc, confine_unsafe);
    tcase_add_test(tc, confine_is_dir);
    tcase_add_test(tc, confine_no_parent);
    tcase_add_test(tc, confine_symlink_destination);
    return tc;
}

/* ---- names a client may not upload (issue 6, items 2 and 10) ---------- */

static apr_array_header_t *names_of(const char *first, ...)
{
    apr_array_header_t *a = apr_array_make(bits_test_pool, 2, sizeof(const char *));
    va_list ap;
    const char *n;

    va_start(ap, first);
    for (n = first; n; n = va_arg(ap, const char *))
        APR_ARRAY_PUSH(a, const char *) = n;
    va_end(ap);
    return a;
}

static bits_name_rule_t rule_of(const char *name, const apr_array_header_t *access)
{
    return bits_name_rule(name, strlen(name), access);
}

START_TEST(names_refused)
{
    const apr_array_header_t *access = names_of(".htaccess", ".acl", NULL);

    ck_assert_int_eq(rule_of(".htaccess", access), BITS_NAME_ACCESS_FILE);
    ck_assert_int_eq(rule_of(".HTACCESS", access), BITS_NAME_ACCESS_FILE);
    ck_assert_int_eq(rule_of(".acl", access), BITS_NAME_ACCESS_FILE);
    ck_assert_int_eq(rule_of(".ACL", access), BITS_NAME_ACCESS_FILE);
    ck_assert_int_eq(rule_of(".htpasswd", access), BITS_NAME_HT);
    ck_assert_int_eq(rule_of(".HtDigest", access), BITS_NAME_HT);
    ck_assert_int_eq(rule_of(".ht", access), BITS_NAME_HT);
    ck_assert_int_eq(rule_of(".user.ini", access), BITS_NAME_USER_INI);
    ck_assert_int_eq(rule_of(".USER.INI", access), BITS_NAME_USER_INI);
    ck_assert_int_eq(rule_of(".bits-publish-1234.tmp", access), BITS_NAME_STAGING);
    ck_assert_int_eq(rule_of(".BITS-anything", access), BITS_NAME_STAGING);
}
END_TEST

START_TEST(names_allowed)
{
    const apr_array_header_t *access = names_of(".htaccess", ".acl", NULL);

    ck_assert_int_eq(rule_of(".gitignore", access), BITS_NAME_OK);
    ck_assert_int_eq(rule_of(".editorconfig", access), BITS_NAME_OK);
    ck_assert_int_eq(rule_of("htaccess", access), BITS_NAME_OK);
    ck_assert_int_eq(rule_of("x.htaccess", access), BITS_NAME_OK);
    ck_assert_int_eq(rule_of(".acl.bak", access), BITS_NAME_OK);
    ck_assert_int_eq(rule_of("user.ini", access), BITS_NAME_OK);
    ck_assert_int_eq(rule_of(".user.ini.txt", access), BITS_NAME_OK);
    ck_assert_int_eq(rule_of("bits-publish-1.tmp", access), BITS_NAME_OK);
    ck_assert_int_eq(rule_of(".bits", access), BITS_NAME_OK);
    ck_assert_int_eq(rule_of("report.pdf", access), BITS_NAME_OK);
    /* No AccessFileName list: the built-in rules still hold. */
    ck_assert_int_eq(rule_of(".acl", NULL), BITS_NAME_OK);
    ck_assert_int_eq(rule_of(".htaccess", NULL), BITS_NAME_HT);
}
END_TEST

START_TEST(names_compare_the_whole_component)
{
    /* Only `len` bytes are the name: the rest of the path is not. */
    ck_assert_int_eq(bits_name_rule(".ht/x", 3, NULL), BITS_NAME_HT);
    ck_assert_int_eq(bits_name_rule(".user.ini/x", 9, NULL), BITS_NAME_USER_INI);
    ck_assert_int_eq(bits_name_rule(".user.in/i", 8, NULL), BITS_NAME_OK);
    ck_assert_int_eq(bits_name_rule(".aclx", 4, names_of(".acl", NULL)),
                     BITS_NAME_ACCESS_FILE);
    /* An AccessFileName with a directory part names its last component. */
    ck_assert_int_eq(rule_of(".perdir", names_of("conf/.perdir", NULL)),
                     BITS_NAME_ACCESS_FILE);
}
END_TEST

START_TEST(names_every_component_below_root)
{
    const apr_array_header_t *access = names_of(".acl", NULL);
    const char *real_root = bits_test_realpath(root, bits_test_pool);
    const char *bad;

    ck_assert_int_eq(bits_names_check_below(root, under(real_root, ".htaccess"), access,
                                            &bad, bits_test_pool), BITS_NAME_HT);
    ck_assert_str_eq(bad, ".htaccess");
    ck_assert_int_eq(bits_names_check_below(root, under(real_root, "sub/.acl"), access,
                                            &bad, bits_test_pool), BITS_NAME_ACCESS_FILE);
    ck_assert_str_eq(bad, ".acl");
    /* A directory on the way counts too. */
    ck_assert_int_eq(bits_names_check_below(root, under(root, ".htaccess/f.bin"), access,
                                            &bad, bits_test_pool), BITS_NAME_HT);
    ck_assert_str_eq(bad, ".htaccess");
    ck_assert_int_eq(bits_names_check_below(root, under(root, "a/.user.ini/b"), access,
                                            &bad, bits_test_pool), BITS_NAME_USER_INI);
    ck_assert_int_eq(bits_names_check_below(root, under(real_root, "sub/.gitignore"),
                                            access, &bad, bits_test_pool), BITS_NAME_OK);
    ck_assert_ptr_null(bad);
    /* The directories above the root are the operator's business. */
    ck_assert_int_eq(bits_names_check_below(under(base, ".htdocs"),
                                            under(base, ".htdocs/f.bin"), access,
                                            &bad, bits_test_pool), BITS_NAME_OK);
    /* Not below the root: the file name is still checked. */
    ck_assert_int_eq(bits_names_check_below(root, "/elsewhere/.htaccess", access,
                                            &bad, bits_test_pool), BITS_NAME_HT);
}
END_TEST

TCase *bits_names_tcase(void)
{
    TCase *tc = tcase_create("names");

    tcase_add_checked_fixture(tc, tree_setup, tree_teardown);
    tcase_add_test(tc, names_refused);
    tcase_add_test(tc, names_allowed);
    tcase_add_test(tc, names_compare_the_whole_component);
    tcase_add_test(tc, names_every_component_below_root);
    return tc;
}
