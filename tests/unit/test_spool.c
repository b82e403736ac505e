/* test_spool.c - spool.c: memory, spill to an unlinked temp file, size cap, failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>

#include "spool.h"

static char tmpdir[] = "/tmp/mailvet-test-spool.XXXXXX";

static int setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/mailvet-test-spool.XXXXXX");
    return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return rmdir(tmpdir);
}

/* entries - files visible in DIR (an unlinked spool file must not be one) */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

/* read_fd - everything in FD from its current offset */
static GByteArray *read_fd(int fd)
{
    GByteArray *b = g_byte_array_new();
    char buf[4096];
    ssize_t n;

    while ((n = read(fd, buf, sizeof(buf))) > 0)
        g_byte_array_append(b, (guint8 *)buf, (guint)n);
    return b;
}

static void spool_keeps_small_message_in_memory(void **state)
{
    struct spool *sp = spool_new(tmpdir, 1024, 1 << 20);
    struct mv_err err = {0};
    GByteArray *b;

    (void)state;
    assert_int_equal(spool_append(sp, "Subject: x\r\n\r\nhello\r\n", 21, &err), MV_OK);
    assert_false(spool_spilled(sp));
    b = spool_bytes_get(sp);
    assert_non_null(b);
    assert_int_equal(b->len, 21);
    assert_memory_equal(b->data, "Subject: x\r\n\r\nhello\r\n", 21);
    assert_int_equal(spool_fd_get(sp), -1);
    spool_free(sp);
}

static void spool_spills_to_file_above_threshold(void **state)
{
    struct spool *sp = spool_new(tmpdir, 1000, 1 << 20);
    struct mv_err err = {0};
    GByteArray *want = g_byte_array_new();
    GByteArray *got;
    char chunk[300];

    (void)state;
    for (int i = 0; i < 10; i++) {
        memset(chunk, 'a' + i, sizeof(chunk));
        g_byte_array_append(want, (guint8 *)chunk, sizeof(chunk));
        assert_int_equal(spool_append(sp, chunk, sizeof(chunk), &err), MV_OK);
    }
    assert_true(spool_spilled(sp));
    assert_null(spool_bytes_get(sp));
    /* the temp file is already unlinked: nothing left behind even on a crash */
    assert_int_equal(entries(tmpdir), 0);
    got = read_fd(spool_fd_get(sp));
    if (got->len != want->len)
        fail_msg("got %u bytes back, want %u", got->len, want->len);
    assert_memory_equal(got->data, want->data, want->len);
    assert_int_equal(spool_size(sp), 3000);
    g_byte_array_free(got, TRUE);
    g_byte_array_free(want, TRUE);
    spool_free(sp);
}

static void spool_stops_keeping_past_size_cap(void **state)
{
    struct spool *sp = spool_new(tmpdir, 100, 250);
    struct mv_err err = {0};
    char chunk[100];
    enum mv_status st = MV_OK;

    (void)state;
    memset(chunk, 'x', sizeof(chunk));
    for (int i = 0; i < 5; i++)
        st = spool_append(sp, chunk, sizeof(chunk), &err);
    assert_int_equal(st, MV_TOOBIG);
    assert_true(spool_truncated(sp));
    assert_int_equal(spool_size(sp), 500);
    {
        GByteArray *got = read_fd(spool_fd_get(sp));
        if (got->len != 250)
            fail_msg("got %u bytes kept, want 250", got->len);
        g_byte_array_free(got, TRUE);
    }
    spool_free(sp);
}

static void spool_reports_unwritable_tmpdir(void **state)
{
    struct spool *sp = spool_new("/nonexistent/mailvet-spool", 10, 1 << 20);
    struct mv_err err = {0};

    (void)state;
    assert_int_equal(spool_append(sp, "0123456789abcdef", 16, &err), MV_EIO);
    assert_int_equal(err.status, MV_EIO);
    if (strstr(err.msg, "/nonexistent/mailvet-spool") == NULL)
        fail_msg("got error \"%s\", want it to name the directory", err.msg);
    spool_free(sp);
}

static void spool_free_accepts_null(void **state)
{
    (void)state;
    assert_null(spool_free(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spool_keeps_small_message_in_memory),
        cmocka_unit_test(spool_spills_to_file_above_threshold),
        cmocka_unit_test(spool_stops_keeping_past_size_cap),
        cmocka_unit_test(spool_reports_unwritable_tmpdir),
        cmocka_unit_test(spool_free_accepts_null),
    };

    return cmocka_run_group_tests_name("spool", tests, setup, teardown);
}
