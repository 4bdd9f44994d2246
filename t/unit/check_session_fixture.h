/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The fixture of the suites that work on a store's files (records,
 * progress slots): a fresh directory per test holding the store path
 * `store` (base/BITS-Sessions).  With FIXTURE_SESSION defined to a session
 * id, that session's directory is made too, and fixture_record saves a
 * record for it.  Include once, in the suite's
 * .c file, after check_units.h. */
#ifndef CHECK_SESSION_FIXTURE_H
#define CHECK_SESSION_FIXTURE_H

static const char *base, *store;

static void store_setup(void)
{
    bits_test_pool_setup();
    base = bits_test_mkdtemp(bits_test_pool);
    store = apr_pstrcat(bits_test_pool, base, "/" BITS_SESSION_DIRNAME, NULL);
#ifdef FIXTURE_SESSION
    ck_assert_int_eq(bits_session_create_dir(store, FIXTURE_SESSION, BITS_NO_GROUP,
                                             bits_test_pool), APR_SUCCESS);
#endif
}

static void store_teardown(void)
{
    bits_test_rmtree(base);
    bits_test_pool_teardown();
}

#ifdef FIXTURE_SESSION
/* Saves a RECEIVING session FIXTURE_SESSION of 10000 bytes whose record
 * says `received`. */
static void fixture_record(bits_session_t *s, apr_off_t received)
{
    memset(s, 0, sizeof *s);
    apr_cpystrn(s->id, FIXTURE_SESSION, sizeof s->id);
    s->state = BITS_STATE_RECEIVING;
    s->owner = "";
    s->owner_key = "anon-unknown";
    s->dest_url = "http://127.0.0.1/x";
    s->dest_path = "/srv/x";
    s->max_upload = -1;
    s->total = 10000;
    s->received = received;
    s->created = apr_time_from_sec(1700000000);
    s->last_activity = s->created;
    ck_assert_int_eq(bits_session_save(s, store, bits_test_pool), APR_SUCCESS);
}
#endif

#endif
