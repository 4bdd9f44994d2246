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

apr_status_t bits_open_nofollow(apr_file_t **f, const char *path, int create,
                                apr_pool_t *p)
{
    /* APR has no O_NOFOLLOW: open the descriptor ourselves, then wrap it. */
    int flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0);
    int fd = open(path, flags, 0666);
    struct stat st;
    apr_status_t rv = APR_SUCCESS;

    if (fd < 0)
        return os_error();
    if (fstat(fd, &st) != 0)
        rv = os_error();
    else if (!S_ISREG(st.st_mode))
        rv = APR_EBADF;      /* a FIFO or device planted in the store */
    if (rv != APR_SUCCESS) {
        close(fd);
        return rv;
    }
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
                            int sync_dir, apr_pool_t *p)
{
    char *tmp = apr_pstrcat(p, path, ".tmp.XXXXXX", NULL);
    apr_file_t *f;
    apr_status_t rv, rc;

    /* Never flags 0: the default includes DELONCLOSE. */
    rv = apr_file_mktemp(&f, tmp, APR_FOPEN_CREATE | APR_FOPEN_WRITE
                         | APR_FOPEN_EXCL | APR_FOPEN_BINARY, p);
    if (rv != APR_SUCCESS)
        return rv;
    apr_file_perms_set(tmp, APR_FPROT_UREAD | APR_FPROT_UWRITE
                       | APR_FPROT_GREAD | APR_FPROT_WREAD);
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
    return sync_dir ? bits_sync_dir(dir_of(path, p), p) : APR_SUCCESS;
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
    apr_status_t rv = bits_open_nofollow(&f, path, 0, p);

    if (rv != APR_SUCCESS)
        return rv;
    rv = apr_file_trunc(f, size);
    if (rv == APR_SUCCESS)
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

/* A synced copy of src under the new name tmp (EEXIST if it is taken). */
static apr_status_t copy_synced(const char *src, const char *tmp, apr_pool_t *p)
{
    apr_file_t *in, *out;
    apr_status_t rv, rc;
    char *buf = apr_palloc(p, BITS_COPY_CHUNK);

    rv = apr_file_open(&in, src, APR_FOPEN_READ | APR_FOPEN_BINARY,
                       APR_FPROT_OS_DEFAULT, p);
    if (rv != APR_SUCCESS)
        return rv;
    rv = apr_file_open(&out, tmp, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                       | APR_FOPEN_EXCL | APR_FOPEN_BINARY, APR_FPROT_OS_DEFAULT, p);
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
static apr_status_t link_or_copy(const char *src, const char *tmp, apr_pool_t *p)
{
    if (link(src, tmp) == 0)
        return APR_SUCCESS;
    if (errno == EEXIST)
        return APR_EEXIST;
    if (errno != EXDEV && errno != EPERM && errno != EOPNOTSUPP)
        return os_error();
    return copy_synced(src, tmp, p);
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
static apr_status_t stage(const char *src, const char *dir, const char **tmp,
                          apr_pool_t *p)
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
        rv = link_or_copy(src, name, p);
        if (!APR_STATUS_IS_EEXIST(rv)) {
            *tmp = name;
            return rv;
        }
    }
    return APR_EGENERAL;    /* not EEXIST: that would mean "dest exists" */
}

apr_status_t bits_publish(const char *src, const char *dest, int overwrite,
                          apr_ino_t done_ino, bits_publish_record_fn record,
                          void *baton, apr_ino_t *placed_ino, apr_pool_t *p)
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

    /* The request file stays until the session is closed, so the
     * destination gets a second name of it (a hard link), or a copy when
     * it lives on another file system, staged under a name of our own. */
    if ((rv = stage(src, dir, &tmp, p)) != APR_SUCCESS)
        return rv;
    *placed_ino = inode_at(tmp);
    if (record && (rv = record(baton, *placed_ino)) != APR_SUCCESS) {
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
