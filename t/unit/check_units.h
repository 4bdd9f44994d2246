/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Unit tests of the APR-only core: one TCase per area, gathered into one
 * suite by check_main.c, plus the few helpers the areas share. */
#ifndef CHECK_UNITS_H
#define CHECK_UNITS_H

#include <check.h>
#include <apr_pools.h>
#include <apr_file_io.h>
#include "bits_lock.h"
#include "bits_session.h"

TCase *bits_protocol_tcase(void);
TCase *bits_guid_tcase(void);
TCase *bits_path_tcase(void);
TCase *bits_names_tcase(void);
TCase *bits_session_tcase(void);
TCase *bits_lock_tcase(void);
TCase *bits_fileio_tcase(void);
TCase *bits_cleanup_tcase(void);
TCase *bits_notify_tcase(void);
TCase *bits_store_tcase(void);
TCase *bits_index_tcase(void);
TCase *bits_host_tcase(void);
TCase *bits_progress_tcase(void);
TCase *bits_progress_store_tcase(void);
TCase *bits_durable_tcase(void);
TCase *bits_durable_store_tcase(void);
TCase *bits_verify_tcase(void);
TCase *bits_sweep_registry_tcase(void);
TCase *bits_space_tcase(void);
TCase *bits_report_tcase(void);

/* A fresh pool per test: add as a checked fixture (runs in the test's
 * forked child, so nothing leaks from one test into the next). */
extern apr_pool_t *bits_test_pool;
void bits_test_pool_setup(void);
void bits_test_pool_teardown(void);

/* A new, empty, private directory under the system temp dir. */
const char *bits_test_mkdtemp(apr_pool_t *p);
/* Removes a tree without following symlinks; a missing tree is fine. */
void bits_test_rmtree(const char *dir);

/* The fixture of tests on a session store (sweep, index): a fresh pool,
 * an empty store directory, a claim table and the time the test began. */
void bits_test_store_setup(const char **store, bits_claims_t **claims, apr_time_t *now);
void bits_test_store_teardown(const char *store);
/* A live or ended session of `owner` counted under `key` (NULL: the
 * record's default key) in `store`, with its record and empty request
 * file but no index entry; returns its id. */
const char *bits_test_store_session(const char *store, const char *owner,
                                    const char *key, bits_state_t state,
                                    apr_time_t created, apr_time_t last_activity);

/* Whole-file helpers that fail the running test on error. */
void bits_test_write_file(const char *path, const char *data, apr_pool_t *p);
const char *bits_test_read_file(const char *path, apr_pool_t *p);
void bits_test_symlink(const char *to, const char *at);
/* 1 if something (even a dangling symlink) exists at path. */
int bits_test_exists(const char *path);
/* The canonical absolute form of path, which must exist. */
const char *bits_test_realpath(const char *path, apr_pool_t *p);

#endif
