/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bits_journal.c and bits_report.c: the outcome journal (lines, torn
 * lines, classification, retire writes it, pruning), pages of the index,
 * the summary, the last hour/day, and the escaping every form relies on. */
#include <string.h>
#include <apr_strings.h>
#include "bits_journal.h"
#include "bits_report.h"
#include "bits_index.h"
#include "check_units.h"
#include "check_store_fixture.h"

/* A live session of `user` with received/total, indexed. */
static const char *live(const char *user, apr_off_t received, apr_off_t total)
{
    apr_pool_t *p = bits_test_pool;
    const char *key = bits_owner_key(user, "127.0.0.7", p);
    const char *id = bits_test_store_session(store, user, key, BITS_STATE_RECEIVING,
                                             now - 10 * apr_time_from_sec(1), now);
    bits_session_t s;

    ck_assert_int_eq(bits_session_load(&s, store, id, p), APR_SUCCESS);
    s.received = received;
    s.total = total;
    ck_assert_int_eq(bits_session_save(&s, store, p), APR_SUCCESS);
    ck_assert_int_eq(bits_index_add(store, key, id, p), APR_SUCCESS);
    return id;
}

static bits_journal_event_t event(bits_outcome_t o, apr_uint32_t code, apr_time_t when,
                                  apr_off_t bytes)
{
    bits_journal_event_t ev;

    memset(&ev, 0, sizeof ev);
    ck_assert_int_eq(bits_guid_new(ev.id), APR_SUCCESS);
    ev.outcome = o;
    ev.code = code;
    ev.when = apr_time_from_sec(apr_time_sec(when));
    ev.bytes = bytes;
    return ev;
}

START_TEST(journal_lines_round_trip_and_torn_lines_do_not_count)
{
    bits_journal_event_t ev = event(BITS_OUTCOME_EXPIRED, 0x8020001Fu, now, 12345), back;
    const char *line = bits_journal_format(&ev, bits_test_pool);
    apr_size_t len = strlen(line);
    apr_size_t cut;

    ck_assert(bits_journal_parse(&back, line, len));
    ck_assert_int_eq(back.outcome, BITS_OUTCOME_EXPIRED);
    ck_assert_uint_eq(back.code, 0x8020001Fu);
    ck_assert_int_eq(back.bytes, 12345);
    ck_assert(back.when == ev.when);
    ck_assert_str_eq(back.id, ev.id);
    /* Every prefix is what a crash mid-write leaves: none parses. */
    for (cut = 0; cut < len; cut++)
        ck_assert_msg(!bits_journal_parse(&back, line, cut), "prefix %u parsed",
                      (unsigned)cut);
    ck_assert(!bits_journal_parse(&back, "1 finished 0x00000000 1 {x}\n", 27));
    ck_assert(!bits_journal_parse(&back, "99999999999999999999 completed 0x00000000 1 "
                                  "{3F2504E0-4F89-41D3-9A0C-0305E82C3301}\n", 84));
}
END_TEST

START_TEST(outcomes_are_classified_from_the_state_before_the_end)
{
    bits_session_t s;
    bits_journal_event_t ev;

    memset(&s, 0, sizeof s);
    s.received = 7;
    bits_journal_event_of(&ev, &s, BITS_STATE_DONE, BITS_STATE_CLOSED, now);
    ck_assert_int_eq(ev.outcome, BITS_OUTCOME_COMPLETED);
    bits_journal_event_of(&ev, &s, BITS_STATE_DONE, BITS_STATE_CANCELLED, now);
    ck_assert_int_eq(ev.outcome, BITS_OUTCOME_COMPLETED);
    s.final_ack.code = 0x80190193u;
    bits_journal_event_of(&ev, &s, BITS_STATE_REFUSED, BITS_STATE_CLOSED, now);
    ck_assert_int_eq(ev.outcome, BITS_OUTCOME_REFUSED);
    ck_assert_uint_eq(ev.code, 0x80190193u);
    bits_journal_event_of(&ev, &s, BITS_STATE_RECEIVING, BITS_STATE_EXPIRED, now);
    ck_assert_int_eq(ev.outcome, BITS_OUTCOME_EXPIRED);
    ck_assert_uint_eq(ev.code, 0x8020001Fu);
    bits_journal_event_of(&ev, &s, BITS_STATE_RECEIVING, BITS_STATE_CANCELLED, now);
    ck_assert_int_eq(ev.outcome, BITS_OUTCOME_CANCELLED);
    bits_journal_event_of(&ev, &s, BITS_STATE_COMPLETING, BITS_STATE_CLOSED, now);
    ck_assert_int_eq(ev.outcome, BITS_OUTCOME_INCOMPLETE);
    ck_assert_int_eq(ev.bytes, 7);
}
END_TEST

START_TEST(retiring_a_session_writes_one_event)
{
    const char *id = live("alice", 10, 20);
    bits_session_t s;
    bits_report_history_t h;

    ck_assert_int_eq(bits_session_load(&s, store, id, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(bits_index_retire(&s, store, BITS_STATE_CANCELLED, bits_test_pool),
                     APR_SUCCESS);
    /* A tombstone retired again (a repeated Cancel) writes nothing more. */
    ck_assert_int_eq(bits_index_retire(&s, store, BITS_STATE_CANCELLED, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(bits_report_history(&h, store, apr_time_now(), 5, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(h.hour.failed, 1);
    ck_assert_int_eq(h.recent->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(h.recent, 0, bits_journal_event_t).id, id);
}
END_TEST

START_TEST(history_counts_the_last_hour_and_day_by_code)
{
    bits_journal_event_t evs[] = {
        event(BITS_OUTCOME_COMPLETED, 0, now - 60 * apr_time_from_sec(1), 100),
        event(BITS_OUTCOME_COMPLETED, 0, now - 2 * HOUR, 1000),
        event(BITS_OUTCOME_EXPIRED, 0x8020001Fu, now - 3 * HOUR, 5),
        event(BITS_OUTCOME_EXPIRED, 0x8020001Fu, now - 10, 6),
        event(BITS_OUTCOME_REFUSED, 0x80190193u, now - 5, 7),
        event(BITS_OUTCOME_CANCELLED, 0, now - 30 * HOUR, 8),       /* too old */
    };
    bits_report_history_t h;
    const bits_report_tally_t *t;
    unsigned i;

    for (i = 0; i < sizeof evs / sizeof *evs; i++)
        ck_assert_int_eq(bits_journal_append(store, &evs[i], bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(bits_report_history(&h, store, now, 3, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(h.hour.completed, 1);
    ck_assert_int_eq(h.hour.completed_bytes, 100);
    ck_assert_int_eq(h.hour.failed, 2);
    ck_assert_int_eq(h.day.completed, 2);
    ck_assert_int_eq(h.day.completed_bytes, 1100);
    ck_assert_int_eq(h.day.failed, 3);
    ck_assert_int_eq(h.day.by_code->nelts, 2);
    t = &APR_ARRAY_IDX(h.day.by_code, 0, bits_report_tally_t);
    ck_assert(t->outcome == BITS_OUTCOME_EXPIRED && t->code == 0x8020001Fu && t->count == 2);
    t = &APR_ARRAY_IDX(h.day.by_code, 1, bits_report_tally_t);
    ck_assert(t->outcome == BITS_OUTCOME_REFUSED && t->count == 1);
    /* The newest three, newest first (the order they were read in). */
    ck_assert_int_eq(h.recent->nelts, 3);
    ck_assert_str_eq(APR_ARRAY_IDX(h.recent, 0, bits_journal_event_t).id, evs[4].id);
}
END_TEST

START_TEST(a_torn_last_line_is_skipped_and_old_hours_are_pruned)
{
    bits_journal_event_t old = event(BITS_OUTCOME_COMPLETED, 0,
                                     now - (BITS_JOURNAL_KEEP_HOURS + 3) * HOUR, 1);
    bits_journal_event_t cur = event(BITS_OUTCOME_COMPLETED, 0, now, 2);
    const char *dir = apr_pstrcat(bits_test_pool, store, "/" BITS_JOURNAL_DIR, NULL);
    const char *cur_file = apr_psprintf(bits_test_pool, "%s/" BITS_JOURNAL_PREFIX "%"
                                        APR_INT64_T_FMT, dir,
                                        (apr_int64_t)(apr_time_sec(now) / 3600));
    bits_report_history_t h;
    apr_file_t *f;

    ck_assert_int_eq(bits_journal_append(store, &old, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(bits_journal_append(store, &cur, bits_test_pool), APR_SUCCESS);
    ck_assert(!bits_test_exists(apr_psprintf(bits_test_pool, "%s/" BITS_JOURNAL_PREFIX "%"
                                             APR_INT64_T_FMT, dir,
                                             (apr_int64_t)(apr_time_sec(old.when) / 3600))));
    /* A crash in the middle of an append. */
    ck_assert_int_eq(apr_file_open(&f, cur_file, APR_FOPEN_WRITE | APR_FOPEN_APPEND, 0,
                                   bits_test_pool), APR_SUCCESS);
    apr_file_puts("17961598 completed 0x000", f);
    apr_file_close(f);
    ck_assert_int_eq(bits_report_history(&h, store, now, 0, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(h.hour.completed, 1);
    ck_assert_int_eq(h.hour.completed_bytes, 2);
}
END_TEST

START_TEST(pages_follow_owner_then_id_and_read_only_their_records)
{
    const char *ids[5];
    apr_array_header_t *rows;
    int total, i;

    ids[0] = live("bob", 1, 10);
    ids[1] = live("bob", 2, 10);
    ids[2] = live("alice", 3, 10);
    ids[3] = live("alice", 4, 10);
    ids[4] = live("carol", 5, -1);
    /* Page 2 of 2: the second alice session and the first bob session. */
    ck_assert_int_eq(bits_report_page(&rows, &total, store, NULL, 1, 2, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(total, 5);
    ck_assert_int_eq(rows->nelts, 2);
    ck_assert_str_eq(APR_ARRAY_IDX(rows, 0, bits_report_row_t).key, "user-alice");
    ck_assert_str_eq(APR_ARRAY_IDX(rows, 1, bits_report_row_t).key, "user-bob");
    ck_assert(APR_ARRAY_IDX(rows, 0, bits_report_row_t).loaded);
    ck_assert(strcmp(APR_ARRAY_IDX(rows, 0, bits_report_row_t).id,
                     strcmp(ids[2], ids[3]) < 0 ? ids[3] : ids[2]) == 0);
    /* One owner only; a record that went missing is listed unloaded. */
    bits_test_rmtree(bits_session_dir(store, ids[4], bits_test_pool));
    ck_assert_int_eq(bits_report_page(&rows, &total, store, "user-carol", 0, 10,
                                      bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(total, 1);
    ck_assert(!APR_ARRAY_IDX(rows, 0, bits_report_row_t).loaded);
    /* Past the end, and a limit of 0 (a count only). */
    ck_assert_int_eq(bits_report_page(&rows, &total, store, NULL, 10, 5, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(rows->nelts, 0);
    ck_assert_int_eq(bits_report_page(&rows, &total, store, NULL, 0, 0, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(total, 5);
    ck_assert_int_eq(rows->nelts, 0);
    for (i = 0; i < 5; i++)
        ck_assert(ids[i] != NULL);
}
END_TEST

START_TEST(the_summary_adds_up_the_live_records)
{
    bits_report_summary_t sum, both;

    live("alice", 100, 1000);
    live("alice", 50, -1);
    live("bob", 7, 7);
    ck_assert_int_eq(bits_report_summarise(&sum, store, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(sum.sessions, 3);
    ck_assert_int_eq(sum.owners, 2);
    ck_assert_int_eq(sum.received, 157);
    ck_assert_int_eq(sum.expected, 1007);
    ck_assert_int_eq(sum.by_state[BITS_STATE_RECEIVING], 3);
    ck_assert_int_eq(sum.unreadable, 0);
    memset(&both, 0, sizeof both);
    bits_report_summary_add(&both, &sum);
    bits_report_summary_add(&both, &sum);
    ck_assert_int_eq(both.sessions, 6);
    ck_assert_int_eq(both.received, 314);
    /* An empty or missing store is all zeros. */
    ck_assert_int_eq(bits_report_summarise(&sum, "/nonexistent/store", bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(sum.sessions, 0);
}
END_TEST

START_TEST(text_is_made_safe_to_show)
{
    apr_pool_t *p = bits_test_pool;
    bits_session_t s;

    ck_assert_str_eq(bits_report_text("caf\xC3\xA9 \xE2\x82\xAC", p), "caf\xC3\xA9 \xE2\x82\xAC");
    ck_assert_str_eq(bits_report_text("a\xFF" "b\x01" "c\xC0\xAF", p),
                     "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD");
    ck_assert_str_eq(bits_report_text("\xED\xA0\x80", p),   /* a surrogate */
                     "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    ck_assert_str_eq(bits_report_json("<script>\"x\\y&", p),
                     "\"\\u003cscript\\u003e\\\"x\\\\y\\u0026\"");
    ck_assert_str_eq(bits_report_json(NULL, p), "null");
    ck_assert_str_eq(bits_report_json("\n", p), "\"\xEF\xBF\xBD\"");
    memset(&s, 0, sizeof s);
    s.created = now;
    s.last_activity = now + apr_time_from_sec(4);
    s.received = 4000;
    ck_assert_int_eq(bits_report_rate(&s), 1000);
    s.last_activity = now;
    ck_assert_int_eq(bits_report_rate(&s), 0);
}
END_TEST

TCase *bits_report_tcase(void)
{
    TCase *tc = tcase_create("report");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, journal_lines_round_trip_and_torn_lines_do_not_count);
    tcase_add_test(tc, outcomes_are_classified_from_the_state_before_the_end);
    tcase_add_test(tc, retiring_a_session_writes_one_event);
    tcase_add_test(tc, history_counts_the_last_hour_and_day_by_code);
    tcase_add_test(tc, a_torn_last_line_is_skipped_and_old_hours_are_pruned);
    tcase_add_test(tc, pages_follow_owner_then_id_and_read_only_their_records);
    tcase_add_test(tc, the_summary_adds_up_the_live_records);
    tcase_add_test(tc, text_is_made_safe_to_show);
    return tc;
}
