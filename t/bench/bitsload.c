/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bitsload: a lean HTTP load generator for `make bench`.
 *
 * N client threads, each on its own keep-alive connection to 127.0.0.1,
 * upload files as BITS uploads (Create-Session, Fragments, Close-Session),
 * as mod_dav ranged PUTs of the same pieces, or as one plain PUT each.
 * Bodies come from one pseudo-random pattern (byte at file offset o is
 * pattern[o % PATTERN_LEN]), so nothing is read from disk and any upload
 * can be checked afterwards with `bitsload -V file -s size`.  It prints one
 * line of key=value: bytes acknowledged, wall time, throughput, its own CPU
 * (getrusage), per-request latency (p50/p99/max) and errors, so that the
 * driver can show that the client is not the bottleneck.
 *
 * Raw sockets on purpose: libcurl or Perl cost more CPU per request than a
 * 4 KiB fragment costs the server.  Only 127.0.0.0/8 is accepted. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define PROTOCOL    "{7df0354d-249b-430f-820d-3d2a9bef4931}"
/* Not a power of two, so that equal pieces at different offsets differ. */
#define PATTERN_LEN ((1u << 20) + 4093u)
#define RESP_MAX    16384

typedef enum { MODE_BITS, MODE_RANGE, MODE_PUT } mode_t_;

static struct {
    const char *host;
    int port;
    mode_t_ mode;
    const char *prefix;       /* URL path prefix; files are <prefix>c<i>-<k>.bin */
    int clients;
    long long size;           /* bytes per file */
    long long frag;           /* bytes per fragment / ranged PUT */
    double duration;          /* > 0: repeat files until this many seconds */
    int files;                /* otherwise: files per client */
    double grace;             /* hard stop this long after the deadline */
} opt = { "127.0.0.1", 0, MODE_BITS, "/", 1, 0, 0, 0, 1, 10 };

static unsigned char *pattern;
static double t_start, t_deadline;
static volatile int stopping;

typedef struct {
    int id;
    int fd;
    long long acked;          /* bytes the server acknowledged */
    long long requests;
    long long errors;
    double *lat;              /* ms per finished request */
    size_t nlat, cap;
    volatile double busy_since; /* start of the request in flight, 0 = none */
    char first_error[256];
    char resp[RESP_MAX];
    size_t have;              /* bytes of the next response already read */
    pthread_t thread;
    volatile int done;
    int quiet;                /* a request outside the measurement */
} client_t;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fail(client_t *c, const char *fmt, ...)
{
    va_list ap;

    c->errors++;
    if (!c->first_error[0]) {
        va_start(ap, fmt);
        vsnprintf(c->first_error, sizeof c->first_error, fmt, ap);
        va_end(ap);
    }
}

static void make_pattern(void)
{
    uint64_t x = 0x9E3779B97F4A7C15ull;
    size_t i;

    pattern = malloc(PATTERN_LEN);
    if (!pattern) {
        perror("malloc");
        exit(2);
    }
    for (i = 0; i < PATTERN_LEN; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        pattern[i] = (unsigned char)(x >> 32);
    }
}

static int connect_to_server(client_t *c)
{
    struct sockaddr_in sa;
    int one = 1;

    if (c->fd >= 0)
        return 0;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)opt.port);
    if (inet_pton(AF_INET, opt.host, &sa.sin_addr) != 1) {
        fail(c, "bad host %s", opt.host);
        return -1;
    }
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        fail(c, "connect: %s", strerror(errno));
        if (c->fd >= 0)
            close(c->fd);
        c->fd = -1;
        return -1;
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->have = 0;
    return 0;
}

static void disconnect(client_t *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->have = 0;
}

static int send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The body: len bytes of the pattern from file offset off. */
static int send_body(int fd, long long off, long long len)
{
    while (len > 0) {
        size_t at = (size_t)(off % PATTERN_LEN);
        size_t n = PATTERN_LEN - at;
        if ((long long)n > len)
            n = (size_t)len;
        if (send_all(fd, pattern + at, n) != 0)
            return -1;
        off += (long long)n;
        len -= (long long)n;
    }
    return 0;
}

typedef struct {
    int status;
    int close;                /* the server closes the connection */
    char session[64];
    long long received;       /* BITS-Received-Content-Range, -1 if none */
} reply_t;

/* A header's value (case-insensitive name) within the header block. */
static const char *header(const char *head, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    const char *p = strstr(head, "\r\n");

    while (p && p[2] != '\r') {
        const char *line = p + 2, *end = strstr(line, "\r\n");
        if (!end)
            break;
        if ((size_t)(end - line) > nl && !strncasecmp(line, name, nl) && line[nl] == ':') {
            const char *v = line + nl + 1;
            size_t n;
            while (*v == ' ' || *v == '\t')
                v++;
            n = (size_t)(end - v);
            if (n >= outlen)
                n = outlen - 1;
            memcpy(out, v, n);
            out[n] = 0;
            return out;
        }
        p = end;
    }
    return NULL;
}

static ssize_t fill(client_t *c)
{
    ssize_t n;

    if (c->have >= sizeof c->resp - 1)
        return -1;
    do
        n = recv(c->fd, c->resp + c->have, sizeof c->resp - 1 - c->have, 0);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        c->have += (size_t)n;
    c->resp[c->have] = 0;
    return n;
}

/* Reads one response; its body (Content-Length or chunked) is skipped. */
static int read_reply(client_t *c, reply_t *r)
{
    char *eoh, v[128];
    size_t used;
    long long body = 0;

    while (!(eoh = strstr(c->resp, "\r\n\r\n")))
        if (fill(c) <= 0)
            return -1;
    eoh[2] = 0;               /* the head ends with one CRLF now */
    if (sscanf(c->resp, "HTTP/1.%*d %d", &r->status) != 1)
        return -1;
    r->close = header(c->resp, "Connection", v, sizeof v) && !strcasecmp(v, "close");
    r->session[0] = 0;
    header(c->resp, "BITS-Session-Id", r->session, sizeof r->session);
    r->received = header(c->resp, "BITS-Received-Content-Range", v, sizeof v)
                  ? atoll(v) : -1;
    used = (size_t)(eoh + 4 - c->resp);
    if (header(c->resp, "Content-Length", v, sizeof v))
        body = atoll(v);
    else if (header(c->resp, "Transfer-Encoding", v, sizeof v)) {
        /* Chunked (mod_dav's error bodies): up to the last chunk. */
        memmove(c->resp, c->resp + used, c->have - used);
        c->have -= used;
        c->resp[c->have] = 0;
        while (!strstr(c->resp, "\r\n0\r\n\r\n") && strncmp(c->resp, "0\r\n\r\n", 5))
            if (fill(c) <= 0)
                return -1;
        c->have = 0;
        c->resp[0] = 0;
        return 0;
    }
    while (c->have < used + (size_t)body) {
        if (c->have == sizeof c->resp - 1) {   /* a large body: drop what we have */
            body -= (long long)(c->have - used);
            c->have = used;
        }
        if (fill(c) <= 0)
            return -1;
    }
    used += (size_t)body;
    memmove(c->resp, c->resp + used, c->have - used);
    c->have -= used;
    c->resp[c->have] = 0;
    return 0;
}

static void note_latency(client_t *c, double t0)
{
    if (c->nlat == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        c->lat = realloc(c->lat, c->cap * sizeof *c->lat);
        if (!c->lat) {
            perror("realloc");
            exit(2);
        }
    }
    c->lat[c->nlat++] = (now() - t0) * 1000;
}

/* One request: head, then len body bytes from file offset off. */
static int request(client_t *c, const char *head, long long off, long long len, reply_t *r)
{
    int attempt;

    for (attempt = 0; attempt < 2; attempt++) {
        double t0;
        if (connect_to_server(c) != 0)
            return -1;
        t0 = now();
        c->busy_since = t0;
        if (send_all(c->fd, head, strlen(head)) == 0 && send_body(c->fd, off, len) == 0
            && read_reply(c, r) == 0) {
            c->busy_since = 0;
            if (!c->quiet) {
                note_latency(c, t0);
                c->requests++;
            }
            if (r->close)
                disconnect(c);
            return 0;
        }
        c->busy_since = 0;
        /* A keep-alive connection the server closed while idle: once more. */
        disconnect(c);
    }
    fail(c, "connection lost");
    return -1;
}

static int bits_upload(client_t *c, const char *url)
{
    char head[1024], sid[64];
    reply_t r;
    long long off;

    snprintf(head, sizeof head, "BITS_POST %s HTTP/1.1\r\nHost: %s:%d\r\n"
             "BITS-Packet-Type: Create-Session\r\nBITS-Supported-Protocols: " PROTOCOL
             "\r\nContent-Length: 0\r\n\r\n", url, opt.host, opt.port);
    if (request(c, head, 0, 0, &r) != 0)
        return -1;
    if (r.status != 200 || !r.session[0]) {
        fail(c, "Create-Session %s: %d", url, r.status);
        return -1;
    }
    snprintf(sid, sizeof sid, "%s", r.session);
    for (off = 0; off < opt.size; off += opt.frag) {
        long long len = opt.size - off < opt.frag ? opt.size - off : opt.frag;
        snprintf(head, sizeof head, "BITS_POST %s HTTP/1.1\r\nHost: %s:%d\r\n"
                 "BITS-Packet-Type: Fragment\r\nBITS-Session-Id: %s\r\n"
                 "Content-Range: bytes %lld-%lld/%lld\r\nContent-Length: %lld\r\n\r\n",
                 url, opt.host, opt.port, sid, off, off + len - 1, opt.size, len);
        if (request(c, head, off, len, &r) != 0)
            return -1;
        if (r.status != 200 || r.received != off + len) {
            fail(c, "Fragment %s at %lld: %d, N=%lld", url, off, r.status, r.received);
            return -1;
        }
        c->acked += len;
        if (stopping && off + len < opt.size) {
            /* Time is up: the measurement ends here, and the session is
             * cancelled (unmeasured) so that none stays open against the
             * per-owner session limit. */
            c->done = 1;
            c->quiet = 1;
            snprintf(head, sizeof head, "BITS_POST %s HTTP/1.1\r\nHost: %s:%d\r\n"
                     "BITS-Packet-Type: Cancel-Session\r\nBITS-Session-Id: %s\r\n"
                     "Content-Length: 0\r\n\r\n", url, opt.host, opt.port, sid);
            request(c, head, 0, 0, &r);
            return 0;
        }
    }
    snprintf(head, sizeof head, "BITS_POST %s HTTP/1.1\r\nHost: %s:%d\r\n"
             "BITS-Packet-Type: Close-Session\r\nBITS-Session-Id: %s\r\n"
             "Content-Length: 0\r\n\r\n", url, opt.host, opt.port, sid);
    if (request(c, head, 0, 0, &r) != 0)
        return -1;
    if (r.status != 200) {
        fail(c, "Close-Session %s: %d", url, r.status);
        return -1;
    }
    return 0;
}

/* mod_dav: the same pieces as ranged PUTs, or the whole file as one PUT. */
static int dav_upload(client_t *c, const char *url)
{
    long long piece = opt.mode == MODE_PUT ? opt.size : opt.frag, off;
    char head[1024], range[128];
    reply_t r;

    for (off = 0; off < opt.size || off == 0; off += piece) {
        long long len = opt.size - off < piece ? opt.size - off : piece;
        range[0] = 0;
        if (opt.mode == MODE_RANGE)
            snprintf(range, sizeof range, "Content-Range: bytes %lld-%lld/%lld\r\n",
                     off, off + len - 1, opt.size);
        snprintf(head, sizeof head, "PUT %s HTTP/1.1\r\nHost: %s:%d\r\n%s"
                 "Content-Length: %lld\r\n\r\n", url, opt.host, opt.port, range, len);
        if (request(c, head, off, len, &r) != 0)
            return -1;
        if (r.status != 200 && r.status != 201 && r.status != 204) {
            fail(c, "PUT %s at %lld: %d", url, off, r.status);
            return -1;
        }
        c->acked += len;
        if (stopping || opt.size == 0)
            return 0;
    }
    return 0;
}

static void *client_main(void *arg)
{
    client_t *c = arg;
    int k;

    for (k = 0; opt.duration > 0 ? now() < t_deadline : k < opt.files; k++) {
        char url[512];
        int rv;
        snprintf(url, sizeof url, "%sc%d-%d.bin", opt.prefix, c->id, k);
        rv = opt.mode == MODE_BITS ? bits_upload(c, url) : dav_upload(c, url);
        if (rv != 0)
            break;
    }
    c->done = 1;
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double cpu_seconds(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6
         + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* -V: 0 if the file holds exactly `size` bytes of the pattern. */
static int verify(const char *path)
{
    FILE *f = fopen(path, "rb");
    static unsigned char buf[1 << 16];
    long long off = 0;
    size_t n, i;

    if (!f) {
        perror(path);
        return 1;
    }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        for (i = 0; i < n; i++)
            if (buf[i] != pattern[(off + (long long)i) % PATTERN_LEN]) {
                fprintf(stderr, "%s: differs at byte %lld\n", path, off + (long long)i);
                fclose(f);
                return 1;
            }
        off += (long long)n;
    }
    fclose(f);
    if (off != opt.size) {
        fprintf(stderr, "%s: %lld bytes, expected %lld\n", path, off, opt.size);
        return 1;
    }
    return 0;
}

static long long parse_size(const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 10);

    switch (*end) {
    case 'k': case 'K': v <<= 10; break;
    case 'm': case 'M': v <<= 20; break;
    case 'g': case 'G': v <<= 30; break;
    }
    return v;
}

static void usage(void)
{
    fprintf(stderr,
        "usage: bitsload -p port -m bits|range|put -u /path/prefix/ -s size [-f fragment]\n"
        "                [-c clients] [-n files per client | -d seconds] [-g grace]\n"
        "       bitsload -V file -s size      (is the file the pattern?)\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *check = NULL;
    client_t *cl;
    double t_end, cpu0, wall, *all, hung[1024];
    long long acked = 0, requests = 0, errors = 0;
    size_t nall = 0, i;
    int ch, unfinished = 0, nhung = 0;
    struct in_addr a;

    while ((ch = getopt(argc, argv, "h:p:m:u:c:s:f:d:n:g:V:")) != -1) {
        switch (ch) {
        case 'h': opt.host = optarg; break;
        case 'p': opt.port = atoi(optarg); break;
        case 'm':
            if (!strcmp(optarg, "bits")) opt.mode = MODE_BITS;
            else if (!strcmp(optarg, "range")) opt.mode = MODE_RANGE;
            else if (!strcmp(optarg, "put")) opt.mode = MODE_PUT;
            else usage();
            break;
        case 'u': opt.prefix = optarg; break;
        case 'c': opt.clients = atoi(optarg); break;
        case 's': opt.size = parse_size(optarg); break;
        case 'f': opt.frag = parse_size(optarg); break;
        case 'd': opt.duration = atof(optarg); break;
        case 'n': opt.files = atoi(optarg); break;
        case 'g': opt.grace = atof(optarg); break;
        case 'V': check = optarg; break;
        default: usage();
        }
    }
    make_pattern();
    if (check)
        return verify(check);
    if (!opt.frag)
        opt.frag = opt.size;
    /* Test traffic stays on this machine. */
    if (inet_pton(AF_INET, opt.host, &a) != 1 || (ntohl(a.s_addr) >> 24) != 127)
        usage();
    if (opt.port <= 0 || opt.clients <= 0 || opt.size < 0 || opt.frag <= 0)
        usage();
    signal(SIGPIPE, SIG_IGN);

    cl = calloc((size_t)opt.clients, sizeof *cl);
    if (!cl)
        return 2;
    cpu0 = cpu_seconds();
    t_start = now();
    t_deadline = t_start + opt.duration;
    for (ch = 0; ch < opt.clients; ch++) {
        cl[ch].id = ch;
        cl[ch].fd = -1;
        if (pthread_create(&cl[ch].thread, NULL, client_main, &cl[ch]) != 0) {
            perror("pthread_create");
            return 2;
        }
    }
    /* Wait; with a duration, a request still hanging `grace` seconds after
     * the deadline is reported as unfinished, with its age as latency. */
    for (;;) {
        int running = 0;
        for (ch = 0; ch < opt.clients; ch++)
            running += !cl[ch].done;
        if (!running)
            break;
        if (opt.duration > 0 && now() >= t_deadline)
            stopping = 1;
        if (opt.duration > 0 && now() > t_deadline + opt.grace)
            break;
        usleep(2000);
    }
    t_end = now();
    wall = t_end - t_start;
    for (ch = 0; ch < opt.clients; ch++) {
        client_t *c = &cl[ch];
        if (!c->done) {
            double since = c->busy_since;
            unfinished++;
            /* Its own array is the thread's: the age goes apart. */
            if (since > 0 && nhung < 1024)
                hung[nhung++] = (t_end - since) * 1000;
        }
        acked += c->acked;
        requests += c->requests;
        errors += c->errors;
        nall += c->nlat;
    }
    nall = 0;
    for (ch = 0; ch < opt.clients; ch++)
        nall += cl[ch].nlat;
    all = malloc((nall + (size_t)nhung + 1) * sizeof *all);
    if (!all)
        return 2;
    memcpy(all, hung, (size_t)nhung * sizeof *all);
    nall = (size_t)nhung;
    for (ch = 0; ch < opt.clients; ch++) {
        memcpy(all + nall, cl[ch].lat, cl[ch].nlat * sizeof *all);
        nall += cl[ch].nlat;
    }
    qsort(all, nall, sizeof *all, cmp_double);
    printf("bytes=%lld wall=%.4f mbps=%.2f cpu=%.3f cpu_pct=%.1f requests=%lld "
           "p50_ms=%.3f p99_ms=%.3f max_ms=%.3f unfinished=%d errors=%lld\n",
           acked, wall, acked / 1e6 / wall, cpu_seconds() - cpu0,
           100 * (cpu_seconds() - cpu0) / wall, requests,
           nall ? all[nall / 2] : 0, nall ? all[(size_t)((double)nall * 0.99)] : 0,
           nall ? all[nall - 1] : 0, unfinished, errors);
    for (ch = 0; ch < opt.clients; ch++)
        if (cl[ch].first_error[0])
            fprintf(stderr, "bitsload: client %d: %s\n", ch, cl[ch].first_error);
    fflush(stdout);
    /* Hanging threads are left behind: exit without joining them. */
    if (unfinished)
        _exit(errors ? 1 : 0);
    for (i = 0; i < (size_t)opt.clients; i++) {
        pthread_join(cl[i].thread, NULL);
        free(cl[i].lat);
    }
    free(all);
    free(cl);
    free(pattern);
    return errors ? 1 : 0;
}
