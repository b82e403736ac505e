/* test_message.c - unit tests for message.c: MIME walk, part numbering, file names,
 * transfer encodings, inline uuencode, malformed input, limits, temp-file leaves, fd input.
 * The table cases build each message from a C string literal; the generated cases
 * (deep nesting, many blocks, big leaves) build theirs at run time.  All addresses are
 * example.com.  Failures read "<case>: <what>: got X, want Y". */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "mv.h"
#include "message.h"

#define DEFAULT_PARTS 1000
#define DEFAULT_DEPTH 20
#define DEFAULT_MEM (1024 * 1024)

/* A part's bytes end before the line break that precedes its boundary (RFC 2046 5.1.1),
 * so "first" and not "first\n" inside a multipart. */
struct want_leaf {
    const char *path;
    const char *filename; /* NULL: want NULL */
    const char *type;
    const char *disposition;
    const char *encoding;
    unsigned depth;
    unsigned flags;
    const char *data;     /* decoded bytes (NUL-terminated), or NULL to check "contains" */
    size_t size;          /* when data holds NUL bytes; 0: strlen(data) */
    const char *contains; /* substring the data must hold, when data is NULL */
};

struct parse_case {
    const char *name;
    const char *text;
    unsigned max_parts; /* 0: DEFAULT_PARTS */
    unsigned max_depth; /* 0: DEFAULT_DEPTH */
    unsigned want_flags;
    const char *want_subject;
    size_t want_count;
    struct want_leaf leaves[6];
};

static char *tmpdir; /* made by group_setup, must be empty again at teardown */

static const struct parse_case cases[] = {
    {
        .name = "single_part_message_has_leaf_1_at_depth_0",
        .text = "From: a@example.com\n"
                "To: b@example.com\n"
                "Subject: hello\n"
                "\n"
                "body text\n",
        .want_subject = "hello",
        .want_count = 1,
        .leaves = {{"1", NULL, "text/plain", NULL, NULL, 0, 0, "body text\n"}},
    },
    {
        .name = "nested_multipart_numbers_parts_imap_style",
        .text = "From: a@example.com\n"
                "Subject: nested\n"
                "MIME-Version: 1.0\n"
                "Content-Type: multipart/mixed; boundary=\"outer\"\n"
                "\n"
                "preamble\n"
                "--outer\n"
                "Content-Type: text/plain\n"
                "\n"
                "first\n"
                "--outer\n"
                "Content-Type: multipart/alternative; boundary=\"inner\"\n"
                "\n"
                "--inner\n"
                "Content-Type: text/plain; charset=us-ascii\n"
                "\n"
                "plain\n"
                "--inner\n"
                "Content-Type: TEXT/HTML\n"
                "Content-Disposition: INLINE\n"
                "\n"
                "<p>html</p>\n"
                "--inner--\n"
                "--outer\n"
                "Content-Type: application/pdf; name=\"report.pdf\"\n"
                "Content-Disposition: attachment\n"
                "\n"
                "%PDF\n"
                "--outer--\n",
        .want_subject = "nested",
        .want_count = 5,
        /* the preamble is kept and scanned like a part: a sender may hide things there */
        .leaves = {{"preamble", NULL, "text/plain", NULL, NULL, 1, MV_LEAF_RESIDUE, "preamble"},
                   {"1", NULL, "text/plain", NULL, NULL, 1, 0, "first"},
                   {"2.1", NULL, "text/plain", NULL, NULL, 2, 0, "plain"},
                   {"2.2", NULL, "text/html", "inline", NULL, 2, 0, "<p>html</p>"},
                   {"3", "report.pdf", "application/pdf", "attachment", NULL, 1, 0, "%PDF"}},
    },
    {
        .name = "epilogues_with_text_are_leaves_blank_ones_are_not",
        .text = "From: a@example.com\n"
                "Subject: residue\n"
                "MIME-Version: 1.0\n"
                "Content-Type: multipart/mixed; boundary=\"o\"\n"
                "\n"
                "--o\n"
                "Content-Type: multipart/alternative; boundary=\"i\"\n"
                "\n"
                "  \n"
                "--i\n"
                "Content-Type: text/plain\n"
                "\n"
                "hello\n"
                "--i--\n"
                "\n"
                "--o--\n"
                "hidden after the end\n",
        .want_subject = "residue",
        .want_count = 2,
        .leaves = {{"1.1", NULL, "text/plain", NULL, NULL, 2, 0, "hello"},
                   {"epilogue", NULL, "text/plain", NULL, NULL, 1, MV_LEAF_RESIDUE,
                    "hidden after the end\n"}},
    },
    {
        .name = "preamble_does_not_take_a_part_from_max_parts",
        .text = "From: a@example.com\n"
                "Subject: two parts\n"
                "MIME-Version: 1.0\n"
                "Content-Type: multipart/mixed; boundary=\"o\"\n"
                "\n"
                "This is a multi-part message in MIME format.\n"
                "--o\n"
                "Content-Type: text/plain\n"
                "\n"
                "one\n"
                "--o\n"
                "Content-Type: text/plain\n"
                "\n"
                "two\n"
                "--o--\n",
        .max_parts = 2,
        .want_subject = "two parts",
        .want_count = 3,
        .leaves = {{"preamble", NULL, "text/plain", NULL, NULL, 1, MV_LEAF_RESIDUE,
                    "This is a multi-part message in MIME format."},
                   {"1", NULL, "text/plain", NULL, NULL, 1, 0, "one"},
                   {"2", NULL, "text/plain", NULL, NULL, 1, 0, "two"}},
    },
    {
        .name = "rfc822_inside_multipart_numbers_below_message_part",
        .text = "From: a@example.com\n"
                "Subject: forward\n"
                "MIME-Version: 1.0\n"
                "Content-Type: multipart/mixed; boundary=\"o\"\n"
                "\n"
                "--o\n"
                "Content-Type: text/plain\n"
                "\n"
                "see attached\n"
                "--o\n"
                "Content-Type: message/rfc822\n"
                "\n"
                "From: c@example.com\n"
                "Subject: inner multipart\n"
                "MIME-Version: 1.0\n"
                "Content-Type: multipart/mixed; boundary=\"i\"\n"
                "\n"
                "--i\n"
                "Content-Type: text/plain\n"
                "\n"
                "inner text\n"
                "--i\n"
                "Content-Type: application/zip; name=\"a.zip\"\n"
                "Content-Transfer-Encoding: base64\n"
                "\n"
                "UEsDBGZha2Ugemlw\n"
                "--i--\n"
                "--o\n"
                "Content-Type: message/rfc822\n"
                "\n"
                "From: d@example.com\n"
                "Subject: inner single\n"
                "\n"
                "single body\n"
                "--o--\n",
        .want_subject = "forward",
        .want_count = 4,
        .leaves = {{"1", NULL, "text/plain", NULL, NULL, 1, 0, "see attached"},
                   {"2.1", NULL, "text/plain", NULL, NULL, 3, 0, "inner text"},
                   {"2.2", "a.zip", "application/zip", NULL, "base64", 3, 0, "PK\003\004fake zip"},
                   {"3.1", NULL, "text/plain", NULL, NULL, 2, 0, "single body"}},
    },
    {
        .name = "top_level_rfc822_body_is_1_1",
        .text = "From: a@example.com\n"
                "Subject: wrapper\n"
                "Content-Type: message/rfc822\n"
                "\n"
                "From: b@example.com\n"
                "Subject: wrapped\n"
                "\n"
                "wrapped body\n",
        .want_subject = "wrapper",
        .want_count = 1,
        .leaves = {{"1.1", NULL, "text/plain", NULL, NULL, 1, 0, "wrapped body\n"}},
    },
    {
        .name = "rfc2231_continuation_filename_with_charset_is_decoded",
        .text = "Subject: 2231\n"
                "Content-Type: multipart/mixed; boundary=\"b\"\n"
                "\n"
                "--b\n"
                "Content-Type: application/pdf\n"
                "Content-Disposition: attachment;\n"
                " filename*0*=utf-8''%E2%82%AC%20Rechnung;\n"
                " filename*1=\"_2024\";\n"
                " filename*2*=%2Epdf\n"
                "\n"
                "x\n"
                "--b--\n",
        .want_subject = "2231",
        .want_count = 1,
        .leaves = {{"1", "\xe2\x82\xac Rechnung_2024.pdf", "application/pdf", "attachment", NULL, 1,
                    0, "x"}},
    },
    {
        .name = "rfc2231_filename_with_invalid_utf8_is_made_valid",
        .text = "Subject: bad\n"
                "Content-Type: application/octet-stream\n"
                "Content-Disposition: attachment; filename*=utf-8''a%FF%FEb.exe\n"
                "\n"
                "x\n",
        .want_subject = "bad",
        .want_count = 1,
        .leaves = {{"1", "a\357\277\275\357\277\275b.exe", "application/octet-stream", "attachment",
                    NULL, 0, 0, "x\n"}},
    },
    {
        .name = "rfc2047_filenames_in_quoted_strings_are_decoded",
        .text = "Subject: =?UTF-8?B?4oKsIGludm9pY2U=?=\n"
                "Content-Type: multipart/mixed; boundary=\"b\"\n"
                "\n"
                "--b\n"
                "Content-Type: application/pdf; name=\"=?UTF-8?B?4oKsIFJlY2hudW5nLnBkZg==?=\"\n"
                "\n"
                "a\n"
                "--b\n"
                "Content-Type: application/octet-stream\n"
                "Content-Disposition: attachment; filename=\"=?ISO-8859-1?Q?caf=E9.exe?=\"\n"
                "\n"
                "b\n"
                "--b--\n",
        .want_subject = "\xe2\x82\xac invoice",
        .want_count = 2,
        .leaves = {{"1", "\xe2\x82\xac Rechnung.pdf", "application/pdf", NULL, NULL, 1, 0, "a"},
                   {"2", "caf\xc3\xa9.exe", "application/octet-stream", "attachment", NULL, 1, 0,
                    "b"}},
    },
    {
        .name = "raw_8bit_subject_is_valid_utf8",
        .text = "Subject: Gr\374\337e\n"
                "\n"
                "x\n",
        .want_subject = "Gr\303\274\303\237e",
        .want_count = 1,
        .leaves = {{"1", NULL, "text/plain", NULL, NULL, 0, 0, "x\n"}},
    },
    {
        .name = "base64_and_quoted_printable_are_decoded",
        .text = "Subject: enc\n"
                "Content-Type: multipart/mixed; boundary=\"b\"\n"
                "\n"
                "--b\n"
                "Content-Type: text/plain; charset=utf-8\n"
                "Content-Transfer-Encoding: Quoted-Printable\n"
                "\n"
                "a=3Db caf=C3=A9 soft=\n"
                "break\n"
                "--b\n"
                "Content-Type: application/pdf; name=r.pdf\n"
                "Content-Transfer-Encoding: BASE64 (comment)\n"
                "\n"
                "JVBERi0x\n"
                "LjQgZmFrZQo=\n"
                "--b--\n",
        .want_subject = "enc",
        .want_count = 2,
        .leaves = {{"1", NULL, "text/plain", NULL, "quoted-printable", 1, 0,
                    "a=b caf\xc3\xa9 softbreak"},
                   {"2", "r.pdf", "application/pdf", NULL, "base64", 1, 0, "%PDF-1.4 fake\n"}},
    },
    {
        .name = "x_uuencode_transfer_encoding_is_decoded",
        .text = "Subject: uu cte\n"
                "Content-Type: application/octet-stream; name=\"hello.txt\"\n"
                "Content-Transfer-Encoding: x-uuencode\n"
                "\n"
                "begin 644 hello.txt\n"
                "):&5L;&\\@=74*\n"
                "`\n"
                "end\n",
        .want_subject = "uu cte",
        .want_count = 1,
        .leaves = {{"1", "hello.txt", "application/octet-stream", NULL, "x-uuencode", 0, 0,
                    "hello uu\n"}},
    },
    {
        .name = "inline_uuencode_in_text_body_becomes_leaves",
        .text = "Subject: uu inline\n"
                "\n"
                "Please find the invoice below.\n"
                "begin 644 invoice.exe\n"
                "-35J0 &9A:V4@97AE\"@  \n"
                "`\n"
                "end\n"
                "and another one\n"
                "begin 0600 notes.txt\n"
                ",<V5C;VYD(&)L;V-K\n"
                "`\n"
                "end\n"
                "bye\n",
        .want_subject = "uu inline",
        .want_count = 3,
        .leaves = {{"1", NULL, "text/plain", NULL, NULL, 0, 0, NULL, 0, "begin 644 invoice.exe"},
                   {"1u1", "invoice.exe", "application/octet-stream", NULL, "x-uuencode", 0,
                    MV_LEAF_UUENCODED, "MZ\220\000fake exe\n", 13},
                   {"1u2", "notes.txt", "application/octet-stream", NULL, "x-uuencode", 0,
                    MV_LEAF_UUENCODED, "second block"}},
    },
    {
        .name = "inline_uuencode_with_crlf_lines_is_decoded",
        .text = "Subject: uu crlf\r\n"
                "\r\n"
                "begin 644 notes.txt\r\n"
                ",<V5C;VYD(&)L;V-K\r\n"
                "`\r\n"
                "end\r\n",
        .want_subject = "uu crlf",
        .want_count = 2,
        .leaves = {{"1", NULL, "text/plain", NULL, NULL, 0, 0, NULL, 0, "begin 644"},
                   {"1u1", "notes.txt", "application/octet-stream", NULL, "x-uuencode", 0,
                    MV_LEAF_UUENCODED, "second block"}},
    },
    {
        .name = "inline_uuencode_without_end_is_truncated",
        .text = "Subject: uu cut\n"
                "\n"
                "begin 644 cut.bin\n"
                ",<V5C;VYD(&)L;V-K\n",
        .want_subject = "uu cut",
        .want_count = 2,
        .leaves = {{"1", NULL, "text/plain", NULL, NULL, 0, 0, NULL, 0, "begin 644 cut.bin"},
                   {"1u1", "cut.bin", "application/octet-stream", NULL, "x-uuencode", 0,
                    MV_LEAF_UUENCODED | MV_LEAF_TRUNCATED, "second block"}},
    },
    {
        .name = "begin_line_without_octal_mode_is_not_uuencode",
        .text = "Subject: prose\n"
                "\n"
                "begin the meeting at 10\n"
                "begin 64x file\n"
                "end\n",
        .want_subject = "prose",
        .want_count = 1,
        .leaves = {{"1", NULL, "text/plain", NULL, NULL, 0, 0, NULL, 0, "begin the meeting"}},
    },
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
    {
        .name = "depth_limit_skips_deeper_parts",
        .text = "Subject: deep\n"
                "Content-Type: multipart/mixed; boundary=\"a\"\n"
                "\n"
                "--a\n"
                "Content-Type: text/plain\n"
                "\n"
                "shallow\n"
                "--a\n"
                "Content-Type: multipart/mixed; boundary=\"b\"\n"
                "\n"
                "--b\n"
                "Content-Type: text/plain\n"
                "\n"
                "too deep\n"
                "--b--\n"
                "--a--\n",
        .max_depth = 1,
        .want_subject = "deep",
        .want_flags = MESSAGE_LIMIT_DEPTH,
        .want_count = 1,
        .leaves = {{"1", NULL, "text/plain", NULL, NULL, 1, 0, "shallow"}},
    },
    {
        .name = "parts_limit_stops_adding_leaves",
        .text = "Subject: many\n"
                "Content-Type: multipart/mixed; boundary=\"a\"\n"
                "\n"
                "--a\n"
                "\n"
                "one\n"
                "--a\n"
                "\n"
                "two\n"
                "--a\n"
                "\n"
                "three\n"
                "--a--\n",
        .max_parts = 2,
        .want_subject = "many",
        .want_flags = MESSAGE_LIMIT_PARTS,
        .want_count = 2,
        .leaves = {{"1", NULL, "text/plain", NULL, NULL, 1, 0, "one"},
                   {"2", NULL, "text/plain", NULL, NULL, 1, 0, "two"}},
    },
};

/* limits_make - limits for one case; 0 fields take the defaults */
static struct message_limits limits_make(unsigned parts, unsigned depth, size_t mem)
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
static char *sha256_hex(const void *p, size_t len)
{
    return g_compute_checksum_for_data(G_CHECKSUM_SHA256, p, len);
}

/* check_str - compare two optional strings */
static void check_str(const char *cname, const char *field, const char *got, const char *want)
{
    if (g_strcmp0(got, want) != 0)
        fail_msg("%s: %s: got \"%s\", want \"%s\"", cname, field, got ? got : "(null)",
                 want ? want : "(null)");
}

/* check_leaf - compare leaf I of M with W, its bytes and digest */
static void check_leaf(const char *cname, const struct message *m, size_t i,
                       const struct want_leaf *w)
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
static void run_case(void **state)
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
static struct message *parse_string(const char *cname, const char *text, size_t len,
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

/* nested_multiparts - LEVELS multiparts inside each other around one text part */
static GString *nested_multiparts(unsigned levels)
{
    GString *s = g_string_new("Subject: nest\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n"
                              "--b0\nContent-Type: text/plain\n\ntop\n");
    for (unsigned i = 1; i <= levels; i++)
        g_string_append_printf(s, "--b%u\nContent-Type: multipart/mixed; boundary=\"b%u\"\n\n",
                               i - 1, i);
    g_string_append_printf(s, "--b%u\nContent-Type: text/plain\n\nbottom\n", levels);
    for (unsigned i = levels + 1; i-- > 0;)
        g_string_append_printf(s, "--b%u--\n", i);
    return s;
}

/* depth_is_clamped_whatever_max_depth_says - thousands of levels, max_depth UINT_MAX */
static void depth_is_clamped_whatever_max_depth_says(void **state)
{
    const char *cname = "depth_is_clamped_whatever_max_depth_says";
    struct message_limits lim = limits_make(0, UINT_MAX, DEFAULT_MEM);
    GString *multi = nested_multiparts(3000);
    GString *rfc822 = g_string_new(NULL);
    GByteArray *bytes;
    struct message *m;

    (void)state;
    m = parse_string(cname, multi->str, multi->len, &lim, &bytes);
    if (message_leaf_count(m) != 1)
        fail_msg("%s: multipart leaves: got %zu, want 1", cname, message_leaf_count(m));
    check_str(cname, "multipart leaf 1", message_leaf_get(m, 0)->path, "1");
    /* 3000 levels are 6000 delimiter lines: more MIME structure than max_parts lets
     * GMime build (part_cut), so the parts limit may be flagged too */
    if ((message_flags(m) & ~MESSAGE_LIMIT_PARTS) != MESSAGE_LIMIT_DEPTH)
        fail_msg("%s: multipart flags: got %#x, want %#x", cname, message_flags(m),
                 MESSAGE_LIMIT_DEPTH);
    message_free(m);
    g_byte_array_unref(bytes);

    for (unsigned i = 0; i < 3000; i++)
        g_string_append(rfc822, "Subject: wrap\nContent-Type: message/rfc822\n\n");
    g_string_append(rfc822, "Subject: core\n\ncore\n");
    m = parse_string(cname, rfc822->str, rfc822->len, &lim, &bytes);
    if (message_leaf_count(m) != 0)
        fail_msg("%s: rfc822 leaves: got %zu, want 0", cname, message_leaf_count(m));
    if (message_flags(m) != MESSAGE_LIMIT_DEPTH)
        fail_msg("%s: rfc822 flags: got %#x, want %#x", cname, message_flags(m),
                 MESSAGE_LIMIT_DEPTH);
    message_free(m);
    g_byte_array_unref(bytes);
    g_string_free(multi, TRUE);
    g_string_free(rfc822, TRUE);
}

/* uuencode_blocks_are_capped_per_leaf - one block past the cap sets MESSAGE_LIMIT_PARTS */
static void uuencode_blocks_are_capped_per_leaf(void **state)
{
    const char *cname = "uuencode_blocks_are_capped_per_leaf";
    struct message_limits lim = limits_make(0, 0, DEFAULT_MEM);
    GString *s = g_string_new("Subject: blocks\n\n");
    const unsigned cap = 64; /* LIMIT_MAX_UUENCODED_DEFAULT */
    GByteArray *bytes;
    struct message *m;
    const struct mv_leaf *last;

    (void)state;
    for (unsigned i = 1; i <= cap + 1; i++)
        g_string_append_printf(s, "begin 644 f%u.bin\n,<V5C;VYD(&)L;V-K\n`\nend\n", i);
    m = parse_string(cname, s->str, s->len, &lim, &bytes);
    if (message_leaf_count(m) != cap + 1)
        fail_msg("%s: leaves: got %zu, want %u", cname, message_leaf_count(m), cap + 1);
    last = message_leaf_get(m, cap);
    check_str(cname, "last path", last->path, "1u64");
    check_str(cname, "last filename", last->filename, "f64.bin");
    if (message_flags(m) != MESSAGE_LIMIT_PARTS)
        fail_msg("%s: flags: got %#x, want %#x", cname, message_flags(m), MESSAGE_LIMIT_PARTS);
    message_free(m);
    g_byte_array_unref(bytes);
    g_string_free(s, TRUE);
}

/* many_parts - a multipart of N one-line text parts, each after a "-- " signature
 * line (a space after the dashes: no delimiter) when SIGNATURES */
static GString *many_parts(unsigned n, bool signatures)
{
    GString *s = g_string_new("Subject: many\nContent-Type: multipart/mixed; boundary=B\n\n");

    for (unsigned i = 0; i < n; i++)
        g_string_append_printf(s, "--B\nContent-Type: text/plain\n\npart %u\n%s", i,
                               signatures ? "-- \nSender\n" : "");
    g_string_append(s, "--B--\n");
    return s;
}

static int write_tmp(const char *text, size_t len);

/* huge_part_counts_are_cut_before_parsing - 20,000 parts with max_parts 100: only
 * the beginning is given to GMime (memory stays small whatever the count), the
 * first 100 leaves are there and the limit is flagged; "-- " signature lines are
 * no delimiters and never cut a message that is within the limit */
static void huge_part_counts_are_cut_before_parsing(void **state)
{
    const char *cname = "huge_part_counts_are_cut_before_parsing";
    struct message_limits lim = limits_make(100, 0, DEFAULT_MEM);
    GString *s = many_parts(20000, false);
    GByteArray *bytes;
    struct message *m;

    (void)state;
    m = parse_string(cname, s->str, s->len, &lim, &bytes);
    if (message_leaf_count(m) != 100)
        fail_msg("%s: leaves: got %zu, want 100", cname, message_leaf_count(m));
    if (!(message_flags(m) & MESSAGE_LIMIT_PARTS))
        fail_msg("%s: MESSAGE_LIMIT_PARTS not set", cname);
    check_str(cname, "leaf 100", message_leaf_get(m, 99)->path, "100");
    message_free(m);
    g_byte_array_unref(bytes);

    /* the same from a spool file (mapped, not read a buffer at a time) */
    {
        struct mv_err err = {0};
        int fd = write_tmp(s->str, s->len);

        m = message_parse_fd(fd, &lim, &err);
        close(fd);
        if (m == NULL || message_leaf_count(m) != 100 || !(message_flags(m) & MESSAGE_LIMIT_PARTS))
            fail_msg("%s: from a file: got %zu leaves, flags %#x; want 100 and the limit", cname,
                     message_leaf_count(m), message_flags(m));
        message_free(m);
    }
    g_string_free(s, TRUE);

    s = many_parts(90, true); /* 90 parts and 90 signature lines: within the limit */
    m = parse_string(cname, s->str, s->len, &lim, &bytes);
    if (message_leaf_count(m) != 90 || message_flags(m) != 0)
        fail_msg("%s: signatures: got %zu leaves, flags %#x; want 90, 0", cname,
                 message_leaf_count(m), message_flags(m));
    message_free(m);
    g_byte_array_unref(bytes);
    g_string_free(s, TRUE);
}

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

/* tmpdir_has_mapping - does /proc/self/maps show a file of our tmpdir? */
static bool tmpdir_has_mapping(void)
{
    char *maps = NULL;
    bool found;

    if (!g_file_get_contents("/proc/self/maps", &maps, NULL, NULL))
        return false;
    found = strstr(maps, tmpdir) != NULL;
    g_free(maps);
    return found;
}

/* big_message - LEN pseudo-random bytes (PAYLOAD) and a message carrying them in base64 */
static GString *big_message(size_t len, guint8 **payload)
{
    GString *s = g_string_new("Subject: big\nContent-Type: multipart/mixed; boundary=\"b\"\n\n"
                              "--b\nContent-Type: text/plain\n\nsmall\n"
                              "--b\nContent-Type: application/octet-stream; name=\"big.bin\"\n"
                              "Content-Transfer-Encoding: base64\n\n");
    guint32 x = 2463534242u;
    char *b64;

    *payload = g_malloc(len);
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        (*payload)[i] = (guint8)x;
    }
    b64 = g_base64_encode(*payload, len);
    for (size_t i = 0, n = strlen(b64); i < n; i += 76) {
        g_string_append_len(s, b64 + i, (gssize)MIN((size_t)76, n - i));
        g_string_append_c(s, '\n');
    }
    g_string_append(s, "--b--\n");
    g_free(b64);
    return s;
}

/* check_big - leaf "2" holds PAYLOAD; leaf "1" is the small text */
static void check_big(const char *cname, const struct message *m, const guint8 *payload, size_t len)
{
    const struct mv_leaf *lf;
    char *digest = sha256_hex(payload, len);

    if (message_leaf_count(m) != 2)
        fail_msg("%s: leaves: got %zu, want 2", cname, message_leaf_count(m));
    lf = message_leaf_get(m, 1);
    check_str(cname, "big path", lf->path, "2");
    if (lf->size != len || memcmp(lf->data, payload, len) != 0)
        fail_msg("%s: big data: got %zu bytes, want the %zu payload bytes", cname, lf->size, len);
    check_str(cname, "big sha256", lf->sha256, digest);
    if (lf->flags != 0)
        fail_msg("%s: big flags: got %#x, want 0", cname, lf->flags);
    g_free(digest);
}

/* base64_of_any_shape_is_decoded - base64 in lines of every length from 1 to 97 (a
 * quantum split across lines), CR LF, blanks and bytes outside the alphabet between
 * and inside the quanta, padding followed by more text: the payload comes out whole,
 * whichever of the quartet path and GMime's decoder took each piece */
static void base64_of_any_shape_is_decoded(void **state)
{
    const char *cname = "base64_of_any_shape_is_decoded";
    static const char *const junk[] = {"", "\r", " ", "\t", "!", "-", "_", "\001", "\377", "~"};
    struct message_limits lim = limits_make(0, 0, 0);
    GString *s = g_string_new("Subject: shapes\nContent-Type: application/octet-stream\n"
                              "Content-Transfer-Encoding: base64\n\n");
    const size_t len = 10001; /* two bytes short of a whole quartet: "==" */
    guint8 *payload = g_malloc(len);
    guint32 x = 2463534242u;
    GByteArray *bytes;
    struct message *m;
    const struct mv_leaf *lf;
    size_t i = 0, n, line = 1, k = 0;
    char *b64;

    (void)state;
    for (size_t j = 0; j < len; j++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        payload[j] = (guint8)x;
    }
    b64 = g_base64_encode(payload, len);
    n = strlen(b64);
    while (i < n) {
        size_t take = MIN(line, n - i);

        /* junk at the start of some lines and in the middle of others */
        g_string_append(s, junk[k++ % G_N_ELEMENTS(junk)]);
        g_string_append_len(s, b64 + i, (gssize)(take / 2));
        g_string_append(s, junk[k++ % G_N_ELEMENTS(junk)]);
        g_string_append_len(s, b64 + i + take / 2, (gssize)(take - take / 2));
        g_string_append(s, k % 3 == 0 ? "\r\n" : "\n");
        i += take;
        line = line % 97 + 1;
    }
    g_string_append(s, "QUJD\nthe end of the list\n"); /* after the padding: not decoded */
    m = parse_string(cname, s->str, s->len, &lim, &bytes);
    if (message_leaf_count(m) != 1)
        fail_msg("%s: leaves: got %zu, want 1", cname, message_leaf_count(m));
    lf = message_leaf_get(m, 0);
    if (lf->size != len || memcmp(lf->data, payload, len) != 0)
        fail_msg("%s: data: got %zu bytes, want the %zu payload bytes", cname, lf->size, len);
    if (lf->flags != 0)
        fail_msg("%s: flags: got %#x, want 0", cname, lf->flags);
    message_free(m);
    g_byte_array_unref(bytes);
    g_string_free(s, TRUE);
    g_free(b64);
    g_free(payload);
}

/* leaf_above_mem_max_goes_through_temp_file - spilled, mapped, unlinked, right digest */
static void leaf_above_mem_max_goes_through_temp_file(void **state)
{
    const char *cname = "leaf_above_mem_max_goes_through_temp_file";
    const size_t len = 300000;
    struct message_limits lim = limits_make(0, 0, 4096);
    guint8 *payload;
    GString *s = big_message(len, &payload);
    GByteArray *bytes;
    struct message *m;
    GDir *dir;

    (void)state;
    m = parse_string(cname, s->str, s->len, &lim, &bytes);
    check_big(cname, m, payload, len);
    if (!tmpdir_has_mapping())
        fail_msg("%s: /proc/self/maps: got no file of %s, want the leaf's temp file", cname,
                 tmpdir);
    /* unlinked at once: nothing is left to clean up after a crash */
    dir = g_dir_open(tmpdir, 0, NULL);
    assert_non_null(dir);
    if (g_dir_read_name(dir) != NULL)
        fail_msg("%s: %s: got a file, want it empty (temp files unlinked)", cname, tmpdir);
    g_dir_close(dir);
    message_free(m);
    g_byte_array_unref(bytes);
    if (tmpdir_has_mapping())
        fail_msg("%s: after free: got a mapping of %s, want none", cname, tmpdir);

    /* at exactly leaf_mem_max the leaf stays in memory */
    lim.leaf_mem_max = len;
    m = parse_string(cname, s->str, s->len, &lim, &bytes);
    check_big(cname, m, payload, len);
    if (tmpdir_has_mapping())
        fail_msg("%s: leaf of leaf_mem_max bytes: got a temp file, want memory", cname);
    message_free(m);
    g_byte_array_unref(bytes);
    g_free(payload);
    g_string_free(s, TRUE);
}

/* leaf_mem_max_zero_spills_every_nonempty_leaf - and keeps empty ones in memory */
static void leaf_mem_max_zero_spills_every_nonempty_leaf(void **state)
{
    const char *cname = "leaf_mem_max_zero_spills_every_nonempty_leaf";
    const char *text = "Subject: z\nContent-Type: multipart/mixed; boundary=\"b\"\n\n"
                       "--b\n\nabc\n--b\n\n\n--b--\n";
    struct message_limits lim = limits_make(0, 0, 0);
    GByteArray *bytes;
    struct message *m;

    (void)state;
    m = parse_string(cname, text, strlen(text), &lim, &bytes);
    if (message_leaf_count(m) != 2)
        fail_msg("%s: leaves: got %zu, want 2", cname, message_leaf_count(m));
    if (message_leaf_get(m, 0)->size != 3 || memcmp(message_leaf_get(m, 0)->data, "abc", 3))
        fail_msg("%s: leaf 1: got %zu bytes, want \"abc\"", cname, message_leaf_get(m, 0)->size);
    if (message_leaf_get(m, 1)->size != 0 || message_leaf_get(m, 1)->data == NULL)
        fail_msg("%s: leaf 2: got %zu bytes, want 0 and a pointer", cname,
                 message_leaf_get(m, 1)->size);
    if (!tmpdir_has_mapping())
        fail_msg("%s: got no temp file mapping, want one", cname);
    message_free(m);
    g_byte_array_unref(bytes);
}

/* write_tmp - a file in tmpdir holding TEXT, unlinked, offset left at its end */
static int write_tmp(const char *text, size_t len)
{
    char *path = g_build_filename(tmpdir, "msg-XXXXXX", NULL);
    int fd = g_mkstemp(path);

    assert_true(fd >= 0);
    unlink(path);
    g_free(path);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    return fd;
}

/* parse_fd_reads_whole_file_and_spills_big_leaf - offset ignored, persisted stream */
static void parse_fd_reads_whole_file_and_spills_big_leaf(void **state)
{
    const char *cname = "parse_fd_reads_whole_file_and_spills_big_leaf";
    const size_t len = 200000;
    struct message_limits lim = limits_make(0, 0, 8192);
    guint8 *payload;
    GString *s = big_message(len, &payload);
    struct mv_err err = {0};
    struct message *m;
    int fd = write_tmp(s->str, s->len);

    (void)state;
    m = message_parse_fd(fd, &lim, &err);
    if (m == NULL)
        fail_msg("%s: parse: got NULL (%s), want a message", cname, err.msg);
    /* the caller may close its fd at once; the leaves stay readable */
    close(fd);
    check_str(cname, "subject", message_subject_get(m), "big");
    check_str(cname, "leaf 1 path", message_leaf_get(m, 0)->path, "1");
    check_big(cname, m, payload, len);
    message_free(m);
    g_free(payload);
    g_string_free(s, TRUE);
}

/* parse_fd_empty_file - an empty spool file (it cannot be mapped) is an empty message */
static void parse_fd_empty_file(void **state)
{
    struct message_limits lim = limits_make(0, 0, DEFAULT_MEM);
    struct mv_err err = {0};
    struct message *m;
    int fd = write_tmp("", 0);

    (void)state;
    m = message_parse_fd(fd, &lim, &err);
    close(fd);
    if (m == NULL)
        fail_msg("parse_fd empty: got NULL (%s), want a message", err.msg);
    if (message_leaf_count(m) != 0)
        fail_msg("parse_fd empty: leaves: got %zu, want 0", message_leaf_count(m));
    message_free(m);
}

/* parse_fd_small_message_matches_parse_bytes - same leaves through either door */
static void parse_fd_small_message_matches_parse_bytes(void **state)
{
    const struct parse_case *c = &cases[4]; /* rfc822 inside multipart */
    struct message_limits lim = limits_make(0, 0, DEFAULT_MEM);
    struct mv_err err = {0};
    struct message *m;
    int fd = write_tmp(c->text, strlen(c->text));

    (void)state;
    m = message_parse_fd(fd, &lim, &err);
    if (m == NULL)
        fail_msg("parse_fd: got NULL (%s), want a message", err.msg);
    if (message_leaf_count(m) != c->want_count)
        fail_msg("parse_fd: leaves: got %zu, want %zu", message_leaf_count(m), c->want_count);
    for (size_t i = 0; i < c->want_count; i++)
        check_leaf("parse_fd", m, i, &c->leaves[i]);
    message_free(m);
    close(fd);
}

/* io_errors_return_null_with_eio - pipe, directory, temp dir that does not exist */
static void io_errors_return_null_with_eio(void **state)
{
    const char *cname = "io_errors_return_null_with_eio";
    struct message_limits lim = limits_make(0, 0, DEFAULT_MEM);
    struct mv_err err = {0};
    struct message *m;
    guint8 *payload;
    GString *s;
    GByteArray *bytes;
    int p[2], dfd;

    (void)state;
    assert_int_equal(pipe(p), 0);
    m = message_parse_fd(p[0], &lim, &err);
    if (m != NULL || err.status != MV_EIO)
        fail_msg("%s: pipe: got %p status %s, want NULL io-error", cname, (void *)m,
                 mv_status_name(err.status));
    close(p[0]);
    close(p[1]);

    memset(&err, 0, sizeof(err));
    dfd = open(tmpdir, O_RDONLY | O_DIRECTORY);
    assert_true(dfd >= 0);
    m = message_parse_fd(dfd, &lim, &err);
    if (m != NULL || err.status != MV_EIO)
        fail_msg("%s: directory: got %p status %s, want NULL io-error", cname, (void *)m,
                 mv_status_name(err.status));
    close(dfd);

    memset(&err, 0, sizeof(err));
    s = big_message(10000, &payload);
    bytes = g_byte_array_new();
    g_byte_array_append(bytes, (const guint8 *)s->str, (guint)s->len);
    lim.leaf_mem_max = 100;
    lim.tmpdir = "/nonexistent.invalid/mailvet";
    m = message_parse_bytes(bytes, &lim, &err);
    if (m != NULL || err.status != MV_EIO)
        fail_msg("%s: missing tmpdir: got %p status %s, want NULL io-error", cname, (void *)m,
                 mv_status_name(err.status));
    if (strstr(err.msg, "/nonexistent.invalid/mailvet") == NULL)
        fail_msg("%s: message: got \"%s\", want it to name the temp dir", cname, err.msg);
    g_byte_array_unref(bytes);
    g_string_free(s, TRUE);
    g_free(payload);
}

/* free_and_getters_accept_null - the destructor and getters tolerate NULL */
static void free_and_getters_accept_null(void **state)
{
    (void)state;
    assert_null(message_free(NULL));
    assert_int_equal(message_leaf_count(NULL), 0);
    assert_null(message_leaf_get(NULL, 0));
    assert_int_equal(message_flags(NULL), 0);
    assert_null(message_subject_get(NULL));
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

int main(void)
{
    static const struct CMUnitTest extra[] = {
        cmocka_unit_test(base64_of_any_shape_is_decoded),
        cmocka_unit_test(depth_is_clamped_whatever_max_depth_says),
        cmocka_unit_test(uuencode_blocks_are_capped_per_leaf),
        cmocka_unit_test(huge_part_counts_are_cut_before_parsing),
        cmocka_unit_test(delimiter_lines_with_control_bytes_are_flagged),
        cmocka_unit_test(header_limits_bound_what_gmime_is_given),
        cmocka_unit_test(address_groups_past_the_bound_are_withheld),
        cmocka_unit_test(leaf_above_mem_max_goes_through_temp_file),
        cmocka_unit_test(leaf_mem_max_zero_spills_every_nonempty_leaf),
        cmocka_unit_test(parse_fd_reads_whole_file_and_spills_big_leaf),
        cmocka_unit_test(parse_fd_small_message_matches_parse_bytes),
        cmocka_unit_test(parse_fd_empty_file),
        cmocka_unit_test(io_errors_return_null_with_eio),
        cmocka_unit_test(free_and_getters_accept_null),
    };
    struct CMUnitTest tests[G_N_ELEMENTS(cases) + G_N_ELEMENTS(extra)];
    size_t n = 0;

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        tests[n++] = (struct CMUnitTest){
            .name = cases[i].name,
            .test_func = run_case,
            .initial_state = (void *)&cases[i],
        };
    }
    for (size_t i = 0; i < G_N_ELEMENTS(extra); i++)
        tests[n++] = extra[i];
    return cmocka_run_group_tests_name("message", tests, group_setup, group_teardown);
}
