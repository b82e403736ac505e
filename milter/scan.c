/* scan.c - libclamav engine and per-leaf scans from memory.
 * One engine per generation: cl_load() of the signature directory, the limits of the
 * config (CL_ENGINE_MAX_*), ClamAV's own clean-file cache off (CL_ENGINE_DISABLE_CACHE:
 * with it on a container scanned twice no longer reports its members to the
 * file-inspection callback, and the inventory must be the same every time), then
 * cl_engine_compile().  After that the engine is only read, so scans run in parallel.
 * scan_leaf() maps the leaf's bytes with cl_fmap_open_memory() and scans with
 * cl_scanmap_callback() in all-match mode; the callbacks collect every signature
 * name and the types and depth of nested objects into a struct scan_report.
 * Limits exceeded are reported by ClamAV as Heuristics.Limits.Exceeded.* names
 * (CL_SCAN_HEURISTIC_EXCEEDS_MAX) or as CL_ETIMEOUT/CL_EMAX* codes, which become
 * the same kind of name here: either way the leaf is unscannable, never clean. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <clamav.h>

#include "scan.h"

struct scan_engine {
    struct cl_engine *cl;
    unsigned signatures;
    char version[128];
};

/* per-scan state handed to the callbacks as the scan context */
struct scan_ctx {
    struct scan_report *rep;
    scan_progress_fn progress;
    void *progress_ctx;
    gint64 last_progress;
};

/* quiet - libclamav's own messages: its failures reach us as return codes, which the
 * callers report with file and context, and its warnings about hostile input would
 * otherwise go to stderr once per message */
static void quiet(enum cl_msg severity, const char *fullmsg, const char *msg, void *context)
{
    (void)severity, (void)fullmsg, (void)msg, (void)context;
}

static gpointer clamav_init(gpointer unused)
{
    (void)unused;
    cl_set_clcb_msg(quiet);
    return GINT_TO_POINTER(cl_init(CL_INIT_DEFAULT));
}

/* report_add_signature - keep each name once */
static void report_add_signature(struct scan_report *rep, const char *name)
{
    for (guint i = 0; i < rep->signatures->len; i++)
        if (strcmp(g_ptr_array_index(rep->signatures, i), name) == 0)
            return;
    g_ptr_array_add(rep->signatures, g_strdup(name));
}

/* on_virus_found - all-match mode calls this once per match */
static void on_virus_found(int fd, const char *virname, void *context)
{
    struct scan_ctx *sc = context;

    (void)fd;
    if (sc != NULL && virname != NULL)
        report_add_signature(sc->rep, virname);
}

/* on_file_inspection - every object, outer and inner: type, depth, progress */
static cl_error_t on_file_inspection(int fd, const char *type, const char **ancestors,
                                     size_t parent_file_size, const char *file_name,
                                     size_t file_size, const char *file_buffer,
                                     uint32_t recursion_level, uint32_t layer_attributes,
                                     void *context)
{
    struct scan_ctx *sc = context;
    gint64 now;

    (void)fd, (void)ancestors, (void)parent_file_size, (void)file_name, (void)file_size;
    (void)file_buffer, (void)layer_attributes;
    if (sc == NULL)
        return CL_CLEAN;
    sc->rep->objects++;
    if (recursion_level > sc->rep->max_depth)
        sc->rep->max_depth = recursion_level;
    if (recursion_level == 0 && sc->rep->detected_type == NULL && type != NULL)
        sc->rep->detected_type = g_strdup(type);
    if (sc->progress != NULL) {
        now = g_get_monotonic_time();
        if (now - sc->last_progress >= G_USEC_PER_SEC) {
            sc->last_progress = now;
            sc->progress(sc->progress_ctx);
        }
    }
    return CL_CLEAN;
}

/* set_limit - one CL_ENGINE_* number, with the field named on failure */
static bool set_limit(struct cl_engine *cl, enum cl_engine_field f, long long v, const char *key,
                      struct mv_err *err)
{
    cl_error_t rc = cl_engine_set_num(cl, f, v);

    if (rc != CL_SUCCESS) {
        mv_err_set(err, MV_ECONFIG, "clamav: cannot set %s: %s", key, cl_strerror(rc));
        return false;
    }
    return true;
}

/* scan_engine_new - load, limit and compile one engine */
struct scan_engine *scan_engine_new(const struct mv_config *cfg, const char *database,
                                    struct mv_err *err)
{
    static GOnce once = G_ONCE_INIT;
    struct scan_engine *e = NULL;
    struct cl_engine *cl = NULL;
    unsigned sigs = 0;
    cl_error_t rc;
    struct stat st;

    rc = (cl_error_t)GPOINTER_TO_INT(g_once(&once, clamav_init, NULL));
    if (rc != CL_SUCCESS) {
        mv_err_set(err, MV_ECONFIG, "clamav: cl_init: %s", cl_strerror(rc));
        goto out;
    }
    if (stat(database, &st) != 0) {
        mv_err_set(err, MV_ECONFIG, "%s: signature database: %s", database, g_strerror(errno));
        goto out;
    }
    cl = cl_engine_new();
    if (cl == NULL) {
        mv_err_set(err, MV_ENOMEM, "clamav: cl_engine_new failed");
        goto out;
    }
    if (!set_limit(cl, CL_ENGINE_MAX_SCANSIZE, (long long)cfg->max_scan_size, "max_scan_size", err) ||
        !set_limit(cl, CL_ENGINE_MAX_FILESIZE, (long long)cfg->max_file_size, "max_file_size", err) ||
        !set_limit(cl, CL_ENGINE_MAX_RECURSION, cfg->max_recursion, "max_recursion", err) ||
        !set_limit(cl, CL_ENGINE_MAX_FILES, cfg->max_files, "max_files", err) ||
        !set_limit(cl, CL_ENGINE_MAX_SCANTIME, cfg->max_scan_time, "max_scan_time", err) ||
        !set_limit(cl, CL_ENGINE_DISABLE_CACHE, 1, "disable_cache", err))
        goto out;
    if (cfg->tmpdir != NULL && *cfg->tmpdir != '\0')
        cl_engine_set_str(cl, CL_ENGINE_TMPDIR, cfg->tmpdir);
    rc = cl_load(database, cl, &sigs, CL_DB_STDOPT);
    if (rc != CL_SUCCESS) {
        mv_err_set(err, MV_ECONFIG, "%s: cannot load signatures: %s", database, cl_strerror(rc));
        goto out;
    }
    if (sigs == 0) {
        mv_err_set(err, MV_ECONFIG, "%s: no signatures found", database);
        goto out;
    }
    rc = cl_engine_compile(cl);
    if (rc != CL_SUCCESS) {
        mv_err_set(err, MV_ECONFIG, "%s: cannot compile signatures: %s", database,
                   cl_strerror(rc));
        goto out;
    }
    cl_engine_set_clcb_virus_found(cl, on_virus_found);
    cl_engine_set_clcb_file_inspection(cl, on_file_inspection);

    e = g_new0(struct scan_engine, 1);
    e->cl = cl;
    e->signatures = sigs;
    {
        long long dbver = cl_engine_get_num(cl, CL_ENGINE_DB_VERSION, NULL);
        time_t dbtime = (time_t)cl_engine_get_num(cl, CL_ENGINE_DB_TIME, NULL);
        char stamp[32] = "-";
        struct tm tm;

        if (dbtime > 0 && gmtime_r(&dbtime, &tm) != NULL)
            strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
        g_snprintf(e->version, sizeof(e->version), "libclamav %s, db %lld (%s)",
                   cl_retver(), dbver, stamp);
    }
    cl = NULL;
out:
    if (cl != NULL)
        cl_engine_free(cl);
    return e;
}

/* scan_engine_signatures - how many signatures the engine holds */
unsigned scan_engine_signatures(const struct scan_engine *e)
{
    return e->signatures;
}

/* scan_engine_version - "libclamav X, db N (time)" */
const char *scan_engine_version(const struct scan_engine *e)
{
    return e->version;
}

/* scan_engine_free - release the engine, NULL */
struct scan_engine *scan_engine_free(struct scan_engine *e)
{
    if (e == NULL)
        return NULL;
    cl_engine_free(e->cl);
    g_free(e);
    return NULL;
}

/* limit_name - the name a limit error is reported under */
static const char *limit_name(cl_error_t rc)
{
    switch (rc) {
    case CL_ETIMEOUT:
        return "Heuristics.Limits.Exceeded.MaxScanTime";
    case CL_EMAXREC:
        return "Heuristics.Limits.Exceeded.MaxRecursion";
    case CL_EMAXSIZE:
        return "Heuristics.Limits.Exceeded.MaxScanSize";
    case CL_EMAXFILES:
        return "Heuristics.Limits.Exceeded.MaxFiles";
    default:
        return NULL;
    }
}

/* scan_leaf - scan a leaf's bytes from memory in all-match mode */
enum mv_status scan_leaf(const struct scan_engine *e, const struct mv_leaf *leaf,
                         struct scan_report *rep, scan_progress_fn progress,
                         void *progress_ctx, struct mv_err *err)
{
    static const unsigned char empty[1];
    struct cl_scan_options opts = {
        .general = CL_SCAN_GENERAL_ALLMATCHES | CL_SCAN_GENERAL_HEURISTICS,
        .parse = ~0u,
        .heuristic = CL_SCAN_HEURISTIC_EXCEEDS_MAX | CL_SCAN_HEURISTIC_ENCRYPTED_ARCHIVE |
                     CL_SCAN_HEURISTIC_ENCRYPTED_DOC,
        .mail = 0,
        .dev = 0,
    };
    struct scan_ctx sc = {rep, progress, progress_ctx, g_get_monotonic_time()};
    const char *virname = NULL;
    unsigned long scanned = 0;
    cl_fmap_t *map;
    cl_error_t rc;

    memset(rep, 0, sizeof(*rep));
    rep->signatures = g_ptr_array_new_with_free_func(g_free);
    /* libclamav refuses a zero-length map; an empty leaf is clean by definition
     * but still gets a type so the report is complete */
    if (leaf->size == 0) {
        rep->detected_type = g_strdup("CL_TYPE_ANY");
        return MV_OK;
    }
    map = cl_fmap_open_memory(leaf->data != NULL ? leaf->data : empty, leaf->size);
    if (map == NULL)
        return mv_err_set(err, MV_ENOMEM, "clamav: cannot map leaf %s", leaf->path);
    rc = cl_scanmap_callback(map, leaf->filename, &virname, &scanned, e->cl, &opts, &sc);
    cl_fmap_close(map);
    /* libclamav answers CL_CLEAN without looking when it cannot set up a scan (its
     * temporary directory gone, say): a non-empty leaf that no object was inspected
     * in was not scanned, and must not pass as clean */
    if ((rc == CL_CLEAN || rc == CL_VIRUS) && rep->objects == 0 && rep->signatures->len == 0 &&
        virname == NULL)
        return mv_err_set(err, MV_ESCAN, "clamav: leaf %s was not inspected (is the temporary "
                          "directory usable?)", leaf->path);
    switch (rc) {
    case CL_CLEAN:
        return MV_OK;
    case CL_VIRUS:
        /* in all-match mode the callback has seen every name; keep the last too */
        if (virname != NULL)
            report_add_signature(rep, virname);
        return MV_OK;
    case CL_EMEM:
        return mv_err_set(err, MV_ENOMEM, "clamav: out of memory scanning leaf %s", leaf->path);
    default:
        if (limit_name(rc) != NULL) {
            report_add_signature(rep, limit_name(rc));
            return MV_OK;
        }
        return mv_err_set(err, MV_ESCAN, "clamav: leaf %s: %s", leaf->path, cl_strerror(rc));
    }
}

/* scan_report_clear - free a report's contents (the struct is the caller's) */
void scan_report_clear(struct scan_report *rep)
{
    if (rep->signatures != NULL)
        g_ptr_array_free(rep->signatures, TRUE);
    g_free(rep->detected_type);
    memset(rep, 0, sizeof(*rep));
}
