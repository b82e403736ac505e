/* test_message_header.c - unit tests for the bounds on header fields
 * (message_input.c, message_prescan.c, message.c): the fields and bytes of the
 * message's own header and of every part's and embedded message's together, one
 * field's length, and address groups nested past LIMIT_MAX_ADDRESS_GROUPS, withheld
 * from GMime; generated messages, given as bytes and as a file.  All addresses are
 * example.com.  Failures read "<case>: <what>: got X, want Y". */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "message_fixture.h"
#include "message.h"
#include "mv.h"
#include "mvlimits.h"

/* header_limits_case - one generated message and what parsing it must give */
struct header_case {
    const char *name;
    GString *text;
    unsigned want_flags;
    size_t want_leaves;      /* leaves, the last being the one with WANT_LAST */
    const char *want_last;   /* a substring of the last leaf's bytes, or NULL */
    long want_headers;       /* message_header_count(), or -1 not to check */
    const char *want_header; /* a field name that must be among them, or NULL */
};

/* fields - N header fields "X-Filler-I: value" */
static void fields(GString *s, unsigned n)
{
    for (unsigned i = 1; i <= n; i++)
        g_string_append_printf(s, "X-Filler-%u: value\n", i);
}

/* long_field - "NAME: " and LEN bytes of 'a', then a line feed */
static void long_field(GString *s, const char *name, size_t len)
{
    g_string_append_printf(s, "%s: ", name);
    for (size_t i = 0; i < len; i++)
        g_string_append_c(s, 'a');
    g_string_append_c(s, '\n');
}

/* mime_body - a multipart body whose second part is "payload" */
static void mime_body(GString *s)
{
    g_string_append(s, "\n--b\nContent-Type: text/plain\n\nhello\n"
                       "--b\nContent-Type: application/octet-stream\n\npayload\n--b--\n");
}

static const char mime_head[] =
    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n";

/* check_header_case - parse C from memory and from a file, and check both */
static void check_header_case(const struct header_case *c)
{
    struct message_limits lim = limits_make(0, 0, DEFAULT_MEM);

    for (int from_file = 0; from_file < 2; from_file++) {
        struct mv_err err = {0};
        GByteArray *bytes = NULL;
        struct message *m;
        bool found = c->want_header == NULL;
        size_t n;

        if (from_file) {
            int fd = write_tmp(c->text->str, c->text->len);

            m = message_parse_fd(fd, &lim, &err);
            close(fd);
            if (m == NULL)
                fail_msg("%s: from a file: got NULL (%s), want a message", c->name, err.msg);
        } else {
            m = parse_string(c->name, c->text->str, c->text->len, &lim, &bytes);
        }
        if (message_flags(m) != c->want_flags)
            fail_msg("%s (%s): flags: got %#x, want %#x", c->name, from_file ? "file" : "memory",
                     message_flags(m), c->want_flags);
        n = message_leaf_count(m);
        if (n != c->want_leaves)
            fail_msg("%s: leaves: got %zu, want %zu", c->name, n, c->want_leaves);
        if (c->want_last != NULL) {
            const struct mv_leaf *last = message_leaf_get(m, n - 1);

            if (g_strstr_len((const char *)last->data, (gssize)last->size, c->want_last) == NULL)
                fail_msg("%s: last leaf: got \"%.*s\", want it to hold \"%s\"", c->name,
                         (int)MIN(last->size, 60), (const char *)last->data, c->want_last);
        }
        if (c->want_headers >= 0 && message_header_count(m) != (size_t)c->want_headers)
            fail_msg("%s: header fields kept: got %zu, want %ld", c->name, message_header_count(m),
                     c->want_headers);
        for (size_t i = 0; !found && i < message_header_count(m); i++)
            found = g_ascii_strcasecmp(message_header_name(m, i), c->want_header) == 0;
        if (!found)
            fail_msg("%s: header fields kept: got none named %s", c->name, c->want_header);
        message_free(m);
        if (bytes != NULL)
            g_byte_array_unref(bytes);
    }
}

/* header_limits_bound_what_gmime_is_given - the message's own header block past
 * 10,000 fields, 1 MiB or one field of 100 KiB is given to GMime without the fields
 * that do not fit (but the last Content-Type and MIME-Version, so its body parses as
 * sent, and every leaf is still there); the header blocks of its parts together get
 * as much again, past which the parse stops; a field of a part's header over 100 KiB
 * stops it before that field.  At the limits exactly, and for long lines that are no
 * header (a body's, unwrapped base64), nothing is flagged. */
static void header_limits_bound_what_gmime_is_given(void **state)
{
    struct header_case c[12];
    size_t n = 0;

    (void)state;
    /* the message's own header block */
    c[n] = (struct header_case){
        "top_at_10000_fields", g_string_new(mime_head), 0, 2, "payload", 9999, "MIME-Version"};
    fields(c[n].text, 9998);
    mime_body(c[n++].text);
    c[n] = (struct header_case){"top_past_10000_fields_keeps_its_mime_fields",
                                g_string_new(NULL),
                                MESSAGE_LIMIT_HEADER_FIELDS,
                                2,
                                "payload",
                                10001,
                                "MIME-Version"};
    fields(c[n].text, 100000);
    g_string_append(c[n].text, mime_head);
    mime_body(c[n++].text);
    c[n] = (struct header_case){
        "top_past_1_mib", g_string_new(NULL), MESSAGE_LIMIT_HEADER_BYTES, 2, "payload", -1,
        "MIME-Version"};
    for (int i = 0; i < 12; i++)
        long_field(c[n].text, "X-Big", 100 * 1024 - 8);
    g_string_append(c[n].text, mime_head);
    mime_body(c[n++].text);
    c[n] = (struct header_case){"top_field_past_100_kib",
                                g_string_new(mime_head),
                                MESSAGE_LIMIT_HEADER_LINE,
                                2,
                                "payload",
                                1,
                                "MIME-Version"};
    long_field(c[n].text, "X-Long", 200 * 1024);
    mime_body(c[n++].text);
    c[n] = (struct header_case){"top_folded_field_past_100_kib",
                                g_string_new(mime_head),
                                MESSAGE_LIMIT_HEADER_LINE,
                                2,
                                "payload",
                                1,
                                NULL};
    g_string_append(c[n].text, "X-Folded: start\n");
    for (int i = 0; i < 2000; i++)
        g_string_append(c[n].text,
                        "  0123456789012345678901234567890123456789012345678901234567\n");
    mime_body(c[n++].text);
    c[n] = (struct header_case){
        "top_field_of_100_kib_is_within", g_string_new(mime_head), 0, 2, "payload", 2, "X-Long"};
    long_field(c[n].text, "X-Long", 100 * 1024 - 9); /* "X-Long: " and '\n' make 100 KiB */
    mime_body(c[n++].text);
    /* the header blocks of the parts */
    c[n] = (struct header_case){"part_headers_past_10000_fields_stop_the_parse",
                                g_string_new(mime_head),
                                MESSAGE_LIMIT_HEADER_FIELDS,
                                1,
                                "hello",
                                1,
                                NULL};
    g_string_append(c[n].text, "\n--b\nContent-Type: text/plain\n\nhello\n--b\n");
    fields(c[n].text, 20000);
    g_string_append(c[n].text, "Content-Type: application/octet-stream\n\npayload\n--b--\n");
    n++;
    c[n] = (struct header_case){"part_field_past_100_kib_stops_the_parse",
                                g_string_new(mime_head),
                                MESSAGE_LIMIT_HEADER_LINE,
                                1,
                                "hello",
                                1,
                                NULL};
    g_string_append(c[n].text, "\n--b\nContent-Type: text/plain\n\nhello\n--b\n");
    long_field(c[n].text, "X-Long", 200 * 1024);
    g_string_append(c[n].text, "Content-Type: application/octet-stream\n\npayload\n--b--\n");
    n++;
    c[n] = (struct header_case){"field_of_a_message_in_a_part_past_100_kib",
                                g_string_new(mime_head),
                                MESSAGE_LIMIT_HEADER_LINE,
                                2,
                                NULL,
                                1,
                                NULL};
    g_string_append(c[n].text, "\n--b\nContent-Type: text/plain\n\nhello\n"
                               "--b\nContent-Type: message/rfc822\n\nnot a header line\n");
    long_field(c[n].text, "Subject", 200 * 1024);
    g_string_append(c[n].text, "\npayload\n--b--\n");
    n++;
    /* long lines that are no header field */
    c[n] = (struct header_case){
        "long_lines_in_bodies_are_no_header", g_string_new(mime_head), 0, 2, "payload", 1, NULL};
    g_string_append(c[n].text, "\n--b\nContent-Type: text/plain\n\nlong: ");
    for (int i = 0; i < 300 * 1024; i++)
        g_string_append_c(c[n].text, 'x');
    g_string_append(c[n].text, "\n--b\nContent-Type: application/octet-stream\n"
                               "Content-Transfer-Encoding: base64\n\n");
    for (int i = 0; i < 300 * 1024 / 4; i++)
        g_string_append(c[n].text, "cGF5");
    g_string_append(c[n].text, "bG9hZA==\n--b--\n");
    n++;

    for (size_t i = 0; i < n; i++) {
        if (strcmp(c[i].name, "long_lines_in_bodies_are_no_header") == 0)
            c[i].want_last = NULL;
        check_header_case(&c[i]);
        g_string_free(c[i].text, TRUE);
    }
}

/* groups_field - "NAME: " and LEVELS nested address groups around x@example.com
 * ("g: g: ... x@example.com;;;"), SEP between a group's ':' and the next, the value
 * folded (a line feed and a space) every FOLD bytes (0: never), then a line feed */
static void groups_field(GString *s, const char *name, unsigned levels, const char *sep,
                         size_t fold)
{
    GString *v = g_string_new(NULL);

    for (unsigned i = 0; i < levels; i++)
        g_string_append_printf(v, "g:%s", sep);
    g_string_append(v, "x@example.com");
    for (unsigned i = 0; i < levels; i++)
        g_string_append_c(v, ';');
    g_string_append_printf(s, "%s: ", name);
    for (size_t i = 0; i<v->len; i += fold> 0 ? fold : v->len) {
        if (i > 0)
            g_string_append(s, "\n ");
        g_string_append_len(s, v->str + i, (gssize)MIN(fold > 0 ? fold : v->len, v->len - i));
    }
    g_string_append_c(s, '\n');
    g_string_free(v, TRUE);
}

/* groups_case - one message with address groups and what parsing it must give */
struct groups_case {
    const char *name;
    GString *text;
    unsigned want_flags;
    const char *want_kept; /* a header field name that must be kept, or NULL */
    const char *want_gone; /* one that must not be, or NULL */
    const char *want_leaf; /* a substring of some leaf's bytes, or NULL */
};

/* the parse of one case, in a thread of its own */
struct groups_run {
    GByteArray *bytes;
    int fd; /* parse this instead when >= 0 */
    struct message_limits lim;
    struct mv_err err;
    struct message *m;
};

/* groups_parse - the thread: one parse */
static void *groups_parse(void *data)
{
    struct groups_run *r = data;

    r->m = r->fd >= 0 ? message_parse_fd(r->fd, &r->lim, &r->err)
                      : message_parse_bytes(r->bytes, &r->lim, &r->err);
    return NULL;
}

/* has_field - whether M kept a header field named NAME */
static bool has_field(const struct message *m, const char *name)
{
    for (size_t i = 0; i < message_header_count(m); i++)
        if (g_ascii_strcasecmp(message_header_name(m, i), name) == 0)
            return true;
    return false;
}

/* check_groups_case - parse C from memory and from a file, each in a thread with a
 * 2 MiB stack (glibc's default for a thread when RLIMIT_STACK is unlimited, and what
 * "LimitSTACK=2M" gives mailvetd's), and check both */
static void check_groups_case(const struct groups_case *c)
{
    for (int from_file = 0; from_file < 2; from_file++) {
        struct groups_run r = {.fd = -1, .lim = limits_make(0, 0, DEFAULT_MEM)};
        pthread_attr_t attr;
        pthread_t t;
        bool found = c->want_leaf == NULL;

        if (from_file) {
            r.fd = write_tmp(c->text->str, c->text->len);
        } else {
            r.bytes = g_byte_array_new();
            g_byte_array_append(r.bytes, (const guint8 *)c->text->str, (guint)c->text->len);
        }
        assert_int_equal(pthread_attr_init(&attr), 0);
        assert_int_equal(pthread_attr_setstacksize(&attr, 2 * 1024 * 1024), 0);
        assert_int_equal(pthread_create(&t, &attr, groups_parse, &r), 0);
        assert_int_equal(pthread_join(t, NULL), 0);
        pthread_attr_destroy(&attr);
        if (r.m == NULL)
            fail_msg("%s (%s): parse: got NULL (%s), want a message", c->name,
                     from_file ? "file" : "memory", r.err.msg);
        if (message_flags(r.m) != c->want_flags)
            fail_msg("%s (%s): flags: got %#x, want %#x", c->name, from_file ? "file" : "memory",
                     message_flags(r.m), c->want_flags);
        if (c->want_kept != NULL && !has_field(r.m, c->want_kept))
            fail_msg("%s: header fields kept: got none named %s, want one", c->name, c->want_kept);
        if (c->want_gone != NULL && has_field(r.m, c->want_gone))
            fail_msg("%s: header fields kept: got %s, want it withheld", c->name, c->want_gone);
        for (size_t i = 0; !found && i < message_leaf_count(r.m); i++) {
            const struct mv_leaf *lf = message_leaf_get(r.m, i);

            found = g_strstr_len((const char *)lf->data, (gssize)lf->size, c->want_leaf) != NULL;
        }
        if (!found)
            fail_msg("%s: leaves: got none holding \"%s\", want one", c->name, c->want_leaf);
        message_free(r.m);
        if (r.fd >= 0)
            close(r.fd);
        if (r.bytes != NULL)
            g_byte_array_unref(r.bytes);
    }
}

/* address_groups_past_the_bound_are_withheld - an address field whose groups nest
 * deeper than LIMIT_MAX_ADDRESS_GROUPS (8) is never given to GMime, whose address
 * parser recurses once per group (90 KB of them, within the 100 KiB a field may hold,
 * ran a 2 MiB stack out): left out of the message's own header, the rest parsed; in
 * an embedded message's header, the parse stops before it; MESSAGE_ADDRESS_GROUPS
 * either way.  Every field GMime reads as addresses counts, whatever the case of its
 * name or the blanks before its ':'.  Groups as mail has them, colons in a quoted
 * display name and 8 levels exactly are not flagged, nor are groups in other fields. */
static void address_groups_past_the_bound_are_withheld(void **state)
{
    static const char tail[] = "Subject: groups\n\nthe body\n";
    struct groups_case c[14];
    size_t n = 0;

    (void)state;
    c[n] = (struct groups_case){
        "from_of_9_levels", g_string_new(NULL), MESSAGE_ADDRESS_GROUPS, "Subject", "From",
        "the body"};
    groups_field(c[n].text, "From", 9, " ", 0);
    g_string_append(c[n++].text, tail);
    c[n] =
        (struct groups_case){"from_of_8_levels", g_string_new(NULL), 0, "From", NULL, "the body"};
    groups_field(c[n].text, "From", 8, " ", 0);
    g_string_append(c[n++].text, tail);
    c[n] = (struct groups_case){"from_of_90_kb_folded",
                                g_string_new(NULL),
                                MESSAGE_ADDRESS_GROUPS,
                                "Subject",
                                "From",
                                "the body"};
    groups_field(c[n].text, "From", 30000, "", 70);
    g_string_append(c[n++].text, tail);
    c[n] = (struct groups_case){"reply_to_lower_case",
                                g_string_new("From: a@example.com\n"),
                                MESSAGE_ADDRESS_GROUPS,
                                "From",
                                "reply-to",
                                "the body"};
    groups_field(c[n].text, "reply-to", 20, " ", 0);
    g_string_append(c[n++].text, tail);
    c[n] = (struct groups_case){"resent_cc_with_blanks_before_the_colon",
                                g_string_new(NULL),
                                MESSAGE_ADDRESS_GROUPS,
                                "Subject",
                                "Resent-Cc",
                                "the body"};
    groups_field(c[n].text, "Resent-Cc   ", 20, " ", 0);
    g_string_append(c[n++].text, tail);
    /* an unterminated quote: GMime reads it as a plain byte and the groups after it */
    c[n] =
        (struct groups_case){"to_behind_an_unterminated_quote",
                             g_string_new("To: \"x g: g: g: g: g: g: g: g: g: g: y@example.com\n"),
                             MESSAGE_ADDRESS_GROUPS,
                             "Subject",
                             "To",
                             "the body"};
    g_string_append(c[n++].text, tail);
    c[n] = (struct groups_case){"groups_as_mail_has_them",
                                g_string_new("To: undisclosed-recipients:;\n"
                                             "Cc: Team: a@example.com, b@example.com;\n"
                                             "Bcc: A: a@example.com;, B: b@example.com;, "
                                             "C: c@example.com;, D: d@example.com;, "
                                             "E: e@example.com;, F: f@example.com;, "
                                             "G: g@example.com;, H: h@example.com;, "
                                             "I: i@example.com;, J: j@example.com;\n"),
                                0,
                                "Bcc",
                                NULL,
                                "the body"};
    g_string_append(c[n++].text, tail);
    c[n] = (struct groups_case){"colons_in_a_quoted_name",
                                g_string_new("From: \"Re: Fwd: Re: Fwd: Re: Fwd: Re: Fwd: Re: "
                                             "Fwd: Re: offer\" <a@example.com>\n"),
                                0,
                                "From",
                                NULL,
                                "the body"};
    g_string_append(c[n++].text, tail);
    c[n] = (struct groups_case){
        "groups_in_other_fields", g_string_new(NULL), 0, "X-Groups", NULL, "the body"};
    groups_field(c[n].text, "X-Groups", 20, " ", 0);
    groups_field(c[n].text, "Subject-From", 20, " ", 0);
    g_string_append(c[n++].text, tail);
    /* in a message inside a part: the parse stops before the field, what came first
     * is there */
    c[n] = (struct groups_case){"from_of_a_message_in_a_part",
                                g_string_new(mime_head),
                                MESSAGE_ADDRESS_GROUPS,
                                "MIME-Version",
                                NULL,
                                "hello"};
    g_string_append(c[n].text, "\n--b\nContent-Type: text/plain\n\nhello\n"
                               "--b\nContent-Type: message/rfc822\n\n");
    groups_field(c[n].text, "From", 30000, "", 70);
    g_string_append(c[n].text, "Subject: inner\n\npayload\n--b--\n");
    n++;

    for (size_t i = 0; i < n; i++) {
        check_groups_case(&c[i]);
        g_string_free(c[i].text, TRUE);
    }
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(header_limits_bound_what_gmime_is_given),
        cmocka_unit_test(address_groups_past_the_bound_are_withheld),
    };

    return message_fixture_main("message_header", NULL, 0, tests, G_N_ELEMENTS(tests));
}
