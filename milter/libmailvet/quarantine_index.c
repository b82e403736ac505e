/* quarantine_index.c - the quarantine's index file (format in quarantine.h): one "add"
 * line per stored entry and one "state" line per change, each with its check, appended
 * under the lock; loading it, verified (its header, every line's check, and the ids of
 * the records in the directory against its entries) and rebuilt from the records when
 * it is missing or damaged, with a note saying so for the program to print; rewriting
 * it compacted.  The entries it holds are what quarantine_record.c reads out of a
 * record, or, for a record that cannot be read, a damaged entry (its id and its file's
 * time).  list and the view (quarantine_list.c) answer from what it loads.
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

#define INDEX_MAGIC "mailvet-quarantine-index "
#define INDEX_HEADER INDEX_MAGIC "3\n"
#define ADD_FIELDS 15 /* of an add line, its check left out */
#define CHECK_LEN 8   /* hex digits of a line's check */

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
    g_free(e->queue_id);
    g_free(e->host);
    g_free(e->subject);
    g_ptr_array_unref(e->rules);
    g_ptr_array_unref(e->signatures);
    g_free(e);
}

/* quarantine_entry_new - an entry with empty lists */
struct quarantine_entry *quarantine_entry_new(void)
{
    struct quarantine_entry *e = g_new0(struct quarantine_entry, 1);

    e->recipients = g_ptr_array_new_with_free_func(g_free);
    e->reasons = g_ptr_array_new_with_free_func(g_free);
    e->campaigns = g_ptr_array_new_with_free_func(g_free);
    e->rules = g_ptr_array_new_with_free_func(g_free);
    e->signatures = g_ptr_array_new_with_free_func(g_free);
    return e;
}

/* copy_strings - the strings of FROM appended to TO */
static void copy_strings(GPtrArray *to, const GPtrArray *from)
{
    for (guint i = 0; from != NULL && i < from->len; i++)
        g_ptr_array_add(to, g_strdup(g_ptr_array_index(from, i)));
}

/* quarantine_entry_dup - a deep copy of E */
struct quarantine_entry *quarantine_entry_dup(const struct quarantine_entry *e)
{
    struct quarantine_entry *c = quarantine_entry_new();

    memcpy(c->id, e->id, sizeof(c->id));
    c->time = e->time;
    c->size = e->size;
    c->state = e->state;
    c->score = e->score;
    c->verdict = g_strdup(e->verdict);
    c->sender = g_strdup(e->sender);
    copy_strings(c->recipients, e->recipients);
    copy_strings(c->reasons, e->reasons);
    copy_strings(c->campaigns, e->campaigns);
    c->queue_id = g_strdup(e->queue_id);
    c->host = g_strdup(e->host);
    c->subject = g_strdup(e->subject);
    copy_strings(c->rules, e->rules);
    copy_strings(c->signatures, e->signatures);
    return c;
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

/* line_check - the check of the LEN bytes at LINE: the first CHECK_LEN hex digits of
 * their SHA-256, into OUT (CHECK_LEN + 1 bytes) */
static void line_check(const char *line, size_t len, char *out)
{
    char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)line, len);

    memcpy(out, sum, CHECK_LEN);
    out[CHECK_LEN] = '\0';
    g_free(sum);
}

/* close_line - the line OUT holds from START ended with a TAB, its check and '\n' */
static void close_line(GString *out, size_t start)
{
    char check[CHECK_LEN + 1];

    line_check(out->str + start, out->len - start, check);
    g_string_append_printf(out, "\t%s\n", check);
}

/* quarantine_index_add_line - the index line of E (with its check and '\n') */
void quarantine_index_add_line(GString *out, const struct quarantine_entry *e)
{
    size_t start = out->len;

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
    g_string_append_c(out, '\t');
    escape_field(out, e->queue_id);
    g_string_append_c(out, '\t');
    escape_field(out, e->subject);
    g_string_append_c(out, '\t');
    escape_list(out, e->rules);
    g_string_append_c(out, '\t');
    escape_list(out, e->signatures);
    close_line(out, start);
}

/* header_ok - TEXT (LEN bytes) opens with the header of this format; else WHY says
 * what it is instead */
static bool header_ok(const char *text, size_t len, char *why, size_t size)
{
    size_t magic = strlen(INDEX_MAGIC);
    const char *nl = memchr(text, '\n', MIN(len, (size_t)64));

    if (len >= strlen(INDEX_HEADER) && memcmp(text, INDEX_HEADER, strlen(INDEX_HEADER)) == 0)
        return true;
    if (nl != NULL && (size_t)(nl - text) > magic && memcmp(text, INDEX_MAGIC, magic) == 0) {
        snprintf(why, size, "of an older format (version %.*s)",
                 (int)MIN((size_t)(nl - text) - magic, (size_t)10), text + magic);
        for (char *p = why; *p; p++)
            if ((unsigned char)*p < ' ' || (unsigned char)*p >= 0x7f)
                *p = '?';
    } else {
        snprintf(why, size, "damaged (no header)");
    }
    return false;
}

/* field_or_null - an unescaped copy of F, or NULL when F is empty */
static char *field_or_null(char *f)
{
    return *f != '\0' ? g_strdup(unescape_field(f)) : NULL;
}

/* quarantine_index_line_parse - one line (without its '\n'; modified) verified by its
 * check and parsed into EV; false when it is not a line of this format */
bool quarantine_index_line_parse(char *line, struct quarantine_index_event *ev)
{
    char check[CHECK_LEN + 1];
    char *tab = strrchr(line, '\t');
    char *f[ADD_FIELDS + 1];
    int nf = 0;

    memset(ev, 0, sizeof(*ev));
    if (tab != NULL)
        line_check(line, (size_t)(tab - line), check);
    if (tab == NULL || strcmp(tab + 1, check) != 0)
        return false;
    *tab = '\0';
    for (char *q = line, *t; q != NULL && nf <= ADD_FIELDS; q = t != NULL ? t + 1 : NULL) {
        t = strchr(q, '\t');
        if (t != NULL)
            *t = '\0';
        f[nf++] = q;
    }
    if (nf == ADD_FIELDS && strcmp(f[0], "add") == 0 && quarantine_id_valid(f[1])) {
        struct quarantine_entry *e = quarantine_entry_new();
        enum quarantine_state st;

        memcpy(e->id, f[1], sizeof(e->id));
        e->time = g_ascii_strtoll(f[2], NULL, 10);
        e->size = g_ascii_strtoull(f[3], NULL, 10);
        e->state = quarantine_state_parse(f[4], &st) ? st : QUARANTINE_HELD;
        if (e->state != QUARANTINE_DAMAGED || *f[5] != '\0')
            e->verdict = g_strdup(unescape_field(f[5]));
        e->score = g_ascii_strtod(f[6], NULL);
        if (e->state != QUARANTINE_DAMAGED || *f[7] != '\0')
            e->sender = g_strdup(unescape_field(f[7]));
        split_list(e->recipients, f[8]);
        split_list(e->reasons, f[9]);
        split_list(e->campaigns, f[10]);
        e->queue_id = field_or_null(f[11]);
        e->subject = field_or_null(f[12]);
        split_list(e->rules, f[13]);
        split_list(e->signatures, f[14]);
        ev->add = true;
        ev->entry = e;
        memcpy(ev->id, e->id, sizeof(ev->id));
        return true;
    }
    if (nf == 4 && strcmp(f[0], "state") == 0 && quarantine_id_valid(f[1]) &&
        quarantine_state_parse(f[3], &ev->state)) {
        memcpy(ev->id, f[1], sizeof(ev->id));
        return true;
    }
    return false;
}

/* quarantine_index_parse - the events of the index TEXT into ENTRIES (id -> entry);
 * false with WHY at the first sign of damage: no header or an older one, a line cut
 * short, a line whose check fails, that does not parse, or that changes an entry the
 * index never added */
bool quarantine_index_parse(char *text, size_t len, GHashTable *entries, char *why, size_t size)
{
    char *p = text, *end = text + len;
    unsigned lineno = 1;

    if (!header_ok(text, len, why, size))
        return false;
    p += strlen(INDEX_HEADER);
    for (; p < end; lineno++) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        struct quarantine_index_event ev;
        struct quarantine_entry *e;

        if (nl == NULL) {
            snprintf(why, size, "damaged (line %u cut short)", lineno + 1);
            return false;
        }
        *nl = '\0';
        if (!quarantine_index_line_parse(p, &ev)) {
            snprintf(why, size, "damaged (line %u)", lineno + 1);
            return false;
        }
        p = nl + 1;
        if (ev.add) {
            g_hash_table_replace(entries, ev.entry->id, ev.entry);
            continue;
        }
        e = g_hash_table_lookup(entries, ev.id);
        if (e == NULL) {
            snprintf(why, size, "damaged (line %u)", lineno + 1);
            return false;
        }
        e->state = ev.state;
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

        /* a torn line is closed without a check, so that the next load finds the
         * index damaged and rebuilds it (the entry it was adding is in no line) */
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
    GString *line = g_string_new(NULL);
    enum mv_status st;

    g_string_append_printf(line, "state\t%s\t%" G_GINT64_FORMAT "\t%s", id, now,
                           quarantine_state_name(state));
    close_line(line, 0);
    st = quarantine_index_append(d, line->str, NULL, err);
    g_string_free(line, TRUE);
    return st;
}

/* quarantine_index_entry_load - the entry of ID's record in D; NULL when there is no
 * record.  A record that cannot be read or parsed, or is not ID's, gives a damaged
 * entry: its id, the time of its file, the size of its message (if any), and
 * *DAMAGED (may be NULL) true. */
struct quarantine_entry *quarantine_index_entry_load(const struct qdir *d, const char *id,
                                                     bool *damaged)
{
    char name[QUARANTINE_ID_LEN + 8];
    struct quarantine_entry *e;
    struct stat sb;
    JsonNode *root;

    if (damaged != NULL)
        *damaged = false;
    snprintf(name, sizeof(name), "%s.json", id);
    if (fstatat(d->fd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
        return NULL;
    root = qdir_record_load(d, id, NULL);
    e = quarantine_record_entry_new(root);
    if (root != NULL)
        json_node_unref(root);
    if (e != NULL && strcmp(e->id, id) == 0)
        return e;
    quarantine_entry_free(e);
    e = quarantine_entry_new();
    memcpy(e->id, id, sizeof(e->id));
    e->state = QUARANTINE_DAMAGED;
    e->time = (gint64)sb.st_mtime;
    snprintf(name, sizeof(name), "%s.eml", id);
    if (fstatat(d->fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
        e->size = (guint64)sb.st_size;
    if (damaged != NULL)
        *damaged = true;
    return e;
}

/* quarantine_index_scan - every ID.json of D into ENTRIES, a record that cannot be read
 * as a damaged entry; *RECORDS and *DAMAGED (either may be NULL) count them */
enum mv_status quarantine_index_scan(const struct qdir *d, GHashTable *entries, guint *records,
                                     guint *damaged, struct mv_err *err)
{
    DIR *dp = qdir_list(d, err);
    struct dirent *de;
    guint n = 0, bad = 0;

    if (dp == NULL)
        return MV_EIO;
    while ((de = readdir(dp)) != NULL) {
        char id[QUARANTINE_ID_LEN + 1];
        struct quarantine_entry *e;
        bool broken;

        if (!quarantine_name_id(de->d_name, ".json", id))
            continue;
        e = quarantine_index_entry_load(d, id, &broken);
        if (e == NULL)
            continue;
        g_hash_table_replace(entries, e->id, e);
        n++;
        bad += broken ? 1 : 0;
    }
    closedir(dp);
    if (records != NULL)
        *records = n;
    if (damaged != NULL)
        *damaged = bad;
    return MV_OK;
}

/* quarantine_index_in_flight - another process holds ID's entry lock: a record the index
 * lacks is then a store that has not written its index line yet, not damage */
bool quarantine_index_in_flight(const struct qdir *d, const char *id)
{
    bool busy;
    int fd = qdir_entry_lock(d, id, 0, &busy, NULL);

    if (fd >= 0)
        close(fd);
    return fd < 0 && busy;
}

/* plural - "s" unless N is one */
static const char *plural(guint n)
{
    return n == 1 ? "" : "s";
}

/* quarantine_index_why_counts - WHY says the index lacked MISSING records and had
 * STALE entries without one */
void quarantine_index_why_counts(char *why, size_t size, guint missing, guint stale)
{
    if (missing > 0 && stale > 0)
        snprintf(why, size, "damaged (%u record%s missing from it, %u entr%s without a record)",
                 missing, plural(missing), stale, stale == 1 ? "y" : "ies");
    else if (missing > 0)
        snprintf(why, size, "damaged (%u record%s missing from it)", missing, plural(missing));
    else
        snprintf(why, size, "damaged (%u entr%s without a record)", stale,
                 stale == 1 ? "y" : "ies");
}

/* dir_check - the records of D (ID.json) against ENTRIES: false with WHY when the index
 * lacks a record or has an entry without one.  LOCKED: the caller holds .lock, so a
 * record the index lacks while its entry is locked is a store in flight, not damage. */
static bool dir_check(const struct qdir *d, GHashTable *entries, bool locked, char *why,
                      size_t size)
{
    DIR *dp = qdir_list(d, NULL);
    struct dirent *de;
    guint matched = 0, missing = 0, stale;

    if (dp == NULL)
        return true; /* unknown; list reads the directory again and says why */
    while ((de = readdir(dp)) != NULL) {
        char id[QUARANTINE_ID_LEN + 1];

        if (!quarantine_name_id(de->d_name, ".json", id))
            continue;
        if (g_hash_table_contains(entries, id))
            matched++;
        else if (!locked || !quarantine_index_in_flight(d, id))
            missing++;
    }
    closedir(dp);
    stale = g_hash_table_size(entries) - matched;
    if (missing == 0 && stale == 0)
        return true;
    quarantine_index_why_counts(why, size, missing, stale);
    return false;
}

/* index_read - D's index into ENTRIES, verified: its header and lines
 * (quarantine_index_parse), then against the records in D; false with WHY */
static bool index_read(const struct qdir *d, GHashTable *entries, bool locked, char *why,
                       size_t size)
{
    size_t len;
    struct mv_err rerr = {0};
    char *text = qdir_read(d, INDEX_NAME, G_MAXSIZE, &len, &rerr);
    struct stat sb;
    bool ok;

    g_hash_table_remove_all(entries);
    if (text == NULL) {
        if (fstatat(d->fd, INDEX_NAME, &sb, AT_SYMLINK_NOFOLLOW) == 0)
            snprintf(why, size, "unreadable (%.100s)", rerr.msg);
        else
            snprintf(why, size, "missing");
        return false;
    }
    ok = quarantine_index_parse(text, len, entries, why, size) &&
         dir_check(d, entries, locked, why, size);
    g_free(text);
    return ok;
}

/* quarantine_index_note - NOTE (QUARANTINE_NOTE_MAX bytes) says the index was WHY and
 * was rebuilt from RECORDS records, DAMAGED of them damaged */
void quarantine_index_note(char *note, const char *why, guint records, guint damaged)
{
    char bad[48] = "";

    if (note == NULL)
        return;
    if (damaged > 0)
        snprintf(bad, sizeof(bad), " (%u damaged)", damaged);
    snprintf(note, QUARANTINE_NOTE_MAX, "quarantine: index %s, rebuilt from %u record%s%s", why,
             records, plural(records), bad);
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

/* quarantine_index_load - the entries of D from its index, verified; when it is missing
 * or damaged, from the records, the index rebuilt (under the lock; a rebuild that cannot
 * be written still answers) and NOTE (may be NULL) saying so.  NULL with err only when
 * D cannot be read. */
GHashTable *quarantine_index_load(const struct qdir *d, char *note, struct mv_err *err)
{
    GHashTable *entries = quarantine_index_entries_new();
    char why[160];
    guint records = 0, damaged = 0;
    int lock;

    if (index_read(d, entries, false, why, sizeof(why)))
        return entries;
    /* again under the lock: a store, delete or purge may have been midway */
    lock = qdir_lock(d, NULL);
    if (index_read(d, entries, lock >= 0, why, sizeof(why))) {
        if (lock >= 0)
            close(lock);
        return entries;
    }
    g_hash_table_remove_all(entries);
    if (quarantine_index_scan(d, entries, &records, &damaged, err) != MV_OK) {
        if (lock >= 0)
            close(lock);
        g_hash_table_unref(entries);
        return NULL;
    }
    if (lock >= 0) {
        quarantine_index_write(d, entries, NULL);
        close(lock);
    }
    /* a store not yet used has neither index nor records: nothing to say */
    if (records > 0 || strcmp(why, "missing") != 0)
        quarantine_index_note(note, why, records, damaged);
    return entries;
}
