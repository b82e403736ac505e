/* quarantine.c - the quarantine store of quarantine.h: atomic entries (temporary name,
 * fsync, rename, directory fsync; .eml before .json), ids, the append-only index and
 * its rebuild, record updates (released, deleted), purge, and release by SMTP.
 * A leaf module: it never logs; every failure fills the caller's struct mv_err with the
 * path and g_strerror().  Thread-safe for stores (the daemon's threads each write their
 * own files; the index line is appended under flock(.lock)).
 * The SMTP client is written here by hand: re-injection needs EHLO, MAIL, RCPT, DATA
 * and QUIT over one loopback connection, a few dozen lines, and no C SMTP client
 * library in Debian is worth a new dependency for them (libcurl's smtp:// does not
 * dot-stuff under our control nor report each reply; libesmtp is unmaintained).  It is
 * bounded: reply lines of 1000 bytes, 64 lines per reply, a timeout on connect and on
 * every reply (RFC 5321 4.5.3.2: 10 minutes for the final dot). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "quarantine.h"

#define INDEX_NAME "index"
#define INDEX_HEADER "mailvet-quarantine-index 1\n"
#define LOCK_NAME ".lock"
#define TMP_PREFIX ".tmp-"
#define LEFTOVER_AGE 3600      /* seconds before purge removes a write's leftovers */
#define RECORD_MAX (64u << 20) /* a record larger than this is damaged */
#define SMTP_LINE_MAX 1000     /* RFC 5321 4.5.3.1.5, with room */
#define SMTP_REPLY_LINES 64
#define SMTP_TIMEOUT_MS 120000u
#define SMTP_DOT_TIMEOUT_MS 600000u /* RFC 5321 4.5.3.2.6 */

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* test seam: the Nth write of a store fails (0 = never) */
static unsigned fail_write_nth;

/* quarantine_test_fail_write - arm the seam */
void quarantine_test_fail_write(unsigned nth)
{
    fail_write_nth = nth;
}

/* ---- names and small helpers ---------------------------------------------------------- */

static const char *const state_names[] = {
    [QUARANTINE_HELD] = "held",
    [QUARANTINE_RELEASED] = "released",
    [QUARANTINE_DELETED] = "deleted",
};

/* quarantine_state_name - "held", "released", "deleted" */
const char *quarantine_state_name(enum quarantine_state s)
{
    return (unsigned)s < G_N_ELEMENTS(state_names) ? state_names[s] : "unknown";
}

/* quarantine_state_parse - name to state */
bool quarantine_state_parse(const char *name, enum quarantine_state *out)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(state_names); i++) {
        if (name != NULL && strcmp(name, state_names[i]) == 0) {
            *out = (enum quarantine_state)i;
            return true;
        }
    }
    return false;
}

/* quarantine_id_valid - 26 characters of upper-case Crockford base32, nothing else */
bool quarantine_id_valid(const char *id)
{
    if (id == NULL)
        return false;
    for (int i = 0; i < QUARANTINE_ID_LEN; i++)
        if (id[i] == '\0' || strchr(crockford, id[i]) == NULL)
            return false;
    return id[QUARANTINE_ID_LEN] == '\0';
}

/* id_time_ms - the milliseconds encoded in the first 10 characters of a valid id */
static gint64 id_time_ms(const char *id)
{
    gint64 t = 0;

    for (int i = 0; i < 10; i++)
        t = t * 32 + (gint64)(strchr(crockford, id[i]) - crockford);
    return t;
}

/* make_id - time in ms (10 characters) and 80 random bits (16) */
static bool make_id(char *out)
{
    unsigned char rnd[10];
    size_t got = 0;
    guint64 ms = (guint64)(g_get_real_time() / 1000);

    while (got < sizeof(rnd)) {
        ssize_t n = getrandom(rnd + got, sizeof(rnd) - got, 0);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        got += (size_t)n;
    }
    for (int i = 9; i >= 0; i--) {
        out[i] = crockford[ms & 31];
        ms >>= 5;
    }
    /* 80 bits: two 40-bit halves of 8 characters each */
    for (int h = 0; h < 2; h++) {
        guint64 v = 0;

        for (int j = 0; j < 5; j++)
            v = (v << 8) | rnd[h * 5 + j];
        for (int i = 7; i >= 0; i--) {
            out[10 + h * 8 + i] = crockford[v & 31];
            v >>= 5;
        }
    }
    out[QUARANTINE_ID_LEN] = '\0';
    return true;
}

/* write_all - N bytes or false with errno (EINTR and short writes retried) */
static bool write_all(int fd, const void *data, size_t n)
{
    const char *p = data;

    while (n > 0) {
        ssize_t w;

        if (fail_write_nth > 0 && --fail_write_nth == 0) {
            errno = ENOSPC;
            return false;
        }
        w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return false;
        if (w == 0) {
            errno = EIO;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* now_rfc3339 - the current time as "2024-05-01T10:00:00Z" (caller frees) */
static char *rfc3339_new(gint64 unix_seconds)
{
    GDateTime *dt = g_date_time_new_from_unix_utc(unix_seconds);
    char *s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");

    g_date_time_unref(dt);
    return s;
}

/* ---- the directory -------------------------------------------------------------------- */

struct qdir {
    int fd;
    const char *path;
    uid_t uid; /* owner: files root creates are given to it */
    gid_t gid;
};

/* qdir_open - open and check DIR; CREATE makes it (0700) when missing.  Returns false
 * with err; *missing tells a directory that does not exist (and was not created). */
static bool qdir_open(struct qdir *d, const char *dir, bool create, bool *missing,
                      struct mv_err *err)
{
    struct stat st;

    d->fd = -1;
    d->path = dir;
    if (missing != NULL)
        *missing = false;
    if (dir == NULL || *dir == '\0') {
        mv_err_set(err, MV_EIO, "quarantine_dir is empty");
        return false;
    }
    for (;;) {
        d->fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (d->fd >= 0)
            break;
        if (errno == ENOENT && create) {
            if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
                mv_err_set(err, MV_EIO, "%s: cannot create: %s", dir, g_strerror(errno));
                return false;
            }
            create = false;
            continue;
        }
        if (errno == ENOENT) {
            if (missing != NULL)
                *missing = true;
            mv_err_set(err, MV_EIO, "%s: %s", dir, g_strerror(errno));
            return false;
        }
        if ((errno == ELOOP || errno == ENOTDIR) && lstat(dir, &st) == 0 && S_ISLNK(st.st_mode)) {
            mv_err_set(err, MV_EIO,
                       "%s: is a symbolic link; mailvet refuses it (set quarantine_dir to the "
                       "directory itself)",
                       dir);
            return false;
        }
        mv_err_set(err, MV_EIO, "%s: %s", dir, g_strerror(errno));
        return false;
    }
    if (fstat(d->fd, &st) < 0) {
        mv_err_set(err, MV_EIO, "%s: %s", dir, g_strerror(errno));
        goto fail;
    }
    if ((st.st_mode & 077) != 0) {
        mv_err_set(err, MV_EIO,
                   "%s: mode %04o lets group or others in; mailvet refuses it and does not "
                   "change it (chmod 0700 %s)",
                   dir, (unsigned)(st.st_mode & 07777), dir);
        goto fail;
    }
    d->uid = st.st_uid;
    d->gid = st.st_gid;
    return true;
fail:
    close(d->fd);
    d->fd = -1;
    return false;
}

static void qdir_close(struct qdir *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
}

/* give_to_owner - a file root created goes to the directory's owner (the daemon) */
static void give_to_owner(const struct qdir *d, int fd)
{
    if (geteuid() == 0 && d->uid != 0 && fchown(fd, d->uid, d->gid) < 0) {
        /* best effort: the file stays root's, readable by the tool */
    }
}

/* qdir_sync - fsync the directory so that renames and unlinks are durable */
static enum mv_status qdir_sync(const struct qdir *d, struct mv_err *err)
{
    if (fsync(d->fd) < 0 && errno != EINVAL)
        return mv_err_set(err, MV_EIO, "%s: fsync: %s", d->path, g_strerror(errno));
    return MV_OK;
}

/* lock_take - flock(LOCK_EX) on DIR/.lock; the fd (>= 0) is the lock, close releases */
static int lock_take(const struct qdir *d, struct mv_err *err)
{
    int fd = openat(d->fd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

    if (fd < 0) {
        mv_err_set(err, MV_EIO, "%s/%s: %s", d->path, LOCK_NAME, g_strerror(errno));
        return -1;
    }
    give_to_owner(d, fd);
    while (flock(fd, LOCK_EX) < 0) {
        if (errno == EINTR)
            continue;
        mv_err_set(err, MV_EIO, "%s/%s: flock: %s", d->path, LOCK_NAME, g_strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* ---- atomic files --------------------------------------------------------------------- */

/* tmp_create - a fresh ".tmp-NAME-XXXXXXXX" in D (O_EXCL, O_NOFOLLOW, 0600); the name
 * goes to TMP (64 bytes) */
static int tmp_create(const struct qdir *d, const char *name, char *tmp, struct mv_err *err)
{
    for (int tries = 0; tries < 8; tries++) {
        int fd;

        snprintf(tmp, 64, TMP_PREFIX "%s-%08" G_GINT32_MODIFIER "x", name, (guint32)g_random_int());
        fd = openat(d->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0) {
            give_to_owner(d, fd);
            return fd;
        }
        if (errno != EEXIST)
            break;
    }
    mv_err_set(err, MV_EIO, "%s/%s: cannot create: %s", d->path, tmp, g_strerror(errno));
    return -1;
}

/* tmp_finish - fsync and close FD, rename TMP to NAME; on failure TMP is removed */
static enum mv_status tmp_finish(const struct qdir *d, int fd, const char *tmp, const char *name,
                                 struct mv_err *err)
{
    if (fsync(fd) < 0) {
        mv_err_set(err, MV_EIO, "%s/%s: fsync: %s", d->path, tmp, g_strerror(errno));
        close(fd);
        goto fail;
    }
    if (close(fd) < 0) {
        mv_err_set(err, MV_EIO, "%s/%s: close: %s", d->path, tmp, g_strerror(errno));
        goto fail;
    }
    if (renameat(d->fd, tmp, d->fd, name) < 0) {
        mv_err_set(err, MV_EIO, "%s/%s: rename: %s", d->path, name, g_strerror(errno));
        goto fail;
    }
    return MV_OK;
fail:
    unlinkat(d->fd, tmp, 0);
    return MV_EIO;
}

/* write_file - NAME in D holds exactly DATA, atomically (temporary, fsync, rename,
 * directory fsync) */
static enum mv_status write_file(const struct qdir *d, const char *name, const void *data,
                                 size_t size, struct mv_err *err)
{
    char tmp[64];
    int fd = tmp_create(d, name, tmp, err);

    if (fd < 0)
        return MV_EIO;
    if (!write_all(fd, data, size)) {
        mv_err_set(err, MV_EIO, "%s/%s: write: %s", d->path, tmp, g_strerror(errno));
        close(fd);
        unlinkat(d->fd, tmp, 0);
        return MV_EIO;
    }
    if (tmp_finish(d, fd, tmp, name, err) != MV_OK)
        return MV_EIO;
    return qdir_sync(d, err);
}

/* read_at - the whole of NAME in D (at most MAX bytes), NUL-terminated; NULL with err */
static char *read_at(const struct qdir *d, const char *name, size_t max, size_t *len,
                     struct mv_err *err)
{
    int fd = openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    GString *s;
    char buf[65536];

    if (fd < 0) {
        mv_err_set(err, MV_EIO, "%s/%s: %s", d->path, name, g_strerror(errno));
        return NULL;
    }
    s = g_string_new(NULL);
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            mv_err_set(err, MV_EIO, "%s/%s: read: %s", d->path, name, g_strerror(errno));
            goto fail;
        }
        if (n == 0)
            break;
        if (s->len + (size_t)n > max) {
            mv_err_set(err, MV_EIO, "%s/%s: larger than %zu bytes", d->path, name, max);
            goto fail;
        }
        g_string_append_len(s, buf, n);
    }
    close(fd);
    if (len != NULL)
        *len = s->len;
    return g_string_free(s, FALSE);
fail:
    close(fd);
    g_string_free(s, TRUE);
    return NULL;
}

/* ---- entries and the index ------------------------------------------------------------ */

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

static struct quarantine_entry *entry_new(void)
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

/* add_line - the index line of E (with '\n') */
static void add_line(GString *out, const struct quarantine_entry *e)
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

/* parse_index - the events of the index TEXT into ENTRIES (id -> entry); false when the
 * header is missing (a damaged index) */
static bool parse_index(char *text, size_t len, GHashTable *entries)
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
            struct quarantine_entry *e = entry_new();
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

/* name_id - the id of "ID.SUFFIX" into ID, or false */
static bool name_id(const char *name, const char *suffix, char *id)
{
    size_t n = strlen(name);

    if (n != QUARANTINE_ID_LEN + strlen(suffix) || strcmp(name + QUARANTINE_ID_LEN, suffix) != 0)
        return false;
    memcpy(id, name, QUARANTINE_ID_LEN);
    id[QUARANTINE_ID_LEN] = '\0';
    return quarantine_id_valid(id);
}

/* other_records - D holds a record other than ONLY_ID's (stops at the first) */
static bool other_records(const struct qdir *d, const char *only_id)
{
    int fd = dup(d->fd);
    DIR *dp = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;
    bool found = false;

    if (dp == NULL) {
        if (fd >= 0)
            close(fd);
        return true; /* unknown: leave the index to a rebuild */
    }
    rewinddir(dp);
    while (!found && (de = readdir(dp)) != NULL) {
        char id[QUARANTINE_ID_LEN + 1];

        found = name_id(de->d_name, ".json", id) && strcmp(id, only_id) != 0;
    }
    closedir(dp);
    return found;
}

/* index_append - one line to the index (caller holds the lock); a torn last line is
 * closed first.  An index that does not exist is created by the first store (FIRST_ID,
 * when its record is the only one), else left to the next rebuild. */
static enum mv_status index_append(const struct qdir *d, const char *line, const char *first_id,
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
            st = write_file(d, INDEX_NAME, buf->str, buf->len, err);
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
    if (!write_all(fd, buf->str, buf->len) || fdatasync(fd) < 0)
        st = mv_err_set(err, MV_EIO, "%s/%s: write: %s", d->path, INDEX_NAME, g_strerror(errno));
out:
    if (fd >= 0)
        close(fd);
    g_string_free(buf, TRUE);
    return st;
}

/* strings_member - the strings of array member KEY of O into LIST */
static void strings_member(JsonObject *o, const char *key, GPtrArray *list)
{
    JsonNode *n = json_object_get_member(o, key);
    JsonArray *a;

    if (n == NULL || !JSON_NODE_HOLDS_ARRAY(n))
        return;
    a = json_node_get_array(n);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonNode *v = json_array_get_element(a, i);

        if (JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_STRING)
            g_ptr_array_add(list, g_strdup(json_node_get_string(v)));
    }
}

/* string_member - member KEY of O if it is a string, else NULL */
static const char *string_member(JsonObject *o, const char *key)
{
    JsonNode *n = json_object_get_member(o, key);

    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(n);
}

/* number_member - member KEY of O as a double (0 when absent) */
static double number_member(JsonObject *o, const char *key)
{
    JsonNode *n = json_object_get_member(o, key);

    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n))
        return 0;
    return json_node_get_double(n);
}

/* campaigns_of - the distinct hits[].campaign of the record O */
static void campaigns_of(JsonObject *o, GPtrArray *list)
{
    JsonNode *n = json_object_get_member(o, "hits");
    JsonArray *a;

    if (n == NULL || !JSON_NODE_HOLDS_ARRAY(n))
        return;
    a = json_node_get_array(n);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonNode *h = json_array_get_element(a, i);
        const char *c;
        bool seen = false;

        if (!JSON_NODE_HOLDS_OBJECT(h))
            continue;
        c = string_member(json_node_get_object(h), "campaign");
        if (c == NULL || *c == '\0')
            continue;
        for (guint j = 0; j < list->len && !seen; j++)
            seen = strcmp(g_ptr_array_index(list, j), c) == 0;
        if (!seen)
            g_ptr_array_add(list, g_strdup(c));
    }
}

/* entry_from_record - what the index keeps of a record; NULL if it is not one */
static struct quarantine_entry *entry_from_record(JsonNode *root)
{
    struct quarantine_entry *e;
    JsonObject *o;
    const char *id, *t, *state;
    GDateTime *dt;
    enum quarantine_state st;

    if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
        return NULL;
    o = json_node_get_object(root);
    id = string_member(o, "id");
    if (!quarantine_id_valid(id))
        return NULL;
    e = entry_new();
    memcpy(e->id, id, sizeof(e->id));
    t = string_member(o, "time");
    dt = t != NULL ? g_date_time_new_from_iso8601(t, NULL) : NULL;
    e->time = dt != NULL ? g_date_time_to_unix(dt) : id_time_ms(id) / 1000;
    if (dt != NULL)
        g_date_time_unref(dt);
    e->size = (guint64)number_member(o, "size");
    state = string_member(o, "state");
    e->state = quarantine_state_parse(state, &st) ? st : QUARANTINE_HELD;
    e->verdict = g_strdup(string_member(o, "verdict"));
    e->score = number_member(o, "score");
    e->sender = g_strdup(string_member(o, "sender"));
    strings_member(o, "recipients", e->recipients);
    strings_member(o, "reasons", e->reasons);
    campaigns_of(o, e->campaigns);
    return e;
}

/* parse_record - TEXT as a JSON object node (caller unrefs); NULL with err */
static JsonNode *parse_record(const char *dir, const char *name, const char *text, size_t len,
                              struct mv_err *err)
{
    JsonParser *p = json_parser_new();
    GError *gerr = NULL;
    JsonNode *root = NULL;

    if (!json_parser_load_from_data(p, text, (gssize)len, &gerr)) {
        mv_err_set(err, MV_EIO, "%s/%s: not JSON: %s", dir, name, gerr->message);
        g_error_free(gerr);
    } else if (json_parser_get_root(p) == NULL ||
               !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
        mv_err_set(err, MV_EIO, "%s/%s: not a JSON object", dir, name);
    } else {
        root = json_node_copy(json_parser_get_root(p));
    }
    g_object_unref(p);
    return root;
}

/* load_record - ID.json of D parsed */
static JsonNode *load_record(const struct qdir *d, const char *id, struct mv_err *err)
{
    char name[QUARANTINE_ID_LEN + 8];
    size_t len;
    char *text;
    JsonNode *root;

    snprintf(name, sizeof(name), "%s.json", id);
    text = read_at(d, name, RECORD_MAX, &len, err);
    if (text == NULL)
        return NULL;
    root = parse_record(d->path, name, text, len, err);
    g_free(text);
    return root;
}

/* scan_records - every ID.json of D into ENTRIES (records that do not parse skipped) */
static enum mv_status scan_records(const struct qdir *d, GHashTable *entries, bool only_missing,
                                   struct mv_err *err)
{
    int fd = dup(d->fd);
    DIR *dp = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;

    if (dp == NULL) {
        if (fd >= 0)
            close(fd);
        return mv_err_set(err, MV_EIO, "%s: %s", d->path, g_strerror(errno));
    }
    rewinddir(dp);
    while ((de = readdir(dp)) != NULL) {
        char id[QUARANTINE_ID_LEN + 1];
        struct quarantine_entry *e;
        JsonNode *root;

        if (!name_id(de->d_name, ".json", id))
            continue;
        if (only_missing && g_hash_table_contains(entries, id))
            continue;
        root = load_record(d, id, NULL);
        e = entry_from_record(root);
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

static gint entry_newest_first(gconstpointer a, gconstpointer b)
{
    const struct quarantine_entry *x = *(struct quarantine_entry *const *)a;
    const struct quarantine_entry *y = *(struct quarantine_entry *const *)b;

    return -strcmp(x->id, y->id);
}

/* sorted_entries - ENTRIES' values, newest first (borrowed pointers) */
static GPtrArray *sorted_entries(GHashTable *entries)
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

/* index_write - a fresh index of ENTRIES, oldest first (caller holds the lock) */
static enum mv_status index_write(const struct qdir *d, GHashTable *entries, struct mv_err *err)
{
    GPtrArray *all = sorted_entries(entries);
    GString *s = g_string_new(INDEX_HEADER);
    enum mv_status st;

    for (guint i = all->len; i > 0; i--)
        add_line(s, g_ptr_array_index(all, i - 1));
    st = write_file(d, INDEX_NAME, s->str, s->len, err);
    g_string_free(s, TRUE);
    g_ptr_array_free(all, TRUE);
    return st;
}

static GHashTable *entries_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, NULL, quarantine_entry_free);
}

/* index_load - the entries of D from its index; when the index is missing or damaged,
 * from the records, and the index rebuilt (under the lock; a rebuild that cannot be
 * written still answers).  NULL with err only when D cannot be read. */
static GHashTable *index_load(const struct qdir *d, struct mv_err *err)
{
    GHashTable *entries = entries_new();
    size_t len;
    char *text = read_at(d, INDEX_NAME, G_MAXSIZE, &len, NULL);
    int lock;

    if (text != NULL && parse_index(text, len, entries)) {
        g_free(text);
        return entries;
    }
    g_free(text);
    g_hash_table_remove_all(entries);
    lock = lock_take(d, NULL);
    /* another process may have rebuilt it while we waited */
    text = read_at(d, INDEX_NAME, G_MAXSIZE, &len, NULL);
    if (text != NULL && parse_index(text, len, entries)) {
        g_free(text);
        if (lock >= 0)
            close(lock);
        return entries;
    }
    g_free(text);
    g_hash_table_remove_all(entries);
    if (scan_records(d, entries, false, err) != MV_OK) {
        if (lock >= 0)
            close(lock);
        g_hash_table_unref(entries);
        return NULL;
    }
    if (lock >= 0) {
        index_write(d, entries, NULL);
        close(lock);
    }
    return entries;
}

/* ---- store ---------------------------------------------------------------------------- */

/* build_record - the record JSON text of a new entry; NULL with err when RECORD_JSON is
 * not a JSON object */
static char *build_record(const char *id, gint64 now, size_t size,
                          const struct quarantine_meta *meta, struct quarantine_entry **entry,
                          struct mv_err *err)
{
    static const char *const ours[] = {"id",     "time",       "queue_id", "client_addr",
                                       "sender", "recipients", "size",     "generation",
                                       "state",  "history",    "file"};
    JsonBuilder *b = json_builder_new();
    JsonParser *p = NULL;
    JsonObject *scan = NULL;
    JsonGenerator *gen;
    JsonNode *root;
    char *when = rfc3339_new(now), *out = NULL;

    if (meta != NULL && meta->record_json != NULL) {
        GError *gerr = NULL;

        p = json_parser_new();
        if (!json_parser_load_from_data(p, meta->record_json, -1, &gerr)) {
            mv_err_set(err, MV_EPARSE, "quarantine record: scan result is not JSON: %s",
                       gerr->message);
            g_error_free(gerr);
            goto out;
        }
        if (json_parser_get_root(p) == NULL || !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
            mv_err_set(err, MV_EPARSE, "quarantine record: scan result is not a JSON object");
            goto out;
        }
        scan = json_node_get_object(json_parser_get_root(p));
    }
    json_builder_begin_object(b);
#define STR(k, v)                                                                                  \
    do {                                                                                           \
        json_builder_set_member_name(b, k);                                                        \
        if ((v) != NULL)                                                                           \
            json_builder_add_string_value(b, v);                                                   \
        else                                                                                       \
            json_builder_add_null_value(b);                                                        \
    } while (0)
    STR("id", id);
    STR("time", when);
    STR("queue_id", meta != NULL ? meta->queue_id : NULL);
    STR("client_addr", meta != NULL ? meta->client_addr : NULL);
    STR("sender", meta != NULL ? (meta->sender != NULL ? meta->sender : "") : NULL);
    json_builder_set_member_name(b, "recipients");
    json_builder_begin_array(b);
    for (guint i = 0; meta != NULL && meta->recipients != NULL && i < meta->recipients->len; i++)
        json_builder_add_string_value(b, g_ptr_array_index(meta->recipients, i));
    json_builder_end_array(b);
    json_builder_set_member_name(b, "size");
    json_builder_add_int_value(b, (gint64)size);
    if (scan != NULL) {
        GList *members = json_object_get_members(scan);

        for (GList *l = members; l != NULL; l = l->next) {
            bool skip = false;

            for (size_t i = 0; i < G_N_ELEMENTS(ours) && !skip; i++)
                skip = strcmp(l->data, ours[i]) == 0;
            if (skip)
                continue;
            json_builder_set_member_name(b, l->data);
            json_builder_add_value(b, json_node_copy(json_object_get_member(scan, l->data)));
        }
        g_list_free(members);
    }
    json_builder_set_member_name(b, "generation");
    json_builder_add_int_value(b, meta != NULL ? meta->generation : 0);
    STR("state", "held");
    json_builder_set_member_name(b, "history");
    json_builder_begin_array(b);
    json_builder_begin_object(b);
    STR("state", "held");
    STR("time", when);
    STR("by", "mailvetd");
    STR("detail", meta != NULL ? meta->queue_id : NULL);
    json_builder_end_object(b);
    json_builder_end_array(b);
#undef STR
    json_builder_end_object(b);

    root = json_builder_get_root(b);
    *entry = entry_from_record(root);
    gen = json_generator_new();
    json_generator_set_pretty(gen, TRUE);
    json_generator_set_root(gen, root);
    out = json_generator_to_data(gen, NULL);
    g_object_unref(gen);
    json_node_unref(root);
out:
    if (p != NULL)
        g_object_unref(p);
    g_object_unref(b);
    g_free(when);
    return out;
}

/* copy_message - SIZE bytes of DATA, or of FD from offset 0, into OUT */
static bool copy_message(int out, const void *data, int fd, size_t size, const char *tmp,
                         const struct qdir *d, struct mv_err *err)
{
    char buf[65536];
    off_t off = 0;

    if (data != NULL) {
        if (write_all(out, data, size))
            return true;
        mv_err_set(err, MV_EIO, "%s/%s: write: %s", d->path, tmp, g_strerror(errno));
        return false;
    }
    while ((size_t)off < size) {
        size_t want = MIN(sizeof(buf), size - (size_t)off);
        ssize_t n = pread(fd, buf, want, off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            mv_err_set(err, MV_EIO, "%s/%s: reading the message at %jd of %zu bytes: %s", d->path,
                       tmp, (intmax_t)off, size,
                       n < 0 ? g_strerror(errno) : "unexpected end of file");
            return false;
        }
        if (!write_all(out, buf, (size_t)n)) {
            mv_err_set(err, MV_EIO, "%s/%s: write: %s", d->path, tmp, g_strerror(errno));
            return false;
        }
        off += n;
    }
    return true;
}

/* quarantine_check - DIR made or opened and checked as for a store, then writable */
enum mv_status quarantine_check(const char *dir, struct mv_err *err)
{
    struct qdir d;
    enum mv_status st = MV_OK;

    if (!qdir_open(&d, dir, true, NULL, err))
        return MV_EIO;
    if (faccessat(d.fd, ".", W_OK | X_OK, AT_EACCESS) != 0)
        st = mv_err_set(err, MV_EIO, "%s: not writable by uid %ld: %s (chown it to that user)",
                        dir, (long)geteuid(), g_strerror(errno));
    qdir_close(&d);
    return st;
}

/* quarantine_store - one entry, wholly or not at all */
enum mv_status quarantine_store(const char *dir, const void *data, int fd, size_t size,
                                const struct quarantine_meta *meta, char *id_out,
                                struct mv_err *err)
{
    struct qdir d = {.fd = -1};
    struct quarantine_entry *entry = NULL;
    char id[QUARANTINE_ID_LEN + 1], eml[40], json[40], tmp_eml[64], tmp_json[64];
    char *record = NULL;
    int efd = -1, jfd = -1, lock = -1;
    bool eml_done = false, json_done = false;
    enum mv_status st = MV_EIO;
    GString *line = NULL;

    tmp_eml[0] = tmp_json[0] = '\0';
    if (data == NULL && fd < 0)
        return mv_err_set(err, MV_EBUG, "quarantine_store: no message");
    if (!qdir_open(&d, dir, true, NULL, err))
        return MV_EIO;
    if (!make_id(id)) {
        mv_err_set(err, MV_EIO, "getrandom: %s", g_strerror(errno));
        goto out;
    }
    snprintf(eml, sizeof(eml), "%s.eml", id);
    snprintf(json, sizeof(json), "%s.json", id);
    record = build_record(id, g_get_real_time() / G_USEC_PER_SEC, size, meta, &entry, err);
    if (record == NULL) {
        st = err != NULL ? err->status : MV_EPARSE;
        goto out;
    }
    /* both temporaries written and fsynced before either name appears */
    if ((efd = tmp_create(&d, eml, tmp_eml, err)) < 0)
        goto out;
    if (!copy_message(efd, data, fd, size, tmp_eml, &d, err))
        goto out;
    if ((jfd = tmp_create(&d, json, tmp_json, err)) < 0)
        goto out;
    if (!write_all(jfd, record, strlen(record))) {
        mv_err_set(err, MV_EIO, "%s/%s: write: %s", d.path, tmp_json, g_strerror(errno));
        goto out;
    }
    /* the .eml first, durable, then the .json that makes it an entry */
    st = tmp_finish(&d, efd, tmp_eml, eml, err);
    efd = -1;
    tmp_eml[0] = '\0';
    if (st != MV_OK)
        goto out;
    eml_done = true;
    if ((st = qdir_sync(&d, err)) != MV_OK)
        goto out;
    st = tmp_finish(&d, jfd, tmp_json, json, err);
    jfd = -1;
    tmp_json[0] = '\0';
    if (st != MV_OK)
        goto out;
    json_done = true;
    if ((st = qdir_sync(&d, err)) != MV_OK)
        goto out;
    /* the index line, so that list sees it without a rebuild */
    if ((lock = lock_take(&d, err)) < 0) {
        st = MV_EIO;
        goto out;
    }
    line = g_string_new(NULL);
    add_line(line, entry);
    st = index_append(&d, line->str, id, err);
out:
    if (efd >= 0)
        close(efd);
    if (jfd >= 0)
        close(jfd);
    if (tmp_eml[0] != '\0')
        unlinkat(d.fd, tmp_eml, 0);
    if (tmp_json[0] != '\0')
        unlinkat(d.fd, tmp_json, 0);
    if (st != MV_OK && d.fd >= 0) {
        /* nothing may stay listed: the .json goes first */
        if (json_done)
            unlinkat(d.fd, json, 0);
        if (eml_done)
            unlinkat(d.fd, eml, 0);
        if (json_done || eml_done)
            fsync(d.fd);
    }
    if (lock >= 0)
        close(lock);
    if (st == MV_OK && id_out != NULL)
        memcpy(id_out, id, sizeof(id));
    if (line != NULL)
        g_string_free(line, TRUE);
    quarantine_entry_free(entry);
    g_free(record);
    qdir_close(&d);
    return st;
}

/* ---- list, show ----------------------------------------------------------------------- */

/* glob_match - case-insensitive glob of PAT against S */
static bool glob_match(const char *pat, const char *s)
{
    char *lp = g_utf8_strdown(pat, -1), *ls = g_utf8_strdown(s != NULL ? s : "", -1);
    bool m = g_pattern_match_simple(lp, ls);

    g_free(lp);
    g_free(ls);
    return m;
}

static bool any_match(const char *pat, const GPtrArray *list)
{
    for (guint i = 0; i < list->len; i++)
        if (glob_match(pat, g_ptr_array_index(list, i)))
            return true;
    return false;
}

static bool filter_pass(const struct quarantine_filter *f, const struct quarantine_entry *e)
{
    if (f == NULL)
        return true;
    if (f->since != 0 && e->time < f->since)
        return false;
    if (f->until != 0 && e->time > f->until)
        return false;
    if (f->state >= 0 && (int)e->state != f->state)
        return false;
    if (f->sender != NULL && !glob_match(f->sender, e->sender))
        return false;
    if (f->recipient != NULL && !any_match(f->recipient, e->recipients))
        return false;
    if (f->reason != NULL && !any_match(f->reason, e->reasons))
        return false;
    if (f->campaign != NULL && !any_match(f->campaign, e->campaigns))
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
    all = sorted_entries(entries);
    for (guint i = 0; i < all->len; i++) {
        struct quarantine_entry *e = g_ptr_array_index(all, i);

        if (filter_pass(filter, e)) {
            g_hash_table_steal(entries, e->id);
            g_ptr_array_add(out, e);
        }
    }
    g_ptr_array_free(all, TRUE);
    g_hash_table_unref(entries);
    return out;
}

/* quarantine_record_new - ID's record */
JsonNode *quarantine_record_new(const char *dir, const char *id, struct mv_err *err)
{
    struct qdir d;
    JsonNode *root;

    if (!quarantine_id_valid(id)) {
        mv_err_set(err, MV_EPARSE, "not a quarantine id");
        return NULL;
    }
    if (!qdir_open(&d, dir, false, NULL, err))
        return NULL;
    root = load_record(&d, id, err);
    qdir_close(&d);
    return root;
}

/* quarantine_exists - a record named ID.json is in DIR */
bool quarantine_exists(const char *dir, const char *id)
{
    struct qdir d;
    struct stat st;
    char name[QUARANTINE_ID_LEN + 8];
    bool found;

    if (!quarantine_id_valid(id) || !qdir_open(&d, dir, false, NULL, NULL))
        return false;
    snprintf(name, sizeof(name), "%s.json", id);
    found = fstatat(d.fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
    qdir_close(&d);
    return found;
}

/* quarantine_eml_open - ID.eml for reading */
int quarantine_eml_open(const char *dir, const char *id, struct mv_err *err)
{
    struct qdir d;
    char name[QUARANTINE_ID_LEN + 8];
    int fd;

    if (!quarantine_id_valid(id)) {
        mv_err_set(err, MV_EPARSE, "not a quarantine id");
        return -1;
    }
    if (!qdir_open(&d, dir, false, NULL, err))
        return -1;
    snprintf(name, sizeof(name), "%s.eml", id);
    fd = openat(d.fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        mv_err_set(err, MV_EIO, "%s/%s: %s", dir, name, g_strerror(errno));
    qdir_close(&d);
    return fd;
}

/* ---- state changes -------------------------------------------------------------------- */

/* update_state - under the lock: ID's record gets STATE and a history entry, rewritten
 * atomically, and the index a state line */
static enum mv_status update_state(const struct qdir *d, const char *id,
                                   enum quarantine_state state, const char *by, const char *detail,
                                   struct mv_err *err)
{
    char name[QUARANTINE_ID_LEN + 8];
    JsonNode *root = NULL, *h;
    JsonObject *o, *ho;
    JsonArray *hist;
    JsonGenerator *gen = NULL;
    enum mv_status st = MV_EIO;
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    char *when = rfc3339_new(now), *text = NULL, *line = NULL;
    int lock = lock_take(d, err);

    if (lock < 0)
        goto out;
    root = load_record(d, id, err);
    if (root == NULL)
        goto out;
    o = json_node_get_object(root);
    json_object_set_string_member(o, "state", quarantine_state_name(state));
    if (!json_object_has_member(o, "history") ||
        !JSON_NODE_HOLDS_ARRAY(json_object_get_member(o, "history")))
        json_object_set_array_member(o, "history", json_array_new());
    hist = json_object_get_array_member(o, "history");
    ho = json_object_new();
    json_object_set_string_member(ho, "state", quarantine_state_name(state));
    json_object_set_string_member(ho, "time", when);
    json_object_set_string_member(ho, "by", by != NULL ? by : "?");
    if (detail != NULL)
        json_object_set_string_member(ho, "detail", detail);
    else
        json_object_set_null_member(ho, "detail");
    h = json_node_init_object(json_node_alloc(), ho);
    json_object_unref(ho);
    json_array_add_element(hist, h);
    gen = json_generator_new();
    json_generator_set_pretty(gen, TRUE);
    json_generator_set_root(gen, root);
    text = json_generator_to_data(gen, NULL);
    snprintf(name, sizeof(name), "%s.json", id);
    if ((st = write_file(d, name, text, strlen(text), err)) != MV_OK)
        goto out;
    line = g_strdup_printf("state\t%s\t%" G_GINT64_FORMAT "\t%s\n", id, now,
                           quarantine_state_name(state));
    /* the record is the truth; an index line that cannot be written is repaired by
     * the next rebuild, so it does not undo the change */
    index_append(d, line, NULL, NULL);
    st = MV_OK;
out:
    if (lock >= 0)
        close(lock);
    if (gen != NULL)
        g_object_unref(gen);
    if (root != NULL)
        json_node_unref(root);
    g_free(text);
    g_free(line);
    g_free(when);
    return st;
}

/* quarantine_delete - the .eml goes, the record stays as deleted */
enum mv_status quarantine_delete(const char *dir, const char *id, const char *by,
                                 struct mv_err *err)
{
    struct qdir d;
    char name[QUARANTINE_ID_LEN + 8];
    enum mv_status st;

    if (!quarantine_id_valid(id))
        return mv_err_set(err, MV_EPARSE, "not a quarantine id");
    if (!qdir_open(&d, dir, false, NULL, err))
        return MV_EIO;
    st = update_state(&d, id, QUARANTINE_DELETED, by, NULL, err);
    if (st == MV_OK) {
        snprintf(name, sizeof(name), "%s.eml", id);
        if (unlinkat(d.fd, name, 0) < 0 && errno != ENOENT)
            st = mv_err_set(err, MV_EIO, "%s/%s: %s", dir, name, g_strerror(errno));
        else
            st = qdir_sync(&d, err);
    }
    qdir_close(&d);
    return st;
}

/* ---- purge ---------------------------------------------------------------------------- */

struct files {
    guint64 eml, json; /* sizes */
    bool has_eml, has_json;
};

/* quarantine_purge - age, then size, then leftovers; the index rewritten */
enum mv_status quarantine_purge(const char *dir, guint64 max_age, guint64 max_size, gint64 now,
                                struct quarantine_purge_stats *stats, struct mv_err *err)
{
    struct quarantine_purge_stats s = {0};
    struct qdir d;
    bool missing;
    GHashTable *files = NULL, *entries = NULL;
    GPtrArray *all = NULL;
    enum mv_status st = MV_EIO;
    DIR *dp = NULL;
    struct dirent *de;
    guint64 total = 0;
    size_t len;
    char *text;
    int lock = -1, fd;

    if (!qdir_open(&d, dir, false, &missing, err)) {
        if (stats != NULL)
            *stats = s;
        return missing ? MV_OK : MV_EIO;
    }
    if ((lock = lock_take(&d, err)) < 0)
        goto out;
    /* what is on disk */
    files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    fd = dup(d.fd);
    dp = fd >= 0 ? fdopendir(fd) : NULL;
    if (dp == NULL) {
        if (fd >= 0)
            close(fd);
        mv_err_set(err, MV_EIO, "%s: %s", dir, g_strerror(errno));
        goto out;
    }
    while ((de = readdir(dp)) != NULL) {
        char id[QUARANTINE_ID_LEN + 1];
        struct stat sb;
        bool is_eml = name_id(de->d_name, ".eml", id);
        bool is_json = !is_eml && name_id(de->d_name, ".json", id);
        struct files *f;

        if (fstatat(d.fd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (g_str_has_prefix(de->d_name, TMP_PREFIX)) {
            if (sb.st_mtime < now - LEFTOVER_AGE && unlinkat(d.fd, de->d_name, 0) == 0)
                s.leftovers++;
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
    /* the index, completed from records it misses (a write killed before its line) */
    entries = entries_new();
    text = read_at(&d, INDEX_NAME, G_MAXSIZE, &len, NULL);
    if (text == NULL || !parse_index(text, len, entries)) {
        g_hash_table_remove_all(entries);
        if (scan_records(&d, entries, false, err) != MV_OK) {
            g_free(text);
            goto out;
        }
    }
    g_free(text);
    {
        GHashTableIter it;
        gpointer k, v;

        g_hash_table_iter_init(&it, files);
        while (g_hash_table_iter_next(&it, &k, &v)) {
            struct files *f = v;
            char name[QUARANTINE_ID_LEN + 8];

            if (f->has_json && !g_hash_table_contains(entries, k)) {
                JsonNode *root = load_record(&d, k, NULL);
                struct quarantine_entry *e = entry_from_record(root);

                if (root != NULL)
                    json_node_unref(root);
                if (e != NULL && strcmp(e->id, k) == 0)
                    g_hash_table_replace(entries, e->id, e);
                else
                    quarantine_entry_free(e);
            }
            if (f->has_eml && !f->has_json && id_time_ms(k) / 1000 < now - LEFTOVER_AGE) {
                snprintf(name, sizeof(name), "%s.eml", (char *)k);
                if (unlinkat(d.fd, name, 0) == 0)
                    s.leftovers++;
                f->has_eml = false;
            }
        }
        /* index entries whose record is gone; a delete that stopped before the .eml */
        g_hash_table_iter_init(&it, entries);
        while (g_hash_table_iter_next(&it, &k, &v)) {
            struct quarantine_entry *e = v;
            struct files *f = g_hash_table_lookup(files, k);

            if (f == NULL || !f->has_json) {
                g_hash_table_iter_remove(&it);
                continue;
            }
            if (e->state == QUARANTINE_DELETED && f->has_eml) {
                char name[QUARANTINE_ID_LEN + 8];

                snprintf(name, sizeof(name), "%s.eml", e->id);
                if (unlinkat(d.fd, name, 0) == 0)
                    f->has_eml = false;
            }
            total += f->json + (f->has_eml ? f->eml : 0);
        }
    }
    /* oldest first: by age, then by size */
    all = sorted_entries(entries);
    for (guint i = all->len; i > 0; i--) {
        struct quarantine_entry *e = g_ptr_array_index(all, i - 1);
        struct files *f = g_hash_table_lookup(files, e->id);
        guint64 bytes = f->json + (f->has_eml ? f->eml : 0);
        gint64 t = id_time_ms(e->id) / 1000;
        char name[QUARANTINE_ID_LEN + 8];

        bool too_old = (gint64)max_age < now && t < now - (gint64)max_age;

        if (!too_old && total <= max_size)
            continue;
        /* the record first: once it is gone the entry is gone */
        snprintf(name, sizeof(name), "%s.json", e->id);
        if (unlinkat(d.fd, name, 0) < 0 && errno != ENOENT) {
            mv_err_set(err, MV_EIO, "%s/%s: %s", dir, name, g_strerror(errno));
            goto out;
        }
        snprintf(name, sizeof(name), "%s.eml", e->id);
        unlinkat(d.fd, name, 0);
        total -= bytes;
        s.removed++;
        s.removed_bytes += bytes;
        g_hash_table_remove(entries, e->id); /* frees e */
        g_ptr_array_index(all, i - 1) = NULL;
    }
    if ((st = qdir_sync(&d, err)) != MV_OK)
        goto out;
    st = index_write(&d, entries, err);
    s.kept = g_hash_table_size(entries);
    s.kept_bytes = total;
out:
    if (dp != NULL)
        closedir(dp);
    if (all != NULL)
        g_ptr_array_free(all, TRUE);
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

/* ---- release: a small SMTP client ----------------------------------------------------- */

struct smtp {
    int fd;
    unsigned timeout_ms;
    char in[4096];
    size_t in_len, in_off;
    char out[65536];
    size_t out_len;
    char reply[SMTP_LINE_MAX + 1]; /* the last reply's first line, for messages */
};

/* smtp_wait - poll FD for EVENTS within the timeout; false with errno */
static bool smtp_wait(int fd, short events, unsigned timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = events};
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    for (;;) {
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        int r;

        if (left < 0)
            left = 0;
        r = poll(&p, 1, (int)left);
        if (r > 0)
            return true;
        if (r == 0) {
            errno = ETIMEDOUT;
            return false;
        }
        if (errno != EINTR)
            return false;
    }
}

/* smtp_flush - send the output buffer */
static bool smtp_flush(struct smtp *s, struct mv_err *err)
{
    size_t off = 0;

    while (off < s->out_len) {
        ssize_t n;

        if (!smtp_wait(s->fd, POLLOUT, s->timeout_ms))
            goto fail;
        n = send(s->fd, s->out + off, s->out_len - off, MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            goto fail;
        off += (size_t)n;
    }
    s->out_len = 0;
    return true;
fail:
    mv_err_set(err, MV_EIO, "smtp: send: %s", g_strerror(errno));
    return false;
}

static bool smtp_put(struct smtp *s, const char *data, size_t n, struct mv_err *err)
{
    while (n > 0) {
        size_t room = sizeof(s->out) - s->out_len, k = MIN(room, n);

        memcpy(s->out + s->out_len, data, k);
        s->out_len += k;
        data += k;
        n -= k;
        if (s->out_len == sizeof(s->out) && !smtp_flush(s, err))
            return false;
    }
    return true;
}

/* smtp_getc - one byte of the reply stream; -1 with err */
static int smtp_getc(struct smtp *s, unsigned timeout_ms, struct mv_err *err)
{
    while (s->in_off == s->in_len) {
        ssize_t n;

        if (!smtp_wait(s->fd, POLLIN, timeout_ms)) {
            mv_err_set(err, MV_EIO, "smtp: waiting for a reply: %s", g_strerror(errno));
            return -1;
        }
        n = recv(s->fd, s->in, sizeof(s->in), 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0) {
            mv_err_set(err, MV_EIO, "smtp: %s",
                       n == 0 ? "connection closed by the server" : g_strerror(errno));
            return -1;
        }
        s->in_len = (size_t)n;
        s->in_off = 0;
    }
    return (unsigned char)s->in[s->in_off++];
}

/* smtp_reply - read one (multi-line) reply; its code, or -1 with err.  The first
 * line's text, made printable, stays in s->reply. */
static int smtp_reply(struct smtp *s, unsigned timeout_ms, struct mv_err *err)
{
    char line[SMTP_LINE_MAX + 1];
    int code = -1;

    for (int lines = 0; lines < SMTP_REPLY_LINES; lines++) {
        size_t n = 0;
        int c, this_code;

        while ((c = smtp_getc(s, timeout_ms, err)) != '\n') {
            if (c < 0)
                return -1;
            if (n >= SMTP_LINE_MAX) {
                mv_err_set(err, MV_EIO, "smtp: reply line longer than %d bytes", SMTP_LINE_MAX);
                return -1;
            }
            line[n++] = (char)c;
        }
        if (n > 0 && line[n - 1] == '\r')
            n--;
        line[n] = '\0';
        if (n < 3 || !g_ascii_isdigit(line[0]) || !g_ascii_isdigit(line[1]) ||
            !g_ascii_isdigit(line[2]) || (n > 3 && line[3] != ' ' && line[3] != '-')) {
            mv_err_set(err, MV_EIO, "smtp: malformed reply: %.100s", line);
            return -1;
        }
        this_code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        if (lines == 0) {
            code = this_code;
            for (size_t i = 0; i <= n; i++)
                s->reply[i] = line[i] == '\0' || g_ascii_isprint(line[i]) ? line[i] : '?';
        } else if (this_code != code) {
            mv_err_set(err, MV_EIO, "smtp: reply lines disagree: %d then %d", code, this_code);
            return -1;
        }
        if (n == 3 || line[3] == ' ')
            return code;
    }
    mv_err_set(err, MV_EIO, "smtp: reply of more than %d lines", SMTP_REPLY_LINES);
    return -1;
}

/* smtp_command - send LINE (CRLF added), read the reply; its code or -1 */
static int smtp_command(struct smtp *s, const char *line, struct mv_err *err)
{
    if (!smtp_put(s, line, strlen(line), err) || !smtp_put(s, "\r\n", 2, err) ||
        !smtp_flush(s, err))
        return -1;
    return smtp_reply(s, s->timeout_ms, err);
}

/* smtp_connect - a connected non-blocking socket to HOST:PORT, -1 with err */
static int smtp_connect(const char *host, unsigned port, unsigned timeout_ms, struct mv_err *err)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char service[16];
    int rc, fd = -1, saved = 0;

    snprintf(service, sizeof(service), "%u", port);
    rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) {
        mv_err_set(err, MV_EIO, "%s:%u: %s", host, port, gai_strerror(rc));
        return -1;
    }
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        socklen_t sl = sizeof(saved);

        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        if (errno == EINPROGRESS && smtp_wait(fd, POLLOUT, timeout_ms) &&
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &saved, &sl) == 0 && saved == 0)
            break;
        if (saved == 0)
            saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        mv_err_set(err, MV_EIO, "%s:%u: connect: %s", host, port, g_strerror(saved));
    return fd;
}

/* helo_name - our address as an RFC 5321 address literal */
static void helo_name(int fd, char *out, size_t size)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char addr[INET6_ADDRSTRLEN];

    snprintf(out, size, "[127.0.0.1]");
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
        return;
    if (ss.ss_family == AF_INET &&
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr, sizeof(addr)) != NULL)
        snprintf(out, size, "[%s]", addr);
    else if (ss.ss_family == AF_INET6 &&
             inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, addr, sizeof(addr)))
        snprintf(out, size, "[IPv6:%s]", addr);
}

/* address_ok - an envelope address we can put between <> on one command line */
static bool address_ok(const char *a)
{
    if (strlen(a) > 256)
        return false;
    for (const char *p = a; *p; p++)
        if (*p == '\r' || *p == '\n' || *p == '<' || *p == '>' || (unsigned char)*p < ' ')
            return false;
    return true;
}

/* smtp_data - the message from FD, CRLF line ends, dot-stuffed (RFC 5321 4.5.2), and
 * the closing dot */
static bool smtp_data(struct smtp *s, int fd, struct mv_err *err)
{
    char buf[65536];
    bool bol = true, cr = false;

    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            mv_err_set(err, MV_EIO, "reading the message: %s", g_strerror(errno));
            return false;
        }
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++) {
            char c = buf[i];

            if (bol && c == '.' && !smtp_put(s, ".", 1, err))
                return false;
            if (c == '\n' && !cr && !smtp_put(s, "\r", 1, err))
                return false;
            if (!smtp_put(s, &c, 1, err))
                return false;
            bol = c == '\n';
            cr = c == '\r';
        }
    }
    if (!bol && !smtp_put(s, cr ? "\n" : "\r\n", cr ? 1 : 2, err))
        return false;
    return smtp_put(s, ".\r\n", 3, err) && smtp_flush(s, err);
}

/* smtp_send - the whole transaction; MV_OK after 250 to the dot, the reply in DONE */
static enum mv_status smtp_send(const struct quarantine_release_opts *opts, const char *sender,
                                const GPtrArray *rcpts, int mfd, char *done, size_t done_size,
                                struct mv_err *err)
{
    struct smtp *s = g_new0(struct smtp, 1);
    enum mv_status st = MV_EIO;
    char helo[INET6_ADDRSTRLEN + 16];
    char *cmd = NULL;
    int code;

    s->timeout_ms = opts->timeout_ms != 0 ? opts->timeout_ms : SMTP_TIMEOUT_MS;
    s->fd = smtp_connect(opts->host, opts->port, s->timeout_ms, err);
    if (s->fd < 0)
        goto out;
#define EXPECT(c, ok, what)                                                                        \
    do {                                                                                           \
        if ((c) < 0)                                                                               \
            goto quit;                                                                             \
        if (!(ok)) {                                                                               \
            mv_err_set(err, MV_EIO, "%s:%u: %s: %s", opts->host, opts->port, what, s->reply);      \
            goto quit;                                                                             \
        }                                                                                          \
    } while (0)
    code = smtp_reply(s, s->timeout_ms, err);
    EXPECT(code, code == 220, "greeting");
    helo_name(s->fd, helo, sizeof(helo));
    cmd = g_strdup_printf("EHLO %s", helo);
    code = smtp_command(s, cmd, err);
    g_free(cmd);
    if (code >= 500 && code < 600) {
        cmd = g_strdup_printf("HELO %s", helo);
        code = smtp_command(s, cmd, err);
        g_free(cmd);
    }
    cmd = NULL;
    EXPECT(code, code == 250, "EHLO");
    cmd = g_strdup_printf("MAIL FROM:<%s>", sender);
    code = smtp_command(s, cmd, err);
    EXPECT(code, code == 250, cmd);
    for (guint i = 0; i < rcpts->len; i++) {
        g_free(cmd);
        cmd = g_strdup_printf("RCPT TO:<%s>", (const char *)g_ptr_array_index(rcpts, i));
        code = smtp_command(s, cmd, err);
        EXPECT(code, code == 250 || code == 251, cmd);
    }
    code = smtp_command(s, "DATA", err);
    EXPECT(code, code == 354, "DATA");
    if (!smtp_data(s, mfd, err))
        goto out;
    code = smtp_reply(s, MAX(s->timeout_ms, SMTP_DOT_TIMEOUT_MS), err);
    EXPECT(code, code == 250, "end of data");
    g_strlcpy(done, s->reply, done_size);
    st = MV_OK;
quit:
    /* a polite end; its reply does not change the outcome */
    if (smtp_put(s, "QUIT\r\n", 6, NULL) && smtp_flush(s, NULL))
        smtp_reply(s, MIN(s->timeout_ms, 10000u), NULL);
#undef EXPECT
out:
    if (s->fd >= 0)
        close(s->fd);
    g_free(cmd);
    g_free(s);
    return st;
}

/* quarantine_release - re-inject ID, then mark it released */
enum mv_status quarantine_release(const char *dir, const char *id,
                                  const struct quarantine_release_opts *opts, struct mv_err *err)
{
    struct qdir d;
    JsonNode *root = NULL;
    JsonObject *o;
    GPtrArray *rcpts = g_ptr_array_new_with_free_func(g_free);
    const char *sender, *state;
    char name[QUARANTINE_ID_LEN + 8], done[SMTP_LINE_MAX + 1];
    char *detail = NULL;
    enum mv_status st = MV_EIO;
    int mfd = -1;

    if (!quarantine_id_valid(id)) {
        g_ptr_array_unref(rcpts);
        return mv_err_set(err, MV_EPARSE, "not a quarantine id");
    }
    if (!qdir_open(&d, dir, false, NULL, err)) {
        g_ptr_array_unref(rcpts);
        return MV_EIO;
    }
    root = load_record(&d, id, err);
    if (root == NULL)
        goto out;
    o = json_node_get_object(root);
    state = string_member(o, "state");
    if (state != NULL && strcmp(state, "deleted") == 0) {
        mv_err_set(err, MV_EIO, "%s: deleted, nothing to release", id);
        goto out;
    }
    sender = string_member(o, "sender");
    if (sender == NULL)
        sender = "";
    if (opts->to != NULL && opts->to->len > 0) {
        for (guint i = 0; i < opts->to->len; i++)
            g_ptr_array_add(rcpts, g_strdup(g_ptr_array_index(opts->to, i)));
    } else {
        strings_member(o, "recipients", rcpts);
    }
    if (rcpts->len == 0) {
        mv_err_set(err, MV_EIO, "%s: no recipients (give --to)", id);
        goto out;
    }
    if (!address_ok(sender)) {
        mv_err_set(err, MV_EIO, "%s: the sender cannot be sent in MAIL FROM", id);
        goto out;
    }
    for (guint i = 0; i < rcpts->len; i++) {
        if (!address_ok(g_ptr_array_index(rcpts, i)) || *(char *)g_ptr_array_index(rcpts, i) == 0) {
            mv_err_set(err, MV_EIO, "%s: recipient %u cannot be sent in RCPT TO", id, i + 1);
            goto out;
        }
    }
    snprintf(name, sizeof(name), "%s.eml", id);
    mfd = openat(d.fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (mfd < 0) {
        mv_err_set(err, MV_EIO, "%s/%s: %s", dir, name, g_strerror(errno));
        goto out;
    }
    st = smtp_send(opts, sender, rcpts, mfd, done, sizeof(done), err);
    if (st != MV_OK)
        goto out;
    {
        GString *g = g_string_new(NULL);

        g_string_append_printf(g, "to %s:%u for ", opts->host, opts->port);
        for (guint i = 0; i < rcpts->len; i++)
            g_string_append_printf(g, "%s<%s>", i ? "," : "", (char *)g_ptr_array_index(rcpts, i));
        g_string_append_printf(g, ": %s", done);
        detail = g_string_free(g, FALSE);
    }
    st = update_state(&d, id, QUARANTINE_RELEASED, opts->by, detail, err);
    if (st != MV_OK) {
        char why[sizeof(err->msg)];

        g_strlcpy(why, err != NULL ? err->msg : "", sizeof(why));
        mv_err_set(err, MV_EIO, "%s: delivered (%s) but the record could not be updated: %s", id,
                   done, why);
    }
out:
    if (mfd >= 0)
        close(mfd);
    if (root != NULL)
        json_node_unref(root);
    g_ptr_array_unref(rcpts);
    g_free(detail);
    qdir_close(&d);
    return st;
}
