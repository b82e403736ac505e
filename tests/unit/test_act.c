/* test_act.c - act.c: each action as the answer and header changes the MTA gets,
 * the default replies and the policy's own, a quarantine that becomes a hold when the
 * message was cut, the tag headers and subject prefix, and the accepted message that
 * carries X-Mailvet-Status only when add_header is set.  The pipeline results are
 * built by hand; the subject comes from a real parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <glib.h>

#include "act.h"
#include "message.h"

static const char sample[] = "From: a@example.com\r\nTo: b@example.com\r\n"
                             "Subject: Invoice 42\r\n\r\nbody\r\n";

/* the parsed message borrows its bytes: they live until result_clear */
static GByteArray *bytes;

/* result_init - a result with VERDICT, ACTION, one reason and one rule hit */
static void result_init(struct pipeline_result *res, enum mv_verdict verdict, enum mv_action action)
{
    static struct rule_hit hit = {.id = "LURE_WORDS", .category = "suspicious", .score = 4};
    struct message_limits lim = {
        .max_parts = 100, .max_depth = 10, .leaf_mem_max = 1 << 20, .tmpdir = g_get_tmp_dir()};
    struct mv_err err = {0};

    memset(res, 0, sizeof(*res));
    bytes = g_byte_array_new();
    g_byte_array_append(bytes, (const guint8 *)sample, sizeof(sample) - 1);
    res->msg = message_parse_bytes(bytes, &lim, &err);
    assert_non_null(res->msg);
    res->verdict = verdict;
    res->action = action;
    res->score = 4;
    res->reasons = g_ptr_array_new();
    g_ptr_array_add(res->reasons, "Mailvet.Limits.Depth");
    res->rules.hits = g_ptr_array_new();
    g_ptr_array_add(res->rules.hits, &hit);
    res->decision.headers = true;
    res->decision.subject_prefix = "[SUSPICIOUS] ";
}

static void result_clear(struct pipeline_result *res)
{
    res->msg = message_free(res->msg);
    g_byte_array_unref(bytes);
    bytes = NULL;
    g_ptr_array_free(res->reasons, TRUE);
    g_ptr_array_free(res->rules.hits, TRUE);
}

/* check_str - got GOT, want WANT (NULL for none) */
static void check_str(const char *what, const char *got, const char *want)
{
    if (want == NULL && got == NULL)
        return;
    if (want == NULL || got == NULL || strcmp(got, want) != 0)
        fail_msg("%s: got %s, want %s", what, got ? got : "(none)", want ? want : "(none)");
}

struct act_case {
    const char *name;
    enum mv_verdict verdict;
    enum mv_action action;
    bool store, add_header, truncated;
    enum act_answer answer;
    const char *code, *text;
    const char *status, *score, *reasons, *subject;
};

static const struct act_case cases[] = {
    {"reject answers 550 with the default text", MV_VERDICT_INFECTED, MV_ACTION_REJECT, true, true,
     false, ACT_REJECT, "550", "Message rejected", NULL, NULL, NULL, NULL},
    {"tempfail answers 451", MV_VERDICT_SUSPICIOUS, MV_ACTION_TEMPFAIL, true, true, false,
     ACT_TEMPFAIL, "451", "Message deferred by policy, try again later", NULL, NULL, NULL, NULL},
    {"discard adds nothing", MV_VERDICT_CAMPAIGN, MV_ACTION_DISCARD, true, true, false, ACT_DISCARD,
     NULL, NULL, NULL, NULL, NULL, NULL},
    {"quarantine with the store stores, untagged", MV_VERDICT_CAMPAIGN, MV_ACTION_QUARANTINE, true,
     true, false, ACT_STORE, NULL, NULL, NULL, NULL, NULL, NULL},
    {"quarantine of a cut message is a tagged hold", MV_VERDICT_CAMPAIGN, MV_ACTION_QUARANTINE,
     true, false, true, ACT_HOLD, NULL, NULL, "campaign (Mailvet.Limits.Depth)", "4",
     "LURE_WORDS(4),Mailvet.Limits.Depth", "[SUSPICIOUS] Invoice 42"},
    {"quarantine_mode hold is a tagged hold", MV_VERDICT_CAMPAIGN, MV_ACTION_QUARANTINE, false,
     false, false, ACT_HOLD, NULL, NULL, "campaign (Mailvet.Limits.Depth)", "4",
     "LURE_WORDS(4),Mailvet.Limits.Depth", "[SUSPICIOUS] Invoice 42"},
    {"tag adds every header and the subject prefix", MV_VERDICT_SUSPICIOUS, MV_ACTION_TAG, true,
     false, false, ACT_ACCEPT, NULL, NULL, "suspicious (Mailvet.Limits.Depth)", "4",
     "LURE_WORDS(4),Mailvet.Limits.Depth", "[SUSPICIOUS] Invoice 42"},
    {"accept with add_header: the status alone", MV_VERDICT_CLEAN, MV_ACTION_ACCEPT, true, true,
     false, ACT_ACCEPT, NULL, NULL, "clean (Mailvet.Limits.Depth)", NULL, NULL, NULL},
    {"accept without add_header: no header", MV_VERDICT_CLEAN, MV_ACTION_ACCEPT, true, false, false,
     ACT_ACCEPT, NULL, NULL, NULL, NULL, NULL, NULL},
};

static void act_plans_each_action(void **state)
{
    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const struct act_case *tc = &cases[i];
        struct pipeline_result res;
        struct act_options opt = {.store = tc->store, .add_header = tc->add_header};
        struct act_plan p;

        print_message("# %s\n", tc->name);
        result_init(&res, tc->verdict, tc->action);
        act_plan(&res, &opt, tc->truncated, &p);
        if (p.answer != tc->answer)
            fail_msg("%s: answer got %d, want %d", tc->name, p.answer, tc->answer);
        check_str("code", p.code, tc->code);
        check_str("text", p.text, tc->text);
        check_str("X-Mailvet-Status", p.header[0], tc->status);
        check_str("X-Mailvet-Score", p.header[1], tc->score);
        check_str("X-Mailvet-Reasons", p.header[2], tc->reasons);
        check_str("Subject", p.subject, tc->subject);
        act_plan_clear(&p);
        result_clear(&res);
    }
}

static void act_uses_the_policy_reply(void **state)
{
    struct pipeline_result res;
    struct act_options opt = {.store = true};
    struct act_plan p;

    (void)state;
    result_init(&res, MV_VERDICT_INFECTED, MV_ACTION_REJECT);
    res.decision.reply_code = "554";
    res.decision.reply_xcode = "5.7.0";
    res.decision.reply_text = "Virus found: Eicar";
    act_plan(&res, &opt, false, &p);
    check_str("code", p.code, "554");
    check_str("xcode", p.xcode, "5.7.0");
    check_str("text", p.text, "Virus found: Eicar");
    act_plan_clear(&p);
    result_clear(&res);
}

static void act_bounds_the_hit_list(void **state)
{
    struct pipeline_result res;
    char *hits;

    (void)state;
    result_init(&res, MV_VERDICT_SUSPICIOUS, MV_ACTION_TAG);
    for (int i = 0; i < 200; i++)
        g_ptr_array_add(res.rules.hits, g_ptr_array_index(res.rules.hits, 0));
    hits = act_hits_new(&res, 400);
    if (strlen(hits) > 400)
        fail_msg("hits: got %zu bytes, want at most 400", strlen(hits));
    g_free(hits);
    result_clear(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(act_plans_each_action),
        cmocka_unit_test(act_uses_the_policy_reply),
        cmocka_unit_test(act_bounds_the_hit_list),
    };

    message_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
