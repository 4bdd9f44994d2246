/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* r->notes for the access log: one line per BITS_POST can then say which
 * session and packet it was, how it failed and how many bytes it stored,
 * without the error log.  mod_log_config escapes the values it prints. */
#include <apr_strings.h>

#include "bits_lognotes.h"

void bits_log_notes(request_rec *r, bits_packet_t type, const char *session,
                    bits_ack_t ack, apr_off_t written)
{
    apr_table_setn(r->notes, BITS_NOTE_PACKET, bits_packet_name(type));
    if (session && *session)
        apr_table_set(r->notes, BITS_NOTE_SESSION, session);
    if (ack.status != HTTP_OK)
        apr_table_setn(r->notes, BITS_NOTE_ERROR, bits_hresult_str(ack.code, r->pool));
    apr_table_setn(r->notes, BITS_NOTE_BYTES, apr_off_t_toa(r->pool, written));
}
