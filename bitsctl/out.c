/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Messages, JSON and the little formats bitsctl's commands share. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "bitsctl.h"
#include "bits_guid.h"

void die_usage(const char *fmt, ...)
{
    va_list ap;

    fputs("bitsctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(bitsctl --help for usage)\n", stderr);
    exit(EXIT_USAGE);
}

void err(const char *fmt, ...)
{
    va_list ap;

    fputs("bitsctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

const char *json_str(const char *s, apr_pool_t *p)
{
    char *out, *o;

    if (!s)
        return "null";
    o = out = apr_palloc(p, 6 * strlen(s) + 3);
    *o++ = '"';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        }
        else if (c < 0x20 || c == 0x7f) {
            o += sprintf(o, "\\u%04x", c);
        }
        else {
            *o++ = (char)c;     /* records hold bytes; UTF-8 passes through */
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

const char *human_age(apr_interval_time_t d, apr_pool_t *p)
{
    int s = (int)(apr_time_sec(d < 0 ? 0 : d) > 2000000000 ? 2000000000
                                                           : apr_time_sec(d < 0 ? 0 : d));

    if (s < 60)
        return apr_psprintf(p, "%ds", s);
    if (s < 3600)
        return apr_psprintf(p, "%dm", s / 60);
    if (s < 86400)
        return apr_psprintf(p, "%dh%02dm", s / 3600, s % 3600 / 60);
    return apr_psprintf(p, "%dd%02dh", s / 86400, s % 86400 / 3600);
}

apr_int64_t epoch_sec(apr_time_t t)
{
    return (apr_int64_t)apr_time_sec(t);
}

const char *session_json(const ctl_t *c, const bits_session_t *s, apr_pool_t *p)
{
    return apr_psprintf(p,
        "{\"id\": %s, \"state\": %s, \"owner\": %s, \"owner_key\": %s, "
        "\"received\": %" APR_OFF_T_FMT ", \"total\": %s, "
        "\"created\": %" APR_INT64_T_FMT ", \"last_activity\": %" APR_INT64_T_FMT ", "
        "\"age_seconds\": %" APR_INT64_T_FMT ", \"idle_seconds\": %" APR_INT64_T_FMT ", "
        "\"destination\": %s, \"url\": %s, \"vhost\": %s, "
        "\"notify_type\": %d, \"published\": %s, \"reply_url\": %s}",
        json_str(s->id, p), json_str(bits_state_name(s->state), p),
        json_str(s->owner, p), json_str(s->owner_key, p), s->received,
        s->total >= 0 ? apr_off_t_toa(p, s->total) : "null",
        epoch_sec(s->created), epoch_sec(s->last_activity),
        epoch_sec(c->now - s->created), epoch_sec(c->now - s->last_activity),
        json_str(s->dest_path, p), json_str(s->dest_url, p),
        json_str(s->vhost && *s->vhost ? s->vhost : NULL, p), s->notify_type,
        s->published ? "true" : "false",
        json_str(s->reply_url && *s->reply_url ? s->reply_url : NULL, p));
}

const char *session_id_arg(const char *arg, apr_pool_t *p)
{
    char id[BITS_GUID_LEN + 1];

    if (!bits_guid_canonical(arg, id))
        die_usage("'%s' is not a session id ({GUID})", arg);
    return apr_pstrdup(p, id);
}

const char *apr_err(apr_status_t rv, apr_pool_t *p)
{
    char buf[160];

    return apr_pstrdup(p, apr_strerror(rv, buf, sizeof buf));
}
