/* test_message.c - unit tests for message.c and message_decode.c: MIME walk, part
 * numbering, file names, transfer encodings, inline uuencode, limits, temp-file leaves,
 * fd input (malformed MIME: test_message_malformed.c; header bounds:
 * test_message_header.c; the table's runner: message_fixture.c).
 * The table cases build each message from a C string literal; the generated cases
 * (deep nesting, many blocks, big leaves) build theirs at run time.  All addresses are
 * example.com.  Failures read "<case>: <what>: got X, want Y". */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "message_fixture.h"
#include "mv.h"
#include "message.h"

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

int main(void)
{
    static const struct CMUnitTest extra[] = {
        cmocka_unit_test(base64_of_any_shape_is_decoded),
        cmocka_unit_test(depth_is_clamped_whatever_max_depth_says),
        cmocka_unit_test(uuencode_blocks_are_capped_per_leaf),
        cmocka_unit_test(huge_part_counts_are_cut_before_parsing),
        cmocka_unit_test(leaf_above_mem_max_goes_through_temp_file),
        cmocka_unit_test(leaf_mem_max_zero_spills_every_nonempty_leaf),
        cmocka_unit_test(parse_fd_reads_whole_file_and_spills_big_leaf),
        cmocka_unit_test(parse_fd_small_message_matches_parse_bytes),
        cmocka_unit_test(parse_fd_empty_file),
        cmocka_unit_test(io_errors_return_null_with_eio),
        cmocka_unit_test(free_and_getters_accept_null),
    };

    return message_fixture_main("message", cases, G_N_ELEMENTS(cases), extra, G_N_ELEMENTS(extra));
}
