/* mailvetd_session.c - create and free struct session_conn and struct session_txn, nothing else. */
#include <string.h>

#include "mailvetd_session.h"

static gint in_flight;

/* session_conn_new - empty connection state */
struct session_conn *session_conn_new(void)
{
    return g_new0(struct session_conn, 1);
}

/* session_conn_free - free a connection and any message still open on it */
struct session_conn *session_conn_free(struct session_conn *c)
{
    if (c == NULL)
        return NULL;
    c->txn = session_txn_free(c->txn);
    g_free(c->client_addr);
    g_free(c->client_name);
    g_free(c->helo);
    g_free(c);
    return NULL;
}

/* session_txn_new - a message that spools with GEN's limits */
struct session_txn *session_txn_new(struct generation *gen)
{
    struct session_txn *t = g_new0(struct session_txn, 1);
    const struct mv_config *cfg = gen->cfg;

    t->gen = gen;
    t->qid = g_strdup("NOQUEUE");
    t->rcpts = g_ptr_array_new_with_free_func(g_free);
    t->rcpt_addrs = g_ptr_array_new_with_free_func(g_free);
    t->spool = spool_new(cfg->tmpdir, cfg->spool_memory, cfg->max_message_size);
    g_atomic_int_inc(&in_flight);
    return t;
}

/* session_txn_free - end a message: spool, envelope and generation reference */
struct session_txn *session_txn_free(struct session_txn *t)
{
    if (t == NULL)
        return NULL;
    t->spool = spool_free(t->spool);
    t->gen = generation_release(t->gen);
    g_ptr_array_free(t->rcpts, TRUE);
    g_ptr_array_free(t->rcpt_addrs, TRUE);
    g_free(t->qid);
    g_free(t->sender);
    g_free(t->sender_addr);
    g_free(t->auth);
    g_free(t);
    g_atomic_int_add(&in_flight, -1);
    return NULL;
}

/* session_txn_in_flight - count of live messages */
int session_txn_in_flight(void)
{
    return g_atomic_int_get(&in_flight);
}

/* session_address - the address inside the angle brackets of an SMTP argument, trimmed */
char *session_address(const char *arg)
{
    const char *lt = strchr(arg, '<');
    const char *gt = lt != NULL ? strchr(lt + 1, '>') : NULL;

    if (lt != NULL && gt != NULL)
        return g_strstrip(g_strndup(lt + 1, (gsize)(gt - lt - 1)));
    return g_strstrip(g_strdup(arg));
}
