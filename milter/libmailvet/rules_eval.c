/* rules_eval.c - a compiled rule set (rules_compiled.h) evaluated over one message's
 * struct features; contract in rules.h.
 * rules_eval() walks the rules in order with all of its mutable state (PCRE2 match data
 * and match context, case-folded values, each rule's result) in a struct eval on its own
 * stack, so a loaded set is read-only and shared by threads.  A rule's result is kept,
 * so "rule: ID" costs one look-up.  Each value is case-folded at most once per message
 * for globs and equals strings (wildcard.h).  Does not log. */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <pcre2.h>

#include "rules_compiled.h"
#include "wildcard.h"

/* PCRE2 bounds per match: a pathological pattern returns an error we treat as no match.
 * PCRE2 counts the match limit per start position, the depth and heap limits per call. */
#define RULES_MATCH_LIMIT 100000
#define RULES_DEPTH_LIMIT 1000
#define RULES_HEAP_LIMIT_KIB 20480

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
