/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Session records on disk: a small versioned key=value file per session,
 * replaced atomically, next to the upload it describes. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <strings.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_portable.h>
#include "bits_session.h"
#include "bits_fileio.h"
#include "bits_owner.h"
#include "bits_progress.h"

#define STATE_VERSION_LINE "BITS-Session 1"
#define STATE_MAX_SIZE     (64 * 1024)

static const char *const state_names[] = {
    "RECEIVING", "COMPLETING", "DONE", "REFUSED", "CLOSED", "CANCELLED", "EXPIRED"
};

const char *bits_state_name(bits_state_t s)
{
    return (unsigned)s < sizeof state_names / sizeof *state_names
           ? state_names[s] : "UNKNOWN";
}

/* Values may hold any byte: '%', controls and non-ASCII are %XX-escaped so
 * that one line is always one field. */
static const char *escape(const char *v, apr_pool_t *p)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = apr_palloc(p, 3 * strlen(v ? v : "") + 1), *o = out;

    for (; v && *v; v++) {
        unsigned char c = (unsigned char)*v;
        if (c < 0x21 || c > 0x7e || c == '%') {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
        else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return out;
}

static int hexval(char c)
{
    return apr_isdigit(c) ? c - '0' : apr_isxdigit(c) ? apr_toupper(c) - 'A' + 10 : -1;
}

static const char *unescape(const char *v, apr_pool_t *p)
{
    char *out = apr_palloc(p, strlen(v) + 1), *o = out;

    for (; *v; v++) {
        int hi, lo;
        if (*v == '%' && (hi = hexval(v[1])) >= 0 && (lo = hexval(v[2])) >= 0) {
            *o++ = (char)(hi * 16 + lo);
            v += 2;
        }
        else if (*v == '%') {
            return NULL;
        }
        else {
            *o++ = *v;
        }
    }
    *o = '\0';
    return out;
}

const char *bits_session_serialize(const bits_session_t *s, apr_pool_t *p)
{
    return apr_psprintf(p,
        STATE_VERSION_LINE "\n"
        "id=%s\nstate=%s\nowner=%s\ndest_url=%s\ndest_path=%s\n"
        "notify_type=%d\nallow_overwrites=%d\n"
        "max_upload=%" APR_OFF_T_FMT "\ntotal=%" APR_OFF_T_FMT "\n"
        "received=%" APR_OFF_T_FMT "\ncopy_to_dest=%d\npublished=%d\n"
        "publish_ino=%" APR_UINT64_T_FMT "\n"
        "final_status=%d\nfinal_code=%u\nfinal_context=%d\n"
        "reply_url=%s\nstatic_reply=%d\n"
        "created=%" APR_TIME_T_FMT "\nlast_activity=%" APR_TIME_T_FMT "\n"
        "owner_key=%s\nnotify_failures=%d\nnotify_after=%" APR_TIME_T_FMT "\n"
        "vhost=%s\nclient_ip=%s\n",
        s->id, bits_state_name(s->state), escape(s->owner, p),
        escape(s->dest_url, p), escape(s->dest_path, p),
        s->notify_type, s->allow_overwrites,
        s->max_upload, s->total, s->received, s->copy_to_dest, s->published,
        (apr_uint64_t)s->publish_ino,
        s->final_ack.status, s->final_ack.code, s->final_ack.context,
        escape(s->reply_url, p), s->static_reply, s->created, s->last_activity,
        escape(s->owner_key, p), s->notify_failures, s->notify_after,
        escape(s->vhost, p), escape(s->client_ip, p));
}

/* Strict signed decimal (the record only holds what we wrote). */
static int parse_i64(const char *v, apr_int64_t *out)
{
    char *end;

    if (!*v || (!apr_isdigit(*v) && !(*v == '-' && apr_isdigit(v[1]))))
        return -1;
    errno = 0;
    *out = apr_strtoi64(v, &end, 10);
    return (*end || errno) ? -1 : 0;
}

/* Strict unsigned decimal: an inode number may use all 64 bits (NFS,
 * overlayfs), which the signed parser would refuse. */
static int parse_u64(const char *v, apr_uint64_t *out)
{
    apr_uint64_t n = 0;

    if (!apr_isdigit(*v))
        return -1;
    for (; apr_isdigit(*v); v++) {
        if (n > (APR_UINT64_MAX - (apr_uint64_t)(*v - '0')) / 10)
            return -1;
        n = n * 10 + (apr_uint64_t)(*v - '0');
    }
    if (*v)
        return -1;
    *out = n;
    return 0;
}

static int parse_state(const char *v, bits_state_t *out)
{
    unsigned i;

    for (i = 0; i < sizeof state_names / sizeof *state_names; i++) {
        if (!strcmp(v, state_names[i])) {
            *out = (bits_state_t)i;
            return 0;
        }
    }
    return -1;
}

/* One key=value line into the record; -1 if a known key has a bad value. */
static int parse_field(bits_session_t *s, const char *key, const char *val,
                       apr_pool_t *p)
{
    const char **str = NULL;
    apr_int64_t n = 0;
    int numeric = 1;

    if (!strcmp(key, "id"))
        return bits_guid_canonical(val, s->id) ? 0 : -1;
    if (!strcmp(key, "state"))
        return parse_state(val, &s->state);
    if (!strcmp(key, "owner"))          str = &s->owner;
    else if (!strcmp(key, "dest_url"))  str = &s->dest_url;
    else if (!strcmp(key, "dest_path")) str = &s->dest_path;
    else if (!strcmp(key, "reply_url")) str = &s->reply_url;
    else if (!strcmp(key, "owner_key")) str = &s->owner_key;
    else if (!strcmp(key, "vhost"))     str = &s->vhost;
    else if (!strcmp(key, "client_ip")) str = &s->client_ip;
    if (str)
        return (*str = unescape(val, p)) ? 0 : -1;
    if (!strcmp(key, "publish_ino")) {
        apr_uint64_t ino;
        if (parse_u64(val, &ino) != 0)
            return -1;
        s->publish_ino = (apr_ino_t)ino;
        return 0;
    }

    if (parse_i64(val, &n) != 0)
        numeric = 0;
#define NUM(name, field, type) \
    if (!strcmp(key, name)) { if (!numeric) return -1; s->field = (type)n; return 0; }
    NUM("notify_type", notify_type, int)
    NUM("allow_overwrites", allow_overwrites, int)
    NUM("max_upload", max_upload, apr_off_t)
    NUM("total", total, apr_off_t)
    NUM("received", received, apr_off_t)
    NUM("copy_to_dest", copy_to_dest, int)
    NUM("published", published, int)
    NUM("final_status", final_ack.status, int)
    NUM("final_code", final_ack.code, unsigned int)
    NUM("final_context", final_ack.context, int)
    NUM("static_reply", static_reply, int)
    NUM("created", created, apr_time_t)
    NUM("last_activity", last_activity, apr_time_t)
    NUM("notify_failures", notify_failures, int)
    NUM("notify_after", notify_after, apr_time_t)
#undef NUM
    return 0;   /* unknown key: written by a newer version, ignore */
}

apr_status_t bits_session_parse(bits_session_t *s, const char *text,
                                apr_size_t len, apr_pool_t *p)
{
    char *copy = apr_pstrmemdup(p, text, len), *line, *last;
    int first = 1;

    memset(s, 0, sizeof *s);
    s->total = -1;
    s->max_upload = -1;
    if (memchr(text, '\0', len))
        return APR_EINVAL;
    for (line = apr_strtok(copy, "\n", &last); line;
         line = apr_strtok(NULL, "\n", &last)) {
        char *eq;
        if (first) {
            if (strcmp(line, STATE_VERSION_LINE) != 0)
                return APR_EINVAL;
            first = 0;
            continue;
        }
        if (!(eq = strchr(line, '=')))
            return APR_EINVAL;
        *eq = '\0';
        if (parse_field(s, line, eq + 1, p) != 0)
            return APR_EINVAL;
    }
    if (first || !s->id[0] || !s->owner || !s->dest_path
        || s->received < 0 || (s->total >= 0 && s->received > s->total))
        return APR_EINVAL;
    /* Records from before the index: users keep their key, anonymous
     * sessions (address unknown) share "anon-unknown". */
    if (!s->owner_key || !*s->owner_key)
        s->owner_key = bits_owner_key(s->owner, NULL, p);
    /* The state file only ever records a durable N (bits_session_save). */
    s->durable = s->received;
    return APR_SUCCESS;
}

const char *bits_session_dir(const char *root, const char *id, apr_pool_t *p)
{
    return apr_pstrcat(p, root, "/" BITS_REQUESTS_DIR "/", id, NULL);
}

const char *bits_session_file(const char *root, const char *id,
                              const char *name, apr_pool_t *p)
{
    return apr_pstrcat(p, root, "/" BITS_REQUESTS_DIR "/", id, "/", name, NULL);
}

const char *bits_reply_dir(const char *root, const char *id, apr_pool_t *p)
{
    return apr_pstrcat(p, root, "/" BITS_REPLIES_DIR "/", id, NULL);
}

/* Directory modes of the store (README "Permissions"): private to the
 * server user; with a session group, readable by it, and setgid so that
 * everything created inside (by the application too) gets the group;
 * Replies/<ID>/ writable by it, for a by-reference reply (spec §11.3). */
#define DIR_MODE_PRIVATE  0700
#define DIR_MODE_GROUP    02750
#define DIR_MODE_REPLY    02770

/* Gives a directory we just created its group and exact mode (not the
 * umask's), through a descriptor that does not follow a symlink. */
static apr_status_t set_dir_access(const char *path, mode_t mode, apr_gid_t group)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    apr_status_t rv = APR_SUCCESS;

    if (fd < 0)
        return APR_FROM_OS_ERROR(errno);
    /* chown first: it may clear the setgid bit that chmod then sets. */
    if ((group != BITS_NO_GROUP && fchown(fd, (uid_t)-1, group) != 0)
        || fchmod(fd, mode) != 0)
        rv = APR_FROM_OS_ERROR(errno);
    close(fd);
    return rv;
}

/* mkdir that tolerates an existing real directory (keeping its mode) but
 * never a symlink. */
static apr_status_t make_real_dir(const char *path, mode_t mode, apr_gid_t group)
{
    struct stat st;

    if (mkdir(path, DIR_MODE_PRIVATE) == 0)
        return set_dir_access(path, group == BITS_NO_GROUP ? DIR_MODE_PRIVATE : mode,
                              group);
    if (errno != EEXIST)
        return APR_FROM_OS_ERROR(errno);
    if (lstat(path, &st) != 0)
        return APR_FROM_OS_ERROR(errno);
    return S_ISDIR(st.st_mode) ? APR_SUCCESS : APR_EEXIST;
}

apr_status_t bits_store_mkdir(const char *path, apr_pool_t *p)
{
    (void)p;
    return make_real_dir(path, DIR_MODE_PRIVATE, BITS_NO_GROUP);
}

apr_status_t bits_session_create_store(const char *root, apr_gid_t group)
{
    return make_real_dir(root, DIR_MODE_GROUP, group);
}

apr_status_t bits_session_create_dir(const char *root, const char *id,
                                     apr_gid_t group, apr_pool_t *p)
{
    const char *dirs[] = {
        root, apr_pstrcat(p, root, "/" BITS_REQUESTS_DIR, NULL),
        bits_session_dir(root, id, p)
    };
    apr_file_t *f;
    apr_status_t rv;
    unsigned i;

    for (i = 0; i < sizeof dirs / sizeof *dirs; i++)
        if ((rv = make_real_dir(dirs[i], DIR_MODE_GROUP, group)) != APR_SUCCESS)
            return rv;
    rv = bits_open_nofollow(&f, bits_session_file(root, id, BITS_REQUEST_FILE, p),
                            group == BITS_NO_GROUP ? BITS_CREATE_PRIVATE
                                                   : BITS_CREATE_GROUP_READ, p);
    if (rv == APR_SUCCESS)
        rv = apr_file_close(f);
    /* Empty until the first fragment: its name becomes durable with the
     * first record's directory sync, so no fragment has to sync it. */
    if (rv == APR_SUCCESS
        && (rv = bits_open_nofollow(&f, bits_session_file(root, id, BITS_PROGRESS_FILE,
                                                          p), BITS_CREATE_PRIVATE, p))
           == APR_SUCCESS)
        rv = apr_file_close(f);
    return rv;
}

apr_status_t bits_session_create_reply_dir(const char *root, const char *id,
                                           apr_gid_t group, apr_pool_t *p)
{
    apr_status_t rv = make_real_dir(apr_pstrcat(p, root, "/" BITS_REPLIES_DIR, NULL),
                                    DIR_MODE_GROUP, group);

    return rv == APR_SUCCESS ? make_real_dir(bits_reply_dir(root, id, p),
                                             DIR_MODE_REPLY, group) : rv;
}

/* The store now holds `s` as it is (after a load or a full save). */
static void note_stored(bits_session_t *s)
{
    s->stored_state = s->state;
    s->stored_total = s->total;
    s->stored_received = s->received;
}

/* Reads up to the two slots of the progress file, without following a
 * symlink; 0 bytes if there is none (a session from before the progress
 * file, or one that has had no fragment since its record was saved).
 * With `keep`, a regular file is opened for writing too and left open in
 * s->progress_file. */
static apr_size_t read_progress(bits_session_t *s, const char *path, int keep,
                                unsigned char *buf, apr_pool_t *p)
{
    apr_off_t size;
    apr_os_file_t fd;
    ssize_t n;

    if (keep) {
        if (bits_open_nofollow_size(&s->progress_file, path, 0, &size, p) != APR_SUCCESS) {
            s->progress_file = NULL;
            return 0;
        }
        apr_os_file_get(&fd, s->progress_file);
        n = pread(fd, buf, BITS_PROGRESS_SIZE, 0);
    }
    else {
        if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
            return 0;
        n = pread(fd, buf, BITS_PROGRESS_SIZE, 0);
        close(fd);
    }
    return n > 0 ? (apr_size_t)n : 0;
}

/* Applies the progress record that counts, and notes where the next one
 * goes.  A slot never names fewer bytes than the state file (that would
 * be an older record) nor more than the total. */
static void merge_progress(bits_session_t *s, const char *root, int keep, apr_pool_t *p)
{
    unsigned char buf[BITS_PROGRESS_SIZE];
    apr_size_t len = read_progress(s, bits_session_file(root, s->id, BITS_PROGRESS_FILE,
                                                        p), keep, buf, p);
    bits_progress_pick_t pick;

    bits_progress_pick(&pick, buf, len, s->id, s->received, s->total);
    if (pick.slot >= 0) {
        s->received = pick.rec.received;
        if (s->total < 0)
            s->total = s->stored_total = pick.rec.total;
        if (pick.rec.last_activity > s->last_activity)
            s->last_activity = pick.rec.last_activity;
        /* The state file's N is durable too (its record is older). */
        s->durable = pick.rec.durable > s->durable ? pick.rec.durable : s->durable;
        s->dirty_since = s->durable < s->received ? pick.rec.dirty_since : 0;
        s->writer = pick.rec.writer;
    }
    s->progress_slot = bits_progress_next_slot(&pick);
    s->progress_gen = bits_progress_next_gen(&pick);
}

/* The record's bytes; *len is STATE_MAX_SIZE if it is too long.  One
 * read() asks for all that fits: when it returns just the size that the
 * open's stat found, that is the whole file -- a state file is replaced
 * whole (rename), never written in place -- and the read to EOF, one more
 * system call per request, is skipped.  Anything else reads on to EOF. */
static apr_status_t read_record(const char *path, char *buf, apr_size_t *len,
                                apr_pool_t *p)
{
    apr_file_t *f;
    apr_off_t size;
    apr_size_t more = 0;
    apr_status_t rv = bits_open_nofollow_size(&f, path, 0, &size, p);

    if (rv != APR_SUCCESS)
        return rv;
    *len = STATE_MAX_SIZE;
    rv = apr_file_read(f, buf, len);
    if (rv == APR_SUCCESS && (apr_off_t)*len != size && *len < STATE_MAX_SIZE) {
        rv = apr_file_read_full(f, buf + *len, STATE_MAX_SIZE - *len, &more);
        *len += more;
    }
    else if (rv == APR_EOF) {
        *len = 0;
    }
    apr_file_close(f);
    return rv == APR_EOF ? APR_SUCCESS : rv;
}

static apr_status_t load(bits_session_t *s, const char *root, const char *id,
                         int keep, apr_pool_t *p)
{
    const char *path = bits_session_file(root, id, BITS_STATE_FILE, p);
    char *buf = apr_palloc(p, STATE_MAX_SIZE);
    apr_size_t len;
    apr_status_t rv = read_record(path, buf, &len, p);

    /* Replaced by another node of a shared store while we read it. */
    if (rv == APR_FROM_OS_ERROR(ESTALE))
        rv = read_record(path, buf, &len, p);
    if (rv != APR_SUCCESS)
        return rv;
    if (len == STATE_MAX_SIZE)
        return APR_EINVAL;
    rv = bits_session_parse(s, buf, len, p);
    /* A record filed under another id's name is not this session. */
    if (rv == APR_SUCCESS && strcmp(s->id, id) != 0)
        return APR_EINVAL;
    if (rv == APR_SUCCESS) {
        note_stored(s);
        merge_progress(s, root, keep, p);
    }
    return rv;
}

apr_status_t bits_session_load(bits_session_t *s, const char *root,
                               const char *id, apr_pool_t *p)
{
    return load(s, root, id, 0, p);
}

apr_status_t bits_session_load_for_update(bits_session_t *s, const char *root,
                                          const char *id, apr_pool_t *p)
{
    return load(s, root, id, 1, p);
}

apr_status_t bits_session_sync_data(bits_session_t *s, const char *root,
                                    apr_file_t *f, apr_pool_t *p)
{
    apr_file_t *own = NULL;
    apr_status_t rv = APR_SUCCESS;

    if (!f && (rv = bits_open_nofollow(&own, bits_session_file(root, s->id,
                                                               BITS_REQUEST_FILE, p),
                                       0, p)) == APR_SUCCESS)
        f = own;
    if (rv == APR_SUCCESS)
        rv = apr_file_datasync(f);
    if (own)
        apr_file_close(own);
    if (rv == APR_SUCCESS) {
        s->durable = s->received;
        s->dirty_since = 0;
    }
    return rv;
}

static apr_status_t save(bits_session_t *s, const char *root, int lazy, apr_pool_t *p)
{
    const char *text;
    apr_status_t rv;

    /* The N of a state file must hold after an OS crash. */
    if (!bits_state_is_terminal(s->state) && s->durable < s->received
        && (rv = bits_session_sync_data(s, root, NULL, p)) != APR_SUCCESS)
        return rv;
    text = bits_session_serialize(s, p);
    rv = (lazy ? bits_atomic_replace_lazy : bits_atomic_replace)(
             bits_session_file(root, s->id, BITS_STATE_FILE, p), text, strlen(text), p);
    if (rv == APR_SUCCESS)
        note_stored(s);
    return rv;
}

apr_status_t bits_session_save(bits_session_t *s, const char *root,
                               apr_pool_t *p)
{
    return save(s, root, 0, p);
}

/* Writes one progress slot in place, and makes it durable if it claims
 * nothing unsynced.  A new file's name is made durable at once (once per
 * session), so that a synced record cannot vanish with its directory entry. */
static apr_status_t write_progress(bits_session_t *s, const char *root, apr_pool_t *p)
{
    const char *path = bits_session_file(root, s->id, BITS_PROGRESS_FILE, p);
    unsigned char slot[BITS_PROGRESS_SLOT];
    bits_progress_t rec;
    apr_off_t size;
    apr_os_file_t fd;
    apr_file_t *f = s->progress_file;
    apr_status_t rv = f ? APR_SUCCESS : bits_open_nofollow_size(&f, path, 0, &size, p);
    int is_new = APR_STATUS_IS_ENOENT(rv), sync = s->durable >= s->received;

    /* Made with the session (its name synced with the first record); only
     * a session from before that, or one fallen back, is without it. */
    if (is_new)
        rv = bits_open_nofollow_size(&f, path, BITS_CREATE_PRIVATE, &size, p);
    if (rv != APR_SUCCESS)
        return rv;
    s->progress_file = NULL;      /* closed below, whoever opened it */
    memset(&rec, 0, sizeof rec);
    apr_cpystrn(rec.id, s->id, sizeof rec.id);
    rec.gen = s->progress_gen;
    rec.received = s->received;
    rec.last_activity = s->last_activity;
    rec.durable = sync ? s->received : s->durable;
    rec.dirty_since = sync ? 0 : s->dirty_since;
    rec.writer = s->writer;
    rec.total = s->total;
    bits_progress_encode(&rec, slot);
    apr_os_file_get(&fd, f);
    errno = 0;
    if (pwrite(fd, slot, sizeof slot, (off_t)s->progress_slot * BITS_PROGRESS_SLOT)
        != (ssize_t)sizeof slot)
        rv = errno ? APR_FROM_OS_ERROR(errno) : APR_EGENERAL;
    if (rv == APR_SUCCESS && sync)
        rv = apr_file_datasync(f);
    apr_file_close(f);
    if (rv == APR_SUCCESS && is_new)
        rv = bits_sync_dir(bits_session_dir(root, s->id, p), p);
    if (rv == APR_SUCCESS) {
        /* This slot counts now: the next record goes into the other. */
        s->progress_slot = s->progress_slot ? 0 : 1;
        s->progress_gen++;
        s->stored_total = s->total;
    }
    return rv;
}

apr_status_t bits_session_save_progress(bits_session_t *s, const char *root,
                                        apr_pool_t *p)
{
    /* The slot carries the total, so the first fragment's is one too;
     * a total on record, in either file, never changes in place. */
    if (s->state != BITS_STATE_RECEIVING || s->stored_state != BITS_STATE_RECEIVING
        || s->total < 0 || (s->stored_total >= 0 && s->total != s->stored_total))
        return bits_session_save(s, root, p);
    return write_progress(s, root, p);
}

static apr_status_t remove_if_present(const char *path, apr_pool_t *p)
{
    apr_status_t rv = apr_file_remove(path, p);

    return APR_STATUS_IS_ENOENT(rv) ? APR_SUCCESS : rv;
}

apr_status_t bits_session_fall_back(bits_session_t *s, const char *root, apr_off_t n,
                                    apr_pool_t *p)
{
    apr_status_t rv;

    s->received = s->durable = n;
    s->dirty_since = 0;
    /* The record first: a crash before the cut leaves bytes past N, which
     * the next fragment overwrites and publishing cuts off. */
    if (n >= s->stored_received) {
        rv = bits_session_save_progress(s, root, p);
    }
    else {
        if (s->progress_file) {       /* about to go: its next record would be lost */
            apr_file_close(s->progress_file);
            s->progress_file = NULL;
        }
        rv = remove_if_present(bits_session_file(root, s->id, BITS_PROGRESS_FILE, p), p);
        if (rv == APR_SUCCESS)
            rv = bits_session_save(s, root, p);   /* no slot may name more */
    }
    if (rv == APR_SUCCESS)
        rv = bits_truncate(bits_session_file(root, s->id, BITS_REQUEST_FILE, p), n, p);
    return rv;
}

apr_status_t bits_session_tombstone(bits_session_t *s, const char *root,
                                    bits_state_t terminal, apr_pool_t *p)
{
    const char *reply_dir = bits_reply_dir(root, s->id, p);
    apr_status_t rv;

    /* Closing a finished session loses nothing if a crash undoes it: the
     * upload is delivered and its answer recorded, and DONE answers a
     * resent Close as CLOSED does.  Its rename need not be synced. */
    int lazy = s->state == BITS_STATE_DONE && terminal == BITS_STATE_CLOSED;

    /* The record first: a crash after it leaves only garbage to sweep,
     * never a live session without its data. */
    s->state = terminal;
    if ((rv = save(s, root, lazy, p)) != APR_SUCCESS)
        return rv;
    rv = remove_if_present(bits_session_file(root, s->id, BITS_REQUEST_FILE, p), p);
    if (rv == APR_SUCCESS)
        rv = remove_if_present(bits_session_file(root, s->id, BITS_PROGRESS_FILE, p), p);
    /* Replies/<ID> is always ours: a static reply URL points elsewhere. */
    if (rv == APR_SUCCESS) {
        rv = remove_if_present(apr_pstrcat(p, reply_dir, "/" BITS_RESPONSE_FILE,
                                           NULL), p);
        if (rv == APR_SUCCESS && (rv = apr_dir_remove(reply_dir, p)) != APR_SUCCESS
            && APR_STATUS_IS_ENOENT(rv))
            rv = APR_SUCCESS;
    }
    return rv;
}

int bits_session_of_vhost(const bits_session_t *s, const char *server_name)
{
    if (!s->vhost || !*s->vhost)
        return 1;
    return server_name && strcasecmp(s->vhost, server_name) == 0;
}

int bits_session_expired(const bits_session_t *s, apr_interval_time_t timeout,
                         apr_time_t now)
{
    return timeout > 0 && now - s->last_activity > timeout;
}
