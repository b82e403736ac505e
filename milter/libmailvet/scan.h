/* scan.h - libclamav: one engine per generation, one in-memory scan per leaf, and the
 * inventory of every object inspected inside it.
 * scan_engine_new() loads every signature file in a directory (any ClamAV format,
 * a refused one named with its line),
 * applies the limits of a struct scan_options (the caller fills it from the
 * configuration) and compiles; the engine is then read-only and
 * shared by all threads.  scan_leaf() scans a leaf's bytes from memory in all-match
 * mode and fills a caller-owned struct scan_report: the signatures, and one struct
 * scan_object per object libclamav's file-inspection callback reported (the leaf,
 * archive members, embedded files ...) with its path, type, size, depth, flags.
 * scan_member() scans bytes found inside one of those objects by other means (a
 * member libarchive extracted: container.c) into the same report.  A struct scan_budget holds the
 * message-wide limits and what the message has spent of them, over all its leaves.
 * scan_report_clear() frees a report's contents.  No logging: errors come back in
 * struct mv_err. */
#ifndef MV_SCAN_H
#define MV_SCAN_H

#include <glib.h>

#include "mv.h"

struct scan_engine;

/* What the engine and a message's budget are limited by (mailvet.yaml(5) names the
 * keys: max_scan_size ...; mvlimits.h their defaults).  Borrowed strings. */
struct scan_options {
    uint64_t max_scan_size;         /* per leaf (CL_ENGINE_MAX_SCANSIZE); archive bytes kept */
    uint64_t max_file_size;         /* CL_ENGINE_MAX_FILESIZE; largest archive kept */
    unsigned max_recursion;         /* CL_ENGINE_MAX_RECURSION; nesting below a leaf */
    unsigned max_files;             /* CL_ENGINE_MAX_FILES */
    unsigned max_scan_time;         /* milliseconds per leaf (CL_ENGINE_MAX_SCANTIME) */
    unsigned max_objects;           /* per message, over all leaves */
    uint64_t max_message_scan_size; /* bytes inspected per message */
    unsigned max_message_scan_time; /* milliseconds per message */
    unsigned max_compression_ratio; /* an object's size over its container's */
    uint64_t content_window;        /* bytes of content (and of each decoded field) kept
                                     * per object for rules; 0: SCAN_HEAD_BYTES */
    const char *tmpdir;             /* libclamav's temp files; NULL or "": its default */
};

/* Content decoded from an object for rules (scan_decode.c, and libclamav's VBA),
 * each kind at most the content window long. */
enum scan_decoded {
    SCAN_DECODED_VBA,        /* VBA module source, decompressed, modules in turn */
    SCAN_DECODED_XLM,        /* Excel 4.0 macro formulas, one a line ("EXEC(...)") */
    SCAN_DECODED_RTF_OBJECT, /* an RTF's \objdata, lower-case hex digits only */
    SCAN_DECODED_OLE_CLASS,  /* OLE class names an RTF embeds, one a line */
    SCAN_DECODED_SCRIPT,     /* a script's text, or the scripts of an HTML file */
    SCAN_DECODED_N
};

struct scan_object {
    char *path; /* "2/invoice.zip/payload.exe": leaf path, then names down to it */
    char *name; /* as libclamav or the archive reported it, or NULL */
    char *type; /* "CL_TYPE_MSEXE", or "MV_TYPE_ACE" for what libclamav cannot open */
    uint64_t size;
    unsigned depth;        /* 0 for the MIME leaf itself */
    unsigned attributes;   /* libclamav's LAYER_ATTRIBUTES_* */
    bool encrypted;        /* an archive with encrypted members, or such a member */
    bool decrypted;        /* bytes mailvet decrypted with a password from the message */
    bool type_mismatch;    /* name or declared type claims another class than detected */
    GPtrArray *signatures; /* char *, matches attributed to this object */
    GBytes *archive;       /* a zip/7z/rar's bytes, kept for container.c; else NULL */
    GBytes *head;          /* its first content_window bytes, for rules; NULL past the
                            * message's SCAN_HEADS_MAX */
    GByteArray *decoded[SCAN_DECODED_N]; /* enum scan_decoded: NULL for none */
};

#define SCAN_HEAD_BYTES 4096                /* content window unless configured */
#define SCAN_WINDOW_MAX (16u * 1024 * 1024) /* the largest content window */
#define SCAN_HEADS_MAX (64u * 1024 * 1024)  /* content kept per message, all objects */

struct scan_report {
    GPtrArray *signatures; /* char *, every distinct match, in order found */
    char *detected_type;   /* libclamav's type of the leaf itself */
    GPtrArray *objects;    /* struct scan_object *, in the order inspected */
    unsigned max_depth;    /* deepest nesting level reached */
};

/* Message-wide limits and what has been spent of them; one per message. */
struct scan_budget {
    unsigned max_objects;
    uint64_t max_bytes;
    unsigned max_ratio;
    uint64_t max_archive; /* largest archive kept for container.c */
    uint64_t max_kept;    /* archive bytes copied per message */
    unsigned max_depth;   /* nesting below a MIME leaf (max_recursion) */
    uint64_t kept;
    uint64_t window; /* content_window */
    uint64_t heads;  /* bytes of object heads and decoded content kept */
    gint64 deadline; /* g_get_monotonic_time() value */
    unsigned objects;
    uint64_t bytes;
    const char *limit; /* "Mailvet.Limits.*" once one was hit, else NULL */
};

/* called from inside a scan, at most about once a second (smfi_progress) */
typedef void (*scan_progress_fn)(void *ctx);

/* scan_engine_new - load DATABASE (a directory or one file), and EXTRA (a directory of
 * our own signatures, NULL or absent for none) into one engine with OPT's limits.
 * DATABASE must hold signatures of its own (EXTRA's alone are no virus scanner): an
 * empty directory, files without any, only copies of EXTRA's files, or signatures all
 * named as EXTRA's (a copy from another version) is MV_ECONFIG.
 * A signature file libclamav refuses (a YARA file with a rule in error included) is
 * MV_EPARSE, named down to the file and the line libclamav gave:
 * "DIR/FILE:LINE: malformed signature database (libclamav: REASON)".  err->msg starts
 * with the path that failed, DATABASE or EXTRA or a file in one of them, then ":". */
struct scan_engine *scan_engine_new(const struct scan_options *opt, const char *database,
                                    const char *extra, struct mv_err *err);
/* scan_engine_signatures - all the engine holds, DATABASE's and EXTRA's */
unsigned scan_engine_signatures(const struct scan_engine *e);
/* scan_engine_extra_signatures - those of them that came from EXTRA */
unsigned scan_engine_extra_signatures(const struct scan_engine *e);
/* scan_engine_version - libclamav version and database version/time, for logs */
const char *scan_engine_version(const struct scan_engine *e);
/* scan_signature_file - whether libclamav's load of a directory reads the file NAME
 * (a signature database, list or setting, by the end of its name): what the cache's
 * scan digest reads, leaving out freshclam's own state (freshclam.dat, mirrors) */
bool scan_signature_file(const char *name);
struct scan_engine *scan_engine_free(struct scan_engine *e);

/* scan_budget_init - OPT's message-wide limits, the clock starting now */
void scan_budget_init(struct scan_budget *b, const struct scan_options *opt);

/* scan_leaf - scan one leaf; MV_OK with rep filled (a limit hit is a signature
 * name: Heuristics.Limits.Exceeded.*, or budget->limit), MV_ENOMEM / MV_ESCAN on failure */
enum mv_status scan_leaf(const struct scan_engine *e, const struct mv_leaf *leaf,
                         struct scan_budget *budget, struct scan_report *rep,
                         scan_progress_fn progress, void *progress_ctx, struct mv_err *err);
/* scan_member - scan DATA, a member NAME found inside object PARENT (an index into
 * rep->objects), adding its objects to REP below PARENT; returns the status and sets
 * *first to the index of the member's own object (or -1 if the budget was spent) */
enum mv_status scan_member(const struct scan_engine *e, GBytes *data, const char *name,
                           guint parent, struct scan_budget *budget, struct scan_report *rep,
                           gint *first, scan_progress_fn progress, void *progress_ctx,
                           struct mv_err *err);
/* scan_object_add - an object known only by name (an encrypted member not opened) */
struct scan_object *scan_object_add(struct scan_report *rep, guint parent, const char *name,
                                    uint64_t size);
/* scan_decoded_name - "vba", "xlm", "rtf_object", "ole_class", "script" */
const char *scan_decoded_name(enum scan_decoded kind);
/* scan_decoded_add - LEN bytes of DATA appended to decoded field KIND of object O
 * (a line break first if it holds something), within the budget's content window
 * and the message's SCAN_HEADS_MAX; the bytes kept count against the message's
 * max_message_scan_size like inspected ones.  Returns false when nothing more fits. */
bool scan_decoded_add(struct scan_budget *budget, struct scan_object *o, enum scan_decoded kind,
                      const void *data, size_t len);
/* scan_report_init - REP (contents overwritten, not freed) as an empty report with
 * its lists, for code that builds a report without scanning (reportcodec.c) */
void scan_report_init(struct scan_report *rep);
/* scan_object_append - a copy of PATH, NAME (may be NULL), TYPE as a new object at the
 * end of REP (initialised), with no signatures, head or archive; raises max_depth */
struct scan_object *scan_object_append(struct scan_report *rep, const char *path, const char *name,
                                       const char *type, uint64_t size, unsigned depth);
/* scan_signature_add - NAME on object I and in REP (a finding made after the scan) */
void scan_signature_add(struct scan_report *rep, guint i, const char *name);
/* scan_signature_drop - forget NAME on object I and, if no other object has it, in REP */
void scan_signature_drop(struct scan_report *rep, guint i, const char *name);
void scan_report_clear(struct scan_report *rep);

#endif
