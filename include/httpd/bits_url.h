/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The absolute URLs of an upload (glue only): the one the client addressed
 * and the one the server itself may connect to.  See src/httpd/bits_url.c. */
#ifndef BITS_URL_H
#define BITS_URL_H

#include <httpd.h>

/* The upload's URL as the client addressed it (BITS-Original-Request-URL,
 * the base of the reply URL): scheme, Host and port of the request, with
 * the path and query as sent.  A Host the virtual host does not answer to
 * is replaced by its ServerName. */
const char *bits_client_upload_url(request_rec *r);

/* The same upload on this server as configured: scheme://ServerName:port
 * of the virtual host, never the client's Host or absolute-form authority.
 * Relative notification URLs are resolved against it. */
const char *bits_server_upload_url(request_rec *r);

#endif
