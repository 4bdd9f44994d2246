/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bitsup: command line, credentials, dispatch.  See bitsup.1. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "bitsup.h"

static const char usage_text[] =
"Usage: bitsup [options] FILE URL\n"
"       bitsup [options] --cancel URL SESSION\n"
"Upload FILE to a BITS upload server (IIS, mod_bits) with the BITS 1.5\n"
"Upload Protocol.  A URL ending in '/' takes the file's name.  Running the\n"
"same command again continues an interrupted upload.\n"
"\n"
"  -o, --output FILE        download the server's upload-reply to FILE\n"
"  -u, --user USER[:PASS]   credentials (asks for the password when omitted;\n"
"                           or set BITSUP_PASSWORD); a netrc is used otherwise\n"
"      --basic              send Basic credentials without waiting for a challenge\n"
"      --negotiate          Kerberos/SPNEGO with the user's ticket cache\n"
"      --netrc-file FILE    credentials from FILE instead of ~/.netrc\n"
"      --cacert FILE        trust the CA certificates in FILE\n"
"      --fragment-size N    bytes per fragment (k/M suffix; default 1M)\n"
"      --limit-rate N       at most N bytes per second (k/M suffix)\n"
"      --give-up SECONDS    stop retrying after this long without progress\n"
"                           (default 3600)\n"
"      --max-delay SECONDS  longest pause between retries (default 60)\n"
"      --connect-timeout S  seconds to wait for a connection (default 30)\n"
"      --state-dir DIR      where unfinished sessions are remembered\n"
"                           (default $XDG_STATE_HOME/bitsup or ~/.local/state/bitsup)\n"
"      --no-state           do not remember the session (no resume on re-run)\n"
"      --cancel             cancel SESSION at URL\n"
"  -q, --quiet              print errors only\n"
"      --json               print a JSON summary on stdout\n"
"  -h, --help               this help\n"
"  -V, --version            print the version\n"
"\n"
"Exit codes: 0 done; 1 refused by the server; 2 bad usage; 3 local file\n"
"error; 4 gave up on the network; 5 TLS certificate not trusted.\n";

enum { OPT_BASIC = 256, OPT_NEGOTIATE, OPT_NETRC, OPT_CACERT, OPT_FRAG, OPT_RATE,
       OPT_GIVEUP, OPT_MAXDELAY, OPT_CONNECT, OPT_STATEDIR, OPT_NOSTATE, OPT_CANCEL,
       OPT_JSON };

static const struct option long_opts[] = {
    { "output", required_argument, NULL, 'o' },
    { "user", required_argument, NULL, 'u' },
    { "basic", no_argument, NULL, OPT_BASIC },
    { "negotiate", no_argument, NULL, OPT_NEGOTIATE },
    { "netrc-file", required_argument, NULL, OPT_NETRC },
    { "cacert", required_argument, NULL, OPT_CACERT },
    { "fragment-size", required_argument, NULL, OPT_FRAG },
    { "limit-rate", required_argument, NULL, OPT_RATE },
    { "give-up", required_argument, NULL, OPT_GIVEUP },
    { "max-delay", required_argument, NULL, OPT_MAXDELAY },
    { "connect-timeout", required_argument, NULL, OPT_CONNECT },
    { "state-dir", required_argument, NULL, OPT_STATEDIR },
    { "no-state", no_argument, NULL, OPT_NOSTATE },
    { "cancel", no_argument, NULL, OPT_CANCEL },
    { "quiet", no_argument, NULL, 'q' },
    { "json", no_argument, NULL, OPT_JSON },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 }
};

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "bitsup: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'bitsup --help'.\n");
    return EXIT_USAGE;
}

/* "1048576", "512k", "4M" -> bytes; -1 when malformed. */
static long long parse_size(const char *s)
{
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || v < 0 || end == s)
        return -1;
    if (*end == 'k' || *end == 'K')
        v *= 1024, end++;
    else if (*end == 'm' || *end == 'M')
        v *= 1024 * 1024, end++;
    else if (*end == 'g' || *end == 'G')
        v *= 1024LL * 1024 * 1024, end++;
    return *end ? -1 : v;
}

static long parse_seconds(const char *s)
{
    long long v = parse_size(s);
    return v < 0 || v > 100000000 || strpbrk(s, "kKmMgG") ? -1 : (long)v;
}

/* Reads a password from the terminal with echo off. */
static char *prompt_password(const char *user)
{
    char buf[512];
    struct termios old, quiet;
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC), n;
    FILE *tty;
    if (fd < 0 || !(tty = fdopen(fd, "r+"))) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    fprintf(tty, "Password for %s: ", user);
    fflush(tty);
    tcgetattr(fd, &old);
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(fd, TCSAFLUSH, &quiet);
    n = fgets(buf, sizeof buf, tty) != NULL;
    tcsetattr(fd, TCSAFLUSH, &old);
    fputc('\n', tty);
    fclose(tty);
    if (!n)
        return NULL;
    buf[strcspn(buf, "\r\n")] = '\0';
    return strdup(buf);
}

/* -u user:password; the password is blanked in argv so ps does not show it. */
static int take_credentials(struct options *o, char *arg)
{
    char *colon = strchr(arg, ':');
    const char *env = getenv("BITSUP_PASSWORD");
    if (colon) {
        o->user = strndup(arg, (size_t)(colon - arg));
        o->password = strdup(colon + 1);
        memset(colon + 1, '*', strlen(colon + 1));
        return 0;
    }
    o->user = strdup(arg);
    if (env) {
        o->password = strdup(env);
        return 0;
    }
    o->password = prompt_password(arg);
    if (!o->password)
        return usage_error("no password for %s (no terminal to ask; use USER:PASS, "
                           "BITSUP_PASSWORD or a netrc)", arg);
    return 0;
}

static int parse_option(struct options *o, int c, char *arg)
{
    switch (c) {
    case 'o': o->output = arg; return 0;
    case 'u': return take_credentials(o, arg);
    case OPT_BASIC: o->basic = 1; return 0;
    case OPT_NEGOTIATE: o->negotiate = 1; return 0;
    case OPT_NETRC: o->netrc_file = arg; return 0;
    case OPT_CACERT: o->cacert = arg; return 0;
    case OPT_FRAG:
        o->fragment_size = parse_size(arg);
        return o->fragment_size < 1 ? usage_error("bad --fragment-size: %s", arg) : 0;
    case OPT_RATE:
        o->limit_rate = parse_size(arg);
        return o->limit_rate < 0 ? usage_error("bad --limit-rate: %s", arg) : 0;
    case OPT_GIVEUP:
        o->give_up = parse_seconds(arg);
        return o->give_up < 0 ? usage_error("bad --give-up: %s", arg) : 0;
    case OPT_MAXDELAY:
        o->max_delay = parse_seconds(arg);
        return o->max_delay < 1 ? usage_error("bad --max-delay: %s", arg) : 0;
    case OPT_CONNECT:
        o->connect_timeout = parse_seconds(arg);
        return o->connect_timeout < 1 ? usage_error("bad --connect-timeout: %s", arg) : 0;
    case OPT_STATEDIR: o->state_dir = arg; return 0;
    case OPT_NOSTATE: o->no_state = 1; return 0;
    case OPT_CANCEL: o->cancel = 1; return 0;
    case 'q': o->quiet = 1; return 0;
    case OPT_JSON: o->json = 1; return 0;
    default: return usage_error("%s", "unknown option");
    }
}

int main(int argc, char **argv)
{
    struct options o;
    int c, rc;
    memset(&o, 0, sizeof o);
    o.fragment_size = DEFAULT_FRAGMENT;
    o.give_up = 3600;
    o.max_delay = 60;
    o.connect_timeout = 30;
    while ((c = getopt_long(argc, argv, "o:u:qhV", long_opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage_text, stdout);
            return EXIT_DONE;
        }
        if (c == 'V') {
            printf("bitsup %s (%s)\n", BITSUP_VERSION, curl_version());
            return EXIT_DONE;
        }
        if (c == '?')
            return usage_error("%s", "bad option");
        if ((rc = parse_option(&o, c, optarg)) != 0)
            return rc;
    }
    if (argc - optind != 2)
        return usage_error("%s", o.cancel ? "--cancel needs URL and SESSION"
                                          : "needs FILE and URL");
    if (o.cancel) {
        o.url = argv[optind];
        o.cancel_session = argv[optind + 1];
    } else {
        o.file = argv[optind];
        o.url = argv[optind + 1];
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT))
        return EXIT_LOCAL;
    rc = o.cancel ? run_cancel(&o) : run_upload(&o);
    curl_global_cleanup();
    if (o.password)
        memset(o.password, 0, strlen(o.password));
    free(o.user);
    free(o.password);
    return rc;
}
