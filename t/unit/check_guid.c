/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bits_guid.c: random session ids and their strict validation (§3.2). */
#include <stdlib.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "bits_guid.h"
#include "check_units.h"

#define GOOD_UPPER "{3F2504E0-4F89-41D3-9A0C-0305E82C3301}"
#define GOOD_LOWER "{3f2504e0-4f89-41d3-9a0c-0305e82c3301}"

static int is_hyphen_position(int i)
{
    return i == 9 || i == 14 || i == 19 || i == 24;
}

/* Checks the generated form by hand, independently of the validator. */
static void assert_generated_shape(const char *id)
{
    int i;

    ck_assert_uint_eq(strlen(id), BITS_GUID_LEN);
    ck_assert_int_eq(id[0], '{');
    ck_assert_int_eq(id[BITS_GUID_LEN - 1], '}');
    for (i = 1; i < BITS_GUID_LEN - 1; i++) {
        if (is_hyphen_position(i))
            ck_assert_msg(id[i] == '-', "%s: no hyphen at %d", id, i);
        else
            ck_assert_msg(apr_isxdigit(id[i]) && !apr_islower(id[i]),
                          "%s: not an upper-case hex digit at %d", id, i);
    }
    ck_assert_msg(id[15] == '4', "%s: version nibble is not 4", id);
    ck_assert_msg(strchr("89AB", id[20]) != NULL, "%s: variant is not 8-B", id);
}

START_TEST(generated_ids_are_valid_and_distinct)
{
    apr_hash_t *seen = apr_hash_make(bits_test_pool);
    int i;

    for (i = 0; i < 1000; i++) {
        char *id = apr_palloc(bits_test_pool, BITS_GUID_LEN + 1);
        char canon[BITS_GUID_LEN + 1];

        ck_assert_int_eq(bits_guid_new(id), APR_SUCCESS);
        assert_generated_shape(id);
        ck_assert_msg(bits_guid_canonical(id, canon) == 1, "%s refused", id);
        ck_assert_str_eq(canon, id);
        ck_assert_msg(apr_hash_get(seen, id, APR_HASH_KEY_STRING) == NULL,
                      "%s generated twice", id);
        apr_hash_set(seen, id, APR_HASH_KEY_STRING, id);
    }
    ck_assert_uint_eq(apr_hash_count(seen), 1000);
}
END_TEST

START_TEST(generated_ids_use_every_variant)
{
    int variants[4] = { 0, 0, 0, 0 };
    int i;

    /* 200 draws miss one of four equally likely values with p < 1e-24. */
    for (i = 0; i < 200; i++) {
        char id[BITS_GUID_LEN + 1];
        ck_assert_int_eq(bits_guid_new(id), APR_SUCCESS);
        variants[strchr("89AB", id[20]) - "89AB"]++;
    }
    for (i = 0; i < 4; i++)
        ck_assert_int_gt(variants[i], 0);
}
END_TEST

START_TEST(canonical_accepts_and_upper_cases)
{
    char out[BITS_GUID_LEN + 1];

    ck_assert_int_eq(bits_guid_canonical(GOOD_UPPER, out), 1);
    ck_assert_str_eq(out, GOOD_UPPER);
    ck_assert_int_eq(bits_guid_canonical(GOOD_LOWER, out), 1);
    ck_assert_str_eq(out, GOOD_UPPER);
    ck_assert_int_eq(bits_guid_canonical("{3f2504E0-4F89-41d3-9A0c-0305e82C3301}",
                                         out), 1);
    ck_assert_str_eq(out, GOOD_UPPER);
    ck_assert_int_eq(bits_guid_canonical("{00000000-0000-0000-0000-000000000000}",
                                         out), 1);
    ck_assert_int_eq(bits_guid_canonical("{FFFFFFFF-ffff-FFFF-ffff-FFFFFFFFFFFF}",
                                         out), 1);
    ck_assert_str_eq(out, "{FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF}");
}
END_TEST

static void assert_refused(const char *in)
{
    char out[BITS_GUID_LEN + 1];

    memset(out, 'x', sizeof out);
    ck_assert_msg(bits_guid_canonical(in, out) == 0, "\"%s\" accepted", in);
    ck_assert_msg(out[0] == '\0', "\"%s\": out not emptied", in);
}

START_TEST(canonical_refuses_wrong_length)
{
    assert_refused("");
    assert_refused("{");
    assert_refused("{3F2504E0-4F89-41D3-9A0C-0305E82C3301");
    assert_refused("{3F2504E0-4F89-41D3-9A0C-0305E82C330}");
    assert_refused(GOOD_UPPER "}");
    assert_refused(GOOD_UPPER " ");
    assert_refused(" " GOOD_UPPER);
    assert_refused(GOOD_UPPER GOOD_UPPER);
    assert_refused("3F2504E0-4F89-41D3-9A0C-0305E82C3301");
}
END_TEST

START_TEST(canonical_refuses_wrong_punctuation)
{
    assert_refused("[3F2504E0-4F89-41D3-9A0C-0305E82C3301]");
    assert_refused("(3F2504E0-4F89-41D3-9A0C-0305E82C3301)");
    assert_refused("}3F2504E0-4F89-41D3-9A0C-0305E82C3301{");
    assert_refused("{3F2504E04-F89-41D3-9A0C-0305E82C3301}");
    assert_refused("{3F2504E0-4F8941D3--9A0C-0305E82C3301}");
    assert_refused("{3F2504E0-4F89-41D3-9A0C0-305E82C3301}");
    assert_refused("{3F2504E0_4F89_41D3_9A0C_0305E82C3301}");
    assert_refused("{3F2504E0-4F89-41D3-9A0-C0305E82C3301}");
    assert_refused("{3F2504E0 4F89 41D3 9A0C 0305E82C3301}");
    assert_refused("03F2504E0-4F89-41D3-9A0C-0305E82C33010");
}
END_TEST

START_TEST(canonical_refuses_non_hex)
{
    assert_refused("{3G2504E0-4F89-41D3-9A0C-0305E82C3301}");
    assert_refused("{3F2504E0-4F89-41D3-9A0C-0305E82C330Z}");
    assert_refused("{3F2504E0-4F89-41D3-9A0C-0305E82C33 1}");
    assert_refused("{+F2504E0-4F89-41D3-9A0C-0305E82C3301}");
    assert_refused("{3F2504E0-4F89-41D3-9A0C-0305E82C330\xc3}");
    assert_refused("{3F2504E0-4F89-41D3-9A0C-0305E82C33\xc3\xa9}");
}
END_TEST

START_TEST(canonical_refuses_path_tricks)
{
    /* All exactly 38 characters long: strictness alone must stop them. */
    ck_assert_uint_eq(strlen("{../../../etc/passwd/../../../../aaaa}"), 38);
    assert_refused("{../../../etc/passwd/../../../../aaaa}");
    assert_refused("{3F2504E0-4F89-41D3-9A0C-0305E82C3/01}");
    assert_refused("{3F2504E0-4F89-41D3-9A0C-0305E82C%2f1}");
    assert_refused("{3F2504E0-4F89-41D3-9A0C-0305E82C%2F1}");
    assert_refused("{3F2504E0-4F89-41D3-9A0C-0305E82C..01}");
    assert_refused("{3F2504E0-4F89-41D3-9A0C-0305E82C\\\\01}");
    assert_refused("/3F2504E0-4F89-41D3-9A0C-0305E82C3301}");
    assert_refused("%2f");
    assert_refused("..");
    assert_refused("/");
}
END_TEST

START_TEST(canonical_refuses_embedded_nul)
{
    char buf[BITS_GUID_LEN + 1];
    char out[BITS_GUID_LEN + 1];

    memcpy(buf, GOOD_UPPER, sizeof buf);
    buf[20] = '\0';
    ck_assert_int_eq(bits_guid_canonical(buf, out), 0);
    ck_assert_str_eq(out, "");
    memcpy(buf, GOOD_UPPER, sizeof buf);
    buf[BITS_GUID_LEN - 1] = '\0';
    ck_assert_int_eq(bits_guid_canonical(buf, out), 0);
}
END_TEST

START_TEST(canonical_never_reads_past_a_short_string)
{
    /* Heap copies of exactly strlen + 1 bytes: ASan reports any over-read. */
    static const char *const prefixes[] = {
        "", "{", "{3F2504E0", "{3F2504E0-", "{3F2504E0-4F89-41D3-9A0C-0305E82C330"
    };
    size_t i;

    for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        char out[BITS_GUID_LEN + 1];
        char *copy = strdup(prefixes[i]);
        ck_assert_ptr_nonnull(copy);
        ck_assert_int_eq(bits_guid_canonical(copy, out), 0);
        free(copy);
    }
}
END_TEST

START_TEST(canonical_null_input)
{
    char out[BITS_GUID_LEN + 1] = "junk";

    ck_assert_int_eq(bits_guid_canonical(NULL, out), 0);
    ck_assert_str_eq(out, "");
}
END_TEST

TCase *bits_guid_tcase(void)
{
    TCase *tc = tcase_create("guid");

    tcase_add_checked_fixture(tc, bits_test_pool_setup, bits_test_pool_teardown);
    tcase_add_test(tc, generated_ids_are_valid_and_distinct);
    tcase_add_test(tc, generated_ids_use_every_variant);
    tcase_add_test(tc, canonical_accepts_and_upper_cases);
    tcase_add_test(tc, canonical_refuses_wrong_length);
    tcase_add_test(tc, canonical_refuses_wrong_punctuation);
    tcase_add_test(tc, canonical_refuses_non_hex);
    tcase_add_test(tc, canonical_refuses_path_tricks);
    tcase_add_test(tc, canonical_refuses_embedded_nul);
    tcase_add_test(tc, canonical_never_reads_past_a_short_string);
    tcase_add_test(tc, canonical_null_input);
    return tc;
}
