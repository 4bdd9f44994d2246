/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bitsup --cancel URL SESSION: Cancel-Session (spec §4.5).  Retried like
 * Windows on 5xx without BG_E_SESSION_NOT_FOUND; an unknown session is not
 * a reason to upload anything. */
#include <stdlib.h>
#include <string.h>
#include "bitsup.h"

int run_cancel(const struct options *opt)
{
    struct conn c;
    struct bits_ack a;
    char err[512], *shown = url_redacted(opt->url);
    int rc;
    report_init(opt, 0);
    report_field("url", shown);
    report_field("session_id", opt->cancel_session);
    if (!url_check(opt->url, err, sizeof err)) {
        report_error("%s", err);
        rc = EXIT_USAGE;
    } else if (conn_open(&c, opt, opt->url, shown)) {
        rc = EXIT_LOCAL;
    } else {
        rc = conn_send(&c, "Cancel-Session", opt->cancel_session, NULL, NULL, NULL, &a);
        if (rc == EXIT_DONE && (a.status != 200 || !a.is_ack))
            rc = exit_for_answer(&a, "Cancel-Session");
        conn_close(&c);
    }
    if (rc == EXIT_DONE) {
        state_forget_session(opt, opt->cancel_session);
        report_out("cancelled session %s\n", opt->cancel_session);
    }
    report_finish(rc, rc == EXIT_DONE ? "cancelled" : "failed");
    free(shown);
    return rc;
}
