/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Exponential backoff for transient failures (spec §8, §11.7), bounded by
 * the give-up time: the clock runs from the first failure after the last
 * success, like the Windows job's no-progress timeout. */
#include <time.h>
#include "bitsup.h"

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void backoff_init(struct backoff *b, const struct options *opt)
{
    b->delay = 0;
    b->max_delay = opt->max_delay;
    b->give_up = opt->give_up;
    b->since = 0;
}

void backoff_success(struct backoff *b)
{
    b->delay = 0;
    b->since = 0;
}

/* Sleeps before the next try; 0 when the give-up time is spent. */
int backoff_wait(struct backoff *b, const char *what)
{
    double t = now_seconds(), left;
    struct timespec ts;
    if (b->since == 0)
        b->since = t;
    left = (double)b->give_up - (t - b->since);
    if (left <= 0)
        return 0;
    b->delay = b->delay ? b->delay * 2 : 1;
    if (b->delay > b->max_delay)
        b->delay = b->max_delay;
    if (b->delay > left)
        b->delay = (long)left + 1;
    report_retry(what, b->delay);
    ts.tv_sec = b->delay;
    ts.tv_nsec = 0;
    nanosleep(&ts, NULL);
    return 1;
}
