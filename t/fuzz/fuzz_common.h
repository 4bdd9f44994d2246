/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Shared plumbing of the libFuzzer targets (`make fuzz`): an APR pool per
 * input, exact-size C strings (so ASan sees any over-read), NUL-separated
 * fields, and FUZZ_CHECK, which aborts so libFuzzer reports a violated
 * property with the input that broke it. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <apr_pools.h>

#define FUZZ_CHECK(cond, ...) \
    do { if (!(cond)) fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); } while (0)

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));

/* The pool of this input: cleared on every call, which also frees the
 * fuzz_cstr copies of the previous input. */
apr_pool_t *fuzz_pool(void);

/* A malloc'ed copy of data[0..size) with a NUL after it, freed by the
 * next fuzz_pool() (at most 16 per input).  An embedded NUL ends the string early, as in a header value. */
const char *fuzz_cstr(const uint8_t *data, size_t size, apr_pool_t *p);

/* Splits the input at NUL bytes into at most n fields (the last one takes
 * the rest); missing fields are NULL.  Returns the number present. */
int fuzz_fields(const uint8_t *data, size_t size, const char **out, int n,
                apr_pool_t *p);

/* 1 if every byte of s is printable ASCII without the space (0x21-0x7e). */
int fuzz_is_printable_token(const char *s);

/* 1 if s starts with http:// or https:// (any case). */
int fuzz_has_http_scheme(const char *s);

/* The URL property every URL the module emits must meet: a single line of
 * printable ASCII without blanks, at most max_len, absolute http(s), and
 * parsed by libcurl as such with a host.  Aborts with `what` otherwise. */
void fuzz_check_url(const char *url, size_t max_len, const char *what);

/* The upload URL as the module builds it from a request (the origin, then
 * bits_url_target of the request target as sent), given
 * "host[:port]/path?query" or a full http(s) URL: NULL when httpd
 * (HttpProtocolOptions Strict, the default) would have refused such a
 * request - a Host with other characters than alnum and "-._:[]", a
 * target with a control character or blank - so that a target only
 * reports what a client can really send. */
const char *fuzz_dest_url(const char *in, apr_pool_t *p);

/* The host part of an absolute URL as libcurl parses it (pool copy), or
 * NULL if it does not parse. */
const char *fuzz_url_host(const char *url, apr_pool_t *p);

#endif
