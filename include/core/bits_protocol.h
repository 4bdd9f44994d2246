/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* BITS Upload Protocol vocabulary: packet types, header names, HRESULTs,
 * and the parsers for request header values.  APR only (unit-tested). */
#ifndef BITS_PROTOCOL_H
#define BITS_PROTOCOL_H

#include <apr_pools.h>
#include <apr_file_io.h>

#define BITS_METHOD            "BITS_POST"
#define BITS_PROTOCOL_GUID     "{7df0354d-249b-430f-820d-3d2a9bef4931}"
#define BITS_MAX_HEADER_VALUE  4096   /* §2.1: longer values are refused */
#define BITS_MAX_PROTOCOLS     100    /* §5: entries examined, as on Windows */

#define BITS_H_PACKET_TYPE     "BITS-Packet-Type"
#define BITS_H_SESSION_ID      "BITS-Session-Id"
#define BITS_H_PROTOCOLS       "BITS-Supported-Protocols"
#define BITS_H_PROTOCOL        "BITS-Protocol"
#define BITS_H_RECEIVED        "BITS-Received-Content-Range"
#define BITS_H_ERROR_CODE      "BITS-Error-Code"
#define BITS_H_ERROR_CONTEXT   "BITS-Error-Context"
#define BITS_H_HOST_ID         "BITS-Host-Id"
#define BITS_H_HOST_FALLBACK   "BITS-Host-Id-Fallback-Timeout"
#define BITS_H_REPLY_URL       "BITS-Reply-URL"

/* HRESULTs sent in BITS-Error-Code (§9). */
#define BITS_E_OK                0x00000000u  /* goes with 416 (§17.3) */
#define BITS_E_FAIL              0x80004005u
#define BITS_E_ACCESSDENIED      0x80070005u
#define BITS_E_INVALIDARG        0x80070057u
#define BITS_E_DISK_FULL         0x80070070u  /* HRESULT_FROM_WIN32(112), §17.13 */
#define BITS_E_TIMEOUT           0x800705B4u
#define BITS_E_SESSION_NOT_FOUND 0x8020001Fu
#define BITS_E_TOO_LARGE         0x80200020u
#define BITS_E_SERVER_EXECUTE_ENABLED 0x80200023u  /* the upload would be executed (§15) */
#define BITS_E_HTTP(status)      (0x80190000u + (unsigned)(status))

#define BITS_CONTEXT_SERVER      0x5          /* BG_ERROR_CONTEXT_REMOTE_FILE */
#define BITS_CONTEXT_APPLICATION 0x7          /* BG_ERROR_CONTEXT_REMOTE_APPLICATION */

/* An Ack outcome: status 200 means success (no error headers). */
typedef struct {
    int status;
    unsigned int code;
    int context;
} bits_ack_t;

#define BITS_ACK_OK           ((bits_ack_t){ 200, 0, 0 })
#define BITS_ACK_ERR(s, c)    ((bits_ack_t){ (s), (c), BITS_CONTEXT_SERVER })
#define BITS_ACK_APP(s, c)    ((bits_ack_t){ (s), (c), BITS_CONTEXT_APPLICATION })
/* The answers many packets share (§9 rows 4-8, 10, 13). */
#define BITS_ACK_INVALID      BITS_ACK_ERR(400, BITS_E_INVALIDARG)
#define BITS_ACK_DENIED       BITS_ACK_ERR(403, BITS_E_ACCESSDENIED)
#define BITS_ACK_NOT_FOUND    BITS_ACK_ERR(500, BITS_E_SESSION_NOT_FOUND)

typedef enum {
    BITS_PACKET_INVALID = 0,
    BITS_PACKET_PING,
    BITS_PACKET_CREATE_SESSION,
    BITS_PACKET_FRAGMENT,
    BITS_PACKET_CLOSE_SESSION,
    BITS_PACKET_CANCEL_SESSION
} bits_packet_t;

/* Case-insensitive, surrounding blanks ignored; NULL/unknown -> INVALID. */
bits_packet_t bits_packet_parse(const char *value);
const char *bits_packet_name(bits_packet_t type);

/* A decimal byte count: digits only (blanks around allowed), no sign, fits
 * in a signed 64-bit offset.  Returns 0 on success, -1 otherwise. */
int bits_parse_length(const char *value, apr_off_t *out);

/* Configuration values as operators write them: digits and one optional
 * unit, case-insensitive.  Sizes: K, M, G, T (powers of 1024); durations
 * in seconds: s, m (minutes), h, d, w.  No blanks, no sign; 0 on success,
 * -1 if malformed or beyond 2^63-1. */
int bits_parse_size(const char *value, apr_int64_t *out);
int bits_parse_duration(const char *value, apr_int64_t *out);

/* Content-Range of a Fragment (§3.4).  "bytes 0--1/0" and "bytes * /0"
 * (without the blank) parse as the empty entity: first = 0, last = -1. */
typedef struct {
    apr_off_t first;
    apr_off_t last;     /* inclusive; -1 for the empty entity */
    apr_off_t total;
} bits_range_t;

int bits_range_parse(const char *value, bits_range_t *out);
#define bits_range_length(rg) ((rg)->last - (rg)->first + 1)

/* What to do with a fragment given N contiguous bytes already held
 * (§7.4 steps 6-8). */
typedef enum {
    BITS_FRAG_GAP,        /* first > N: 416 */
    BITS_FRAG_HELD,       /* last < N: nothing new, 200 */
    BITS_FRAG_WRITE       /* write body[skip..] at offset N */
} bits_frag_action_t;

bits_frag_action_t bits_fragment_plan(const bits_range_t *rg, apr_off_t held,
                                      apr_off_t *skip);

/* §5: 1 if the list names the BITS 1.5 upload protocol, else 0. */
int bits_protocol_negotiate(const char *supported, apr_pool_t *p);

/* "0x%08X" form of an HRESULT, "0x0" for zero (§17.2/3). */
const char *bits_hresult_str(unsigned int code, apr_pool_t *p);

/* Maps an APR write/open error to its Ack (disk full vs. generic). */
bits_ack_t bits_ack_for_io_error(apr_status_t rv);

#endif
