/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bitsfill: puts N sessions into a session store for `make bench`, in the
 * module's own on-disk format (it links the core: bits_session_serialize,
 * bits_session_create_dir, bits_index_add), so it cannot drift from what
 * the module reads.
 *
 *   bitsfill STORE N AGE_SECONDS UPLOAD_DIR
 *
 * Sessions are RECEIVING, 1 MiB announced, nothing received, last active
 * AGE_SECONDS ago (0: now, live; 30 days: expired under the default
 * BITSSessionTimeout), spread over owners of 50 sessions each
 * (anon-10.x.y.z, the default BITSNumberOfSessionsLimit) as many clients
 * would leave them.  Why not through the protocol: every Create-Session
 * is an atomic replace with fsync and directory fsync (a few ms), so
 * 100,000 of them take minutes, and the per-owner limit would need 2,000
 * client addresses; here the state is written without fsync (one sync(2)
 * at the end), about 20 s for 100,000.  Run it as the user httpd runs as. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_file_io.h>

#include "bits_session.h"
#include "bits_index.h"

#define PER_OWNER 50

static void die(const char *what, apr_status_t rv)
{
    char buf[256];

    fprintf(stderr, "bitsfill: %s: %s\n", what, apr_strerror(rv, buf, sizeof buf));
    exit(1);
}

int main(int argc, char **argv)
{
    apr_pool_t *pool, *iter;
    apr_time_t when;
    long n, i;
    apr_status_t rv;

    if (argc != 5) {
        fprintf(stderr, "usage: bitsfill STORE N AGE_SECONDS UPLOAD_DIR\n");
        return 2;
    }
    apr_app_initialize(&argc, (const char *const **)&argv, NULL);
    apr_pool_create(&pool, NULL);
    apr_pool_create(&iter, pool);
    n = atol(argv[2]);
    when = apr_time_now() - apr_time_from_sec(atol(argv[3]));
    if ((rv = bits_session_create_store(argv[1], BITS_NO_GROUP)) != APR_SUCCESS)
        die(argv[1], rv);
    for (i = 0; i < n; i++) {
        bits_session_t s;
        apr_file_t *f;
        const char *text, *name;
        long owner = i / PER_OWNER;

        apr_pool_clear(iter);
        memset(&s, 0, sizeof s);
        if ((rv = bits_guid_new(s.id)) != APR_SUCCESS)
            die("guid", rv);
        s.state = BITS_STATE_RECEIVING;
        s.owner = "";
        s.owner_key = apr_psprintf(iter, "anon-10.%ld.%ld.%ld", (owner >> 16) & 255,
                                   (owner >> 8) & 255, owner & 255);
        name = apr_psprintf(iter, "fill-%ld.bin", i);
        s.dest_url = apr_pstrcat(iter, "http://127.0.0.1/fill/", name, NULL);
        s.dest_path = apr_pstrcat(iter, argv[4], "/", name, NULL);
        s.vhost = "127.0.0.1";
        s.reply_url = "";
        s.max_upload = -1;
        s.total = 1 << 20;
        s.created = s.last_activity = when;
        if ((rv = bits_index_add(argv[1], s.owner_key, s.id, iter)) != APR_SUCCESS)
            die("index entry", rv);
        if ((rv = bits_session_create_dir(argv[1], s.id, BITS_NO_GROUP, iter))
            != APR_SUCCESS)
            die("session directory", rv);
        text = bits_session_serialize(&s, iter);
        rv = apr_file_open(&f, bits_session_file(argv[1], s.id, BITS_STATE_FILE, iter),
                           APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_EXCL,
                           APR_FPROT_UREAD | APR_FPROT_UWRITE, iter);
        if (rv == APR_SUCCESS)
            rv = apr_file_write_full(f, text, strlen(text), NULL);
        if (rv == APR_SUCCESS)
            rv = apr_file_close(f);
        if (rv != APR_SUCCESS)
            die("state", rv);
    }
    sync();
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}
