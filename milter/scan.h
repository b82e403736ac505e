/* scan.h - libclamav: one engine per generation, one in-memory scan per leaf.
 * scan_engine_new() loads every signature file in a directory (any ClamAV format),
 * applies the limits of the config and compiles; the engine is then read-only and
 * shared by all threads.  scan_leaf() scans a leaf's bytes from memory in all-match
 * mode and fills a caller-owned struct scan_report (scan_report_clear() frees its
 * contents).  No logging: errors come back in struct mv_err. */
#ifndef MV_SCAN_H
#define MV_SCAN_H

#include <glib.h>

#include "config.h"
#include "mailvet.h"

struct scan_engine;

struct scan_report {
    GPtrArray *signatures; /* char *, every distinct match, in order found */
    char *detected_type;   /* ClamAV's type of the leaf itself, "CL_TYPE_ZIP" */
    unsigned objects;      /* objects inspected, the leaf and everything inside it */
    unsigned max_depth;    /* deepest nesting level reached */
};

/* called from inside a scan, at most about once a second (smfi_progress) */
typedef void (*scan_progress_fn)(void *ctx);

/* scan_engine_new - load DATABASE (a directory or one file) with CFG's limits */
struct scan_engine *scan_engine_new(const struct mv_config *cfg, const char *database,
                                    struct mv_err *err);
unsigned scan_engine_signatures(const struct scan_engine *e);
/* scan_engine_version - libclamav version and database version/time, for logs */
const char *scan_engine_version(const struct scan_engine *e);
struct scan_engine *scan_engine_free(struct scan_engine *e);

/* scan_leaf - scan one leaf; MV_OK with rep filled (a limit hit is a signature
 * name, Heuristics.Limits.Exceeded.*), MV_ENOMEM / MV_ESCAN on failure */
enum mv_status scan_leaf(const struct scan_engine *e, const struct mv_leaf *leaf,
                         struct scan_report *rep, scan_progress_fn progress,
                         void *progress_ctx, struct mv_err *err);
void scan_report_clear(struct scan_report *rep);

#endif
