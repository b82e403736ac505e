/* rules.c - the rule loader: YAML "rules:" sequences compiled into rule sets of
 * predicate trees (rules_compiled.h); contract and syntax in rules.h.
 * rules_add() parses one sequence into a pending list and appends it only when every
 * item is valid, so a set never holds half a file; every error of the sequence is
 * reported ("FILE:LINE: rule ID: KEY: message").  This file parses rules and predicates;
 * the values under them (STRING, RANGE, FIELDS) are rules_values.c's, and evaluation
 * over struct features is rules_eval.c's.  Does not log. */
#include <string.h>

#include <glib.h>

#include "rules_compiled.h"

/* most rules in one set: a bound on load time and on per-message work */
#define RULES_MAX 10000
#define RULES_ID_MAX 64
#define RULES_SCORE_MAX 1000.0

/* ---- freeing ------------------------------------------------------------------------- */

/* pred_free - free a predicate tree; NULL allowed */
static void pred_free(struct pred *p)
{
    if (p == NULL)
        return;
    if (p->children != NULL)
        g_ptr_array_free(p->children, TRUE);
    pred_free(p->child);
    rules_strmatch_free(p->str);
    g_free(p->header);
    rules_objtest_free(p->test);
    g_free(p);
}

/* pred_free_cb - pred_free for a GPtrArray */
static void pred_free_cb(gpointer p)
{
    pred_free(p);
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

/* check_header_name - a field name of RFC 5322: rules_printable ASCII but ':' and space */
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
        rules_perr(p, v, "%s: must be a list of predicates, got %s", key, yamlnode_type_name(v));
        return NULL;
    }
    if (yamlnode_count(v) == 0) {
        rules_perr(p, v, "%s: the list is empty", key);
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
        rules_perr(p, v, "header: must be a mapping {name: NAME, glob|regex|equals: ...}, got %s",
                   yamlnode_type_name(v));
        return NULL;
    }
    if (!rules_check_keys(p, v, keys, "header"))
        return NULL;
    name = yamlnode_map_get(v, "name");
    if (name == NULL) {
        rules_perr(p, v, "header: needs name");
        return NULL;
    }
    text = rules_scalar_text(p, "header: name", name, "a header field name");
    if (text == NULL)
        return NULL;
    if (!check_header_name(text)) {
        rules_perr(p, name, "header: name: not a header field name: %s",
                   rules_printable(text, buf, sizeof(buf)));
        return NULL;
    }
    if (yamlnode_count(v) > 2) {
        rules_perr(p, v, "header: takes name and at most one of glob, regex or equals");
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
        pr->str = rules_strmatch_new((enum str_kind)(rules_key_index(keys, k) - 1));
        ok = rules_add_patterns(p, "header", pr->str, yamlnode_value_get(v, i), false);
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
        rules_perr(p, v, "count: must be a mapping {of: ..., min: N, max: N}, got %s",
                   yamlnode_type_name(v));
        return NULL;
    }
    ok = rules_check_keys(p, v, keys, "count");
    of = yamlnode_map_get(v, "of");
    lo = yamlnode_map_get(v, "min");
    hi = yamlnode_map_get(v, "max");
    if (of == NULL) {
        rules_perr(p, v, "count: needs of: {object: {...}} or of: {attachment: {...}}");
        return NULL;
    }
    if (lo == NULL && hi == NULL) {
        rules_perr(p, v, "count: needs min, max or both");
        return NULL;
    }
    if (yamlnode_type(of) != YAMLNODE_MAPPING || yamlnode_count(of) != 1) {
        rules_perr(p, of, "count: of: must be a mapping with one key, object or attachment");
        return NULL;
    }
    if (!rules_check_keys(p, of, of_keys, "count.of"))
        return NULL;
    pr = g_new0(struct pred, 1);
    pr->kind = P_COUNT;
    pr->count.set = true;
    pr->count.max = UINT64_MAX;
    pr->test = rules_parse_fields(
        p, yamlnode_scalar_get(yamlnode_key_get(of, 0)), yamlnode_value_get(of, 0),
        strcmp(yamlnode_scalar_get(yamlnode_key_get(of, 0)), "attachment") == 0);
    ok &= pr->test != NULL;
    if (lo != NULL)
        ok &= rules_parse_number(p, "count: min", lo, false, &pr->count.min);
    if (hi != NULL)
        ok &= rules_parse_number(p, "count: max", hi, false, &pr->count.max);
    if (ok && pr->count.min > pr->count.max) {
        rules_perr(p, v, "count: min is larger than max");
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
        rules_perr(p, v,
                   "a predicate must be a mapping with one key (all, any, not, rule, subject, "
                   "header, object, ...), got %s",
                   yamlnode_type(v) == YAMLNODE_MAPPING ? "an empty mapping"
                                                        : yamlnode_type_name(v));
        return NULL;
    }
    if (yamlnode_count(v) > 1) {
        rules_perr(p, v, "a predicate has exactly one key, got %zu (combine them with all: [...])",
                   yamlnode_count(v));
        return NULL;
    }
    key = yamlnode_key_get(v, 0);
    val = yamlnode_value_get(v, 0);
    name = yamlnode_scalar_get(key);
    if (rules_key_index(pred_keys, name) < 0) {
        rules_unknown_key(p, key, pred_keys, "");
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
        text = rules_scalar_text(p, name, val, "a rule id");
        if (text == NULL)
            return NULL;
        idx = lookup_rule(p, text);
        if (idx < 0) {
            if (p->rule_id != NULL && strcmp(text, p->rule_id) == 0)
                rules_perr(p, val, "rule: %s refers to itself",
                           rules_printable(text, buf, sizeof(buf)));
            else
                rules_perr(p, val,
                           "rule: unknown rule %s (a rule may only name rules defined before it)",
                           rules_printable(text, buf, sizeof(buf)));
            return NULL;
        }
        pr = g_new0(struct pred, 1);
        pr->kind = P_RULE;
        pr->rule = (size_t)idx;
        return pr;
    }
    f = rules_key_index(field_keys, name);
    if (f >= 0) {
        struct strmatch *m = rules_parse_string(p, name, val, false);

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

        if (!rules_parse_flag(p, name, val, &b))
            return NULL;
        pr = g_new0(struct pred, 1);
        pr->kind = P_OUTBOUND;
        pr->outbound = b;
        return pr;
    }
    if (strcmp(name, "attachment") == 0 || strcmp(name, "object") == 0) {
        struct objtest *t = rules_parse_fields(p, name, val, strcmp(name, "attachment") == 0);

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
        rules_perr(p, item, "a rule must be a mapping (id, category, score, match, ...), got %s",
                   yamlnode_type_name(item));
        return NULL;
    }
    rl = g_new0(struct rule, 1);
    v = yamlnode_map_get(item, "id");
    if (v == NULL) {
        rules_perr(p, item, "rule without id");
    } else if ((text = rules_scalar_text(p, "id", v, "a rule id")) != NULL) {
        if (!check_id(text)) {
            rules_perr(p, v, "id: must be 1 to %d of A-Z a-z 0-9 _ . -, got %s", RULES_ID_MAX,
                       rules_printable(text, buf, sizeof(buf)));
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

                rules_perr(p, v, "duplicate id (first defined at %s)", first->where);
            } else {
                id_ok = true;
            }
        }
    }
    rules_check_keys(p, item, rule_keys, "");

    v = yamlnode_map_get(item, "description");
    if (v != NULL && !yamlnode_is_null(v) &&
        (text = rules_scalar_text(p, "description", v, "text")) != NULL)
        rl->description = g_strdup(text);

    v = yamlnode_map_get(item, "category");
    if (v == NULL) {
        rules_perr(p, item, "category: missing (campaign, suspicious or info)");
    } else if ((text = rules_scalar_text(p, "category", v, "campaign, suspicious or info")) !=
               NULL) {
        c = rules_key_index(categories, text);
        if (c < 0)
            rules_perr(p, v, "category: must be campaign, suspicious or info, got %s",
                       rules_printable(text, buf, sizeof(buf)));
        else
            rl->category = categories[c];
    }

    v = yamlnode_map_get(item, "campaign");
    if (v != NULL && (text = rules_scalar_text(p, "campaign", v, "a campaign name")) != NULL) {
        if (*text == '\0')
            rules_perr(p, v, "campaign: must not be empty");
        else
            rl->campaign = g_strdup(text);
    }
    if (rl->category != NULL && strcmp(rl->category, "campaign") == 0 && rl->campaign == NULL &&
        v == NULL)
        rules_perr(p, yamlnode_map_get(item, "category"), "category campaign needs campaign: NAME");

    v = yamlnode_map_get(item, "score");
    if (v == NULL) {
        rules_perr(p, item, "score: missing (a number from -1000 to 1000)");
    } else if ((text = rules_scalar_text(p, "score", v, "a number")) != NULL) {
        if (!parse_score(text, &rl->score) || rl->score < -RULES_SCORE_MAX ||
            rl->score > RULES_SCORE_MAX)
            rules_perr(p, v, "score: must be a number from -1000 to 1000, got %s",
                       rules_printable(text, buf, sizeof(buf)));
    }

    v = yamlnode_map_get(item, "match");
    if (v == NULL)
        rules_perr(p, item, "match: missing");
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
        rules_perr(&p, seq, "rules: must be a list of rules, got %s", yamlnode_type_name(seq));
        return false;
    }
    if (r->rules->len + yamlnode_count(seq) > RULES_MAX) {
        rules_perr(&p, seq, "rules: more than %d rules in all", RULES_MAX);
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

/* rules_id - the id of rule I, or NULL */
const char *rules_id(const struct rules *r, size_t i)
{
    if (r == NULL || i >= r->rules->len)
        return NULL;
    return ((const struct rule *)g_ptr_array_index(r->rules, i))->id;
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
