/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Acks (spec §2.2): status, BITS headers, Content-Length 0, never a body. */
#include <http_protocol.h>
#include <http_request.h>
#include <apr_strings.h>

#include "bits_private.h"
#include "bits_ack.h"
#include "bits_lognotes.h"

int bits_is_bits_request(request_rec *r)
{
    const char *override;

    if (r->method_number == bits_method_number && bits_method_number != M_INVALID)
        return 1;
    override = apr_table_get(r->headers_in, "X-Http-Method-Override");
    return r->method_number == M_POST && override
           && !strcmp(override, BITS_METHOD);
}

static void set_ack_headers(request_rec *r, bits_ack_t ack)
{
    apr_table_t *h = r->err_headers_out;   /* survives any status */

    apr_table_setn(h, BITS_H_PACKET_TYPE, "Ack");
    apr_table_setn(h, "Pragma", "no-cache");
    apr_table_setn(h, "Cache-Control", "no-cache");
    if (ack.status != HTTP_OK) {
        apr_table_set(h, BITS_H_ERROR_CODE, bits_hresult_str(ack.code, r->pool));
        apr_table_set(h, BITS_H_ERROR_CONTEXT,
                      apr_psprintf(r->pool, "0x%X", (unsigned)ack.context));
    }
}

void bits_ack_send(request_rec *r, bits_ack_t ack)
{
    /* The status first: for a refused packet whose client waits for
     * "100 Continue", httpd then closes instead of reading the body. */
    r->status = ack.status;
    /* Keep the connection usable: whatever body is left is read away. */
    if (ap_discard_request_body(r) != OK)
        r->connection->keepalive = AP_CONN_CLOSE;
    set_ack_headers(r, ack);
    ap_set_content_length(r, 0);
    r->content_type = NULL;     /* no entity, so no type (mod_mime set one) */
}

/* HRESULT for an HTTP error Apache raised itself (authz, limits, ...). */
static unsigned int code_for_status(int status)
{
    switch (status) {
    case HTTP_FORBIDDEN:             return BITS_E_ACCESSDENIED;
    case HTTP_BAD_REQUEST:
    case HTTP_LENGTH_REQUIRED:       return BITS_E_INVALIDARG;
    case HTTP_INTERNAL_SERVER_ERROR: return BITS_E_FAIL;
    default:                         return BITS_E_HTTP(status);
    }
}

void bits_insert_error_filter(request_rec *r)
{
    const bits_dir_conf *conf = ap_get_module_config(r->per_dir_config, &bits_module);
    bits_ack_t ack;

    /* 401/407 challenges stay plain HTTP (§2.3).  A BITS_POST is answered
     * as an Ack anywhere, also when httpd refuses it before the directory
     * configuration is known (a symlink or an overlong name on the way);
     * a POST with the override header only where mod_bits is configured. */
    if (!bits_is_bits_request(r)
        || (r->method_number != bits_method_number
            && (!conf || conf->enabled == BITS_UNSET))
        || r->status == HTTP_UNAUTHORIZED
        || r->status == HTTP_PROXY_AUTHENTICATION_REQUIRED)
        return;
    ack = BITS_ACK_ERR(r->status, code_for_status(r->status));
    set_ack_headers(r, ack);
    bits_log_notes(r, bits_packet_parse(apr_table_get(r->headers_in, BITS_H_PACKET_TYPE)),
                   apr_table_get(r->headers_in, BITS_H_SESSION_ID), ack, 0);
    ap_add_output_filter(BITS_ACK_FILTER, NULL, r, r->connection);
}

/* Drops the HTML error document so that the Ack stays empty. */
apr_status_t bits_ack_body_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    apr_bucket *e = APR_BRIGADE_FIRST(bb);

    while (e != APR_BRIGADE_SENTINEL(bb)) {
        apr_bucket *next = APR_BUCKET_NEXT(e);
        if (!APR_BUCKET_IS_METADATA(e))
            apr_bucket_delete(e);
        e = next;
    }
    ap_set_content_length(f->r, 0);
    return ap_pass_brigade(f->next, bb);
}
