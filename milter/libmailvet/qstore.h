/* qstore.h - the quarantine store the configuration names (quarantine_store): the
 * directory (quarantine.h, quarantine_dir; the default) or PostgreSQL (quarantine_pg.h,
 * quarantine_db; one store for a fleet), behind one set of calls, so that mailvetd,
 * mailvet quarantine and the console do the same on either.  Records, entries, filters
 * and the release options are quarantine.h's; in PostgreSQL each entry also names the
 * host that holds it (quarantine_host, by default the hostname) and where that host
 * re-injects (its quarantine_release_host:port), and a release from any host goes there
 * (quarantine_release_route holder) or to this host's own address (local).
 * A struct qstore borrows the configuration's strings: it lives no longer than the
 * configuration.  A leaf module: it never logs. */
#ifndef MV_QSTORE_H
#define MV_QSTORE_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "mv.h"
#include "quarantine.h"

struct mv_config;

struct qstore {
    bool db;                  /* PostgreSQL, else the directory */
    const char *dir;          /* quarantine_dir */
    const char *conninfo;     /* quarantine_db */
    char host[256];           /* quarantine_host, or the hostname */
    const char *release_host; /* this host's re-injection address */
    unsigned release_port;
    bool route_local; /* a release goes to this host's address, not the holder's */
};

/* How the database answered a store, for the daemon's lines when it goes and comes back. */
enum qstore_change {
    QSTORE_SAME = 0,
    QSTORE_DOWN, /* the first store that could not reach it */
    QSTORE_BACK, /* the first store that did after that */
};

/* qstore_init - QS as CFG names it */
void qstore_init(struct qstore *qs, const struct mv_config *cfg);
/* qstore_where_new - what the store is, for messages: the directory's path, or
 * "postgresql (host=... dbname=...)" without the password (caller frees) */
char *qstore_where_new(const struct qstore *qs);
/* qstore_check - the store can take entries: the directory made and checked
 * (quarantine_check), or the database reached with its schema current.  MV_ECONFIG when
 * the database's schema is not current (err names the command to run), MV_EIO otherwise. */
enum mv_status qstore_check(const struct qstore *qs, struct mv_err *err);
/* qstore_put - one entry, wholly or not at all (quarantine_store); *CHANGE (may be NULL)
 * as enum qstore_change says */
enum mv_status qstore_put(const struct qstore *qs, const void *data, int fd, size_t size,
                          const struct quarantine_meta *meta, char *id_out,
                          enum qstore_change *change, struct mv_err *err);
/* qstore_list_new - as quarantine_list_new */
GPtrArray *qstore_list_new(const struct qstore *qs, const struct quarantine_filter *filter,
                           char *note, struct mv_err *err);
/* qstore_record_new - as quarantine_record_new */
JsonNode *qstore_record_new(const struct qstore *qs, const char *id, struct mv_err *err);
/* qstore_detail_new - ID's record read into a detail (quarantine_detail_new; caller
 * frees with quarantine_detail_free); NULL with err when it is missing or damaged */
struct quarantine_detail *qstore_detail_new(const struct qstore *qs, const char *id,
                                            struct mv_err *err);
/* qstore_exists - as quarantine_exists */
bool qstore_exists(const struct qstore *qs, const char *id);
/* qstore_eml_open - as quarantine_eml_open */
int qstore_eml_open(const struct qstore *qs, const char *id, struct mv_err *err);
/* qstore_release - as quarantine_release; in PostgreSQL OPTS' host and port are used
 * only when the route is local */
enum mv_status qstore_release(const struct qstore *qs, const char *id,
                              const struct quarantine_release_opts *opts, struct mv_err *err);
/* qstore_delete - as quarantine_delete */
enum mv_status qstore_delete(const struct qstore *qs, const char *id, const char *by,
                             struct mv_err *err);
/* qstore_purge - as quarantine_purge */
enum mv_status qstore_purge(const struct qstore *qs, guint64 max_age, guint64 max_size, gint64 now,
                            struct quarantine_purge_stats *stats, struct mv_err *err);
/* qstore_migrate - the database's schema brought to the current version, SAY told each
 * step (quarantine_pg_migrate); MV_ECONFIG for the directory store, which has none */
enum mv_status qstore_migrate(const struct qstore *qs, void (*say)(const char *line, void *arg),
                              void *arg, struct mv_err *err);

#endif
