/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The upload sections of the configuration and the startup warning about
 * executable ones (src/httpd/bits_sections.c).  Glue only. */
#ifndef BITS_SECTIONS_H
#define BITS_SECTIONS_H

#include <httpd.h>
#include <http_config.h>
#include "bits_config.h"

/* Called by BITSUploadEnabled On: remembers its section for the warning below. */
void bits_note_upload_section(cmd_parms *cmd);

/* Called by BITSSessionDirectory in a section: remembers it for
 * bits_sections_each only. */
void bits_note_store_section(cmd_parms *cmd);

/* Remembers, for the warning below, the DocumentRoot of every server whose
 * uploads are enabled at server or <VirtualHost> level (after the
 * vhosts were merged: post_config, configtest). */
void bits_note_docroot_sections(apr_pool_t *pconf, server_rec *main);

/* Warns once per upload section whose effective Options include ExecCGI
 * or Includes (post_config and configtest). */
void bits_warn_executable_sections(apr_pool_t *ptemp, server_rec *s);

/* Calls fn for every noted section with a plain path (the DocumentRoots
 * too), with the configuration in effect there as far as the sections
 * tell (post_config). */
typedef void (*bits_section_fn)(void *baton, server_rec *s, const char *path,
                                int is_location, const bits_dir_conf *merged);
void bits_sections_each(apr_pool_t *ptemp, bits_section_fn fn, void *baton);

#endif
