/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The session record (bits_session_serialize / bits_session_parse).
 * Each input is used twice:
 *  - as a state file: if it parses, serialising the record and parsing that
 *    gives the same record, and serialising is then a fixed point;
 *  - as the makings of a record such as the module writes (any bytes in
 *    the strings, any numbers within the record's invariants): parse of
 *    its serialisation gives it back, field for field.
 * The serialised text is compared too, so fields added later are covered
 * without changing this file. */
#include <string.h>
#include <apr_strings.h>
#include "bits_session.h"
#include "bits_index.h"
#include "fuzz_common.h"

/* Reads the input as a sequence of values for the built record. */
typedef struct {
    const uint8_t *data;
    size_t size;
    apr_pool_t *pool;
} cursor_t;

static apr_uint64_t take_u64(cursor_t *c)
{
    apr_uint64_t v = 0;
    int i;

    for (i = 0; i < 8 && c->size > 0; i++, c->data++, c->size--)
        v = (v << 8) | *c->data;
    return v;
}

/* A string up to the next NUL (not included) or the end. */
static const char *take_str(cursor_t *c)
{
    const uint8_t *nul = c->size ? memchr(c->data, '\0', c->size) : NULL;
    size_t len = nul ? (size_t)(nul - c->data) : c->size;
    const char *s = apr_pstrmemdup(c->pool, (const char *)c->data, len);

    c->data += nul ? len + 1 : len;
    c->size -= nul ? len + 1 : len;
    return s;
}

static int same_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static void check_same(const bits_session_t *a, const bits_session_t *b, const char *text)
{
#define SAME(cond) FUZZ_CHECK(cond, "record changed by a round trip:\n%s", text)
    SAME(strcmp(a->id, b->id) == 0);
    SAME(a->state == b->state);
    SAME(same_str(a->owner, b->owner));
    SAME(same_str(a->dest_url, b->dest_url));
    SAME(same_str(a->dest_path, b->dest_path));
    SAME(a->notify_type == b->notify_type);
    SAME(same_str(a->owner_key, b->owner_key));
    SAME(same_str(a->vhost, b->vhost));
    SAME(a->allow_overwrites == b->allow_overwrites);
    SAME(a->max_upload == b->max_upload);
    SAME(a->total == b->total);
    SAME(a->received == b->received);
    SAME(a->copy_to_dest == b->copy_to_dest);
    SAME(a->published == b->published);
    SAME(a->publish_ino == b->publish_ino);
    SAME(a->final_ack.status == b->final_ack.status);
    SAME(a->final_ack.code == b->final_ack.code);
    SAME(a->final_ack.context == b->final_ack.context);
    SAME(same_str(a->reply_url, b->reply_url));
    SAME(a->static_reply == b->static_reply);
    SAME(a->created == b->created);
    SAME(a->last_activity == b->last_activity);
#undef SAME
}

/* serialize -> parse -> compare -> serialize again; returns nothing, aborts
 * on any difference. */
static void round_trip(const bits_session_t *s, apr_pool_t *p)
{
    const char *text = bits_session_serialize(s, p), *again;
    bits_session_t back;

    FUZZ_CHECK(bits_session_parse(&back, text, strlen(text), p) == APR_SUCCESS,
               "the record as written does not parse:\n%s", text);
    check_same(s, &back, text);
    again = bits_session_serialize(&back, p);
    FUZZ_CHECK(strcmp(text, again) == 0, "serialisation is not a fixed point:\n%s\n--\n%s",
               text, again);
}

static void as_state_file(const uint8_t *data, size_t size, apr_pool_t *p)
{
    bits_session_t s;

    if (bits_session_parse(&s, (const char *)data, size, p) == APR_SUCCESS)
        round_trip(&s, p);
}

/* A GUID made of 16 input bytes, in the canonical form the module stores. */
static void take_id(cursor_t *c, char *id)
{
    static const char hex[] = "0123456789ABCDEF";
    int pos, nibble = 0;
    apr_uint64_t hi = take_u64(c), lo = take_u64(c);

    for (pos = 0; pos < BITS_GUID_LEN; pos++) {
        if (pos == 0 || pos == BITS_GUID_LEN - 1)
            id[pos] = pos ? '}' : '{';
        else if (pos == 9 || pos == 14 || pos == 19 || pos == 24)
            id[pos] = '-';
        else {
            apr_uint64_t w = nibble < 16 ? hi : lo;
            id[pos] = hex[(w >> (60 - 4 * (nibble % 16))) & 15];
            nibble++;
        }
    }
    id[BITS_GUID_LEN] = '\0';
}

static void as_record(const uint8_t *data, size_t size, apr_pool_t *p)
{
    cursor_t c = { data, size, p };
    bits_session_t s;

    memset(&s, 0, sizeof s);
    take_id(&c, s.id);
    s.state = (bits_state_t)(take_u64(&c) % (BITS_STATE_EXPIRED + 1));
    s.owner = take_str(&c);
    s.dest_url = take_str(&c);
    s.dest_path = take_str(&c);
    s.owner_key = bits_owner_key(s.owner, take_str(&c), p);
    s.reply_url = take_str(&c);
    s.notify_type = (int)take_u64(&c);
    s.allow_overwrites = (int)take_u64(&c);
    s.max_upload = (apr_off_t)take_u64(&c);
    s.total = (apr_off_t)take_u64(&c);
    if (s.total < 0)
        s.total = -1;                /* unknown */
    s.received = (apr_off_t)(take_u64(&c) & APR_INT64_MAX);
    if (s.total >= 0 && s.received > s.total)
        s.received = s.total;
    s.copy_to_dest = (int)take_u64(&c);
    s.published = (int)take_u64(&c);
    s.publish_ino = (apr_ino_t)take_u64(&c);
    s.final_ack.status = (int)take_u64(&c);
    s.final_ack.code = (unsigned int)take_u64(&c);
    s.final_ack.context = (int)take_u64(&c);
    s.static_reply = (int)take_u64(&c);
    s.created = (apr_time_t)take_u64(&c);
    s.last_activity = (apr_time_t)take_u64(&c);
    s.vhost = take_str(&c);
    round_trip(&s, p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();

    as_state_file(data, size, p);
    as_record(data, size, p);
    return 0;
}
