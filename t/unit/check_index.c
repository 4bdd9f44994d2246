/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bits_index.c: owner keys, the per-owner entries, counting (raw and
 * checked against the records), the owner lock, listing, repair; and how
 * the session record and its tombstone keep the index. */
#include <string.h>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include "bits_index.h"
#include "bits_session.h"
#include "check_units.h"
#include "check_store_fixture.h"

static const char *key_of(const char *user, const char *ip)
{
    return bits_owner_key(user, ip, bits_test_pool);
}

static const char *new_id(void)
{
    char id[BITS_GUID_LEN + 1];

    ck_assert_int_eq(bits_guid_new(id), APR_SUCCESS);
    return apr_pstrdup(bits_test_pool, id);
}

/* A session record of `key` on disk, with its index entry. */
static const char *add_session(const char *key, bits_state_t state,
                               apr_interval_time_t idle)
{
    const char *id = bits_test_store_session(store, "", key, state, now - idle,
                                             now - idle);

    ck_assert_int_eq(bits_index_add(store, key, id, bits_test_pool), APR_SUCCESS);
    return id;
}

static const char *entry(const char *key, const char *id)
{
    return apr_pstrcat(bits_test_pool, store, "/" BITS_INDEX_DIR "/", key, "/", id,
                       NULL);
}

START_TEST(user_keys_are_escaped_file_names)
{
    ck_assert_str_eq(key_of("alice", "127.0.2.1"), "user-alice");
    ck_assert_str_eq(key_of("DOM\\bob smith", NULL), "user-DOM%5Cbob%20smith");
    ck_assert_str_eq(key_of("../../etc", NULL), "user-..%2F..%2Fetc");
    ck_assert_str_eq(key_of("ann@example.org", NULL), "user-ann@example.org");
    ck_assert_str_eq(key_of("%41", NULL), "user-%2541");
}
END_TEST

START_TEST(anonymous_keys_name_the_address)
{
    ck_assert_str_eq(key_of("", "127.0.2.7"), "anon-127.0.2.7");
    ck_assert_str_eq(key_of(NULL, "127.0.2.7"), "anon-127.0.2.7");
    ck_assert_str_eq(key_of("", "::ffff:127.0.2.7"), "anon-127.0.2.7");
    ck_assert_str_eq(key_of("", NULL), "anon-unknown");
    ck_assert_str_eq(key_of("", ""), "anon-unknown");
    /* not an address (should not happen): still one safe name */
    ck_assert_str_eq(key_of("", "fe80::1%eth0/x"), "anon-fe80::1%25eth0%2Fx");
}
END_TEST

START_TEST(ipv6_clients_are_grouped_by_their_64)
{
    const char *a = key_of("", "2001:db8:1:2:3:4:5:6");

    ck_assert_str_eq(a, "anon-2001:db8:1:2::%2F64");
    ck_assert_str_eq(key_of("", "2001:0db8:0001:0002:ffff::1"), a);
    ck_assert_str_ne(key_of("", "2001:db8:1:3::1"), a);
    ck_assert_str_eq(key_of("", "::1"), "anon-::%2F64");
}
END_TEST

START_TEST(long_keys_are_cut_and_hashed)
{
    char name[400], other[400];
    const char *k1, *k2;

    memset(name, 'u', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    memcpy(other, name, sizeof other);
    other[sizeof other - 2] = 'v';
    k1 = key_of(name, NULL);
    k2 = key_of(other, NULL);
    ck_assert_int_eq(strlen(k1), BITS_OWNER_KEY_MAX);
    ck_assert_int_eq(strlen(k2), BITS_OWNER_KEY_MAX);
    ck_assert_str_ne(k1, k2);
    ck_assert_int_eq(k1[BITS_OWNER_KEY_MAX - 17], '~');
    ck_assert_str_eq(key_of(name, NULL), k1);       /* stable */
    /* a key just at the limit stays readable */
    name[BITS_OWNER_KEY_MAX - 5] = '\0';
    ck_assert_int_eq(strlen(key_of(name, NULL)), BITS_OWNER_KEY_MAX);
    ck_assert_ptr_null(strchr(key_of(name, NULL), '~'));
}
END_TEST

START_TEST(add_count_remove)
{
    apr_pool_t *p = bits_test_pool;
    const char *k = "anon-127.0.2.1", *a = new_id(), *b = new_id(), *c = new_id();

    ck_assert_int_eq(bits_index_count(store, k, 0, p), 0);
    ck_assert_int_eq(bits_index_add(store, k, a, p), APR_SUCCESS);
    ck_assert_int_eq(bits_index_add(store, k, b, p), APR_SUCCESS);
    ck_assert_int_eq(bits_index_add(store, k, c, p), APR_SUCCESS);
    ck_assert_int_eq(bits_index_add(store, k, c, p), APR_SUCCESS);   /* idempotent */
    ck_assert_int_eq(bits_index_count(store, k, 0, p), 3);
    ck_assert_int_eq(bits_index_count(store, k, 2, p), 2);          /* bounded */
    ck_assert_int_eq(bits_index_count(store, "user-x", 0, p), 0);
    ck_assert(bits_index_has(store, k, b, p));
    ck_assert_int_eq(bits_index_remove(store, k, b, p), APR_SUCCESS);
    ck_assert_int_eq(bits_index_remove(store, k, b, p), APR_SUCCESS); /* gone: fine */
    ck_assert(!bits_index_has(store, k, b, p));
    ck_assert_int_eq(bits_index_count(store, k, 0, p), 2);
    /* the lock file and foreign names are not entries */
    bits_test_write_file(entry(k, "README"), "x", p);
    ck_assert_int_eq(bits_index_count(store, k, 0, p), 2);
}
END_TEST

START_TEST(bad_keys_and_ids_are_refused)
{
    apr_pool_t *p = bits_test_pool;
    const char *id = new_id();

    ck_assert_int_eq(bits_index_add(store, "../x", id, p), APR_EINVAL);
    ck_assert_int_eq(bits_index_add(store, "user-a/b", id, p), APR_EINVAL);
    ck_assert_int_eq(bits_index_add(store, "..", id, p), APR_EINVAL);
    ck_assert_int_eq(bits_index_add(store, "", id, p), APR_EINVAL);
    ck_assert_int_eq(bits_index_add(store, "user-a", "../state", p), APR_EINVAL);
    ck_assert_int_eq(bits_index_add(store, "user-a", "{not-a-guid}", p), APR_EINVAL);
    ck_assert_int_eq(bits_index_remove(store, "user-a/../../x", id, p), APR_EINVAL);
    ck_assert(!bits_test_exists(apr_pstrcat(p, store, "/" BITS_INDEX_DIR, NULL)));
}
END_TEST

START_TEST(planted_symlink_entry_is_not_followed)
{
    apr_pool_t *p = bits_test_pool;
    const char *k = "user-a", *id = new_id();
    const char *target = apr_pstrcat(p, store, "/target", NULL);

    ck_assert_int_eq(bits_index_add(store, k, new_id(), p), APR_SUCCESS);
    bits_test_symlink(target, entry(k, id));
    ck_assert_int_ne(bits_index_add(store, k, id, p), APR_SUCCESS);
    ck_assert(!bits_test_exists(target));
    ck_assert(!bits_index_has(store, k, id, p));
    ck_assert_int_eq(bits_index_count(store, k, 0, p), 1);
}
END_TEST

START_TEST(count_live_checks_the_records)
{
    apr_pool_t *p = bits_test_pool;
    const char *k = "anon-127.0.2.1";
    const char *live = add_session(k, BITS_STATE_RECEIVING, 0);
    const char *done = add_session(k, BITS_STATE_DONE, 0);
    const char *closed = add_session(k, BITS_STATE_CLOSED, 0);
    const char *idle = add_session(k, BITS_STATE_RECEIVING, 30 * HOUR);
    const char *other = add_session("anon-127.0.2.2", BITS_STATE_RECEIVING, 0);
    const char *gone = new_id(), *creating = new_id();

    ck_assert_int_eq(bits_index_add(store, k, gone, p), APR_SUCCESS);
    ck_assert_int_eq(bits_index_add(store, k, creating, p), APR_SUCCESS);
    ck_assert_int_eq(bits_index_add(store, k, other, p), APR_SUCCESS);  /* forged */
    /* an entry without a record counts while a Create-Session may still be
     * writing it, then it is debris */
    ck_assert_int_eq(apr_file_mtime_set(entry(k, gone),
                                        apr_time_now() - BITS_INDEX_CREATING
                                        - apr_time_from_sec(1), p), APR_SUCCESS);
    ck_assert_int_eq(bits_index_count(store, k, 0, p), 7);
    ck_assert_int_eq(bits_index_count_live(store, k, 0, 24 * HOUR, apr_time_now(), p), 3);
    ck_assert(bits_index_has(store, k, creating, p));
    ck_assert_int_eq(bits_index_remove(store, k, creating, p), APR_SUCCESS);
    /* ended, missing and foreign entries are dropped; the idle one stays
     * for its tombstone */
    ck_assert(bits_index_has(store, k, live, p));
    ck_assert(bits_index_has(store, k, done, p));
    ck_assert(bits_index_has(store, k, idle, p));
    ck_assert(!bits_index_has(store, k, closed, p));
    ck_assert(!bits_index_has(store, k, gone, p));
    ck_assert(!bits_index_has(store, k, other, p));
    ck_assert(bits_index_has(store, "anon-127.0.2.2", other, p));
    /* no timeout: idle sessions count */
    ck_assert_int_eq(bits_index_count_live(store, k, 0, 0, now, p), 3);
    ck_assert_int_eq(bits_index_count_live(store, k, 1, 0, now, p), 1);
}
END_TEST

START_TEST(owner_lock_excludes_the_same_owner_only)
{
    apr_pool_t *p = bits_test_pool;
    bits_lock_t *a, *b, *c;

    ck_assert_int_eq(bits_index_lock(&a, claims, store, "user-a", 0, p), APR_SUCCESS);
    ck_assert_int_eq(bits_index_lock(&b, claims, store, "user-a", 0, p), APR_TIMEUP);
    ck_assert_int_eq(bits_index_lock(&c, claims, store, "user-b", 0, p), APR_SUCCESS);
    bits_lock_release(a);
    ck_assert_int_eq(bits_index_lock(&b, claims, store, "user-a", 0, p), APR_SUCCESS);
    bits_lock_release(b);
    bits_lock_release(c);
    ck_assert_int_eq(bits_index_lock(&a, claims, store, "x/..", 0, p), APR_EINVAL);
}
END_TEST

START_TEST(owner_lock_held_by_another_process_is_waited_for)
{
    apr_pool_t *p = bits_test_pool;
    const char *lock;
    bits_lock_t *a;
    int fd;

    ck_assert_int_eq(bits_index_lock(&a, claims, store, "user-a", 0, p), APR_SUCCESS);
    bits_lock_release(a);
    lock = apr_pstrcat(p, store, "/" BITS_INDEX_DIR "/user-a/" BITS_INDEX_LOCK_FILE, NULL);
    fd = open(lock, O_RDWR);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(flock(fd, LOCK_EX), 0);
    ck_assert_int_eq(bits_index_lock(&a, claims, store, "user-a",
                                     apr_time_from_msec(50), p), APR_TIMEUP);
    close(fd);
    ck_assert_int_eq(bits_index_lock(&a, claims, store, "user-a", 0, p), APR_SUCCESS);
}
END_TEST

typedef struct {
    apr_status_t rv;
    bits_lock_t *lk;
} waiter_t;

static void *APR_THREAD_FUNC wait_for_owner(apr_thread_t *t, void *data)
{
    waiter_t *w = data;

    w->rv = bits_index_lock(&w->lk, claims, store, "user-a", apr_time_from_sec(5),
                            bits_test_pool);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

/* The sweep removes an empty owner's directory, lock file and all, while a
 * Create-Session waits on that lock file: the waiter must end up holding
 * the lock on a file that is still there, not on the unlinked one. */
START_TEST(owner_lock_survives_the_sweep_removing_the_directory)
{
    apr_pool_t *p = bits_test_pool;
    const char *dir = apr_pstrcat(p, store, "/" BITS_INDEX_DIR "/user-a", NULL);
    const char *lock = apr_pstrcat(p, dir, "/" BITS_INDEX_LOCK_FILE, NULL);
    waiter_t w = { APR_EGENERAL, NULL };
    apr_thread_t *t;
    apr_status_t trv;
    bits_lock_t *lk;
    int fd, fd2;

    ck_assert_int_eq(bits_index_lock(&lk, claims, store, "user-a", 0, p), APR_SUCCESS);
    bits_lock_release(lk);
    fd = open(lock, O_RDWR);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(flock(fd, LOCK_EX), 0);              /* the "sweep" */
    ck_assert_int_eq(apr_thread_create(&t, NULL, wait_for_owner, &w, p), APR_SUCCESS);
    apr_sleep(apr_time_from_msec(200));                   /* let it open and wait */
    ck_assert_int_eq(unlink(lock), 0);
    ck_assert_int_eq(rmdir(dir), 0);
    close(fd);
    ck_assert_int_eq(apr_thread_join(&trv, t), APR_SUCCESS);
    ck_assert_int_eq(w.rv, APR_SUCCESS);
    ck_assert(bits_test_exists(lock));
    fd2 = open(lock, O_RDWR);
    ck_assert_int_ge(fd2, 0);
    ck_assert_int_eq(flock(fd2, LOCK_EX | LOCK_NB), -1);  /* held: the linked file */
    ck_assert_int_eq(errno, EWOULDBLOCK);
    close(fd2);
    bits_lock_release(w.lk);
}
END_TEST

static int collect(void *baton, const char *key)
{
    apr_array_header_t *a = baton;

    *(const char **)apr_array_push(a) = apr_pstrdup(a->pool, key);
    return 0;
}

static int collect_id(void *baton, const char *key, const char *id)
{
    (void)key;
    return collect(baton, id);
}

START_TEST(owners_and_their_sessions_are_listed)
{
    apr_pool_t *p = bits_test_pool;
    apr_array_header_t *owners = apr_array_make(p, 4, sizeof(const char *));
    apr_array_header_t *ids = apr_array_make(p, 4, sizeof(const char *));
    const char *id = add_session("user-a", BITS_STATE_RECEIVING, 0);

    add_session("anon-127.0.2.1", BITS_STATE_RECEIVING, 0);
    ck_assert_int_eq(bits_index_owners(store, collect, owners, p), APR_SUCCESS);
    ck_assert_int_eq(owners->nelts, 2);
    ck_assert_int_eq(bits_index_sessions(store, "user-a", collect_id, ids, p),
                     APR_SUCCESS);
    ck_assert_int_eq(ids->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(ids, 0, const char *), id);
}
END_TEST

START_TEST(owners_are_counted_with_a_bound)
{
    apr_pool_t *p = bits_test_pool;

    ck_assert_int_eq(bits_index_owner_count(store, 0, p), 0);
    ck_assert(!bits_index_has_owner(store, "user-a", p));
    add_session("user-a", BITS_STATE_RECEIVING, 0);
    add_session("user-b", BITS_STATE_RECEIVING, 0);
    add_session("anon-127.0.2.1", BITS_STATE_RECEIVING, 0);
    ck_assert(bits_index_has_owner(store, "user-a", p));
    ck_assert(!bits_index_has_owner(store, "user-c", p));
    ck_assert(!bits_index_has_owner(store, "../Requests", p));
    ck_assert_int_eq(bits_index_owner_count(store, 0, p), 3);
    ck_assert_int_eq(bits_index_owner_count(store, 2, p), 2);
}
END_TEST

START_TEST(repair_drops_stale_entries_and_empty_owners)
{
    apr_pool_t *p = bits_test_pool;
    const char *k = "anon-127.0.2.1";
    const char *live = add_session(k, BITS_STATE_RECEIVING, 0);
    const char *ended = add_session(k, BITS_STATE_CANCELLED, 0);
    const char *young = new_id(), *old = new_id();
    const char *lonely = add_session("user-gone", BITS_STATE_EXPIRED, 0);
    int removed;

    (void)lonely;
    ck_assert_int_eq(bits_index_add(store, k, young, p), APR_SUCCESS);
    ck_assert_int_eq(bits_index_add(store, k, old, p), APR_SUCCESS);
    ck_assert_int_eq(apr_file_mtime_set(entry(k, old), now - HOUR, p), APR_SUCCESS);
    ck_assert_int_eq(bits_index_repair(store, claims, HOUR / 6, now, &removed, p),
                     APR_SUCCESS);
    ck_assert_int_eq(removed, 3);
    ck_assert(bits_index_has(store, k, live, p));
    ck_assert(bits_index_has(store, k, young, p));   /* may be a Create in flight */
    ck_assert(!bits_index_has(store, k, ended, p));
    ck_assert(!bits_index_has(store, k, old, p));
    ck_assert(!bits_test_exists(apr_pstrcat(p, store, "/" BITS_INDEX_DIR "/user-gone",
                                            NULL)));
}
END_TEST

START_TEST(repair_leaves_a_busy_empty_owner)
{
    apr_pool_t *p = bits_test_pool;
    bits_lock_t *lk;
    int removed;

    ck_assert_int_eq(bits_index_lock(&lk, claims, store, "user-a", 0, p), APR_SUCCESS);
    ck_assert_int_eq(bits_index_repair(store, claims, HOUR, now, &removed, p),
                     APR_SUCCESS);
    ck_assert(bits_test_exists(apr_pstrcat(p, store, "/" BITS_INDEX_DIR "/user-a", NULL)));
    bits_lock_release(lk);
    ck_assert_int_eq(bits_index_repair(store, claims, HOUR, now, &removed, p),
                     APR_SUCCESS);
    ck_assert(!bits_test_exists(apr_pstrcat(p, store, "/" BITS_INDEX_DIR "/user-a", NULL)));
    /* and the owner can lock (and so add) again afterwards */
    ck_assert_int_eq(bits_index_lock(&lk, claims, store, "user-a", 0, p), APR_SUCCESS);
    ck_assert_int_eq(bits_index_add(store, "user-a", new_id(), p), APR_SUCCESS);
}
END_TEST

START_TEST(record_keeps_the_owner_key)
{
    apr_pool_t *p = bits_test_pool;
    const char *id = add_session("anon-2001:db8::%2F64", BITS_STATE_RECEIVING, 0);
    bits_session_t s;

    ck_assert_int_eq(bits_session_load(&s, store, id, p), APR_SUCCESS);
    ck_assert_str_eq(s.owner_key, "anon-2001:db8::%2F64");
}
END_TEST

START_TEST(old_records_get_a_default_key)
{
    apr_pool_t *p = bits_test_pool;
    const char *base = "BITS-Session 1\nid={6B29FC40-CA47-4E2B-8C13-A1B2C3D4E5F6}\n"
                       "state=RECEIVING\ndest_url=u\ndest_path=/d\n";
    const char *user = apr_pstrcat(p, base, "owner=alice\n", NULL);
    const char *anon = apr_pstrcat(p, base, "owner=\n", NULL);
    bits_session_t s;

    ck_assert_int_eq(bits_session_parse(&s, user, strlen(user), p), APR_SUCCESS);
    ck_assert_str_eq(s.owner_key, "user-alice");
    ck_assert_int_eq(bits_session_parse(&s, anon, strlen(anon), p), APR_SUCCESS);
    ck_assert_str_eq(s.owner_key, "anon-unknown");
}
END_TEST

START_TEST(retire_removes_the_entry)
{
    apr_pool_t *p = bits_test_pool;
    const char *k = "user-a";
    const char *id = add_session(k, BITS_STATE_RECEIVING, 0);
    bits_session_t s;

    ck_assert_int_eq(bits_session_load(&s, store, id, p), APR_SUCCESS);
    ck_assert_int_eq(bits_index_retire(&s, store, BITS_STATE_CLOSED, p), APR_SUCCESS);
    ck_assert(!bits_index_has(store, k, id, p));
    ck_assert_int_eq(bits_index_count(store, k, 0, p), 0);
}
END_TEST

TCase *bits_index_tcase(void)
{
    TCase *tc = tcase_create("index");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, user_keys_are_escaped_file_names);
    tcase_add_test(tc, anonymous_keys_name_the_address);
    tcase_add_test(tc, ipv6_clients_are_grouped_by_their_64);
    tcase_add_test(tc, long_keys_are_cut_and_hashed);
    tcase_add_test(tc, add_count_remove);
    tcase_add_test(tc, bad_keys_and_ids_are_refused);
    tcase_add_test(tc, planted_symlink_entry_is_not_followed);
    tcase_add_test(tc, count_live_checks_the_records);
    tcase_add_test(tc, owner_lock_excludes_the_same_owner_only);
    tcase_add_test(tc, owner_lock_held_by_another_process_is_waited_for);
    tcase_add_test(tc, owner_lock_survives_the_sweep_removing_the_directory);
    tcase_add_test(tc, owners_and_their_sessions_are_listed);
    tcase_add_test(tc, owners_are_counted_with_a_bound);
    tcase_add_test(tc, repair_drops_stale_entries_and_empty_owners);
    tcase_add_test(tc, repair_leaves_a_busy_empty_owner);
    tcase_add_test(tc, record_keeps_the_owner_key);
    tcase_add_test(tc, old_records_get_a_default_key);
    tcase_add_test(tc, retire_removes_the_entry);
    return tc;
}
