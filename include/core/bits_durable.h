/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Group commit of upload data (spec §6.2 `durable`, §16 item 5): an Ack
 * may count bytes that are received but not yet on stable storage, as
 * long as the server can never later claim more than it has.  The record
 * keeps the durable N next to N, and which kernel on which host wrote the
 * bytes in between (bits_progress.h):
 *  - the same kernel (same boot id and host) still has them in its page
 *    cache: a process crash (kill -9) loses nothing;
 *  - the same host under another kernel (an OS crash or power loss since)
 *    may have lost them: the session falls back to its durable N;
 *  - another host (a farm sharing the store) wrote them: they are synced
 *    (fdatasync of the same file; on a shared file system close-to-open
 *    put them on the server) before anything more is acknowledged.
 * These are the decisions; the I/O is the caller's.  APR only. */
#ifndef BITS_DURABLE_H
#define BITS_DURABLE_H

#include <apr_time.h>
#include "bits_progress.h"
#include "bits_session.h"

#define BITS_BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

/* Parses a boot id as the kernel prints it ("8-4-4-4-12" hex digits, a
 * trailing newline allowed); 1 on success. */
int bits_boot_id_parse(const char *text, unsigned char out[BITS_BOOT_ID_LEN]);

/* This node: the boot id read from `boot_id_path` (zeros if it cannot be
 * read) and the host name. */
void bits_node_read(bits_node_t *node, const char *boot_id_path);

/* 1 if the node's boot id is known (crashes of its kernel can be told). */
int bits_node_known(const bits_node_t *node);

/* What the bytes a session counts past its durable N are worth now. */
typedef enum {
    BITS_HELD_ALL,       /* all there (none unsynced, or this kernel wrote them) */
    BITS_HELD_SYNC,      /* another host wrote them: sync, then they count */
    BITS_HELD_FALLBACK   /* they may be lost: fall back to bits_held_fallback_n */
} bits_held_t;

/* Decides for session s (as loaded) on node self; file_size is the
 * request file's size now, or -1 if unknown.  Bytes the file does not
 * even hold, or that a writer of unknown identity or an earlier kernel of
 * this host wrote without a sync, are not counted. */
bits_held_t bits_held_check(const bits_session_t *s, const bits_node_t *self,
                            apr_off_t file_size);

/* The N a fallback keeps: the durable N, or less if the file is shorter. */
apr_off_t bits_held_fallback_n(const bits_session_t *s, apr_off_t file_size);

/* The group-commit batch: 1 if the bytes past durable (with N = received)
 * should be synced now, because there are at least batch_bytes of them or
 * the oldest was written batch_time ago or earlier. */
int bits_sync_due(const bits_session_t *s, apr_off_t received, apr_off_t batch_bytes,
                  apr_interval_time_t batch_time, apr_time_t now);

#endif
