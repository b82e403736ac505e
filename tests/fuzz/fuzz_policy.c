/* fuzz_policy.c - policy files through policy_load(), then the loaded rules over the
 * features of a fixed look-alike message, the verdict and the decision.  The input is
 * split at lines "%%" into policy.yaml, generic.yaml and campaigns/c.yaml (so rules
 * may refer to rules of an earlier file, as the shipped files do).  A refused policy
 * must say which file; a crash, a sanitizer report, a leak, a PCRE2 match that runs
 * away, a rule that gave up without its rule or field named, or a decision outside the
 * enums is a finding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "fuzz.h"
#include "mvfeatures.h"
#include "policy.h"
#include "rules.h"
#include "message.h"
#include "scan.h"

static char *dir;
static char *campaigns;
static struct message *msg;
static GByteArray *msg_bytes;
static struct features *features;
static GPtrArray *rcpts;
static struct scan_report *reports; /* the features may borrow from them */

/* a look-alike with the things rules look at: a display name, a reply-to, a link,
 * an attachment */
static const char sample[] =
    "From: \"Accounts Dept\" <billing@example.com>\r\n"
    "Reply-To: payments@example.net\r\n"
    "To: rcpt@example.com\r\n"
    "Subject: RE: RFQ Order #4410 - photo attached\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "\r\n"
    "<p>Please see the <a href=\"http://invoice.example.invalid/x\">photo</a> ;)</p>\r\n"
    "--b1\r\n"
    "Content-Type: application/octet-stream; name=\"PHOTO-4410.jpg.js\"\r\n"
    "Content-Disposition: attachment; filename=\"PHOTO-4410.jpg.js\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "dmFyIHggPSBuZXcgQWN0aXZlWE9iamVjdCgiV1NjcmlwdC5TaGVsbCIpOw==\r\n"
    "--b1--\r\n";

/* teardown - at exit, free what Initialize made: LeakSanitizer's exit check runs after
 * this, and an optimising compiler may drop a static that is written but never read */
static void teardown(void)
{
    size_t n = message_leaf_count(msg);

    features = features_free(features);
    for (size_t i = 0; i < n; i++)
        scan_report_clear(&reports[i]);
    g_free(reports);
    message_free(msg);
    g_byte_array_unref(msg_bytes);
    g_ptr_array_free(rcpts, TRUE);
    g_free(campaigns);
    g_free(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct message_limits lim = {
        .max_parts = 100, .max_depth = 10, .leaf_mem_max = 1 << 20, .tmpdir = g_get_tmp_dir()};
    struct features_envelope env = {.sender = "billing@example.com", .client_addr = "192.0.2.1"};
    struct mv_err err = {0};
    size_t n;

    (void)argc;
    (void)argv;
    fuzz_quiet();
    dir = g_build_filename(fuzz_workdir(), "policy", NULL);
    campaigns = g_build_filename(dir, "campaigns", NULL);
    g_mkdir_with_parents(campaigns, 0700);
    rcpts = g_ptr_array_new();
    g_ptr_array_add(rcpts, (char *)"rcpt@example.com");
    g_ptr_array_add(rcpts, (char *)"boss@example.org");
    env.recipients = rcpts;
    msg_bytes = g_byte_array_new();
    g_byte_array_append(msg_bytes, (const guint8 *)sample, sizeof(sample) - 1);
    msg = message_parse_bytes(msg_bytes, &lim, &err);
    if (msg == NULL)
        abort();
    /* reports as a scan of the attachment would give, without libclamav */
    n = message_leaf_count(msg);
    reports = g_new0(struct scan_report, n);
    for (size_t i = 0; i < n; i++)
        scan_report_init(&reports[i]);
    features = features_new(msg, reports, n, &env);
    atexit(teardown);
    return 0;
}

/* write_parts - the "%%"-separated parts of DATA into the policy files; files
 * past the last part are removed */
static void write_parts(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"policy.yaml", "generic.yaml", "campaigns/c.yaml"};
    const char *p = (const char *)data, *end = p + size;

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        char *path = g_build_filename(dir, names[i], NULL);
        const char *cut = NULL;

        g_unlink(path);
        g_free(path);
        if (p == NULL)
            continue;
        for (const char *q = p; q + 3 <= end; q++)
            if ((q == p || q[-1] == '\n') && memcmp(q, "%%\n", 3) == 0) {
                cut = q;
                break;
            }
        fuzz_write(dir, names[i], p, (size_t)((cut != NULL ? cut : end) - p));
        p = cut != NULL ? cut + 3 : NULL;
    }
}

/* check_errors - the rules that gave up: each one names a rule and what it read, with
 * a PCRE2 error that is no "no match"; each is handed out for logging at most once, as
 * one "rules: ID: ..." line */
static void check_errors(struct rules_result *rr)
{
    char text[RULES_ERROR_TEXT];
    guint lines = 0;

    for (guint i = 0; i < rr->errors->len; i++) {
        const struct rule_error *x = g_ptr_array_index(rr->errors, i);

        if (x->id == NULL || x->field == NULL || x->code >= 0 || x->code == -1)
            abort();
    }
    while (rules_error_take(rr, text, sizeof(text))) {
        if (strncmp(text, "rules: ", 7) != 0 || ++lines > rr->errors->len)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mv_err err = {0};
    struct policy *pol;
    struct rules_result rr = {0};
    struct policy_decision dec = {0};
    GPtrArray *reasons;
    struct policy_request req = {0};
    enum mv_verdict v;

    write_parts(data, size);
    pol = policy_load(dir, &err);
    if (pol == NULL) {
        if (strstr(err.msg, ".yaml") == NULL) {
            fprintf(stderr, "error without a file name: %s\n", err.msg);
            abort();
        }
        return 0;
    }
    rules_eval(policy_rules(pol), features, &rr);
    check_errors(&rr);
    reasons = g_ptr_array_new();
    for (guint i = 0; i < rr.hits->len; i++)
        g_ptr_array_add(reasons, (char *)((struct rule_hit *)g_ptr_array_index(rr.hits, i))->id);
    for (int sig = MV_VERDICT_CLEAN; sig <= MV_VERDICT_INFECTED; sig++) {
        v = policy_verdict(pol, (enum mv_verdict)sig, &rr);
        if (v < (enum mv_verdict)sig || v > MV_VERDICT_INFECTED)
            abort();
        req.verdict = v;
        req.score = rr.score;
        req.sender = "billing@example.com";
        req.recipients = rcpts;
        req.reasons = reasons;
        req.rules = &rr;
        req.queue_id = "4F00A1B2C3";
        policy_decide(pol, &req, &dec);
        if (dec.action > MV_ACTION_REJECT)
            abort();
        policy_decision_clear(&dec);
    }
    g_ptr_array_free(reasons, TRUE);
    rules_result_clear(&rr);
    policy_free(pol);
    return 0;
}
