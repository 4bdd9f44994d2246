/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bitsctl, the htcacheclean of mod_bits: lists, inspects, cancels, expires,
 * sweeps and verifies the sessions of a store while Apache runs. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>
#include "bitsctl.h"
#include "bits_defaults.h"
#include "bits_protocol.h"

static const char usage[] =
"usage: bitsctl -d STORE [--json] COMMAND [options]\n"
"\n"
"  list                     the sessions: id, owner, state, received/total, age, destination\n"
"  show ID                  one session in full\n"
"  cancel ID [--wait DUR]   end a session as Cancel-Session does (its data goes)\n"
"  expire --older-than DUR [--dry-run]\n"
"                           expire sessions idle for longer than DUR (3d, 12h, 30m)\n"
"  sweep [--dry-run] [--timeout DUR] [--limit N]\n"
"                           the module's sweep: expiry, old tombstones, debris,\n"
"                           the per-owner limit, index repair\n"
"  verify                   report inconsistencies; changes nothing\n"
"\n"
"  -d, --store STORE   the session directory (BITSSessionDirectory, or the\n"
"                      upload directory's BITS-Sessions)\n"
"  --json              one JSON object on stdout\n"
"  --dry-run           say what would be done, change nothing\n"
"  --timeout DUR       BITSSessionTimeout for sweep (default 14d)\n"
"  --limit N           BITSNumberOfSessionsLimit for sweep (default 50, 0: none)\n"
"  --wait DUR          how long cancel waits for a busy session (default 10s)\n"
"\n"
"Exit: 0 done, 1 verify found problems, 2 usage, 3 no such session,\n"
"4 session busy, 5 store unusable.  As root, bitsctl runs as the store's owner.\n";

enum { OPT_JSON = 256, OPT_DRY_RUN, OPT_OLDER, OPT_TIMEOUT, OPT_LIMIT, OPT_WAIT };

static const struct option options[] = {
    { "store",      required_argument, NULL, 'd' },
    { "json",       no_argument,       NULL, OPT_JSON },
    { "dry-run",    no_argument,       NULL, OPT_DRY_RUN },
    { "older-than", required_argument, NULL, OPT_OLDER },
    { "timeout",    required_argument, NULL, OPT_TIMEOUT },
    { "limit",      required_argument, NULL, OPT_LIMIT },
    { "wait",       required_argument, NULL, OPT_WAIT },
    { "help",       no_argument,       NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

/* Durations as the directives take them (bits_parse_duration). */
static apr_interval_time_t duration(const char *opt, const char *v)
{
    apr_int64_t sec;

    if (bits_parse_duration(v, &sec) != 0 || sec > APR_INT64_MAX / APR_USEC_PER_SEC)
        die_usage("--%s: '%s' is not a duration (like 30s, 15m, 12h, 3d, 2w)", opt, v);
    return apr_time_from_sec(sec);
}

static int count(const char *opt, const char *v)
{
    char *end;
    long n = strtol(v, &end, 10);

    if (!*v || *end || n < 0 || n > 1000000)
        die_usage("--%s: '%s' is not a count", opt, v);
    return (int)n;
}

typedef struct {
    const char *name;
    int args;          /* operands after the command */
    int writes;
} command_t;

static const command_t commands[] = {
    { "list", 0, 0 }, { "show", 1, 0 }, { "verify", 0, 0 },
    { "cancel", 1, 1 }, { "expire", 0, 1 }, { "sweep", 0, 1 },
};

int main(int argc, char **argv)
{
    ctl_t c;
    const command_t *cmd = NULL;
    int opt, older_set = 0, dry_set = 0;
    unsigned i;

    memset(&c, 0, sizeof c);
    c.timeout = apr_time_from_sec(BITS_DEFAULT_SESSION_TIMEOUT);
    c.limit = BITS_DEFAULT_SESSIONS_LIMIT;
    c.wait = apr_time_from_sec(BITS_DEFAULT_LOCK_TIMEOUT);
    while ((opt = getopt_long(argc, argv, "d:h", options, NULL)) != -1) {
        switch (opt) {
        case 'd':         c.store = optarg; break;
        case OPT_JSON:    c.json = 1; break;
        case OPT_DRY_RUN: c.dry_run = dry_set = 1; break;
        case OPT_OLDER:   c.older_than = duration("older-than", optarg); older_set = 1; break;
        case OPT_TIMEOUT: c.timeout = duration("timeout", optarg); break;
        case OPT_LIMIT:   c.limit = count("limit", optarg); break;
        case OPT_WAIT:    c.wait = duration("wait", optarg); break;
        case 'h':         fputs(usage, stdout); return EXIT_OK;
        default:          fputs(usage, stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc)
        die_usage("no command given");
    for (i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[optind], commands[i].name))
            cmd = &commands[i];
    if (!cmd)
        die_usage("unknown command '%s'", argv[optind]);
    if (argc - optind - 1 != cmd->args)
        die_usage("%s takes %s", cmd->name, cmd->args ? "a session id" : "no operand");
    if (!c.store)
        die_usage("no store given (-d STORE)");
    if (dry_set && strcmp(cmd->name, "sweep") && strcmp(cmd->name, "expire"))
        die_usage("--dry-run is for sweep and expire");
    if (!strcmp(cmd->name, "expire") && (!older_set || c.older_than <= 0))
        die_usage("expire needs --older-than DUR (more than 0)");
    /* A store path with trailing slashes is the same store. */
    c.store = strcmp(c.store, "/") ? c.store : "/";
    while (strlen(c.store) > 1 && c.store[strlen(c.store) - 1] == '/')
        c.store = strndup(c.store, strlen(c.store) - 1);

    if (!become_store_owner(c.store, cmd->writes && !c.dry_run))
        return EXIT_STORE;
    apr_app_initialize(&argc, (const char *const **)&argv, NULL);
    atexit(apr_terminate);
    apr_pool_create(&c.pool, NULL);
    c.now = apr_time_now();
    if (bits_claims_create(&c.claims, 4, c.pool) != APR_SUCCESS) {
        err("out of memory");
        return EXIT_STORE;
    }
    if (!strcmp(cmd->name, "list"))   return cmd_list(&c);
    if (!strcmp(cmd->name, "show"))   return cmd_show(&c, argv[optind + 1]);
    if (!strcmp(cmd->name, "verify")) return cmd_verify(&c);
    if (!strcmp(cmd->name, "cancel")) return cmd_cancel(&c, argv[optind + 1]);
    if (!strcmp(cmd->name, "expire")) return cmd_expire(&c);
    return cmd_sweep(&c);
}
