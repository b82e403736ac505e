/* rules_compiled.h - inside the rules module: the compiled form of a rule set, which
 * the loader (rules.c, rules_values.c) builds and rules_eval.c reads, and the loader's
 * own state and helpers that rules.c and rules_values.c share.  Not for other modules:
 * they see rules.h only.  A compiled set is read-only once rules_add() returns; the
 * loader that builds a piece frees it (rules_free, pred_free, rules_strmatch_free).
 * The one field written after load is struct rule's error_taken, atomically. */
#ifndef MV_RULES_COMPILED_H
#define MV_RULES_COMPILED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "mv.h"
#include "rules.h"
#include "yamlnode.h"

enum str_kind {
    STR_GLOB,
    STR_REGEX,
    STR_EQUALS,
};

/* A STRING of rules.h: any of its patterns matches. */
struct strmatch {
    enum str_kind kind;
    GPtrArray *texts; /* char *: case-folded glob or equals patterns */
    GPtrArray *codes; /* pcre2_code *: compiled regular expressions */
};

/* A RANGE: min <= v <= max. */
struct range {
    bool set;
    uint64_t min;
    uint64_t max;
};

/* The FIELDS of an attachment: or object: predicate; NULL / unset fields are not tested. */
struct objtest {
    bool attachment;
    struct strmatch *name;
    struct strmatch *type;
    struct strmatch *disposition;       /* attachments */
    struct strmatch *signature;         /* objects from here on */
    GPtrArray *content;                 /* struct strmatch *, all must match */
    GPtrArray *decoded[SCAN_DECODED_N]; /* vba, xlm ...: struct strmatch *, all must match */
    struct range size;
    struct range depth;
    struct range members;
    int encrypted; /* -1 unset, else 0 or 1 */
    int type_mismatch;
    int in_archive;
    struct objtest *parent;
};

enum pred_kind {
    P_ALL,
    P_ANY,
    P_NOT,
    P_RULE,
    P_FIELD,
    P_HEADER,
    P_OUTBOUND,
    P_MATCH, /* attachment: or object: */
    P_COUNT,
};

enum msg_field {
    MF_SUBJECT,
    MF_FROM,
    MF_REPLY_TO,
    MF_SENDER,
    MF_RECIPIENT,
    MF_BODY,
    MF_CLIENT_ADDR,
};

struct pred {
    enum pred_kind kind;
    GPtrArray *children;  /* P_ALL, P_ANY: struct pred * */
    struct pred *child;   /* P_NOT */
    size_t rule;          /* P_RULE: index in the set */
    enum msg_field field; /* P_FIELD */
    struct strmatch *str; /* P_FIELD, P_HEADER (NULL: the field is present) */
    char *header;         /* P_HEADER: the field name */
    bool outbound;        /* P_OUTBOUND */
    struct objtest *test; /* P_MATCH, P_COUNT */
    struct range count;   /* P_COUNT */
};

struct rule {
    char *id;
    char *where; /* "FILE:LINE" of its id, for duplicate messages */
    const char *category;
    char *campaign;
    char *description;
    double score;
    struct pred *match;
    gint error_taken; /* written after load, atomically: 1 once an error of this
                       * rule was handed out for logging (rules_eval) */
};

struct rules {
    GPtrArray *rules; /* struct rule * */
    GHashTable *ids;  /* id (borrowed from the rule) -> index + 1 */
};

/* State of one rules_add(): where errors go and which ids are known. */
struct parse {
    struct mv_err *err;
    unsigned errors;     /* errors reported so far */
    const char *rule_id; /* the rule being parsed, for messages; NULL before its id */
    const struct rules *set;
    GHashTable *pending; /* id -> index + 1 in the pending list (keys borrowed) */
    GPtrArray *rules;    /* the pending list */
};

/* ---- the loader's helpers (rules_values.c) ------------------------------------------ */

/* rules_perr - report "FILE:LINE: rule ID: message" at node N and count it */
void rules_perr(struct parse *p, const struct yamlnode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* rules_printable - S for a message: at most 100 bytes, control characters as '?' */
const char *rules_printable(const char *s, char *buf, size_t size);

/* rules_key_index - index of NAME in the NULL-terminated KEYS, or -1 */
int rules_key_index(const char *const *keys, const char *name);

/* rules_unknown_key - report KEY, under PATH (the keys above it joined by '.', "" at a
 * rule's or a predicate's top), as none of KEYS, with the nearest one (suggest.h) */
void rules_unknown_key(struct parse *p, const struct yamlnode *key, const char *const *keys,
                       const char *path);

/* rules_check_keys - report every key of MAP (at PATH, as for rules_unknown_key) not in
 * KEYS; true when all are known */
bool rules_check_keys(struct parse *p, const struct yamlnode *map, const char *const *keys,
                      const char *path);

/* rules_scalar_text - the text of a non-null scalar, or NULL with an error naming KEY */
const char *rules_scalar_text(struct parse *p, const char *key, const struct yamlnode *v,
                              const char *want);

/* rules_parse_flag - KEY: true|false into *OUT */
bool rules_parse_flag(struct parse *p, const char *key, const struct yamlnode *v, bool *out);

/* rules_parse_number - KEY: a whole number (a size with SIZE) into *OUT */
bool rules_parse_number(struct parse *p, const char *key, const struct yamlnode *v, bool size,
                        uint64_t *out);

/* rules_strmatch_new - an empty STRING of KIND */
struct strmatch *rules_strmatch_new(enum str_kind kind);

/* rules_add_patterns - V (one pattern or a non-empty list) into M; false on any error */
bool rules_add_patterns(struct parse *p, const char *key, struct strmatch *m,
                        const struct yamlnode *v, bool binary);

/* rules_parse_string - KEY: STRING (a glob, or {glob|regex|equals: one or a list}); BINARY
 * (content) takes regex only, compiled without UTF */
struct strmatch *rules_parse_string(struct parse *p, const char *key, const struct yamlnode *v,
                                    bool binary);

/* rules_parse_fields - the FIELDS of an attachment (ATTACHMENT) or an object */
struct objtest *rules_parse_fields(struct parse *p, const char *what, const struct yamlnode *v,
                                   bool attachment);

/* rules_strmatch_free - free a STRING; NULL allowed */
void rules_strmatch_free(struct strmatch *m);

/* rules_objtest_free - free a FIELDS tree; NULL allowed */
void rules_objtest_free(struct objtest *t);

#endif
