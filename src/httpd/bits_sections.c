/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The sections BITSUploadEnabled On (or a BITSSessionDirectory) was
 * written in, remembered while the configuration is read; the startup
 * warning about those where httpd would execute uploads (Options ExecCGI
 * or Includes in effect), and their effective configuration for the
 * registry of swept stores. */
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <apr_fnmatch.h>
#include <apr_strings.h>

#include "bits_private.h"
#include "bits_sections.h"
#include "bits_path.h"

#define EXEC_OPTIONS (OPT_EXECCGI | OPT_INCLUDES | OPT_INC_WITH_EXEC)

/* A section where BITSUploadEnabled On was written. */
typedef struct {
    server_rec *server;
    ap_conf_vector_t *section;
    const char *path;           /* <Directory> path or <Location> URL */
    int is_location;
    const char *kind;           /* "Directory", "Location", "DocumentRoot" */
    const char *file;
    unsigned line;
    int store_only;             /* noted for its BITSSessionDirectory only */
} upload_section_t;

/* Lives in pconf: emptied with it before each configuration pass. */
static apr_array_header_t *upload_sections;

static apr_status_t forget_sections(void *unused)
{
    (void)unused;
    upload_sections = NULL;
    return APR_SUCCESS;
}

/* A new entry of upload_sections, which lives in pconf. */
static upload_section_t *new_section(apr_pool_t *pconf)
{
    if (upload_sections == NULL) {
        upload_sections = apr_array_make(pconf, 8, sizeof(upload_section_t));
        apr_pool_cleanup_register(pconf, NULL, forget_sections,
                                  apr_pool_cleanup_null);
    }
    return apr_array_push(upload_sections);
}

static const char *without_trailing_slashes(const char *path, apr_pool_t *p)
{
    apr_size_t len = strlen(path);

    while (len > 1 && path[len - 1] == '/')
        len--;
    return apr_pstrmemdup(p, path, len);
}

static upload_section_t *note_section(cmd_parms *cmd)
{
    upload_section_t *u = new_section(cmd->pool);

    u->server = cmd->server;
    u->section = cmd->context;
    u->path = without_trailing_slashes(cmd->path, cmd->pool);
    u->is_location = cmd->directive->parent
                     && !strcasecmp(cmd->directive->parent->directive, "<Location");
    u->kind = u->is_location ? "Location" : "Directory";
    u->file = cmd->directive->filename;
    u->line = cmd->directive->line_num;
    u->store_only = 0;
    return u;
}

void bits_note_upload_section(cmd_parms *cmd)
{
    note_section(cmd);
}

void bits_note_store_section(cmd_parms *cmd)
{
    if (cmd->path)
        note_section(cmd)->store_only = 1;
}

void bits_note_docroot_sections(apr_pool_t *pconf, server_rec *main)
{
    server_rec *s;

    for (s = main; s; s = s->next) {
        const bits_dir_conf *c = ap_get_module_config(s->lookup_defaults, &bits_module);
        core_server_config *sc = ap_get_core_module_config(s->module_config);
        upload_section_t *u;

        if (c->enabled != 1 || !c->root_docroot || !sc->ap_document_root)
            continue;
        u = new_section(pconf);
        u->server = s;
        u->section = s->lookup_defaults;
        u->path = without_trailing_slashes(sc->ap_document_root, pconf);
        u->is_location = 0;
        u->kind = "DocumentRoot";
        u->file = s->defn_name;
        u->line = s->defn_line_number;
        u->store_only = 0;
    }
}

/* path cut after its n-th '/', or NULL if it has fewer. */
static const char *first_dirs(const char *path, unsigned n, apr_pool_t *p)
{
    const char *c = path;

    for (; n > 0 && c; n--)
        if ((c = strchr(c, '/')) != NULL)
            c++;
    return c ? apr_pstrmemdup(p, path, (apr_size_t)(c - path)) : NULL;
}

/* Whether a <Directory> (or <Location>) section applies to the directory
 * path/ (or URL path), roughly as httpd's directory (location) walk decides. */
static int section_applies(const core_dir_config *cd, const char *path,
                           int is_location, apr_pool_t *p)
{
    const char *dirs;

    if (cd->d == NULL)
        return 0;
    if (cd->r)
        return ap_regexec(cd->r, path, 0, NULL, 0) == 0;
    if (!cd->d_is_fnmatch)
        return bits_path_is_within(cd->d, path);
    if (is_location)
        return apr_fnmatch(cd->d, path, APR_FNM_PATHNAME) == APR_SUCCESS;
    dirs = first_dirs(path, cd->d_components, p);
    return dirs && apr_fnmatch(cd->d, dirs, APR_FNM_PATHNAME) == APR_SUCCESS;
}

/* The configuration in effect for an upload section: the server's
 * defaults and every section of its kind that applies, merged in httpd's
 * order (sec_dir and sec_url are sorted so).  .htaccess files cannot be
 * known here: the checks at Create-Session cover them. */
static ap_conf_vector_t *effective_config(const upload_section_t *u, apr_pool_t *p)
{
    core_server_config *sc = ap_get_core_module_config(u->server->module_config);
    apr_array_header_t *sections = u->is_location ? sc->sec_url : sc->sec_dir;
    const char *path = u->is_location ? u->path : apr_pstrcat(p, u->path, "/", NULL);
    ap_conf_vector_t *merged = u->server->lookup_defaults;
    int i;

    for (i = 0; sections && i < sections->nelts; i++) {
        ap_conf_vector_t *entry = APR_ARRAY_IDX(sections, i, ap_conf_vector_t *);

        if (section_applies(ap_get_core_module_config(entry), path, u->is_location, p))
            merged = ap_merge_per_dir_configs(p, merged, entry);
    }
    return merged;
}

static int effective_options(const upload_section_t *u, apr_pool_t *p)
{
    return ((core_dir_config *)ap_get_core_module_config(effective_config(u, p)))->opts;
}

void bits_sections_each(apr_pool_t *ptemp, bits_section_fn fn, void *baton)
{
    int i;

    for (i = 0; upload_sections && i < upload_sections->nelts; i++) {
        const upload_section_t *u = &APR_ARRAY_IDX(upload_sections, i, upload_section_t);
        const core_dir_config *cd = ap_get_core_module_config(u->section);

        /* A pattern names no one directory. */
        if (u->section != u->server->lookup_defaults && (cd->r || cd->d_is_fnmatch))
            continue;
        fn(baton, u->server, u->path, u->is_location,
           ap_get_module_config(effective_config(u, ptemp), &bits_module));
    }
}

static int noted_before(int upto, const ap_conf_vector_t *section)
{
    int i;

    for (i = 0; i < upto; i++) {
        const upload_section_t *u = &APR_ARRAY_IDX(upload_sections, i, upload_section_t);
        if (u->section == section && !u->store_only)
            return 1;
    }
    return 0;
}

void bits_warn_executable_sections(apr_pool_t *ptemp, server_rec *s)
{
    int i;

    for (i = 0; upload_sections && i < upload_sections->nelts; i++) {
        const upload_section_t *u = &APR_ARRAY_IDX(upload_sections, i, upload_section_t);
        int opts;

        if (u->store_only || noted_before(i, u->section))
            continue;
        opts = effective_options(u, ptemp);
        if (!(opts & EXEC_OPTIONS))
            continue;
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "mod_bits: <%s %s> (%s:%u) "
                     "enables BITS uploads with Options%s%s in effect: every upload "
                     "there is refused with 0x80200023 (BG_E_SERVER_EXECUTE_ENABLED); "
                     "set Options -ExecCGI -Includes for upload directories",
                     u->kind, u->path,
                     u->file ? u->file : "?", u->line,
                     opts & OPT_EXECCGI ? " ExecCGI" : "",
                     opts & (OPT_INCLUDES | OPT_INC_WITH_EXEC) ? " Includes" : "");
    }
}
