/* rules_fixture.h - what the tests of the rules module share (test_rules.c,
 * test_rules_regex.c, test_rules_load.c): one fixed message as a struct features built
 * by hand (a Japanese subject, three attachments, a zip holding an "MZ" executable and a
 * script posing as a picture), and rule sets loaded from YAML strings through
 * yamlnode_load_buffer() under the name "t.yaml".  Failures read "got X, want Y".  Test
 * code only. */
#ifndef MV_TEST_RULES_FIXTURE_H
#define MV_TEST_RULES_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib.h>

#include "rules.h"

/* The features under test: the arrays it owns, freed by fake_free. */
struct fake {
    struct features f;
    GPtrArray *rcpts;
    GPtrArray *sigs;
};

/* RULE - one rule as YAML */
#define RULE(id, cat, score, match)                                                                \
    "- id: " id "\n  category: " cat "\n  score: " score "\n  match: " match "\n"

/* fake_new - the fixed message; AUTH (or NULL) as the SMTP AUTH name */
struct fake *fake_new(const char *auth);
/* fake_free - free what fake_new made */
void fake_free(struct fake *k);
/* add_yaml - TEXT as t.yaml through rules_add into R; ERR filled */
bool add_yaml(struct rules *r, const char *text, struct mv_err *err);
/* load - a set from TEXT that must be valid */
struct rules *load(const char *text);
/* one_rule - a rule "t" around the predicate PRED (flow style, one line; owned) */
char *one_rule(const char *pred);
/* hit_ids - the ids of RES's hits, comma-separated (owned) */
char *hit_ids(const struct rules_result *res);
/* hit_objects - the objects of hit ID in RES, comma-separated (owned); "-" for no hit */
char *hit_objects(const struct rules_result *res, const char *id);
/* expect_str - fail with "got X, want Y" */
void expect_str(const char *what, const char *got, const char *want);
/* holds - whether predicate PRED holds over F */
bool holds(const struct features *f, const char *pred);
/* error_of - the message rules_add gives for TEXT, which must fail (owned) */
char *error_of(const char *text);

#endif
