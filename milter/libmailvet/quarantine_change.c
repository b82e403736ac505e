/* quarantine_change.c - the state changes of quarantine.h on the directory store:
 * release (re-injection by smtp_client.c, then the record marked released) and delete
 * (the .eml removed, the record kept as deleted), each under its entry's lock
 * (qdir_entry_lock), the record rewritten atomically and the index given a state line.
 * A leaf module: it never logs; every failure fills the caller's struct mv_err. */
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
#include "smtp_client.h"

/* damaged_text_new - the record that replaces ID's damaged one (WHY) when BY deletes it
 * at NOW, as text (caller frees) */
static char *damaged_text_new(const struct qdir *d, const char *id, const char *why, gint64 now,
                              const char *by)
{
    char name[QUARANTINE_ID_LEN + 8];
    struct stat sb;

    snprintf(name, sizeof(name), "%s.json", id);
    return quarantine_record_damaged_new(
        id, fstatat(d->fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 ? (gint64)sb.st_mtime : now, why,
        now, by);
}

/* update_state - under the lock: ID's record gets STATE and a history entry, rewritten
 * atomically, and the index a state line.  The state is read again under the lock: a
 * deleted record is never changed back (a release that finds it deleted fails), and
 * deleting it again changes nothing.  A damaged record can only be deleted: it is
 * replaced by a record of the deletion. */
static enum mv_status update_state(const struct qdir *d, const char *id,
                                   enum quarantine_state state, const char *by, const char *detail,
                                   struct mv_err *err)
{
    char name[QUARANTINE_ID_LEN + 8];
    JsonNode *root = NULL;
    enum mv_status st = MV_EIO;
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    char *text = NULL;
    struct mv_err lerr = {0};
    int lock = qdir_lock(d, err);

    if (lock < 0)
        goto out;
    root = qdir_record_load(d, id, &lerr);
    if (root == NULL && (lerr.status != MV_EPARSE || state != QUARANTINE_DELETED)) {
        if (err != NULL)
            *err = lerr;
        goto out;
    }
    if (root != NULL && quarantine_record_state(root) == QUARANTINE_DELETED) {
        if (state == QUARANTINE_DELETED)
            st = MV_OK;
        else
            mv_err_set(err, MV_EIO, "%s: deleted meanwhile; the record stays deleted", id);
        goto out;
    }
    if (root != NULL)
        text = quarantine_record_change_new(root, state, now, by, detail);
    else
        text = damaged_text_new(d, id, lerr.msg, now, by);
    snprintf(name, sizeof(name), "%s.json", id);
    if ((st = qdir_write_file(d, name, text, strlen(text), err)) != MV_OK)
        goto out;
    /* the record is the truth; an index line that cannot be written is repaired by
     * the next rebuild, so it does not undo the change */
    quarantine_index_append_state(d, id, now, state, NULL);
    st = MV_OK;
out:
    if (lock >= 0)
        close(lock);
    if (root != NULL)
        json_node_unref(root);
    g_free(text);
    return st;
}

/* quarantine_delete - under the entry's lock, the .eml goes, the record stays as
 * deleted */
enum mv_status quarantine_delete(const char *dir, const char *id, const char *by,
                                 struct mv_err *err)
{
    struct qdir d;
    char name[QUARANTINE_ID_LEN + 8];
    enum mv_status st = MV_EIO;
    int lock;

    if (!quarantine_id_valid(id))
        return mv_err_set(err, MV_EPARSE, "not a quarantine id");
    if (!qdir_open(&d, dir, false, NULL, err))
        return MV_EIO;
    lock = qdir_entry_lock(&d, id, ENTRY_LOCK_WAIT_MS, NULL, err);
    if (lock >= 0)
        st = update_state(&d, id, QUARANTINE_DELETED, by, NULL, err);
    if (st == MV_OK) {
        snprintf(name, sizeof(name), "%s.eml", id);
        if (unlinkat(d.fd, name, 0) < 0 && errno != ENOENT)
            st = mv_err_set(err, MV_EIO, "%s/%s: %s", dir, name, g_strerror(errno));
        else
            st = qdir_sync(&d, err);
    }
    if (lock >= 0)
        close(lock);
    qdir_close(&d);
    return st;
}

/* quarantine_release_detail_new - the history's note of a delivery: where, to whom, the
 * reply */
char *quarantine_release_detail_new(const char *host, unsigned port, const GPtrArray *rcpts,
                                    const char *reply)
{
    GString *g = g_string_new(NULL);

    g_string_append_printf(g, "to %s:%u for ", host, port);
    for (guint i = 0; i < rcpts->len; i++)
        g_string_append_printf(g, "%s<%s>", i ? "," : "", (char *)g_ptr_array_index(rcpts, i));
    g_string_append_printf(g, ": %s", reply);
    return g_string_free(g, FALSE);
}

/* quarantine_release_check - SENDER and RCPTS can go in MAIL FROM and RCPT TO */
enum mv_status quarantine_release_check(const char *id, const char *sender, const GPtrArray *rcpts,
                                        struct mv_err *err)
{
    if (rcpts->len == 0)
        return mv_err_set(err, MV_EIO, "%s: no recipients (give --to)", id);
    if (!smtp_client_address_ok(sender))
        return mv_err_set(err, MV_EIO, "%s: the sender cannot be sent in MAIL FROM", id);
    for (guint i = 0; i < rcpts->len; i++) {
        const char *r = g_ptr_array_index(rcpts, i);

        if (!smtp_client_address_ok(r) || *r == '\0')
            return mv_err_set(err, MV_EIO, "%s: recipient %u cannot be sent in RCPT TO", id, i + 1);
    }
    return MV_OK;
}

/* quarantine_release - under the entry's lock, from reading the record to writing it
 * back: re-inject ID, then mark it released */
enum mv_status quarantine_release(const char *dir, const char *id,
                                  const struct quarantine_release_opts *opts, struct mv_err *err)
{
    struct smtp_client_opts so = {opts->host, opts->port, opts->timeout_ms};
    struct qdir d;
    JsonNode *root = NULL;
    struct quarantine_entry *e = NULL;
    const GPtrArray *rcpts;
    const char *sender;
    char name[QUARANTINE_ID_LEN + 8], done[SMTP_CLIENT_LINE_MAX + 1];
    char *detail = NULL;
    enum mv_status st = MV_EIO;
    int mfd = -1, lock;

    if (!quarantine_id_valid(id))
        return mv_err_set(err, MV_EPARSE, "not a quarantine id");
    if (!qdir_open(&d, dir, false, NULL, err))
        return MV_EIO;
    lock = qdir_entry_lock(&d, id, ENTRY_LOCK_WAIT_MS, NULL, err);
    if (lock < 0)
        goto out;
    root = qdir_record_load(&d, id, err);
    if (root == NULL)
        goto out;
    e = quarantine_record_entry_new(root);
    if (e == NULL) {
        mv_err_set(err, MV_EIO, "%s/%s.json: not a quarantine record", dir, id);
        goto out;
    }
    if (e->state == QUARANTINE_DELETED) {
        mv_err_set(err, MV_EIO, "%s: deleted, nothing to release", id);
        goto out;
    }
    sender = e->sender != NULL ? e->sender : "";
    rcpts = opts->to != NULL && opts->to->len > 0 ? opts->to : e->recipients;
    if (quarantine_release_check(id, sender, rcpts, err) != MV_OK)
        goto out;
    snprintf(name, sizeof(name), "%s.eml", id);
    mfd = openat(d.fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (mfd < 0) {
        mv_err_set(err, MV_EIO, "%s/%s: %s", dir, name, g_strerror(errno));
        goto out;
    }
    st = smtp_client_send(&so, sender, rcpts, mfd, done, sizeof(done), err);
    if (st != MV_OK)
        goto out;
    detail = quarantine_release_detail_new(so.host, so.port, rcpts, done);
    if (opts->sent_to != NULL)
        snprintf(opts->sent_to, QUARANTINE_SENT_TO_MAX, "%s:%u", so.host, so.port);
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
    if (lock >= 0)
        close(lock);
    if (root != NULL)
        json_node_unref(root);
    quarantine_entry_free(e);
    g_free(detail);
    qdir_close(&d);
    return st;
}
