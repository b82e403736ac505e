/* mailvetd_session.h - the milter's per-connection and per-transaction state.
 * struct session_conn lives from the first callback of a connection to xxfi_close;
 * struct session_txn from MAIL FROM to the end of the transaction.  The message holds a
 * generation reference for its whole life, so it finishes on the generation it
 * started with.  session_txn_free() is the only way a message ends; it returns NULL so that
 * "c->txn = session_txn_free(c->txn)" makes a second call harmless. */
#ifndef MV_MAILVETD_SESSION_H
#define MV_MAILVETD_SESSION_H

#include <glib.h>

#include "generation.h"
#include "mv.h"
#include "pipeline.h"
#include "spool.h"

struct session_txn {
    struct generation *gen; /* referenced */
    char *qid;              /* {i}, "NOQUEUE" until known */
    char *sender;           /* envelope sender as given, <...> included */
    char *sender_addr;      /* the address alone, "" for the null sender */
    char *auth;             /* {auth_authen} or NULL */
    GPtrArray *rcpts;       /* char *, as given */
    GPtrArray *rcpt_addrs;  /* char *, the addresses alone */
    struct spool *spool;
    struct mv_err err;
    unsigned
        own_headers[3]; /* act_headers[] (X-Mailvet-Status, -Score, -Reasons) the sender brought */
    unsigned subjects;  /* Subject header fields */
    double wait_ms;     /* waited for a scan slot (scanslots.h) */
};

struct session_conn {
    char *client_addr;
    char *client_name;
    char *helo;
    struct session_txn *txn;
};

struct session_conn *session_conn_new(void);
struct session_conn *session_conn_free(struct session_conn *c);
/* session_txn_new - a message on GEN, taking over the caller's reference */
struct session_txn *session_txn_new(struct generation *gen);
struct session_txn *session_txn_free(struct session_txn *t);
/* session_txn_in_flight - messages begun and not yet freed, over all threads */
int session_txn_in_flight(void);
/* session_address - the address of a MAIL FROM / RCPT TO argument: "<a@b>" or "a@b"
 * gives "a@b", "<>" gives "" (newly allocated) */
char *session_address(const char *arg);

#endif
