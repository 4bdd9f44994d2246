/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* What the user sees.  Messages and progress go to stderr, results to
 * stdout: with a terminal a progress bar with rate and ETA, otherwise one
 * line per fragment; -q keeps only errors; --json replaces the result lines
 * with one JSON object on stdout. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bitsup.h"

#define MAX_FIELDS 24

struct field {
    const char *name;
    char *text;            /* string value, or NULL for a number */
    long long number;
};

static struct {
    int quiet, json, tty;
    long long total;
    long long base;        /* bytes already held when the current request began */
    double started;
    double last_draw;
    long long first_done;  /* bytes held when this run started (for the rate) */
    long long last_done;   /* what the bar shows now */
    int bar_shown;         /* a bar is on the current line */
    int have_first;
    struct field fields[MAX_FIELDS];
    int nfields;
} R;

void report_init(const struct options *opt, long long total)
{
    R.quiet = opt->quiet;
    R.json = opt->json;
    R.tty = !opt->quiet && !opt->json && isatty(STDERR_FILENO);
    R.total = total;
    R.started = now_seconds();
}

/* A line of text on a terminal first wipes the bar; the next draw
 * brings it back below the text. */
static void clear_bar(void)
{
    if (R.tty && R.bar_shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        R.bar_shown = 0;
        R.last_draw = 0;
    }
}

static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
    clear_bar();
    fprintf(stderr, "bitsup: %s", prefix);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

/* Results on stdout (not with -q or --json). */
void report_out(const char *fmt, ...)
{
    va_list ap;
    if (R.quiet || R.json)
        return;
    clear_bar();
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

void report_info(const char *fmt, ...)
{
    va_list ap;
    if (R.quiet || R.json)
        return;
    va_start(ap, fmt);
    vmessage("", fmt, ap);
    va_end(ap);
}

void report_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("error: ", fmt, ap);
    va_end(ap);
}

static void human_size(double n, char *buf, size_t size)
{
    const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    int i = 0;
    while (n >= 1024 && i < 4) {
        n /= 1024;
        i++;
    }
    snprintf(buf, size, i ? "%.1f %s" : "%.0f %s", n, unit[i]);
}

static void draw_bar(long long done)
{
    double t = now_seconds(), elapsed, rate = 0;
    char rate_s[32], eta[32] = "--:--";
    int pct = R.total > 0 ? (int)(done * 100 / R.total) : 100, filled, i;
    if (!R.have_first) {
        R.first_done = done;
        R.have_first = 1;
    }
    /* Redrawn at most five times a second, and once more at the end. */
    if (t - R.last_draw < 0.2 && (done < R.total || R.last_done == done))
        return;
    R.last_draw = t;
    R.last_done = done;
    elapsed = t - R.started;
    if (elapsed > 0)
        rate = (double)(done - R.first_done) / elapsed;
    human_size(rate, rate_s, sizeof rate_s);
    if (rate > 0 && done < R.total) {
        long secs = (long)((double)(R.total - done) / rate);
        snprintf(eta, sizeof eta, "%02ld:%02ld:%02ld", secs / 3600, secs / 60 % 60, secs % 60);
    }
    filled = pct * 30 / 100;
    fputs("\r[", stderr);
    for (i = 0; i < 30; i++)
        fputc(i < filled ? '#' : '-', stderr);
    fprintf(stderr, "] %3d%% %s/s ETA %s\033[K", pct, rate_s, eta);
    fflush(stderr);
    R.bar_shown = 1;
}

void report_fragment(long long first, long long last, long long total,
                     long long received)
{
    R.base = received;
    if (R.quiet || R.json)
        return;
    if (R.tty)
        draw_bar(received);
    else
        fprintf(stderr, "bitsup: fragment bytes %lld-%lld/%lld: server holds %lld\n",
                first, last, total, received);
}

/* During a request: bytes of the body sent so far. */
void report_progress(void *ctx, long long sent)
{
    (void)ctx;
    if (R.tty)
        draw_bar(R.base + sent > R.total ? R.total : R.base + sent);
}

void report_retry(const char *what, long delay)
{
    report_info("%s; retrying in %ld s", what, delay);
}

static struct field *field_slot(const char *name)
{
    int i;
    for (i = 0; i < R.nfields; i++)
        if (!strcmp(R.fields[i].name, name))
            return &R.fields[i];
    if (R.nfields == MAX_FIELDS)
        return NULL;
    R.fields[R.nfields].name = name;
    return &R.fields[R.nfields++];
}

void report_field(const char *name, const char *value)
{
    struct field *f = field_slot(name);
    if (!f)
        return;
    free(f->text);
    f->text = strdup(value ? value : "");
}

void report_number(const char *name, long long value)
{
    struct field *f = field_slot(name);
    if (!f)
        return;
    free(f->text);
    f->text = NULL;
    f->number = value;
}

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

void report_finish(int exit_code, const char *result)
{
    int i;
    clear_bar();
    if (!R.json)
        return;
    printf("{\"result\":");
    json_string(result);
    printf(",\"exit_code\":%d,\"seconds\":%.3f", exit_code, now_seconds() - R.started);
    for (i = 0; i < R.nfields; i++) {
        printf(",");
        json_string(R.fields[i].name);
        putchar(':');
        if (R.fields[i].text)
            json_string(R.fields[i].text);
        else
            printf("%lld", R.fields[i].number);
    }
    printf("}\n");
    fflush(stdout);
}
