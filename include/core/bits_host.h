/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Whether a BITSHostId names the virtual host it is configured for
 * (issue 7; reference §10: the pinned name must reach the same vhost and
 * so the same session store).  APR only (unit-tested). */
#ifndef BITS_HOST_H
#define BITS_HOST_H

#include <apr_tables.h>

/* 1 if `host` is `name` (a ServerName or ServerAlias, possibly with the
 * wildcards * and ? of ServerAlias), compared without regard to case and
 * to one trailing dot on either side. */
int bits_host_matches(const char *host, const char *name);

/* 1 if `host` matches server_name or any of the `aliases` (arrays of
 * const char *; either may be NULL). */
int bits_host_is_vhost_name(const char *host, const char *server_name,
                            const apr_array_header_t *names,
                            const apr_array_header_t *wild_names);

#endif
