/* test_policy.c - the policy module's decisions (policy_decide.c over what policy.c
 * loaded): the built-in defaults, thresholds to verdicts (a campaign needs a campaign
 * hit), actions per verdict, score_actions, allow and block lists (their globs matching
 * as rule globs do), domain overrides and strictest-wins over recipients, reply
 * templates, their sanitising and their bound.  Each case writes its policy files into
 * a fresh directory; the rule hits are built by hand.  Loading, its errors and the
 * shipped sample: test_policy_load.c; the directory and the helpers: policy_fixture.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_fixture.h"

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
    };

    return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
