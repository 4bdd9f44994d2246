/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The outcome journal: hourly append-only files of ended sessions (see
 * bits_journal.h for the format and why it is safe without locks). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_file_info.h>
#include "bits_journal.h"
#include "bits_protocol.h"

/* Longest line: time, outcome, code, bytes, id and separators. */
#define LINE_MAX_LEN 160

static const char *const outcome_names[BITS_OUTCOME_COUNT] = {
    "completed", "cancelled", "expired", "refused", "incomplete"
};

const char *bits_outcome_name(bits_outcome_t o)
{
    return (unsigned)o < BITS_OUTCOME_COUNT ? outcome_names[o] : "unknown";
}

void bits_journal_event_of(bits_journal_event_t *ev, const bits_session_t *s,
                           bits_state_t was, bits_state_t terminal, apr_time_t now)
{
    memset(ev, 0, sizeof *ev);
    ev->when = apr_time_from_sec(apr_time_sec(now));
    ev->bytes = s->received;
    apr_cpystrn(ev->id, s->id, sizeof ev->id);
    /* A completed upload stays completed, whatever ends its session. */
    if (was == BITS_STATE_DONE)
        ev->outcome = BITS_OUTCOME_COMPLETED;
    else if (was == BITS_STATE_REFUSED) {
        ev->outcome = BITS_OUTCOME_REFUSED;
        ev->code = s->final_ack.code;
    }
    else if (terminal == BITS_STATE_EXPIRED) {
        ev->outcome = BITS_OUTCOME_EXPIRED;
        ev->code = BITS_E_SESSION_NOT_FOUND;    /* what its next packet gets */
    }
    else if (terminal == BITS_STATE_CANCELLED)
        ev->outcome = BITS_OUTCOME_CANCELLED;
    else
        ev->outcome = BITS_OUTCOME_INCOMPLETE;
}

const char *bits_journal_format(const bits_journal_event_t *ev, apr_pool_t *p)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT " %s 0x%08X %" APR_OFF_T_FMT " %s\n",
                        (apr_int64_t)apr_time_sec(ev->when),
                        bits_outcome_name(ev->outcome), (unsigned)ev->code,
                        ev->bytes, ev->id);
}

/* A decimal number at *s (no overflow), which moves past it. */
static int read_number(const char **s, const char *end, apr_int64_t *out)
{
    apr_int64_t n = 0;
    int digits = 0;

    for (; *s < end && apr_isdigit(**s); (*s)++, digits++) {
        if (n > (APR_INT64_MAX - (**s - '0')) / 10)
            return 0;
        n = n * 10 + (**s - '0');
    }
    *out = n;
    return digits > 0;
}

static int read_word(const char **s, const char *end, char *buf, apr_size_t size)
{
    apr_size_t n = 0;

    while (*s < end && **s != ' ' && n + 1 < size)
        buf[n++] = *(*s)++;
    buf[n] = '\0';
    return n > 0 && (*s == end || **s == ' ');
}

static int skip_space(const char **s, const char *end)
{
    if (*s >= end || **s != ' ')
        return 0;
    (*s)++;
    return 1;
}

int bits_journal_parse(bits_journal_event_t *ev, const char *line, apr_size_t len)
{
    const char *s = line, *end = line + len;
    char word[48], *hex_end;
    apr_int64_t when, bytes;
    unsigned long code;
    int o;

    memset(ev, 0, sizeof *ev);
    if (len == 0 || line[len - 1] != '\n')
        return 0;           /* cut short by a crash */
    end--;
    if (!read_number(&s, end, &when) || !skip_space(&s, end)
        || !read_word(&s, end, word, sizeof word) || !skip_space(&s, end))
        return 0;
    for (o = 0; o < BITS_OUTCOME_COUNT && strcmp(word, outcome_names[o]); o++)
        ;
    if (o == BITS_OUTCOME_COUNT)
        return 0;
    if (!read_word(&s, end, word, sizeof word) || strncmp(word, "0x", 2) != 0
        || strlen(word) != 10)
        return 0;
    errno = 0;
    code = strtoul(word + 2, &hex_end, 16);
    if (*hex_end || errno || !skip_space(&s, end)
        || !read_number(&s, end, &bytes) || !skip_space(&s, end)
        || !read_word(&s, end, word, sizeof word) || s != end
        || !bits_guid_canonical(word, ev->id) || strcmp(word, ev->id) != 0)
        return 0;
    ev->when = apr_time_from_sec(when);
    ev->outcome = (bits_outcome_t)o;
    ev->code = (apr_uint32_t)code;
    ev->bytes = (apr_off_t)bytes;
    return 1;
}

static apr_int64_t hour_of(apr_time_t t)
{
    return (apr_int64_t)(apr_time_sec(t) / 3600);
}

static const char *journal_dir(const char *store, apr_pool_t *p)
{
    return apr_pstrcat(p, store, "/" BITS_JOURNAL_DIR, NULL);
}

static const char *hour_file(const char *store, apr_int64_t hour, apr_pool_t *p)
{
    return apr_psprintf(p, "%s/" BITS_JOURNAL_PREFIX "%" APR_INT64_T_FMT,
                        journal_dir(store, p), hour);
}

/* The hour a journal file name stands for, -1 if it is none of ours. */
static apr_int64_t hour_of_name(const char *name)
{
    apr_size_t plen = sizeof BITS_JOURNAL_PREFIX - 1;
    const char *s;
    apr_int64_t h;

    if (strncmp(name, BITS_JOURNAL_PREFIX, plen) != 0)
        return -1;
    s = name + plen;
    return read_number(&s, s + strlen(s), &h) && !*s ? h : -1;
}

static void prune(const char *store, apr_int64_t now_hour, apr_pool_t *p)
{
    const char *dir = journal_dir(store, p);
    apr_dir_t *d;
    apr_finfo_t fi;

    if (apr_dir_open(&d, dir, p) != APR_SUCCESS)
        return;
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS) {
        apr_int64_t h = hour_of_name(fi.name);

        if (fi.filetype == APR_REG && h >= 0 && h < now_hour - BITS_JOURNAL_KEEP_HOURS)
            apr_file_remove(apr_pstrcat(p, dir, "/", fi.name, NULL), p);
    }
    apr_dir_close(d);
}

apr_status_t bits_journal_append(const char *store, const bits_journal_event_t *ev,
                                 apr_pool_t *p)
{
    const char *line = bits_journal_format(ev, p);
    apr_int64_t hour = hour_of(ev->when);
    const char *path = hour_file(store, hour, p);
    apr_size_t len = strlen(line);
    int fd, created = 1;
    apr_status_t rv;
    ssize_t n;

    if ((rv = bits_store_mkdir(journal_dir(store, p), p)) != APR_SUCCESS)
        return rv;
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
              0600);
    if (fd < 0 && errno == EEXIST) {
        created = 0;
        fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0)
        return APR_FROM_OS_ERROR(errno);
    /* One write: appends of up to PIPE_BUF bytes do not interleave. */
    n = write(fd, line, len);
    rv = n == (ssize_t)len ? APR_SUCCESS : n < 0 ? APR_FROM_OS_ERROR(errno) : APR_EGENERAL;
    close(fd);
    if (created)
        prune(store, hour, p);
    return rv;
}

/* Reads one hour's file in blocks, line by line. */
static int read_hour(const char *path, apr_time_t since, apr_time_t until,
                     bits_journal_fn fn, void *baton)
{
    char buf[65536];
    apr_size_t have = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), stop = 0;
    ssize_t n;

    if (fd < 0)
        return 0;
    while (!stop && (n = read(fd, buf + have, sizeof buf - have)) > 0) {
        char *start = buf, *nl, *end = buf + have + n;

        while (!stop && (nl = memchr(start, '\n', (apr_size_t)(end - start)))) {
            bits_journal_event_t ev;

            if ((apr_size_t)(nl + 1 - start) <= LINE_MAX_LEN
                && bits_journal_parse(&ev, start, (apr_size_t)(nl + 1 - start))
                && ev.when >= since && ev.when <= until)
                stop = fn(baton, &ev);
            start = nl + 1;
        }
        have = (apr_size_t)(end - start);
        if (have >= LINE_MAX_LEN)
            have = 0;           /* no line is that long: skip the garbage */
        memmove(buf, start, have);
    }
    close(fd);
    return stop;
}

apr_status_t bits_journal_read(const char *store, apr_time_t since, apr_time_t until,
                               bits_journal_fn fn, void *baton, apr_pool_t *p)
{
    apr_int64_t h;

    /* Lines carry their own time, so an hour's file that a writer opened
     * just before the hour turned still counts correctly. */
    for (h = hour_of(since) - 1; h <= hour_of(until); h++)
        if (read_hour(hour_file(store, h, p), since, until, fn, baton))
            break;
    return APR_SUCCESS;
}
