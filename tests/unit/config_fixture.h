/* config_fixture.h - what the tests of the configuration share (test_config.c,
 * test_config_load.c): a private temp directory that is the working directory for the
 * group (setup, teardown), so that the expected messages read "t.yaml:LINE: ...", TEXT
 * written as t.yaml and loaded through config_load, and a check that fails with "got X,
 * want Y".  Test code only. */
#ifndef MV_TEST_CONFIG_FIXTURE_H
#define MV_TEST_CONFIG_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib.h>

#include "config.h"

/* the working directory before setup, where a run by hand started */
extern char oldcwd[4096];

/* setup, teardown - the temp directory made and entered, then left and removed */
int setup(void **state);
int teardown(void **state);
/* write_file - NAME holds exactly TEXT */
void write_file(const char *name, const char *text);
/* load_text - TEXT as t.yaml through config_load */
struct mv_config *load_text(const char *text, struct mv_err *err);
/* expect_str - fail with "got X, want Y" */
void expect_str(const char *what, const char *got, const char *want);

#endif
