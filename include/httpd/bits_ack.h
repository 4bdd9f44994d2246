/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Acks: every answer to a BITS_POST, including Apache's own errors on a
 * BITS location, goes out as an empty-bodied Ack (spec §2.2).  Glue only. */
#ifndef BITS_ACK_H
#define BITS_ACK_H

#include <httpd.h>
#include <util_filter.h>
#include "bits_protocol.h"

#define BITS_ACK_FILTER "BITS_ACK_BODY"

/* BITS_POST, or POST with X-Http-Method-Override: BITS_POST. */
int bits_is_bits_request(request_rec *r);

/* Sets the status and Ack headers; the body was consumed or discarded. */
void bits_ack_send(request_rec *r, bits_ack_t ack);

/* Gives an error that Apache produces for a BITS request Ack shape. */
void bits_insert_error_filter(request_rec *r);
apr_status_t bits_ack_body_filter(ap_filter_t *f, apr_bucket_brigade *bb);

#endif
