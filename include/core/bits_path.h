/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Confining destination paths to the upload directory (§7.3 step 3). */
#ifndef BITS_PATH_H
#define BITS_PATH_H

#include <apr_pools.h>

typedef enum {
    BITS_PATH_OK = 0,
    BITS_PATH_OUTSIDE,      /* leaves the root (also via symlinks): 403 */
    BITS_PATH_RESERVED,     /* inside the session directory: 403 */
    BITS_PATH_UNSAFE,       /* control characters, backslash, empty name: 403 */
    BITS_PATH_IS_DIR,       /* names a directory or ends in '/': 400 */
    BITS_PATH_NO_PARENT,    /* parent directory missing: 404 */
    BITS_PATH_SYMLINK       /* the destination itself is a symlink: 403 */
} bits_path_status_t;

/* Checks that `target` (an absolute path, as mapped by httpd) lies strictly
 * inside `root`, is not inside `session_root`, has a safe last component,
 * and, after resolving symlinks in its parent, still lies inside root.  On
 * success *out is the canonical destination path. */
bits_path_status_t bits_path_confine(const char *root, const char *session_root,
                                     const char *target, const char **out,
                                     apr_pool_t *p);

/* 1 if path equals dir or lies beneath it (string prefix on a '/' boundary). */
int bits_path_is_within(const char *dir, const char *path);

/* realpath(3) into pool memory; NULL (errno set) if it cannot resolve. */
char *bits_path_real(const char *path, apr_pool_t *p);

/* `path` with the symlinks of its longest existing prefix resolved and the
 * rest appended; NULL if even "/" cannot be resolved or a prefix cannot be
 * examined (EACCES, ELOOP). */
const char *bits_path_canonical(const char *path, apr_pool_t *p);

#endif
