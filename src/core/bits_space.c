/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Free space of a file system against BITSMinimumFreeSpace.  statvfs(3):
 * APR has no call for it. */
#include <errno.h>
#include <string.h>
#include <sys/statvfs.h>
#include "bits_space.h"
#include "bits_protocol.h"

int bits_parse_min_free(const char *value, bits_min_free_t *out)
{
    apr_size_t len;
    apr_int64_t v;

    if (value == NULL || (len = strlen(value)) == 0)
        return -1;
    if (value[len - 1] == '%') {
        int pct = 0;
        apr_size_t i;

        if (len < 2 || len > 3)
            return -1;
        for (i = 0; i < len - 1; i++) {
            if (value[i] < '0' || value[i] > '9')
                return -1;
            pct = pct * 10 + (value[i] - '0');
        }
        if (pct < 1 || pct > 99)
            return -1;
        out->bytes = 0;
        out->percent = pct;
        return 0;
    }
    if (bits_parse_size(value, &v) != 0)
        return -1;
    out->bytes = v;
    out->percent = 0;
    return 0;
}

apr_uint64_t bits_min_free_bytes(const bits_min_free_t *min, apr_uint64_t total)
{
    if (min->percent > 0)
        /* total / 100 first: no overflow for any file system size. */
        return total / 100 * (apr_uint64_t)min->percent
               + total % 100 * (apr_uint64_t)min->percent / 100;
    return min->bytes > 0 ? (apr_uint64_t)min->bytes : 0;
}

apr_status_t bits_fs_space(const char *path, apr_uint64_t *avail, apr_uint64_t *total)
{
    struct statvfs vfs;

    if (statvfs(path, &vfs) != 0)
        return APR_FROM_OS_ERROR(errno);
    *avail = (apr_uint64_t)vfs.f_bavail * vfs.f_frsize;
    *total = (apr_uint64_t)vfs.f_blocks * vfs.f_frsize;
    return APR_SUCCESS;
}

int bits_space_short(const bits_min_free_t *min, const char *path, apr_uint64_t *avail,
                     apr_uint64_t *need, apr_status_t *rv)
{
    apr_uint64_t total = 0;

    *avail = *need = 0;
    *rv = APR_SUCCESS;
    if (min->bytes <= 0 && min->percent <= 0)
        return 0;
    if ((*rv = bits_fs_space(path, avail, &total)) != APR_SUCCESS)
        return 0;
    *need = bits_min_free_bytes(min, total);
    return *avail < *need;
}
