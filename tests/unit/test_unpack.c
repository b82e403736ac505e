/* test_unpack.c - unpack.c against the real libarchive, apart from passwords: the
 * limits (a member over max_member_size listed without data, max_total_size,
 * max_members), a plain zip opened without passwords, garbage a parse error and every
 * truncation of an archive survived, concatenated zips split into parts and stored
 * nested ones not, the size the headers declare, only the wanted members extracted,
 * unpack_result_clear, zstd and LZMA streams as one member, ar without its tables, and
 * the types unpack reads.  Encryption and passwords: test_unpack_passwords.c; the
 * archives and the helpers: unpack_fixture.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unpack_fixture.h"

static void open_lists_member_over_max_member_size_without_data(void **state)
{
    struct fixture *f = *state;
    GPtrArray *pw = candidates("secret", NULL);
    struct unpack_limits lim = default_limits;
    struct unpack_result res;
    const struct unpack_member *big;

    lim.max_member_size = 4096;
    open_sample(f, "big.zip", pw, &lim, &res, MV_OK);
    big = member(&res, "big.txt");
    if (big->data != NULL)
        fail_msg("big.txt: got %zu bytes, want none (limit 4096)", g_bytes_get_size(big->data));
    assert_int_equal(big->size, 100000);
    assert_true(big->encrypted);
    assert_true(res.truncated);
    assert_true(res.opened);
    assert_int_equal(res.password_index, 0);
    assert_same_bytes(f, &res, "readme.txt");
    unpack_result_clear(&res);
    g_ptr_array_unref(pw);
}

static void open_keeps_at_most_max_total_size(void **state)
{
    struct fixture *f = *state;
    struct unpack_limits lim = default_limits;
    struct unpack_result res;

    lim.max_total_size = 100; /* readme.txt (28 bytes) fits, notes.txt (1151) does not */
    open_sample(f, "plain.zip", NULL, &lim, &res, MV_OK);
    assert_same_bytes(f, &res, "readme.txt");
    if (member(&res, "notes.txt")->data != NULL)
        fail_msg("notes.txt: got data, want none past max_total_size");
    assert_true(res.truncated);
    unpack_result_clear(&res);
}

static void open_lists_at_most_max_members(void **state)
{
    struct fixture *f = *state;
    GPtrArray *pw = candidates("secret", NULL);
    struct unpack_limits lim = default_limits;
    struct unpack_result res;

    lim.max_members = 50;
    open_sample(f, "many.zip", pw, &lim, &res, MV_OK);
    if (res.members->len != 50)
        fail_msg("max_members 50: got %u members, want 50", res.members->len);
    assert_true(res.truncated);
    assert_true(res.member_limit);
    assert_false(res.damaged);
    assert_true(res.opened);
    unpack_result_clear(&res);

    open_sample(f, "many.zip", pw, &default_limits, &res, MV_OK);
    if (res.members->len != 200)
        fail_msg("max_members 1000: got %u members, want 200", res.members->len);
    assert_false(res.truncated);
    assert_false(res.member_limit);
    assert_true(res.opened);
    assert_non_null(member(&res, "m299.txt")->data);
    unpack_result_clear(&res);
    g_ptr_array_unref(pw);
}

static void open_plain_zip_is_opened_without_passwords(void **state)
{
    struct unpack_result res;

    open_sample(*state, "plain.zip", NULL, &default_limits, &res, MV_OK);
    assert_true(res.opened);
    assert_int_equal(res.tried, 0);
    assert_int_equal(res.password_index, -1);
    assert_same_bytes(*state, &res, "notes.txt");
    unpack_result_clear(&res);
}

static void open_garbage_is_a_parse_error(void **state)
{
    static const char text[] = "Quarterly figures attached.\n";
    struct unpack_result res;
    struct mv_err err = {0};
    enum mv_status got;

    (void)state;
    got = unpack_open(text, sizeof(text) - 1, NULL, &default_limits, &res, &err);
    if (got != MV_EPARSE)
        fail_msg("got %s, want parse-error", mv_status_name(got));
    assert_true(err.msg[0] != '\0');
    unpack_result_clear(&res);
    got = unpack_open(NULL, 0, NULL, &default_limits, &res, &err);
    assert_int_equal(got, MV_EPARSE);
    unpack_result_clear(&res);
}

static void open_survives_every_truncation(void **state)
{
    struct fixture *f = *state;
    static const char *const names[] = {"enc.zip", "mixed.zip", "aes.zip", "enc.7z", "hdr.7z"};
    GPtrArray *pw = candidates("wrong", "secret", NULL);

    /* a damaged archive is listed as far as it goes, never said to be open and whole
     * with a member missing */
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        GBytes *b;
        gsize len;
        const unsigned char *data;

        if (!f->has_7z && strcmp(names[i], "enc.zip") != 0 && strcmp(names[i], "mixed.zip") != 0)
            continue;
        b = slurp(f->dir, names[i]);
        data = g_bytes_get_data(b, &len);
        for (gsize cut = 1; cut < len; cut++) {
            struct unpack_result res;
            struct mv_err err = {0};
            enum mv_status got = unpack_open(data, cut, pw, &default_limits, &res, &err);

            (void)unpack_probe(data, cut, NULL);
            if (got != MV_OK && got != MV_EPARSE)
                fail_msg("%s cut at %zu: got %s, want ok or parse-error", names[i], cut,
                         mv_status_name(got));
            for (guint k = 0; got == MV_OK && res.opened && !res.truncated && k < res.members->len;
                 k++) {
                const struct unpack_member *m = g_ptr_array_index(res.members, k);
                if (m->data == NULL)
                    fail_msg("%s cut at %zu: got opened, whole, and %s without data", names[i], cut,
                             m->name);
            }
            unpack_result_clear(&res);
        }
        g_bytes_unref(b);
    }
    g_ptr_array_unref(pw);
}

/* parts_of - unpack_zip_parts on DIR/NAME; the ranges, checked to tile or be inside
 * the file */
static guint parts_of(const char *dir, const char *name, GArray *ranges, GBytes **bytes)
{
    gsize len;
    guint n;

    *bytes = slurp(dir, name);
    g_bytes_get_data(*bytes, &len);
    n = unpack_zip_parts(g_bytes_get_data(*bytes, NULL), len, ranges, 16);
    for (guint i = 0; i < n; i++) {
        gsize start = g_array_index(ranges, gsize, 2 * i),
              end = g_array_index(ranges, gsize, 2 * i + 1);
        if (start >= end || end > len)
            fail_msg("%s: part %u is [%zu, %zu) of %zu bytes", name, i, start, end, len);
    }
    return n;
}

/* names_in - the member names of one range, by unpack_open */
static char *names_in(GBytes *bytes, GArray *ranges, guint part)
{
    gsize start = g_array_index(ranges, gsize, 2 * part),
          end = g_array_index(ranges, gsize, 2 * part + 1);
    const char *data = g_bytes_get_data(bytes, NULL);
    struct unpack_result res;
    struct mv_err err = {0};
    GString *names = g_string_new(NULL);

    assert_int_equal(unpack_open(data + start, end - start, NULL, &default_limits, &res, &err),
                     MV_OK);
    for (guint i = 0; i < res.members->len; i++)
        g_string_append_printf(names, "%s%s", i ? "," : "",
                               ((struct unpack_member *)g_ptr_array_index(res.members, i))->name);
    unpack_result_clear(&res);
    return g_string_free(names, FALSE);
}

static void zip_parts_split_concatenated_zips(void **state)
{
    struct fixture *f = *state;
    const char *files[] = {"cat.zip", "cat2.zip"};
    const char *want[][2] = {{"readme.txt,notes.txt", "eicar.com"},
                             {"eicar.com", "readme.txt,notes.txt"}};

    for (size_t k = 0; k < G_N_ELEMENTS(files); k++) {
        GArray *ranges = g_array_new(FALSE, FALSE, sizeof(gsize));
        GBytes *bytes;

        assert_int_equal(parts_of(f->dir, files[k], ranges, &bytes), 2);
        assert_int_equal(g_array_index(ranges, gsize, 0), 0);
        assert_int_equal(g_array_index(ranges, gsize, 1), g_array_index(ranges, gsize, 2));
        for (guint p = 0; p < 2; p++) {
            char *names = names_in(bytes, ranges, p);
            if (strcmp(names, want[k][p]) != 0)
                fail_msg("%s part %u: got members %s, want %s", files[k], p, names, want[k][p]);
            g_free(names);
        }
        g_bytes_unref(bytes);
        g_array_free(ranges, TRUE);
    }
}

static void zip_parts_do_not_split_stored_nested_zips(void **state)
{
    struct fixture *f = *state;
    GArray *ranges = g_array_new(FALSE, FALSE, sizeof(gsize));
    GBytes *bytes;
    char *names;

    /* nested.zip stores e.zip and plain.zip uncompressed: their records show inside */
    assert_int_equal(parts_of(f->dir, "plain.zip", ranges, &bytes), 1);
    g_bytes_unref(bytes);
    g_array_set_size(ranges, 0);
    assert_int_equal(parts_of(f->dir, "nested.zip", ranges, &bytes), 1);
    g_bytes_unref(bytes);
    g_array_set_size(ranges, 0);
    /* ... and followed by another zip: two parts, the first the whole nested.zip */
    assert_int_equal(parts_of(f->dir, "nestcat.zip", ranges, &bytes), 2);
    names = names_in(bytes, ranges, 0);
    assert_string_equal(names, "e.zip,plain.zip");
    g_free(names);
    g_bytes_unref(bytes);
    g_array_free(ranges, TRUE);
}

static void declared_size_sums_the_headers(void **state)
{
    struct fixture *f = *state;
    GBytes *plain = slurp(f->dir, "plain.zip");
    GBytes *big = slurp(f->dir, "big.zip");
    uint64_t declared;
    gsize len;
    const void *data = g_bytes_get_data(plain, &len);

    /* readme.txt (28 bytes) and notes.txt (40 lines "line N of the meeting notes\n":
     * 9 of 28 bytes and 31 of 29, 1151 bytes) */
    assert_false(unpack_probe(data, len, &declared));
    assert_int_equal(declared, 28 + 1151);
    /* an encrypted zip's headers still declare its sizes: big.txt is 100000 bytes */
    data = g_bytes_get_data(big, &len);
    assert_true(unpack_probe(data, len, &declared));
    assert_true(declared >= 100000);
    assert_false(unpack_probe("not an archive at all", 21, &declared));
    assert_int_equal(declared, 0);
    g_bytes_unref(plain);
    g_bytes_unref(big);
}

/* want_notes - an unpack_want_fn: only notes.txt */
static bool want_notes(const struct unpack_member *m, void *ctx)
{
    (*(unsigned *)ctx)++;
    return strcmp(m->name, "notes.txt") == 0;
}

static void open_some_extracts_only_wanted_members(void **state)
{
    struct fixture *f = *state;
    GBytes *bytes = slurp(f->dir, "plain.zip");
    struct unpack_result res;
    struct mv_err err = {0};
    unsigned asked = 0;
    gsize len;
    const void *data = g_bytes_get_data(bytes, &len);

    assert_int_equal(
        unpack_open_some(data, len, NULL, &default_limits, want_notes, &asked, &res, &err), MV_OK);
    assert_int_equal(asked, 2);
    assert_int_equal(res.members->len, 2);
    for (guint i = 0; i < 2; i++) {
        const struct unpack_member *m = g_ptr_array_index(res.members, i);
        if ((m->data != NULL) != (strcmp(m->name, "notes.txt") == 0))
            fail_msg("%s: data %s", m->name, m->data != NULL ? "kept" : "not kept");
        if (m->size == 0)
            fail_msg("%s: declared size not listed", m->name);
    }
    assert_true(res.opened);
    unpack_result_clear(&res);
    g_bytes_unref(bytes);
}

static void result_clear_leaves_struct_zeroed(void **state)
{
    struct unpack_result res, zero;

    open_sample(*state, "plain.zip", NULL, &default_limits, &res, MV_OK);
    unpack_result_clear(&res);
    memset(&zero, 0, sizeof(zero));
    assert_memory_equal(&res, &zero, sizeof(res));
    unpack_result_clear(&res); /* twice is harmless */
    unpack_result_clear(NULL);
}

/* streams_are_one_member - a compressed stream read with lim.stream is one member, "data", with
 * the original bytes; without lim.stream, or for bytes of no compressor, it is a
 * parse error, never a member */
static void streams_are_one_member(void **state)
{
    struct fixture *f = *state;
    struct unpack_limits lim = default_limits;
    const char *names[] = {"notes.txt.zst", "notes.txt.lzma"};
    struct unpack_result res;

    lim.stream = true;
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        char *path = g_build_filename(f->dir, names[i], NULL);
        bool there = g_file_test(path, G_FILE_TEST_EXISTS);

        g_free(path);
        if (!there)
            continue; /* no zstd command */
        open_sample(f, names[i], NULL, &lim, &res, MV_OK);
        assert_true(res.opened);
        assert_int_equal(res.members->len, 1);
        {
            GBytes *want = slurp(f->dir, "notes.txt");
            assert_non_null(member(&res, "data")->data);
            assert_true(g_bytes_equal(member(&res, "data")->data, want));
            g_bytes_unref(want);
        }
        unpack_result_clear(&res);
        open_sample(f, names[i], NULL, &default_limits, &res, MV_EPARSE);
        unpack_result_clear(&res);
    }
    open_sample(f, "notes.txt", NULL, &lim, &res, MV_EPARSE);
    unpack_result_clear(&res);
}

/* ar_members_without_tables - an ar archive lists its files, not its name table */
static void ar_members_without_tables(void **state)
{
    struct fixture *f = *state;
    struct unpack_result res;

    open_sample(f, "notes.a", NULL, &default_limits, &res, MV_OK);
    assert_true(res.opened);
    assert_int_equal(res.members->len, 2);
    assert_same_bytes(f, &res, "notes.txt");
    assert_same_bytes(f, &res, "readme.txt");
    unpack_result_clear(&res);
}

/* reads_names_its_types - the types container.c hands over, and which are streams */
static void reads_names_its_types(void **state)
{
    bool stream = true;

    (void)state;
    assert_true(unpack_reads("CL_TYPE_ZIP", &stream));
    assert_false(stream);
    assert_true(unpack_reads("MV_TYPE_LHA", &stream));
    assert_false(stream);
    assert_true(unpack_reads("MV_TYPE_ZSTD", &stream));
    assert_true(stream);
    assert_true(unpack_reads("MV_TYPE_COMPRESS", NULL));
    assert_false(unpack_reads("MV_TYPE_ACE", &stream));
    assert_false(stream);
    assert_false(unpack_reads("MV_TYPE_LZOP", NULL));
    assert_false(unpack_reads(NULL, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_lists_member_over_max_member_size_without_data),
        cmocka_unit_test(open_keeps_at_most_max_total_size),
        cmocka_unit_test(open_lists_at_most_max_members),
        cmocka_unit_test(open_plain_zip_is_opened_without_passwords),
        cmocka_unit_test(open_garbage_is_a_parse_error),
        cmocka_unit_test(open_survives_every_truncation),
        cmocka_unit_test(result_clear_leaves_struct_zeroed),
        cmocka_unit_test(zip_parts_split_concatenated_zips),
        cmocka_unit_test(zip_parts_do_not_split_stored_nested_zips),
        cmocka_unit_test(open_some_extracts_only_wanted_members),
        cmocka_unit_test(declared_size_sums_the_headers),
        cmocka_unit_test(streams_are_one_member),
        cmocka_unit_test(ar_members_without_tables),
        cmocka_unit_test(reads_names_its_types),
    };

    return cmocka_run_group_tests_name("unpack", tests, group_setup, group_teardown);
}
