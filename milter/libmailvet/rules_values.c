/* rules_values.c - the rule loader's leaves: the STRING, RANGE, true|false and FIELDS
 * values under a predicate (syntax in rules.h), and the error reporting that all of the
 * loader uses ("FILE:LINE: rule ID: KEY: message", the rule ID once it is known).
 * Regular expressions are compiled and JIT-compiled here, once; globs and equals strings
 * are case-folded here, once (wildcard.h).  What a function here builds,
 * rules_strmatch_free() and rules_objtest_free() free.  Does not log. */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <pcre2.h>

#include "rules_compiled.h"
#include "suggest.h"
#include "wildcard.h"

/* rules_strmatch_free - free a STRING; NULL allowed */
void rules_strmatch_free(struct strmatch *m)
{
    if (m == NULL)
        return;
    if (m->texts != NULL)
        g_ptr_array_free(m->texts, TRUE);
    if (m->codes != NULL)
        g_ptr_array_free(m->codes, TRUE);
    g_free(m);
}

/* rules_objtest_free - free a FIELDS tree; NULL allowed */
void rules_objtest_free(struct objtest *t)
{
    if (t == NULL)
        return;
    rules_strmatch_free(t->name);
    rules_strmatch_free(t->type);
    rules_strmatch_free(t->disposition);
    rules_strmatch_free(t->signature);
    if (t->content != NULL)
        g_ptr_array_free(t->content, TRUE);
    for (size_t k = 0; k < SCAN_DECODED_N; k++)
        if (t->decoded[k] != NULL)
            g_ptr_array_free(t->decoded[k], TRUE);
    rules_objtest_free(t->parent);
    g_free(t);
}

/* code_free_cb - pcre2_code_free for a GPtrArray */
static void code_free_cb(gpointer p)
{
    pcre2_code_free(p);
}

/* rules_printable - S for a message: at most 100 bytes, control characters as '?' */
const char *rules_printable(const char *s, char *buf, size_t size)
{
    size_t i;

    for (i = 0; s[i] != '\0' && i + 1 < size && i < 100; i++)
        buf[i] = g_ascii_iscntrl(s[i]) ? '?' : s[i];
    buf[i] = '\0';
    return buf;
}

/* rules_perr - report "FILE:LINE: rule ID: message" at node N */
void rules_perr(struct parse *p, const struct yamlnode *n, const char *fmt, ...)
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

/* rules_key_index - index of NAME in the NULL-terminated KEYS, or -1 */
int rules_key_index(const char *const *keys, const char *name)
{
    int i;

    for (i = 0; keys[i] != NULL; i++)
        if (strcmp(keys[i], name) == 0)
            return i;
    return -1;
}

/* rules_unknown_key - report KEY, under PATH, as none of KEYS, with the nearest one */
void rules_unknown_key(struct parse *p, const struct yamlnode *key, const char *const *keys,
                       const char *path)
{
    char msg[SUGGEST_UNKNOWN_KEY_MAX];

    rules_perr(p, key, "%s",
               suggest_unknown_key(msg, sizeof(msg), path, yamlnode_scalar_get(key), keys,
                                   SUGGEST_NUL_ENDED));
}

/* rules_check_keys - report every key of MAP (at PATH) not in KEYS; true when all are
 * known */
bool rules_check_keys(struct parse *p, const struct yamlnode *map, const char *const *keys,
                      const char *path)
{
    bool ok = true;
    size_t i;

    for (i = 0; i < yamlnode_count(map); i++) {
        if (rules_key_index(keys, yamlnode_scalar_get(yamlnode_key_get(map, i))) < 0) {
            rules_unknown_key(p, yamlnode_key_get(map, i), keys, path);
            ok = false;
        }
    }
    return ok;
}

/* rules_scalar_text - the text of a non-null scalar, or NULL with an error naming KEY */
const char *rules_scalar_text(struct parse *p, const char *key, const struct yamlnode *v,
                              const char *want)
{
    if (yamlnode_type(v) != YAMLNODE_SCALAR || yamlnode_is_null(v)) {
        rules_perr(p, v, "%s: must be %s, got %s", key, want, yamlnode_type_name(v));
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

/* rules_parse_flag - KEY: true|false into *OUT */
bool rules_parse_flag(struct parse *p, const char *key, const struct yamlnode *v, bool *out)
{
    const char *text = rules_scalar_text(p, key, v, "true or false");
    char buf[128];

    if (text == NULL)
        return false;
    if (!parse_bool_text(text, out)) {
        rules_perr(p, v, "%s: must be true or false, got %s", key,
                   rules_printable(text, buf, sizeof(buf)));
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

/* rules_parse_number - KEY: a whole number (a size with SIZE) into *OUT */
bool rules_parse_number(struct parse *p, const char *key, const struct yamlnode *v, bool size,
                        uint64_t *out)
{
    const char *want =
        size ? "a size (a number with an optional K, M or G suffix)" : "a whole number";
    const char *text = rules_scalar_text(p, key, v, want);
    char buf[128];

    if (text == NULL)
        return false;
    if (!parse_count_text(text, size, out)) {
        rules_perr(p, v, "%s: must be %s, got %s", key, want,
                   rules_printable(text, buf, sizeof(buf)));
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
        if (!rules_parse_number(p, key, v, size, &out->min))
            return false;
        out->max = out->min;
        return true;
    }
    ok = rules_check_keys(p, v, keys, key);
    lo = yamlnode_map_get(v, "min");
    hi = yamlnode_map_get(v, "max");
    if (lo == NULL && hi == NULL) {
        rules_perr(p, v, "%s: needs min, max or both", key);
        return false;
    }
    if (lo != NULL && !rules_parse_number(p, key, lo, size, &out->min))
        ok = false;
    if (hi != NULL && !rules_parse_number(p, key, hi, size, &out->max))
        ok = false;
    if (ok && out->min > out->max) {
        rules_perr(p, v, "%s: min is larger than max", key);
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
        rules_perr(p, n, "%s: bad regex %s: %s at offset %zu", key,
                   rules_printable(pattern, buf, sizeof(buf)), (const char *)msg, (size_t)offset);
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
    const char *text = rules_scalar_text(p, key, n, "a pattern");
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

/* rules_strmatch_new - an empty STRING of KIND */
struct strmatch *rules_strmatch_new(enum str_kind kind)
{
    struct strmatch *m = g_new0(struct strmatch, 1);

    m->kind = kind;
    if (kind == STR_REGEX)
        m->codes = g_ptr_array_new_with_free_func(code_free_cb);
    else
        m->texts = g_ptr_array_new_with_free_func(g_free);
    return m;
}

/* rules_add_patterns - V (one pattern or a non-empty list) into M; false on any error */
bool rules_add_patterns(struct parse *p, const char *key, struct strmatch *m,
                        const struct yamlnode *v, bool binary)
{
    bool ok = true;
    size_t i;

    if (yamlnode_type(v) != YAMLNODE_SEQUENCE)
        return add_pattern(p, key, m, v, binary);
    if (yamlnode_count(v) == 0) {
        rules_perr(p, v, "%s: the list of patterns is empty", key);
        return false;
    }
    for (i = 0; i < yamlnode_count(v); i++)
        ok &= add_pattern(p, key, m, yamlnode_item_get(v, i), binary);
    return ok;
}

/* rules_parse_string - KEY: STRING (a glob, or {glob|regex|equals: one or a list}); BINARY
 * (content) takes regex only, compiled without UTF */
struct strmatch *rules_parse_string(struct parse *p, const char *key, const struct yamlnode *v,
                                    bool binary)
{
    static const char *const kinds[] = {"glob", "regex", "equals", NULL};
    const struct yamlnode *k;
    struct strmatch *m;

    if (yamlnode_type(v) == YAMLNODE_SCALAR && !yamlnode_is_null(v)) {
        if (binary) {
            rules_perr(p, v, "%s: takes {regex: ...} only (the content is binary)", key);
            return NULL;
        }
        m = rules_strmatch_new(STR_GLOB);
        if (!add_pattern(p, key, m, v, false))
            m = (rules_strmatch_free(m), NULL);
        return m;
    }
    if (yamlnode_type(v) != YAMLNODE_MAPPING || yamlnode_count(v) != 1) {
        rules_perr(p, v,
                   "%s: must be a glob or a mapping with one of glob, regex or equals, got %s", key,
                   yamlnode_type(v) != YAMLNODE_MAPPING ? yamlnode_type_name(v)
                   : yamlnode_count(v) == 0             ? "an empty mapping"
                                                        : "several keys");
        return NULL;
    }
    if (!rules_check_keys(p, v, kinds, key))
        return NULL;
    k = yamlnode_key_get(v, 0);
    m = rules_strmatch_new((enum str_kind)rules_key_index(kinds, yamlnode_scalar_get(k)));
    if (binary && m->kind != STR_REGEX) {
        rules_perr(p, k, "%s: takes regex only (the content is binary)", key);
        return (rules_strmatch_free(m), NULL);
    }
    if (!rules_add_patterns(p, key, m, yamlnode_value_get(v, 0), binary))
        m = (rules_strmatch_free(m), NULL);
    return m;
}

/* keys of attachment: and object: */
static const char *const attachment_keys[] = {"name", "type", "disposition", "size", NULL};
static const char *const object_keys[] = {
    "name",    "type",       "signature",     "content",    "size",   "depth",
    "members", "encrypted",  "type_mismatch", "in_archive", "parent", "vba",
    "xlm",     "rtf_object", "ole_class",     "script",     NULL,
};

/* parse_tristate - KEY: true|false into -1 / 0 / 1 */
static bool parse_tristate(struct parse *p, const char *key, const struct yamlnode *v, int *out)
{
    bool b;

    if (!rules_parse_flag(p, key, v, &b))
        return false;
    *out = b;
    return true;
}

/* strmatch_free - rules_strmatch_free as a GDestroyNotify */
static void strmatch_free(gpointer m)
{
    rules_strmatch_free(m);
}

/* parse_all - the value of content or a decoded field: a STRING (regex only), or a
 * sequence of them that must all match, into a new array, or NULL on an error */
static GPtrArray *parse_all(struct parse *p, const char *key, const struct yamlnode *v)
{
    GPtrArray *all = g_ptr_array_new_with_free_func(strmatch_free);
    bool ok = true;

    if (yamlnode_type(v) == YAMLNODE_SEQUENCE) {
        if (yamlnode_count(v) == 0) {
            rules_perr(p, v, "%s: an empty list (give one or more {regex: ...})", key);
            ok = false;
        }
        for (size_t i = 0; i < yamlnode_count(v); i++) {
            struct strmatch *m = rules_parse_string(p, key, yamlnode_item_get(v, i), true);

            if (m != NULL)
                g_ptr_array_add(all, m);
            ok &= m != NULL;
        }
    } else {
        struct strmatch *m = rules_parse_string(p, key, v, true);

        if (m != NULL)
            g_ptr_array_add(all, m);
        ok = m != NULL;
    }
    if (!ok) {
        g_ptr_array_free(all, TRUE);
        return NULL;
    }
    return all;
}

/* rules_parse_fields - the FIELDS of an attachment (ATTACHMENT) or an object */
struct objtest *rules_parse_fields(struct parse *p, const char *what, const struct yamlnode *v,
                                   bool attachment)
{
    struct objtest *t;
    bool ok;
    size_t i;

    if (yamlnode_type(v) != YAMLNODE_MAPPING) {
        rules_perr(p, v, "%s: must be a mapping of fields, got %s", what, yamlnode_type_name(v));
        return NULL;
    }
    ok = rules_check_keys(p, v, attachment ? attachment_keys : object_keys, what);
    t = g_new0(struct objtest, 1);
    t->attachment = attachment;
    t->encrypted = t->type_mismatch = t->in_archive = -1;
    for (i = 0; i < yamlnode_count(v); i++) {
        const char *key = yamlnode_scalar_get(yamlnode_key_get(v, i));
        const struct yamlnode *val = yamlnode_value_get(v, i);
        struct strmatch **slot = NULL;

        if (rules_key_index(attachment ? attachment_keys : object_keys, key) < 0)
            continue; /* reported by rules_check_keys */
        if (strcmp(key, "name") == 0)
            slot = &t->name;
        else if (strcmp(key, "type") == 0)
            slot = &t->type;
        else if (strcmp(key, "disposition") == 0)
            slot = &t->disposition;
        else if (strcmp(key, "signature") == 0)
            slot = &t->signature;
        else if (strcmp(key, "content") == 0) {
            t->content = parse_all(p, key, val);
            ok &= t->content != NULL;
        }
        for (size_t k = 0; k < SCAN_DECODED_N; k++) {
            if (strcmp(key, scan_decoded_name((enum scan_decoded)k)) == 0) {
                t->decoded[k] = parse_all(p, key, val);
                ok &= t->decoded[k] != NULL;
            }
        }
        if (slot != NULL) {
            *slot = rules_parse_string(p, key, val, false);
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
            t->parent = rules_parse_fields(p, "parent", val, false);
            ok &= t->parent != NULL;
        }
    }
    if (!ok)
        t = (rules_objtest_free(t), NULL);
    return t;
}
