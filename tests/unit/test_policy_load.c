/* test_policy_load.c - loading a policy directory (policy.c, policy_values.c): every
 * load error with its FILE:LINE, the errors of every file at once, duplicate keys among
 * the other errors, values left empty (refused where "none" removes a protection), a
 * setting in two files, a missing directory, which files are read and in what order
 * (campaigns/ after the top files), the names that look meant as policy files but are
 * not read ("local.yml", "LOCAL.YAML", campaigns/extra/x.yaml) and the allow globs that
 * match every address, both refused, the rules of the files and their count per file,
 * and the shipped sample (policies/policy.yaml), which must decide as the built-in
 * defaults do.  Each case writes its policy files into a fresh directory.  Decisions:
 * test_policy.c; the directory and the helpers: policy_fixture.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "policy_fixture.h"

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
        /* left without a value: refused where "none" would remove a protection */
        {"score_actions:\n  # - {score: 10, action: quarantine}\n",
         "/t.yaml:1: score_actions: missing value; list the score actions, or write "
         "score_actions: [] for none"},
        {"score_actions: ~\n", "/t.yaml:1: score_actions: missing value"},
        {"domains:\n  example.com:\n    score_actions:\n",
         "/t.yaml:3: domains.example.com.score_actions: missing value; list the score actions, "
         "or write score_actions: [] for none"},
        {"domains:\n  example.com:\n    block:\n      senders:\n",
         "/t.yaml:4: domains.example.com.block.senders: missing value; list the addresses, or "
         "write senders: [] for none (it replaces the global block.senders for the domain)"},
        {"domains:\n  example.com:\n    block: {recipients: null}\n",
         "/t.yaml:3: domains.example.com.block.recipients: missing value"},
        {"tag: {headers: maybe}\n", "/t.yaml:1: tag.headers: must be true or false, got maybe"},
        {"allow:\n  senders: ['user@']\n",
         "/t.yaml:2: allow.senders: user@: an address needs a domain"},
        {"block:\n  recipients: 'a@example.com'\n",
         "/t.yaml:2: block.recipients: must be a sequence, got a scalar"},
        {"domains:\n  'bad domain': {}\n", "/t.yaml:2: domains: bad domain: must be a domain"},
        /* a domain's setting one indent short: read as a domain, named as what it is */
        {"domains:\n  example.org:\n  actions: {unscannable: accept}\n",
         "/t.yaml:3: domains: actions: a setting of a domain, not a domain; indent it under the "
         "domain it belongs to"},
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

/* policy_empty_values_that_remove_nothing_load - an explicit [] for score_actions, and
 * lists left without a value where that only means fewer exceptions (allow) or no
 * entries added to the global ones (global block) */
static void policy_empty_values_that_remove_nothing_load(void **state)
{
    struct mv_err err;
    struct policy *p;

    (void)state;
    write_file("t.yaml", "score_actions: []\n"
                         "allow:\n"
                         "  senders:\n"
                         "block:\n"
                         "  recipients:\n"
                         "domains:\n"
                         "  example.com:\n"
                         "    score_actions: []\n"
                         "    allow: {senders: ~}\n"
                         "    block: {senders: []}\n");
    p = policy_load(dir, &err);
    if (p == NULL)
        fail_msg("policy_load: got \"%s\", want a policy", err.msg);
    assert_int_equal(err.status, MV_OK);
    policy_free(p);
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
    static const char *const others[] = {
        "README",
        "old.yaml.orig",
        "local.yaml.dpkg-old",
        "local.yaml.dpkg-dist",
        "local.yaml.bak",
        "local.yaml~",
        "local.yml.bak",
        ".local.yaml.swp",
        ".hidden.yml",
        "campaigns/README",
        "campaigns/a.yaml.dpkg-old",
        "campaigns/.a.yaml.swp",
        "campaigns/notes/README",
        "campaigns/.git/config.yaml",
    };
    struct policy *p;
    size_t i;

    (void)state;
    write_file("mailvet.yaml", "socket: unix:/run/mailvet/mailvetd.sock\nmax_parts: 10\n");
    write_file(".hidden.yaml", "bad: key\n");
    for (i = 0; i < G_N_ELEMENTS(others); i++)
        write_file(others[i], "bad: [\n");
    p = load_text("actions: {clean: tag}\n");
    assert_int_equal(policy_file_count(p), 1);
    policy_free(p);
    /* a file of comments only sets nothing */
    write_file("t.yaml", "# nothing yet\n");
    p = load_ok();
    assert_int_equal(policy_file_count(p), 1);
    policy_free(p);
}

/* policy_refuses_near_miss_names - a file whose name looks meant as a policy file but
 * is not read (".yml" in any case, ".yaml" in another case) is an error that names it and
 * the name to give it, at the top and in campaigns/, every one in the same run */
static void policy_refuses_near_miss_names(void **state)
{
    static const struct {
        const char *name;
        const char *fix;
    } cases[] = {
        {"local.yml", "local.yaml"}, {"LOCAL.YAML", "LOCAL.yaml"},  {"x.Yaml", "x.yaml"},
        {"a.YML", "a.yaml"},         {"campaigns/c.yml", "c.yaml"}, {"campaigns/D.YAML", "D.yaml"},
    };
    struct mv_err err;
    size_t i;

    (void)state;
    write_file("t.yaml", "actions: {clean: accept}\n");
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *path = g_build_filename(dir, cases[i].name, NULL);
        char *want = g_strdup_printf("%s: not read: policy files end in .yaml; rename it to %s",
                                     path, cases[i].fix);

        write_file(cases[i].name, "block: {senders: ['a@example.com']}\n");
        expect_error(want);
        assert_int_equal(g_unlink(path), 0);
        g_free(want);
        g_free(path);
    }
    /* all of them at once, one line each */
    write_file("local.yml", "block: {senders: ['a@example.com']}\n");
    write_file("campaigns/LOCAL.YAML", "block: {senders: ['a@example.com']}\n");
    assert_null(policy_load(dir, &err));
    expect_contains("errors", err.msg, "/local.yml: not read: policy files end in .yaml");
    expect_contains("errors", err.msg,
                    "campaigns/LOCAL.YAML: not read: policy files end in .yaml; rename it to "
                    "LOCAL.yaml");
}

/* policy_refuses_mailvet_yml_at_the_top - renamed to mailvet.yaml it would be skipped as
 * the daemon's configuration, so the fix says so */
static void policy_refuses_mailvet_yml_at_the_top(void **state)
{
    char *want;

    (void)state;
    write_file("t.yaml", "actions: {clean: accept}\n");
    write_file("mailvet.yml", "block: {senders: ['a@example.com']}\n");
    want = g_strdup_printf("%s/mailvet.yml: not read: policy files end in .yaml, and "
                           "mailvet.yaml here is skipped as the daemon's configuration; rename "
                           "it to another name ending in .yaml, or move it out of %s",
                           dir, dir);
    expect_error(want);
    g_free(want);
}

/* policy_refuses_policy_files_below_campaigns - campaigns/ is read one level deep: a
 * subdirectory that holds a policy file, at any depth, is an error naming it; one that
 * holds none is left alone */
static void policy_refuses_policy_files_below_campaigns(void **state)
{
    struct policy *p;
    char *want;

    (void)state;
    write_file("t.yaml", "actions: {clean: accept}\n");
    write_file("campaigns/notes/README", "what the campaigns are\n");
    p = load_ok();
    policy_free(p);
    write_file("campaigns/extra/x.yaml", "block: {senders: ['a@example.com']}\n");
    want = g_strdup_printf("%s/campaigns/extra: not read: subdirectories of campaigns/ are not "
                           "read (it holds x.yaml); move its policy files into %s/campaigns",
                           dir, dir);
    expect_error(want);
    g_free(want);
    write_file("campaigns/old/2023/y.yml", "block: {senders: ['a@example.com']}\n");
    want = g_strdup_printf("%s/campaigns/old: not read: subdirectories of campaigns/ are not "
                           "read (it holds 2023/y.yml)",
                           dir);
    expect_error(want);
    g_free(want);
}

/* policy_refuses_allow_globs_for_everyone - an allow glob that matches every sender or
 * every recipient would accept all mail, unscannable mail too: an error with FILE:LINE,
 * globally and in a domain */
static void policy_refuses_allow_globs_for_everyone(void **state)
{
    static const struct {
        const char *text;
        const char *want;
    } cases[] = {
        {"allow:\n  senders: ['*']\n",
         "/t.yaml:2: allow.senders: '*' matches every sender; list the senders to allow"},
        {"allow:\n  senders: ['*@*']\n",
         "/t.yaml:2: allow.senders: '*@*' matches every sender; list the senders to allow"},
        {"allow:\n  senders: ['*.*']\n",
         "/t.yaml:2: allow.senders: '*.*' matches every sender; list the senders to allow"},
        {"allow:\n  senders: ['*@*.*']\n",
         "/t.yaml:2: allow.senders: '*@*.*' matches every sender; list the senders to allow"},
        {"allow:\n  senders: ['?*']\n",
         "/t.yaml:2: allow.senders: '?*' matches every sender; list the senders to allow"},
        {"allow:\n  senders: ['**']\n",
         "/t.yaml:2: allow.senders: '**' matches every sender; list the senders to allow"},
        {"allow:\n  senders: ['[!@]*@*']\n",
         "/t.yaml:2: allow.senders: '[!@]*@*' matches every sender; list the senders to allow"},
        {"allow:\n  senders:\n    - a@example.com\n    - '*@*'\n",
         "/t.yaml:4: allow.senders: '*@*' matches every sender; list the senders to allow"},
        {"allow:\n  recipients: ['*@*']\n",
         "/t.yaml:2: allow.recipients: '*@*' matches every recipient; list the recipients to "
         "allow"},
        {"allow:\n  recipients: ['*']\n",
         "/t.yaml:2: allow.recipients: '*' matches every recipient; list the recipients to "
         "allow"},
        {"domains:\n  example.com:\n    allow: {senders: ['*']}\n",
         "/t.yaml:3: domains.example.com.allow.senders: '*' matches every sender; list the "
         "senders to allow"},
        {"domains:\n  example.com:\n    allow: {recipients: ['*@*.*']}\n",
         "/t.yaml:3: domains.example.com.allow.recipients: '*@*.*' matches every recipient; "
         "list the recipients to allow"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        write_file("t.yaml", cases[i].text);
        expect_error(cases[i].want);
    }
}

/* policy_accepts_bounded_allow_globs - globs bound to a domain, a TLD or a local part
 * load, and so does a block list that covers everyone (it only makes mail stricter) */
static void policy_accepts_bounded_allow_globs(void **state)
{
    struct req_spec spec = {MV_VERDICT_UNSCANNABLE, 0, "a@example.com", {"b@example.net"}};
    struct policy *p;

    (void)state;
    p = load_text("allow:\n"
                  "  senders: ['*@example.com', '*.org', '*@*.example.com', 'postmaster@*',\n"
                  "            '*e*', '*o*', '?*@example.net', '*@*.[a-z]*']\n"
                  "  recipients: ['*@example.net', '*.invalid']\n"
                  "block:\n"
                  "  senders: ['*']\n"
                  "  recipients: ['*@*']\n"
                  "  action: quarantine\n");
    expect_action("allowed, then blocked", action_of(p, &spec, NULL), MV_ACTION_QUARANTINE);
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
        cmocka_unit_test_setup_teardown(policy_reports_each_error_with_file_and_line, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(policy_empty_values_that_remove_nothing_load, setup,
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
        cmocka_unit_test_setup_teardown(policy_refuses_near_miss_names, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_refuses_mailvet_yml_at_the_top, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_refuses_policy_files_below_campaigns, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(policy_refuses_allow_globs_for_everyone, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_accepts_bounded_allow_globs, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_reads_campaigns_after_the_top_files, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(policy_campaigns_directory_is_loaded, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_counts_the_rules_of_every_file, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_rule_errors_name_their_file, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_sample_file_gives_the_defaults, setup, teardown),
    };

    return cmocka_run_group_tests_name("policy_load", tests, NULL, NULL);
}
