/* quarantine_pg_conn.h - inside the quarantine in PostgreSQL: this thread's connection
 * (quarantine_pg_conn.c) and the calls quarantine_pg.c runs its statements through.
 * Every failure fills the caller's struct mv_err (NULL: none wanted) as
 * "postgresql: ...", one line, CONNINFO's password as "***"; a connection found broken
 * is dropped, to be made again on next use.  Private to quarantine_pg*.c. */
#ifndef MV_QUARANTINE_PG_CONN_H
#define MV_QUARANTINE_PG_CONN_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "mv.h"

/* This thread's connection. */
struct quarantine_pg_conn {
    char *conninfo;
    PGconn *pg;
};

/* quarantine_pg_conn_get - this thread's connection to CONNINFO, made (schema checked,
 * statements prepared) when there is none or it broke; *REUSED (may be NULL) says it
 * was kept from an earlier call.  NULL with err. */
struct quarantine_pg_conn *quarantine_pg_conn_get(const char *conninfo, bool *reused,
                                                  struct mv_err *err);
/* quarantine_pg_conn_drop - this thread's connection closed (made again on next use) */
void quarantine_pg_conn_drop(struct quarantine_pg_conn *c);

/* quarantine_pg_conn_exec - prepared statement NAME with text parameters VALS on C; a
 * result of status WANT, or NULL with err ("busy: ..." when a lock was not had in time) */
PGresult *quarantine_pg_conn_exec(struct quarantine_pg_conn *c, const char *conninfo,
                                  const char *name, int n, const char *const *vals,
                                  ExecStatusType want, struct mv_err *err);
/* quarantine_pg_conn_simple - an SQL command without parameters on C; false with err */
bool quarantine_pg_conn_simple(struct quarantine_pg_conn *c, const char *conninfo, const char *sql,
                               struct mv_err *err);
/* quarantine_pg_conn_begin_bounded - BEGIN on C, its statements cancelled after 30 s
 * unless the connection sets its own statement_timeout; false with err */
bool quarantine_pg_conn_begin_bounded(struct quarantine_pg_conn *c, const char *conninfo,
                                      struct mv_err *err);
/* quarantine_pg_conn_rollback - the transaction of C abandoned (nothing said when that
 * fails too) */
void quarantine_pg_conn_rollback(struct quarantine_pg_conn *c);

/* quarantine_pg_conn_fail - ERR set to "postgresql: FMT", one line, with CONNINFO's
 * password as "***"; returns STATUS */
enum mv_status quarantine_pg_conn_fail(struct mv_err *err, enum mv_status status,
                                       const char *conninfo, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
