/* scan_engine.c - one libclamav engine per generation: the limits of its struct
 * scan_options (CL_ENGINE_MAX_*), ClamAV's own clean-file cache off
 * (CL_ENGINE_DISABLE_CACHE: with it on a container scanned twice no longer reports its
 * members to the file-inspection callback, and the inventory must be the same every
 * time), cl_load() of the signature directory, then cl_engine_compile().  After that
 * the engine is only read, so scans run in parallel.
 * While cl_load() runs, libclamav's error messages are kept for this thread
 * (cl_set_clcb_msg: the line a loader refused is said only there).  A directory that
 * fails, or whose YARA files drew an error (libclamav leaves such a rule out and
 * reports success), is loaded again one file at a time, in libclamav's own order,
 * into a scratch engine, to name the file, its line and libclamav's reason in
 * struct mv_err.  A database of our campaign signatures alone (copies of EXTRA's
 * files, or signatures all named as EXTRA's) is refused: it is no virus scanner; so is
 * one of allow, ignore and phishing-domain lists alone, whose entries libclamav counts
 * among its signatures (passive_count). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <clamav.h>

#include "scan_internal.h"

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
 * phishing-domain lists (.pdb, .gdb, .wdb: URLs of mail checked for phishing, no file
 * signature), settings, file types, certificates, passwords.  libclamav counts the
 * entries of some (.fp, .sfp, .pdb, .gdb) among the signatures it loaded. */
static const char *const passive_endings[] = {
    ".ign", ".ign2", ".fp",  ".sfp", ".pdb",  ".gdb", ".wdb",
    ".cfg", ".ftm",  ".crb", ".cat", ".pwdb", NULL,
};

/* ClamAV's signed containers of signature files (freshclam's) */
static const char *const container_endings[] = {".cvd", ".cld", ".cud", NULL};

/* The signature types libclamav's load callback gives the entries of those lists:
 * they are no signature of the database's own (tally_name) */
static const char *const passive_types[] = {"fp", "sfp", "phishing", NULL};

/* is_passive_type - TYPE, of libclamav's load callback, is one of passive_types */
static bool is_passive_type(const char *type)
{
    for (size_t i = 0; type != NULL && passive_types[i] != NULL; i++)
        if (strcmp(type, passive_types[i]) == 0)
            return true;
    return false;
}

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

/* scan_signature_file - NAME ends in one of db_endings */
bool scan_signature_file(const char *name)
{
    return ends_in(name, db_endings);
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
 * with the line libclamav gave and its reason; MV_EPARSE (MV_ENOMEM for memory short) */
static void refuse_file(struct mv_err *err, const char *path, cl_error_t rc,
                        const GPtrArray *errors)
{
    char reason[REASON_MAX + 1], line[32] = "";
    unsigned n = line_of(errors, path);
    const char *what = "malformed signature database";

    /* libclamav answers "out of memory" for a pattern that matches anything too (a .pdb
     * line "R:.*" asks it for 0 bytes), with no line.  A small file of the operator's
     * (not ClamAV's .cvd, .cld, .cud, under 1 MiB) is taken as the one to fix, as a
     * malformed one is; anything else is memory short (MV_ENOMEM: a service manager
     * starts it again) */
    if (rc == CL_EMEM) {
        struct stat st;

        if (ends_in(path, container_endings) || stat(path, &st) != 0 || st.st_size >= 1024 * 1024) {
            mv_err_set(err, MV_ENOMEM, "%s: out of memory loading its signatures", path);
            return;
        }
        mv_err_set(err, MV_EPARSE,
                   "%s: libclamav could not load it (out of memory, which it also says for a "
                   "pattern that matches anything, as a .pdb line \"R:.*\")",
                   path);
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

/* passive_count - of the signatures libclamav counts in DATABASE (a directory or one
 * file), how many are entries of its lists that detect nothing (passive_endings): those
 * files loaded again, alone, into a scratch engine, its ignore lists first as in the
 * directory load.  0 when there are none, or when they do not load (the whole
 * database loaded, so they do).  Containers (.cvd, .cld, .cud) count as signatures. */
static unsigned passive_count(const char *database, unsigned sigs, const char *tmpdir)
{
    GPtrArray *names;
    struct cl_engine *cl = NULL;
    unsigned passive = 0;

    if (!g_file_test(database, G_FILE_TEST_IS_DIR))
        return ends_in(database, passive_endings) ? sigs : 0;
    names = db_files_new(database);
    for (guint i = 0; names != NULL && i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        char *path;
        unsigned n = 0;

        if (!ends_in(name, passive_endings))
            continue;
        if (cl == NULL) {
            cl = cl_engine_new();
            if (cl == NULL)
                break;
            if (tmpdir != NULL && *tmpdir != '\0')
                cl_engine_set_str(cl, CL_ENGINE_TMPDIR, tmpdir);
        }
        path = g_build_filename(database, name, NULL);
        if (cl_load(path, cl, &n, CL_DB_STDOPT) == CL_SUCCESS)
            passive += n;
        g_free(path);
    }
    if (cl != NULL)
        cl_engine_free(cl);
    if (names != NULL)
        g_ptr_array_free(names, TRUE);
    return passive;
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

/* Whether every signature of a database is named as one of EXTRA's: a copy of the
 * campaign signatures of another mailvet version (or reordered, or cut) differs from
 * EXTRA's files byte for byte but detects nothing else.  The names of EXTRA's
 * signatures come first (names_of); while the database loads, tally_name counts its
 * signatures that bear one of them, until one does not. */
struct name_tally {
    GHashTable *ours; /* the names of EXTRA's signatures */
    unsigned named;   /* the database's signatures named as one of them */
    bool other;       /* a signature of another name was loaded */
};

/* note_name - libclamav's signature-load callback of names_of(): the name kept, the
 * signature skipped (nonzero), so that the scratch engine stays empty */
static int note_name(const char *type, const char *name, unsigned int custom, void *context)
{
    (void)type, (void)custom;
    if (name != NULL)
        g_hash_table_add(context, g_strdup(name));
    return 1;
}

/* tally_name - the signature-load callback while the database loads: counts the
 * signatures named as one of EXTRA's; after the first that is not, only returns.
 * Never skips a signature (0). */
static int tally_name(const char *type, const char *name, unsigned int custom, void *context)
{
    struct name_tally *t = context;

    (void)custom;
    if (t->other || is_passive_type(type))
        return 0;
    if (name != NULL && g_hash_table_contains(t->ours, name))
        t->named++;
    else
        t->other = true;
    return 0;
}

/* names_of - the names of the signatures of EXTRA (a directory), read by a load into a
 * scratch engine that keeps none of them; NULL when no engine can be made.  A file of
 * EXTRA that fails is refused by the real load after the database's. */
static GHashTable *names_of(const char *extra, const char *tmpdir)
{
    GHashTable *names;
    struct cl_engine *cl = cl_engine_new();
    unsigned sigs = 0;

    if (cl == NULL)
        return NULL;
    names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    if (tmpdir != NULL && *tmpdir != '\0')
        cl_engine_set_str(cl, CL_ENGINE_TMPDIR, tmpdir);
    cl_engine_set_clcb_sigload(cl, note_name, names);
    (void)cl_load(extra, cl, &sigs, CL_DB_STDOPT);
    cl_engine_free(cl);
    return names;
}

/* scan_engine_new - load, limit and compile one engine */
struct scan_engine *scan_engine_new(const struct scan_options *opt, const char *database,
                                    const char *extra, struct mv_err *err)
{
    static GOnce once = G_ONCE_INIT;
    struct scan_engine *e = NULL;
    struct cl_engine *cl = NULL;
    unsigned sigs = 0, extra_sigs = 0, passive = 0;
    struct name_tally tally = {0};
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
    /* the database's signatures named as our campaign signatures are counted */
    if (extra != NULL && g_file_test(extra, G_FILE_TEST_IS_DIR))
        tally.ours = names_of(extra, opt->tmpdir);
    if (tally.ours != NULL)
        cl_engine_set_clcb_sigload(cl, tally_name, &tally);
    /* libclamav does not say which file of a directory failed: load_set() finds it */
    if (!load_set(&cl, database, &sigs, opt->tmpdir, err))
        goto out;
    cl_engine_set_clcb_sigload(cl, NULL, NULL);
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
    /* nor are allow lists and phishing-domain lists, which libclamav counts as well */
    passive = passive_count(database, sigs, opt->tmpdir);
    if (passive >= sigs) {
        mv_err_set(err, MV_ECONFIG,
                   "%s: no signatures in its files, only allow, ignore or phishing-domain lists, "
                   "which detect nothing",
                   database);
        goto out;
    }
    if (extra != NULL && g_file_test(extra, G_FILE_TEST_IS_DIR) && only_copies(database, extra)) {
        mv_err_set(err, MV_ECONFIG,
                   "%s: holds only copies of the signature files of %s, no signatures of its own",
                   database, extra);
        goto out;
    }
    if (tally.ours != NULL && !tally.other && tally.named == sigs - passive) {
        mv_err_set(err, MV_ECONFIG,
                   "%s: holds only signatures named as those of %s (%u; a copy of them from "
                   "another version), no signatures of its own",
                   database, extra, sigs - passive);
        goto out;
    }
    sigs += extra_sigs;
    rc = cl_engine_compile(cl);
    if (rc != CL_SUCCESS) {
        mv_err_set(err, MV_ECONFIG, "%s: cannot compile signatures: %s", database, cl_strerror(rc));
        goto out;
    }
    scan_callbacks_install(cl);

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
    if (tally.ours != NULL)
        g_hash_table_unref(tally.ours);
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
