/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The fixture of the suites that work on a whole store (sweep, index,
 * report, verify): a fresh store, a claim table and "now" per test, as
 * the file's own statics so that each test reads them by their short
 * names.  Include once, in the suite's .c file, after check_units.h. */
#ifndef CHECK_STORE_FIXTURE_H
#define CHECK_STORE_FIXTURE_H

#define HOUR apr_time_from_sec(3600)

static const char *store;
static bits_claims_t *claims;
static apr_time_t now;

static void setup(void)
{
    bits_test_store_setup(&store, &claims, &now);
}

static void teardown(void)
{
    bits_test_store_teardown(store);
}

#endif
