/* test_message_prescan.c - unit tests for message_prescan.c's count of address groups,
 * with GMime itself as the oracle.  GMime's address parser recurses once per nested
 * group, so the depth of the group tree it builds for a field is the depth its
 * recursion reached.  Seeded random fields are built from the constructs that decide
 * where GMime opens and closes a group (quoted strings, comments, backslashes, angle
 * addresses, routes, domain literals, the syntax errors it skips, a NUL byte), each
 * given to message_parse_bytes() as the From field of a message: whenever GMime's
 * tree is deeper than LIMIT_MAX_ADDRESS_GROUPS, MESSAGE_ADDRESS_GROUPS must be set.
 * Each family of fields must reach past the bound often enough for the check to mean
 * something.  The fields are short, so GMime's own recursion is harmless here.  This
 * file calls GMime as the oracle: the walls keep GMime to message.c and
 * message_decode.c within the library, not in its tests.  Failures read "<family>: <what>: got X,
 * want Y". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <gmime/gmime.h>

#include "message.h"
#include "mvlimits.h"
#include "mv.h"

#define FIELDS 2000 /* fields per family */

/* A family of fields: each field is one of LEAD, then 9 to 20 units ("g:" and one of
 * UNIT, each opening a group to GMime unless the unit closes it), with one of FILL
 * after a unit now and then, then one of TAIL.  Each family aims at one way GMime
 * reads a field otherwise than a reader from the left: a count that missed it would
 * miss these fields. */
struct family {
    const char *name;
    const char *const *lead, *const *unit, *const *fill, *const *tail; /* NULL-ended */
};

static const char *const none[] = {"", NULL};
static const char *const blanks[] = {"", " ", "\r\n ", "\t", NULL};
/* groups and no quoting at all: a ';' closes */
static const char *const plain_unit[] = {"",     " ",  " a", " x@example.com,", ";", ":",
                                         " a b", "::", NULL};
static const char *const plain_fill[] = {
    ",", " a@example.com", "g: x@example.com;", "\\", ">", "@", ".", "]", NULL};
/* colons and semicolons in quoted strings and comments GMime reads as such */
static const char *const quoted_unit[] = {"",       " \"q:q\"",    " \"q;q\"", " (c:c)",
                                          " (c;c)", " \"a\\\"b\"", " ((c);)",  NULL};
/* a quoted string never closed, up to the end or to a NUL: GMime reads the '"' as a
 * plain byte and the groups after it */
static const char *const open_lead[] = {"\"", "a \"", "x@example.com, \"", "\"\\\"", "g: \"", NULL};
static const char *const open_unit[] = {"", " ", " a", " (c)", NULL};
static const char *const open_tail[] = {"", "\\\"", "\1\"", "\1 x\"", NULL};
/* a syntax error, then GMime skips to the next ',' or ';', inside a quoted string or a
 * comment, and reads on from there */
static const char *const resync_lead[] = {"a: \\ \"x, ", "\\ \"x, ",   "a: \\ \"x; ", "a: \\ (x, ",
                                          "\\ (x, ",     "a: \\ (x; ", "a: ] \"x, ",  NULL};
static const char *const resync_unit[] = {"", " ", " a", NULL};
static const char *const resync_fill[] = {",", " a@example.com,", "g: x@example.com;", NULL};
static const char *const resync_tail[] = {"\"", ")", "", NULL};
/* routes and domain literals GMime takes whole, ';' and all */
static const char *const route_unit[] = {
    " <@;>,",      " <@;",       " <<@;>,",
    " < (c) @;>,", " <@a;b>,",   " x@[;],",
    " x@[a;b],",   " y@(c)[;],", " <@a.example,@b.example:x@example.com>;",
    NULL};
/* everything at once */
static const char *const mixed_unit[] = {"",       " ",       ";",   " \"q;q\"", " (c;c)",
                                         " <@;>,", " x@[;],", " \"", " (",       " \\",
                                         ",",      " <a, ",   NULL};
static const char *const mixed_fill[] = {"\"", "(", ")", "\\", ";",     ",",    "<",
                                         ">",  "[", "]", "@",  "\"x, ", "(x, ", NULL};

/* depth_of - the deepest nesting of groups in LIST */
static int depth_of(InternetAddressList *list)
{
    int most = 0;

    for (int i = 0; i < internet_address_list_length(list); i++) {
        InternetAddress *a = internet_address_list_get_address(list, i);

        if (INTERNET_ADDRESS_IS_GROUP(a)) {
            InternetAddressGroup *g = INTERNET_ADDRESS_GROUP(a);
            int depth = 1 + depth_of(internet_address_group_get_members(g));

            most = MAX(most, depth);
        }
    }
    return most;
}

/* gmime_depth - how deep GMime nests the groups of VALUE (up to a NUL, as GMime reads
 * a header value), read as message.c has GMime read addresses */
static int gmime_depth(GMimeParserOptions *options, const char *value)
{
    InternetAddressList *list = internet_address_list_parse(options, value);
    int depth = list != NULL ? depth_of(list) : 0;

    if (list != NULL)
        g_object_unref(list);
    return depth;
}

/* flagged - whether a message whose From is VALUE (LEN bytes) is flagged */
static bool flagged(const char *value, size_t len)
{
    static const struct message_limits lim = {1000, 20, 1024 * 1024, NULL};
    GByteArray *bytes = g_byte_array_new();
    struct mv_err err = {0};
    struct message *m;
    bool set;

    g_byte_array_append(bytes, (const guint8 *)"From: ", 6);
    g_byte_array_append(bytes, (const guint8 *)value, (guint)len);
    g_byte_array_append(bytes, (const guint8 *)"\nSubject: s\n\nbody\n", 18);
    m = message_parse_bytes(bytes, &lim, &err);
    if (m == NULL)
        fail_msg("parse: got NULL (%s), want a message", err.msg);
    set = (message_flags(m) & MESSAGE_ADDRESS_GROUPS) != 0;
    message_free(m);
    g_byte_array_unref(bytes);
    return set;
}

/* count - the entries of a NULL-ended list */
static gint32 count(const char *const *list)
{
    gint32 n = 0;

    while (list[n] != NULL)
        n++;
    return n;
}

/* append_piece - one of LIST, chosen with RAND, to V, a \1 in it as a NUL byte */
static void append_piece(GString *v, const char *const *list, GRand *rand)
{
    for (const char *p = list[g_rand_int_range(rand, 0, count(list))]; *p != '\0'; p++)
        g_string_append_c(v, *p == '\1' ? '\0' : *p);
}

/* check_family - FIELDS fields of family F against GMime */
static void check_family(const struct family *f, guint32 seed)
{
    GMimeParserOptions *options = g_mime_parser_options_new();
    GRand *rand = g_rand_new_with_seed(seed);
    unsigned deep = 0;

    /* as message.c's options_new() */
    g_mime_parser_options_set_address_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_rfc2047_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
    for (unsigned i = 0; i < FIELDS; i++) {
        GString *v = g_string_new(NULL);
        int units = g_rand_int_range(rand, 9, 21);
        int depth;

        append_piece(v, f->lead, rand);
        for (int k = 0; k < units; k++) {
            g_string_append(v, "g:");
            append_piece(v, blanks, rand);
            append_piece(v, f->unit, rand);
            if (g_rand_int_range(rand, 0, 4) == 0)
                append_piece(v, f->fill, rand);
        }
        append_piece(v, f->tail, rand);
        depth = gmime_depth(options, v->str);
        if (depth > (int)LIMIT_MAX_ADDRESS_GROUPS) {
            deep++;
            if (!flagged(v->str, v->len))
                fail_msg("%s: field %u \"%s\": GMime nests %d groups: got no "
                         "MESSAGE_ADDRESS_GROUPS, want it",
                         f->name, i, g_strescape(v->str, NULL), depth);
        }
        g_string_free(v, TRUE);
    }
    if (deep < FIELDS / 20)
        fail_msg("%s: fields GMime nests past the bound: got %u of %d, want %d or more", f->name,
                 deep, FIELDS, FIELDS / 20);
    g_rand_free(rand);
    g_mime_parser_options_free(options);
}

/* address_group_count_never_falls_below_gmimes - every field whose groups GMime nests
 * deeper than the bound is flagged, in each family */
static void address_group_count_never_falls_below_gmimes(void **state)
{
    static const struct family families[] = {
        {"plain", none, plain_unit, plain_fill, none},
        {"quoted", none, quoted_unit, plain_fill, none},
        {"open_quote", open_lead, open_unit, none, open_tail},
        {"resync", resync_lead, resync_unit, resync_fill, resync_tail},
        {"routes_and_literals", none, route_unit, plain_fill, none},
        {"mixed", none, mixed_unit, mixed_fill, none},
    };

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(families); i++)
        check_family(&families[i], 20240601u + (guint32)i);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(address_group_count_never_falls_below_gmimes),
    };

    message_init();
    return cmocka_run_group_tests_name("message_prescan", tests, NULL, NULL);
}
