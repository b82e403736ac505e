/* quarantine_list.c - the entries of the quarantine that pass a filter, newest first,
 * answered from the index (quarantine_index.c loads it, verified): list, for the tool,
 * which loads the index at each call, and the view, for the console, which keeps it in
 * memory and follows the lines appended to it (quarantine.h says when it loads it
 * whole again).  Every glob of a filter is wildcard.c's, folded once per call.
 * A part of the quarantine module (quarantine_internal.h): it never logs. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "quarantine.h"
#include "quarantine_internal.h"
#include "wildcard.h"

/* ---- filters ------------------------------------------------------------------------ */

/* folded - a filter's globs folded once for the whole list (wildcard.h: the dialect
 * of rules and of allow and block lists) */
struct folded {
    char *campaign, *reason, *sender, *recipient, *subject, *rule, *signature;
};

/* fold_or_null - P folded, or NULL */
static char *fold_or_null(const char *p)
{
    return p != NULL ? wildcard_pattern_new(p) : NULL;
}

/* folded_init - F's globs folded, NULL where F sets none */
static void folded_init(struct folded *g, const struct quarantine_filter *f)
{
    memset(g, 0, sizeof(*g));
    if (f == NULL)
        return;
    g->campaign = fold_or_null(f->campaign);
    g->reason = fold_or_null(f->reason);
    g->sender = fold_or_null(f->sender);
    g->recipient = fold_or_null(f->recipient);
    g->subject = fold_or_null(f->subject);
    g->rule = fold_or_null(f->rule);
    g->signature = fold_or_null(f->signature);
}

/* folded_clear - free the globs */
static void folded_clear(struct folded *g)
{
    g_free(g->campaign);
    g_free(g->reason);
    g_free(g->sender);
    g_free(g->recipient);
    g_free(g->subject);
    g_free(g->rule);
    g_free(g->signature);
}

/* glob_match - folded PAT against S (NULL: the empty text): every glob filter of list
 * (--sender, --recipient, --reason, --campaign, the console's subject, rule and
 * signature) matches here and nowhere else */
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

/* filter_pass - E passes every filter F sets (all must hold); G holds F's globs folded.
 * The cheap comparisons come first, the globs last. */
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
    if (f->min_size != 0 && e->size < f->min_size)
        return false;
    if (f->max_size != 0 && e->size > f->max_size)
        return false;
    if (f->queue_id != NULL && (e->queue_id == NULL || strcmp(f->queue_id, e->queue_id) != 0))
        return false;
    if (f->verdict != NULL && (e->verdict == NULL || g_ascii_strcasecmp(f->verdict, e->verdict)))
        return false;
    if (g->sender != NULL && !glob_match(g->sender, e->sender))
        return false;
    if (g->recipient != NULL && !any_match(g->recipient, e->recipients))
        return false;
    if (g->reason != NULL && !any_match(g->reason, e->reasons))
        return false;
    if (g->campaign != NULL && !any_match(g->campaign, e->campaigns))
        return false;
    if (g->rule != NULL && !any_match(g->rule, e->rules))
        return false;
    if (g->signature != NULL && !any_match(g->signature, e->signatures))
        return false;
    if (g->subject != NULL && !glob_match(g->subject, e->subject))
        return false;
    return true;
}

/* ---- list ----------------------------------------------------------------------------- */

/* quarantine_list_new - filtered entries, newest first */
GPtrArray *quarantine_list_new(const char *dir, const struct quarantine_filter *filter, char *note,
                               struct mv_err *err)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(quarantine_entry_free);
    struct qdir d;
    bool missing;
    GHashTable *entries;
    GPtrArray *all;
    struct folded globs;

    if (note != NULL)
        note[0] = '\0';
    if (!qdir_open(&d, dir, false, &missing, err)) {
        if (missing)
            return out;
        g_ptr_array_unref(out);
        return NULL;
    }
    entries = quarantine_index_load(&d, note, err);
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

/* quarantine_list_filtered - the entries of ALL that pass FILTER, in ALL's order */
GPtrArray *quarantine_list_filtered(GPtrArray *all, const struct quarantine_filter *filter)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(quarantine_entry_free);
    struct folded globs;

    folded_init(&globs, filter);
    for (guint i = 0; i < all->len; i++) {
        struct quarantine_entry *e = g_ptr_array_index(all, i);

        if (filter_pass(filter, &globs, e))
            g_ptr_array_add(out, e);
        else
            quarantine_entry_free(e);
    }
    folded_clear(&globs);
    g_ptr_array_free(all, TRUE);
    return out;
}

/* ---- the view ------------------------------------------------------------------------- */

struct quarantine_view {
    char *dir;
    GHashTable *entries; /* id -> entry, owned */
    GPtrArray *sorted;   /* the same entries, oldest first (borrowed) */
    bool loaded;         /* loaded once */
    bool have_index;     /* dev, ino and applied describe the index file */
    dev_t dev;
    ino_t ino;
    off_t applied; /* bytes of the index its entries include */
};

/* oldest_first - ids sort by time */
static gint oldest_first(gconstpointer a, gconstpointer b)
{
    return strcmp((*(struct quarantine_entry *const *)a)->id,
                  (*(struct quarantine_entry *const *)b)->id);
}

/* view_set - V's entries replaced by ENTRIES (taken) */
static void view_set(struct quarantine_view *v, GHashTable *entries)
{
    GHashTableIter it;
    gpointer val;

    g_ptr_array_set_size(v->sorted, 0);
    if (v->entries != NULL)
        g_hash_table_unref(v->entries);
    v->entries = entries;
    g_hash_table_iter_init(&it, entries);
    while (g_hash_table_iter_next(&it, NULL, &val))
        g_ptr_array_add(v->sorted, val);
    g_ptr_array_sort(v->sorted, oldest_first);
}

/* insert_sorted - E at its place in V's sorted array: at the end, but for a store that
 * wrote its index line after a later one */
static void insert_sorted(struct quarantine_view *v, struct quarantine_entry *e)
{
    GPtrArray *a = v->sorted;
    guint lo = 0, hi = a->len;

    if (a->len == 0 || strcmp(((struct quarantine_entry *)a->pdata[a->len - 1])->id, e->id) < 0) {
        g_ptr_array_add(a, e);
        return;
    }
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;

        if (strcmp(((struct quarantine_entry *)a->pdata[mid])->id, e->id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    g_ptr_array_insert(a, (gint)lo, e);
}

/* follow - the lines appended to the index (open as FD, now SIZE bytes) since V last
 * read it, applied; false when one does not verify or changes an entry V lacks (the
 * caller then loads the index whole).  An add line of an entry V has is one read
 * twice (the load raced with an append): V keeps its own, and the state lines after
 * it apply again. */
static bool follow(struct quarantine_view *v, int fd, off_t size)
{
    size_t len = (size_t)(size - v->applied), got = 0;
    char *buf = g_try_malloc(len + 1), *last, *p;
    bool ok = true;

    if (buf == NULL)
        return false;
    while (got < len) {
        ssize_t n = pread(fd, buf + got, len - got, v->applied + (off_t)got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got < len) {
        g_free(buf);
        return false;
    }
    buf[len] = '\0';
    last = memrchr(buf, '\n', len);
    if (last == NULL) { /* a line being written: the next refresh reads it */
        g_free(buf);
        return true;
    }
    for (p = buf; ok && p <= last;) {
        char *nl = memchr(p, '\n', (size_t)(last - p) + 1);
        struct quarantine_index_event ev;
        struct quarantine_entry *e;

        *nl = '\0';
        if (!quarantine_index_line_parse(p, &ev)) {
            ok = false;
        } else if (ev.add && g_hash_table_contains(v->entries, ev.id)) {
            quarantine_entry_free(ev.entry);
        } else if (ev.add) {
            g_hash_table_replace(v->entries, ev.entry->id, ev.entry);
            insert_sorted(v, ev.entry);
        } else if ((e = g_hash_table_lookup(v->entries, ev.id)) != NULL) {
            e->state = ev.state;
        } else {
            ok = false;
        }
        p = nl + 1;
    }
    if (ok)
        v->applied += (off_t)(last - buf + 1);
    g_free(buf);
    return ok;
}

/* quarantine_view_new - an empty view of DIR */
struct quarantine_view *quarantine_view_new(const char *dir)
{
    struct quarantine_view *v = g_new0(struct quarantine_view, 1);

    v->dir = g_strdup(dir);
    v->sorted = g_ptr_array_new();
    v->entries = quarantine_index_entries_new();
    return v;
}

/* quarantine_view_free - everything */
struct quarantine_view *quarantine_view_free(struct quarantine_view *v)
{
    if (v == NULL)
        return NULL;
    g_ptr_array_free(v->sorted, TRUE);
    g_hash_table_unref(v->entries);
    g_free(v->dir);
    g_free(v);
    return NULL;
}

/* quarantine_view_refresh - the appended lines, or the index whole */
enum mv_status quarantine_view_refresh(struct quarantine_view *v, char *note, bool *reloaded,
                                       struct mv_err *err)
{
    struct qdir d;
    struct stat sb;
    bool missing, have;
    GHashTable *entries;
    enum mv_status st = MV_OK;
    int fd;

    if (note != NULL)
        note[0] = '\0';
    if (reloaded != NULL)
        *reloaded = false;
    if (!qdir_open(&d, v->dir, false, &missing, err)) {
        if (!missing)
            return MV_EIO;
        view_set(v, quarantine_index_entries_new()); /* no store yet: nothing held */
        v->loaded = true;
        v->have_index = false;
        return MV_OK;
    }
    fd = openat(d.fd, INDEX_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    have = fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
    if (have && v->loaded && v->have_index && sb.st_dev == v->dev && sb.st_ino == v->ino &&
        sb.st_size >= v->applied && (sb.st_size == v->applied || follow(v, fd, sb.st_size)))
        goto out;
    /* whole: the size was taken before the load, so that what is appended meanwhile is
     * read again by the next refresh rather than missed */
    entries = quarantine_index_load(&d, note, err);
    if (entries == NULL) {
        st = MV_EIO;
        goto out;
    }
    view_set(v, entries);
    v->loaded = true;
    v->have_index = have;
    if (have) {
        v->dev = sb.st_dev;
        v->ino = sb.st_ino;
        v->applied = sb.st_size;
    }
    if (reloaded != NULL)
        *reloaded = true;
out:
    if (fd >= 0)
        close(fd);
    qdir_close(&d);
    return st;
}

/* quarantine_view_page_new - one page of the entries that pass, newest first */
GPtrArray *quarantine_view_page_new(const struct quarantine_view *v,
                                    const struct quarantine_filter *filter, guint offset,
                                    guint limit, guint *total)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(quarantine_entry_free);
    struct folded globs;
    guint n = 0;

    folded_init(&globs, filter);
    for (guint i = v->sorted->len; i > 0; i--) {
        const struct quarantine_entry *e = g_ptr_array_index(v->sorted, i - 1);

        if (!filter_pass(filter, &globs, e))
            continue;
        if (n >= offset && n - offset < limit)
            g_ptr_array_add(out, quarantine_entry_dup(e));
        n++;
    }
    folded_clear(&globs);
    if (total != NULL)
        *total = n;
    return out;
}

/* quarantine_view_count - entries held */
guint quarantine_view_count(const struct quarantine_view *v)
{
    return v->sorted->len;
}
