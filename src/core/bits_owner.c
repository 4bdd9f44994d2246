/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Owner keys: whom a session is counted against (BITSNumberOfSessionsLimit,
 * BITSSessionOwnersLimit), as one safe file name. */
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <apr_strings.h>
#include <apr_lib.h>
#include "bits_owner.h"

#define KEY_HASH_LEN 17    /* "~" and 16 hex digits */

apr_uint64_t bits_owner_key_hash(const char *s)
{
    apr_uint64_t h = APR_UINT64_C(14695981039346656037);

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= APR_UINT64_C(1099511628211);
    }
    return h;
}

static int safe_key_char(char c)
{
    return apr_isalnum(c) || (c && strchr("._@:-", c));
}

/* prefix + name with unsafe bytes %XX-escaped, cut to BITS_OWNER_KEY_MAX. */
static const char *escape_key(const char *prefix, const char *name, apr_pool_t *p)
{
    static const char hex[] = "0123456789ABCDEF";
    apr_size_t plen = strlen(prefix);
    char *out = apr_palloc(p, plen + 3 * strlen(name) + KEY_HASH_LEN + 1);
    char *o = out + plen;
    const char *c;

    memcpy(out, prefix, plen);
    for (c = name; *c; c++) {
        if (safe_key_char(*c)) {
            *o++ = *c;
        }
        else {
            *o++ = '%';
            *o++ = hex[(unsigned char)*c >> 4];
            *o++ = hex[*c & 15];
        }
    }
    *o = '\0';
    if (o - out > BITS_OWNER_KEY_MAX)
        apr_snprintf(out + BITS_OWNER_KEY_MAX - KEY_HASH_LEN, KEY_HASH_LEN + 1,
                     "~%016" APR_UINT64_T_HEX_FMT,
                     bits_owner_key_hash(apr_pstrcat(p, prefix, name, NULL)));
    return out;
}

/* The canonical text of an address as sessions are counted: IPv4 as is,
 * IPv6 as its /64 (a subscriber gets a whole /64, so counting single
 * addresses would give an attacker 2^64 quotas).  NULL if not an address. */
static const char *counted_address(const char *ip, apr_pool_t *p)
{
    static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                0xff, 0xff };
    unsigned char a[16];
    char buf[INET6_ADDRSTRLEN];

    if (inet_pton(AF_INET, ip, a) == 1)
        return inet_ntop(AF_INET, a, buf, sizeof buf) ? apr_pstrdup(p, buf) : NULL;
    if (inet_pton(AF_INET6, ip, a) != 1)
        return NULL;
    if (!memcmp(a, v4mapped, sizeof v4mapped))
        return inet_ntop(AF_INET, a + 12, buf, sizeof buf) ? apr_pstrdup(p, buf) : NULL;
    memset(a + 8, 0, 8);
    return inet_ntop(AF_INET6, a, buf, sizeof buf)
           ? apr_pstrcat(p, buf, "/64", NULL) : NULL;
}

const char *bits_owner_key(const char *user, const char *client_ip, apr_pool_t *p)
{
    const char *addr;

    if (user && *user)
        return escape_key("user-", user, p);
    if (!client_ip || !*client_ip)
        return "anon-unknown";
    addr = counted_address(client_ip, p);
    return escape_key("anon-", addr ? addr : client_ip, p);
}

/* A key read back from a record or a directory must still be one plain
 * file name of ours. */
int bits_owner_key_ok(const char *key)
{
    const char *c;

    if (!key || (strncmp(key, "user-", 5) && strncmp(key, "anon-", 5))
        || strlen(key) > BITS_OWNER_KEY_MAX)
        return 0;
    for (c = key; *c; c++)
        if (!safe_key_char(*c) && *c != '%' && *c != '~')
            return 0;
    return 1;
}
