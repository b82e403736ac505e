/* test_config_load.c - loading mailvet.yaml (config.c) and the YAML reader under it
 * (yamlnode.c): every error class with its exact "file:line: key: message" text, all
 * errors at once, a duplicate key among the other errors, a flood of errors cut safely,
 * a file that cannot be opened; yamlnode's lines and columns, its nulls, its bounds on
 * nesting and nodes, anchors and aliases refused, duplicate keys, and the error lines it
 * appends.  Each case writes t.yaml into a private temp directory that is the working
 * directory, so the expected messages read "t.yaml:LINE: ...".  The values, defaults
 * and print: test_config.c; the directory and the helpers: config_fixture.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_fixture.h"
#include "yamlnode.h"

/* ---- errors ---------------------------------------------------------------------- */

struct error_case {
    const char *yaml;
    const char *want;
};

static const struct error_case error_cases[] = {
    /* unknown keys, with and without a suggestion */
    {"max_recusion: 3\n", "t.yaml:1: max_recusion: unknown key (did you mean max_recursion?)"},
    {"\n\nmaxfiles: 3\n", "t.yaml:3: maxfiles: unknown key (did you mean max_files?)"},
    {"Socket: inet:25\n", "t.yaml:1: Socket: unknown key (did you mean socket?)"},
    {"frobnicate: 1\n", "t.yaml:1: frobnicate: unknown key"},
    /* ranges */
    {"max_files: 0\n", "t.yaml:1: max_files: must be between 1 and 1000000, got 0"},
    {"max_files: 1000001\n", "t.yaml:1: max_files: must be between 1 and 1000000, got 1000001"},
    {"max_recursion: 99999999999999999999999\n",
     "t.yaml:1: max_recursion: must be between 1 and 64, got 99999999999999999999999"},
    {"max_scan_size: 3G\n", "t.yaml:1: max_scan_size: must be between 1K and 2G, got 3G"},
    {"max_message_size: 1023\n", "t.yaml:1: max_message_size: must be between 1K and 2G, got 1023"},
    {"spool_memory: 99999999999G\n",
     "t.yaml:1: spool_memory: must be between 0 and 1G, got 99999999999G"},
    /* the suffixes the command line always took: in range, or refused by the range */
    {"spool_memory: 1T\n", "t.yaml:1: spool_memory: must be between 0 and 1G, got 1T"},
    {"max_scan_time: 2d\n", "t.yaml:1: max_scan_time: must be between 100ms and 1h, got 2d"},
    {"quarantine_max_size: 5T\n",
     "t.yaml:1: quarantine_max_size: must be between 1M and 4096G, got 5T"},
    /* overflow: too large for 64 bits, whatever the suffix */
    {"quarantine_max_size: 16777216T\n",
     "t.yaml:1: quarantine_max_size: must be between 1M and 4096G, got 16777216T"},
    {"quarantine_max_age: 40000000000w\n",
     "t.yaml:1: quarantine_max_age: must be between 1h and 87600h, got 40000000000w"},
    {"max_scan_time: 50ms\n", "t.yaml:1: max_scan_time: must be between 100ms and 1h, got 50ms"},
    {"max_scan_time: 2h\n", "t.yaml:1: max_scan_time: must be between 100ms and 1h, got 2h"},
    {"milter_timeout: 0s\n", "t.yaml:1: milter_timeout: must be between 1s and 24h, got 0s"},
    /* a bare number: seconds for one key, milliseconds for another once; now refused
     * everywhere, with the spellings it may have meant */
    {"max_message_scan_time: 180\n",
     "t.yaml:1: max_message_scan_time: 180: a duration needs a unit: 180s, 180ms, 3m ..."},
    {"milter_timeout: 45\n",
     "t.yaml:1: milter_timeout: 45: a duration needs a unit: 45s, 45ms ..."},
    {"shutdown_timeout: 0\n",
     "t.yaml:1: shutdown_timeout: 0: a duration needs a unit: 0s, 0ms ..."},
    {"quarantine_max_age: \"3600\"\n",
     "t.yaml:1: quarantine_max_age: 3600: a duration needs a unit: 3600s, 3600ms, 1h ..."},
    {"quarantine_max_age: 18446744073709551616\n",
     "t.yaml:1: quarantine_max_age: 18446744073709551616: a duration needs a unit: "
     "18446744073709551616s, 18446744073709551616ms ..."},
    {"socket_mode: 01777\n", "t.yaml:1: socket_mode: must be between 0 and 0777, got 01777"},
    /* syntax of each type */
    {"max_files: -1\n", "t.yaml:1: max_files: must be a whole number, got -1"},
    {"max_files: 10k\n", "t.yaml:1: max_files: must be a whole number, got 10k"},
    {"max_files: 1.5\n", "t.yaml:1: max_files: must be a whole number, got 1.5"},
    {"spool_memory: 1P\n",
     "t.yaml:1: spool_memory: must be a size in bytes with an optional K, M, G or T suffix, "
     "got 1P"},
    {"spool_memory: 1 M\n",
     "t.yaml:1: spool_memory: must be a size in bytes with an optional K, M, G or T suffix, "
     "got 1 M"},
    {"spool_memory: 1KB\n",
     "t.yaml:1: spool_memory: must be a size in bytes with an optional K, M, G or T suffix, "
     "got 1KB"},
    {"max_scan_time: 2y\n",
     "t.yaml:1: max_scan_time: must be a duration such as 500ms, 30s or 2m, got 2y"},
    {"quarantine_max_age: 30D\n",
     "t.yaml:1: quarantine_max_age: must be a duration such as 30s, 5m or 1h, got 30D"},
    {"milter_timeout: soon\n",
     "t.yaml:1: milter_timeout: must be a duration such as 30s, 5m or 1h, got soon"},
    {"milter_timeout: 1500ms\n",
     "t.yaml:1: milter_timeout: must be a whole number of seconds, got 1500ms"},
    {"socket_mode: 0999\n", "t.yaml:1: socket_mode: must be an octal mode such as 0660, got 0999"},
    {"socket_mode: rw\n", "t.yaml:1: socket_mode: must be an octal mode such as 0660, got rw"},
    {"log_clean: maybe\n", "t.yaml:1: log_clean: must be true or false, got maybe"},
    {"on_error: bounce\n", "t.yaml:1: on_error: must be tempfail or accept, got bounce"},
    {"log_facility: kern\n",
     "t.yaml:1: log_facility: must be one of mail, daemon, user, local0, local1, local2, "
     "local3, local4, local5, local6 or local7, got kern"},
    {"database: clamav\n", "t.yaml:1: database: must be an absolute path, got clamav"},
    {"tmpdir: \"\"\n", "t.yaml:1: tmpdir: missing value"},
    {"max_parts:\n", "t.yaml:1: max_parts: missing value"},
    /* policy_dir left without a value is not the "" that runs without rules */
    {"policy_dir:\n",
     "t.yaml:1: policy_dir: missing value; set it to the policy directory (" SYSCONFDIR
     "/mailvet/policies by default), or to \"\" to run without rules"},
    {"user: x\npolicy_dir: ~\n", "t.yaml:2: policy_dir: missing value; set it to the policy "
                                 "directory (" SYSCONFDIR "/mailvet/policies by default), or to "
                                 "\"\" to run without rules"},
    {"policy_dir: null # rules later\n",
     "t.yaml:1: policy_dir: missing value; set it to the policy directory (" SYSCONFDIR
     "/mailvet/policies by default), or to \"\" to run without rules"},
    /* user left without a value is not the "" that keeps the user that starts it */
    {"user:\n", "t.yaml:1: user: missing value; set it to the user mailvetd runs as (mailvet "
                "by default), or to \"\" to keep the user that starts it"},
    /* the database store without its connection string, at quarantine_store's line */
    {"quarantine_store: postgresql\n",
     "t.yaml:1: quarantine_store: postgresql needs quarantine_db, which is empty; set "
     "quarantine_db to a libpq connection string (host=... dbname=...), or quarantine_store to "
     "dir"},
    {"quarantine_db: \"\"\nquarantine_store: postgresql\n",
     "t.yaml:2: quarantine_store: postgresql needs quarantine_db, which is empty; set "
     "quarantine_db to a libpq connection string (host=... dbname=...), or quarantine_store to "
     "dir"},
    {"quarantine_store: postgresql\nquarantine_db:\n",
     "t.yaml:1: quarantine_store: postgresql needs quarantine_db, which is empty; set "
     "quarantine_db to a libpq connection string (host=... dbname=...), or quarantine_store to "
     "dir"},
    {"user: \"a\\nb\"\n", "t.yaml:1: user: must not contain control characters"},
    /* sockets */
    {"socket:\n", "t.yaml:1: socket: missing value"},
    {"socket: /run/m.sock\n",
     "t.yaml:1: socket: must be unix:/PATH, local:/PATH, inet:PORT@HOST or inet6:PORT@HOST, "
     "got /run/m.sock"},
    {"socket: unix:m.sock\n",
     "t.yaml:1: socket: the socket path must be absolute, got unix:m.sock"},
    {"socket: inet:127.0.0.1:8891\n",
     "t.yaml:1: socket: must be inet:PORT@HOST (HOST:PORT is Postfix's syntax for the other "
     "end), got inet:127.0.0.1:8891"},
    {"socket: inet:0\n",
     "t.yaml:1: socket: the port must be a number between 1 and 65535, got inet:0"},
    {"socket: inet:65536@127.0.0.1\n",
     "t.yaml:1: socket: the port must be a number between 1 and 65535, got inet:65536@127.0.0.1"},
    {"socket: inet:smtp@127.0.0.1\n",
     "t.yaml:1: socket: the port must be a number between 1 and 65535, got inet:smtp@127.0.0.1"},
    {"socket: inet:25@\n",
     "t.yaml:1: socket: the host must be an IPv4 address or a host name, got inet:25@"},
    {"socket: inet:25@a b\n",
     "t.yaml:1: socket: the host must be an IPv4 address or a host name, got inet:25@a b"},
    {"socket: inet6:25@[::1]\n",
     "t.yaml:1: socket: the host must be an IPv6 address or a host name, got inet6:25@[::1]"},
    /* the console's listening address */
    {"console_listen: 8025\n",
     "t.yaml:1: console_listen: must be ADDRESS:PORT with an IP address, such as 127.0.0.1:8025 or "
     "[::1]:8025, got 8025"},
    {"console_listen: localhost:8025\n",
     "t.yaml:1: console_listen: must be ADDRESS:PORT with an IP address, such as 127.0.0.1:8025 or "
     "[::1]:8025, got localhost:8025"},
    {"console_listen: \"::1:8025\"\n",
     "t.yaml:1: console_listen: must be ADDRESS:PORT with an IP address, such as 127.0.0.1:8025 or "
     "[::1]:8025, got ::1:8025"},
    {"console_listen: 127.0.0.1:0\n",
     "t.yaml:1: console_listen: must be ADDRESS:PORT with an IP address, such as 127.0.0.1:8025 or "
     "[::1]:8025, got 127.0.0.1:0"},
    {"console_session_max: 1m\n",
     "t.yaml:1: console_session_max: must be between 5m and 30d, got 1m"},
    /* node types */
    {"user: [a, b]\n", "t.yaml:1: user: must be a single value, got a sequence"},
    {"max_files:\n  soft: 1\n", "t.yaml:1: max_files: must be a single value, got a mapping"},
    {"- socket: inet:25\n", "t.yaml:1: must be a mapping of \"key: value\" lines, got a sequence"},
    {"just text\n", "t.yaml:1: must be a mapping of \"key: value\" lines, got a scalar"},
    /* YAML itself */
    {"max_files: 5\nmax_parts: 3\nmax_files: 6\n",
     "t.yaml:3: max_files: duplicate key (first at line 1)"},
    {"max_files: 1\nmax_files: 2\nmax_parts: 1\nmax_parts: 2\n",
     "t.yaml:2: max_files: duplicate key (first at line 1)\n"
     "t.yaml:4: max_parts: duplicate key (first at line 3)"},
    {"max_files: [1\n",
     "t.yaml:2: did not find expected ',' or ']' (while parsing a flow sequence at line 1)"
     "; fix the YAML at or before that line (indent with spaces only; quote a value that holds \": "
     "\" or \" #\")"},
    {"max_files: 1\n  max_parts: 2\n", "t.yaml:2: mapping values are not allowed in this context"
                                       "; fix the YAML at or before that line (indent with spaces "
                                       "only; quote a value that holds \": \" or \" #\")"},
    {"socket: &s inet:25\n",
     "t.yaml:1: &s: anchors and aliases are not supported, write the value out"},
    {"user: mailvet\n---\nuser: other\n", "t.yaml:2: only one YAML document is allowed"},
    {"? [a, b]\n: 1\n", "t.yaml:1: a mapping key must be a single value"},
    {"user: \"a\\0b\"\n", "t.yaml:1: NUL character in a value; take it out"},
    {"user: \"\xff\"\n", "t.yaml:1: invalid leading UTF-8 octet; save the file as UTF-8 text"},
};

static void config_reports_each_error_with_file_and_line(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
        const struct error_case *c = &error_cases[i];
        struct mv_err err;
        struct mv_config *cfg = load_text(c->yaml, &err);
        char *label = g_strescape(c->yaml, NULL);

        if (cfg != NULL)
            fail_msg("%s: got success, want \"%s\"", label, c->want);
        expect_str(label, err.msg, c->want);
        assert_int_equal(err.status, MV_ECONFIG);
        g_free(label);
    }
}

static void config_collects_all_errors_at_once(void **state)
{
    struct mv_err err;
    struct mv_config *cfg;

    (void)state;
    cfg = load_text("# mailvet\n"
                    "max_recusion: 3\n"
                    "max_files: 0\n"
                    "user: mailvet\n"
                    "on_error: bounce\n"
                    "log_clean: [x]\n",
                    &err);
    assert_null(cfg);
    expect_str("all errors", err.msg,
               "t.yaml:2: max_recusion: unknown key (did you mean max_recursion?)\n"
               "t.yaml:3: max_files: must be between 1 and 1000000, got 0\n"
               "t.yaml:5: on_error: must be tempfail or accept, got bounce\n"
               "t.yaml:6: log_clean: must be a single value, got a sequence");
}

/* config_reports_a_duplicate_key_with_the_other_errors - a duplicate names both lines
 * and is one error among the others of the file, not the only one reported */
static void config_reports_a_duplicate_key_with_the_other_errors(void **state)
{
    struct mv_err err;
    struct mv_config *cfg;

    (void)state;
    cfg = load_text("# mailvet\n"
                    "max_recusion: 3\n"
                    "max_parts: 10\n"
                    "on_error: bounce\n"
                    "max_parts: 20\n"
                    "log_clean: [x]\n",
                    &err);
    assert_null(cfg);
    expect_str("all errors", err.msg,
               "t.yaml:5: max_parts: duplicate key (first at line 3)\n"
               "t.yaml:2: max_recusion: unknown key (did you mean max_recursion?)\n"
               "t.yaml:4: on_error: must be tempfail or accept, got bounce\n"
               "t.yaml:6: log_clean: must be a single value, got a sequence");
    assert_int_equal(err.status, MV_ECONFIG);
}

static void config_truncates_a_flood_of_errors_safely(void **state)
{
    GString *text = g_string_new(NULL);
    struct mv_err err;
    size_t len;
    int i;

    (void)state;
    for (i = 0; i < 200; i++)
        g_string_append_printf(text, "unknown_key_number_%d: 1\n", i);
    assert_null(load_text(text->str, &err));
    len = strlen(err.msg);
    assert_int_equal(len, sizeof(err.msg) - 1);
    assert_string_equal(err.msg + len - 3, "...");
    assert_memory_equal(err.msg, "t.yaml:1: unknown_key_number_0: unknown key\n", 44);
    g_string_free(text, TRUE);
}

static void config_missing_file_says_cannot_open(void **state)
{
    struct mv_err err = {0};

    (void)state;
    assert_null(config_load("nope.yaml", &err));
    expect_str("missing", err.msg, "nope.yaml: cannot open: No such file or directory");
    assert_int_equal(err.status, MV_EIO);
    assert_null(config_load(".", &err));
    expect_str("directory", err.msg, ".: cannot open: Is a directory");
    assert_int_equal(err.status, MV_EIO);
}

/* ---- yamlnode -------------------------------------------------------------------- */

static void yamlnode_keeps_lines_and_columns(void **state)
{
    static const char text[] = "# policy\n"
                               "name: lure\n"
                               "match:\n"
                               "  any:\n"
                               "    - subject: \"invoice\"\n"
                               "    - 'x'\n"
                               "flow: {a: [1, 2]}\n";
    struct mv_err err;
    struct yamlnode *root = yamlnode_load_buffer("p.yaml", text, strlen(text), &err);
    const struct yamlnode *match;
    const struct yamlnode *any;
    const struct yamlnode *item;
    const struct yamlnode *flow;

    (void)state;
    assert_non_null(root);
    assert_int_equal(yamlnode_type(root), YAMLNODE_MAPPING);
    assert_int_equal(yamlnode_count(root), 3);
    expect_str("file", yamlnode_file_get(root), "p.yaml");
    expect_str("key 0", yamlnode_scalar_get(yamlnode_key_get(root, 0)), "name");
    assert_int_equal(yamlnode_line(yamlnode_key_get(root, 0)), 2);
    assert_int_equal(yamlnode_column(yamlnode_value_get(root, 0)), 7);
    expect_str("name", yamlnode_scalar_get(yamlnode_map_get(root, "name")), "lure");
    match = yamlnode_map_get(root, "match");
    assert_int_equal(yamlnode_type(match), YAMLNODE_MAPPING);
    any = yamlnode_map_get(match, "any");
    assert_int_equal(yamlnode_type(any), YAMLNODE_SEQUENCE);
    assert_int_equal(yamlnode_count(any), 2);
    item = yamlnode_item_get(any, 0);
    assert_int_equal(yamlnode_line(item), 5);
    assert_int_equal(yamlnode_column(item), 7);
    expect_str("subject", yamlnode_scalar_get(yamlnode_map_get(item, "subject")), "invoice");
    item = yamlnode_item_get(any, 1);
    expect_str("x", yamlnode_scalar_get(item), "x");
    assert_int_equal(yamlnode_line(item), 6);
    assert_null(yamlnode_item_get(any, 2));
    flow = yamlnode_map_get(yamlnode_map_get(root, "flow"), "a");
    assert_int_equal(yamlnode_count(flow), 2);
    assert_int_equal(yamlnode_line(flow), 7);
    assert_null(yamlnode_map_get(root, "absent"));
    assert_null(yamlnode_scalar_get(root));
    assert_null(yamlnode_key_get(any, 0));
    expect_str("type", yamlnode_type_name(any), "a sequence");
    yamlnode_free(root);
}

static void yamlnode_null_is_plain_only(void **state)
{
    static const char text[] = "a:\nb: ~\nc: null\nd: \"\"\ne: 'null'\nf: x\n";
    struct mv_err err;
    struct yamlnode *root = yamlnode_load_buffer("n.yaml", text, strlen(text), &err);

    (void)state;
    assert_non_null(root);
    assert_true(yamlnode_is_null(yamlnode_map_get(root, "a")));
    assert_true(yamlnode_is_null(yamlnode_map_get(root, "b")));
    assert_true(yamlnode_is_null(yamlnode_map_get(root, "c")));
    assert_false(yamlnode_is_null(yamlnode_map_get(root, "d")));
    assert_false(yamlnode_is_null(yamlnode_map_get(root, "e")));
    assert_false(yamlnode_is_null(yamlnode_map_get(root, "f")));
    expect_str("type", yamlnode_type_name(yamlnode_map_get(root, "a")), "an empty value");
    yamlnode_free(root);
}

static void yamlnode_refuses_nesting_beyond_the_bound(void **state)
{
    GString *ok = g_string_new(NULL);
    GString *deep = g_string_new(NULL);
    struct yamlnode *root;
    struct mv_err err;
    char want[128];
    int i;

    (void)state;
    for (i = 0; i < YAMLNODE_MAX_DEPTH; i++)
        g_string_append_c(ok, '[');
    for (i = 0; i < YAMLNODE_MAX_DEPTH; i++)
        g_string_append_c(ok, ']');
    root = yamlnode_load_buffer("d.yaml", ok->str, ok->len, &err);
    if (root == NULL)
        fail_msg("depth %d: got \"%s\", want success", YAMLNODE_MAX_DEPTH, err.msg);
    yamlnode_free(root);

    for (i = 0; i < 10000; i++)
        g_string_append(deep, "[");
    assert_null(yamlnode_load_buffer("d.yaml", deep->str, deep->len, &err));
    snprintf(want, sizeof(want), "d.yaml:1: nested deeper than %d levels", YAMLNODE_MAX_DEPTH);
    expect_str("deep", err.msg, want);
    assert_int_equal(err.status, MV_EPARSE);
    g_string_free(ok, TRUE);
    g_string_free(deep, TRUE);
}

static void yamlnode_refuses_too_many_nodes(void **state)
{
    GString *text = g_string_new("[");
    struct mv_err err;
    char want[128];
    int i;

    (void)state;
    for (i = 0; i < YAMLNODE_MAX_NODES; i++)
        g_string_append(text, "0,");
    g_string_append(text, "0]");
    assert_null(yamlnode_load_buffer("n.yaml", text->str, text->len, &err));
    snprintf(want, sizeof(want), "n.yaml:1: more than %d nodes in one file", YAMLNODE_MAX_NODES);
    expect_str("nodes", err.msg, want);
    g_string_free(text, TRUE);
}

static void yamlnode_refuses_aliases(void **state)
{
    static const char text[] = "base: &b {x: 1}\nother: *b\n";
    static const char alias[] = "- 1\n- *b\n";
    struct mv_err err;

    (void)state;
    assert_null(yamlnode_load_buffer("a.yaml", text, strlen(text), &err));
    expect_str("anchor", err.msg,
               "a.yaml:1: &b: anchors and aliases are not supported, write the value out");
    /* An alias to an unknown anchor: libyaml itself does not mind, we do. */
    assert_null(yamlnode_load_buffer("a.yaml", alias, strlen(alias), &err));
    expect_str("alias", err.msg,
               "a.yaml:2: *b: anchors and aliases are not supported, write the value out");
}

/* yamlnode_reports_duplicates_in_nested_mappings - the tree still comes back, with the
 * first of the two pairs, so that its reader can report its own errors too */
static void yamlnode_reports_duplicates_in_nested_mappings(void **state)
{
    static const char text[] = "rules:\n  - id: a\n    score: 1\n    id: b\n";
    const struct yamlnode *rule;
    struct mv_err err;
    struct yamlnode *root;

    (void)state;
    root = yamlnode_load_buffer("r.yaml", text, strlen(text), &err);
    expect_str("dup", err.msg, "r.yaml:4: id: duplicate key (first at line 2)");
    assert_int_equal(err.status, MV_EPARSE);
    if (root == NULL)
        fail_msg("got no tree, want one with the first id (a) and score");
    rule = yamlnode_item_get(yamlnode_map_get(root, "rules"), 0);
    assert_int_equal(yamlnode_count(rule), 2);
    expect_str("first id kept", yamlnode_scalar_get(yamlnode_map_get(rule, "id")), "a");
    yamlnode_free(root);
}

/* yamlnode_refuses_a_duplicate_after_a_syntax_error - a syntax error still stops the
 * reading: no tree, the duplicate before it and the error both said */
static void yamlnode_refuses_a_duplicate_after_a_syntax_error(void **state)
{
    static const char text[] = "a: 1\na: 2\nb: [1\n";
    struct mv_err err;

    (void)state;
    assert_null(yamlnode_load_buffer("s.yaml", text, strlen(text), &err));
    expect_str("dup and syntax", err.msg,
               "s.yaml:2: a: duplicate key (first at line 1)\n"
               "s.yaml:4: did not find expected ',' or ']' (while parsing a flow sequence at "
               "line 3); fix the YAML at or before that line (indent with spaces only; quote a "
               "value that holds \": \" or \" #\")");
    assert_int_equal(err.status, MV_EPARSE);
}

static void yamlnode_err_add_appends_lines(void **state)
{
    static const char text[] = "a: 1\nb: 2\n";
    struct mv_err err;
    struct yamlnode *root = yamlnode_load_buffer("e.yaml", text, strlen(text), &err);

    (void)state;
    assert_non_null(root);
    assert_int_equal(err.status, MV_OK);
    expect_str("clear", err.msg, "");
    yamlnode_err_add(&err, MV_ECONFIG, yamlnode_value_get(root, 1), "b: bad %d", 2);
    yamlnode_err_addf(&err, MV_ECONFIG, "plain");
    yamlnode_err_add(&err, MV_ECONFIG, NULL, "no node");
    expect_str("lines", err.msg, "e.yaml:2: b: bad 2\nplain\nno node");
    assert_int_equal(err.status, MV_ECONFIG);
    yamlnode_err_add(NULL, MV_ECONFIG, root, "ignored");
    yamlnode_free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_reports_each_error_with_file_and_line),
        cmocka_unit_test(config_collects_all_errors_at_once),
        cmocka_unit_test(config_reports_a_duplicate_key_with_the_other_errors),
        cmocka_unit_test(config_truncates_a_flood_of_errors_safely),
        cmocka_unit_test(config_missing_file_says_cannot_open),
        cmocka_unit_test(yamlnode_keeps_lines_and_columns),
        cmocka_unit_test(yamlnode_null_is_plain_only),
        cmocka_unit_test(yamlnode_refuses_nesting_beyond_the_bound),
        cmocka_unit_test(yamlnode_refuses_too_many_nodes),
        cmocka_unit_test(yamlnode_refuses_aliases),
        cmocka_unit_test(yamlnode_reports_duplicates_in_nested_mappings),
        cmocka_unit_test(yamlnode_refuses_a_duplicate_after_a_syntax_error),
        cmocka_unit_test(yamlnode_err_add_appends_lines),
    };

    return cmocka_run_group_tests_name("config_load", tests, setup, teardown);
}
