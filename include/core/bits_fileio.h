/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* File operations with the durability and safety rules of the store:
 * O_NOFOLLOW opens, atomic replace, exactly-once publishing.  APR only. */
#ifndef BITS_FILEIO_H
#define BITS_FILEIO_H

#include <apr_pools.h>
#include <apr_file_io.h>

/* What bits_open_nofollow's `create` asks for: 0 the file must exist; else
 * a new file is created with the mode given here, exactly (not through the
 * umask).  Everything in a session store is private to the server user,
 * but the request file of a store with a BITSSessionGroup is readable by
 * that group (a by-reference application reads it, spec §11.3). */
#define BITS_CREATE_PRIVATE     1
#define BITS_CREATE_GROUP_READ  2
#define BITS_FILE_MODE_PRIVATE  0600
#define BITS_FILE_MODE_GROUP    0640

/* Opens an existing or new regular file for writing without following a
 * symlink in its last component (ELOOP is returned then). */
apr_status_t bits_open_nofollow(apr_file_t **f, const char *path, int create,
                                apr_pool_t *p);

/* The same, and the file's size as the open found it (the stat it makes
 * anyway): callers that need the size save a system call. */
apr_status_t bits_open_nofollow_size(apr_file_t **f, const char *path, int create,
                                     apr_off_t *size, apr_pool_t *p);

/* Writes `len` bytes to a temp file next to `path`, syncs and renames it
 * over `path`, then syncs the directory. */
apr_status_t bits_atomic_replace(const char *path, const char *data,
                                 apr_size_t len, apr_pool_t *p);

/* The same without the directory sync: after an OS crash `path` holds the
 * old content or the new one, each whole, and the caller accepts either. */
apr_status_t bits_atomic_replace_lazy(const char *path, const char *data,
                                      apr_size_t len, apr_pool_t *p);

/* Flushes a directory entry change (rename/link/unlink) to stable storage. */
apr_status_t bits_sync_dir(const char *dir, apr_pool_t *p);

/* Truncates the file at `path` (no symlink) to `size` bytes and syncs the
 * cut; a file of that size already is left alone, unsynced. */
apr_status_t bits_truncate(const char *path, apr_off_t size, apr_pool_t *p);

/* Places `src` at `dest` atomically: a hard link when both are on one file
 * system, else a synced copy under a temp name in dest's directory.  The
 * file gets permission bits `mode` (-1: keeps src's) before it is staged;
 * a hard link shares them with src.  With
 * overwrite 0 an existing dest gives APR_EEXIST and is left alone.  If dest
 * already carries `done_ino` (an earlier, unrecorded publish), it succeeds
 * without touching anything.  *placed_ino receives the inode now at dest;
 * when that is a copy's (not src's own inode), `record` is called with it
 * before the new name becomes visible, so a crash in between is
 * recognised on retry. */
typedef apr_status_t (*bits_publish_record_fn)(void *baton, apr_ino_t ino);

apr_status_t bits_publish(const char *src, const char *dest, int overwrite,
                          int mode, apr_ino_t done_ino,
                          bits_publish_record_fn record, void *baton,
                          apr_ino_t *placed_ino, apr_pool_t *p);

#endif
