/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* BITSMinimumFreeSpace on a request (src/httpd/bits_freespace.c).  Glue only. */
#ifndef BITS_FREESPACE_H
#define BITS_FREESPACE_H

#include "bits_request.h"

/* 1 if every file system `what` (a Create-Session, a fragment) writes to
 * keeps BITSMinimumFreeSpace free now: the store's and, when given,
 * `dest`'s; else 0 and *ack is the disk-full answer (500 0x80070070). */
int bits_space_enough(bits_req_t *rq, const char *what, const char *dest, bits_ack_t *ack);

#endif
