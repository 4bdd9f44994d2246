/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Numbers as the status page's forms show them: sizes, durations,
 * progress. */
#include <httpd.h>
#include <apr_strings.h>

#include "bits_status.h"

const char *bits_status_size(apr_off_t bytes, apr_pool_t *p)
{
    static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
    double v = (double)bytes;
    int u = -1;

    if (bytes < 1024)
        return apr_psprintf(p, "%" APR_OFF_T_FMT " B", bytes);
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    return apr_psprintf(p, "%.1f %s", v, units[u]);
}

const char *bits_status_duration(apr_interval_time_t t, apr_pool_t *p)
{
    apr_int64_t s = apr_time_sec(t > 0 ? t : 0);

    if (s >= 86400)
        return apr_psprintf(p, "%dd %dh", (int)(s / 86400), (int)(s % 86400 / 3600));
    if (s >= 3600)
        return apr_psprintf(p, "%dh %dm", (int)(s / 3600), (int)(s % 3600 / 60));
    if (s >= 60)
        return apr_psprintf(p, "%dm %ds", (int)(s / 60), (int)(s % 60));
    return apr_psprintf(p, "%ds", (int)s);
}

double bits_status_percent(const bits_session_t *s)
{
    if (s->total == 0)
        return 100.0;
    if (s->total < 0)
        return 0.0;
    return 100.0 * (double)s->received / (double)s->total;
}
