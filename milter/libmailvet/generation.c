/* generation.c - build, install and reference-count generations.
 * The current generation is a pointer guarded by a mutex; a message takes a
 * reference at its start and drops it when it ends (mailvetd_session.c), so a reload swaps the
 * pointer without waiting for anyone, and the old engine is freed by whichever
 * thread drops its last reference.  Two engines are in memory during a swap. */
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

#include "generation.h"

static GMutex current_lock;
static struct generation *current;
static unsigned installed;

/* by_text - g_ptr_array_sort order of strings (it passes pointers to the elements) */
static gint by_text(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* stamp_dir - one line per regular file of DIR (name, size, mtime in ns), sorted */
static void stamp_dir(GString *out, const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    if (d == NULL) {
        g_string_append_printf(out, "%s: absent\n", dir);
        g_ptr_array_free(lines, TRUE);
        return;
    }
    while ((name = g_dir_read_name(d)) != NULL) {
        char *path = g_build_filename(dir, name, NULL);
        struct stat st;

        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            g_ptr_array_add(lines,
                            g_strdup_printf("%s %lld %lld.%09ld\n", path, (long long)st.st_size,
                                            (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec));
        g_free(path);
    }
    g_dir_close(d);
    g_ptr_array_sort(lines, by_text);
    for (guint i = 0; i < lines->len; i++)
        g_string_append(out, g_ptr_array_index(lines, i));
    g_ptr_array_free(lines, TRUE);
}

/* stamp_new - what the files a generation was built from look like now: the
 * signature database, and the policy files, their campaigns/ and signatures/ */
/* stamp_sigs - the signature database: a directory's files, or the one file */
static void stamp_sigs(GString *out, const char *database)
{
    struct stat st;

    if (g_file_test(database, G_FILE_TEST_IS_DIR))
        stamp_dir(out, database);
    else if (stat(database, &st) == 0)
        g_string_append_printf(out, "%s %lld %lld.%09ld\n", database, (long long)st.st_size,
                               (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static char *stamp_new(const char *database, const char *policy_dir)
{
    GString *out = g_string_new(NULL);

    stamp_sigs(out, database);
    if (policy_dir != NULL && *policy_dir != '\0') {
        char *sub;

        stamp_dir(out, policy_dir);
        sub = g_build_filename(policy_dir, "campaigns", NULL);
        stamp_dir(out, sub);
        g_free(sub);
        sub = g_build_filename(policy_dir, "signatures", NULL);
        stamp_dir(out, sub);
        g_free(sub);
    }
    return g_string_free(out, FALSE);
}

/* generation_policy_dir - the default directory may not be installed: then the
 * built-in policy; a directory the configuration names must be there */
const char *generation_policy_dir(const struct mv_config *cfg)
{
    if (strcmp(cfg->policy_dir, CONFIG_POLICY_DIR_DEFAULT) == 0 &&
        !g_file_test(cfg->policy_dir, G_FILE_TEST_IS_DIR))
        return "";
    return cfg->policy_dir;
}

/* scan_options_of - the keys of CFG scan.c reads (its strings borrowed from CFG) */
static struct scan_options scan_options_of(const struct mv_config *cfg)
{
    struct scan_options opt = {
        .max_scan_size = cfg->max_scan_size,
        .max_file_size = cfg->max_file_size,
        .max_recursion = cfg->max_recursion,
        .max_files = cfg->max_files,
        .max_scan_time = cfg->max_scan_time,
        .max_objects = cfg->max_objects,
        .max_message_scan_size = cfg->max_message_scan_size,
        .max_message_scan_time = cfg->max_message_scan_time,
        .max_compression_ratio = cfg->max_compression_ratio,
        .tmpdir = cfg->tmpdir,
    };

    return opt;
}

/* cache_options_of - the keys of CFG cache.c reads (its strings borrowed from CFG) */
static struct cache_options cache_options_of(const struct mv_config *cfg)
{
    struct cache_options opt = {
        .address = cfg->redis,
        .username = cfg->redis_username,
        .password = cfg->redis_password,
        .db = cfg->redis_db,
        .connect_timeout = cfg->redis_connect_timeout,
        .timeout = cfg->redis_timeout,
        .secret = cfg->cache_secret,
        .ttl_clean = cfg->cache_ttl_clean,
        .ttl_detected = cfg->cache_ttl_detected,
        .max_value = cfg->cache_max_value,
    };

    return opt;
}

/* scan_digest_new - hex SHA-256 of everything a leaf's report depends on besides its
 * bytes: the signature files (ClamAV's and the policy's), libclamav's version and the
 * limits; the cache key's prefix, so that a reload that changes any of them never
 * reads an old report */
static char *scan_digest_new(const struct mv_config *cfg, const char *database,
                             const char *policy_dir, const char *engine_version)
{
    GString *in = g_string_new(NULL);
    char *sigs = NULL, *digest;

    stamp_sigs(in, database);
    if (*policy_dir != '\0') {
        sigs = g_build_filename(policy_dir, "signatures", NULL);
        stamp_dir(in, sigs);
        g_free(sigs);
    }
    g_string_append_printf(in,
                           "%s\nscan=%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT
                           ",%u,%u,%u,%u,%" G_GUINT64_FORMAT ",%u,%u,%u\n",
                           engine_version, cfg->max_scan_size, cfg->max_file_size,
                           cfg->max_recursion, cfg->max_files, cfg->max_scan_time, cfg->max_objects,
                           cfg->max_message_scan_size, cfg->max_compression_ratio,
                           cfg->max_passwords, SCAN_HEAD_BYTES);
    digest = g_compute_checksum_for_string(G_CHECKSUM_SHA256, in->str, (gssize)in->len);
    g_string_free(in, TRUE);
    return digest;
}

/* generation_build - config, policy and engine together, or nothing */
struct generation *generation_build(const char *config_path, const char *database,
                                    struct mv_err *err)
{
    gint64 start = g_get_monotonic_time();
    struct generation *g = NULL;
    struct mv_config *cfg;
    struct scan_options scan_opts;
    struct cache_options cache_opts;
    struct scan_engine *engine;
    struct policy *policy;
    const char *policy_dir;
    struct cache *cache;
    char *ours = NULL, *digest;

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
    policy_dir = generation_policy_dir(cfg);
    policy = policy_load(policy_dir, err);
    if (policy == NULL) {
        config_free(cfg);
        return NULL;
    }
    if (*policy_dir != '\0')
        ours = g_build_filename(policy_dir, "signatures", NULL);
    scan_opts = scan_options_of(cfg);
    engine = scan_engine_new(&scan_opts, database, ours, err);
    g_free(ours);
    if (engine == NULL) {
        policy_free(policy);
        config_free(cfg);
        return NULL;
    }
    digest = scan_digest_new(cfg, database, policy_dir, scan_engine_version(engine));
    cache_opts = cache_options_of(cfg);
    cache = cache_new(&cache_opts, digest, err);
    if (cache == NULL && *cfg->redis != '\0') {
        g_free(digest);
        scan_engine_free(engine);
        policy_free(policy);
        config_free(cfg);
        return NULL;
    }
    g = g_new0(struct generation, 1);
    g->cfg = cfg;
    g->scan_opts = scan_opts;
    g->engine = engine;
    g->cache = cache;
    g->scan_digest = digest;
    g->policy = policy;
    g->database = g_strdup(database);
    g->policy_dir = g_strdup(policy_dir);
    g->stamp = stamp_new(database, policy_dir);
    g->refs = 1;
    g->build_ms = (double)(g_get_monotonic_time() - start) / 1000.0;
    return g;
}

/* generation_free - the last reference is gone */
static void generation_free(struct generation *g)
{
    cache_free(g->cache);
    g_free(g->scan_digest);
    scan_engine_free(g->engine);
    policy_free(g->policy);
    config_free(g->cfg);
    g_free(g->database);
    g_free(g->policy_dir);
    g_free(g->stamp);
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

/* generation_stamp_new - how the files G was built from look now */
char *generation_stamp_new(const struct generation *g)
{
    return stamp_new(g->database, g->policy_dir);
}
