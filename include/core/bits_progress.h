/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The progress record: how many bytes of an upload are held, written in
 * place next to the session's state file instead of replacing the whole
 * record per fragment.
 *
 * Requests/<ID>/progress holds two 512-byte slots, written alternately
 * with pwrite by the holder of the session lock.  A slot (version 3) is
 *   0  magic "BITSPRG3"         8 bytes
 *   8  generation              u32 little endian (serial order, wraps)
 *  12  reserved                u32, 0
 *  16  received (N)            u64 little endian
 *  24  last_activity           i64 little endian (APR microseconds)
 *  32  session id              38 bytes + 2 NUL
 *  72  durable                 u64: of N, the bytes known to be on stable
 *                              storage (an fdatasync of the data preceded
 *                              the record that first said so); <= N
 *  80  dirty_since             i64: when the oldest byte past durable was
 *                              written (0: none)
 *  88  writer boot id          16 bytes: the kernel that wrote the bytes
 *                              past durable (/proc/sys/kernel/random/boot_id)
 * 104  writer host name        64 bytes, NUL-padded
 * 168  total                   i64: the upload's size once a fragment told
 *                              it, -1 before; so the first fragment needs
 *                              no new state file
 * 176  CRC-32C of bytes 0-175  u32 little endian
 * 180  zeros up to 512
 * Version 2 ("BITSPRG2", 1.0.0) ended at 168 with its CRC-32C of bytes
 * 0-167, and carried no total.  Version 1 ("BITSPRG1", up to 8121d4c)
 * ended with the id, its CRC-32C of bytes 0-71 at 72; its data was always
 * synced before the record, so it reads as durable = N.  All three are
 * read; only version 3 is written.
 * A write torn by a crash only ever damages the slot being written, whose
 * CRC then fails, and the other slot (the previous record) stands.  The
 * state file stays authoritative for everything else; a slot counts only
 * if its id matches, its total agrees with the state's, and its received
 * lies between the state's and the total (see bits_progress_pick).  APR only (unit-tested). */
#ifndef BITS_PROGRESS_H
#define BITS_PROGRESS_H

#include <apr_pools.h>
#include <apr_time.h>
#include "bits_guid.h"

#define BITS_PROGRESS_FILE   "progress"
#define BITS_PROGRESS_SLOT   512
#define BITS_PROGRESS_SLOTS  2
#define BITS_PROGRESS_SIZE   (BITS_PROGRESS_SLOT * BITS_PROGRESS_SLOTS)

#define BITS_BOOT_ID_LEN  16
#define BITS_HOST_LEN     64

/* A node as the store knows it: which kernel run on which host. */
typedef struct {
    unsigned char boot[BITS_BOOT_ID_LEN];   /* the kernel's boot id; zeros: unknown */
    char host[BITS_HOST_LEN];               /* host name, NUL-terminated (cut short) */
} bits_node_t;

typedef struct {
    int version;              /* of the slot it was read from (1 to 3) */
    char id[BITS_GUID_LEN + 1];
    apr_uint32_t gen;
    apr_off_t received;
    apr_time_t last_activity;
    apr_off_t durable;
    apr_time_t dirty_since;
    bits_node_t writer;
    apr_off_t total;          /* -1: unknown, or a slot before version 3 */
} bits_progress_t;

/* What the two slots of a progress file say. */
typedef struct {
    int slot;                 /* slot of the record that counts, -1 if none */
    bits_progress_t rec;      /* that record */
    int any_valid;            /* some slot has a valid checksum */
    apr_uint32_t newest_gen;  /* the newest valid slot's generation */
} bits_progress_pick_t;

/* CRC-32C (Castagnoli), as iSCSI and ext4 use it. */
apr_uint32_t bits_crc32c(const void *data, apr_size_t len);

/* 1 if generation a is newer than b (serial number arithmetic). */
int bits_progress_newer(apr_uint32_t a, apr_uint32_t b);

/* Fills one slot image (version 3) from the record. */
void bits_progress_encode(const bits_progress_t *rec,
                          unsigned char slot[BITS_PROGRESS_SLOT]);

/* 1 and the record if `slot` holds a well-formed slot of any version (a
 * version 1 slot reads as durable = received, no writer; versions 1 and
 * 2 read as total -1). */
int bits_progress_decode(bits_progress_t *rec, const unsigned char *slot);

/* Chooses among the slots in buf (len bytes, the file's start) the newest
 * one of session `id` whose received is at least min and at most the
 * total: the state's `total`, or when that is -1 the slot's own (a slot
 * that knows none may not go past min).  A slot whose total differs from
 * a known `total` never counts. */
void bits_progress_pick(bits_progress_pick_t *pick, const unsigned char *buf,
                        apr_size_t len, const char *id, apr_off_t min,
                        apr_off_t total);

/* The slot and generation the next write uses: never the slot that counts,
 * and newer than every valid one. */
int bits_progress_next_slot(const bits_progress_pick_t *pick);
apr_uint32_t bits_progress_next_gen(const bits_progress_pick_t *pick);

#endif
