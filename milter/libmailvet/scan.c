/* scan.c - libclamav engine and per-leaf scans from memory.
 * One engine per generation: the limits of its struct scan_options (CL_ENGINE_MAX_*),
 * ClamAV's own clean-file cache off (CL_ENGINE_DISABLE_CACHE: with it on a container
 * scanned twice no longer reports its members to the file-inspection callback, and the
 * inventory must be the same every time), cl_load() of the signature directory, then
 * cl_engine_compile().  After that the engine is only read, so scans run in parallel.
 * While cl_load() runs, libclamav's error messages are kept for this thread
 * (cl_set_clcb_msg: the line a loader refused is said only there).  A directory that
 * fails, or whose YARA files drew an error (libclamav leaves such a rule out and
 * reports success), is loaded again one file at a time, in libclamav's own order,
 * into a scratch engine, to name the file, its line and libclamav's reason in
 * struct mv_err.
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
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <clamav.h>

#include "filetype.h"
#include "mvlimits.h"
#include "scan.h"
#include "unpack.h"

struct scan_engine {
    struct cl_engine *cl;
    unsigned signatures; /* all of them */
    unsigned extra;      /* those of the EXTRA directory (ours) */
    char version[128];
};

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
    char *level_path[SCAN_MAX_LEVELS]; /* path of the last object seen at each level */
    scan_progress_fn progress;
    void *progress_ctx;
    gint64 last_progress;
};

#define LOAD_ERRORS_MAX 16   /* libclamav's messages kept from one signature file */
#define LOAD_ERROR_BYTES 300 /* of each */
#define REASON_MAX 200       /* libclamav's reason in a refusal */

/* libclamav's error messages while this thread loads signatures, or NULL: the line a
 * loader refused is said only there (cl_load() returns a code).  The message callback
 * is the process's, the capture this thread's, so a reload never takes the messages
 * of a scan running in another thread. */
static _Thread_local GPtrArray *load_errors;

/* on_message - libclamav's own messages: its errors kept while this thread loads
 * signatures (load_errors), everything else dropped: its failures reach us as return
 * codes, and its warnings about hostile input would otherwise go to stderr once per
 * message.  Nothing is logged from here: the loader's caller reports. */
static void on_message(enum cl_msg severity, const char *fullmsg, const char *msg, void *context)
{
    (void)fullmsg, (void)context;
    if (load_errors == NULL || severity != CL_MSG_ERROR || msg == NULL ||
        load_errors->len >= LOAD_ERRORS_MAX)
        return;
    g_ptr_array_add(load_errors, g_strndup(msg, LOAD_ERROR_BYTES));
}

static gpointer clamav_init(gpointer unused)
{
    (void)unused;
    cl_set_clcb_msg(on_message);
    return GINT_TO_POINTER(cl_init(CL_INIT_DEFAULT));
}

/* add_name - NAME into LIST once */
static void add_name(GPtrArray *list, const char *name)
{
    for (guint i = 0; i < list->len; i++)
        if (strcmp(g_ptr_array_index(list, i), name) == 0)
            return;
    g_ptr_array_add(list, g_strdup(name));
}

static void object_free(gpointer p)
{
    struct scan_object *o = p;

    g_free(o->path);
    g_free(o->name);
    g_free(o->type);
    g_ptr_array_free(o->signatures, TRUE);
    if (o->archive != NULL)
        g_bytes_unref(o->archive);
    if (o->head != NULL)
        g_bytes_unref(o->head);
    g_free(o);
}

/* object_new - an empty object appended to REP */
static struct scan_object *object_new(struct scan_report *rep, char *path, const char *name,
                                      const char *type, uint64_t size, unsigned depth)
{
    struct scan_object *o = g_new0(struct scan_object, 1);

    o->path = path;
    o->name = g_strdup(name);
    o->type = g_strdup(type);
    o->size = size;
    o->depth = depth;
    o->signatures = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(rep->objects, o);
    if (depth > rep->max_depth)
        rep->max_depth = depth;
    return o;
}

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
    add_name(sc->rep->signatures, virname);
    o = attribute(sc, virname);
    if (o != NULL)
        add_name(o->signatures, virname);
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

/* keep_head - O's first bytes, for the rules' content predicates, within the
 * message's SCAN_HEADS_MAX */
static void keep_head(struct scan_budget *b, struct scan_object *o, const void *buf, size_t size)
{
    size_t n = MIN(size, (size_t)SCAN_HEAD_BYTES);

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
        add_name(o->signatures, limit);
        add_name(sc->rep->signatures, limit);
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
            add_name(
                ((struct scan_object *)g_ptr_array_index(sc->rep->objects, sc->first))->signatures,
                "Heuristics.Limits.Exceeded.MaxRecursion");
        add_name(sc->rep->signatures, "Heuristics.Limits.Exceeded.MaxRecursion");
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
    o = object_new(sc->rep, path, file_name, unsupported != NULL ? unsupported : type, file_size,
                   sc->base_depth + level);
    o->attributes = layer_attributes;
    keep_head(sc->budget, o, buf, file_size);
    o->type_mismatch = filetype_mismatch(file_name, level == 0 ? sc->declared : NULL, type);
    sc->current = (gint)sc->rep->objects->len - 1;
    if (level == 0 && sc->first < 0) {
        sc->first = sc->current;
        if (sc->rep->detected_type == NULL)
            sc->rep->detected_type = g_strdup(o->type);
    }
    if (unsupported != NULL) {
        char *sig = g_strconcat("Mailvet.Unscannable.", unsupported + strlen("MV_TYPE_"), NULL);
        add_name(sc->rep->signatures, sig);
        add_name(o->signatures, sig);
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
            add_name(o->signatures, "Mailvet.Limits.CompressionRatio");
            if (sc->budget->limit == NULL)
                sc->budget->limit = "Mailvet.Limits.CompressionRatio";
            return CL_VIRUS;
        }
        o->encrypted = encrypted;
        keep_archive(sc, o, level, buf, file_size);
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

/* has_files - whether directory DIR lists anything: libclamav says "Can't open file or
 * directory" of an empty one, which sends the operator looking for the wrong thing */
static bool has_files(const char *dir, struct mv_err *err)
{
    GError *gerr = NULL;
    GDir *d = g_dir_open(dir, 0, &gerr);
    bool any;

    if (d == NULL) {
        mv_err_set(err, MV_ECONFIG, "%s: %s", dir, gerr->message);
        g_error_free(gerr);
        return false;
    }
    any = g_dir_read_name(d) != NULL;
    g_dir_close(d);
    if (!any)
        mv_err_set(err, MV_ECONFIG, "%s: an empty directory, no signature files", dir);
    return any;
}

/* The files cl_load() of a directory reads, by the end of their names (any case), and
 * its order: .ign and .ign2 first (an ignore list stops the loading of the signatures
 * it names, so it must come before them), then daily.cld or daily.cvd (the newer),
 * local.gdb, daily.cfg, .crb (before the .cat files they trust), then the rest in
 * directory order, here by name.  Read in libclamav 1.0 to 1.4 (readdb.c,
 * cli_loaddbdir); used only to find the file a directory load failed on. */
static const char *const db_endings[] = {
    ".db",  ".hdb", ".hdu", ".fp",   ".mdb",  ".mdu", ".hsb",  ".hsu", ".sfp", ".msb",
    ".msu", ".ndb", ".ndu", ".ldb",  ".ldu",  ".sdb", ".zmd",  ".rmd", ".pdb", ".gdb",
    ".wdb", ".cbc", ".ftm", ".cfg",  ".cvd",  ".cld", ".cud",  ".cdb", ".cat", ".crb",
    ".idb", ".ioc", ".yar", ".yara", ".pwdb", ".ign", ".ign2", ".imp", NULL,
};

/* Of those, the ones that detect nothing themselves: ignore and allow lists,
 * settings, file types, certificates, passwords. */
static const char *const passive_endings[] = {
    ".ign", ".ign2", ".fp", ".sfp", ".cfg", ".ftm", ".crb", ".cat", ".pwdb", NULL,
};

/* ends_in - NAME ends in one of ENDINGS, any case */
static bool ends_in(const char *name, const char *const *endings)
{
    size_t len = strlen(name);

    for (size_t i = 0; endings[i] != NULL; i++) {
        size_t n = strlen(endings[i]);

        if (len >= n && g_ascii_strcasecmp(name + len - n, endings[i]) == 0)
            return true;
    }
    return false;
}

/* is_yara - a YARA rule file: libclamav loads one with a rule in error as a success,
 * without that rule, and says so only in its messages */
static bool is_yara(const char *name)
{
    static const char *const yara[] = {".yar", ".yara", NULL};

    return ends_in(name, yara);
}

/* load_priority - where libclamav's directory load puts NAME (db_endings) */
static int load_priority(const char *name)
{
    static const char *const ign[] = {".ign", ".ign2", NULL};
    static const char *const crb[] = {".crb", NULL};

    if (ends_in(name, ign))
        return 1;
    if (strcmp(name, "daily.cld") == 0)
        return 2;
    if (strcmp(name, "daily.cvd") == 0)
        return 3;
    if (strcmp(name, "local.gdb") == 0)
        return 4;
    if (strcmp(name, "daily.cfg") == 0)
        return 5;
    if (ends_in(name, crb))
        return 6;
    return 7;
}

/* by_load_order - g_ptr_array_sort order of file names: libclamav's, then by name */
static gint by_load_order(gconstpointer a, gconstpointer b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int px = load_priority(x), py = load_priority(y);

    return px != py ? px - py : strcmp(x, y);
}

/* db_files_new - the names of the signature files of DIR in load order, or NULL */
static GPtrArray *db_files_new(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    GPtrArray *names;
    const char *name;

    if (d == NULL)
        return NULL;
    names = g_ptr_array_new_with_free_func(g_free);
    while ((name = g_dir_read_name(d)) != NULL)
        if (ends_in(name, db_endings))
            g_ptr_array_add(names, g_strdup(name));
    g_dir_close(d);
    g_ptr_array_sort(names, by_load_order);
    return names;
}

/* load - cl_load() of PATH (a file or a directory) into CL, adding to *SIGS, with
 * libclamav's error messages appended to ERRORS */
static cl_error_t load(struct cl_engine *cl, const char *path, unsigned *sigs, GPtrArray *errors)
{
    cl_error_t rc;

    load_errors = errors;
    rc = cl_load(path, cl, sigs, CL_DB_STDOPT);
    load_errors = NULL;
    return rc;
}

/* past_prefix - TEXT after a leading "function(): " or "function: " of libclamav's */
static const char *past_prefix(const char *text)
{
    const char *p = text;

    while (g_ascii_isalnum(*p) || *p == '_')
        p++;
    if (p > text && strncmp(p, "(): ", 4) == 0)
        return p + 4;
    if (p > text && strncmp(p, ": ", 2) == 0)
        return p + 2;
    return text;
}

/* past_path - TEXT after PATH and a "line N" that follows it (a YARA message names
 * its file first), or TEXT itself when it does not start with PATH */
static const char *past_path(const char *text, const char *path)
{
    size_t n = strlen(path);

    if (strncmp(text, path, n) != 0)
        return text;
    text += n;
    while (*text == ' ' || *text == ':')
        text++;
    if (strncmp(text, "line ", 5) == 0 && g_ascii_isdigit(text[5])) {
        text += 5;
        while (g_ascii_isdigit(*text))
            text++;
    }
    while (*text == ' ' || *text == ':')
        text++;
    return text;
}

/* line_of - the first "line N" of libclamav's messages ERRORS about PATH, or 0 */
static unsigned line_of(const GPtrArray *errors, const char *path)
{
    for (guint i = 0; i < errors->len; i++) {
        const char *msg = g_ptr_array_index(errors, i);
        const char *at = strstr(msg, path);
        const char *p = at != NULL ? at + strlen(path) : msg;

        /* the file's own name may hold "line 7": look after it */
        for (; (p = strstr(p, "line ")) != NULL; p += 5) {
            if ((p == msg || p[-1] == ' ') && g_ascii_isdigit(p[5])) {
                unsigned long n = strtoul(p + 5, NULL, 10);

                if (n > 0 && n < G_MAXUINT)
                    return (unsigned)n;
            }
        }
    }
    return 0;
}

/* is_summary - a message of libclamav's that says a file failed, not why */
static bool is_summary(const char *text)
{
    return g_str_has_prefix(text, "Problem parsing") || g_str_has_prefix(text, "Can't load ") ||
           strstr(text, "error loading database") != NULL ||
           strstr(text, "error parsing header") != NULL;
}

/* reason_of - libclamav's most precise word on why PATH failed, printable, into BUF:
 * the last message before its first summary ("Problem parsing database at line 3",
 * "Can't load ..."), without its function name, or else the text of RC */
static void reason_of(const GPtrArray *errors, const char *path, cl_error_t rc, char *buf,
                      size_t size)
{
    const char *found = NULL;

    for (guint i = 0; i < errors->len; i++) {
        const char *text = past_path(past_prefix(g_ptr_array_index(errors, i)), path);

        if (is_summary(text))
            break;
        if (*text != '\0')
            found = text;
    }
    g_strlcpy(buf, found != NULL ? found : cl_strerror(rc), MIN(size, (size_t)REASON_MAX + 1));
    for (char *p = buf; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\r') {
            *p = '\0';
            break;
        }
        if (!g_ascii_isprint(*p))
            *p = '?';
    }
}

/* refuse_file - ERR: PATH, a signature file libclamav refused with RC and ERRORS, named
 * with the line libclamav gave and its reason; MV_EPARSE (MV_ENOMEM for memory) */
static void refuse_file(struct mv_err *err, const char *path, cl_error_t rc,
                        const GPtrArray *errors)
{
    char reason[REASON_MAX + 1], line[32] = "";
    unsigned n = line_of(errors, path);
    const char *what = "malformed signature database";

    if (rc == CL_EMEM) {
        mv_err_set(err, MV_ENOMEM, "%s: out of memory loading its signatures", path);
        return;
    }
    if (rc == CL_EOPEN || rc == CL_ESTAT || rc == CL_EREAD || rc == CL_EACCES)
        what = "cannot read the signature file";
    reason_of(errors, path, rc, reason, sizeof(reason));
    if (n > 0)
        g_snprintf(line, sizeof(line), ":%u", n);
    mv_err_set(err, MV_EPARSE, "%s%s: %s (libclamav: %s)", path, line, what, reason);
}

/* older_daily - of DIR's daily.cld and daily.cvd, the one libclamav's directory load
 * leaves out (the older; the .cvd when equal), or NULL (both loaded, so that the
 * broken one fails) when a header does not parse */
static const char *older_daily(const char *dir)
{
    char *cld = g_build_filename(dir, "daily.cld", NULL);
    char *cvd = g_build_filename(dir, "daily.cvd", NULL);
    struct cl_cvd *a = cl_cvdhead(cld);
    struct cl_cvd *b = cl_cvdhead(cvd);
    const char *skip = NULL;

    if (a != NULL && b != NULL)
        skip = a->version >= b->version ? "daily.cvd" : "daily.cld";
    if (a != NULL)
        cl_cvdfree(a);
    if (b != NULL)
        cl_cvdfree(b);
    g_free(cld);
    g_free(cvd);
    return skip;
}

/* has_name - NAMES holds NAME */
static bool has_name(const GPtrArray *names, const char *name)
{
    for (guint i = 0; i < names->len; i++)
        if (strcmp(g_ptr_array_index(names, i), name) == 0)
            return true;
    return false;
}

/* find_culprit - DIR, whose directory load failed (or logged YARA errors), loaded again
 * one file at a time in libclamav's order into a scratch engine: the first file that
 * fails (a YARA file: that logs an error) is named in ERR; false when none does */
static bool find_culprit(const char *dir, const char *tmpdir, struct mv_err *err)
{
    GPtrArray *names = db_files_new(dir);
    struct cl_engine *cl = NULL;
    const char *skip = NULL;
    bool found = false;

    if (names == NULL || (cl = cl_engine_new()) == NULL)
        goto out;
    if (tmpdir != NULL && *tmpdir != '\0')
        cl_engine_set_str(cl, CL_ENGINE_TMPDIR, tmpdir);
    if (has_name(names, "daily.cld") && has_name(names, "daily.cvd"))
        skip = older_daily(dir);
    for (guint i = 0; i < names->len && !found; i++) {
        const char *name = g_ptr_array_index(names, i);
        GPtrArray *errors;
        char *path;
        unsigned sigs = 0;
        cl_error_t rc;

        if (skip != NULL && strcmp(name, skip) == 0)
            continue;
        errors = g_ptr_array_new_with_free_func(g_free);
        path = g_build_filename(dir, name, NULL);
        rc = load(cl, path, &sigs, errors);
        if (rc != CL_SUCCESS || (is_yara(name) && errors->len > 0)) {
            refuse_file(err, path, rc != CL_SUCCESS ? rc : CL_EMALFDB, errors);
            found = true;
        }
        g_free(path);
        g_ptr_array_free(errors, TRUE);
    }
out:
    if (cl != NULL)
        cl_engine_free(cl);
    if (names != NULL)
        g_ptr_array_free(names, TRUE);
    return found;
}

/* has_yara - DIR holds a YARA rule file */
static bool has_yara(const char *dir)
{
    GPtrArray *names = db_files_new(dir);
    bool any = false;

    for (guint i = 0; names != NULL && i < names->len && !any; i++)
        any = is_yara(g_ptr_array_index(names, i));
    if (names != NULL)
        g_ptr_array_free(names, TRUE);
    return any;
}

/* load_set - PATH (a directory or one file) into *CLP, adding to *SIGS.  A failure is
 * named down to the file and line (find_culprit, refuse_file); a directory that failed
 * has its engine freed (*CLP NULL) before it is searched, so that two full engines are
 * never in memory.  false with ERR filled when refused */
static bool load_set(struct cl_engine **clp, const char *path, unsigned *sigs, const char *tmpdir,
                     struct mv_err *err)
{
    GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
    bool dir = g_file_test(path, G_FILE_TEST_IS_DIR);
    cl_error_t rc = load(*clp, path, sigs, errors);
    bool ok = true;

    if (rc == CL_SUCCESS && errors->len == 0)
        goto out;
    if (!dir) {
        if (rc != CL_SUCCESS || is_yara(path)) {
            refuse_file(err, path, rc != CL_SUCCESS ? rc : CL_EMALFDB, errors);
            ok = false;
        }
        goto out;
    }
    if (rc == CL_SUCCESS && !has_yara(path))
        goto out; /* libclamav complained, and loaded it all the same */
    if (rc != CL_SUCCESS) {
        cl_engine_free(*clp);
        *clp = NULL;
        ok = false;
    }
    if (find_culprit(path, tmpdir, err))
        ok = false;
    else if (rc != CL_SUCCESS)
        /* no file fails alone: say what the directory load said */
        mv_err_set(err, rc == CL_EMEM ? MV_ENOMEM : MV_ECONFIG, "%s: cannot load signatures: %s",
                   path, cl_strerror(rc));
out:
    g_ptr_array_free(errors, TRUE);
    return ok;
}

/* same_content - files A and B hold the same bytes (both small: of the size of one of
 * a policy's signature files) */
static bool same_content(const char *a, const char *b)
{
    gchar *x = NULL, *y = NULL;
    gsize nx = 0, ny = 0;
    bool same;

    same = g_file_get_contents(a, &x, &nx, NULL) && g_file_get_contents(b, &y, &ny, NULL) &&
           nx == ny && memcmp(x, y, nx) == 0;
    g_free(x);
    g_free(y);
    return same;
}

/* is_copy - PATH, a regular file, holds the same bytes as one of the files OURS of
 * EXTRA */
static bool is_copy(const char *path, const char *extra, const GPtrArray *ours)
{
    struct stat st, other;
    bool copy = false;

    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    for (guint i = 0; i < ours->len && !copy; i++) {
        char *p = g_build_filename(extra, g_ptr_array_index(ours, i), NULL);

        copy = stat(p, &other) == 0 && S_ISREG(other.st_mode) && other.st_size == st.st_size &&
               same_content(path, p);
        g_free(p);
    }
    return copy;
}

/* only_copies - every file of DATABASE (a directory or one file) that detects anything
 * is a copy of one of EXTRA's: the database has no signature of its own, only
 * mailvet's campaign signatures, which are no virus scanner */
static bool only_copies(const char *database, const char *extra)
{
    GPtrArray *ours = db_files_new(extra), *names = NULL;
    unsigned detecting = 0;
    bool copies = false;

    if (ours == NULL)
        return false;
    if (!g_file_test(database, G_FILE_TEST_IS_DIR)) {
        copies = is_copy(database, extra, ours);
        goto out;
    }
    names = db_files_new(database);
    copies = names != NULL;
    for (guint i = 0; copies && i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        char *path;

        if (ends_in(name, passive_endings))
            continue;
        detecting++;
        path = g_build_filename(database, name, NULL);
        copies = is_copy(path, extra, ours);
        g_free(path);
    }
    copies = copies && detecting > 0;
out:
    if (names != NULL)
        g_ptr_array_free(names, TRUE);
    g_ptr_array_free(ours, TRUE);
    return copies;
}

/* scan_engine_new - load, limit and compile one engine */
struct scan_engine *scan_engine_new(const struct scan_options *opt, const char *database,
                                    const char *extra, struct mv_err *err)
{
    static GOnce once = G_ONCE_INIT;
    struct scan_engine *e = NULL;
    struct cl_engine *cl = NULL;
    unsigned sigs = 0, extra_sigs = 0;
    cl_error_t rc;
    struct stat st;

    rc = (cl_error_t)GPOINTER_TO_INT(g_once(&once, clamav_init, NULL));
    if (rc != CL_SUCCESS) {
        mv_err_set(err, MV_ECONFIG, "clamav: cl_init: %s", cl_strerror(rc));
        goto out;
    }
    if (stat(database, &st) != 0) {
        mv_err_set(err, MV_ECONFIG, "%s: %s", database, g_strerror(errno));
        goto out;
    }
    if (S_ISDIR(st.st_mode) && !has_files(database, err))
        goto out;
    cl = cl_engine_new();
    if (cl == NULL) {
        mv_err_set(err, MV_ENOMEM, "clamav: cl_engine_new failed");
        goto out;
    }
    if (!set_limit(cl, CL_ENGINE_MAX_SCANSIZE, (long long)opt->max_scan_size, "max_scan_size",
                   err) ||
        !set_limit(cl, CL_ENGINE_MAX_FILESIZE, (long long)opt->max_file_size, "max_file_size",
                   err) ||
        !set_limit(cl, CL_ENGINE_MAX_RECURSION, opt->max_recursion, "max_recursion", err) ||
        !set_limit(cl, CL_ENGINE_MAX_FILES, opt->max_files, "max_files", err) ||
        !set_limit(cl, CL_ENGINE_MAX_SCANTIME, opt->max_scan_time, "max_scan_time", err) ||
        !set_limit(cl, CL_ENGINE_DISABLE_CACHE, 1, "disable_cache", err))
        goto out;
    if (opt->tmpdir != NULL && *opt->tmpdir != '\0')
        cl_engine_set_str(cl, CL_ENGINE_TMPDIR, opt->tmpdir);
    /* libclamav does not say which file of a directory failed: load_set() finds it */
    if (!load_set(&cl, database, &sigs, opt->tmpdir, err))
        goto out;
    /* our campaign signatures go into the same engine: one pass over the bytes */
    if (extra != NULL && g_file_test(extra, G_FILE_TEST_IS_DIR)) {
        unsigned ours = 0;

        if (!load_set(&cl, extra, &ours, opt->tmpdir, err))
            goto out;
        extra_sigs = ours;
    }
    /* ours alone are campaign evidence, not a virus scanner: the database must count */
    if (sigs == 0) {
        mv_err_set(err, MV_ECONFIG, "%s: no signatures in its files", database);
        goto out;
    }
    if (extra != NULL && g_file_test(extra, G_FILE_TEST_IS_DIR) && only_copies(database, extra)) {
        mv_err_set(err, MV_ECONFIG,
                   "%s: holds only copies of the signature files of %s, no signatures of its own",
                   database, extra);
        goto out;
    }
    sigs += extra_sigs;
    rc = cl_engine_compile(cl);
    if (rc != CL_SUCCESS) {
        mv_err_set(err, MV_ECONFIG, "%s: cannot compile signatures: %s", database, cl_strerror(rc));
        goto out;
    }
    cl_engine_set_clcb_virus_found(cl, on_virus_found);
    cl_engine_set_clcb_file_inspection(cl, on_file_inspection);

    e = g_new0(struct scan_engine, 1);
    e->cl = cl;
    e->signatures = sigs;
    e->extra = extra_sigs;
    {
        long long dbver = cl_engine_get_num(cl, CL_ENGINE_DB_VERSION, NULL);
        time_t dbtime = (time_t)cl_engine_get_num(cl, CL_ENGINE_DB_TIME, NULL);
        char stamp[32] = "-";
        struct tm tm;

        if (dbtime > 0 && gmtime_r(&dbtime, &tm) != NULL)
            strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
        g_snprintf(e->version, sizeof(e->version), "libclamav %s, db %lld (%s)", cl_retver(), dbver,
                   stamp);
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

/* scan_engine_extra_signatures - how many of them came from the EXTRA directory */
unsigned scan_engine_extra_signatures(const struct scan_engine *e)
{
    return e->extra;
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
    b->deadline = g_get_monotonic_time() + (gint64)opt->max_message_scan_time * 1000;
}

/* report_init - an empty report, once */
static void report_init(struct scan_report *rep)
{
    if (rep->objects == NULL) {
        rep->signatures = g_ptr_array_new_with_free_func(g_free);
        rep->objects = g_ptr_array_new_with_free_func(object_free);
    }
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
        struct scan_object *o = object_new(
            rep, name != NULL ? g_strconcat(base_path, "/", name, NULL) : g_strdup(base_path), name,
            "CL_TYPE_ANY", len, base_depth);
        keep_head(budget, o, data, len);
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
            add_name(rep->signatures, virname);
        break;
    case CL_EMEM:
        st = mv_err_set(err, MV_ENOMEM, "clamav: out of memory scanning %s", base_path);
        break;
    default:
        if (limit_name(rc) != NULL)
            add_name(rep->signatures, limit_name(rc));
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
    report_init(rep);
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

/* scan_object_add - an object seen only in an archive's listing */
struct scan_object *scan_object_add(struct scan_report *rep, guint parent, const char *name,
                                    uint64_t size)
{
    const struct scan_object *p = g_ptr_array_index(rep->objects, parent);

    return object_new(rep, g_strconcat(p->path, "/", name != NULL ? name : "?", NULL), name,
                      "CL_TYPE_ANY", size, p->depth + 1);
}

/* scan_report_init - an empty report as scan_leaf starts one (reportcodec.c) */
void scan_report_init(struct scan_report *rep)
{
    memset(rep, 0, sizeof(*rep));
    report_init(rep);
}

/* scan_object_append - an object made as the scan makes one, appended to REP */
struct scan_object *scan_object_append(struct scan_report *rep, const char *path, const char *name,
                                       const char *type, uint64_t size, unsigned depth)
{
    return object_new(rep, g_strdup(path), name, type, size, depth);
}

/* scan_signature_add - a reason found about object I after the scan */
void scan_signature_add(struct scan_report *rep, guint i, const char *name)
{
    add_name(((struct scan_object *)g_ptr_array_index(rep->objects, i))->signatures, name);
    add_name(rep->signatures, name);
}

/* remove_name - NAME out of LIST */
static void remove_name(GPtrArray *list, const char *name)
{
    for (guint i = 0; i < list->len; i++) {
        if (strcmp(g_ptr_array_index(list, i), name) == 0) {
            g_ptr_array_remove_index(list, i);
            return;
        }
    }
}

/* scan_signature_drop - forget a match that no longer holds (an archive opened) */
void scan_signature_drop(struct scan_report *rep, guint i, const char *name)
{
    remove_name(((struct scan_object *)g_ptr_array_index(rep->objects, i))->signatures, name);
    for (guint j = 0; j < rep->objects->len; j++) {
        const struct scan_object *o = g_ptr_array_index(rep->objects, j);
        for (guint k = 0; k < o->signatures->len; k++)
            if (strcmp(g_ptr_array_index(o->signatures, k), name) == 0)
                return;
    }
    remove_name(rep->signatures, name);
}

/* scan_report_clear - free a report's contents (the struct is the caller's) */
void scan_report_clear(struct scan_report *rep)
{
    if (rep->signatures != NULL)
        g_ptr_array_free(rep->signatures, TRUE);
    if (rep->objects != NULL)
        g_ptr_array_free(rep->objects, TRUE);
    g_free(rep->detected_type);
    memset(rep, 0, sizeof(*rep));
}
