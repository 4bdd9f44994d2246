/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* verify: the core's store check (bits_verify.h), printed. */
#include "bitsctl.h"
#include "bits_cleanup.h"
#include "bits_verify.h"

typedef struct {
    ctl_t *c;
    int n;
} verify_out_t;

static void print_problem(void *baton, const bits_problem_t *pb)
{
    verify_out_t *o = baton;
    apr_pool_t *p = o->c->pool;

    if (o->c->json)
        printf("%s\n  {\"kind\": %s, \"id\": %s, \"path\": %s, \"detail\": %s}",
               o->n++ ? "," : "", json_str(pb->kind, p), json_str(pb->id, p),
               json_str(pb->path, p), json_str(pb->detail, p));
    else
        printf("%-11s  %s: %s\n", pb->kind, pb->path ? pb->path : "-", pb->detail);
}

int cmd_verify(ctl_t *c)
{
    verify_out_t out = { c, 0 };
    bits_verify_stats_t st;
    apr_status_t rv;

    if (c->json)
        printf("{\"store\": %s, \"problems\": [", json_str(c->store, c->pool));
    rv = bits_verify_store(c->store, BITS_SWEEP_GRACE, c->claims, c->now,
                           print_problem, &out, &st, c->pool);
    if (rv != APR_SUCCESS) {
        if (c->json)
            printf("]}\n");
        err("cannot verify %s: %s", c->store, apr_err(rv, c->pool));
        return EXIT_STORE;
    }
    if (c->json)
        printf("%s], \"sessions\": %d, \"busy\": %d, \"count\": %d}\n",
               st.problems ? "\n" : "", st.sessions, st.busy, st.problems);
    else
        printf("%s: %d session%s checked (%d busy, skipped), %d problem%s\n", c->store,
               st.sessions, st.sessions == 1 ? "" : "s", st.busy, st.problems,
               st.problems == 1 ? "" : "s");
    return st.problems ? EXIT_PROBLEMS : EXIT_OK;
}
