/* quarantine_pg.c - the quarantine in PostgreSQL (quarantine_pg.h): the store's
 * operations (store, list, record, message, release, delete, purge) on the rows of every
 * host, run on this thread's connection (quarantine_pg_conn.c, which also checks the
 * schema and migrates it).  The SQL it runs is quarantine_pg_schema.c's, an entry
 * becomes a row and a row an entry in quarantine_pg_row.c; the record's text and the
 * entry list shows are built by quarantine_record.c, as for the directory store, and
 * list's filters are quarantine_list.c's.  With quarantine_pg_conn.c, the only files of
 * mailvet that call libpq.  A leaf module: it never logs; every failure fills the
 * caller's struct mv_err, without the password. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib.h>
#include <json-glib/json-glib.h>
#include <libpq-fe.h>

#include "quarantine.h"
#include "quarantine_internal.h"
#include "quarantine_pg.h"
#include "quarantine_pg_conn.h"
#include "quarantine_pg_internal.h"
#include "smtp_client.h"

#define LOCK_TIMEOUT "2s" /* release and delete wait this long for a row, as for a file */

static atomic_int reachable = 1; /* as last seen by any thread: 1 up, 0 down */

/* ---- store ------------------------------------------------------------------------- */

/* insert - the row of entry E (record TEXT, message MSG) on this thread's connection;
 * *UNREACHABLE says the failure was the database's absence */
static enum mv_status insert(const char *conninfo, const struct quarantine_entry *e,
                             const char *host, const char *release_host, unsigned release_port,
                             const char *text, const char *lists, const char *msg, size_t size,
                             bool *unreachable, struct mv_err *err)
{
    struct quarantine_pg_row row;
    enum mv_status st = MV_EIO;

    quarantine_pg_row_params(&row, e, host, release_host, release_port, text, lists, msg, size);
    /* a kept connection may have died with the server since: one more try, fresh */
    for (int attempt = 0; attempt < 2 && st != MV_OK; attempt++) {
        bool reused = false;
        struct quarantine_pg_conn *c = quarantine_pg_conn_get(conninfo, &reused, err);
        PGresult *r;

        *unreachable = c == NULL && err != NULL && err->status == MV_EIO;
        if (c == NULL)
            return err != NULL ? err->status : MV_EIO;
        if (!quarantine_pg_conn_begin_bounded(c, conninfo, err)) {
            *unreachable = c->pg == NULL;
            if (!(reused && *unreachable))
                break;
            continue;
        }
        r = PQexecPrepared(c->pg, "ins", QUARANTINE_PG_INSERT_PARAMS, row.vals, row.lens, row.fmts,
                           0);
        if (PQresultStatus(r) == PGRES_COMMAND_OK) {
            st = quarantine_pg_conn_simple(c, conninfo, "COMMIT", err) ? MV_OK : MV_EIO;
        } else {
            quarantine_pg_conn_fail(err, MV_EIO, conninfo, "store: %s",
                                    r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
            if (PQstatus(c->pg) == CONNECTION_OK)
                quarantine_pg_conn_rollback(c);
        }
        PQclear(r);
        *unreachable = st != MV_OK && (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK);
        if (*unreachable && c->pg != NULL)
            quarantine_pg_conn_drop(c);
        if (st != MV_OK && !(reused && *unreachable))
            break;
    }
    return st;
}

/* quarantine_pg_store - one row, in one transaction: held wholly or not at all */
enum mv_status quarantine_pg_store(const char *conninfo, const void *data, int fd, size_t size,
                                   const struct quarantine_meta *meta, const char *release_host,
                                   unsigned release_port, char *id_out,
                                   enum quarantine_pg_change *change, struct mv_err *err)
{
    struct quarantine_entry *entry = NULL;
    char id[QUARANTINE_ID_LEN + 1];
    char *record = NULL, *lists = NULL, *msg = NULL;
    enum mv_status st;
    bool unreachable = false;

    if (change != NULL)
        *change = QUARANTINE_PG_SAME;
    if (data == NULL && fd < 0)
        return mv_err_set(err, MV_EBUG, "quarantine_pg_store: no message");
    if (size > G_MAXINT)
        return mv_err_set(err, MV_EIO, "postgresql: a message of %zu bytes is too large", size);
    if (!quarantine_id_make(id))
        return mv_err_set(err, MV_EIO, "getrandom: %s", g_strerror(errno));
    record =
        quarantine_record_build(id, g_get_real_time() / G_USEC_PER_SEC, size, meta, &entry, err);
    if (record == NULL)
        return err != NULL ? err->status : MV_EPARSE;
    lists = quarantine_record_lists_new(entry);
    if ((msg = quarantine_message_new(data, fd, size, err)) == NULL) {
        st = err != NULL ? err->status : MV_EIO;
        goto out;
    }
    st = insert(conninfo, entry, meta != NULL && meta->host != NULL ? meta->host : "", release_host,
                release_port, record, lists, msg, size, &unreachable, err);
    if (st == MV_OK && id_out != NULL)
        memcpy(id_out, id, sizeof(id));
    /* the first failure to reach it and the first success after, for one line each */
    if (st == MV_OK && atomic_exchange(&reachable, 1) == 0 && change != NULL)
        *change = QUARANTINE_PG_BACK;
    if (st != MV_OK && unreachable && atomic_exchange(&reachable, 0) == 1 && change != NULL)
        *change = QUARANTINE_PG_DOWN;
out:
    quarantine_entry_free(entry);
    g_free(record);
    g_free(lists);
    g_free(msg);
    return st;
}

/* ---- reading ------------------------------------------------------------------------- */

/* value - column COL of row I of R, or NULL when it is NULL */
static const char *value(const PGresult *r, int i, int col)
{
    return PQgetisnull(r, i, col) ? NULL : PQgetvalue(r, i, col);
}

/* entry_of - row I of a list result as an entry */
static struct quarantine_entry *entry_of(const PGresult *r, int i)
{
    const char *col[QUARANTINE_PG_LIST_COLUMNS];

    for (int k = 0; k < QUARANTINE_PG_LIST_COLUMNS; k++)
        col[k] = value(r, i, k);
    return quarantine_pg_row_entry_new(col);
}

/* quarantine_pg_list_new - every host's entries, newest first, filtered */
GPtrArray *quarantine_pg_list_new(const char *conninfo, const struct quarantine_filter *filter,
                                  struct mv_err *err)
{
    struct quarantine_pg_conn *c = quarantine_pg_conn_get(conninfo, NULL, err);
    const char *vals[1];
    PGresult *r;
    GPtrArray *all;

    if (c == NULL)
        return NULL;
    if (filter != NULL && filter->queue_id != NULL) {
        vals[0] = filter->queue_id;
        r = quarantine_pg_conn_exec(c, conninfo, "list_qid", 1, vals, PGRES_TUPLES_OK, err);
    } else {
        r = quarantine_pg_conn_exec(c, conninfo, "list", 0, NULL, PGRES_TUPLES_OK, err);
    }
    if (r == NULL)
        return NULL;
    all = g_ptr_array_sized_new((guint)PQntuples(r));
    for (int i = 0; i < PQntuples(r); i++)
        g_ptr_array_add(all, entry_of(r, i));
    PQclear(r);
    return quarantine_list_filtered(all, filter);
}

/* no_entry - ERR for an id without a row, in the words of a missing file (ENOENT), which
 * is how the programs tell an unknown id from a failure */
static enum mv_status no_entry(struct mv_err *err, const char *id)
{
    return mv_err_set(err, MV_EIO, "postgresql: %s: %s", id, g_strerror(ENOENT));
}

/* quarantine_pg_record_new - ID's record */
JsonNode *quarantine_pg_record_new(const char *conninfo, const char *id, struct mv_err *err)
{
    struct quarantine_pg_conn *c;
    const char *vals[1] = {id};
    PGresult *r;
    JsonNode *root = NULL;

    if (!quarantine_id_valid(id)) {
        mv_err_set(err, MV_EPARSE, "not a quarantine id");
        return NULL;
    }
    if ((c = quarantine_pg_conn_get(conninfo, NULL, err)) == NULL)
        return NULL;
    if ((r = quarantine_pg_conn_exec(c, conninfo, "rec", 1, vals, PGRES_TUPLES_OK, err)) == NULL)
        return NULL;
    if (PQntuples(r) == 0)
        no_entry(err, id);
    else
        root = quarantine_record_parse(id, PQgetvalue(r, 0, 0), err);
    PQclear(r);
    return root;
}

/* quarantine_pg_exists - ID has a row */
bool quarantine_pg_exists(const char *conninfo, const char *id)
{
    struct quarantine_pg_conn *c;
    const char *vals[1] = {id};
    PGresult *r;
    bool found;

    if (!quarantine_id_valid(id) || (c = quarantine_pg_conn_get(conninfo, NULL, NULL)) == NULL)
        return false;
    if ((r = quarantine_pg_conn_exec(c, conninfo, "rec", 1, vals, PGRES_TUPLES_OK, NULL)) == NULL)
        return false;
    found = PQntuples(r) > 0;
    PQclear(r);
    return found;
}

/* eml_fd - ID's message from C into an anonymous file at offset 0; -1 with err */
static int eml_fd(struct quarantine_pg_conn *c, const char *conninfo, const char *id,
                  struct mv_err *err)
{
    const char *vals[1] = {id};
    PGresult *r = PQexecPrepared(c->pg, "eml", 1, vals, NULL, NULL, 1);
    int fd = -1;

    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        quarantine_pg_conn_fail(err, MV_EIO, conninfo, "message %s: %s", id,
                                PQresultErrorMessage(r));
        goto out;
    }
    if (PQntuples(r) == 0) {
        no_entry(err, id);
        goto out;
    }
    if (PQgetisnull(r, 0, 0)) {
        mv_err_set(err, MV_EIO, "postgresql: %s: the message was deleted", id);
        goto out;
    }
    fd = memfd_create("mailvet-quarantine", MFD_CLOEXEC);
    if (fd < 0 || !quarantine_write_all(fd, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0)) ||
        lseek(fd, 0, SEEK_SET) < 0) {
        mv_err_set(err, MV_EIO, "postgresql: message %s: anonymous file: %s", id,
                   g_strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
out:
    PQclear(r);
    return fd;
}

/* quarantine_pg_eml_open - ID's message */
int quarantine_pg_eml_open(const char *conninfo, const char *id, struct mv_err *err)
{
    struct quarantine_pg_conn *c;

    if (!quarantine_id_valid(id)) {
        mv_err_set(err, MV_EPARSE, "not a quarantine id");
        return -1;
    }
    if ((c = quarantine_pg_conn_get(conninfo, NULL, err)) == NULL)
        return -1;
    return eml_fd(c, conninfo, id, err);
}

/* ---- changes ------------------------------------------------------------------------- */

/* lock_row - BEGIN, then ID's row locked (LOCK_TIMEOUT): its record parsed into *ROOT
 * (NULL when it does not parse: *WHY, sizeof(err->msg), says why), and the release
 * address the holding host recorded; false with err (the transaction rolled back) */
static bool lock_row(struct quarantine_pg_conn *c, const char *conninfo, const char *id,
                     JsonNode **root, char *why, char **rhost, unsigned *rport, struct mv_err *err)
{
    const char *vals[1] = {id};
    struct mv_err perr = {0};
    PGresult *r;

    if (!quarantine_pg_conn_simple(c, conninfo, "BEGIN", err) ||
        !quarantine_pg_conn_simple(c, conninfo, "SET LOCAL lock_timeout = '" LOCK_TIMEOUT "'", err))
        goto fail;
    if ((r = quarantine_pg_conn_exec(c, conninfo, "lock", 1, vals, PGRES_TUPLES_OK, err)) == NULL)
        goto fail;
    if (PQntuples(r) == 0) {
        no_entry(err, id);
        PQclear(r);
        goto fail;
    }
    *root = quarantine_record_parse(id, PQgetvalue(r, 0, 0), &perr);
    g_strlcpy(why, perr.msg, sizeof(perr.msg));
    if (rhost != NULL)
        *rhost = g_strdup(value(r, 0, 1));
    if (rport != NULL)
        *rport = value(r, 0, 2) != NULL ? (unsigned)atoi(value(r, 0, 2)) : 0;
    PQclear(r);
    return true;
fail:
    quarantine_pg_conn_rollback(c);
    return false;
}

/* write_state - ID's row given STATE and record TEXT, committed; false with err */
static bool write_state(struct quarantine_pg_conn *c, const char *conninfo, const char *id,
                        enum quarantine_state state, const char *text, struct mv_err *err)
{
    const char *vals[3] = {id, quarantine_state_name(state), text};
    PGresult *r;

    if (state == QUARANTINE_DELETED)
        r = quarantine_pg_conn_exec(c, conninfo, "del", 2, (const char *[]){id, text},
                                    PGRES_COMMAND_OK, err);
    else
        r = quarantine_pg_conn_exec(c, conninfo, "upd", 3, vals, PGRES_COMMAND_OK, err);
    if (r == NULL)
        return false;
    PQclear(r);
    return quarantine_pg_conn_simple(c, conninfo, "COMMIT", err);
}

/* quarantine_pg_delete - the row locked, its message dropped, its record deleted */
enum mv_status quarantine_pg_delete(const char *conninfo, const char *id, const char *by,
                                    struct mv_err *err)
{
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    JsonNode *root = NULL;
    char why[sizeof(err->msg)], *text;
    struct quarantine_pg_conn *c;
    bool ok;

    if (!quarantine_id_valid(id))
        return mv_err_set(err, MV_EPARSE, "not a quarantine id");
    if ((c = quarantine_pg_conn_get(conninfo, NULL, err)) == NULL)
        return MV_EIO;
    if (!lock_row(c, conninfo, id, &root, why, NULL, NULL, err))
        return MV_EIO;
    if (root != NULL && quarantine_record_state(root) == QUARANTINE_DELETED) {
        json_node_unref(root);
        quarantine_pg_conn_rollback(c);
        return MV_OK;
    }
    if (root != NULL)
        text = quarantine_record_change_new(root, QUARANTINE_DELETED, now, by, NULL);
    else
        text = quarantine_record_damaged_new(id, quarantine_id_ms(id) / 1000, why, now, by);
    ok = write_state(c, conninfo, id, QUARANTINE_DELETED, text, err);
    if (!ok)
        quarantine_pg_conn_rollback(c);
    g_free(text);
    if (root != NULL)
        json_node_unref(root);
    return ok ? MV_OK : MV_EIO;
}

/* quarantine_pg_release - the row locked from reading it to writing it back: the
 * message sent, then the record released */
enum mv_status quarantine_pg_release(const char *conninfo, const char *id,
                                     const struct quarantine_release_opts *opts, struct mv_err *err)
{
    struct smtp_client_opts so = {opts->host, opts->port, opts->timeout_ms};
    struct quarantine_entry *e = NULL;
    JsonNode *root = NULL;
    char why[sizeof(err->msg)], done[SMTP_CLIENT_LINE_MAX + 1];
    char *rhost = NULL, *detail = NULL, *text = NULL;
    unsigned rport = 0;
    const GPtrArray *rcpts;
    enum mv_status st = MV_EIO;
    struct quarantine_pg_conn *c;
    int mfd = -1;

    if (!quarantine_id_valid(id))
        return mv_err_set(err, MV_EPARSE, "not a quarantine id");
    if ((c = quarantine_pg_conn_get(conninfo, NULL, err)) == NULL)
        return MV_EIO;
    if (!lock_row(c, conninfo, id, &root, why, &rhost, &rport, err))
        return MV_EIO;
    if (root == NULL || (e = quarantine_record_entry_new(root)) == NULL) {
        mv_err_set(err, MV_EIO, "%s", root == NULL ? why : "not a quarantine record");
        goto out;
    }
    if (e->state == QUARANTINE_DELETED) {
        mv_err_set(err, MV_EIO, "%s: deleted, nothing to release", id);
        goto out;
    }
    if (so.host == NULL) {
        if (rhost == NULL || rport == 0) {
            mv_err_set(err, MV_EIO, "%s: its host recorded no release address", id);
            goto out;
        }
        so.host = rhost;
        so.port = rport;
    }
    rcpts = opts->to != NULL && opts->to->len > 0 ? opts->to : e->recipients;
    if (quarantine_release_check(id, e->sender != NULL ? e->sender : "", rcpts, err) != MV_OK)
        goto out;
    if ((mfd = eml_fd(c, conninfo, id, err)) < 0)
        goto out;
    if ((st = smtp_client_send(&so, e->sender != NULL ? e->sender : "", rcpts, mfd, done,
                               sizeof(done), err)) != MV_OK)
        goto out;
    detail = quarantine_release_detail_new(so.host, so.port, rcpts, done);
    if (opts->sent_to != NULL)
        snprintf(opts->sent_to, QUARANTINE_SENT_TO_MAX, "%s:%u", so.host, so.port);
    text = quarantine_record_change_new(root, QUARANTINE_RELEASED,
                                        g_get_real_time() / G_USEC_PER_SEC, opts->by, detail);
    if (!write_state(c, conninfo, id, QUARANTINE_RELEASED, text, err)) {
        char lwhy[sizeof(err->msg)];

        g_strlcpy(lwhy, err != NULL ? err->msg : "", sizeof(lwhy));
        st = mv_err_set(err, MV_EIO, "%s: delivered (%s) but the record could not be updated: %s",
                        id, done, lwhy);
    }
out:
    if (st != MV_OK)
        quarantine_pg_conn_rollback(c);
    if (mfd >= 0)
        close(mfd);
    if (root != NULL)
        json_node_unref(root);
    quarantine_entry_free(e);
    g_free(rhost);
    g_free(detail);
    g_free(text);
    return st;
}

/* sum_rows - the rows of R (one bytes column) counted into *N and summed into *BYTES */
static void sum_rows(const PGresult *r, guint *n, guint64 *bytes)
{
    for (int i = 0; i < PQntuples(r); i++) {
        (*n)++;
        *bytes += g_ascii_strtoull(PQgetvalue(r, i, 0), NULL, 10);
    }
}

/* quarantine_pg_purge - by age, then oldest first down to MAX_SIZE, in one transaction;
 * a row another process holds (a release in flight) is left for the next purge */
enum mv_status quarantine_pg_purge(const char *conninfo, guint64 max_age, guint64 max_size,
                                   gint64 now, struct quarantine_purge_stats *stats,
                                   struct mv_err *err)
{
    char before[32], size[32];
    const char *vals[2] = {before, size};
    struct quarantine_pg_conn *c;
    enum mv_status st = MV_EIO;

    memset(stats, 0, sizeof(*stats));
    snprintf(before, sizeof(before), "%" G_GINT64_FORMAT, now - (gint64)MIN(max_age, (guint64)now));
    snprintf(size, sizeof(size), "%" G_GUINT64_FORMAT, max_size);
    if ((c = quarantine_pg_conn_get(conninfo, NULL, err)) == NULL)
        return MV_EIO;
    if (!quarantine_pg_conn_simple(c, conninfo, "BEGIN", err))
        return MV_EIO;
    if (!quarantine_pg_conn_simple(c, conninfo, "SET LOCAL statement_timeout = 0", err))
        goto out;
    for (size_t i = 0; i < QUARANTINE_PG_PURGE_QUERIES; i++) {
        PGresult *r = PQexecParams(c->pg, quarantine_pg_purge_queries[i].sql,
                                   quarantine_pg_purge_queries[i].n, NULL,
                                   vals + quarantine_pg_purge_queries[i].first, NULL, NULL, 0);

        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            quarantine_pg_conn_fail(err, MV_EIO, conninfo, "purge: %s", PQresultErrorMessage(r));
            PQclear(r);
            goto out;
        }
        if (i < 2)
            sum_rows(r, &stats->removed, &stats->removed_bytes);
        else if (i == 2)
            sum_rows(r, &stats->kept, &stats->kept_bytes);
        else
            stats->busy = (guint)atoi(PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    if (quarantine_pg_conn_simple(c, conninfo, "COMMIT", err))
        st = MV_OK;
out:
    if (st != MV_OK)
        quarantine_pg_conn_rollback(c);
    return st;
}
