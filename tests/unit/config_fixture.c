/* config_fixture.c - what the tests of the configuration share (config_fixture.h).  Test
 * code only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_fixture.h"

static char tmpdir[] = "/tmp/mailvet-test-config.XXXXXX";
char oldcwd[4096];

int setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/mailvet-test-config.XXXXXX");
    if (getcwd(oldcwd, sizeof(oldcwd)) == NULL || mkdtemp(tmpdir) == NULL)
        return -1;
    return chdir(tmpdir);
}

int teardown(void **state)
{
    (void)state;
    unlink("t.yaml");
    unlink("printed.yaml");
    if (chdir(oldcwd) != 0)
        return -1;
    return rmdir(tmpdir);
}

/* write_file - NAME holds exactly TEXT */
void write_file(const char *name, const char *text)
{
    FILE *f = fopen(name, "w");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* load_text - TEXT as t.yaml through config_load */
struct mv_config *load_text(const char *text, struct mv_err *err)
{
    write_file("t.yaml", text);
    memset(err, 0, sizeof(*err));
    return config_load("t.yaml", err);
}

/* expect_str - fail with "got X, want Y" */
void expect_str(const char *what, const char *got, const char *want)
{
    if (got == NULL || strcmp(got, want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", what, got ? got : "(null)", want);
}
