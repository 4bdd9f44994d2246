/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Path confinement (bits_path_confine, bits_path_is_within) against a
 * scratch tree made once under /tmp: an upload root with subdirectories, a
 * session store, a file, and symlinks that lead out of the root, into the
 * store, to /, upwards, in a loop and nowhere.
 * Input: the part of the path after the upload root, as httpd would map it
 * (a component like "..", "%2e", or a symlink name included); also read as
 * "dir NUL path" for bits_path_is_within.
 * Properties: every path bits_path_confine accepts is canonical (absolute,
 * no empty, "." or ".." component, its parent equal to its realpath), lies
 * inside the root's realpath, outside the session store (as configured and
 * as resolved), names neither a symlink nor a directory, and keeps the last
 * component the client asked for. */
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_strings.h>
#include "bits_path.h"
#include "fuzz_common.h"

static char scratch[] = "/tmp/mod_bits-fuzz-path.XXXXXX";
static char real_root[PATH_MAX];

static void make(const char *kind, const char *rel, const char *to)
{
    char path[PATH_MAX];
    int rc;

    snprintf(path, sizeof path, "%s/%s", scratch, rel);
    if (kind[0] == 'd')
        rc = mkdir(path, 0755);
    else if (kind[0] == 'l')
        rc = symlink(to, path);
    else {
        FILE *f = fopen(path, "w");
        rc = f ? fclose(f) : -1;
    }
    if (rc != 0) {
        perror(path);
        abort();
    }
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(path);
}

static void remove_scratch(void)
{
    nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char outside[PATH_MAX];

    (void)argc;
    (void)argv;
    if (mkdtemp(scratch) == NULL) {
        perror(scratch);
        abort();
    }
    atexit(remove_scratch);
    snprintf(outside, sizeof outside, "%s/outside", scratch);
    make("d", "outside", NULL);
    make("f", "outside/secret", NULL);
    make("d", "root", NULL);
    make("d", "root/sub", NULL);
    make("d", "root/sub/deep", NULL);
    make("d", "root/sub/store", NULL);
    make("d", "root/%2e%2e", NULL);
    make("f", "root/file.txt", NULL);
    make("f", "root/sub/deep/a.bin", NULL);
    make("d", "root/BITS-Sessions", NULL);
    make("d", "root/BITS-Sessions/Requests", NULL);
    make("d", "root/BITS-Sessions/Requests/{6A1C2F1E-0B5D-4C1A-9F3E-2D4B6C8A0E12}", NULL);
    make("f", "root/BITS-Sessions/Requests/{6A1C2F1E-0B5D-4C1A-9F3E-2D4B6C8A0E12}/state",
         NULL);
    make("d", "root/BITS-Sessions/Replies", NULL);
    make("l", "root/link-out", "../outside");
    make("l", "root/link-abs-out", outside);
    make("l", "root/link-sub", "sub");
    make("l", "root/link-sess", "BITS-Sessions");
    make("l", "root/sub/link-up", "..");
    make("l", "root/sub/link-upup", "../..");
    make("l", "root/sub/link-slash", "/");
    make("l", "root/link-file", "file.txt");
    make("l", "root/link-secret", "../outside/secret");
    make("l", "root/link-dangling", "nowhere/at/all");
    make("l", "root/loop", "loop");
    make("l", "root/sub/store/link-back", "../../link-sess");
    snprintf(outside, sizeof outside, "%s/root", scratch);
    if (realpath(outside, real_root) == NULL)
        abort();
    fuzz_pool();
    return 0;
}

static void check_canonical(const char *out, const char *target)
{
    const char *c;
    char *parent, real_parent[PATH_MAX];

    FUZZ_CHECK(out[0] == '/', "relative result \"%s\" for \"%s\"", out, target);
    for (c = out; *c; ) {
        size_t len;
        c++;                                    /* past the '/' */
        len = strcspn(c, "/");
        FUZZ_CHECK(len > 0 && !(len == 1 && c[0] == '.')
                   && !(len == 2 && c[0] == '.' && c[1] == '.'),
                   "empty, '.' or '..' component in \"%s\" for \"%s\"", out, target);
        c += len;
    }
    parent = strdup(out);
    *strrchr(parent, '/') = '\0';
    FUZZ_CHECK(realpath(parent, real_parent) != NULL && strcmp(parent, real_parent) == 0,
               "parent of \"%s\" is not its realpath (for \"%s\")", out, target);
    free(parent);
}

static void check_confined(const char *root, const char *session_root, const char *rel,
                           apr_pool_t *p)
{
    size_t base = strlen(root);
    const char *target, *out = NULL, *name, *asked;
    char real_session[PATH_MAX];
    struct stat st;
    bits_path_status_t rc;

    while (base > 1 && root[base - 1] == '/')
        base--;
    target = apr_pstrcat(p, apr_pstrmemdup(p, root, base), "/", rel, NULL);
    rc = bits_path_confine(root, session_root, target, &out, p);

    FUZZ_CHECK(rc >= BITS_PATH_OK && rc <= BITS_PATH_SYMLINK, "status %d", (int)rc);
    if (rc != BITS_PATH_OK) {
        FUZZ_CHECK(out == NULL, "refused \"%s\" (%d) but gave a path", target, (int)rc);
        return;
    }
    FUZZ_CHECK(out != NULL, "accepted \"%s\" without a path", target);
    check_canonical(out, target);
    FUZZ_CHECK(bits_path_is_within(real_root, out) && strcmp(out, real_root) != 0,
               "\"%s\" (for \"%s\") is not inside the root %s", out, target, real_root);
    if (session_root) {
        FUZZ_CHECK(!bits_path_is_within(session_root, out),
                   "\"%s\" (for \"%s\") is in the session store", out, target);
        if (realpath(session_root, real_session))
            FUZZ_CHECK(!bits_path_is_within(real_session, out),
                       "\"%s\" (for \"%s\") is in the session store", out, target);
    }
    FUZZ_CHECK(lstat(out, &st) != 0 || (!S_ISLNK(st.st_mode) && !S_ISDIR(st.st_mode)),
               "\"%s\" (for \"%s\") is a symlink or directory", out, target);
    name = strrchr(out, '/') + 1;
    asked = strrchr(target, '/') + 1;
    FUZZ_CHECK(strcmp(name, asked) == 0, "asked for \"%s\", got \"%s\"", asked, name);
    for (; *name; name++)
        FUZZ_CHECK((unsigned char)*name >= 0x20 && *name != 0x7f && *name != '\\',
                   "unsafe name accepted: \"%s\"", out);
}

/* Laws of the string test that do not restate its code. */
static void check_is_within(const char *dir, const char *path, apr_pool_t *p)
{
    size_t len = strlen(dir);
    int in = bits_path_is_within(dir, path);

    if (*dir == '\0') {
        FUZZ_CHECK(!in, "everything is within \"\"");
        return;
    }
    FUZZ_CHECK(bits_path_is_within(dir, dir), "\"%s\" is not within itself", dir);
    FUZZ_CHECK(bits_path_is_within(dir, apr_pstrcat(p, dir, "/", path, NULL)),
               "\"%s/%s\" is not within \"%s\"", dir, path, dir);
    while (len > 0 && dir[len - 1] == '/')
        len--;
    if (in)
        FUZZ_CHECK(strncmp(dir, path, len) == 0,
                   "\"%s\" within \"%s\" without the prefix", path, dir);
    /* A sibling that merely shares the prefix ("/a/bc" and "/a/b"). */
    if (len > 0 && path[0] != '\0' && path[0] != '/')
        FUZZ_CHECK(!bits_path_is_within(dir, apr_pstrcat(p, apr_pstrmemdup(p, dir, len),
                                                         path, NULL)),
                   "\"%.*s%s\" is within \"%s\"", (int)len, dir, path, dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *rel = fuzz_cstr(data, size, p), *f[2];
    const char *root = apr_pstrcat(p, scratch, "/root", NULL);
    const char *store = apr_pstrcat(p, root, "/BITS-Sessions", NULL);

    check_confined(root, store, rel, p);
    check_confined(apr_pstrcat(p, root, "/", NULL), apr_pstrcat(p, store, "/", NULL), rel, p);
    check_confined(root, NULL, rel, p);
    check_confined(root, apr_pstrcat(p, root, "/sub/store", NULL), rel, p);
    check_confined(root, apr_pstrcat(p, scratch, "/outside", NULL), rel, p);
    if (fuzz_fields(data, size, f, 2, p) == 2)
        check_is_within(f[0], f[1], p);
    return 0;
}
