/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The state file: what a re-run of the same command needs to continue the
 * same session (spec §7.5: the server's BITS-Received-Content-Range is the
 * truth, so only the session, its host pinning and a hint of the offset are
 * kept).  One small file per (URL, file identity) under
 * $XDG_STATE_HOME/bitsup, else ~/.local/state/bitsup, mode 0600. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bitsup.h"

static int make_dir(const char *path)
{
    char buf[4096], *p;
    snprintf(buf, sizeof buf, "%s", path);
    for (p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0700) && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0700) && errno != EEXIST ? -1 : 0;
}

static int state_dir(const struct options *opt, char *buf, size_t size)
{
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    if (opt->state_dir)
        snprintf(buf, size, "%s", opt->state_dir);
    else if (xdg && *xdg == '/')
        snprintf(buf, size, "%s/bitsup", xdg);
    else if (home && *home)
        snprintf(buf, size, "%s/.local/state/bitsup", home);
    else
        return -1;
    return 0;
}

/* FNV-1a: only names the file; the full identity inside is compared. */
static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

int state_key_make(struct state_key *key, const struct options *opt,
                   const char *url, const char *file_real, dev_t dev, ino_t ino,
                   off_t size, long long mtime_ns)
{
    char dir[3800];
    if (opt->no_state || state_dir(opt, dir, sizeof dir))
        return -1;
    snprintf(key->identity, sizeof key->identity,
             "url=%s\nfile=%s\ndev=%llu\nino=%llu\nsize=%lld\nmtime=%lld\n",
             url, file_real, (unsigned long long)dev, (unsigned long long)ino,
             (long long)size, mtime_ns);
    snprintf(key->path, sizeof key->path, "%s/%016llx.state", dir,
             (unsigned long long)fnv1a(key->identity));
    return 0;
}

static void read_field(const char *line, const char *name, char *dst, size_t size)
{
    size_t n = strlen(name);
    if (!strncmp(line, name, n) && line[n] == '=')
        snprintf(dst, size, "%s", line + n + 1);
}

int state_load(const struct state_key *key, struct upload_state *st)
{
    FILE *f = fopen(key->path, "r");
    char line[8192], ident[8192] = "", num[32];
    size_t used = 0;
    memset(st, 0, sizeof *st);
    st->fallback_timeout = -1;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "url=", 4) || !strncmp(line, "file=", 5)
            || !strncmp(line, "dev=", 4) || !strncmp(line, "ino=", 4)
            || !strncmp(line, "size=", 5) || !strncmp(line, "mtime=", 6)) {
            used += (size_t)snprintf(ident + used, sizeof ident - used, "%s", line);
            if (used >= sizeof ident)
                break;
            continue;
        }
        line[strcspn(line, "\n")] = '\0';
        read_field(line, "session", st->session_id, sizeof st->session_id);
        read_field(line, "host_id", st->host_id, sizeof st->host_id);
        read_field(line, "reply_url", st->reply_url, sizeof st->reply_url);
        num[0] = '\0';
        read_field(line, "offset", num, sizeof num);
        if (num[0])
            st->offset = atoll(num);
        num[0] = '\0';
        read_field(line, "fallback_timeout", num, sizeof num);
        if (num[0])
            st->fallback_timeout = atoll(num);
    }
    fclose(f);
    /* Another URL or a changed file: that session is not ours to continue. */
    if (strcmp(ident, key->identity) || !st->session_id[0]) {
        memset(st, 0, sizeof *st);
        st->fallback_timeout = -1;
        return 0;
    }
    return 1;
}

int state_save(const struct state_key *key, const struct upload_state *st)
{
    char tmp[4200], dir[4096];
    FILE *f;
    int fd;
    snprintf(dir, sizeof dir, "%s", key->path);
    *strrchr(dir, '/') = '\0';
    if (make_dir(dir))
        return -1;
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", key->path, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || !(f = fdopen(fd, "w"))) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    fprintf(f, "%ssession=%s\nhost_id=%s\nfallback_timeout=%lld\noffset=%lld\nreply_url=%s\n",
            key->identity, st->session_id, st->host_id, st->fallback_timeout,
            st->offset, st->reply_url);
    /* Written to a temporary name and renamed: a kill never leaves half a file. */
    if (fclose(f) || rename(tmp, key->path)) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

void state_forget(const struct state_key *key)
{
    unlink(key->path);
}

/* After --cancel: drop any state file that would resume that session. */
int state_forget_session(const struct options *opt, const char *session_id)
{
    char dir[3800], path[4200], line[8192], want[200];
    DIR *d;
    struct dirent *e;
    int removed = 0;
    if (state_dir(opt, dir, sizeof dir) || !(d = opendir(dir)))
        return 0;
    snprintf(want, sizeof want, "session=%s\n", session_id);
    while ((e = readdir(d))) {
        FILE *f;
        int match = 0;
        if (!strstr(e->d_name, ".state"))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (!(f = fopen(path, "r")))
            continue;
        while (!match && fgets(line, sizeof line, f))
            match = !strcmp(line, want);
        fclose(f);
        if (match && !unlink(path))
            removed++;
    }
    closedir(d);
    return removed;
}
