/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* BITSMinimumFreeSpace: asked once before a packet writes, never while it
 * writes, so a fragment that passed is written whole and no session in
 * flight is harmed; the client retries a refused one (disk full is
 * transient for BITS) and resumes when space returns. */
#include <httpd.h>
#include <apr_strings.h>

#include "bits_freespace.h"
#include "bits_space.h"

/* 1 if the file system of `path` (or, while it does not exist yet, of
 * `instead`) is short of the minimum; *avail and *need then say by how much. */
static int short_of_space(const bits_min_free_t *min, const char *path,
                          const char *instead, apr_uint64_t *avail, apr_uint64_t *need)
{
    apr_status_t rv;

    if (bits_space_short(min, path, avail, need, &rv))
        return 1;
    return APR_STATUS_IS_ENOENT(rv) && instead
           && bits_space_short(min, instead, avail, need, &rv);
}

int bits_space_enough(bits_req_t *rq, const char *what, const char *dest, bits_ack_t *ack)
{
    const bits_min_free_t *min = bits_conf_min_free(rq->conf);
    const char *paths[2], *dir;
    apr_uint64_t avail, need;
    int i;

    if (min->bytes <= 0 && min->percent <= 0)
        return 1;
    paths[0] = rq->store;
    paths[1] = dest ? ap_make_dirstr_parent(rq->r->pool, dest) : NULL;
    for (i = 0; i < 2; i++) {
        if (!(dir = paths[i]))
            continue;
        if (short_of_space(min, dir, rq->root, &avail, &need)) {
            *ack = bits_fail(rq, BITS_ACK_ERR(HTTP_INTERNAL_SERVER_ERROR, BITS_E_DISK_FULL),
                             0, "%s refused: %" APR_UINT64_T_FMT " bytes free on the file "
                             "system of %s, BITSMinimumFreeSpace keeps %" APR_UINT64_T_FMT,
                             what, avail, dir, need);
            return 0;
        }
    }
    return 1;
}
