/* policy_fixture.h - what the tests of the policy module share (test_policy.c,
 * test_policy_load.c): a fresh policy directory for each case from g_dir_make_tmp()
 * (setup, teardown), its files written and loaded, requests built from a few words and
 * decided, rule results whose hits are built by hand, and checks that fail with "got X,
 * want Y".  Test code only. */
#ifndef MV_TEST_POLICY_FIXTURE_H
#define MV_TEST_POLICY_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib.h>

#include "policy.h"

/* the policy directory of the running case */
extern char *dir;

/* setup, teardown - a fresh policy directory for one case, and its removal */
int setup(void **state);
int teardown(void **state);
/* write_file - DIR/NAME (NAME may hold a subdirectory) holds exactly TEXT */
void write_file(const char *name, const char *text);
/* load_ok - the policy of DIR, which must load */
struct policy *load_ok(void);
/* load_text - DIR/t.yaml holding TEXT, loaded */
struct policy *load_text(const char *text);
/* expect_str, expect_action, expect_verdict - fail with "got X, want Y" */
void expect_str(const char *what, const char *got, const char *want);
void expect_action(const char *what, enum mv_action got, enum mv_action want);
void expect_verdict(const char *what, enum mv_verdict got, enum mv_verdict want);
/* expect_contains - HAYSTACK holds NEEDLE */
void expect_contains(const char *what, const char *haystack, const char *needle);

/* a request built from a few words */
struct req_spec {
    enum mv_verdict verdict;
    double score;
    const char *sender;
    const char *rcpts[4]; /* NULL-terminated */
};

/* decide - the decision of P for SPEC (no reasons, no hits) */
void decide(const struct policy *p, const struct req_spec *spec, struct policy_decision *out);
/* action_of - just the action of P for SPEC, with its note in NOTE (may be NULL) */
enum mv_action action_of(const struct policy *p, const struct req_spec *spec, char **note);
/* result_new - a rules_result of hits "CATEGORY:SCORE" (campaign hits name "Avaddon") */
struct rules_result *result_new(const char *const *hits);
/* result_free - what result_new made */
void result_free(struct rules_result *res);

#endif
