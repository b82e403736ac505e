/* generation.c - build, install and reference-count generations.
 * The current generation is a pointer guarded by a mutex; a message takes a
 * reference at its start and drops it when it ends (msg.c), so a reload swaps the
 * pointer without waiting for anyone, and the old engine is freed by whichever
 * thread drops its last reference.  Two engines are in memory during a swap. */
#include <glib.h>

#include "generation.h"

static GMutex current_lock;
static struct generation *current;
static unsigned installed;

/* generation_build - config and engine together, or nothing */
struct generation *generation_build(const char *config_path, const char *database,
                                    struct mv_err *err)
{
    gint64 start = g_get_monotonic_time();
    struct generation *g = NULL;
    struct mv_config *cfg;
    struct scan_engine *engine;

    cfg = config_path != NULL ? config_load(config_path, err) : config_default();
    if (cfg == NULL)
        return NULL;
    if (database == NULL)
        database = cfg->database;
    /* libclamav and the spool need it at every message: find out now, not per message */
    if (!g_file_test(cfg->tmpdir, G_FILE_TEST_IS_DIR)) {
        mv_err_set(err, MV_ECONFIG, "%s: tmpdir: %s: not a directory", cfg->file, cfg->tmpdir);
        config_free(cfg);
        return NULL;
    }
    engine = scan_engine_new(cfg, database, err);
    if (engine == NULL) {
        config_free(cfg);
        return NULL;
    }
    g = g_new0(struct generation, 1);
    g->cfg = cfg;
    g->engine = engine;
    g->database = g_strdup(database);
    g->refs = 1;
    g->build_ms = (double)(g_get_monotonic_time() - start) / 1000.0;
    return g;
}

/* generation_free - the last reference is gone */
static void generation_free(struct generation *g)
{
    scan_engine_free(g->engine);
    config_free(g->cfg);
    g_free(g->database);
    g_free(g);
}

/* generation_install - G becomes current; the old one lives on while referenced */
void generation_install(struct generation *g)
{
    struct generation *old;

    g_mutex_lock(&current_lock);
    g->number = ++installed;
    old = current;
    current = g;
    g_mutex_unlock(&current_lock);
    generation_release(old);
}

/* generation_acquire - reference to the current generation */
struct generation *generation_acquire(void)
{
    struct generation *g;

    g_mutex_lock(&current_lock);
    g = current;
    if (g != NULL)
        g_atomic_int_inc(&g->refs);
    g_mutex_unlock(&current_lock);
    return g;
}

/* generation_release - drop one reference, free on the last */
struct generation *generation_release(struct generation *g)
{
    if (g != NULL && g_atomic_int_dec_and_test(&g->refs))
        generation_free(g);
    return NULL;
}

/* generation_shutdown - drop the current generation's own reference */
void generation_shutdown(void)
{
    struct generation *g;

    g_mutex_lock(&current_lock);
    g = current;
    current = NULL;
    g_mutex_unlock(&current_lock);
    generation_release(g);
}
