/* quarantine_fixture.c - what the tests of the quarantine module share
 * (quarantine_fixture.h).  Test code only. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "quarantine_fixture.h"

char top[] = "/tmp/mailvet-test-quarantine.XXXXXX";
char dir[128];

const char *const rcpt_list[2] = {"alice@example.net", "bob@example.org"};
const char scan_json[] =
    "{\"file\":\"x\",\"verdict\":\"campaign\",\"action\":\"quarantine\",\"score\":12.5,"
    "\"reasons\":[\"avaddon.lure\",\"Mailvet.Avaddon.JsDownloader\"],"
    "\"hits\":[{\"id\":\"avaddon.lure\",\"campaign\":\"avaddon\",\"score\":10}],"
    "\"subject\":\"Invoice <b>42</b>\","
    "\"parts\":[{\"path\":\"2\",\"signatures\":[]}],"
    "\"objects\":[{\"path\":\"2\",\"name\":\"photo.zip\",\"depth\":0},"
    "{\"path\":\"2/a.js\",\"name\":\"a.js\",\"depth\":1,"
    "\"signatures\":[\"Mailvet.Avaddon.JsDownloader\"]}]}";
const char message[] = "From: a@example.com\r\nTo: alice@example.net\r\n"
                       "Subject: hello\r\n\r\nline one\r\n.starts with a dot\r\n"
                       "..two dots\r\n.\r\nlast\r\n";

int setup(void **state)
{
    (void)state;
    strcpy(top, "/tmp/mailvet-test-quarantine.XXXXXX");
    if (mkdtemp(top) == NULL)
        return -1;
    snprintf(dir, sizeof(dir), "%s/q", top);
    return 0;
}

/* teardown - the temp dir of the group removed */
int teardown(void **state)
{
    char *cmd = g_strdup_printf("rm -rf '%s'", top);
    int rc;

    (void)state;
    rc = system(cmd);
    g_free(cmd);
    return rc == 0 ? 0 : -1;
}

/* fresh - an empty store directory for one case */
int fresh(void **state)
{
    char *cmd = g_strdup_printf("rm -rf '%s'", dir);

    (void)state;
    if (system(cmd) != 0)
        return -1;
    g_free(cmd);
    quarantine_test_fail_write(0);
    return mkdir(dir, 0700);
}

/* store_qid - one entry with queue id QID, the fixed client and message; its id into ID */
enum mv_status store_qid(const char *qid, const char *sender, const char *rcpt, const char *json,
                         char *id, struct mv_err *err)
{
    GPtrArray *r = g_ptr_array_new();
    struct quarantine_meta meta = {.queue_id = qid,
                                   .client_addr = "192.0.2.1",
                                   .sender = sender,
                                   .recipients = r,
                                   .record_json = json,
                                   .generation = 3};
    enum mv_status st;

    if (rcpt != NULL) {
        g_ptr_array_add(r, (char *)rcpt);
    } else {
        for (size_t i = 0; i < G_N_ELEMENTS(rcpt_list); i++)
            g_ptr_array_add(r, (char *)rcpt_list[i]);
    }
    st = quarantine_store(dir, message, -1, strlen(message), &meta, id, err);
    g_ptr_array_unref(r);
    return st;
}

/* store - one entry with the fixed envelope and scan result; its id into ID */
enum mv_status store(const char *sender, const char *rcpt, const char *json, char *id,
                     struct mv_err *err)
{
    return store_qid("4Xy7Rz1", sender, rcpt, json, id, err);
}

/* by_name - g_ptr_array_sort order of two strings */
static gint by_name(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* names - the file names in the store, sorted, space-separated; the lock files (made on
 * first use, and no part of an entry) left out */
char *names(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    GPtrArray *n = g_ptr_array_new_with_free_func(g_free);
    GString *s = g_string_new(NULL);

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            !g_str_has_prefix(e->d_name, ".lock"))
            g_ptr_array_add(n, g_strdup(e->d_name));
    closedir(d);
    g_ptr_array_sort(n, by_name);
    for (guint i = 0; i < n->len; i++)
        g_string_append_printf(s, "%s%s", i ? " " : "", (char *)g_ptr_array_index(n, i));
    g_ptr_array_unref(n);
    return g_string_free(s, FALSE);
}

/* count_files - files whose names end in SUFFIX or start with PREFIX */
int count_files(const char *prefix, const char *suffix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int c = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if ((prefix != NULL && g_str_has_prefix(e->d_name, prefix)) ||
            (suffix != NULL && g_str_has_suffix(e->d_name, suffix)))
            c++;
    closedir(d);
    return c;
}

/* list - the store's entries through filter F, failing the test on an error */
GPtrArray *list(const struct quarantine_filter *f)
{
    struct mv_err err = {0};
    GPtrArray *l = quarantine_list_new(dir, f, NULL, &err);

    if (l == NULL)
        fail_msg("list: %s", err.msg);
    return l;
}

/* list_len - how many entries filter F lists */
guint list_len(const struct quarantine_filter *f)
{
    GPtrArray *l = list(f);
    guint n = l->len;

    g_ptr_array_unref(l);
    return n;
}

/* read_file - the text of file NAME of the store, or NULL (caller frees) */
char *read_file(const char *name)
{
    char *path = g_build_filename(dir, name, NULL), *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        text = NULL;
    g_free(path);
    return text;
}

/* rec_string - string member KEY of record REC, borrowed */
const char *rec_string(JsonNode *rec, const char *key)
{
    return json_object_get_string_member(json_node_get_object(rec), key);
}
