/* message_fixture.c - what the tests of the message module share (message_fixture.h).
 * Test code only. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "message_fixture.h"

char *tmpdir; /* made by group_setup, must be empty again at teardown */

/* limits_make - limits for one case; 0 fields take the defaults */
struct message_limits limits_make(unsigned parts, unsigned depth, size_t mem)
{
    struct message_limits lim = {
        .max_parts = parts != 0 ? parts : DEFAULT_PARTS,
        .max_depth = depth != 0 ? depth : DEFAULT_DEPTH,
        .leaf_mem_max = mem,
        .tmpdir = tmpdir,
    };
    return lim;
}

/* sha256_hex - expected digest of LEN bytes */
char *sha256_hex(const void *p, size_t len)
{
    return g_compute_checksum_for_data(G_CHECKSUM_SHA256, p, len);
}

/* check_str - compare two optional strings */
void check_str(const char *cname, const char *field, const char *got, const char *want)
{
    if (g_strcmp0(got, want) != 0)
        fail_msg("%s: %s: got \"%s\", want \"%s\"", cname, field, got ? got : "(null)",
                 want ? want : "(null)");
}

/* check_leaf - compare leaf I of M with W, its bytes and digest */
void check_leaf(const char *cname, const struct message *m, size_t i, const struct want_leaf *w)
{
    const struct mv_leaf *lf = message_leaf_get(m, i);
    char field[64];
    char *digest;

    if (lf == NULL)
        fail_msg("%s: leaf %zu: got NULL, want path %s", cname, i, w->path);
    snprintf(field, sizeof(field), "leaf %zu path", i);
    check_str(cname, field, lf->path, w->path);
    snprintf(field, sizeof(field), "leaf %s filename", w->path);
    check_str(cname, field, lf->filename, w->filename);
    snprintf(field, sizeof(field), "leaf %s declared_type", w->path);
    check_str(cname, field, lf->declared_type, w->type);
    snprintf(field, sizeof(field), "leaf %s disposition", w->path);
    check_str(cname, field, lf->disposition, w->disposition);
    snprintf(field, sizeof(field), "leaf %s encoding", w->path);
    check_str(cname, field, lf->encoding, w->encoding);
    if (lf->depth != w->depth)
        fail_msg("%s: leaf %s depth: got %u, want %u", cname, w->path, lf->depth, w->depth);
    if (lf->flags != w->flags)
        fail_msg("%s: leaf %s flags: got %#x, want %#x", cname, w->path, lf->flags, w->flags);
    if (lf->data == NULL)
        fail_msg("%s: leaf %s data: got NULL, want a pointer", cname, w->path);
    if (w->filename != NULL && !g_utf8_validate(lf->filename, -1, NULL))
        fail_msg("%s: leaf %s filename: got invalid UTF-8, want UTF-8", cname, w->path);
    if (w->data != NULL) {
        size_t want = w->size != 0 ? w->size : strlen(w->data);

        if (lf->size != want || memcmp(lf->data, w->data, want) != 0)
            fail_msg("%s: leaf %s data: got %zu bytes \"%.*s\", want %zu bytes \"%s\"", cname,
                     w->path, lf->size, (int)MIN(lf->size, 80), (const char *)lf->data, want,
                     w->data);
    }
    if (w->contains != NULL &&
        g_strstr_len((const char *)lf->data, (gssize)lf->size, w->contains) == NULL)
        fail_msg("%s: leaf %s data: got \"%.*s\", want it to contain \"%s\"", cname, w->path,
                 (int)MIN(lf->size, 80), (const char *)lf->data, w->contains);
    digest = sha256_hex(lf->data, lf->size);
    if (strcmp(lf->sha256, digest) != 0)
        fail_msg("%s: leaf %s sha256: got %s, want %s", cname, w->path, lf->sha256, digest);
    g_free(digest);
}

/* run_case - parse one table case from memory and check everything it names */
void run_case(void **state)
{
    const struct parse_case *c = *state;
    struct message_limits lim = limits_make(c->max_parts, c->max_depth, DEFAULT_MEM);
    GByteArray *bytes = g_byte_array_new();
    struct mv_err err = {0};
    struct message *m;

    g_byte_array_append(bytes, (const guint8 *)c->text, (guint)strlen(c->text));
    m = message_parse_bytes(bytes, &lim, &err);
    if (m == NULL)
        fail_msg("%s: parse: got NULL (%s), want a message", c->name, err.msg);
    if (message_leaf_count(m) != c->want_count) {
        size_t n = message_leaf_count(m);

        for (size_t i = 0; i < n; i++)
            print_message("# leaf %s\n", message_leaf_get(m, i)->path);
        fail_msg("%s: leaf count: got %zu, want %zu", c->name, n, c->want_count);
    }
    if (message_flags(m) != c->want_flags)
        fail_msg("%s: flags: got %#x, want %#x", c->name, message_flags(m), c->want_flags);
    check_str(c->name, "subject", message_subject_get(m), c->want_subject);
    for (size_t i = 0; i < c->want_count; i++)
        check_leaf(c->name, m, i, &c->leaves[i]);
    if (message_leaf_get(m, c->want_count) != NULL)
        fail_msg("%s: leaf past the end: got a leaf, want NULL", c->name);
    /* the caller's bytes are borrowed, not taken */
    if (bytes->len != strlen(c->text) ||
        (bytes->len > 0 && memcmp(bytes->data, c->text, bytes->len) != 0))
        fail_msg("%s: caller bytes: got changed, want untouched", c->name);
    m = message_free(m);
    assert_null(m);
    g_byte_array_unref(bytes);
}

/* parse_string - parse TEXT from memory with LIM, failing the test on NULL */
struct message *parse_string(const char *cname, const char *text, size_t len,
                             const struct message_limits *lim, GByteArray **bytes)
{
    struct mv_err err = {0};
    struct message *m;

    *bytes = g_byte_array_new();
    g_byte_array_append(*bytes, (const guint8 *)text, (guint)len);
    m = message_parse_bytes(*bytes, lim, &err);
    if (m == NULL)
        fail_msg("%s: parse: got NULL (%s), want a message", cname, err.msg);
    return m;
}

/* write_tmp - a file in tmpdir holding TEXT, unlinked, offset left at its end */
int write_tmp(const char *text, size_t len)
{
    char *path = g_build_filename(tmpdir, "msg-XXXXXX", NULL);
    int fd = g_mkstemp(path);

    assert_true(fd >= 0);
    unlink(path);
    g_free(path);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    return fd;
}

/* group_setup - a private temp dir for leaf files */
static int group_setup(void **state)
{
    (void)state;
    tmpdir = g_dir_make_tmp("test_message-XXXXXX", NULL);
    return tmpdir != NULL ? 0 : -1;
}

/* group_teardown - the temp dir must be empty: every leaf file was unlinked */
static int group_teardown(void **state)
{
    int rc;

    (void)state;
    rc = g_rmdir(tmpdir);
    if (rc != 0)
        fprintf(stderr, "# rmdir %s: %s (a temp file was left behind)\n", tmpdir,
                g_strerror(errno));
    g_free(tmpdir);
    return rc;
}

/* message_fixture_main - the table's cases first, then the other tests */
int message_fixture_main(const char *name, const struct parse_case *cases, size_t ncases,
                         const struct CMUnitTest *extra, size_t nextra)
{
    struct CMUnitTest *tests = g_new0(struct CMUnitTest, ncases + nextra);
    size_t n = 0;
    int rc;

    for (size_t i = 0; i < ncases; i++) {
        tests[n++] = (struct CMUnitTest){
            .name = cases[i].name,
            .test_func = run_case,
            .initial_state = (void *)&cases[i],
        };
    }
    for (size_t i = 0; i < nextra; i++)
        tests[n++] = extra[i];
    rc = _cmocka_run_group_tests(name, tests, n, group_setup, group_teardown);
    g_free(tests);
    return rc;
}
