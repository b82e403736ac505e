/* quarantine_pg_row.c - an entry as a row of table quarantine (quarantine_pg.h) and back:
 * the insert's parameters from an entry, its record and its message; an entry from the
 * columns list reads.  Conversion only: quarantine_pg.c runs the statements (with
 * quarantine_pg_conn.c, the only files that call libpq).  A leaf module: it never logs. */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "quarantine.h"
#include "quarantine_internal.h"
#include "quarantine_pg_internal.h"

/* quarantine_pg_row_params - the insert's parameters from entry E, its record and message */
void quarantine_pg_row_params(struct quarantine_pg_row *row, const struct quarantine_entry *e,
                              const char *host, const char *release_host, unsigned release_port,
                              const char *text, const char *lists, const char *msg, size_t size)
{
    const char **vals = row->vals;

    memset(row->lens, 0, sizeof(row->lens));
    memset(row->fmts, 0, sizeof(row->fmts));
    snprintf(row->t, sizeof(row->t), "%" G_GINT64_FORMAT, e->time);
    snprintf(row->sz, sizeof(row->sz), "%" G_GUINT64_FORMAT, e->size);
    g_ascii_dtostr(row->sc, sizeof(row->sc), e->score);
    snprintf(row->port, sizeof(row->port), "%u", release_port);
    vals[0] = e->id;
    vals[1] = host;
    vals[2] = release_host;
    vals[3] = release_host != NULL ? row->port : NULL;
    vals[4] = row->t;
    vals[5] = row->sz;
    vals[6] = quarantine_state_name(e->state);
    vals[7] = e->verdict;
    vals[8] = row->sc;
    vals[9] = e->sender;
    vals[10] = e->queue_id;
    vals[11] = e->subject;
    vals[12] = lists;
    vals[13] = text;
    vals[14] = msg;
    row->lens[14] = (int)size;
    row->fmts[14] = 1;
}

/* quarantine_pg_row_entry_new - a list row's columns as an entry */
struct quarantine_entry *quarantine_pg_row_entry_new(const char *const *col)
{
    struct quarantine_entry *e = quarantine_entry_new();
    enum quarantine_state state;

    g_strlcpy(e->id, col[0], sizeof(e->id));
    e->host = g_strdup(col[1]);
    e->time = g_ascii_strtoll(col[2], NULL, 10);
    e->size = g_ascii_strtoull(col[3], NULL, 10);
    e->state = quarantine_state_parse(col[4], &state) ? state : QUARANTINE_DAMAGED;
    e->verdict = g_strdup(col[5]);
    e->score = g_ascii_strtod(col[6], NULL);
    e->sender = g_strdup(col[7]);
    e->queue_id = g_strdup(col[8]);
    e->subject = g_strdup(col[9]);
    quarantine_record_lists_read(e, col[10]);
    return e;
}
