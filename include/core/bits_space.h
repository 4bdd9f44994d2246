/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* BITSMinimumFreeSpace (issue 12): the free space a file system keeps,
 * below which new sessions and fragments get the disk-full answer before
 * the disk is actually full.  APR and libc only (unit-tested). */
#ifndef BITS_SPACE_H
#define BITS_SPACE_H

#include <apr_pools.h>
#include <apr_errno.h>

/* Either a number of bytes or a percentage of the file system's size;
 * both 0: no minimum. */
typedef struct {
    apr_int64_t bytes;
    int percent;
} bits_min_free_t;

/* "0", bytes with an optional unit ("512M", "10G", as bits_parse_size),
 * or a whole percentage "1%" to "99%".  0 on success, -1 otherwise. */
int bits_parse_min_free(const char *value, bits_min_free_t *out);

/* The bytes that must stay free on a file system of `total` bytes. */
apr_uint64_t bits_min_free_bytes(const bits_min_free_t *min, apr_uint64_t total);

/* The space of the file system holding `path`: what an unprivileged
 * writer may still use (statvfs f_bavail), and its size. */
apr_status_t bits_fs_space(const char *path, apr_uint64_t *avail, apr_uint64_t *total);

/* 1 if the file system of `path` has less free space than `min` asks for
 * (*avail and *need say how much); 0 if enough, no minimum is set, or the
 * space cannot be read (*rv then tells why: the write itself will show). */
int bits_space_short(const bits_min_free_t *min, const char *path, apr_uint64_t *avail,
                     apr_uint64_t *need, apr_status_t *rv);

#endif
