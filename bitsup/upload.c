/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The upload job: Ping, Create-Session, Fragments, (reply download),
 * Close-Session (spec §1.3, §4), resuming a session remembered in the state
 * file.  The server's BITS-Received-Content-Range after every 200 and 416
 * decides where the next fragment starts (spec §7.5). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bitsup.h"

/* Sessions the server forgot are started over at most this often, so a
 * server that forgets every session cannot keep us busy for ever. */
#define MAX_RESTARTS 3

struct job {
    const struct options *opt;
    struct conn conn;
    int fd;
    long long size;
    char *url;
    char *shown_url;           /* url without credentials: output, state key */
    char name[262];            /* Content-Name, empty when unsuitable */
    struct state_key key;
    int have_key;
    struct upload_state st;
    long long fragment;
    int restarts;
    struct bits_ack ack;
};

static void save(struct job *j)
{
    if (j->have_key && state_save(&j->key, &j->st))
        report_info("warning: cannot write the state file %s", j->key.path);
}

static int open_file(struct job *j)
{
    struct stat sb;
    char real[PATH_MAX];
    j->fd = open(j->opt->file, O_RDONLY | O_CLOEXEC);
    if (j->fd < 0) {
        report_error("cannot open %s: %s", j->opt->file, strerror(errno));
        return EXIT_LOCAL;
    }
    if (fstat(j->fd, &sb) || !S_ISREG(sb.st_mode)) {
        report_error("%s is not a regular file", j->opt->file);
        return EXIT_LOCAL;
    }
    j->size = sb.st_size;
    if (!realpath(j->opt->file, real))
        snprintf(real, sizeof real, "%s", j->opt->file);
    j->have_key = !state_key_make(&j->key, j->opt, j->shown_url, real, sb.st_dev, sb.st_ino,
                                  sb.st_size, (long long)sb.st_mtim.tv_sec * 1000000000LL
                                  + sb.st_mtim.tv_nsec);
    return EXIT_DONE;
}

/* Content-Name is informational (spec §3.1); sent only when it is a
 * plain name Windows could have sent. */
static void choose_content_name(struct job *j)
{
    const char *base = file_base_name(j->opt->file);
    const unsigned char *p;
    j->name[0] = '\0';
    if (strlen(base) > 260)
        return;
    for (p = (const unsigned char *)base; *p; p++)
        if (*p < 0x20 || *p >= 0x7f || strchr("\\/:*?\"<>|", *p))
            return;
    snprintf(j->name, sizeof j->name, "%s", base);
}

static const char *content_name(const struct job *j)
{
    return j->name[0] ? j->name : NULL;
}

static int ping(struct job *j)
{
    int rc = conn_send(&j->conn, "Ping", NULL, NULL, NULL, NULL, &j->ack);
    if (rc != EXIT_DONE)
        return rc;
    if (j->ack.status != 200 || !j->ack.is_ack)
        return exit_for_answer(&j->ack, "Ping");
    return EXIT_DONE;
}

static int create_session(struct job *j)
{
    struct bits_ack *a = &j->ack;
    int rc = conn_send(&j->conn, "Create-Session", NULL, content_name(j), NULL, NULL, a);
    if (rc != EXIT_DONE)
        return rc;
    /* The SDK allows 201 as well as 200 for Create-Session. */
    if ((a->status != 200 && a->status != 201) || !a->is_ack)
        return exit_for_answer(a, "Create-Session");
    if (!a->session_id[0] || strcasecmp(a->protocol, BITS_PROTOCOL_GUID)) {
        report_error("Create-Session: the server %s",
                     a->session_id[0] ? "chose an unknown protocol" : "sent no session id");
        return EXIT_REFUSED;
    }
    memset(&j->st, 0, sizeof j->st);
    snprintf(j->st.session_id, sizeof j->st.session_id, "%s", a->session_id);
    snprintf(j->st.host_id, sizeof j->st.host_id, "%s", a->host_id);
    j->st.fallback_timeout = a->fallback_timeout;
    save(j);
    report_field("session_id", j->st.session_id);
    report_out("session %s\n", j->st.session_id);
    if (j->st.host_id[0]) {
        if (conn_pin(&j->conn, j->st.host_id, j->st.fallback_timeout))
            return EXIT_REFUSED;
        report_info("session pinned to host %s", j->st.host_id);
        return ping(j);
    }
    return EXIT_DONE;
}

/* A new session on the original host, from byte 0. */
static int start_over(struct job *j)
{
    if (++j->restarts > MAX_RESTARTS) {
        report_error("the server forgot the session %d times; giving up", MAX_RESTARTS);
        return EXIT_REFUSED;
    }
    report_info("the server does not know session %s; starting over", j->st.session_id);
    free(j->conn.target);
    j->conn.target = strdup(j->url);
    j->conn.fallback_timeout = -1;
    return create_session(j);
}

static int send_fragment(struct job *j, long long first, long long last)
{
    char range[96];
    struct body_source body = { j->fd, (off_t)first, (off_t)(last - first + 1), 0 };
    if (j->size == 0) {
        /* The empty entity in the form the client state machine produces
         * (spec §3.4 rule 6, §17.8). */
        snprintf(range, sizeof range, "bytes 0--1/0");
    } else {
        snprintf(range, sizeof range, "bytes %lld-%lld/%lld", first, last, j->size);
    }
    return conn_send(&j->conn, "Fragment", j->st.session_id, content_name(j), range,
                     &body, &j->ack);
}

/* A 200 or 416: move to where the server says it is. */
static int follow_received(struct job *j, long long first, long long last)
{
    struct bits_ack *a = &j->ack;
    long long n = a->received;
    if (n < 0)
        n = a->status == 200 ? last + 1 : first;   /* IIS may omit it on 200 */
    if (n > j->size) {
        report_error("the server claims %lld bytes of a %lld-byte file", n, j->size);
        return EXIT_REFUSED;
    }
    j->st.offset = n;
    if (a->reply_url[0])
        snprintf(j->st.reply_url, sizeof j->st.reply_url, "%s", a->reply_url);
    save(j);
    report_fragment(first, last, j->size, n);
    return EXIT_DONE;
}

/* After 413: the same bytes in smaller pieces, never below 5 KB (§3.5). */
static int shrink(struct job *j)
{
    if (j->fragment <= MIN_FRAGMENT) {
        report_error("the server refuses fragments of %lld bytes (413)", j->fragment);
        return EXIT_REFUSED;
    }
    j->fragment /= 2;
    if (j->fragment < MIN_FRAGMENT)
        j->fragment = MIN_FRAGMENT;
    report_info("413 from the server: fragment size now %lld bytes", j->fragment);
    return EXIT_DONE;
}

static int upload_fragments(struct job *j)
{
    long long first, last, before;
    int rc, stalls = 0;
    /* A resumed session the server may already hold whole: resending the
     * last fragment brings back the completion Ack and its reply URL. */
    if (j->size > 0 && j->st.offset >= j->size)
        j->st.offset = j->size > j->fragment ? j->size - j->fragment : 0;
    for (;;) {
        first = j->st.offset;
        last = first + j->fragment > j->size ? j->size - 1 : first + j->fragment - 1;
        before = j->st.offset;
        rc = send_fragment(j, first, last);
        if (rc != EXIT_DONE)
            return rc;
        if ((j->ack.status == 200 || j->ack.status == 416) && j->ack.is_ack) {
            if ((rc = follow_received(j, first, last)) != EXIT_DONE)
                return rc;
            if (j->ack.status == 200 && j->st.offset >= j->size)
                return EXIT_DONE;
            /* A server that keeps answering without moving is waited for. */
            if (j->st.offset <= before && ++stalls > 2
                && !backoff_wait(&j->conn.backoff, "the server makes no progress"))
                return EXIT_GAVE_UP;
            if (j->st.offset > before)
                stalls = 0;
        } else if (j->ack.status == 413) {
            if ((rc = shrink(j)) != EXIT_DONE)
                return rc;
        } else if (j->ack.has_error && j->ack.error_code == HR_SESSION_NOT_FOUND) {
            if ((rc = start_over(j)) != EXIT_DONE)
                return rc;
        } else {
            return exit_for_answer(&j->ack, "Fragment");
        }
    }
}

static int close_session(struct job *j)
{
    int rc = conn_send(&j->conn, "Close-Session", j->st.session_id, content_name(j),
                       NULL, NULL, &j->ack);
    if (rc != EXIT_DONE)
        return rc;
    if (j->ack.status == 200)
        return EXIT_DONE;
    /* Every byte was acknowledged; a forgotten session at this point
     * means the server already finished it. */
    if (j->ack.has_error && j->ack.error_code == HR_SESSION_NOT_FOUND) {
        report_info("warning: Close-Session: the server had already closed the session");
        return EXIT_DONE;
    }
    return exit_for_answer(&j->ack, "Close-Session");
}

static int fetch_reply(struct job *j)
{
    char *abs;
    int rc;
    if (!j->st.reply_url[0])
        return EXIT_DONE;
    abs = url_resolve(j->url, j->st.reply_url);
    if (!abs) {
        report_error("unusable BITS-Reply-URL: %s", j->st.reply_url);
        return EXIT_REFUSED;
    }
    report_field("reply_url", abs);
    if (!j->opt->output) {
        report_out("reply %s\n", abs);
        free(abs);
        return EXIT_DONE;
    }
    rc = download_reply(j->conn.http, j->opt, abs);
    if (rc == EXIT_DONE)
        report_field("reply_file", j->opt->output);
    free(abs);
    return rc;
}

static int resume_or_create(struct job *j)
{
    int rc;
    if (j->have_key && state_load(&j->key, &j->st)) {
        report_info("resuming session %s at byte %lld", j->st.session_id, j->st.offset);
        report_field("session_id", j->st.session_id);
        report_out("session %s (resumed)\n", j->st.session_id);
        if (j->st.host_id[0] && conn_pin(&j->conn, j->st.host_id, j->st.fallback_timeout))
            return EXIT_REFUSED;
        return ping(j);
    }
    if ((rc = ping(j)) != EXIT_DONE)
        return rc;
    return create_session(j);
}

static int auth_refused(const struct bits_ack *a)
{
    return a->status == 401 || a->status == 407;
}

static int run_job(struct job *j)
{
    int rc;
    if ((rc = resume_or_create(j)) != EXIT_DONE)
        return rc;
    if ((rc = upload_fragments(j)) != EXIT_DONE)
        return rc;
    if ((rc = fetch_reply(j)) != EXIT_DONE)
        return rc;
    return close_session(j);
}

int run_upload(const struct options *opt)
{
    struct job j;
    char err[512];
    int rc;
    memset(&j, 0, sizeof j);
    j.opt = opt;
    j.fd = -1;
    j.fragment = opt->fragment_size;
    report_init(opt, 0);
    if (!url_check(opt->url, err, sizeof err)) {
        report_error("%s", err);
        return EXIT_USAGE;
    }
    j.url = url_for_file(opt->url, opt->file);
    j.shown_url = url_redacted(j.url);
    if (!j.url || !j.shown_url) {
        report_error("out of memory");
        return EXIT_LOCAL;
    }
    report_field("url", j.shown_url);
    report_field("file", opt->file);
    rc = open_file(&j);
    if (rc == EXIT_DONE) {
        report_init(opt, j.size);
        report_number("bytes", j.size);
        choose_content_name(&j);
        rc = conn_open(&j.conn, opt, j.url, j.shown_url) ? EXIT_LOCAL : run_job(&j);
        conn_close(&j.conn);
    }
    /* A refused job cannot be continued; network trouble can, and so can a
     * job whose credentials were refused (the session is still the
     * owner's: run again with the right ones). */
    if (j.have_key && rc == EXIT_REFUSED && auth_refused(&j.ack) && j.st.session_id[0])
        report_info("session %s is kept: run again with the right credentials to "
                    "continue it", j.st.session_id);
    else if (j.have_key && rc != EXIT_GAVE_UP && rc != EXIT_LOCAL && rc != EXIT_TLS)
        state_forget(&j.key);
    if (j.fd >= 0)
        close(j.fd);
    if (rc == EXIT_DONE)
        report_out("uploaded %s to %s (%lld bytes)\n", opt->file, j.shown_url, j.size);
    report_finish(rc, rc == EXIT_DONE ? "uploaded" : "failed");
    free(j.url);
    free(j.shown_url);
    return rc;
}
