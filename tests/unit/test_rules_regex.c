/* test_rules_regex.c - a regular expression that gives up (a PCRE2 limit, a
 * catastrophic pattern, any other error) in rules_eval.c: an error, never a miss; unknown
 * through all/any/not/count and rule references; named with its field; handed out for
 * logging once per set.  The fixed message and the helpers: rules_fixture.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_fixture.h"

/* error_ids - "ID:FIELD:CODE" of each error of RES, comma-separated (owned); the
 * code as limit (PCRE2's match limit) or other */
static char *error_ids(const struct rules_result *res)
{
    GString *s = g_string_new("");
    guint i;

    for (i = 0; i < res->errors->len; i++) {
        const struct rule_error *x = g_ptr_array_index(res->errors, i);

        g_string_append_printf(s, "%s%s:%s%s%s:%s", i ? "," : "", x->id, x->field,
                               x->header ? " " : "", x->header ? x->header : "",
                               x->code == -47 ? "limit" : "other");
    }
    return g_string_free(s, FALSE);
}

/* aab_new - LEN a's and a b: (a+)+$ backtracks 2^LEN times before it gives up */
static char *aab_new(size_t len)
{
    char *s = g_malloc(len + 2);

    memset(s, 'a', len);
    s[len] = 'b';
    s[len + 1] = '\0';
    return s;
}

/* catastrophic_regex_is_an_error_not_a_miss - (a+)+$ over 30000 a's and a b stops at
 * the limit: no hit, an error naming the rule and the field, logged once per set */
static void catastrophic_regex_is_an_error_not_a_miss(void **state)
{
    static const char *const yaml = "- id: redos\n"
                                    "  category: info\n"
                                    "  score: 1\n"
                                    "  match: {subject: {regex: \"(a+)+$\"}}\n"
                                    "- id: redos2\n"
                                    "  category: info\n"
                                    "  score: 1\n"
                                    "  match: {subject: {regex: \"^(a|aa)+$\"}}\n"
                                    "- id: control\n"
                                    "  category: info\n"
                                    "  score: 1\n"
                                    "  match: {subject: {regex: \"^a{30000}b$\"}}\n";
    struct fake *k = fake_new(NULL);
    struct rules *r = load(yaml);
    struct rules_result res = {0};
    char *subject = aab_new(30000);
    char text[RULES_ERROR_TEXT];
    const struct rule_error *x;
    char *ids;

    (void)state;
    k->f.subject = subject;
    rules_eval(r, &k->f, &res);
    ids = hit_ids(&res);
    expect_str("hits", ids, "control");
    g_free(ids);
    assert_int_equal(res.errors->len, 2);
    x = g_ptr_array_index(res.errors, 0);
    expect_str("first error", x->id, "redos");
    expect_str("its field", x->field, "subject");
    assert_int_equal(x->code, -47); /* PCRE2_ERROR_MATCHLIMIT */
    x = g_ptr_array_index(res.errors, 1);
    expect_str("second error", x->id, "redos2");
    assert_true(x->code < 0 && x->code != -1);
    /* each rule's error is handed out once for the set */
    assert_true(rules_error_take(&res, text, sizeof(text)));
    expect_str("log line", text,
               "rules: redos: regular expression hit its match limit on subject; messages it "
               "cannot decide are unscannable");
    assert_true(rules_error_take(&res, text, sizeof(text)));
    assert_non_null(strstr(text, "rules: redos2: regular expression hit its "));
    assert_false(rules_error_take(&res, text, sizeof(text)));
    rules_result_clear(&res);
    /* the next message: errors again, but nothing more to log */
    rules_eval(r, &k->f, &res);
    assert_int_equal(res.errors->len, 2);
    assert_false(rules_error_take(&res, text, sizeof(text)));
    rules_result_clear(&res);
    rules_free(r);
    /* a new set (a reload) logs again */
    r = load(yaml);
    rules_eval(r, &k->f, &res);
    assert_true(rules_error_take(&res, text, sizeof(text)));
    rules_result_clear(&res);
    rules_free(r);
    g_free(subject);
    fake_free(k);
}

/* A predicate over a message where BAD gives up: does the rule hit, is there an error. */
struct unknown_case {
    const char *pred;
    bool hit;
    const char *errors; /* error_ids of the one rule "t" */
};

#define BAD "{subject: {regex: \"(a+)+$\"}}"

static const struct unknown_case unknown_cases[] = {
    {BAD, false, "t:subject:limit"},
    /* not unknown is unknown: no hit that would lower a score or let mail through */
    {"{not: " BAD "}", false, "t:subject:limit"},
    {"{not: {not: " BAD "}}", false, "t:subject:limit"},
    /* all: a false child decides, an unknown one leaves it open */
    {"{all: [" BAD ", {subject: \"x*\"}]}", false, "t:subject:limit"},
    {"{all: [" BAD ", {subject: \"a*\"}]}", false, "t:subject:limit"},
    {"{not: {all: [" BAD ", {subject: \"x*\"}]}}", true, "t:subject:limit"},
    {"{not: {all: [" BAD ", {subject: \"a*\"}]}}", false, "t:subject:limit"},
    {"{all: [{subject: \"x*\"}, " BAD "]}", false, ""}, /* never reached */
    /* any: a true child decides, the error is still the message's */
    {"{any: [" BAD ", {subject: \"a*\"}]}", true, "t:subject:limit"},
    {"{any: [" BAD ", {subject: \"x*\"}]}", false, "t:subject:limit"},
    {"{not: {any: [" BAD ", {subject: \"a*\"}]}}", false, "t:subject:limit"},
    {"{not: {any: [" BAD ", {subject: \"x*\"}]}}", false, "t:subject:limit"},
    /* several patterns: one that matches decides */
    {"{subject: {regex: [\"(a+)+$\", \"b$\"]}}", true, "t:subject:limit"},
    {"{subject: {regex: [\"(a+)+$\", \"^x\"]}}", false, "t:subject:limit"},
    /* the other fields name themselves */
    {"{body: {regex: \"(a+)+$\"}}", false, "t:body:limit"},
    {"{header: {name: x-long, regex: \"(a+)+$\"}}", false, "t:header x-long:limit"},
    {"{recipient: {regex: \"(a+)+$\"}}", false, "t:recipient:limit"},
    {"{attachment: {name: {regex: \"(a+)+$\"}}}", false, "t:attachment name:limit"},
    {"{object: {name: {regex: \"(a+)+$\"}}}", false, "t:object name:limit"},
    {"{not: {object: {name: {regex: \"(a+)+$\"}}}}", false, "t:object name:limit"},
    {"{object: {name: {regex: \"(a+)+$\"}, depth: 1}}", false, ""}, /* depth first */
    {"{object: {parent: {name: {regex: \"(a+)+$\"}}}}", false, "t:parent name:limit"},
    {"{object: {content: {regex: \"(a+)+$\"}}}", false, "t:object content:limit"},
    /* another object that holds decides an object: predicate */
    {"{object: {name: {regex: [\"(a+)+$\", \"^payload\"]}}}", true, "t:object name:limit"},
    {"{object: {name: {regex: \"(a+)+$|^payload\"}}}", true, "t:object name:limit"},
    /* count: unknown when the undecided object could cross min or max */
    {"{count: {of: {object: {name: {regex: \"(a+)+$\"}}}, min: 1}}", false, "t:object name:limit"},
    {"{not: {count: {of: {object: {name: {regex: \"(a+)+$\"}}}, max: 0}}}", false,
     "t:object name:limit"},
    {"{count: {of: {object: {name: {regex: \"(a+)+$|^payload\"}}}, min: 1}}", true,
     "t:object name:limit"},
    {"{count: {of: {object: {name: {regex: \"(a+)+$|^payload\"}}}, min: 3}}", false,
     "t:object name:limit"},
    {"{count: {of: {object: {name: {regex: \"(a+)+$|^payload\"}}}, max: 2}}", true,
     "t:object name:limit"},
};

/* long_fake_new - the fixed message with the LONG value (LEN a's and a b) as subject,
 * body, an X-Long header, a recipient, an attachment's name, the zip's name (the
 * parent of payload.exe and scan.jpg.js) and the content of photo.jpg */
static struct fake *long_fake_new(const char *value)
{
    struct fake *k = fake_new(NULL);
    struct feature_object *zip = &g_array_index(k->f.objects, struct feature_object, 1);
    struct feature_object *photo = &g_array_index(k->f.objects, struct feature_object, 4);

    k->f.subject = value;
    g_free(k->f.body);
    k->f.body = g_strdup(value);
    k->f.body_len = strlen(value);
    g_ptr_array_add(k->f.header_names, "X-Long");
    g_ptr_array_add(k->f.header_values, (char *)value);
    g_ptr_array_add(k->rcpts, (char *)value);
    g_array_index(k->f.attachments, struct feature_attachment, 1).name = value;
    zip->name = value;
    photo->head = (const unsigned char *)value;
    photo->head_len = strlen(value);
    return k;
}

/* a_regex_that_gives_up_is_unknown - three-valued all/any/not/count, each field named */
static void a_regex_that_gives_up_is_unknown(void **state)
{
    char *value = aab_new(4000);
    struct fake *k = long_fake_new(value);
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(unknown_cases); i++) {
        const struct unknown_case *c = &unknown_cases[i];
        char *text = one_rule(c->pred);
        struct rules *r = load(text);
        struct rules_result res = {0};
        char *errors;

        rules_eval(r, &k->f, &res);
        errors = error_ids(&res);
        if ((res.hits->len == 1) != c->hit || strcmp(errors, c->errors) != 0)
            fail_msg("%s: got hit %d errors \"%s\", want hit %d errors \"%s\"", c->pred,
                     res.hits->len == 1, errors, c->hit, c->errors);
        g_free(errors);
        rules_result_clear(&res);
        rules_free(r);
        g_free(text);
    }
    fake_free(k);
    g_free(value);
}

/* a_reference_to_an_undecided_rule_is_undecided - "rule: u" and "not: {rule: u}" do
 * not hit when u gave up; the error is u's alone */
static void a_reference_to_an_undecided_rule_is_undecided(void **state)
{
    char *value = aab_new(4000);
    struct fake *k = long_fake_new(value);
    struct rules *r = load(RULE("u", "info", "1", BAD) RULE("ref", "info", "1", "{rule: u}")
                               RULE("notref", "info", "-5", "{not: {rule: u}}")
                                   RULE("other", "info", "2", "{subject: \"a*\"}"));
    struct rules_result res = {0};
    char *ids;

    (void)state;
    rules_eval(r, &k->f, &res);
    ids = hit_ids(&res);
    expect_str("hits", ids, "other");
    g_free(ids);
    ids = error_ids(&res);
    expect_str("errors", ids, "u:subject:limit");
    g_free(ids);
    assert_true(res.score == 2);
    rules_result_clear(&res);
    rules_free(r);
    fake_free(k);
    g_free(value);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(catastrophic_regex_is_an_error_not_a_miss),
        cmocka_unit_test(a_regex_that_gives_up_is_unknown),
        cmocka_unit_test(a_reference_to_an_undecided_rule_is_undecided),
    };

    return cmocka_run_group_tests_name("rules_regex", tests, NULL, NULL);
}
