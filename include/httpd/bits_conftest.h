/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Mistakes that pass httpd's own configuration test, reported at start-up
 * and by `apachectl -t` (src/httpd/bits_conftest.c).  Glue only. */
#ifndef BITS_CONFTEST_H
#define BITS_CONFTEST_H

#include <httpd.h>

/* 1 if the user the children run as is a member of group g. */
int bits_server_user_in_group(apr_gid_t g);

/* Logs, naming the directive and its file:line: a notification type
 * without any URL in its server; a BITSSessionDirectory the server user
 * cannot use; a BITSCleanupCount that is ignored; a session store inside
 * a DAV On tree.  Never stops the server (README "Start-up checks"). */
void bits_check_config(apr_pool_t *ptemp, server_rec *main);

#endif
