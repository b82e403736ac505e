/* test_scan.c - scan.c and pipeline_classify() against the real libclamav: a signature
 * directory made by the test (EICAR by MD5 hash), leaves scanned from memory, limits
 * reported as names, database errors naming the directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "pipeline.h"
#include "filetype.h"
#include "scan.h"

struct fixture {
    char *dir; /* temp dir: sigs/, samples */
    GBytes *eicar;
    GBytes *eicar_zip; /* zip holding eicar.com */
    GBytes *zip_zip;   /* zip holding that zip */
    struct scan_options opt;
    struct scan_engine *engine;
};

/* run - a shell command in DIR, failing the test if it fails */
static void run(const char *dir, const char *cmd)
{
    char *full = g_strdup_printf("cd '%s' && %s", dir, cmd);
    int rc = system(full);

    if (rc != 0)
        fail_msg("command failed (%d): %s", rc, full);
    g_free(full);
}

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

static int setup(void **state)
{
    struct fixture *f = g_new0(struct fixture, 1);
    const char *src = getenv("top_srcdir");
    char *cmd;
    struct mv_err err = {0};

    f->dir = g_dir_make_tmp("mailvet-test-scan.XXXXXX", NULL);
    cmd = g_strdup_printf("sh '%s/tests/samples/eicar.sh' > eicar.com && mkdir sigs && "
                          "echo \"$(md5sum < eicar.com | cut -d' ' -f1):68:Eicar-Test-Signature\" "
                          "> sigs/test.hdb && zip -q eicar.zip eicar.com && "
                          "zip -q zipzip.zip eicar.zip",
                          src != NULL ? src : "../..");
    run(f->dir, cmd);
    g_free(cmd);
    f->eicar = slurp(f->dir, "eicar.com");
    f->eicar_zip = slurp(f->dir, "eicar.zip");
    f->zip_zip = slurp(f->dir, "zipzip.zip");
    f->opt.max_scan_size = 100 << 20;
    f->opt.max_file_size = 25 << 20;
    f->opt.max_recursion = 16;
    f->opt.max_files = 1000;
    f->opt.max_scan_time = 60000;
    f->opt.max_objects = 1000;
    f->opt.max_message_scan_size = 1 << 30;
    f->opt.max_message_scan_time = 60000;
    f->opt.max_compression_ratio = 250;
    f->opt.tmpdir = f->dir;
    {
        char *sigs = g_build_filename(f->dir, "sigs", NULL);
        f->engine = scan_engine_new(&f->opt, sigs, NULL, &err);
        g_free(sigs);
    }
    if (f->engine == NULL)
        fail_msg("engine: %s", err.msg);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

    scan_engine_free(f->engine);
    g_bytes_unref(f->eicar);
    g_bytes_unref(f->eicar_zip);
    g_bytes_unref(f->zip_zip);
    if (system(cmd) != 0)
        return -1;
    g_free(cmd);
    g_free(f->dir);
    g_free(f);
    return 0;
}

/* budget_of - a fresh message budget for OPT (one per scan here) */
static struct scan_budget *budget_of(const struct scan_options *opt)
{
    static struct scan_budget b;

    scan_budget_init(&b, opt);
    return &b;
}

/* leaf_of - a leaf over BYTES */
static struct mv_leaf leaf_of(GBytes *bytes, const char *name)
{
    struct mv_leaf leaf = {0};
    gsize len;

    leaf.path = (char *)"1";
    leaf.filename = (char *)name;
    leaf.data = g_bytes_get_data(bytes, &len);
    leaf.size = len;
    return leaf;
}

/* has_sig - whether REP lists NAME (ClamAV adds ".UNOFFICIAL" to names from
 * databases it did not sign, as clamscan shows them) */
static bool has_sig(const struct scan_report *rep, const char *name)
{
    for (guint i = 0; i < rep->signatures->len; i++) {
        const char *got = g_ptr_array_index(rep->signatures, i);
        if (strcmp(got, name) == 0 ||
            (g_str_has_prefix(got, name) && strcmp(got + strlen(name), ".UNOFFICIAL") == 0))
            return true;
    }
    return false;
}

/* expect_found - scan BYTES with ENGINE and want SIG among the matches */
static void expect_found(struct fixture *f, GBytes *bytes, const char *sig, const char *type)
{
    struct mv_leaf leaf = leaf_of(bytes, "sample");
    struct scan_report rep;
    struct mv_err err = {0};

    assert_int_equal(scan_leaf(f->engine, &leaf, budget_of(&f->opt), &rep, NULL, NULL, &err),
                     MV_OK);
    if (!has_sig(&rep, sig))
        fail_msg("got %u signatures (%s), want %s", rep.signatures->len,
                 rep.signatures->len ? (char *)g_ptr_array_index(rep.signatures, 0) : "-", sig);
    if (type != NULL && g_strcmp0(rep.detected_type, type) != 0)
        fail_msg("got type %s, want %s", rep.detected_type, type);
    scan_report_clear(&rep);
}

static void scan_finds_eicar_in_plain_leaf(void **state)
{
    struct fixture *f = *state;
    expect_found(f, f->eicar, "Eicar-Test-Signature", NULL);
}

static void scan_finds_eicar_in_zip(void **state)
{
    struct fixture *f = *state;
    expect_found(f, f->eicar_zip, "Eicar-Test-Signature", "CL_TYPE_ZIP");
}

static void scan_finds_eicar_in_zip_in_zip(void **state)
{
    struct fixture *f = *state;
    struct mv_leaf leaf = leaf_of(f->zip_zip, "outer.zip");
    struct scan_report rep;
    struct mv_err err = {0};

    assert_int_equal(scan_leaf(f->engine, &leaf, budget_of(&f->opt), &rep, NULL, NULL, &err),
                     MV_OK);
    assert_true(has_sig(&rep, "Eicar-Test-Signature"));
    /* outer zip, inner zip, eicar.com: three objects, two levels down */
    if (rep.objects->len < 3 || rep.max_depth < 2)
        fail_msg("got objects=%u depth=%u, want >=3 and >=2", rep.objects->len, rep.max_depth);
    scan_report_clear(&rep);
}

static void scan_same_zip_twice_reports_same_objects(void **state)
{
    struct fixture *f = *state;
    struct mv_leaf leaf = leaf_of(f->zip_zip, "outer.zip");
    struct scan_report a, b;
    struct mv_err err = {0};

    /* ClamAV's clean cache is off: the second scan sees the members again */
    assert_int_equal(scan_leaf(f->engine, &leaf, budget_of(&f->opt), &a, NULL, NULL, &err), MV_OK);
    assert_int_equal(scan_leaf(f->engine, &leaf, budget_of(&f->opt), &b, NULL, NULL, &err), MV_OK);
    if (a.objects->len != b.objects->len)
        fail_msg("got %u objects the second time, want %u", b.objects->len, a.objects->len);
    for (guint i = 0; i < a.objects->len; i++) {
        const struct scan_object *oa = g_ptr_array_index(a.objects, i);
        const struct scan_object *ob = g_ptr_array_index(b.objects, i);
        if (strcmp(oa->path, ob->path) != 0 || strcmp(oa->type, ob->type) != 0)
            fail_msg("object %u: got %s %s the second time, want %s %s", i, ob->path, ob->type,
                     oa->path, oa->type);
    }
    scan_report_clear(&a);
    scan_report_clear(&b);
}

static void scan_clean_text_has_no_signature(void **state)
{
    struct fixture *f = *state;
    GBytes *text = g_bytes_new_static("Dear customer,\nyour order has shipped.\n", 39);
    struct mv_leaf leaf = leaf_of(text, NULL);
    struct scan_report rep;
    struct mv_err err = {0};

    assert_int_equal(scan_leaf(f->engine, &leaf, budget_of(&f->opt), &rep, NULL, NULL, &err),
                     MV_OK);
    if (rep.signatures->len != 0)
        fail_msg("got signature %s, want none", (char *)g_ptr_array_index(rep.signatures, 0));
    assert_non_null(rep.detected_type);
    scan_report_clear(&rep);
    g_bytes_unref(text);
}

static void scan_empty_leaf_is_clean(void **state)
{
    struct fixture *f = *state;
    struct mv_leaf leaf = {.path = (char *)"1", .data = NULL, .size = 0};
    struct scan_report rep;
    struct mv_err err = {0};

    assert_int_equal(scan_leaf(f->engine, &leaf, budget_of(&f->opt), &rep, NULL, NULL, &err),
                     MV_OK);
    assert_int_equal(rep.signatures->len, 0);
    scan_report_clear(&rep);
}

static void scan_tiny_leaf_is_clean_not_an_error(void **state)
{
    struct fixture *f = *state;
    /* libclamav does not look at 5 bytes or fewer: that is no failure to scan */
    GBytes *tiny = g_bytes_new_static("abcd\n", 5);
    struct mv_leaf leaf = leaf_of(tiny, NULL);
    struct scan_report rep;
    struct mv_err err = {0};
    enum mv_status st = scan_leaf(f->engine, &leaf, budget_of(&f->opt), &rep, NULL, NULL, &err);

    if (st != MV_OK)
        fail_msg("got %s (%s), want ok", mv_status_name(st), err.msg);
    assert_int_equal(rep.signatures->len, 0);
    assert_int_equal(rep.objects->len, 1);
    scan_report_clear(&rep);
    g_bytes_unref(tiny);
}

static void scan_recursion_limit_is_reported(void **state)
{
    struct fixture *f = *state;
    struct scan_options opt = f->opt;
    struct mv_err err = {0};
    struct scan_engine *e;
    char *sigs = g_build_filename(f->dir, "sigs", NULL);

    opt.max_recursion = 1;
    e = scan_engine_new(&opt, sigs, NULL, &err);
    g_free(sigs);
    assert_non_null(e);
    /* the zip in a zip is two levels deep: with a limit of one it is not seen through */
    {
        struct mv_leaf leaf = leaf_of(f->zip_zip, "outer.zip");
        struct scan_report rep;
        bool limited = false;

        assert_int_equal(scan_leaf(e, &leaf, budget_of(&f->opt), &rep, NULL, NULL, &err), MV_OK);
        for (guint i = 0; i < rep.signatures->len; i++)
            if (pipeline_classify(g_ptr_array_index(rep.signatures, i)) == MV_VERDICT_UNSCANNABLE)
                limited = true;
        if (!limited && !has_sig(&rep, "Eicar-Test-Signature"))
            fail_msg("got neither a limit nor EICAR for a zip beyond max_recursion");
        if (!limited)
            fail_msg("got no Heuristics.Limits.Exceeded name with max_recursion 1");
        scan_report_clear(&rep);
    }
    scan_engine_free(e);
}

static void engine_refuses_missing_database(void **state)
{
    struct fixture *f = *state;
    struct mv_err err = {0};

    assert_null(scan_engine_new(&f->opt, "/nonexistent/mailvet-db", NULL, &err));
    assert_int_equal(err.status, MV_ECONFIG);
    if (strstr(err.msg, "/nonexistent/mailvet-db") == NULL)
        fail_msg("got \"%s\", want the directory named", err.msg);
}

static void engine_refuses_empty_database(void **state)
{
    struct fixture *f = *state;
    struct mv_err err = {0};
    char *empty = g_build_filename(f->dir, "empty", NULL);

    assert_int_equal(g_mkdir(empty, 0700), 0);
    assert_null(scan_engine_new(&f->opt, empty, NULL, &err));
    if (strstr(err.msg, empty) == NULL)
        fail_msg("got \"%s\", want %s named", err.msg, empty);
    g_free(empty);
}

/* engine_counts_its_own_signatures_apart - the database's and EXTRA's counted apart,
 * and a database without a signature of its own refused even when EXTRA has some: the
 * campaign signatures of policy_dir are no virus scanner */
static void engine_counts_its_own_signatures_apart(void **state)
{
    struct fixture *f = *state;
    struct mv_err err = {0};
    char *sigs = g_build_filename(f->dir, "sigs", NULL);
    char *none = g_build_filename(f->dir, "none", NULL);
    char *extra = g_build_filename(f->dir, "extra", NULL);
    struct scan_engine *e;

    /* EXTRA: the same hash signature under another name, in a directory of its own */
    run(f->dir, "mkdir extra none && sed 's/Eicar-Test-Signature/Mailvet.Test.Eicar/' "
                "sigs/test.hdb > extra/ours.hdb && echo Eicar-Test-Signature > none/x.ign2");
    e = scan_engine_new(&f->opt, sigs, extra, &err);
    if (e == NULL)
        fail_msg("engine with extra: %s", err.msg);
    if (scan_engine_signatures(e) != 2 || scan_engine_extra_signatures(e) != 1)
        fail_msg("got %u signatures, %u of them extra; want 2 and 1", scan_engine_signatures(e),
                 scan_engine_extra_signatures(e));
    scan_engine_free(e);

    assert_null(scan_engine_new(&f->opt, none, extra, &err));
    assert_int_equal(err.status, MV_ECONFIG);
    if (!g_str_has_prefix(err.msg, none) || strstr(err.msg, "no signatures") == NULL)
        fail_msg("got \"%s\", want %s: no signatures ...", err.msg, none);
    g_free(sigs);
    g_free(none);
    g_free(extra);
}

/* engine_names_an_empty_signature_file - libclamav's "Malformed database" gets the
 * name of the empty file that caused it */
static void engine_names_an_empty_signature_file(void **state)
{
    struct fixture *f = *state;
    struct mv_err err = {0};
    char *dir = g_build_filename(f->dir, "emptyhdb", NULL);
    char *want;

    run(f->dir, "mkdir emptyhdb && cp sigs/test.hdb emptyhdb/ && : > emptyhdb/empty.hdb");
    assert_null(scan_engine_new(&f->opt, dir, NULL, &err));
    want = g_strdup_printf("%s/empty.hdb: malformed signature database (libclamav: Empty "
                           "database file)",
                           dir);
    if (strcmp(err.msg, want) != 0)
        fail_msg("got \"%s\", want \"%s\"", err.msg, want);
    assert_int_equal(err.status, MV_EPARSE);
    g_free(want);
    g_free(dir);
}

/* A signature file with one bad line among good ones, and what scan_engine_new() must
 * say of it: the file, the line, libclamav's reason.  Lines 1 and 3 are good. */
static const struct {
    const char *name;
    const char *text;
    const char *want; /* after "DIR/NAME" */
} bad_files[] = {
    {"bad.ndb",
     "Mailvet.Test.Ndb1:0:*:4d61696c766574\n"
     "Mailvet.Test.Ndb2:0:*:zz11\n"
     "Mailvet.Test.Ndb3:0:*:6d61696c766574\n",
     ":2: malformed signature database (libclamav: Malformed database)"},
    {"bad.hdb",
     "44d88612fea8a8f36de82e1278abb02f:68:Mailvet.Test.Hdb1\n"
     "nothex:12:Mailvet.Test.Hdb2\n"
     "0123456789abcdef0123456789abcdef:12:Mailvet.Test.Hdb3\n",
     ":2: malformed signature database (libclamav: Malformed hash string at line 2)"},
    {"bad.ldb",
     "Mailvet.Test.Ldb1;Engine:81-255,Target:0;0;4d61696c766574\n"
     "Mailvet.Test.Ldb2;Engine:81-255,Target:0;0&1;4d61696c766574\n"
     "Mailvet.Test.Ldb3;Engine:81-255,Target:0;0;6d61696c766574\n",
     ":2: malformed signature database (libclamav: The number of subsignatures (== 1) "
     "doesn't match the IDs in the logical expression (== 2))"},
    {"bad.yar",
     "rule good1 { strings: $a = \"mailvet-one\" condition: $a }\n"
     "rule bad { strings: $a = \"x\" condition: $a and }\n"
     "rule good2 { strings: $a = \"mailvet-two\" condition: $a }\n",
     ":2: malformed signature database (libclamav: syntax error, unexpected '}')"},
};

/* engine_names_the_malformed_file_and_its_line - each bad file beside good ones, in
 * the database and in EXTRA (policy_dir's signatures/): refused, with its path, the
 * line libclamav gave and its reason; the database as that one file, the same */
static void engine_names_the_malformed_file_and_its_line(void **state)
{
    struct fixture *f = *state;
    char *sigs = g_build_filename(f->dir, "sigs", NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(bad_files); i++) {
        char *dir = g_strdup_printf("%s/bad%zu", f->dir, i);
        char *path = g_build_filename(dir, bad_files[i].name, NULL);
        char *want = g_strconcat(path, bad_files[i].want, NULL);
        char *good = g_build_filename(dir, "good.ndb", NULL);
        struct mv_err err = {0};
        char *cmd;

        assert_int_equal(g_mkdir(dir, 0700), 0);
        assert_true(
            g_file_set_contents(good, "Mailvet.Test.Good:0:*:6d61696c76657421\n", -1, NULL));
        assert_true(g_file_set_contents(path, bad_files[i].text, -1, NULL));
        /* in the database, beside a good file */
        cmd = g_strdup_printf("cp sigs/test.hdb bad%zu/", i);
        run(f->dir, cmd);
        g_free(cmd);
        if (scan_engine_new(&f->opt, dir, NULL, &err) != NULL)
            fail_msg("%s in the database: got an engine, want \"%s\"", bad_files[i].name, want);
        if (strcmp(err.msg, want) != 0)
            fail_msg("%s in the database: got \"%s\", want \"%s\"", bad_files[i].name, err.msg,
                     want);
        assert_int_equal(err.status, MV_EPARSE);
        /* in EXTRA, with a good database */
        memset(&err, 0, sizeof(err));
        if (scan_engine_new(&f->opt, sigs, dir, &err) != NULL)
            fail_msg("%s in extra: got an engine, want \"%s\"", bad_files[i].name, want);
        if (strcmp(err.msg, want) != 0)
            fail_msg("%s in extra: got \"%s\", want \"%s\"", bad_files[i].name, err.msg, want);
        /* the database as that one file */
        memset(&err, 0, sizeof(err));
        if (scan_engine_new(&f->opt, path, NULL, &err) != NULL)
            fail_msg("%s as the database: got an engine, want \"%s\"", bad_files[i].name, want);
        if (strcmp(err.msg, want) != 0)
            fail_msg("%s as the database: got \"%s\", want \"%s\"", bad_files[i].name, err.msg,
                     want);
        g_free(good);
        g_free(want);
        g_free(path);
        g_free(dir);
    }
    g_free(sigs);
}

/* engine_finds_the_bad_file_in_a_mix - a directory with ignore and whitelist files, hash,
 * body, logical and YARA signatures, where the fifth file in libclamav's order is
 * broken: that one is named; without it, the mix loads with every signature counted */
static void engine_finds_the_bad_file_in_a_mix(void **state)
{
    struct fixture *f = *state;
    char *dir = g_build_filename(f->dir, "mix", NULL);
    char *bad = g_build_filename(dir, "d-local.ldb", NULL);
    struct scan_engine *e;
    struct mv_err err = {0};
    char *want;

    run(f->dir, "mkdir mix && cp sigs/test.hdb mix/a-main.hdb && "
                "echo 'Mailvet.Test.Ignored' > mix/z-local.ign2 && "
                "echo '0123456789abcdef0123456789abcdef:12:Mailvet.Test.Fp' > mix/b-local.fp && "
                "echo 'Mailvet.Test.Body:0:*:6d61696c766574' > mix/c-local.ndb && "
                "echo 'Mailvet.Test.Ignored:0:*:6d61696c76657422' >> mix/c-local.ndb && "
                "printf 'Mailvet.Test.Ldb1;Engine:81-255,Target:0;0;4d61696c766574\\n"
                "# a comment\\nMailvet.Test.Ldb2;Engine:81-255,Target:0;0&1;41\\n' "
                "> mix/d-local.ldb && "
                "echo 'rule y { strings: $a = \"mailvet-y\" condition: $a }' > mix/e-local.yar");
    assert_null(scan_engine_new(&f->opt, dir, NULL, &err));
    want = g_strdup_printf("%s:3: malformed signature database (libclamav: The number of "
                           "subsignatures (== 1) doesn't match the IDs in the logical expression "
                           "(== 2))",
                           bad);
    if (strcmp(err.msg, want) != 0)
        fail_msg("got \"%s\", want \"%s\"", err.msg, want);
    /* fixed: hdb 1 + fp 1 + ndb 1 (the other ignored) + ldb 1 + yar 1 */
    run(f->dir, "sed -i 3d mix/d-local.ldb");
    e = scan_engine_new(&f->opt, dir, NULL, &err);
    if (e == NULL)
        fail_msg("the mixed directory without its bad line: %s", err.msg);
    if (scan_engine_signatures(e) != 5)
        fail_msg("got %u signatures, want 5", scan_engine_signatures(e));
    scan_engine_free(e);
    g_free(want);
    g_free(bad);
    g_free(dir);
}

/* engine_names_the_bad_file_beside_the_shipped_signatures - the shipped campaign
 * signatures (policies/signatures) and the EICAR hash load one by one as they do
 * together: the file named is the broken one that comes after them, never one of them */
static void engine_names_the_bad_file_beside_the_shipped_signatures(void **state)
{
    struct fixture *f = *state;
    const char *src = getenv("top_srcdir");
    char *dir = g_build_filename(f->dir, "shipped", NULL);
    char *cmd, *want;
    struct mv_err err = {0};
    struct scan_engine *e;
    unsigned all;

    cmd = g_strdup_printf("mkdir shipped && cp '%s'/policies/signatures/* sigs/test.hdb shipped/",
                          src != NULL ? src : "../..");
    run(f->dir, cmd);
    g_free(cmd);
    e = scan_engine_new(&f->opt, dir, NULL, &err);
    if (e == NULL)
        fail_msg("the shipped signatures: %s", err.msg);
    all = scan_engine_signatures(e);
    scan_engine_free(e);
    run(f->dir, "printf 'Mailvet.Test.Last:0:*:6d61696c766574\\nMailvet.Test.Bad:0:*:zz\\n' "
                "> shipped/zz-last.ndb");
    assert_null(scan_engine_new(&f->opt, dir, NULL, &err));
    want = g_strdup_printf("%s/zz-last.ndb:2: malformed signature database (libclamav: Malformed "
                           "database)",
                           dir);
    if (strcmp(err.msg, want) != 0)
        fail_msg("got \"%s\", want \"%s\"", err.msg, want);
    /* fixed, one more signature than the shipped ones */
    run(f->dir, "sed -i 2d shipped/zz-last.ndb");
    e = scan_engine_new(&f->opt, dir, NULL, &err);
    if (e == NULL)
        fail_msg("fixed: %s", err.msg);
    if (scan_engine_signatures(e) != all + 1)
        fail_msg("got %u signatures, want %u", scan_engine_signatures(e), all + 1);
    scan_engine_free(e);
    g_free(want);
    g_free(dir);
}

/* engine_refuses_a_database_of_our_own_signatures - a database holding only copies of
 * EXTRA's files (policy_dir's campaign signatures), or EXTRA itself, has no virus
 * signature of its own: refused, as an empty one is */
static void engine_refuses_a_database_of_our_own_signatures(void **state)
{
    struct fixture *f = *state;
    char *extra = g_build_filename(f->dir, "ours", NULL);
    char *copy = g_build_filename(f->dir, "copy", NULL);
    char *want;
    struct mv_err err = {0};

    run(f->dir, "mkdir ours copy && sed 's/Eicar-Test-Signature/Mailvet.Test.Eicar/' "
                "sigs/test.hdb > ours/ours.hdb && "
                "echo 'Mailvet.Test.Body:0:*:6d61696c766574' > ours/ours.ndb && cp ours/* copy/");
    assert_null(scan_engine_new(&f->opt, copy, extra, &err));
    want = g_strdup_printf("%s: holds only copies of the signature files of %s, no signatures "
                           "of its own",
                           copy, extra);
    if (strcmp(err.msg, want) != 0)
        fail_msg("a copy: got \"%s\", want \"%s\"", err.msg, want);
    assert_int_equal(err.status, MV_ECONFIG);
    g_free(want);
    memset(&err, 0, sizeof(err));
    assert_null(scan_engine_new(&f->opt, extra, extra, &err));
    want = g_strdup_printf("%s: holds only copies of the signature files of %s, no signatures "
                           "of its own",
                           extra, extra);
    if (strcmp(err.msg, want) != 0)
        fail_msg("the same directory: got \"%s\", want \"%s\"", err.msg, want);
    g_free(want);
    g_free(copy);
    g_free(extra);
}

/* engine_refuses_a_database_of_lists_alone - libclamav counts the entries of allow lists
 * (.fp, .sfp) and phishing-domain lists (.pdb, .gdb) among the signatures it loaded;
 * a database of such lists (and ignore lists), a directory or one file, detects
 * nothing and is refused as one without signatures, with or without EXTRA; such a
 * list beside a signature loads */
static void engine_refuses_a_database_of_lists_alone(void **state)
{
    static const char *const dirs[] = {"fp",  "sfp",     "pdb",    "gdb",
                                       "mix", "comment", "oursfp", "otherfp"};
    struct fixture *f = *state;
    char *base = g_build_filename(f->dir, "lists", NULL);
    char *extra = g_build_filename(base, "ours", NULL);
    struct scan_engine *e;
    struct mv_err err = {0};

    run(f->dir, "mkdir lists && cp -r sigs lists/");
    run(base,
        "mkdir ours fp sfp pdb gdb mix comment oursfp otherfp fphdb && "
        "sed 's/Eicar-Test-Signature/Mailvet.Test.Eicar/' sigs/test.hdb > ours/ours.hdb && "
        "echo 00000000000000000000000000000000:10:W > fp/local.fp && "
        "printf '%064d:10:W\\n' 0 > sfp/local.sfp && "
        "echo 'R:.*\\.example\\.com' > pdb/local.pdb && "
        "printf 'S:F:%064d\\n' 0 > gdb/local.gdb && "
        "cp fp/local.fp sfp/local.sfp pdb/local.pdb mix/ && echo W > mix/local.ign2 && "
        "echo 'X:.+\\.example\\.com([/?].*)?:.+\\.example\\.org([/?].*)?:17-' > mix/local.wdb && "
        "cp fp/local.fp comment/ && echo '# nothing yet' > comment/local.hdb && "
        "cp fp/local.fp ours/ours.hdb oursfp/ && cp fp/local.fp otherfp/ && "
        "{ cat ours/ours.hdb; echo '# another version'; } > otherfp/ours.hdb && "
        "cp fp/local.fp sigs/test.hdb fphdb/");
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        char *dir = g_build_filename(base, dirs[i], NULL);

        /* oursfp, otherfp: EXTRA's signature (a copy, or as another version has it)
         * and an allow list; without EXTRA, a signature */
        bool ours = strcmp(dirs[i], "oursfp") == 0 || strcmp(dirs[i], "otherfp") == 0;

        for (int with = ours; with < 2; with++) {
            memset(&err, 0, sizeof(err));
            e = scan_engine_new(&f->opt, dir, with ? extra : NULL, &err);
            if (e != NULL)
                fail_msg("%s (extra: %d): loaded, %u signatures", dirs[i], with,
                         scan_engine_signatures(e));
            assert_int_equal(err.status, MV_ECONFIG);
            if (!g_str_has_prefix(err.msg, dir) ||
                (strstr(err.msg, ": no signatures in its files") == NULL &&
                 strstr(err.msg, "no signatures of its own") == NULL))
                fail_msg("%s (extra: %d): got \"%s\", want %s: no signatures ...", dirs[i], with,
                         err.msg, dir);
        }
        g_free(dir);
    }
    /* one file for the database */
    {
        char *file = g_build_filename(base, "fp", "local.fp", NULL);

        memset(&err, 0, sizeof(err));
        assert_null(scan_engine_new(&f->opt, file, NULL, &err));
        if (!g_str_has_prefix(err.msg, file) || strstr(err.msg, "no signatures") == NULL)
            fail_msg("one .fp: got \"%s\", want %s: no signatures ...", err.msg, file);
        g_free(file);
    }
    /* beside a real signature the allow list loads */
    {
        char *dir = g_build_filename(base, "fphdb", NULL);

        memset(&err, 0, sizeof(err));
        e = scan_engine_new(&f->opt, dir, extra, &err);
        if (e == NULL)
            fail_msg("a .fp beside a .hdb: %s", err.msg);
        scan_engine_free(e);
        g_free(dir);
    }
    g_free(extra);
    g_free(base);
}

static void classify_maps_names_to_verdicts(void **state)
{
    static const struct {
        const char *name;
        enum mv_verdict want;
    } cases[] = {
        {"Eicar-Test-Signature", MV_VERDICT_INFECTED},
        {"Win.Trojan.Agent-123", MV_VERDICT_INFECTED},
        {"Heuristics.Limits.Exceeded.MaxFileSize", MV_VERDICT_UNSCANNABLE},
        {"Heuristics.Encrypted.Zip", MV_VERDICT_UNSCANNABLE},
        {"Mailvet.Limits.MaxParts", MV_VERDICT_UNSCANNABLE},
        {"Heuristics.Phishing.Email.SpoofedDomain", MV_VERDICT_SUSPICIOUS},
        /* our campaign signatures are evidence for rules, no verdict alone */
        {"Mailvet.Avaddon.JsLure", MV_VERDICT_CLEAN},
        {"Mailvet.Unscannable.ACE", MV_VERDICT_UNSCANNABLE},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum mv_verdict got = pipeline_classify(cases[i].name);
        if (got != cases[i].want)
            fail_msg("%s: got %s, want %s", cases[i].name, mv_verdict_name(got),
                     mv_verdict_name(cases[i].want));
    }
}

/* object_at - object I of REP, failing the test if there is none */
static const struct scan_object *object_at(const struct scan_report *rep, guint i)
{
    if (i >= rep->objects->len)
        fail_msg("got %u objects, want more than %u", rep->objects->len, i);
    return g_ptr_array_index(rep->objects, i);
}

static void inventory_names_every_object_with_path_and_depth(void **state)
{
    struct fixture *f = *state;
    struct mv_leaf leaf = leaf_of(f->zip_zip, "outer.zip");
    struct scan_report rep;
    struct mv_err err = {0};
    static const struct {
        const char *path;
        unsigned depth;
        const char *type;
    } want[] = {
        {"1/outer.zip", 0, "CL_TYPE_ZIP"},
        {"1/outer.zip/eicar.zip", 1, "CL_TYPE_ZIP"},
        {"1/outer.zip/eicar.zip/eicar.com", 2, NULL},
    };

    assert_int_equal(scan_leaf(f->engine, &leaf, budget_of(&f->opt), &rep, NULL, NULL, &err),
                     MV_OK);
    for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
        const struct scan_object *o = object_at(&rep, i);
        if (strcmp(o->path, want[i].path) != 0 || o->depth != want[i].depth)
            fail_msg("object %u: got %s depth %u, want %s depth %u", i, o->path, o->depth,
                     want[i].path, want[i].depth);
        if (want[i].type != NULL && strcmp(o->type, want[i].type) != 0)
            fail_msg("object %u: got type %s, want %s", i, o->type, want[i].type);
    }
    /* the match belongs to the innermost file, not to the containers */
    if (object_at(&rep, 2)->signatures->len != 1 || object_at(&rep, 0)->signatures->len != 0)
        fail_msg("got %u signatures on eicar.com and %u on outer.zip, want 1 and 0",
                 object_at(&rep, 2)->signatures->len, object_at(&rep, 0)->signatures->len);
    scan_report_clear(&rep);
}

static void inventory_flags_pdf_name_on_zip_bytes(void **state)
{
    struct fixture *f = *state;
    struct mv_leaf leaf = leaf_of(f->eicar_zip, "invoice.pdf");
    struct scan_report rep;
    struct mv_err err = {0};

    leaf.declared_type = (char *)"application/pdf";
    assert_int_equal(scan_leaf(f->engine, &leaf, budget_of(&f->opt), &rep, NULL, NULL, &err),
                     MV_OK);
    if (!object_at(&rep, 0)->type_mismatch)
        fail_msg("got no type_mismatch for invoice.pdf holding %s", object_at(&rep, 0)->type);
    scan_report_clear(&rep);

    leaf = leaf_of(f->eicar_zip, "invoice.zip");
    leaf.declared_type = (char *)"application/zip";
    assert_int_equal(scan_leaf(f->engine, &leaf, budget_of(&f->opt), &rep, NULL, NULL, &err),
                     MV_OK);
    if (object_at(&rep, 0)->type_mismatch)
        fail_msg("got type_mismatch for invoice.zip that is a zip");
    scan_report_clear(&rep);
}

/* containers libclamav does not open, each a header as its writers make it, padded
 * past libclamav's 5-byte floor */
static void inventory_names_containers_it_cannot_open(void **state)
{
    static const struct {
        const char *name;
        const char *bytes;
        size_t len;
        const char *type;
    } cases[] = {
        /* ACE main header: CRC and size, then "**ACE**" at offset 7 */
        {"Shipping_Documents.ace", "\x12\x34\x31\x00\x00\x00\x00**ACE**\x14\x14\x02\x00", 18,
         "MV_TYPE_ACE"},
        {"disk.vhd", "conectix\x00\x00\x00\x02\x00\x01\x00\x00", 16, "MV_TYPE_VHD"},
        {"disk.vhdx", "vhdxfile\x00\x00\x00\x00\x00\x00\x00\x00", 16, "MV_TYPE_VHDX"},
        /* zstd frame: magic, frame header, a raw block of "hello world" */
        {"invoice.zst", "\x28\xb5\x2f\xfd\x04\x58\x59\x00\x00hello world", 20, "MV_TYPE_ZSTD"},
        {"invoice.lz4", "\x04\x22\x4d\x18\x64\x40\xa7\x0b\x00\x00\x80hello world", 22,
         "MV_TYPE_LZ4"},
        {"invoice.lz", "LZIP\x01\x0c\x00\x34\x19\x49\xee\x8d\xe9\x17", 14, "MV_TYPE_LZIP"},
        {"install.wim", "MSWIM\x00\x00\x00\xd0\x00\x00\x00\x00\x0d\x01\x00", 16, "MV_TYPE_WIM"},
    };
    struct fixture *f = *state;

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        GBytes *bytes = g_bytes_new_static(cases[i].bytes, cases[i].len);
        struct mv_leaf leaf = leaf_of(bytes, cases[i].name);
        char *sig = g_strconcat("Mailvet.Unscannable.", cases[i].type + strlen("MV_TYPE_"), NULL);
        struct scan_report rep;
        struct mv_err err = {0};

        assert_int_equal(scan_leaf(f->engine, &leaf, budget_of(&f->opt), &rep, NULL, NULL, &err),
                         MV_OK);
        if (strcmp(object_at(&rep, 0)->type, cases[i].type) != 0)
            fail_msg("%s: got type %s, want %s", cases[i].name, object_at(&rep, 0)->type,
                     cases[i].type);
        if (!has_sig(&rep, sig))
            fail_msg("%s: got no %s", cases[i].name, sig);
        g_free(sig);
        scan_report_clear(&rep);
        g_bytes_unref(bytes);
    }
}

static void budget_stops_at_max_objects(void **state)
{
    struct fixture *f = *state;
    struct scan_options opt = f->opt;
    struct mv_leaf leaf = leaf_of(f->zip_zip, "outer.zip");
    struct scan_budget b;
    struct scan_report rep;
    struct mv_err err = {0};

    opt.max_objects = 2;
    scan_budget_init(&b, &opt);
    assert_int_equal(scan_leaf(f->engine, &leaf, &b, &rep, NULL, NULL, &err), MV_OK);
    if (g_strcmp0(b.limit, "Mailvet.Limits.MaxObjects") != 0)
        fail_msg("got limit %s, want Mailvet.Limits.MaxObjects", b.limit ? b.limit : "none");
    if (rep.objects->len > 2)
        fail_msg("got %u objects recorded, want at most 2", rep.objects->len);
    /* a spent budget scans nothing more in the same message */
    scan_report_clear(&rep);
    assert_int_equal(scan_leaf(f->engine, &leaf, &b, &rep, NULL, NULL, &err), MV_OK);
    assert_int_equal(rep.objects->len, 0);
    scan_report_clear(&rep);
}

static void filetype_mismatch_by_class(void **state)
{
    static const struct {
        const char *name, *declared, *detected;
        bool want;
    } cases[] = {
        {"invoice.pdf", NULL, "CL_TYPE_MSEXE", true},
        {"invoice.pdf", "application/pdf", "CL_TYPE_PDF", false},
        {"photo.jpg", NULL, "CL_TYPE_ZIP", true},
        {"report.docx", NULL, "CL_TYPE_OOXML_WORD", false},
        {"report.docx", NULL, "CL_TYPE_ZIP", false},
        {"notes.txt", NULL, "CL_TYPE_HTML", false},
        {"data", "application/octet-stream", "CL_TYPE_MSEXE", false},
        {NULL, "application/pdf", "CL_TYPE_MSEXE", true},
        {"setup.exe", NULL, "CL_TYPE_MSEXE", false},
        {"invoice.pdf. ", NULL, "CL_TYPE_MSEXE", true},
        {"archive.zip", NULL, "CL_TYPE_BINARY_DATA", false},
    };

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        bool got = filetype_mismatch(cases[i].name, cases[i].declared, cases[i].detected);
        if (got != cases[i].want)
            fail_msg("%s / %s / %s: got %d, want %d", cases[i].name ? cases[i].name : "-",
                     cases[i].declared ? cases[i].declared : "-", cases[i].detected, got,
                     cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scan_finds_eicar_in_plain_leaf),
        cmocka_unit_test(scan_finds_eicar_in_zip),
        cmocka_unit_test(scan_finds_eicar_in_zip_in_zip),
        cmocka_unit_test(scan_same_zip_twice_reports_same_objects),
        cmocka_unit_test(scan_clean_text_has_no_signature),
        cmocka_unit_test(scan_empty_leaf_is_clean),
        cmocka_unit_test(scan_tiny_leaf_is_clean_not_an_error),
        cmocka_unit_test(scan_recursion_limit_is_reported),
        cmocka_unit_test(engine_refuses_missing_database),
        cmocka_unit_test(engine_refuses_empty_database),
        cmocka_unit_test(engine_counts_its_own_signatures_apart),
        cmocka_unit_test(engine_names_an_empty_signature_file),
        cmocka_unit_test(engine_names_the_malformed_file_and_its_line),
        cmocka_unit_test(engine_finds_the_bad_file_in_a_mix),
        cmocka_unit_test(engine_names_the_bad_file_beside_the_shipped_signatures),
        cmocka_unit_test(engine_refuses_a_database_of_our_own_signatures),
        cmocka_unit_test(engine_refuses_a_database_of_lists_alone),
        cmocka_unit_test(classify_maps_names_to_verdicts),
        cmocka_unit_test(inventory_names_every_object_with_path_and_depth),
        cmocka_unit_test(inventory_flags_pdf_name_on_zip_bytes),
        cmocka_unit_test(inventory_names_containers_it_cannot_open),
        cmocka_unit_test(budget_stops_at_max_objects),
        cmocka_unit_test(filetype_mismatch_by_class),
    };

    return cmocka_run_group_tests_name("scan", tests, setup, teardown);
}
