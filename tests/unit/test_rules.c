/* test_rules.c - the rules module (rules.c, rules_values.c, rules_eval.c) over the
 * fixed message of rules_fixture.c: every predicate kind with a case that holds and one
 * that does not, all/any/not, rule references, count, parent, binary content, size
 * suffixes, case-insensitive globs, UTF-8 regexes and values that are not UTF-8, the
 * objects recorded in hits, the score; threads sharing a set.  A regex that gives up:
 * test_rules_regex.c; load errors: test_rules_load.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_fixture.h"

/* ---- predicates -------------------------------------------------------------------- */

struct pred_case {
    const char *pred;
    bool want;
};

static const struct pred_case pred_cases[] = {
    /* subject: globs are whole-value and case-insensitive, '?' is one character */
    {"{subject: \"*invoice*\"}", true},
    {"{subject: \"*INVOICE*\"}", true},
    {"{subject: \"RECHNUNG*\"}", true},
    {"{subject: invoice}", false},
    {"{subject: \"Rechnung ??? invoice\"}", true},
    {"{subject: \"Rechnung ?? invoice\"}", false},
    {"{subject: \"[pqr]echnung *\"}", true},
    {"{subject: \"[!r]echnung *\"}", false},
    {"{subject: \"[a-z]echnung *\"}", true},
    {"{subject: \"*?*\"}", true},
    {"{subject: \"*\\\\?*\"}", false}, /* an escaped '?' is a literal '?' */
    {"{object: {name: \"scan.jpg.[j]s\"}}", true},
    {"{object: {name: \"scan.jpg.\\\\js\"}}", true}, /* backslash-j is j */
    {"{subject: {glob: [nomatch, \"*請求書*\"]}}", true},
    {"{subject: {glob: [nomatch, other]}}", false},
    /* regex: UTF mode (".{3}" is three characters, not nine bytes), case-sensitive */
    {"{subject: {regex: 請求書}}", true},
    {"{subject: {regex: \"^Rechnung .{3} invoice$\"}}", true},
    {"{subject: {regex: \"^Rechnung .{9} invoice$\"}}", false},
    {"{subject: {regex: \"^Rechnung \\\\p{Han}+ \"}}", true},
    {"{subject: {regex: INVOICE}}", false},
    {"{subject: {regex: \"(?i)INVOICE\"}}", true},
    {"{subject: {regex: [\"^x\", \"voice$\"]}}", true},
    /* equals: whole value, case-insensitive */
    {"{subject: {equals: \"RECHNUNG 請求書 INVOICE\"}}", true},
    {"{subject: {equals: Rechnung}}", false},
    /* the other message fields */
    {"{from: \"*@EXAMPLE.com>\"}", true},
    {"{from: \"*@example.net*\"}", false},
    {"{reply_to: \"*\"}", false}, /* missing: never matches */
    {"{not: {reply_to: \"*\"}}", true},
    {"{sender: \"bounce@*\"}", true},
    {"{sender: {equals: other@example.com}}", false},
    {"{recipient: bob@example.org}", true},
    {"{recipient: \"carol@*\"}", false},
    {"{body: \"*attached*invoice*\"}", true},
    {"{body: {regex: \"attached\\\\s+invoice\"}}", true},
    {"{body: {regex: \"^invoice\"}}", false},
    {"{client_addr: \"192.0.2.*\"}", true},
    {"{client_addr: {equals: 192.0.2.8}}", false},
    /* header: any field of the name, case-insensitive name; without a STRING, present */
    {"{header: {name: x-mailer, glob: \"phpmailer *\"}}", true},
    {"{header: {name: X-Mailer, regex: \"^Outlook\"}}", false},
    {"{header: {name: Received, equals: from b}}", true},
    {"{header: {name: Received, equals: from c}}", false},
    {"{header: {name: X-Mailer}}", true},
    {"{header: {name: X-Spam-Flag}}", false},
    /* outbound (no AUTH here) */
    {"{outbound: false}", true},
    {"{outbound: true}", false},
    /* attachment: one attachment has every field */
    {"{attachment: {name: \"*.zip\"}}", true},
    {"{attachment: {type: application/zip, disposition: attachment}}", true},
    {"{attachment: {type: application/zip, disposition: inline}}", false},
    {"{attachment: {size: {min: 100K, max: 200K}}}", true},
    {"{attachment: {size: 2M}}", true},
    {"{attachment: {size: 2m}}", true},
    {"{attachment: {size: {min: 3M}}}", false},
    {"{attachment: {size: {max: 1G}, type: \"image/*\"}}", true},
    {"{attachment: {size: 35, name: \"*\"}}", false}, /* attachment 1 has no name */
    {"{attachment: {}}", true},
    /* object: at any depth */
    {"{object: {type: CL_TYPE_MSEXE, in_archive: true}}", true},
    {"{object: {type: CL_TYPE_MSEXE, in_archive: false}}", false},
    {"{object: {name: \"*.jpg.js\", type_mismatch: true}}", true},
    {"{object: {name: \"*.exe\", type_mismatch: true}}", false},
    {"{object: {encrypted: true}}", false},
    {"{object: {encrypted: false, members: 2}}", true},
    {"{object: {members: {min: 3}}}", false},
    {"{object: {depth: 1, size: {max: 1K}}}", true},
    {"{object: {depth: {min: 2}}}", false},
    {"{object: {size: 70000}}", true},
    {"{object: {signature: \"win.trojan.*\"}}", true},
    {"{object: {signature: {equals: Other}}}", false},
    /* content: binary, regex only, no UTF */
    {"{object: {content: {regex: '^MZ\\x00{6}'}}}", true},
    {"{object: {content: {regex: '^MZ\\x00{7}'}}}", false},
    {"{object: {content: {regex: '\\x90\\xffPE'}}}", true},
    {"{object: {content: {regex: '^PK\\x03\\x04'}, name: \"*.zip\"}}", true},
    {"{object: {content: {regex: '^\\x7fELF'}}}", false},
    {"{object: {content: {regex: '.'}, name: photo.jpg}}", false}, /* no head */
    /* parent */
    {"{object: {name: payload.exe, parent: {type: CL_TYPE_ZIP}}}", true},
    {"{object: {name: payload.exe, parent: {type: CL_TYPE_RAR}}}", false},
    {"{object: {name: payload.exe, parent: {name: \"*.zip\", parent: {name: \"*\"}}}}", false},
    {"{object: {depth: 0, parent: {name: \"*\"}}}", false},
    /* count */
    {"{count: {of: {object: {in_archive: true}}, min: 2}}", true},
    {"{count: {of: {object: {in_archive: true}}, min: 3}}", false},
    {"{count: {of: {object: {in_archive: true}}, max: 1}}", false},
    {"{not: {count: {of: {object: {in_archive: true}}, max: 1}}}", true}, /* not recording */
    {"{not: {count: {of: {object: {in_archive: true}}, max: 2}}}", false},
    {"{not: {object: {name: payload.exe}}}", false},
    {"{count: {of: {attachment: {disposition: attachment}}, max: 1}}", true},
    {"{count: {of: {object: {type: CL_TYPE_RAR}}, max: 0}}", true},
    {"{count: {of: {attachment: {}}, min: 3, max: 3}}", true},
    {"{count: {of: {object: {}}, min: 6}}", false},
    /* all, any, not */
    {"{all: [{subject: \"*invoice*\"}, {object: {type: CL_TYPE_MSEXE}}]}", true},
    {"{all: [{subject: \"*invoice*\"}, {outbound: true}]}", false},
    {"{any: [{outbound: true}, {sender: \"bounce@*\"}]}", true},
    {"{any: [{outbound: true}, {sender: x}]}", false},
    {"{not: {outbound: true}}", true},
    {"{not: {not: {outbound: true}}}", false},
    {"{all: [{any: [{outbound: true}, {not: {body: \"*viagra*\"}}]}, {recipient: \"*.org\"}]}",
     true},
};

/* every_predicate_kind_holds_or_not - the table above over the fixed message */
static void every_predicate_kind_holds_or_not(void **state)
{
    struct fake *k = fake_new(NULL);
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(pred_cases); i++) {
        bool got = holds(&k->f, pred_cases[i].pred);

        if (got != pred_cases[i].want)
            fail_msg("%s: got %s, want %s", pred_cases[i].pred, got ? "hit" : "no hit",
                     pred_cases[i].want ? "hit" : "no hit");
    }
    fake_free(k);
}

/* outbound_follows_smtp_auth - outbound is true with an AUTH name, not with "" */
static void outbound_follows_smtp_auth(void **state)
{
    struct fake *k = fake_new("alice");

    (void)state;
    assert_true(holds(&k->f, "{outbound: true}"));
    assert_false(holds(&k->f, "{outbound: false}"));
    k->f.env.auth = "";
    assert_false(holds(&k->f, "{outbound: true}"));
    fake_free(k);
}

/* missing_values_never_match - an empty message: every STRING fails, its not holds */
static void missing_values_never_match(void **state)
{
    struct features f;
    static const char *const preds[] = {
        "{subject: \"*\"}",     "{from: \"*\"}",
        "{reply_to: \"*\"}",    "{sender: \"*\"}",
        "{recipient: \"*\"}",   "{body: {regex: \"\"}}",
        "{client_addr: \"*\"}", "{header: {name: Subject}}",
        "{attachment: {}}",     "{object: {}}",
    };
    size_t i;

    (void)state;
    memset(&f, 0, sizeof(f));
    for (i = 0; i < G_N_ELEMENTS(preds); i++) {
        char *neg = g_strdup_printf("{not: %s}", preds[i]);

        if (holds(&f, preds[i]))
            fail_msg("%s: got hit on an empty message, want no hit", preds[i]);
        if (!holds(&f, neg))
            fail_msg("%s: got no hit on an empty message, want hit", neg);
        g_free(neg);
    }
    assert_true(holds(&f, "{count: {of: {object: {}}, max: 0}}"));
    /* the null sender is a value: the empty string */
    f.env.sender = "";
    assert_true(holds(&f, "{sender: {equals: \"\"}}"));
    assert_false(holds(&f, "{sender: \"?*\"}"));
}

/* object_without_name_is_not_a_glob_match - a missing name is not matched by "*" */
static void object_without_name_is_not_a_glob_match(void **state)
{
    struct fake *k = fake_new(NULL);

    (void)state;
    /* object 0 (path "1") has no name; type alone selects it */
    assert_true(holds(&k->f, "{object: {type: CL_TYPE_TEXT_ASCII, depth: 0}}"));
    assert_false(holds(&k->f, "{object: {type: CL_TYPE_TEXT_ASCII, depth: 0, name: \"*\"}}"));
    fake_free(k);
}

/* ---- rules, references, hits ------------------------------------------------------- */

static const char ref_rules[] = "- id: a\n"
                                "  category: info\n"
                                "  score: 1\n"
                                "  match: {subject: \"*invoice*\"}\n"
                                "- id: b\n"
                                "  category: info\n"
                                "  score: 1\n"
                                "  match: {outbound: true}\n"
                                "- id: c\n"
                                "  category: info\n"
                                "  score: 1\n"
                                "  match: {rule: a}\n"
                                "- id: d\n"
                                "  category: info\n"
                                "  score: 1\n"
                                "  match: {not: {rule: b}}\n"
                                "- id: e\n"
                                "  category: info\n"
                                "  score: 1\n"
                                "  match: {rule: b}\n"
                                "- id: f\n"
                                "  category: info\n"
                                "  score: 1\n"
                                "  match: {all: [{rule: c}, {rule: d}]}\n";

/* rule_references_use_earlier_results - rule: ID, in one sequence and across two */
static void rule_references_use_earlier_results(void **state)
{
    struct fake *k = fake_new(NULL);
    struct rules *r = load(ref_rules);
    struct rules_result res = {0};
    struct mv_err err;
    char *ids;

    (void)state;
    assert_true(add_yaml(r,
                         "- id: g\n  category: info\n  score: 1\n  match: {rule: f}\n"
                         "- id: h\n  category: info\n  score: 1\n  match: {rule: e}\n",
                         &err));
    assert_int_equal(rules_count(r), 8);
    rules_eval(r, &k->f, &res);
    ids = hit_ids(&res);
    expect_str("hits", ids, "a,c,d,f,g");
    g_free(ids);
    rules_result_clear(&res);
    assert_null(res.hits);
    rules_free(r);
    fake_free(k);
}

static const char object_rules[] =
    "- id: x\n"
    "  category: info\n"
    "  score: 1\n"
    "  match:\n"
    "    all:\n"
    "      - attachment: {name: \"*.zip\"}\n"
    "      - object: {in_archive: true}\n"
    "      - not: {object: {type: CL_TYPE_RAR}}\n"
    "- id: any_all\n"
    "  category: info\n"
    "  score: 1\n"
    "  match:\n"
    "    any:\n"
    "      - object: {name: photo.jpg}\n"
    "      - object: {name: payload.exe}\n"
    "      - object: {type: CL_TYPE_RAR}\n"
    "- id: failed_branch\n"
    "  category: info\n"
    "  score: 1\n"
    "  match:\n"
    "    any:\n"
    "      - all: [{object: {name: payload.exe}}, {outbound: true}]\n"
    "      - attachment: {name: photo.jpg}\n"
    "- id: negated\n"
    "  category: info\n"
    "  score: 1\n"
    "  match: {not: {not: {object: {name: payload.exe}}}}\n"
    "- id: ref\n"
    "  category: info\n"
    "  score: 1\n"
    "  match: {all: [{rule: x}, {subject: \"*\"}]}\n"
    "- id: counted\n"
    "  category: info\n"
    "  score: 1\n"
    "  match: {count: {of: {object: {depth: 0}}, min: 2}}\n"
    "- id: none\n"
    "  category: info\n"
    "  score: 1\n"
    "  match: {subject: \"*\"}\n";

/* hits_record_the_objects_that_made_them - distinct, in inventory order, positive only */
static void hits_record_the_objects_that_made_them(void **state)
{
    static const struct {
        const char *id;
        const char *want;
    } cases[] = {
        /* attachment "2" and its leaf object "2" are one path */
        {"x", "2,2/Invoice.ZIP/payload.exe,2/Invoice.ZIP/scan.jpg.js"},
        /* every alternative of an any that holds, in inventory order, not rule order */
        {"any_all", "2/Invoice.ZIP/payload.exe,3"},
        /* a branch that failed records nothing */
        {"failed_branch", "3"},
        /* nothing under a not, even a double one */
        {"negated", ""},
        /* a referenced rule brings its objects */
        {"ref", "2,2/Invoice.ZIP/payload.exe,2/Invoice.ZIP/scan.jpg.js"},
        {"counted", "1,2,3"},
        {"none", ""},
    };
    struct fake *k = fake_new(NULL);
    struct rules *r = load(object_rules);
    struct rules_result res = {0};
    size_t i;

    (void)state;
    rules_eval(r, &k->f, &res);
    assert_int_equal(res.hits->len, G_N_ELEMENTS(cases));
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *got = hit_objects(&res, cases[i].id);

        expect_str(cases[i].id, got, cases[i].want);
        g_free(got);
    }
    rules_result_clear(&res);
    rules_free(r);
    fake_free(k);
}

/* hits_carry_rule_fields_and_scores_sum - the hit's fields, in rule order, the sum */
static void hits_carry_rule_fields_and_scores_sum(void **state)
{
    struct fake *k = fake_new(NULL);
    struct rules *r = load("- id: camp.lure-1\n"
                           "  description: \"image-named JavaScript\"\n"
                           "  category: campaign\n"
                           "  campaign: Avaddon\n"
                           "  score: 7\n"
                           "  match: {object: {name: \"*.jpg.js\"}}\n"
                           "- id: miss\n"
                           "  category: suspicious\n"
                           "  score: 100\n"
                           "  match: {outbound: true}\n"
                           "- id: half\n"
                           "  category: suspicious\n"
                           "  score: 2.5\n"
                           "  match: {subject: \"*invoice*\"}\n"
                           "- id: bonus\n"
                           "  category: info\n"
                           "  score: -1\n"
                           "  match: {sender: \"*@example.com\"}\n");
    struct rules_result res = {0};
    const struct rule_hit *h;
    char *ids;

    (void)state;
    rules_eval(r, &k->f, &res);
    ids = hit_ids(&res);
    expect_str("hits", ids, "camp.lure-1,half,bonus");
    g_free(ids);
    assert_true(res.score > 8.5 - 1e-9 && res.score < 8.5 + 1e-9);
    h = g_ptr_array_index(res.hits, 0);
    expect_str("category", h->category, "campaign");
    expect_str("campaign", h->campaign, "Avaddon");
    expect_str("description", h->description, "image-named JavaScript");
    assert_true(h->score == 7.0);
    h = g_ptr_array_index(res.hits, 1);
    expect_str("category", h->category, "suspicious");
    assert_null(h->campaign);
    assert_null(h->description);
    assert_true(h->score == 2.5);
    h = g_ptr_array_index(res.hits, 2);
    assert_true(h->score == -1.0);
    rules_result_clear(&res);
    /* the result can be filled again after a clear */
    rules_eval(r, &k->f, &res);
    assert_int_equal(res.hits->len, 3);
    rules_result_clear(&res);
    rules_free(r);
    fake_free(k);
}

/* invalid_utf8_values_still_match - a name with a stray byte: globs and regexes work */
static void invalid_utf8_values_still_match(void **state)
{
    struct fake *k = fake_new(NULL);

    (void)state;
    k->f.subject = "Rechnung \xff\xfe invoice";
    assert_true(holds(&k->f, "{subject: \"rechnung * INVOICE\"}"));
    assert_true(holds(&k->f, "{subject: {regex: \"invoice$\"}}"));
    assert_false(holds(&k->f, "{subject: {regex: \"^x\"}}"));
    fake_free(k);
}

struct thread_arg {
    const struct rules *r;
    int failures;
};

/* eval_many - evaluate the shared set many times over a private message */
static gpointer eval_many(gpointer data)
{
    struct thread_arg *a = data;
    struct fake *k = fake_new(NULL);
    int i;

    for (i = 0; i < 200; i++) {
        struct rules_result res = {0};
        char *ids;

        rules_eval(a->r, &k->f, &res);
        ids = hit_ids(&res);
        if (strcmp(ids, "x,any_all,failed_branch,negated,ref,counted,none") != 0)
            a->failures++;
        g_free(ids);
        rules_result_clear(&res);
    }
    fake_free(k);
    return NULL;
}

/* threads_share_a_loaded_set - four threads evaluate one set at once, same answers */
static void threads_share_a_loaded_set(void **state)
{
    struct rules *r = load(object_rules);
    struct thread_arg args[4];
    GThread *th[4];
    size_t i;

    (void)state;
    for (i = 0; i < 4; i++) {
        args[i].r = r;
        args[i].failures = 0;
        th[i] = g_thread_new("eval", eval_many, &args[i]);
    }
    for (i = 0; i < 4; i++) {
        g_thread_join(th[i]);
        assert_int_equal(args[i].failures, 0);
    }
    rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_predicate_kind_holds_or_not),
        cmocka_unit_test(outbound_follows_smtp_auth),
        cmocka_unit_test(missing_values_never_match),
        cmocka_unit_test(object_without_name_is_not_a_glob_match),
        cmocka_unit_test(rule_references_use_earlier_results),
        cmocka_unit_test(hits_record_the_objects_that_made_them),
        cmocka_unit_test(hits_carry_rule_fields_and_scores_sum),
        cmocka_unit_test(invalid_utf8_values_still_match),
        cmocka_unit_test(threads_share_a_loaded_set),
    };

    return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
