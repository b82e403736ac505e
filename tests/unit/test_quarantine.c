/* test_quarantine.c - the quarantine module (quarantine*.c): store then list and show
 * (an entry as JSON, the record's text and state); a write that fails at each step (the
 * .eml, the .json, the index line; a message fd that ends early) leaves no entry and no
 * temporary; ids; the index rebuilt when missing or damaged, each kind of damage (no
 * header, version 1, cut short, header only, a line changed, nonsense, a line left out,
 * an entry without a record) found and said; filters; the view the console keeps;
 * delete; directory refusals (symlink, group-readable) and creation (0700).  Purge:
 * test_quarantine_purge.c; release: test_quarantine_release.c; the store and its fixed
 * entry: quarantine_fixture.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quarantine_fixture.h"

/* ---- store, list, show ------------------------------------------------------------- */

static void store_writes_entry_listed_and_shown(void **state)
{
    char id[QUARANTINE_ID_LEN + 1], name[512];
    struct mv_err err = {0};
    GPtrArray *l;
    struct quarantine_entry *e;
    JsonNode *rec;
    JsonObject *o;
    struct stat st;
    char *eml;

    (void)state;
    assert_int_equal(store("mallory@example.com", NULL, scan_json, id, &err), MV_OK);
    assert_true(quarantine_id_valid(id));
    snprintf(name, sizeof(name), "%s/%s.json", dir, id);
    assert_int_equal(stat(name, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    snprintf(name, sizeof(name), "%s.eml", id);
    eml = read_file(name);
    assert_non_null(eml);
    assert_string_equal(eml, message);
    g_free(eml);
    assert_int_equal(count_files(".tmp-", NULL), 0);
    /* the first store of a store makes the index */
    assert_int_equal(count_files("index", NULL), 1);

    l = list(NULL);
    assert_int_equal(l->len, 1);
    e = g_ptr_array_index(l, 0);
    assert_string_equal(e->id, id);
    assert_string_equal(e->sender, "mallory@example.com");
    assert_int_equal(e->recipients->len, 2);
    assert_string_equal(g_ptr_array_index(e->recipients, 1), "bob@example.org");
    assert_int_equal(e->state, QUARANTINE_HELD);
    assert_string_equal(e->verdict, "campaign");
    assert_true(e->score == 12.5);
    assert_int_equal(e->size, strlen(message));
    assert_int_equal(e->campaigns->len, 1);
    assert_string_equal(g_ptr_array_index(e->campaigns, 0), "avaddon");
    assert_int_equal(e->reasons->len, 2);
    assert_true(e->time > 0 && e->time <= g_get_real_time() / G_USEC_PER_SEC);
    /* what the console searches: queue id, subject, rules, signatures */
    assert_string_equal(e->queue_id, "4Xy7Rz1");
    assert_string_equal(e->subject, "Invoice <b>42</b>");
    assert_int_equal(e->rules->len, 1);
    assert_string_equal(g_ptr_array_index(e->rules, 0), "avaddon.lure");
    assert_int_equal(e->signatures->len, 1);
    assert_string_equal(g_ptr_array_index(e->signatures, 0), "Mailvet.Avaddon.JsDownloader");
    g_ptr_array_unref(l);

    rec = quarantine_record_new(dir, id, &err);
    assert_non_null(rec);
    o = json_node_get_object(rec);
    assert_string_equal(rec_string(rec, "id"), id);
    assert_string_equal(rec_string(rec, "state"), "held");
    assert_string_equal(rec_string(rec, "queue_id"), "4Xy7Rz1");
    assert_string_equal(rec_string(rec, "client_addr"), "192.0.2.1");
    assert_string_equal(rec_string(rec, "action"), "quarantine");
    assert_false(json_object_has_member(o, "file"));
    assert_int_equal(json_object_get_int_member(o, "generation"), 3);
    assert_int_equal(json_array_get_length(json_object_get_array_member(o, "objects")), 2);
    assert_int_equal(json_array_get_length(json_object_get_array_member(o, "history")), 1);
    assert_true(g_str_has_suffix(rec_string(rec, "time"), "Z"));
    json_node_unref(rec);
}

/* entry_json_and_record_text_are_the_operator_views - list --json's object of an
 * entry, show's text of the record (sender-controlled text printable), the state */
static void entry_json_and_record_text_are_the_operator_views(void **state)
{
    static const char evil_json[] =
        "{\"verdict\":\"campaign\",\"score\":12.5,\"reasons\":[\"a\\u001b[2Jb\"],"
        "\"hits\":[{\"id\":\"avaddon.lure\",\"campaign\":\"avaddon\",\"score\":10}],"
        "\"objects\":[{\"name\":\"x\\ny.zip\",\"type\":\"application/zip\",\"size\":9,"
        "\"depth\":0,\"signatures\":[\"Sig\"]}]}";
    char id[QUARANTINE_ID_LEN + 1];
    struct mv_err err = {0};
    GPtrArray *l;
    JsonNode *node, *rec;
    JsonObject *o;
    char *text;

    (void)state;
    assert_int_equal(store("", NULL, evil_json, id, &err), MV_OK);
    l = list(NULL);
    assert_int_equal(l->len, 1);
    node = quarantine_entry_json_new(g_ptr_array_index(l, 0));
    o = json_node_get_object(node);
    assert_string_equal(json_object_get_string_member(o, "id"), id);
    assert_string_equal(json_object_get_string_member(o, "state"), "held");
    assert_string_equal(json_object_get_string_member(o, "verdict"), "campaign");
    assert_string_equal(json_object_get_string_member(o, "sender"), "");
    assert_true(json_object_get_double_member(o, "score") == 12.5);
    assert_int_equal(json_object_get_int_member(o, "size"), strlen(message));
    assert_int_equal(json_array_get_length(json_object_get_array_member(o, "recipients")), 2);
    assert_string_equal(
        json_array_get_string_element(json_object_get_array_member(o, "reasons"), 0), "a\x1b[2Jb");
    assert_string_equal(
        json_array_get_string_element(json_object_get_array_member(o, "campaigns"), 0), "avaddon");
    assert_true(g_str_has_suffix(json_object_get_string_member(o, "time"), "Z"));
    json_node_unref(node);
    g_ptr_array_unref(l);

    rec = quarantine_record_new(dir, id, &err);
    assert_non_null(rec);
    assert_int_equal(quarantine_record_state(rec), QUARANTINE_HELD);
    text = quarantine_record_text_new(rec);
    if (strstr(text, "\nreasons:\n  a?[2Jb\n") == NULL || strstr(text, "x?y.zip  [") == NULL ||
        strstr(text, "\nsender:      <>\n") == NULL ||
        strstr(text, "  avaddon.lure (10, campaign avaddon)\n") == NULL)
        fail_msg("record text: got\n%s", text);
    for (const char *p = text; *p; p++)
        if ((unsigned char)*p < ' ' && *p != '\n')
            fail_msg("record text: got a control character 0x%02x", (unsigned char)*p);
    g_free(text);
    json_node_unref(rec);
    assert_int_equal(quarantine_delete(dir, id, "tester", &err), MV_OK);
    rec = quarantine_record_new(dir, id, &err);
    assert_int_equal(quarantine_record_state(rec), QUARANTINE_DELETED);
    json_node_unref(rec);
}

static void store_reads_message_from_fd(void **state)
{
    char id[QUARANTINE_ID_LEN + 1], name[512], path[512];
    struct mv_err err = {0};
    int fd;
    char *eml;

    (void)state;
    snprintf(path, sizeof(path), "%s/spool", top);
    assert_true(g_file_set_contents(path, message, -1, NULL));
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    lseek(fd, 5, SEEK_SET); /* store reads from offset 0 whatever the position */
    assert_int_equal(quarantine_store(dir, NULL, fd, strlen(message), NULL, id, &err), MV_OK);
    close(fd);
    snprintf(name, sizeof(name), "%s.eml", id);
    eml = read_file(name);
    assert_string_equal(eml, message);
    g_free(eml);
    unlink(path);
}

/* ---- failures leave nothing -------------------------------------------------------- */

static void store_failure_leaves_no_entry(void **state)
{
    /* the 1st write is the .eml, the 2nd the .json, the 3rd the index line */
    static const struct {
        unsigned nth;
        const char *want;
    } cases[] = {{1, ".eml-"}, {2, ".json-"}, {3, "index"}};
    char id[QUARANTINE_ID_LEN + 1];
    struct mv_err err = {0};

    (void)state;
    assert_int_equal(list_len(NULL), 0); /* creates the index: the 3rd write exists */
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *before = names(), *after;

        memset(&err, 0, sizeof(err));
        quarantine_test_fail_write(cases[i].nth);
        if (store("x@example.com", NULL, scan_json, id, &err) != MV_EIO)
            fail_msg("write %u failing: got ok, want MV_EIO", cases[i].nth);
        quarantine_test_fail_write(0);
        if (strstr(err.msg, dir) == NULL || strstr(err.msg, cases[i].want) == NULL ||
            strstr(err.msg, g_strerror(ENOSPC)) == NULL)
            fail_msg("write %u: got \"%s\", want the path (%s) and \"%s\"", cases[i].nth, err.msg,
                     cases[i].want, g_strerror(ENOSPC));
        after = names();
        if (strcmp(before, after) != 0)
            fail_msg("write %u: files were \"%s\", now \"%s\"", cases[i].nth, before, after);
        g_free(before);
        g_free(after);
        assert_int_equal(list_len(NULL), 0);
    }
}

static void store_failure_on_short_fd_leaves_no_entry(void **state)
{
    char id[QUARANTINE_ID_LEN + 1], path[512];
    struct mv_err err = {0};
    int fd;

    (void)state;
    snprintf(path, sizeof(path), "%s/short", top);
    assert_true(g_file_set_contents(path, "only a little", -1, NULL));
    fd = open(path, O_RDONLY);
    assert_int_equal(quarantine_store(dir, NULL, fd, 100000, NULL, id, &err), MV_EIO);
    close(fd);
    assert_non_null(strstr(err.msg, "unexpected end of file"));
    assert_int_equal(count_files(".tmp-", ".eml") + count_files(NULL, ".json"), 0);
    /* a directory fd fails at once (EISDIR) */
    fd = open(dir, O_RDONLY);
    assert_int_equal(quarantine_store(dir, NULL, fd, 10, NULL, id, &err), MV_EIO);
    close(fd);
    assert_int_equal(count_files(".tmp-", ".eml") + count_files(NULL, ".json"), 0);
    assert_int_equal(list_len(NULL), 0);
    unlink(path);
}

static void store_refuses_scan_result_not_json(void **state)
{
    char id[QUARANTINE_ID_LEN + 1];
    struct mv_err err = {0};

    (void)state;
    assert_int_equal(store("x@example.com", NULL, "[1,2]", id, &err), MV_EPARSE);
    assert_int_equal(store("x@example.com", NULL, "{oops", id, &err), MV_EPARSE);
    assert_int_equal(store("x@example.com", NULL, "", id, &err), MV_EPARSE);
    assert_int_equal(count_files(".tmp-", ".eml"), 0);
}

/* ---- directory --------------------------------------------------------------------- */

static void store_creates_dir_0700_and_refuses_unsafe(void **state)
{
    char id[QUARANTINE_ID_LEN + 1], link[512];
    struct mv_err err = {0};
    struct stat st;
    GPtrArray *l;
    char *cmd = g_strdup_printf("rm -rf '%s'", dir);

    (void)state;
    assert_int_equal(system(cmd), 0);
    g_free(cmd);
    assert_int_equal(store("x@example.com", NULL, scan_json, id, &err), MV_OK);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    chmod(dir, 0750);
    assert_int_equal(store("x@example.com", NULL, scan_json, id, &err), MV_EIO);
    if (strstr(err.msg, "0750") == NULL || strstr(err.msg, "chmod 0700") == NULL)
        fail_msg("got \"%s\", want the mode and the fix", err.msg);
    assert_null(quarantine_list_new(dir, NULL, NULL, &err));
    chmod(dir, 0700);

    snprintf(link, sizeof(link), "%s/link", top);
    assert_int_equal(symlink(dir, link), 0);
    assert_int_equal(quarantine_store(link, message, -1, 10, NULL, id, &err), MV_EIO);
    if (strstr(err.msg, "symbolic link") == NULL)
        fail_msg("got \"%s\", want a refused symbolic link", err.msg);
    unlink(link);

    /* a missing directory lists empty (the tool never creates it) */
    snprintf(link, sizeof(link), "%s/absent", top);
    l = quarantine_list_new(link, NULL, NULL, &err);
    assert_non_null(l);
    assert_int_equal(l->len, 0);
    g_ptr_array_unref(l);
    assert_int_equal(access(link, F_OK), -1);
}

/* ---- ids --------------------------------------------------------------------------- */

static void ids_valid_and_invalid(void **state)
{
    static const struct {
        const char *id;
        bool valid;
    } cases[] = {
        {"01HZX3K5V7ABCDEFGHJKMNPQRS", true},
        {"0000000000ZZZZZZZZZZZZZZZZ", true},
        {"01HZX3K5V7ABCDEFGHJKMNPQR", false},   /* 25 */
        {"01HZX3K5V7ABCDEFGHJKMNPQRST", false}, /* 27 */
        {"01hzx3k5v7abcdefghjkmnpqrs", false},  /* lower case */
        {"01HZX3K5V7ABCDEFGHIKMNPQRS", false},  /* I is not Crockford */
        {"01HZX3K5V7ABCDEFGHJKMNPQ.U", false},
        {"../../../../../../etc/pass", false},
        {"01HZX3K5V7ABCDEFGHJKMN/QRS", false},
        {"", false},
        {NULL, false},
    };
    /* an embedded NUL: only the part before it is seen, which is too short */
    static const char with_nul[] = "01HZX3K5V7ABC\0EFGHJKMNPQRS";
    char id[QUARANTINE_ID_LEN + 1];
    struct mv_err err = {0};

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
        if (quarantine_id_valid(cases[i].id) != cases[i].valid)
            fail_msg("\"%s\": got %d, want %d", cases[i].id ? cases[i].id : "(null)",
                     !cases[i].valid, cases[i].valid);
    assert_false(quarantine_id_valid(with_nul));
    assert_false(quarantine_exists(dir, "../q/../q/../q/../q/../q/.."));
    assert_null(quarantine_record_new(dir, "../etc/passwd", &err));
    assert_int_equal(err.status, MV_EPARSE);
    assert_int_equal(quarantine_delete(dir, "../x", "t", &err), MV_EPARSE);

    /* two ids of the same millisecond differ, and sort by time */
    assert_int_equal(store("a@example.com", NULL, NULL, id, &err), MV_OK);
    {
        char id2[QUARANTINE_ID_LEN + 1];

        g_usleep(2000);
        assert_int_equal(store("a@example.com", NULL, NULL, id2, &err), MV_OK);
        assert_true(strcmp(id, id2) < 0);
        assert_true(quarantine_exists(dir, id2));
    }
    assert_false(quarantine_exists(dir, "01HZX3K5V7ABCDEFGHJKMNPQRS"));
}

/* ---- index ------------------------------------------------------------------------- */

static void index_rebuilt_when_missing_or_damaged(void **state)
{
    char id[3][QUARANTINE_ID_LEN + 1], path[512];
    struct mv_err err = {0};
    char *text;
    FILE *fp;

    (void)state;
    for (int i = 0; i < 3; i++)
        assert_int_equal(store("a@example.com", NULL, scan_json, id[i], &err), MV_OK);
    assert_int_equal(list_len(NULL), 3); /* the first list makes the index */
    assert_int_equal(quarantine_delete(dir, id[1], "test", &err), MV_OK);
    snprintf(path, sizeof(path), "%s/index", dir);

    assert_int_equal(unlink(path), 0);
    /* a store does not make a partial index; the rebuild finds its record */
    {
        char id5[QUARANTINE_ID_LEN + 1];

        assert_int_equal(store("a@example.com", NULL, scan_json, id5, &err), MV_OK);
        assert_int_equal(access(path, F_OK), -1);
        assert_int_equal(list_len(NULL), 4);
        assert_int_equal(unlink(path), 0);
        snprintf(path, sizeof(path), "%s/%s.json", dir, id5);
        assert_int_equal(unlink(path), 0);
        snprintf(path, sizeof(path), "%s/%s.eml", dir, id5);
        assert_int_equal(unlink(path), 0);
        snprintf(path, sizeof(path), "%s/index", dir);
    }
    assert_int_equal(list_len(NULL), 3);
    assert_int_equal(access(path, F_OK), 0);
    {
        struct quarantine_filter f = {.state = QUARANTINE_DELETED};

        assert_int_equal(list_len(&f), 1); /* the state came back from the record */
    }

    /* damaged: not our header; rebuilt in this format */
    assert_true(g_file_set_contents(path, "garbage\nmore\n", -1, NULL));
    assert_int_equal(list_len(NULL), 3);
    text = read_file("index");
    assert_true(g_str_has_prefix(text, "mailvet-quarantine-index 3\n"));
    g_free(text);

    /* a torn last line (a store killed midway): the next store closes it and adds its
     * own, and the next list rebuilds the index with every entry */
    fp = fopen(path, "a");
    fputs("add\t01HZX3K5V7ABCDEFGHJKMNPQRS\t17000", fp);
    fclose(fp);
    {
        char id4[QUARANTINE_ID_LEN + 1], note[QUARANTINE_NOTE_MAX];
        GPtrArray *l;

        assert_int_equal(store("a@example.com", NULL, scan_json, id4, &err), MV_OK);
        l = quarantine_list_new(dir, NULL, note, &err);
        assert_int_equal(l->len, 4);
        assert_string_equal(note, "quarantine: index damaged (line 5), rebuilt from 4 records");
        g_ptr_array_unref(l);
        assert_int_equal(list_len(NULL), 4);
    }
}

/* check_line - LINE (without its '\n') with the check an index line ends with */
static char *check_line(const char *line)
{
    char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, line, -1);
    char *out = g_strdup_printf("%s\t%.8s\n", line, sum);

    g_free(sum);
    return out;
}

/* One way to damage the index, and what list says of it. */
struct damage_case {
    const char *what;
    char *text;       /* the index */
    const char *want; /* the note, or its start when it ends with '*' */
};

/* index_damage_found_and_rebuilt - every kind of damage to the index is found by list,
 * which answers every entry from the records, says so in its note, and leaves a good
 * index (the next list says nothing) */
static void index_damage_found_and_rebuilt(void **state)
{
    char id[3][QUARANTINE_ID_LEN + 1], path[512], note[QUARANTINE_NOTE_MAX];
    struct mv_err err = {0};
    char *good, **lines, *extra, *v1;
    GString *g;
    struct damage_case cases[9];
    size_t nc = 0;

    (void)state;
    for (int i = 0; i < 3; i++)
        assert_int_equal(store("a@example.com", NULL, scan_json, id[i], &err), MV_OK);
    assert_int_equal(list_len(NULL), 3);
    snprintf(path, sizeof(path), "%s/index", dir);
    good = read_file("index");
    lines = g_strsplit(good, "\n", -1); /* header, 3 add lines, "" */
    assert_int_equal(g_strv_length(lines), 5);

    cases[nc++] =
        (struct damage_case){"no header", g_strdup("garbage\nmore\n"),
                             "quarantine: index damaged (no header), rebuilt from 3 records"};
    g = g_string_new("mailvet-quarantine-index 1\n");
    for (int i = 1; i <= 3; i++)
        g_string_append_printf(g, "%.*s\n", (int)(strrchr(lines[i], '\t') - lines[i]), lines[i]);
    v1 = g_string_free(g, FALSE);
    cases[nc++] = (struct damage_case){
        "version 1", v1,
        "quarantine: index of an older format (version 1), rebuilt from 3 records"};
    cases[nc++] = (struct damage_case){
        "version 2", g_strconcat("mailvet-quarantine-index 2\n", strchr(good, '\n') + 1, NULL),
        "quarantine: index of an older format (version 2), rebuilt from 3 records"};
    cases[nc++] = (struct damage_case){"cut short", g_strndup(good, strlen(good) * 2 / 3),
                                       "quarantine: index damaged (line *"};
    cases[nc++] = (struct damage_case){
        "header only", g_strconcat(lines[0], "\n", NULL),
        "quarantine: index damaged (3 records missing from it), rebuilt from 3 records"};
    cases[nc++] =
        (struct damage_case){"one line changed", g_strdup(good),
                             "quarantine: index damaged (line 3), rebuilt from 3 records"};
    *strstr(strstr(cases[nc - 1].text, lines[2]), "a@example.com") = 'b';
    cases[nc++] = (struct damage_case){
        "a line of nonsense",
        g_strconcat(lines[0], "\n", lines[1], "\nnonsense\n", lines[2], "\n", lines[3], "\n", NULL),
        "quarantine: index damaged (line 3), rebuilt from 3 records"};
    cases[nc++] = (struct damage_case){
        "a line left out", g_strconcat(lines[0], "\n", lines[1], "\n", lines[3], "\n", NULL),
        "quarantine: index damaged (1 record missing from it), rebuilt from 3 records"};
    extra = check_line("state\t01HZX3K5V7ABCDEFGHJKMNPQRS\t1\theld");
    cases[nc++] =
        (struct damage_case){"a state line of an entry never added", g_strconcat(good, extra, NULL),
                             "quarantine: index damaged (line 5), rebuilt from 3 records"};
    g_free(extra);

    for (size_t i = 0; i < nc; i++) {
        GPtrArray *l;
        size_t wl = strlen(cases[i].want);
        bool prefix = cases[i].want[wl - 1] == '*';

        assert_true(g_file_set_contents(path, cases[i].text, -1, NULL));
        l = quarantine_list_new(dir, NULL, note, &err);
        if (l == NULL || l->len != 3)
            fail_msg("%s: got %d entries, want 3", cases[i].what, l != NULL ? (int)l->len : -1);
        g_ptr_array_unref(l);
        if (prefix ? strncmp(note, cases[i].want, wl - 1) != 0 : strcmp(note, cases[i].want) != 0)
            fail_msg("%s: note \"%s\", want \"%s\"", cases[i].what, note, cases[i].want);
        l = quarantine_list_new(dir, NULL, note, &err);
        assert_int_equal(l->len, 3);
        g_ptr_array_unref(l);
        if (note[0] != '\0')
            fail_msg("%s: the list after the rebuild says \"%s\", want nothing", cases[i].what,
                     note);
        g_free(cases[i].text);
    }
    /* an entry whose record is gone (removed by hand) */
    assert_true(g_file_set_contents(path, good, -1, NULL));
    snprintf(path, sizeof(path), "%s/%s.json", dir, id[0]);
    assert_int_equal(unlink(path), 0);
    g_ptr_array_unref(quarantine_list_new(dir, NULL, note, &err));
    assert_string_equal(
        note, "quarantine: index damaged (1 entry without a record), rebuilt from 2 records");
    g_strfreev(lines);
    g_free(good);
}

/* ---- filters ----------------------------------------------------------------------- */

static void list_filters(void **state)
{
    static const char other_json[] =
        "{\"verdict\":\"infected\",\"score\":100,"
        "\"reasons\":[\"Eicar-Test-Signature\"],\"hits\":[],\"subject\":\"Hello again\","
        "\"parts\":[{\"path\":\"1\",\"signatures\":[\"Eicar-Test-Signature\"]}]}";
    const guint64 size = strlen(message);
    char id[QUARANTINE_ID_LEN + 1];
    struct mv_err err = {0};
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    struct {
        struct quarantine_filter f;
        guint want;
    } cases[] = {
        {{.state = -1}, 4},
        {{.state = -1, .sender = "*@EXAMPLE.com"}, 3},
        {{.state = -1, .sender = "mallory@example.com"}, 2},
        {{.state = -1, .sender = "mallory"}, 0},
        {{.state = -1, .sender = ""}, 1}, /* the null sender */
        {{.state = -1, .recipient = "carol@example.net"}, 1},
        {{.state = -1, .recipient = "*@example.org"}, 3},
        {{.state = -1, .campaign = "avaddon"}, 3},
        {{.state = -1, .campaign = "AVA*"}, 3},
        {{.state = -1, .campaign = "negasteal"}, 0},
        {{.state = -1, .reason = "eicar-test-signature"}, 1},
        {{.state = -1, .reason = "avaddon.*"}, 3},
        {{.state = -1, .since = now - 60}, 4},
        {{.state = -1, .since = now + 60}, 0},
        {{.state = -1, .until = now - 60}, 0},
        {{.state = -1, .since = now - 60, .until = now + 60}, 4},
        {{.state = QUARANTINE_HELD}, 3},
        {{.state = QUARANTINE_DELETED}, 1},
        {{.state = QUARANTINE_RELEASED}, 0},
        {{.state = -1, .sender = "mallory@*", .campaign = "avaddon"}, 2},
        /* the console's fields */
        {{.state = -1, .queue_id = "5AbCdE9"}, 1},
        {{.state = -1, .queue_id = "5abcde9"}, 0}, /* queue ids are case-sensitive */
        {{.state = -1, .queue_id = "4Xy7Rz1"}, 3},
        {{.state = -1, .queue_id = "4Xy7Rz"}, 0}, /* exact, not a prefix */
        {{.state = -1, .subject = "*invoice*"}, 3},
        {{.state = -1, .subject = "*<b>42*"}, 3},
        {{.state = -1, .subject = "hello again"}, 1},
        {{.state = -1, .subject = "hello"}, 0},
        {{.state = -1, .verdict = "INFECTED"}, 1},
        {{.state = -1, .verdict = "campaign"}, 3},
        {{.state = -1, .verdict = "camp"}, 0},
        {{.state = -1, .rule = "avaddon.*"}, 3},
        {{.state = -1, .rule = "negasteal.*"}, 0},
        {{.state = -1, .signature = "mailvet.avaddon.*"}, 3},
        {{.state = -1, .signature = "Eicar-Test-Signature"}, 1},
        {{.state = -1, .min_size = size, .max_size = size}, 4},
        {{.state = -1, .min_size = size + 1}, 0},
        {{.state = -1, .max_size = size - 1}, 0},
        {{.state = -1, .queue_id = "4Xy7Rz1", .sender = "mallory@*", .rule = "avaddon.lure"}, 2},
    };

    (void)state;
    /* 2 ms apart: ids sort by their millisecond, then by chance */
    assert_int_equal(store("mallory@example.com", NULL, scan_json, id, &err), MV_OK);
    g_usleep(2000);
    assert_int_equal(store("mallory@example.com", "carol@example.net", scan_json, id, &err), MV_OK);
    g_usleep(2000);
    assert_int_equal(store("", NULL, scan_json, id, &err), MV_OK);
    g_usleep(2000);
    assert_int_equal(
        store_qid("5AbCdE9", "eve@example.com", "dave@example.org", other_json, id, &err), MV_OK);
    assert_int_equal(quarantine_delete(dir, id, "test", &err), MV_OK);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        guint got = list_len(&cases[i].f);

        if (got != cases[i].want)
            fail_msg("case %zu: got %u entries, want %u", i, got, cases[i].want);
    }
    /* newest first */
    {
        GPtrArray *l = list(NULL);

        for (guint i = 1; i < l->len; i++)
            assert_true(strcmp(((struct quarantine_entry *)g_ptr_array_index(l, i - 1))->id,
                               ((struct quarantine_entry *)g_ptr_array_index(l, i))->id) > 0);
        assert_string_equal(((struct quarantine_entry *)g_ptr_array_index(l, 0))->id, id);
        g_ptr_array_unref(l);
    }
}

/* subject_cut_to_whole_characters - a long subject is kept to QUARANTINE_SUBJECT_MAX
 * bytes in the index, never cutting a character in two */
static void subject_cut_to_whole_characters(void **state)
{
    GString *subject = g_string_new(NULL), *json = g_string_new(NULL);
    char id[QUARANTINE_ID_LEN + 1];
    struct mv_err err = {0};
    struct quarantine_entry *e;
    GPtrArray *l;

    (void)state;
    g_string_append_c(subject, 'x');
    while (subject->len < 2 * QUARANTINE_SUBJECT_MAX)
        g_string_append(subject, "\xc3\xa4"); /* "ä": two bytes, the cut falls inside one */
    g_string_printf(json, "{\"verdict\":\"suspicious\",\"subject\":\"%s\"}", subject->str);
    assert_int_equal(store("a@example.com", NULL, json->str, id, &err), MV_OK);
    l = list(NULL);
    e = g_ptr_array_index(l, 0);
    assert_int_equal(strlen(e->subject), QUARANTINE_SUBJECT_MAX - 1);
    assert_true(g_utf8_validate(e->subject, -1, NULL));
    assert_true(g_str_has_prefix(subject->str, e->subject));
    g_ptr_array_unref(l);
    g_string_free(subject, TRUE);
    g_string_free(json, TRUE);
}

/* detail_reads_every_field - a stored record read back as struct quarantine_detail */
static void detail_reads_every_field(void **state)
{
    char id[QUARANTINE_ID_LEN + 1];
    struct mv_err err = {0};
    struct quarantine_detail *d;
    const struct quarantine_detail_object *o;
    JsonNode *rec;

    (void)state;
    assert_int_equal(store("mallory@example.com", NULL, scan_json, id, &err), MV_OK);
    rec = quarantine_record_new(dir, id, &err);
    assert_non_null(rec);
    d = quarantine_detail_new(rec);
    json_node_unref(rec);
    assert_non_null(d);
    assert_string_equal(d->id, id);
    assert_string_equal(d->state, "held");
    assert_string_equal(d->queue_id, "4Xy7Rz1");
    assert_string_equal(d->client_addr, "192.0.2.1");
    assert_string_equal(d->sender, "mallory@example.com");
    assert_string_equal(d->subject, "Invoice <b>42</b>");
    assert_int_equal(d->recipients->len, 2);
    assert_string_equal(d->verdict, "campaign");
    assert_string_equal(d->action, "quarantine");
    assert_true(d->score == 12.5);
    assert_int_equal(d->generation, 3);
    assert_int_equal(d->size, strlen(message));
    assert_null(d->policy);
    assert_int_equal(d->reasons->len, 2);
    assert_int_equal(d->hits->len, 1);
    assert_string_equal(((struct quarantine_detail_hit *)g_ptr_array_index(d->hits, 0))->campaign,
                        "avaddon");
    assert_int_equal(d->parts->len, 1);
    assert_int_equal(d->objects->len, 2);
    o = g_ptr_array_index(d->objects, 1);
    assert_string_equal(o->name, "a.js");
    assert_int_equal(o->depth, 1);
    assert_int_equal(o->signatures->len, 1);
    assert_int_equal(d->history->len, 1);
    assert_string_equal(((struct quarantine_detail_event *)g_ptr_array_index(d->history, 0))->by,
                        "mailvetd");
    assert_null(quarantine_detail_free(d));
    assert_null(quarantine_detail_new(NULL));
}

/* view_ids - the ids of a page of V, newest first, space-separated */
static char *view_ids(struct quarantine_view *v, const struct quarantine_filter *f, guint offset,
                      guint limit, guint *total)
{
    GPtrArray *page = quarantine_view_page_new(v, f, offset, limit, total);
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < page->len; i++)
        g_string_append_printf(s, "%s%s", i ? " " : "",
                               ((struct quarantine_entry *)g_ptr_array_index(page, i))->id);
    g_ptr_array_unref(page);
    return g_string_free(s, FALSE);
}

/* view_follows_the_index - a view loads the index once, then reads only what is
 * appended (stores, deletes), and loads it whole again when purge replaces it or a
 * line appended does not verify; pages with offset, limit and a total */
static void view_follows_the_index(void **state)
{
    char ids[5][QUARANTINE_ID_LEN + 1], path[600], note[QUARANTINE_NOTE_MAX], *got, *want;
    struct quarantine_view *v = quarantine_view_new(dir);
    struct quarantine_filter held = {.state = QUARANTINE_HELD};
    struct quarantine_purge_stats ps;
    struct mv_err err = {0};
    bool reloaded;
    guint total;
    FILE *fp;

    (void)state;
    /* a store that does not exist yet: empty, not an error */
    assert_int_equal(quarantine_view_refresh(v, note, &reloaded, &err), MV_OK);
    assert_int_equal(quarantine_view_count(v), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(store("a@example.com", NULL, scan_json, ids[i], &err), MV_OK);
        g_usleep(2000);
    }
    assert_int_equal(quarantine_view_refresh(v, note, &reloaded, &err), MV_OK);
    assert_true(reloaded);
    assert_string_equal(note, "");
    assert_int_equal(quarantine_view_count(v), 3);
    /* nothing new: not read again */
    assert_int_equal(quarantine_view_refresh(v, note, &reloaded, &err), MV_OK);
    assert_false(reloaded);
    /* appended: two stores and a delete, followed without a reload */
    for (int i = 3; i < 5; i++) {
        assert_int_equal(store("b@example.com", NULL, scan_json, ids[i], &err), MV_OK);
        g_usleep(2000);
    }
    assert_int_equal(quarantine_delete(dir, ids[1], "test", &err), MV_OK);
    assert_int_equal(quarantine_view_refresh(v, note, &reloaded, &err), MV_OK);
    assert_false(reloaded);
    assert_int_equal(quarantine_view_count(v), 5);
    got = view_ids(v, NULL, 0, 2, &total);
    want = g_strdup_printf("%s %s", ids[4], ids[3]);
    assert_string_equal(got, want);
    assert_int_equal(total, 5);
    g_free(got);
    g_free(want);
    got = view_ids(v, &held, 2, 10, &total);
    want = g_strdup_printf("%s %s", ids[2], ids[0]);
    assert_string_equal(got, want); /* ids[1] was deleted */
    assert_int_equal(total, 4);
    g_free(got);
    g_free(want);
    got = view_ids(v, &held, 10, 10, &total);
    assert_string_equal(got, "");
    assert_int_equal(total, 4);
    g_free(got);
    /* a line in flight (no newline yet) waits; once whole it is read */
    snprintf(path, sizeof(path), "%s/index", dir);
    {
        char *raw = g_strdup_printf("state\t%s\t%" G_GINT64_FORMAT "\treleased", ids[0],
                                    g_get_real_time() / G_USEC_PER_SEC);
        char *line = check_line(raw);
        size_t half = strlen(line) / 2;
        struct quarantine_filter released = {.state = QUARANTINE_RELEASED};

        fp = fopen(path, "a");
        fwrite(line, 1, half, fp);
        fclose(fp);
        assert_int_equal(quarantine_view_refresh(v, note, &reloaded, &err), MV_OK);
        assert_false(reloaded);
        got = view_ids(v, &released, 0, 10, &total);
        assert_int_equal(total, 0);
        g_free(got);
        fp = fopen(path, "a");
        fputs(line + half, fp);
        fclose(fp);
        assert_int_equal(quarantine_view_refresh(v, note, &reloaded, &err), MV_OK);
        assert_false(reloaded);
        got = view_ids(v, &released, 0, 10, &total);
        assert_string_equal(got, ids[0]);
        g_free(got);
        g_free(raw);
        g_free(line);
    }
    /* purge replaces the index: loaded whole */
    assert_int_equal(quarantine_purge(dir, 365 * 86400, G_MAXUINT64,
                                      g_get_real_time() / G_USEC_PER_SEC, &ps, &err),
                     MV_OK);
    assert_int_equal(quarantine_view_refresh(v, note, &reloaded, &err), MV_OK);
    assert_true(reloaded);
    assert_int_equal(quarantine_view_count(v), 5);
    /* a line that does not verify: loaded whole, the index rebuilt, the note says so */
    fp = fopen(path, "a");
    fputs("add\tnonsense\t00000000\n", fp);
    fclose(fp);
    assert_int_equal(quarantine_view_refresh(v, note, &reloaded, &err), MV_OK);
    assert_true(reloaded);
    assert_true(g_str_has_prefix(note, "quarantine: index damaged (line 7)"));
    assert_int_equal(quarantine_view_count(v), 5);
    /* a store directory that cannot be read: an error, the view keeps its entries */
    assert_int_equal(chmod(dir, 0755), 0);
    assert_int_equal(quarantine_view_refresh(v, note, &reloaded, &err), MV_EIO);
    assert_int_equal(quarantine_view_count(v), 5);
    assert_int_equal(chmod(dir, 0700), 0);
    quarantine_view_free(v);
}

/* ---- delete ------------------------------------------------------------------------ */

static void delete_keeps_record_as_deleted(void **state)
{
    char id[QUARANTINE_ID_LEN + 1], name[512];
    struct mv_err err = {0};
    JsonNode *rec;
    JsonArray *hist;

    (void)state;
    assert_int_equal(store("a@example.com", NULL, scan_json, id, &err), MV_OK);
    assert_int_equal(quarantine_delete(dir, id, "tester", &err), MV_OK);
    snprintf(name, sizeof(name), "%s/%s.eml", dir, id);
    assert_int_equal(access(name, F_OK), -1);
    assert_true(quarantine_exists(dir, id));
    rec = quarantine_record_new(dir, id, &err);
    assert_string_equal(rec_string(rec, "state"), "deleted");
    hist = json_object_get_array_member(json_node_get_object(rec), "history");
    assert_int_equal(json_array_get_length(hist), 2);
    assert_string_equal(json_object_get_string_member(json_array_get_object_element(hist, 1), "by"),
                        "tester");
    json_node_unref(rec);
    assert_int_equal(quarantine_eml_open(dir, id, &err), -1);
    assert_int_equal(count_files(".tmp-", NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(store_writes_entry_listed_and_shown, fresh),
        cmocka_unit_test_setup(entry_json_and_record_text_are_the_operator_views, fresh),
        cmocka_unit_test_setup(store_reads_message_from_fd, fresh),
        cmocka_unit_test_setup(store_failure_leaves_no_entry, fresh),
        cmocka_unit_test_setup(store_failure_on_short_fd_leaves_no_entry, fresh),
        cmocka_unit_test_setup(store_refuses_scan_result_not_json, fresh),
        cmocka_unit_test_setup(store_creates_dir_0700_and_refuses_unsafe, fresh),
        cmocka_unit_test_setup(ids_valid_and_invalid, fresh),
        cmocka_unit_test_setup(index_rebuilt_when_missing_or_damaged, fresh),
        cmocka_unit_test_setup(index_damage_found_and_rebuilt, fresh),
        cmocka_unit_test_setup(list_filters, fresh),
        cmocka_unit_test_setup(subject_cut_to_whole_characters, fresh),
        cmocka_unit_test_setup(view_follows_the_index, fresh),
        cmocka_unit_test_setup(detail_reads_every_field, fresh),
        cmocka_unit_test_setup(delete_keeps_record_as_deleted, fresh),
    };

    return cmocka_run_group_tests_name("quarantine", tests, setup, teardown);
}
