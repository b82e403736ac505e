/* message_leaves.h - inside the message module: the leaves of one parse, built without
 * GMime.  message.c walks GMime's tree and, at each part, asks here for a leaf at the
 * path being visited (path, grown with message_leaves_push() and cut back with
 * g_string_truncate()) and gives it the names and types GMime decoded
 * (message_leaf_describe()); message_decode.c gives it its bytes through a leafsink
 * (message_leaves_finish()).
 *
 * Leaves count against max_parts: past it none is added, MESSAGE_LIMIT_PARTS is set
 * and stop tells the walk to add nothing more.  Residues are beside max_parts, at most
 * as many again: a multipart's preamble and epilogue with anything but blanks in them
 * ("<path>.preamble", "<path>.epilogue", text/plain, MV_LEAF_RESIDUE), so that what a
 * sender hides there is scanned like any part (clamd sees it as part of the raw
 * message) without "This is a multi-part message in MIME format." becoming body text
 * for the rules, and the whole message as leaf "raw" (message/rfc822, depth 0,
 * MV_LEAF_RESIDUE).  A multipart in which GMime found no part keeps its text (not
 * empty) as leaf "<path>.1", text/plain.  Text after a NUL byte in a preamble,
 * epilogue or such text is lost: GMime keeps them as C strings.
 *
 * A leaf's data is never NULL (an empty leaf points at "", its digest that of no
 * bytes); one whose temp file cannot even be mapped (ENOMEM) is left empty and
 * MV_LEAF_TRUNCATED, with MESSAGE_NO_MEMORY.  Names and types are valid UTF-8, types,
 * dispositions and encodings lower-case.  The struct message_leaves owns the leaves
 * and their bytes; message_leaves_clear() releases them.  Errors (MV_EIO, a temp file
 * that cannot be written) come from the leafsink, in the caller's struct mv_err.  Does
 * not log.  Not shared between threads. */
#ifndef MV_MESSAGE_LEAVES_H
#define MV_MESSAGE_LEAVES_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#include "leafsink.h"
#include "message.h"
#include "mv.h"

/* one leaf: what the rest of mailvet sees, and the bytes it points into */
struct message_leaf {
    struct mv_leaf pub;
    struct leafsink_bytes bytes;
};

struct message_leaves {
    GPtrArray *all;     /* struct message_leaf *, in walk order */
    GString *path;      /* the path of the object being visited */
    unsigned flags;     /* MESSAGE_LIMIT_PARTS, MESSAGE_NO_MEMORY, as they are met */
    bool stop;          /* max_parts reached: the walk adds nothing more */
    unsigned max_parts; /* leaves, residues aside */
    unsigned residues;  /* residue leaves so far */
    size_t leaf_mem_max;
    const char *tmpdir;
};

/* message_leaves_init - no leaves yet, for a parse within LIM */
void message_leaves_init(struct message_leaves *lv, const struct message_limits *lim);
/* message_leaves_clear - release the leaves, their bytes and the path; safe twice */
void message_leaves_clear(struct message_leaves *lv);

/* message_leaves_push - append child number N to lv->path; returns the length to
 * truncate back to */
gsize message_leaves_push(struct message_leaves *lv, unsigned n);
/* message_leaves_add - a new empty leaf at PATH, DEPTH containers deep, or NULL once
 * max_parts is reached; borrowed from LV */
struct message_leaf *message_leaves_add(struct message_leaves *lv, const char *path,
                                        unsigned depth);
/* message_leaves_raw - the leaf "raw" for the whole message, empty; borrowed */
struct message_leaf *message_leaves_raw(struct message_leaves *lv);

/* message_leaf_describe - LF's file name, declared type (NULL: application/octet-stream),
 * disposition and transfer encoding (the first token of the field's value) from what
 * GMime decoded */
void message_leaf_describe(struct message_leaf *lf, const char *filename, const char *type,
                           const char *disposition, const char *encoding);
/* message_leaves_finish - LF gets the bytes in S and their SHA-256; S is left empty */
enum mv_status message_leaves_finish(struct message_leaves *lv, struct message_leaf *lf,
                                     struct leafsink *s, struct mv_err *err);
/* message_leaves_bytes - the LEN bytes at P become LF's */
enum mv_status message_leaves_bytes(struct message_leaves *lv, struct message_leaf *lf,
                                    const void *p, size_t len, struct mv_err *err);

/* message_leaves_text - TEXT, unless NULL or empty, as a text/plain leaf at lv->path */
enum mv_status message_leaves_text(struct message_leaves *lv, const char *text, unsigned depth,
                                   struct mv_err *err);
/* message_leaves_residue - TEXT, a multipart's preamble or epilogue (NAME), as a
 * residue leaf "<lv->path>.NAME" unless it holds nothing but blanks */
enum mv_status message_leaves_residue(struct message_leaves *lv, const char *text, const char *name,
                                      unsigned depth, struct mv_err *err);

/* message_utf8_dup - a copy of LEN bytes of S (-1: up to its NUL) as valid UTF-8, or
 * NULL for NULL (g_free) */
char *message_utf8_dup(const char *s, gssize len);

#endif
