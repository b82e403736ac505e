/* mailvetd_metrics.h - /metrics: the daemon's counters served over HTTP to Prometheus.
 * mailvetd_metrics_open() at start, while the daemon may still be root and before it
 * detaches: the process's counters, and the listening socket of metrics_listen (none
 * for ""); an address that cannot be had refuses the start.  mailvetd_metrics_start()
 * once the privileges are dropped and the signals blocked: the server's thread.  The
 * milter callbacks feed mailvetd_metrics_message() and mailvetd_metrics_error(), the
 * start and the reloads mailvetd_metrics_generation() and mailvetd_metrics_reload().
 * The counters are libmailvet's metrics.c; this module reads the rest when scraped and
 * is the only one that calls libmicrohttpd. */
#ifndef MV_MAILVETD_METRICS_H
#define MV_MAILVETD_METRICS_H

#include <stdbool.h>

#include "config.h"
#include "generation.h"
#include "mv.h"
#include "pipeline.h"

/* How long the quarantine store's counts are reused before its index is read again. */
#define MAILVETD_METRICS_QUARANTINE_TTL 30 /* seconds */

/* mailvetd_metrics_open - the counters, and CFG's metrics_listen bound and listening;
 * false with ERR ("FILE: metrics_listen: cannot listen on ADDRESS: reason; ...") */
bool mailvetd_metrics_open(const struct mv_config *cfg, struct mv_err *err);
/* mailvetd_metrics_start - serve (a thread of libmicrohttpd's) when an address was
 * opened, and log where; false with ERR */
bool mailvetd_metrics_start(struct mv_err *err);
/* mailvetd_metrics_stop - stop serving (the counters stay, for threads still counting) */
void mailvetd_metrics_stop(void);
/* mailvetd_metrics_generation - G serves from now on */
void mailvetd_metrics_generation(const struct generation *g);
/* mailvetd_metrics_reload - one reload, DONE or refused */
void mailvetd_metrics_reload(bool done);
/* mailvetd_metrics_message - a message of GEN that got a verdict: IN, RES, the WAIT_MS
 * it waited for a scan slot, and whether the answer was TEMPFAIL (the policy's action,
 * or a quarantine that could not be done) */
void mailvetd_metrics_message(const struct generation *gen, const struct pipeline_input *in,
                              const struct pipeline_result *res, double wait_ms, bool tempfail);
/* mailvetd_metrics_error - an internal failure at STAGE (on_error), answered with a
 * TEMPFAIL or accepted */
void mailvetd_metrics_error(const char *stage, bool tempfail);

#endif
