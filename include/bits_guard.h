/* What a client may not upload, and where (issue 6, item 2): configuration
 * names, and destinations the server would execute.  Glue only. */
#ifndef BITS_GUARD_H
#define BITS_GUARD_H

#include "bits_request.h"

/* 1 if no component of `dest` below the upload directory is a name Apache
 * or a common handler reads as configuration, or one of the module's
 * staging names; else 0 and *ack is the refusal (403 0x80070005). */
int bits_name_allowed(bits_req_t *rq, const char *dest, bits_ack_t *ack);

/* 1 if fetching the destination URL would serve the file as it is; else 0
 * and *ack is the refusal (403 0x80200023, BG_E_SERVER_EXECUTE_ENABLED):
 * a handler other than the file handler, or Options ExecCGI/Includes. */
int bits_not_executed(bits_req_t *rq, bits_ack_t *ack);

/* Called by BITSUploadEnabled On: remembers its section for the check below. */
void bits_note_upload_section(cmd_parms *cmd);

/* Remembers, for the check below, the DocumentRoot of every server whose
 * uploads are enabled at server or <VirtualHost> level (after the
 * vhosts were merged: post_config, configtest). */
void bits_note_docroot_sections(apr_pool_t *pconf, server_rec *main);

/* Warns once per upload section whose effective Options include ExecCGI
 * or Includes (post_config and configtest). */
void bits_warn_executable_sections(apr_pool_t *ptemp, server_rec *s);

#endif
