/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bits_progress.c and the progress record in the store (bits_session.c):
 * slots, torn writes, generations, and what a load takes from them. */
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <apr_strings.h>
#include "bits_progress.h"
#include "bits_session.h"
#include "check_units.h"

#define SID   "{3F2504E0-4F89-41D3-9A0C-0305E82C3301}"
#define OTHER "{00000000-0000-4000-8000-000000000000}"

static void make_rec(bits_progress_t *r, const char *id, apr_uint32_t gen,
                     apr_off_t received)
{
    memset(r, 0, sizeof *r);
    apr_cpystrn(r->id, id, sizeof r->id);
    r->gen = gen;
    r->received = received;
    r->last_activity = apr_time_from_sec(1700000000) + gen;
    r->total = -1;
}

/* Two slots as a file holds them. */
static void two_slots(unsigned char *buf, const bits_progress_t *a,
                      const bits_progress_t *b)
{
    bits_progress_encode(a, buf);
    bits_progress_encode(b, buf + BITS_PROGRESS_SLOT);
}

START_TEST(crc32c_check_value)
{
    ck_assert_uint_eq(bits_crc32c("123456789", 9), 0xE3069283u);
    ck_assert_uint_eq(bits_crc32c("", 0), 0);
}
END_TEST

START_TEST(slot_round_trip)
{
    unsigned char slot[BITS_PROGRESS_SLOT];
    bits_progress_t in, out;
    unsigned i;

    make_rec(&in, SID, 0xDEADBEEFu, APR_INT64_C(98765432101));
    in.total = APR_INT64_C(98765432109);
    bits_progress_encode(&in, slot);
    ck_assert_mem_eq(slot, "BITSPRG3", 8);
    ck_assert_int_eq(bits_progress_decode(&out, slot), 1);
    ck_assert_int_eq(out.version, 3);
    ck_assert_str_eq(out.id, SID);
    ck_assert_uint_eq(out.gen, in.gen);
    ck_assert_int_eq(out.received, in.received);
    ck_assert_int_eq(out.last_activity, in.last_activity);
    ck_assert_int_eq(out.total, in.total);
    /* every byte of the record is covered: any flip is noticed */
    for (i = 0; i < 180; i++) {
        slot[i] ^= 0x01;
        ck_assert_msg(!bits_progress_decode(&out, slot), "flip at %u passed", i);
        slot[i] ^= 0x01;
    }
}
END_TEST

START_TEST(torn_slot_the_other_wins)
{
    unsigned char buf[BITS_PROGRESS_SIZE];
    bits_progress_t a, b;
    bits_progress_pick_t pick;

    make_rec(&a, SID, 7, 3000);
    make_rec(&b, SID, 8, 4000);
    two_slots(buf, &a, &b);
    bits_progress_pick(&pick, buf, sizeof buf, SID, 0, 10000);
    ck_assert_int_eq(pick.slot, 1);
    ck_assert_int_eq(pick.rec.received, 4000);
    ck_assert_int_eq(bits_progress_next_slot(&pick), 0);
    ck_assert_uint_eq(bits_progress_next_gen(&pick), 9);

    /* the newer slot half written: the older counts, and is not the next
     * one to be overwritten */
    memset(buf + BITS_PROGRESS_SLOT + 20, 0xAB, 30);
    bits_progress_pick(&pick, buf, sizeof buf, SID, 0, 10000);
    ck_assert_int_eq(pick.slot, 0);
    ck_assert_int_eq(pick.rec.received, 3000);
    ck_assert_int_eq(bits_progress_next_slot(&pick), 1);
    ck_assert_uint_eq(bits_progress_next_gen(&pick), 8);

    /* a file cut short (a crash while it grew) has only its first slot */
    two_slots(buf, &a, &b);
    bits_progress_pick(&pick, buf, BITS_PROGRESS_SLOT + 100, SID, 0, 10000);
    ck_assert_int_eq(pick.slot, 0);

    /* both damaged: nothing counts */
    buf[3] ^= 0x40;
    memset(buf + BITS_PROGRESS_SLOT + 60, 0, 4);
    bits_progress_pick(&pick, buf, sizeof buf, SID, 0, 10000);
    ck_assert_int_eq(pick.slot, -1);
    ck_assert_int_eq(pick.any_valid, 0);
    ck_assert_uint_eq(bits_progress_next_gen(&pick), 1);
}
END_TEST

START_TEST(generation_wraps)
{
    unsigned char buf[BITS_PROGRESS_SIZE];
    bits_progress_t a, b;
    bits_progress_pick_t pick;

    ck_assert(bits_progress_newer(0, 0xFFFFFFFFu));
    ck_assert(!bits_progress_newer(0xFFFFFFFFu, 0));
    ck_assert(!bits_progress_newer(5, 5));
    make_rec(&a, SID, 0, 6000);             /* written after ... */
    make_rec(&b, SID, 0xFFFFFFFFu, 5000);   /* ... this one */
    two_slots(buf, &a, &b);
    bits_progress_pick(&pick, buf, sizeof buf, SID, 0, 10000);
    ck_assert_int_eq(pick.slot, 0);
    ck_assert_int_eq(pick.rec.received, 6000);
    ck_assert_uint_eq(bits_progress_next_gen(&pick), 1);
    ck_assert_int_eq(bits_progress_next_slot(&pick), 1);
}
END_TEST

START_TEST(foreign_or_impossible_slots_ignored)
{
    unsigned char buf[BITS_PROGRESS_SIZE];
    bits_progress_t a, b;
    bits_progress_pick_t pick;

    /* another session's record (a directory moved around) */
    make_rec(&a, SID, 1, 100);
    make_rec(&b, OTHER, 2, 900);
    two_slots(buf, &a, &b);
    bits_progress_pick(&pick, buf, sizeof buf, SID, 0, 1000);
    ck_assert_int_eq(pick.slot, 0);
    ck_assert_int_eq(pick.rec.received, 100);
    /* ... but it is never the slot written next over ours */
    ck_assert_int_eq(bits_progress_next_slot(&pick), 1);
    ck_assert_uint_eq(bits_progress_next_gen(&pick), 3);

    /* beyond the total, or older than the state's N */
    make_rec(&b, SID, 2, 1001);
    two_slots(buf, &a, &b);
    bits_progress_pick(&pick, buf, sizeof buf, SID, 0, 1000);
    ck_assert_int_eq(pick.rec.received, 100);
    bits_progress_pick(&pick, buf, sizeof buf, SID, 500, 1000);
    ck_assert_int_eq(pick.slot, -1);
    ck_assert_int_eq(bits_progress_next_slot(&pick), 0);
}
END_TEST

START_TEST(slot_carries_the_total)
{
    unsigned char buf[BITS_PROGRESS_SIZE];
    bits_progress_t a, b;
    bits_progress_pick_t pick;

    /* the state knows no total yet: the slot's own bounds it */
    make_rec(&a, SID, 1, 0);
    make_rec(&b, SID, 2, 4096);
    b.total = 8192;
    two_slots(buf, &a, &b);
    bits_progress_pick(&pick, buf, sizeof buf, SID, 0, -1);
    ck_assert_int_eq(pick.slot, 1);
    ck_assert_int_eq(pick.rec.total, 8192);
    ck_assert_int_eq(pick.rec.received, 4096);

    /* a slot without a total may not go past the state's N */
    a.received = 100;
    two_slots(buf, &a, &b);
    b.total = -1;
    bits_progress_encode(&b, buf + BITS_PROGRESS_SLOT);
    bits_progress_pick(&pick, buf, sizeof buf, SID, 0, -1);
    ck_assert_int_eq(pick.slot, -1);

    /* a total other than the state's: not this upload's record */
    b.total = 9000;
    bits_progress_encode(&b, buf + BITS_PROGRESS_SLOT);
    bits_progress_pick(&pick, buf, sizeof buf, SID, 0, 8192);
    ck_assert_int_eq(pick.slot, 0);             /* the older record stands */
    ck_assert_int_eq(pick.rec.received, 100);
    bits_progress_pick(&pick, buf, sizeof buf, SID, 0, 9000);
    ck_assert_int_eq(pick.slot, 1);

    /* a slot claiming more than its own total is malformed */
    b.received = 9001;
    bits_progress_encode(&b, buf);
    ck_assert_int_eq(bits_progress_decode(&a, buf), 0);
}
END_TEST

/* ---- In the store ------------------------------------------------------ */

#define FIXTURE_SESSION SID
#include "check_session_fixture.h"

static const char *progress_path(void)
{
    return bits_session_file(store, SID, BITS_PROGRESS_FILE, bits_test_pool);
}

/* A RECEIVING session of 10000 bytes whose record says 100. */
static void saved_session(bits_session_t *s)
{
    fixture_record(s, 100);
}

static apr_off_t loaded_received(void)
{
    bits_session_t s;

    ck_assert_int_eq(bits_session_load(&s, store, SID, bits_test_pool), APR_SUCCESS);
    return s.received;
}

/* Flips a byte of a slot of the progress file. */
static void damage_slot(int slot)
{
    int fd = open(progress_path(), O_RDWR);
    unsigned char c;

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, &c, 1, slot * BITS_PROGRESS_SLOT + 17), 1);
    c ^= 0x10;
    ck_assert_int_eq(pwrite(fd, &c, 1, slot * BITS_PROGRESS_SLOT + 17), 1);
    close(fd);
}

START_TEST(progress_written_in_place)
{
    bits_session_t s, out;
    const char *state = bits_session_file(store, SID, BITS_STATE_FILE, bits_test_pool);
    const char *before;
    struct stat st0, st1;

    saved_session(&s);
    before = bits_test_read_file(state, bits_test_pool);
    ck_assert_int_eq(stat(state, &st0), 0);
    ck_assert_int_eq(bits_session_load(&s, store, SID, bits_test_pool), APR_SUCCESS);
    s.received = 4000;
    s.last_activity += apr_time_from_sec(60);
    ck_assert_int_eq(bits_session_save_progress(&s, store, bits_test_pool), APR_SUCCESS);
    s.received = 5000;
    s.last_activity += apr_time_from_sec(60);
    ck_assert_int_eq(bits_session_save_progress(&s, store, bits_test_pool), APR_SUCCESS);

    /* the state file was not touched; the progress file is private */
    ck_assert_int_eq(stat(state, &st1), 0);
    ck_assert_uint_eq(st0.st_ino, st1.st_ino);
    ck_assert_str_eq(bits_test_read_file(state, bits_test_pool), before);
    ck_assert_int_eq(stat(progress_path(), &st1), 0);
    ck_assert_int_eq(st1.st_mode & 07777, 0600);
    ck_assert_int_eq(st1.st_size, BITS_PROGRESS_SIZE);

    ck_assert_int_eq(bits_session_load(&out, store, SID, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(out.received, 5000);
    ck_assert_int_eq(out.last_activity, s.last_activity);

    /* a later process continues where this one stopped */
    out.received = 6000;
    ck_assert_int_eq(bits_session_save_progress(&out, store, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(loaded_received(), 6000);
    /* the record that counted before the last write is intact */
    damage_slot(out.progress_slot ? 0 : 1);
    ck_assert_int_eq(loaded_received(), 5000);
}
END_TEST

START_TEST(torn_progress_falls_back)
{
    bits_session_t s;

    saved_session(&s);
    ck_assert_int_eq(bits_session_load(&s, store, SID, bits_test_pool), APR_SUCCESS);
    s.received = 3000;
    ck_assert_int_eq(bits_session_save_progress(&s, store, bits_test_pool), APR_SUCCESS);
    s.received = 4000;
    ck_assert_int_eq(bits_session_save_progress(&s, store, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(loaded_received(), 4000);
    damage_slot(1);     /* the second write went to slot 1 */
    ck_assert_int_eq(loaded_received(), 3000);
    damage_slot(0);
    ck_assert_int_eq(loaded_received(), 100);       /* the state's N */

    /* and writing resumes over the damage */
    ck_assert_int_eq(bits_session_load(&s, store, SID, bits_test_pool), APR_SUCCESS);
    s.received = 4500;
    ck_assert_int_eq(bits_session_save_progress(&s, store, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(loaded_received(), 4500);
}
END_TEST

START_TEST(without_progress_file_the_state_counts)
{
    bits_session_t s;

    saved_session(&s);
    /* made empty with the session */
    ck_assert(bits_test_exists(progress_path()));
    ck_assert_int_eq(loaded_received(), 100);
    unlink(progress_path());                            /* a store of before */
    ck_assert_int_eq(loaded_received(), 100);
    s.received = 200;
    ck_assert_int_eq(bits_session_save_progress(&s, store, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(loaded_received(), 200);           /* made again */
    bits_test_write_file(progress_path(), "garbage", bits_test_pool);
    ck_assert_int_eq(loaded_received(), 100);
}
END_TEST

START_TEST(state_changes_replace_the_record)
{
    bits_session_t s, out;

    const char *state = bits_session_file(store, SID, BITS_STATE_FILE, bits_test_pool);
    struct stat st0, st1;

    saved_session(&s);
    /* the first fragment sets the total: the slot carries it, the state
     * file is not replaced */
    s.total = -1;
    s.received = 0;
    ck_assert_int_eq(bits_session_save(&s, store, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(stat(state, &st0), 0);
    ck_assert_int_eq(bits_session_load(&s, store, SID, bits_test_pool), APR_SUCCESS);
    s.total = 10000;
    s.received = 2000;
    ck_assert_int_eq(bits_session_save_progress(&s, store, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(stat(state, &st1), 0);
    ck_assert_uint_eq(st0.st_ino, st1.st_ino);
    ck_assert_int_eq(bits_session_load(&out, store, SID, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(out.total, 10000);
    ck_assert_int_eq(out.received, 2000);
    s.received = 3000;
    ck_assert_int_eq(bits_session_save_progress(&s, store, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(loaded_received(), 3000);
    /* a total other than the recorded one needs the full record */
    ck_assert_int_eq(bits_session_load(&s, store, SID, bits_test_pool), APR_SUCCESS);
    s.total = 20000;
    ck_assert_int_eq(bits_session_save_progress(&s, store, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(stat(state, &st1), 0);
    ck_assert_uint_ne(st0.st_ino, st1.st_ino);
    s.total = 10000;
    ck_assert_int_eq(bits_session_save(&s, store, bits_test_pool), APR_SUCCESS);

    /* completion replaces the record; the stale slot is older than it */
    s.received = 10000;
    s.state = BITS_STATE_COMPLETING;
    ck_assert_int_eq(bits_session_save_progress(&s, store, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(bits_session_load(&out, store, SID, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(out.state, BITS_STATE_COMPLETING);
    ck_assert_int_eq(out.received, 10000);

    /* the tombstone keeps no progress record */
    ck_assert_int_eq(bits_session_tombstone(&out, store, BITS_STATE_CLOSED,
                                            bits_test_pool), APR_SUCCESS);
    ck_assert(!bits_test_exists(progress_path()));
}
END_TEST

START_TEST(load_for_update_keeps_the_progress_file)
{
    bits_session_t s;

    saved_session(&s);
    ck_assert_int_eq(bits_session_load(&s, store, SID, bits_test_pool), APR_SUCCESS);
    ck_assert_ptr_null(s.progress_file);          /* readers keep nothing open */
    ck_assert_int_eq(bits_session_load_for_update(&s, store, SID, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_ptr_nonnull(s.progress_file);
    s.received = 400;
    ck_assert_int_eq(bits_session_save_progress(&s, store, bits_test_pool), APR_SUCCESS);
    ck_assert_ptr_null(s.progress_file);          /* used once, and closed */
    ck_assert_int_eq(loaded_received(), 400);
    s.received = 500;                             /* a second record opens it again */
    ck_assert_int_eq(bits_session_save_progress(&s, store, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(loaded_received(), 500);

    /* falling back below the state's N removes the file: the kept one must
     * not take the next record with it */
    ck_assert_int_eq(bits_session_load_for_update(&s, store, SID, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(bits_session_fall_back(&s, store, 50, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(loaded_received(), 50);
    s.received = 70;
    ck_assert_int_eq(bits_session_save_progress(&s, store, bits_test_pool), APR_SUCCESS);
    ck_assert(bits_test_exists(progress_path()));
    ck_assert_int_eq(loaded_received(), 70);
}
END_TEST

START_TEST(progress_refuses_planted_symlink)
{
    bits_session_t s;
    const char *victim = apr_pstrcat(bits_test_pool, base, "/victim", NULL);

    saved_session(&s);
    bits_test_write_file(victim, "precious", bits_test_pool);
    unlink(progress_path());
    bits_test_symlink(victim, progress_path());
    ck_assert_int_eq(loaded_received(), 100);
    ck_assert_int_eq(bits_session_load(&s, store, SID, bits_test_pool), APR_SUCCESS);
    s.received = 300;
    ck_assert_int_ne(bits_session_save_progress(&s, store, bits_test_pool), APR_SUCCESS);
    ck_assert_str_eq(bits_test_read_file(victim, bits_test_pool), "precious");
}
END_TEST

TCase *bits_progress_tcase(void)
{
    TCase *tc = tcase_create("progress");

    tcase_add_checked_fixture(tc, bits_test_pool_setup, bits_test_pool_teardown);
    tcase_add_test(tc, crc32c_check_value);
    tcase_add_test(tc, slot_round_trip);
    tcase_add_test(tc, torn_slot_the_other_wins);
    tcase_add_test(tc, generation_wraps);
    tcase_add_test(tc, foreign_or_impossible_slots_ignored);
    tcase_add_test(tc, slot_carries_the_total);
    return tc;
}

TCase *bits_progress_store_tcase(void)
{
    TCase *tc = tcase_create("progress store");

    tcase_add_checked_fixture(tc, store_setup, store_teardown);
    tcase_add_test(tc, progress_written_in_place);
    tcase_add_test(tc, torn_progress_falls_back);
    tcase_add_test(tc, without_progress_file_the_state_counts);
    tcase_add_test(tc, state_changes_replace_the_record);
    tcase_add_test(tc, load_for_update_keeps_the_progress_file);
    tcase_add_test(tc, progress_refuses_planted_symlink);
    return tc;
}
