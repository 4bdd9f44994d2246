/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Runner of the unit tests: one suite from the per-area TCases (mod_md
 * style).  Prints check's "100%: Checks: N, Failures: 0, Errors: 0". */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_general.h>
#include <apr_strings.h>
#include "check_units.h"

apr_pool_t *bits_test_pool;

/* Every test directory lives under one directory per run, which main()
 * removes at the end: check skips the teardown of a failed test. */
static const char *run_dir;

void bits_test_pool_setup(void)
{
    ck_assert_int_eq(apr_pool_create(&bits_test_pool, NULL), APR_SUCCESS);
}

void bits_test_pool_teardown(void)
{
    apr_pool_destroy(bits_test_pool);
    bits_test_pool = NULL;
}

const char *bits_test_mkdtemp(apr_pool_t *p)
{
    char *dir = apr_pstrcat(p, run_dir, "/t-XXXXXX", NULL);

    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s: %s", dir, strerror(errno));
    return dir;
}

static const char *make_run_dir(apr_pool_t *p)
{
    const char *tmp;
    char *dir;

    if (apr_temp_dir_get(&tmp, p) != APR_SUCCESS)
        return NULL;
    dir = apr_pstrcat(p, tmp, "/bits-unit-XXXXXX", NULL);
    return mkdtemp(dir);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void bits_test_rmtree(const char *dir)
{
    if (dir != NULL)
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void bits_test_store_setup(const char **store, bits_claims_t **claims, apr_time_t *now)
{
    bits_test_pool_setup();
    *store = bits_test_mkdtemp(bits_test_pool);
    ck_assert_int_eq(bits_claims_create(claims, 4, bits_test_pool), APR_SUCCESS);
    *now = apr_time_now();
}

void bits_test_store_teardown(const char *store)
{
    bits_test_rmtree(store);
    bits_test_pool_teardown();
}

const char *bits_test_store_session(const char *store, const char *owner,
                                    const char *key, bits_state_t state,
                                    apr_time_t created, apr_time_t last_activity)
{
    apr_pool_t *p = bits_test_pool;
    bits_session_t s;

    memset(&s, 0, sizeof s);
    ck_assert_int_eq(bits_guid_new(s.id), APR_SUCCESS);
    s.state = state;
    s.owner = owner;
    s.owner_key = key;
    s.dest_url = "http://h/up/f";
    s.dest_path = "/srv/up/f";
    s.total = -1;
    s.max_upload = -1;
    s.created = created;
    s.last_activity = last_activity;
    ck_assert_int_eq(bits_session_create_dir(store, s.id, BITS_NO_GROUP, p), APR_SUCCESS);
    ck_assert_int_eq(bits_session_save(&s, store, p), APR_SUCCESS);
    return apr_pstrdup(p, s.id);
}

void bits_test_write_file(const char *path, const char *data, apr_pool_t *p)
{
    apr_file_t *f;
    apr_status_t rv;

    rv = apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                       | APR_FOPEN_TRUNCATE | APR_FOPEN_BINARY,
                       APR_FPROT_OS_DEFAULT, p);
    ck_assert_msg(rv == APR_SUCCESS, "open %s: %d", path, rv);
    ck_assert_int_eq(apr_file_write_full(f, data, strlen(data), NULL),
                     APR_SUCCESS);
    ck_assert_int_eq(apr_file_close(f), APR_SUCCESS);
}

const char *bits_test_read_file(const char *path, apr_pool_t *p)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t len;
    char *buf;
    apr_status_t rv;

    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY,
                       APR_FPROT_OS_DEFAULT, p);
    ck_assert_msg(rv == APR_SUCCESS, "open %s: %d", path, rv);
    ck_assert_int_eq(apr_file_info_get(&fi, APR_FINFO_SIZE, f), APR_SUCCESS);
    len = (apr_size_t)fi.size;
    buf = apr_palloc(p, len + 1);
    if (len > 0)
        ck_assert_int_eq(apr_file_read_full(f, buf, len, NULL), APR_SUCCESS);
    buf[len] = '\0';
    apr_file_close(f);
    return buf;
}

void bits_test_symlink(const char *to, const char *at)
{
    ck_assert_msg(symlink(to, at) == 0, "symlink %s: %s", at, strerror(errno));
}

int bits_test_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

const char *bits_test_realpath(const char *path, apr_pool_t *p)
{
    char *buf = apr_palloc(p, PATH_MAX);

    ck_assert_msg(realpath(path, buf) != NULL, "realpath %s", path);
    return buf;
}

static Suite *bits_suite(void)
{
    Suite *s = suite_create("mod_bits core");

    suite_add_tcase(s, bits_protocol_tcase());
    suite_add_tcase(s, bits_guid_tcase());
    suite_add_tcase(s, bits_path_tcase());
    suite_add_tcase(s, bits_names_tcase());
    suite_add_tcase(s, bits_session_tcase());
    suite_add_tcase(s, bits_lock_tcase());
    suite_add_tcase(s, bits_fileio_tcase());
    suite_add_tcase(s, bits_cleanup_tcase());
    suite_add_tcase(s, bits_notify_tcase());
    suite_add_tcase(s, bits_store_tcase());
    suite_add_tcase(s, bits_index_tcase());
    suite_add_tcase(s, bits_host_tcase());
    suite_add_tcase(s, bits_progress_tcase());
    suite_add_tcase(s, bits_progress_store_tcase());
    suite_add_tcase(s, bits_durable_tcase());
    suite_add_tcase(s, bits_durable_store_tcase());
    suite_add_tcase(s, bits_verify_tcase());
    suite_add_tcase(s, bits_sweep_registry_tcase());
    suite_add_tcase(s, bits_space_tcase());
    suite_add_tcase(s, bits_report_tcase());
    return s;
}

int main(void)
{
    apr_pool_t *main_pool;
    SRunner *sr;
    int failed;

    if (apr_app_initialize(NULL, NULL, NULL) != APR_SUCCESS
        || apr_pool_create(&main_pool, NULL) != APR_SUCCESS) {
        fprintf(stderr, "cannot initialise APR\n");
        return EXIT_FAILURE;
    }
    run_dir = make_run_dir(main_pool);
    if (run_dir == NULL) {
        fprintf(stderr, "cannot create a temporary directory\n");
        return EXIT_FAILURE;
    }
    sr = srunner_create(bits_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    bits_test_rmtree(run_dir);
    apr_terminate();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
