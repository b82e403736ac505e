/* msg.c - create and free struct mv_conn and struct mv_msg, nothing else. */
#include <string.h>

#include "mailvetd_session.h"

static gint in_flight;

/* conn_new - empty connection state */
struct mv_conn *conn_new(void)
{
    return g_new0(struct mv_conn, 1);
}

/* conn_free - free a connection and any message still open on it */
struct mv_conn *conn_free(struct mv_conn *c)
{
    if (c == NULL)
        return NULL;
    c->msg = msg_free(c->msg);
    g_free(c->client_addr);
    g_free(c->client_name);
    g_free(c->helo);
    g_free(c);
    return NULL;
}

/* msg_new - a message that spools with GEN's limits */
struct mv_msg *msg_new(struct generation *gen)
{
    struct mv_msg *m = g_new0(struct mv_msg, 1);
    const struct mv_config *cfg = gen->cfg;

    m->gen = gen;
    m->qid = g_strdup("NOQUEUE");
    m->rcpts = g_ptr_array_new_with_free_func(g_free);
    m->rcpt_addrs = g_ptr_array_new_with_free_func(g_free);
    m->spool = spool_new(cfg->tmpdir, cfg->spool_memory, cfg->max_message_size);
    m->started = g_get_monotonic_time();
    g_atomic_int_inc(&in_flight);
    return m;
}

/* msg_free - end a message: spool, envelope and generation reference */
struct mv_msg *msg_free(struct mv_msg *m)
{
    if (m == NULL)
        return NULL;
    m->spool = spool_free(m->spool);
    m->gen = generation_release(m->gen);
    g_ptr_array_free(m->rcpts, TRUE);
    g_ptr_array_free(m->rcpt_addrs, TRUE);
    g_free(m->qid);
    g_free(m->sender);
    g_free(m->sender_addr);
    g_free(m->auth);
    g_free(m);
    g_atomic_int_add(&in_flight, -1);
    return NULL;
}

/* msg_in_flight - count of live messages */
int msg_in_flight(void)
{
    return g_atomic_int_get(&in_flight);
}

/* msg_address - the address inside the angle brackets of an SMTP argument, trimmed */
char *msg_address(const char *arg)
{
    const char *lt = strchr(arg, '<');
    const char *gt = lt != NULL ? strchr(lt + 1, '>') : NULL;

    if (lt != NULL && gt != NULL)
        return g_strstrip(g_strndup(lt + 1, (gsize)(gt - lt - 1)));
    return g_strstrip(g_strdup(arg));
}
