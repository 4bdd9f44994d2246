/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The progress record's slots: encoding, checking and choosing.  The file
 * I/O is in bits_session.c, next to the state file it complements. */
#include <string.h>
#include "bits_progress.h"

#define MAGIC_V1   "BITSPRG1"
#define MAGIC_V2   "BITSPRG2"
#define MAGIC_LEN  8
#define OFF_GEN    8
#define OFF_RSVD   12
#define OFF_RECV   16
#define OFF_ACT    24
#define OFF_ID     32
#define ID_FIELD   40
#define OFF_CRC_V1 (OFF_ID + ID_FIELD)
#define OFF_DUR    72
#define OFF_DIRTY  80
#define OFF_BOOT   88
#define OFF_HOST   (OFF_BOOT + BITS_BOOT_ID_LEN)
#define OFF_CRC_V2 (OFF_HOST + BITS_HOST_LEN)
#define CRC_POLY   0x82F63B78u   /* Castagnoli, reflected */

apr_uint32_t bits_crc32c(const void *data, apr_size_t len)
{
    const unsigned char *b = data;
    apr_uint32_t crc = 0xFFFFFFFFu;
    int k;

    /* Bitwise: a slot is 168 bytes, a table would not pay for itself. */
    while (len--) {
        crc ^= *b++;
        for (k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (CRC_POLY & (0u - (crc & 1u)));
    }
    return ~crc;
}

int bits_progress_newer(apr_uint32_t a, apr_uint32_t b)
{
    return a != b && (apr_uint32_t)(a - b) < 0x80000000u;
}

static void put_le(unsigned char *p, apr_uint64_t v, int bytes)
{
    int i;

    for (i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static apr_uint64_t get_le(const unsigned char *p, int bytes)
{
    apr_uint64_t v = 0;
    int i;

    for (i = bytes - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

void bits_progress_encode(const bits_progress_t *rec,
                          unsigned char slot[BITS_PROGRESS_SLOT])
{
    apr_size_t id_len = strlen(rec->id), host_len = strnlen(rec->writer.host,
                                                             BITS_HOST_LEN - 1);

    memset(slot, 0, BITS_PROGRESS_SLOT);
    memcpy(slot, MAGIC_V2, MAGIC_LEN);
    put_le(slot + OFF_GEN, rec->gen, 4);
    put_le(slot + OFF_RECV, (apr_uint64_t)rec->received, 8);
    put_le(slot + OFF_ACT, (apr_uint64_t)rec->last_activity, 8);
    memcpy(slot + OFF_ID, rec->id, id_len < ID_FIELD ? id_len : ID_FIELD - 1);
    put_le(slot + OFF_DUR, (apr_uint64_t)rec->durable, 8);
    put_le(slot + OFF_DIRTY, (apr_uint64_t)rec->dirty_since, 8);
    memcpy(slot + OFF_BOOT, rec->writer.boot, BITS_BOOT_ID_LEN);
    memcpy(slot + OFF_HOST, rec->writer.host, host_len);
    put_le(slot + OFF_CRC_V2, bits_crc32c(slot, OFF_CRC_V2), 4);
}

/* The slot's version if its magic and checksum hold, else 0. */
static int slot_version(const unsigned char *slot)
{
    if (!memcmp(slot, MAGIC_V2, MAGIC_LEN))
        return get_le(slot + OFF_CRC_V2, 4) == bits_crc32c(slot, OFF_CRC_V2) ? 2 : 0;
    if (!memcmp(slot, MAGIC_V1, MAGIC_LEN))
        return get_le(slot + OFF_CRC_V1, 4) == bits_crc32c(slot, OFF_CRC_V1) ? 1 : 0;
    return 0;
}

int bits_progress_decode(bits_progress_t *rec, const unsigned char *slot)
{
    int version = slot_version(slot);
    apr_int64_t received, durable;

    if (!version || slot[OFF_ID + BITS_GUID_LEN] != '\0')
        return 0;
    received = (apr_int64_t)get_le(slot + OFF_RECV, 8);
    /* Version 1 recorded N only after the data's fdatasync. */
    durable = version == 1 ? received : (apr_int64_t)get_le(slot + OFF_DUR, 8);
    if (received < 0 || durable < 0 || durable > received
        || (version == 2 && slot[OFF_HOST + BITS_HOST_LEN - 1] != '\0'))
        return 0;
    memset(rec, 0, sizeof *rec);
    rec->version = version;
    memcpy(rec->id, slot + OFF_ID, BITS_GUID_LEN);
    rec->id[BITS_GUID_LEN] = '\0';
    rec->gen = (apr_uint32_t)get_le(slot + OFF_GEN, 4);
    rec->received = received;
    rec->last_activity = (apr_time_t)get_le(slot + OFF_ACT, 8);
    rec->durable = durable;
    if (version == 2) {
        rec->dirty_since = (apr_time_t)get_le(slot + OFF_DIRTY, 8);
        memcpy(rec->writer.boot, slot + OFF_BOOT, BITS_BOOT_ID_LEN);
        memcpy(rec->writer.host, slot + OFF_HOST, BITS_HOST_LEN);
    }
    return 1;
}

void bits_progress_pick(bits_progress_pick_t *pick, const unsigned char *buf,
                        apr_size_t len, const char *id, apr_off_t min,
                        apr_off_t max)
{
    int i;

    memset(pick, 0, sizeof *pick);
    pick->slot = -1;
    for (i = 0; i < BITS_PROGRESS_SLOTS; i++) {
        bits_progress_t rec;

        if (len < (apr_size_t)(i + 1) * BITS_PROGRESS_SLOT
            || !bits_progress_decode(&rec, buf + i * BITS_PROGRESS_SLOT))
            continue;
        if (!pick->any_valid || bits_progress_newer(rec.gen, pick->newest_gen))
            pick->newest_gen = rec.gen;
        pick->any_valid = 1;
        if (strcmp(rec.id, id) != 0 || rec.received < min || rec.received > max)
            continue;
        if (pick->slot < 0 || bits_progress_newer(rec.gen, pick->rec.gen)) {
            pick->slot = i;
            pick->rec = rec;
        }
    }
}

int bits_progress_next_slot(const bits_progress_pick_t *pick)
{
    return pick->slot == 0 ? 1 : 0;
}

apr_uint32_t bits_progress_next_gen(const bits_progress_pick_t *pick)
{
    return pick->any_valid ? pick->newest_gen + 1 : 1;
}
