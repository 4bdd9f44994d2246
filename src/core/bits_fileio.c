/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* File operations of the session store: no symlink following, atomic
 * replacement, and publishing that is exactly-once across crashes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_strings.h>
#include <apr_portable.h>
#include <apr_general.h>
#include "bits_fileio.h"
#include "bits_names.h"

#define BITS_COPY_CHUNK (256 * 1024)
#define BITS_STAGING_TRIES 8

static apr_status_t os_error(void)
{
    return APR_FROM_OS_ERROR(errno);
}

/* apr_os_file_put registers no cleanup: close a still-open file with p. */
static apr_status_t close_if_open(void *data)
{
    apr_os_file_t fd = -1;

    apr_os_file_get(&fd, data);
    if (fd >= 0)
        apr_file_close(data);
    return APR_SUCCESS;
}

/* Mode of a file the store creates (README "Permissions"). */
static mode_t create_mode(int create)
{
    return create == BITS_CREATE_GROUP_READ ? BITS_FILE_MODE_GROUP
                                            : BITS_FILE_MODE_PRIVATE;
}

/* Only O_EXCL tells whether the file is new: a new file gets its mode
 * exactly (fchmod, whatever the umask), an existing one keeps its own.
 * The plain open comes first because the file nearly always exists (the
 * lock and progress files, once per request); a file removed between two
 * opens is simply created again, one created meanwhile is opened. */
static int open_or_create(const char *path, int flags, int create, int *created)
{
    int attempt, fd;

    *created = 0;
    fd = open(path, flags);
    if (!create || fd >= 0 || errno != ENOENT)
        return fd;
    for (attempt = 0; attempt < 3; attempt++) {
        fd = open(path, flags | O_CREAT | O_EXCL, create_mode(create));
        if (fd >= 0) {
            *created = 1;
            return fd;
        }
        if (errno != EEXIST)
            return -1;
        fd = open(path, flags);
        if (fd >= 0 || errno != ENOENT)
            return fd;
    }
    return fd;
}

apr_status_t bits_open_nofollow(apr_file_t **f, const char *path, int create,
                                apr_pool_t *p)
{
    apr_off_t size;

    return bits_open_nofollow_size(f, path, create, &size, p);
}

apr_status_t bits_open_nofollow_size(apr_file_t **f, const char *path, int create,
                                     apr_off_t *size, apr_pool_t *p)
{
    /* APR has no O_NOFOLLOW: open the descriptor ourselves, then wrap it. */
    int created, fd = open_or_create(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW, create,
                                     &created);
    struct stat st;
    apr_status_t rv = APR_SUCCESS;

    /* On a shared store (NFS, GlusterFS) another node may have replaced
     * the file behind this client's cached handle: a second lookup finds
     * the new one. */
    if (fd < 0 && errno == ESTALE)
        fd = open_or_create(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW, create, &created);

    if (fd < 0)
        return os_error();
    if (fstat(fd, &st) != 0)
        rv = os_error();
    else if (!S_ISREG(st.st_mode))
        rv = APR_EBADF;      /* a FIFO or device planted in the store */
    else if (created && fchmod(fd, create_mode(create)) != 0)
        rv = os_error();
    if (rv != APR_SUCCESS) {
        close(fd);
        return rv;
    }
    *size = (apr_off_t)st.st_size;
    apr_os_file_put(f, &fd, APR_FOPEN_READ | APR_FOPEN_WRITE, p);
    apr_pool_cleanup_register(p, *f, close_if_open, apr_pool_cleanup_null);
    return APR_SUCCESS;
}

apr_status_t bits_sync_dir(const char *dir, apr_pool_t *p)
{
    apr_file_t *d;
    apr_status_t rv = apr_file_open(&d, dir, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, p);

    if (rv != APR_SUCCESS)
        return rv;
    rv = apr_file_sync(d);
    apr_file_close(d);
    /* Some file systems cannot fsync a directory; the rename still stands. */
    return (rv == APR_EINVAL || rv == APR_FROM_OS_ERROR(EINVAL)) ? APR_SUCCESS : rv;
}

static const char *dir_of(const char *path, apr_pool_t *p)
{
    const char *slash = strrchr(path, '/');

    return slash && slash != path ? apr_pstrndup(p, path, slash - path) : "/";
}

static apr_status_t replace(const char *path, const char *data, apr_size_t len,
                            int sync_name, apr_pool_t *p)
{
    char *tmp = apr_pstrcat(p, path, ".tmp.XXXXXX", NULL);
    apr_file_t *f;
    apr_status_t rv, rc;

    /* Never flags 0: the default includes DELONCLOSE. */
    rv = apr_file_mktemp(&f, tmp, APR_FOPEN_CREATE | APR_FOPEN_WRITE
                         | APR_FOPEN_EXCL | APR_FOPEN_BINARY, p);
    if (rv != APR_SUCCESS)
        return rv;
    /* Records are the server's alone (mkstemp says 0600 too; be explicit). */
    apr_file_perms_set(tmp, APR_FPROT_UREAD | APR_FPROT_UWRITE);
    rv = apr_file_write_full(f, data, len, NULL);
    if (rv == APR_SUCCESS)
        rv = apr_file_sync(f);
    rc = apr_file_close(f);
    if (rv == APR_SUCCESS)
        rv = rc;
    if (rv == APR_SUCCESS)
        rv = apr_file_rename(tmp, path, p);
    if (rv != APR_SUCCESS) {
        apr_file_remove(tmp, p);
        return rv;
    }
    return sync_name ? bits_sync_dir(dir_of(path, p), p) : APR_SUCCESS;
}

apr_status_t bits_atomic_replace(const char *path, const char *data,
                                 apr_size_t len, apr_pool_t *p)
{
    return replace(path, data, len, 1, p);
}

apr_status_t bits_atomic_replace_lazy(const char *path, const char *data,
                                      apr_size_t len, apr_pool_t *p)
{
    return replace(path, data, len, 0, p);
}

apr_status_t bits_truncate(const char *path, apr_off_t size, apr_pool_t *p)
{
    apr_file_t *f;
    apr_off_t had;
    apr_status_t rv = bits_open_nofollow_size(&f, path, 0, &had, p);

    if (rv != APR_SUCCESS)
        return rv;
    if (had != size && (rv = apr_file_trunc(f, size)) == APR_SUCCESS)
        rv = apr_file_datasync(f);
    apr_file_close(f);
    return rv;
}

/* Inode at path without following a symlink; 0 if there is nothing. */
static apr_ino_t inode_at(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0 ? (apr_ino_t)st.st_ino : 0;
}

/* Gives an open file the mode `mode` (-1: leaves it). */
static apr_status_t set_mode(apr_file_t *f, int mode)
{
    apr_os_file_t fd = -1;

    if (mode < 0)
        return APR_SUCCESS;
    apr_os_file_get(&fd, f);
    return fchmod(fd, (mode_t)mode) == 0 ? APR_SUCCESS : os_error();
}

/* The upload's mode as a published file, set through a descriptor
 * (never following a symlink) before any name of it is staged. */
static apr_status_t set_path_mode(const char *path, int mode, apr_pool_t *p)
{
    apr_file_t *f;
    apr_status_t rv;

    if (mode < 0)
        return APR_SUCCESS;
    if ((rv = bits_open_nofollow(&f, path, 0, p)) != APR_SUCCESS)
        return rv;
    rv = set_mode(f, mode);
    apr_file_close(f);
    return rv;
}

/* A synced copy of src under the new name tmp (EEXIST if it is taken),
 * with the mode of a published file. */
static apr_status_t copy_synced(const char *src, const char *tmp, int mode,
                                apr_pool_t *p)
{
    apr_file_t *in, *out;
    apr_status_t rv, rc;
    char *buf = apr_palloc(p, BITS_COPY_CHUNK);

    rv = apr_file_open(&in, src, APR_FOPEN_READ | APR_FOPEN_BINARY,
                       APR_FPROT_OS_DEFAULT, p);
    if (rv != APR_SUCCESS)
        return rv;
    rv = apr_file_open(&out, tmp, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                       | APR_FOPEN_EXCL | APR_FOPEN_BINARY,
                       APR_FPROT_UREAD | APR_FPROT_UWRITE, p);
    if (rv == APR_SUCCESS && (rv = set_mode(out, mode)) != APR_SUCCESS)
        apr_file_close(out);
    if (rv != APR_SUCCESS) {
        apr_file_close(in);
        return rv;
    }
    for (;;) {
        apr_size_t n = BITS_COPY_CHUNK;

        rv = apr_file_read(in, buf, &n);
        if (rv == APR_EOF) {
            rv = APR_SUCCESS;
            break;
        }
        if (rv != APR_SUCCESS || (rv = apr_file_write_full(out, buf, n, NULL)))
            break;
    }
    if (rv == APR_SUCCESS)
        rv = apr_file_sync(out);
    rc = apr_file_close(out);
    apr_file_close(in);
    if (rv == APR_SUCCESS)
        rv = rc;
    if (rv != APR_SUCCESS)
        unlink(tmp);
    return rv;
}

/* Makes the staged name visible as dest: rename replaces, link refuses to. */
static apr_status_t place(const char *tmp, const char *dest, int overwrite)
{
    if (overwrite)
        return rename(tmp, dest) == 0 ? APR_SUCCESS : os_error();
    if (link(tmp, dest) != 0)
        return errno == EEXIST ? APR_EEXIST : os_error();
    unlink(tmp);
    return APR_SUCCESS;
}

/* A second name of src at tmp, or a copy across file systems; EEXIST if
 * tmp is taken (by anything: what is there is never removed). */
static apr_status_t link_or_copy(const char *src, const char *tmp, int mode,
                                 apr_pool_t *p)
{
    if (link(src, tmp) == 0)
        return APR_SUCCESS;
    if (errno == EEXIST)
        return APR_EEXIST;
    if (errno != EXDEV && errno != EPERM && errno != EOPNOTSUPP)
        return os_error();
    return copy_synced(src, tmp, mode, p);
}

/* Staging names live in the reserved namespace (BITS_STAGING_PREFIX), which
 * clients cannot upload into.  The first is fixed per request file, so that
 * the leftover of an interrupted attempt is found again; the others are
 * random, for when that name is taken by something that is not ours. */
static const char *staging_name(const char *dir, apr_ino_t src_ino, int attempt,
                                apr_pool_t *p)
{
    apr_uint64_t nonce = 0;

    if (attempt == 0)
        return apr_psprintf(p, "%s/" BITS_STAGING_PREFIX "publish-%" APR_UINT64_T_FMT
                            ".tmp", dir, (apr_uint64_t)src_ino);
    apr_generate_random_bytes((unsigned char *)&nonce, sizeof nonce);
    return apr_psprintf(p, "%s/" BITS_STAGING_PREFIX "publish-%" APR_UINT64_T_FMT
                        "-%016" APR_UINT64_T_HEX_FMT ".tmp", dir,
                        (apr_uint64_t)src_ino, nonce);
}

/* A second name of the request file itself (same device and inode) is the
 * leftover of an earlier attempt of this upload: removing it loses nothing.
 * Anything else under that name is left alone. */
static void remove_own_leftover(const char *tmp, const struct stat *src)
{
    struct stat st;

    if (lstat(tmp, &st) == 0 && S_ISREG(st.st_mode)
        && st.st_dev == src->st_dev && st.st_ino == src->st_ino)
        unlink(tmp);
}

/* Creates a new staging name for src in dir; *tmp receives it. */
static apr_status_t stage(const char *src, const char *dir, int mode,
                          const char **tmp, apr_pool_t *p)
{
    struct stat src_st;
    int attempt;

    if (lstat(src, &src_st) != 0)
        return os_error();
    for (attempt = 0; attempt < BITS_STAGING_TRIES; attempt++) {
        const char *name = staging_name(dir, (apr_ino_t)src_st.st_ino, attempt, p);
        apr_status_t rv;

        if (attempt == 0)
            remove_own_leftover(name, &src_st);
        rv = link_or_copy(src, name, mode, p);
        if (!APR_STATUS_IS_EEXIST(rv)) {
            *tmp = name;
            return rv;
        }
    }
    return APR_EGENERAL;    /* not EEXIST: that would mean "dest exists" */
}

apr_status_t bits_publish(const char *src, const char *dest, int overwrite,
                          int mode, apr_ino_t done_ino,
                          bits_publish_record_fn record, void *baton,
                          apr_ino_t *placed_ino, apr_pool_t *p)
{
    const char *dir = dir_of(dest, p);
    apr_ino_t at_dest = inode_at(dest), src_ino = inode_at(src);
    const char *tmp = NULL;
    apr_status_t rv;

    /* Already there from an attempt whose outcome was never recorded. */
    if (at_dest && (at_dest == done_ino || at_dest == src_ino)) {
        *placed_ino = at_dest;
        return APR_SUCCESS;
    }
    if (at_dest && !overwrite)
        return APR_EEXIST;
    if (!src_ino)
        return APR_ENOENT;
    /* The published file's mode is set before it gets a name at the
     * destination.  A hard link shares the inode, so the request file
     * takes that mode too: harmless, the upload is complete and its
     * directory is private to the server (or the session group). */
    if ((rv = set_path_mode(src, mode, p)) != APR_SUCCESS)
        return rv;

    /* The request file stays until the session is closed, so the
     * destination gets a second name of it (a hard link), or a copy when
     * it lives on another file system, staged under a name of our own. */
    if ((rv = stage(src, dir, mode, &tmp, p)) != APR_SUCCESS)
        return rv;
    *placed_ino = inode_at(tmp);
    /* A hard link is known by the request file's own inode (above); only
     * a copy's new inode has to be on record before it appears. */
    if (record && *placed_ino != src_ino
        && (rv = record(baton, *placed_ino)) != APR_SUCCESS) {
        unlink(tmp);
        return rv;
    }
    rv = place(tmp, dest, overwrite);
    if (rv != APR_SUCCESS) {
        unlink(tmp);
        return rv;
    }
    return bits_sync_dir(dir, p);
}
