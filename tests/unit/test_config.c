/* test_config.c - config.c's values: every value type and suffix, an empty file and the
 * built-in defaults with their documented values, the schema's keys (unique, snake_case,
 * which a reload applies), the config_print round trip and its "# default" marks, and
 * the shipped sample file, which sets every key to its default but the socket.  Each
 * case writes t.yaml into a private temp directory that is the working directory.  The
 * errors and yamlnode: test_config_load.c; the directory and the helpers:
 * config_fixture.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_fixture.h"

/* key_index - position of NAME in the schema */
static size_t key_index(const char *name)
{
    size_t i;

    for (i = 0; i < config_key_count(); i++)
        if (strcmp(config_key_name(i), name) == 0)
            return i;
    fail_msg("no schema key %s", name);
    return 0;
}

/* expect_all_default_but - every key of CFG equals the default, except EXCEPT (or NULL) */
static void expect_all_default_but(const struct mv_config *cfg, const char *except)
{
    struct mv_config *def = config_default();
    size_t i;

    for (i = 0; i < config_key_count(); i++) {
        if (except != NULL && strcmp(config_key_name(i), except) == 0)
            continue;
        if (!config_key_equal(cfg, def, i))
            fail_msg("%s: got a changed value, want the default", config_key_name(i));
    }
    config_free(def);
}

/* ---- valid values ---------------------------------------------------------------- */

enum field_kind { F_UINT, F_U64, F_BOOL, F_INT, F_STR };

struct valid_case {
    const char *yaml;
    enum field_kind kind;
    size_t offset;
    uint64_t num;
    const char *str;
};

#define AT(f) offsetof(struct mv_config, f)

static const struct valid_case valid_cases[] = {
    /* uint */
    {"max_recursion: 1\n", F_UINT, AT(max_recursion), 1, NULL},
    {"max_recursion: 64\n", F_UINT, AT(max_recursion), 64, NULL},
    {"max_files: 1000000\n", F_UINT, AT(max_files), 1000000, NULL},
    {"max_parts: \"250\"\n", F_UINT, AT(max_parts), 250, NULL},
    {"max_mime_depth: 007\n", F_UINT, AT(max_mime_depth), 7, NULL},
    /* size */
    {"spool_memory: 0\n", F_U64, AT(spool_memory), 0, NULL},
    {"spool_memory: 4096\n", F_U64, AT(spool_memory), 4096, NULL},
    {"spool_memory: 64K\n", F_U64, AT(spool_memory), 64 * 1024, NULL},
    {"spool_memory: 64k\n", F_U64, AT(spool_memory), 64 * 1024, NULL},
    {"max_message_size: 25M\n", F_U64, AT(max_message_size), 25ULL << 20, NULL},
    {"max_scan_size: 2G\n", F_U64, AT(max_scan_size), 2ULL << 30, NULL},
    {"max_file_size: 1K\n", F_U64, AT(max_file_size), 1024, NULL},
    {"quarantine_max_size: 4T\n", F_U64, AT(quarantine_max_size), 4ULL << 40, NULL},
    {"quarantine_max_size: 2t\n", F_U64, AT(quarantine_max_size), 2ULL << 40, NULL},
    /* duration stored in milliseconds */
    {"max_scan_time: 250ms\n", F_UINT, AT(max_scan_time), 250, NULL},
    {"max_scan_time: 30s\n", F_UINT, AT(max_scan_time), 30000, NULL},
    {"max_scan_time: 2m\n", F_UINT, AT(max_scan_time), 120000, NULL},
    {"max_scan_time: 1h\n", F_UINT, AT(max_scan_time), 3600000, NULL},
    /* duration stored in seconds */
    {"milter_timeout: 45s\n", F_UINT, AT(milter_timeout), 45, NULL},
    {"milter_timeout: 5m\n", F_UINT, AT(milter_timeout), 300, NULL},
    {"milter_timeout: 2000ms\n", F_UINT, AT(milter_timeout), 2, NULL},
    {"milter_timeout: 24h\n", F_UINT, AT(milter_timeout), 86400, NULL},
    {"milter_timeout: 1d\n", F_UINT, AT(milter_timeout), 86400, NULL},
    {"quarantine_max_age: 30d\n", F_UINT, AT(quarantine_max_age), 30 * 86400, NULL},
    {"quarantine_max_age: 2w\n", F_UINT, AT(quarantine_max_age), 14 * 86400, NULL},
    {"shutdown_timeout: 0s\n", F_UINT, AT(shutdown_timeout), 0, NULL},
    /* octal mode */
    {"socket_mode: 0600\n", F_UINT, AT(socket_mode), 0600, NULL},
    {"socket_mode: 660\n", F_UINT, AT(socket_mode), 0660, NULL},
    {"socket_mode: \"0777\"\n", F_UINT, AT(socket_mode), 0777, NULL},
    /* bool */
    {"log_clean: false\n", F_BOOL, AT(log_clean), 0, NULL},
    {"log_clean: no\n", F_BOOL, AT(log_clean), 0, NULL},
    {"add_header: true\n", F_BOOL, AT(add_header), 1, NULL},
    {"add_header: yes\n", F_BOOL, AT(add_header), 1, NULL},
    {"add_header: True\n", F_BOOL, AT(add_header), 1, NULL},
    /* enum */
    {"on_error: accept\n", F_INT, AT(on_error), CONFIG_ON_ERROR_ACCEPT, NULL},
    {"on_error: tempfail\n", F_INT, AT(on_error), CONFIG_ON_ERROR_TEMPFAIL, NULL},
    /* strings and paths */
    {"user: nobody\n", F_STR, AT(user), 0, "nobody"},
    {"user: \"\"\n", F_STR, AT(user), 0, ""},
    {"user: ''\n", F_STR, AT(user), 0, ""},
    {"group: postfix\n", F_STR, AT(group), 0, "postfix"},
    {"pid_file: \"\"\n", F_STR, AT(pid_file), 0, ""},
    {"pid_file: /var/run/m.pid\n", F_STR, AT(pid_file), 0, "/var/run/m.pid"},
    {"log_facility: local3\n", F_STR, AT(log_facility), 0, "local3"},
    {"database: /srv/clamav # comment\n", F_STR, AT(database), 0, "/srv/clamav"},
    {"tmpdir: '/var/spool/mailvet/tmp'\n", F_STR, AT(tmpdir), 0, "/var/spool/mailvet/tmp"},
    /* policy_dir: only a quoted "" runs without rules (no value: test_config_load.c) */
    {"policy_dir: \"\"\n", F_STR, AT(policy_dir), 0, ""},
    {"policy_dir: ''\n", F_STR, AT(policy_dir), 0, ""},
    {"policy_dir: /srv/policies\n", F_STR, AT(policy_dir), 0, "/srv/policies"},
    /* the database store with its connection string */
    {"quarantine_store: postgresql\nquarantine_db: dbname=mailvet\n", F_INT, AT(quarantine_store),
     CONFIG_STORE_POSTGRESQL, NULL},
    {"quarantine_store: dir\nquarantine_db: \"\"\n", F_INT, AT(quarantine_store), CONFIG_STORE_DIR,
     NULL},
    /* sockets */
    {"socket: unix:/var/spool/postfix/mailvet/mailvetd.sock\n", F_STR, AT(socket), 0,
     "unix:/var/spool/postfix/mailvet/mailvetd.sock"},
    {"socket: local:/run/m.sock\n", F_STR, AT(socket), 0, "local:/run/m.sock"},
    {"socket: inet:8891\n", F_STR, AT(socket), 0, "inet:8891"},
    {"socket: inet:8891@127.0.0.1\n", F_STR, AT(socket), 0, "inet:8891@127.0.0.1"},
    {"socket: inet:8891@localhost\n", F_STR, AT(socket), 0, "inet:8891@localhost"},
    {"socket: inet6:8891@::1\n", F_STR, AT(socket), 0, "inet6:8891@::1"},
    {"socket: inet6:65535\n", F_STR, AT(socket), 0, "inet6:65535"},
    /* the console's listening address */
    {"console_listen: 0.0.0.0:443\n", F_STR, AT(console_listen), 0, "0.0.0.0:443"},
    {"console_listen: \"[::1]:8025\"\n", F_STR, AT(console_listen), 0, "[::1]:8025"},
    {"console_session_idle: 15m\n", F_UINT, AT(console_session_idle), 900, NULL},
};

static void config_parses_every_value_type(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
        const struct valid_case *c = &valid_cases[i];
        struct mv_err err;
        struct mv_config *cfg = load_text(c->yaml, &err);
        char *label = g_strescape(c->yaml, NULL);
        const char *f;
        uint64_t got = 0;

        if (cfg == NULL)
            fail_msg("%s: got error \"%s\", want success", label, err.msg);
        f = (const char *)cfg + c->offset;
        switch (c->kind) {
        case F_UINT:
            got = *(const unsigned *)f;
            break;
        case F_U64:
            got = *(const uint64_t *)f;
            break;
        case F_BOOL:
            got = *(const bool *)f;
            break;
        case F_INT:
            got = (uint64_t) * (const int *)f;
            break;
        case F_STR:
            expect_str(label, *(char *const *)f, c->str);
            break;
        }
        if (c->kind != F_STR && got != c->num)
            fail_msg("%s: got %llu, want %llu", label, (unsigned long long)got,
                     (unsigned long long)c->num);
        assert_int_equal(err.status, MV_OK);
        g_free(label);
        config_free(cfg);
    }
}

/* ---- defaults, the schema, print ------------------------------------------------- */

static void config_empty_file_is_all_defaults(void **state)
{
    static const char *const empties[] = {"", "\n\n", "# nothing set\n", "---\n", "~\n"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
        struct mv_err err;
        struct mv_config *cfg = load_text(empties[i], &err);

        if (cfg == NULL)
            fail_msg("\"%s\": got error \"%s\", want defaults", empties[i], err.msg);
        expect_all_default_but(cfg, NULL);
        expect_str("file", cfg->file, "t.yaml");
        config_free(cfg);
    }
}

static void config_default_has_documented_values(void **state)
{
    struct mv_config *cfg = config_default();

    (void)state;
    expect_str("file", cfg->file, "(built-in)");
    /* the directories configure chose (tests/Makefile.am passes them as libmailvet's
     * Makefile.am does), not a distribution's: a --prefix=/usr/local build looks there */
    expect_str("socket", cfg->socket, "unix:" RUNSTATEDIR "/mailvet/mailvetd.sock");
    assert_int_equal(cfg->socket_mode, 0660);
    expect_str("user", cfg->user, "mailvet");
    expect_str("group", cfg->group, "");
    expect_str("pid_file", cfg->pid_file, RUNSTATEDIR "/mailvet/mailvetd.pid");
    expect_str("log_facility", cfg->log_facility, "mail");
    assert_true(cfg->log_clean);
    assert_int_equal(cfg->milter_timeout, 300);
    assert_int_equal(cfg->shutdown_timeout, 30);
    expect_str("database", cfg->database, "/var/lib/clamav"); /* ClamAV's, not ours */
    expect_str("policy_dir", cfg->policy_dir, SYSCONFDIR "/mailvet/policies");
    expect_str("quarantine_dir", cfg->quarantine_dir, LOCALSTATEDIR "/spool/mailvet/quarantine");
    expect_str("tmpdir", cfg->tmpdir, "/var/tmp");
    assert_int_equal(cfg->on_error, CONFIG_ON_ERROR_TEMPFAIL);
    assert_false(cfg->add_header);
    assert_int_equal(cfg->spool_memory, 1ULL << 20);
    assert_int_equal(cfg->max_message_size, 100ULL << 20);
    assert_int_equal(cfg->max_parts, 1000);
    assert_int_equal(cfg->max_mime_depth, 20);
    assert_int_equal(cfg->max_scan_size, 400ULL << 20);
    assert_int_equal(cfg->max_file_size, 100ULL << 20);
    assert_int_equal(cfg->max_recursion, 17);
    assert_int_equal(cfg->max_files, 10000);
    assert_int_equal(cfg->max_scan_time, 120000);
    config_free(cfg);
}

static void config_schema_keys_are_unique_snake_case(void **state)
{
    size_t i;
    size_t j;

    (void)state;
    assert_true(config_key_count() > 0);
    assert_null(config_key_name(config_key_count()));
    for (i = 0; i < config_key_count(); i++) {
        const char *name = config_key_name(i);

        assert_non_null(name);
        if (strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(name))
            fail_msg("key %s: got other characters, want snake_case", name);
        for (j = i + 1; j < config_key_count(); j++)
            if (strcmp(name, config_key_name(j)) == 0)
                fail_msg("key %s: got it twice, want it once", name);
    }
    /* A daemon setting needs a restart; the limits follow a SIGUSR1 reload. */
    assert_false(config_key_reloadable(key_index("socket")));
    assert_false(config_key_reloadable(key_index("user")));
    assert_true(config_key_reloadable(key_index("max_recursion")));
    assert_true(config_key_reloadable(key_index("database")));
    assert_false(config_key_reloadable(config_key_count()));
}

/* print_to - config_print of CFG into NAME, returned as text (caller frees) */
static char *print_to(const struct mv_config *cfg, const char *name)
{
    FILE *f = fopen(name, "w");
    char *text = NULL;

    assert_non_null(f);
    config_print(cfg, f);
    assert_int_equal(fclose(f), 0);
    assert_true(g_file_get_contents(name, &text, NULL, NULL));
    return text;
}

static void config_print_round_trips(void **state)
{
    struct mv_err err;
    struct mv_config *cfg;
    struct mv_config *again;
    char *text;
    size_t i;

    (void)state;
    cfg = load_text("socket: inet6:8891@::1\n"
                    "socket_mode: 0600\n"
                    "user: \"mail \\\"vet\\\" \\\\ x\"\n"
                    "group: postfix\n"
                    "pid_file: \"\"\n"
                    "log_facility: local7\n"
                    "log_clean: no\n"
                    "milter_timeout: 2m\n"
                    "database: /srv/clamav db\n"
                    "on_error: accept\n"
                    "add_header: yes\n"
                    "spool_memory: 1000\n"
                    "max_message_size: 3072\n"
                    "max_scan_size: 1G\n"
                    "max_files: 12345\n"
                    "max_scan_time: 1500ms\n",
                    &err);
    if (cfg == NULL)
        fail_msg("load: got \"%s\", want success", err.msg);
    text = print_to(cfg, "printed.yaml");
    assert_non_null(strstr(text, "# mailvet configuration from t.yaml\n"));
    assert_non_null(strstr(text, "\nmax_message_size: 3K\n"));
    assert_non_null(strstr(text, "\nmax_scan_time: 1500ms\n"));
    assert_non_null(strstr(text, "\nmilter_timeout: 120s\n"));
    assert_non_null(strstr(text, "\nsocket_mode: 0600\n"));
    assert_non_null(strstr(text, "\nuser: \"mail \\\"vet\\\" \\\\ x\"\n"));
    assert_non_null(strstr(text, "\nmax_recursion: 17 ")); /* unchanged: "# default" */
    assert_non_null(strstr(text, "# default\n"));
    assert_null(strstr(text, "max_files: 12345 ")); /* changed: no comment */

    again = config_load("printed.yaml", &err);
    if (again == NULL)
        fail_msg("reload: got \"%s\", want success", err.msg);
    for (i = 0; i < config_key_count(); i++)
        if (!config_key_equal(cfg, again, i))
            fail_msg("%s: got a different value after print and load, want the same",
                     config_key_name(i));
    expect_str("user", again->user, "mail \"vet\" \\ x");
    g_free(text);
    config_free(again);
    config_free(cfg);
}

static void config_print_of_defaults_marks_every_key(void **state)
{
    struct mv_config *def = config_default();
    struct mv_config *again;
    struct mv_err err;
    char *text;
    char **lines;
    size_t keys = 0;
    size_t i;

    (void)state;
    text = print_to(def, "printed.yaml");
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i] != NULL; i++) {
        if (lines[i][0] == '#' || lines[i][0] == '\0')
            continue;
        if (!g_str_has_suffix(lines[i], " # default"))
            fail_msg("line \"%s\": got no \"# default\", want one", lines[i]);
        if (!g_str_has_prefix(lines[i], config_key_name(keys)))
            fail_msg("line \"%s\": want key %s (table order)", lines[i], config_key_name(keys));
        keys++;
    }
    assert_int_equal(keys, config_key_count());
    again = config_load("printed.yaml", &err);
    if (again == NULL)
        fail_msg("reload: got \"%s\", want success", err.msg);
    expect_all_default_but(again, NULL);
    g_strfreev(lines);
    g_free(text);
    config_free(again);
    config_free(def);
}

static void config_sample_file_sets_every_key_to_its_default(void **state)
{
    const char *top = getenv("top_builddir");
    struct mv_err err;
    struct mv_config *cfg;
    char *path;
    char *text;
    size_t i;

    (void)state;
    /* the sample as make wrote it from policies/mailvet.yaml.in, configure's directories
     * filled in, in the build tree: make check exports top_builddir; by hand, run from
     * the top of the build tree.  No skip(): cmocka 1.1 prints a skip as "not ok", which
     * the TAP driver counts as FAIL. */
    path = g_build_filename(top != NULL ? top : oldcwd, "policies", "mailvet.yaml", NULL);
    if (top == NULL && !g_file_test(path, G_FILE_TEST_EXISTS)) {
        print_message("# %s: not found and top_builddir not set, not checked\n", path);
        g_free(path);
        return;
    }
    cfg = config_load(path, &err);
    if (cfg == NULL)
        fail_msg("%s: got \"%s\", want success", path, err.msg);
    /* The sample is for Debian's chrooted Postfix; everything else is the default. */
    expect_str("socket", cfg->socket, "unix:/var/spool/postfix/mailvet/mailvetd.sock");
    expect_all_default_but(cfg, "socket");
    /* ... and every key is written out, so the file documents the whole schema. */
    assert_true(g_file_get_contents(path, &text, NULL, NULL));
    for (i = 0; i < config_key_count(); i++) {
        char *want = g_strdup_printf("\n%s:", config_key_name(i));

        if (strstr(text, want) == NULL)
            fail_msg("%s: got no line for key %s, want one", path, config_key_name(i));
        g_free(want);
    }
    g_free(text);
    g_free(path);
    config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_parses_every_value_type),
        cmocka_unit_test(config_empty_file_is_all_defaults),
        cmocka_unit_test(config_default_has_documented_values),
        cmocka_unit_test(config_schema_keys_are_unique_snake_case),
        cmocka_unit_test(config_print_round_trips),
        cmocka_unit_test(config_print_of_defaults_marks_every_key),
        cmocka_unit_test(config_sample_file_sets_every_key_to_its_default),
    };

    return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
