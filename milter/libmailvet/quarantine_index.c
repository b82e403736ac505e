/* quarantine_index.c - the quarantine's index file (format in quarantine.h): one "add"
 * line per stored entry and one "state" line per change, appended under the lock;
 * loading it (rebuilt from the records when it is missing or damaged), rewriting it
 * compacted, and list: the entries that pass a filter, newest first, answered from the
 * index alone.  The entries it holds are what quarantine_record.c reads out of a record.
 * A part of the quarantine module (quarantine_internal.h): it never logs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "quarantine.h"
#include "quarantine_internal.h"
#include "wildcard.h"

#define INDEX_HEADER "mailvet-quarantine-index 1\n"

/* quarantine_entry_free - one entry */
void quarantine_entry_free(gpointer p)
{
    struct quarantine_entry *e = p;

    if (e == NULL)
        return;
    g_free(e->verdict);
    g_free(e->sender);
    g_ptr_array_unref(e->recipients);
    g_ptr_array_unref(e->reasons);
    g_ptr_array_unref(e->campaigns);
    g_free(e);
}

/* quarantine_entry_new - an entry with empty lists */
struct quarantine_entry *quarantine_entry_new(void)
{
    struct quarantine_entry *e = g_new0(struct quarantine_entry, 1);

    e->recipients = g_ptr_array_new_with_free_func(g_free);
    e->reasons = g_ptr_array_new_with_free_func(g_free);
    e->campaigns = g_ptr_array_new_with_free_func(g_free);
    return e;
}

/* escape_field - S with bytes below '!', '%', ',' and DEL as %XX */
static void escape_field(GString *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s != NULL ? s : ""); *p; p++) {
        if (*p <= ' ' || *p == '%' || *p == ',' || *p == 0x7f)
            g_string_append_printf(out, "%%%02X", *p);
        else
            g_string_append_c(out, (char)*p);
    }
}

/* unescape_field - the reverse, in place */
static char *unescape_field(char *s)
{
    char *w = s;

    for (char *r = s; *r; r++) {
        if (r[0] == '%' && g_ascii_isxdigit(r[1]) && g_ascii_isxdigit(r[2])) {
            *w++ = (char)(g_ascii_xdigit_value(r[1]) * 16 + g_ascii_xdigit_value(r[2]));
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return s;
}

/* escape_list - LIST as escaped fields joined by ',' */
static void escape_list(GString *out, const GPtrArray *list)
{
    for (guint i = 0; i < list->len; i++) {
        if (i > 0)
            g_string_append_c(out, ',');
        escape_field(out, g_ptr_array_index(list, i));
    }
}

/* split_list - "a,b%2Cc" into LIST */
static void split_list(GPtrArray *list, char *field)
{
    if (*field == '\0')
        return;
    for (char *p = field, *comma; p != NULL; p = comma != NULL ? comma + 1 : NULL) {
        comma = strchr(p, ',');
        if (comma != NULL)
            *comma = '\0';
        g_ptr_array_add(list, g_strdup(unescape_field(p)));
    }
}

/* quarantine_index_add_line - the index line of E (with '\n') */
void quarantine_index_add_line(GString *out, const struct quarantine_entry *e)
{
    g_string_append_printf(out, "add\t%s\t%" G_GINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%s\t", e->id,
                           e->time, e->size, quarantine_state_name(e->state));
    escape_field(out, e->verdict);
    g_string_append_printf(out, "\t%.17g\t", e->score);
    escape_field(out, e->sender);
    g_string_append_c(out, '\t');
    escape_list(out, e->recipients);
    g_string_append_c(out, '\t');
    escape_list(out, e->reasons);
    g_string_append_c(out, '\t');
    escape_list(out, e->campaigns);
    g_string_append_c(out, '\n');
}

/* quarantine_index_parse - the events of the index TEXT into ENTRIES (id -> entry);
 * false when the header is missing (a damaged index) */
bool quarantine_index_parse(char *text, size_t len, GHashTable *entries)
{
    char *p = text, *end = text + len;

    if (len < strlen(INDEX_HEADER) || memcmp(text, INDEX_HEADER, strlen(INDEX_HEADER)) != 0)
        return false;
    p += strlen(INDEX_HEADER);
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *f[12];
        int nf = 0;

        if (nl == NULL)
            break; /* a torn last line */
        *nl = '\0';
        for (char *q = p, *tab; q != NULL && nf < 12; q = tab != NULL ? tab + 1 : NULL) {
            tab = strchr(q, '\t');
            if (tab != NULL)
                *tab = '\0';
            f[nf++] = q;
        }
        p = nl + 1;
        if (nf == 11 && strcmp(f[0], "add") == 0 && quarantine_id_valid(f[1])) {
            struct quarantine_entry *e = quarantine_entry_new();
            enum quarantine_state st;

            memcpy(e->id, f[1], sizeof(e->id));
            e->time = g_ascii_strtoll(f[2], NULL, 10);
            e->size = g_ascii_strtoull(f[3], NULL, 10);
            e->state = quarantine_state_parse(f[4], &st) ? st : QUARANTINE_HELD;
            e->verdict = g_strdup(unescape_field(f[5]));
            e->score = g_ascii_strtod(f[6], NULL);
            e->sender = g_strdup(unescape_field(f[7]));
            split_list(e->recipients, f[8]);
            split_list(e->reasons, f[9]);
            split_list(e->campaigns, f[10]);
            g_hash_table_replace(entries, e->id, e);
        } else if (nf == 4 && strcmp(f[0], "state") == 0 && quarantine_id_valid(f[1])) {
            struct quarantine_entry *e = g_hash_table_lookup(entries, f[1]);
            enum quarantine_state st;

            if (e != NULL && quarantine_state_parse(f[3], &st))
                e->state = st;
        } else if (nf == 2 && strcmp(f[0], "purge") == 0) {
            g_hash_table_remove(entries, f[1]);
        }
        /* anything else: a damaged line, skipped */
    }
    return true;
}

/* other_records - D holds a record other than ONLY_ID's (stops at the first) */
static bool other_records(const struct qdir *d, const char *only_id)
{
    DIR *dp = qdir_list(d, NULL);
    struct dirent *de;
    bool found = false;

    if (dp == NULL)
        return true; /* unknown: leave the index to a rebuild */
    while (!found && (de = readdir(dp)) != NULL) {
        char id[QUARANTINE_ID_LEN + 1];

        found = quarantine_name_id(de->d_name, ".json", id) && strcmp(id, only_id) != 0;
    }
    closedir(dp);
    return found;
}

/* quarantine_index_append - one line to the index (caller holds the lock); a torn last
 * line is closed first.  An index that does not exist is created by the first store
 * (FIRST_ID, when its record is the only one), else left to the next rebuild. */
enum mv_status quarantine_index_append(const struct qdir *d, const char *line, const char *first_id,
                                       struct mv_err *err)
{
    int fd = openat(d->fd, INDEX_NAME, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    GString *buf = g_string_new(NULL);
    enum mv_status st = MV_OK;
    struct stat sb;
    char last;

    if (fd < 0 && errno == ENOENT) {
        if (first_id != NULL && !other_records(d, first_id)) {
            g_string_append(buf, INDEX_HEADER);
            g_string_append(buf, line);
            st = qdir_write_file(d, INDEX_NAME, buf->str, buf->len, err);
        }
        goto out;
    }
    if (fd < 0) {
        st = mv_err_set(err, MV_EIO, "%s/%s: %s", d->path, INDEX_NAME, g_strerror(errno));
        goto out;
    }
    if (fstat(fd, &sb) == 0 && sb.st_size > 0) {
        int rfd = openat(d->fd, INDEX_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

        /* a torn line is closed with a field too many, so that it never parses */
        if (rfd >= 0 && pread(rfd, &last, 1, sb.st_size - 1) == 1 && last != '\n')
            g_string_append(buf, "\t#torn\n");
        if (rfd >= 0)
            close(rfd);
    }
    g_string_append(buf, line);
    if (!quarantine_write_all(fd, buf->str, buf->len) || fdatasync(fd) < 0)
        st = mv_err_set(err, MV_EIO, "%s/%s: write: %s", d->path, INDEX_NAME, g_strerror(errno));
out:
    if (fd >= 0)
        close(fd);
    g_string_free(buf, TRUE);
    return st;
}

/* quarantine_index_append_state - the "state" line of a change of ID to STATE at NOW */
enum mv_status quarantine_index_append_state(const struct qdir *d, const char *id, gint64 now,
                                             enum quarantine_state state, struct mv_err *err)
{
    char *line = g_strdup_printf("state\t%s\t%" G_GINT64_FORMAT "\t%s\n", id, now,
                                 quarantine_state_name(state));
    enum mv_status st = quarantine_index_append(d, line, NULL, err);

    g_free(line);
    return st;
}

/* quarantine_index_scan - every ID.json of D into ENTRIES (records that do not parse
 * skipped) */
enum mv_status quarantine_index_scan(const struct qdir *d, GHashTable *entries, bool only_missing,
                                     struct mv_err *err)
{
    DIR *dp = qdir_list(d, err);
    struct dirent *de;

    if (dp == NULL)
        return MV_EIO;
    while ((de = readdir(dp)) != NULL) {
        char id[QUARANTINE_ID_LEN + 1];
        struct quarantine_entry *e;
        JsonNode *root;

        if (!quarantine_name_id(de->d_name, ".json", id))
            continue;
        if (only_missing && g_hash_table_contains(entries, id))
            continue;
        root = qdir_record_load(d, id, NULL);
        e = quarantine_record_entry_new(root);
        if (root != NULL)
            json_node_unref(root);
        if (e != NULL && strcmp(e->id, id) == 0)
            g_hash_table_replace(entries, e->id, e);
        else
            quarantine_entry_free(e);
    }
    closedir(dp);
    return MV_OK;
}

/* entry_newest_first - ids sort by time, so a larger id is newer */
static gint entry_newest_first(gconstpointer a, gconstpointer b)
{
    const struct quarantine_entry *x = *(struct quarantine_entry *const *)a;
    const struct quarantine_entry *y = *(struct quarantine_entry *const *)b;

    return -strcmp(x->id, y->id);
}

/* quarantine_index_sorted_new - ENTRIES' values, newest first (borrowed pointers) */
GPtrArray *quarantine_index_sorted_new(GHashTable *entries)
{
    GPtrArray *all = g_ptr_array_sized_new(g_hash_table_size(entries));
    GHashTableIter it;
    gpointer v;

    g_hash_table_iter_init(&it, entries);
    while (g_hash_table_iter_next(&it, NULL, &v))
        g_ptr_array_add(all, v);
    g_ptr_array_sort(all, entry_newest_first);
    return all;
}

/* quarantine_index_write - a fresh index of ENTRIES, oldest first (caller holds the
 * lock) */
enum mv_status quarantine_index_write(const struct qdir *d, GHashTable *entries, struct mv_err *err)
{
    GPtrArray *all = quarantine_index_sorted_new(entries);
    GString *s = g_string_new(INDEX_HEADER);
    enum mv_status st;

    for (guint i = all->len; i > 0; i--)
        quarantine_index_add_line(s, g_ptr_array_index(all, i - 1));
    st = qdir_write_file(d, INDEX_NAME, s->str, s->len, err);
    g_string_free(s, TRUE);
    g_ptr_array_free(all, TRUE);
    return st;
}

/* quarantine_index_entries_new - id -> entry, the table owning its entries */
GHashTable *quarantine_index_entries_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, NULL, quarantine_entry_free);
}

/* index_load - the entries of D from its index; when the index is missing or damaged,
 * from the records, and the index rebuilt (under the lock; a rebuild that cannot be
 * written still answers).  NULL with err only when D cannot be read. */
static GHashTable *index_load(const struct qdir *d, struct mv_err *err)
{
    GHashTable *entries = quarantine_index_entries_new();
    size_t len;
    char *text = qdir_read(d, INDEX_NAME, G_MAXSIZE, &len, NULL);
    int lock;

    if (text != NULL && quarantine_index_parse(text, len, entries)) {
        g_free(text);
        return entries;
    }
    g_free(text);
    g_hash_table_remove_all(entries);
    lock = qdir_lock(d, NULL);
    /* another process may have rebuilt it while we waited */
    text = qdir_read(d, INDEX_NAME, G_MAXSIZE, &len, NULL);
    if (text != NULL && quarantine_index_parse(text, len, entries)) {
        g_free(text);
        if (lock >= 0)
            close(lock);
        return entries;
    }
    g_free(text);
    g_hash_table_remove_all(entries);
    if (quarantine_index_scan(d, entries, false, err) != MV_OK) {
        if (lock >= 0)
            close(lock);
        g_hash_table_unref(entries);
        return NULL;
    }
    if (lock >= 0) {
        quarantine_index_write(d, entries, NULL);
        close(lock);
    }
    return entries;
}

/* ---- list ---------------------------------------------------------------------------- */

/* folded - a filter's globs folded once for the whole list (wildcard.h: the dialect
 * of rules and of allow and block lists) */
struct folded {
    char *campaign, *reason, *sender, *recipient;
};

/* folded_init - F's globs folded, NULL where F sets none */
static void folded_init(struct folded *g, const struct quarantine_filter *f)
{
    memset(g, 0, sizeof(*g));
    if (f == NULL)
        return;
    g->campaign = f->campaign != NULL ? wildcard_pattern_new(f->campaign) : NULL;
    g->reason = f->reason != NULL ? wildcard_pattern_new(f->reason) : NULL;
    g->sender = f->sender != NULL ? wildcard_pattern_new(f->sender) : NULL;
    g->recipient = f->recipient != NULL ? wildcard_pattern_new(f->recipient) : NULL;
}

static void folded_clear(struct folded *g)
{
    g_free(g->campaign);
    g_free(g->reason);
    g_free(g->sender);
    g_free(g->recipient);
}

/* glob_match - folded PAT against S (NULL: the empty text): every glob filter of list
 * (--sender, --recipient, --reason, --campaign) matches here and nowhere else */
static bool glob_match(const char *pat, const char *s)
{
    char *text = wildcard_text_new(s != NULL ? s : "", -1);
    bool m = wildcard_match(pat, text);

    g_free(text);
    return m;
}

/* any_match - PAT matches one string of LIST */
static bool any_match(const char *pat, const GPtrArray *list)
{
    for (guint i = 0; i < list->len; i++)
        if (glob_match(pat, g_ptr_array_index(list, i)))
            return true;
    return false;
}

/* filter_pass - E passes every filter F sets (all must hold); G holds F's globs folded */
static bool filter_pass(const struct quarantine_filter *f, const struct folded *g,
                        const struct quarantine_entry *e)
{
    if (f == NULL)
        return true;
    if (f->since != 0 && e->time < f->since)
        return false;
    if (f->until != 0 && e->time > f->until)
        return false;
    if (f->state >= 0 && (int)e->state != f->state)
        return false;
    if (g->sender != NULL && !glob_match(g->sender, e->sender))
        return false;
    if (g->recipient != NULL && !any_match(g->recipient, e->recipients))
        return false;
    if (g->reason != NULL && !any_match(g->reason, e->reasons))
        return false;
    if (g->campaign != NULL && !any_match(g->campaign, e->campaigns))
        return false;
    return true;
}

/* quarantine_list_new - filtered entries, newest first */
GPtrArray *quarantine_list_new(const char *dir, const struct quarantine_filter *filter,
                               struct mv_err *err)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(quarantine_entry_free);
    struct qdir d;
    bool missing;
    GHashTable *entries;
    GPtrArray *all;
    struct folded globs;

    if (!qdir_open(&d, dir, false, &missing, err)) {
        if (missing)
            return out;
        g_ptr_array_unref(out);
        return NULL;
    }
    entries = index_load(&d, err);
    qdir_close(&d);
    if (entries == NULL) {
        g_ptr_array_unref(out);
        return NULL;
    }
    all = quarantine_index_sorted_new(entries);
    folded_init(&globs, filter);
    for (guint i = 0; i < all->len; i++) {
        struct quarantine_entry *e = g_ptr_array_index(all, i);

        if (filter_pass(filter, &globs, e)) {
            g_hash_table_steal(entries, e->id);
            g_ptr_array_add(out, e);
        }
    }
    folded_clear(&globs);
    g_ptr_array_free(all, TRUE);
    g_hash_table_unref(entries);
    return out;
}
