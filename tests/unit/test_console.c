/* test_console.c - the console's parts that decide what reaches a browser and who gets
 * in: the one HTML escaping function (markup, quotes, script payloads, bytes that are
 * not UTF-8, control and bidirectional characters, NUL bytes); the CSRF check (the
 * session's token only, nothing shorter, longer, empty or another session's); sessions
 * (idle and absolute expiry, logout); the login backoff (doubling per user name and
 * per address, capped, cleared by a success, forgotten after 15 minutes); the users file
 * (a yescrypt hash written by console_users_add and checked by console_users_verify, a
 * file open to others, a broken line, no users). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "console_html.h"
#include "console_session.h"
#include "console_users.h"

#define FFFD "\xef\xbf\xbd"

struct escape_case {
    const char *in;
    const char *want;
};

static const struct escape_case escape_cases[] = {
    {"plain text", "plain text"},
    {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
    {"\"><img src=x onerror=alert(1)>", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"},
    {"' onmouseover='alert(1)", "&#39; onmouseover=&#39;alert(1)"},
    {"a & b &amp; c", "a &amp; b &amp;amp; c"},
    {"tab\tand\nnewline", "tab\tand\nnewline"},
    {"bell\x07 esc\x1b[31m cr\r", "bell" FFFD " esc" FFFD "[31m cr" FFFD},
    {"del\x7f c1\xc2\x85", "del" FFFD " c1" FFFD},
    {"not utf-8 \xff\xfe<", "not utf-8 " FFFD FFFD "&lt;"},
    {"cut \xe2\x82", "cut " FFFD FFFD},
    {"invoice\xe2\x80\xae"
     "fdp.exe",
     "invoice" FFFD "fdp.exe"},
    {"isolate \xe2\x81\xa6x\xe2\x81\xa9", "isolate " FFFD "x" FFFD},
    {"Grüße € 請求書", "Grüße € 請求書"},
    {"", ""},
};

/* html_escape_table - each case through console_html_text and console_html_escape_new */
static void html_escape_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(escape_cases); i++) {
        const struct escape_case *c = &escape_cases[i];
        char *got = console_html_escape_new(c->in);
        GString *out = g_string_new("x");

        if (strcmp(got, c->want) != 0)
            fail_msg("escape of case %zu: got \"%s\", want \"%s\"", i, got, c->want);
        console_html_text(out, c->in);
        if (strcmp(out->str + 1, c->want) != 0)
            fail_msg("console_html_text of case %zu: got \"%s\", want \"%s\"", i, out->str + 1,
                     c->want);
        g_free(got);
        g_string_free(out, TRUE);
    }
}

/* html_escape_never_leaves_markup - no '<', '>', '"' or '\'' survives any byte */
static void html_escape_never_leaves_markup(void **state)
{
    char in[2] = {0, 0};

    (void)state;
    for (int b = 1; b < 256; b++) {
        char *got;

        in[0] = (char)b;
        got = console_html_escape_new(in);
        if (strpbrk(got, "<>\"'") != NULL || !g_utf8_validate(got, -1, NULL))
            fail_msg("byte 0x%02x escaped to \"%s\"", b, got);
        g_free(got);
    }
}

/* html_escape_nul_and_null - NUL bytes inside a length are U+FFFD; NULL is nothing */
static void html_escape_nul_and_null(void **state)
{
    GString *out = g_string_new(NULL);
    char *got;

    (void)state;
    console_html_text_len(out, "a\0<b", 4);
    assert_string_equal(out->str, "a" FFFD "&lt;b");
    g_string_free(out, TRUE);
    got = console_html_escape_new(NULL);
    assert_string_equal(got, "");
    g_free(got);
}

/* html_url_encodes_then_escapes - a query value cannot break out of href="" */
static void html_url_encodes_then_escapes(void **state)
{
    GString *out = g_string_new(NULL);

    (void)state;
    console_html_url(out, "a b\"&<x>@example.com");
    assert_string_equal(out->str, "a%20b%22%26%3Cx%3E%40example.com");
    g_string_free(out, TRUE);
}

/* ---- CSRF --------------------------------------------------------------------------- */

/* csrf_only_the_session_token - exact token accepted; anything else refused */
static void csrf_only_the_session_token(void **state)
{
    struct console_session_table *t = console_session_table_new(1800, 43200);
    struct console_session_auth a, b;
    char wrong[CONSOLE_TOKEN_LEN + 2];

    (void)state;
    assert_true(console_session_create(t, "alice", 100000, &a));
    assert_true(console_session_create(t, "bob", 100000, &b));
    assert_int_equal(strlen(a.csrf), CONSOLE_TOKEN_LEN);
    assert_string_not_equal(a.csrf, a.token);
    assert_true(console_session_csrf_ok(&a, a.csrf));
    assert_false(console_session_csrf_ok(&a, NULL));
    assert_false(console_session_csrf_ok(&a, ""));
    assert_false(console_session_csrf_ok(&a, b.csrf));
    assert_false(console_session_csrf_ok(&a, a.token));
    assert_false(console_session_csrf_ok(NULL, a.csrf));
    /* one character changed, first or last */
    for (size_t pos = 0; pos < CONSOLE_TOKEN_LEN; pos += CONSOLE_TOKEN_LEN - 1) {
        strcpy(wrong, a.csrf);
        wrong[pos] = wrong[pos] == '0' ? '1' : '0';
        if (console_session_csrf_ok(&a, wrong))
            fail_msg("a token changed at %zu was accepted", pos);
    }
    /* shorter and longer */
    strcpy(wrong, a.csrf);
    wrong[CONSOLE_TOKEN_LEN - 1] = '\0';
    assert_false(console_session_csrf_ok(&a, wrong));
    strcpy(wrong, a.csrf);
    strcat(wrong, "0");
    assert_false(console_session_csrf_ok(&a, wrong));
    console_session_table_free(t);
}

/* ---- sessions ----------------------------------------------------------------------- */

/* session_expires_idle_and_absolute - idle time restarts on use; the maximum does not
 * (times in milliseconds) */
static void session_expires_idle_and_absolute(void **state)
{
    struct console_session_table *t = console_session_table_new(60, 300);
    struct console_session_auth a, got;

    (void)state;
    assert_true(console_session_create(t, "alice", 1000000, &a));
    assert_true(console_session_lookup(t, a.token, 1059000, &got));
    assert_string_equal(got.user, "alice");
    assert_string_equal(got.csrf, a.csrf);
    assert_true(console_session_lookup(t, a.token, 1118999, &got));  /* 59.999 s idle */
    assert_false(console_session_lookup(t, a.token, 1178999, &got)); /* 60 s idle */
    assert_int_equal(console_session_count(t), 0);

    assert_true(console_session_create(t, "alice", 2000000, &a));
    for (gint64 now = 2050000; now < 2300000; now += 50000)
        assert_true(console_session_lookup(t, a.token, now, &got));
    assert_false(console_session_lookup(t, a.token, 2300000, &got)); /* 300 s after login */
    console_session_table_free(t);
}

/* session_end_and_unknown - logout ends it; unknown or malformed tokens find nothing */
static void session_end_and_unknown(void **state)
{
    struct console_session_table *t = console_session_table_new(60, 300);
    struct console_session_auth a, got;

    (void)state;
    assert_true(console_session_create(t, "alice", 10000, &a));
    assert_false(console_session_lookup(t, a.csrf, 11000, &got));
    assert_false(console_session_lookup(t, "", 11000, &got));
    assert_false(console_session_lookup(t, NULL, 11000, &got));
    console_session_end(t, a.token);
    assert_false(console_session_lookup(t, a.token, 12000, &got));
    console_session_table_free(t);
}

/* ---- backoff ------------------------------------------------------------------------ */

/* backoff_doubles_per_user_and_address - 2, 4, 8 ... s; capped; cleared by a success;
 * a wait is whole seconds rounded up, so one of 2 s is still 1 s after 1.9 s */
static void backoff_doubles_per_user_and_address(void **state)
{
    struct console_session_table *t = console_session_table_new(60, 300);
    gint64 now = 10000000; /* ms */

    (void)state;
    assert_int_equal(console_session_login_wait(t, "alice", "192.0.2.1", now), 0);
    console_session_login_failed(t, "alice", "192.0.2.1", now);
    assert_int_equal(console_session_login_wait(t, "alice", "192.0.2.1", now), 2);
    assert_int_equal(console_session_login_wait(t, "alice", "192.0.2.9", now), 2);
    assert_int_equal(console_session_login_wait(t, "bob", "192.0.2.1", now), 2);
    assert_int_equal(console_session_login_wait(t, "bob", "192.0.2.9", now), 0);
    assert_int_equal(console_session_login_wait(t, "alice", "192.0.2.1", now + 1900), 1);
    assert_int_equal(console_session_login_wait(t, "alice", "192.0.2.1", now + 2000), 0);
    console_session_login_failed(t, "alice", "192.0.2.1", now + 2000);
    assert_int_equal(console_session_login_wait(t, "alice", "192.0.2.1", now + 2000), 4);
    for (int i = 0; i < 20; i++)
        console_session_login_failed(t, "alice", "192.0.2.1", now + 10000);
    assert_int_equal(console_session_login_wait(t, "alice", "192.0.2.9", now + 10000),
                     CONSOLE_BACKOFF_USER_MAX);
    assert_int_equal(console_session_login_wait(t, "bob", "192.0.2.1", now + 10000),
                     CONSOLE_BACKOFF_ADDR_MAX);
    console_session_login_ok(t, "alice", "192.0.2.1");
    assert_int_equal(console_session_login_wait(t, "alice", "192.0.2.1", now + 10000), 0);
    /* forgotten after 15 minutes without a failure */
    console_session_login_failed(t, "carol", "192.0.2.5", now);
    console_session_login_failed(t, "carol", "192.0.2.5", now + 1000);
    console_session_login_failed(t, "carol", "192.0.2.5",
                                 now + CONSOLE_BACKOFF_FORGET * 1000 + 1000);
    assert_int_equal(console_session_login_wait(t, "carol", "192.0.2.5",
                                                now + CONSOLE_BACKOFF_FORGET * 1000 + 1000),
                     2);
    console_session_table_free(t);
}

/* ---- users file --------------------------------------------------------------------- */

/* users_add_and_verify - a yescrypt line; the right password, a wrong one, no user */
static void users_add_and_verify(void **state)
{
    char *dir = g_dir_make_tmp("test_console-XXXXXX", NULL);
    char *path = g_build_filename(dir, "users", NULL), *text = NULL;
    struct mv_err err = {0};
    unsigned count = 0;
    bool replaced = true;
    struct stat sb;

    (void)state;
    assert_int_equal(console_users_check(path, NULL, &err), MV_ECONFIG);
    assert_non_null(strstr(err.msg, "--add-user"));
    assert_int_equal(console_users_add(path, "alice", "correct horse", (gid_t)-1, &replaced, &err),
                     MV_OK);
    assert_false(replaced);
    assert_int_equal(console_users_add(path, "bob", "battery staple", (gid_t)-1, NULL, &err),
                     MV_OK);
    assert_true(g_file_get_contents(path, &text, NULL, NULL));
    assert_true(g_str_has_prefix(text, "alice:$y$"));
    assert_non_null(strstr(text, "\nbob:$y$"));
    assert_null(strstr(text, "correct horse"));
    g_free(text);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0640);
    assert_int_equal(console_users_check(path, &count, &err), MV_OK);
    assert_int_equal(count, 2);
    assert_int_equal(console_users_verify(path, "alice", "correct horse", &err), CONSOLE_USERS_OK);
    assert_int_equal(console_users_verify(path, "alice", "correct horsE", &err),
                     CONSOLE_USERS_WRONG);
    assert_int_equal(console_users_verify(path, "alice", "battery staple", &err),
                     CONSOLE_USERS_WRONG);
    assert_int_equal(console_users_verify(path, "mallory", "correct horse", &err),
                     CONSOLE_USERS_WRONG);
    assert_int_equal(console_users_verify(path, "../alice", "correct horse", &err),
                     CONSOLE_USERS_WRONG);
    /* a new password replaces the line */
    assert_int_equal(console_users_add(path, "alice", "new password", (gid_t)-1, &replaced, &err),
                     MV_OK);
    assert_true(replaced);
    assert_int_equal(console_users_verify(path, "alice", "correct horse", &err),
                     CONSOLE_USERS_WRONG);
    assert_int_equal(console_users_verify(path, "alice", "new password", &err), CONSOLE_USERS_OK);
    assert_int_equal(console_users_verify(path, "bob", "battery staple", &err), CONSOLE_USERS_OK);
    /* refused names and passwords */
    assert_int_equal(console_users_add(path, "a b", "long enough", (gid_t)-1, NULL, &err),
                     MV_EPARSE);
    assert_int_equal(console_users_add(path, "carol", "short", (gid_t)-1, NULL, &err), MV_EPARSE);
    g_unlink(path);
    g_rmdir(dir);
    g_free(path);
    g_free(dir);
}

/* users_file_refusals - open to others; a broken line named by its number; no users */
static void users_file_refusals(void **state)
{
    char *dir = g_dir_make_tmp("test_console-XXXXXX", NULL);
    char *path = g_build_filename(dir, "users", NULL);
    struct mv_err err = {0};

    (void)state;
    assert_int_equal(console_users_add(path, "alice", "correct horse", (gid_t)-1, NULL, &err),
                     MV_OK);
    chmod(path, 0644);
    assert_int_equal(console_users_check(path, NULL, &err), MV_ECONFIG);
    assert_non_null(strstr(err.msg, "open to others (mode 0644)"));
    assert_int_equal(console_users_verify(path, "alice", "correct horse", &err),
                     CONSOLE_USERS_ERROR);
    g_file_set_contents(path, "# operators\n\nalice:$1$md5$notyescrypt\n", -1, NULL);
    chmod(path, 0600);
    memset(&err, 0, sizeof(err));
    assert_int_equal(console_users_check(path, NULL, &err), MV_ECONFIG);
    assert_non_null(strstr(err.msg, "users:3: the hash must be yescrypt"));
    g_file_set_contents(path, "# nobody yet\n", -1, NULL);
    chmod(path, 0600);
    memset(&err, 0, sizeof(err));
    assert_int_equal(console_users_check(path, NULL, &err), MV_ECONFIG);
    assert_non_null(strstr(err.msg, "no users"));
    g_unlink(path);
    g_rmdir(dir);
    g_free(path);
    g_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(html_escape_table),
        cmocka_unit_test(html_escape_never_leaves_markup),
        cmocka_unit_test(html_escape_nul_and_null),
        cmocka_unit_test(html_url_encodes_then_escapes),
        cmocka_unit_test(csrf_only_the_session_token),
        cmocka_unit_test(session_expires_idle_and_absolute),
        cmocka_unit_test(session_end_and_unknown),
        cmocka_unit_test(backoff_doubles_per_user_and_address),
        cmocka_unit_test(users_add_and_verify),
        cmocka_unit_test(users_file_refusals),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
