/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Checking a session store without changing it (bitsctl verify).  The
 * rules are the ones the writers keep: a live session's request file holds
 * at least the bytes its record names (the data is synced before the
 * record), an ended one keeps only its state and lock, every live session
 * has its index entry and every entry a live session, and nothing in the
 * store is another user's or readable by others. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_strings.h>
#include "bits_verify.h"
#include "bits_cleanup.h"
#include "bits_guid.h"
#include "bits_index.h"
#include "bits_journal.h"
#include "bits_owner.h"
#include "bits_progress.h"
#include "bits_session.h"

typedef struct {
    const char *store;
    apr_size_t store_len;
    uid_t owner;
    apr_interval_time_t grace;
    apr_time_t now;
    bits_claims_t *claims;
    bits_verify_fn fn;
    void *baton;
    bits_verify_stats_t *stats;
} verify_t;

static void problem(verify_t *v, const char *kind, const char *id, const char *path,
                    const char *detail)
{
    bits_problem_t pb;

    pb.kind = kind;
    pb.id = id;
    /* Paths relative to the store read better and do not depend on it. */
    pb.path = path && !strncmp(path, v->store, v->store_len) && path[v->store_len] == '/'
              ? path + v->store_len + 1 : path;
    pb.detail = detail;
    v->stats->problems++;
    v->fn(v->baton, &pb);
}

static int canonical_id(const char *name)
{
    char id[BITS_GUID_LEN + 1];

    return bits_guid_canonical(name, id) && !strcmp(id, name);
}

/* ---- owners and modes of everything ------------------------------------- */

/* Replies/<ID>/ is the one place the session group may write (spec §11.3). */
static int group_may_write(verify_t *v, const char *path)
{
    const char *rel = path + v->store_len;

    return !strncmp(rel, "/" BITS_REPLIES_DIR "/", sizeof BITS_REPLIES_DIR + 1)
           && !strchr(rel + sizeof BITS_REPLIES_DIR + 1, '/');
}

static void check_access(verify_t *v, const char *path, const struct stat *st,
                         apr_pool_t *p)
{
    if (S_ISLNK(st->st_mode)) {
        /* (A link's own mode and owner mean nothing.) */
        problem(v, BITS_PROBLEM_PERMISSIONS, NULL, path,
                "a symbolic link: the store holds none (the module never follows one)");
        return;
    }
    if (!S_ISDIR(st->st_mode) && !S_ISREG(st->st_mode))
        problem(v, BITS_PROBLEM_PERMISSIONS, NULL, path,
                "neither a file nor a directory");
    if (st->st_uid != v->owner)
        problem(v, BITS_PROBLEM_PERMISSIONS, NULL, path,
                apr_psprintf(p, "owned by uid %lu, not by the store's owner (uid %lu)",
                             (unsigned long)st->st_uid, (unsigned long)v->owner));
    if (st->st_mode & (S_IROTH | S_IWOTH | S_IXOTH))
        problem(v, BITS_PROBLEM_PERMISSIONS, NULL, path,
                apr_psprintf(p, "open to other users (mode %04o)",
                             (unsigned)(st->st_mode & 07777)));
    else if ((st->st_mode & S_IWGRP) && !(S_ISDIR(st->st_mode) && group_may_write(v, path)))
        problem(v, BITS_PROBLEM_PERMISSIONS, NULL, path,
                apr_psprintf(p, "writable by its group (mode %04o)",
                             (unsigned)(st->st_mode & 07777)));
}

/* Every entry below dir, depth first, never through a symlink. */
static void check_tree(verify_t *v, const char *dir, apr_pool_t *p)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (!d) {
        problem(v, BITS_PROBLEM_PERMISSIONS, NULL, dir, "cannot be read");
        return;
    }
    while ((e = readdir(d)) != NULL) {
        const char *path;
        struct stat st;

        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        path = apr_pstrcat(p, dir, "/", e->d_name, NULL);
        if (lstat(path, &st) != 0)
            continue;       /* gone meanwhile: a request at work */
        check_access(v, path, &st, p);
        if (S_ISDIR(st.st_mode))
            check_tree(v, path, p);
    }
    closedir(d);
}

/* ---- the sessions -------------------------------------------------------- */

/* Size of a regular file, -1 if there is none (a symlink counts as none:
 * the tree check reports it). */
static apr_off_t file_size(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0 && S_ISREG(st.st_mode) ? (apr_off_t)st.st_size : -1;
}

static void check_data(verify_t *v, const bits_session_t *s, apr_pool_t *p)
{
    const char *path = bits_session_file(v->store, s->id, BITS_REQUEST_FILE, p);
    apr_off_t size = file_size(path);

    if (bits_state_is_terminal(s->state)) {
        if (size >= 0)
            problem(v, BITS_PROBLEM_TOMBSTONE, s->id, path,
                    apr_psprintf(p, "the session is %s but its data is still here "
                                 "(an interrupted tombstone; the sweep removes it)",
                                 bits_state_name(s->state)));
        return;
    }
    /* DONE and REFUSED sessions may have handed their data on already. */
    if (size < 0 && (s->state == BITS_STATE_RECEIVING || s->state == BITS_STATE_COMPLETING))
        problem(v, BITS_PROBLEM_DATA, s->id, path,
                apr_psprintf(p, "the request file is missing; the record says %"
                             APR_OFF_T_FMT " bytes are held", s->received));
    else if (size >= 0 && size < s->received)
        problem(v, BITS_PROBLEM_DATA, s->id, path,
                apr_psprintf(p, "the request file holds %" APR_OFF_T_FMT " bytes, "
                             "the record says %" APR_OFF_T_FMT " are held",
                             size, s->received));
}

static void check_progress(verify_t *v, const bits_session_t *s, apr_pool_t *p)
{
    const char *path = bits_session_file(v->store, s->id, BITS_PROGRESS_FILE, p);
    unsigned char buf[BITS_PROGRESS_SIZE];
    apr_off_t size = file_size(path);
    ssize_t len;
    int fd, i;

    if (size < 0)
        return;
    if (bits_state_is_terminal(s->state)) {
        problem(v, BITS_PROBLEM_TOMBSTONE, s->id, path,
                apr_psprintf(p, "the session is %s but its progress record is still "
                             "here", bits_state_name(s->state)));
        return;
    }
    if (size > BITS_PROGRESS_SIZE)
        problem(v, BITS_PROBLEM_PROGRESS, s->id, path,
                apr_psprintf(p, "%" APR_OFF_T_FMT " bytes long; a progress record has "
                             "%d", size, BITS_PROGRESS_SIZE));
    if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return;
    len = pread(fd, buf, sizeof buf, 0);
    close(fd);
    for (i = 0; len > 0 && i < BITS_PROGRESS_SLOTS; i++) {
        const unsigned char *slot = buf + i * BITS_PROGRESS_SLOT;
        apr_size_t have = (apr_size_t)len > (apr_size_t)i * BITS_PROGRESS_SLOT
                          ? (apr_size_t)len - (apr_size_t)i * BITS_PROGRESS_SLOT : 0;
        bits_progress_t rec;

        if (have == 0)
            break;
        if (have < BITS_PROGRESS_SLOT)
            problem(v, BITS_PROBLEM_PROGRESS, s->id, path,
                    apr_psprintf(p, "slot %d is cut short (%lu of %d bytes)", i,
                                 (unsigned long)have, BITS_PROGRESS_SLOT));
        else if (!bits_progress_decode(&rec, slot))
            problem(v, BITS_PROBLEM_PROGRESS, s->id, path,
                    apr_psprintf(p, "slot %d fails its check (a write torn by a crash, "
                                 "or damage): the other slot counts", i));
        else if (strcmp(rec.id, s->id) != 0)
            problem(v, BITS_PROBLEM_PROGRESS, s->id, path,
                    apr_psprintf(p, "slot %d belongs to session %s", i, rec.id));
        else if (s->total >= 0 && rec.total >= 0 && rec.total != s->total)
            problem(v, BITS_PROBLEM_PROGRESS, s->id, path,
                    apr_psprintf(p, "slot %d is of an upload of %" APR_OFF_T_FMT " bytes, "
                                 "not %" APR_OFF_T_FMT, i, rec.total, s->total));
        else if (s->total >= 0 && rec.received > s->total)
            problem(v, BITS_PROBLEM_PROGRESS, s->id, path,
                    apr_psprintf(p, "slot %d names %" APR_OFF_T_FMT " bytes, more than "
                                 "the total %" APR_OFF_T_FMT, i, rec.received, s->total));
    }
}

/* Files of a session directory: the record, its progress, the data, the
 * lock; anything else is left over. */
static void check_session_files(verify_t *v, const char *id, apr_pool_t *p)
{
    static const char *const ours[] = {
        BITS_STATE_FILE, BITS_PROGRESS_FILE, BITS_REQUEST_FILE, BITS_LOCK_FILE
    };
    const char *dir = bits_session_dir(v->store, id, p);
    DIR *d = opendir(dir);
    struct dirent *e;

    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        unsigned i;
        int known = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");

        for (i = 0; !known && i < sizeof ours / sizeof *ours; i++)
            known = !strcmp(e->d_name, ours[i]);
        if (!known)
            problem(v, BITS_PROBLEM_ORPHAN, id, apr_pstrcat(p, dir, "/", e->d_name, NULL),
                    !strncmp(e->d_name, BITS_STATE_FILE ".tmp.", sizeof BITS_STATE_FILE + 4)
                    ? "the temporary file of an interrupted record write"
                    : "not a file of a session");
    }
    closedir(d);
}

static void check_session(verify_t *v, const char *id, apr_pool_t *p)
{
    const char *dir = bits_session_dir(v->store, id, p);
    bits_session_t s;
    bits_lock_t *lk = NULL;
    struct stat st;
    apr_status_t rv;

    v->stats->sessions++;
    rv = bits_lock_acquire_existing(&lk, v->claims,
                                    bits_session_file(v->store, id, BITS_LOCK_FILE, p),
                                    id, 0, p);
    if (rv == APR_TIMEUP) {
        v->stats->busy++;
        return;
    }
    if (rv != APR_SUCCESS)
        lk = NULL;          /* never locked (no lock file): nobody at work */
    check_session_files(v, id, p);
    rv = bits_session_load(&s, v->store, id, p);
    if (APR_STATUS_IS_ENOENT(rv)) {
        if (lstat(dir, &st) == 0 && v->now - apr_time_from_sec(st.st_mtime) > v->grace)
            problem(v, BITS_PROBLEM_RECORD, id, dir, "a session directory without a "
                    "record (an interrupted Create-Session; the sweep removes it)");
    }
    else if (rv != APR_SUCCESS) {
        char err[120];
        problem(v, BITS_PROBLEM_RECORD, id,
                bits_session_file(v->store, id, BITS_STATE_FILE, p),
                apr_psprintf(p, "the record cannot be loaded: %s",
                             rv == APR_EINVAL ? "malformed"
                             : apr_strerror(rv, err, sizeof err)));
    }
    else {
        check_data(v, &s, p);
        check_progress(v, &s, p);
        if (!bits_owner_key_ok(s.owner_key))
            problem(v, BITS_PROBLEM_RECORD, id,
                    bits_session_file(v->store, id, BITS_STATE_FILE, p),
                    "its owner key is not a valid name");
        else if (!bits_state_is_terminal(s.state)
                 && !bits_index_has(v->store, s.owner_key, id, p))
            problem(v, BITS_PROBLEM_INDEX, id,
                    apr_pstrcat(p, v->store, "/" BITS_INDEX_DIR "/", s.owner_key, "/",
                                id, NULL),
                    "a live session without its index entry (the sweep adds it)");
    }
    if (lk)
        bits_lock_release(lk);
}

/* ---- the directories ----------------------------------------------------- */

typedef void (*entry_fn)(verify_t *v, const char *dir, const char *name,
                         const struct stat *st, apr_pool_t *p);

/* Calls fn for every entry of dir (a missing dir has none). */
static void for_each(verify_t *v, const char *dir, entry_fn fn, apr_pool_t *p)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    apr_pool_t *iter;

    if (!d)
        return;
    apr_pool_create(&iter, p);
    while ((e = readdir(d)) != NULL) {
        struct stat st;

        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        apr_pool_clear(iter);
        if (lstat(apr_pstrcat(iter, dir, "/", e->d_name, NULL), &st) == 0)
            fn(v, dir, e->d_name, &st, iter);
    }
    apr_pool_destroy(iter);
    closedir(d);
}

static void root_entry(verify_t *v, const char *dir, const char *name,
                       const struct stat *st, apr_pool_t *p)
{
    static const char *const ours[] = {
        BITS_REQUESTS_DIR, BITS_REPLIES_DIR, BITS_INDEX_DIR, BITS_JOURNAL_DIR,
        BITS_SWEEP_STAMP_FILE, BITS_SWEEP_LOCK_FILE
    };
    unsigned i;

    (void)st;
    for (i = 0; i < sizeof ours / sizeof *ours; i++)
        if (!strcmp(name, ours[i]))
            return;
    problem(v, BITS_PROBLEM_ORPHAN, NULL, apr_pstrcat(p, dir, "/", name, NULL),
            "not part of a session store");
}

static void request_entry(verify_t *v, const char *dir, const char *name,
                          const struct stat *st, apr_pool_t *p)
{
    if (S_ISDIR(st->st_mode) && canonical_id(name))
        check_session(v, name, p);
    else
        problem(v, BITS_PROBLEM_ORPHAN, NULL, apr_pstrcat(p, dir, "/", name, NULL),
                "not a session directory");
}

/* A reply belongs to a session that has not ended (the tombstone removes it). */
static void reply_entry(verify_t *v, const char *dir, const char *name,
                        const struct stat *st, apr_pool_t *p)
{
    bits_session_t s;

    if (!S_ISDIR(st->st_mode) || !canonical_id(name))
        problem(v, BITS_PROBLEM_ORPHAN, NULL, apr_pstrcat(p, dir, "/", name, NULL),
                "not a reply directory");
    else if (bits_session_load(&s, v->store, name, p) != APR_SUCCESS)
        problem(v, BITS_PROBLEM_ORPHAN, name, apr_pstrcat(p, dir, "/", name, NULL),
                "the reply of a session that does not exist");
    else if (bits_state_is_terminal(s.state))
        problem(v, BITS_PROBLEM_TOMBSTONE, name, apr_pstrcat(p, dir, "/", name, NULL),
                apr_psprintf(p, "the reply of a session that is %s",
                             bits_state_name(s.state)));
}

static void index_file_entry(verify_t *v, const char *dir, const char *name,
                             const struct stat *st, apr_pool_t *p)
{
    if (!(S_ISREG(st->st_mode) && (canonical_id(name)
                                   || !strcmp(name, BITS_INDEX_LOCK_FILE))))
        problem(v, BITS_PROBLEM_ORPHAN, NULL, apr_pstrcat(p, dir, "/", name, NULL),
                "not an index entry");
}

static void index_entry(verify_t *v, const char *dir, const char *name,
                        const struct stat *st, apr_pool_t *p)
{
    const char *path = apr_pstrcat(p, dir, "/", name, NULL);

    if (S_ISDIR(st->st_mode) && bits_owner_key_ok(name))
        for_each(v, path, index_file_entry, p);
    else
        problem(v, BITS_PROBLEM_ORPHAN, NULL, path, "not an owner's index directory");
}

typedef struct {
    verify_t *v;
    apr_pool_t *p;
} stale_t;

static int stale_entry(void *baton, const char *key, const char *id)
{
    stale_t *st = baton;

    problem(st->v, BITS_PROBLEM_INDEX, id,
            apr_pstrcat(st->p, st->v->store, "/" BITS_INDEX_DIR "/", key, "/", id, NULL),
            "an index entry without a live session of this owner (the sweep drops it)");
    return 0;
}

apr_status_t bits_verify_store(const char *store, apr_interval_time_t grace,
                               bits_claims_t *claims, apr_time_t now,
                               bits_verify_fn fn, void *baton,
                               bits_verify_stats_t *stats, apr_pool_t *p)
{
    verify_t v;
    stale_t stale;
    struct stat st;

    memset(stats, 0, sizeof *stats);
    if (lstat(store, &st) != 0)
        return APR_FROM_OS_ERROR(errno);
    if (!S_ISDIR(st.st_mode))
        return APR_ENOTDIR;
    v.store = store;
    v.store_len = strlen(store);
    v.owner = st.st_uid;
    v.grace = grace;
    v.now = now;
    v.claims = claims;
    v.fn = fn;
    v.baton = baton;
    v.stats = stats;
    stale.v = &v;
    stale.p = p;

    check_tree(&v, store, p);
    for_each(&v, store, root_entry, p);
    for_each(&v, apr_pstrcat(p, store, "/" BITS_REQUESTS_DIR, NULL), request_entry, p);
    for_each(&v, apr_pstrcat(p, store, "/" BITS_REPLIES_DIR, NULL), reply_entry, p);
    for_each(&v, apr_pstrcat(p, store, "/" BITS_INDEX_DIR, NULL), index_entry, p);
    bits_index_stale(store, grace, now, stale_entry, &stale, p);
    return APR_SUCCESS;
}
