/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bits_session.c: the session record, its text form and its store
 * (§6.2, §8.3).  Written against include/core/bits_session.h only: the tests
 * locate fields in the text by their values, not by key names. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_strings.h>
#include "bits_session.h"
#include "check_units.h"

#define SID       "{3F2504E0-4F89-41D3-9A0C-0305E82C3301}"
#define RECEIVED  APR_INT64_C(123457)

/* Every field set, to a value no other field shares. */
static void fill_session(bits_session_t *s)
{
    memset(s, 0, sizeof *s);
    apr_cpystrn(s->id, SID, sizeof s->id);
    s->state = BITS_STATE_COMPLETING;
    s->owner = "EXAMPLE\\J\xc3\xa9r\xc3\xb4me 100% sure\nsecond=line";
    s->dest_url = "http://h\xc3\xb6st.example/up load/a%20b.bin?x=1&y=%zz";
    s->dest_path = "/srv/up load/a%20b \xe2\x82\xac\n.bin";
    s->notify_type = 2;
    s->allow_overwrites = 1;
    s->max_upload = APR_INT64_C(9223372036854775807);
    s->total = APR_INT64_C(98765432101);
    s->received = RECEIVED;
    s->copy_to_dest = 1;
    s->published = 1;
    s->publish_ino = (apr_ino_t)4242424242u;
    s->final_ack = (bits_ack_t){ 403, BITS_E_HTTP(403), BITS_CONTEXT_APPLICATION };
    s->reply_url = "http://host.example/up/BITS-Sessions/Replies/%7B" SID "%7D";
    s->static_reply = 1;
    s->created = apr_time_from_sec(1700000000) + 123456;
    s->last_activity = apr_time_from_sec(1700000600) + 654321;
    s->notify_failures = 7;
    s->notify_after = apr_time_from_sec(1700000900) + 777;
    s->vhost = "up.example";
}

static void assert_same_session(const bits_session_t *a, const bits_session_t *b)
{
    ck_assert_str_eq(a->id, b->id);
    ck_assert_int_eq(a->state, b->state);
    ck_assert_str_eq(a->owner, b->owner);
    ck_assert_str_eq(a->dest_url, b->dest_url);
    ck_assert_str_eq(a->dest_path, b->dest_path);
    ck_assert_str_eq(a->vhost, b->vhost);
    ck_assert_int_eq(a->notify_type, b->notify_type);
    ck_assert_int_eq(a->allow_overwrites, b->allow_overwrites);
    ck_assert_int_eq(a->max_upload, b->max_upload);
    ck_assert_int_eq(a->total, b->total);
    ck_assert_int_eq(a->received, b->received);
    ck_assert_int_eq(a->copy_to_dest, b->copy_to_dest);
    ck_assert_int_eq(a->published, b->published);
    ck_assert_uint_eq(a->publish_ino, b->publish_ino);
    ck_assert_int_eq(a->final_ack.status, b->final_ack.status);
    ck_assert_uint_eq(a->final_ack.code, b->final_ack.code);
    ck_assert_int_eq(a->final_ack.context, b->final_ack.context);
    ck_assert_str_eq(a->reply_url, b->reply_url);
    ck_assert_int_eq(a->static_reply, b->static_reply);
    ck_assert_int_eq(a->created, b->created);
    ck_assert_int_eq(a->notify_failures, b->notify_failures);
    ck_assert_int_eq(a->notify_after, b->notify_after);
    ck_assert_int_eq(a->last_activity, b->last_activity);
}

static apr_status_t parse_text(bits_session_t *s, const char *text)
{
    return bits_session_parse(s, text, strlen(text), bits_test_pool);
}

/* The text with the whole line that contains `needle` replaced. */
static const char *replace_line(const char *text, const char *needle,
                                const char *line)
{
    const char *hit = strstr(text, needle), *start, *end;

    ck_assert_msg(hit != NULL, "\"%s\" not in the record", needle);
    for (start = hit; start > text && start[-1] != '\n'; start--)
        ;
    end = strchr(hit, '\n');
    end = end ? end + 1 : hit + strlen(hit);
    return apr_pstrcat(bits_test_pool,
                       apr_pstrmemdup(bits_test_pool, text,
                                      (apr_size_t)(start - text)),
                       line, end, NULL);
}

/* ---- Text form -------------------------------------------------------- */

START_TEST(serialize_parse_round_trip)
{
    bits_session_t in, out;
    const char *text;

    fill_session(&in);
    text = bits_session_serialize(&in, bits_test_pool);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(parse_text(&out, text), APR_SUCCESS);
    assert_same_session(&in, &out);
}
END_TEST

/* Inode numbers may use all 64 bits (NFS, overlayfs): found by make fuzz. */
START_TEST(round_trip_inode_above_2_63)
{
    bits_session_t in, out;
    const char *text, *line, *key;

    fill_session(&in);
    in.publish_ino = (apr_ino_t)APR_UINT64_MAX;
    text = bits_session_serialize(&in, bits_test_pool);
    ck_assert_int_eq(parse_text(&out, text), APR_SUCCESS);
    assert_same_session(&in, &out);
    in.publish_ino = (apr_ino_t)APR_UINT64_C(9223372036854775808);
    text = bits_session_serialize(&in, bits_test_pool);
    ck_assert_int_eq(parse_text(&out, text), APR_SUCCESS);
    assert_same_session(&in, &out);

    /* Still strict: past 2^64 or negative is not an inode. */
    line = strstr(text, "=9223372036854775808\n");
    ck_assert_ptr_nonnull(line);
    while (line > text && line[-1] != '\n')
        line--;
    key = apr_pstrmemdup(bits_test_pool, line, (apr_size_t)(strchr(line, '=') - line));
    ck_assert_int_ne(parse_text(&out, replace_line(text, "=9223372036854775808\n",
                                                   apr_pstrcat(bits_test_pool, key,
                                                               "=18446744073709551616\n",
                                                               NULL))),
                     APR_SUCCESS);
    ck_assert_int_ne(parse_text(&out, replace_line(text, "=9223372036854775808\n",
                                                   apr_pstrcat(bits_test_pool, key,
                                                               "=-1\n", NULL))),
                     APR_SUCCESS);
}
END_TEST

START_TEST(serialized_values_stay_on_their_line)
{
    bits_session_t in;
    const char *text;

    fill_session(&in);
    text = bits_session_serialize(&in, bits_test_pool);
    /* The newlines inside owner and dest_path must not start lines. */
    ck_assert_ptr_null(strstr(text, "\nsecond=line"));
    ck_assert_ptr_null(strstr(text, "\n.bin"));
}
END_TEST

START_TEST(round_trip_every_state)
{
    bits_session_t in, out;
    int st;

    fill_session(&in);
    for (st = BITS_STATE_RECEIVING; st <= BITS_STATE_EXPIRED; st++) {
        in.state = (bits_state_t)st;
        ck_assert_int_eq(parse_text(&out, bits_session_serialize(&in,
                                                                 bits_test_pool)),
                         APR_SUCCESS);
        ck_assert_int_eq(out.state, st);
        ck_assert_ptr_nonnull(bits_state_name((bits_state_t)st));
    }
    ck_assert(bits_state_is_terminal(BITS_STATE_CLOSED));
    ck_assert(bits_state_is_terminal(BITS_STATE_CANCELLED));
    ck_assert(bits_state_is_terminal(BITS_STATE_EXPIRED));
    ck_assert(!bits_state_is_terminal(BITS_STATE_DONE));
    ck_assert(!bits_state_is_terminal(BITS_STATE_REFUSED));
}
END_TEST

START_TEST(round_trip_fresh_session)
{
    bits_session_t in, out;

    /* What Create-Session stores: nothing received, total unknown. */
    fill_session(&in);
    in.state = BITS_STATE_RECEIVING;
    in.owner = "";
    in.total = -1;
    in.received = 0;
    in.max_upload = -1;
    in.publish_ino = 0;
    in.published = 0;
    in.final_ack = (bits_ack_t){ 0, 0, 0 };
    in.reply_url = "";
    ck_assert_int_eq(parse_text(&out, bits_session_serialize(&in, bits_test_pool)),
                     APR_SUCCESS);
    assert_same_session(&in, &out);
}
END_TEST

START_TEST(parse_rejects_wrong_version)
{
    bits_session_t in, out;
    const char *text, *nl, *first_line;

    fill_session(&in);
    text = bits_session_serialize(&in, bits_test_pool);
    nl = strchr(text, '\n');
    ck_assert_ptr_nonnull(nl);
    first_line = apr_pstrmemdup(bits_test_pool, text, (apr_size_t)(nl - text));

    ck_assert_int_ne(parse_text(&out, nl + 1), APR_SUCCESS);          /* none */
    ck_assert_int_ne(parse_text(&out, apr_pstrcat(bits_test_pool,
                     first_line, "9", nl, NULL)), APR_SUCCESS);
    ck_assert_int_ne(parse_text(&out, apr_pstrcat(bits_test_pool,
                     "garbage", nl, NULL)), APR_SUCCESS);
    ck_assert_int_ne(parse_text(&out, ""), APR_SUCCESS);
}
END_TEST

START_TEST(parse_rejects_garbage_numbers)
{
    bits_session_t in, out;
    const char *text, *line, *key;
    static const char *const garbage[] = { "12x457", "", "0x10", "1 2", "abc",
                                           "99999999999999999999999" };
    size_t i;

    fill_session(&in);
    text = bits_session_serialize(&in, bits_test_pool);
    line = strstr(text, "=123457\n");
    ck_assert_msg(line != NULL, "received not found");
    while (line > text && line[-1] != '\n')
        line--;
    key = apr_pstrmemdup(bits_test_pool, line,
                         (apr_size_t)(strchr(line, '=') - line + 1));
    for (i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
        const char *bad = replace_line(text, "=123457\n",
                                       apr_pstrcat(bits_test_pool, key,
                                                   garbage[i], "\n", NULL));
        ck_assert_msg(parse_text(&out, bad) != APR_SUCCESS,
                      "%s%s accepted", key, garbage[i]);
    }
}
END_TEST

START_TEST(parse_rejects_missing_or_bad_id)
{
    bits_session_t in, out;
    const char *text;
    char *bad;

    fill_session(&in);
    in.reply_url = "";            /* so that the id appears on one line only */
    text = bits_session_serialize(&in, bits_test_pool);
    ck_assert_int_ne(parse_text(&out, replace_line(text, SID, "")), APR_SUCCESS);

    /* The same id with one non-hex digit. */
    bad = apr_pstrdup(bits_test_pool, text);
    strstr(bad, SID)[1] = 'G';
    ck_assert_int_ne(parse_text(&out, bad), APR_SUCCESS);
}
END_TEST

START_TEST(parse_ignores_unknown_keys)
{
    bits_session_t in, out;
    const char *text, *nl;

    fill_session(&in);
    text = bits_session_serialize(&in, bits_test_pool);
    nl = strchr(text, '\n');
    text = apr_pstrcat(bits_test_pool,
                       apr_pstrmemdup(bits_test_pool, text,
                                      (apr_size_t)(nl + 1 - text)),
                       "from_a_newer_version=anything at all\n",
                       nl + 1, "another_future_key=42\n",
                       /* older records named the notification target; it is
                        * read from the configuration now */
                       "notify_url=http://127.0.0.2:9999/x\n", NULL);
    ck_assert_int_eq(parse_text(&out, text), APR_SUCCESS);
    assert_same_session(&in, &out);
}
END_TEST

START_TEST(parse_honours_length)
{
    bits_session_t in, out;
    const char *text;
    char *padded;
    apr_size_t len;

    /* Bytes after len (here garbage, no NUL) are not part of the record. */
    fill_session(&in);
    text = bits_session_serialize(&in, bits_test_pool);
    len = strlen(text);
    padded = apr_pstrcat(bits_test_pool, text, "\x01\x02 not a line", NULL);
    ck_assert_int_eq(bits_session_parse(&out, padded, len, bits_test_pool),
                     APR_SUCCESS);
    assert_same_session(&in, &out);
}
END_TEST

/* ---- Paths ------------------------------------------------------------ */

START_TEST(session_paths)
{
    apr_pool_t *p = bits_test_pool;

    ck_assert_str_eq(bits_session_dir("/s", SID, p), "/s/Requests/" SID);
    ck_assert_str_eq(bits_session_file("/s", SID, BITS_STATE_FILE, p),
                     "/s/Requests/" SID "/state");
    ck_assert_str_eq(bits_session_file("/s", SID, BITS_REQUEST_FILE, p),
                     "/s/Requests/" SID "/requestfile.bin");
    ck_assert_str_eq(bits_reply_dir("/s", SID, p), "/s/Replies/" SID);
}
END_TEST

/* ---- The store on disk ------------------------------------------------- */

#include "check_session_fixture.h"

static const char *session_file(const char *name)
{
    return bits_session_file(store, SID, name, bits_test_pool);
}

START_TEST(create_dir_makes_empty_request_file)
{
    ck_assert_int_eq(bits_session_create_dir(store, SID, BITS_NO_GROUP, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_str_eq(bits_test_read_file(session_file(BITS_REQUEST_FILE),
                                         bits_test_pool), "");
    ck_assert(!bits_test_exists(session_file(BITS_STATE_FILE)));
}
END_TEST

START_TEST(create_dir_refuses_planted_symlink)
{
    const char *elsewhere = apr_pstrcat(bits_test_pool, base, "/elsewhere", NULL);
    const char *requests = apr_pstrcat(bits_test_pool, store, "/Requests", NULL);

    ck_assert_int_eq(apr_dir_make_recursive(requests, APR_FPROT_OS_DEFAULT,
                                            bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(apr_dir_make(elsewhere, APR_FPROT_OS_DEFAULT,
                                  bits_test_pool), APR_SUCCESS);
    bits_test_symlink(elsewhere, bits_session_dir(store, SID, bits_test_pool));

    ck_assert_int_ne(bits_session_create_dir(store, SID, BITS_NO_GROUP, bits_test_pool),
                     APR_SUCCESS);
    ck_assert(!bits_test_exists(apr_pstrcat(bits_test_pool, elsewhere,
                                            "/" BITS_REQUEST_FILE, NULL)));
}
END_TEST

START_TEST(create_dir_refuses_symlinked_requests_dir)
{
    const char *elsewhere = apr_pstrcat(bits_test_pool, base, "/elsewhere", NULL);

    ck_assert_int_eq(apr_dir_make(store, APR_FPROT_OS_DEFAULT, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(apr_dir_make(elsewhere, APR_FPROT_OS_DEFAULT,
                                  bits_test_pool), APR_SUCCESS);
    bits_test_symlink(elsewhere, apr_pstrcat(bits_test_pool, store,
                                             "/Requests", NULL));
    ck_assert_int_ne(bits_session_create_dir(store, SID, BITS_NO_GROUP, bits_test_pool),
                     APR_SUCCESS);
    ck_assert(!bits_test_exists(apr_pstrcat(bits_test_pool, elsewhere,
                                            "/" SID, NULL)));
}
END_TEST

START_TEST(create_dir_refuses_symlinked_request_file)
{
    const char *victim = apr_pstrcat(bits_test_pool, base, "/victim", NULL);

    bits_test_write_file(victim, "precious", bits_test_pool);
    ck_assert_int_eq(apr_dir_make_recursive(bits_session_dir(store, SID,
                                                             bits_test_pool),
                                            APR_FPROT_OS_DEFAULT,
                                            bits_test_pool), APR_SUCCESS);
    bits_test_symlink(victim, session_file(BITS_REQUEST_FILE));
    ck_assert_int_ne(bits_session_create_dir(store, SID, BITS_NO_GROUP, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_str_eq(bits_test_read_file(victim, bits_test_pool), "precious");
}
END_TEST

START_TEST(save_load_round_trip)
{
    bits_session_t in, out;

    fill_session(&in);
    ck_assert_int_eq(bits_session_create_dir(store, SID, BITS_NO_GROUP, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(bits_session_save(&in, store, bits_test_pool), APR_SUCCESS);
    ck_assert(bits_test_exists(session_file(BITS_STATE_FILE)));
    ck_assert_int_eq(bits_session_load(&out, store, SID, bits_test_pool),
                     APR_SUCCESS);
    assert_same_session(&in, &out);

    /* A second save replaces the record. */
    in.received = in.received + 1000;
    in.state = BITS_STATE_DONE;
    ck_assert_int_eq(bits_session_save(&in, store, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(bits_session_load(&out, store, SID, bits_test_pool),
                     APR_SUCCESS);
    assert_same_session(&in, &out);

    /* A progress save of a session that is not RECEIVING is a full save. */
    in.received = in.received + 1000;
    ck_assert_int_eq(bits_session_save_progress(&in, store, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(bits_session_load(&out, store, SID, bits_test_pool),
                     APR_SUCCESS);
    assert_same_session(&in, &out);
}
END_TEST

START_TEST(load_missing_session)
{
    bits_session_t s;
    apr_status_t rv;

    rv = bits_session_load(&s, store, SID, bits_test_pool);
    ck_assert_msg(APR_STATUS_IS_ENOENT(rv), "no store: %d", rv);
    ck_assert_int_eq(bits_session_create_dir(store, SID, BITS_NO_GROUP, bits_test_pool),
                     APR_SUCCESS);
    rv = bits_session_load(&s, store, SID, bits_test_pool);
    ck_assert_msg(APR_STATUS_IS_ENOENT(rv), "no state file yet: %d", rv);
    rv = bits_session_load(&s, store, "{00000000-0000-4000-8000-000000000000}",
                           bits_test_pool);
    ck_assert_msg(APR_STATUS_IS_ENOENT(rv), "other id: %d", rv);
}
END_TEST

START_TEST(load_refuses_corrupt_record)
{
    bits_session_t s;

    ck_assert_int_eq(bits_session_create_dir(store, SID, BITS_NO_GROUP, bits_test_pool),
                     APR_SUCCESS);
    bits_test_write_file(session_file(BITS_STATE_FILE), "not a record\n",
                         bits_test_pool);
    ck_assert_int_ne(bits_session_load(&s, store, SID, bits_test_pool),
                     APR_SUCCESS);
}
END_TEST

START_TEST(tombstone_keeps_only_the_record)
{
    bits_session_t in, out;
    const char *reply_dir = bits_reply_dir(store, SID, bits_test_pool);

    fill_session(&in);
    in.state = BITS_STATE_DONE;
    in.static_reply = 0;
    ck_assert_int_eq(bits_session_create_dir(store, SID, BITS_NO_GROUP, bits_test_pool),
                     APR_SUCCESS);
    bits_test_write_file(session_file(BITS_REQUEST_FILE), "upload data",
                         bits_test_pool);
    bits_test_write_file(session_file(BITS_LOCK_FILE), "", bits_test_pool);
    ck_assert_int_eq(apr_dir_make_recursive(reply_dir, APR_FPROT_OS_DEFAULT,
                                            bits_test_pool), APR_SUCCESS);
    bits_test_write_file(apr_pstrcat(bits_test_pool, reply_dir,
                                     "/" BITS_RESPONSE_FILE, NULL),
                         "reply", bits_test_pool);
    ck_assert_int_eq(bits_session_save(&in, store, bits_test_pool), APR_SUCCESS);

    ck_assert_int_eq(bits_session_tombstone(&in, store, BITS_STATE_CLOSED,
                                            bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(in.state, BITS_STATE_CLOSED);
    ck_assert(!bits_test_exists(session_file(BITS_REQUEST_FILE)));
    ck_assert(!bits_test_exists(reply_dir));
    ck_assert(bits_test_exists(session_file(BITS_STATE_FILE)));
    ck_assert(bits_test_exists(session_file(BITS_LOCK_FILE)));

    ck_assert_int_eq(bits_session_load(&out, store, SID, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(out.state, BITS_STATE_CLOSED);
    ck_assert_str_eq(out.id, SID);
    ck_assert_int_eq(out.received, in.received);
}
END_TEST

START_TEST(tombstone_without_data_files)
{
    bits_session_t in, out;

    /* A repeated Cancel: the data files are already gone. */
    fill_session(&in);
    in.state = BITS_STATE_RECEIVING;
    in.static_reply = 0;
    ck_assert_int_eq(bits_session_create_dir(store, SID, BITS_NO_GROUP, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(apr_file_remove(session_file(BITS_REQUEST_FILE),
                                     bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(bits_session_tombstone(&in, store, BITS_STATE_CANCELLED,
                                            bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(bits_session_load(&out, store, SID, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(out.state, BITS_STATE_CANCELLED);
}
END_TEST

START_TEST(tombstone_of_static_reply_removes_our_reply_dir)
{
    bits_session_t in;
    const char *reply_dir = bits_reply_dir(store, SID, bits_test_pool);

    /* The static URL names a file elsewhere; Replies/<ID> is still ours. */
    fill_session(&in);
    in.static_reply = 1;
    ck_assert_int_eq(bits_session_create_dir(store, SID, BITS_NO_GROUP, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(bits_session_create_reply_dir(store, SID, BITS_NO_GROUP, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(bits_session_tombstone(&in, store, BITS_STATE_CLOSED,
                                            bits_test_pool), APR_SUCCESS);
    ck_assert(!bits_test_exists(reply_dir));
    ck_assert(bits_test_exists(session_file(BITS_STATE_FILE)));
}
END_TEST

/* ---- modes of the store (issue 6 item 12) ------------------------------ */

static struct stat stat_of(const char *path)
{
    struct stat st;

    ck_assert_msg(lstat(path, &st) == 0, "lstat %s", path);
    return st;
}

#define MODE(path) ((int)(stat_of(path).st_mode & 07777))

START_TEST(store_is_private_by_default)
{
    umask(0);                   /* the modes must not come from the umask */
    ck_assert_int_eq(bits_session_create_dir(store, SID, BITS_NO_GROUP,
                                             bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(bits_session_create_reply_dir(store, SID, BITS_NO_GROUP,
                                                   bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(MODE(store), 0700);
    ck_assert_int_eq(MODE(apr_pstrcat(bits_test_pool, store, "/Requests", NULL)), 0700);
    ck_assert_int_eq(MODE(bits_session_dir(store, SID, bits_test_pool)), 0700);
    ck_assert_int_eq(MODE(session_file(BITS_REQUEST_FILE)), 0600);
    ck_assert_int_eq(MODE(apr_pstrcat(bits_test_pool, store, "/Replies", NULL)), 0700);
    ck_assert_int_eq(MODE(bits_reply_dir(store, SID, bits_test_pool)), 0700);
}
END_TEST

START_TEST(store_with_a_group)
{
    gid_t g = getegid();        /* a group we may give files to */
    const char *reply = bits_reply_dir(store, SID, bits_test_pool);

    umask(077);
    ck_assert_int_eq(bits_session_create_dir(store, SID, g, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(bits_session_create_reply_dir(store, SID, g, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(MODE(store), 02750);
    ck_assert_int_eq(MODE(bits_session_dir(store, SID, bits_test_pool)), 02750);
    ck_assert_int_eq(MODE(session_file(BITS_REQUEST_FILE)), 0640);
    ck_assert_int_eq(MODE(apr_pstrcat(bits_test_pool, store, "/Replies", NULL)), 02750);
    ck_assert_int_eq(MODE(reply), 02770);
    ck_assert_uint_eq(stat_of(reply).st_gid, g);
    ck_assert_uint_eq(stat_of(session_file(BITS_REQUEST_FILE)).st_gid, g);
}
END_TEST

START_TEST(existing_store_dirs_keep_their_mode)
{
    ck_assert_int_eq(mkdir(store, 0755), 0);
    ck_assert_int_eq(chmod(store, 0755), 0);
    ck_assert_int_eq(bits_session_create_dir(store, SID, BITS_NO_GROUP,
                                             bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(MODE(store), 0755);
    ck_assert_int_eq(MODE(bits_session_dir(store, SID, bits_test_pool)), 0700);
}
END_TEST

/* ---- Expiry ----------------------------------------------------------- */

START_TEST(expired_edges)
{
    bits_session_t s;
    apr_time_t now = apr_time_from_sec(1700000000);
    apr_interval_time_t timeout = apr_time_from_sec(3600);

    fill_session(&s);
    s.last_activity = now;
    ck_assert_int_eq(bits_session_expired(&s, timeout, now), 0);
    s.last_activity = now - timeout + 1;
    ck_assert_int_eq(bits_session_expired(&s, timeout, now), 0);
    s.last_activity = now - timeout - 1;
    ck_assert_int_eq(bits_session_expired(&s, timeout, now), 1);
    s.last_activity = now - apr_time_from_sec(14 * 86400);
    ck_assert_int_eq(bits_session_expired(&s, timeout, now), 1);
    /* A clock that went backwards does not expire anything. */
    s.last_activity = now + apr_time_from_sec(60);
    ck_assert_int_eq(bits_session_expired(&s, timeout, now), 0);
}
END_TEST

/* Issue 7: a session is seen only by the vhost that created it. */
START_TEST(session_bound_to_its_vhost)
{
    bits_session_t s, old;
    const char *legacy = "BITS-Session 1\nid=" SID "\nstate=RECEIVING\nowner=\n"
                         "dest_url=u\ndest_path=/d\n";

    fill_session(&s);
    ck_assert_int_eq(bits_session_of_vhost(&s, "up.example"), 1);
    ck_assert_int_eq(bits_session_of_vhost(&s, "UP.example"), 1);
    ck_assert_int_eq(bits_session_of_vhost(&s, "down.example"), 0);
    ck_assert_int_eq(bits_session_of_vhost(&s, NULL), 0);
    /* Records from before the binding: any vhost (the store decides). */
    ck_assert_int_eq(parse_text(&old, legacy), APR_SUCCESS);
    ck_assert_int_eq(bits_session_of_vhost(&old, "down.example"), 1);
    s.vhost = "";
    ck_assert_int_eq(bits_session_of_vhost(&s, "down.example"), 1);
}
END_TEST

TCase *bits_session_tcase(void)
{
    TCase *tc = tcase_create("session");

    tcase_add_checked_fixture(tc, store_setup, store_teardown);
    tcase_add_test(tc, serialize_parse_round_trip);
    tcase_add_test(tc, session_bound_to_its_vhost);
    tcase_add_test(tc, round_trip_inode_above_2_63);
    tcase_add_test(tc, serialized_values_stay_on_their_line);
    tcase_add_test(tc, round_trip_every_state);
    tcase_add_test(tc, round_trip_fresh_session);
    tcase_add_test(tc, parse_rejects_wrong_version);
    tcase_add_test(tc, parse_rejects_garbage_numbers);
    tcase_add_test(tc, parse_rejects_missing_or_bad_id);
    tcase_add_test(tc, parse_ignores_unknown_keys);
    tcase_add_test(tc, parse_honours_length);
    tcase_add_test(tc, session_paths);
    tcase_add_test(tc, create_dir_makes_empty_request_file);
    tcase_add_test(tc, create_dir_refuses_planted_symlink);
    tcase_add_test(tc, create_dir_refuses_symlinked_requests_dir);
    tcase_add_test(tc, create_dir_refuses_symlinked_request_file);
    tcase_add_test(tc, save_load_round_trip);
    tcase_add_test(tc, load_missing_session);
    tcase_add_test(tc, load_refuses_corrupt_record);
    tcase_add_test(tc, tombstone_keeps_only_the_record);
    tcase_add_test(tc, tombstone_without_data_files);
    tcase_add_test(tc, tombstone_of_static_reply_removes_our_reply_dir);
    tcase_add_test(tc, expired_edges);
    tcase_add_test(tc, store_is_private_by_default);
    tcase_add_test(tc, store_with_a_group);
    tcase_add_test(tc, existing_store_dirs_keep_their_mode);
    return tc;
}
