/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* list and show: read the records as any reader of the store does, without
 * a lock (a record is replaced atomically, a progress slot torn by a
 * concurrent write fails its checksum and the other one counts). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include "bitsctl.h"
#include "bits_index.h"
#include "bits_walk.h"

typedef struct {
    bits_session_t s;
    int unreadable;           /* a directory whose record does not load */
} entry_t;

typedef struct {
    ctl_t *c;
    apr_array_header_t *all;  /* entry_t */
} collect_t;

static int collect(void *baton, const char *id, apr_pool_t *iter)
{
    collect_t *col = baton;
    apr_pool_t *p = col->all->pool;
    entry_t *e = apr_array_push(col->all);

    (void)iter;
    memset(e, 0, sizeof *e);
    if (bits_session_load(&e->s, col->c->store, id, p) != APR_SUCCESS) {
        memset(&e->s, 0, sizeof e->s);
        apr_cpystrn(e->s.id, id, sizeof e->s.id);
        e->unreadable = 1;
    }
    return 0;
}

/* Oldest first; unreadable ones at the end. */
static int by_created(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;

    if (x->unreadable != y->unreadable)
        return x->unreadable - y->unreadable;
    if (x->s.created != y->s.created)
        return x->s.created < y->s.created ? -1 : 1;
    return strcmp(x->s.id, y->s.id);
}

static const char *progress_text(const bits_session_t *s, apr_pool_t *p)
{
    if (s->total < 0)
        return apr_psprintf(p, "%" APR_OFF_T_FMT "/?", s->received);
    return apr_psprintf(p, "%" APR_OFF_T_FMT "/%" APR_OFF_T_FMT " %3d%%", s->received,
                        s->total, s->total ? (int)(100 * s->received / s->total) : 100);
}

int cmd_list(ctl_t *c)
{
    collect_t col = { c, apr_array_make(c->pool, 64, sizeof(entry_t)) };
    entry_t *all;
    apr_status_t rv;
    int i;

    if ((rv = bits_walk_sessions(c->store, collect, &col, c->pool)) != APR_SUCCESS) {
        err("cannot read %s: %s", c->store, apr_err(rv, c->pool));
        return EXIT_STORE;
    }
    all = (entry_t *)col.all->elts;
    qsort(all, (size_t)col.all->nelts, sizeof *all, by_created);
    if (c->json)
        printf("{\"store\": %s, \"sessions\": [", json_str(c->store, c->pool));
    else if (col.all->nelts)
        printf("%-38s  %-16s  %-10s  %-24s  %7s  %7s  %s\n", "ID", "OWNER", "STATE",
               "RECEIVED/TOTAL", "AGE", "IDLE", "DESTINATION");
    for (i = 0; i < col.all->nelts; i++) {
        const bits_session_t *s = &all[i].s;

        if (c->json && all[i].unreadable)
            printf("%s\n  {\"id\": %s, \"state\": null, \"error\": \"unreadable record\"}",
                   i ? "," : "", json_str(s->id, c->pool));
        else if (c->json)
            printf("%s\n  %s", i ? "," : "", session_json(c, s, c->pool));
        else if (all[i].unreadable)
            printf("%-38s  %-16s  %-10s\n", s->id, "?", "UNREADABLE");
        else
            printf("%-38s  %-16s  %-10s  %-24s  %7s  %7s  %s\n", s->id,
                   *s->owner ? s->owner : "(anonymous)", bits_state_name(s->state),
                   progress_text(s, c->pool), human_age(c->now - s->created, c->pool),
                   human_age(c->now - s->last_activity, c->pool), s->dest_path);
    }
    if (c->json)
        printf("%s]}\n", col.all->nelts ? "\n" : "");
    return EXIT_OK;
}

/* Size of a file of the session, -1 if it has none. */
static apr_off_t size_of(const ctl_t *c, const char *id, const char *name)
{
    struct stat st;

    return lstat(bits_session_file(c->store, id, name, c->pool), &st) == 0
           ? (apr_off_t)st.st_size : -1;
}

int cmd_show(ctl_t *c, const char *arg)
{
    const char *id = session_id_arg(arg, c->pool);
    apr_pool_t *p = c->pool;
    bits_session_t s;
    apr_status_t rv = bits_session_load(&s, c->store, id, p);
    apr_off_t data = size_of(c, id, BITS_REQUEST_FILE);
    int indexed;

    if (APR_STATUS_IS_ENOENT(rv) || APR_STATUS_IS_ENOTDIR(rv)) {
        err("no session %s in %s", id, c->store);
        return EXIT_NO_SESSION;
    }
    if (rv != APR_SUCCESS) {
        err("the record of %s cannot be loaded: %s (bitsctl verify says more)", id,
            rv == APR_EINVAL ? "malformed" : apr_err(rv, p));
        return EXIT_STORE;
    }
    indexed = bits_index_has(c->store, s.owner_key, id, p);
    if (c->json) {
        const char *obj = session_json(c, &s, p);
        /* The record's object, plus what the store holds for it. */
        printf("%.*s, \"data_bytes\": %s, \"indexed\": %s, \"final_status\": %d, "
               "\"final_code\": %s}\n", (int)strlen(obj) - 1, obj,
               data >= 0 ? apr_off_t_toa(p, data) : "null", indexed ? "true" : "false",
               s.final_ack.status,
               s.final_ack.status ? json_str(apr_psprintf(p, "0x%08X", s.final_ack.code), p)
                                  : "null");
        return EXIT_OK;
    }
    printf("id:            %s\n", s.id);
    printf("state:         %s\n", bits_state_name(s.state));
    printf("owner:         %s (counted as %s)\n", *s.owner ? s.owner : "(anonymous)",
           s.owner_key);
    printf("vhost:         %s\n", s.vhost && *s.vhost ? s.vhost : "(any)");
    printf("url:           %s\n", s.dest_url ? s.dest_url : "");
    printf("destination:   %s\n", s.dest_path);
    printf("received:      %s\n", progress_text(&s, p));
    printf("data file:     %s\n", data >= 0 ? apr_psprintf(p, "%" APR_OFF_T_FMT " bytes",
                                                          data) : "none");
    printf("created:       %s ago\n", human_age(c->now - s.created, p));
    printf("last activity: %s ago\n", human_age(c->now - s.last_activity, p));
    printf("index entry:   %s\n", bits_state_is_terminal(s.state) ? "none (ended)"
                                  : indexed ? "yes" : "MISSING");
    printf("notification:  type %d%s\n", s.notify_type,
           s.notify_failures ? apr_psprintf(p, ", %d failed in a row", s.notify_failures)
                             : "");
    printf("published:     %s\n", s.published ? "yes" : "no");
    if (s.final_ack.status)
        printf("outcome:       %d%s\n", s.final_ack.status, s.final_ack.status == 200 ? ""
               : apr_psprintf(p, " 0x%08X", s.final_ack.code));
    if (s.reply_url && *s.reply_url)
        printf("reply url:     %s\n", s.reply_url);
    return EXIT_OK;
}
