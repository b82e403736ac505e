/* policy_fixture.c - what the tests of the policy module share (policy_fixture.h).  Test
 * code only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "policy_fixture.h"

char *dir;

int setup(void **state)
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

int teardown(void **state)
{
    (void)state;
    remove_tree(dir);
    g_free(dir);
    dir = NULL;
    return 0;
}

/* write_file - DIR/NAME (NAME may hold a subdirectory) holds exactly TEXT */
void write_file(const char *name, const char *text)
{
    char *path = g_build_filename(dir, name, NULL);
    char *parent = g_path_get_dirname(path);

    assert_int_equal(g_mkdir_with_parents(parent, 0700), 0);
    assert_true(g_file_set_contents(path, text, -1, NULL));
    g_free(parent);
    g_free(path);
}

/* load_ok - the policy of DIR, which must load */
struct policy *load_ok(void)
{
    struct mv_err err;
    struct policy *p = policy_load(dir, &err);

    if (p == NULL)
        fail_msg("policy_load: got errors, want none:\n%s", err.msg);
    assert_int_equal(err.status, MV_OK);
    return p;
}

/* load_text - DIR/t.yaml holding TEXT, loaded */
struct policy *load_text(const char *text)
{
    write_file("t.yaml", text);
    return load_ok();
}

/* expect_str - fail with "got X, want Y" */
void expect_str(const char *what, const char *got, const char *want)
{
    if (got == NULL || want == NULL ? got != want : strcmp(got, want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", what, got ? got : "(null)", want ? want : "(null)");
}

/* expect_action - fail with "got X, want Y" */
void expect_action(const char *what, enum mv_action got, enum mv_action want)
{
    if (got != want)
        fail_msg("%s: got %s, want %s", what, mv_action_name(got), mv_action_name(want));
}

/* expect_verdict - fail with "got X, want Y" */
void expect_verdict(const char *what, enum mv_verdict got, enum mv_verdict want)
{
    if (got != want)
        fail_msg("%s: got %s, want %s", what, mv_verdict_name(got), mv_verdict_name(want));
}

/* expect_contains - HAYSTACK holds NEEDLE */
void expect_contains(const char *what, const char *haystack, const char *needle)
{
    if (haystack == NULL || strstr(haystack, needle) == NULL)
        fail_msg("%s: got \"%s\", want it to contain \"%s\"", what, haystack ? haystack : "(null)",
                 needle);
}

/* decide - the decision of P for SPEC (no reasons, no hits) */
void decide(const struct policy *p, const struct req_spec *spec, struct policy_decision *out)
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
enum mv_action action_of(const struct policy *p, const struct req_spec *spec, char **note)
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
struct rules_result *result_new(const char *const *hits)
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
void result_free(struct rules_result *res)
{
    guint i;

    for (i = 0; i < res->hits->len; i++)
        g_free(g_ptr_array_index(res->hits, i));
    g_ptr_array_unref(res->hits);
    g_free(res);
}
