/* quarantine_pg_conn.c - the connections of the quarantine in PostgreSQL
 * (quarantine_pg_conn.h): one per thread, made on first use and again after it broke,
 * the schema's version checked and quarantine_pg_schema.c's statements prepared on each;
 * the statements run and their failures told in one line without the password; the
 * check of the configuration and the migrations (quarantine_pg_check,
 * quarantine_pg_migrate of quarantine_pg.h) on a connection of their own.  With
 * quarantine_pg.c, the only files that call libpq.  A leaf module: it never logs (the
 * server's notices are dropped). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libpq-fe.h>

#include "mv.h"
#include "quarantine_pg.h"
#include "quarantine_pg_conn.h"
#include "quarantine_pg_internal.h"

#define CONNECT_TIMEOUT "5" /* seconds; the conninfo may say otherwise */
/* A statement the server has not finished in this time is cancelled: a stalled database
 * (a table lock held, a server that stopped answering) costs a message to quarantine a
 * 451 within it, not a milter thread until the MTA's own timeout.  Set for the
 * transaction only (set_config(..., true), as SET LOCAL), around a connection's set-up
 * and each store, and only where the connection has no statement_timeout of its own
 * (options=, PGOPTIONS, a service file, ALTER ROLE ... SET): nothing of it outlives the
 * transaction, so a pool (PgBouncer) passes it and a session's own setting stays. */
#define BEGIN_BOUNDED                                                                              \
    "BEGIN; SELECT set_config('statement_timeout', '30s', true)"                                   \
    " WHERE current_setting('statement_timeout') = '0'"
/* and on TCP, a server gone silent is noticed by the kernel in about as long */
#define TCP_USER_TIMEOUT "30000" /* ms of data unacknowledged */
#define KEEPALIVES_IDLE "10"     /* s; then KEEPALIVES_COUNT probes, KEEPALIVES_INTERVAL apart */
#define KEEPALIVES_INTERVAL "5"
#define KEEPALIVES_COUNT "4"
#define SQLSTATE_LOCK "55P03"

static pthread_key_t conn_key;
static pthread_once_t conn_once = PTHREAD_ONCE_INIT;

/* conn_free - a thread's connection, when the thread ends */
static void conn_free(void *p)
{
    struct quarantine_pg_conn *c = p;

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

/* quarantine_pg_conn_fail - ERR set to "postgresql: FMT", one line, with CONNINFO's password as
 * "***" */
enum mv_status quarantine_pg_conn_fail(struct mv_err *err, enum mv_status status,
                                       const char *conninfo, const char *fmt, ...)
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
    const char *const kw[] = {
        "connect_timeout",     "fallback_application_name", "tcp_user_timeout", "keepalives_idle",
        "keepalives_interval", "keepalives_count",          "dbname",           NULL};
    const char *const val[] = {
        CONNECT_TIMEOUT,     "mailvet",        TCP_USER_TIMEOUT, KEEPALIVES_IDLE,
        KEEPALIVES_INTERVAL, KEEPALIVES_COUNT, conninfo,         NULL};
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
    quarantine_pg_conn_fail(err, MV_EIO, conninfo, "cannot connect (%s): %s", where,
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
        quarantine_pg_conn_fail(err, MV_EIO, conninfo, "schema version: %s",
                                PQresultErrorMessage(r));
        goto out;
    }
    if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
        v = 0;
        goto out;
    }
    PQclear(r);
    r = PQexec(pg, "SELECT coalesce(max(version), 0) FROM mailvet_schema");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        quarantine_pg_conn_fail(err, MV_EIO, conninfo, "schema version: %s",
                                PQresultErrorMessage(r));
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

/* quarantine_pg_conn_drop - this thread's connection closed (it is made again on next use) */
void quarantine_pg_conn_drop(struct quarantine_pg_conn *c)
{
    if (c->pg != NULL)
        PQfinish(c->pg);
    c->pg = NULL;
}

/* quarantine_pg_conn_get - this thread's connection to CONNINFO, made (schema checked, statements
 * prepared) when there is none or it broke; *REUSED (may be NULL) says it was kept from
 * an earlier call.  NULL with err. */
struct quarantine_pg_conn *quarantine_pg_conn_get(const char *conninfo, bool *reused,
                                                  struct mv_err *err)
{
    struct quarantine_pg_conn *c, fresh = {NULL, NULL};
    PGconn *pg;
    int v;

    pthread_once(&conn_once, key_make);
    c = pthread_getspecific(conn_key);
    if (c == NULL) {
        c = g_new0(struct quarantine_pg_conn, 1);
        pthread_setspecific(conn_key, c);
    }
    if (c->pg != NULL &&
        (g_strcmp0(c->conninfo, conninfo) != 0 || PQstatus(c->pg) != CONNECTION_OK))
        quarantine_pg_conn_drop(c);
    if (reused != NULL)
        *reused = c->pg != NULL;
    if (c->pg != NULL)
        return c;
    if ((pg = connect_new(conninfo, err)) == NULL)
        return NULL;
    fresh.pg = pg;
    /* a prepare waits for the table's lock like the statement itself */
    if (!quarantine_pg_conn_begin_bounded(&fresh, conninfo, err)) {
        if (fresh.pg != NULL)
            PQfinish(fresh.pg);
        return NULL;
    }
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
            quarantine_pg_conn_fail(err, MV_EIO, conninfo, "prepare %s: %s",
                                    quarantine_pg_statements[i].name, PQresultErrorMessage(r));
        PQclear(r);
        if (!ok) {
            PQfinish(pg);
            return NULL;
        }
    }
    if (!quarantine_pg_conn_simple(&fresh, conninfo, "COMMIT", err)) {
        if (fresh.pg != NULL)
            PQfinish(fresh.pg);
        return NULL;
    }
    g_free(c->conninfo);
    c->conninfo = g_strdup(conninfo);
    c->pg = pg;
    return c;
}

/* quarantine_pg_conn_exec - statement NAME with text parameters VALS on C; a result of status WANT,
 * or NULL with err (a connection found broken is dropped) */
PGresult *quarantine_pg_conn_exec(struct quarantine_pg_conn *c, const char *conninfo,
                                  const char *name, int n, const char *const *vals,
                                  ExecStatusType want, struct mv_err *err)
{
    PGresult *r = PQexecPrepared(c->pg, name, n, vals, NULL, NULL, 0);

    if (PQresultStatus(r) == want)
        return r;
    quarantine_pg_conn_fail(err, MV_EIO, conninfo, "%s: %s", name,
                            r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
    if (err != NULL && r != NULL &&
        g_strcmp0(PQresultErrorField(r, PG_DIAG_SQLSTATE), SQLSTATE_LOCK) == 0)
        g_strlcpy(err->msg, "busy: another process holds the entry", sizeof(err->msg));
    PQclear(r);
    if (PQstatus(c->pg) != CONNECTION_OK)
        quarantine_pg_conn_drop(c);
    return NULL;
}

/* quarantine_pg_conn_simple - an SQL command without parameters on C; false with err */
bool quarantine_pg_conn_simple(struct quarantine_pg_conn *c, const char *conninfo, const char *sql,
                               struct mv_err *err)
{
    PGresult *r = PQexec(c->pg, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;

    if (!ok) {
        quarantine_pg_conn_fail(err, MV_EIO, conninfo, "%s: %s", sql, PQresultErrorMessage(r));
        if (PQstatus(c->pg) != CONNECTION_OK)
            quarantine_pg_conn_drop(c);
    }
    PQclear(r);
    return ok;
}

/* quarantine_pg_conn_begin_bounded - BEGIN on C, its statements cancelled after 30 s
 * unless the connection sets its own statement_timeout; false with err (a connection
 * found broken is dropped) */
bool quarantine_pg_conn_begin_bounded(struct quarantine_pg_conn *c, const char *conninfo,
                                      struct mv_err *err)
{
    PGresult *r = PQexec(c->pg, BEGIN_BOUNDED);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;

    if (!ok) {
        quarantine_pg_conn_fail(err, MV_EIO, conninfo, "BEGIN: %s",
                                r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
        if (PQstatus(c->pg) != CONNECTION_OK)
            quarantine_pg_conn_drop(c);
        else
            quarantine_pg_conn_rollback(c);
    }
    PQclear(r);
    return ok;
}

/* quarantine_pg_conn_rollback - the transaction of C abandoned (nothing to say when it fails too)
 */
void quarantine_pg_conn_rollback(struct quarantine_pg_conn *c)
{
    if (c->pg != NULL)
        PQclear(PQexec(c->pg, "ROLLBACK"));
}

/* ---- checks and migrations --------------------------------------------------------- */

/* quarantine_pg_check - reachable, schema current, on a connection of its own (closed
 * again: the caller may fork or end the thread next), within the statement timeout (a
 * table another session holds makes it fail, not wait: mailvetd's start checks it) */
enum mv_status quarantine_pg_check(const char *conninfo, struct mv_err *err)
{
    struct quarantine_pg_conn c = {NULL, connect_new(conninfo, err)};
    enum mv_status st = MV_OK;
    int v;

    if (c.pg == NULL)
        return err != NULL ? err->status : MV_EIO;
    if (!quarantine_pg_conn_begin_bounded(&c, conninfo, err))
        st = MV_EIO;
    else if ((v = schema_version(c.pg, conninfo, err)) < 0)
        st = MV_EIO;
    else if (v != QUARANTINE_PG_SCHEMA)
        st = schema_refused(v, err);
    quarantine_pg_conn_drop(&c);
    return st;
}

/* quarantine_pg_migrate - the missing migrations, each in a transaction, under an
 * advisory lock so that two hosts migrating at once apply each one once */
enum mv_status quarantine_pg_migrate(const char *conninfo, void (*say)(const char *line, void *arg),
                                     void *arg, struct mv_err *err)
{
    PGconn *pg = connect_new(conninfo, err);
    struct quarantine_pg_conn c = {NULL, pg};
    enum mv_status st = MV_EIO;
    int v, applied = 0;
    char line[256];

    if (pg == NULL)
        return err != NULL ? err->status : MV_EIO;
    if (!quarantine_pg_conn_simple(
            &c, conninfo,
            "CREATE TABLE IF NOT EXISTS mailvet_schema (version integer PRIMARY KEY,"
            " applied timestamptz NOT NULL DEFAULT now(), description text NOT NULL)",
            err))
        goto out;
    for (size_t i = 0; i < quarantine_pg_migrations_n; i++) {
        char num[16];
        const char *vals[2] = {num, quarantine_pg_migrations[i].what};
        PGresult *r;

        if (!quarantine_pg_conn_simple(&c, conninfo, "BEGIN", err) ||
            !quarantine_pg_conn_simple(&c, conninfo, "SET LOCAL statement_timeout = 0", err))
            goto out;
        r = PQexec(pg, "SELECT pg_advisory_xact_lock(724601)");
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            quarantine_pg_conn_fail(err, MV_EIO, conninfo, "lock: %s", PQresultErrorMessage(r));
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
            quarantine_pg_conn_rollback(&c);
            continue;
        }
        if (!quarantine_pg_conn_simple(&c, conninfo, quarantine_pg_migrations[i].sql, err))
            goto out;
        snprintf(num, sizeof(num), "%d", quarantine_pg_migrations[i].version);
        r = PQexecParams(pg, "INSERT INTO mailvet_schema (version, description) VALUES ($1, $2)", 2,
                         NULL, vals, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            quarantine_pg_conn_fail(err, MV_EIO, conninfo, "mailvet_schema: %s",
                                    PQresultErrorMessage(r));
            PQclear(r);
            goto out;
        }
        PQclear(r);
        if (!quarantine_pg_conn_simple(&c, conninfo, "COMMIT", err))
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
        quarantine_pg_conn_rollback(&c);
    /* c.pg, not pg: a connection found broken on the way was finished and dropped */
    if (c.pg != NULL)
        PQfinish(c.pg);
    return st;
}
