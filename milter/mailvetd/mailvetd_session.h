/* msg.h - per-connection and per-message state of the milter.
 * struct mv_conn lives from the first callback of a connection to xxfi_close;
 * struct mv_msg from MAIL FROM to the end of the transaction.  The message holds a
 * generation reference for its whole life, so it finishes on the generation it
 * started with.  msg_free() is the only way a message ends; it returns NULL so that
 * "c->msg = msg_free(c->msg)" makes a second call harmless. */
#ifndef MV_MSG_H
#define MV_MSG_H

#include <glib.h>

#include "generation.h"
#include "mv.h"
#include "pipeline.h"
#include "spool.h"

struct mv_msg {
    struct generation *gen; /* referenced */
    char *qid;              /* {i}, "NOQUEUE" until known */
    char *sender;           /* envelope sender as given, <...> included */
    char *sender_addr;      /* the address alone, "" for the null sender */
    char *auth;             /* {auth_authen} or NULL */
    GPtrArray *rcpts;       /* char *, as given */
    GPtrArray *rcpt_addrs;  /* char *, the addresses alone */
    struct spool *spool;
    enum mv_status spool_status; /* first spool failure, MV_OK if none (MV_TOOBIG is not one) */
    struct mv_err err;
    unsigned own_headers[3]; /* X-Mailvet-Status, -Score, -Reasons the sender brought */
    unsigned subjects;       /* Subject header fields */
    gint64 started;
    double wait_ms;          /* waited for a scan slot (scanslots.h) */
};

struct mv_conn {
    char *client_addr;
    char *client_name;
    char *helo;
    struct mv_msg *msg;
};

struct mv_conn *conn_new(void);
struct mv_conn *conn_free(struct mv_conn *c);
/* msg_new - a message on GEN, taking over the caller's reference */
struct mv_msg *msg_new(struct generation *gen);
struct mv_msg *msg_free(struct mv_msg *m);
/* msg_in_flight - messages begun and not yet freed, over all threads */
int msg_in_flight(void);
/* msg_address - the address of a MAIL FROM / RCPT TO argument: "<a@b>" or "a@b"
 * gives "a@b", "<>" gives "" (newly allocated) */
char *msg_address(const char *arg);

#endif
