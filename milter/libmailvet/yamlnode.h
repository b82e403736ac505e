/* yamlnode.h - a YAML file as a small tree of scalars, sequences and mappings.
 * yamlnode_load_file() and yamlnode_load_buffer() read one YAML document with libyaml's
 * event parser; every node, mapping keys included, carries the file name and its 1-based
 * line and column, so that config.c and the policy loader can say "FILE:LINE: message".
 * Refused, with such a message: syntax errors, more than one document, anchors and
 * aliases, non-scalar mapping keys, NUL bytes in a scalar, nesting deeper than
 * YAMLNODE_MAX_DEPTH, more than YAMLNODE_MAX_NODES nodes and files larger than
 * YAMLNODE_MAX_BYTES.  An empty file is a null scalar at line 1.
 * A duplicate key is an error that does not stop the reading: each is reported as
 * "FILE:LINE: KEY: duplicate key (first at line N)", the later pair is left out of the
 * tree, and the tree is returned with err->status MV_EPARSE, so that its reader adds its
 * own errors below and the operator sees them all in one run.  A caller must therefore
 * check err->status, not only the pointer, and refuse the file when it is not MV_OK.
 * Tags are ignored: every scalar is text, and the consumer's schema gives it a type.
 * The caller owns the root and frees it with yamlnode_free(); every other node is
 * borrowed from its root.  A loaded tree is read-only and may be shared by threads.
 * Errors: MV_EIO (cannot open or read), MV_EPARSE (everything else); several errors
 * (duplicates, then a fatal one) are all reported, one per line of err->msg. */
#ifndef MV_YAMLNODE_H
#define MV_YAMLNODE_H

#include <stdbool.h>
#include <stddef.h>

#include "mv.h"

#define YAMLNODE_MAX_DEPTH 64                 /* nested sequences/mappings */
#define YAMLNODE_MAX_NODES 100000             /* nodes in one file, keys included */
#define YAMLNODE_MAX_BYTES (16 * 1024 * 1024) /* size of one file */

enum yamlnode_type {
    YAMLNODE_SCALAR = 0,
    YAMLNODE_SEQUENCE,
    YAMLNODE_MAPPING,
};

struct yamlnode;

/* yamlnode_load_file - parse PATH; NULL with err filled on a fatal error, the tree with
 * err->status MV_EPARSE when only duplicate keys were found, else the tree (MV_OK) */
struct yamlnode *yamlnode_load_file(const char *path, struct mv_err *err);
/* yamlnode_load_buffer - parse LEN bytes of BUF; NAME is used in messages */
struct yamlnode *yamlnode_load_buffer(const char *name, const char *buf, size_t len,
                                      struct mv_err *err);
/* yamlnode_free - free a tree loaded by yamlnode_load_*(); NULL allowed; returns NULL */
struct yamlnode *yamlnode_free(struct yamlnode *root);

enum yamlnode_type yamlnode_type(const struct yamlnode *n);
/* yamlnode_type_name - "a scalar", "a sequence", "a mapping" or "an empty value" */
const char *yamlnode_type_name(const struct yamlnode *n);
/* yamlnode_file_get - the file name given to yamlnode_load_*() */
const char *yamlnode_file_get(const struct yamlnode *n);
unsigned yamlnode_line(const struct yamlnode *n);   /* 1-based */
unsigned yamlnode_column(const struct yamlnode *n); /* 1-based */

/* yamlnode_scalar_get - the text of a scalar (never NULL for one), NULL otherwise */
const char *yamlnode_scalar_get(const struct yamlnode *n);
/* yamlnode_is_null - a plain (unquoted) scalar that is empty, "~" or "null" */
bool yamlnode_is_null(const struct yamlnode *n);

/* yamlnode_count - items of a sequence, pairs of a mapping, 0 for a scalar */
size_t yamlnode_count(const struct yamlnode *n);
/* yamlnode_item_get - item I of a sequence, NULL when out of range or not a sequence */
const struct yamlnode *yamlnode_item_get(const struct yamlnode *seq, size_t i);
/* yamlnode_key_get - key of pair I of a mapping (a scalar node), in file order */
const struct yamlnode *yamlnode_key_get(const struct yamlnode *map, size_t i);
/* yamlnode_value_get - value of pair I of a mapping */
const struct yamlnode *yamlnode_value_get(const struct yamlnode *map, size_t i);
/* yamlnode_map_get - value of KEY in a mapping, NULL when absent or not a mapping */
const struct yamlnode *yamlnode_map_get(const struct yamlnode *map, const char *key);

/* yamlnode_err_add - append "FILE:LINE: message" (position of N, or nothing when N is
 * NULL) as a new line of err->msg and set err->status; a message that no longer fits ends
 * in "...".  ERR must start cleared (yamlnode_load_*() clear it); NULL is allowed. */
void yamlnode_err_add(struct mv_err *err, enum mv_status status, const struct yamlnode *n,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* yamlnode_err_addf - the same without a node: the text is appended as given */
void yamlnode_err_addf(struct mv_err *err, enum mv_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
