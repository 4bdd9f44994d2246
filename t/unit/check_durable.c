/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Group commit: the durable N in the progress slot (version 2), reading
 * version 1 slots of stores written before it, the boot-id fallback
 * decision (bits_durable.c) and the fallback in the store. */
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <apr_strings.h>
#include "bits_durable.h"
#include "bits_progress.h"
#include "bits_session.h"
#include "check_units.h"

#define SID "{3F2504E0-4F89-41D3-9A0C-0305E82C3301}"
#define BOOT_A "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
#define BOOT_B "11111111-2222-3333-4444-555555555555"

static void put_le(unsigned char *p, apr_uint64_t v, int bytes)
{
    int i;

    for (i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* A version 1 slot as the module up to 8121d4c wrote it. */
static void v1_slot(unsigned char *slot, const char *id, apr_uint32_t gen,
                    apr_off_t received, apr_time_t act)
{
    memset(slot, 0, BITS_PROGRESS_SLOT);
    memcpy(slot, "BITSPRG1", 8);
    put_le(slot + 8, gen, 4);
    put_le(slot + 16, (apr_uint64_t)received, 8);
    put_le(slot + 24, (apr_uint64_t)act, 8);
    memcpy(slot + 32, id, strlen(id));
    put_le(slot + 72, bits_crc32c(slot, 72), 4);
}

/* A version 2 slot as 1.0.0 wrote it: no total, the CRC at 168. */
static void v2_slot(unsigned char *slot, const bits_progress_t *r)
{
    memset(slot, 0, BITS_PROGRESS_SLOT);
    memcpy(slot, "BITSPRG2", 8);
    put_le(slot + 8, r->gen, 4);
    put_le(slot + 16, (apr_uint64_t)r->received, 8);
    put_le(slot + 24, (apr_uint64_t)r->last_activity, 8);
    memcpy(slot + 32, r->id, strlen(r->id));
    put_le(slot + 72, (apr_uint64_t)r->durable, 8);
    put_le(slot + 80, (apr_uint64_t)r->dirty_since, 8);
    memcpy(slot + 88, r->writer.boot, BITS_BOOT_ID_LEN);
    memcpy(slot + 104, r->writer.host, strnlen(r->writer.host, BITS_HOST_LEN - 1));
    put_le(slot + 168, bits_crc32c(slot, 168), 4);
}

static void node(bits_node_t *n, const char *boot, const char *host)
{
    memset(n, 0, sizeof *n);
    if (boot)
        ck_assert(bits_boot_id_parse(boot, n->boot));
    apr_cpystrn(n->host, host, sizeof n->host);
}

START_TEST(boot_id_parses)
{
    unsigned char id[BITS_BOOT_ID_LEN];
    static const unsigned char want[BITS_BOOT_ID_LEN] = {
        0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
        0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0 };

    ck_assert(bits_boot_id_parse(BOOT_A "\n", id));
    ck_assert_mem_eq(id, want, sizeof want);
    ck_assert(bits_boot_id_parse("0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0", id));
    ck_assert_mem_eq(id, want, sizeof want);
    ck_assert(!bits_boot_id_parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f", id));
    ck_assert(!bits_boot_id_parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f00", id));
    ck_assert(!bits_boot_id_parse("0f1e2d3c+4b5a-6978-8796-a5b4c3d2e1f0", id));
    ck_assert(!bits_boot_id_parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1g0", id));
    ck_assert(!bits_boot_id_parse("", id));
}
END_TEST

START_TEST(node_read)
{
    const char *dir = bits_test_mkdtemp(bits_test_pool);
    const char *path = apr_pstrcat(bits_test_pool, dir, "/boot_id", NULL);
    bits_node_t n, a;
    char host[BITS_HOST_LEN] = "";

    gethostname(host, sizeof host - 1);
    bits_test_write_file(path, BOOT_A "\n", bits_test_pool);
    bits_node_read(&n, path);
    node(&a, BOOT_A, host);
    ck_assert(bits_node_known(&n));
    ck_assert_mem_eq(n.boot, a.boot, BITS_BOOT_ID_LEN);
    ck_assert_str_eq(n.host, host);
    /* no boot id (not Linux, /proc not mounted): unknown */
    bits_node_read(&n, apr_pstrcat(bits_test_pool, dir, "/missing", NULL));
    ck_assert(!bits_node_known(&n));
    bits_test_write_file(path, "garbage\n", bits_test_pool);
    bits_node_read(&n, path);
    ck_assert(!bits_node_known(&n));
    /* the real one, where there is one */
    if (access(BITS_BOOT_ID_PATH, R_OK) == 0) {
        bits_node_read(&n, BITS_BOOT_ID_PATH);
        ck_assert(bits_node_known(&n));
    }
    bits_test_rmtree(dir);
}
END_TEST

/* A session of 10000 bytes holding N = 6000, 4000 of them durable,
 * the rest written by `writer`. */
static void unsynced(bits_session_t *s, const bits_node_t *writer)
{
    memset(s, 0, sizeof *s);
    s->state = BITS_STATE_RECEIVING;
    s->total = 10000;
    s->received = 6000;
    s->durable = 4000;
    s->dirty_since = apr_time_from_sec(1700000000);
    s->writer = *writer;
}

START_TEST(fallback_decision)
{
    bits_node_t self, same, rebooted, other, other_rebooted, unknown;
    bits_session_t s;

    node(&self, BOOT_A, "node1");
    node(&same, BOOT_A, "node1");
    node(&rebooted, BOOT_B, "node1");
    node(&other, BOOT_A, "node2");            /* a container on the same kernel */
    node(&other_rebooted, BOOT_B, "node2");
    node(&unknown, NULL, "node1");

    /* this kernel wrote them: the page cache has them (kill -9 loses nothing) */
    unsynced(&s, &same);
    ck_assert_int_eq(bits_held_check(&s, &self, 6000), BITS_HELD_ALL);
    ck_assert_int_eq(bits_held_check(&s, &self, 8000), BITS_HELD_ALL);
    ck_assert_int_eq(bits_held_check(&s, &self, -1), BITS_HELD_ALL);
    /* this host under another kernel: an OS crash or power loss since */
    unsynced(&s, &rebooted);
    ck_assert_int_eq(bits_held_check(&s, &self, 6000), BITS_HELD_FALLBACK);
    ck_assert_int_eq(bits_held_fallback_n(&s, 6000), 4000);
    /* another host wrote them on a shared store: sync, whatever its kernel */
    unsynced(&s, &other);
    ck_assert_int_eq(bits_held_check(&s, &self, 6000), BITS_HELD_SYNC);
    unsynced(&s, &other_rebooted);
    ck_assert_int_eq(bits_held_check(&s, &self, 6000), BITS_HELD_SYNC);
    /* ... unless the file does not even hold them */
    ck_assert_int_eq(bits_held_check(&s, &self, 5999), BITS_HELD_FALLBACK);
    ck_assert_int_eq(bits_held_fallback_n(&s, 5999), 4000);
    ck_assert_int_eq(bits_held_fallback_n(&s, 3000), 3000);
    /* a writer, or a self, whose kernel cannot be told: never trusted */
    unsynced(&s, &unknown);
    ck_assert_int_eq(bits_held_check(&s, &self, 6000), BITS_HELD_FALLBACK);
    unsynced(&s, &same);
    ck_assert_int_eq(bits_held_check(&s, &unknown, 6000), BITS_HELD_FALLBACK);
    /* nothing unsynced: nothing to decide, whoever wrote last */
    unsynced(&s, &rebooted);
    s.durable = s.received;
    ck_assert_int_eq(bits_held_check(&s, &self, 6000), BITS_HELD_ALL);
    ck_assert_int_eq(bits_held_check(&s, &unknown, -1), BITS_HELD_ALL);
    /* a file cut short loses even durable bytes: the file's size counts */
    ck_assert_int_eq(bits_held_check(&s, &self, 5000), BITS_HELD_FALLBACK);
    ck_assert_int_eq(bits_held_fallback_n(&s, 5000), 5000);
}
END_TEST

START_TEST(sync_batches)
{
    bits_node_t self;
    bits_session_t s;
    apr_time_t t0 = apr_time_from_sec(1700000000);

    node(&self, BOOT_A, "node1");
    unsynced(&s, &self);
    s.dirty_since = t0;
    /* 2000 bytes past durable, written 0.5 s ago: not yet */
    ck_assert(!bits_sync_due(&s, 6000, 64 * 1024, apr_time_from_sec(1),
                             t0 + apr_time_from_msec(500)));
    /* the time bound */
    ck_assert(bits_sync_due(&s, 6000, 64 * 1024, apr_time_from_sec(1),
                            t0 + apr_time_from_sec(1)));
    /* the bytes bound */
    ck_assert(bits_sync_due(&s, 6000, 2000, apr_time_from_sec(1), t0));
    ck_assert(!bits_sync_due(&s, 5999, 2000, apr_time_from_sec(1), t0));
    /* nothing past durable: nothing to sync */
    s.durable = 6000;
    s.dirty_since = 0;
    ck_assert(!bits_sync_due(&s, 6000, 1, 1, t0 + apr_time_from_sec(100)));
    /* a clean session starts its batch with the next write */
    ck_assert(!bits_sync_due(&s, 7000, 64 * 1024, apr_time_from_sec(1),
                             t0 + apr_time_from_sec(100)));
}
END_TEST

START_TEST(slot_round_trip_with_writer)
{
    unsigned char slot[BITS_PROGRESS_SLOT];
    bits_progress_t in, out;

    memset(&in, 0, sizeof in);
    apr_cpystrn(in.id, SID, sizeof in.id);
    in.gen = 42;
    in.received = APR_INT64_C(98765432101);
    in.durable = APR_INT64_C(98765000000);
    in.total = APR_INT64_C(98765432101);
    in.last_activity = apr_time_from_sec(1700000000);
    in.dirty_since = in.last_activity - 5;
    node(&in.writer, BOOT_A, "a-rather-long-host-name.of.a.farm.node.example.org-but-cut-at-63-bytes-xx");
    bits_progress_encode(&in, slot);
    ck_assert_mem_eq(slot, "BITSPRG3", 8);
    ck_assert_int_eq(bits_progress_decode(&out, slot), 1);
    ck_assert_int_eq(out.version, 3);
    ck_assert_str_eq(out.id, SID);
    ck_assert_int_eq(out.received, in.received);
    ck_assert_int_eq(out.durable, in.durable);
    ck_assert_int_eq(out.total, in.total);
    ck_assert_int_eq(out.dirty_since, in.dirty_since);
    ck_assert_mem_eq(out.writer.boot, in.writer.boot, BITS_BOOT_ID_LEN);
    ck_assert_int_eq(strlen(out.writer.host), BITS_HOST_LEN - 1);
    ck_assert(!strncmp(out.writer.host, in.writer.host, BITS_HOST_LEN - 1));
    /* a durable N beyond N is no record */
    in.durable = in.received + 1;
    bits_progress_encode(&in, slot);
    ck_assert_int_eq(bits_progress_decode(&out, slot), 0);
}
END_TEST

START_TEST(slot_v2_still_read)
{
    unsigned char slot[BITS_PROGRESS_SLOT];
    bits_progress_t in, out;
    unsigned i;

    memset(&in, 0, sizeof in);
    apr_cpystrn(in.id, SID, sizeof in.id);
    in.gen = 42;
    in.received = APR_INT64_C(98765432101);
    in.durable = APR_INT64_C(98765000000);
    in.last_activity = apr_time_from_sec(1700000000);
    in.dirty_since = in.last_activity - 5;
    node(&in.writer, BOOT_A, "node2.farm");
    v2_slot(slot, &in);
    ck_assert_int_eq(bits_progress_decode(&out, slot), 1);
    ck_assert_int_eq(out.version, 2);
    ck_assert_int_eq(out.received, in.received);
    ck_assert_int_eq(out.durable, in.durable);
    ck_assert_int_eq(out.total, -1);            /* v2 carried none */
    ck_assert_int_eq(out.dirty_since, in.dirty_since);
    ck_assert_mem_eq(out.writer.boot, in.writer.boot, BITS_BOOT_ID_LEN);
    ck_assert_str_eq(out.writer.host, "node2.farm");
    /* every byte of the version 2 record is covered by its checksum */
    for (i = 0; i < 172; i++) {
        slot[i] ^= 0x01;
        ck_assert_msg(!bits_progress_decode(&out, slot), "flip at %u passed", i);
        slot[i] ^= 0x01;
    }
}
END_TEST

START_TEST(slot_v1_still_read)
{
    unsigned char buf[BITS_PROGRESS_SIZE];
    bits_progress_t v2, out;
    bits_progress_pick_t pick;

    v1_slot(buf, SID, 3, 210000, apr_time_from_sec(1700000000));
    ck_assert_int_eq(bits_progress_decode(&out, buf), 1);
    ck_assert_int_eq(out.version, 1);
    ck_assert_int_eq(out.received, 210000);
    ck_assert_int_eq(out.durable, 210000);      /* v1 synced before recording */
    ck_assert(!bits_node_known(&out.writer));
    ck_assert_int_eq(out.dirty_since, 0);
    /* a damaged v1 slot is no record */
    buf[20] ^= 1;
    ck_assert_int_eq(bits_progress_decode(&out, buf), 0);
    buf[20] ^= 1;

    /* an upgraded module writes version 3 into the other slot, newer */
    v1_slot(buf + BITS_PROGRESS_SLOT, SID, 2, 200000, apr_time_from_sec(1700000000));
    bits_progress_pick(&pick, buf, sizeof buf, SID, 0, 300000);
    ck_assert_int_eq(pick.slot, 0);
    ck_assert_int_eq(bits_progress_next_slot(&pick), 1);
    memset(&v2, 0, sizeof v2);
    apr_cpystrn(v2.id, SID, sizeof v2.id);
    v2.gen = bits_progress_next_gen(&pick);
    v2.received = 250000;
    v2.durable = 210000;
    v2.total = 300000;
    bits_progress_encode(&v2, buf + BITS_PROGRESS_SLOT);
    bits_progress_pick(&pick, buf, sizeof buf, SID, 0, 300000);
    ck_assert_int_eq(pick.slot, 1);
    ck_assert_int_eq(pick.rec.version, 3);
    ck_assert_int_eq(pick.rec.durable, 210000);
    /* and if that write is torn, the version 1 slot still counts */
    buf[BITS_PROGRESS_SLOT + 100] ^= 0x20;
    bits_progress_pick(&pick, buf, sizeof buf, SID, 0, 300000);
    ck_assert_int_eq(pick.slot, 0);
    ck_assert_int_eq(pick.rec.received, 210000);
}
END_TEST

/* ---- In the store ------------------------------------------------------ */

#define FIXTURE_SESSION SID
#include "check_session_fixture.h"

static const char *file_of(const char *name)
{
    return bits_session_file(store, SID, name, bits_test_pool);
}

/* Writes `n` bytes of data into the request file. */
static void data(apr_off_t n)
{
    int fd = open(file_of(BITS_REQUEST_FILE), O_WRONLY | O_TRUNC);
    char buf[1000];

    ck_assert_int_ge(fd, 0);
    memset(buf, 'x', sizeof buf);
    for (; n > 0; n -= sizeof buf)
        ck_assert_int_eq(write(fd, buf, n < (apr_off_t)sizeof buf ? (size_t)n : sizeof buf),
                         n < (apr_off_t)sizeof buf ? n : (apr_off_t)sizeof buf);
    close(fd);
}

static apr_off_t size_of(const char *path)
{
    struct stat st;

    ck_assert_int_eq(stat(path, &st), 0);
    return st.st_size;
}

/* A RECEIVING session of 10000 bytes whose state file says 1000. */
static void saved_session(bits_session_t *s)
{
    data(1000);
    fixture_record(s, 1000);
    ck_assert_int_eq(bits_session_load(s, store, SID, bits_test_pool), APR_SUCCESS);
}

START_TEST(durable_n_in_the_store)
{
    bits_session_t s, out;
    bits_node_t me;

    node(&me, BOOT_A, "node1");
    saved_session(&s);
    ck_assert_int_eq(s.durable, 1000);          /* the state file's N is durable */
    data(6000);
    s.received = 6000;
    s.dirty_since = s.created + 7;
    s.writer = me;
    ck_assert_int_eq(bits_session_save_progress(&s, store, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(bits_session_load(&out, store, SID, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(out.received, 6000);
    ck_assert_int_eq(out.durable, 1000);
    ck_assert_int_eq(out.dirty_since, s.created + 7);
    ck_assert_mem_eq(out.writer.boot, me.boot, BITS_BOOT_ID_LEN);
    ck_assert_str_eq(out.writer.host, "node1");

    /* a sync advances durable; the record then claims nothing unsynced */
    ck_assert_int_eq(bits_session_sync_data(&out, store, NULL, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(out.durable, 6000);
    ck_assert_int_eq(out.dirty_since, 0);
    ck_assert_int_eq(bits_session_save_progress(&out, store, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(bits_session_load(&s, store, SID, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(s.durable, 6000);

    /* a full save never records an unsynced N: it syncs first */
    data(8000);
    s.received = 8000;
    s.state = BITS_STATE_COMPLETING;
    ck_assert_int_eq(bits_session_save(&s, store, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(s.durable, 8000);
}
END_TEST

START_TEST(fall_back_in_place)
{
    bits_session_t s, out;
    bits_node_t crashed;

    node(&crashed, BOOT_B, "node1");
    saved_session(&s);
    data(6000);
    s.received = 4000;
    ck_assert_int_eq(bits_session_sync_data(&s, store, NULL, bits_test_pool), APR_SUCCESS);
    s.received = 6000;
    s.writer = crashed;
    ck_assert_int_eq(bits_session_save_progress(&s, store, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(bits_session_load(&s, store, SID, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(s.durable, 4000);

    ck_assert_int_eq(bits_session_fall_back(&s, store, 4000, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(size_of(file_of(BITS_REQUEST_FILE)), 4000);
    ck_assert_int_eq(bits_session_load(&out, store, SID, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(out.received, 4000);
    ck_assert_int_eq(out.durable, 4000);
}
END_TEST

START_TEST(fall_back_below_the_state_file)
{
    bits_session_t s, out;

    saved_session(&s);
    data(3000);
    s.received = 3000;
    ck_assert_int_eq(bits_session_sync_data(&s, store, NULL, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(bits_session_save_progress(&s, store, bits_test_pool), APR_SUCCESS);
    /* the file lost bytes the state file counts (cut by hand): a slot of
     * 500 would not count against the state's 1000, so the record is
     * replaced and no slot remains to name more */
    ck_assert_int_eq(bits_session_fall_back(&s, store, 500, bits_test_pool), APR_SUCCESS);
    ck_assert(!bits_test_exists(file_of(BITS_PROGRESS_FILE)));
    ck_assert_int_eq(bits_session_load(&out, store, SID, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(out.received, 500);
    ck_assert_int_eq(size_of(file_of(BITS_REQUEST_FILE)), 500);
}
END_TEST

START_TEST(v1_store_upgraded)
{
    unsigned char buf[BITS_PROGRESS_SIZE];
    bits_session_t s, out;
    bits_node_t me;
    int fd;

    node(&me, BOOT_A, "node1");
    saved_session(&s);
    /* the progress file as the module of before left it */
    v1_slot(buf, SID, 3, 5000, s.created + 30);
    v1_slot(buf + BITS_PROGRESS_SLOT, SID, 2, 4000, s.created + 20);
    fd = open(file_of(BITS_PROGRESS_FILE), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, buf, sizeof buf), (ssize_t)sizeof buf);
    close(fd);
    data(5000);

    ck_assert_int_eq(bits_session_load(&s, store, SID, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(s.received, 5000);
    ck_assert_int_eq(s.durable, 5000);
    ck_assert_int_eq(s.last_activity, s.created + 30);
    /* nothing unsynced: no node, rebooted or not, has anything to repair */
    ck_assert_int_eq(bits_held_check(&s, &me, 5000), BITS_HELD_ALL);

    /* the next record is version 3, in the slot of the older v1 record */
    data(7000);
    s.received = 7000;
    s.writer = me;
    ck_assert_int_eq(bits_session_save_progress(&s, store, bits_test_pool), APR_SUCCESS);
    fd = open(file_of(BITS_PROGRESS_FILE), O_RDONLY);
    ck_assert_int_eq(read(fd, buf, sizeof buf), (ssize_t)sizeof buf);
    close(fd);
    ck_assert_mem_eq(buf, "BITSPRG1", 8);
    ck_assert_mem_eq(buf + BITS_PROGRESS_SLOT, "BITSPRG3", 8);
    ck_assert_int_eq(bits_session_load(&out, store, SID, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(out.received, 7000);
    ck_assert_int_eq(out.durable, 5000);
}
END_TEST

TCase *bits_durable_tcase(void)
{
    TCase *tc = tcase_create("durable");

    tcase_add_checked_fixture(tc, bits_test_pool_setup, bits_test_pool_teardown);
    tcase_add_test(tc, boot_id_parses);
    tcase_add_test(tc, node_read);
    tcase_add_test(tc, fallback_decision);
    tcase_add_test(tc, sync_batches);
    tcase_add_test(tc, slot_round_trip_with_writer);
    tcase_add_test(tc, slot_v2_still_read);
    tcase_add_test(tc, slot_v1_still_read);
    return tc;
}

TCase *bits_durable_store_tcase(void)
{
    TCase *tc = tcase_create("durable store");

    tcase_add_checked_fixture(tc, store_setup, store_teardown);
    tcase_add_test(tc, durable_n_in_the_store);
    tcase_add_test(tc, fall_back_in_place);
    tcase_add_test(tc, fall_back_below_the_state_file);
    tcase_add_test(tc, v1_store_upgraded);
    return tc;
}
