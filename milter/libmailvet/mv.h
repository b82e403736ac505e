/* mv.h - the few types shared by every module.
 * enum mv_status: what a module function returns; struct mv_err: the caller-owned error
 * that carries the message text (leaf modules fill it, the programs print it);
 * enum mv_verdict and enum mv_action: what the pipeline decides; struct mv_leaf: one
 * MIME leaf as message.c hands it to the other modules (GMime never leaves message.c). */
#ifndef MV_H
#define MV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mv_status {
    MV_OK = 0,
    MV_ENOMEM,  /* allocation refused (sender-sized data) */
    MV_EIO,     /* read/write/temp file failure */
    MV_TOOBIG,  /* a size cap was hit: a verdict, not an error */
    MV_EPARSE,  /* input could not be parsed at all */
    MV_ESCAN,   /* libclamav failed on a leaf */
    MV_ECONFIG, /* configuration or database problem */
    MV_EBUG,    /* broken invariant */
};

struct mv_err {
    enum mv_status status;
    char msg[2048]; /* room for every config error, one per line */
};

/* mv_err_set - fill err (may be NULL) with a status and a printf message; returns status */
enum mv_status mv_err_set(struct mv_err *err, enum mv_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *mv_status_name(enum mv_status status);

/* Verdict classes, weakest first so that MAX() gives the strongest. */
enum mv_verdict {
    MV_VERDICT_CLEAN = 0,
    MV_VERDICT_SUSPICIOUS,
    MV_VERDICT_UNSCANNABLE,
    MV_VERDICT_CAMPAIGN,
    MV_VERDICT_INFECTED,
};
const char *mv_verdict_name(enum mv_verdict v);

/* Actions, weakest first: where recipients disagree the strictest (largest) wins. */
enum mv_action {
    MV_ACTION_ACCEPT = 0,
    MV_ACTION_TAG,
    MV_ACTION_QUARANTINE,
    MV_ACTION_DISCARD,
    MV_ACTION_TEMPFAIL,
    MV_ACTION_REJECT,
};
const char *mv_action_name(enum mv_action a);
/* mv_action_parse - name to action; returns false for an unknown name */
bool mv_action_parse(const char *name, enum mv_action *out);

/* Leaf flags, set by message.c and message_leaves.c */
#define MV_LEAF_TRUNCATED 0x1u /* decoding stopped early (bad base64, size cap) */
#define MV_LEAF_UUENCODED 0x2u /* a "begin NNN name" block found inside a text part */
#define MV_LEAF_RESIDUE                                                                            \
    0x4u /* a multipart's preamble or epilogue, or the whole message                               \
          * kept as leaf "raw" when its structure is in doubt:                                     \
          * scanned, but not body text (clients hide it or show                                    \
          * a notice) */

/* One MIME leaf: an attachment or inline part with its decoded bytes.  Owned by
 * struct message (message.c, message_leaves.c); everything here is borrowed by other
 * modules. */
struct mv_leaf {
    char *path;                /* MIME position, "1", "2.1", "2.1.3"; uuencoded blocks "1u1" */
    char *filename;            /* decoded (RFC 2047 / RFC 2231) UTF-8, or NULL */
    char *declared_type;       /* lower-case "type/subtype" from Content-Type */
    char *disposition;         /* "attachment", "inline" or NULL */
    char *encoding;            /* Content-Transfer-Encoding as declared, lower-case, or NULL */
    unsigned depth;            /* MIME nesting depth, 0 for a single-part message */
    unsigned flags;            /* MV_LEAF_* */
    const unsigned char *data; /* decoded bytes (memory or a private mapping) */
    size_t size;
    char sha256[65]; /* hex SHA-256 of data */
};

#endif
