/* test_wildcard.c - wildcard.c, the one glob dialect: '*', '?', '[...]' (ranges,
 * negation, ']' as a member, an unclosed '[' as a literal), '\' escapes, characters
 * rather than bytes, case folded on both sides (ASCII, Unicode, "ß" as "ss"), bytes
 * that are not UTF-8, the whole text, a long text against many stars in linear time;
 * each case through wildcard_match() over folded inputs and wildcard_match_text(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <glib.h>

#include "wildcard.h"

struct match_case {
    const char *pattern;
    const char *text;
    bool want;
};

static const struct match_case match_cases[] = {
    /* literals cover the whole text */
    {"abc", "abc", true},
    {"abc", "abcd", false},
    {"abc", "xabc", false},
    {"", "", true},
    {"", "a", false},
    /* '*': any run, the empty one, '@', '.' and '/' included */
    {"*", "", true},
    {"*", "anything at all", true},
    {"a*c", "ac", true},
    {"a*c", "a/b.c@d c", true},
    {"*@*.example.com", "user@mail.example.com", true},
    {"*@*.example.com", "user@example.com", false},
    {"**a**", "xay", true},
    {"*ab*ab", "xabyabab", true},
    /* '?': exactly one character, a multi-byte one too */
    {"?", "", false},
    {"?", "a", true},
    {"?", "ab", false},
    {"m?ller", "müller", true},
    {"??", "請求", true},
    {"?", "請求", false},
    /* sets and ranges, over characters */
    {"[abc]x", "bx", true},
    {"[abc]x", "dx", false},
    {"[a-z]1", "q1", true},
    {"[a-z]1", "71", false},
    {"[0-9a-f]", "e", true},
    {"[à-ÿ]", "é", true},
    {"[!a-z]", "5", true},
    {"[!a-z]", "k", false},
    {"[^a-z]", "k", false},
    {"[]]", "]", true},
    {"[!]]", "]", false},
    {"[a-]", "-", true},
    {"[ä]", "ä", true},
    {"[a\\]]", "]", true},
    /* an unclosed '[' is a literal */
    {"a[b", "a[b", true},
    {"a[b", "ab", false},
    /* '\' quotes the next character; a trailing one is itself */
    {"\\*", "*", true},
    {"\\*", "a", false},
    {"a\\?", "a?", true},
    {"a\\?", "ab", false},
    {"\\[x]", "[x]", true},
    {"a\\\\b", "a\\b", true},
    {"a\\", "a\\", true},
    /* case, on both sides */
    {"INVOICE*", "invoice 42", true},
    {"*invoice*", "YOUR INVOICE", true},
    {"[A-Z]x", "qX", true},
    {"ÄRGER", "ärger", true},
    {"*ΣΊΣΥΦΟΣ*", "ο σίσυφος", true},
    {"stra?e", "STRASSE", false},
    {"stra??e", "Straße", true},
    {"straße", "STRASSE", true},
};

/* folded_match - PATTERN and TEXT through wildcard_pattern_new / wildcard_text_new */
static bool folded_match(const char *pattern, const char *text)
{
    char *p = wildcard_pattern_new(pattern);
    char *t = wildcard_text_new(text, -1);
    bool m = wildcard_match(p, t);

    g_free(p);
    g_free(t);
    return m;
}

/* each_pattern_matches_as_documented - the table, both ways of matching */
static void each_pattern_matches_as_documented(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(match_cases); i++) {
        const struct match_case *c = &match_cases[i];
        bool got = folded_match(c->pattern, c->text);
        bool got_text = wildcard_match_text(c->pattern, c->text);

        if (got != c->want)
            fail_msg("wildcard_match(\"%s\", \"%s\"): got %d, want %d", c->pattern, c->text, got,
                     c->want);
        if (got_text != c->want)
            fail_msg("wildcard_match_text(\"%s\", \"%s\"): got %d, want %d", c->pattern, c->text,
                     got_text, c->want);
    }
}

/* invalid_utf8_text_still_matches - a bad byte is one character (U+FFFD) */
static void invalid_utf8_text_still_matches(void **state)
{
    static const char bad[] = {'a', (char)0xff, 'b', '\0'};
    static const struct match_case cases[] = {
        {"a?b", bad, true},
        {"a*", bad, true},
        {"ab", bad, false},
        {"a\xef\xbf\xbd"
         "b",
         bad, true},
    };
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        bool got = folded_match(cases[i].pattern, cases[i].text);

        if (got != cases[i].want)
            fail_msg("case %zu: got %d, want %d", i, got, cases[i].want);
    }
}

/* text_length_is_honoured - wildcard_text_new folds LEN bytes, not up to the NUL */
static void text_length_is_honoured(void **state)
{
    char *t = wildcard_text_new("ABCDEF", 3);
    char *p = wildcard_pattern_new("abc");

    (void)state;
    assert_string_equal(t, "abc");
    assert_true(wildcard_match(p, t));
    g_free(t);
    g_free(p);
}

/* null_text_is_empty - wildcard_match_text takes NULL as "" */
static void null_text_is_empty(void **state)
{
    (void)state;
    assert_true(wildcard_match_text("*", NULL));
    assert_false(wildcard_match_text("?", NULL));
}

/* patterns_are_told_from_literals - '*', '?' and '[' make a pattern */
static void patterns_are_told_from_literals(void **state)
{
    static const struct match_case cases[] = {
        {"user@example.com", NULL, false}, {"*@example.com", NULL, true},
        {"info?@example.com", NULL, true}, {"[a-z]@example.com", NULL, true},
        {"a\\b@example.com", NULL, false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(cases); i++)
        if (wildcard_is_pattern(cases[i].pattern) != cases[i].want)
            fail_msg("wildcard_is_pattern(\"%s\"): got %d, want %d", cases[i].pattern,
                     !cases[i].want, cases[i].want);
}

/* many_stars_over_a_long_text_stay_linear - no exponential backtracking: 30 stars
 * against 100000 characters that never match */
static void many_stars_over_a_long_text_stay_linear(void **state)
{
    GString *pat = g_string_new(NULL);
    char *text = g_malloc(100001);
    gint64 start;
    int i;

    (void)state;
    for (i = 0; i < 30; i++)
        g_string_append(pat, "*a");
    g_string_append(pat, "*b");
    memset(text, 'a', 100000);
    text[100000] = '\0';
    start = g_get_monotonic_time();
    assert_false(wildcard_match(pat->str, text));
    if (g_get_monotonic_time() - start > 20 * G_USEC_PER_SEC)
        fail_msg("30 stars over 100000 characters took more than 20 s");
    g_free(text);
    g_string_free(pat, TRUE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_pattern_matches_as_documented),
        cmocka_unit_test(invalid_utf8_text_still_matches),
        cmocka_unit_test(text_length_is_honoured),
        cmocka_unit_test(null_text_is_empty),
        cmocka_unit_test(patterns_are_told_from_literals),
        cmocka_unit_test(many_stars_over_a_long_text_stay_linear),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
