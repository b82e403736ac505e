/* rules_eval.c - a compiled rule set (rules_compiled.h) evaluated over one message's
 * struct features; contract in rules.h.
 * rules_eval() walks the rules in order with all of its mutable state (PCRE2 match data
 * and match context, case-folded values, each rule's outcome) in a struct eval on its
 * own stack, so a loaded set is read-only and shared by threads; the one write to the
 * set is the atomic flag that hands a rule's error out for logging once.  Predicates
 * have three values: a regex that gives up (a PCRE2 limit or any other error) is
 * unknown, never a non-match, and the rule that met it is a struct rule_error in the
 * result.  A rule's outcome is kept, so "rule: ID" costs one look-up.  Each value is
 * case-folded at most once per message for globs and equals strings (wildcard.h).
 * Does not log. */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <pcre2.h>

#include "mvlimits.h"
#include "rules_compiled.h"
#include "wildcard.h"

/* ---- evaluation ---------------------------------------------------------------------- */

/* The value of a predicate: UNKNOWN when a regex gave up before it could tell. */
enum tri {
    NO = 0,
    YES = 1,
    UNKNOWN = 2,
};

/* and3 / or3 / not3 - Kleene's three-valued logic: false (true) decides an and (or) */
static enum tri and3(enum tri a, enum tri b)
{
    if (a == NO || b == NO)
        return NO;
    return a == UNKNOWN || b == UNKNOWN ? UNKNOWN : YES;
}

static enum tri or3(enum tri a, enum tri b)
{
    if (a == YES || b == YES)
        return YES;
    return a == UNKNOWN || b == UNKNOWN ? UNKNOWN : NO;
}

static enum tri not3(enum tri a)
{
    return a == UNKNOWN ? UNKNOWN : a == YES ? NO : YES;
}

/* Per-call state of rules_eval(): nothing here is shared with another thread. */
struct eval {
    const struct features *f;
    pcre2_match_data *md;
    pcre2_match_context *mc;
    GHashTable *fold;   /* value pointer -> case-folded copy (char *) */
    GArray *log;        /* guint64 marks of the rule being evaluated (mark_key) */
    GArray **marks;     /* per rule: its sorted marks when it hit, else NULL */
    enum tri *outcome;  /* per rule */
    const char *header; /* the header field whose values are being matched, or NULL */
    int error;          /* the first PCRE2 error of the rule being evaluated, or 0 */
    const char *error_field;
    const char *error_header;
};

/* what a STRING of an object or an attachment reads, for struct rule_error */
enum { W_NAME, W_TYPE, W_SIGNATURE, W_CONTENT, W_DISPOSITION };
static const char *const object_what[] = {"object name", "object type", "object signature",
                                          "object content"};
static const char *const parent_what[] = {"parent name", "parent type", "parent signature",
                                          "parent content"};
/* what a decoded field's STRING reads, by enum scan_decoded */
static const char *const decoded_what[SCAN_DECODED_N] = {
    "object vba", "object xlm", "object rtf_object", "object ole_class", "object script"};
static const char *const attachment_what[] = {
    [W_NAME] = "attachment name",
    [W_TYPE] = "attachment type",
    [W_DISPOSITION] = "attachment disposition",
};

/* note_error - PCRE2 error RC while matching WHAT: the first one of the rule is kept */
static void note_error(struct eval *e, int rc, const char *what)
{
    if (e->error != 0)
        return;
    e->error = rc;
    e->error_field = what;
    e->error_header = e->header;
}

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

/* str_match - does S (LEN bytes; NULL is a missing value), which is WHAT, match any
 * pattern of M; UNKNOWN when none matched and a regex gave up */
static enum tri str_match(struct eval *e, const struct strmatch *m, const char *s, size_t len,
                          const char *what)
{
    enum tri out = NO;
    const char *folded;
    guint i;

    if (s == NULL)
        return NO;
    if (m->kind == STR_REGEX) {
        for (i = 0; i < m->codes->len; i++) {
            int rc =
                pcre2_match(g_ptr_array_index(m->codes, i), (PCRE2_SPTR)s, len, 0, 0, e->md, e->mc);

            /* 0 (ovector too small) is a match; any error, a limit above all, is not a
             * "no": an attacker chooses the value's length */
            if (rc >= 0)
                return YES;
            if (rc != PCRE2_ERROR_NOMATCH) {
                note_error(e, rc, what);
                out = UNKNOWN;
            }
        }
        return out;
    }
    folded = fold_get(e, s, len);
    for (i = 0; i < m->texts->len; i++) {
        const char *pat = g_ptr_array_index(m->texts, i);

        if (m->kind == STR_GLOB ? wildcard_match(pat, folded) : strcmp(pat, folded) == 0)
            return YES;
    }
    return NO;
}

/* str_match0 - str_match over a NUL-terminated string or NULL */
static enum tri str_match0(struct eval *e, const struct strmatch *m, const char *s,
                           const char *what)
{
    return s != NULL ? str_match(e, m, s, strlen(s), what) : NO;
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

/* object_ok - object O has every field of T (PARENT: T is a parent: test) */
static enum tri object_ok(struct eval *e, const struct objtest *t, const struct feature_object *o,
                          bool parent)
{
    const char *const *what = parent ? parent_what : object_what;
    enum tri out = YES;
    guint i;

    if (!in_range(&t->size, o->size) || !in_range(&t->depth, o->depth) ||
        !in_range(&t->members, o->members) || !flag_ok(t->encrypted, o->encrypted) ||
        !flag_ok(t->type_mismatch, o->type_mismatch) || !flag_ok(t->in_archive, o->depth > 0))
        return NO;
    if (t->name != NULL && (out = and3(out, str_match0(e, t->name, o->name, what[W_NAME]))) == NO)
        return NO;
    if (t->type != NULL && (out = and3(out, str_match0(e, t->type, o->type, what[W_TYPE]))) == NO)
        return NO;
    if (t->signature != NULL) {
        enum tri any = NO;

        for (i = 0; any != YES && o->signatures != NULL && i < o->signatures->len; i++)
            any = or3(any, str_match0(e, t->signature, g_ptr_array_index(o->signatures, i),
                                      what[W_SIGNATURE]));
        if ((out = and3(out, any)) == NO)
            return NO;
    }
    if (t->content != NULL) {
        if (o->head == NULL)
            return NO;
        for (i = 0; i < t->content->len; i++) {
            out = and3(out, str_match(e, g_ptr_array_index(t->content, i), (const char *)o->head,
                                      o->head_len, what[W_CONTENT]));
            if (out == NO)
                return NO;
        }
    }
    for (size_t k = 0; k < SCAN_DECODED_N; k++) {
        if (t->decoded[k] == NULL)
            continue;
        if (o->decoded[k] == NULL)
            return NO;
        for (i = 0; i < t->decoded[k]->len; i++) {
            out = and3(out,
                       str_match(e, g_ptr_array_index(t->decoded[k], i),
                                 (const char *)o->decoded[k], o->decoded_len[k], decoded_what[k]));
            if (out == NO)
                return NO;
        }
    }
    if (t->parent != NULL) {
        if (o->parent < 0 || (guint)o->parent >= nobjects(e->f))
            return NO;
        out = and3(out, object_ok(e, t->parent,
                                  &g_array_index(e->f->objects, struct feature_object, o->parent),
                                  true));
    }
    return out;
}

/* attachment_ok - attachment A has every field of T */
static enum tri attachment_ok(struct eval *e, const struct objtest *t,
                              const struct feature_attachment *a)
{
    enum tri out = YES;

    if (!in_range(&t->size, a->size))
        return NO;
    if (t->name != NULL &&
        (out = and3(out, str_match0(e, t->name, a->name, attachment_what[W_NAME]))) == NO)
        return NO;
    if (t->type != NULL &&
        (out = and3(out, str_match0(e, t->type, a->declared_type, attachment_what[W_TYPE]))) == NO)
        return NO;
    if (t->disposition != NULL)
        out = and3(out,
                   str_match0(e, t->disposition, a->disposition, attachment_what[W_DISPOSITION]));
    return out;
}

/* mark_key - sort key of a recorded path: attachment index, then the attachment itself
 * before its objects, then inventory order */
static guint64 mark_key(guint attachment, bool object, guint index)
{
    return ((guint64)MIN(attachment, 0x7fffffffu) << 32) |
           (object ? 0x80000000u | MIN(index, 0x7fffffffu) : 0);
}

/* How many objects (attachments) have a test's fields, and how many could not be told. */
struct counts {
    uint64_t yes;
    uint64_t unknown;
};

/* count_matches - how many objects (attachments) have T's fields; with RECORD, the
 * marks of those that do go to the log; stops at LIMIT that do */
static struct counts count_matches(struct eval *e, const struct objtest *t, bool record,
                                   uint64_t limit)
{
    const struct features *f = e->f;
    struct counts n = {0, 0};
    enum tri ok;
    guint64 key;
    guint i;

    if (t->attachment) {
        for (i = 0; i < nattachments(f) && n.yes < limit; i++) {
            const struct feature_attachment *a =
                &g_array_index(f->attachments, struct feature_attachment, i);

            if (a->residue)
                continue;
            ok = attachment_ok(e, t, a);
            n.unknown += ok == UNKNOWN;
            if (ok == YES) {
                n.yes++;
                if (record) {
                    key = mark_key(i, false, 0);
                    g_array_append_val(e->log, key);
                }
            }
        }
        return n;
    }
    for (i = 0; i < nobjects(f) && n.yes < limit; i++) {
        const struct feature_object *o = &g_array_index(f->objects, struct feature_object, i);

        ok = object_ok(e, t, o, false);
        n.unknown += ok == UNKNOWN;
        if (ok == YES) {
            n.yes++;
            if (record) {
                key = mark_key(o->attachment, true, i);
                g_array_append_val(e->log, key);
            }
        }
    }
    return n;
}

/* count_ok - whether a count of N.yes, plus up to N.unknown more, is within MIN..MAX */
static enum tri count_ok(struct counts n, uint64_t min, uint64_t max)
{
    uint64_t most = n.yes + n.unknown;

    if (n.yes > max || most < min)
        return NO;
    return n.yes >= min && most <= max ? YES : UNKNOWN;
}

/* header_match - some header field named NAME whose value matches M (NULL: present) */
static enum tri header_match(struct eval *e, const char *name, const struct strmatch *m)
{
    const struct features *f = e->f;
    enum tri out = NO;
    guint i;

    if (f->header_names == NULL)
        return NO;
    e->header = name;
    for (i = 0; out != YES && i < f->header_names->len; i++) {
        const char *n = g_ptr_array_index(f->header_names, i);
        const char *v = f->header_values != NULL && i < f->header_values->len
                            ? g_ptr_array_index(f->header_values, i)
                            : NULL;

        if (n == NULL || g_ascii_strcasecmp(n, name) != 0)
            continue;
        out = m == NULL ? YES : or3(out, str_match0(e, m, v, "header"));
    }
    e->header = NULL;
    return out;
}

/* the keys of enum msg_field, for struct rule_error */
static const char *const field_what[] = {
    [MF_SUBJECT] = "subject",         [MF_FROM] = "from",           [MF_REPLY_TO] = "reply_to",
    [MF_SENDER] = "sender",           [MF_RECIPIENT] = "recipient", [MF_BODY] = "body",
    [MF_CLIENT_ADDR] = "client_addr",
};

/* field_match - message field FIELD against M */
static enum tri field_match(struct eval *e, enum msg_field field, const struct strmatch *m)
{
    const struct features *f = e->f;
    const GPtrArray *rcpts = f->env.recipients;
    const char *what = field_what[field];
    enum tri out = NO;
    guint i;

    switch (field) {
    case MF_SUBJECT:
        return str_match0(e, m, f->subject, what);
    case MF_FROM:
        return str_match0(e, m, f->from, what);
    case MF_REPLY_TO:
        return str_match0(e, m, f->reply_to, what);
    case MF_SENDER:
        return str_match0(e, m, f->env.sender, what);
    case MF_CLIENT_ADDR:
        return str_match0(e, m, f->env.client_addr, what);
    case MF_BODY:
        return f->body != NULL ? str_match(e, m, f->body, f->body_len, what) : NO;
    case MF_RECIPIENT:
        for (i = 0; out != YES && rcpts != NULL && i < rcpts->len; i++)
            out = or3(out, str_match0(e, m, g_ptr_array_index(rcpts, i), what));
        return out;
    }
    return NO;
}

static enum tri eval_pred(struct eval *e, const struct pred *p, bool record);

/* eval_inner - predicate P; with RECORD (not under a not), object and attachment
 * predicates that hold add their marks to the log */
static enum tri eval_inner(struct eval *e, const struct pred *p, bool record)
{
    enum tri out;
    GArray *m;
    guint i;

    switch (p->kind) {
    case P_ALL:
        /* a false child decides; an unknown one leaves the answer open */
        out = YES;
        for (i = 0; i < p->children->len && out != NO; i++)
            out = and3(out, eval_pred(e, g_ptr_array_index(p->children, i), record));
        return out;
    case P_ANY:
        /* when recording, every alternative that holds names its objects */
        out = NO;
        for (i = 0; i < p->children->len && (record || out != YES); i++)
            out = or3(out, eval_pred(e, g_ptr_array_index(p->children, i), record));
        return out;
    case P_NOT:
        /* not unknown is unknown: a regex that gave up never makes a "not" hold */
        return not3(eval_pred(e, p->child, false));
    case P_RULE:
        if (e->outcome[p->rule] != YES)
            return e->outcome[p->rule];
        m = e->marks[p->rule];
        if (record && m != NULL && m->len > 0)
            g_array_append_vals(e->log, m->data, m->len);
        return YES;
    case P_FIELD:
        return field_match(e, p->field, p->str);
    case P_HEADER:
        return header_match(e, p->header, p->str);
    case P_OUTBOUND:
        return (e->f->env.auth != NULL && e->f->env.auth[0] != '\0') == p->outbound ? YES : NO;
    case P_MATCH: {
        struct counts n = count_matches(e, p->test, record, record ? UINT64_MAX : 1);

        return n.yes > 0 ? YES : n.unknown > 0 ? UNKNOWN : NO;
    }
    case P_COUNT: {
        /* past max + 1 the answer is known */
        uint64_t limit = p->count.max == UINT64_MAX ? UINT64_MAX : p->count.max + 1;

        return count_ok(count_matches(e, p->test, record, record ? UINT64_MAX : limit),
                        p->count.min, p->count.max);
    }
    }
    return NO;
}

/* eval_pred - eval_inner; a predicate that does not hold leaves the log as it found it */
static enum tri eval_pred(struct eval *e, const struct pred *p, bool record)
{
    guint mark = e->log->len;
    enum tri out = eval_inner(e, p, record);

    if (out != YES && record)
        g_array_set_size(e->log, mark);
    return out;
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

/* error_add - the error met while evaluating rule RL into OUT; the rule's flag says
 * whether this is the first time for the set */
static void error_add(struct eval *e, const struct rule *rl, struct rules_result *out)
{
    struct rule_error *x = g_new0(struct rule_error, 1);

    x->id = rl->id;
    x->field = e->error_field;
    x->header = e->error_header;
    x->code = e->error;
    /* the set is otherwise read-only; this flag alone is written, atomically */
    x->first = g_atomic_int_compare_and_exchange((gint *)&rl->error_taken, 0, 1);
    g_ptr_array_add(out->errors, x);
}

/* ---- public -------------------------------------------------------------------------- */

/* rules_eval - every rule in order over F into OUT */
void rules_eval(const struct rules *r, const struct features *f, struct rules_result *out)
{
    struct eval e = {.f = f};
    guint n = r != NULL ? r->rules->len : 0;
    guint i;

    out->hits = g_ptr_array_new_with_free_func(hit_free);
    out->errors = g_ptr_array_new_with_free_func(g_free);
    out->score = 0;
    if (n == 0 || f == NULL)
        return;
    e.md = pcre2_match_data_create(1, NULL);
    e.mc = pcre2_match_context_create(NULL);
    if (e.md == NULL || e.mc == NULL)
        abort(); /* a few fixed bytes: treated like GLib's aborting allocators */
    pcre2_set_match_limit(e.mc, LIMIT_REGEX_MATCH);
    pcre2_set_depth_limit(e.mc, LIMIT_REGEX_DEPTH);
    pcre2_set_heap_limit(e.mc, LIMIT_REGEX_HEAP_KIB);
    e.fold = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    e.log = g_array_new(FALSE, FALSE, sizeof(guint64));
    e.marks = g_new0(GArray *, n);
    e.outcome = g_new0(enum tri, n);
    for (i = 0; i < n; i++) {
        const struct rule *rl = g_ptr_array_index(r->rules, i);
        struct rule_hit *h;

        g_array_set_size(e.log, 0);
        e.error = 0;
        e.outcome[i] = eval_pred(&e, rl->match, true);
        /* whatever the outcome: the message is unscannable when a regex gave up */
        if (e.error != 0)
            error_add(&e, rl, out);
        if (e.outcome[i] != YES)
            continue;
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
    g_free(e.outcome);
    g_array_free(e.log, TRUE);
    g_hash_table_destroy(e.fold);
    pcre2_match_context_free(e.mc);
    pcre2_match_data_free(e.md);
}

/* rules_result_clear - free the hits and errors of RES; RES may be reused */
void rules_result_clear(struct rules_result *res)
{
    if (res == NULL)
        return;
    if (res->hits != NULL)
        g_ptr_array_free(res->hits, TRUE);
    if (res->errors != NULL)
        g_ptr_array_free(res->errors, TRUE);
    res->hits = NULL;
    res->errors = NULL;
    res->score = 0;
}

/* error_what - what error CODE hit, for the log line: "its match limit" ... */
static const char *error_what(int code, char *buf, size_t size)
{
    PCRE2_UCHAR msg[120];

    switch (code) {
    case PCRE2_ERROR_MATCHLIMIT:
        return "hit its match limit";
    case PCRE2_ERROR_DEPTHLIMIT:
        return "hit its depth limit";
    case PCRE2_ERROR_HEAPLIMIT:
        return "hit its heap limit";
    case PCRE2_ERROR_JIT_STACKLIMIT:
        return "hit its JIT stack limit";
    default:
        if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
            g_strlcpy((char *)msg, "unknown error", sizeof(msg));
        snprintf(buf, size, "failed (PCRE2 error %d: %s)", code, (const char *)msg);
        return buf;
    }
}

/* rules_error_take - the next error of RES not logged yet for its rule */
bool rules_error_take(struct rules_result *res, char *text, size_t size)
{
    char buf[160];

    for (guint i = 0; res != NULL && res->errors != NULL && i < res->errors->len; i++) {
        struct rule_error *x = g_ptr_array_index(res->errors, i);

        if (!x->first)
            continue;
        x->first = false;
        snprintf(text, size,
                 "rules: %s: regular expression %s on %s%s%s; messages it cannot decide are "
                 "unscannable",
                 x->id, error_what(x->code, buf, sizeof(buf)), x->field,
                 x->header != NULL ? " " : "", x->header != NULL ? x->header : "");
        return true;
    }
    return false;
}
