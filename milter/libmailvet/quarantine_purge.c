/* quarantine_purge.c - retention (quarantine_purge in quarantine.h): under the lock,
 * entries older than an age go, then the oldest until the store is under a size (each
 * under its entry lock, tried once: an entry that a release or a delete holds is left
 * for the next purge and counted busy); the
 * leftovers of killed writes (temporaries, an .eml without its .json) older than
 * LEFTOVER_AGE go; the record is removed before the message, so that an entry is gone
 * once its record is; records the index missed are adopted and the index is rewritten
 * compacted.  A part of the quarantine module (quarantine_internal.h): it never logs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "quarantine.h"
#include "quarantine_internal.h"

#define LEFTOVER_AGE 3600 /* seconds before purge removes a write's leftovers */

/* The files of one id on disk. */
struct files {
    guint64 eml, json; /* sizes */
    bool has_eml, has_json;
};

/* unlink_file - ID's file with SUFFIX removed from D; false with errno */
static bool unlink_file(const struct qdir *d, const char *id, const char *suffix)
{
    char name[QUARANTINE_ID_LEN + 8];

    snprintf(name, sizeof(name), "%s%s", id, suffix);
    return unlinkat(d->fd, name, 0) == 0;
}

/* files_on_disk - the .eml and .json of every id in D (id -> struct files); the
 * temporaries of writes older than LEFTOVER_AGE are removed on the way and counted in
 * *LEFTOVERS.  NULL with err when D cannot be read. */
static GHashTable *files_on_disk(const struct qdir *d, gint64 now, guint *leftovers,
                                 struct mv_err *err)
{
    GHashTable *files;
    DIR *dp = qdir_list(d, err);
    struct dirent *de;

    if (dp == NULL)
        return NULL;
    files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    while ((de = readdir(dp)) != NULL) {
        char id[QUARANTINE_ID_LEN + 1];
        struct stat sb;
        bool is_eml = quarantine_name_id(de->d_name, ".eml", id);
        bool is_json = !is_eml && quarantine_name_id(de->d_name, ".json", id);
        struct files *f;

        if (fstatat(d->fd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (g_str_has_prefix(de->d_name, TMP_PREFIX)) {
            if (sb.st_mtime < now - LEFTOVER_AGE && unlinkat(d->fd, de->d_name, 0) == 0)
                (*leftovers)++;
            continue;
        }
        if (!is_eml && !is_json)
            continue;
        f = g_hash_table_lookup(files, id);
        if (f == NULL) {
            f = g_new0(struct files, 1);
            g_hash_table_insert(files, g_strdup(id), f);
        }
        if (is_eml) {
            f->has_eml = true;
            f->eml = (guint64)sb.st_size;
        } else {
            f->has_json = true;
            f->json = (guint64)sb.st_size;
        }
    }
    closedir(dp);
    return files;
}

/* entries_known - the entries of D's index, or of its records when the index is
 * missing or damaged (NOTE then says so); NULL with err when D cannot be read */
static GHashTable *entries_known(const struct qdir *d, char *note, struct mv_err *err)
{
    GHashTable *entries = quarantine_index_entries_new();
    size_t len;
    char why[160] = "missing";
    char *text = qdir_read(d, INDEX_NAME, G_MAXSIZE, &len, NULL);
    guint records = 0, damaged = 0;

    if (text != NULL && quarantine_index_parse(text, len, entries, why, sizeof(why))) {
        g_free(text);
        return entries;
    }
    g_free(text);
    g_hash_table_remove_all(entries);
    if (quarantine_index_scan(d, entries, &records, &damaged, err) != MV_OK) {
        g_hash_table_unref(entries);
        return NULL;
    }
    if (records > 0 || strcmp(why, "missing") != 0)
        quarantine_index_note(note, why, records, damaged);
    return entries;
}

/* reconcile - ENTRIES made to match FILES: records the index missed (a write killed
 * before its line, or a damaged index) adopted, a damaged record as a damaged entry;
 * an .eml without its .json older than LEFTOVER_AGE removed (counted in *LEFTOVERS);
 * entries whose record is gone dropped; the .eml of a deleted entry removed (a delete
 * that stopped before it).  *MISSING counts the records adopted that no store in
 * flight explains, *STALE the entries dropped.  Returns the bytes of the entries. */
static guint64 reconcile(const struct qdir *d, GHashTable *files, GHashTable *entries, gint64 now,
                         guint *leftovers, guint *missing, guint *stale)
{
    GHashTableIter it;
    gpointer k, v;
    guint64 total = 0;

    g_hash_table_iter_init(&it, files);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        struct files *f = v;

        if (f->has_json && !g_hash_table_contains(entries, k)) {
            struct quarantine_entry *e = quarantine_index_entry_load(d, k, NULL);

            if (e != NULL)
                g_hash_table_replace(entries, e->id, e);
            if (e != NULL && !quarantine_index_in_flight(d, k))
                (*missing)++;
        }
        if (f->has_eml && !f->has_json && quarantine_id_ms(k) / 1000 < now - LEFTOVER_AGE) {
            if (unlink_file(d, k, ".eml"))
                (*leftovers)++;
            f->has_eml = false;
        }
    }
    g_hash_table_iter_init(&it, entries);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        struct quarantine_entry *e = v;
        struct files *f = g_hash_table_lookup(files, k);

        if (f == NULL || !f->has_json) {
            g_hash_table_iter_remove(&it);
            (*stale)++;
            continue;
        }
        if (e->state == QUARANTINE_DELETED && f->has_eml && unlink_file(d, e->id, ".eml"))
            f->has_eml = false;
        total += f->json + (f->has_eml ? f->eml : 0);
    }
    return total;
}

/* note_counts - NOTE says the index lacked MISSING records and had STALE entries without
 * one, and was rebuilt from ENTRIES */
static void note_counts(char *note, guint missing, guint stale, GHashTable *entries)
{
    char why[160];
    guint damaged = 0;
    GHashTableIter it;
    gpointer v;

    g_hash_table_iter_init(&it, entries);
    while (g_hash_table_iter_next(&it, NULL, &v))
        damaged += ((struct quarantine_entry *)v)->state == QUARANTINE_DAMAGED ? 1 : 0;
    quarantine_index_why_counts(why, sizeof(why), missing, stale);
    quarantine_index_note(note, why, g_hash_table_size(entries), damaged);
}

/* remove_old - oldest first, the entries older than MAX_AGE, then those over MAX_SIZE
 * (*TOTAL bytes, updated), removed from disk and from ENTRIES under their entry locks;
 * the record goes first: once it is gone the entry is gone.  An entry another process
 * holds stays (S->busy). */
static enum mv_status remove_old(const struct qdir *d, GHashTable *files, GHashTable *entries,
                                 guint64 max_age, guint64 max_size, gint64 now, guint64 *total,
                                 struct quarantine_purge_stats *s, struct mv_err *err)
{
    GPtrArray *all = quarantine_index_sorted_new(entries);
    enum mv_status st = MV_OK;

    for (guint i = all->len; i > 0; i--) {
        struct quarantine_entry *e = g_ptr_array_index(all, i - 1);
        struct files *f = g_hash_table_lookup(files, e->id);
        guint64 bytes = f->json + (f->has_eml ? f->eml : 0);
        gint64 t = quarantine_id_ms(e->id) / 1000;
        bool too_old = (gint64)max_age < now && t < now - (gint64)max_age;

        bool busy;
        int lock;

        if (!too_old && *total <= max_size)
            continue;
        if ((lock = qdir_entry_lock(d, e->id, 0, &busy, err)) < 0) {
            if (busy) {
                s->busy++;
                continue;
            }
            st = MV_EIO;
            break;
        }
        if (!unlink_file(d, e->id, ".json") && errno != ENOENT) {
            st = mv_err_set(err, MV_EIO, "%s/%s.json: %s", d->path, e->id, g_strerror(errno));
            close(lock);
            break;
        }
        unlink_file(d, e->id, ".eml");
        close(lock);
        *total -= bytes;
        s->removed++;
        s->removed_bytes += bytes;
        g_hash_table_remove(entries, e->id); /* frees e */
    }
    g_ptr_array_free(all, TRUE);
    return st;
}

/* quarantine_purge - age, then size, then leftovers; the index rewritten */
enum mv_status quarantine_purge(const char *dir, guint64 max_age, guint64 max_size, gint64 now,
                                struct quarantine_purge_stats *stats, struct mv_err *err)
{
    struct quarantine_purge_stats s = {0};
    struct qdir d;
    bool missing;
    GHashTable *files = NULL, *entries = NULL;
    enum mv_status st = MV_EIO;
    guint64 total;
    guint unindexed = 0, stale = 0;
    int lock = -1;

    if (!qdir_open(&d, dir, false, &missing, err)) {
        if (stats != NULL)
            *stats = s;
        return missing ? MV_OK : MV_EIO;
    }
    if ((lock = qdir_lock(&d, err)) < 0)
        goto out;
    if ((files = files_on_disk(&d, now, &s.leftovers, err)) == NULL)
        goto out;
    if ((entries = entries_known(&d, s.note, err)) == NULL)
        goto out;
    total = reconcile(&d, files, entries, now, &s.leftovers, &unindexed, &stale);
    if (s.note[0] == '\0' && (unindexed > 0 || stale > 0))
        note_counts(s.note, unindexed, stale, entries);
    if ((st = remove_old(&d, files, entries, max_age, max_size, now, &total, &s, err)) != MV_OK)
        goto out;
    if ((st = qdir_sync(&d, err)) != MV_OK)
        goto out;
    st = quarantine_index_write(&d, entries, err);
    s.kept = g_hash_table_size(entries);
    s.kept_bytes = total;
out:
    if (entries != NULL)
        g_hash_table_unref(entries);
    if (files != NULL)
        g_hash_table_unref(files);
    if (lock >= 0)
        close(lock);
    qdir_close(&d);
    if (stats != NULL)
        *stats = s;
    return st;
}
