/* quarantine.c - the directory store of quarantine.h: ids, the directory and its
 * checks, atomic files (temporary name, fsync, rename, directory fsync), storing an
 * entry (.eml before .json, then its index line), reading an entry back.  The other parts
 * of the module, sharing quarantine_internal.h: quarantine_change.c (release and delete, each
 * under its entry's lock), quarantine_index.c (the index file), quarantine_list.c (list),
 * quarantine_record.c (the record's schema), quarantine_purge.c (retention).  A leaf
 * module: it never logs; every failure fills the caller's struct mv_err with
 * the path and g_strerror().  Thread-safe for stores (the daemon's threads each write their own
 * files; the index line is appended under flock(.lock)). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "quarantine.h"
#include "quarantine_internal.h"

#define LOCK_NAME ".lock"
#define ENTRY_LOCK_NAME ".lock-entries" /* one byte per entry: qdir_entry_lock */

#define RECORD_MAX (64u << 20) /* a record larger than this is damaged */

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
    [QUARANTINE_DAMAGED] = "damaged",
};

/* quarantine_state_name - "held", "released", "deleted", "damaged" */
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

/* quarantine_id_ms - the milliseconds encoded in the first 10 characters of a valid id */
gint64 quarantine_id_ms(const char *id)
{
    gint64 t = 0;

    for (int i = 0; i < 10; i++)
        t = t * 32 + (gint64)(strchr(crockford, id[i]) - crockford);
    return t;
}

/* quarantine_id_make - time in ms (10 characters) and 80 random bits (16) */
bool quarantine_id_make(char *out)
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

/* quarantine_write_all - N bytes or false with errno (EINTR and short writes retried) */
bool quarantine_write_all(int fd, const void *data, size_t n)
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

/* ---- the directory -------------------------------------------------------------------- */

/* qdir_open - open and check DIR; CREATE makes it (0700) when missing.  Returns false
 * with err; *missing tells a directory that does not exist (and was not created). */
bool qdir_open(struct qdir *d, const char *dir, bool create, bool *missing, struct mv_err *err)
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
        if (errno == ENOTDIR)
            mv_err_set(err, MV_EIO,
                       "%s: not a directory; move what is there away (mailvetd then makes the "
                       "directory), or set quarantine_dir to a directory",
                       dir);
        else if (errno == EACCES)
            mv_err_set(err, MV_EIO,
                       "%s: %s (uid %ld); the store belongs to the user mailvetd runs as, mode "
                       "0700, with every directory above it searchable by that user: run as "
                       "that user or as root",
                       dir, g_strerror(errno), (long)geteuid());
        else
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

/* qdir_close - the directory's fd closed */
void qdir_close(struct qdir *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
}

/* qdir_list - a directory stream over D from its first entry, on a descriptor of its
 * own (closedir leaves D open); NULL with err */
DIR *qdir_list(const struct qdir *d, struct mv_err *err)
{
    int fd = dup(d->fd);
    DIR *dp = fd >= 0 ? fdopendir(fd) : NULL;

    if (dp == NULL) {
        if (fd >= 0)
            close(fd);
        mv_err_set(err, MV_EIO, "%s: %s", d->path, g_strerror(errno));
        return NULL;
    }
    rewinddir(dp);
    return dp;
}

/* give_to_owner - a file root created goes to the directory's owner (the daemon) */
static void give_to_owner(const struct qdir *d, int fd)
{
    if (geteuid() == 0 && d->uid != 0 && fchown(fd, d->uid, d->gid) < 0) {
        /* best effort: the file stays root's, readable by the tool */
    }
}

/* qdir_sync - fsync the directory so that renames and unlinks are durable */
enum mv_status qdir_sync(const struct qdir *d, struct mv_err *err)
{
    if (fsync(d->fd) < 0 && errno != EINVAL)
        return mv_err_set(err, MV_EIO, "%s: fsync: %s", d->path, g_strerror(errno));
    return MV_OK;
}

/* qdir_lock - flock(LOCK_EX) on DIR/.lock; the fd (>= 0) is the lock, close releases */
int qdir_lock(const struct qdir *d, struct mv_err *err)
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

/* entry_lock_offset - the byte of ENTRY_LOCK_NAME that stands for ID: the value of its
 * last 12 characters (60 of its random bits) plus one; two entries share a byte only
 * if those bits are equal, and then they merely wait for each other */
static off_t entry_lock_offset(const char *id)
{
    guint64 v = 0;

    for (int i = QUARANTINE_ID_LEN - 12; i < QUARANTINE_ID_LEN; i++)
        v = v * 32 + (guint64)(strchr(crockford, id[i]) - crockford);
    return (off_t)(v + 1);
}

/* qdir_entry_lock - ID's lock: a write lock on one byte of D/.lock-entries (an open file
 * description lock, fcntl F_OFD_SETLK: between processes and between the threads of
 * one, released by close and when a process dies, so a killed release leaves no stale
 * lock), retried for WAIT_MS while another holds it.  The fd (>= 0) is the lock; -1
 * with err, and *BUSY (may be NULL) true when another held it all along. */
int qdir_entry_lock(const struct qdir *d, const char *id, unsigned wait_ms, bool *busy,
                    struct mv_err *err)
{
    struct flock fl = {.l_type = F_WRLCK,
                       .l_whence = SEEK_SET,
                       .l_start = entry_lock_offset(id),
                       .l_len = 1,
                       .l_pid = 0};
    gint64 until = g_get_monotonic_time() + (gint64)wait_ms * 1000;
    int fd = openat(d->fd, ENTRY_LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

    if (busy != NULL)
        *busy = false;
    if (fd < 0) {
        mv_err_set(err, MV_EIO, "%s/%s: %s", d->path, ENTRY_LOCK_NAME, g_strerror(errno));
        return -1;
    }
    give_to_owner(d, fd);
    while (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EACCES) {
            mv_err_set(err, MV_EIO, "%s/%s: fcntl: %s", d->path, ENTRY_LOCK_NAME,
                       g_strerror(errno));
            close(fd);
            return -1;
        }
        if (g_get_monotonic_time() >= until) {
            if (busy != NULL)
                *busy = true;
            mv_err_set(err, MV_EIO,
                       "busy: another process is releasing or changing this entry; try again "
                       "when it is done");
            close(fd);
            return -1;
        }
        g_usleep(20 * 1000);
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

/* qdir_write_file - NAME in D holds exactly DATA, atomically (temporary, fsync, rename,
 * directory fsync) */
enum mv_status qdir_write_file(const struct qdir *d, const char *name, const void *data,
                               size_t size, struct mv_err *err)
{
    char tmp[64];
    int fd = tmp_create(d, name, tmp, err);

    if (fd < 0)
        return MV_EIO;
    if (!quarantine_write_all(fd, data, size)) {
        mv_err_set(err, MV_EIO, "%s/%s: write: %s", d->path, tmp, g_strerror(errno));
        close(fd);
        unlinkat(d->fd, tmp, 0);
        return MV_EIO;
    }
    if (tmp_finish(d, fd, tmp, name, err) != MV_OK)
        return MV_EIO;
    return qdir_sync(d, err);
}

/* qdir_read - the whole of NAME in D (at most MAX bytes), NUL-terminated; NULL with err */
char *qdir_read(const struct qdir *d, const char *name, size_t max, size_t *len, struct mv_err *err)
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

/* quarantine_name_id - the id of "ID.SUFFIX" into ID, or false */
bool quarantine_name_id(const char *name, const char *suffix, char *id)
{
    size_t n = strlen(name);

    if (n != QUARANTINE_ID_LEN + strlen(suffix) || strcmp(name + QUARANTINE_ID_LEN, suffix) != 0)
        return false;
    memcpy(id, name, QUARANTINE_ID_LEN);
    id[QUARANTINE_ID_LEN] = '\0';
    return quarantine_id_valid(id);
}

/* parse_record - TEXT as the JSON object of ID's record (caller unrefs); NULL with err
 * (MV_EPARSE: a damaged record) */
static JsonNode *parse_record(const char *dir, const char *name, const char *id, const char *text,
                              size_t len, struct mv_err *err)
{
    JsonParser *p = json_parser_new();
    GError *gerr = NULL;
    JsonNode *root = NULL, *top;
    JsonNode *idn;

    if (!json_parser_load_from_data(p, text, (gssize)len, &gerr)) {
        mv_err_set(err, MV_EPARSE, "%s/%s: not JSON: %s", dir, name, gerr->message);
        g_error_free(gerr);
    } else if ((top = json_parser_get_root(p)) == NULL || !JSON_NODE_HOLDS_OBJECT(top)) {
        mv_err_set(err, MV_EPARSE, "%s/%s: not a JSON object", dir, name);
    } else if ((idn = json_object_get_member(json_node_get_object(top), "id")) == NULL ||
               json_node_get_value_type(idn) != G_TYPE_STRING ||
               strcmp(json_node_get_string(idn), id) != 0) {
        mv_err_set(err, MV_EPARSE, "%s/%s: not the record of %s (its id differs)", dir, name, id);
    } else {
        root = json_node_copy(top);
    }
    g_object_unref(p);
    return root;
}

/* qdir_record_load - ID.json of D parsed */
JsonNode *qdir_record_load(const struct qdir *d, const char *id, struct mv_err *err)
{
    char name[QUARANTINE_ID_LEN + 8];
    size_t len;
    char *text;
    JsonNode *root;

    snprintf(name, sizeof(name), "%s.json", id);
    text = qdir_read(d, name, RECORD_MAX, &len, err);
    if (text == NULL)
        return NULL;
    root = parse_record(d->path, name, id, text, len, err);
    g_free(text);
    return root;
}

/* ---- store ---------------------------------------------------------------------------- */

/* copy_message - SIZE bytes of DATA, or of FD from offset 0, into OUT */
static bool copy_message(int out, const void *data, int fd, size_t size, const char *tmp,
                         const struct qdir *d, struct mv_err *err)
{
    char buf[65536];
    off_t off = 0;

    if (data != NULL) {
        if (quarantine_write_all(out, data, size))
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
        if (!quarantine_write_all(out, buf, (size_t)n)) {
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
        st = mv_err_set(err, MV_EIO, "%s: not writable by uid %ld: %s (chown it to that user)", dir,
                        (long)geteuid(), g_strerror(errno));
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
    int efd = -1, jfd = -1, lock = -1, entry_lock = -1;
    bool eml_done = false, json_done = false;
    enum mv_status st = MV_EIO;
    GString *line = NULL;

    tmp_eml[0] = tmp_json[0] = '\0';
    if (data == NULL && fd < 0)
        return mv_err_set(err, MV_EBUG, "quarantine_store: no message");
    if (!qdir_open(&d, dir, true, NULL, err))
        return MV_EIO;
    if (!quarantine_id_make(id)) {
        mv_err_set(err, MV_EIO, "getrandom: %s", g_strerror(errno));
        goto out;
    }
    /* held until the index line is written: a delete of the new entry (its id is in
     * no one's hands yet, but a rebuilt index lists it) waits for the store */
    if ((entry_lock = qdir_entry_lock(&d, id, 0, NULL, err)) < 0)
        goto out;
    snprintf(eml, sizeof(eml), "%s.eml", id);
    snprintf(json, sizeof(json), "%s.json", id);
    record =
        quarantine_record_build(id, g_get_real_time() / G_USEC_PER_SEC, size, meta, &entry, err);
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
    if (!quarantine_write_all(jfd, record, strlen(record))) {
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
    if ((lock = qdir_lock(&d, err)) < 0) {
        st = MV_EIO;
        goto out;
    }
    line = g_string_new(NULL);
    quarantine_index_add_line(line, entry);
    st = quarantine_index_append(&d, line->str, id, err);
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
    if (entry_lock >= 0)
        close(entry_lock);
    if (st == MV_OK && id_out != NULL)
        memcpy(id_out, id, sizeof(id));
    if (line != NULL)
        g_string_free(line, TRUE);
    quarantine_entry_free(entry);
    g_free(record);
    qdir_close(&d);
    return st;
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
    root = qdir_record_load(&d, id, err);
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

/* quarantine_message_new - SIZE bytes of DATA, or of FD from offset 0 */
char *quarantine_message_new(const void *data, int fd, size_t size, struct mv_err *err)
{
    char *buf = g_try_malloc(size + 1);
    size_t got = 0;

    if (buf == NULL) {
        mv_err_set(err, MV_ENOMEM, "quarantine: no memory for a message of %zu bytes", size);
        return NULL;
    }
    if (data != NULL) {
        memcpy(buf, data, size);
        return buf;
    }
    while (got < size) {
        ssize_t n = pread(fd, buf + got, size - got, (off_t)got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            mv_err_set(err, MV_EIO, "quarantine: reading the message: %s",
                       n < 0 ? g_strerror(errno) : "shorter than its size");
            g_free(buf);
            return NULL;
        }
        got += (size_t)n;
    }
    return buf;
}
