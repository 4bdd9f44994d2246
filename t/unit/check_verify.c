/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bits_verify.c (the store check of bitsctl verify), bits_walk.c, and the
 * parts of the sweep bitsctl adds: the dry run, notes, the shared policy. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_strings.h>
#include "bits_cleanup.h"
#include "bits_index.h"
#include "bits_progress.h"
#include "bits_session.h"
#include "bits_verify.h"
#include "bits_walk.h"
#include "check_units.h"
#include "check_store_fixture.h"

/* A live session of user u with its index entry and `held` bytes of data,
 * as the module leaves one. */
static const char *live_session(apr_off_t held)
{
    const char *id = bits_test_store_session(store, "u", NULL, BITS_STATE_RECEIVING,
                                             now - HOUR, now - HOUR);
    apr_pool_t *p = bits_test_pool;
    bits_session_t s;

    ck_assert_int_eq(bits_session_load(&s, store, id, p), APR_SUCCESS);
    s.total = 100;
    s.received = held;
    ck_assert_int_eq(bits_session_save(&s, store, p), APR_SUCCESS);
    ck_assert_int_eq(truncate(bits_session_file(store, id, BITS_REQUEST_FILE, p), held), 0);
    ck_assert_int_eq(bits_index_add(store, "user-u", id, p), APR_SUCCESS);
    return id;
}

/* A private file with exactly this content. */
static void put_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
}

typedef struct {
    int n;
    char kinds[512];
} found_t;

static void collect(void *baton, const bits_problem_t *pb)
{
    found_t *f = baton;

    f->n++;
    apr_cpystrn(f->kinds + strlen(f->kinds), pb->kind, sizeof f->kinds - strlen(f->kinds));
    apr_cpystrn(f->kinds + strlen(f->kinds), " ", sizeof f->kinds - strlen(f->kinds));
    ck_assert_ptr_nonnull(pb->detail);
}

static found_t verify(bits_verify_stats_t *st)
{
    found_t f;
    bits_verify_stats_t local;

    memset(&f, 0, sizeof f);
    ck_assert_int_eq(bits_verify_store(store, BITS_SWEEP_GRACE, claims, now, collect, &f,
                                       st ? st : &local, bits_test_pool), APR_SUCCESS);
    return f;
}

START_TEST(a_store_as_the_module_leaves_it_is_clean)
{
    const char *ended = bits_test_store_session(store, "u", NULL, BITS_STATE_RECEIVING,
                                                now - HOUR, now - HOUR);
    bits_verify_stats_t st;
    bits_session_t s;
    found_t f;

    live_session(40);
    ck_assert_int_eq(bits_index_add(store, "user-u", ended, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(bits_session_load(&s, store, ended, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(bits_index_retire(&s, store, BITS_STATE_CANCELLED, bits_test_pool),
                     APR_SUCCESS);
    f = verify(&st);
    ck_assert_msg(f.n == 0, "problems: %s", f.kinds);
    ck_assert_int_eq(st.sessions, 2);
    ck_assert_int_eq(st.problems, 0);
}
END_TEST

START_TEST(short_data_and_a_bad_record_are_reported)
{
    const char *id = live_session(40);
    const char *bad = live_session(0);
    found_t f;

    ck_assert_int_eq(truncate(bits_session_file(store, id, BITS_REQUEST_FILE,
                                                bits_test_pool), 30), 0);
    put_file(bits_session_file(store, bad, BITS_STATE_FILE, bits_test_pool), "garbage\n", 8);
    f = verify(NULL);
    ck_assert_msg(strstr(f.kinds, "data "), "%s", f.kinds);
    ck_assert_msg(strstr(f.kinds, "record "), "%s", f.kinds);
}
END_TEST

START_TEST(damaged_and_foreign_progress_slots_are_reported)
{
    const char *id = live_session(40);
    unsigned char buf[BITS_PROGRESS_SIZE];
    bits_progress_t rec;
    found_t f;

    memset(&rec, 0, sizeof rec);
    apr_cpystrn(rec.id, id, sizeof rec.id);
    rec.gen = 1;
    rec.received = 40;
    rec.total = -1;
    bits_progress_encode(&rec, buf);
    /* Slot 1: another session's record. */
    apr_cpystrn(rec.id, "{3F2504E0-4F89-41D3-9A0C-0305E82C3301}", sizeof rec.id);
    bits_progress_encode(&rec, buf + BITS_PROGRESS_SLOT);
    put_file(bits_session_file(store, id, BITS_PROGRESS_FILE, bits_test_pool), buf,
             sizeof buf);
    f = verify(NULL);
    ck_assert_int_eq(f.n, 1);
    ck_assert_str_eq(f.kinds, "progress ");

    buf[17] ^= 0x55;        /* slot 0 torn too */
    put_file(bits_session_file(store, id, BITS_PROGRESS_FILE, bits_test_pool), buf,
             sizeof buf);
    f = verify(NULL);
    ck_assert_int_eq(f.n, 2);
}
END_TEST

START_TEST(index_drift_both_ways_is_reported)
{
    const char *unindexed = live_session(0);
    const char *ended = live_session(0);
    bits_session_t s;
    found_t f;

    ck_assert_int_eq(bits_index_remove(store, "user-u", unindexed, bits_test_pool),
                     APR_SUCCESS);
    /* Ended, but its entry stayed (as after a crash in bits_index_retire). */
    ck_assert_int_eq(bits_session_load(&s, store, ended, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(bits_session_tombstone(&s, store, BITS_STATE_CLOSED, bits_test_pool),
                     APR_SUCCESS);
    f = verify(NULL);
    ck_assert_str_eq(f.kinds, "index index ");
}
END_TEST

START_TEST(orphans_and_bad_permissions_are_reported)
{
    const char *id = live_session(0);
    apr_pool_t *p = bits_test_pool;
    found_t f;

    put_file(apr_pstrcat(p, store, "/stray", NULL), "x", 1);
    ck_assert_int_eq(mkdir(apr_pstrcat(p, store, "/Requests/not-a-session", NULL), 0700), 0);
    ck_assert_int_eq(bits_session_create_reply_dir(store, "{3F2504E0-4F89-41D3-9A0C-0305E82C3301}",
                                                   BITS_NO_GROUP, p), APR_SUCCESS);
    f = verify(NULL);
    ck_assert_str_eq(f.kinds, "orphan orphan orphan ");

    bits_test_rmtree(apr_pstrcat(p, store, "/Replies", NULL));
    bits_test_rmtree(apr_pstrcat(p, store, "/Requests/not-a-session", NULL));
    ck_assert_int_eq(unlink(apr_pstrcat(p, store, "/stray", NULL)), 0);
    ck_assert_int_eq(chmod(bits_session_file(store, id, BITS_REQUEST_FILE, p), 0644), 0);
    ck_assert_int_eq(chmod(bits_session_dir(store, id, p), 0770), 0);
    bits_test_symlink("/etc/passwd", bits_session_file(store, id, "planted", p));
    f = verify(NULL);
    /* the symlink is no file of a session, and no place for a link */
    ck_assert_msg(f.n == 4, "%s", f.kinds);
    ck_assert_str_eq(f.kinds, "permissions permissions permissions orphan ");
}
END_TEST

START_TEST(verify_changes_nothing_and_skips_a_busy_session)
{
    const char *idle = live_session(0);
    const char *busy = live_session(0);
    apr_pool_t *p = bits_test_pool;
    bits_claims_t *other;
    bits_verify_stats_t st;
    bits_lock_t *lk;
    found_t f;

    /* Another process's request holds `busy` (its own claim table). */
    ck_assert_int_eq(bits_claims_create(&other, 1, p), APR_SUCCESS);
    ck_assert_int_eq(bits_lock_acquire(&lk, other, bits_session_file(store, busy,
                                       BITS_LOCK_FILE, p), busy, 0, p), APR_SUCCESS);
    ck_assert_int_eq(truncate(bits_session_file(store, busy, BITS_REQUEST_FILE, p), 0), 0);
    f = verify(&st);
    ck_assert_int_eq(st.busy, 1);
    ck_assert_int_eq(f.n, 0);
    /* A session nobody ever locked gets no lock file from verify. */
    ck_assert(!bits_test_exists(bits_session_file(store, idle, BITS_LOCK_FILE, p)));
    bits_lock_release(lk);
}
END_TEST

START_TEST(a_missing_store_is_an_error)
{
    bits_verify_stats_t st;
    found_t f;

    memset(&f, 0, sizeof f);
    ck_assert_int_ne(bits_verify_store(apr_pstrcat(bits_test_pool, store, "/none", NULL),
                                       BITS_SWEEP_GRACE, claims, now, collect, &f, &st,
                                       bits_test_pool), APR_SUCCESS);
}
END_TEST

static int count_walked(void *baton, const char *id, apr_pool_t *iter)
{
    (void)id;
    (void)iter;
    ++*(int *)baton;
    return 0;
}

START_TEST(the_walk_sees_only_session_directories)
{
    apr_pool_t *p = bits_test_pool;
    int n = 0;

    ck_assert_int_eq(bits_walk_sessions(store, count_walked, &n, p), APR_SUCCESS);
    ck_assert_int_eq(n, 0);         /* no Requests/ yet */
    live_session(0);
    live_session(0);
    ck_assert_int_eq(mkdir(apr_pstrcat(p, store, "/Requests/other", NULL), 0700), 0);
    ck_assert_int_eq(mkdir(apr_pstrcat(p, store, "/Requests/{3f2504e0-4f89-41d3-9a0c-0305e82c3301}",
                                       NULL), 0700), 0);
    ck_assert_int_eq(bits_walk_sessions(store, count_walked, &n, p), APR_SUCCESS);
    ck_assert_int_eq(n, 2);
}
END_TEST

START_TEST(the_module_policy_keeps_tombstones_one_to_seven_days)
{
    bits_sweep_policy_t pol;
    const apr_interval_time_t day = 24 * HOUR;

    bits_sweep_policy_init(&pol, HOUR, 5);
    ck_assert(pol.tombstone_ttl == day);
    ck_assert(pol.session_timeout == HOUR);
    ck_assert(pol.grace == BITS_SWEEP_GRACE);
    ck_assert_int_eq(pol.sessions_limit, 5);
    bits_sweep_policy_init(&pol, 3 * day, 0);
    ck_assert(pol.tombstone_ttl == 3 * day);
    bits_sweep_policy_init(&pol, 30 * day, 0);
    ck_assert(pol.tombstone_ttl == 7 * day);
}
END_TEST

typedef struct {
    int expired, removed, indexed;
} notes_t;

static void count_note(void *baton, bits_sweep_action_t action, const char *id)
{
    notes_t *n = baton;

    ck_assert_ptr_nonnull(id);
    n->expired += action == BITS_SWEEP_EXPIRED;
    n->removed += action == BITS_SWEEP_REMOVED;
    n->indexed += action == BITS_SWEEP_INDEXED;
}

START_TEST(a_dry_run_changes_nothing_and_says_what_the_sweep_does)
{
    apr_pool_t *p = bits_test_pool;
    const char *idle = bits_test_store_session(store, "u", NULL, BITS_STATE_RECEIVING,
                                               now - 50 * HOUR, now - 49 * HOUR);
    const char *old = bits_test_store_session(store, "u", NULL, BITS_STATE_CLOSED,
                                              now - 99 * HOUR, now - 98 * HOUR);
    const char *fresh = bits_test_store_session(store, "u", NULL, BITS_STATE_RECEIVING,
                                                now - HOUR, now - HOUR);
    bits_sweep_policy_t pol;
    bits_sweep_stats_t dry, real;
    notes_t n = { 0, 0, 0 };
    bits_sweep_run_t run = { 1, count_note, &n };
    bits_session_t s;

    bits_sweep_policy_init(&pol, 24 * HOUR, 0);
    ck_assert_int_eq(bits_index_add(store, "user-u", idle, p), APR_SUCCESS);
    ck_assert_int_eq(bits_sweep_run(store, &pol, &run, claims, now, &dry, p), APR_SUCCESS);
    ck_assert_int_eq(n.expired, 1);
    ck_assert_int_eq(n.removed, 1);
    ck_assert_int_eq(n.indexed, 1);
    /* Nothing changed: no lock file, no entry, the records as they were. */
    ck_assert(!bits_test_exists(bits_session_file(store, idle, BITS_LOCK_FILE, p)));
    ck_assert(!bits_index_has(store, "user-u", fresh, p));
    ck_assert(bits_test_exists(bits_session_dir(store, old, p)));
    ck_assert_int_eq(bits_session_load(&s, store, idle, p), APR_SUCCESS);
    ck_assert_int_eq(s.state, BITS_STATE_RECEIVING);

    /* The real sweep does what the dry run said. */
    ck_assert_int_eq(bits_sweep(store, &pol, claims, now, &real, p), APR_SUCCESS);
    ck_assert_int_eq(real.expired, dry.expired);
    ck_assert_int_eq(real.removed, dry.removed);
    ck_assert_int_eq(real.indexed, dry.indexed);
    ck_assert_int_eq(real.live, dry.live);
    ck_assert_int_eq(bits_session_load(&s, store, idle, p), APR_SUCCESS);
    ck_assert_int_eq(s.state, BITS_STATE_EXPIRED);
    ck_assert(!bits_test_exists(bits_session_dir(store, old, p)));
    ck_assert(bits_index_has(store, "user-u", fresh, p));
}
END_TEST

START_TEST(a_dry_run_counts_stale_index_entries)
{
    apr_pool_t *p = bits_test_pool;
    const char *ended = bits_test_store_session(store, "u", NULL, BITS_STATE_CANCELLED,
                                                now - HOUR, now - HOUR);
    bits_sweep_policy_t pol;
    bits_sweep_stats_t st;
    bits_sweep_run_t run = { 1, NULL, NULL };

    bits_sweep_policy_init(&pol, 24 * HOUR, 0);
    ck_assert_int_eq(bits_index_add(store, "user-u", ended, p), APR_SUCCESS);
    ck_assert_int_eq(bits_sweep_run(store, &pol, &run, claims, now, &st, p), APR_SUCCESS);
    ck_assert_int_eq(st.unindexed, 1);
    ck_assert(bits_index_has(store, "user-u", ended, p));
    ck_assert_int_eq(bits_index_stale(store, BITS_SWEEP_GRACE, now, NULL, NULL, p), 1);
}
END_TEST

TCase *bits_verify_tcase(void)
{
    TCase *tc = tcase_create("verify");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_store_as_the_module_leaves_it_is_clean);
    tcase_add_test(tc, short_data_and_a_bad_record_are_reported);
    tcase_add_test(tc, damaged_and_foreign_progress_slots_are_reported);
    tcase_add_test(tc, index_drift_both_ways_is_reported);
    tcase_add_test(tc, orphans_and_bad_permissions_are_reported);
    tcase_add_test(tc, verify_changes_nothing_and_skips_a_busy_session);
    tcase_add_test(tc, a_missing_store_is_an_error);
    tcase_add_test(tc, the_walk_sees_only_session_directories);
    tcase_add_test(tc, the_module_policy_keeps_tombstones_one_to_seven_days);
    tcase_add_test(tc, a_dry_run_changes_nothing_and_says_what_the_sweep_does);
    tcase_add_test(tc, a_dry_run_counts_stale_index_entries);
    return tc;
}
