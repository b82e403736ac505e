/* scan.c - per-leaf scans from memory, with the engine of scan_engine.c.
 * scan_leaf() maps the leaf's bytes with cl_fmap_open_memory() and scans with
 * cl_scanmap_callback() in all-match mode.  The file-inspection callback records every
 * object libclamav opens (one pass over the bytes: no second unpacker) with its path,
 * type, size and depth, flags a declared/detected type mismatch (filetype.c), names
 * containers libclamav cannot open by their magic (Mailvet.Unscannable.*), keeps the
 * bytes of archives with encrypted members for unpack.c, and charges the message's
 * budget: past a message-wide limit it stops the scan and records the limit.  The
 * virus-found callback attributes each match to an object.
 * Limits exceeded are reported by ClamAV as Heuristics.Limits.Exceeded.* names
 * (CL_SCAN_HEURISTIC_EXCEEDS_MAX) or as CL_ETIMEOUT/CL_EMAX* codes, which become
 * the same kind of name here: either way the leaf is unscannable, never clean. */
#include <string.h>

#include <clamav.h>

#include "filetype.h"
#include "mvlimits.h"
#include "scan_decode.h"
#include "scan_internal.h"
#include "unpack.h"

#define SCAN_MAX_LEVELS 70 /* max_recursion is at most 64 */
#define SCAN_MIN_BYTES 5   /* libclamav skips anything this small */

/* per-scan state handed to the callbacks as the scan context */
struct scan_ctx {
    struct scan_report *rep;
    struct scan_budget *budget;
    const char *base_path; /* path above the scanned bytes' own object */
    unsigned base_depth;   /* depth of the scanned bytes' own object */
    const char *declared;  /* declared MIME type of the scanned bytes, or NULL */
    GBytes *self;          /* the scanned bytes, kept by reference for a level-0 archive */
    gint first;            /* index of the scanned bytes' own object, -1 until seen */
    gint current;          /* index of the object last inspected */
    gint ole2;             /* index of the OLE2 object last inspected, -1 for none */
    char *level_path[SCAN_MAX_LEVELS]; /* path of the last object seen at each level */
    scan_progress_fn progress;
    void *progress_ctx;
    gint64 last_progress;
};

/* attribute - the object a match belongs to.  Signature matches come while their
 * object is being scanned, right after it was inspected; libclamav's heuristic alerts
 * come at the end of the scan, so they go to the scanned bytes' own object, and an
 * encryption alert to the first encrypted archive. */
static struct scan_object *attribute(struct scan_ctx *sc, const char *name)
{
    GPtrArray *objs = sc->rep->objects;

    if (g_str_has_prefix(name, "Heuristics.Encrypted")) {
        for (guint i = sc->first < 0 ? 0 : (guint)sc->first; i < objs->len; i++) {
            struct scan_object *o = g_ptr_array_index(objs, i);
            if (o->encrypted)
                return o;
        }
    }
    if (g_str_has_prefix(name, "Heuristics.") && sc->first >= 0)
        return g_ptr_array_index(objs, sc->first);
    if (sc->current >= 0)
        return g_ptr_array_index(objs, sc->current);
    return NULL;
}

/* on_virus_found - all-match mode calls this once per match */
static void on_virus_found(int fd, const char *virname, void *context)
{
    struct scan_ctx *sc = context;
    struct scan_object *o;

    (void)fd;
    if (sc == NULL || virname == NULL)
        return;
    /* our own refusal to go on (a message-wide limit) is reported as budget->limit */
    if (sc->budget->limit != NULL && g_str_has_prefix(virname, "Detected.By.Callback"))
        return;
    scan_name_add(sc->rep->signatures, virname);
    o = attribute(sc, virname);
    if (o != NULL)
        scan_name_add(o->signatures, virname);
}

/* over_budget - the message-wide limit this object passes, or NULL */
static const char *over_budget(struct scan_budget *b, uint64_t size, uint64_t parent_size,
                               unsigned level)
{
    if (++b->objects > b->max_objects)
        return "Mailvet.Limits.MaxObjects";
    b->bytes += size;
    if (b->bytes > b->max_bytes)
        return "Mailvet.Limits.MaxMessageScanSize";
    if (level > 0 && parent_size > 0 && size >= LIMIT_RATIO_FLOOR &&
        size / parent_size >= b->max_ratio)
        return "Mailvet.Limits.CompressionRatio";
    if (g_get_monotonic_time() > b->deadline)
        return "Mailvet.Limits.MaxMessageScanTime";
    return NULL;
}

/* keep_head - O's first bytes (the content window), for the rules' content
 * predicates, within the message's SCAN_HEADS_MAX */
static void keep_head(struct scan_budget *b, struct scan_object *o, const void *buf, size_t size)
{
    size_t n = (size_t)MIN((uint64_t)size, b->window > 0 ? b->window : SCAN_HEAD_BYTES);

    if (buf == NULL || b->heads + n > SCAN_HEADS_MAX)
        return;
    o->head = g_bytes_new(buf, n);
    b->heads += n;
}

/* keep_archive - O's bytes for container.c: a reference to the scanned bytes at level
 * 0, else a copy, within max_file_size per archive and max_scan_size per message
 * (copies, all archives together).  Past those the archive cannot be checked, and
 * that is a limit hit like any other */
static void keep_archive(struct scan_ctx *sc, struct scan_object *o, unsigned level,
                         const unsigned char *buf, size_t size)
{
    struct scan_budget *b = sc->budget;
    const char *limit = NULL;
    void *copy = NULL;

    if (level == 0 && sc->self != NULL && g_bytes_get_size(sc->self) == size) {
        o->archive = g_bytes_ref(sc->self);
        return;
    }
    if (size > b->max_archive) {
        limit = "Mailvet.Limits.MaxFileSize";
    } else if (b->kept + size > b->max_kept || (copy = g_try_malloc(size > 0 ? size : 1)) == NULL) {
        limit = "Mailvet.Limits.MaxMessageScanSize";
    }
    if (limit != NULL) {
        scan_name_add(o->signatures, limit);
        scan_name_add(sc->rep->signatures, limit);
        return;
    }
    memcpy(copy, buf, size);
    o->archive = g_bytes_new_take(copy, size);
    b->kept += size;
}

/* on_file_inspection - every object, outer and inner: the inventory */
static cl_error_t on_file_inspection(int fd, const char *type, const char **ancestors,
                                     size_t parent_file_size, const char *file_name,
                                     size_t file_size, const char *file_buffer,
                                     uint32_t recursion_level, uint32_t layer_attributes,
                                     void *context)
{
    struct scan_ctx *sc = context;
    const unsigned char *buf = (const unsigned char *)file_buffer;
    unsigned level = recursion_level;
    const char *unsupported, *limit;
    struct scan_object *o;
    char *path;
    gint64 now;

    (void)fd, (void)ancestors;
    if (sc == NULL)
        return CL_CLEAN;
    if (sc->progress != NULL) {
        now = g_get_monotonic_time();
        if (now - sc->last_progress >= G_USEC_PER_SEC) {
            sc->last_progress = now;
            sc->progress(sc->progress_ctx);
        }
    }
    limit = over_budget(sc->budget, file_size, parent_file_size, level);
    if (limit != NULL) {
        if (sc->budget->limit == NULL)
            sc->budget->limit = limit;
        return CL_VIRUS; /* stops this scan: the message is unscannable */
    }
    /* a member container.c extracted starts a new libclamav recursion: the depth
     * below the MIME leaf is bounded here, as libclamav bounds its own */
    if (sc->base_depth + level >= sc->budget->max_depth) {
        if (sc->first >= 0)
            scan_name_add(
                ((struct scan_object *)g_ptr_array_index(sc->rep->objects, sc->first))->signatures,
                "Heuristics.Limits.Exceeded.MaxRecursion");
        scan_name_add(sc->rep->signatures, "Heuristics.Limits.Exceeded.MaxRecursion");
        return CL_BREAK; /* this object is not scanned */
    }
    if (level >= SCAN_MAX_LEVELS)
        level = SCAN_MAX_LEVELS - 1;
    if (level == 0) {
        path = file_name != NULL ? g_strconcat(sc->base_path, "/", file_name, NULL)
                                 : g_strdup(sc->base_path);
    } else {
        /* libclamav does not report every layer (a zip inside a JPEG): hang the object
         * below the nearest level above it that was reported */
        const char *above = sc->base_path;
        for (unsigned k = level; k > 0; k--) {
            if (sc->level_path[k - 1] != NULL) {
                above = sc->level_path[k - 1];
                break;
            }
        }
        path = g_strconcat(above, "/", file_name != NULL ? file_name : "?", NULL);
    }
    g_free(sc->level_path[level]);
    sc->level_path[level] = g_strdup(path);

    unsupported = buf != NULL ? filetype_unsupported(buf, file_size) : NULL;
    o = scan_object_new(sc->rep, path, file_name, unsupported != NULL ? unsupported : type,
                        file_size, sc->base_depth + level);
    o->attributes = layer_attributes;
    keep_head(sc->budget, o, buf, file_size);
    scan_decode_object(sc->budget, o, buf, file_size, file_name, type);
    if (type != NULL && strcmp(type, "CL_TYPE_MSOLE2") == 0)
        sc->ole2 = (gint)sc->rep->objects->len - 1;
    o->type_mismatch = filetype_mismatch(file_name, level == 0 ? sc->declared : NULL, type);
    sc->current = (gint)sc->rep->objects->len - 1;
    if (level == 0 && sc->first < 0) {
        sc->first = sc->current;
        if (sc->rep->detected_type == NULL)
            sc->rep->detected_type = g_strdup(o->type);
    }
    if (unsupported != NULL) {
        char *sig = g_strconcat("Mailvet.Unscannable.", unsupported + strlen("MV_TYPE_"), NULL);
        scan_name_add(sc->rep->signatures, sig);
        scan_name_add(o->signatures, sig);
        g_free(sig);
    }
    /* a zip, 7z, rar, LHA or compressed stream: keep its bytes for container.c, which
     * accounts for every member once this scan is done (what libclamav did not open,
     * encrypted members) */
    if (buf != NULL && unpack_reads(o->type, NULL)) {
        /* one pass over the headers: encryption, and the sizes they declare; a bomb
         * is known from those, so the scan stops before libclamav inflates it */
        uint64_t declared;
        bool encrypted = unpack_probe(buf, file_size, &declared);

        if (file_size > 0 && declared >= LIMIT_RATIO_FLOOR &&
            declared / file_size >= sc->budget->max_ratio) {
            scan_name_add(o->signatures, "Mailvet.Limits.CompressionRatio");
            if (sc->budget->limit == NULL)
                sc->budget->limit = "Mailvet.Limits.CompressionRatio";
            return CL_VIRUS;
        }
        o->encrypted = encrypted;
        keep_archive(sc, o, level, buf, file_size);
    }
    return CL_CLEAN;
}

/* on_vba - one VBA module's source, decompressed by libclamav (and made lower-case
 * outside string literals, its white space folded): onto the OLE2 project it came
 * from, the OLE2 object last inspected */
static int on_vba(const unsigned char *const data, const size_t len, void *context)
{
    struct scan_ctx *sc = context;

    if (sc == NULL || data == NULL || sc->ole2 < 0 || (guint)sc->ole2 >= sc->rep->objects->len)
        return 0;
    scan_decoded_add(sc->budget, g_ptr_array_index(sc->rep->objects, sc->ole2), SCAN_DECODED_VBA,
                     data, len);
    return 0;
}

/* scan_callbacks_install - the callbacks above, on an engine being built */
void scan_callbacks_install(struct cl_engine *cl)
{
    cl_engine_set_clcb_vba(cl, on_vba);
    cl_engine_set_clcb_virus_found(cl, on_virus_found);
    cl_engine_set_clcb_file_inspection(cl, on_file_inspection);
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

/* scan_budget_init - message-wide limits from OPT, spending nothing yet */
void scan_budget_init(struct scan_budget *b, const struct scan_options *opt)
{
    memset(b, 0, sizeof(*b));
    b->max_objects = opt->max_objects;
    b->max_bytes = opt->max_message_scan_size;
    b->max_ratio = opt->max_compression_ratio;
    b->max_archive = opt->max_file_size;
    b->max_kept = opt->max_scan_size;
    b->max_depth = opt->max_recursion;
    b->window = opt->content_window > 0 ? MIN(opt->content_window, (uint64_t)SCAN_WINDOW_MAX)
                                        : SCAN_HEAD_BYTES;
    b->deadline = g_get_monotonic_time() + (gint64)opt->max_message_scan_time * 1000;
}

/* scan_bytes - one libclamav scan of DATA, its objects going below BASE_PATH */
static enum mv_status scan_bytes(const struct scan_engine *e, GBytes *bytes, const char *name,
                                 const char *base_path, unsigned base_depth, const char *declared,
                                 struct scan_budget *budget, struct scan_report *rep, gint *first,
                                 scan_progress_fn progress, void *progress_ctx, struct mv_err *err)
{
    struct cl_scan_options opts = {
        .general = CL_SCAN_GENERAL_ALLMATCHES | CL_SCAN_GENERAL_HEURISTICS,
        .parse = ~0u,
        .heuristic = CL_SCAN_HEURISTIC_EXCEEDS_MAX | CL_SCAN_HEURISTIC_ENCRYPTED_ARCHIVE |
                     CL_SCAN_HEURISTIC_ENCRYPTED_DOC,
        .mail = 0,
        .dev = 0,
    };
    struct scan_ctx sc = {
        .rep = rep,
        .budget = budget,
        .base_path = base_path,
        .base_depth = base_depth,
        .declared = declared,
        .self = bytes,
        .first = -1,
        .current = -1,
        .ole2 = -1,
        .progress = progress,
        .progress_ctx = progress_ctx,
        .last_progress = g_get_monotonic_time(),
    };
    enum mv_status st = MV_OK;
    const char *virname = NULL;
    unsigned long scanned = 0;
    gsize len;
    const void *data = g_bytes_get_data(bytes, &len);
    cl_fmap_t *map;
    cl_error_t rc;

    *first = -1;
    if (budget->limit != NULL)
        return MV_OK; /* the message is unscannable already: no more work for it */
    /* libclamav refuses a zero-length map and does not look at 5 bytes or fewer
     * (no file type or signature is that short): such bytes are an object with
     * nothing in it */
    if (len <= SCAN_MIN_BYTES) {
        struct scan_object *o = scan_object_new(
            rep, name != NULL ? g_strconcat(base_path, "/", name, NULL) : g_strdup(base_path), name,
            "CL_TYPE_ANY", len, base_depth);
        keep_head(budget, o, data, len);
        scan_decode_object(budget, o, data, len, name, NULL);
        *first = (gint)rep->objects->len - 1;
        if (rep->detected_type == NULL)
            rep->detected_type = g_strdup("CL_TYPE_ANY");
        return MV_OK;
    }
    map = cl_fmap_open_memory(data, len);
    if (map == NULL)
        return mv_err_set(err, MV_ENOMEM, "clamav: cannot map %s", base_path);
    rc = cl_scanmap_callback(map, name, &virname, &scanned, e->cl, &opts, &sc);
    cl_fmap_close(map);
    for (size_t i = 0; i < SCAN_MAX_LEVELS; i++)
        g_free(sc.level_path[i]);
    *first = sc.first;

    /* content decoded after the last object was charged (its VBA, say) counts too */
    if (budget->limit == NULL && budget->bytes > budget->max_bytes)
        budget->limit = "Mailvet.Limits.MaxMessageScanSize";
    if (budget->limit != NULL)
        return MV_OK;
    /* libclamav answers CL_CLEAN without looking when it cannot set up a scan (its
     * temporary directory gone, say): bytes in which no object was inspected were not
     * scanned, and must not pass as clean */
    if ((rc == CL_CLEAN || rc == CL_VIRUS) && sc.first < 0 && virname == NULL)
        return mv_err_set(err, MV_ESCAN,
                          "clamav: %s was not inspected (is the temporary "
                          "directory usable?)",
                          base_path);
    switch (rc) {
    case CL_CLEAN:
        break;
    case CL_VIRUS:
        /* in all-match mode the callback has seen every name; keep the last too */
        if (virname != NULL)
            scan_name_add(rep->signatures, virname);
        break;
    case CL_EMEM:
        st = mv_err_set(err, MV_ENOMEM, "clamav: out of memory scanning %s", base_path);
        break;
    default:
        if (limit_name(rc) != NULL)
            scan_name_add(rep->signatures, limit_name(rc));
        else
            st = mv_err_set(err, MV_ESCAN, "clamav: %s: %s", base_path, cl_strerror(rc));
        break;
    }
    return st;
}

/* scan_leaf - scan a MIME leaf's bytes from memory in all-match mode */
enum mv_status scan_leaf(const struct scan_engine *e, const struct mv_leaf *leaf,
                         struct scan_budget *budget, struct scan_report *rep,
                         scan_progress_fn progress, void *progress_ctx, struct mv_err *err)
{
    /* the leaf outlives the report's use of it: pipeline.c checks the archives found
     * in it before the message is freed */
    GBytes *bytes = g_bytes_new_static(leaf->data, leaf->size);
    enum mv_status st;
    gint first;

    memset(rep, 0, sizeof(*rep));
    scan_report_start(rep);
    st = scan_bytes(e, bytes, leaf->filename, leaf->path, 0, leaf->declared_type, budget, rep,
                    &first, progress, progress_ctx, err);
    g_bytes_unref(bytes);
    return st;
}

/* scan_member - scan bytes found inside object PARENT into the same report */
enum mv_status scan_member(const struct scan_engine *e, GBytes *data, const char *name,
                           guint parent, struct scan_budget *budget, struct scan_report *rep,
                           gint *first, scan_progress_fn progress, void *progress_ctx,
                           struct mv_err *err)
{
    const struct scan_object *p = g_ptr_array_index(rep->objects, parent);
    char *base = g_strdup(p->path);
    enum mv_status st;

    st = scan_bytes(e, data, name != NULL ? name : "?", base, p->depth + 1, NULL, budget, rep,
                    first, progress, progress_ctx, err);
    g_free(base);
    return st;
}
