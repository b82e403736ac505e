/* quarantine_pg_internal.h - what the files of the quarantine in PostgreSQL share:
 * quarantine_pg_schema.c's SQL (the migrations, the statements every connection prepares,
 * the purge's queries) and quarantine_pg_row.c's conversion of an entry to the insert's
 * parameters and of a list row to an entry; quarantine_pg_conn.c and quarantine_pg.c run
 * them (the only files that call libpq).  Private to them. */
#ifndef MV_QUARANTINE_PG_INTERNAL_H
#define MV_QUARANTINE_PG_INTERNAL_H

#include <stddef.h>

#include <glib.h>

#include "quarantine.h"

#define QUARANTINE_PG_INSERT_PARAMS 15 /* the parameters of statement "ins" */
#define QUARANTINE_PG_LIST_COLUMNS 11  /* the columns of statements "list" and "list_qid" */
#define QUARANTINE_PG_PURGE_QUERIES 4  /* quarantine_pg_purge_queries */

/* One migration: the schema goes from VERSION - 1 to VERSION. */
struct quarantine_pg_migration {
    int version;
    const char *what;
    const char *sql;
};

/* One statement every connection prepares: name, text, parameters. */
struct quarantine_pg_statement {
    const char *name, *sql;
    int nparams;
};

/* One query of the purge: its text, how many parameters, the first of (before, size) it
 * takes. */
struct quarantine_pg_purge_query {
    const char *sql;
    int n, first;
};

extern const struct quarantine_pg_migration quarantine_pg_migrations[];
extern const size_t quarantine_pg_migrations_n;
extern const struct quarantine_pg_statement quarantine_pg_statements[];
extern const size_t quarantine_pg_statements_n;
extern const struct quarantine_pg_purge_query
    quarantine_pg_purge_queries[QUARANTINE_PG_PURGE_QUERIES];

/* The insert's parameters (text, but the message binary) and the buffers they point into. */
struct quarantine_pg_row {
    char t[32], sz[32], sc[G_ASCII_DTOSTR_BUF_SIZE], port[16];
    const char *vals[QUARANTINE_PG_INSERT_PARAMS];
    int lens[QUARANTINE_PG_INSERT_PARAMS], fmts[QUARANTINE_PG_INSERT_PARAMS];
};

/* quarantine_pg_row_params - ROW filled for the insert of entry E held by HOST (release
 * address RELEASE_HOST:RELEASE_PORT, RELEASE_HOST NULL for none), record TEXT, lists LISTS,
 * message MSG of SIZE bytes; ROW's values point into E, ROW and the strings given */
void quarantine_pg_row_params(struct quarantine_pg_row *row, const struct quarantine_entry *e,
                              const char *host, const char *release_host, unsigned release_port,
                              const char *text, const char *lists, const char *msg, size_t size);
/* quarantine_pg_row_entry_new - the QUARANTINE_PG_LIST_COLUMNS columns of a list row, in
 * the statement's order (NULL for SQL NULL; id, time, size, state and score are NOT NULL),
 * as an entry (caller frees) */
struct quarantine_entry *quarantine_pg_row_entry_new(const char *const *col);

#endif
