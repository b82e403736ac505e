/* container.h - every member of a zip, 7z, rar or LHA or ar archive, or of a zstd,
 * LZ4, lzip, LZMA-alone or compress stream, accounted for.
 * libclamav opens these archives itself, but not always all of them: Debian's
 * libclamav has no RAR support (libclamunrar is non-free), zips one after another
 * show no member at all, a member larger than max_file_size is cut without a word,
 * and encrypted members stay closed.  container_check() lists one archive object of a
 * report with libarchive, matches its members with the objects libclamav reported
 * below it, and makes up for the difference: what libclamav missed is extracted and
 * scanned below the archive, encrypted members are tried with the message's
 * passwords, and what cannot be seen becomes a reason (Mailvet.Limits.*,
 * Mailvet.Unscannable.*) on the object it concerns.  Does not log. */
#ifndef MV_CONTAINER_H
#define MV_CONTAINER_H

#include <glib.h>

#include "scan.h"

/* The limits archives are checked under (mailvet.yaml(5) names the keys). */
struct container_limits {
    uint64_t max_file_size;         /* a member extracted and scanned at most this big */
    uint64_t max_scan_size;         /* all the members extracted from one archive */
    unsigned max_files;             /* members listed per archive */
    unsigned max_recursion;         /* nesting below a MIME leaf, as libclamav counts it */
    unsigned max_compression_ratio; /* declared sizes over the archive's size */
    unsigned max_passwords;         /* candidate passwords tried per archive */
};

/* what checking the archives of one message needs */
struct container_ctx {
    struct container_limits limits;
    const struct scan_engine *engine;
    struct scan_budget *budget;
    /* candidate passwords from the message, asked for only when an archive has
     * encrypted members */
    const GPtrArray *(*passwords)(void *ctx);
    void *passwords_ctx;
    scan_progress_fn progress;
    void *progress_ctx;
};

/* container_check - object I of REP holds the bytes of an archive (o->archive, which
 * this releases); account for its members, adding objects and reasons to REP.
 * MV_OK unless memory ran out or libclamav failed on an extracted member */
enum mv_status container_check(const struct container_ctx *cc, struct scan_report *rep, guint i,
                               struct mv_err *err);

/* container_names - every object of REP that a gzip, bzip2 or xz object holds alone
 * and that libclamav reported without a name gets the name the gzip header keeps
 * (FNAME), or else the container's name without its extension ("PO.exe.gz": PO.exe) */
void container_names(struct scan_report *rep);

#endif
