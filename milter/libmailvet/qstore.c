/* qstore.c - the quarantine store the configuration names (qstore.h): each call goes to
 * the directory store (quarantine*.c) or to PostgreSQL (quarantine_pg.c).  A leaf
 * module: it never logs. */
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "config.h"
#include "qstore.h"
#include "quarantine.h"
#include "quarantine_pg.h"

/* qstore_init - the store of CFG */
void qstore_init(struct qstore *qs, const struct mv_config *cfg)
{
    memset(qs, 0, sizeof(*qs));
    qs->db = cfg->quarantine_store == CONFIG_STORE_POSTGRESQL;
    qs->dir = cfg->quarantine_dir;
    qs->conninfo = cfg->quarantine_db;
    qs->release_host = cfg->quarantine_release_host;
    qs->release_port = cfg->quarantine_release_port;
    qs->route_local = cfg->quarantine_release_route == CONFIG_ROUTE_LOCAL;
    if (cfg->quarantine_host != NULL && *cfg->quarantine_host != '\0')
        g_strlcpy(qs->host, cfg->quarantine_host, sizeof(qs->host));
    else if (gethostname(qs->host, sizeof(qs->host) - 1) != 0)
        g_strlcpy(qs->host, "localhost", sizeof(qs->host));
}

/* qstore_where_new - the directory, or the database without its password */
char *qstore_where_new(const struct qstore *qs)
{
    char *d, *w;

    if (!qs->db)
        return g_strdup(qs->dir);
    d = quarantine_pg_describe_new(qs->conninfo);
    w = g_strdup_printf("postgresql (%s)", d);
    g_free(d);
    return w;
}

/* qstore_check - the store can take entries */
enum mv_status qstore_check(const struct qstore *qs, struct mv_err *err)
{
    return qs->db ? quarantine_pg_check(qs->conninfo, err) : quarantine_check(qs->dir, err);
}

/* qstore_put - one entry, with this host's name in the database */
enum mv_status qstore_put(const struct qstore *qs, const void *data, int fd, size_t size,
                          const struct quarantine_meta *meta, char *id_out,
                          enum qstore_change *change, struct mv_err *err)
{
    struct quarantine_meta m;
    enum quarantine_pg_change c = QUARANTINE_PG_SAME;
    enum mv_status st;

    if (change != NULL)
        *change = QSTORE_SAME;
    if (!qs->db)
        return quarantine_store(qs->dir, data, fd, size, meta, id_out, err);
    m = *meta;
    m.host = qs->host;
    st = quarantine_pg_store(qs->conninfo, data, fd, size, &m, qs->release_host, qs->release_port,
                             id_out, &c, err);
    if (change != NULL)
        *change = c == QUARANTINE_PG_DOWN   ? QSTORE_DOWN
                  : c == QUARANTINE_PG_BACK ? QSTORE_BACK
                                            : QSTORE_SAME;
    return st;
}

/* qstore_list_new - the entries that pass FILTER, newest first */
GPtrArray *qstore_list_new(const struct qstore *qs, const struct quarantine_filter *filter,
                           char *note, struct mv_err *err)
{
    if (!qs->db)
        return quarantine_list_new(qs->dir, filter, note, err);
    if (note != NULL)
        note[0] = '\0';
    return quarantine_pg_list_new(qs->conninfo, filter, err);
}

/* qstore_record_new - ID's record */
JsonNode *qstore_record_new(const struct qstore *qs, const char *id, struct mv_err *err)
{
    return qs->db ? quarantine_pg_record_new(qs->conninfo, id, err)
                  : quarantine_record_new(qs->dir, id, err);
}

/* qstore_detail_new - ID's record as a detail */
struct quarantine_detail *qstore_detail_new(const struct qstore *qs, const char *id,
                                            struct mv_err *err)
{
    JsonNode *rec = qstore_record_new(qs, id, err);
    struct quarantine_detail *d;

    if (rec == NULL)
        return NULL;
    d = quarantine_detail_new(rec);
    json_node_unref(rec);
    return d;
}

/* qstore_exists - ID is an entry */
bool qstore_exists(const struct qstore *qs, const char *id)
{
    return qs->db ? quarantine_pg_exists(qs->conninfo, id) : quarantine_exists(qs->dir, id);
}

/* qstore_eml_open - ID's message for reading */
int qstore_eml_open(const struct qstore *qs, const char *id, struct mv_err *err)
{
    return qs->db ? quarantine_pg_eml_open(qs->conninfo, id, err)
                  : quarantine_eml_open(qs->dir, id, err);
}

/* qstore_release - ID re-injected, then released */
enum mv_status qstore_release(const struct qstore *qs, const char *id,
                              const struct quarantine_release_opts *opts, struct mv_err *err)
{
    struct quarantine_release_opts o;

    if (!qs->db)
        return quarantine_release(qs->dir, id, opts, err);
    o = *opts;
    if (!qs->route_local)
        o.host = NULL; /* the holder's address, from its row */
    return quarantine_pg_release(qs->conninfo, id, &o, err);
}

/* qstore_delete - ID's message removed, its record kept as deleted */
enum mv_status qstore_delete(const struct qstore *qs, const char *id, const char *by,
                             struct mv_err *err)
{
    return qs->db ? quarantine_pg_delete(qs->conninfo, id, by, err)
                  : quarantine_delete(qs->dir, id, by, err);
}

/* qstore_purge - retention */
enum mv_status qstore_purge(const struct qstore *qs, guint64 max_age, guint64 max_size, gint64 now,
                            struct quarantine_purge_stats *stats, struct mv_err *err)
{
    return qs->db ? quarantine_pg_purge(qs->conninfo, max_age, max_size, now, stats, err)
                  : quarantine_purge(qs->dir, max_age, max_size, now, stats, err);
}

/* qstore_migrate - the database's schema made current */
enum mv_status qstore_migrate(const struct qstore *qs, void (*say)(const char *line, void *arg),
                              void *arg, struct mv_err *err)
{
    if (!qs->db)
        return mv_err_set(err, MV_ECONFIG,
                          "quarantine_store is dir: the directory store has no schema to migrate");
    return quarantine_pg_migrate(qs->conninfo, say, arg, err);
}
