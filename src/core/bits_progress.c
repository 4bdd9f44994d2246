/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The progress record's slots: encoding, checking and choosing.  The file
 * I/O is in bits_session.c, next to the state file it complements. */
#include <string.h>
#include "bits_progress.h"

#define MAGIC_V1   "BITSPRG1"
#define MAGIC_V2   "BITSPRG2"
#define MAGIC_V3   "BITSPRG3"
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
#define OFF_TOTAL  OFF_CRC_V2
#define OFF_CRC_V3 (OFF_TOTAL + 8)
#define CRC_POLY   0x82F63B78u   /* Castagnoli, reflected */

/* CRC-32C by table (the polynomial above, reflected): every fragment
 * checks both slots and encodes one, and bit by bit that was the module's
 * hottest loop in a profile of 4 KiB fragments. */
static const apr_uint32_t crc_table[256] = {
    0x00000000u, 0xf26b8303u, 0xe13b70f7u, 0x1350f3f4u, 0xc79a971fu, 0x35f1141cu,
    0x26a1e7e8u, 0xd4ca64ebu, 0x8ad958cfu, 0x78b2dbccu, 0x6be22838u, 0x9989ab3bu,
    0x4d43cfd0u, 0xbf284cd3u, 0xac78bf27u, 0x5e133c24u, 0x105ec76fu, 0xe235446cu,
    0xf165b798u, 0x030e349bu, 0xd7c45070u, 0x25afd373u, 0x36ff2087u, 0xc494a384u,
    0x9a879fa0u, 0x68ec1ca3u, 0x7bbcef57u, 0x89d76c54u, 0x5d1d08bfu, 0xaf768bbcu,
    0xbc267848u, 0x4e4dfb4bu, 0x20bd8edeu, 0xd2d60dddu, 0xc186fe29u, 0x33ed7d2au,
    0xe72719c1u, 0x154c9ac2u, 0x061c6936u, 0xf477ea35u, 0xaa64d611u, 0x580f5512u,
    0x4b5fa6e6u, 0xb93425e5u, 0x6dfe410eu, 0x9f95c20du, 0x8cc531f9u, 0x7eaeb2fau,
    0x30e349b1u, 0xc288cab2u, 0xd1d83946u, 0x23b3ba45u, 0xf779deaeu, 0x05125dadu,
    0x1642ae59u, 0xe4292d5au, 0xba3a117eu, 0x4851927du, 0x5b016189u, 0xa96ae28au,
    0x7da08661u, 0x8fcb0562u, 0x9c9bf696u, 0x6ef07595u, 0x417b1dbcu, 0xb3109ebfu,
    0xa0406d4bu, 0x522bee48u, 0x86e18aa3u, 0x748a09a0u, 0x67dafa54u, 0x95b17957u,
    0xcba24573u, 0x39c9c670u, 0x2a993584u, 0xd8f2b687u, 0x0c38d26cu, 0xfe53516fu,
    0xed03a29bu, 0x1f682198u, 0x5125dad3u, 0xa34e59d0u, 0xb01eaa24u, 0x42752927u,
    0x96bf4dccu, 0x64d4cecfu, 0x77843d3bu, 0x85efbe38u, 0xdbfc821cu, 0x2997011fu,
    0x3ac7f2ebu, 0xc8ac71e8u, 0x1c661503u, 0xee0d9600u, 0xfd5d65f4u, 0x0f36e6f7u,
    0x61c69362u, 0x93ad1061u, 0x80fde395u, 0x72966096u, 0xa65c047du, 0x5437877eu,
    0x4767748au, 0xb50cf789u, 0xeb1fcbadu, 0x197448aeu, 0x0a24bb5au, 0xf84f3859u,
    0x2c855cb2u, 0xdeeedfb1u, 0xcdbe2c45u, 0x3fd5af46u, 0x7198540du, 0x83f3d70eu,
    0x90a324fau, 0x62c8a7f9u, 0xb602c312u, 0x44694011u, 0x5739b3e5u, 0xa55230e6u,
    0xfb410cc2u, 0x092a8fc1u, 0x1a7a7c35u, 0xe811ff36u, 0x3cdb9bddu, 0xceb018deu,
    0xdde0eb2au, 0x2f8b6829u, 0x82f63b78u, 0x709db87bu, 0x63cd4b8fu, 0x91a6c88cu,
    0x456cac67u, 0xb7072f64u, 0xa457dc90u, 0x563c5f93u, 0x082f63b7u, 0xfa44e0b4u,
    0xe9141340u, 0x1b7f9043u, 0xcfb5f4a8u, 0x3dde77abu, 0x2e8e845fu, 0xdce5075cu,
    0x92a8fc17u, 0x60c37f14u, 0x73938ce0u, 0x81f80fe3u, 0x55326b08u, 0xa759e80bu,
    0xb4091bffu, 0x466298fcu, 0x1871a4d8u, 0xea1a27dbu, 0xf94ad42fu, 0x0b21572cu,
    0xdfeb33c7u, 0x2d80b0c4u, 0x3ed04330u, 0xccbbc033u, 0xa24bb5a6u, 0x502036a5u,
    0x4370c551u, 0xb11b4652u, 0x65d122b9u, 0x97baa1bau, 0x84ea524eu, 0x7681d14du,
    0x2892ed69u, 0xdaf96e6au, 0xc9a99d9eu, 0x3bc21e9du, 0xef087a76u, 0x1d63f975u,
    0x0e330a81u, 0xfc588982u, 0xb21572c9u, 0x407ef1cau, 0x532e023eu, 0xa145813du,
    0x758fe5d6u, 0x87e466d5u, 0x94b49521u, 0x66df1622u, 0x38cc2a06u, 0xcaa7a905u,
    0xd9f75af1u, 0x2b9cd9f2u, 0xff56bd19u, 0x0d3d3e1au, 0x1e6dcdeeu, 0xec064eedu,
    0xc38d26c4u, 0x31e6a5c7u, 0x22b65633u, 0xd0ddd530u, 0x0417b1dbu, 0xf67c32d8u,
    0xe52cc12cu, 0x1747422fu, 0x49547e0bu, 0xbb3ffd08u, 0xa86f0efcu, 0x5a048dffu,
    0x8ecee914u, 0x7ca56a17u, 0x6ff599e3u, 0x9d9e1ae0u, 0xd3d3e1abu, 0x21b862a8u,
    0x32e8915cu, 0xc083125fu, 0x144976b4u, 0xe622f5b7u, 0xf5720643u, 0x07198540u,
    0x590ab964u, 0xab613a67u, 0xb831c993u, 0x4a5a4a90u, 0x9e902e7bu, 0x6cfbad78u,
    0x7fab5e8cu, 0x8dc0dd8fu, 0xe330a81au, 0x115b2b19u, 0x020bd8edu, 0xf0605beeu,
    0x24aa3f05u, 0xd6c1bc06u, 0xc5914ff2u, 0x37faccf1u, 0x69e9f0d5u, 0x9b8273d6u,
    0x88d28022u, 0x7ab90321u, 0xae7367cau, 0x5c18e4c9u, 0x4f48173du, 0xbd23943eu,
    0xf36e6f75u, 0x0105ec76u, 0x12551f82u, 0xe03e9c81u, 0x34f4f86au, 0xc69f7b69u,
    0xd5cf889du, 0x27a40b9eu, 0x79b737bau, 0x8bdcb4b9u, 0x988c474du, 0x6ae7c44eu,
    0xbe2da0a5u, 0x4c4623a6u, 0x5f16d052u, 0xad7d5351u
};

apr_uint32_t bits_crc32c(const void *data, apr_size_t len)
{
    const unsigned char *b = data;
    apr_uint32_t crc = 0xFFFFFFFFu;

    while (len--)
        crc = (crc >> 8) ^ crc_table[(crc ^ *b++) & 0xFFu];
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
    memcpy(slot, MAGIC_V3, MAGIC_LEN);
    put_le(slot + OFF_GEN, rec->gen, 4);
    put_le(slot + OFF_RECV, (apr_uint64_t)rec->received, 8);
    put_le(slot + OFF_ACT, (apr_uint64_t)rec->last_activity, 8);
    memcpy(slot + OFF_ID, rec->id, id_len < ID_FIELD ? id_len : ID_FIELD - 1);
    put_le(slot + OFF_DUR, (apr_uint64_t)rec->durable, 8);
    put_le(slot + OFF_DIRTY, (apr_uint64_t)rec->dirty_since, 8);
    memcpy(slot + OFF_BOOT, rec->writer.boot, BITS_BOOT_ID_LEN);
    memcpy(slot + OFF_HOST, rec->writer.host, host_len);
    put_le(slot + OFF_TOTAL, (apr_uint64_t)rec->total, 8);
    put_le(slot + OFF_CRC_V3, bits_crc32c(slot, OFF_CRC_V3), 4);
}

/* The slot's version if its magic and checksum hold, else 0. */
static int slot_version(const unsigned char *slot)
{
    if (!memcmp(slot, MAGIC_V3, MAGIC_LEN))
        return get_le(slot + OFF_CRC_V3, 4) == bits_crc32c(slot, OFF_CRC_V3) ? 3 : 0;
    if (!memcmp(slot, MAGIC_V2, MAGIC_LEN))
        return get_le(slot + OFF_CRC_V2, 4) == bits_crc32c(slot, OFF_CRC_V2) ? 2 : 0;
    if (!memcmp(slot, MAGIC_V1, MAGIC_LEN))
        return get_le(slot + OFF_CRC_V1, 4) == bits_crc32c(slot, OFF_CRC_V1) ? 1 : 0;
    return 0;
}

int bits_progress_decode(bits_progress_t *rec, const unsigned char *slot)
{
    int version = slot_version(slot);
    apr_int64_t received, durable, total;

    if (!version || slot[OFF_ID + BITS_GUID_LEN] != '\0')
        return 0;
    received = (apr_int64_t)get_le(slot + OFF_RECV, 8);
    /* Version 1 recorded N only after the data's fdatasync. */
    durable = version == 1 ? received : (apr_int64_t)get_le(slot + OFF_DUR, 8);
    /* Before version 3 the total lived in the state file only. */
    total = version == 3 ? (apr_int64_t)get_le(slot + OFF_TOTAL, 8) : -1;
    if (received < 0 || durable < 0 || durable > received || total < -1
        || (total >= 0 && received > total)
        || (version >= 2 && slot[OFF_HOST + BITS_HOST_LEN - 1] != '\0'))
        return 0;
    memset(rec, 0, sizeof *rec);
    rec->version = version;
    memcpy(rec->id, slot + OFF_ID, BITS_GUID_LEN);
    rec->id[BITS_GUID_LEN] = '\0';
    rec->gen = (apr_uint32_t)get_le(slot + OFF_GEN, 4);
    rec->received = received;
    rec->last_activity = (apr_time_t)get_le(slot + OFF_ACT, 8);
    rec->durable = durable;
    rec->total = total;
    if (version >= 2) {
        rec->dirty_since = (apr_time_t)get_le(slot + OFF_DIRTY, 8);
        memcpy(rec->writer.boot, slot + OFF_BOOT, BITS_BOOT_ID_LEN);
        memcpy(rec->writer.host, slot + OFF_HOST, BITS_HOST_LEN);
    }
    return 1;
}

void bits_progress_pick(bits_progress_pick_t *pick, const unsigned char *buf,
                        apr_size_t len, const char *id, apr_off_t min,
                        apr_off_t total)
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
        if (strcmp(rec.id, id) != 0 || rec.received < min
            || (total >= 0 && rec.total >= 0 && rec.total != total)
            || rec.received > (total >= 0 ? total : rec.total >= 0 ? rec.total : min))
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
