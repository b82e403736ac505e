/* generation.h - config + policy + compiled engine (+ its caches) as one
 * reference-counted unit.
 * generation_build() makes a whole generation or nothing.  generation_install() makes
 * it the one new messages take; generation_acquire() hands out a reference to the
 * current one, generation_release() drops it, and the last release frees it, so a
 * scan in flight finishes on the generation it started with after a reload. */
#ifndef MV_GENERATION_H
#define MV_GENERATION_H

#include "cache.h"
#include "config.h"
#include "localcache.h"
#include "mv.h"
#include "policy.h"
#include "scan.h"

struct generation {
    unsigned number;               /* 1, 2, ... in order of installation */
    struct mv_config *cfg;         /* owned */
    struct scan_options scan_opts; /* cfg's scan limits, for the engine and each budget */
    struct scan_engine *engine;    /* owned */
    struct policy *policy;         /* owned: policy files and compiled rules */
    struct cache *cache;           /* owned: the Redis verdict cache, NULL when off */
    struct localcache *local;      /* owned: the local verdict cache, NULL when off; a
                                    * new generation starts with an empty one */
    char *scan_digest;             /* hex SHA-256 of what reports depend on (cache keys) */
    char *stamp;                   /* names, sizes and times of the files it was built from */
    char *database;                /* the directory actually loaded (cfg or override) */
    char *policy_dir;              /* the policy directory loaded, "" for none (no rules) */
    double build_ms;               /* time to build, for the log */
    gint refs;
};

/* generation_build - load CONFIG_PATH (NULL: built-in defaults) and its database
 * (DATABASE overrides the config's when non-NULL); NULL with err on any failure.
 * Fails closed, each time with one line in err->msg that names the path and the fix
 * ("policy_dir DIR: no such directory; install the policies there or set
 * policy_dir: \"\" in FILE to run without rules"): policy_dir missing, not a directory,
 * unreadable by this process (mailvetd builds as the user it runs as) or without a single
 * rule; the database missing, unreadable, empty or without signatures of its own.  A
 * file that does not load is refused with its FILE:LINE errors (one line each).  Only
 * policy_dir: "" gives the built-in actions without rules. */
struct generation *generation_build(const char *config_path, const char *database,
                                    struct mv_err *err);
/* generation_report_new - what G loaded, for mailvet check-config and mailvetd -n, as
 * "# " lines (g_free): the database and its signature count, the policy directory
 * ("# policy: N files, M rules from DIR", or "# policy: built-in, no rules") with the
 * rules of each file, the policy's own signatures, the actions per verdict and per
 * score, and the quarantine (quarantine_mode, quarantine_dir) */
char *generation_report_new(const struct generation *g);
/* generation_warning_new - one line (g_free) saying what G runs without because the
 * configuration asks for it (policy_dir: ""), or NULL */
char *generation_warning_new(const struct generation *g);
/* generation_install - make G current (takes the caller's reference) */
void generation_install(struct generation *g);
/* generation_acquire - a new reference to the current generation, or NULL */
struct generation *generation_acquire(void);
/* generation_release - drop a reference; returns NULL */
struct generation *generation_release(struct generation *g);
/* generation_stamp_new - names, sizes and times of the signature and policy files G
 * was built from, as they are now (g_free); differs from g->stamp when they changed */
char *generation_stamp_new(const struct generation *g);
/* generation_shutdown - drop the current one (at exit) */
void generation_shutdown(void);

#endif
