/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Whether a BITSHostId names its virtual host (see bits_host.h). */
#include <string.h>
#include <strings.h>
#include <apr_fnmatch.h>
#include <apr_strings.h>

#include "bits_host.h"

/* The length of a host name without one trailing dot ("example.com."). */
static apr_size_t name_length(const char *s)
{
    apr_size_t len = strlen(s);

    return len > 1 && s[len - 1] == '.' ? len - 1 : len;
}

int bits_host_matches(const char *host, const char *name)
{
    char h[302], n[302];
    apr_size_t hl, nl;

    if (!host || !name || !*host || !*name)
        return 0;
    hl = name_length(host);
    nl = name_length(name);
    if (hl >= sizeof h || nl >= sizeof n)
        return 0;
    memcpy(h, host, hl);
    h[hl] = '\0';
    memcpy(n, name, nl);
    n[nl] = '\0';
    if (strpbrk(n, "*?"))
        return apr_fnmatch(n, h, APR_FNM_CASE_BLIND) == APR_SUCCESS;
    return strcasecmp(h, n) == 0;
}

static int in_list(const char *host, const apr_array_header_t *list)
{
    int i;

    for (i = 0; list && i < list->nelts; i++)
        if (bits_host_matches(host, APR_ARRAY_IDX(list, i, const char *)))
            return 1;
    return 0;
}

int bits_host_is_vhost_name(const char *host, const char *server_name,
                            const apr_array_header_t *names,
                            const apr_array_header_t *wild_names)
{
    return bits_host_matches(host, server_name) || in_list(host, names)
           || in_list(host, wild_names);
}
