/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* When fragment data reaches stable storage (BITSFragmentSync,
 * BITSFragmentSyncBatch; the decisions are in bits_durable.h).  Glue. */
#ifndef BITS_COMMIT_H
#define BITS_COMMIT_H

#include "bits_request.h"

/* This child's identity (boot id, host name), read in child_init. */
void bits_commit_child_init(void);

/* Before a Fragment works on a RECEIVING session: makes sure every byte N
 * counts is held, syncing what another node wrote, or falls back to the
 * durable N (an OS crash since; the fragment then gets 416 with it).
 * 0 and an error Ack if the store cannot be repaired. */
int bits_commit_check(bits_req_t *rq, bits_ack_t *ack);

/* `written` new bytes went into the open request file f at N: N advances,
 * and the data is synced now if BITSFragmentSync is On, the batch is due
 * or the upload is complete (before anything is published, notified or
 * acknowledged as final).  On error N stays. */
apr_status_t bits_commit_written(bits_req_t *rq, apr_file_t *f, apr_off_t written);

#endif
