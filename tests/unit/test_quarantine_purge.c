/* test_quarantine_purge.c - the quarantine's retention (quarantine_purge.c): purge by
 * age and by size, oldest first; entries a killed store left out of the index adopted,
 * its leftovers removed; a damaged record listed, deleted and purged by age.  The store
 * and its fixed entry: quarantine_fixture.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quarantine_fixture.h"

/* ---- purge ------------------------------------------------------------------------- */

/* craft_old - a copy of entry SRC whose id says DAYS days ago, not in the index (as a
 * store killed between its .json and its index line would leave) */
static void craft_old(const char *src, int days, char *out)
{
    static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    guint64 ms = (guint64)(g_get_real_time() / 1000) - (guint64)days * 86400000u;
    char name[512], *text, *json, *path;

    memcpy(out, src, QUARANTINE_ID_LEN + 1);
    for (int i = 9; i >= 0; i--, ms >>= 5)
        out[i] = b32[ms & 31];
    snprintf(name, sizeof(name), "%s.eml", src);
    text = read_file(name);
    path = g_strdup_printf("%s/%s.eml", dir, out);
    assert_true(g_file_set_contents(path, text, -1, NULL));
    chmod(path, 0600);
    g_free(path);
    g_free(text);
    snprintf(name, sizeof(name), "%s.json", src);
    text = read_file(name);
    {
        gchar **parts = g_strsplit(text, src, -1);

        json = g_strjoinv(out, parts);
        g_strfreev(parts);
    }
    path = g_strdup_printf("%s/%s.json", dir, out);
    assert_true(g_file_set_contents(path, json, -1, NULL));
    g_free(path);
    g_free(json);
    g_free(text);
}

static void purge_by_age_adopts_unindexed_and_removes_leftovers(void **state)
{
    char id[QUARANTINE_ID_LEN + 1], old[QUARANTINE_ID_LEN + 1], orphan[QUARANTINE_ID_LEN + 1];
    struct quarantine_purge_stats s;
    struct mv_err err = {0};
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    struct timespec ts[2] = {{.tv_sec = now - 7200}, {.tv_sec = now - 7200}};
    char path[512];
    int fd;

    (void)state;
    assert_int_equal(store("a@example.com", NULL, scan_json, id, &err), MV_OK);
    assert_int_equal(list_len(NULL), 1);
    craft_old(id, 40, old); /* not in the index */
    /* leftovers: an old temporary, an old .eml without its .json, a fresh temporary */
    snprintf(path, sizeof(path), "%s/.tmp-%s.eml-0badf00d", dir, id);
    fd = open(path, O_CREAT | O_WRONLY, 0600);
    close(fd);
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    snprintf(path, sizeof(path), "%s/.tmp-%s.json-12345678", dir, id);
    fd = open(path, O_CREAT | O_WRONLY, 0600);
    close(fd);
    craft_old(id, 2, orphan);
    snprintf(path, sizeof(path), "%s/%s.json", dir, orphan);
    unlink(path);

    /* a generous age keeps both and puts the old one in the index, saying so */
    assert_int_equal(quarantine_purge(dir, 60 * 86400, G_MAXUINT64, now, &s, &err), MV_OK);
    assert_int_equal(s.removed, 0);
    assert_int_equal(s.leftovers, 2);
    assert_int_equal(s.kept, 2);
    assert_string_equal(
        s.note, "quarantine: index damaged (1 record missing from it), rebuilt from 2 records");
    assert_int_equal(list_len(NULL), 2);
    assert_int_equal(count_files(".tmp-", NULL), 1); /* the fresh one may be in flight */

    /* 30 days: the 40-day-old entry goes, both files */
    assert_int_equal(quarantine_purge(dir, 30 * 86400, G_MAXUINT64, now, &s, &err), MV_OK);
    assert_int_equal(s.removed, 1);
    assert_int_equal(s.kept, 1);
    assert_false(quarantine_exists(dir, old));
    snprintf(path, sizeof(path), "%s/%s.eml", dir, old);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(list_len(NULL), 1);
    assert_true(quarantine_exists(dir, id));
}

static void purge_by_size_removes_oldest_first(void **state)
{
    char id[4][QUARANTINE_ID_LEN + 1];
    struct quarantine_purge_stats s;
    struct mv_err err = {0};
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    guint64 total;

    (void)state;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(store("a@example.com", NULL, scan_json, id[i], &err), MV_OK);
        g_usleep(2000);
    }
    assert_int_equal(quarantine_delete(dir, id[3], "t", &err), MV_OK);
    assert_int_equal(quarantine_purge(dir, 86400, G_MAXUINT64, now, &s, &err), MV_OK);
    assert_int_equal(s.removed, 0);
    assert_int_equal(s.kept, 4);
    total = s.kept_bytes;
    /* one byte less than everything: only the oldest goes */
    assert_int_equal(quarantine_purge(dir, 86400, total - 1, now, &s, &err), MV_OK);
    assert_int_equal(s.removed, 1);
    assert_false(quarantine_exists(dir, id[0]));
    assert_true(quarantine_exists(dir, id[1]));
    assert_true(s.kept_bytes <= total - 1);
    assert_int_equal(s.kept_bytes + s.removed_bytes, total);
    /* zero bytes: everything goes, the index says so */
    assert_int_equal(quarantine_purge(dir, 86400, 0, now, &s, &err), MV_OK);
    assert_int_equal(s.removed, 3);
    assert_int_equal(s.kept, 0);
    assert_int_equal(list_len(NULL), 0);
    assert_int_equal(count_files(NULL, ".json") + count_files(NULL, ".eml"), 0);
}

/* damaged_record_listed_deleted_purged - a record that does not parse, or is another
 * entry's, is listed as damaged with its id and its file's time; show's reader says it
 * is damaged, release refuses it, delete replaces it by a record of the deletion, and
 * purge removes one older than its age */
static void damaged_record_listed_deleted_purged(void **state)
{
    char id[3][QUARANTINE_ID_LEN + 1], bad[QUARANTINE_ID_LEN + 1], old[QUARANTINE_ID_LEN + 1];
    char path[512], note[QUARANTINE_NOTE_MAX], *text;
    struct mv_err err = {0};
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    struct timespec ts[2] = {{.tv_sec = now - 3600}, {.tv_sec = now - 3600}};
    struct quarantine_filter f = {.state = QUARANTINE_DAMAGED};
    struct quarantine_release_opts o = {.host = "127.0.0.1", .port = 9, .by = "t"};
    struct quarantine_purge_stats s;
    struct quarantine_entry *e = NULL;
    GPtrArray *l;
    JsonNode *rec;

    (void)state;
    for (int i = 0; i < 3; i++)
        assert_int_equal(store("a@example.com", NULL, scan_json, id[i], &err), MV_OK);
    assert_int_equal(list_len(NULL), 3);
    /* a record of an id no index knows, cut short, an hour old */
    memcpy(bad, id[0], sizeof(bad));
    bad[QUARANTINE_ID_LEN - 1] = bad[QUARANTINE_ID_LEN - 1] == 'Z' ? 'Y' : 'Z';
    snprintf(path, sizeof(path), "%s/%s.json", dir, bad);
    text = g_strdup_printf("{\"id\": \"%s\", \"state\": \"he", bad);
    assert_true(g_file_set_contents(path, text, -1, NULL));
    g_free(text);
    chmod(path, 0600);
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);

    l = quarantine_list_new(dir, NULL, note, &err);
    assert_int_equal(l->len, 4);
    assert_string_equal(
        note,
        "quarantine: index damaged (1 record missing from it), rebuilt from 4 records (1 damaged)");
    for (guint i = 0; i < l->len; i++)
        if (strcmp(((struct quarantine_entry *)g_ptr_array_index(l, i))->id, bad) == 0)
            e = g_ptr_array_index(l, i);
    assert_non_null(e);
    assert_int_equal(e->state, QUARANTINE_DAMAGED);
    assert_int_equal(e->time, now - 3600);
    assert_null(e->verdict);
    g_ptr_array_unref(l);
    assert_int_equal(list_len(&f), 1); /* from the rebuilt index */

    /* a record cut short, and one that is another entry's, with the index gone */
    snprintf(path, sizeof(path), "%s/%s.json", dir, id[1]);
    assert_int_equal(truncate(path, 30), 0);
    snprintf(path, sizeof(path), "%s.json", id[2]);
    text = read_file(path);
    snprintf(path, sizeof(path), "%s/%s.json", dir, id[0]);
    assert_true(g_file_set_contents(path, text, -1, NULL));
    g_free(text);
    snprintf(path, sizeof(path), "%s/index", dir);
    assert_int_equal(unlink(path), 0);
    g_ptr_array_unref(quarantine_list_new(dir, NULL, note, &err));
    assert_string_equal(note, "quarantine: index missing, rebuilt from 4 records (3 damaged)");
    assert_int_equal(list_len(&f), 3);

    /* reading it says damaged; release refuses it and changes nothing */
    assert_null(quarantine_record_new(dir, bad, &err));
    assert_int_equal(err.status, MV_EPARSE);
    assert_null(quarantine_record_new(dir, id[0], &err));
    assert_int_equal(err.status, MV_EPARSE);
    assert_non_null(strstr(err.msg, "not the record of"));
    assert_int_not_equal(quarantine_release(dir, bad, &o, &err), MV_OK);
    assert_int_equal(list_len(&f), 3);

    /* delete: a record of the deletion replaces it, the message goes */
    assert_int_equal(quarantine_delete(dir, id[1], "tester", &err), MV_OK);
    rec = quarantine_record_new(dir, id[1], &err);
    assert_non_null(rec);
    assert_string_equal(rec_string(rec, "state"), "deleted");
    assert_non_null(strstr(rec_string(rec, "damaged"), "not JSON"));
    assert_string_equal(
        json_object_get_string_member(
            json_array_get_object_element(
                json_object_get_array_member(json_node_get_object(rec), "history"), 0),
            "by"),
        "tester");
    json_node_unref(rec);
    snprintf(path, sizeof(path), "%s/%s.eml", dir, id[1]);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(list_len(&f), 2);
    {
        struct quarantine_filter fd = {.state = QUARANTINE_DELETED};

        assert_int_equal(list_len(&fd), 1);
    }

    /* purge: a damaged record older than the age goes with its message; younger stay */
    craft_old(id[2], 40, old);
    snprintf(path, sizeof(path), "%s/%s.json", dir, old);
    assert_true(g_file_set_contents(path, "{", -1, NULL));
    assert_int_equal(quarantine_purge(dir, 30 * 86400, G_MAXUINT64, now, &s, &err), MV_OK);
    assert_int_equal(s.removed, 1);
    assert_false(quarantine_exists(dir, old));
    snprintf(path, sizeof(path), "%s/%s.eml", dir, old);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(list_len(&f), 2);
    assert_int_equal(list_len(NULL), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(purge_by_age_adopts_unindexed_and_removes_leftovers, fresh),
        cmocka_unit_test_setup(purge_by_size_removes_oldest_first, fresh),
        cmocka_unit_test_setup(damaged_record_listed_deleted_purged, fresh),
    };

    return cmocka_run_group_tests_name("quarantine_purge", tests, setup, teardown);
}
