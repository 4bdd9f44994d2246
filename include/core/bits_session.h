/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The session record and its on-disk store (§6.2, §8.3).
 *
 * Layout under the session root (default <location dir>/BITS-Sessions):
 *   Requests/<ID>/state            versioned key=value record, replaced atomically
 *   Requests/<ID>/progress         received N, updated in place (bits_progress.h)
 *   Requests/<ID>/requestfile.bin  the upload, written at offsets
 *   Requests/<ID>/lock             per-session lock file (see bits_lock.h)
 *   Replies/<ID>/responsefile.bin  reply of the server application (types 1/2)
 * A closed/cancelled/expired session keeps only its state (the tombstone)
 * and lock file.  APR only (unit-tested). */
#ifndef BITS_SESSION_H
#define BITS_SESSION_H

#include <apr_pools.h>
#include <apr_time.h>
#include <apr_file_io.h>
#include <apr_file_info.h>
#include "bits_guid.h"
#include "bits_protocol.h"
#include "bits_progress.h"

#define BITS_SESSION_DIRNAME   "BITS-Sessions"
#define BITS_REQUESTS_DIR      "Requests"
#define BITS_REPLIES_DIR       "Replies"
#define BITS_STATE_FILE        "state"
#define BITS_REQUEST_FILE      "requestfile.bin"
#define BITS_RESPONSE_FILE     "responsefile.bin"
#define BITS_LOCK_FILE         "lock"

typedef enum {
    BITS_STATE_RECEIVING = 0,
    BITS_STATE_COMPLETING,
    BITS_STATE_DONE,
    BITS_STATE_REFUSED,
    BITS_STATE_CLOSED,
    BITS_STATE_CANCELLED,
    BITS_STATE_EXPIRED
} bits_state_t;

#define bits_state_is_terminal(s) ((s) >= BITS_STATE_CLOSED)

typedef struct {
    char id[BITS_GUID_LEN + 1];
    bits_state_t state;
    const char *owner;        /* r->user at Create-Session, "" if anonymous */
    const char *owner_key;    /* what the session counts against (bits_index.h) */
    const char *client_ip;    /* client address at Create-Session (NULL in
                                 older records) */
    const char *dest_url;     /* absolute URL as addressed at Create-Session */
    const char *dest_path;    /* confined file-system destination */
    const char *vhost;        /* ServerName of the vhost that created it: no
                                 other vhost knows the session, even through a
                                 shared store ("" in older records: any) */
    int notify_type;          /* how it completed; set from the configuration
                                 at completion (where to notify is never
                                 recorded: the record is not trusted with it) */
    int allow_overwrites;
    apr_off_t max_upload;     /* -1 = unlimited */
    apr_off_t total;          /* -1 = unknown (no fragment yet) */
    apr_off_t received;       /* N: contiguous bytes received and written */
    int copy_to_dest;
    int published;
    apr_ino_t publish_ino;    /* inode placed at dest_path (0 = none yet) */
    bits_ack_t final_ack;     /* cached completion outcome (status 0 = none) */
    const char *reply_url;
    int static_reply;
    int notify_failures;      /* failed notifications in a row (backoff) */
    apr_time_t notify_after;  /* no new notification before this (0 = any time) */
    apr_time_t created;
    apr_time_t last_activity;
    /* Group commit (bits_durable.h), kept in the progress record: */
    apr_off_t durable;        /* of N, the bytes known to be on stable storage */
    apr_time_t dirty_since;   /* when the oldest byte past durable was written */
    bits_node_t writer;       /* who wrote the bytes past durable */
    /* Not part of the record: what the store holds, as last loaded or
     * saved, so that a save knows whether the progress record suffices,
     * and where the next progress record goes (bits_progress.h). */
    bits_state_t stored_state;
    apr_off_t stored_total;       /* the state file's, or else its progress slot's */
    apr_off_t stored_received;    /* the state file's N */
    int progress_slot;
    apr_uint32_t progress_gen;
    apr_file_t *progress_file;    /* kept open by bits_session_load_for_update */
} bits_session_t;

const char *bits_state_name(bits_state_t s);

/* Serialises / parses the state file text.  Parsing is strict about the
 * version line and known keys' values; unknown keys are ignored. */
const char *bits_session_serialize(const bits_session_t *s, apr_pool_t *p);
apr_status_t bits_session_parse(bits_session_t *s, const char *text,
                                apr_size_t len, apr_pool_t *p);

/* Paths of a session's files. */
const char *bits_session_dir(const char *root, const char *id, apr_pool_t *p);
const char *bits_session_file(const char *root, const char *id,
                              const char *name, apr_pool_t *p);
const char *bits_reply_dir(const char *root, const char *id, apr_pool_t *p);

/* The group a store is shared with (BITSSessionGroup), or none. */
#define BITS_NO_GROUP ((apr_gid_t)-1)

/* Creates the store's root directory (with the group's modes if group is
 * not BITS_NO_GROUP); an existing real directory is left as it is. */
apr_status_t bits_session_create_store(const char *root, apr_gid_t group);

/* Creates Requests/<ID>/ (refusing symlinks on the way), an empty
 * request file and an empty progress record (0600); does not write the
 * state.  New directories are 0700 and the request file 0600; with a
 * `group`, directories are 02750 and the request file 0640, of that
 * group.  Existing directories are left as they are. */
apr_status_t bits_session_create_dir(const char *root, const char *id,
                                     apr_gid_t group, apr_pool_t *p);

/* Creates Replies/<ID>/ for the application's reply (no symlinks): 0700,
 * or with a `group` 02770 (Replies/ 02750), so that the application may
 * write its reply there and the file gets the group. */
apr_status_t bits_session_create_reply_dir(const char *root, const char *id,
                                           apr_gid_t group, apr_pool_t *p);

/* Loads the state file, then takes `received` (and a later last_activity,
 * the durable N and the writer) from the progress record if it holds a
 * valid slot of this session naming more bytes, at most the total; a
 * missing or damaged progress file leaves the state file's values, whose
 * N is always durable (bits_session_save).  Needs no lock: a slot torn by a
 * concurrent write fails its checksum and the other slot counts.
 * APR_ENOENT if there is no such session. */
apr_status_t bits_session_load(bits_session_t *s, const char *root,
                               const char *id, apr_pool_t *p);

/* bits_session_load for the holder of the session lock about to record
 * progress: the progress file read stays open (closed with p) for that
 * write, which then needs no lookup of its own. */
apr_status_t bits_session_load_for_update(bits_session_t *s, const char *root,
                                          const char *id, apr_pool_t *p);

/* Atomically replaces the state file (temp + fsync + rename + dir fsync).
 * The state file has no durable N: the N it records is always durable, so
 * for a live session with unsynced bytes the request file is synced first
 * (bits_session_sync_data). */
apr_status_t bits_session_save(bits_session_t *s, const char *root,
                               apr_pool_t *p);

/* For a record that only counts other received bytes (and a new
 * last_activity, durable N, writer) of a RECEIVING session whose total the
 * state file already holds: writes the progress record in place (pwrite
 * into the slot not in use), which costs no new inode, no rename and no
 * freed blocks.  The record is synced (fdatasync) when it claims nothing
 * unsynced (durable = N): only such a record must survive an OS crash, one
 * with unsynced bytes is worth its durable N at most.  Anything else is a
 * full bits_session_save.  The caller holds the session lock and has
 * written the data first. */
apr_status_t bits_session_save_progress(bits_session_t *s, const char *root,
                                        apr_pool_t *p);

/* Makes the request file's bytes durable: fdatasync of `f` (the open
 * request file), or of the file opened by path if f is NULL; then
 * durable = received.  The caller writes the record. */
apr_status_t bits_session_sync_data(bits_session_t *s, const char *root,
                                    apr_file_t *f, apr_pool_t *p);

/* The bytes past `n` are not held (bits_durable.h): the session of a
 * RECEIVING record falls back to N = durable = n, recorded durably (in
 * place, or by a full save if the state file names more), and the request
 * file is cut to n.  The caller holds the session lock. */
apr_status_t bits_session_fall_back(bits_session_t *s, const char *root, apr_off_t n,
                                    apr_pool_t *p);

/* mkdir that accepts an existing real directory but never a symlink. */
apr_status_t bits_store_mkdir(const char *path, apr_pool_t *p);

/* Saves the record in the terminal state given, then deletes the
 * session's data files (request file, progress, reply dir), keeping the
 * state file and lock (bits_index_retire also drops the session's index
 * entry).  Closing a DONE session leaves that rename unsynced: a crash
 * that undoes it leaves DONE, which a resent Close closes again. */
apr_status_t bits_session_tombstone(bits_session_t *s, const char *root,
                                    bits_state_t terminal, apr_pool_t *p);

/* 1 if a request to the virtual host named server_name may see session s:
 * the vhost that created it (ServerName, without regard to case), or any
 * for a record written before sessions named their vhost. */
int bits_session_of_vhost(const bits_session_t *s, const char *server_name);

/* 1 if the session has seen no successful packet for `timeout`. */
int bits_session_expired(const bits_session_t *s, apr_interval_time_t timeout,
                         apr_time_t now);

#endif
