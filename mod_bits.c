/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* mod_bits: the server side of Microsoft's BITS Upload Protocol for httpd.
 *
 * The module record and its hooks.  The configuration is in
 * src/httpd/bits_config.c, start-up in src/httpd/bits_startup.c, the
 * requests in src/httpd/, and the APR-only core below them in src/core/. */
#define BITS_MODULE_FILE
#include <httpd.h>
#include <http_config.h>
#include <http_protocol.h>
#include <http_request.h>

#include "bits_private.h"
#include "bits_ack.h"
#include "bits_status.h"
#include "bits_dav.h"

static int bits_fixups(request_rec *r)
{
    const bits_dir_conf *conf = ap_get_module_config(r->per_dir_config, &bits_module);

    if (conf->enabled == BITS_UNSET || !bits_is_bits_request(r))
        return DECLINED;
    r->handler = BITS_HANDLER_NAME;
    /* mod_dir would redirect a directory URL instead of letting us refuse it. */
    apr_table_setn(r->subprocess_env, "redirect-carefully", "1");
    return OK;
}

static int bits_handler(request_rec *r)
{
    if (!r->handler || strcmp(r->handler, BITS_HANDLER_NAME) != 0)
        return DECLINED;
    return bits_handle_request(r, ap_get_module_config(r->per_dir_config,
                                                       &bits_module));
}

static void bits_register_hooks(apr_pool_t *p)
{
    /* mod_dav's fixup claims every method but GET and POST on a DAV On
     * location; ours runs after it, whatever the LoadModule order, so that
     * BITS_POST reaches mod_bits there. */
    static const char *const after_dav[] = { "mod_dav.c", NULL };
    /* The background sweeper (mod_watchdog) is set up in post_config and
     * ticks in a thread mod_watchdog starts at child_init: ours first. */
    static const char *const before_watchdog[] = { "mod_watchdog.c", NULL };

    ap_hook_post_config(bits_post_config, NULL, before_watchdog, APR_HOOK_MIDDLE);
    ap_hook_test_config(bits_test_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(bits_child_init, NULL, before_watchdog, APR_HOOK_MIDDLE);
    ap_hook_fixups(bits_fixups, after_dav, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(bits_store_fixups, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_handler(bits_handler, NULL, NULL, APR_HOOK_MIDDLE);
    bits_dav_register_hooks(p);
    ap_hook_insert_error_filter(bits_insert_error_filter, NULL, NULL,
                                APR_HOOK_MIDDLE);
    bits_status_register_hooks(p);
    ap_register_output_filter(BITS_ACK_FILTER, bits_ack_body_filter, NULL,
                              AP_FTYPE_CONTENT_SET);
}

AP_DECLARE_MODULE(bits) = {
    STANDARD20_MODULE_STUFF,
    bits_dir_create,
    bits_dir_merge,
    bits_srv_create,
    NULL,
    bits_cmds,
    bits_register_hooks,
    AP_MODULE_FLAG_NONE
};
