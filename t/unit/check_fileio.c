/* Copyright 2026 the mod_bits authors
 * SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* bits_fileio.c: no-follow opens, atomic replacement, truncation and the
 * exactly-once publish of a finished upload (§7.7). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <apr_strings.h>
#include "bits_fileio.h"
#include "check_units.h"

static const char *dir;

static void fileio_setup(void)
{
    bits_test_pool_setup();
    dir = bits_test_mkdtemp(bits_test_pool);
}

static void fileio_teardown(void)
{
    bits_test_rmtree(dir);
    bits_test_pool_teardown();
}

static const char *in_dir(const char *name)
{
    return apr_pstrcat(bits_test_pool, dir, "/", name, NULL);
}

static int is_eloop(apr_status_t rv)
{
    return rv == APR_FROM_OS_ERROR(ELOOP);
}

static apr_ino_t inode_of(const char *path)
{
    struct stat st;

    ck_assert_msg(lstat(path, &st) == 0, "lstat %s", path);
    return (apr_ino_t)st.st_ino;
}

static int mode_of(const char *path)
{
    struct stat st;

    if (!path)
        return -1;
    ck_assert_msg(lstat(path, &st) == 0, "lstat %s", path);
    return (int)(st.st_mode & 07777);
}

static int entries_in(const char *d)
{
    apr_dir_t *dh;
    apr_finfo_t fi;
    int n = 0;

    ck_assert_int_eq(apr_dir_open(&dh, d, bits_test_pool), APR_SUCCESS);
    while (apr_dir_read(&fi, APR_FINFO_NAME, dh) == APR_SUCCESS) {
        if (strcmp(fi.name, ".") != 0 && strcmp(fi.name, "..") != 0)
            n++;
    }
    apr_dir_close(dh);
    return n;
}

/* ---- bits_open_nofollow ------------------------------------------------ */

START_TEST(open_nofollow_refuses_symlink)
{
    apr_file_t *f;
    const char *target = in_dir("target");
    apr_status_t rv;

    bits_test_write_file(target, "keep", bits_test_pool);
    bits_test_symlink(target, in_dir("link"));
    rv = bits_open_nofollow(&f, in_dir("link"), 0, bits_test_pool);
    ck_assert_msg(is_eloop(rv), "existing link: %d", rv);
    rv = bits_open_nofollow(&f, in_dir("link"), 1, bits_test_pool);
    ck_assert_msg(is_eloop(rv), "existing link, create: %d", rv);

    bits_test_symlink(in_dir("not-yet"), in_dir("dangling"));
    rv = bits_open_nofollow(&f, in_dir("dangling"), 1, bits_test_pool);
    ck_assert_msg(is_eloop(rv), "dangling link, create: %d", rv);
    ck_assert(!bits_test_exists(in_dir("not-yet")));
    ck_assert_str_eq(bits_test_read_file(target, bits_test_pool), "keep");
}
END_TEST

START_TEST(open_nofollow_create_and_write)
{
    apr_file_t *f;
    apr_off_t at = 4;
    const char *path = in_dir("data");
    apr_status_t rv;

    rv = bits_open_nofollow(&f, path, 0, bits_test_pool);
    ck_assert_msg(APR_STATUS_IS_ENOENT(rv), "missing, no create: %d", rv);
    ck_assert_int_eq(bits_open_nofollow(&f, path, 1, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(apr_file_write_full(f, "0123456789", 10, NULL), APR_SUCCESS);
    ck_assert_int_eq(apr_file_close(f), APR_SUCCESS);

    /* Reopened without create: existing bytes stay, writes land at offsets. */
    ck_assert_int_eq(bits_open_nofollow(&f, path, 0, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(apr_file_seek(f, APR_SET, &at), APR_SUCCESS);
    ck_assert_int_eq(apr_file_write_full(f, "ab", 2, NULL), APR_SUCCESS);
    ck_assert_int_eq(apr_file_close(f), APR_SUCCESS);
    ck_assert_str_eq(bits_test_read_file(path, bits_test_pool), "0123ab6789");
}
END_TEST

START_TEST(open_nofollow_refuses_directory)
{
    apr_file_t *f;

    ck_assert_int_ne(bits_open_nofollow(&f, dir, 0, bits_test_pool), APR_SUCCESS);
}
END_TEST

/* ---- bits_atomic_replace / bits_sync_dir -------------------------------- */

START_TEST(atomic_replace_replaces_content)
{
    const char *path = in_dir("state");
    static const char bigger[] = "a longer second version\nwith two lines\n";

    ck_assert_int_eq(bits_atomic_replace(path, "first", 5, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_str_eq(bits_test_read_file(path, bits_test_pool), "first");
    ck_assert_int_eq(bits_atomic_replace(path, bigger, strlen(bigger),
                                         bits_test_pool), APR_SUCCESS);
    ck_assert_str_eq(bits_test_read_file(path, bits_test_pool), bigger);
    ck_assert_int_eq(bits_atomic_replace(path, "x", 1, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_str_eq(bits_test_read_file(path, bits_test_pool), "x");
    ck_assert_int_eq(bits_atomic_replace(path, "", 0, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_str_eq(bits_test_read_file(path, bits_test_pool), "");
    ck_assert_int_eq(entries_in(dir), 1);          /* no temp files left */
}
END_TEST

START_TEST(atomic_replace_is_a_new_file)
{
    const char *path = in_dir("state");
    const char *target = in_dir("target");
    apr_ino_t before;

    /* Replacing renames a new inode in: a reader holding the old one keeps
     * a complete old version, and a planted link is replaced, not followed. */
    ck_assert_int_eq(bits_atomic_replace(path, "old", 3, bits_test_pool),
                     APR_SUCCESS);
    before = inode_of(path);
    ck_assert_int_eq(bits_atomic_replace(path, "new", 3, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_uint_ne(inode_of(path), before);

    bits_test_write_file(target, "keep", bits_test_pool);
    bits_test_symlink(target, in_dir("link"));
    ck_assert_int_eq(bits_atomic_replace(in_dir("link"), "new", 3,
                                         bits_test_pool), APR_SUCCESS);
    ck_assert_str_eq(bits_test_read_file(target, bits_test_pool), "keep");
    ck_assert_int_eq(entries_in(dir), 3);
}
END_TEST

START_TEST(atomic_replace_fails_cleanly)
{
    ck_assert_int_ne(bits_atomic_replace(in_dir("missing/state"), "x", 1,
                                         bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(entries_in(dir), 0);
}
END_TEST

START_TEST(sync_dir)
{
    ck_assert_int_eq(bits_sync_dir(dir, bits_test_pool), APR_SUCCESS);
    ck_assert_int_ne(bits_sync_dir(in_dir("missing"), bits_test_pool),
                     APR_SUCCESS);
}
END_TEST

/* ---- bits_truncate ----------------------------------------------------- */

START_TEST(truncate_shortens)
{
    const char *path = in_dir("requestfile.bin");
    apr_finfo_t fi;

    bits_test_write_file(path, "0123456789abcdef", bits_test_pool);
    ck_assert_int_eq(bits_truncate(path, 10, bits_test_pool), APR_SUCCESS);
    ck_assert_str_eq(bits_test_read_file(path, bits_test_pool), "0123456789");
    ck_assert_int_eq(bits_truncate(path, 0, bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(apr_stat(&fi, path, APR_FINFO_SIZE, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(fi.size, 0);
}
END_TEST

START_TEST(truncate_refuses_symlink_and_missing)
{
    const char *target = in_dir("target");
    apr_status_t rv;

    bits_test_write_file(target, "keep", bits_test_pool);
    bits_test_symlink(target, in_dir("link"));
    rv = bits_truncate(in_dir("link"), 0, bits_test_pool);
    ck_assert_msg(is_eloop(rv), "link: %d", rv);
    ck_assert_str_eq(bits_test_read_file(target, bits_test_pool), "keep");
    rv = bits_truncate(in_dir("missing"), 0, bits_test_pool);
    ck_assert_msg(APR_STATUS_IS_ENOENT(rv), "missing: %d", rv);
    ck_assert(!bits_test_exists(in_dir("missing")));
}
END_TEST

/* ---- bits_publish ------------------------------------------------------ */

/* What the record callback saw. */
typedef struct {
    const char *dest;
    const char *src;
    int calls;
    apr_ino_t ino;
    int dest_existed;
    const char *dest_content;
    apr_status_t answer;
    int src_mode;              /* permission bits of the source at the call */
} record_log_t;

static apr_status_t record_placement(void *baton, apr_ino_t ino)
{
    record_log_t *log = baton;

    log->calls++;
    log->ino = ino;
    log->src_mode = mode_of(log->src);
    log->dest_existed = bits_test_exists(log->dest);
    log->dest_content = log->dest_existed
                        ? bits_test_read_file(log->dest, bits_test_pool) : NULL;
    return log->answer;
}

static apr_status_t publish(const char *src, const char *dest, int overwrite,
                            apr_ino_t done_ino, record_log_t *log,
                            apr_ino_t *placed)
{
    log->dest = dest;
    *placed = (apr_ino_t)-1;
    return bits_publish(src, dest, overwrite, -1, done_ino, record_placement, log,
                        placed, bits_test_pool);
}

START_TEST(publish_to_fresh_dest)
{
    record_log_t log = { 0 };
    apr_ino_t placed;
    const char *src = in_dir("requestfile.bin"), *dest = in_dir("upload.bin");

    bits_test_write_file(src, "uploaded bytes", bits_test_pool);
    ck_assert_int_eq(publish(src, dest, 0, 0, &log, &placed), APR_SUCCESS);
    ck_assert_str_eq(bits_test_read_file(dest, bits_test_pool), "uploaded bytes");
    ck_assert_uint_eq(placed, inode_of(dest));

    /* A hard link: dest is the request file's own inode, which a retry
     * recognises without any record, so the callback is not needed. */
    ck_assert_uint_eq(placed, inode_of(src));
    ck_assert_int_eq(log.calls, 0);
    ck_assert_int_eq(entries_in(dir), 2);           /* no staging leftovers */
    /* ... and a retry after that unrecorded publish changes nothing. */
    ck_assert_int_eq(publish(src, dest, 0, 0, &log, &placed), APR_SUCCESS);
    ck_assert_uint_eq(placed, inode_of(src));
    ck_assert_int_eq(entries_in(dir), 2);
}
END_TEST

START_TEST(publish_without_callback)
{
    apr_ino_t placed = 0;
    const char *src = in_dir("requestfile.bin"), *dest = in_dir("upload.bin");

    bits_test_write_file(src, "data", bits_test_pool);
    ck_assert_int_eq(bits_publish(src, dest, 0, -1, 0, NULL, NULL, &placed,
                                  bits_test_pool), APR_SUCCESS);
    ck_assert_str_eq(bits_test_read_file(dest, bits_test_pool), "data");
    ck_assert_uint_eq(placed, inode_of(dest));
}
END_TEST

START_TEST(publish_empty_file)
{
    record_log_t log = { 0 };
    apr_ino_t placed;
    const char *src = in_dir("requestfile.bin"), *dest = in_dir("empty.bin");

    bits_test_write_file(src, "", bits_test_pool);
    ck_assert_int_eq(publish(src, dest, 0, 0, &log, &placed), APR_SUCCESS);
    ck_assert_str_eq(bits_test_read_file(dest, bits_test_pool), "");
}
END_TEST

START_TEST(publish_refuses_existing_dest)
{
    record_log_t log = { 0 };
    apr_ino_t placed, before;
    const char *src = in_dir("requestfile.bin"), *dest = in_dir("upload.bin");

    bits_test_write_file(src, "new", bits_test_pool);
    bits_test_write_file(dest, "somebody else's", bits_test_pool);
    before = inode_of(dest);
    ck_assert_int_eq(publish(src, dest, 0, 0, &log, &placed), APR_EEXIST);
    ck_assert_str_eq(bits_test_read_file(dest, bits_test_pool), "somebody else's");
    ck_assert_uint_eq(inode_of(dest), before);
    ck_assert_int_eq(entries_in(dir), 2);
}
END_TEST

START_TEST(publish_overwrites_when_allowed)
{
    record_log_t log = { 0 };
    apr_ino_t placed;
    const char *src = in_dir("requestfile.bin"), *dest = in_dir("upload.bin");

    bits_test_write_file(src, "new content", bits_test_pool);
    bits_test_write_file(dest, "old", bits_test_pool);
    ck_assert_int_eq(publish(src, dest, 1, 0, &log, &placed), APR_SUCCESS);
    ck_assert_str_eq(bits_test_read_file(dest, bits_test_pool), "new content");
    ck_assert_uint_eq(placed, inode_of(dest));
    ck_assert_uint_eq(placed, inode_of(src));
    ck_assert_int_eq(log.calls, 0);
    ck_assert_int_eq(entries_in(dir), 2);
}
END_TEST

START_TEST(publish_recognises_earlier_attempt)
{
    record_log_t log = { 0 };
    apr_ino_t placed, done;
    const char *src = in_dir("requestfile.bin"), *dest = in_dir("upload.bin");

    /* A crash after placing but before the outcome was recorded. */
    bits_test_write_file(src, "retried upload", bits_test_pool);
    bits_test_write_file(dest, "placed last time", bits_test_pool);
    done = inode_of(dest);
    ck_assert_int_eq(publish(src, dest, 0, done, &log, &placed), APR_SUCCESS);
    ck_assert_uint_eq(placed, done);
    ck_assert_uint_eq(inode_of(dest), done);
    ck_assert_str_eq(bits_test_read_file(dest, bits_test_pool), "placed last time");

    ck_assert_int_eq(publish(src, dest, 1, done, &log, &placed), APR_SUCCESS);
    ck_assert_str_eq(bits_test_read_file(dest, bits_test_pool), "placed last time");
}
END_TEST

START_TEST(publish_twice_is_idempotent)
{
    record_log_t log = { 0 };
    apr_ino_t first, second;
    const char *src = in_dir("requestfile.bin"), *dest = in_dir("upload.bin");

    bits_test_write_file(src, "once", bits_test_pool);
    ck_assert_int_eq(publish(src, dest, 0, 0, &log, &first), APR_SUCCESS);
    ck_assert_int_eq(publish(src, dest, 0, first, &log, &second), APR_SUCCESS);
    ck_assert_uint_eq(second, first);
    ck_assert_str_eq(bits_test_read_file(dest, bits_test_pool), "once");
}
END_TEST

/* A directory on another file system than the test's, for the copy path
 * of publishing; NULL (the test then has nothing to check) without one. */
static const char *other_file_system(char *tmpl)
{
    struct stat a, b;

    if (mkdtemp(tmpl) == NULL)
        return NULL;
    if (stat(tmpl, &a) != 0 || stat(dir, &b) != 0 || a.st_dev == b.st_dev) {
        bits_test_rmtree(tmpl);
        return NULL;
    }
    return tmpl;
}

START_TEST(publish_stops_when_record_fails)
{
    record_log_t log = { 0 };
    apr_ino_t placed;
    char other[] = "/dev/shm/bits-unit-XXXXXX";
    const char *src, *dest = in_dir("upload.bin");

    if (!other_file_system(other))
        return;
    src = apr_pstrcat(bits_test_pool, other, "/requestfile.bin", NULL);
    bits_test_write_file(src, "data", bits_test_pool);
    log.answer = APR_FROM_OS_ERROR(EIO);
    ck_assert_int_eq(publish(src, dest, 0, 0, &log, &placed),
                     APR_FROM_OS_ERROR(EIO));
    ck_assert_int_eq(log.calls, 1);
    ck_assert(!bits_test_exists(dest));
    ck_assert_int_eq(entries_in(dir), 0);
    bits_test_rmtree(other);
}
END_TEST

START_TEST(publish_missing_source)
{
    record_log_t log = { 0 };
    apr_ino_t placed;
    const char *dest = in_dir("upload.bin");

    ck_assert_int_ne(publish(in_dir("gone.bin"), dest, 0, 0, &log, &placed),
                     APR_SUCCESS);
    ck_assert(!bits_test_exists(dest));
}
END_TEST

START_TEST(publish_across_file_systems)
{
    record_log_t log = { 0 };
    apr_ino_t placed;
    char other[] = "/dev/shm/bits-unit-XXXXXX";
    const char *src, *dest = in_dir("upload.bin");

    /* Exercises the copy path when a second file system is at hand. */
    if (!other_file_system(other))
        return;
    src = apr_pstrcat(bits_test_pool, other, "/requestfile.bin", NULL);
    bits_test_write_file(src, "copied across devices", bits_test_pool);
    ck_assert_int_eq(publish(src, dest, 0, 0, &log, &placed), APR_SUCCESS);
    ck_assert_str_eq(bits_test_read_file(dest, bits_test_pool),
                     "copied across devices");
    ck_assert_uint_eq(placed, inode_of(dest));
    /* The copy's inode was recorded once, before dest existed. */
    ck_assert_int_eq(log.calls, 1);
    ck_assert_uint_eq(log.ino, placed);
    ck_assert_int_eq(log.dest_existed, 0);
    ck_assert_int_eq(entries_in(dir), 1);
    /* A retry after an unrecorded success leaves the copy alone. */
    ck_assert_int_eq(publish(src, dest, 0, placed, &log, &placed), APR_SUCCESS);
    ck_assert_uint_eq(inode_of(dest), placed);
    bits_test_rmtree(other);
}
END_TEST

/* The fixed staging name of this request file, as the module forms it. */
static const char *staging_of(const char *src)
{
    return apr_psprintf(bits_test_pool, "%s/.bits-publish-%" APR_UINT64_T_FMT ".tmp",
                        dir, (apr_uint64_t)inode_of(src));
}

START_TEST(publish_leaves_foreign_file_at_staging_name)
{
    record_log_t log = { 0 };
    apr_ino_t placed;
    const char *src = in_dir("requestfile.bin"), *dest = in_dir("upload.bin");
    const char *taken;

    /* Item 10: a file that is not ours under the staging name survives. */
    bits_test_write_file(src, "uploaded bytes", bits_test_pool);
    taken = staging_of(src);
    bits_test_write_file(taken, "someone else's", bits_test_pool);
    ck_assert_int_eq(publish(src, dest, 0, 0, &log, &placed), APR_SUCCESS);
    ck_assert_str_eq(bits_test_read_file(dest, bits_test_pool), "uploaded bytes");
    ck_assert_str_eq(bits_test_read_file(taken, bits_test_pool), "someone else's");
    ck_assert_int_eq(entries_in(dir), 3);           /* and no other leftover */
}
END_TEST

START_TEST(publish_reclaims_own_leftover)
{
    record_log_t log = { 0 };
    apr_ino_t placed;
    const char *src = in_dir("requestfile.bin"), *dest = in_dir("upload.bin");

    /* An interrupted attempt left a second name of the request file. */
    bits_test_write_file(src, "uploaded bytes", bits_test_pool);
    ck_assert_int_eq(link(src, staging_of(src)), 0);
    ck_assert_int_eq(publish(src, dest, 0, 0, &log, &placed), APR_SUCCESS);
    ck_assert_str_eq(bits_test_read_file(dest, bits_test_pool), "uploaded bytes");
    ck_assert(!bits_test_exists(staging_of(src)));
    ck_assert_int_eq(entries_in(dir), 2);
}
END_TEST

/* ---- modes (issue 6 item 12) ------------------------------------------- */

START_TEST(new_files_are_private_whatever_the_umask)
{
    apr_file_t *f;

    umask(0);
    ck_assert_int_eq(bits_open_nofollow(&f, in_dir("lock"), BITS_CREATE_PRIVATE,
                                        bits_test_pool), APR_SUCCESS);
    apr_file_close(f);
    ck_assert_int_eq(mode_of(in_dir("lock")), 0600);
    ck_assert_int_eq(bits_atomic_replace(in_dir("state"), "x", 1, bits_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(mode_of(in_dir("state")), 0600);
}
END_TEST

START_TEST(group_readable_file_gets_exactly_0640)
{
    apr_file_t *f;

    umask(077);                 /* would strip the group bit */
    ck_assert_int_eq(bits_open_nofollow(&f, in_dir("req"), BITS_CREATE_GROUP_READ,
                                        bits_test_pool), APR_SUCCESS);
    apr_file_close(f);
    ck_assert_int_eq(mode_of(in_dir("req")), 0640);
}
END_TEST

START_TEST(existing_file_keeps_its_mode)
{
    apr_file_t *f;

    bits_test_write_file(in_dir("old"), "old", bits_test_pool);
    ck_assert_int_eq(chmod(in_dir("old"), 0604), 0);
    ck_assert_int_eq(bits_open_nofollow(&f, in_dir("old"), BITS_CREATE_PRIVATE,
                                        bits_test_pool), APR_SUCCESS);
    apr_file_close(f);
    ck_assert_int_eq(mode_of(in_dir("old")), 0604);
    ck_assert_str_eq(bits_test_read_file(in_dir("old"), bits_test_pool), "old");
}
END_TEST

START_TEST(publish_link_gets_the_mode)
{
    record_log_t log = { 0 };
    apr_ino_t placed;
    const char *src = in_dir("requestfile.bin"), *dest = in_dir("pub.bin");

    umask(077);
    bits_test_write_file(src, "data", bits_test_pool);
    ck_assert_int_eq(chmod(src, 0600), 0);
    log.dest = dest;
    log.src = src;
    ck_assert_int_eq(bits_publish(src, dest, 0, 0644, 0, record_placement, &log,
                                  &placed, bits_test_pool), APR_SUCCESS);
    /* One inode under two names, so its mode was set before the link. */
    ck_assert_int_eq(mode_of(src), 0644);
    ck_assert_int_eq(mode_of(dest), 0644);      /* not the umask's 0600 */
    ck_assert_str_eq(bits_test_read_file(dest, bits_test_pool), "data");
}
END_TEST

START_TEST(publish_with_mode_minus_one_keeps_the_mode)
{
    apr_ino_t placed;
    const char *src = in_dir("requestfile.bin"), *dest = in_dir("pub.bin");

    bits_test_write_file(src, "data", bits_test_pool);
    ck_assert_int_eq(chmod(src, 0640), 0);
    ck_assert_int_eq(bits_publish(src, dest, 0, -1, 0, NULL, NULL, &placed,
                                  bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(mode_of(dest), 0640);
}
END_TEST

START_TEST(publish_copy_gets_the_mode)
{
    apr_ino_t placed;
    char other[] = "/dev/shm/bits-unit-XXXXXX";
    const char *src, *dest = in_dir("copied.bin");

    if (!other_file_system(other))
        return;
    umask(077);
    src = apr_pstrcat(bits_test_pool, other, "/requestfile.bin", NULL);
    bits_test_write_file(src, "copy", bits_test_pool);
    ck_assert_int_eq(bits_publish(src, dest, 0, 0640, 0, NULL, NULL, &placed,
                                  bits_test_pool), APR_SUCCESS);
    ck_assert_int_eq(mode_of(dest), 0640);
    bits_test_rmtree(other);
}
END_TEST

TCase *bits_fileio_tcase(void)
{
    TCase *tc = tcase_create("fileio");

    tcase_add_checked_fixture(tc, fileio_setup, fileio_teardown);
    tcase_add_test(tc, open_nofollow_refuses_symlink);
    tcase_add_test(tc, open_nofollow_create_and_write);
    tcase_add_test(tc, open_nofollow_refuses_directory);
    tcase_add_test(tc, atomic_replace_replaces_content);
    tcase_add_test(tc, atomic_replace_is_a_new_file);
    tcase_add_test(tc, atomic_replace_fails_cleanly);
    tcase_add_test(tc, sync_dir);
    tcase_add_test(tc, truncate_shortens);
    tcase_add_test(tc, truncate_refuses_symlink_and_missing);
    tcase_add_test(tc, publish_to_fresh_dest);
    tcase_add_test(tc, publish_without_callback);
    tcase_add_test(tc, publish_empty_file);
    tcase_add_test(tc, publish_refuses_existing_dest);
    tcase_add_test(tc, publish_overwrites_when_allowed);
    tcase_add_test(tc, publish_recognises_earlier_attempt);
    tcase_add_test(tc, publish_twice_is_idempotent);
    tcase_add_test(tc, publish_stops_when_record_fails);
    tcase_add_test(tc, publish_missing_source);
    tcase_add_test(tc, publish_across_file_systems);
    tcase_add_test(tc, publish_leaves_foreign_file_at_staging_name);
    tcase_add_test(tc, publish_reclaims_own_leftover);
    tcase_add_test(tc, new_files_are_private_whatever_the_umask);
    tcase_add_test(tc, group_readable_file_gets_exactly_0640);
    tcase_add_test(tc, existing_file_keeps_its_mode);
    tcase_add_test(tc, publish_link_gets_the_mode);
    tcase_add_test(tc, publish_with_mode_minus_one_keeps_the_mode);
    tcase_add_test(tc, publish_copy_gets_the_mode);
    return tc;
}
