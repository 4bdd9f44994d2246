/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bitsctl: looks after a mod_bits session store while Apache runs, through
 * the module's own core (records, progress, index, locks, sweep). */
#ifndef BITSCTL_H
#define BITSCTL_H

#include <stdio.h>
#include <apr_pools.h>
#include <apr_time.h>
#include "bits_lock.h"
#include "bits_session.h"

/* Exit codes (bitsctl.8, README). */
#define EXIT_OK        0
#define EXIT_PROBLEMS  1   /* verify found inconsistencies */
#define EXIT_USAGE     2
#define EXIT_NO_SESSION 3  /* show/cancel: no such session */
#define EXIT_BUSY      4   /* cancel: a request kept the session locked */
#define EXIT_STORE     5   /* the store cannot be used (missing, I/O, user) */

typedef struct {
    const char *store;
    int json;
    int dry_run;
    apr_interval_time_t older_than;  /* expire */
    apr_interval_time_t timeout;     /* sweep: BITSSessionTimeout */
    int limit;                       /* sweep: BITSNumberOfSessionsLimit, 0 none */
    apr_interval_time_t wait;        /* cancel: BITSLockTimeout */
    bits_claims_t *claims;
    apr_time_t now;
    apr_pool_t *pool;
} ctl_t;

/* Commands: each returns the exit code. */
int cmd_list(ctl_t *c);
int cmd_show(ctl_t *c, const char *id);
int cmd_cancel(ctl_t *c, const char *id);
int cmd_expire(ctl_t *c);
int cmd_sweep(ctl_t *c);
int cmd_verify(ctl_t *c);

/* Runs as the store's owner: as root, switches to the owner and group of
 * the store directory (refusing a store owned by root); otherwise a
 * command that writes (`writes`) needs to be that owner.  Prints why not
 * and returns 0 if it cannot. */
int become_store_owner(const char *store, int writes);

/* Output helpers (out.c). */
void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A JSON string literal (quotes included) for s (NULL: null). */
const char *json_str(const char *s, apr_pool_t *p);
/* "3d4h", "12m", "40s": a compact duration for tables. */
const char *human_age(apr_interval_time_t d, apr_pool_t *p);
/* Whole seconds of an APR time or interval, for JSON. */
apr_int64_t epoch_sec(apr_time_t t);
/* One session as a JSON object (without a trailing newline). */
const char *session_json(const ctl_t *c, const bits_session_t *s, apr_pool_t *p);
/* The session id in canonical form, or NULL (and a message) if it is none. */
const char *session_id_arg(const char *arg, apr_pool_t *p);
/* A message for an APR status. */
const char *apr_err(apr_status_t rv, apr_pool_t *p);

#endif
