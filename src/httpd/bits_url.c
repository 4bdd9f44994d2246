/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The upload's absolute URLs.  The client chooses only the path and the
 * query; where the server connects (the notification) comes from the
 * configuration alone, so a Host header or an absolute-form request line
 * cannot aim the server at another machine (SSRF). */
#include <http_core.h>
#include <http_protocol.h>
#include <http_vhost.h>
#include <apr_strings.h>

#include "bits_private.h"
#include "bits_url.h"
#include "bits_notify.h"

/* Path and query as the client sent them (still percent-encoded: r->uri is
 * decoded, and "a%3Fb" would become a path and a query). */
static const char *request_target(request_rec *r)
{
    const char *t = bits_url_target(r->unparsed_uri, r->pool);

    if (!t)
        t = bits_url_target(apr_pstrcat(r->pool, ap_escape_uri(r->pool, r->uri),
                                        r->args ? "?" : "", r->args, NULL), r->pool);
    return t ? t : "/";
}

/* scheme://ServerName[:port] of the virtual host: configuration only. */
static const char *server_origin(request_rec *r)
{
    return bits_url_origin(ap_http_scheme(r), r->server->server_hostname,
                           r->server->port, r->pool);
}

/* Whether this virtual host answers to host:port; a ServerName without a
 * port answers on every port the host listens on. */
static int vhost_answers(request_rec *r, const char *host, apr_port_t port)
{
    return ap_matches_request_vhost(r, host, port)
           || (!r->server->port && ap_matches_request_vhost(r, host, 0));
}

const char *bits_client_upload_url(request_rec *r)
{
    const char *target = request_target(r);

    if (r->hostname && vhost_answers(r, r->hostname, ap_get_server_port(r)))
        return ap_construct_url(r->pool, target, r);
    if (r->hostname)
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "BITS00122: "
                      "BITS: this server does not "
                      "answer to the host '%s'; URLs name %s instead",
                      ap_escape_logitem(r->pool, r->hostname),
                      r->server->server_hostname);
    return apr_pstrcat(r->pool, server_origin(r), target, NULL);
}

const char *bits_server_upload_url(request_rec *r)
{
    return apr_pstrcat(r->pool, server_origin(r), request_target(r), NULL);
}
