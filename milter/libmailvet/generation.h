/* generation.h - config + policy + compiled engine (+ its cache) as one
 * reference-counted unit.
 * generation_build() makes a whole generation or nothing.  generation_install() makes
 * it the one new messages take; generation_acquire() hands out a reference to the
 * current one, generation_release() drops it, and the last release frees it, so a
 * scan in flight finishes on the generation it started with after a reload. */
#ifndef MV_GENERATION_H
#define MV_GENERATION_H

#include "cache.h"
#include "config.h"
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
    char *scan_digest;             /* hex SHA-256 of what reports depend on (cache keys) */
    char *stamp;                   /* names, sizes and times of the files it was built from */
    char *database;                /* the directory actually loaded (cfg or override) */
    char *policy_dir;              /* the policy directory loaded, "" for the built-in policy */
    double build_ms;               /* time to build, for the log */
    gint refs;
};

/* generation_build - load CONFIG_PATH (NULL: built-in defaults) and its database
 * (DATABASE overrides the config's when non-NULL); NULL with err on any failure */
struct generation *generation_build(const char *config_path, const char *database,
                                    struct mv_err *err);
/* generation_policy_dir - the policy directory CFG makes a generation load: its
 * policy_dir, or "" (the built-in policy) when that is the default and absent */
const char *generation_policy_dir(const struct mv_config *cfg);
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
