/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Walking the session directories of a store. */
#include <string.h>
#include <apr_strings.h>
#include <apr_file_info.h>
#include "bits_walk.h"
#include "bits_guid.h"
#include "bits_session.h"

apr_status_t bits_walk_sessions(const char *store, bits_walk_fn fn, void *baton,
                                apr_pool_t *p)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_pool_t *iter;
    apr_status_t rv = apr_dir_open(&d, apr_pstrcat(p, store, "/" BITS_REQUESTS_DIR,
                                                   NULL), p);

    if (rv != APR_SUCCESS)
        return APR_STATUS_IS_ENOENT(rv) ? APR_SUCCESS : rv;
    apr_pool_create(&iter, p);
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS) {
        char id[BITS_GUID_LEN + 1];
        int stop;

        /* Only the names the module itself gives (no case variants). */
        if (fi.filetype != APR_DIR || !bits_guid_canonical(fi.name, id)
            || strcmp(id, fi.name) != 0)
            continue;
        stop = fn(baton, id, iter);
        apr_pool_clear(iter);
        if (stop)
            break;
    }
    apr_pool_destroy(iter);
    apr_dir_close(d);
    return APR_SUCCESS;
}
