/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Confining a destination path to the upload directory (§7.3 step 3).
 * APR and libc only (unit-tested without httpd). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <apr_file_info.h>
#include <apr_strings.h>
#include "bits_path.h"

int bits_path_is_within(const char *dir, const char *path)
{
    apr_size_t len;

    if (dir == NULL || path == NULL || dir[0] == '\0')
        return 0;
    len = strlen(dir);
    while (len > 0 && dir[len - 1] == '/')
        len--;
    if (strncmp(path, dir, len) != 0)
        return 0;
    if (len == 0)                     /* dir is "/": every absolute path */
        return path[0] == '/';
    return path[len] == '\0' || path[len] == '/';
}

static const char *without_trailing_slashes(const char *path, apr_pool_t *p)
{
    apr_size_t len = strlen(path);

    while (len > 1 && path[len - 1] == '/')
        len--;
    return apr_pstrmemdup(p, path, len);
}

static int is_unsafe_char(char c)
{
    unsigned char u = (unsigned char)c;
    return u < 0x20 || u == 0x7f || c == '\\';
}

/* Every component of the relative remainder must be a plain name: the
 * URL was normalised by httpd already, but we do not rely on it. */
static bits_path_status_t check_components(const char *rel)
{
    while (1) {
        const char *end = strchr(rel, '/');
        apr_size_t len = end ? (apr_size_t)(end - rel) : strlen(rel);
        apr_size_t i;

        if (len == 0 || (len == 1 && rel[0] == '.')
            || (len == 2 && rel[0] == '.' && rel[1] == '.'))
            return BITS_PATH_OUTSIDE;
        for (i = 0; i < len; i++) {
            if (is_unsafe_char(rel[i]))
                return BITS_PATH_UNSAFE;
        }
        if (end == NULL)
            return BITS_PATH_OK;
        rel = end + 1;
    }
}

char *bits_path_real(const char *path, apr_pool_t *p)
{
    return realpath(path, apr_palloc(p, PATH_MAX));
}

const char *bits_path_canonical(const char *path, apr_pool_t *p)
{
    char *head = apr_pstrdup(p, path), *real, *slash;

    if (path[0] != '/')
        return NULL;
    for (;;) {
        if ((real = bits_path_real(*head ? head : "/", p)) != NULL) {
            const char *rest = path + strlen(head);
            while (*rest == '/')
                rest++;
            if (!*rest)
                return real;
            return apr_pstrcat(p, strcmp(real, "/") ? real : "", "/", rest, NULL);
        }
        if (errno != ENOENT && errno != ENOTDIR)
            return NULL;
        if (!*head || (slash = strrchr(head, '/')) == NULL)
            return NULL;
        *slash = '\0';
    }
}

static const char *join(const char *dir, const char *name, apr_pool_t *p)
{
    if (strcmp(dir, "/") == 0)
        return apr_pstrcat(p, "/", name, NULL);
    return apr_pstrcat(p, dir, "/", name, NULL);
}

/* Resolves the symlinks in the parent of `merged` and checks the result
 * again: a link inside the root may point anywhere. */
static bits_path_status_t resolve_destination(const char *root,
                                              const char *session_root,
                                              const char *merged,
                                              const char **out, apr_pool_t *p)
{
    const char *slash = strrchr(merged, '/');
    const char *parent = (slash == merged) ? "/"
                       : apr_pstrmemdup(p, merged, (apr_size_t)(slash - merged));
    const char *real_parent, *real_root, *real_session, *dest;
    struct stat st;

    real_parent = bits_path_real(parent, p);
    if (real_parent == NULL)
        return (errno == ENOENT || errno == ENOTDIR) ? BITS_PATH_NO_PARENT
                                                     : BITS_PATH_OUTSIDE;
    real_root = bits_path_real(root, p);
    if (real_root == NULL || !bits_path_is_within(real_root, real_parent))
        return BITS_PATH_OUTSIDE;
    real_session = session_root ? bits_path_real(session_root, p) : NULL;
    if (real_session != NULL && bits_path_is_within(real_session, real_parent))
        return BITS_PATH_RESERVED;
    if (stat(real_parent, &st) != 0 || !S_ISDIR(st.st_mode))
        return BITS_PATH_NO_PARENT;   /* "parent" is a file: nothing to create in */

    dest = join(real_parent, slash + 1, p);
    if (lstat(dest, &st) == 0) {
        if (S_ISLNK(st.st_mode))
            return BITS_PATH_SYMLINK;
        if (S_ISDIR(st.st_mode))
            return BITS_PATH_IS_DIR;
    }
    else if (errno != ENOENT) {
        return BITS_PATH_UNSAFE;      /* e.g. a name too long to store */
    }
    *out = dest;
    return BITS_PATH_OK;
}

bits_path_status_t bits_path_confine(const char *root, const char *session_root,
                                     const char *target, const char **out,
                                     apr_pool_t *p)
{
    const apr_int32_t merge_flags = APR_FILEPATH_SECUREROOT
        | APR_FILEPATH_NOTRELATIVE | APR_FILEPATH_NOTABOVEROOT;
    const char *base, *rel;
    char *merged;
    bits_path_status_t st;

    *out = NULL;
    if (root == NULL || root[0] != '/' || target == NULL || target[0] != '/')
        return BITS_PATH_OUTSIDE;
    base = without_trailing_slashes(root, p);
    if (target[strlen(target) - 1] == '/')
        return BITS_PATH_IS_DIR;
    /* The upload directory itself is a directory, not a way out. */
    if (strcmp(base, target) == 0)
        return BITS_PATH_IS_DIR;
    if (!bits_path_is_within(base, target))
        return BITS_PATH_OUTSIDE;

    rel = target + strlen(base);
    if (*rel == '/' && strcmp(base, "/") != 0)
        rel++;
    st = check_components(rel);
    if (st != BITS_PATH_OK)
        return st;

    /* Only the relative remainder is merged: APR refuses an absolute
     * addpath even when it lies inside the root. */
    if (apr_filepath_merge(&merged, base, rel, merge_flags, p) != APR_SUCCESS)
        return BITS_PATH_OUTSIDE;
    if (session_root != NULL && bits_path_is_within(session_root, merged))
        return BITS_PATH_RESERVED;
    return resolve_destination(base, session_root, merged, out, p);
}
