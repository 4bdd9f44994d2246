/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Group commit of upload data: who wrote the unsynced bytes, and what they
 * are worth after a restart (see bits_durable.h). */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <apr_lib.h>
#include "bits_durable.h"

int bits_boot_id_parse(const char *text, unsigned char out[BITS_BOOT_ID_LEN])
{
    static const int dash[] = { 8, 13, 18, 23 };
    unsigned char id[BITS_BOOT_ID_LEN];
    int i, k = 0, n = 0;

    for (i = 0; i < 36; i++) {
        if (k < 4 && i == dash[k]) {
            if (text[i] != '-')
                return 0;
            k++;
            continue;
        }
        if (!apr_isxdigit(text[i]))
            return 0;
        id[n / 2] = (unsigned char)((n % 2 ? id[n / 2] << 4 : 0)
                                    | (apr_isdigit(text[i]) ? text[i] - '0'
                                       : apr_tolower(text[i]) - 'a' + 10));
        n++;
    }
    if (text[36] != '\0' && !(text[36] == '\n' && text[37] == '\0'))
        return 0;
    memcpy(out, id, sizeof id);
    return 1;
}

void bits_node_read(bits_node_t *node, const char *boot_id_path)
{
    char buf[64];
    int fd = open(boot_id_path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;

    if (fd >= 0)
        close(fd);
    memset(node, 0, sizeof *node);
    if (n > 0) {
        buf[n] = '\0';
        if (!bits_boot_id_parse(buf, node->boot))
            memset(node->boot, 0, sizeof node->boot);
    }
    if (gethostname(node->host, sizeof node->host - 1) != 0)
        node->host[0] = '\0';
    node->host[sizeof node->host - 1] = '\0';
}

int bits_node_known(const bits_node_t *node)
{
    static const unsigned char zero[BITS_BOOT_ID_LEN];

    return memcmp(node->boot, zero, sizeof zero) != 0;
}

bits_held_t bits_held_check(const bits_session_t *s, const bits_node_t *self,
                            apr_off_t file_size)
{
    if (file_size >= 0 && file_size < s->received)
        return BITS_HELD_FALLBACK;          /* the bytes are not there */
    if (s->durable >= s->received)
        return BITS_HELD_ALL;
    /* Unsynced bytes of a writer that cannot be told apart from a crashed
     * kernel are never trusted. */
    if (!bits_node_known(&s->writer) || !bits_node_known(self))
        return BITS_HELD_FALLBACK;
    if (strncmp(s->writer.host, self->host, BITS_HOST_LEN) != 0)
        return BITS_HELD_SYNC;
    return memcmp(s->writer.boot, self->boot, BITS_BOOT_ID_LEN) == 0
           ? BITS_HELD_ALL : BITS_HELD_FALLBACK;
}

apr_off_t bits_held_fallback_n(const bits_session_t *s, apr_off_t file_size)
{
    return file_size >= 0 && file_size < s->durable ? file_size : s->durable;
}

int bits_sync_due(const bits_session_t *s, apr_off_t received, apr_off_t batch_bytes,
                  apr_interval_time_t batch_time, apr_time_t now)
{
    if (received <= s->durable)
        return 0;
    return received - s->durable >= batch_bytes
           || (s->dirty_since && now - s->dirty_since >= batch_time);
}
