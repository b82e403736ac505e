/* test_rules.c - the rules module (rules.c, rules_values.c, rules_eval.c) over a
 * struct features built by hand (one fixed message: a Japanese subject, three
 * attachments, a zip holding an "MZ" executable and a script posing as a picture):
 * every predicate kind with a case that holds and one that does not, all/any/not,
 * rule references, count, parent, binary content, size suffixes, case-insensitive
 * globs, UTF-8 regexes, the objects recorded in hits, the score; every class of load
 * error with its "t.yaml:LINE: ..." text, several at once, nothing added on failure; a
 * catastrophic regex as an error, never a miss: unknown through all/any/not/count and
 * rule references, named with its field, handed out for logging once per set; threads
 * sharing a set.  YAML comes from strings
 * through yamlnode_load_buffer() under the name "t.yaml". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "rules.h"
#include "yamlnode.h"

/* ---- the message ------------------------------------------------------------------- */

static const char *const rcpt_list[] = {"alice@example.net", "bob@example.org"};
static const char *const header_list[][2] = {
    {"Subject", "Rechnung 請求書 invoice"},
    {"X-Mailer", "PHPMailer 6.0"},
    {"Received", "from a"},
    {"Received", "from b"},
};
static const char body_text[] = "Please see the attached   invoice.\n";

/* "MZ", zeros, then a byte that is not UTF-8 */
static const unsigned char exe_head[16] = {'M', 'Z', 0, 0, 0, 0, 0, 0, 0x90, 0xff, 'P', 'E'};
static const unsigned char zip_head[] = {'P', 'K', 3, 4, 20, 0};
static const unsigned char js_head[] = "var x = 1;";
static const unsigned char txt_head[] = "Please see";

/* The features under test: the arrays it owns, freed by fake_free. */
struct fake {
    struct features f;
    GPtrArray *rcpts;
    GPtrArray *sigs;
};

/* fake_new - the fixed message; AUTH (or NULL) as the SMTP AUTH name */
static struct fake *fake_new(const char *auth)
{
    struct fake *k = g_new0(struct fake, 1);
    struct features *f = &k->f;
    size_t i;

    k->rcpts = g_ptr_array_new();
    for (i = 0; i < G_N_ELEMENTS(rcpt_list); i++)
        g_ptr_array_add(k->rcpts, (char *)rcpt_list[i]);
    k->sigs = g_ptr_array_new();
    g_ptr_array_add(k->sigs, "Win.Trojan.Agent-1");

    f->env.sender = "bounce@example.com";
    f->env.recipients = k->rcpts;
    f->env.client_addr = "192.0.2.7";
    f->env.auth = auth;
    f->subject = "Rechnung 請求書 invoice";
    f->from = "Billing <billing@example.com>";
    f->reply_to = NULL;
    f->header_names = g_ptr_array_new();
    f->header_values = g_ptr_array_new();
    for (i = 0; i < G_N_ELEMENTS(header_list); i++) {
        g_ptr_array_add(f->header_names, (char *)header_list[i][0]);
        g_ptr_array_add(f->header_values, (char *)header_list[i][1]);
    }
    f->body = g_strdup(body_text);
    f->body_len = strlen(body_text);

    f->attachments = g_array_new(FALSE, TRUE, sizeof(struct feature_attachment));
    {
        struct feature_attachment a[] = {
            {.path = "1", .name = NULL, .declared_type = "text/plain", .size = 35},
            {.path = "2",
             .name = "Invoice.ZIP",
             .declared_type = "application/zip",
             .disposition = "attachment",
             .size = 150 * 1024},
            {.path = "3",
             .name = "photo.jpg",
             .declared_type = "image/jpeg",
             .disposition = "inline",
             .size = 2 * 1024 * 1024},
        };
        g_array_append_vals(f->attachments, a, G_N_ELEMENTS(a));
    }
    f->objects = g_array_new(FALSE, TRUE, sizeof(struct feature_object));
    {
        struct feature_object o[] = {
            {.path = "1",
             .type = "CL_TYPE_TEXT_ASCII",
             .size = 35,
             .head = txt_head,
             .head_len = sizeof(txt_head) - 1,
             .parent = -1,
             .attachment = 0},
            {.path = "2",
             .name = "Invoice.ZIP",
             .type = "CL_TYPE_ZIP",
             .size = 150 * 1024,
             .head = zip_head,
             .head_len = sizeof(zip_head),
             .parent = -1,
             .members = 2,
             .attachment = 1},
            {.path = "2/Invoice.ZIP/payload.exe",
             .name = "payload.exe",
             .type = "CL_TYPE_MSEXE",
             .size = 70000,
             .depth = 1,
             .signatures = k->sigs,
             .head = exe_head,
             .head_len = sizeof(exe_head),
             .parent = 1,
             .attachment = 1},
            {.path = "2/Invoice.ZIP/scan.jpg.js",
             .name = "scan.jpg.js",
             .type = "CL_TYPE_TEXT_ASCII",
             .size = 900,
             .depth = 1,
             .type_mismatch = true,
             .head = js_head,
             .head_len = sizeof(js_head) - 1,
             .parent = 1,
             .attachment = 1},
            {.path = "3",
             .name = "photo.jpg",
             .type = "CL_TYPE_JPEG",
             .size = 2 * 1024 * 1024,
             .head = NULL,
             .parent = -1,
             .attachment = 2},
        };
        g_array_append_vals(f->objects, o, G_N_ELEMENTS(o));
    }
    return k;
}

/* fake_free - free what fake_new made */
static void fake_free(struct fake *k)
{
    g_ptr_array_free(k->rcpts, TRUE);
    g_ptr_array_free(k->sigs, TRUE);
    g_ptr_array_free(k->f.header_names, TRUE);
    g_ptr_array_free(k->f.header_values, TRUE);
    g_free(k->f.body);
    g_array_free(k->f.attachments, TRUE);
    g_array_free(k->f.objects, TRUE);
    g_free(k);
}

/* ---- helpers ----------------------------------------------------------------------- */

/* RULE - one rule as YAML */
#define RULE(id, cat, score, match)                                                                \
    "- id: " id "\n  category: " cat "\n  score: " score "\n  match: " match "\n"

/* add_yaml - TEXT as t.yaml through rules_add into R; ERR filled */
static bool add_yaml(struct rules *r, const char *text, struct mv_err *err)
{
    struct yamlnode *root;
    bool ok;

    memset(err, 0, sizeof(*err));
    root = yamlnode_load_buffer("t.yaml", text, strlen(text), err);
    if (root == NULL)
        fail_msg("YAML does not parse: %s\n%s", err->msg, text);
    ok = rules_add(r, root, err);
    yamlnode_free(root);
    if (ok && err->status != MV_OK)
        fail_msg("rules_add succeeded but left an error: %s", err->msg);
    if (!ok && err->msg[0] == '\0')
        fail_msg("rules_add failed without a message");
    return ok;
}

/* load - a set from TEXT that must be valid */
static struct rules *load(const char *text)
{
    struct rules *r = rules_new();
    struct mv_err err;

    if (!add_yaml(r, text, &err))
        fail_msg("rules do not load: %s\n%s", err.msg, text);
    return r;
}

/* one_rule - a rule "t" around the predicate PRED (flow style, one line) */
static char *one_rule(const char *pred)
{
    return g_strdup_printf("- id: t\n  category: info\n  score: 1\n  match: %s\n", pred);
}

/* hit_ids - the ids of RES's hits, comma-separated (owned) */
static char *hit_ids(const struct rules_result *res)
{
    GString *s = g_string_new("");
    guint i;

    for (i = 0; i < res->hits->len; i++) {
        const struct rule_hit *h = g_ptr_array_index(res->hits, i);

        g_string_append_printf(s, "%s%s", i ? "," : "", h->id);
    }
    return g_string_free(s, FALSE);
}

/* hit_objects - the objects of hit ID in RES, comma-separated (owned); "-" for no hit */
static char *hit_objects(const struct rules_result *res, const char *id)
{
    GString *s;
    guint i;
    guint j;

    for (i = 0; i < res->hits->len; i++) {
        const struct rule_hit *h = g_ptr_array_index(res->hits, i);

        if (strcmp(h->id, id) != 0)
            continue;
        s = g_string_new("");
        for (j = 0; j < h->objects->len; j++)
            g_string_append_printf(s, "%s%s", j ? "," : "",
                                   (const char *)g_ptr_array_index(h->objects, j));
        return g_string_free(s, FALSE);
    }
    return g_strdup("-");
}

/* expect_str - fail with "got X, want Y" */
static void expect_str(const char *what, const char *got, const char *want)
{
    if (got == NULL || strcmp(got, want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", what, got ? got : "(null)", want);
}

/* holds - whether predicate PRED holds over F */
static bool holds(const struct features *f, const char *pred)
{
    char *text = one_rule(pred);
    struct rules *r = load(text);
    struct rules_result res = {0};
    bool hit;

    rules_eval(r, f, &res);
    hit = res.hits->len == 1;
    rules_result_clear(&res);
    rules_free(r);
    g_free(text);
    return hit;
}

/* error_of - the message rules_add gives for TEXT, which must fail (owned) */
static char *error_of(const char *text)
{
    struct rules *r = rules_new();
    struct mv_err err;
    char *msg;

    if (add_yaml(r, text, &err))
        fail_msg("rules_add accepted:\n%s", text);
    assert_int_equal(err.status, MV_ECONFIG);
    assert_int_equal(rules_count(r), 0);
    msg = g_strdup(err.msg);
    rules_free(r);
    return msg;
}

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
        cmocka_unit_test(every_predicate_kind_holds_or_not),
        cmocka_unit_test(outbound_follows_smtp_auth),
        cmocka_unit_test(missing_values_never_match),
        cmocka_unit_test(object_without_name_is_not_a_glob_match),
        cmocka_unit_test(rule_references_use_earlier_results),
        cmocka_unit_test(hits_record_the_objects_that_made_them),
        cmocka_unit_test(hits_carry_rule_fields_and_scores_sum),
        cmocka_unit_test(catastrophic_regex_is_an_error_not_a_miss),
        cmocka_unit_test(a_regex_that_gives_up_is_unknown),
        cmocka_unit_test(a_reference_to_an_undecided_rule_is_undecided),
        cmocka_unit_test(invalid_utf8_values_still_match),
        cmocka_unit_test(threads_share_a_loaded_set),
        cmocka_unit_test(each_error_names_file_line_and_cause),
        cmocka_unit_test(bad_regex_gives_pcre2_message_and_offset),
        cmocka_unit_test(several_errors_are_reported_at_once),
        cmocka_unit_test(failed_add_adds_nothing),
        cmocka_unit_test(reference_to_a_broken_rule_is_not_reported_again),
        cmocka_unit_test(empty_rules_key_adds_nothing),
        cmocka_unit_test(at_most_10000_rules),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
