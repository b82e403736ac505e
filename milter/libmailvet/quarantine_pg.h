/* quarantine_pg.h - the quarantine in PostgreSQL (quarantine_store: postgresql), for a
 * fleet: every host writes its held messages to one database, and list, show, release,
 * delete and purge work on all of them from any host.  The entries, records and
 * messages are those of the directory store (quarantine.h), plus the holding host.
 * Table quarantine, one row per entry: id (quarantine.h's ids), host (the holding
 * host's name), release_host and release_port (where that host re-injects), time,
 * size, state, verdict, score, sender, queue_id, subject (what list filters on), lists
 * (JSON: recipients, reasons, campaigns, rules, signatures), record (the record's JSON
 * text) and message (bytea, NULL once deleted).  The row is one INSERT: a message is
 * held wholly or not at all.  Release and delete lock the row (SELECT ... FOR UPDATE,
 * lock_timeout 2 s: "busy: ...") from reading it to writing it back.
 * Schema: versioned migrations (QUARANTINE_PG_SCHEMA the current version) recorded in
 * table mailvet_schema and applied only by quarantine_pg_migrate (mailvet quarantine
 * migrate); any other call refuses a database whose version is not current.
 * Connections: one per thread, made on first use and kept (thread-local, closed when the
 * thread ends), its statements prepared once; a connection found broken is made again
 * on the next call.  CONNINFO is libpq's (key=value or a postgresql:// URI; a password
 * from passfile= or PGPASSFILE); no message of this module shows the password.
 * Only quarantine_pg.c and quarantine_pg_conn.c (the connections) of mailvet call libpq
 * (its SQL in quarantine_pg_schema.c, rows converted in quarantine_pg_row.c).  A leaf module: it
 * never logs. */
#ifndef MV_QUARANTINE_PG_H
#define MV_QUARANTINE_PG_H

#include <stdio.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "quarantine.h"

#define QUARANTINE_PG_SCHEMA 1 /* the schema version this mailvet reads and writes */

/* How the database answered lately, for the daemon's "down" and "back" lines. */
enum quarantine_pg_change {
    QUARANTINE_PG_SAME = 0,
    QUARANTINE_PG_DOWN, /* the first failure to reach it after it was reachable */
    QUARANTINE_PG_BACK, /* the first success after it was down */
};

/* quarantine_pg_describe_new - CONNINFO without its password, as "host=db1 port=5432
 * dbname=mailvet user=mailvet" (caller frees) */
char *quarantine_pg_describe_new(const char *conninfo);
/* quarantine_pg_check - the database answers and its schema is current; MV_ECONFIG when
 * the schema is not ("... run: mailvet quarantine migrate"), MV_EIO when it cannot be
 * reached */
enum mv_status quarantine_pg_check(const char *conninfo, struct mv_err *err);
/* quarantine_pg_migrate - every migration the database lacks applied, in order, each in
 * its own transaction; SAY (may be NULL) gets one line per migration applied and a last
 * one with the version reached */
enum mv_status quarantine_pg_migrate(const char *conninfo, void (*say)(const char *line, void *arg),
                                     void *arg, struct mv_err *err);
/* quarantine_pg_store - quarantine_store() into the database; META->host names the
 * holding host and RELEASE_HOST:RELEASE_PORT where it re-injects.  *CHANGE (may be
 * NULL) says when the database went down or came back. */
enum mv_status quarantine_pg_store(const char *conninfo, const void *data, int fd, size_t size,
                                   const struct quarantine_meta *meta, const char *release_host,
                                   unsigned release_port, char *id_out,
                                   enum quarantine_pg_change *change, struct mv_err *err);
/* quarantine_pg_list_new - as quarantine_list_new, from every host */
GPtrArray *quarantine_pg_list_new(const char *conninfo, const struct quarantine_filter *filter,
                                  struct mv_err *err);
/* quarantine_pg_record_new - as quarantine_record_new */
JsonNode *quarantine_pg_record_new(const char *conninfo, const char *id, struct mv_err *err);
/* quarantine_pg_exists - ID has a row */
bool quarantine_pg_exists(const char *conninfo, const char *id);
/* quarantine_pg_eml_open - ID's message in an anonymous file (memfd) at offset 0, -1 with
 * err */
int quarantine_pg_eml_open(const char *conninfo, const char *id, struct mv_err *err);
/* quarantine_pg_release - as quarantine_release; with OPTS->host NULL the message goes
 * to the release address the holding host recorded */
enum mv_status quarantine_pg_release(const char *conninfo, const char *id,
                                     const struct quarantine_release_opts *opts,
                                     struct mv_err *err);
/* quarantine_pg_delete - as quarantine_delete: the message dropped, the row kept deleted */
enum mv_status quarantine_pg_delete(const char *conninfo, const char *id, const char *by,
                                    struct mv_err *err);
/* quarantine_pg_purge - as quarantine_purge over the whole fleet's rows (their size: the
 * message's bytes and the record's) */
enum mv_status quarantine_pg_purge(const char *conninfo, guint64 max_age, guint64 max_size,
                                   gint64 now, struct quarantine_purge_stats *stats,
                                   struct mv_err *err);

#endif
