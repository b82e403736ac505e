/* test_message_malformed.c - unit tests for malformed MIME (message.c and
 * message_malformed.c): a boundary that never closes or never appears, a multipart
 * without a boundary or with an empty one, truncated encodings, a header without a
 * body, garbage, message/partial, conflicting Content-Type, boundary and transfer
 * encoding, and delimiter lines with control bytes (message_prescan.c).  Malformed
 * MIME never fails the parse; what readers take in different ways is flagged and the
 * message kept whole as leaf "raw".  Cases built from C string literals; all addresses
 * are example.com.  Failures read "<case>: <what>: got X, want Y". */
#include <string.h>

#include "message_fixture.h"
#include "message.h"
#include "mv.h"

static const struct parse_case cases[] = {
    {
        .name = "malformed_no_closing_boundary_keeps_parts",
        .text = "Subject: open\n"
                "Content-Type: multipart/mixed; boundary=\"b\"\n"
                "\n"
                "--b\n"
                "Content-Type: text/plain\n"
                "\n"
                "one\n"
                "--b\n"
                "Content-Type: application/octet-stream; name=\"x.bin\"\n"
                "Content-Transfer-Encoding: base64\n"
                "\n"
                "UEsDBGZha2Ugemlw\n",
        .want_subject = "open",
        .want_count = 2,
        .leaves = {{"1", NULL, "text/plain", NULL, NULL, 1, 0, "one"},
                   {"2", "x.bin", "application/octet-stream", NULL, "base64", 1, 0,
                    "PK\003\004fake zip"}},
    },
    {
        .name = "malformed_truncated_base64_is_flagged",
        .text = "Subject: cut\n"
                "Content-Type: application/octet-stream; name=\"cut.bin\"\n"
                "Content-Transfer-Encoding: base64\n"
                "\n"
                "QUJDRA\n",
        .want_subject = "cut",
        .want_count = 1,
        .leaves = {{"1", "cut.bin", "application/octet-stream", NULL, "base64", 0,
                    MV_LEAF_TRUNCATED, "ABC"}},
    },
    {
        .name = "malformed_x_uuencode_without_end_is_flagged",
        .text = "Subject: uu cut\n"
                "Content-Type: application/octet-stream\n"
                "Content-Transfer-Encoding: x-uuencode\n"
                "\n"
                "begin 644 hello.txt\n"
                "):&5L;&\\@=74*\n",
        .want_subject = "uu cut",
        .want_count = 1,
        .leaves = {{"1", NULL, "application/octet-stream", NULL, "x-uuencode", 0, MV_LEAF_TRUNCATED,
                    "hello uu\n"}},
    },
    {
        .name = "malformed_header_without_body_gives_one_empty_leaf",
        .text = "From: a@example.com\n"
                "Subject: no body",
        .want_subject = "no body",
        .want_count = 1,
        .leaves = {{"1", NULL, "text/plain", NULL, NULL, 0, 0, ""}},
    },
    {
        .name = "malformed_part_headers_ended_by_boundary_give_empty_leaf",
        .text = "Subject: headers only\n"
                "Content-Type: multipart/mixed; boundary=\"b\"\n"
                "\n"
                "--b\n"
                "Content-Type: application/pdf; name=\"empty.pdf\"\n"
                "--b\n"
                "Content-Type: text/plain\n"
                "\n"
                "after\n"
                "--b--\n",
        .want_subject = "headers only",
        .want_count = 2,
        .leaves = {{"1", "empty.pdf", "application/pdf", NULL, NULL, 1, 0, ""},
                   {"2", NULL, "text/plain", NULL, NULL, 1, 0, "after"}},
    },
    {
        .name = "malformed_empty_message_gives_zero_leaves",
        .text = "",
        .want_subject = NULL,
        .want_count = 0,
    },
    {
        .name = "malformed_garbage_is_kept_as_raw_leaf",
        .text = "this is not a header line\n"
                "nor this\n",
        .want_flags = MESSAGE_MALFORMED,
        .want_count = 1,
        .leaves = {{"1", NULL, "application/octet-stream", NULL, NULL, 0, 0,
                    "this is not a header line\nnor this\n"}},
    },
    {
        /* no boundary parameter: the first delimiter-like line gives one, so the parts
         * a client would guess are scanned; the raw message is scanned whole too */
        .name = "multipart_without_boundary_is_flagged_and_split_on_its_first_delimiter",
        .text = "Subject: noboundary\n"
                "Content-Type: multipart/mixed\n"
                "\n"
                "--b\n"
                "Content-Type: text/plain\n"
                "\n"
                "hidden text\n"
                "--b\n"
                "Content-Type: application/octet-stream; name=\"x.bin\"\n"
                "\n"
                "binary\n"
                "--b--\n",
        .want_subject = "noboundary",
        .want_flags = MESSAGE_NO_BOUNDARY,
        .want_count = 3,
        .leaves = {{"1", NULL, "text/plain", NULL, NULL, 1, 0, "hidden text"},
                   {"2", "x.bin", "application/octet-stream", NULL, NULL, 1, 0, "binary"},
                   {"raw", NULL, "message/rfc822", NULL, NULL, 0, MV_LEAF_RESIDUE, NULL, 0,
                    "Content-Type: multipart/mixed\n\n--b\n"}},
    },
    {
        .name = "multipart_with_an_empty_boundary_counts_as_without",
        .text = "Subject: empty boundary\n"
                "Content-Type: multipart/mixed; boundary=\"\"\n"
                "\n"
                "--b\n"
                "Content-Type: text/plain\n"
                "\n"
                "hidden text\n"
                "--b--\n",
        .want_subject = "empty boundary",
        .want_flags = MESSAGE_NO_BOUNDARY,
        .want_count = 2,
        .leaves = {{"1", NULL, "text/plain", NULL, NULL, 1, 0, "hidden text"},
                   {"raw", NULL, "message/rfc822", NULL, NULL, 0, MV_LEAF_RESIDUE, NULL, 0,
                    "hidden text"}},
    },
    {
        .name = "multipart_whose_boundary_never_appears_keeps_its_text",
        .text = "Subject: noparts\n"
                "Content-Type: multipart/mixed; boundary=\"b\"\n"
                "\n"
                "--c\n"
                "Content-Type: text/plain\n"
                "\n"
                "hidden text\n"
                "--c--\n",
        .want_subject = "noparts",
        .want_flags = MESSAGE_NO_PARTS,
        .want_count = 2,
        .leaves = {{"1", NULL, "text/plain", NULL, NULL, 1, 0, NULL, 0, "hidden text"},
                   {"raw", NULL, "message/rfc822", NULL, NULL, 0, MV_LEAF_RESIDUE, NULL, 0,
                    "--c\nContent-Type: text/plain"}},
    },
    {
        /* RFC 2046 5.2.2: a fragment is only whole once reassembled; it is still scanned */
        .name = "message_partial_is_flagged_and_its_fragment_scanned",
        .text = "Subject: part 1 of 2\n"
                "MIME-Version: 1.0\n"
                "Content-Type: message/partial; id=\"p1@example.com\"; number=1; total=2\n"
                "\n"
                "From: a@example.com\n"
                "Subject: inner\n"
                "\n"
                "first half\n",
        .want_subject = "part 1 of 2",
        .want_flags = MESSAGE_PARTIAL,
        .want_count = 1,
        .leaves = {{"1", NULL, "message/partial", NULL, NULL, 0, 0, NULL, 0, "first half"}},
    },
    {
        .name = "message_partial_inside_a_multipart_is_flagged",
        .text = "Subject: wrapped fragment\n"
                "Content-Type: multipart/mixed; boundary=\"b\"\n"
                "\n"
                "--b\n"
                "Content-Type: Message/Partial; id=\"p2@example.com\"; number=2; total=2\n"
                "\n"
                "second half\n"
                "--b--\n",
        .want_subject = "wrapped fragment",
        .want_flags = MESSAGE_PARTIAL,
        .want_count = 1,
        .leaves = {{"1", NULL, "message/partial", NULL, NULL, 1, 0, "second half"}},
    },
    {
        /* GMime takes the last Content-Type, another reader the first */
        .name = "two_different_content_types_are_a_conflict",
        .text = "Subject: two types\n"
                "Content-Type: multipart/mixed; boundary=\"b\"\n"
                "Content-Type: text/plain\n"
                "\n"
                "--b\n"
                "Content-Type: text/plain\n"
                "\n"
                "inside\n"
                "--b--\n",
        .want_subject = "two types",
        .want_flags = MESSAGE_CONFLICT,
        .want_count = 2,
        .leaves = {{"1", NULL, "text/plain", NULL, NULL, 0, 0, NULL, 0, "--b\n"},
                   {"raw", NULL, "message/rfc822", NULL, NULL, 0, MV_LEAF_RESIDUE, NULL, 0,
                    "inside"}},
    },
    {
        .name = "two_different_boundary_parameters_are_a_conflict",
        .text = "Subject: two boundaries\n"
                "Content-Type: multipart/mixed; boundary=\"a\"; boundary=\"b\"\n"
                "\n"
                "--a\n"
                "Content-Type: text/plain\n"
                "\n"
                "inside a\n"
                "--a--\n",
        .want_subject = "two boundaries",
        .want_flags = MESSAGE_CONFLICT,
        .want_count = 2,
        .leaves = {{"1", NULL, "text/plain", NULL, NULL, 1, 0, "inside a"},
                   {"raw", NULL, "message/rfc822", NULL, NULL, 0, MV_LEAF_RESIDUE, NULL, 0,
                    "inside a"}},
    },
    {
        /* the leaf names the first encoding, GMime decodes by the last: the base64 is
         * left as it is, where a reader taking the first would decode it */
        .name = "two_different_transfer_encodings_are_a_conflict",
        .text = "Subject: two encodings\n"
                "Content-Type: multipart/mixed; boundary=\"b\"\n"
                "\n"
                "--b\n"
                "Content-Type: application/octet-stream\n"
                "Content-Transfer-Encoding: base64\n"
                "Content-Transfer-Encoding: 7bit\n"
                "\n"
                "aGVsbG8K\n"
                "--b--\n",
        .want_subject = "two encodings",
        .want_flags = MESSAGE_CONFLICT,
        .want_count = 2,
        .leaves = {{"1", NULL, "application/octet-stream", NULL, "base64", 1, 0, "aGVsbG8K"},
                   {"raw", NULL, "message/rfc822", NULL, NULL, 0, MV_LEAF_RESIDUE, NULL, 0,
                    "aGVsbG8K"}},
    },
    {
        .name = "the_same_content_type_twice_is_no_conflict",
        .text = "Subject: twice\n"
                "Content-Type: text/plain; charset=us-ascii\n"
                "Content-Type:  text/plain;  charset=us-ascii \n"
                "\n"
                "body\n",
        .want_subject = "twice",
        .want_count = 1,
        .leaves = {{"1", NULL, "text/plain", NULL, NULL, 0, 0, "body\n"}},
    },
};

/* delimiter_lines_with_control_bytes_are_flagged - a line that starts like a delimiter
 * and holds a NUL, another control byte or a CR that ends no line is read as a
 * delimiter by some parsers (C strings stop at the NUL) and not by GMime: the message
 * is flagged and kept whole as leaf "raw", bytes after the NUL included.  Trailing
 * white space (a tab, CR LF) is no such thing. */
static void delimiter_lines_with_control_bytes_are_flagged(void **state)
{
    static const struct {
        const char *tail; /* what follows "--b" on the delimiter line before the part */
        size_t len;
        unsigned want;
    } rows[] = {
        {"\0", 1, MESSAGE_BAD_DELIMITER},
        {"\0junk", 5, MESSAGE_BAD_DELIMITER},
        {"\033", 1, MESSAGE_BAD_DELIMITER},
        {"\rX", 2, MESSAGE_BAD_DELIMITER},
        {"\x7f", 1, MESSAGE_BAD_DELIMITER},
        {"\t", 1, 0},
        {"\r", 1, 0},
        {"", 0, 0},
    };
    const char *cname = "delimiter_lines_with_control_bytes_are_flagged";
    struct message_limits lim = limits_make(0, 0, DEFAULT_MEM);

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        GString *s = g_string_new("Subject: delimiters\nContent-Type: multipart/mixed; "
                                  "boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nfirst\n--b");
        const struct mv_leaf *last;
        GByteArray *bytes;
        struct message *m;

        g_string_append_len(s, rows[i].tail, (gssize)rows[i].len);
        g_string_append(s, "\nContent-Type: text/plain\n\nafter the delimiter\n--b--\n");
        m = parse_string(cname, s->str, s->len, &lim, &bytes);
        if (message_flags(m) != rows[i].want)
            fail_msg("%s: row %zu: flags: got %#x, want %#x", cname, i, message_flags(m),
                     rows[i].want);
        last = message_leaf_get(m, message_leaf_count(m) - 1);
        if (rows[i].want != 0) {
            check_str(cname, "last leaf path", last->path, "raw");
            if (last->size != s->len || memcmp(last->data, s->str, s->len) != 0)
                fail_msg("%s: row %zu: raw leaf: got %zu bytes, want the %zu of the message", cname,
                         i, last->size, s->len);
        } else {
            check_str(cname, "last leaf path", last->path, "2");
        }
        message_free(m);
        g_byte_array_unref(bytes);
        g_string_free(s, TRUE);
    }
}

int main(void)
{
    static const struct CMUnitTest extra[] = {
        cmocka_unit_test(delimiter_lines_with_control_bytes_are_flagged),
    };

    return message_fixture_main("message_malformed", cases, G_N_ELEMENTS(cases), extra,
                                G_N_ELEMENTS(extra));
}
