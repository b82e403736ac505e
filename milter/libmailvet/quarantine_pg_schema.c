/* quarantine_pg_schema.c - the SQL of the quarantine in PostgreSQL (quarantine_pg.h): the
 * migrations from one schema version to the next, the statements every connection
 * prepares, and the purge's queries.  Text only: quarantine_pg_conn.c prepares them and
 * quarantine_pg.c runs them (the only files that call libpq). */
#include <glib.h>

#include "quarantine_pg_internal.h"

/* The columns of a list row, in quarantine_pg_row_entry_new's order. */
#define LIST_COLUMNS "id, host, time, size, state, verdict, score, sender, queue_id, subject, lists"
#define ROW_BYTES "(octet_length(record) + coalesce(octet_length(message), 0))"

/* The migrations, oldest first: each takes the schema from VERSION - 1 to VERSION. */
const struct quarantine_pg_migration quarantine_pg_migrations[] = {
    {1, "table quarantine (one row per held message, with its host) and its indexes",
     "CREATE TABLE quarantine ("
     " id text PRIMARY KEY,"
     " host text NOT NULL,"
     " release_host text,"
     " release_port integer,"
     " time bigint NOT NULL,"
     " size bigint NOT NULL,"
     " state text NOT NULL,"
     " verdict text,"
     " score double precision NOT NULL DEFAULT 0,"
     " sender text,"
     " queue_id text,"
     " subject text,"
     " lists text NOT NULL,"
     " record text NOT NULL,"
     " message bytea);"
     "CREATE INDEX quarantine_time ON quarantine (time);"
     "CREATE INDEX quarantine_queue_id ON quarantine (queue_id);"},
};

const size_t quarantine_pg_migrations_n = G_N_ELEMENTS(quarantine_pg_migrations);

/* The statements every connection prepares: name, text, parameters. */
const struct quarantine_pg_statement quarantine_pg_statements[] = {
    {"ins",
     "INSERT INTO quarantine (id, host, release_host, release_port, time, size, state, verdict,"
     " score, sender, queue_id, subject, lists, record, message)"
     " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
     15},
    {"list", "SELECT " LIST_COLUMNS " FROM quarantine ORDER BY time DESC, id DESC", 0},
    {"list_qid",
     "SELECT " LIST_COLUMNS " FROM quarantine WHERE queue_id = $1 ORDER BY time DESC, id DESC", 1},
    {"rec", "SELECT record FROM quarantine WHERE id = $1", 1},
    {"eml", "SELECT message FROM quarantine WHERE id = $1", 1},
    {"lock", "SELECT record, release_host, release_port FROM quarantine WHERE id = $1 FOR UPDATE",
     1},
    {"upd", "UPDATE quarantine SET state = $2, record = $3 WHERE id = $1", 3},
    {"del", "UPDATE quarantine SET state = 'deleted', record = $2, message = NULL WHERE id = $1",
     2},
};

const size_t quarantine_pg_statements_n = G_N_ELEMENTS(quarantine_pg_statements);

/* The purge's queries, in order: by age, then oldest first down to the size (both skip a
 * row another process holds), then what is kept, then the rows left for the next purge. */
const struct quarantine_pg_purge_query quarantine_pg_purge_queries[QUARANTINE_PG_PURGE_QUERIES] = {
    {"DELETE FROM quarantine WHERE id IN (SELECT id FROM quarantine WHERE time < $1"
     " FOR UPDATE SKIP LOCKED) RETURNING " ROW_BYTES,
     1, 0},
    {"DELETE FROM quarantine WHERE id IN (SELECT id FROM (SELECT id, sum(" ROW_BYTES ")"
     " OVER (ORDER BY time DESC, id DESC) AS running FROM quarantine) s WHERE running > $1)"
     " AND id IN (SELECT id FROM quarantine FOR UPDATE SKIP LOCKED) RETURNING " ROW_BYTES,
     1, 1},
    {"SELECT " ROW_BYTES " FROM quarantine", 0, 0},
    {"SELECT count(*) FROM quarantine WHERE time < $1 OR id IN (SELECT id FROM (SELECT id,"
     " sum(" ROW_BYTES ") OVER (ORDER BY time DESC, id DESC) AS running FROM quarantine) s"
     " WHERE running > $2)",
     2, 0},
};
