/* test_unpack_passwords.c - encrypted archives in unpack.c against the real libarchive:
 * unpack_probe on plain, encrypted, AES and mixed zips, 7z with encrypted content or
 * headers, garbage, empty and truncated input; unpack_open finding the right password
 * among the candidates, decrypting AES, skipping a wrong password that passes the
 * check byte, listing names only with wrong passwords or none, trying at most
 * max_passwords; a mixed archive, and 7z it lists but cannot open.  Limits, damage and
 * the other formats: test_unpack.c; the archives and the helpers: unpack_fixture.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "unpack_fixture.h"

/* probe_sample - unpack_probe on DIR/NAME */
static bool probe_sample(const struct fixture *f, const char *name)
{
    GBytes *b = slurp(f->dir, name);
    gsize len;
    const void *data = g_bytes_get_data(b, &len);
    bool got = unpack_probe(data, len, NULL);

    g_bytes_unref(b);
    return got;
}

static void need_7z(const struct fixture *f)
{
    if (!f->has_7z) {
        fprintf(stderr, "# 7z not installed (p7zip-full)\n");
        skip();
    }
}

static void probe_is_false_for_plain_zip(void **state)
{
    if (probe_sample(*state, "plain.zip"))
        fail_msg("plain.zip: got encrypted, want not encrypted");
}

static void probe_is_true_for_encrypted_zip(void **state)
{
    if (!probe_sample(*state, "enc.zip"))
        fail_msg("enc.zip: got not encrypted, want encrypted");
    if (!probe_sample(*state, "mixed.zip"))
        fail_msg("mixed.zip (one member encrypted): got not encrypted, want encrypted");
}

static void probe_is_true_for_aes_zip(void **state)
{
    need_7z(*state);
    if (!probe_sample(*state, "aes.zip"))
        fail_msg("aes.zip: got not encrypted, want encrypted");
}

static void probe_is_true_for_7z_with_encrypted_content(void **state)
{
    need_7z(*state);
    if (!probe_sample(*state, "enc.7z"))
        fail_msg("enc.7z: got not encrypted, want encrypted");
}

static void probe_is_true_for_7z_with_encrypted_headers(void **state)
{
    need_7z(*state);
    if (!probe_sample(*state, "hdr.7z"))
        fail_msg("hdr.7z (7z -mhe=on): got not encrypted, want encrypted");
}

static void probe_is_false_for_garbage_empty_and_truncated(void **state)
{
    struct fixture *f = *state;
    GBytes *zip = slurp(f->dir, "plain.zip");
    gsize ziplen;
    const unsigned char *zipdata = g_bytes_get_data(zip, &ziplen);
    unsigned char noise[4096];
    GRand *rand = g_rand_new_with_seed(42);
    const struct {
        const char *what;
        const void *data;
        size_t len;
    } cases[] = {
        {"NULL", NULL, 0},
        {"empty", "", 0},
        {"text", "Quarterly figures attached.\n", 28},
        {"zip signature only", "PK\x03\x04", 4},
        {"7z signature only", "7z\xbc\xaf\x27\x1c\x00\x04", 8},
        {"first 40 bytes of a plain zip", zipdata, 40},
        {"plain zip without its last 30 bytes", zipdata, ziplen - 30},
        {"4 KiB of noise", noise, sizeof(noise)},
        {"noise after a zip signature", noise, sizeof(noise)},
    };

    for (size_t i = 0; i < sizeof(noise); i++)
        noise[i] = (unsigned char)g_rand_int_range(rand, 0, 256);
    g_rand_free(rand);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        if (i == G_N_ELEMENTS(cases) - 1)
            memcpy(noise, "PK\x03\x04", 4);
        if (unpack_probe(cases[i].data, cases[i].len, NULL))
            fail_msg("%s: got encrypted, want not encrypted", cases[i].what);
    }
    g_bytes_unref(zip);
}

static void open_finds_the_right_password_among_candidates(void **state)
{
    struct fixture *f = *state;
    GPtrArray *pw = candidates("Secret", "secret1", "secret", "other", NULL);
    struct unpack_result res;

    open_sample(f, "enc.zip", pw, &default_limits, &res, MV_OK);
    if (!res.opened)
        fail_msg("opened: got false, want true");
    if (res.password_index != 2)
        fail_msg("password_index: got %d, want 2", res.password_index);
    if (res.tried != 3)
        fail_msg("tried: got %u, want 3", res.tried);
    if (res.members->len != 3)
        fail_msg("members: got %u, want 3", res.members->len);
    assert_true(member(&res, "eicar.com")->encrypted);
    assert_same_bytes(f, &res, "readme.txt");
    assert_same_bytes(f, &res, "notes.txt");
    assert_same_bytes(f, &res, "eicar.com");
    {
        GBytes *notes = slurp(f->dir, "notes.txt");
        size_t got = member(&res, "notes.txt")->size, want = g_bytes_get_size(notes);

        if (got != want)
            fail_msg("notes.txt size: got %zu, want %zu", got, want);
        g_bytes_unref(notes);
    }
    if (res.format == NULL || strncmp(res.format, "ZIP", 3) != 0)
        fail_msg("format: got %s, want ZIP ...", res.format ? res.format : "NULL");
    assert_false(res.truncated);
    unpack_result_clear(&res);
    g_ptr_array_unref(pw);
}

static void open_decrypts_aes_zip(void **state)
{
    struct fixture *f = *state;
    GPtrArray *pw = candidates("nope", "secret", NULL);
    struct unpack_result res;

    need_7z(f);
    open_sample(f, "aes.zip", pw, &default_limits, &res, MV_OK);
    if (!res.opened || res.password_index != 1)
        fail_msg("got opened=%d index=%d, want opened=1 index=1", res.opened, res.password_index);
    assert_same_bytes(f, &res, "eicar.com");
    assert_same_bytes(f, &res, "readme.txt");
    unpack_result_clear(&res);
    g_ptr_array_unref(pw);
}

/* check_byte_collision - a wrong password that passes the one-byte check of the
 * first member of DIR/NAME (traditional PKWARE: 1 in 256 do), found with libarchive
 * directly: its first read does not answer "Incorrect passphrase" (ARCHIVE_FAILED) */
static char *check_byte_collision(const struct fixture *f, const char *name)
{
    GBytes *b = slurp(f->dir, name);
    gsize len;
    const void *data = g_bytes_get_data(b, &len);

    for (unsigned i = 0; i < 20000; i++) {
        char *pw = g_strdup_printf("wrong%u", i);
        struct archive *a = archive_read_new();
        struct archive_entry *entry;
        char buf[256];
        la_ssize_t n = ARCHIVE_FAILED;

        archive_read_support_format_zip(a);
        archive_read_add_passphrase(a, pw);
        if (archive_read_open_memory(a, data, len) == ARCHIVE_OK &&
            archive_read_next_header(a, &entry) == ARCHIVE_OK)
            n = archive_read_data(a, buf, sizeof(buf));
        archive_read_free(a);
        if (n != ARCHIVE_FAILED) {
            g_bytes_unref(b);
            return pw;
        }
        g_free(pw);
    }
    fail_msg("%s: got no password passing the check byte in 20000, want about 78", name);
    return NULL;
}

static void open_skips_wrong_password_that_passes_the_check_byte(void **state)
{
    struct fixture *f = *state;
    static const char *const names[] = {"stored.zip", "one.zip"};

    /* one member, so that nothing after it can tell; stored: only the CRC at the end
     * tells; deflated: inflate fails, or the CRC */
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        char *wrong = check_byte_collision(f, names[i]);
        GPtrArray *pw = candidates(wrong, "secret", NULL);
        struct unpack_result res;

        open_sample(f, names[i], pw, &default_limits, &res, MV_OK);
        if (!res.opened || res.password_index != 1 || res.tried != 2)
            fail_msg("%s with [%s, secret]: got opened=%d index=%d tried=%u, want 1, 1, 2",
                     names[i], wrong, res.opened, res.password_index, res.tried);
        assert_same_bytes(f, &res, "notes.txt");
        unpack_result_clear(&res);
        g_ptr_array_unref(pw);
        g_free(wrong);
    }
}

static void open_with_wrong_passwords_lists_names_only(void **state)
{
    struct fixture *f = *state;
    GPtrArray *pw = candidates("invoice", "1234", "Secret", "", NULL);
    struct unpack_result res;

    open_sample(f, "enc.zip", pw, &default_limits, &res, MV_OK);
    if (res.opened)
        fail_msg("opened: got true, want false");
    assert_int_equal(res.password_index, -1);
    if (res.tried != 3)
        fail_msg("tried: got %u, want 3 (the empty candidate is not tried)", res.tried);
    for (guint i = 0; i < res.members->len; i++) {
        const struct unpack_member *m = g_ptr_array_index(res.members, i);
        if (m->data != NULL)
            fail_msg("%s: got %zu bytes, want none", m->name, g_bytes_get_size(m->data));
        assert_true(m->encrypted);
    }
    member(&res, "readme.txt");
    member(&res, "notes.txt");
    member(&res, "eicar.com");
    unpack_result_clear(&res);
    g_ptr_array_unref(pw);
}

static void open_without_candidates_lists_names_only(void **state)
{
    struct unpack_result res;

    open_sample(*state, "enc.zip", NULL, &default_limits, &res, MV_OK);
    assert_false(res.opened);
    assert_int_equal(res.tried, 0);
    assert_int_equal(res.members->len, 3);
    unpack_result_clear(&res);
}

static void open_tries_at_most_max_passwords(void **state)
{
    struct fixture *f = *state;
    GPtrArray *pw = candidates("p0", "p1", "p2", "p3", "p4", "p5", "secret", NULL);
    struct unpack_limits lim = default_limits;
    struct unpack_result res;

    lim.max_passwords = 6;
    open_sample(f, "enc.zip", pw, &lim, &res, MV_OK);
    if (res.tried != 6 || res.opened)
        fail_msg("max_passwords 6: got tried=%u opened=%d, want tried=6 opened=0", res.tried,
                 res.opened);
    unpack_result_clear(&res);
    lim.max_passwords = 7;
    open_sample(f, "enc.zip", pw, &lim, &res, MV_OK);
    if (res.tried != 7 || !res.opened || res.password_index != 6)
        fail_msg("max_passwords 7: got tried=%u opened=%d index=%d, want 7, 1, 6", res.tried,
                 res.opened, res.password_index);
    unpack_result_clear(&res);
    g_ptr_array_unref(pw);
}

static void open_mixed_archive_extracts_plain_and_encrypted(void **state)
{
    struct fixture *f = *state;
    GPtrArray *pw = candidates("secret", NULL);
    struct unpack_result res;

    open_sample(f, "mixed.zip", NULL, &default_limits, &res, MV_OK);
    assert_false(member(&res, "readme.txt")->encrypted);
    assert_same_bytes(f, &res, "readme.txt");
    assert_true(member(&res, "eicar.com")->encrypted);
    assert_null(member(&res, "eicar.com")->data);
    assert_false(res.opened);
    unpack_result_clear(&res);

    open_sample(f, "mixed.zip", pw, &default_limits, &res, MV_OK);
    assert_true(res.opened);
    assert_same_bytes(f, &res, "readme.txt");
    assert_same_bytes(f, &res, "eicar.com");
    unpack_result_clear(&res);
    g_ptr_array_unref(pw);
}

static void open_7z_with_encrypted_content_lists_but_does_not_open(void **state)
{
    struct fixture *f = *state;
    GPtrArray *pw = candidates("secret", NULL);
    struct unpack_result res;

    need_7z(f);
    open_sample(f, "enc.7z", pw, &default_limits, &res, MV_OK);
    if (res.opened)
        fail_msg("opened: got true, want false (libarchive cannot decrypt 7z)");
    assert_int_equal(res.members->len, 2);
    assert_true(member(&res, "eicar.com")->encrypted);
    assert_null(member(&res, "eicar.com")->data);
    assert_int_equal(member(&res, "readme.txt")->size, 28);
    assert_int_equal(res.tried, 0);
    assert_string_equal(res.format, "7-Zip");
    unpack_result_clear(&res);
    g_ptr_array_unref(pw);
}

static void open_7z_with_encrypted_headers_is_not_opened(void **state)
{
    struct fixture *f = *state;
    GPtrArray *pw = candidates("secret", NULL);
    struct unpack_result res;

    need_7z(f);
    open_sample(f, "hdr.7z", pw, &default_limits, &res, MV_OK);
    assert_false(res.opened);
    assert_int_equal(res.members->len, 0);
    unpack_result_clear(&res);
    g_ptr_array_unref(pw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(probe_is_false_for_plain_zip),
        cmocka_unit_test(probe_is_true_for_encrypted_zip),
        cmocka_unit_test(probe_is_true_for_aes_zip),
        cmocka_unit_test(probe_is_true_for_7z_with_encrypted_content),
        cmocka_unit_test(probe_is_true_for_7z_with_encrypted_headers),
        cmocka_unit_test(probe_is_false_for_garbage_empty_and_truncated),
        cmocka_unit_test(open_finds_the_right_password_among_candidates),
        cmocka_unit_test(open_decrypts_aes_zip),
        cmocka_unit_test(open_skips_wrong_password_that_passes_the_check_byte),
        cmocka_unit_test(open_with_wrong_passwords_lists_names_only),
        cmocka_unit_test(open_without_candidates_lists_names_only),
        cmocka_unit_test(open_tries_at_most_max_passwords),
        cmocka_unit_test(open_mixed_archive_extracts_plain_and_encrypted),
        cmocka_unit_test(open_7z_with_encrypted_content_lists_but_does_not_open),
        cmocka_unit_test(open_7z_with_encrypted_headers_is_not_opened),
    };

    return cmocka_run_group_tests_name("unpack_passwords", tests, group_setup, group_teardown);
}
