/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Download of the upload-reply (spec §12.2) to -o FILE, before
 * Close-Session (the server deletes the reply then).  Bytes go to
 * FILE.part; an interrupted download continues with a Range request, and a
 * server that ignores the range is read again from the start. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bitsup.h"

static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) ? 0 : (long long)sb.st_size;
}

/* 1: the part file now holds the whole reply; 0: not yet; -1: refused. */
static int judge(const struct bits_ack *a, long long from, long long have)
{
    if (a->status == 206 && a->range_start == from)
        return a->range_total >= 0 && have >= a->range_total;
    if (a->status == 200 && from == 0)
        return a->content_length < 0 || have >= a->content_length;
    if (a->status == 416 && a->range_total == from)
        return 1;                       /* we already had every byte */
    return -1;
}

static int get_once(struct http *h, const char *url, const char *part,
                    struct bits_ack *a, long long *from)
{
    FILE *f;
    *from = file_size(part);
    f = fopen(part, *from ? "ab" : "wb");
    if (!f) {
        report_error("cannot write %s: %s", part, strerror(errno));
        return EXIT_LOCAL;
    }
    http_get(h, url, *from, f, a);
    if (fclose(f) || a->curl_rc == CURLE_WRITE_ERROR) {
        report_error("cannot write %s", part);
        return EXIT_LOCAL;
    }
    return EXIT_DONE;
}

int download_reply(struct http *h, const struct options *opt,
                   const char *reply_url)
{
    char part[4200], what[600];
    struct bits_ack a;
    struct backoff b;
    long long from;
    int rc, done;
    snprintf(part, sizeof part, "%s.part", opt->output);
    backoff_init(&b, opt);
    for (;;) {
        if ((rc = get_once(h, reply_url, part, &a, &from)) != EXIT_DONE)
            return rc;
        done = a.status ? judge(&a, from, file_size(part)) : 0;
        if (done == 1)
            break;
        if (a.status == 200 && from > 0) {
            /* Range ignored: the part file is now wrong; fetch it whole. */
            if (truncate(part, 0)) {
                report_error("cannot truncate %s: %s", part, strerror(errno));
                return EXIT_LOCAL;
            }
            continue;
        }
        if (done < 0 && !ack_is_transient(&a))
            return exit_for_answer(&a, "reply download");
        ack_describe(&a, what, sizeof what);
        if (a.status && done == 0)
            snprintf(what, sizeof what, "reply download interrupted");
        if (!backoff_wait(&b, what)) {
            report_error("reply download: gave up after %ld s: %s", opt->give_up, what);
            return EXIT_GAVE_UP;
        }
        if (a.status)
            backoff_success(&b);
    }
    if (rename(part, opt->output)) {
        report_error("cannot rename %s to %s: %s", part, opt->output, strerror(errno));
        return EXIT_LOCAL;
    }
    report_info("reply saved to %s (%lld bytes)", opt->output, file_size(opt->output));
    return EXIT_DONE;
}
