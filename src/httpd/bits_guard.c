/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* What a client may not upload, and where (issue 6, item 2).  The name
 * rules are the core's (src/core/bits_names.c); this file feeds them the
 * configured AccessFileName list and asks httpd what it would do with the
 * destination URL. */
#include <http_core.h>
#include <http_request.h>
#include <apr_strings.h>

#include "bits_guard.h"
#include "bits_names.h"

#define ACK_EXECUTE_ENABLED BITS_ACK_ERR(HTTP_FORBIDDEN, BITS_E_SERVER_EXECUTE_ENABLED)

/* ---- configuration names ----------------------------------------------- */

/* Every name AccessFileName configures for this server (read per request:
 * each virtual host may have its own). */
static apr_array_header_t *access_names(request_rec *r)
{
    core_server_config *sc = ap_get_core_module_config(r->server->module_config);
    const char *list = sc->access_name;
    apr_array_header_t *names = apr_array_make(r->pool, 2, sizeof(const char *));

    while (list && *list) {
        const char *name = ap_getword_conf(r->pool, &list);

        if (*name)
            APR_ARRAY_PUSH(names, const char *) = name;
    }
    return names;
}

int bits_name_allowed(bits_req_t *rq, const char *dest, bits_ack_t *ack)
{
    request_rec *r = rq->r;
    const char *bad;
    bits_name_rule_t rule = bits_names_check_below(rq->root, dest, access_names(r),
                                                   &bad, r->pool);

    if (rule == BITS_NAME_OK)
        return 1;
    *ack = bits_fail(rq, BITS_ACK_DENIED, 0, "%s: '%s' is %s, which clients may "
                     "not upload", ap_escape_logitem(r->pool, dest),
                     ap_escape_logitem(r->pool, bad), bits_name_rule_text(rule));
    return 0;
}

/* ---- destinations that would be executed -------------------------------- */

static int starts_with_nocase(const char *s, const char *prefix)
{
    return s && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* The handler a request for the file would run, NULL for the file handler.
 * Without r->handler httpd takes the content type as the handler's name:
 * mod_php's application/x-httpd-php (AddType), mod_cgi's
 * application/x-httpd-cgi, mod_include's text/x-server-parsed-html. */
static const char *executing_handler(const request_rec *sub)
{
    if (sub->handler)
        return strcmp(sub->handler, "default-handler") ? sub->handler : NULL;
    if (starts_with_nocase(sub->content_type, "application/x-httpd-")
        || starts_with_nocase(sub->content_type, "text/x-server-parsed-html"))
        return sub->content_type;
    return NULL;
}

/* Why httpd would execute what is at sub, or NULL if it would not. */
static const char *why_executed(request_rec *sub)
{
    const char *handler;
    int opts;

    if (sub->status != HTTP_OK)     /* fail closed: nothing is known */
        return apr_psprintf(sub->pool, "the lookup of the destination answered %d, "
                            "so it cannot be told whether it would be executed",
                            sub->status);
    if ((handler = executing_handler(sub)) != NULL)
        return apr_psprintf(sub->pool, "it would be run by the handler '%s'",
                            ap_escape_logitem(sub->pool, handler));
    opts = ap_allow_options(sub);
    if (opts & OPT_EXECCGI)
        return "Options ExecCGI is on for it";
    if (opts & (OPT_INCLUDES | OPT_INC_WITH_EXEC))
        return "Options Includes is on for it";
    return NULL;
}

int bits_not_executed(bits_req_t *rq, bits_ack_t *ack)
{
    request_rec *r = rq->r;
    /* A GET of the destination, as any client could send once it exists:
     * the file does not exist yet, so mod_mime maps it by its extensions. */
    request_rec *sub = ap_sub_req_lookup_uri(ap_escape_uri(r->pool, r->uri), r, NULL);
    const char *why = why_executed(sub);

    if (why)
        *ack = bits_fail(rq, ACK_EXECUTE_ENABLED, 0, "refusing an upload to %s: %s",
                         ap_escape_logitem(r->pool, r->uri), why);
    ap_destroy_sub_req(sub);
    return why == NULL;
}
