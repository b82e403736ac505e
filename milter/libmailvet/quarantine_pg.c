/* quarantine_pg.c - the quarantine in PostgreSQL (quarantine_pg.h): the schema and its
 * migrations, one connection per thread with its prepared statements, and the store's
 * operations (store, list, record, message, release, delete, purge) on the rows of
 * every host.  The SQL it runs is quarantine_pg_schema.c's, an entry becomes a row and a
 * row an entry in quarantine_pg_row.c; the record's text and the entry list shows are
 * built by quarantine_record.c, as for the directory store, and list's filters are
 * quarantine_list.c's.  The only file of mailvet that calls libpq.  A leaf module: it
 * never logs; every failure fills the caller's struct mv_err, without the password. */
#include <errno.h>
#include <pthread.h>
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
#include "quarantine_pg_internal.h"
#include "smtp_client.h"

#define CONNECT_TIMEOUT "5" /* seconds; the conninfo may say otherwise */
/* A statement the server has not finished in this time is cancelled: a stalled database
 * (a table lock held, a server that stopped answering) costs a message to quarantine a
 * 451 within it, not a milter thread until the MTA's own timeout.  The conninfo's
 * options= replaces it; migrate and purge, which may take long, lift it. */
#define STATEMENT_OPTIONS "-c statement_timeout=30s"
/* and on TCP, a server gone silent is noticed by the kernel in about as long */
#define TCP_USER_TIMEOUT "30000" /* ms of data unacknowledged */
#define KEEPALIVES_IDLE "10"     /* s; then KEEPALIVES_COUNT probes, KEEPALIVES_INTERVAL apart */
#define KEEPALIVES_INTERVAL "5"
#define KEEPALIVES_COUNT "4"
#define LOCK_TIMEOUT "2s" /* release and delete wait this long for a row, as for a file */
#define SQLSTATE_LOCK "55P03"

/* This thread's connection. */
struct conn {
    char *conninfo;
    PGconn *pg;
};

static pthread_key_t conn_key;
static pthread_once_t conn_once = PTHREAD_ONCE_INIT;
static atomic_int reachable = 1; /* as last seen by any thread: 1 up, 0 down */

/* conn_free - a thread's connection, when the thread ends */
static void conn_free(void *p)
{
    struct conn *c = p;

    if (c->pg != NULL)
        PQfinish(c->pg);
    g_free(c->conninfo);
    g_free(c);
}

/* key_make - the thread-local key, once */
static void key_make(void)
{
    pthread_key_create(&conn_key, conn_free);
}

/* ---- messages without the password ------------------------------------------------ */

/* password_new - the password CONNINFO carries, or NULL (caller frees) */
static char *password_new(const char *conninfo)
{
    PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
    char *pw = NULL;

    for (PQconninfoOption *o = opts; o != NULL && o->keyword != NULL; o++)
        if (strcmp(o->keyword, "password") == 0 && o->val != NULL && *o->val != '\0')
            pw = g_strdup(o->val);
    if (opts != NULL)
        PQconninfoFree(opts);
    return pw;
}

/* fail - ERR set to "postgresql: FMT", one line, with CONNINFO's password as "***" */
static enum mv_status fail(struct mv_err *err, enum mv_status status, const char *conninfo,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static enum mv_status fail(struct mv_err *err, enum mv_status status, const char *conninfo,
                           const char *fmt, ...)
{
    va_list ap;
    char *msg, *pw = password_new(conninfo);
    GString *g;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g = g_string_new(msg);
    if (pw != NULL)
        g_string_replace(g, pw, "***", 0);
    g_strdelimit(g->str, "\r\n\t", ' ');
    g_strchomp(g->str);
    mv_err_set(err, status, "postgresql: %s", g->str);
    g_string_free(g, TRUE);
    g_free(msg);
    g_free(pw);
    return status;
}

/* quarantine_pg_describe_new - host, port, dbname and user of CONNINFO */
char *quarantine_pg_describe_new(const char *conninfo)
{
    static const char *const shown[] = {"host", "hostaddr", "port", "dbname", "user"};
    PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
    GString *g = g_string_new(NULL);

    if (opts == NULL)
        return g_string_free(g_string_append(g, "(a connection string libpq cannot read)"), FALSE);
    for (size_t i = 0; i < G_N_ELEMENTS(shown); i++)
        for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
            if (strcmp(o->keyword, shown[i]) == 0 && o->val != NULL && *o->val != '\0')
                g_string_append_printf(g, "%s%s=%s", g->len ? " " : "", o->keyword, o->val);
    PQconninfoFree(opts);
    if (g->len == 0)
        g_string_append(g, "(libpq defaults)");
    return g_string_free(g, FALSE);
}

/* ---- connections -------------------------------------------------------------------- */

/* quiet - the server's notices ("relation ... already exists, skipping") are not ours to
 * print: a leaf module writes nothing */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* connect_new - a new connection to CONNINFO; NULL with err */
static PGconn *connect_new(const char *conninfo, struct mv_err *err)
{
    /* later keywords win: the conninfo (expanded from dbname) overrides the defaults */
    const char *const kw[] = {"connect_timeout",
                              "fallback_application_name",
                              "options",
                              "tcp_user_timeout",
                              "keepalives_idle",
                              "keepalives_interval",
                              "keepalives_count",
                              "dbname",
                              NULL};
    const char *const val[] = {CONNECT_TIMEOUT,  "mailvet",       STATEMENT_OPTIONS,
                               TCP_USER_TIMEOUT, KEEPALIVES_IDLE, KEEPALIVES_INTERVAL,
                               KEEPALIVES_COUNT, conninfo,        NULL};
    PGconn *pg;
    char *where;

    if (conninfo == NULL || *conninfo == '\0') {
        mv_err_set(err, MV_ECONFIG,
                   "postgresql: quarantine_db is empty: set it to a libpq connection string");
        return NULL;
    }
    pg = PQconnectdbParams(kw, val, 1);
    if (pg != NULL && PQstatus(pg) == CONNECTION_OK) {
        PQsetNoticeProcessor(pg, quiet, NULL);
        return pg;
    }
    where = quarantine_pg_describe_new(conninfo);
    fail(err, MV_EIO, conninfo, "cannot connect (%s): %s", where,
         pg != NULL ? PQerrorMessage(pg) : "out of memory");
    g_free(where);
    if (pg != NULL)
        PQfinish(pg);
    return NULL;
}

/* schema_version - the version PG's schema is at (0: none), -1 with err */
static int schema_version(PGconn *pg, const char *conninfo, struct mv_err *err)
{
    PGresult *r = PQexec(pg, "SELECT to_regclass('mailvet_schema') IS NOT NULL");
    int v = -1;

    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fail(err, MV_EIO, conninfo, "schema version: %s", PQresultErrorMessage(r));
        goto out;
    }
    if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
        v = 0;
        goto out;
    }
    PQclear(r);
    r = PQexec(pg, "SELECT coalesce(max(version), 0) FROM mailvet_schema");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fail(err, MV_EIO, conninfo, "schema version: %s", PQresultErrorMessage(r));
        goto out;
    }
    v = atoi(PQgetvalue(r, 0, 0));
out:
    PQclear(r);
    return v;
}

/* schema_refused - ERR when version V is not the current one */
static enum mv_status schema_refused(int v, struct mv_err *err)
{
    if (v < QUARANTINE_PG_SCHEMA)
        return mv_err_set(err, MV_ECONFIG,
                          "postgresql: quarantine schema at version %d, this mailvet needs %d: "
                          "run: mailvet quarantine migrate",
                          v, QUARANTINE_PG_SCHEMA);
    return mv_err_set(err, MV_ECONFIG,
                      "postgresql: quarantine schema at version %d, newer than this mailvet "
                      "knows (%d): upgrade mailvet",
                      v, QUARANTINE_PG_SCHEMA);
}

/* conn_drop - this thread's connection closed (it is made again on next use) */
static void conn_drop(struct conn *c)
{
    if (c->pg != NULL)
        PQfinish(c->pg);
    c->pg = NULL;
}

/* conn_get - this thread's connection to CONNINFO, made (schema checked, statements
 * prepared) when there is none or it broke; *REUSED (may be NULL) says it was kept from
 * an earlier call.  NULL with err. */
static struct conn *conn_get(const char *conninfo, bool *reused, struct mv_err *err)
{
    struct conn *c;
    PGconn *pg;
    int v;

    pthread_once(&conn_once, key_make);
    c = pthread_getspecific(conn_key);
    if (c == NULL) {
        c = g_new0(struct conn, 1);
        pthread_setspecific(conn_key, c);
    }
    if (c->pg != NULL &&
        (g_strcmp0(c->conninfo, conninfo) != 0 || PQstatus(c->pg) != CONNECTION_OK))
        conn_drop(c);
    if (reused != NULL)
        *reused = c->pg != NULL;
    if (c->pg != NULL)
        return c;
    if ((pg = connect_new(conninfo, err)) == NULL)
        return NULL;
    if ((v = schema_version(pg, conninfo, err)) != QUARANTINE_PG_SCHEMA) {
        if (v >= 0)
            schema_refused(v, err);
        PQfinish(pg);
        return NULL;
    }
    for (size_t i = 0; i < quarantine_pg_statements_n; i++) {
        PGresult *r =
            PQprepare(pg, quarantine_pg_statements[i].name, quarantine_pg_statements[i].sql,
                      quarantine_pg_statements[i].nparams, NULL);
        bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;

        if (!ok)
            fail(err, MV_EIO, conninfo, "prepare %s: %s", quarantine_pg_statements[i].name,
                 PQresultErrorMessage(r));
        PQclear(r);
        if (!ok) {
            PQfinish(pg);
            return NULL;
        }
    }
    g_free(c->conninfo);
    c->conninfo = g_strdup(conninfo);
    c->pg = pg;
    return c;
}

/* exec - statement NAME with text parameters VALS on C; a result of status WANT, or
 * NULL with err (a connection found broken is dropped) */
static PGresult *exec(struct conn *c, const char *conninfo, const char *name, int n,
                      const char *const *vals, ExecStatusType want, struct mv_err *err)
{
    PGresult *r = PQexecPrepared(c->pg, name, n, vals, NULL, NULL, 0);

    if (PQresultStatus(r) == want)
        return r;
    fail(err, MV_EIO, conninfo, "%s: %s", name,
         r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
    if (err != NULL && r != NULL &&
        g_strcmp0(PQresultErrorField(r, PG_DIAG_SQLSTATE), SQLSTATE_LOCK) == 0)
        g_strlcpy(err->msg, "busy: another process holds the entry", sizeof(err->msg));
    PQclear(r);
    if (PQstatus(c->pg) != CONNECTION_OK)
        conn_drop(c);
    return NULL;
}

/* simple - an SQL command without parameters on C; false with err */
static bool simple(struct conn *c, const char *conninfo, const char *sql, struct mv_err *err)
{
    PGresult *r = PQexec(c->pg, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;

    if (!ok) {
        fail(err, MV_EIO, conninfo, "%s: %s", sql, PQresultErrorMessage(r));
        if (PQstatus(c->pg) != CONNECTION_OK)
            conn_drop(c);
    }
    PQclear(r);
    return ok;
}

/* rollback - the transaction of C abandoned (nothing to say when it fails too) */
static void rollback(struct conn *c)
{
    if (c->pg != NULL)
        PQclear(PQexec(c->pg, "ROLLBACK"));
}

/* ---- checks and migrations --------------------------------------------------------- */

/* quarantine_pg_check - reachable, schema current, on a connection of its own (closed
 * again: the caller may fork or end the thread next) */
enum mv_status quarantine_pg_check(const char *conninfo, struct mv_err *err)
{
    PGconn *pg = connect_new(conninfo, err);
    enum mv_status st = MV_OK;
    int v;

    if (pg == NULL)
        return err != NULL ? err->status : MV_EIO;
    if ((v = schema_version(pg, conninfo, err)) < 0)
        st = MV_EIO;
    else if (v != QUARANTINE_PG_SCHEMA)
        st = schema_refused(v, err);
    PQfinish(pg);
    return st;
}

/* quarantine_pg_migrate - the missing migrations, each in a transaction, under an
 * advisory lock so that two hosts migrating at once apply each one once */
enum mv_status quarantine_pg_migrate(const char *conninfo, void (*say)(const char *line, void *arg),
                                     void *arg, struct mv_err *err)
{
    PGconn *pg = connect_new(conninfo, err);
    struct conn c = {NULL, pg};
    enum mv_status st = MV_EIO;
    int v, applied = 0;
    char line[256];

    if (pg == NULL)
        return err != NULL ? err->status : MV_EIO;
    if (!simple(&c, conninfo,
                "CREATE TABLE IF NOT EXISTS mailvet_schema (version integer PRIMARY KEY,"
                " applied timestamptz NOT NULL DEFAULT now(), description text NOT NULL)",
                err))
        goto out;
    for (size_t i = 0; i < quarantine_pg_migrations_n; i++) {
        char num[16];
        const char *vals[2] = {num, quarantine_pg_migrations[i].what};
        PGresult *r;

        if (!simple(&c, conninfo, "BEGIN", err) ||
            !simple(&c, conninfo, "SET LOCAL statement_timeout = 0", err))
            goto out;
        r = PQexec(pg, "SELECT pg_advisory_xact_lock(724601)");
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            fail(err, MV_EIO, conninfo, "lock: %s", PQresultErrorMessage(r));
            PQclear(r);
            goto out;
        }
        PQclear(r);
        if ((v = schema_version(pg, conninfo, err)) < 0)
            goto out;
        if (v > QUARANTINE_PG_SCHEMA) {
            st = schema_refused(v, err);
            goto out;
        }
        if (v >= quarantine_pg_migrations[i].version) {
            rollback(&c);
            continue;
        }
        if (!simple(&c, conninfo, quarantine_pg_migrations[i].sql, err))
            goto out;
        snprintf(num, sizeof(num), "%d", quarantine_pg_migrations[i].version);
        r = PQexecParams(pg, "INSERT INTO mailvet_schema (version, description) VALUES ($1, $2)", 2,
                         NULL, vals, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            fail(err, MV_EIO, conninfo, "mailvet_schema: %s", PQresultErrorMessage(r));
            PQclear(r);
            goto out;
        }
        PQclear(r);
        if (!simple(&c, conninfo, "COMMIT", err))
            goto out;
        applied++;
        if (say != NULL) {
            snprintf(line, sizeof(line), "applied %d: %s", quarantine_pg_migrations[i].version,
                     quarantine_pg_migrations[i].what);
            say(line, arg);
        }
    }
    if ((v = schema_version(pg, conninfo, err)) < 0)
        goto out;
    if (say != NULL) {
        snprintf(line, sizeof(line), "schema at version %d%s", v,
                 applied == 0 ? ", nothing to apply" : "");
        say(line, arg);
    }
    st = MV_OK;
out:
    if (st != MV_OK)
        rollback(&c);
    PQfinish(pg);
    return st;
}

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
        struct conn *c = conn_get(conninfo, &reused, err);
        PGresult *r;

        *unreachable = c == NULL && err != NULL && err->status == MV_EIO;
        if (c == NULL)
            return err != NULL ? err->status : MV_EIO;
        r = PQexecPrepared(c->pg, "ins", QUARANTINE_PG_INSERT_PARAMS, row.vals, row.lens, row.fmts,
                           0);
        if (PQresultStatus(r) == PGRES_COMMAND_OK) {
            st = MV_OK;
        } else {
            fail(err, MV_EIO, conninfo, "store: %s",
                 r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
            *unreachable = PQstatus(c->pg) != CONNECTION_OK;
            if (*unreachable)
                conn_drop(c);
        }
        PQclear(r);
        if (st != MV_OK && !(reused && *unreachable))
            break;
    }
    return st;
}

/* quarantine_pg_store - one row, in one statement: held wholly or not at all */
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
    struct conn *c = conn_get(conninfo, NULL, err);
    const char *vals[1];
    PGresult *r;
    GPtrArray *all;

    if (c == NULL)
        return NULL;
    if (filter != NULL && filter->queue_id != NULL) {
        vals[0] = filter->queue_id;
        r = exec(c, conninfo, "list_qid", 1, vals, PGRES_TUPLES_OK, err);
    } else {
        r = exec(c, conninfo, "list", 0, NULL, PGRES_TUPLES_OK, err);
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
    struct conn *c;
    const char *vals[1] = {id};
    PGresult *r;
    JsonNode *root = NULL;

    if (!quarantine_id_valid(id)) {
        mv_err_set(err, MV_EPARSE, "not a quarantine id");
        return NULL;
    }
    if ((c = conn_get(conninfo, NULL, err)) == NULL)
        return NULL;
    if ((r = exec(c, conninfo, "rec", 1, vals, PGRES_TUPLES_OK, err)) == NULL)
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
    struct conn *c;
    const char *vals[1] = {id};
    PGresult *r;
    bool found;

    if (!quarantine_id_valid(id) || (c = conn_get(conninfo, NULL, NULL)) == NULL)
        return false;
    if ((r = exec(c, conninfo, "rec", 1, vals, PGRES_TUPLES_OK, NULL)) == NULL)
        return false;
    found = PQntuples(r) > 0;
    PQclear(r);
    return found;
}

/* eml_fd - ID's message from C into an anonymous file at offset 0; -1 with err */
static int eml_fd(struct conn *c, const char *conninfo, const char *id, struct mv_err *err)
{
    const char *vals[1] = {id};
    PGresult *r = PQexecPrepared(c->pg, "eml", 1, vals, NULL, NULL, 1);
    int fd = -1;

    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fail(err, MV_EIO, conninfo, "message %s: %s", id, PQresultErrorMessage(r));
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
    struct conn *c;

    if (!quarantine_id_valid(id)) {
        mv_err_set(err, MV_EPARSE, "not a quarantine id");
        return -1;
    }
    if ((c = conn_get(conninfo, NULL, err)) == NULL)
        return -1;
    return eml_fd(c, conninfo, id, err);
}

/* ---- changes ------------------------------------------------------------------------- */

/* lock_row - BEGIN, then ID's row locked (LOCK_TIMEOUT): its record parsed into *ROOT
 * (NULL when it does not parse: *WHY, sizeof(err->msg), says why), and the release
 * address the holding host recorded; false with err (the transaction rolled back) */
static bool lock_row(struct conn *c, const char *conninfo, const char *id, JsonNode **root,
                     char *why, char **rhost, unsigned *rport, struct mv_err *err)
{
    const char *vals[1] = {id};
    struct mv_err perr = {0};
    PGresult *r;

    if (!simple(c, conninfo, "BEGIN", err) ||
        !simple(c, conninfo, "SET LOCAL lock_timeout = '" LOCK_TIMEOUT "'", err))
        goto fail;
    if ((r = exec(c, conninfo, "lock", 1, vals, PGRES_TUPLES_OK, err)) == NULL)
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
    rollback(c);
    return false;
}

/* write_state - ID's row given STATE and record TEXT, committed; false with err */
static bool write_state(struct conn *c, const char *conninfo, const char *id,
                        enum quarantine_state state, const char *text, struct mv_err *err)
{
    const char *vals[3] = {id, quarantine_state_name(state), text};
    PGresult *r;

    if (state == QUARANTINE_DELETED)
        r = exec(c, conninfo, "del", 2, (const char *[]){id, text}, PGRES_COMMAND_OK, err);
    else
        r = exec(c, conninfo, "upd", 3, vals, PGRES_COMMAND_OK, err);
    if (r == NULL)
        return false;
    PQclear(r);
    return simple(c, conninfo, "COMMIT", err);
}

/* quarantine_pg_delete - the row locked, its message dropped, its record deleted */
enum mv_status quarantine_pg_delete(const char *conninfo, const char *id, const char *by,
                                    struct mv_err *err)
{
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    JsonNode *root = NULL;
    char why[sizeof(err->msg)], *text;
    struct conn *c;
    bool ok;

    if (!quarantine_id_valid(id))
        return mv_err_set(err, MV_EPARSE, "not a quarantine id");
    if ((c = conn_get(conninfo, NULL, err)) == NULL)
        return MV_EIO;
    if (!lock_row(c, conninfo, id, &root, why, NULL, NULL, err))
        return MV_EIO;
    if (root != NULL && quarantine_record_state(root) == QUARANTINE_DELETED) {
        json_node_unref(root);
        rollback(c);
        return MV_OK;
    }
    if (root != NULL)
        text = quarantine_record_change_new(root, QUARANTINE_DELETED, now, by, NULL);
    else
        text = quarantine_record_damaged_new(id, quarantine_id_ms(id) / 1000, why, now, by);
    ok = write_state(c, conninfo, id, QUARANTINE_DELETED, text, err);
    if (!ok)
        rollback(c);
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
    struct conn *c;
    int mfd = -1;

    if (!quarantine_id_valid(id))
        return mv_err_set(err, MV_EPARSE, "not a quarantine id");
    if ((c = conn_get(conninfo, NULL, err)) == NULL)
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
        rollback(c);
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
    struct conn *c;
    enum mv_status st = MV_EIO;

    memset(stats, 0, sizeof(*stats));
    snprintf(before, sizeof(before), "%" G_GINT64_FORMAT, now - (gint64)MIN(max_age, (guint64)now));
    snprintf(size, sizeof(size), "%" G_GUINT64_FORMAT, max_size);
    if ((c = conn_get(conninfo, NULL, err)) == NULL)
        return MV_EIO;
    if (!simple(c, conninfo, "BEGIN", err))
        return MV_EIO;
    if (!simple(c, conninfo, "SET LOCAL statement_timeout = 0", err))
        goto out;
    for (size_t i = 0; i < QUARANTINE_PG_PURGE_QUERIES; i++) {
        PGresult *r = PQexecParams(c->pg, quarantine_pg_purge_queries[i].sql,
                                   quarantine_pg_purge_queries[i].n, NULL,
                                   vals + quarantine_pg_purge_queries[i].first, NULL, NULL, 0);

        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            fail(err, MV_EIO, conninfo, "purge: %s", PQresultErrorMessage(r));
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
    if (simple(c, conninfo, "COMMIT", err))
        st = MV_OK;
out:
    if (st != MV_OK)
        rollback(c);
    return st;
}
