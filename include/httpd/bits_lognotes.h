/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* What a BITS_POST did, in r->notes for LogFormat's %{NAME}n (README
 * "Access log").  Glue only. */
#ifndef BITS_LOGNOTES_H
#define BITS_LOGNOTES_H

#include <httpd.h>
#include "bits_protocol.h"

#define BITS_NOTE_SESSION "BITS-Session-Id"
#define BITS_NOTE_PACKET  "BITS-Packet-Type"
#define BITS_NOTE_ERROR   "BITS-Error"
#define BITS_NOTE_BYTES   "BITS-Bytes"

/* Records the packet type, the session (NULL: none), the HRESULT of an
 * error Ack, and the body bytes this request added to the session. */
void bits_log_notes(request_rec *r, bits_packet_t type, const char *session,
                    bits_ack_t ack, apr_off_t written);

#endif
