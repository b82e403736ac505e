/* unpack_fixture.c - what the tests of the unpack module share (unpack_fixture.h).  Test
 * code only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unpack_fixture.h"

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
GBytes *slurp(const char *dir, const char *name)
{
    char *path = g_build_filename(dir, name, NULL);
    gchar *data;
    gsize len;

    if (!g_file_get_contents(path, &data, &len, NULL))
        fail_msg("cannot read %s", path);
    g_free(path);
    return g_bytes_new_take(data, len);
}

int group_setup(void **state)
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

int group_teardown(void **state)
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

const struct unpack_limits default_limits = {
    .max_members = 1000,
    .max_member_size = 10 << 20,
    .max_total_size = 50 << 20,
    .max_passwords = 20,
};

/* candidates - a password list from a NULL-terminated argument list */
GPtrArray *candidates(const char *first, ...)
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
void open_sample(const struct fixture *f, const char *name, const GPtrArray *passwords,
                 const struct unpack_limits *lim, struct unpack_result *res, enum mv_status want)
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

/* member - the member called NAME; fails the test if there is none */
const struct unpack_member *member(const struct unpack_result *res, const char *name)
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
void assert_same_bytes(const struct fixture *f, const struct unpack_result *res, const char *name)
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
