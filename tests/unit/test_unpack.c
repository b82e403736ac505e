/* test_unpack.c - unpack.c against the real libarchive: archives built by the test
 * with zip and 7z (plain, password-protected, AES, mixed, encrypted 7z content and
 * headers, 200 members, a member over the size limit), ar, and zstd, xz --format=lzma
 * streams, from harmless text files and
 * EICAR (tests/samples/eicar.sh), so that decrypted bytes can be compared with the
 * originals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "unpack.h"

struct fixture {
    char *dir;   /* temp dir holding the files and the archives */
    bool has_7z; /* the 7z command is there (p7zip-full) */
};

/* run - a shell command in DIR; fails the test if it fails */
static void run(const char *dir, const char *cmd)
{
    char *full = g_strdup_printf("cd '%s' && %s", dir, cmd);
    int rc = system(full);

    if (rc != 0)
        fail_msg("command failed (%d): %s", rc, full);
    g_free(full);
}

/* slurp - the bytes of DIR/NAME */
static GBytes *slurp(const char *dir, const char *name)
{
    char *path = g_build_filename(dir, name, NULL);
    gchar *data;
    gsize len;

    if (!g_file_get_contents(path, &data, &len, NULL))
        fail_msg("cannot read %s", path);
    g_free(path);
    return g_bytes_new_take(data, len);
}

static int group_setup(void **state)
{
    struct fixture *f = g_new0(struct fixture, 1);
    const char *src = getenv("top_srcdir");
    char *cmd;

    f->dir = g_dir_make_tmp("mailvet-test-unpack.XXXXXX", NULL);
    assert_non_null(f->dir);
    cmd = g_strdup_printf(
        "sh '%s/tests/samples/eicar.sh' > eicar.com && "
        "printf 'Quarterly figures attached.\\n' > readme.txt && "
        "for i in $(seq 1 40); do echo \"line $i of the meeting notes\"; done > notes.txt && "
        "head -c 100000 /dev/zero | tr '\\0' 'x' > big.txt && "
        "zip -q plain.zip readme.txt notes.txt && "
        "zip -q -P secret enc.zip readme.txt notes.txt eicar.com && "
        "zip -q -P secret big.zip big.txt readme.txt && "
        "zip -q -0 -P secret stored.zip notes.txt && zip -q -P secret one.zip notes.txt && "
        "zip -q mixed.zip readme.txt && zip -q -P secret mixed.zip eicar.com && "
        "zip -q e.zip eicar.com && cat plain.zip e.zip > cat.zip && cat e.zip plain.zip > cat2.zip "
        "&& "
        "zip -q -0 nested.zip e.zip plain.zip && cat nested.zip e.zip > nestcat.zip && "
        "ar rc notes.a notes.txt readme.txt && "
        "{ ! command -v zstd > /dev/null || zstd -q -c notes.txt > notes.txt.zst; } && "
        "xz --format=lzma -c notes.txt > notes.txt.lzma && "
        "mkdir many && (cd many && for i in $(seq 100 299); do echo \"member $i\" > m$i.txt; "
        "done && zip -q -P secret ../many.zip *)",
        src != NULL ? src : "../..");
    run(f->dir, cmd);
    g_free(cmd);
    f->has_7z = system("command -v 7z > /dev/null 2>&1") == 0;
    if (f->has_7z)
        run(f->dir, "7z a -psecret enc.7z readme.txt eicar.com > /dev/null && "
                    "7z a -mhe=on -psecret hdr.7z readme.txt eicar.com > /dev/null && "
                    "7z a -tzip -mem=AES256 -psecret aes.zip readme.txt eicar.com > /dev/null");
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *f = *state;
    char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

    if (system(cmd) != 0)
        fprintf(stderr, "# cannot remove %s\n", f->dir);
    g_free(cmd);
    g_free(f->dir);
    g_free(f);
    return 0;
}

static const struct unpack_limits default_limits = {
    .max_members = 1000,
    .max_member_size = 10 << 20,
    .max_total_size = 50 << 20,
    .max_passwords = 20,
};

/* candidates - a password list from a NULL-terminated argument list */
static GPtrArray *candidates(const char *first, ...)
{
    GPtrArray *list = g_ptr_array_new_with_free_func(g_free);
    va_list ap;

    va_start(ap, first);
    for (const char *p = first; p != NULL; p = va_arg(ap, const char *))
        g_ptr_array_add(list, g_strdup(p));
    va_end(ap);
    return list;
}

/* open_sample - unpack_open on DIR/NAME; fails the test unless it returns WANT */
static void open_sample(const struct fixture *f, const char *name, const GPtrArray *passwords,
                        const struct unpack_limits *lim, struct unpack_result *res,
                        enum mv_status want)
{
    GBytes *b = slurp(f->dir, name);
    struct mv_err err = {0};
    gsize len;
    const void *data = g_bytes_get_data(b, &len);
    enum mv_status got = unpack_open(data, len, passwords, lim, res, &err);

    g_bytes_unref(b);
    if (got != want)
        fail_msg("%s: got %s (%s), want %s", name, mv_status_name(got), err.msg,
                 mv_status_name(want));
}

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

/* member - the member called NAME; fails the test if there is none */
static const struct unpack_member *member(const struct unpack_result *res, const char *name)
{
    for (guint i = 0; i < res->members->len; i++) {
        const struct unpack_member *m = g_ptr_array_index(res->members, i);
        if (strcmp(m->name, name) == 0)
            return m;
    }
    fail_msg("member %s: got none among %u members", name, res->members->len);
    return NULL;
}

/* assert_same_bytes - member NAME was extracted and equals the file DIR/NAME */
static void assert_same_bytes(const struct fixture *f, const struct unpack_result *res,
                              const char *name)
{
    const struct unpack_member *m = member(res, name);
    GBytes *want = slurp(f->dir, name);

    if (m->data == NULL)
        fail_msg("member %s: got no data, want %zu bytes", name, g_bytes_get_size(want));
    if (!g_bytes_equal(m->data, want))
        fail_msg("member %s: got %zu bytes that differ from the %zu of the original", name,
                 g_bytes_get_size(m->data), g_bytes_get_size(want));
    g_bytes_unref(want);
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
        cmocka_unit_test(open_lists_member_over_max_member_size_without_data),
        cmocka_unit_test(open_keeps_at_most_max_total_size),
        cmocka_unit_test(open_lists_at_most_max_members),
        cmocka_unit_test(open_mixed_archive_extracts_plain_and_encrypted),
        cmocka_unit_test(open_plain_zip_is_opened_without_passwords),
        cmocka_unit_test(open_7z_with_encrypted_content_lists_but_does_not_open),
        cmocka_unit_test(open_7z_with_encrypted_headers_is_not_opened),
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

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
