/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* What a client may not upload, and where (issue 6, item 2): configuration
 * names, and destinations the server would execute.  Glue only. */
#ifndef BITS_GUARD_H
#define BITS_GUARD_H

#include "bits_request.h"

/* 1 if no component of `dest` below the upload directory is a name Apache
 * or a common handler reads as configuration, or one of the module's
 * staging names; else 0 and *ack is the refusal (403 0x80070005). */
int bits_name_allowed(bits_req_t *rq, const char *dest, bits_ack_t *ack);

/* 1 if fetching the destination URL would serve the file as it is; else 0
 * and *ack is the refusal (403 0x80200023, BG_E_SERVER_EXECUTE_ENABLED):
 * a handler other than the file handler, or Options ExecCGI/Includes. */
int bits_not_executed(bits_req_t *rq, bits_ack_t *ack);

#endif
