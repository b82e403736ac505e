/* test_features.c - mvfeatures.c: what rules read, from a real GMime parse and scan
 * reports made by hand (the seam: scan.c's reports are plain structs).  Checks the
 * decoded headers, the body text (plain and HTML made text, attachments left out),
 * the attachments, and each object's parent, member count and first bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "message.h"
#include "mvfeatures.h"

static const char sample[] =
    "From: =?UTF-8?B?SsO8cmdlbg==?= <juergen@example.com>\r\n"
    "Reply-To: billing@example.net\r\n"
    "To: recipient@example.com\r\n"
    "Subject: =?UTF-8?B?6KuL5rGC5pu4?= RFQ 117\r\n"
    "X-Custom: one\r\n"
    "x-custom: two\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=B\r\n"
    "\r\n"
    "--B\r\n"
    "Content-Type: multipart/alternative; boundary=A\r\n"
    "\r\n"
    "--A\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "Password: Fixture123\r\n"
    "--A\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<html><style>p{}</style><p>See&nbsp;the <b>attached</b> order</p></html>\r\n"
    "--A--\r\n"
    "--B\r\n"
    "Content-Type: text/plain; name=notes.txt\r\n"
    "Content-Disposition: attachment; filename=notes.txt\r\n"
    "\r\n"
    "attachment text that is not body\r\n"
    "--B\r\n"
    "Content-Type: application/zip; name=order.zip\r\n"
    "Content-Disposition: attachment; filename=order.zip\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "UEsDBA==\r\n"
    "--B--\r\n";

struct fixture {
    GByteArray *bytes;
    struct message *msg;
    struct scan_report reports[4];
};

/* object - a hand-made inventory entry appended to REP */
static void object(struct scan_report *rep, const char *path, const char *name, const char *type,
                   unsigned depth, const char *head)
{
    struct scan_object *o = g_new0(struct scan_object, 1);

    o->path = g_strdup(path);
    o->name = g_strdup(name);
    o->type = g_strdup(type);
    o->depth = depth;
    o->size = head != NULL ? strlen(head) : 0;
    o->signatures = g_ptr_array_new_with_free_func(g_free);
    if (head != NULL)
        o->head = g_bytes_new(head, strlen(head));
    g_ptr_array_add(rep->objects, o);
}

static void object_free(gpointer p)
{
    struct scan_object *o = p;

    g_free(o->path);
    g_free(o->name);
    g_free(o->type);
    g_ptr_array_free(o->signatures, TRUE);
    if (o->head != NULL)
        g_bytes_unref(o->head);
    g_free(o);
}

static int setup(void **state)
{
    struct fixture *f = g_new0(struct fixture, 1);
    struct message_limits lim = {
        .max_parts = 100, .max_depth = 10, .leaf_mem_max = 1 << 20, .tmpdir = "/tmp"};
    struct mv_err err = {0};

    f->bytes = g_byte_array_new();
    g_byte_array_append(f->bytes, (const guint8 *)sample, sizeof(sample) - 1);
    f->msg = message_parse_bytes(f->bytes, &lim, &err);
    assert_non_null(f->msg);
    assert_int_equal(message_leaf_count(f->msg), 4);
    for (int i = 0; i < 4; i++)
        f->reports[i].objects = g_ptr_array_new_with_free_func(object_free);
    object(&f->reports[0], "1.1", NULL, "CL_TYPE_TEXT_ASCII", 0, "Password: Fixture123");
    object(&f->reports[1], "1.2", NULL, "CL_TYPE_HTML", 0, "<html>");
    object(&f->reports[2], "2/notes.txt", "notes.txt", "CL_TYPE_TEXT_ASCII", 0, "attachment");
    /* order.zip: a.exe, inner.zip holding b.js, then c.txt */
    object(&f->reports[3], "3/order.zip", "order.zip", "CL_TYPE_ZIP", 0, "PK\x03\x04");
    object(&f->reports[3], "3/order.zip/a.exe", "a.exe", "CL_TYPE_MSEXE", 1, "MZ\x90");
    object(&f->reports[3], "3/order.zip/inner.zip", "inner.zip", "CL_TYPE_ZIP", 1, "PK");
    object(&f->reports[3], "3/order.zip/inner.zip/b.js", "b.js", "CL_TYPE_TEXT_ASCII", 2, "// js");
    object(&f->reports[3], "3/order.zip/c.txt", "c.txt", "CL_TYPE_TEXT_ASCII", 1, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    for (int i = 0; i < 4; i++)
        g_ptr_array_free(f->reports[i].objects, TRUE);
    message_free(f->msg);
    g_byte_array_unref(f->bytes);
    g_free(f);
    return 0;
}

/* build - the features of the fixture with a two-recipient envelope */
static struct features *build(struct fixture *f, GPtrArray *rcpts)
{
    struct features_envelope env = {.sender = "juergen@example.com",
                                    .recipients = rcpts,
                                    .client_addr = "192.0.2.7",
                                    .auth = NULL};

    g_ptr_array_add(rcpts, "a@example.com");
    g_ptr_array_add(rcpts, "b@example.net");
    return features_new(f->msg, f->reports, 4, &env);
}

static void headers_are_decoded_and_looked_up_without_case(void **state)
{
    GPtrArray *rcpts = g_ptr_array_new();
    struct features *ft = build(*state, rcpts);

    assert_string_equal(ft->subject, "\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8 RFQ 117");
    assert_non_null(ft->from);
    assert_non_null(strstr(ft->from, "J\xc3\xbcrgen"));
    assert_string_equal(ft->reply_to, "billing@example.net");
    /* the first of two fields of the same name, whatever the case */
    assert_string_equal(features_header_get(ft, "X-CUSTOM"), "one");
    assert_null(features_header_get(ft, "X-Absent"));
    assert_string_equal(ft->env.sender, "juergen@example.com");
    assert_int_equal(ft->env.recipients->len, 2);
    features_free(ft);
    g_ptr_array_free(rcpts, TRUE);
}

static void body_is_the_text_of_non_attachment_parts(void **state)
{
    GPtrArray *rcpts = g_ptr_array_new();
    struct features *ft = build(*state, rcpts);

    assert_non_null(strstr(ft->body, "Password: Fixture123"));
    /* HTML made text: tags and style gone, &nbsp; a space */
    assert_non_null(strstr(ft->body, "See the  attached  order"));
    assert_null(strstr(ft->body, "<b>"));
    assert_null(strstr(ft->body, "p{}"));
    /* an attachment is no body text, even when it is text/plain */
    assert_null(strstr(ft->body, "attachment text"));
    assert_int_equal(ft->body_len, strlen(ft->body));
    features_free(ft);
    g_ptr_array_free(rcpts, TRUE);
}

static void attachments_are_every_leaf(void **state)
{
    GPtrArray *rcpts = g_ptr_array_new();
    struct features *ft = build(*state, rcpts);
    const struct feature_attachment *zip;

    assert_int_equal(ft->attachments->len, 4);
    zip = &g_array_index(ft->attachments, struct feature_attachment, 3);
    assert_string_equal(zip->name, "order.zip");
    assert_string_equal(zip->declared_type, "application/zip");
    assert_string_equal(zip->disposition, "attachment");
    assert_string_equal(zip->path, "3");
    features_free(ft);
    g_ptr_array_free(rcpts, TRUE);
}

static void objects_know_parent_members_and_head(void **state)
{
    GPtrArray *rcpts = g_ptr_array_new();
    struct features *ft = build(*state, rcpts);
    const struct feature_object *o;

    assert_int_equal(ft->objects->len, 8);
    /* 0..2: one object per text leaf, no parent */
    for (guint i = 0; i < 3; i++) {
        o = &g_array_index(ft->objects, struct feature_object, i);
        assert_int_equal(o->parent, -1);
        assert_int_equal(o->attachment, i);
    }
    o = &g_array_index(ft->objects, struct feature_object, 3); /* order.zip */
    assert_string_equal(o->name, "order.zip");
    assert_int_equal(o->members, 3);
    assert_int_equal(o->attachment, 3);
    o = &g_array_index(ft->objects, struct feature_object, 4); /* a.exe */
    assert_int_equal(o->parent, 3);
    assert_int_equal(o->head_len, 3);
    assert_memory_equal(o->head, "MZ\x90", 3);
    o = &g_array_index(ft->objects, struct feature_object, 5); /* inner.zip */
    assert_int_equal(o->parent, 3);
    assert_int_equal(o->members, 1);
    o = &g_array_index(ft->objects, struct feature_object, 6); /* b.js */
    assert_int_equal(o->parent, 5);
    assert_int_equal(o->depth, 2);
    o = &g_array_index(ft->objects, struct feature_object, 7); /* c.txt, after inner.zip */
    assert_int_equal(o->parent, 3);
    assert_null(o->head);
    assert_int_equal(o->head_len, 0);
    features_free(ft);
    g_ptr_array_free(rcpts, TRUE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(headers_are_decoded_and_looked_up_without_case),
        cmocka_unit_test(body_is_the_text_of_non_attachment_parts),
        cmocka_unit_test(attachments_are_every_leaf),
        cmocka_unit_test(objects_know_parent_members_and_head),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
