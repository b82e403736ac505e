/* rules.h - campaign and generic heuristics as data: rules compiled once per load,
 * evaluated per message over struct features.
 *
 * A policy file may hold a "rules:" sequence; each item is a mapping:
 *
 *   - id: AVADDON_IMG_JS_NAME     # [A-Za-z0-9_.-], 1..64 chars, unique over all files
 *     description: "image-named JavaScript"   # optional text
 *     category: campaign          # campaign | suspicious | info (required)
 *     campaign: Avaddon           # optional; required when category is campaign
 *     score: 7                    # required: -1000 .. 1000, decimals allowed
 *     match: PREDICATE
 *
 * A PREDICATE is a mapping with exactly one key:
 *   all: [PREDICATE, ...]        every one holds (an empty list is an error)
 *   any: [PREDICATE, ...]        at least one holds
 *   not: PREDICATE
 *   rule: ID                     the rule ID, defined earlier in load order, hit
 *   subject | from | reply_to | sender | recipient | body | client_addr: STRING
 *                                the message's value matches (recipient: any
 *                                recipient; a missing value never matches)
 *   header: {name: NAME, STRING-KEYS}   some header field NAME (case-insensitive)
 *                                whose decoded value matches (name alone: present)
 *   outbound: true|false         the message was submitted with SMTP AUTH
 *   attachment: {FIELDS}         some MIME leaf has every field given:
 *       name, type (declared MIME type), disposition: STRING;  size: RANGE
 *   object: {FIELDS}             some object of the inventory, at any depth, has
 *                                every field given:
 *       name, type (ClamAV type), signature (any of its signature names): STRING
 *       content: STRING | [STRING, ...]  over its first content_window bytes,
 *                                binary (regex only; no UTF mode, so \x4d\x5a
 *                                works); a list must all match
 *       vba, xlm, rtf_object, ole_class, script: STRING | [STRING, ...]
 *                                what was decoded from it (enum scan_decoded),
 *                                binary like content; a list must all match
 *       size, depth, members: RANGE   (members: objects directly below it)
 *       encrypted, type_mismatch, in_archive (depth > 0): true|false
 *       parent: {FIELDS}         the object directly above it has these fields
 *   count: {of: {object|attachment: {FIELDS}}, min: N, max: N}
 *                                how many objects (attachments) have the fields
 *                                (min, max or both)
 *
 * STRING is a scalar (a glob), or a mapping with one of:
 *   glob: G | [G, ...]           *, ? and [...] over characters, case-insensitive
 *                                (Unicode case folding), the whole value: the
 *                                dialect of wildcard.h
 *   regex: R | [R, ...]          PCRE2, UTF mode (except content), JIT-compiled,
 *                                unanchored: add ^...$ to match the whole value;
 *                                case-sensitive unless (?i)
 *   equals: S | [S, ...]         case-insensitive equality
 * RANGE is a number (equality) or {min: N, max: N} (either may be absent); sizes
 * (size:) take K, M, G suffixes (powers of 1024).  Object and attachment paths are
 * recorded in a hit from its predicates not under a not, and from the rules it names.
 *
 * Every error names FILE:LINE and what is wrong (unknown key, bad regex with the
 * PCRE2 message and offset, unknown rule id, duplicate id, ...); rules_add() reports
 * all errors of a sequence, one per line of err->msg.  Regular expressions are
 * compiled and JIT-compiled when loaded, never per message.  At most 10000 rules per
 * set.  A loaded rule set is read-only and may be evaluated by many threads at once;
 * its one exception is the flag, taken atomically, that says a rule's regex limit was
 * already handed out for logging.
 *
 * Every match is bounded (LIMIT_REGEX_* in mvlimits.h; PCRE2 counts the match limit
 * per start position in the value, the others per match).  A match that stops on a bound, or on any
 * other PCRE2 error, decides nothing: the predicate is unknown, not false.  Predicates combine with
 * three values (all: false if one is false, else unknown if one is; any: true if one is true, else
 * unknown if one is; not: unknown stays unknown; rule: ID gives that rule's outcome; count: unknown
 * when the objects it could not decide could move the count across min or max), and a rule whose
 * outcome is unknown does not hit.  Any such error while evaluating a rule, whatever its outcome,
 * is a struct rule_error in the result, and the pipeline makes the message unscannable with the
 * reason Mailvet.Limits.Regex.ID: an attacker who makes a regex give up gains nothing. */
#ifndef MV_RULES_H
#define MV_RULES_H

#include <glib.h>

#include "mvfeatures.h"
#include "mv.h"
#include "yamlnode.h"

struct rules;

struct rule_hit {
    const char *id; /* borrowed from the rule set */
    const char *category;
    const char *campaign;    /* NULL if none */
    const char *description; /* NULL if none */
    double score;
    GPtrArray *objects; /* char *, owned: paths of the objects / attachments that
                         * made the rule's positive object and attachment
                         * predicates hold, distinct, in inventory order */
};

#define RULES_ERROR_TEXT 512 /* room for one line of rules_error_take */

/* A rule whose regular expression gave up on this message. */
struct rule_error {
    const char *id;     /* borrowed from the rule set */
    const char *field;  /* what the regex read: "subject", "header", "object content" ... */
    const char *header; /* for "header": the field name (borrowed), else NULL */
    int code;           /* the first PCRE2 error: PCRE2_ERROR_MATCHLIMIT ... */
    bool first;         /* the first time for this rule and this set: to be logged */
};

struct rules_result {
    GPtrArray *hits;   /* struct rule_hit *, in rule order; owned */
    GPtrArray *errors; /* struct rule_error *, in rule order; owned */
    double score;      /* sum of the hits' scores */
};

struct rules *rules_new(void);
/* rules_add - compile the items of SEQ (the value of a "rules:" key) and append them;
 * false with every error in ERR (err must start cleared); on failure nothing of SEQ
 * is added */
bool rules_add(struct rules *r, const struct yamlnode *seq, struct mv_err *err);
size_t rules_count(const struct rules *r);
/* rules_id - the id of rule I (0 .. rules_count - 1), in load order, borrowed from the set;
 * NULL past the end */
const char *rules_id(const struct rules *r, size_t i);
/* rules_eval - every rule, in order, over F; fills OUT, which must be empty (zeroed or
 * cleared with rules_result_clear) */
void rules_eval(const struct rules *r, const struct features *f, struct rules_result *out);
void rules_result_clear(struct rules_result *res);
/* rules_error_take - the next error of RES to log, once per rule per set: true with the
 * line ("rules: ID: regular expression hit its match limit on FIELD; messages it
 * cannot decide are unscannable") in TEXT; false when none is left */
bool rules_error_take(struct rules_result *res, char *text, size_t size);
struct rules *rules_free(struct rules *r);

#endif
