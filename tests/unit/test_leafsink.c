/* test_leafsink.c - leafsink.c: bytes kept in memory up to mem_max, spilled to an
 * unlinked temp file and mapped above it, their SHA-256, empty sinks, a temp
 * directory that does not exist, and clearing twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "leafsink.h"

static char tmpdir[] = "/tmp/mailvet-test-leafsink.XXXXXX";

static int setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/mailvet-test-leafsink.XXXXXX");
    return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return rmdir(tmpdir);
}

/* entries - files visible in DIR (an unlinked temp file must not be one) */
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

/* pattern - LEN bytes that differ from one offset to the next (g_free) */
static unsigned char *pattern(size_t len)
{
    unsigned char *p = g_malloc(len);

    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)(i * 7 + i / 251);
    return p;
}

/* fill - LEN bytes of pattern() through a sink with MEM_MAX, written CHUNK at a
 * time; the finished bytes into OUT, their digest into SHA */
static void fill(size_t len, size_t mem_max, size_t chunk, size_t hint, struct leafsink_bytes *out,
                 char sha[DIGEST_HEX_LEN + 1])
{
    unsigned char *p = pattern(len);
    struct leafsink s;
    struct mv_err err = {0};

    leafsink_init(&s, mem_max, tmpdir, hint);
    for (size_t off = 0; off < len; off += chunk) {
        enum mv_status st = leafsink_write(&s, p + off, MIN(chunk, len - off), &err);
        if (st != MV_OK)
            fail_msg("write at %zu: got %s (%s), want MV_OK", off, mv_status_name(st), err.msg);
    }
    if (leafsink_finish(&s, out, sha, &err) != MV_OK)
        fail_msg("finish: got %s, want MV_OK", err.msg);
    leafsink_clear(&s);
    if (out->size != len || memcmp(out->data, p, len) != 0)
        fail_msg("bytes: got %zu bytes, want the %zu written", out->size, len);
    g_free(p);
}

/* sha256_hex - expected digest of pattern(LEN) (g_free) */
static char *sha256_hex(size_t len)
{
    unsigned char *p = pattern(len);
    char *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, p, len);

    g_free(p);
    return hex;
}

static void sink_keeps_bytes_in_memory_up_to_mem_max(void **state)
{
    static const struct {
        size_t len, mem_max, chunk, hint;
    } cases[] = {
        {1, 10, 1, 0},                  /* no hint: a first buffer of at most mem_max */
        {100, 100, 7, 0},               /* exactly mem_max */
        {70000, 1 << 20, 4096, 0},      /* grows by doubling */
        {5000, 1 << 20, 5000, 1 << 20}, /* a generous hint: shrunk to fit */
    };
    char sha[DIGEST_HEX_LEN + 1];

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct leafsink_bytes b;

        fill(cases[i].len, cases[i].mem_max, cases[i].chunk, cases[i].hint, &b, sha);
        if (b.mem == NULL || b.map != NULL || b.lost)
            fail_msg("case %zu: got mem=%p map=%p, want memory", i, (void *)b.mem, b.map);
        leafsink_bytes_free(&b);
    }
}

static void sink_spills_above_mem_max_to_an_unlinked_mapped_file(void **state)
{
    static const struct {
        size_t len, mem_max, chunk;
    } cases[] = {
        {101, 100, 7},   /* one byte over, in small writes */
        {300, 100, 300}, /* one write larger than mem_max */
        {1, 0, 1},       /* mem_max 0: every byte spills */
    };
    char sha[DIGEST_HEX_LEN + 1];

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct leafsink_bytes b;

        fill(cases[i].len, cases[i].mem_max, cases[i].chunk, 0, &b, sha);
        if (b.map == NULL || b.mem != NULL)
            fail_msg("case %zu: got mem=%p map=%p, want a mapping", i, (void *)b.mem, b.map);
        if (entries(tmpdir) != 0)
            fail_msg("case %zu: got %d files in %s, want none", i, entries(tmpdir), tmpdir);
        leafsink_bytes_free(&b);
        assert_null(b.map);
        assert_string_equal((const char *)b.data, "");
    }
}

static void sink_digest_is_sha256_of_every_byte(void **state)
{
    static const size_t lens[] = {0, 1, 64, 100, 65537};
    char sha[DIGEST_HEX_LEN + 1];

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(lens); i++) {
        char *want = sha256_hex(lens[i]);
        struct leafsink_bytes b;

        /* memory for the short ones, a file for the last */
        fill(lens[i], 1000, 13, 0, &b, sha);
        if (strcmp(sha, want) != 0)
            fail_msg("%zu bytes: got %s, want %s", lens[i], sha, want);
        leafsink_bytes_free(&b);
        g_free(want);
    }
}

static void sink_without_bytes_gives_empty_data_not_null(void **state)
{
    char sha[DIGEST_HEX_LEN + 1];
    struct leafsink_bytes b;
    struct mv_err err = {0};
    struct leafsink s;

    (void)state;
    leafsink_init(&s, 0, tmpdir, 0);
    assert_int_equal(leafsink_write(&s, "x", 0, &err), MV_OK);
    assert_int_equal(leafsink_finish(&s, &b, sha, &err), MV_OK);
    assert_non_null(b.data);
    assert_int_equal(b.size, 0);
    assert_null(b.mem);
    assert_null(b.map);
    assert_string_equal(sha, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    leafsink_clear(&s);
    leafsink_clear(&s); /* twice is allowed */
    leafsink_bytes_free(&b);
}

static void sink_in_missing_tmpdir_fails_with_eio(void **state)
{
    char *dir = g_build_filename(tmpdir, "missing", NULL);
    struct mv_err err = {0};
    struct leafsink s;
    enum mv_status st;

    (void)state;
    leafsink_init(&s, 4, dir, 0);
    assert_int_equal(leafsink_write(&s, "abc", 3, &err), MV_OK);
    st = leafsink_write(&s, "defg", 4, &err);
    if (st != MV_EIO || strstr(err.msg, dir) == NULL)
        fail_msg("got %s \"%s\", want MV_EIO naming %s", mv_status_name(st), err.msg, dir);
    leafsink_clear(&s);
    g_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sink_keeps_bytes_in_memory_up_to_mem_max),
        cmocka_unit_test(sink_spills_above_mem_max_to_an_unlinked_mapped_file),
        cmocka_unit_test(sink_digest_is_sha256_of_every_byte),
        cmocka_unit_test(sink_without_bytes_gives_empty_data_not_null),
        cmocka_unit_test(sink_in_missing_tmpdir_fails_with_eio),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
