/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Mistakes that pass `apachectl -t` but break or weaken uploads, found by
 * walking httpd's configuration tree (ap_conftree: every directive with
 * its file and line, inside its sections).  None stops the server: a
 * mistake in one upload location must not take every other site down on
 * a graceful restart (httpd treats a missing DocumentRoot alike).  Where
 * that location cannot work at all the line is an error, else a warning. */
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <unixd.h>
#include <apr_strings.h>
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bits_private.h"
#include "bits_conftest.h"
#include "bits_sections.h"
#include "bits_session.h"
#include "bits_path.h"

int bits_server_user_in_group(apr_gid_t g)
{
    gid_t groups[256];
    int n = (int)(sizeof groups / sizeof *groups), i;

    if (geteuid() != 0) {           /* not started as root: we are the user */
        if (getegid() == g)
            return 1;
        n = getgroups(n, groups);
    }
    else if (getgrouplist(ap_unixd_config.user_name, ap_unixd_config.group_id,
                          groups, &n) < 0) {
        n = 0;
    }
    for (i = 0; i < n; i++)
        if (groups[i] == g)
            return 1;
    return ap_unixd_config.group_id == g;
}

/* ---- the directives, as written ------------------------------------- */

typedef struct {
    const ap_directive_t *d;
    const ap_directive_t *vhost;     /* its <VirtualHost>, NULL: main server */
    const ap_directive_t *section;   /* its <Directory>/<Location>/..., or NULL */
} noted_t;

typedef struct {
    apr_array_header_t *type, *url, *count, *use_default, *store, *enabled;
} noted_all_t;

/* Conditional sections (<IfModule>, <IfDefine>, ...) were decided while
 * reading: what is left of them applies as if written outside. */
static int is_conditional(const ap_directive_t *d)
{
    return !strncasecmp(d->directive, "<If", 3) && strcasecmp(d->directive, "<If");
}

static void walk(const ap_directive_t *d, const ap_directive_t *vhost,
                 const ap_directive_t *section, noted_all_t *all)
{
    static const struct { const char *name; size_t at; } kinds[] = {
        { "BITSServerNotificationType", APR_OFFSETOF(noted_all_t, type) },
        { "BITSServerNotificationURL", APR_OFFSETOF(noted_all_t, url) },
        { "BITSCleanupCount", APR_OFFSETOF(noted_all_t, count) },
        { "BITSCleanupUseDefault", APR_OFFSETOF(noted_all_t, use_default) },
        { "BITSSessionDirectory", APR_OFFSETOF(noted_all_t, store) },
        { "BITSUploadEnabled", APR_OFFSETOF(noted_all_t, enabled) },
    };
    unsigned i;

    for (; d; d = d->next) {
        for (i = 0; i < sizeof kinds / sizeof *kinds; i++) {
            if (!strcasecmp(d->directive, kinds[i].name)) {
                apr_array_header_t *a = *(apr_array_header_t **)((char *)all + kinds[i].at);
                noted_t *n = apr_array_push(a);
                n->d = d;
                n->vhost = vhost;
                n->section = section;
            }
        }
        if (!d->first_child)
            continue;
        if (!strcasecmp(d->directive, "<VirtualHost"))
            walk(d->first_child, d, NULL, all);
        else if (is_conditional(d))
            walk(d->first_child, vhost, section, all);
        else
            walk(d->first_child, vhost, d, all);
    }
}

/* The path of a section as written: `"/x y">` gives /x y. */
static const char *section_path(const ap_directive_t *section, apr_pool_t *p)
{
    char *args = apr_pstrdup(p, section->args), *end = strrchr(args, '>');
    const char *word = args;

    if (end)
        *end = '\0';
    return ap_getword_conf(p, &word);
}

/* A directive's first argument, unquoted as httpd reads it. */
static const char *first_arg(const ap_directive_t *d, apr_pool_t *p)
{
    const char *args = d->args;

    return ap_getword_conf(p, &args);
}

/* "<Directory /x> (file:12)", "<VirtualHost *:80> (file:3)" or "the main server". */
static const char *where(const ap_directive_t *section, const ap_directive_t *vhost,
                         apr_pool_t *p)
{
    const ap_directive_t *d = section ? section : vhost;

    if (!d)
        return "the main server";
    return apr_psprintf(p, "%s %s> (%s:%d)", d->directive, section_path(d, p),
                        d->filename, d->line_num);
}

static server_rec *server_of(const ap_directive_t *vhost, server_rec *main)
{
    server_rec *s;

    for (s = main->next; vhost && s; s = s->next)
        if (s->defn_name && !strcmp(s->defn_name, vhost->filename)
            && s->defn_line_number == (unsigned)vhost->line_num)
            return s;
    return main;
}

/* ---- the checks ------------------------------------------------------ */

/* Types 1 and 2 need a URL somewhere in the same server: the main
 * server's directives reach every vhost.  Which sections a request merges
 * is left to Create-Session, which refuses one without a URL. */
static void check_notification(const noted_all_t *all, server_rec *main, apr_pool_t *p)
{
    int i, j;

    for (i = 0; i < all->type->nelts; i++) {
        const noted_t *t = &APR_ARRAY_IDX(all->type, i, noted_t);
        int found = 0;

        if (!strcmp(first_arg(t->d, p), "0"))
            continue;
        for (j = 0; j < all->url->nelts && !found; j++) {
            const noted_t *u = &APR_ARRAY_IDX(all->url, j, noted_t);
            found = !t->vhost || !u->vhost || u->vhost == t->vhost;
        }
        if (found)
            continue;
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, server_of(t->vhost, main), "BITS00125: "
                     "mod_bits: BITSServerNotificationType %s (%s:%d, in %s) needs a "
                     "BITSServerNotificationURL, and %s has none: every Create-Session "
                     "there is refused", t->d->args, t->d->filename, t->d->line_num,
                     where(t->section, t->vhost, p), where(NULL, t->vhost, p));
    }
}

/* Whether the server user may do `want` (W_OK, X_OK) on an existing file. */
static int user_may(const char *path, const struct stat *st, int want)
{
    mode_t bits = (want & W_OK ? 2u : 0u) | (want & X_OK ? 1u : 0u);

    if (geteuid() != 0)
        return access(path, want) == 0;
    if (ap_unixd_config.user_id == 0)
        return 1;
    if (st->st_uid == ap_unixd_config.user_id)
        return ((st->st_mode >> 6) & bits) == bits;
    if (bits_server_user_in_group(st->st_gid))
        return ((st->st_mode >> 3) & bits) == bits;
    return (st->st_mode & bits) == bits;
}

/* NULL if the server user can use (or create) the store, else why not;
 * *missing is set if it does not exist yet. */
static const char *store_problem(const char *store, int *missing, apr_pool_t *p)
{
    char *path = apr_pstrdup(p, store), *slash;
    const char *parent;
    struct stat st;

    *missing = 0;
    /* Every directory above must be searchable. */
    for (slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (stat(path, &st) == 0 && !user_may(path, &st, X_OK)) {
            parent = apr_pstrdup(p, path);
            *slash = '/';
            return apr_psprintf(p, "the server user cannot enter %s", parent);
        }
        *slash = '/';
    }
    if (stat(store, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return "it is not a directory";
        return user_may(store, &st, W_OK | X_OK) ? NULL
               : "the server user cannot write to it";
    }
    *missing = 1;
    if (errno != ENOENT)
        return apr_psprintf(p, "%s", strerror(errno));
    /* mod_bits creates the store itself, but only its last component. */
    parent = apr_pstrmemdup(p, store, (apr_size_t)(strrchr(store, '/') - store));
    if (!*parent)
        parent = "/";
    if (stat(parent, &st) != 0)
        return apr_psprintf(p, "it does not exist, nor does %s", parent);
    return user_may(parent, &st, W_OK | X_OK) ? NULL
           : apr_psprintf(p, "it does not exist, and the server user cannot create "
                          "it in %s", parent);
}

static const char *server_user(void)
{
    return ap_unixd_config.user_name ? ap_unixd_config.user_name : "?";
}

static void check_stores(const noted_all_t *all, server_rec *main, apr_pool_t *p)
{
    int i, missing;

    for (i = 0; i < all->store->nelts; i++) {
        const noted_t *n = &APR_ARRAY_IDX(all->store, i, noted_t);
        const char *arg = first_arg(n->d, p);
        const char *store = ap_server_root_relative(p, arg);
        const char *why = store ? store_problem(store, &missing, p) : "not a path";

        if (why)
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, server_of(n->vhost, main), "BITS00126: "
                         "mod_bits: BITSSessionDirectory %s (%s:%d, in %s) cannot be "
                         "used by the server user %s: %s; every Create-Session there "
                         "fails", arg, n->d->filename, n->d->line_num,
                         where(n->section, n->vhost, p), server_user(), why);
        else if (missing)
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, server_of(n->vhost, main),
                         "BITS00127: mod_bits: BITSSessionDirectory %s (%s:%d, in %s) "
                         "does not exist; it is created at the first Create-Session "
                         "(check the path)", arg, n->d->filename,
                         n->d->line_num, where(n->section, n->vhost, p));
    }
}

/* A BITSCleanupUseDefault Off reaches a BITSCleanupCount from the same
 * section, from its server's or the main server's level, or from a
 * <Directory> above its own. */
static int cleanup_off_reaches(const noted_t *c, const noted_all_t *all, apr_pool_t *p)
{
    int i;

    for (i = 0; i < all->use_default->nelts; i++) {
        const noted_t *u = &APR_ARRAY_IDX(all->use_default, i, noted_t);

        if (strcasecmp(first_arg(u->d, p), "Off") || (u->vhost && u->vhost != c->vhost))
            continue;
        if (!u->section || u->section == c->section)
            return 1;
        if (c->section && !strcasecmp(u->section->directive, "<Directory")
            && !strcasecmp(c->section->directive, "<Directory")
            && bits_path_is_within(section_path(u->section, p),
                                   section_path(c->section, p)))
            return 1;
    }
    return 0;
}

static void check_cleanup(const noted_all_t *all, server_rec *main, apr_pool_t *p)
{
    int i;

    for (i = 0; i < all->count->nelts; i++) {
        const noted_t *c = &APR_ARRAY_IDX(all->count, i, noted_t);

        if (!cleanup_off_reaches(c, all, p))
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, server_of(c->vhost, main),
                         "BITS00128: mod_bits: BITSCleanupCount %s (%s:%d, in %s) is "
                         "ignored without BITSCleanupUseDefault Off: the sessions there "
                         "are swept every 12 hours", c->d->args, c->d->filename,
                         c->d->line_num, where(c->section, c->vhost, p));
    }
}

/* mod_dav keeps its per-directory setting private; dav_get_provider_name()
 * reads it from a request, of which it uses only per_dir_config.  Looked
 * up at run time: mod_bits must load without mod_dav. */
typedef const char *(*provider_name_fn)(request_rec *r);

static int dav_on(server_rec *s, const char *dir, provider_name_fn provider_name,
                  apr_pool_t *p)
{
    request_rec fake;

    memset(&fake, 0, sizeof fake);
    fake.pool = p;
    fake.server = s;
    fake.per_dir_config = bits_section_config(s, apr_pstrcat(p, dir, "/", NULL), 0, p);
    return provider_name(&fake) != NULL;
}

/* The stores of the upload sections: configured, or <Directory>/BITS-Sessions. */
static void check_dav(const noted_all_t *all, server_rec *main, apr_pool_t *p)
{
    provider_name_fn provider_name;
    int i, j;

    if (!ap_find_linked_module("mod_dav.c")
        || !(provider_name = (provider_name_fn)dlsym(RTLD_DEFAULT, "dav_get_provider_name")))
        return;
    for (i = 0; i < all->enabled->nelts; i++) {
        const noted_t *e = &APR_ARRAY_IDX(all->enabled, i, noted_t);
        const char *store = NULL;
        const noted_t *from = e;
        server_rec *s = server_of(e->vhost, main);

        if (strcasecmp(first_arg(e->d, p), "On"))
            continue;
        for (j = 0; j < all->store->nelts; j++) {
            const noted_t *n = &APR_ARRAY_IDX(all->store, j, noted_t);
            if (n->section == e->section && n->vhost == e->vhost) {
                store = ap_server_root_relative(p, first_arg(n->d, p));
                from = n;
            }
        }
        if (!store && e->section && !strcasecmp(e->section->directive, "<Directory"))
            store = apr_pstrcat(p, section_path(e->section, p), "/" BITS_SESSION_DIRNAME,
                                NULL);
        if (!store || !dav_on(s, store, provider_name, p))
            continue;
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "BITS00129: mod_bits: the "
                     "session store %s (of %s, %s:%d) lies in a DAV On tree: mod_bits "
                     "hides it from listings and refuses DELETE, MOVE and COPY above it, "
                     "but mod_dav still walks it (Depth infinity); move the store out "
                     "of it (BITSSessionDirectory) or turn DAV off there",
                     store, where(e->section, e->vhost, p), from->d->filename,
                     from->d->line_num);
    }
}

void bits_check_config(apr_pool_t *ptemp, server_rec *main)
{
    noted_all_t all;

    all.type = apr_array_make(ptemp, 4, sizeof(noted_t));
    all.url = apr_array_make(ptemp, 4, sizeof(noted_t));
    all.count = apr_array_make(ptemp, 4, sizeof(noted_t));
    all.use_default = apr_array_make(ptemp, 4, sizeof(noted_t));
    all.store = apr_array_make(ptemp, 4, sizeof(noted_t));
    all.enabled = apr_array_make(ptemp, 4, sizeof(noted_t));
    walk(ap_conftree, NULL, NULL, &all);
    check_notification(&all, main, ptemp);
    check_stores(&all, main, ptemp);
    check_cleanup(&all, main, ptemp);
    check_dav(&all, main, ptemp);
}
