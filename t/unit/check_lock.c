/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bits_lock.c: the two-layer session lock: an in-process
 * claim table plus a file lock that also excludes other processes. */
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include "bits_lock.h"
#include "check_units.h"

#define ID_A "{11111111-1111-4111-8111-111111111111}"
#define ID_B "{22222222-2222-4222-8222-222222222222}"
#define SHORT_WAIT apr_time_from_msec(100)
#define LONG_WAIT  apr_time_from_sec(5)
#define HOLD_MS    150   /* how long the helper threads keep a lock */

static const char *dir;
static bits_claims_t *claims;

static void lock_setup(void)
{
    bits_test_pool_setup();
    dir = bits_test_mkdtemp(bits_test_pool);
    ck_assert_int_eq(bits_claims_create(&claims, 8, bits_test_pool),
                     APR_SUCCESS);
}

static void lock_teardown(void)
{
    bits_test_rmtree(dir);
    bits_test_pool_teardown();
}

static const char *lock_path(const char *name)
{
    return apr_pstrcat(bits_test_pool, dir, "/", name, NULL);
}

static apr_status_t acquire(bits_lock_t **lk, const char *id, const char *path,
                            apr_interval_time_t wait, apr_pool_t *p)
{
    return bits_lock_acquire(lk, claims, path, id, wait, p);
}

/* Another process's hold on the file: flock on a separately opened fd. */
static apr_file_t *hold_file_lock(const char *path)
{
    apr_file_t *f;

    ck_assert_int_eq(apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE,
                                   APR_FPROT_OS_DEFAULT, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(apr_file_lock(f, APR_FLOCK_EXCLUSIVE | APR_FLOCK_NONBLOCK),
                     APR_SUCCESS);
    return f;
}

/* 1 if nobody holds the file lock (checked with a fresh descriptor). */
static int file_lock_is_free(const char *path)
{
    apr_file_t *f;
    apr_status_t rv;

    ck_assert_int_eq(apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE,
                                   APR_FPROT_OS_DEFAULT, bits_test_pool),
                     APR_SUCCESS);
    rv = apr_file_lock(f, APR_FLOCK_EXCLUSIVE | APR_FLOCK_NONBLOCK);
    apr_file_close(f);
    return rv == APR_SUCCESS;
}

START_TEST(acquire_and_release)
{
    bits_lock_t *lk = NULL;
    const char *path = lock_path("lock");

    ck_assert_int_eq(acquire(&lk, ID_A, path, SHORT_WAIT, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_ptr_nonnull(lk);
    ck_assert(bits_test_exists(path));
    ck_assert_int_eq(file_lock_is_free(path), 0);
    bits_lock_release(lk);
    ck_assert_int_eq(file_lock_is_free(path), 1);
}
END_TEST

START_TEST(second_acquire_times_out)
{
    bits_lock_t *first, *second = NULL;
    const char *path = lock_path("lock");
    apr_time_t start;
    apr_interval_time_t waited;

    ck_assert_int_eq(acquire(&first, ID_A, path, SHORT_WAIT, bits_test_pool),
                     APR_SUCCESS);
    start = apr_time_now();
    ck_assert_int_eq(acquire(&second, ID_A, path, SHORT_WAIT, bits_test_pool),
                     APR_TIMEUP);
    waited = apr_time_now() - start;
    ck_assert_msg(waited >= SHORT_WAIT - apr_time_from_msec(5),
                  "gave up after %" APR_TIME_T_FMT " us", waited);
    ck_assert_msg(waited < LONG_WAIT, "waited %" APR_TIME_T_FMT " us", waited);
    bits_lock_release(first);
}
END_TEST

START_TEST(zero_wait_fails_at_once)
{
    bits_lock_t *first, *second;
    const char *path = lock_path("lock");

    ck_assert_int_eq(acquire(&first, ID_A, path, 0, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(acquire(&second, ID_A, path, 0, bits_test_pool), APR_TIMEUP);
    bits_lock_release(first);
}
END_TEST

START_TEST(different_ids_are_independent)
{
    bits_lock_t *a, *b;

    ck_assert_int_eq(acquire(&a, ID_A, lock_path("a.lock"), SHORT_WAIT,
                             bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(acquire(&b, ID_B, lock_path("b.lock"), SHORT_WAIT,
                             bits_test_pool), APR_SUCCESS);
    bits_lock_release(a);
    /* Still held after the other one went. */
    ck_assert_int_eq(file_lock_is_free(lock_path("b.lock")), 0);
    bits_lock_release(b);
}
END_TEST

START_TEST(file_lock_of_another_holder_blocks)
{
    bits_lock_t *lk;
    const char *path = lock_path("lock");
    apr_file_t *other = hold_file_lock(path);

    /* The id is not claimed in this table: only the file lock stops us. */
    ck_assert_int_eq(acquire(&lk, ID_A, path, SHORT_WAIT, bits_test_pool),
                     APR_TIMEUP);
    ck_assert_int_eq(apr_file_unlock(other), APR_SUCCESS);
    ck_assert_int_eq(acquire(&lk, ID_A, path, SHORT_WAIT, bits_test_pool),
                     APR_SUCCESS);
    bits_lock_release(lk);
    apr_file_close(other);
}
END_TEST

START_TEST(timeout_on_file_lock_frees_the_claim)
{
    bits_lock_t *lk;
    const char *path = lock_path("lock");
    apr_file_t *other = hold_file_lock(path);

    ck_assert_int_eq(acquire(&lk, ID_A, path, SHORT_WAIT, bits_test_pool),
                     APR_TIMEUP);
    apr_file_close(other);
    /* Had the failed attempt kept its claim, this would time out too. */
    ck_assert_int_eq(acquire(&lk, ID_A, path, 0, bits_test_pool), APR_SUCCESS);
    bits_lock_release(lk);
}
END_TEST

START_TEST(release_makes_it_acquirable_again)
{
    bits_lock_t *lk;
    const char *path = lock_path("lock");
    int i;

    for (i = 0; i < 5; i++) {
        ck_assert_int_eq(acquire(&lk, ID_A, path, SHORT_WAIT, bits_test_pool),
                         APR_SUCCESS);
        bits_lock_release(lk);
    }
    ck_assert_int_eq(file_lock_is_free(path), 1);
}
END_TEST

START_TEST(release_twice_is_harmless)
{
    bits_lock_t *lk, *again;
    const char *path = lock_path("lock");

    ck_assert_int_eq(acquire(&lk, ID_A, path, SHORT_WAIT, bits_test_pool),
                     APR_SUCCESS);
    bits_lock_release(lk);
    ck_assert_int_eq(acquire(&again, ID_A, path, SHORT_WAIT, bits_test_pool),
                     APR_SUCCESS);
    bits_lock_release(lk);      /* must not drop the new holder's lock */
    ck_assert_int_eq(file_lock_is_free(path), 0);
    ck_assert_int_eq(acquire(&lk, ID_A, path, 0, bits_test_pool), APR_TIMEUP);
    bits_lock_release(again);
}
END_TEST

START_TEST(pool_cleanup_releases)
{
    bits_lock_t *lk;
    apr_pool_t *request;
    const char *path = lock_path("lock");

    ck_assert_int_eq(apr_pool_create(&request, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(acquire(&lk, ID_A, path, SHORT_WAIT, request), APR_SUCCESS);
    apr_pool_destroy(request);      /* an early return that forgot to release */

    ck_assert_int_eq(file_lock_is_free(path), 1);
    ck_assert_int_eq(acquire(&lk, ID_A, path, 0, bits_test_pool), APR_SUCCESS);
    bits_lock_release(lk);
}
END_TEST

START_TEST(pool_cleanup_after_release)
{
    bits_lock_t *lk, *next;
    apr_pool_t *request;
    const char *path = lock_path("lock");

    ck_assert_int_eq(apr_pool_create(&request, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(acquire(&lk, ID_A, path, SHORT_WAIT, request), APR_SUCCESS);
    bits_lock_release(lk);
    ck_assert_int_eq(acquire(&next, ID_A, path, 0, bits_test_pool), APR_SUCCESS);
    apr_pool_destroy(request);      /* must not touch the new holder */
    ck_assert_int_eq(file_lock_is_free(path), 0);
    bits_lock_release(next);
}
END_TEST

/* A worker thread that holds the lock briefly, then lets go. */
typedef struct {
    bits_lock_t *lk;
} holder_t;

static void *APR_THREAD_FUNC release_later(apr_thread_t *t, void *data)
{
    holder_t *h = data;

    apr_sleep(apr_time_from_msec(HOLD_MS));
    bits_lock_release(h->lk);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

START_TEST(waiter_gets_the_lock_after_release)
{
    holder_t h;
    bits_lock_t *lk;
    apr_thread_t *t;
    apr_status_t trv;
    const char *path = lock_path("lock");
    apr_time_t start;

    ck_assert_int_eq(acquire(&h.lk, ID_A, path, 0, bits_test_pool), APR_SUCCESS);
    start = apr_time_now();         /* before the thread's sleep begins */
    ck_assert_int_eq(apr_thread_create(&t, NULL, release_later, &h,
                                       bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(acquire(&lk, ID_A, path, LONG_WAIT, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_ge(apr_time_now() - start, apr_time_from_msec(HOLD_MS));
    ck_assert_int_eq(apr_thread_join(&trv, t), APR_SUCCESS);
    bits_lock_release(lk);
}
END_TEST

static void *APR_THREAD_FUNC unlock_file_later(apr_thread_t *t, void *data)
{
    apr_sleep(apr_time_from_msec(HOLD_MS));
    apr_file_unlock(data);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

START_TEST(waiter_gets_the_file_lock_after_unlock)
{
    bits_lock_t *lk;
    apr_thread_t *t;
    apr_status_t trv;
    const char *path = lock_path("lock");
    apr_file_t *other = hold_file_lock(path);
    apr_time_t start;

    /* Another process (here: another descriptor) lets go while we wait. */
    start = apr_time_now();
    ck_assert_int_eq(apr_thread_create(&t, NULL, unlock_file_later, other,
                                       bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(acquire(&lk, ID_A, path, LONG_WAIT, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_ge(apr_time_now() - start, apr_time_from_msec(HOLD_MS));
    ck_assert_int_eq(apr_thread_join(&trv, t), APR_SUCCESS);
    bits_lock_release(lk);
    apr_file_close(other);
}
END_TEST

/* ---- counting slots ---------------------------------------------------- */

static const char *slot_dir(void)
{
    const char *d = lock_path("slots");

    ck_assert_int_eq(bits_slots_prepare(d, 2, bits_test_pool), APR_SUCCESS);
    return d;
}

START_TEST(slots_are_private_files)
{
    const char *d = slot_dir();
    apr_finfo_t fi;

    ck_assert_int_eq(apr_stat(&fi, d, APR_FINFO_PROT | APR_FINFO_TYPE, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(fi.filetype, APR_DIR);
    ck_assert_int_eq(fi.protection, APR_FPROT_UREAD | APR_FPROT_UWRITE
                                    | APR_FPROT_UEXECUTE);
    ck_assert_int_eq(apr_stat(&fi, bits_slot_path(d, 1, bits_test_pool),
                              APR_FINFO_PROT | APR_FINFO_TYPE, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(fi.filetype, APR_REG);
    ck_assert_int_eq(fi.protection, APR_FPROT_UREAD | APR_FPROT_UWRITE);
    ck_assert(!bits_test_exists(bits_slot_path(d, 2, bits_test_pool)));
    /* Preparing again (a restart) is fine. */
    ck_assert_int_eq(bits_slots_prepare(d, 2, bits_test_pool), APR_SUCCESS);
}
END_TEST

START_TEST(slots_count_holders_in_one_process)
{
    const char *d = slot_dir();
    bits_slot_t *a = NULL, *b = NULL, *c = NULL;

    ck_assert_int_eq(bits_slot_take(&a, d, 2, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(bits_slot_take(&b, d, 2, bits_test_pool), APR_SUCCESS);
    ck_assert_ptr_ne(a, b);
    ck_assert_int_eq(bits_slot_take(&c, d, 2, bits_test_pool), APR_EBUSY);
    bits_slot_release(a);
    ck_assert_int_eq(bits_slot_take(&c, d, 2, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(bits_slot_take(&a, d, 2, bits_test_pool), APR_EBUSY);
    bits_slot_release(b);
    bits_slot_release(c);
    bits_slot_release(c);                 /* twice is harmless */
}
END_TEST

typedef struct {
    const char *dir;
    apr_status_t rv;
} slot_thread_t;

static void *APR_THREAD_FUNC take_in_thread(apr_thread_t *t, void *data)
{
    slot_thread_t *st = data;
    bits_slot_t *slot;

    st->rv = bits_slot_take(&slot, st->dir, 1, bits_test_pool);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

/* Another thread of this process cannot take a slot this thread holds. */
START_TEST(slots_exclude_other_threads)
{
    const char *d = slot_dir();
    slot_thread_t st = { d, APR_SUCCESS };
    bits_slot_t *mine;
    apr_thread_t *t;
    apr_status_t trv;

    ck_assert_int_eq(bits_slot_take(&mine, d, 1, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(apr_thread_create(&t, NULL, take_in_thread, &st, bits_test_pool),
                     APR_SUCCESS);
    apr_thread_join(&trv, t);
    ck_assert_int_eq(st.rv, APR_EBUSY);
}
END_TEST

START_TEST(slots_pool_cleanup_releases)
{
    const char *d = slot_dir();
    bits_slot_t *s;
    apr_pool_t *p;

    apr_pool_create(&p, bits_test_pool);
    ck_assert_int_eq(bits_slot_take(&s, d, 1, p), APR_SUCCESS);
    ck_assert_int_eq(bits_slot_take(&s, d, 1, bits_test_pool), APR_EBUSY);
    apr_pool_destroy(p);
    ck_assert_int_eq(bits_slot_take(&s, d, 1, bits_test_pool), APR_SUCCESS);
}
END_TEST

START_TEST(slots_missing_is_an_error_not_busy)
{
    bits_slot_t *s;

    ck_assert_int_eq(APR_STATUS_IS_ENOENT(bits_slot_take(&s, lock_path("none"), 2,
                                                         bits_test_pool)), 1);
}
END_TEST

TCase *bits_lock_tcase(void)
{
    TCase *tc = tcase_create("lock");

    tcase_add_checked_fixture(tc, lock_setup, lock_teardown);
    tcase_add_test(tc, acquire_and_release);
    tcase_add_test(tc, second_acquire_times_out);
    tcase_add_test(tc, zero_wait_fails_at_once);
    tcase_add_test(tc, different_ids_are_independent);
    tcase_add_test(tc, file_lock_of_another_holder_blocks);
    tcase_add_test(tc, timeout_on_file_lock_frees_the_claim);
    tcase_add_test(tc, release_makes_it_acquirable_again);
    tcase_add_test(tc, release_twice_is_harmless);
    tcase_add_test(tc, pool_cleanup_releases);
    tcase_add_test(tc, pool_cleanup_after_release);
    tcase_add_test(tc, waiter_gets_the_lock_after_release);
    tcase_add_test(tc, waiter_gets_the_file_lock_after_unlock);
    tcase_add_test(tc, slots_are_private_files);
    tcase_add_test(tc, slots_count_holders_in_one_process);
    tcase_add_test(tc, slots_exclude_other_threads);
    tcase_add_test(tc, slots_pool_cleanup_releases);
    tcase_add_test(tc, slots_missing_is_an_error_not_busy);
    return tc;
}
