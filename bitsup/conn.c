/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* One packet at a time to the server: transient failures (spec §11.7) are
 * retried with backoff here, so callers only see answers to judge; the
 * BITS-Host-Id pinning and its fallback timer live here too (spec §10). */
#include <stdlib.h>
#include <string.h>
#include "bitsup.h"

int conn_open(struct conn *c, const struct options *opt, const char *url,
              const char *shown_url)
{
    char err[256];
    memset(c, 0, sizeof *c);
    c->opt = opt;
    c->url = url;
    c->shown_url = shown_url;
    c->fallback_timeout = -1;
    backoff_init(&c->backoff, opt);
    c->target = strdup(url);
    c->http = http_open(opt, err, sizeof err);
    if (!c->http || !c->target) {
        report_error("%s", c->http ? "out of memory" : err);
        return -1;
    }
    http_on_progress(c->http, report_progress, NULL);
    return 0;
}

void conn_close(struct conn *c)
{
    http_close(c->http);
    free(c->target);
    c->http = NULL;
    c->target = NULL;
}

/* Later packets go to the node named by BITS-Host-Id. */
int conn_pin(struct conn *c, const char *host_id, long long fallback_timeout)
{
    char *pinned = url_with_host(c->url, host_id);
    if (!pinned) {
        report_error("the server sent an unusable BITS-Host-Id: %s", host_id);
        return -1;
    }
    free(c->target);
    c->target = pinned;
    c->fallback_timeout = fallback_timeout;
    c->pinned_failing_since = 0;
    return 0;
}

int conn_pinned(const struct conn *c)
{
    return strcmp(c->target, c->url) != 0;
}

/* The pinned node is unreachable: after BITS-Host-Id-Fallback-Timeout
 * seconds of that, go back to the original host (which will most likely
 * not know the session; the caller then starts over). */
static void pinned_unreachable(struct conn *c)
{
    double t = now_seconds();
    if (!conn_pinned(c))
        return;
    if (c->pinned_failing_since == 0)
        c->pinned_failing_since = t;
    if (c->fallback_timeout < 0 || t - c->pinned_failing_since < (double)c->fallback_timeout)
        return;
    report_info("pinned host unreachable for %lld s; falling back to %s",
                c->fallback_timeout, c->shown_url);
    free(c->target);
    c->target = strdup(c->url);
    c->pinned_failing_since = 0;
    backoff_success(&c->backoff);
}

int conn_send(struct conn *c, const char *packet, const char *session_id,
              const char *content_name, const char *content_range,
              struct body_source *body, struct bits_ack *ack)
{
    char what[600];
    for (;;) {
        http_bits_post(c->http, c->target, packet, session_id, content_name,
                       content_range, body, ack);
        if (ack->curl_rc == CURLE_ABORTED_BY_CALLBACK || ack->curl_rc == CURLE_READ_ERROR) {
            report_error("cannot read the local file (did it change during the upload?)");
            return EXIT_LOCAL;
        }
        if (ack_is_tls_failure(ack)) {
            ack_describe(ack, what, sizeof what);
            report_error("TLS: %s (not retried)", what);
            return EXIT_TLS;
        }
        if (ack->status == 0)
            pinned_unreachable(c);
        else
            c->pinned_failing_since = 0;
        if (!ack_is_transient(ack)) {
            if (ack->status != 0)
                backoff_success(&c->backoff);
            return ack->status == 0 ? exit_for_answer(ack, packet) : EXIT_DONE;
        }
        ack_describe(ack, what, sizeof what);
        if (!backoff_wait(&c->backoff, what)) {
            report_error("%s: gave up after %ld s: %s", packet, c->opt->give_up, what);
            return EXIT_GAVE_UP;
        }
    }
}

/* An answer that ends the job: say why, choose the exit code. */
int exit_for_answer(const struct bits_ack *ack, const char *what)
{
    char text[600];
    ack_describe(ack, text, sizeof text);
    if (ack->status == 0) {
        report_error("%s: %s", what, text);
        return ack->curl_rc == CURLE_UNSUPPORTED_PROTOCOL
               || ack->curl_rc == CURLE_URL_MALFORMAT ? EXIT_USAGE : EXIT_GAVE_UP;
    }
    if (ack->status == 401 || ack->status == 407)
        report_error("%s: authentication failed (%s)", what, text);
    else if (!ack->is_ack && ack->status != 403)
        report_error("%s: the server does not speak BITS here: %s", what, text);
    else
        report_error("%s refused: %s", what, text);
    report_number("http_status", ack->status);
    if (ack->has_error) {
        char code[16];
        snprintf(code, sizeof code, "0x%08lX", ack->error_code);
        report_field("bits_error_code", code);
        report_field("bits_error", hresult_meaning(ack->error_code));
        report_number("bits_error_context", (long long)ack->error_context);
    }
    return EXIT_REFUSED;
}
