/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bits_cleanup.c: the store sweep (expiry, tombstones, debris, per-user
 * limit), in one go and in resumable steps, the interval and the lock. */
#include <string.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>
#include <apr_strings.h>
#include "bits_cleanup.h"
#include "bits_session.h"
#include "bits_index.h"
#include "check_units.h"
#include "check_store_fixture.h"

static const bits_sweep_policy_t policy = {
    24 * HOUR,          /* session timeout */
    48 * HOUR,          /* tombstone ttl */
    HOUR / 6,           /* grace */
    2                   /* sessions per user */
};

/* A session counted under `key` (NULL: the user's key), created `age` ago,
 * last active `idle` ago; without an index entry. */
static const char *add_keyed_session(const char *owner, const char *key,
                                     bits_state_t state, apr_interval_time_t age,
                                     apr_interval_time_t idle)
{
    return bits_test_store_session(store, owner, key, state, now - age, now - idle);
}

static const char *add_session(const char *owner, bits_state_t state,
                               apr_interval_time_t age, apr_interval_time_t idle)
{
    return add_keyed_session(owner, NULL, state, age, idle);
}

static bits_state_t state_of(const char *id)
{
    bits_session_t s;

    ck_assert_int_eq(bits_session_load(&s, store, id, bits_test_pool), APR_SUCCESS);
    return s.state;
}

static int request_file_exists(const char *id)
{
    return bits_test_exists(bits_session_file(store, id, BITS_REQUEST_FILE,
                                              bits_test_pool));
}

START_TEST(idle_session_expires_and_loses_its_data)
{
    const char *old = add_session("u", BITS_STATE_RECEIVING, 30 * HOUR, 25 * HOUR);
    const char *fresh = add_session("u", BITS_STATE_RECEIVING, 30 * HOUR, HOUR);
    bits_sweep_stats_t st;

    ck_assert_int_eq(bits_sweep(store, &policy, claims, now, &st, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(st.expired, 1);
    ck_assert_int_eq(st.live, 1);
    ck_assert_int_eq(state_of(old), BITS_STATE_EXPIRED);
    ck_assert(!request_file_exists(old));
    ck_assert_int_eq(state_of(fresh), BITS_STATE_RECEIVING);
    ck_assert(request_file_exists(fresh));
}
END_TEST

START_TEST(grace_protects_a_session_just_past_its_timeout)
{
    const char *id = add_session("u", BITS_STATE_RECEIVING, 30 * HOUR,
                                 24 * HOUR + HOUR / 12);
    bits_sweep_stats_t st;

    bits_sweep(store, &policy, claims, now, &st, bits_test_pool);
    ck_assert_int_eq(st.expired, 0);
    ck_assert_int_eq(state_of(id), BITS_STATE_RECEIVING);
}
END_TEST

START_TEST(old_tombstones_go_recent_ones_stay)
{
    const char *old = add_session("u", BITS_STATE_CLOSED, 90 * HOUR, 49 * HOUR);
    const char *recent = add_session("u", BITS_STATE_CANCELLED, 90 * HOUR, 47 * HOUR);
    bits_sweep_stats_t st;

    bits_sweep(store, &policy, claims, now, &st, bits_test_pool);
    ck_assert_int_eq(st.removed, 1);
    ck_assert(!bits_test_exists(bits_session_dir(store, old, bits_test_pool)));
    ck_assert_int_eq(state_of(recent), BITS_STATE_CANCELLED);
}
END_TEST

START_TEST(busy_session_is_skipped)
{
    const char *id = add_session("u", BITS_STATE_RECEIVING, 30 * HOUR, 25 * HOUR);
    const char *lock = bits_session_file(store, id, BITS_LOCK_FILE, bits_test_pool);
    int fd = open(lock, O_RDWR | O_CREAT, 0600);
    bits_sweep_stats_t st;

    /* Another process (or node) is working on it: a separate flock. */
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(flock(fd, LOCK_EX), 0);
    bits_sweep(store, &policy, claims, now, &st, bits_test_pool);
    close(fd);
    ck_assert_int_eq(st.busy, 1);
    ck_assert_int_eq(st.expired, 0);
    ck_assert(request_file_exists(id));
}
END_TEST

START_TEST(unreadable_debris_goes_only_after_the_grace_period)
{
    const char *id = add_session("u", BITS_STATE_RECEIVING, HOUR, HOUR);
    const char *state = bits_session_file(store, id, BITS_STATE_FILE, bits_test_pool);
    const char *dir = bits_session_dir(store, id, bits_test_pool);
    bits_sweep_stats_t st;

    bits_test_write_file(state, "garbage\n", bits_test_pool);
    bits_sweep(store, &policy, claims, now, &st, bits_test_pool);
    ck_assert(bits_test_exists(dir));               /* may be a Create in flight */
    bits_sweep(store, &policy, claims, now + HOUR, &st, bits_test_pool);
    ck_assert_int_eq(st.removed, 1);
    ck_assert(!bits_test_exists(dir));
}
END_TEST

START_TEST(foreign_entries_are_left_alone)
{
    const char *requests = apr_pstrcat(bits_test_pool, store, "/" BITS_REQUESTS_DIR, NULL);
    const char *other = apr_pstrcat(bits_test_pool, requests, "/not-a-session", NULL);
    bits_sweep_stats_t st;

    ck_assert_int_eq(apr_dir_make_recursive(other, APR_FPROT_OS_DEFAULT,
                                            bits_test_pool), APR_SUCCESS);
    bits_sweep(store, &policy, claims, now + 1000 * HOUR, &st, bits_test_pool);
    ck_assert(bits_test_exists(other));
}
END_TEST

START_TEST(user_over_the_limit_loses_the_most_recent_sessions)
{
    const char *a1 = add_session("alice", BITS_STATE_RECEIVING, 5 * HOUR, 0);
    const char *a2 = add_session("alice", BITS_STATE_RECEIVING, 4 * HOUR, 0);
    const char *a3 = add_session("alice", BITS_STATE_DONE, 3 * HOUR, 0);
    const char *a4 = add_session("alice", BITS_STATE_RECEIVING, 2 * HOUR, 0);
    const char *b1 = add_session("bob", BITS_STATE_RECEIVING, HOUR, 0);
    bits_sweep_stats_t st;

    bits_sweep(store, &policy, claims, now, &st, bits_test_pool);
    ck_assert_int_eq(st.limited, 2);
    ck_assert_int_eq(st.live, 3);
    ck_assert_int_eq(state_of(a1), BITS_STATE_RECEIVING);
    ck_assert_int_eq(state_of(a2), BITS_STATE_RECEIVING);
    ck_assert_int_eq(state_of(a3), BITS_STATE_EXPIRED);
    ck_assert_int_eq(state_of(a4), BITS_STATE_EXPIRED);
    ck_assert_int_eq(state_of(b1), BITS_STATE_RECEIVING);
}
END_TEST

/* Anonymous clients used to share one owner: the oldest sessions of one
 * client cost another client its newer ones.  Now each address counts. */
START_TEST(limit_is_per_owner_key_never_across_keys)
{
    const char *x1 = add_keyed_session("", "anon-127.0.2.1", BITS_STATE_RECEIVING,
                                       9 * HOUR, 0);
    const char *x2 = add_keyed_session("", "anon-127.0.2.1", BITS_STATE_RECEIVING,
                                       8 * HOUR, 0);
    const char *x3 = add_keyed_session("", "anon-127.0.2.1", BITS_STATE_RECEIVING,
                                       7 * HOUR, 0);
    const char *v1 = add_keyed_session("", "anon-127.0.2.2", BITS_STATE_RECEIVING,
                                       HOUR, 0);
    const char *v2 = add_keyed_session("", "anon-127.0.2.2", BITS_STATE_RECEIVING,
                                       HOUR / 2, 0);
    bits_sweep_stats_t st;

    bits_sweep(store, &policy, claims, now, &st, bits_test_pool);
    ck_assert_int_eq(st.limited, 1);
    ck_assert_int_eq(state_of(x1), BITS_STATE_RECEIVING);
    ck_assert_int_eq(state_of(x2), BITS_STATE_RECEIVING);
    ck_assert_int_eq(state_of(x3), BITS_STATE_EXPIRED);
    ck_assert_int_eq(state_of(v1), BITS_STATE_RECEIVING);
    ck_assert_int_eq(state_of(v2), BITS_STATE_RECEIVING);
}
END_TEST

START_TEST(sweep_repairs_the_index_both_ways)
{
    apr_pool_t *p = bits_test_pool;
    const char *live = add_keyed_session("", "anon-127.0.2.1", BITS_STATE_RECEIVING,
                                         HOUR, 0);
    const char *old = add_session("alice", BITS_STATE_RECEIVING, 30 * HOUR, 25 * HOUR);
    const char *legacy = add_session("", BITS_STATE_RECEIVING, HOUR, 0);
    char ghost[BITS_GUID_LEN + 1];
    const char *ghost_entry;
    bits_sweep_stats_t st;

    ck_assert_int_eq(bits_guid_new(ghost), APR_SUCCESS);
    ck_assert_int_eq(bits_index_add(store, "anon-127.0.2.9", ghost, p), APR_SUCCESS);
    ck_assert_int_eq(bits_index_add(store, "user-alice", old, p), APR_SUCCESS);
    ghost_entry = apr_pstrcat(p, store, "/" BITS_INDEX_DIR "/anon-127.0.2.9/", ghost, NULL);
    ck_assert_int_eq(apr_file_mtime_set(ghost_entry, now - HOUR, p), APR_SUCCESS);

    bits_sweep(store, &policy, claims, now, &st, p);
    ck_assert_int_eq(st.indexed, 2);           /* live and legacy had none */
    ck_assert_int_eq(st.unindexed, 1);         /* the ghost */
    ck_assert(bits_index_has(store, "anon-127.0.2.1", live, p));
    ck_assert(bits_index_has(store, "anon-unknown", legacy, p));
    ck_assert(!bits_index_has(store, "user-alice", old, p));   /* expired: tombstone */
    ck_assert(!bits_test_exists(ghost_entry));
    ck_assert(!bits_test_exists(apr_pstrcat(p, store, "/" BITS_INDEX_DIR "/user-alice",
                                            NULL)));
    bits_sweep(store, &policy, claims, now, &st, p);
    ck_assert_int_eq(st.indexed + st.unindexed, 0);  /* nothing left to repair */
}
END_TEST

START_TEST(missing_store_is_nothing_to_do)
{
    bits_sweep_stats_t st;
    const char *none = apr_pstrcat(bits_test_pool, store, "/absent", NULL);

    ck_assert_int_eq(bits_sweep(none, &policy, claims, now, &st, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(st.live + st.expired + st.removed, 0);
}
END_TEST

START_TEST(sweep_is_due_once_per_interval)
{
    apr_pool_t *p = bits_test_pool;

    ck_assert_int_eq(bits_sweep_is_due(store, HOUR, now, p), 1);   /* never swept */
    bits_sweep_done(store, now, p);
    ck_assert_int_eq(bits_sweep_is_due(store, HOUR, now + HOUR / 2, p), 0);
    ck_assert_int_eq(bits_sweep_is_due(store, HOUR, now + 2 * HOUR, p), 1);
}
END_TEST

START_TEST(a_new_store_is_first_swept_an_interval_later)
{
    apr_pool_t *p = bits_test_pool;
    apr_time_t t = apr_time_now();

    bits_sweep_prepare(store, p);
    ck_assert_int_eq(bits_sweep_is_due(store, HOUR, t, p), 0);
    ck_assert_int_eq(bits_sweep_is_due(store, HOUR, t + 2 * HOUR, p), 1);
    ck_assert(bits_test_exists(apr_pstrcat(p, store, "/.sweep-lock", NULL)));
    /* An existing stamp is not renewed. */
    bits_sweep_done(store, t - 2 * HOUR, p);
    bits_sweep_prepare(store, p);
    ck_assert_int_eq(bits_sweep_is_due(store, HOUR, t, p), 1);
}
END_TEST

START_TEST(one_sweeper_at_a_time)
{
    apr_pool_t *p = bits_test_pool;
    bits_lock_t *held, *again;
    const char *lock = apr_pstrcat(p, store, "/.sweep-lock", NULL);
    int fd;

    ck_assert_int_eq(bits_sweep_lock(&held, claims, store, p), APR_SUCCESS);
    /* Another thread of this process. */
    ck_assert_int_eq(bits_sweep_lock(&again, claims, store, p), APR_EBUSY);
    bits_lock_release(held);
    /* Another process or farm node. */
    fd = open(lock, O_RDWR);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(flock(fd, LOCK_EX), 0);
    ck_assert_int_eq(bits_sweep_lock(&again, claims, store, p), APR_EBUSY);
    close(fd);
    ck_assert_int_eq(bits_sweep_lock(&again, claims, store, p), APR_SUCCESS);
    bits_lock_release(again);
}
END_TEST

/* The stats of a sweep run in steps of `units` (0: at once). */
static bits_sweep_stats_t sweep_in_steps(int units, int *steps)
{
    bits_sweep_cursor_t *c;
    bits_sweep_stats_t st;
    apr_status_t rv;

    *steps = 0;
    ck_assert_int_eq(bits_sweep_begin(&c, store, &policy, NULL, claims, now, bits_test_pool),
                     APR_SUCCESS);
    do {
        rv = bits_sweep_step(c, 0, units);
        (*steps)++;
        ck_assert(rv == APR_SUCCESS || rv == APR_INCOMPLETE);
        ck_assert_int_lt(*steps, 1000);
    } while (rv == APR_INCOMPLETE);
    st = *bits_sweep_stats(c);
    bits_sweep_end(c);
    return st;
}

/* A sweep cut into steps of one unit does what one sweep does: every
 * session once, the limit, the index. */
START_TEST(batched_sweep_resumes_where_it_stopped)
{
    const char *ids[6];
    bits_sweep_stats_t st;
    int i, steps;

    for (i = 0; i < 3; i++)
        ids[i] = add_session("u", BITS_STATE_RECEIVING, 30 * HOUR, 25 * HOUR);
    for (; i < 6; i++)
        ids[i] = add_session("alice", BITS_STATE_RECEIVING, (10 - i) * HOUR, 0);
    st = sweep_in_steps(1, &steps);
    ck_assert_int_eq(st.expired, 3);
    ck_assert_int_eq(st.limited, 1);        /* alice: 3 live, limit 2 */
    ck_assert_int_eq(st.live, 2);
    ck_assert_int_eq(st.indexed, 3);
    /* 8 entries of Requests/ (6 sessions, ".", ".."), their end, the limit,
     * two owners' index, the end of the index: one step each. */
    ck_assert_int_ge(steps, 6 + 3);
    for (i = 0; i < 3; i++)
        ck_assert_int_eq(state_of(ids[i]), BITS_STATE_EXPIRED);
    ck_assert_int_eq(state_of(ids[5]), BITS_STATE_EXPIRED);   /* the most recent */
    ck_assert_int_eq(state_of(ids[3]), BITS_STATE_RECEIVING);
    ck_assert_int_eq(state_of(ids[4]), BITS_STATE_RECEIVING);
    ck_assert_int_eq(bits_index_count(store, "user-alice", 0, bits_test_pool), 2);
    st = sweep_in_steps(0, &steps);
    ck_assert_int_eq(steps, 1);
    ck_assert_int_eq(st.expired + st.limited + st.indexed + st.unindexed, 0);
}
END_TEST

START_TEST(step_stops_at_its_deadline)
{
    bits_sweep_cursor_t *c;
    int i;

    for (i = 0; i < 3; i++)
        add_session("u", BITS_STATE_RECEIVING, 30 * HOUR, 25 * HOUR);
    ck_assert_int_eq(bits_sweep_begin(&c, store, &policy, NULL, claims, now, bits_test_pool),
                     APR_SUCCESS);
    /* A deadline already past: nothing done, more to do. */
    ck_assert_int_eq(bits_sweep_step(c, apr_time_now() - 1, 0), APR_INCOMPLETE);
    ck_assert_int_eq(bits_sweep_stats(c)->expired, 0);
    ck_assert_int_eq(bits_sweep_step(c, apr_time_now() + apr_time_from_sec(60), 0),
                     APR_SUCCESS);
    ck_assert_int_eq(bits_sweep_stats(c)->expired, 3);
    ck_assert_str_eq(bits_sweep_store(c), store);
    bits_sweep_end(c);
}
END_TEST

START_TEST(batched_sweep_of_a_store_without_sessions)
{
    const char *none = apr_pstrcat(bits_test_pool, store, "/absent", NULL);
    bits_sweep_cursor_t *c;

    ck_assert_int_eq(bits_sweep_begin(&c, none, &policy, NULL, claims, now, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(bits_sweep_step(c, 0, 1), APR_INCOMPLETE);
    ck_assert_int_eq(bits_sweep_step(c, 0, 0), APR_SUCCESS);
    bits_sweep_end(c);
}
END_TEST

TCase *bits_cleanup_tcase(void)
{
    TCase *tc = tcase_create("cleanup");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, idle_session_expires_and_loses_its_data);
    tcase_add_test(tc, grace_protects_a_session_just_past_its_timeout);
    tcase_add_test(tc, old_tombstones_go_recent_ones_stay);
    tcase_add_test(tc, busy_session_is_skipped);
    tcase_add_test(tc, unreadable_debris_goes_only_after_the_grace_period);
    tcase_add_test(tc, foreign_entries_are_left_alone);
    tcase_add_test(tc, user_over_the_limit_loses_the_most_recent_sessions);
    tcase_add_test(tc, limit_is_per_owner_key_never_across_keys);
    tcase_add_test(tc, sweep_repairs_the_index_both_ways);
    tcase_add_test(tc, missing_store_is_nothing_to_do);
    tcase_add_test(tc, sweep_is_due_once_per_interval);
    tcase_add_test(tc, a_new_store_is_first_swept_an_interval_later);
    tcase_add_test(tc, one_sweeper_at_a_time);
    tcase_add_test(tc, batched_sweep_resumes_where_it_stopped);
    tcase_add_test(tc, step_stops_at_its_deadline);
    tcase_add_test(tc, batched_sweep_of_a_store_without_sessions);
    return tc;
}
