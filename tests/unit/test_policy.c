/* test_policy.c - the policy module (policy.c, policy_values.c, policy_decide.c): the
 * built-in defaults, thresholds to verdicts (a campaign needs a campaign hit), actions
 * per verdict, score_actions, allow and block lists (their globs matching as rule globs
 * do), domain overrides and strictest-wins over recipients, reply templates and their
 * sanitising, every load error with its FILE:LINE, which files are read and in what
 * order, the rules of the files, and the shipped sample (policies/policy.yaml), which must
 * decide as the built-in defaults do.  Each case writes its policy files into a fresh
 * directory from g_dir_make_tmp(); the rule hits are built by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "policy.h"

/* the policy directory of the running case */
static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = g_dir_make_tmp("mailvet-test-policy-XXXXXX", NULL);
    return dir == NULL ? -1 : 0;
}

/* remove_tree - PATH and everything below it */
static void remove_tree(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);
    const char *name;

    if (d != NULL) {
        while ((name = g_dir_read_name(d)) != NULL) {
            char *sub = g_build_filename(path, name, NULL);

            remove_tree(sub);
            g_free(sub);
        }
        g_dir_close(d);
        g_rmdir(path);
    } else {
        g_unlink(path);
    }
}

static int teardown(void **state)
{
    (void)state;
    remove_tree(dir);
    g_free(dir);
    dir = NULL;
    return 0;
}

/* write_file - DIR/NAME (NAME may hold a subdirectory) holds exactly TEXT */
static void write_file(const char *name, const char *text)
{
    char *path = g_build_filename(dir, name, NULL);
    char *parent = g_path_get_dirname(path);

    assert_int_equal(g_mkdir_with_parents(parent, 0700), 0);
    assert_true(g_file_set_contents(path, text, -1, NULL));
    g_free(parent);
    g_free(path);
}

/* load_ok - the policy of DIR, which must load */
static struct policy *load_ok(void)
{
    struct mv_err err;
    struct policy *p = policy_load(dir, &err);

    if (p == NULL)
        fail_msg("policy_load: got errors, want none:\n%s", err.msg);
    assert_int_equal(err.status, MV_OK);
    return p;
}

/* load_text - DIR/t.yaml holding TEXT, loaded */
static struct policy *load_text(const char *text)
{
    write_file("t.yaml", text);
    return load_ok();
}

/* expect_str - fail with "got X, want Y" */
static void expect_str(const char *what, const char *got, const char *want)
{
    if (got == NULL || want == NULL ? got != want : strcmp(got, want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", what, got ? got : "(null)", want ? want : "(null)");
}

/* expect_action - fail with "got X, want Y" */
static void expect_action(const char *what, enum mv_action got, enum mv_action want)
{
    if (got != want)
        fail_msg("%s: got %s, want %s", what, mv_action_name(got), mv_action_name(want));
}

/* expect_verdict - fail with "got X, want Y" */
static void expect_verdict(const char *what, enum mv_verdict got, enum mv_verdict want)
{
    if (got != want)
        fail_msg("%s: got %s, want %s", what, mv_verdict_name(got), mv_verdict_name(want));
}

/* expect_contains - HAYSTACK holds NEEDLE */
static void expect_contains(const char *what, const char *haystack, const char *needle)
{
    if (haystack == NULL || strstr(haystack, needle) == NULL)
        fail_msg("%s: got \"%s\", want it to contain \"%s\"", what, haystack ? haystack : "(null)",
                 needle);
}

/* expect_error - loading DIR fails with a line of err->msg that contains NEEDLE */
static void expect_error(const char *needle)
{
    struct mv_err err;
    struct policy *p = policy_load(dir, &err);

    if (p != NULL) {
        policy_free(p);
        fail_msg("policy_load: got a policy, want the error \"%s\"", needle);
    }
    assert_int_equal(err.status, MV_ECONFIG);
    expect_contains("errors", err.msg, needle);
}

/* a request built from a few words */
struct req_spec {
    enum mv_verdict verdict;
    double score;
    const char *sender;
    const char *rcpts[4]; /* NULL-terminated */
};

/* decide - the decision of P for SPEC (no reasons, no hits) */
static void decide(const struct policy *p, const struct req_spec *spec, struct policy_decision *out)
{
    GPtrArray *rcpts = g_ptr_array_new();
    struct policy_request req = {0};
    size_t i;

    for (i = 0; spec->rcpts[i] != NULL; i++)
        g_ptr_array_add(rcpts, (gpointer)spec->rcpts[i]);
    req.verdict = spec->verdict;
    req.score = spec->score;
    req.sender = spec->sender != NULL ? spec->sender : "";
    req.recipients = rcpts;
    policy_decide(p, &req, out);
    g_ptr_array_unref(rcpts);
}

/* action_of - just the action of P for SPEC, with its note in NOTE (may be NULL) */
static enum mv_action action_of(const struct policy *p, const struct req_spec *spec, char **note)
{
    struct policy_decision d;
    enum mv_action a;

    decide(p, spec, &d);
    a = d.action;
    if (note != NULL)
        *note = g_strdup(d.note);
    policy_decision_clear(&d);
    return a;
}

/* result_new - a rules_result of hits "CATEGORY:SCORE" (campaign hits name "Avaddon") */
static struct rules_result *result_new(const char *const *hits)
{
    struct rules_result *res = g_new0(struct rules_result, 1);
    size_t i;

    res->hits = g_ptr_array_new();
    for (i = 0; hits[i] != NULL; i++) {
        struct rule_hit *h = g_new0(struct rule_hit, 1);
        char **parts = g_strsplit(hits[i], ":", 2);

        h->id = "TEST_RULE";
        h->category = g_intern_string(parts[0]);
        h->campaign = strcmp(parts[0], "campaign") == 0 ? "Avaddon" : NULL;
        h->score = g_ascii_strtod(parts[1], NULL);
        res->score += h->score;
        g_ptr_array_add(res->hits, h);
        g_strfreev(parts);
    }
    return res;
}

/* result_free - what result_new made */
static void result_free(struct rules_result *res)
{
    guint i;

    for (i = 0; i < res->hits->len; i++)
        g_free(g_ptr_array_index(res->hits, i));
    g_ptr_array_unref(res->hits);
    g_free(res);
}

static void policy_defaults_without_a_directory(void **state)
{
    static const struct {
        enum mv_verdict verdict;
        enum mv_action action;
    } cases[] = {
        {MV_VERDICT_CLEAN, MV_ACTION_ACCEPT},
        {MV_VERDICT_SUSPICIOUS, MV_ACTION_TAG},
        /* held, not delivered: what could not be inspected is a sender's way in */
        {MV_VERDICT_UNSCANNABLE, MV_ACTION_QUARANTINE},
        {MV_VERDICT_CAMPAIGN, MV_ACTION_REJECT},
        {MV_VERDICT_INFECTED, MV_ACTION_REJECT},
    };
    const char *const dirs[] = {NULL, ""};
    struct policy_decision d;
    struct mv_err err;
    size_t i;
    size_t j;

    (void)state;
    for (j = 0; j < G_N_ELEMENTS(dirs); j++) {
        struct policy *p = policy_load(dirs[j], &err);

        assert_non_null(p);
        assert_int_equal(err.status, MV_OK);
        assert_int_equal(policy_file_count(p), 0);
        assert_int_equal(rules_count(policy_rules(p)), 0);
        for (i = 0; i < G_N_ELEMENTS(cases); i++) {
            struct req_spec spec = {cases[i].verdict, 0, "a@example.com", {"b@example.com"}};

            decide(p, &spec, &d);
            expect_action(mv_verdict_name(cases[i].verdict), d.action, cases[i].action);
            assert_true(d.headers);
            assert_null(d.subject_prefix);
            assert_null(d.note);
            if (d.action == MV_ACTION_REJECT) {
                expect_str("reject code", d.reply_code, "550");
                expect_str("reject xcode", d.reply_xcode, "5.7.1");
            } else {
                assert_null(d.reply_code);
                assert_null(d.reply_text);
            }
            policy_decision_clear(&d);
        }
        policy_free(p);
    }
}

static void policy_default_thresholds_are_5_and_10(void **state)
{
    const char *const four[] = {"suspicious:4.5", NULL};
    const char *const five[] = {"suspicious:5", NULL};
    const char *const ten[] = {"campaign:10", NULL};
    struct policy *p = policy_load(NULL, NULL);
    struct rules_result *r;

    (void)state;
    r = result_new(four);
    expect_verdict("4.5", policy_verdict(p, MV_VERDICT_CLEAN, r), MV_VERDICT_CLEAN);
    result_free(r);
    r = result_new(five);
    expect_verdict("5", policy_verdict(p, MV_VERDICT_CLEAN, r), MV_VERDICT_SUSPICIOUS);
    result_free(r);
    r = result_new(ten);
    expect_verdict("10", policy_verdict(p, MV_VERDICT_CLEAN, r), MV_VERDICT_CAMPAIGN);
    result_free(r);
    expect_verdict("no rules", policy_verdict(p, MV_VERDICT_UNSCANNABLE, NULL),
                   MV_VERDICT_UNSCANNABLE);
    policy_free(p);
}

static void policy_thresholds_raise_the_verdict(void **state)
{
    static const struct {
        const char *hits[4];
        enum mv_verdict signatures;
        enum mv_verdict want;
    } cases[] = {
        {{"info:2", NULL}, MV_VERDICT_CLEAN, MV_VERDICT_CLEAN},
        {{"info:3.5", NULL}, MV_VERDICT_CLEAN, MV_VERDICT_SUSPICIOUS},
        {{"suspicious:2", "info:1.5", NULL}, MV_VERDICT_CLEAN, MV_VERDICT_SUSPICIOUS},
        /* at the campaign threshold, but no hit of category campaign */
        {{"suspicious:5", "info:4", NULL}, MV_VERDICT_CLEAN, MV_VERDICT_SUSPICIOUS},
        {{"campaign:5", "info:3", NULL}, MV_VERDICT_CLEAN, MV_VERDICT_CAMPAIGN},
        /* a campaign hit below the campaign threshold is only suspicious */
        {{"campaign:7", NULL}, MV_VERDICT_CLEAN, MV_VERDICT_SUSPICIOUS},
        /* never lowers */
        {{"campaign:9", NULL}, MV_VERDICT_INFECTED, MV_VERDICT_INFECTED},
        {{"info:4", NULL}, MV_VERDICT_UNSCANNABLE, MV_VERDICT_UNSCANNABLE},
        {{"campaign:8", NULL}, MV_VERDICT_UNSCANNABLE, MV_VERDICT_CAMPAIGN},
        {{"info:-5", NULL}, MV_VERDICT_SUSPICIOUS, MV_VERDICT_SUSPICIOUS},
        {{NULL}, MV_VERDICT_CLEAN, MV_VERDICT_CLEAN},
    };
    struct policy *p;
    size_t i;

    (void)state;
    p = load_text("thresholds:\n  suspicious: 3.5\n  campaign: 8\n");
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct rules_result *r = result_new(cases[i].hits);
        char what[64];

        snprintf(what, sizeof(what), "case %zu (score %g)", i, r->score);
        expect_verdict(what, policy_verdict(p, cases[i].signatures, r), cases[i].want);
        result_free(r);
    }
    policy_free(p);
}

static void policy_maps_each_verdict_to_its_action(void **state)
{
    static const struct {
        enum mv_verdict verdict;
        enum mv_action action;
    } cases[] = {
        {MV_VERDICT_CLEAN, MV_ACTION_TAG},
        {MV_VERDICT_SUSPICIOUS, MV_ACTION_QUARANTINE},
        {MV_VERDICT_UNSCANNABLE, MV_ACTION_TEMPFAIL},
        {MV_VERDICT_CAMPAIGN, MV_ACTION_DISCARD},
        {MV_VERDICT_INFECTED, MV_ACTION_REJECT},
    };
    struct policy *p;
    size_t i;

    (void)state;
    p = load_text("actions:\n"
                  "  clean: tag\n"
                  "  suspicious: quarantine\n"
                  "  unscannable: tempfail\n"
                  "  campaign: discard\n");
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct req_spec spec = {cases[i].verdict, 0, "a@example.com", {"b@example.com"}};
        char *note = NULL;

        expect_action(mv_verdict_name(cases[i].verdict), action_of(p, &spec, &note),
                      cases[i].action);
        assert_null(note);
    }
    policy_free(p);
}

static void policy_score_actions_raise_the_action(void **state)
{
    static const struct {
        enum mv_verdict verdict;
        double score;
        enum mv_action want;
        const char *note;
    } cases[] = {
        {MV_VERDICT_CLEAN, 7.9, MV_ACTION_ACCEPT, NULL},
        {MV_VERDICT_CLEAN, 8, MV_ACTION_QUARANTINE, "score_action 8"},
        {MV_VERDICT_SUSPICIOUS, 12, MV_ACTION_QUARANTINE, "score_action 8"},
        {MV_VERDICT_SUSPICIOUS, 15.5, MV_ACTION_REJECT, "score_action 15.5"},
        {MV_VERDICT_SUSPICIOUS, 40, MV_ACTION_REJECT, "score_action 15.5"},
        /* never lowers: reject stays reject, with no note */
        {MV_VERDICT_INFECTED, 9, MV_ACTION_REJECT, NULL},
    };
    struct policy *p;
    size_t i;

    (void)state;
    p = load_text("score_actions:\n"
                  "  - {score: 15.5, action: reject}\n"
                  "  - score: 8\n"
                  "    action: quarantine\n");
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct req_spec spec = {
            cases[i].verdict, cases[i].score, "a@example.com", {"b@example.com"}};
        char *note = NULL;
        char what[64];

        snprintf(what, sizeof(what), "%s score %g", mv_verdict_name(cases[i].verdict),
                 cases[i].score);
        expect_action(what, action_of(p, &spec, &note), cases[i].want);
        expect_str(what, note, cases[i].note);
        g_free(note);
    }
    policy_free(p);
}

static void policy_allow_accepts_all_but_infected(void **state)
{
    static const struct {
        enum mv_verdict verdict;
        const char *sender;
        const char *rcpt;
        enum mv_action want;
        const char *note;
    } cases[] = {
        {MV_VERDICT_CAMPAIGN, "Alice@Trusted.Example.COM", "x@example.com", MV_ACTION_ACCEPT,
         "allow sender *@*.example.com"},
        {MV_VERDICT_SUSPICIOUS, "bob@example.org", "x@example.com", MV_ACTION_ACCEPT,
         "allow sender example.org"},
        {MV_VERDICT_UNSCANNABLE, "carol@example.net", "x@example.com", MV_ACTION_ACCEPT,
         "allow sender @example.net"},
        {MV_VERDICT_SUSPICIOUS, "dave@example.info", "x@example.com", MV_ACTION_ACCEPT,
         "allow sender Dave@Example.INFO"},
        /* a subdomain is not the domain */
        {MV_VERDICT_SUSPICIOUS, "erin@sub.example.org", "x@example.com", MV_ACTION_TAG, NULL},
        {MV_VERDICT_SUSPICIOUS, "other@example.info", "x@example.com", MV_ACTION_TAG, NULL},
        /* ClamAV detections keep their action */
        {MV_VERDICT_INFECTED, "bob@example.org", "x@example.com", MV_ACTION_REJECT, NULL},
        {MV_VERDICT_INFECTED, "z@example.com", "postmaster@example.com", MV_ACTION_REJECT, NULL},
        {MV_VERDICT_CAMPAIGN, "z@example.com", "<PostMaster@example.com>", MV_ACTION_ACCEPT,
         "allow recipient postmaster@example.com"},
        /* the null sender matches no sender entry */
        {MV_VERDICT_CAMPAIGN, "", "x@example.com", MV_ACTION_REJECT, NULL},
    };
    struct policy *p;
    size_t i;

    (void)state;
    p = load_text("allow:\n"
                  "  senders: ['*@*.example.com', example.org, '@example.net',\n"
                  "            Dave@Example.INFO]\n"
                  "  recipients: [postmaster@example.com]\n");
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct req_spec spec = {cases[i].verdict, 0, cases[i].sender, {cases[i].rcpt}};
        char *note = NULL;
        char what[128];

        snprintf(what, sizeof(what), "%s from %s to %s", mv_verdict_name(cases[i].verdict),
                 cases[i].sender, cases[i].rcpt);
        expect_action(what, action_of(p, &spec, &note), cases[i].want);
        expect_str(what, note, cases[i].note);
        g_free(note);
    }
    policy_free(p);
}

/* policy_allow_globs_match_as_rule_globs_do - an allow entry and a rule's sender glob
 * written alike agree on every sender: '[a-z]', '?' over a character of two bytes, and
 * case folded beyond ASCII (wildcard.h, one dialect) */
static void policy_allow_globs_match_as_rule_globs_do(void **state)
{
    static const struct {
        const char *sender;
        bool want;
    } cases[] = {
        {"m\xc3\xbcller@mail.example.com", true},  /* müller: '?' takes the ü */
        {"M\xc3\x9cLLER@Mail.Example.COM", true},  /* MÜLLER: Ü folds to ü */
        {"m\xc3\xbfller@mail.example.com", true},  /* mÿller */
        {"Mueller@mail.example.com", false},       /* '?' is one character */
        {"9\xc3\xbcller@mail.example.com", false}, /* 9 is not in [a-z] */
        {"m\xc3\xbcller@example.com", false},      /* "*." wants a subdomain */
    };
    struct policy *p;
    size_t i;

    (void)state;
    p = load_text("allow:\n"
                  "  senders: ['[a-z]?ller@*.example.com']\n"
                  "rules:\n"
                  "  - id: SENDER_GLOB\n"
                  "    category: info\n"
                  "    score: 1\n"
                  "    match: {sender: '[a-z]?ller@*.example.com'}\n");
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct req_spec spec = {MV_VERDICT_SUSPICIOUS, 0, cases[i].sender, {"x@example.net"}};
        struct features f = {0};
        struct rules_result res = {0};
        bool allowed;
        bool hit;

        allowed = action_of(p, &spec, NULL) == MV_ACTION_ACCEPT;
        f.env.sender = cases[i].sender;
        rules_eval(policy_rules(p), &f, &res);
        hit = res.hits->len == 1;
        rules_result_clear(&res);
        if (allowed != cases[i].want)
            fail_msg("allow entry over %s: got %d, want %d", cases[i].sender, allowed,
                     cases[i].want);
        if (hit != cases[i].want)
            fail_msg("rule glob over %s: got %d, want %d", cases[i].sender, hit, cases[i].want);
    }
    policy_free(p);
}

static void policy_allowed_recipient_covers_only_itself(void **state)
{
    struct req_spec spec = {
        MV_VERDICT_CAMPAIGN, 0, "z@example.com", {"postmaster@example.com", "bob@example.com"}};
    struct policy *p;
    char *note = NULL;

    (void)state;
    p = load_text("allow:\n  recipients: [postmaster@example.com]\n");
    expect_action("two recipients", action_of(p, &spec, &note), MV_ACTION_REJECT);
    expect_str("note", note,
               "recipients disagree: postmaster@example.com=accept example.com=reject, "
               "strictest reject");
    g_free(note);
    policy_free(p);
}

static void policy_block_gives_the_block_action(void **state)
{
    static const struct {
        enum mv_verdict verdict;
        const char *sender;
        const char *rcpt;
        enum mv_action want;
        const char *note;
    } cases[] = {
        {MV_VERDICT_CLEAN, "spammer@example.com", "x@example.org", MV_ACTION_QUARANTINE,
         "block sender spammer@example.com"},
        {MV_VERDICT_CLEAN, "a@bad.example.net", "x@example.org", MV_ACTION_QUARANTINE,
         "block sender *@bad.example.net"},
        {MV_VERDICT_CLEAN, "a@example.com", "closed@example.org", MV_ACTION_QUARANTINE,
         "block recipient closed@example.org"},
        /* never lowers */
        {MV_VERDICT_INFECTED, "spammer@example.com", "x@example.org", MV_ACTION_REJECT, NULL},
        /* block wins over allow */
        {MV_VERDICT_CLEAN, "vip@bad.example.net", "x@example.org", MV_ACTION_QUARANTINE,
         "block sender *@bad.example.net"},
        {MV_VERDICT_CLEAN, "a@example.com", "x@example.org", MV_ACTION_ACCEPT, NULL},
    };
    struct policy *p;
    size_t i;

    (void)state;
    write_file("a.yaml", "block:\n"
                         "  senders: [spammer@example.com]\n"
                         "  action: quarantine\n"
                         "allow:\n"
                         "  senders: [vip@bad.example.net]\n");
    /* lists add up over the files */
    p = load_text("block:\n"
                  "  senders: ['*@bad.example.net']\n"
                  "  recipients: [closed@example.org]\n");
    assert_int_equal(policy_file_count(p), 2);
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct req_spec spec = {cases[i].verdict, 0, cases[i].sender, {cases[i].rcpt}};
        char *note = NULL;
        char what[128];

        snprintf(what, sizeof(what), "%s from %s to %s", mv_verdict_name(cases[i].verdict),
                 cases[i].sender, cases[i].rcpt);
        expect_action(what, action_of(p, &spec, &note), cases[i].want);
        expect_str(what, note, cases[i].note);
        g_free(note);
    }
    policy_free(p);
}

static void policy_block_action_defaults_to_reject(void **state)
{
    struct req_spec spec = {MV_VERDICT_CLEAN, 0, "x@spam.example.com", {"a@example.org"}};
    struct policy_decision d;
    struct policy *p;

    (void)state;
    p = load_text("block:\n  senders: [spam.example.com]\n");
    decide(p, &spec, &d);
    expect_action("blocked", d.action, MV_ACTION_REJECT);
    expect_str("note", d.note, "block sender spam.example.com");
    expect_str("code", d.reply_code, "550");
    expect_str("text", d.reply_text, "Message rejected: clean (none)");
    policy_decision_clear(&d);
    policy_free(p);
}

static void policy_domains_override_for_their_recipients(void **state)
{
    static const struct {
        const char *rcpt;
        enum mv_action want;
        const char *prefix;
        bool headers;
    } cases[] = {
        {"a@example.net", MV_ACTION_QUARANTINE, "[SPAM?] ", true},
        {"a@EXAMPLE.NET", MV_ACTION_QUARANTINE, "[SPAM?] ", true},
        /* *.example.org: its subdomains, not example.org itself */
        {"a@mail.example.org", MV_ACTION_REJECT, "[S] ", false},
        {"a@x.y.example.org", MV_ACTION_REJECT, "[S] ", false},
        {"a@example.org", MV_ACTION_TAG, "[S] ", true},
        /* the exact entry beats the wildcard, the nearest parent beats a farther one */
        {"a@sub.example.org", MV_ACTION_DISCARD, "[S] ", true},
        {"a@x.deep.example.org", MV_ACTION_TEMPFAIL, "[S] ", true},
        {"a@example.com", MV_ACTION_TAG, "[S] ", true},
    };
    struct policy *p;
    size_t i;

    (void)state;
    p = load_text("tag: {subject_prefix: '[S] '}\n"
                  "domains:\n"
                  "  Example.NET:\n"
                  "    actions: {suspicious: quarantine}\n"
                  "    tag: {subject_prefix: '[SPAM?] '}\n"
                  "  '*.example.org':\n"
                  "    actions: {suspicious: reject}\n"
                  "    tag: {headers: false}\n"
                  "  sub.example.org:\n"
                  "    actions: {suspicious: discard}\n"
                  "  '*.deep.example.org':\n"
                  "    actions: {suspicious: tempfail}\n");
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct req_spec spec = {MV_VERDICT_SUSPICIOUS, 0, "z@example.com", {cases[i].rcpt}};
        struct policy_decision d;

        decide(p, &spec, &d);
        expect_action(cases[i].rcpt, d.action, cases[i].want);
        expect_str(cases[i].rcpt, d.subject_prefix, cases[i].prefix);
        if (d.headers != cases[i].headers)
            fail_msg("%s: headers: got %d, want %d", cases[i].rcpt, d.headers, cases[i].headers);
        assert_null(d.note);
        policy_decision_clear(&d);
    }
    policy_free(p);
}

static void policy_domain_lists_and_replies_replace_the_global_ones(void **state)
{
    struct req_spec to_net = {MV_VERDICT_CLEAN, 20, "x@partner.example.com", {"a@example.net"}};
    struct req_spec to_com = {MV_VERDICT_CLEAN, 20, "x@partner.example.com", {"a@example.com"}};
    struct policy_decision d;
    struct policy *p;

    (void)state;
    p = load_text("score_actions: [{score: 10, action: tempfail}]\n"
                  "domains:\n"
                  "  example.net:\n"
                  "    score_actions: []\n"
                  "    block: {senders: [partner.example.com], action: reject}\n"
                  "    replies:\n"
                  "      reject: {code: 554, text: 'No mail from %{verdict} partners'}\n");
    decide(p, &to_net, &d);
    expect_action("example.net", d.action, MV_ACTION_REJECT);
    expect_str("note", d.note, "block sender partner.example.com");
    expect_str("code", d.reply_code, "554");
    expect_str("xcode (inherited)", d.reply_xcode, "5.7.1");
    expect_str("text", d.reply_text, "No mail from clean partners");
    policy_decision_clear(&d);
    decide(p, &to_com, &d);
    expect_action("example.com", d.action, MV_ACTION_TEMPFAIL);
    expect_str("note", d.note, "score_action 10");
    expect_str("code", d.reply_code, "451");
    expect_str("text", d.reply_text, "Message deferred: clean (none)");
    policy_decision_clear(&d);
    policy_free(p);
}

static void policy_strictest_recipient_wins_and_the_note_names_each(void **state)
{
    struct req_spec spec = {MV_VERDICT_SUSPICIOUS,
                            0,
                            "z@example.com",
                            {"a@example.com", "b@example.net", "c@example.com", NULL}};
    struct policy_decision d;
    struct policy *p;

    (void)state;
    p = load_text("domains:\n"
                  "  example.net:\n"
                  "    actions: {suspicious: quarantine}\n"
                  "    tag: {subject_prefix: '[Q] '}\n");
    decide(p, &spec, &d);
    expect_action("strictest", d.action, MV_ACTION_QUARANTINE);
    expect_str("note", d.note,
               "recipients disagree: example.com=tag example.net=quarantine, strictest quarantine");
    /* the tag settings are those of the recipient that decided */
    expect_str("prefix", d.subject_prefix, "[Q] ");
    policy_decision_clear(&d);
    policy_free(p);
}

static void policy_no_recipient_is_one_recipient_in_no_domain(void **state)
{
    struct req_spec spec = {MV_VERDICT_SUSPICIOUS, 0, "z@example.com", {NULL}};
    struct policy_request req = {0};
    struct policy_decision d;
    struct policy *p;

    (void)state;
    p = load_text("actions: {suspicious: quarantine}\n"
                  "domains:\n"
                  "  example.net: {actions: {suspicious: reject}}\n");
    decide(p, &spec, &d);
    expect_action("no recipients", d.action, MV_ACTION_QUARANTINE);
    assert_null(d.note);
    policy_decision_clear(&d);
    /* a NULL recipient list and sender too */
    req.verdict = MV_VERDICT_SUSPICIOUS;
    policy_decide(p, &req, &d);
    expect_action("NULL recipients", d.action, MV_ACTION_QUARANTINE);
    policy_decision_clear(&d);
    policy_free(p);
}

static void policy_reply_expands_and_sanitises(void **state)
{
    const char *const hits[] = {"campaign:6", "campaign:6", "info:1", NULL};
    GPtrArray *reasons = g_ptr_array_new();
    struct rules_result *r = result_new(hits);
    struct policy_request req = {0};
    struct policy_decision d;
    struct policy *p;

    (void)state;
    p = load_text("replies:\n"
                  "  reject:\n"
                  "    code: 554\n"
                  "    xcode: 5.7.0\n"
                  "    text: \"[%{queue_id}] %{verdict} %{campaign} score=%{score}: %{reasons} "
                  "100%\"\n");
    g_ptr_array_add(reasons, "Win.Test.EICAR_HDB-1");
    g_ptr_array_add(reasons, "bad\r\nX-Injected: yes");
    g_ptr_array_add(reasons, "caf\xc3\xa9\x7f\tend");
    req.verdict = policy_verdict(p, MV_VERDICT_CLEAN, r);
    req.score = r->score;
    req.sender = "a@example.com";
    req.reasons = reasons;
    req.rules = r;
    req.queue_id = "4Xy7Rz1";
    policy_decide(p, &req, &d);
    expect_action("campaign", d.action, MV_ACTION_REJECT);
    expect_str("code", d.reply_code, "554");
    expect_str("xcode", d.reply_xcode, "5.7.0");
    expect_str("text", d.reply_text,
               "[4Xy7Rz1] campaign Avaddon score=13: Win.Test.EICAR_HDB-1, "
               "bad??X-Injected: yes, caf???end 100%");
    policy_decision_clear(&d);
    /* no queue id, no reasons */
    req.queue_id = NULL;
    req.reasons = NULL;
    req.rules = NULL;
    req.score = 2.25;
    policy_decide(p, &req, &d);
    expect_str("text", d.reply_text, "[unknown] campaign none score=2.25: none 100%");
    policy_decision_clear(&d);
    g_ptr_array_unref(reasons);
    result_free(r);
    policy_free(p);
}

static void policy_reply_is_bounded_and_cuts_the_reasons(void **state)
{
    GPtrArray *reasons = g_ptr_array_new_with_free_func(g_free);
    struct policy_request req = {0};
    struct policy_decision d;
    struct policy *p;
    size_t i;
    size_t len;

    (void)state;
    for (i = 0; i < 500; i++)
        g_ptr_array_add(reasons, g_strdup_printf("Mailvet.Test.Signature-%zu", i));
    p = policy_load(NULL, NULL);
    req.verdict = MV_VERDICT_INFECTED;
    req.reasons = reasons;
    policy_decide(p, &req, &d);
    len = strlen(d.reply_text);
    if (len > 399 || len < 350)
        fail_msg("reply length: got %zu, want 350..399", len);
    expect_contains("text", d.reply_text, "Message rejected: infected (Mailvet.Test.Signature-0, ");
    expect_contains("text", d.reply_text, ", ...)");
    policy_decision_clear(&d);
    /* one reason longer than the reply */
    g_ptr_array_set_size(reasons, 0);
    g_ptr_array_add(reasons, g_strnfill(2000, 'x'));
    policy_decide(p, &req, &d);
    len = strlen(d.reply_text);
    if (len > 399)
        fail_msg("reply length: got %zu, want at most 399", len);
    expect_contains("text", d.reply_text, "xxx...)");
    policy_decision_clear(&d);
    g_ptr_array_unref(reasons);
    policy_free(p);
}

static void policy_tempfail_reply_is_4xx(void **state)
{
    struct req_spec spec = {MV_VERDICT_UNSCANNABLE, 0, "a@example.com", {"b@example.com"}};
    struct policy_decision d;
    struct policy *p;

    (void)state;
    p = load_text("actions: {unscannable: tempfail}\n"
                  "replies:\n"
                  "  tempfail: {code: 452, xcode: 4.3.1, text: 'Busy, %{verdict}'}\n");
    decide(p, &spec, &d);
    expect_action("unscannable", d.action, MV_ACTION_TEMPFAIL);
    expect_str("code", d.reply_code, "452");
    expect_str("xcode", d.reply_xcode, "4.3.1");
    expect_str("text", d.reply_text, "Busy, unscannable");
    policy_decision_clear(&d);
    policy_free(p);
}

static void policy_reports_each_error_with_file_and_line(void **state)
{
    static const struct {
        const char *text;
        const char *want;
    } cases[] = {
        {"thresholds:\n  suspicous: 3\n",
         "/t.yaml:2: thresholds.suspicous: unknown key (did you mean suspicious?)"},
        {"acitons: {}\n", "/t.yaml:1: acitons: unknown key (did you mean actions?)"},
        {"weird: 1\n", "/t.yaml:1: weird: unknown key (expected one of rules, thresholds, "},
        {"actions:\n  clean: accept\n  suspicious: bounce\n",
         "/t.yaml:3: actions.suspicious: must be accept, tag, quarantine, discard, tempfail or "
         "reject, got bounce"},
        {"actions:\n  spam: reject\n", "/t.yaml:2: actions.spam: unknown key (expected one of "},
        {"replies:\n  reject: {code: 250, xcode: 5.7.1}\n",
         "/t.yaml:2: replies.reject.code: must be a 5xx reply code for reject, got 250"},
        {"replies:\n  reject:\n    xcode: 4.7.1\n",
         "/t.yaml:3: replies.reject.xcode: must be an enhanced status code 5.X.Y for reject"},
        {"replies:\n  tempfail: {code: 550}\n",
         "/t.yaml:2: replies.tempfail.code: must be a 4xx reply code for tempfail, got 550"},
        {"replies:\n  tag: {code: 250}\n",
         "/t.yaml:2: replies.tag: tag has no SMTP reply (only reject and tempfail have one)"},
        {"replies:\n  reject: {text: 'no %{sender}'}\n",
         "/t.yaml:2: replies.reject.text: unknown variable %{sender}"},
        {"replies:\n  reject: {text: \"two\\nlines\"}\n",
         "/t.yaml:2: replies.reject.text: must be printable ASCII on one line"},
        {"thresholds: {suspicious: many}\n",
         "/t.yaml:1: thresholds.suspicious: must be a number between"},
        {"thresholds: {suspicious: 12}\n",
         "t.yaml:1: thresholds.campaign (10) must not be below thresholds.suspicious (12)"},
        {"score_actions:\n  - {score: 5}\n",
         "/t.yaml:2: score_actions: each item needs both score and action"},
        {"tag: {headers: maybe}\n", "/t.yaml:1: tag.headers: must be true or false, got maybe"},
        {"allow:\n  senders: ['user@']\n",
         "/t.yaml:2: allow.senders: user@: an address needs a domain"},
        {"block:\n  recipients: 'a@example.com'\n",
         "/t.yaml:2: block.recipients: must be a sequence, got a scalar"},
        {"domains:\n  'bad domain': {}\n", "/t.yaml:2: domains: bad domain: must be a domain"},
        {"domains:\n  example.com:\n    thresholds: {campaign: 3}\n",
         "/t.yaml:3: domains.example.com.thresholds: not allowed in a domain"},
        {"domains:\n  example.com:\n    actoins: {}\n",
         "/t.yaml:3: domains.example.com.actoins: unknown key (did you mean actions?)"},
        {"- a\n- b\n", "/t.yaml:1: a policy file must be a mapping of keys, got a sequence"},
        {"actions: {clean: [accept]}\n", "/t.yaml:1: actions.clean: must be a single value"},
        {"actions: {clean: accept\n", "/t.yaml:"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        write_file("t.yaml", cases[i].text);
        expect_error(cases[i].want);
    }
}

static void policy_collects_every_error_of_every_file(void **state)
{
    struct mv_err err;
    struct policy *p;

    (void)state;
    write_file("a.yaml", "actions: {clean: nope}\n");
    write_file("b.yaml", "thresholds: {campain: 3}\ntag: {headers: 2}\n");
    p = policy_load(dir, &err);
    assert_null(p);
    expect_contains("errors", err.msg, "/a.yaml:1: actions.clean: must be");
    expect_contains("errors", err.msg, "/b.yaml:1: thresholds.campain: unknown key");
    expect_contains("errors", err.msg, "/b.yaml:2: tag.headers: must be true or false");
    assert_int_equal(err.status, MV_ECONFIG);
}

/* policy_reports_a_duplicate_key_with_the_other_errors - a duplicate key, in a rule or
 * at the top, names both lines and is one error among the others of its file and of
 * the other files */
static void policy_reports_a_duplicate_key_with_the_other_errors(void **state)
{
    struct mv_err err;
    struct policy *p;
    char *want;

    (void)state;
    write_file("a.yaml", "rules:\n"
                         "  - id: DUP_SCORE\n"
                         "    category: suspicious\n"
                         "    score: 5\n"
                         "    score: 6\n"
                         "    match: {subject: {regex: \"x\"}}\n"
                         "actions:\n"
                         "  clean: nope\n"
                         "thresholds: {suspicious: 4}\n"
                         "thresholds: {suspicious: 3}\n");
    write_file("b.yaml", "tag: {headers: 2}\n");
    p = policy_load(dir, &err);
    if (p != NULL)
        fail_msg("policy_load: got a policy, want the duplicate keys refused");
    assert_int_equal(err.status, MV_ECONFIG);
    want = g_strdup_printf("%s/a.yaml:5: score: duplicate key (first at line 4)\n"
                           "%s/a.yaml:10: thresholds: duplicate key (first at line 9)\n"
                           "%s/a.yaml:8: actions.clean: must be accept, tag, quarantine, "
                           "discard, tempfail or reject, got nope\n"
                           "%s/b.yaml:1: tag.headers: must be true or false, got 2",
                           dir, dir, dir, dir);
    expect_str("errors", err.msg, want);
    g_free(want);
}

static void policy_setting_in_two_files_names_both(void **state)
{
    char *want;

    (void)state;
    write_file("a.yaml", "# first\nthresholds:\n  suspicious: 4\n");
    write_file("b.yaml", "thresholds:\n  campaign: 12\n  suspicious: 6\n");
    want = g_strdup_printf("/b.yaml:3: thresholds.suspicious: already set at %s/a.yaml:3", dir);
    expect_error(want);
    g_free(want);
}

static void policy_other_settings_in_two_files_are_errors(void **state)
{
    static const struct {
        const char *first;
        const char *second;
        const char *want;
    } cases[] = {
        {"actions: {clean: tag}\n", "actions: {clean: accept}\n", "actions.clean: already set"},
        {"replies: {reject: {code: 554}}\n", "replies: {reject: {text: x}}\n",
         "replies.reject: already set"},
        {"tag: {subject_prefix: 'a'}\n", "tag: {subject_prefix: 'b'}\n",
         "tag.subject_prefix: already set"},
        {"score_actions: []\n", "score_actions: []\n", "score_actions: already set"},
        {"block: {action: tag}\n", "block: {action: quarantine}\n", "block.action: already set"},
        {"domains: {example.com: {}}\n", "domains: {EXAMPLE.com: {}}\n",
         "domains.example.com: already set"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        write_file("a.yaml", cases[i].first);
        write_file("b.yaml", cases[i].second);
        expect_error(cases[i].want);
    }
    /* different fields of one key may come from different files */
    write_file("a.yaml", "actions: {clean: tag}\n");
    write_file("b.yaml", "actions: {suspicious: quarantine}\n");
    policy_free(load_ok());
}

static void policy_missing_directory_is_an_error(void **state)
{
    char *missing = g_build_filename(dir, "nowhere", NULL);
    char *want = g_strdup_printf("%s: cannot open the policy directory: ", missing);
    struct mv_err err;

    (void)state;
    assert_null(policy_load(missing, &err));
    assert_int_equal(err.status, MV_ECONFIG);
    expect_contains("error", err.msg, want);
    g_free(want);
    g_free(missing);
}

static void policy_ignores_mailvet_yaml_and_other_files(void **state)
{
    struct policy *p;

    (void)state;
    write_file("mailvet.yaml", "socket: unix:/run/mailvet/mailvetd.sock\nmax_parts: 10\n");
    write_file("README", "not yaml: [\n");
    write_file("old.yaml.orig", "bad: key\n");
    write_file(".hidden.yaml", "bad: key\n");
    p = load_text("actions: {clean: tag}\n");
    assert_int_equal(policy_file_count(p), 1);
    policy_free(p);
    /* a file of comments only sets nothing */
    write_file("t.yaml", "# nothing yet\n");
    p = load_ok();
    assert_int_equal(policy_file_count(p), 1);
    policy_free(p);
}

static void policy_reads_campaigns_after_the_top_files(void **state)
{
    char *want;

    (void)state;
    /* z.yaml sorts last at the top but is still read before campaigns/a.yaml */
    write_file("z.yaml", "thresholds: {campaign: 12}\n");
    write_file("campaigns/a.yaml", "thresholds: {campaign: 14}\n");
    want =
        g_strdup_printf("campaigns/a.yaml:1: thresholds.campaign: already set at %s/z.yaml:1", dir);
    expect_error(want);
    g_free(want);
    /* the top files in name order */
    write_file("campaigns/a.yaml", "actions: {clean: tag}\n");
    write_file("b.yaml", "thresholds: {suspicious: 2}\n");
    write_file("a.yaml", "thresholds: {suspicious: 3}\n");
    want = g_strdup_printf("/b.yaml:1: thresholds.suspicious: already set at %s/a.yaml:1", dir);
    expect_error(want);
    g_free(want);
}

static void policy_campaigns_directory_is_loaded(void **state)
{
    struct req_spec spec = {MV_VERDICT_SUSPICIOUS, 0, "a@example.com", {"b@example.com"}};
    struct policy *p;

    (void)state;
    write_file("campaigns/avaddon.yaml", "actions: {suspicious: quarantine}\n");
    write_file("campaigns/mailvet.yaml", "actions: {clean: tag}\n");
    p = load_text("thresholds: {suspicious: 4}\n");
    assert_int_equal(policy_file_count(p), 3);
    expect_action("from campaigns/", action_of(p, &spec, NULL), MV_ACTION_QUARANTINE);
    policy_free(p);
}

static void policy_counts_the_rules_of_every_file(void **state)
{
    struct policy *p;

    (void)state;
    write_file("a.yaml", "rules:\n"
                         "  - id: LURE_SUBJECT\n"
                         "    category: suspicious\n"
                         "    score: 2\n"
                         "    match: {subject: '*invoice*'}\n"
                         "  - id: SCRIPT_ATTACHMENT\n"
                         "    category: suspicious\n"
                         "    score: 3\n"
                         "    match: {attachment: {name: '*.js'}}\n");
    write_file("campaigns/avaddon.yaml", "rules:\n"
                                         "  - id: AVADDON\n"
                                         "    category: campaign\n"
                                         "    campaign: Avaddon\n"
                                         "    score: 7\n"
                                         "    match:\n"
                                         "      all: [{rule: LURE_SUBJECT}, "
                                         "{rule: SCRIPT_ATTACHMENT}]\n");
    write_file("b.yaml", "actions: {suspicious: tag}\n");
    p = load_ok();
    assert_int_equal(rules_count(policy_rules(p)), 3);
    assert_int_equal(policy_file_count(p), 3);
    /* per file, in the order read (check-config and mailvetd -n print them) */
    {
        static const struct {
            const char *name;
            size_t rules;
        } want[] = {{"a.yaml", 2}, {"b.yaml", 0}, {"campaigns/avaddon.yaml", 1}};

        for (unsigned i = 0; i < G_N_ELEMENTS(want); i++) {
            char *path = g_build_filename(dir, want[i].name, NULL);

            expect_str("file", policy_file_path(p, i), path);
            if (policy_file_rules(p, i) != want[i].rules)
                fail_msg("%s: got %zu rules, want %zu", want[i].name, policy_file_rules(p, i),
                         want[i].rules);
            g_free(path);
        }
        assert_null(policy_file_path(p, 3));
    }
    policy_free(p);
}

static void policy_rule_errors_name_their_file(void **state)
{
    (void)state;
    write_file("a.yaml", "rules:\n"
                         "  - id: BROKEN\n"
                         "    category: nonsense\n"
                         "    score: 2\n"
                         "    match: {subject: x}\n");
    expect_error("/a.yaml:");
}

static void policy_sample_file_gives_the_defaults(void **state)
{
    static const double scores[] = {-3, 0, 4.9, 5, 9.9, 10, 15, 100};
    const char *const categories[] = {"info", "campaign"};
    const char *top = getenv("top_srcdir");
    struct policy *sample;
    struct policy *builtin;
    char *path;
    char *text;
    size_t v;
    size_t i;
    size_t c;

    (void)state;
    /* make check exports top_srcdir; by hand, run from the top of the source tree */
    path = g_build_filename(top != NULL ? top : ".", "policies", "policy.yaml", NULL);
    if (top == NULL && !g_file_test(path, G_FILE_TEST_EXISTS)) {
        print_message("# %s: not found and top_srcdir not set, not checked\n", path);
        g_free(path);
        return;
    }
    assert_true(g_file_get_contents(path, &text, NULL, NULL));
    sample = load_text(text);
    builtin = policy_load(NULL, NULL);
    for (v = MV_VERDICT_CLEAN; v <= MV_VERDICT_INFECTED; v++) {
        for (i = 0; i < G_N_ELEMENTS(scores); i++) {
            struct req_spec spec = {
                (enum mv_verdict)v, scores[i], "a@example.com", {"b@example.net"}};
            struct policy_decision want;
            struct policy_decision got;
            char what[64];

            snprintf(what, sizeof(what), "%s score %g", mv_verdict_name((enum mv_verdict)v),
                     scores[i]);
            decide(builtin, &spec, &want);
            decide(sample, &spec, &got);
            expect_action(what, got.action, want.action);
            expect_str(what, got.reply_code, want.reply_code);
            expect_str(what, got.reply_xcode, want.reply_xcode);
            expect_str(what, got.reply_text, want.reply_text);
            expect_str(what, got.subject_prefix, want.subject_prefix);
            expect_str(what, got.note, want.note);
            assert_int_equal(got.headers, want.headers);
            policy_decision_clear(&want);
            policy_decision_clear(&got);
            for (c = 0; c < G_N_ELEMENTS(categories); c++) {
                char hit[64];
                const char *hits[] = {hit, NULL};
                struct rules_result *r;

                snprintf(hit, sizeof(hit), "%s:%g", categories[c], scores[i]);
                r = result_new(hits);
                expect_verdict(what, policy_verdict(sample, (enum mv_verdict)v, r),
                               policy_verdict(builtin, (enum mv_verdict)v, r));
                result_free(r);
            }
        }
    }
    assert_int_equal(rules_count(policy_rules(sample)), 0);
    policy_free(builtin);
    policy_free(sample);
    g_free(text);
    g_free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(policy_defaults_without_a_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_default_thresholds_are_5_and_10, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_thresholds_raise_the_verdict, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_maps_each_verdict_to_its_action, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_score_actions_raise_the_action, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_allow_accepts_all_but_infected, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_allow_globs_match_as_rule_globs_do, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_allowed_recipient_covers_only_itself, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(policy_block_gives_the_block_action, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_block_action_defaults_to_reject, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_domains_override_for_their_recipients, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(policy_domain_lists_and_replies_replace_the_global_ones,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(policy_strictest_recipient_wins_and_the_note_names_each,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(policy_no_recipient_is_one_recipient_in_no_domain, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(policy_reply_expands_and_sanitises, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_reply_is_bounded_and_cuts_the_reasons, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(policy_tempfail_reply_is_4xx, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_reports_each_error_with_file_and_line, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(policy_collects_every_error_of_every_file, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_reports_a_duplicate_key_with_the_other_errors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(policy_setting_in_two_files_names_both, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_other_settings_in_two_files_are_errors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(policy_missing_directory_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_ignores_mailvet_yaml_and_other_files, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(policy_reads_campaigns_after_the_top_files, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(policy_campaigns_directory_is_loaded, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_counts_the_rules_of_every_file, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_rule_errors_name_their_file, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_sample_file_gives_the_defaults, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
