/* pipeline.h - one message from bytes to verdict and action: the path both mailvetd
 * (at end of message) and mailvet scan take.  pipeline_run() parses (message.c),
 * scans every leaf (scan.c), classifies the signatures found, evaluates the
 * policy's rules over the message's features (rules_eval.c), raises the verdict by
 * the rules' score and lets the policy decide the action per recipient
 * (policy_decide.c).  The result owns the parsed message and the per-leaf reports;
 * pipeline_result_clear() frees them.  An internal failure returns non-MV_OK and
 * leaves res->verdict meaningless: the caller applies on_error. */
#ifndef MV_PIPELINE_H
#define MV_PIPELINE_H

#include <glib.h>

#include "cache.h"
#include "generation.h"
#include "localcache.h"
#include "mv.h"
#include "message.h"
#include "mvfeatures.h"
#include "policy.h"
#include "rules.h"
#include "scan.h"

struct pipeline_input {
    GByteArray *bytes;            /* the message in memory, or NULL */
    int fd;                       /* or a seekable fd holding it (used when bytes is NULL) */
    size_t size;                  /* bytes offered by the sender */
    bool truncated;               /* the spool stopped keeping bytes at max_message_size */
    struct features_envelope env; /* for rules and per-recipient policy; may be empty */
    const char *queue_id;         /* for the reply text, or NULL */
};

struct pipeline_result {
    struct message *msg;         /* owned */
    struct scan_report *reports; /* owned, one per leaf of msg */
    size_t nreports;
    enum mv_verdict verdict;
    enum mv_action action;
    double score;                    /* sum of the rule hits' scores */
    GPtrArray *reasons;              /* char *, signature and limit names, distinct,
                                      * strongest class first */
    struct rules_result rules;       /* rule hits, in rule order */
    struct policy_decision decision; /* action, reply, tagging, note */
    bool *cached;                    /* per leaf: its report came from the cache */
    struct cache_stats cache;        /* what the Redis cache did for this message */
    struct localcache_stats local;   /* what the local cache did for this message */
    unsigned objects;                /* objects inspected over all leaves */
    double ms;                       /* time spent in pipeline_run */
};

enum mv_status pipeline_run(const struct generation *gen, const struct pipeline_input *in,
                            struct pipeline_result *res, scan_progress_fn progress,
                            void *progress_ctx, struct mv_err *err);
/* pipeline_classify - the verdict class a signature name stands for */
enum mv_verdict pipeline_classify(const char *signature);
void pipeline_result_clear(struct pipeline_result *res);

#endif
