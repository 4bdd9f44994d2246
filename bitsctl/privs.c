/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Never as root: everything bitsctl writes into a store (records, locks,
 * index entries) must belong to the server user, as if the module had
 * written it, so root switches to the store's owner before touching it. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bitsctl.h"

static const char *user_name(uid_t uid)
{
    struct passwd *pw = getpwuid(uid);

    return pw ? pw->pw_name : "?";
}

int become_store_owner(const char *store, int writes)
{
    struct stat st;
    struct passwd *pw;

    if (stat(store, &st) != 0) {
        err("%s: %s", store, strerror(errno));
        return 0;
    }
    if (!S_ISDIR(st.st_mode)) {
        err("%s is not a directory", store);
        return 0;
    }
    /* Modes of whatever bitsctl creates are exact anyway; this is for the
     * unexpected. */
    umask(077);
    if (geteuid() != 0) {
        if (writes && geteuid() != st.st_uid) {
            err("%s belongs to %s (uid %lu): run bitsctl as that user, or as root "
                "(it then switches to that user)", store, user_name(st.st_uid),
                (unsigned long)st.st_uid);
            return 0;
        }
        return 1;
    }
    if (st.st_uid == 0) {
        err("%s belongs to root: a mod_bits store belongs to the server user "
            "(User), and bitsctl does not write as root", store);
        return 0;
    }
    /* The owner's groups (a BITSSessionGroup among them), with the store's
     * group as the primary one, as the server writes it. */
    pw = getpwuid(st.st_uid);
    if ((pw ? initgroups(pw->pw_name, st.st_gid) : setgroups(1, &st.st_gid)) != 0
        || setgid(st.st_gid) != 0 || setuid(st.st_uid) != 0) {
        err("cannot switch to the owner of %s (uid %lu, gid %lu): %s", store,
            (unsigned long)st.st_uid, (unsigned long)st.st_gid, strerror(errno));
        return 0;
    }
    /* Paranoia: root must be gone for good. */
    if (setuid(0) == 0 || geteuid() == 0) {
        err("could not give up root");
        return 0;
    }
    return 1;
}
