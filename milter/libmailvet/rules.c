/* rules.c - the rule engine: YAML rules compiled into predicate trees, evaluated over
 * struct features.  Contract and syntax in rules.h.
 * rules_add() parses one "rules:" sequence into a pending list and appends it only when
 * every item is valid, so a set never holds half a file; every error of the sequence is
 * reported ("FILE:LINE: rule ID: KEY: message").  Regular expressions are compiled and
 * JIT-compiled here, once; globs and equals strings are case-folded here, once.
 * rules_eval() walks the rules in order with all of its mutable state (PCRE2 match data
 * and match context, case-folded values, each rule's result) in a struct eval on its own
 * stack, so a loaded set is read-only and shared by threads.  A rule's result is kept,
 * so "rule: ID" costs one look-up.  Globs are wildcard.h's dialect.  Does not log. */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <pcre2.h>

#include "rules.h"
#include "suggest.h"
#include "wildcard.h"

/* most rules in one set: a bound on load time and on per-message work */
#define RULES_MAX 10000
#define RULES_ID_MAX 64
/* PCRE2 bounds per match: a pathological pattern returns an error we treat as no match.
 * PCRE2 counts the match limit per start position, the depth and heap limits per call. */
#define RULES_MATCH_LIMIT 100000
#define RULES_DEPTH_LIMIT 1000
#define RULES_HEAP_LIMIT_KIB 20480
#define RULES_SCORE_MAX 1000.0

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
    struct strmatch *disposition; /* attachments */
    struct strmatch *signature;   /* objects from here on */
    struct strmatch *content;
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
};

struct rules {
    GPtrArray *rules; /* struct rule * */
    GHashTable *ids;  /* id (borrowed from the rule) -> index + 1 */
};

/* ---- freeing ------------------------------------------------------------------------- */

/* strmatch_free - free a STRING; NULL allowed */
static void strmatch_free(struct strmatch *m)
{
    if (m == NULL)
        return;
    if (m->texts != NULL)
        g_ptr_array_free(m->texts, TRUE);
    if (m->codes != NULL)
        g_ptr_array_free(m->codes, TRUE);
    g_free(m);
}

/* objtest_free - free a FIELDS tree; NULL allowed */
static void objtest_free(struct objtest *t)
{
    if (t == NULL)
        return;
    strmatch_free(t->name);
    strmatch_free(t->type);
    strmatch_free(t->disposition);
    strmatch_free(t->signature);
    strmatch_free(t->content);
    objtest_free(t->parent);
    g_free(t);
}

/* pred_free - free a predicate tree; NULL allowed */
static void pred_free(struct pred *p)
{
    if (p == NULL)
        return;
    if (p->children != NULL)
        g_ptr_array_free(p->children, TRUE);
    pred_free(p->child);
    strmatch_free(p->str);
    g_free(p->header);
    objtest_free(p->test);
    g_free(p);
}

/* pred_free_cb - pred_free for a GPtrArray */
static void pred_free_cb(gpointer p)
{
    pred_free(p);
}

/* code_free_cb - pcre2_code_free for a GPtrArray */
static void code_free_cb(gpointer p)
{
    pcre2_code_free(p);
}

/* rule_free - free one rule; NULL allowed */
static void rule_free(struct rule *rl)
{
    if (rl == NULL)
        return;
    g_free(rl->id);
    g_free(rl->where);
    g_free(rl->campaign);
    g_free(rl->description);
    pred_free(rl->match);
    g_free(rl);
}

/* rule_free_cb - rule_free for a GPtrArray */
static void rule_free_cb(gpointer p)
{
    rule_free(p);
}

/* ---- parsing ------------------------------------------------------------------------- */

/* State of one rules_add(): where errors go and which ids are known. */
struct parse {
    struct mv_err *err;
    unsigned errors;     /* errors reported so far */
    const char *rule_id; /* the rule being parsed, for messages; NULL before its id */
    const struct rules *set;
    GHashTable *pending; /* id -> index + 1 in the pending list (keys borrowed) */
    GPtrArray *rules;    /* the pending list */
};

/* printable - S for a message: at most 100 bytes, control characters as '?' */
static const char *printable(const char *s, char *buf, size_t size)
{
    size_t i;

    for (i = 0; s[i] != '\0' && i + 1 < size && i < 100; i++)
        buf[i] = g_ascii_iscntrl(s[i]) ? '?' : s[i];
    buf[i] = '\0';
    return buf;
}

/* perr - report "FILE:LINE: rule ID: message" at node N */
static void perr(struct parse *p, const struct yamlnode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void perr(struct parse *p, const struct yamlnode *n, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    p->errors++;
    if (p->rule_id != NULL)
        yamlnode_err_add(p->err, MV_ECONFIG, n, "rule %s: %s", p->rule_id, msg);
    else
        yamlnode_err_add(p->err, MV_ECONFIG, n, "%s", msg);
}

/* key_index - index of NAME in the NULL-terminated KEYS, or -1 */
static int key_index(const char *const *keys, const char *name)
{
    int i;

    for (i = 0; keys[i] != NULL; i++)
        if (strcmp(keys[i], name) == 0)
            return i;
    return -1;
}

/* unknown_key - report KEY as unknown where KEYS are valid, with the nearest one */
static void unknown_key(struct parse *p, const struct yamlnode *key, const char *const *keys,
                        const char *where)
{
    const char *name = yamlnode_scalar_get(key);
    const char *best = suggest_name(name, keys, SUGGEST_NUL_ENDED);
    char buf[128];

    if (best != NULL)
        perr(p, key, "%s: unknown key in %s (did you mean %s?)", printable(name, buf, sizeof(buf)),
             where, best);
    else
        perr(p, key, "%s: unknown key in %s", printable(name, buf, sizeof(buf)), where);
}

/* check_keys - report every key of MAP not in KEYS; true when all are known */
static bool check_keys(struct parse *p, const struct yamlnode *map, const char *const *keys,
                       const char *where)
{
    bool ok = true;
    size_t i;

    for (i = 0; i < yamlnode_count(map); i++) {
        if (key_index(keys, yamlnode_scalar_get(yamlnode_key_get(map, i))) < 0) {
            unknown_key(p, yamlnode_key_get(map, i), keys, where);
            ok = false;
        }
    }
    return ok;
}

/* scalar_text - the text of a non-null scalar, or NULL with an error naming KEY */
static const char *scalar_text(struct parse *p, const char *key, const struct yamlnode *v,
                               const char *want)
{
    if (yamlnode_type(v) != YAMLNODE_SCALAR || yamlnode_is_null(v)) {
        perr(p, v, "%s: must be %s, got %s", key, want, yamlnode_type_name(v));
        return NULL;
    }
    return yamlnode_scalar_get(v);
}

/* parse_bool_text - true/false, yes/no, on/off in any case */
static bool parse_bool_text(const char *text, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (g_ascii_strcasecmp(text, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (g_ascii_strcasecmp(text, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* parse_flag - KEY: true|false into *OUT */
static bool parse_flag(struct parse *p, const char *key, const struct yamlnode *v, bool *out)
{
    const char *text = scalar_text(p, key, v, "true or false");
    char buf[128];

    if (text == NULL)
        return false;
    if (!parse_bool_text(text, out)) {
        perr(p, v, "%s: must be true or false, got %s", key, printable(text, buf, sizeof(buf)));
        return false;
    }
    return true;
}

/* parse_count_text - decimal digits with an optional K, M or G suffix when SIZE */
static bool parse_count_text(const char *text, bool size, uint64_t *out)
{
    uint64_t v = 0;
    uint64_t mult = 1;
    const char *s = text;

    if (!g_ascii_isdigit(*s))
        return false;
    for (; g_ascii_isdigit(*s); s++) {
        unsigned d = (unsigned)(*s - '0');

        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (size && *s != '\0') {
        switch (g_ascii_toupper(*s)) {
        case 'K':
            mult = 1024ULL;
            break;
        case 'M':
            mult = 1024ULL * 1024ULL;
            break;
        case 'G':
            mult = 1024ULL * 1024ULL * 1024ULL;
            break;
        default:
            return false;
        }
        s++;
    }
    if (*s != '\0' || v > UINT64_MAX / mult)
        return false;
    *out = v * mult;
    return true;
}

/* parse_number - KEY: a whole number (a size with SIZE) into *OUT */
static bool parse_number(struct parse *p, const char *key, const struct yamlnode *v, bool size,
                         uint64_t *out)
{
    const char *want =
        size ? "a size (a number with an optional K, M or G suffix)" : "a whole number";
    const char *text = scalar_text(p, key, v, want);
    char buf[128];

    if (text == NULL)
        return false;
    if (!parse_count_text(text, size, out)) {
        perr(p, v, "%s: must be %s, got %s", key, want, printable(text, buf, sizeof(buf)));
        return false;
    }
    return true;
}

/* parse_range - KEY: N or {min: N, max: N} */
static bool parse_range(struct parse *p, const char *key, const struct yamlnode *v, bool size,
                        struct range *out)
{
    static const char *const keys[] = {"min", "max", NULL};
    const struct yamlnode *lo;
    const struct yamlnode *hi;
    bool ok;

    out->set = true;
    out->min = 0;
    out->max = UINT64_MAX;
    if (yamlnode_type(v) != YAMLNODE_MAPPING) {
        if (!parse_number(p, key, v, size, &out->min))
            return false;
        out->max = out->min;
        return true;
    }
    ok = check_keys(p, v, keys, key);
    lo = yamlnode_map_get(v, "min");
    hi = yamlnode_map_get(v, "max");
    if (lo == NULL && hi == NULL) {
        perr(p, v, "%s: needs min, max or both", key);
        return false;
    }
    if (lo != NULL && !parse_number(p, key, lo, size, &out->min))
        ok = false;
    if (hi != NULL && !parse_number(p, key, hi, size, &out->max))
        ok = false;
    if (ok && out->min > out->max) {
        perr(p, v, "%s: min is larger than max", key);
        ok = false;
    }
    return ok;
}

/* compile_regex - PATTERN (UTF mode unless BINARY) compiled and JIT-compiled; NULL with
 * the PCRE2 message and offset reported at N */
static pcre2_code *compile_regex(struct parse *p, const char *key, const struct yamlnode *n,
                                 const char *pattern, bool binary)
{
    uint32_t options = 0;
    PCRE2_UCHAR msg[256];
    PCRE2_SIZE offset;
    pcre2_code *code;
    char buf[128];
    int error;

    if (!binary) {
        options |= PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C;
#ifdef PCRE2_MATCH_INVALID_UTF
        /* decoded text may still hold invalid UTF-8: match it, do not fail on it */
        options |= PCRE2_MATCH_INVALID_UTF;
#endif
    }
    code =
        pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, options, &error, &offset, NULL);
    if (code == NULL) {
        if (pcre2_get_error_message(error, msg, sizeof(msg)) < 0)
            snprintf((char *)msg, sizeof(msg), "error %d", error);
        perr(p, n, "%s: bad regex %s: %s at offset %zu", key, printable(pattern, buf, sizeof(buf)),
             (const char *)msg, (size_t)offset);
        return NULL;
    }
    /* Without JIT support (or memory for it) the interpreter runs the same pattern. */
    (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    return code;
}

/* add_pattern - one pattern of a STRING into M; false on a bad regex */
static bool add_pattern(struct parse *p, const char *key, struct strmatch *m,
                        const struct yamlnode *n, bool binary)
{
    const char *text = scalar_text(p, key, n, "a pattern");
    pcre2_code *code;

    if (text == NULL)
        return false;
    if (m->kind == STR_REGEX) {
        code = compile_regex(p, key, n, text, binary);
        if (code == NULL)
            return false;
        g_ptr_array_add(m->codes, code);
    } else if (m->kind == STR_GLOB) {
        /* folded once here; each value is folded once per message (fold_get) */
        g_ptr_array_add(m->texts, wildcard_pattern_new(text));
    } else {
        /* an equals text is folded as the values it is compared with are */
        g_ptr_array_add(m->texts, wildcard_text_new(text, -1));
    }
    return true;
}

/* strmatch_new - an empty STRING of KIND */
static struct strmatch *strmatch_new(enum str_kind kind)
{
    struct strmatch *m = g_new0(struct strmatch, 1);

    m->kind = kind;
    if (kind == STR_REGEX)
        m->codes = g_ptr_array_new_with_free_func(code_free_cb);
    else
        m->texts = g_ptr_array_new_with_free_func(g_free);
    return m;
}

/* add_patterns - V (one pattern or a non-empty list) into M; false on any error */
static bool add_patterns(struct parse *p, const char *key, struct strmatch *m,
                         const struct yamlnode *v, bool binary)
{
    bool ok = true;
    size_t i;

    if (yamlnode_type(v) != YAMLNODE_SEQUENCE)
        return add_pattern(p, key, m, v, binary);
    if (yamlnode_count(v) == 0) {
        perr(p, v, "%s: the list of patterns is empty", key);
        return false;
    }
    for (i = 0; i < yamlnode_count(v); i++)
        ok &= add_pattern(p, key, m, yamlnode_item_get(v, i), binary);
    return ok;
}

/* parse_string - KEY: STRING (a glob, or {glob|regex|equals: one or a list}); BINARY
 * (content) takes regex only, compiled without UTF */
static struct strmatch *parse_string(struct parse *p, const char *key, const struct yamlnode *v,
                                     bool binary)
{
    static const char *const kinds[] = {"glob", "regex", "equals", NULL};
    const struct yamlnode *k;
    struct strmatch *m;

    if (yamlnode_type(v) == YAMLNODE_SCALAR && !yamlnode_is_null(v)) {
        if (binary) {
            perr(p, v, "%s: takes {regex: ...} only (the content is binary)", key);
            return NULL;
        }
        m = strmatch_new(STR_GLOB);
        if (!add_pattern(p, key, m, v, false))
            m = (strmatch_free(m), NULL);
        return m;
    }
    if (yamlnode_type(v) != YAMLNODE_MAPPING || yamlnode_count(v) != 1) {
        perr(p, v, "%s: must be a glob or a mapping with one of glob, regex or equals, got %s", key,
             yamlnode_type(v) != YAMLNODE_MAPPING ? yamlnode_type_name(v)
             : yamlnode_count(v) == 0             ? "an empty mapping"
                                                  : "several keys");
        return NULL;
    }
    if (!check_keys(p, v, kinds, key))
        return NULL;
    k = yamlnode_key_get(v, 0);
    m = strmatch_new((enum str_kind)key_index(kinds, yamlnode_scalar_get(k)));
    if (binary && m->kind != STR_REGEX) {
        perr(p, k, "%s: takes regex only (the content is binary)", key);
        return (strmatch_free(m), NULL);
    }
    if (!add_patterns(p, key, m, yamlnode_value_get(v, 0), binary))
        m = (strmatch_free(m), NULL);
    return m;
}

/* keys of attachment: and object: */
static const char *const attachment_keys[] = {"name", "type", "disposition", "size", NULL};
static const char *const object_keys[] = {
    "name",    "type",      "signature",     "content",    "size",   "depth",
    "members", "encrypted", "type_mismatch", "in_archive", "parent", NULL,
};

/* parse_tristate - KEY: true|false into -1 / 0 / 1 */
static bool parse_tristate(struct parse *p, const char *key, const struct yamlnode *v, int *out)
{
    bool b;

    if (!parse_flag(p, key, v, &b))
        return false;
    *out = b;
    return true;
}

/* parse_fields - the FIELDS of an attachment (ATTACHMENT) or an object */
static struct objtest *parse_fields(struct parse *p, const char *what, const struct yamlnode *v,
                                    bool attachment)
{
    struct objtest *t;
    bool ok;
    size_t i;

    if (yamlnode_type(v) != YAMLNODE_MAPPING) {
        perr(p, v, "%s: must be a mapping of fields, got %s", what, yamlnode_type_name(v));
        return NULL;
    }
    ok = check_keys(p, v, attachment ? attachment_keys : object_keys, what);
    t = g_new0(struct objtest, 1);
    t->attachment = attachment;
    t->encrypted = t->type_mismatch = t->in_archive = -1;
    for (i = 0; i < yamlnode_count(v); i++) {
        const char *key = yamlnode_scalar_get(yamlnode_key_get(v, i));
        const struct yamlnode *val = yamlnode_value_get(v, i);
        struct strmatch **slot = NULL;

        if (key_index(attachment ? attachment_keys : object_keys, key) < 0)
            continue; /* reported by check_keys */
        if (strcmp(key, "name") == 0)
            slot = &t->name;
        else if (strcmp(key, "type") == 0)
            slot = &t->type;
        else if (strcmp(key, "disposition") == 0)
            slot = &t->disposition;
        else if (strcmp(key, "signature") == 0)
            slot = &t->signature;
        else if (strcmp(key, "content") == 0)
            slot = &t->content;
        if (slot != NULL) {
            *slot = parse_string(p, key, val, slot == &t->content);
            ok &= *slot != NULL;
        } else if (strcmp(key, "size") == 0) {
            ok &= parse_range(p, key, val, true, &t->size);
        } else if (strcmp(key, "depth") == 0) {
            ok &= parse_range(p, key, val, false, &t->depth);
        } else if (strcmp(key, "members") == 0) {
            ok &= parse_range(p, key, val, false, &t->members);
        } else if (strcmp(key, "encrypted") == 0) {
            ok &= parse_tristate(p, key, val, &t->encrypted);
        } else if (strcmp(key, "type_mismatch") == 0) {
            ok &= parse_tristate(p, key, val, &t->type_mismatch);
        } else if (strcmp(key, "in_archive") == 0) {
            ok &= parse_tristate(p, key, val, &t->in_archive);
        } else if (strcmp(key, "parent") == 0) {
            t->parent = parse_fields(p, "parent", val, false);
            ok &= t->parent != NULL;
        }
    }
    if (!ok)
        t = (objtest_free(t), NULL);
    return t;
}

/* the keys of a predicate, in the order of rules.h */
static const char *const pred_keys[] = {
    "all",      "any",        "not",       "rule",  "subject",     "from",
    "reply_to", "sender",     "recipient", "body",  "client_addr", "header",
    "outbound", "attachment", "object",    "count", NULL,
};

/* message fields by key, indexed by enum msg_field */
static const char *const field_keys[] = {
    "subject", "from", "reply_to", "sender", "recipient", "body", "client_addr", NULL,
};

/* check_header_name - a field name of RFC 5322: printable ASCII but ':' and space */
static bool check_header_name(const char *name)
{
    const char *s;

    if (*name == '\0')
        return false;
    for (s = name; *s != '\0'; s++)
        if (*s <= ' ' || *s > '~' || *s == ':')
            return false;
    return true;
}

/* lookup_rule - index (in the final set) of the rule ID defined so far, or -1 */
static long lookup_rule(const struct parse *p, const char *id)
{
    gpointer v = g_hash_table_lookup(p->set->ids, id);

    if (v != NULL)
        return (long)GPOINTER_TO_SIZE(v) - 1;
    v = g_hash_table_lookup(p->pending, id);
    if (v != NULL)
        return (long)(p->set->rules->len + GPOINTER_TO_SIZE(v) - 1);
    return -1;
}

static struct pred *parse_pred(struct parse *p, const struct yamlnode *v);

/* parse_list - all: / any: with a non-empty list of predicates */
static struct pred *parse_list(struct parse *p, const char *key, const struct yamlnode *v,
                               enum pred_kind kind)
{
    struct pred *pr;
    bool ok = true;
    size_t i;

    if (yamlnode_type(v) != YAMLNODE_SEQUENCE) {
        perr(p, v, "%s: must be a list of predicates, got %s", key, yamlnode_type_name(v));
        return NULL;
    }
    if (yamlnode_count(v) == 0) {
        perr(p, v, "%s: the list is empty", key);
        return NULL;
    }
    pr = g_new0(struct pred, 1);
    pr->kind = kind;
    pr->children = g_ptr_array_new_with_free_func(pred_free_cb);
    for (i = 0; i < yamlnode_count(v); i++) {
        struct pred *c = parse_pred(p, yamlnode_item_get(v, i));

        if (c == NULL)
            ok = false;
        else
            g_ptr_array_add(pr->children, c);
    }
    if (!ok)
        pr = (pred_free(pr), NULL);
    return pr;
}

/* parse_header - header: {name: NAME, glob|regex|equals: ...}; without a STRING the
 * field only has to be present */
static struct pred *parse_header(struct parse *p, const struct yamlnode *v)
{
    static const char *const keys[] = {"name", "glob", "regex", "equals", NULL};
    const struct yamlnode *name;
    const char *text;
    struct pred *pr;
    char buf[128];
    bool ok = true;
    size_t i;

    if (yamlnode_type(v) != YAMLNODE_MAPPING) {
        perr(p, v, "header: must be a mapping {name: NAME, glob|regex|equals: ...}, got %s",
             yamlnode_type_name(v));
        return NULL;
    }
    if (!check_keys(p, v, keys, "header"))
        return NULL;
    name = yamlnode_map_get(v, "name");
    if (name == NULL) {
        perr(p, v, "header: needs name");
        return NULL;
    }
    text = scalar_text(p, "header: name", name, "a header field name");
    if (text == NULL)
        return NULL;
    if (!check_header_name(text)) {
        perr(p, name, "header: name: not a header field name: %s",
             printable(text, buf, sizeof(buf)));
        return NULL;
    }
    if (yamlnode_count(v) > 2) {
        perr(p, v, "header: takes name and at most one of glob, regex or equals");
        return NULL;
    }
    pr = g_new0(struct pred, 1);
    pr->kind = P_HEADER;
    pr->header = g_strdup(text);
    for (i = 0; i < yamlnode_count(v); i++) {
        const char *k = yamlnode_scalar_get(yamlnode_key_get(v, i));

        if (strcmp(k, "name") == 0)
            continue;
        /* keys[] after "name" are in enum str_kind order */
        pr->str = strmatch_new((enum str_kind)(key_index(keys, k) - 1));
        ok = add_patterns(p, "header", pr->str, yamlnode_value_get(v, i), false);
    }
    if (!ok)
        pr = (pred_free(pr), NULL);
    return pr;
}

/* parse_count - count: {of: {object|attachment: {FIELDS}}, min: N, max: N} */
static struct pred *parse_count(struct parse *p, const struct yamlnode *v)
{
    static const char *const keys[] = {"of", "min", "max", NULL};
    static const char *const of_keys[] = {"object", "attachment", NULL};
    const struct yamlnode *of;
    const struct yamlnode *lo;
    const struct yamlnode *hi;
    struct pred *pr;
    bool ok;

    if (yamlnode_type(v) != YAMLNODE_MAPPING) {
        perr(p, v, "count: must be a mapping {of: ..., min: N, max: N}, got %s",
             yamlnode_type_name(v));
        return NULL;
    }
    ok = check_keys(p, v, keys, "count");
    of = yamlnode_map_get(v, "of");
    lo = yamlnode_map_get(v, "min");
    hi = yamlnode_map_get(v, "max");
    if (of == NULL) {
        perr(p, v, "count: needs of: {object: {...}} or of: {attachment: {...}}");
        return NULL;
    }
    if (lo == NULL && hi == NULL) {
        perr(p, v, "count: needs min, max or both");
        return NULL;
    }
    if (yamlnode_type(of) != YAMLNODE_MAPPING || yamlnode_count(of) != 1) {
        perr(p, of, "count: of: must be a mapping with one key, object or attachment");
        return NULL;
    }
    if (!check_keys(p, of, of_keys, "count: of"))
        return NULL;
    pr = g_new0(struct pred, 1);
    pr->kind = P_COUNT;
    pr->count.set = true;
    pr->count.max = UINT64_MAX;
    pr->test =
        parse_fields(p, yamlnode_scalar_get(yamlnode_key_get(of, 0)), yamlnode_value_get(of, 0),
                     strcmp(yamlnode_scalar_get(yamlnode_key_get(of, 0)), "attachment") == 0);
    ok &= pr->test != NULL;
    if (lo != NULL)
        ok &= parse_number(p, "count: min", lo, false, &pr->count.min);
    if (hi != NULL)
        ok &= parse_number(p, "count: max", hi, false, &pr->count.max);
    if (ok && pr->count.min > pr->count.max) {
        perr(p, v, "count: min is larger than max");
        ok = false;
    }
    if (!ok)
        pr = (pred_free(pr), NULL);
    return pr;
}

/* parse_pred - a PREDICATE: a mapping with exactly one key */
static struct pred *parse_pred(struct parse *p, const struct yamlnode *v)
{
    const struct yamlnode *key;
    const struct yamlnode *val;
    const char *name;
    const char *text;
    struct pred *pr = NULL;
    char buf[128];
    long idx;
    int f;

    if (yamlnode_type(v) != YAMLNODE_MAPPING || yamlnode_count(v) == 0) {
        perr(p, v,
             "a predicate must be a mapping with one key (all, any, not, rule, subject, "
             "header, object, ...), got %s",
             yamlnode_type(v) == YAMLNODE_MAPPING ? "an empty mapping" : yamlnode_type_name(v));
        return NULL;
    }
    if (yamlnode_count(v) > 1) {
        perr(p, v, "a predicate has exactly one key, got %zu (combine them with all: [...])",
             yamlnode_count(v));
        return NULL;
    }
    key = yamlnode_key_get(v, 0);
    val = yamlnode_value_get(v, 0);
    name = yamlnode_scalar_get(key);
    if (key_index(pred_keys, name) < 0) {
        unknown_key(p, key, pred_keys, "a predicate");
        return NULL;
    }
    if (strcmp(name, "all") == 0)
        return parse_list(p, name, val, P_ALL);
    if (strcmp(name, "any") == 0)
        return parse_list(p, name, val, P_ANY);
    if (strcmp(name, "not") == 0) {
        struct pred *c = parse_pred(p, val);

        if (c == NULL)
            return NULL;
        pr = g_new0(struct pred, 1);
        pr->kind = P_NOT;
        pr->child = c;
        return pr;
    }
    if (strcmp(name, "rule") == 0) {
        text = scalar_text(p, name, val, "a rule id");
        if (text == NULL)
            return NULL;
        idx = lookup_rule(p, text);
        if (idx < 0) {
            if (p->rule_id != NULL && strcmp(text, p->rule_id) == 0)
                perr(p, val, "rule: %s refers to itself", printable(text, buf, sizeof(buf)));
            else
                perr(p, val, "rule: unknown rule %s (a rule may only name rules defined before it)",
                     printable(text, buf, sizeof(buf)));
            return NULL;
        }
        pr = g_new0(struct pred, 1);
        pr->kind = P_RULE;
        pr->rule = (size_t)idx;
        return pr;
    }
    f = key_index(field_keys, name);
    if (f >= 0) {
        struct strmatch *m = parse_string(p, name, val, false);

        if (m == NULL)
            return NULL;
        pr = g_new0(struct pred, 1);
        pr->kind = P_FIELD;
        pr->field = (enum msg_field)f;
        pr->str = m;
        return pr;
    }
    if (strcmp(name, "header") == 0)
        return parse_header(p, val);
    if (strcmp(name, "outbound") == 0) {
        bool b;

        if (!parse_flag(p, name, val, &b))
            return NULL;
        pr = g_new0(struct pred, 1);
        pr->kind = P_OUTBOUND;
        pr->outbound = b;
        return pr;
    }
    if (strcmp(name, "attachment") == 0 || strcmp(name, "object") == 0) {
        struct objtest *t = parse_fields(p, name, val, strcmp(name, "attachment") == 0);

        if (t == NULL)
            return NULL;
        pr = g_new0(struct pred, 1);
        pr->kind = P_MATCH;
        pr->test = t;
        return pr;
    }
    return parse_count(p, val);
}

/* check_id - [A-Za-z0-9_.-]{1,64} */
static bool check_id(const char *id)
{
    size_t n = strlen(id);
    size_t i;

    if (n == 0 || n > RULES_ID_MAX)
        return false;
    for (i = 0; i < n; i++)
        if (!g_ascii_isalnum(id[i]) && id[i] != '_' && id[i] != '.' && id[i] != '-')
            return false;
    return true;
}

/* parse_score - a decimal number: [+-]digits[.digits] */
static bool parse_score(const char *text, double *out)
{
    const char *s = text;
    char *end;
    bool digits = false;

    if (*s == '+' || *s == '-')
        s++;
    for (; g_ascii_isdigit(*s); s++)
        digits = true;
    if (*s == '.')
        for (s++; g_ascii_isdigit(*s); s++)
            digits = true;
    if (!digits || *s != '\0')
        return false;
    *out = g_ascii_strtod(text, &end);
    return *end == '\0';
}

static const char *const rule_keys[] = {
    "id", "description", "category", "campaign", "score", "match", NULL,
};
static const char *const categories[] = {"campaign", "suspicious", "info", NULL};

/* parse_rule - one item of the sequence; NULL when it has any error (all reported) */
static struct rule *parse_rule(struct parse *p, const struct yamlnode *item)
{
    const struct yamlnode *v;
    const char *text;
    struct rule *rl;
    unsigned before = p->errors;
    char buf[128];
    bool id_ok = false;
    int c;

    p->rule_id = NULL;
    if (yamlnode_type(item) != YAMLNODE_MAPPING) {
        perr(p, item, "a rule must be a mapping (id, category, score, match, ...), got %s",
             yamlnode_type_name(item));
        return NULL;
    }
    rl = g_new0(struct rule, 1);
    v = yamlnode_map_get(item, "id");
    if (v == NULL) {
        perr(p, item, "rule without id");
    } else if ((text = scalar_text(p, "id", v, "a rule id")) != NULL) {
        if (!check_id(text)) {
            perr(p, v, "id: must be 1 to %d of A-Z a-z 0-9 _ . -, got %s", RULES_ID_MAX,
                 printable(text, buf, sizeof(buf)));
        } else {
            long idx = lookup_rule(p, text);

            rl->id = g_strdup(text);
            rl->where = g_strdup_printf("%s:%u", yamlnode_file_get(v), yamlnode_line(v));
            p->rule_id = rl->id;
            if (idx >= 0) {
                const struct rule *first =
                    (size_t)idx < p->set->rules->len
                        ? g_ptr_array_index(p->set->rules, idx)
                        : g_ptr_array_index(p->rules, (size_t)idx - p->set->rules->len);

                perr(p, v, "duplicate id (first defined at %s)", first->where);
            } else {
                id_ok = true;
            }
        }
    }
    check_keys(p, item, rule_keys, "a rule");

    v = yamlnode_map_get(item, "description");
    if (v != NULL && !yamlnode_is_null(v) &&
        (text = scalar_text(p, "description", v, "text")) != NULL)
        rl->description = g_strdup(text);

    v = yamlnode_map_get(item, "category");
    if (v == NULL) {
        perr(p, item, "category: missing (campaign, suspicious or info)");
    } else if ((text = scalar_text(p, "category", v, "campaign, suspicious or info")) != NULL) {
        c = key_index(categories, text);
        if (c < 0)
            perr(p, v, "category: must be campaign, suspicious or info, got %s",
                 printable(text, buf, sizeof(buf)));
        else
            rl->category = categories[c];
    }

    v = yamlnode_map_get(item, "campaign");
    if (v != NULL && (text = scalar_text(p, "campaign", v, "a campaign name")) != NULL) {
        if (*text == '\0')
            perr(p, v, "campaign: must not be empty");
        else
            rl->campaign = g_strdup(text);
    }
    if (rl->category != NULL && strcmp(rl->category, "campaign") == 0 && rl->campaign == NULL &&
        v == NULL)
        perr(p, yamlnode_map_get(item, "category"), "category campaign needs campaign: NAME");

    v = yamlnode_map_get(item, "score");
    if (v == NULL) {
        perr(p, item, "score: missing (a number from -1000 to 1000)");
    } else if ((text = scalar_text(p, "score", v, "a number")) != NULL) {
        if (!parse_score(text, &rl->score) || rl->score < -RULES_SCORE_MAX ||
            rl->score > RULES_SCORE_MAX)
            perr(p, v, "score: must be a number from -1000 to 1000, got %s",
                 printable(text, buf, sizeof(buf)));
    }

    v = yamlnode_map_get(item, "match");
    if (v == NULL)
        perr(p, item, "match: missing");
    else
        rl->match = parse_pred(p, v);

    /* Known from here on, even when broken, so that a later reference to it is not
     * reported as a second, misleading error. */
    if (id_ok)
        g_hash_table_insert(p->pending, rl->id, GSIZE_TO_POINTER(p->rules->len + 1));
    if (p->errors != before) {
        /* keep the rule (for its id and duplicate messages) but mark it broken */
        pred_free(rl->match);
        rl->match = NULL;
    }
    return rl;
}

/* ---- evaluation ---------------------------------------------------------------------- */

/* Per-call state of rules_eval(): nothing here is shared with another thread. */
struct eval {
    const struct rules *r;
    const struct features *f;
    pcre2_match_data *md;
    pcre2_match_context *mc;
    GHashTable *fold; /* value pointer -> case-folded copy (char *) */
    GArray *log;      /* guint64 marks of the rule being evaluated (mark_key) */
    GArray **marks;   /* per rule: its sorted marks when it hit, else NULL */
    bool *hit;        /* per rule */
};

/* fold_get - S (LEN bytes) folded by wildcard_text_new, cached for the message */
static const char *fold_get(struct eval *e, const char *s, size_t len)
{
    char *out = g_hash_table_lookup(e->fold, s);

    if (out != NULL)
        return out;
    out = wildcard_text_new(s, (gssize)len);
    g_hash_table_insert(e->fold, (gpointer)s, out);
    return out;
}

/* str_match - does S (LEN bytes; NULL is a missing value) match any pattern of M */
static bool str_match(struct eval *e, const struct strmatch *m, const char *s, size_t len)
{
    const char *folded;
    guint i;

    if (s == NULL)
        return false;
    if (m->kind == STR_REGEX) {
        for (i = 0; i < m->codes->len; i++) {
            /* 0 (ovector too small) is a match; any error, limits included, is not */
            if (pcre2_match(g_ptr_array_index(m->codes, i), (PCRE2_SPTR)s, len, 0, 0, e->md,
                            e->mc) >= 0)
                return true;
        }
        return false;
    }
    folded = fold_get(e, s, len);
    for (i = 0; i < m->texts->len; i++) {
        const char *pat = g_ptr_array_index(m->texts, i);

        if (m->kind == STR_GLOB ? wildcard_match(pat, folded) : strcmp(pat, folded) == 0)
            return true;
    }
    return false;
}

/* str_match0 - str_match over a NUL-terminated string or NULL */
static bool str_match0(struct eval *e, const struct strmatch *m, const char *s)
{
    return s != NULL && str_match(e, m, s, strlen(s));
}

/* in_range - V within R (an unset range always holds) */
static bool in_range(const struct range *r, uint64_t v)
{
    return !r->set || (v >= r->min && v <= r->max);
}

/* flag_ok - V against a tristate field (-1: not tested) */
static bool flag_ok(int want, bool v)
{
    return want < 0 || (want != 0) == v;
}

/* nobjects / nattachments - lengths of the features' arrays, NULL being empty */
static guint nobjects(const struct features *f)
{
    return f->objects != NULL ? f->objects->len : 0;
}

static guint nattachments(const struct features *f)
{
    return f->attachments != NULL ? f->attachments->len : 0;
}

/* object_ok - object O has every field of T */
static bool object_ok(struct eval *e, const struct objtest *t, const struct feature_object *o)
{
    guint i;

    if (!in_range(&t->size, o->size) || !in_range(&t->depth, o->depth) ||
        !in_range(&t->members, o->members) || !flag_ok(t->encrypted, o->encrypted) ||
        !flag_ok(t->type_mismatch, o->type_mismatch) || !flag_ok(t->in_archive, o->depth > 0))
        return false;
    if (t->name != NULL && !str_match0(e, t->name, o->name))
        return false;
    if (t->type != NULL && !str_match0(e, t->type, o->type))
        return false;
    if (t->signature != NULL) {
        bool any = false;

        for (i = 0; !any && o->signatures != NULL && i < o->signatures->len; i++)
            any = str_match0(e, t->signature, g_ptr_array_index(o->signatures, i));
        if (!any)
            return false;
    }
    if (t->content != NULL &&
        (o->head == NULL ||
         !str_match(e, t->content, (const char *)o->head, MIN(o->head_len, FEATURES_HEAD_BYTES))))
        return false;
    if (t->parent != NULL) {
        if (o->parent < 0 || (guint)o->parent >= nobjects(e->f))
            return false;
        return object_ok(e, t->parent,
                         &g_array_index(e->f->objects, struct feature_object, o->parent));
    }
    return true;
}

/* attachment_ok - attachment A has every field of T */
static bool attachment_ok(struct eval *e, const struct objtest *t,
                          const struct feature_attachment *a)
{
    return in_range(&t->size, a->size) && (t->name == NULL || str_match0(e, t->name, a->name)) &&
           (t->type == NULL || str_match0(e, t->type, a->declared_type)) &&
           (t->disposition == NULL || str_match0(e, t->disposition, a->disposition));
}

/* mark_key - sort key of a recorded path: attachment index, then the attachment itself
 * before its objects, then inventory order */
static guint64 mark_key(guint attachment, bool object, guint index)
{
    return ((guint64)MIN(attachment, 0x7fffffffu) << 32) |
           (object ? 0x80000000u | MIN(index, 0x7fffffffu) : 0);
}

/* count_matches - how many objects (attachments) have T's fields; with RECORD, their
 * marks go to the log; stops at LIMIT matches */
static uint64_t count_matches(struct eval *e, const struct objtest *t, bool record, uint64_t limit)
{
    const struct features *f = e->f;
    uint64_t n = 0;
    guint64 key;
    guint i;

    if (t->attachment) {
        for (i = 0; i < nattachments(f) && n < limit; i++) {
            const struct feature_attachment *a =
                &g_array_index(f->attachments, struct feature_attachment, i);

            if (!a->residue && attachment_ok(e, t, a)) {
                n++;
                if (record) {
                    key = mark_key(i, false, 0);
                    g_array_append_val(e->log, key);
                }
            }
        }
        return n;
    }
    for (i = 0; i < nobjects(f) && n < limit; i++) {
        const struct feature_object *o = &g_array_index(f->objects, struct feature_object, i);

        if (object_ok(e, t, o)) {
            n++;
            if (record) {
                key = mark_key(o->attachment, true, i);
                g_array_append_val(e->log, key);
            }
        }
    }
    return n;
}

/* header_match - some header field named NAME whose value matches M (NULL: present) */
static bool header_match(struct eval *e, const char *name, const struct strmatch *m)
{
    const struct features *f = e->f;
    guint i;

    if (f->header_names == NULL)
        return false;
    for (i = 0; i < f->header_names->len; i++) {
        const char *n = g_ptr_array_index(f->header_names, i);
        const char *v = f->header_values != NULL && i < f->header_values->len
                            ? g_ptr_array_index(f->header_values, i)
                            : NULL;

        if (n == NULL || g_ascii_strcasecmp(n, name) != 0)
            continue;
        if (m == NULL || str_match0(e, m, v))
            return true;
    }
    return false;
}

/* field_match - message field FIELD against M */
static bool field_match(struct eval *e, enum msg_field field, const struct strmatch *m)
{
    const struct features *f = e->f;
    const GPtrArray *rcpts = f->env.recipients;
    guint i;

    switch (field) {
    case MF_SUBJECT:
        return str_match0(e, m, f->subject);
    case MF_FROM:
        return str_match0(e, m, f->from);
    case MF_REPLY_TO:
        return str_match0(e, m, f->reply_to);
    case MF_SENDER:
        return str_match0(e, m, f->env.sender);
    case MF_CLIENT_ADDR:
        return str_match0(e, m, f->env.client_addr);
    case MF_BODY:
        return f->body != NULL && str_match(e, m, f->body, f->body_len);
    case MF_RECIPIENT:
        for (i = 0; rcpts != NULL && i < rcpts->len; i++)
            if (str_match0(e, m, g_ptr_array_index(rcpts, i)))
                return true;
        return false;
    }
    return false;
}

static bool eval_pred(struct eval *e, const struct pred *p, bool record);

/* eval_inner - predicate P; with RECORD (not under a not), object and attachment
 * predicates that hold add their marks to the log */
static bool eval_inner(struct eval *e, const struct pred *p, bool record)
{
    bool any = false;
    GArray *m;
    guint i;

    switch (p->kind) {
    case P_ALL:
        for (i = 0; i < p->children->len; i++)
            if (!eval_pred(e, g_ptr_array_index(p->children, i), record))
                return false;
        return true;
    case P_ANY:
        /* when recording, every alternative that holds names its objects */
        for (i = 0; i < p->children->len && (record || !any); i++)
            any |= eval_pred(e, g_ptr_array_index(p->children, i), record);
        return any;
    case P_NOT:
        return !eval_pred(e, p->child, false);
    case P_RULE:
        if (!e->hit[p->rule])
            return false;
        m = e->marks[p->rule];
        if (record && m != NULL && m->len > 0)
            g_array_append_vals(e->log, m->data, m->len);
        return true;
    case P_FIELD:
        return field_match(e, p->field, p->str);
    case P_HEADER:
        return header_match(e, p->header, p->str);
    case P_OUTBOUND:
        return (e->f->env.auth != NULL && e->f->env.auth[0] != '\0') == p->outbound;
    case P_MATCH:
        return count_matches(e, p->test, record, record ? UINT64_MAX : 1) > 0;
    case P_COUNT: {
        /* past max + 1 the answer is known */
        uint64_t limit = p->count.max == UINT64_MAX ? UINT64_MAX : p->count.max + 1;
        uint64_t n = count_matches(e, p->test, record, record ? UINT64_MAX : limit);

        return n >= p->count.min && n <= p->count.max;
    }
    }
    return false;
}

/* eval_pred - eval_inner; a predicate that fails leaves the log as it found it */
static bool eval_pred(struct eval *e, const struct pred *p, bool record)
{
    guint mark = e->log->len;
    bool ok = eval_inner(e, p, record);

    if (!ok && record)
        g_array_set_size(e->log, mark);
    return ok;
}

/* cmp_u64 - qsort order of guint64 */
static gint cmp_u64(gconstpointer a, gconstpointer b)
{
    guint64 x = *(const guint64 *)a;
    guint64 y = *(const guint64 *)b;

    return x < y ? -1 : x > y;
}

/* log_take - the log sorted and without repeats, as a new array; the log is emptied */
static GArray *log_take(struct eval *e)
{
    GArray *out = g_array_sized_new(FALSE, FALSE, sizeof(guint64), e->log->len);
    guint i;

    g_array_sort(e->log, cmp_u64);
    for (i = 0; i < e->log->len; i++) {
        guint64 k = g_array_index(e->log, guint64, i);

        if (out->len == 0 || g_array_index(out, guint64, out->len - 1) != k)
            g_array_append_val(out, k);
    }
    g_array_set_size(e->log, 0);
    return out;
}

/* marks_paths - the distinct paths of MARKS, owned copies */
static GPtrArray *marks_paths(const struct features *f, const GArray *marks)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    guint i;

    for (i = 0; i < marks->len; i++) {
        guint64 k = g_array_index(marks, guint64, i);
        guint lo = (guint)(k & 0xffffffffu);
        const char *path = NULL;

        if (lo & 0x80000000u) {
            lo &= 0x7fffffffu;
            if (lo < nobjects(f))
                path = g_array_index(f->objects, struct feature_object, lo).path;
        } else {
            guint a = (guint)(k >> 32);

            if (a < nattachments(f))
                path = g_array_index(f->attachments, struct feature_attachment, a).path;
        }
        if (path != NULL && g_hash_table_add(seen, (gpointer)path))
            g_ptr_array_add(out, g_strdup(path));
    }
    g_hash_table_destroy(seen);
    return out;
}

/* hit_free - free one rule_hit */
static void hit_free(gpointer p)
{
    struct rule_hit *h = p;

    if (h->objects != NULL)
        g_ptr_array_free(h->objects, TRUE);
    g_free(h);
}

/* ---- public -------------------------------------------------------------------------- */

/* rules_new - an empty rule set */
struct rules *rules_new(void)
{
    struct rules *r = g_new0(struct rules, 1);

    r->rules = g_ptr_array_new_with_free_func(rule_free_cb);
    r->ids = g_hash_table_new(g_str_hash, g_str_equal);
    return r;
}

/* rules_add - compile every item of SEQ; all or nothing */
bool rules_add(struct rules *r, const struct yamlnode *seq, struct mv_err *err)
{
    struct parse p = {.err = err, .set = r};
    bool ok;
    size_t i;

    if (seq == NULL || (yamlnode_type(seq) == YAMLNODE_SCALAR && yamlnode_is_null(seq)))
        return true; /* "rules:" with nothing under it */
    if (yamlnode_type(seq) != YAMLNODE_SEQUENCE) {
        perr(&p, seq, "rules: must be a list of rules, got %s", yamlnode_type_name(seq));
        return false;
    }
    if (r->rules->len + yamlnode_count(seq) > RULES_MAX) {
        perr(&p, seq, "rules: more than %d rules in all", RULES_MAX);
        return false;
    }
    p.pending = g_hash_table_new(g_str_hash, g_str_equal);
    p.rules = g_ptr_array_new_with_free_func(rule_free_cb);
    for (i = 0; i < yamlnode_count(seq); i++)
        g_ptr_array_add(p.rules, parse_rule(&p, yamlnode_item_get(seq, i)));
    ok = p.errors == 0;
    if (ok) {
        for (i = 0; i < p.rules->len; i++) {
            struct rule *rl = g_ptr_array_index(p.rules, i);

            g_ptr_array_add(r->rules, rl);
            g_hash_table_insert(r->ids, rl->id, GSIZE_TO_POINTER(r->rules->len));
        }
        g_ptr_array_set_free_func(p.rules, NULL);
    }
    g_ptr_array_free(p.rules, TRUE);
    g_hash_table_destroy(p.pending);
    return ok;
}

/* rules_count - number of rules in the set */
size_t rules_count(const struct rules *r)
{
    return r != NULL ? r->rules->len : 0;
}

/* rules_eval - every rule in order over F into OUT */
void rules_eval(const struct rules *r, const struct features *f, struct rules_result *out)
{
    struct eval e = {.r = r, .f = f};
    guint n = r != NULL ? r->rules->len : 0;
    guint i;

    out->hits = g_ptr_array_new_with_free_func(hit_free);
    out->score = 0;
    if (n == 0 || f == NULL)
        return;
    e.md = pcre2_match_data_create(1, NULL);
    e.mc = pcre2_match_context_create(NULL);
    if (e.md == NULL || e.mc == NULL)
        abort(); /* a few fixed bytes: treated like GLib's aborting allocators */
    pcre2_set_match_limit(e.mc, RULES_MATCH_LIMIT);
    pcre2_set_depth_limit(e.mc, RULES_DEPTH_LIMIT);
    pcre2_set_heap_limit(e.mc, RULES_HEAP_LIMIT_KIB);
    e.fold = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    e.log = g_array_new(FALSE, FALSE, sizeof(guint64));
    e.marks = g_new0(GArray *, n);
    e.hit = g_new0(bool, n);
    for (i = 0; i < n; i++) {
        const struct rule *rl = g_ptr_array_index(r->rules, i);
        struct rule_hit *h;

        g_array_set_size(e.log, 0);
        if (!eval_pred(&e, rl->match, true))
            continue;
        e.hit[i] = true;
        e.marks[i] = log_take(&e);
        h = g_new0(struct rule_hit, 1);
        h->id = rl->id;
        h->category = rl->category;
        h->campaign = rl->campaign;
        h->description = rl->description;
        h->score = rl->score;
        h->objects = marks_paths(f, e.marks[i]);
        g_ptr_array_add(out->hits, h);
        out->score += rl->score;
    }
    for (i = 0; i < n; i++)
        if (e.marks[i] != NULL)
            g_array_free(e.marks[i], TRUE);
    g_free(e.marks);
    g_free(e.hit);
    g_array_free(e.log, TRUE);
    g_hash_table_destroy(e.fold);
    pcre2_match_context_free(e.mc);
    pcre2_match_data_free(e.md);
}

/* rules_result_clear - free the hits of RES; RES may be reused */
void rules_result_clear(struct rules_result *res)
{
    if (res == NULL)
        return;
    if (res->hits != NULL)
        g_ptr_array_free(res->hits, TRUE);
    res->hits = NULL;
    res->score = 0;
}

/* rules_free - free a rule set; NULL allowed; returns NULL */
struct rules *rules_free(struct rules *r)
{
    if (r == NULL)
        return NULL;
    g_hash_table_destroy(r->ids);
    g_ptr_array_free(r->rules, TRUE);
    g_free(r);
    return NULL;
}
