/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* WebDAV (mod_dav_fs) on a tree that holds a session store (issue 10):
 * PROPFIND does not list a store, DELETE, MOVE and COPY do not take one
 * along (src/httpd/bits_dav.c).  Glue only; no link dependency on mod_dav. */
#ifndef BITS_DAV_H
#define BITS_DAV_H

#include <apr_pools.h>

/* Registers the fixup and the PROPFIND output filter. */
void bits_dav_register_hooks(apr_pool_t *p);

#endif
