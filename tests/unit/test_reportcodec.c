/* test_reportcodec.c - reportcodec.c: exact round trips, and every malformed value (each
 * truncation, random byte flips, hostile counts and numbers) an error, never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "reportcodec.h"
#include "scan.h"

/* add_object - an object as scan.c makes one, with HEAD (LEN bytes, NULL for none) */
static struct scan_object *add_object(struct scan_report *rep, const char *path, const char *name,
                                      const char *type, uint64_t size, unsigned depth,
                                      const void *head, size_t len)
{
    struct scan_object *o = scan_object_append(rep, path, name, type, size, depth);

    if (head != NULL)
        o->head = g_bytes_new(head, len);
    return o;
}

/* rich_report - nested objects, binary heads with NULs, UTF-8 names, empty lists */
static void rich_report(struct scan_report *rep)
{
    static const unsigned char pe[] = {'M', 'Z', 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff};
    static const unsigned char zip[] = {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0};
    struct scan_object *o;

    scan_report_init(rep);
    rep->detected_type = g_strdup("CL_TYPE_ZIP");
    g_ptr_array_add(rep->signatures, g_strdup("Win.Test.EICAR_HDB-1"));
    g_ptr_array_add(rep->signatures, g_strdup("Heuristics.Encrypted.Zip"));
    o = add_object(rep, "2", "Rechnung_März.zip", "CL_TYPE_ZIP", 123456, 0, zip, sizeof(zip));
    o->attributes = 0x3;
    g_ptr_array_add(o->signatures, g_strdup("Heuristics.Encrypted.Zip"));
    o->encrypted = true;
    o = add_object(rep, "2/Rechnung_März.zip/счёт.exe", "счёт.exe", "CL_TYPE_MSEXE", UINT64_MAX, 1,
                   pe, sizeof(pe));
    o->decrypted = true;
    o->type_mismatch = true;
    o->attributes = UINT_MAX;
    g_ptr_array_add(o->signatures, g_strdup("Win.Test.EICAR_HDB-1"));
    o->decoded[SCAN_DECODED_VBA] = g_byte_array_new();
    g_byte_array_append(o->decoded[SCAN_DECODED_VBA], (const guint8 *)"sub autoopen()\0\xff", 16);
    o->decoded[SCAN_DECODED_SCRIPT] = g_byte_array_new(); /* empty, not absent */
    o = add_object(rep, "2/Rechnung_März.zip/inner.7z/?", NULL, "MV_TYPE_ACE", 0, 3, "", 0);
    o->encrypted = true;
    add_object(rep, "2/Rechnung_März.zip/x", "x", "CL_TYPE_ANY", 7, 1, NULL, 0);
    rep->max_depth = 5; /* deeper than any object: a limit stopped the walk */
}

/* zip_report - a typical leaf: a zip with three members, full heads */
static void zip_report(struct scan_report *rep)
{
    static const char *const members[] = {"invoice.pdf", "readme.txt", "logo.png"};
    static const char *const types[] = {"CL_TYPE_PDF", "CL_TYPE_TEXT_ASCII", "CL_TYPE_PNG"};
    unsigned char head[SCAN_HEAD_BYTES];

    for (size_t i = 0; i < sizeof(head); i++)
        head[i] = (unsigned char)(i * 7 + 3);
    scan_report_init(rep);
    rep->detected_type = g_strdup("CL_TYPE_ZIP");
    add_object(rep, "2", "documents.zip", "CL_TYPE_ZIP", 180000, 0, head, sizeof(head));
    for (size_t i = 0; i < 3; i++) {
        char *path = g_strconcat("2/documents.zip/", members[i], NULL);

        add_object(rep, path, members[i], types[i], 60000, 1, head, sizeof(head));
        g_free(path);
    }
}

static bool same_text(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void assert_same_list(const GPtrArray *got, const GPtrArray *want, const char *what)
{
    assert_non_null(got);
    if (got->len != want->len)
        fail_msg("%s: got %u entries, want %u", what, got->len, want->len);
    for (guint i = 0; i < got->len; i++)
        if (strcmp(g_ptr_array_index(got, i), g_ptr_array_index(want, i)) != 0)
            fail_msg("%s[%u]: got \"%s\", want \"%s\"", what, i, (char *)g_ptr_array_index(got, i),
                     (char *)g_ptr_array_index(want, i));
}

/* assert_same_report - every field the codec carries, archive NULL in GOT */
static void assert_same_report(const struct scan_report *got, const struct scan_report *want)
{
    if (!same_text(got->detected_type, want->detected_type))
        fail_msg("detected_type: got %s, want %s", got->detected_type, want->detected_type);
    if (got->max_depth != want->max_depth)
        fail_msg("max_depth: got %u, want %u", got->max_depth, want->max_depth);
    assert_same_list(got->signatures, want->signatures, "signatures");
    assert_non_null(got->objects);
    if (got->objects->len != want->objects->len)
        fail_msg("objects: got %u, want %u", got->objects->len, want->objects->len);
    for (guint i = 0; i < got->objects->len; i++) {
        const struct scan_object *g = g_ptr_array_index(got->objects, i);
        const struct scan_object *w = g_ptr_array_index(want->objects, i);

        if (!same_text(g->path, w->path) || !same_text(g->name, w->name) ||
            !same_text(g->type, w->type))
            fail_msg("object %u: got %s %s %s, want %s %s %s", i, g->path, g->name, g->type,
                     w->path, w->name, w->type);
        if (g->size != w->size || g->depth != w->depth || g->attributes != w->attributes)
            fail_msg("object %u: got size %llu depth %u attributes %#x, want %llu %u %#x", i,
                     (unsigned long long)g->size, g->depth, g->attributes,
                     (unsigned long long)w->size, w->depth, w->attributes);
        if (g->encrypted != w->encrypted || g->decrypted != w->decrypted ||
            g->type_mismatch != w->type_mismatch)
            fail_msg("object %u: flags differ", i);
        assert_same_list(g->signatures, w->signatures, "object signatures");
        assert_null(g->archive);
        if ((g->head == NULL) != (w->head == NULL))
            fail_msg("object %u: got head %p, want %p", i, (void *)g->head, (void *)w->head);
        if (g->head != NULL && !g_bytes_equal(g->head, w->head))
            fail_msg("object %u: head bytes differ (got %zu, want %zu bytes)", i,
                     g_bytes_get_size(g->head), g_bytes_get_size(w->head));
        for (unsigned k = 0; k < SCAN_DECODED_N; k++) {
            const GByteArray *gd = g->decoded[k], *wd = w->decoded[k];

            if ((gd == NULL) != (wd == NULL) ||
                (gd != NULL && (gd->len != wd->len || memcmp(gd->data, wd->data, gd->len) != 0)))
                fail_msg("object %u: decoded field %s differs", i,
                         scan_decoded_name((enum scan_decoded)k));
        }
    }
}

/* encode - REP's encoding, which must succeed */
static GByteArray *encode(const struct scan_report *rep)
{
    GByteArray *b = g_byte_array_new();
    struct mv_err err = {0};
    enum mv_status st = reportcodec_encode(rep, UINT64_MAX, b, &err);

    if (st != MV_OK)
        fail_msg("encode: got %s (%s), want ok", mv_status_name(st), err.msg);
    return b;
}

/* assert_rejected - DATA does not decode, and leaves nothing to free */
static void assert_rejected(const void *data, size_t len, const char *what)
{
    struct scan_report rep;
    struct mv_err err = {0};
    enum mv_status st;

    memset(&rep, 0x5a, sizeof(rep));
    st = reportcodec_decode(data, len, &rep, &err);
    if (st != MV_EPARSE) {
        if (st == MV_OK)
            scan_report_clear(&rep);
        fail_msg("%s: got %s, want EPARSE", what, mv_status_name(st));
    }
    assert_string_not_equal(err.msg, "");
    assert_null(rep.objects);
    assert_null(rep.signatures);
    assert_null(rep.detected_type);
}

static void codec_round_trips_rich_report(void **state)
{
    struct scan_report want, got;
    struct mv_err err = {0};
    GByteArray *b;

    (void)state;
    rich_report(&want);
    b = encode(&want);
    assert_int_equal(b->data[0], REPORTCODEC_VERSION);
    assert_int_equal(reportcodec_decode(b->data, b->len, &got, &err), MV_OK);
    assert_same_report(&got, &want);
    scan_report_clear(&got);
    scan_report_clear(&want);
    g_byte_array_unref(b);
}

static void codec_round_trips_empty_report(void **state)
{
    struct scan_report want, got;
    struct mv_err err = {0};
    GByteArray *b;

    (void)state;
    scan_report_init(&want);
    b = encode(&want);
    assert_int_equal(reportcodec_decode(b->data, b->len, &got, &err), MV_OK);
    assert_same_report(&got, &want);
    scan_report_clear(&got);
    scan_report_clear(&want);
    g_byte_array_unref(b);
}

static void codec_round_trips_report_without_lists(void **state)
{
    struct scan_report want = {0}, got, empty;
    struct mv_err err = {0};
    GByteArray *b;

    (void)state;
    b = encode(&want); /* never scanned: both lists NULL, decoded as empty lists */
    assert_int_equal(reportcodec_decode(b->data, b->len, &got, &err), MV_OK);
    scan_report_init(&empty);
    assert_same_report(&got, &empty);
    scan_report_clear(&got);
    scan_report_clear(&empty);
    g_byte_array_unref(b);
}

static void codec_leaves_archive_out(void **state)
{
    struct scan_report want, got;
    struct mv_err err = {0};
    struct scan_object *o;
    GByteArray *b, *plain;

    (void)state;
    rich_report(&want);
    plain = encode(&want);
    o = g_ptr_array_index(want.objects, 0);
    o->archive = g_bytes_new("PK\3\4 archive bytes", 18);
    b = encode(&want);
    if (b->len != plain->len || memcmp(b->data, plain->data, b->len) != 0)
        fail_msg("got %u bytes with an archive, want the %u bytes of the report without", b->len,
                 plain->len);
    assert_int_equal(reportcodec_decode(b->data, b->len, &got, &err), MV_OK);
    assert_same_report(&got, &want); /* checks archive NULL */
    scan_report_clear(&got);
    scan_report_clear(&want);
    g_byte_array_unref(b);
    g_byte_array_unref(plain);
}

static void codec_typical_zip_report_size(void **state)
{
    struct scan_report want, got;
    struct mv_err err = {0};
    GByteArray *b;
    unsigned heads = 4 * SCAN_HEAD_BYTES;

    (void)state;
    zip_report(&want);
    b = encode(&want);
    print_message("# zip with 3 members, 4 full heads: %u bytes (%u of heads, %u of fields)\n",
                  b->len, heads, b->len - heads);
    if (b->len - heads > 400)
        fail_msg("got %u bytes beside the heads, want at most 400", b->len - heads);
    assert_int_equal(reportcodec_decode(b->data, b->len, &got, &err), MV_OK);
    assert_same_report(&got, &want);
    scan_report_clear(&got);
    scan_report_clear(&want);
    g_byte_array_unref(b);
}

static void codec_appends_after_existing_bytes(void **state)
{
    struct scan_report want, got;
    struct mv_err err = {0};
    GByteArray *b = g_byte_array_new();

    (void)state;
    rich_report(&want);
    g_byte_array_append(b, (const guint8 *)"prefix", 6);
    assert_int_equal(reportcodec_encode(&want, UINT64_MAX, b, &err), MV_OK);
    assert_memory_equal(b->data, "prefix", 6);
    assert_int_equal(reportcodec_decode(b->data + 6, b->len - 6, &got, &err), MV_OK);
    assert_same_report(&got, &want);
    scan_report_clear(&got);
    scan_report_clear(&want);
    g_byte_array_unref(b);
}

static void codec_refuses_over_max_leaving_output(void **state)
{
    struct scan_report rep;
    struct mv_err err = {0};
    GByteArray *full, *b = g_byte_array_new();

    (void)state;
    zip_report(&rep);
    full = encode(&rep);
    g_byte_array_append(b, (const guint8 *)"xy", 2);
    assert_int_equal(reportcodec_encode(&rep, full->len - 1, b, &err), MV_TOOBIG);
    assert_int_equal(b->len, 2);
    assert_int_equal(reportcodec_encode(&rep, full->len, b, &err), MV_OK);
    assert_int_equal(b->len, 2 + full->len);
    scan_report_clear(&rep);
    g_byte_array_unref(b);
    g_byte_array_unref(full);
}

static void codec_refuses_text_that_would_not_decode(void **state)
{
    static const struct {
        const char *what;
        int field; /* 0 name, 1 detected type, 2 signature, 3 over-long path */
    } cases[] = {
        {"name not UTF-8", 0},
        {"detected type not UTF-8", 1},
        {"signature not UTF-8", 2},
        {"path too long", 3},
    };

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct scan_report rep;
        struct mv_err err = {0};
        GByteArray *b = g_byte_array_new();
        struct scan_object *o;
        enum mv_status st;

        rich_report(&rep);
        o = g_ptr_array_index(rep.objects, 1);
        switch (cases[i].field) {
        case 0:
            g_free(o->name);
            o->name = g_strdup("caf\xe9.exe"); /* Latin-1 */
            break;
        case 1:
            g_free(rep.detected_type);
            rep.detected_type = g_strdup("\xff\xfe");
            break;
        case 2:
            g_ptr_array_add(o->signatures, g_strdup("Sig.\xc3"));
            break;
        default:
            g_free(o->path);
            o->path = g_malloc(REPORTCODEC_MAX_STRING + 2);
            memset(o->path, 'a', REPORTCODEC_MAX_STRING + 1);
            o->path[REPORTCODEC_MAX_STRING + 1] = '\0';
        }
        st = reportcodec_encode(&rep, UINT64_MAX, b, &err);
        if (st != MV_EPARSE || b->len != 0)
            fail_msg("%s: got %s with %u bytes, want EPARSE and none", cases[i].what,
                     mv_status_name(st), b->len);
        scan_report_clear(&rep);
        g_byte_array_unref(b);
    }
}

static void codec_rejects_every_truncation(void **state)
{
    struct scan_report rep;
    GByteArray *b;

    (void)state;
    rich_report(&rep);
    b = encode(&rep);
    for (guint n = 0; n < b->len; n++) {
        /* a private copy of exactly N bytes, so ASan sees any read past it */
        guint8 *copy = g_memdup2(b->data, n);
        char what[64];

        snprintf(what, sizeof(what), "first %u of %u bytes", n, b->len);
        assert_rejected(copy, n, what);
        g_free(copy);
    }
    assert_rejected(NULL, 0, "NULL");
    scan_report_clear(&rep);
    g_byte_array_unref(b);
}

/* decode_or_reject - DATA decodes to a report that survives a round trip, or is an error */
static void decode_or_reject(const guint8 *data, size_t len, unsigned *valid)
{
    struct scan_report rep, again;
    struct mv_err err = {0};
    enum mv_status st;
    GByteArray *b;

    st = reportcodec_decode(data, len, &rep, &err);
    if (st == MV_EPARSE) {
        assert_null(rep.objects);
        return;
    }
    assert_int_equal(st, MV_OK);
    (*valid)++;
    b = encode(&rep); /* what decodes also encodes, to the same bytes */
    if (b->len != len || memcmp(b->data, data, len) != 0)
        fail_msg("a decoded flip re-encodes to %u bytes, not the same %zu", b->len, len);
    assert_int_equal(reportcodec_decode(b->data, b->len, &again, &err), MV_OK);
    assert_same_report(&again, &rep);
    scan_report_clear(&again);
    scan_report_clear(&rep);
    g_byte_array_unref(b);
}

static void codec_survives_random_byte_flips(void **state)
{
    struct scan_report rep;
    GByteArray *b;
    GRand *rnd = g_rand_new_with_seed(20240605);
    unsigned valid = 0, rounds = 20000;

    (void)state;
    rich_report(&rep);
    b = encode(&rep);
    for (unsigned i = 0; i < rounds; i++) {
        guint8 *copy = g_memdup2(b->data, b->len);
        unsigned flips = (unsigned)g_rand_int_range(rnd, 1, 4);

        for (unsigned k = 0; k < flips; k++) {
            guint at = (guint)g_rand_int_range(rnd, 0, (gint32)b->len);

            if (g_rand_boolean(rnd))
                copy[at] ^= (guint8)(1u << g_rand_int_range(rnd, 0, 8));
            else
                copy[at] = (guint8)g_rand_int_range(rnd, 0, 256);
        }
        decode_or_reject(copy, b->len, &valid);
        g_free(copy);
    }
    /* every single byte, every value, in the first 48 (version, counts, lengths) */
    for (guint at = 0; at < MIN(48u, b->len); at++) {
        for (unsigned v = 0; v < 256; v++) {
            guint8 *copy = g_memdup2(b->data, b->len);

            copy[at] = (guint8)v;
            decode_or_reject(copy, b->len, &valid);
            g_free(copy);
        }
    }
    print_message("# %u flipped values decoded to a valid report, the rest were rejected\n", valid);
    g_rand_free(rnd);
    scan_report_clear(&rep);
    g_byte_array_unref(b);
}

static void codec_rejects_hostile_values(void **state)
{
    static const struct {
        const char *what;
        const char *bytes;
        size_t len;
    } cases[] = {
        {"version 0", "\x00\x00\x00\x00\x00", 5},
        {"version 1", "\x01\x00\x00\x00\x00", 5},
        {"version 3", "\x03\x00\x00\x00\x00", 5},
        {"trailing byte", "\x02\x00\x00\x00\x00\x00", 6},
        {"huge signature count", "\x02\x00\x00\xff\xff\xff\xff\x0f", 8},
        {"signature count over the bytes", "\x02\x00\x00\x05\x00\x00", 6},
        {"huge object count", "\x02\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 14},
        {"object count over the bytes", "\x02\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01",
         14},
        {"number over 64 bits", "\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f\x00\x00\x00", 14},
        {"number not shortest", "\x02\x80\x00\x00\x00\x00", 6},
        {"max depth over the bound", "\x02\x81\x02\x00\x00\x00", 6},
        {"string length past the end",
         "\x02\x00\x10"
         "abc\x00\x00",
         8},
        {"string with NUL",
         "\x02\x00\x04"
         "a\0b\x00\x00",
         8},
        {"string not UTF-8", "\x02\x00\x03\xc3\x28\x00\x00", 7},
        /* one object: path "p", name NULL, type "t", size 1, depth 1 > max depth 0 */
        {"object deeper than the report",
         "\x02\x00\x00\x00\x01\x02p\x00\x02t\x01\x01\x00\x00\x00\x00", 16},
        {"unknown object flag", "\x02\x00\x00\x00\x01\x02p\x00\x02t\x01\x00\x00\x08\x00\x00", 16},
        {"head over SCAN_WINDOW_MAX",
         "\x02\x00\x00\x00\x01\x02p\x00\x02t\x01\x00\x00\x00\x00\x82\x80\x80\x08", 19},
        /* the minimal object below with decoded fields */
        {"decoded count over the kinds",
         "\x02\x00\x00\x00\x01\x02p\x00\x02t\x01\x00\x00\x00\x00\x01\x06", 17},
        {"decoded kind unknown",
         "\x02\x00\x00\x00\x01\x02p\x00\x02t\x01\x00\x00\x00\x00\x01\x01\x05\x00", 19},
        {"decoded fields out of order",
         "\x02\x00\x00\x00\x01\x02p\x00\x02t\x01\x00\x00\x00\x00\x01\x02\x01\x00\x00\x00", 21},
        {"decoded field past the end",
         "\x02\x00\x00\x00\x01\x02p\x00\x02t\x01\x00\x00\x00\x00\x01\x01\x00\x05"
         "ab",
         20},
        {"attributes over 32 bits",
         "\x02\x00\x00\x00\x01\x02p\x00\x02t\x01\x00\x80\x80\x80\x80\x10\x00\x00\x00", 20},
    };

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        guint8 *copy = g_memdup2(cases[i].bytes, cases[i].len);

        assert_rejected(copy, cases[i].len, cases[i].what);
        g_free(copy);
    }
}

static void codec_accepts_minimal_object(void **state)
{
    /* the hand-made object of the hostile cases, made valid: depth 0, empty head */
    static const guint8 v[] = {2, 0, 0, 0, 1, 2, 'p', 0, 2, 't', 1, 0, 0, 0, 0, 1, 0};
    struct scan_report rep;
    struct mv_err err = {0};
    const struct scan_object *o;

    (void)state;
    assert_int_equal(reportcodec_decode(v, sizeof(v), &rep, &err), MV_OK);
    assert_int_equal(rep.objects->len, 1);
    o = g_ptr_array_index(rep.objects, 0);
    assert_string_equal(o->path, "p");
    assert_null(o->name);
    assert_string_equal(o->type, "t");
    assert_int_equal(o->size, 1);
    assert_non_null(o->head);
    assert_int_equal(g_bytes_get_size(o->head), 0);
    scan_report_clear(&rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codec_round_trips_rich_report),
        cmocka_unit_test(codec_round_trips_empty_report),
        cmocka_unit_test(codec_round_trips_report_without_lists),
        cmocka_unit_test(codec_leaves_archive_out),
        cmocka_unit_test(codec_typical_zip_report_size),
        cmocka_unit_test(codec_appends_after_existing_bytes),
        cmocka_unit_test(codec_refuses_over_max_leaving_output),
        cmocka_unit_test(codec_refuses_text_that_would_not_decode),
        cmocka_unit_test(codec_rejects_every_truncation),
        cmocka_unit_test(codec_survives_random_byte_flips),
        cmocka_unit_test(codec_rejects_hostile_values),
        cmocka_unit_test(codec_accepts_minimal_object),
    };

    return cmocka_run_group_tests_name("reportcodec", tests, NULL, NULL);
}
