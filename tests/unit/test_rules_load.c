/* test_rules_load.c - the rule loader's errors (rules.c, rules_values.c): every class
 * with its "t.yaml:LINE: ..." text, PCRE2's message and offset for a bad regex, several
 * at once, nothing added on failure, a broken rule's references not reported again, the
 * bound on the number of rules.  The helpers: rules_fixture.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_fixture.h"

/* ---- errors ------------------------------------------------------------------------ */

struct error_case {
    const char *yaml;
    const char *want; /* the whole message */
};

static const struct error_case error_cases[] = {
    {RULE("a", "info", "1", "{subjet: x}"),
     "t.yaml:4: rule a: subjet: unknown key (did you mean subject?)"},
    {"- id: a\n  category: info\n  scroe: 1\n  score: 1\n  match: {subject: x}\n",
     "t.yaml:3: rule a: scroe: unknown key (did you mean score?)"},
    {RULE("a", "info", "1", "{object: {nmae: x}}"),
     "t.yaml:4: rule a: object.nmae: unknown key (did you mean name?)"},
    {RULE("a", "info", "1", "{attachment: {signature: x}}"),
     "t.yaml:4: rule a: attachment.signature: unknown key (expected one of name, type, "
     "disposition, size)"},
    {RULE("a", "info", "1", "{frobnicate: x}"),
     "t.yaml:4: rule a: frobnicate: unknown key (expected one of all, any, not, rule, subject, "
     "from, reply_to, sender, recipient, body, client_addr, header, outbound, attachment, object, "
     "count)"},
    {RULE("a", "info", "1", "{object: {size: {min: 1, mxa: 2}}}"),
     "t.yaml:4: rule a: size.mxa: unknown key (did you mean max?)"},
    {RULE("a", "info", "1", "{subject: {regx: x}}"),
     "t.yaml:4: rule a: subject.regx: unknown key (did you mean regex?)"},
    {RULE("a", "campaign", "1", "{subject: x}"),
     "t.yaml:2: rule a: category campaign needs campaign: NAME"},
    {RULE("a", "spam", "1", "{subject: x}"),
     "t.yaml:2: rule a: category: must be campaign, suspicious or info, got spam"},
    {RULE("a", "info", "1001", "{subject: x}"),
     "t.yaml:3: rule a: score: must be a number from -1000 to 1000, got 1001"},
    {RULE("a", "info", "-1000.5", "{subject: x}"),
     "t.yaml:3: rule a: score: must be a number from -1000 to 1000, got -1000.5"},
    {RULE("a", "info", "lots", "{subject: x}"),
     "t.yaml:3: rule a: score: must be a number from -1000 to 1000, got lots"},
    {RULE("a", "info", "[1]", "{subject: x}"),
     "t.yaml:3: rule a: score: must be a number, got a sequence"},
    {RULE("a b", "info", "1", "{subject: x}"),
     "t.yaml:1: id: must be 1 to 64 of A-Z a-z 0-9 _ . -, got a b"},
    {"- category: info\n  score: 1\n  match: {subject: x}\n", "t.yaml:1: rule without id"},
    {"- id: a\n  category: info\n  score: 1\n", "t.yaml:1: rule a: match: missing"},
    {"- just a string\n",
     "t.yaml:1: a rule must be a mapping (id, category, score, match, ...), got a scalar"},
    {"rules: []\n", "t.yaml:1: rules: must be a list of rules, got a mapping"},
    {RULE("a", "info", "1", "{all: []}"), "t.yaml:4: rule a: all: the list is empty"},
    {RULE("a", "info", "1", "{any: {subject: x}}"),
     "t.yaml:4: rule a: any: must be a list of predicates, got a mapping"},
    {RULE("a", "info", "1", "{subject: x, from: y}"),
     "t.yaml:4: rule a: a predicate has exactly one key, got 2 (combine them with all: [...])"},
    {RULE("a", "info", "1", "{outbound: maybe}"),
     "t.yaml:4: rule a: outbound: must be true or false, got maybe"},
    {RULE("a", "info", "1", "{subject: [x]}"),
     "t.yaml:4: rule a: subject: must be a glob or a mapping with one of glob, regex or equals, "
     "got a sequence"},
    {RULE("a", "info", "1", "{subject: {glob: x, regex: y}}"),
     "t.yaml:4: rule a: subject: must be a glob or a mapping with one of glob, regex or equals, "
     "got several keys"},
    {RULE("a", "info", "1", "{subject: {regex: []}}"),
     "t.yaml:4: rule a: subject: the list of patterns is empty"},
    {RULE("a", "info", "1", "{object: {content: MZ*}}"),
     "t.yaml:4: rule a: content: takes {regex: ...} only (the content is binary)"},
    {RULE("a", "info", "1", "{object: {content: {equals: MZ}}}"),
     "t.yaml:4: rule a: content: takes regex only (the content is binary)"},
    {RULE("a", "info", "1", "{object: {size: 10X}}"),
     "t.yaml:4: rule a: size: must be a size (a number with an optional K, M or G suffix), got "
     "10X"},
    {RULE("a", "info", "1", "{object: {depth: 1K}}"),
     "t.yaml:4: rule a: depth: must be a whole number, got 1K"},
    {RULE("a", "info", "1", "{object: {size: {min: 2M, max: 1M}}}"),
     "t.yaml:4: rule a: size: min is larger than max"},
    {RULE("a", "info", "1", "{attachment: {size: {}}}"),
     "t.yaml:4: rule a: size: needs min, max or both"},
    {RULE("a", "info", "1", "{count: {of: {object: {}}}}"),
     "t.yaml:4: rule a: count: needs min, max or both"},
    {RULE("a", "info", "1", "{count: {of: {objects: {}}, min: 1}}"),
     "t.yaml:4: rule a: count.of.objects: unknown key (did you mean object?)"},
    {RULE("a", "info", "1", "{header: {glob: x}}"), "t.yaml:4: rule a: header: needs name"},
    {RULE("a", "info", "1", "{header: {name: \"X Bad\", glob: x}}"),
     "t.yaml:4: rule a: header: name: not a header field name: X Bad"},
    {RULE("a", "info", "1", "{rule: nosuch}"),
     "t.yaml:4: rule a: rule: unknown rule nosuch (a rule may only name rules defined before it)"},
    {RULE("a", "info", "1", "{rule: a}"), "t.yaml:4: rule a: rule: a refers to itself"},
    /* a forward reference is an unknown rule at that point */
    {RULE("a", "info", "1", "{rule: b}") RULE("b", "info", "1", "{subject: x}"),
     "t.yaml:4: rule a: rule: unknown rule b (a rule may only name rules defined before it)"},
    {RULE("a", "info", "1", "{subject: x}") RULE("a", "info", "1", "{subject: y}"),
     "t.yaml:5: rule a: duplicate id (first defined at t.yaml:1)"},
};

/* each_error_names_file_line_and_cause - the exact message of every error class */
static void each_error_names_file_line_and_cause(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(error_cases); i++) {
        char *msg = error_of(error_cases[i].yaml);

        expect_str(error_cases[i].yaml, msg, error_cases[i].want);
        g_free(msg);
    }
}

/* bad_regex_gives_pcre2_message_and_offset - with FILE:LINE of the pattern */
static void bad_regex_gives_pcre2_message_and_offset(void **state)
{
    char *msg = error_of("- id: a\n"
                         "  category: info\n"
                         "  score: 1\n"
                         "  match:\n"
                         "    subject:\n"
                         "      regex:\n"
                         "        - ok\n"
                         "        - \"a(b\"\n");

    (void)state;
    expect_str("bad regex", msg,
               "t.yaml:8: rule a: subject: bad regex a(b: missing closing parenthesis at offset 3");
    g_free(msg);
    msg = error_of(RULE("a", "info", "1", "{object: {content: {regex: \"[\\\\x00-\"}}}"));
    if (strstr(msg, "t.yaml:4: rule a: content: bad regex ") != msg ||
        strstr(msg, "missing terminating ] for character class") == NULL)
        fail_msg("content regex: got \"%s\"", msg);
    g_free(msg);
}

/* several_errors_are_reported_at_once - one line each, nothing added */
static void several_errors_are_reported_at_once(void **state)
{
    struct rules *r = rules_new();
    struct mv_err err;
    char **lines;

    (void)state;
    assert_false(add_yaml(
        r,
        RULE("good", "info", "1", "{subject: x}") RULE("b1", "info", "2000", "{subject: x}")
            RULE("b2", "info", "1", "{subject: {regex: \"(\"}}")
                RULE("good2", "info", "1", "{rule: good}") RULE("b3", "campaign", "1", "{all: []}"),
        &err));
    lines = g_strsplit(err.msg, "\n", -1);
    assert_int_equal(g_strv_length(lines), 4);
    expect_str("line 1", lines[0],
               "t.yaml:7: rule b1: score: must be a number from -1000 to 1000, got 2000");
    if (strstr(lines[1], "t.yaml:12: rule b2: subject: bad regex (: ") != lines[1])
        fail_msg("line 2: got \"%s\"", lines[1]);
    expect_str("line 3", lines[2], "t.yaml:18: rule b3: category campaign needs campaign: NAME");
    expect_str("line 4", lines[3], "t.yaml:20: rule b3: all: the list is empty");
    g_strfreev(lines);
    assert_int_equal(rules_count(r), 0);
    rules_free(r);
}

/* failed_add_adds_nothing - not the rules, not their ids */
static void failed_add_adds_nothing(void **state)
{
    struct fake *k = fake_new(NULL);
    struct rules *r = load(RULE("first", "info", "1", "{subject: \"*\"}"));
    struct rules_result res = {0};
    struct mv_err err;
    char *ids;

    (void)state;
    assert_false(add_yaml(r,
                          RULE("second", "info", "1", "{subject: \"*\"}")
                              RULE("third", "info", "1", "{subject: {regex: \"(\"}}"),
                          &err));
    assert_int_equal(rules_count(r), 1);
    /* "second" was not kept: it is neither a duplicate nor a known rule */
    assert_true(add_yaml(r,
                         RULE("second", "info", "2", "{rule: first}")
                             RULE("fourth", "info", "3", "{rule: second}"),
                         &err));
    assert_int_equal(rules_count(r), 3);
    /* an id from an earlier call is a duplicate */
    assert_false(add_yaml(r, RULE("first", "info", "1", "{subject: x}"), &err));
    expect_str("duplicate across calls", err.msg,
               "t.yaml:1: rule first: duplicate id (first defined at t.yaml:1)");
    assert_int_equal(rules_count(r), 3);
    rules_eval(r, &k->f, &res);
    ids = hit_ids(&res);
    expect_str("hits", ids, "first,second,fourth");
    g_free(ids);
    assert_true(res.score == 6.0);
    rules_result_clear(&res);
    rules_free(r);
    fake_free(k);
}

/* reference_to_a_broken_rule_is_not_reported_again - a broken rule's id is known */
static void reference_to_a_broken_rule_is_not_reported_again(void **state)
{
    char *msg =
        error_of(RULE("a", "info", "5000", "{subject: x}") RULE("b", "info", "1", "{rule: a}"));

    (void)state;
    expect_str("one error", msg,
               "t.yaml:3: rule a: score: must be a number from -1000 to 1000, got 5000");
    g_free(msg);
}

/* empty_rules_key_adds_nothing - "rules:" with no value */
static void empty_rules_key_adds_nothing(void **state)
{
    struct rules *r = rules_new();
    struct mv_err err;

    (void)state;
    assert_true(add_yaml(r, "", &err));
    assert_int_equal(rules_count(r), 0);
    rules_free(r);
}

/* at_most_10000_rules - the limit over several calls */
static void at_most_10000_rules(void **state)
{
    struct rules *r = rules_new();
    struct mv_err err;
    GString *s = g_string_new("");
    int i;

    (void)state;
    for (i = 0; i < 5000; i++)
        g_string_append_printf(
            s, "- {id: r%d, category: info, score: 0, match: {outbound: true}}\n", i);
    assert_true(add_yaml(r, s->str, &err));
    g_string_truncate(s, 0);
    for (i = 5000; i < 10001; i++)
        g_string_append_printf(
            s, "- {id: r%d, category: info, score: 0, match: {outbound: true}}\n", i);
    assert_false(add_yaml(r, s->str, &err));
    expect_str("limit", err.msg, "t.yaml:1: rules: more than 10000 rules in all");
    assert_int_equal(rules_count(r), 5000);
    g_string_truncate(s, 0);
    for (i = 5000; i < 10000; i++)
        g_string_append_printf(
            s, "- {id: r%d, category: info, score: 0, match: {outbound: true}}\n", i);
    assert_true(add_yaml(r, s->str, &err));
    assert_int_equal(rules_count(r), 10000);
    g_string_free(s, TRUE);
    rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_error_names_file_line_and_cause),
        cmocka_unit_test(bad_regex_gives_pcre2_message_and_offset),
        cmocka_unit_test(several_errors_are_reported_at_once),
        cmocka_unit_test(failed_add_adds_nothing),
        cmocka_unit_test(reference_to_a_broken_rule_is_not_reported_again),
        cmocka_unit_test(empty_rules_key_adds_nothing),
        cmocka_unit_test(at_most_10000_rules),
    };

    return cmocka_run_group_tests_name("rules_load", tests, NULL, NULL);
}
