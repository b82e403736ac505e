/* unpack.h - libarchive for what libclamav does not open: encrypted archives, LHA/LZH
 * and ar archives, and zstd, LZ4, lzip, LZMA-alone and compress(1) streams (unpack_reads() names
 * the types this module takes).  unpack_probe() tells, from the archive's headers only, whether an
 * archive (zip, 7z, rar) holds encrypted members.  unpack_open() lists every member of such an
 * archive and tries each candidate password until one decrypts; the members' decrypted bytes then
 * go back to libclamav like any other object.  unpack_zip_parts() splits zip archives laid one
 * after another.  The candidates come from the caller (pipeline.c gathers them from the message's
 * text with passwords_add(), passwords.h).  All work is bounded by struct unpack_limits.  The only
 * module that calls libarchive.  Does not log.  Nothing here is shared between threads. */
#ifndef MV_UNPACK_H
#define MV_UNPACK_H

#include <glib.h>

#include "mv.h"

struct unpack_limits {
    unsigned max_members;   /* members listed per archive */
    size_t max_member_size; /* decrypted bytes kept per member; larger: listed, not kept */
    size_t max_total_size;  /* decrypted bytes kept per archive */
    unsigned max_passwords; /* candidates tried per archive */
    bool stream;            /* DATA is one compressed file: its single member is "data" */
};

struct unpack_member {
    char *name;      /* as stored in the archive (UTF-8 made valid); may hold '/' */
    size_t size;     /* uncompressed size as the archive declares it (0 if unknown) */
    bool encrypted;  /* this member's data (or the headers) is encrypted */
    GBytes *data;    /* decrypted (or plain) bytes, NULL when not extracted */
    bool too_big;    /* its bytes were more than the limits let us keep */
    bool unreadable; /* libarchive could not decompress its bytes */
};

/* unpack_want_fn - whether to extract plain member M (called once per member, in order) */
typedef bool (*unpack_want_fn)(const struct unpack_member *m, void *ctx);

struct unpack_result {
    GPtrArray *members; /* struct unpack_member *, in archive order */
    bool opened;        /* every encrypted member was decrypted */
    int password_index; /* index into the candidates that worked, -1 if none */
    unsigned tried;     /* passwords tried */
    bool truncated;     /* a limit stopped the listing or the extraction */
    bool member_limit;  /* ... the listing stopped at max_members (or UNPACK_MAX_HEADERS) */
    bool damaged;       /* ... damage stopped the listing after some members */
    char *format;       /* libarchive's format name, "ZIP 2.0 (deflation)" ... */
};

/* unpack_reads - TYPE (libclamav's CL_TYPE_* or filetype.c's MV_TYPE_*) is one this
 * module lists: zip, 7z, rar, LHA, or a compressed stream (then *STREAM is true; STREAM
 * may be NULL) */
bool unpack_reads(const char *type, bool *stream);

/* unpack_probe - true if DATA is an archive libarchive reads that has encrypted
 * members or encrypted headers; reads headers only (a zip's central directory:
 * nothing is decompressed).  *DECLARED (may be NULL) receives the sum of the
 * uncompressed sizes the headers declare, 0 if unreadable */
bool unpack_probe(const void *data, size_t len, uint64_t *declared);

/* unpack_open - list members and try PASSWORDS (char *, may be NULL or empty) in
 * order; fills OUT (caller clears with unpack_result_clear).  MV_OK even when no
 * password worked (out->opened false); MV_EPARSE for data libarchive cannot read at
 * all, MV_ENOMEM */
enum mv_status unpack_open(const void *data, size_t len, const GPtrArray *passwords,
                           const struct unpack_limits *lim, struct unpack_result *out,
                           struct mv_err *err);
/* unpack_open_some - the same, extracting only the plain members WANT accepts (all
 * when NULL); the others are listed without their bytes */
enum mv_status unpack_open_some(const void *data, size_t len, const GPtrArray *passwords,
                                const struct unpack_limits *lim, unpack_want_fn want,
                                void *want_ctx, struct unpack_result *out, struct mv_err *err);
void unpack_result_clear(struct unpack_result *res);

/* unpack_zip_parts - where DATA holds several zip archives one after another, the
 * byte range of each (found from each end-of-central-directory record, at most MAX);
 * appends pairs of gsize (start, end) to RANGES and returns how many.  Fewer than two
 * means DATA is read as one archive */
guint unpack_zip_parts(const void *data, size_t len, GArray *ranges, guint max);

#endif
