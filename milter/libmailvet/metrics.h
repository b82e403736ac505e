/* metrics.h - mailvetd's counters, histograms and gauges, and their Prometheus text.
 * A struct metrics is made once per process and shared by every thread: counters and
 * histograms are atomic, label sets are bounded and guarded by one mutex.
 * metrics_count_message() takes what one message's verdict was made of,
 * metrics_set_generation() what a generation was built from, metrics_count() one event
 * of a labelled family (a tempfail by its cause, an internal error by its stage), and
 * metrics_render() writes every family in the text exposition format 0.0.4 (HELP and TYPE
 * lines, counters named _total, base units: _seconds, _bytes) into a GString.
 * Labels are bounded: rule ids are those of the current generation's policy (a hit of a
 * rule the policy no longer has is not counted by rule); a limit reason, mailvet's own
 * (Mailvet.Limits.NAME...) or libclamav's (Heuristics.Limits.Exceeded.NAME), counts
 * under its NAME in METRICS_LIMIT_HITS, never as a signature; signature names beyond
 * max_signatures, limit names, causes and stages beyond their own bounds are counted
 * under METRICS_OTHER.  Only names that come from the policy, the signature database or
 * this program ever become labels: never anything of a message.  A leaf module: no
 * logging, no HTTP (mailvetd_metrics.c serves the text). */
#ifndef MV_METRICS_H
#define MV_METRICS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "mv.h"

struct metrics;

#define METRICS_OTHER "other"                  /* the label value of what a bound folds */
#define METRICS_MAX_SIGNATURES_LIMIT 100000    /* the largest metrics_max_signatures */
#define METRICS_LIMIT_PREFIX "Mailvet.Limits." /* mailvet's own limits */
#define METRICS_CLAMAV_LIMIT_PREFIX "Heuristics.Limits.Exceeded." /* libclamav's */

/* The families with a label whose values are not fixed in advance. */
enum metrics_family {
    METRICS_RULE_HITS = 0,  /* mailvet_rule_hits_total{rule}: the current policy's ids */
    METRICS_SIGNATURE_HITS, /* mailvet_signature_hits_total{signature}: max_signatures */
    METRICS_LIMIT_HITS,     /* mailvet_limit_hits_total{limit}: METRICS_MAX_LABELS */
    METRICS_TEMPFAILS,      /* mailvet_tempfails_total{cause}: METRICS_MAX_LABELS */
    METRICS_ERRORS,         /* mailvet_errors_total{stage}: METRICS_MAX_LABELS */
    METRICS_FAMILIES,
};
#define METRICS_MAX_LABELS 64 /* distinct limits, causes, stages before METRICS_OTHER */

/* What one message that got a verdict was made of (borrowed for the call). */
struct metrics_message {
    enum mv_verdict verdict;
    enum mv_action action;    /* the policy's */
    double scan_seconds;      /* parse, scan, rules and policy */
    double wait_seconds;      /* waiting for a scan slot */
    uint64_t bytes;           /* the message's size as the MTA sent it */
    unsigned objects;         /* objects inspected over all its leaves */
    const char *const *rules; /* ids of the rules that hit */
    size_t nrules;
    const char *const *reasons; /* signature names, and limit names (either LIMIT_PREFIX) */
    size_t nreasons;
    bool cache; /* a cache is configured: the four below are counted */
    unsigned cache_hits, cache_misses, cache_errors, cache_rejected;
    bool local; /* a local cache is on (local_cache_size): the three below are counted */
    unsigned local_hits, local_misses, local_evictions;
};

/* What the current generation was built from. */
struct metrics_generation {
    unsigned number;
    double loaded;            /* Unix seconds, when it was installed */
    double signatures_time;   /* Unix seconds: the newest file of its signature database */
    unsigned signatures;      /* signatures loaded */
    const char *const *rules; /* the policy's rule ids, the label set of METRICS_RULE_HITS */
    size_t nrules;
    unsigned max_signatures; /* metrics_max_signatures */
    bool cache;              /* a Redis cache is configured */
};

/* What is read when scraped (the program gathers it). */
struct metrics_now {
    unsigned in_flight;       /* messages begun and not ended */
    unsigned slots;           /* scan slots */
    unsigned slots_busy;      /* scan slots taken */
    bool breaker_open;        /* the cache's circuit breaker */
    uint64_t local_bytes;     /* the serving generation's local cache: bytes counted, */
    unsigned local_entries;   /* entries kept */
    uint64_t local_max_bytes; /* and its bound (local_cache_size; 0: off) */
    bool quarantine;          /* the store was read: the counts below are exported */
    unsigned quarantine_held, quarantine_released, quarantine_deleted, quarantine_damaged;
    uint64_t quarantine_bytes; /* messages held or released, still in the store */
};

/* metrics_new - every counter at zero, no generation yet */
struct metrics *metrics_new(void);
struct metrics *metrics_free(struct metrics *m);
/* metrics_set_generation - G is current: its gauges, its rules as the label set of
 * METRICS_RULE_HITS (a rule it keeps keeps its count) and its max_signatures */
void metrics_set_generation(struct metrics *m, const struct metrics_generation *g);
/* metrics_count_message - one message that got a verdict */
void metrics_count_message(struct metrics *m, const struct metrics_message *msg);
/* metrics_count - one event of family F with label VALUE (within the family's bound) */
void metrics_count(struct metrics *m, enum metrics_family f, const char *value);
/* metrics_declare - the series F{VALUE} exists from now on, at zero until counted, so
 * that a rate over it sees its first event */
void metrics_declare(struct metrics *m, enum metrics_family f, const char *value);
/* metrics_count_reload - one reload: DONE (a generation installed) or refused */
void metrics_count_reload(struct metrics *m, bool done);
/* metrics_render - every family as Prometheus text into OUT; NOW (may be NULL: its
 * families are left out) holds what the program read for this scrape */
void metrics_render(struct metrics *m, const struct metrics_now *now, GString *out);

#endif
