/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Session ids: brace-wrapped upper-case GUIDs from a CSPRNG (§3.2). */
#ifndef BITS_GUID_H
#define BITS_GUID_H

#include <apr_errno.h>

#define BITS_GUID_LEN 38   /* "{8-4-4-4-12}" */

/* Fills out (BITS_GUID_LEN + 1 bytes) with a random version-4 GUID. */
apr_status_t bits_guid_new(char *out);

/* Strictly validates an id and writes its canonical upper-case form into
 * out (BITS_GUID_LEN + 1 bytes).  Returns 1 if valid, else 0 and out is "". */
int bits_guid_canonical(const char *in, char *out);

#endif
