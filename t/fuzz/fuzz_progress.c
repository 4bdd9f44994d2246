/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The progress record (bits_progress_pick / _decode): two 512-byte slots
 * read back from Requests/<ID>/progress, which a crash may have torn and a
 * local attacker may have planted.  Input: the file's bytes (any length).
 * Properties: a slot that counts is well-formed (decode agrees, its id is
 * the session's, received within [min, max]); it is the newest valid one
 * of that id; the next write never goes to the slot that counts, and its
 * generation is newer than every valid slot's; an encoded record decodes
 * to itself (a version 1 slot to the same record in version 2), with its
 * durable N never above its N. */
#include <string.h>
#include "bits_progress.h"
#include "fuzz_common.h"

#define ID "{6A1C2F1E-0B5D-4C1A-9F3E-2D4B6C8A0E12}"

/* Field by field: the struct has padding that no one writes. */
static int same(const bits_progress_t *a, const bits_progress_t *b)
{
    return strcmp(a->id, b->id) == 0 && a->gen == b->gen && a->received == b->received
           && a->last_activity == b->last_activity && a->durable == b->durable
           && a->dirty_since == b->dirty_since
           && memcmp(a->writer.boot, b->writer.boot, BITS_BOOT_ID_LEN) == 0
           && strcmp(a->writer.host, b->writer.host) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const apr_off_t min = 100, max = 1000000;
    bits_progress_pick_t pick;
    bits_progress_t rec, back;
    unsigned char slot[BITS_PROGRESS_SLOT];
    int i, next;

    bits_progress_pick(&pick, data, size, ID, min, max);
    next = bits_progress_next_slot(&pick);
    FUZZ_CHECK(next >= 0 && next < BITS_PROGRESS_SLOTS, "next slot %d", next);
    if (pick.slot >= 0) {
        FUZZ_CHECK(pick.slot < BITS_PROGRESS_SLOTS
                   && size >= (size_t)(pick.slot + 1) * BITS_PROGRESS_SLOT,
                   "slot %d counts in a file of %zu bytes", pick.slot, size);
        FUZZ_CHECK(bits_progress_decode(&rec, data + pick.slot * BITS_PROGRESS_SLOT)
                   && same(&rec, &pick.rec),
                   "the slot that counts does not decode to the record picked");
        FUZZ_CHECK(strcmp(rec.id, ID) == 0 && rec.received >= min && rec.received <= max,
                   "slot %d of id %s with received %" APR_OFF_T_FMT " counts",
                   pick.slot, rec.id, rec.received);
        FUZZ_CHECK(next != pick.slot, "the next write would overwrite the slot that counts");
    }
    for (i = 0; i < BITS_PROGRESS_SLOTS
                && size >= (size_t)(i + 1) * BITS_PROGRESS_SLOT; i++) {
        if (!bits_progress_decode(&rec, data + i * BITS_PROGRESS_SLOT))
            continue;
        FUZZ_CHECK(bits_progress_newer(bits_progress_next_gen(&pick), rec.gen),
                   "the next generation is not newer than valid slot %d's", i);
        if (pick.slot >= 0 && i != pick.slot && strcmp(rec.id, ID) == 0
            && rec.received >= min && rec.received <= max)
            FUZZ_CHECK(!bits_progress_newer(rec.gen, pick.rec.gen),
                       "slot %d is newer than the slot that counts", i);
        /* Round trip: what decodes, encodes back to the same record. */
        bits_progress_encode(&rec, slot);
        FUZZ_CHECK(bits_progress_decode(&back, slot) && same(&back, &rec),
                   "slot %d does not survive encode/decode", i);
        FUZZ_CHECK(rec.durable <= rec.received, "slot %d: durable N above N", i);
    }
    return 0;
}
