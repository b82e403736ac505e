/* policy.c - the policy files of a directory as one read-only unit: thresholds, actions,
 * score actions, SMTP replies, tag settings, allow and block lists, per-domain overrides,
 * and the rules (compiled by rules.c).  Contract and YAML syntax in policy.h; the
 * operator's view in mailvet-policy(5).
 * policy_load() starts from the built-in defaults in a fresh struct policy, reads the
 * .yaml files of DIR then those of DIR/campaigns (each group sorted by name;
 * DIR/mailvet.yaml and dot files skipped), applies every key of every file and collects
 * every error as "FILE:LINE: KEY: message" before it gives up, so a broken file never
 * half-loads.  Each global setting (one threshold, the action of one verdict, one reply,
 * one tag field, score_actions, block.action, one domain) is set by one file at most; a
 * second file is an error that names both places.  Allow and block lists add up over
 * the files.  A domain's keys replace the same global keys for its recipients, field by
 * field (actions per verdict, replies per field, tag per field, each list whole).  A
 * domain entry is exact ("example.com") or "*.example.com", which covers the subdomains
 * but not example.com itself; the exact entry wins, then the nearest parent.
 * Everything is checked when loaded (actions, codes, templates, address patterns), so
 * policy_decide() only compares lower-case strings and fills templates.  Not a leaf
 * module, but it does not log: the caller prints err->msg and the decision's note. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "policy.h"
#include "suggest.h"
#include "yamlnode.h"

#define NVERDICTS (MV_VERDICT_INFECTED + 1)
#define REPLY_TEXT_MAX 399     /* characters of an expanded reply: milter.c's 400-byte buffer */
#define REPLY_VALUE_MAX 200    /* characters of %{campaign} or %{queue_id} */
#define NOTE_LABELS_MAX 8      /* recipients named in a "recipients disagree" note */
#define NOTE_TEXT_MAX 100      /* characters of one pattern or label in a note */
#define SUBJECT_PREFIX_MAX 100 /* bytes of tag.subject_prefix */
#define NUMBER_MAX 1000000.0   /* thresholds and score_actions scores, either sign */
#define CAMPAIGN_DIR "campaigns"
#define CONFIG_FILE "mailvet.yaml"

enum reply_kind { REPLY_REJECT = 0, REPLY_TEMPFAIL, NREPLIES };

/* the variables of a reply template */
enum template_var { VAR_VERDICT = 0, VAR_REASONS, VAR_SCORE, VAR_CAMPAIGN, VAR_QUEUE_ID, NVARS };

static const char *const var_names[NVARS] = {"verdict", "reasons", "score", "campaign", "queue_id"};

enum pattern_kind {
    PATTERN_ADDRESS, /* user@example.com: that address */
    PATTERN_DOMAIN,  /* example.com or @example.com: every address of that domain */
    PATTERN_GLOB,    /* fnmatch over the whole address */
};

/* one entry of an allow or block list */
struct pattern {
    enum pattern_kind kind;
    char *text;  /* as written, for the note */
    char *match; /* lower-case address, domain or glob */
};

struct score_action {
    double score;
    enum mv_action action;
};

struct reply {
    char *code; /* NULL: inherited (domains only) */
    char *xcode;
    char *text; /* the template */
};

/* The global scope has every field set; in a domain's scope a NULL list or string, or a
 * has_ flag that is false, means "as the global scope". */
struct scope {
    bool has_action[NVERDICTS];
    enum mv_action action[NVERDICTS];
    GArray *score_actions; /* struct score_action */
    struct reply reply[NREPLIES];
    bool has_headers;
    bool headers;
    char *subject_prefix;     /* "" for none */
    GPtrArray *allow_senders; /* struct pattern * */
    GPtrArray *allow_recipients;
    GPtrArray *block_senders;
    GPtrArray *block_recipients;
    bool has_block_action;
    enum mv_action block_action;
};

struct policy {
    struct rules *rules;
    unsigned files;
    double suspicious; /* thresholds */
    double campaign;
    struct scope global;
    GHashTable *domains; /* "example.com" or "*.example.com" -> struct scope * */
};

/* what one policy_load() carries besides the policy */
struct loader {
    struct policy *p;
    GHashTable *origins; /* setting ("thresholds.campaign") -> "FILE:LINE" that set it */
    struct mv_err *err;
};

static const enum mv_action default_actions[NVERDICTS] = {
    [MV_VERDICT_CLEAN] = MV_ACTION_ACCEPT,    [MV_VERDICT_SUSPICIOUS] = MV_ACTION_TAG,
    [MV_VERDICT_UNSCANNABLE] = MV_ACTION_TAG, [MV_VERDICT_CAMPAIGN] = MV_ACTION_REJECT,
    [MV_VERDICT_INFECTED] = MV_ACTION_REJECT,
};

/* the actions that have an SMTP reply, indexed by enum reply_kind, with their defaults */
static const struct {
    enum mv_action action;
    char class_digit; /* of the reply code and the enhanced code (RFC 3463) */
    const char *code;
    const char *xcode;
    const char *text;
} reply_defaults[NREPLIES] = {
    {MV_ACTION_REJECT, '5', "550", "5.7.1", "Message rejected: %{verdict} (%{reasons})"},
    {MV_ACTION_TEMPFAIL, '4', "451", "4.7.1", "Message deferred: %{verdict} (%{reasons})"},
};

/* the keys each mapping accepts, for unknown keys and their suggestions */
static const char *const top_keys[] = {"rules", "thresholds", "actions", "score_actions", "replies",
                                       "tag",   "allow",      "block",   "domains",       NULL};
static const char *const domain_keys[] = {"actions", "score_actions", "replies", "tag",
                                          "allow",   "block",         NULL};
static const char *const threshold_keys[] = {"suspicious", "campaign", NULL};
static const char *const verdict_keys[] = {"infected",   "campaign", "unscannable",
                                           "suspicious", "clean",    NULL};
static const char *const reply_keys[] = {"reject", "tempfail", NULL};
static const char *const reply_field_keys[] = {"code", "xcode", "text", NULL};
static const char *const tag_keys[] = {"headers", "subject_prefix", NULL};
static const char *const allow_keys[] = {"senders", "recipients", NULL};
static const char *const block_keys[] = {"senders", "recipients", "action", NULL};
static const char *const score_action_keys[] = {"score", "action", NULL};

/* pattern_free - GDestroyNotify for a struct pattern */
static void pattern_free(gpointer data)
{
    struct pattern *pt = data;

    g_free(pt->text);
    g_free(pt->match);
    g_free(pt);
}

/* pattern_list_new - an empty allow or block list */
static GPtrArray *pattern_list_new(void)
{
    return g_ptr_array_new_with_free_func(pattern_free);
}

/* list_unref - drop a list; NULL allowed */
static void list_unref(GPtrArray *list)
{
    if (list != NULL)
        g_ptr_array_unref(list);
}

/* scope_clear - free what S owns, not S itself */
static void scope_clear(struct scope *s)
{
    size_t i;

    if (s->score_actions != NULL)
        g_array_free(s->score_actions, TRUE);
    for (i = 0; i < NREPLIES; i++) {
        g_free(s->reply[i].code);
        g_free(s->reply[i].xcode);
        g_free(s->reply[i].text);
    }
    g_free(s->subject_prefix);
    list_unref(s->allow_senders);
    list_unref(s->allow_recipients);
    list_unref(s->block_senders);
    list_unref(s->block_recipients);
    memset(s, 0, sizeof(*s));
}

/* scope_free - GDestroyNotify for a domain's scope */
static void scope_free(gpointer data)
{
    scope_clear(data);
    g_free(data);
}

/* the built-in score_actions: a score this high is quarantined */
#define DEFAULT_HOLD_SCORE 10.0

/* policy_new - the built-in defaults, no rules */
static struct policy *policy_new(void)
{
    struct policy *p = g_new0(struct policy, 1);
    struct scope *g = &p->global;
    size_t i;

    p->rules = rules_new();
    p->suspicious = 5;
    p->campaign = 10;
    for (i = 0; i < NVERDICTS; i++) {
        g->has_action[i] = true;
        g->action[i] = default_actions[i];
    }
    g->score_actions = g_array_new(FALSE, FALSE, sizeof(struct score_action));
    {
        /* campaigns.md: 10 and more is held for review whatever the verdict */
        struct score_action held = {.score = DEFAULT_HOLD_SCORE, .action = MV_ACTION_QUARANTINE};
        g_array_append_val(g->score_actions, held);
    }
    for (i = 0; i < NREPLIES; i++) {
        g->reply[i].code = g_strdup(reply_defaults[i].code);
        g->reply[i].xcode = g_strdup(reply_defaults[i].xcode);
        g->reply[i].text = g_strdup(reply_defaults[i].text);
    }
    g->has_headers = true;
    g->headers = true;
    g->subject_prefix = g_strdup("");
    g->allow_senders = pattern_list_new();
    g->allow_recipients = pattern_list_new();
    g->block_senders = pattern_list_new();
    g->block_recipients = pattern_list_new();
    g->has_block_action = true;
    g->block_action = MV_ACTION_REJECT;
    p->domains = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, scope_free);
    return p;
}

/* reply_kind_of - the reply slot of action A, or -1 for an action without an SMTP reply */
static int reply_kind_of(enum mv_action a)
{
    int i;

    for (i = 0; i < NREPLIES; i++)
        if (reply_defaults[i].action == a)
            return i;
    return -1;
}

/* name_index - position of NAME in a NULL-terminated list, or -1 */
static int name_index(const char *const *names, const char *name)
{
    int i;

    for (i = 0; names[i] != NULL; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

/* verdict_by_name - the verdict called NAME; false when none is */
static bool verdict_by_name(const char *name, enum mv_verdict *out)
{
    int v;

    for (v = 0; v < NVERDICTS; v++) {
        if (strcmp(mv_verdict_name((enum mv_verdict)v), name) == 0) {
            *out = (enum mv_verdict)v;
            return true;
        }
    }
    return false;
}

/* path_join - "PATH.NAME", or NAME at the top */
static char *path_join(const char *path, const char *name)
{
    return *path == '\0' ? g_strdup(name) : g_strconcat(path, ".", name, NULL);
}

/* unknown_key - report KEY, under PATH, as none of NAMES, with the likeliest one */
static void unknown_key(struct loader *ld, const struct yamlnode *key, const char *path,
                        const char *const *names)
{
    const char *name = yamlnode_scalar_get(key);
    const char *near = suggest_name(name, names, SUGGEST_NUL_ENDED);
    char *full = path_join(path, name);
    char *list;

    if (near != NULL) {
        yamlnode_err_add(ld->err, MV_ECONFIG, key, "%.200s: unknown key (did you mean %s?)", full,
                         near);
    } else {
        list = g_strjoinv(", ", (char **)names);
        yamlnode_err_add(ld->err, MV_ECONFIG, key, "%.200s: unknown key (expected one of %s)", full,
                         list);
        g_free(list);
    }
    g_free(full);
}

/* claim - record that NODE's file sets SETTING; false, with an error naming both places,
 * when a file has set it already */
static bool claim(struct loader *ld, const char *setting, const struct yamlnode *node)
{
    const char *first = g_hash_table_lookup(ld->origins, setting);

    if (first != NULL) {
        yamlnode_err_add(ld->err, MV_ECONFIG, node,
                         "%.200s: already set at %s (each setting belongs to one file)", setting,
                         first);
        return false;
    }
    g_hash_table_insert(ld->origins, g_strdup(setting),
                        g_strdup_printf("%s:%u", yamlnode_file_get(node), yamlnode_line(node)));
    return true;
}

/* scalar_text - the text of VALUE (at PATH), or NULL with an error */
static const char *scalar_text(struct loader *ld, const struct yamlnode *value, const char *path)
{
    if (yamlnode_type(value) != YAMLNODE_SCALAR) {
        yamlnode_err_add(ld->err, MV_ECONFIG, value, "%.200s: must be a single value, got %s", path,
                         yamlnode_type_name(value));
        return NULL;
    }
    if (yamlnode_is_null(value)) {
        yamlnode_err_add(ld->err, MV_ECONFIG, value, "%.200s: missing value", path);
        return NULL;
    }
    return yamlnode_scalar_get(value);
}

/* is_kind - VALUE (at PATH) is a mapping or sequence as TYPE asks; an empty value is
 * false without an error (nothing to apply), any other value false with one */
static bool is_kind(struct loader *ld, const struct yamlnode *value, const char *path,
                    enum yamlnode_type type)
{
    if (yamlnode_type(value) == type)
        return true;
    if (!yamlnode_is_null(value))
        yamlnode_err_add(ld->err, MV_ECONFIG, value, "%.200s: must be %s, got %s", path,
                         type == YAMLNODE_MAPPING ? "a mapping" : "a sequence",
                         yamlnode_type_name(value));
    return false;
}

/* parse_number - a decimal number ("5", "-2.5") within NUMBER_MAX either way */
static bool parse_number(const char *text, double *out)
{
    const char *p = text;
    char *end;
    double v;

    if (*p == '-' || *p == '+')
        p++;
    if (!g_ascii_isdigit(*p))
        return false;
    while (g_ascii_isdigit(*p))
        p++;
    if (*p == '.') {
        p++;
        if (!g_ascii_isdigit(*p))
            return false;
        while (g_ascii_isdigit(*p))
            p++;
    }
    if (*p != '\0')
        return false;
    v = g_ascii_strtod(text, &end);
    if (*end != '\0' || v > NUMBER_MAX || v < -NUMBER_MAX)
        return false;
    *out = v;
    return true;
}

/* number_value - VALUE (at PATH) as a number, or false with an error */
static bool number_value(struct loader *ld, const struct yamlnode *value, const char *path,
                         double *out)
{
    const char *text = scalar_text(ld, value, path);

    if (text == NULL)
        return false;
    if (parse_number(text, out))
        return true;
    yamlnode_err_add(ld->err, MV_ECONFIG, value,
                     "%.200s: must be a number between -%.0f and %.0f, got %.100s", path,
                     NUMBER_MAX, NUMBER_MAX, text);
    return false;
}

/* action_value - VALUE (at PATH) as an action name, or false with an error */
static bool action_value(struct loader *ld, const struct yamlnode *value, const char *path,
                         enum mv_action *out)
{
    const char *text = scalar_text(ld, value, path);

    if (text == NULL)
        return false;
    if (mv_action_parse(text, out))
        return true;
    yamlnode_err_add(ld->err, MV_ECONFIG, value,
                     "%.200s: must be accept, tag, quarantine, discard, tempfail or reject, "
                     "got %.100s",
                     path, text);
    return false;
}

/* bool_value - VALUE (at PATH) as true/false (yes/no, on/off), or false with an error */
static bool bool_value(struct loader *ld, const struct yamlnode *value, const char *path, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    const char *text = scalar_text(ld, value, path);
    size_t i;

    if (text == NULL)
        return false;
    for (i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (g_ascii_strcasecmp(text, yes[i]) == 0 || g_ascii_strcasecmp(text, no[i]) == 0) {
            *out = g_ascii_strcasecmp(text, yes[i]) == 0;
            return true;
        }
    }
    yamlnode_err_add(ld->err, MV_ECONFIG, value, "%.200s: must be true or false, got %.100s", path,
                     text);
    return false;
}

/* var_at - the template variable "%{name}" that starts at P, or -1; *END past its '}' */
static int var_at(const char *p, const char **end)
{
    const char *close;
    int v;

    if (p[0] != '%' || p[1] != '{' || (close = strchr(p + 2, '}')) == NULL)
        return -1;
    for (v = 0; v < NVARS; v++) {
        size_t n = strlen(var_names[v]);

        if ((size_t)(close - (p + 2)) == n && strncmp(p + 2, var_names[v], n) == 0) {
            *end = close + 1;
            return v;
        }
    }
    return -1;
}

/* template_check - a reply template is printable ASCII on one line, not empty, not over
 * REPLY_TEXT_MAX, and names only known variables; false with WHY otherwise */
static bool template_check(const char *t, char *why, size_t size)
{
    const char *p;
    const char *end;

    if (*t == '\0') {
        snprintf(why, size, "must not be empty");
        return false;
    }
    if (strlen(t) > REPLY_TEXT_MAX) {
        snprintf(why, size, "must be at most %d characters", REPLY_TEXT_MAX);
        return false;
    }
    for (p = t; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) {
            snprintf(why, size, "must be printable ASCII on one line");
            return false;
        }
    }
    for (p = t; *p != '\0'; p++) {
        if (p[0] != '%' || p[1] != '{')
            continue;
        if (var_at(p, &end) < 0) {
            snprintf(why, size,
                     "unknown variable %.40s; the variables are %%{verdict}, %%{reasons}, "
                     "%%{score}, %%{campaign} and %%{queue_id}",
                     p);
            return false;
        }
        p = end - 1;
    }
    return true;
}

/* code_check - an SMTP reply code ("550") of the class CLASS_DIGIT */
static bool code_check(const char *code, char class_digit)
{
    return strlen(code) == 3 && code[0] == class_digit && code[1] >= '0' && code[1] <= '5' &&
           g_ascii_isdigit(code[2]);
}

/* xcode_check - an enhanced status code ("5.7.1", RFC 3463) of the class CLASS_DIGIT */
static bool xcode_check(const char *xcode, char class_digit)
{
    const char *p = xcode;
    int part;

    if (p[0] != class_digit || p[1] != '.')
        return false;
    p += 2;
    for (part = 0; part < 2; part++) {
        size_t n = 0;

        while (g_ascii_isdigit(p[n]))
            n++;
        if (n < 1 || n > 3)
            return false;
        p += n;
        if (part == 0 && *p++ != '.')
            return false;
    }
    return *p == '\0';
}

/* pattern_new - an allow or block entry: "user@example.com", "example.com",
 * "@example.com" or a glob; NULL with WHY when TEXT is none of them */
static struct pattern *pattern_new(const char *text, char *why, size_t size)
{
    enum pattern_kind kind;
    const char *match = text;
    const char *at = strrchr(text, '@');
    const unsigned char *p;
    struct pattern *pt;

    if (*text == '\0') {
        snprintf(why, size, "an entry must not be empty");
        return NULL;
    }
    for (p = (const unsigned char *)text; *p != '\0'; p++) {
        if (*p <= 0x20 || *p == 0x7f) {
            snprintf(why, size, "%.100s: an entry must not contain spaces or control characters",
                     text);
            return NULL;
        }
    }
    if (strpbrk(text, "*?[") != NULL) {
        kind = PATTERN_GLOB;
    } else if (text[0] == '@') {
        kind = PATTERN_DOMAIN;
        match = text + 1;
        if (*match == '\0' || strchr(match, '@') != NULL) {
            snprintf(why, size, "%.100s: \"@\" must be followed by a domain", text);
            return NULL;
        }
    } else if (at != NULL) {
        kind = PATTERN_ADDRESS;
        if (at[1] == '\0') {
            snprintf(why, size, "%.100s: an address needs a domain after \"@\"", text);
            return NULL;
        }
    } else {
        kind = PATTERN_DOMAIN;
    }
    pt = g_new0(struct pattern, 1);
    pt->kind = kind;
    pt->text = g_strdup(text);
    pt->match = g_ascii_strdown(match, -1);
    return pt;
}

/* load_list - a sequence of address patterns (at PATH) appended to DST */
static void load_list(struct loader *ld, const struct yamlnode *value, const char *path,
                      GPtrArray *dst)
{
    char why[256];
    size_t i;

    if (!is_kind(ld, value, path, YAMLNODE_SEQUENCE))
        return;
    for (i = 0; i < yamlnode_count(value); i++) {
        const struct yamlnode *item = yamlnode_item_get(value, i);
        const char *text = scalar_text(ld, item, path);
        struct pattern *pt;

        if (text == NULL)
            continue;
        pt = pattern_new(text, why, sizeof(why));
        if (pt == NULL)
            yamlnode_err_add(ld->err, MV_ECONFIG, item, "%.200s: %s", path, why);
        else
            g_ptr_array_add(dst, pt);
    }
}

/* load_lists - allow: or block: (BLOCK) of scope S at PATH; global lists add up over the
 * files, a domain's replace the global ones */
static void load_lists(struct loader *ld, struct scope *s, bool global, const char *path,
                       const struct yamlnode *value, bool block)
{
    const char *const *names = block ? block_keys : allow_keys;
    size_t i;

    if (!is_kind(ld, value, path, YAMLNODE_MAPPING))
        return;
    for (i = 0; i < yamlnode_count(value); i++) {
        const struct yamlnode *key = yamlnode_key_get(value, i);
        const struct yamlnode *val = yamlnode_value_get(value, i);
        const char *name = yamlnode_scalar_get(key);
        char *full = path_join(path, name);
        GPtrArray **list = NULL;
        enum mv_action a;

        if (strcmp(name, "senders") == 0)
            list = block ? &s->block_senders : &s->allow_senders;
        else if (strcmp(name, "recipients") == 0)
            list = block ? &s->block_recipients : &s->allow_recipients;
        if (list != NULL) {
            if (!global) {
                list_unref(*list);
                *list = pattern_list_new();
            }
            load_list(ld, val, full, *list);
        } else if (block && strcmp(name, "action") == 0) {
            bool mine = !global || claim(ld, full, key);

            if (action_value(ld, val, full, &a) && mine) {
                s->has_block_action = true;
                s->block_action = a;
            }
        } else {
            unknown_key(ld, key, path, names);
        }
        g_free(full);
    }
}

/* load_actions - actions: {VERDICT: ACTION} of scope S at PATH */
static void load_actions(struct loader *ld, struct scope *s, bool global, const char *path,
                         const struct yamlnode *value)
{
    size_t i;

    if (!is_kind(ld, value, path, YAMLNODE_MAPPING))
        return;
    for (i = 0; i < yamlnode_count(value); i++) {
        const struct yamlnode *key = yamlnode_key_get(value, i);
        const char *name = yamlnode_scalar_get(key);
        enum mv_verdict v;
        enum mv_action a;
        char *full;
        bool mine;

        if (!verdict_by_name(name, &v)) {
            unknown_key(ld, key, path, verdict_keys);
            continue;
        }
        full = path_join(path, name);
        mine = !global || claim(ld, full, key);
        if (action_value(ld, yamlnode_value_get(value, i), full, &a) && mine) {
            s->has_action[v] = true;
            s->action[v] = a;
        }
        g_free(full);
    }
}

/* load_score_actions - score_actions: [{score: N, action: A}, ...] of scope S at PATH,
 * replacing the scope's list */
static void load_score_actions(struct loader *ld, struct scope *s, bool global, const char *path,
                               const struct yamlnode *key, const struct yamlnode *value)
{
    GArray *list;
    size_t i;
    size_t j;

    if (global && !claim(ld, path, key))
        return;
    list = g_array_new(FALSE, FALSE, sizeof(struct score_action));
    if (!yamlnode_is_null(value) && is_kind(ld, value, path, YAMLNODE_SEQUENCE)) {
        for (i = 0; i < yamlnode_count(value); i++) {
            const struct yamlnode *item = yamlnode_item_get(value, i);
            struct score_action sa = {0, MV_ACTION_ACCEPT};
            bool has_score = false;
            bool has_action = false;

            if (yamlnode_type(item) != YAMLNODE_MAPPING) {
                yamlnode_err_add(ld->err, MV_ECONFIG, item,
                                 "%.200s: each item must be a mapping {score: N, action: A}, "
                                 "got %s",
                                 path, yamlnode_type_name(item));
                continue;
            }
            for (j = 0; j < yamlnode_count(item); j++) {
                const struct yamlnode *k = yamlnode_key_get(item, j);
                const struct yamlnode *v = yamlnode_value_get(item, j);
                const char *name = yamlnode_scalar_get(k);
                char *full = path_join(path, name);

                if (strcmp(name, "score") == 0)
                    has_score = number_value(ld, v, full, &sa.score);
                else if (strcmp(name, "action") == 0)
                    has_action = action_value(ld, v, full, &sa.action);
                else
                    unknown_key(ld, k, path, score_action_keys);
                g_free(full);
            }
            if (has_score && has_action)
                g_array_append_val(list, sa);
            else if (yamlnode_map_get(item, "score") == NULL ||
                     yamlnode_map_get(item, "action") == NULL)
                yamlnode_err_add(ld->err, MV_ECONFIG, item,
                                 "%.200s: each item needs both score and action", path);
        }
    }
    if (s->score_actions != NULL)
        g_array_free(s->score_actions, TRUE);
    s->score_actions = list;
}

/* load_reply - one reply {code, xcode, text} for KIND of scope S at PATH; fields left out
 * keep the global (or default) ones */
static void load_reply(struct loader *ld, struct scope *s, const char *path, enum reply_kind kind,
                       const struct yamlnode *value)
{
    char c = reply_defaults[kind].class_digit;
    const char *aname = mv_action_name(reply_defaults[kind].action);
    struct reply *r = &s->reply[kind];
    char why[256];
    size_t i;

    if (!is_kind(ld, value, path, YAMLNODE_MAPPING))
        return;
    for (i = 0; i < yamlnode_count(value); i++) {
        const struct yamlnode *key = yamlnode_key_get(value, i);
        const struct yamlnode *val = yamlnode_value_get(value, i);
        const char *name = yamlnode_scalar_get(key);
        char *full = path_join(path, name);
        const char *text = NULL;
        char **dst = NULL;

        if (name_index(reply_field_keys, name) < 0) {
            unknown_key(ld, key, path, reply_field_keys);
        } else if ((text = scalar_text(ld, val, full)) == NULL) {
            /* reported */
        } else if (strcmp(name, "code") == 0) {
            if (code_check(text, c))
                dst = &r->code;
            else
                yamlnode_err_add(ld->err, MV_ECONFIG, val,
                                 "%.200s: must be a %cxx reply code for %s, got %.100s", full, c,
                                 aname, text);
        } else if (strcmp(name, "xcode") == 0) {
            if (xcode_check(text, c))
                dst = &r->xcode;
            else
                yamlnode_err_add(ld->err, MV_ECONFIG, val,
                                 "%.200s: must be an enhanced status code %c.X.Y for %s "
                                 "(RFC 3463), got %.100s",
                                 full, c, aname, text);
        } else if (template_check(text, why, sizeof(why))) {
            dst = &r->text;
        } else {
            yamlnode_err_add(ld->err, MV_ECONFIG, val, "%.200s: %s", full, why);
        }
        if (dst != NULL) {
            g_free(*dst);
            *dst = g_strdup(text);
        }
        g_free(full);
    }
}

/* load_replies - replies: {reject: REPLY, tempfail: REPLY} of scope S at PATH */
static void load_replies(struct loader *ld, struct scope *s, bool global, const char *path,
                         const struct yamlnode *value)
{
    size_t i;

    if (!is_kind(ld, value, path, YAMLNODE_MAPPING))
        return;
    for (i = 0; i < yamlnode_count(value); i++) {
        const struct yamlnode *key = yamlnode_key_get(value, i);
        const char *name = yamlnode_scalar_get(key);
        int kind = name_index(reply_keys, name);
        enum mv_action a;
        char *full;

        if (kind < 0 && mv_action_parse(name, &a)) {
            yamlnode_err_add(ld->err, MV_ECONFIG, key,
                             "%.200s.%s: %s has no SMTP reply (only reject and tempfail have one)",
                             path, name, name);
            continue;
        }
        if (kind < 0) {
            unknown_key(ld, key, path, reply_keys);
            continue;
        }
        full = path_join(path, name);
        if (!global || claim(ld, full, key))
            load_reply(ld, s, full, (enum reply_kind)kind, yamlnode_value_get(value, i));
        g_free(full);
    }
}

/* prefix_check - a subject prefix is UTF-8 without control characters, bounded */
static bool prefix_check(const char *text, char *why, size_t size)
{
    const unsigned char *p;

    if (strlen(text) > SUBJECT_PREFIX_MAX) {
        snprintf(why, size, "must be at most %d bytes", SUBJECT_PREFIX_MAX);
        return false;
    }
    if (!g_utf8_validate(text, -1, NULL)) {
        snprintf(why, size, "must be UTF-8");
        return false;
    }
    for (p = (const unsigned char *)text; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            snprintf(why, size, "must not contain control characters");
            return false;
        }
    }
    return true;
}

/* load_tag - tag: {headers, subject_prefix} of scope S at PATH */
static void load_tag(struct loader *ld, struct scope *s, bool global, const char *path,
                     const struct yamlnode *value)
{
    char why[128];
    size_t i;

    if (!is_kind(ld, value, path, YAMLNODE_MAPPING))
        return;
    for (i = 0; i < yamlnode_count(value); i++) {
        const struct yamlnode *key = yamlnode_key_get(value, i);
        const struct yamlnode *val = yamlnode_value_get(value, i);
        const char *name = yamlnode_scalar_get(key);
        char *full = path_join(path, name);
        bool mine = name_index(tag_keys, name) < 0 || !global || claim(ld, full, key);
        const char *text;
        bool b;

        if (strcmp(name, "headers") == 0) {
            if (bool_value(ld, val, full, &b) && mine) {
                s->has_headers = true;
                s->headers = b;
            }
        } else if (strcmp(name, "subject_prefix") == 0) {
            /* an empty value is a valid "no prefix" here */
            text = yamlnode_is_null(val) ? "" : scalar_text(ld, val, full);
            if (text == NULL) {
                /* reported */
            } else if (!prefix_check(text, why, sizeof(why))) {
                yamlnode_err_add(ld->err, MV_ECONFIG, val, "%.200s: %s", full, why);
            } else if (mine) {
                g_free(s->subject_prefix);
                s->subject_prefix = g_strdup(text);
            }
        } else {
            unknown_key(ld, key, path, tag_keys);
        }
        g_free(full);
    }
}

/* load_scope_key - one key that the global policy and a domain share; false when NAME is
 * none of them */
static bool load_scope_key(struct loader *ld, struct scope *s, bool global, const char *path,
                           const struct yamlnode *key, const struct yamlnode *value)
{
    const char *name = yamlnode_scalar_get(key);
    char *full = path_join(path, name);
    bool known = true;

    if (strcmp(name, "actions") == 0)
        load_actions(ld, s, global, full, value);
    else if (strcmp(name, "score_actions") == 0)
        load_score_actions(ld, s, global, full, key, value);
    else if (strcmp(name, "replies") == 0)
        load_replies(ld, s, global, full, value);
    else if (strcmp(name, "tag") == 0)
        load_tag(ld, s, global, full, value);
    else if (strcmp(name, "allow") == 0)
        load_lists(ld, s, global, full, value, false);
    else if (strcmp(name, "block") == 0)
        load_lists(ld, s, global, full, value, true);
    else
        known = false;
    g_free(full);
    return known;
}

/* domain_check - "example.com" or "*.example.com": labels of letters, digits, '-' and
 * '_' joined by single dots */
static bool domain_check(const char *name)
{
    const char *p = g_str_has_prefix(name, "*.") ? name + 2 : name;
    bool label_start = true;

    if (*p == '\0')
        return false;
    for (; *p != '\0'; p++) {
        if (*p == '.') {
            if (label_start)
                return false;
            label_start = true;
        } else if (g_ascii_isalnum(*p) || *p == '-' || *p == '_') {
            label_start = false;
        } else {
            return false;
        }
    }
    return !label_start;
}

/* load_domain - the overrides of one domain entry */
static void load_domain(struct loader *ld, const struct yamlnode *key, const struct yamlnode *value)
{
    const char *name = yamlnode_scalar_get(key);
    char *lower = g_ascii_strdown(name, -1);
    char *path = g_strconcat("domains.", lower, NULL);
    struct scope *s;
    size_t i;

    if (!domain_check(name)) {
        yamlnode_err_add(ld->err, MV_ECONFIG, key,
                         "domains: %.200s: must be a domain (example.com) or its subdomains "
                         "(*.example.com)",
                         name);
        goto out;
    }
    if (!claim(ld, path, key))
        goto out;
    s = g_new0(struct scope, 1);
    if (!is_kind(ld, value, path, YAMLNODE_MAPPING))
        goto insert; /* an empty entry inherits everything */
    for (i = 0; i < yamlnode_count(value); i++) {
        const struct yamlnode *k = yamlnode_key_get(value, i);
        const char *kname = yamlnode_scalar_get(k);

        if (load_scope_key(ld, s, false, path, k, yamlnode_value_get(value, i)))
            continue;
        if (strcmp(kname, "thresholds") == 0 || strcmp(kname, "rules") == 0 ||
            strcmp(kname, "domains") == 0)
            yamlnode_err_add(ld->err, MV_ECONFIG, k,
                             "%.200s.%s: not allowed in a domain (it applies to the whole "
                             "message)",
                             path, kname);
        else
            unknown_key(ld, k, path, domain_keys);
    }
insert:
    g_hash_table_insert(ld->p->domains, lower, s);
    lower = NULL;
out:
    g_free(lower);
    g_free(path);
}

/* load_thresholds - thresholds: {suspicious: N, campaign: N} */
static void load_thresholds(struct loader *ld, const struct yamlnode *value)
{
    size_t i;

    if (!is_kind(ld, value, "thresholds", YAMLNODE_MAPPING))
        return;
    for (i = 0; i < yamlnode_count(value); i++) {
        const struct yamlnode *key = yamlnode_key_get(value, i);
        const char *name = yamlnode_scalar_get(key);
        double *dst = NULL;
        char *full;
        double v;
        bool mine;

        if (strcmp(name, "suspicious") == 0)
            dst = &ld->p->suspicious;
        else if (strcmp(name, "campaign") == 0)
            dst = &ld->p->campaign;
        if (dst == NULL) {
            unknown_key(ld, key, "thresholds", threshold_keys);
            continue;
        }
        full = path_join("thresholds", name);
        mine = claim(ld, full, key);
        if (number_value(ld, yamlnode_value_get(value, i), full, &v) && mine)
            *dst = v;
        g_free(full);
    }
}

/* load_file - one policy file into the policy being built */
static void load_file(struct loader *ld, const char *path)
{
    struct mv_err ferr = {0};
    struct yamlnode *root = yamlnode_load_file(path, &ferr);
    size_t i;

    if (root == NULL) {
        yamlnode_err_addf(ld->err, MV_ECONFIG, "%s", ferr.msg);
        return;
    }
    ld->p->files++;
    if (yamlnode_type(root) != YAMLNODE_MAPPING) {
        /* an empty file (or only comments) sets nothing */
        if (!yamlnode_is_null(root))
            yamlnode_err_add(ld->err, MV_ECONFIG, root,
                             "a policy file must be a mapping of keys, got %s",
                             yamlnode_type_name(root));
        goto out;
    }
    for (i = 0; i < yamlnode_count(root); i++) {
        const struct yamlnode *key = yamlnode_key_get(root, i);
        const struct yamlnode *value = yamlnode_value_get(root, i);
        const char *name = yamlnode_scalar_get(key);

        if (strcmp(name, "rules") == 0) {
            struct mv_err rerr = {0};

            if (yamlnode_is_null(value))
                continue;
            if (!rules_add(ld->p->rules, value, &rerr))
                yamlnode_err_addf(ld->err, MV_ECONFIG, "%s",
                                  rerr.msg[0] != '\0' ? rerr.msg : "rules: not loaded");
        } else if (strcmp(name, "thresholds") == 0) {
            load_thresholds(ld, value);
        } else if (strcmp(name, "domains") == 0) {
            if (is_kind(ld, value, "domains", YAMLNODE_MAPPING))
                for (size_t j = 0; j < yamlnode_count(value); j++)
                    load_domain(ld, yamlnode_key_get(value, j), yamlnode_value_get(value, j));
        } else if (!load_scope_key(ld, &ld->p->global, true, "", key, value)) {
            unknown_key(ld, key, "", top_keys);
        }
    }
out:
    yamlnode_free(root);
}

/* compare_names - g_ptr_array_sort order of file names */
static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* list_dir - append DIR's "*.yaml" files, sorted, to FILES (dot files and, when
 * SKIP_CONFIG, mailvet.yaml left out); a missing DIR is an error unless OPTIONAL */
static void list_dir(const char *dir, bool optional, bool skip_config, GPtrArray *files,
                     struct mv_err *err)
{
    GPtrArray *names;
    struct dirent *de;
    DIR *d = opendir(dir);
    guint i;

    if (d == NULL) {
        if (!(optional && errno == ENOENT))
            yamlnode_err_addf(err, MV_ECONFIG, "%s: cannot open the policy directory: %s", dir,
                              g_strerror(errno));
        return;
    }
    names = g_ptr_array_new_with_free_func(g_free);
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || !g_str_has_suffix(de->d_name, ".yaml") ||
            strcmp(de->d_name, ".yaml") == 0)
            continue;
        if (skip_config && strcmp(de->d_name, CONFIG_FILE) == 0)
            continue;
        g_ptr_array_add(names, g_strdup(de->d_name));
    }
    closedir(d);
    g_ptr_array_sort(names, compare_names);
    for (i = 0; i < names->len; i++)
        g_ptr_array_add(files, g_build_filename(dir, g_ptr_array_index(names, i), NULL));
    g_ptr_array_unref(names);
}

/* check_thresholds - campaign below suspicious is a mistake: name the file that set it */
static void check_thresholds(struct loader *ld)
{
    const char *where = g_hash_table_lookup(ld->origins, "thresholds.campaign");

    if (where == NULL)
        where = g_hash_table_lookup(ld->origins, "thresholds.suspicious");
    if (ld->p->campaign < ld->p->suspicious)
        yamlnode_err_addf(ld->err, MV_ECONFIG,
                          "%s: thresholds.campaign (%g) must not be below thresholds.suspicious "
                          "(%g)",
                          where != NULL ? where : "(built-in)", ld->p->campaign, ld->p->suspicious);
}

/* policy_load - DIR's policy files and rules, or the defaults for no DIR */
struct policy *policy_load(const char *dir, struct mv_err *err)
{
    struct mv_err local;
    struct loader ld;
    GPtrArray *files;
    char *sub;
    guint i;

    if (err == NULL)
        err = &local;
    memset(err, 0, sizeof(*err));
    ld.p = policy_new();
    ld.err = err;
    if (dir == NULL || *dir == '\0')
        return ld.p;
    ld.origins = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    files = g_ptr_array_new_with_free_func(g_free);
    list_dir(dir, false, true, files, err);
    if (err->status == MV_OK) {
        sub = g_build_filename(dir, CAMPAIGN_DIR, NULL);
        list_dir(sub, true, false, files, err);
        g_free(sub);
    }
    for (i = 0; i < files->len; i++)
        load_file(&ld, g_ptr_array_index(files, i));
    check_thresholds(&ld);
    g_ptr_array_unref(files);
    g_hash_table_unref(ld.origins);
    if (err->status != MV_OK)
        ld.p = policy_free(ld.p);
    return ld.p;
}

/* policy_free - free a policy; NULL allowed; returns NULL */
struct policy *policy_free(struct policy *p)
{
    if (p == NULL)
        return NULL;
    rules_free(p->rules);
    scope_clear(&p->global);
    g_hash_table_unref(p->domains);
    g_free(p);
    return NULL;
}

/* policy_rules - the compiled rules, borrowed */
const struct rules *policy_rules(const struct policy *p)
{
    return p->rules;
}

/* policy_file_count - files loaded */
unsigned policy_file_count(const struct policy *p)
{
    return p->files;
}

/* policy_verdict - SIGNATURES raised by the rule hits and their score */
enum mv_verdict policy_verdict(const struct policy *p, enum mv_verdict signatures,
                               const struct rules_result *rules)
{
    enum mv_verdict raised = MV_VERDICT_CLEAN;
    bool campaign_hit = false;
    guint i;

    if (rules == NULL)
        return signatures;
    for (i = 0; rules->hits != NULL && i < rules->hits->len; i++) {
        const struct rule_hit *h = g_ptr_array_index(rules->hits, i);

        if (h->category != NULL && strcmp(h->category, "campaign") == 0)
            campaign_hit = true;
    }
    if (campaign_hit && rules->score >= p->campaign)
        raised = MV_VERDICT_CAMPAIGN;
    else if (rules->score >= p->suspicious)
        raised = MV_VERDICT_SUSPICIOUS;
    return MAX(signatures, raised);
}

/* an envelope address ready for matching */
struct address {
    char *lower;        /* lower-case, without <> */
    const char *domain; /* after the last '@' of lower, or NULL */
};

/* address_init - A for TEXT (NULL is the null sender) */
static void address_init(struct address *a, const char *text)
{
    size_t len;
    char *at;

    if (text == NULL)
        text = "";
    len = strlen(text);
    if (len >= 2 && text[0] == '<' && text[len - 1] == '>') {
        text++;
        len -= 2;
    }
    a->lower = g_ascii_strdown(text, (gssize)len);
    at = strrchr(a->lower, '@');
    a->domain = at != NULL && at[1] != '\0' ? at + 1 : NULL;
}

/* pattern_match - PT covers address A */
static bool pattern_match(const struct pattern *pt, const struct address *a)
{
    switch (pt->kind) {
    case PATTERN_ADDRESS:
        return strcmp(pt->match, a->lower) == 0;
    case PATTERN_DOMAIN:
        return a->domain != NULL && strcmp(pt->match, a->domain) == 0;
    default:
        return fnmatch(pt->match, a->lower, 0) == 0;
    }
}

/* list_match - the first entry of LIST that covers A (NULL allowed), or NULL */
static const struct pattern *list_match(const GPtrArray *list, const struct address *a)
{
    guint i;

    if (a == NULL)
        return NULL;
    for (i = 0; i < list->len; i++)
        if (pattern_match(g_ptr_array_index(list, i), a))
            return g_ptr_array_index(list, i);
    return NULL;
}

/* domain_scope - the most specific domains entry for DOMAIN (lower-case): the exact one,
 * else "*.PARENT" for the nearest parent; NULL when none */
static const struct scope *domain_scope(const struct policy *p, const char *domain)
{
    const struct scope *s;
    const char *dot;

    if (domain == NULL || g_hash_table_size(p->domains) == 0)
        return NULL;
    s = g_hash_table_lookup(p->domains, domain);
    for (dot = strchr(domain, '.'); s == NULL && dot != NULL; dot = strchr(dot + 1, '.')) {
        char *wild = g_strconcat("*", dot, NULL);

        s = g_hash_table_lookup(p->domains, wild);
        g_free(wild);
    }
    return s;
}

/* the accessors below give a domain's setting, or the global one it inherits */
#define SCOPE_LIST(p, s, f) ((s) != NULL && (s)->f != NULL ? (s)->f : (p)->global.f)

/* scope_action - the action of verdict V for scope S */
static enum mv_action scope_action(const struct policy *p, const struct scope *s, enum mv_verdict v)
{
    return s != NULL && s->has_action[v] ? s->action[v] : p->global.action[v];
}

/* scope_block_action - block.action for scope S */
static enum mv_action scope_block_action(const struct policy *p, const struct scope *s)
{
    return s != NULL && s->has_block_action ? s->block_action : p->global.block_action;
}

/* scope_headers - tag.headers for scope S */
static bool scope_headers(const struct policy *p, const struct scope *s)
{
    return s != NULL && s->has_headers ? s->headers : p->global.headers;
}

/* what one recipient got, and why when it was not the verdict's plain action */
struct rcpt_decision {
    enum mv_action action;
    const struct scope *scope; /* its domain entry, or NULL */
    const char *rule;          /* "allow sender", "block recipient", "score_action", NULL */
    const char *entry;         /* the list entry as written */
    double score;              /* of the score_action */
    const char *label;         /* its domain (or address) for the note */
};

/* decide_one - the action for recipient TO (NULL: none) of REQ from FROM */
static void decide_one(const struct policy *p, const struct policy_request *req,
                       const struct address *from, const struct address *to,
                       struct rcpt_decision *rd)
{
    const struct scope *s = to != NULL ? domain_scope(p, to->domain) : NULL;
    const GArray *sa = SCOPE_LIST(p, s, score_actions);
    const struct pattern *hit;
    enum mv_action a = scope_action(p, s, req->verdict);
    const char *rule;
    guint i;

    rd->scope = s;
    rd->rule = NULL;
    rd->entry = NULL;
    for (i = 0; i < sa->len; i++) {
        const struct score_action *e = &g_array_index(sa, struct score_action, i);

        if (req->score >= e->score && e->action > a) {
            a = e->action;
            rd->rule = "score_action";
            rd->score = e->score;
        }
    }
    /* allow never covers a ClamAV detection */
    if (req->verdict != MV_VERDICT_INFECTED && a != MV_ACTION_ACCEPT) {
        if ((hit = list_match(SCOPE_LIST(p, s, allow_senders), from)) != NULL)
            rd->rule = "allow sender";
        else if ((hit = list_match(SCOPE_LIST(p, s, allow_recipients), to)) != NULL)
            rd->rule = "allow recipient";
        if (hit != NULL) {
            a = MV_ACTION_ACCEPT;
            rd->entry = hit->text;
        }
    }
    /* block wins over allow: at least the block action */
    rule = "block sender";
    hit = list_match(SCOPE_LIST(p, s, block_senders), from);
    if (hit == NULL) {
        rule = "block recipient";
        hit = list_match(SCOPE_LIST(p, s, block_recipients), to);
    }
    if (hit != NULL && scope_block_action(p, s) > a) {
        a = scope_block_action(p, s);
        rd->rule = rule;
        rd->entry = hit->text;
    }
    rd->action = a;
    rd->label = to == NULL ? "(none)" : to->domain != NULL ? to->domain : to->lower;
    if (to != NULL && rd->rule != NULL && g_str_has_suffix(rd->rule, "recipient"))
        rd->label = to->lower;
}

/* clean_append - S to OUT as printable ASCII on one line, at most MAX characters (a longer
 * S ends in "..."); control bytes give '?', so does each non-ASCII UTF-8 character */
static void clean_append(GString *out, const char *s, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t start = out->len;

    while (*p != '\0') {
        if (out->len - start >= max) {
            g_string_truncate(out, start + (max > 3 ? max - 3 : 0));
            g_string_append(out, "...");
            return;
        }
        if (*p >= 0xc0) {
            g_string_append_c(out, '?');
            for (p++; (*p & 0xc0) == 0x80; p++)
                ;
            continue;
        }
        g_string_append_c(out, *p < 0x20 || *p > 0x7e ? '?' : (char)*p);
        p++;
    }
}

/* format_number - a score as the operator writes it: "12", "12.5" */
static void format_number(char *buf, size_t size, double v)
{
    g_ascii_formatd(buf, (gint)size, "%.10g", v);
}

/* rule_append - "allow sender *@example.com", "score_action 15" */
static void rule_append(GString *out, const struct rcpt_decision *rd)
{
    char num[G_ASCII_DTOSTR_BUF_SIZE];

    g_string_append(out, rd->rule);
    g_string_append_c(out, ' ');
    if (strcmp(rd->rule, "score_action") == 0) {
        format_number(num, sizeof(num), rd->score);
        g_string_append(out, num);
    } else {
        clean_append(out, rd->entry, NOTE_TEXT_MAX);
    }
}

/* note_new - the log note for the decisions RD[0..N-1] with BEST the strictest, or NULL
 * when every recipient got the verdict's plain action */
static char *note_new(const struct rcpt_decision *rd, size_t n, size_t best)
{
    GPtrArray *seen;
    GString *out;
    size_t i;
    size_t j;

    for (i = 0; i < n && rd[i].action == rd[best].action; i++)
        ;
    if (i == n) {
        /* all agree: the first rule that decided, if any */
        for (i = 0; i < n; i++) {
            if (rd[i].rule != NULL) {
                out = g_string_new(NULL);
                rule_append(out, &rd[i]);
                return g_string_free(out, FALSE);
            }
        }
        return NULL;
    }
    out = g_string_new("recipients disagree:");
    seen = g_ptr_array_new_with_free_func(g_free);
    for (i = 0; i < n; i++) {
        GString *item = g_string_new(NULL);

        clean_append(item, rd[i].label, NOTE_TEXT_MAX);
        g_string_append_printf(item, "=%s", mv_action_name(rd[i].action));
        for (j = 0; j < seen->len && strcmp(g_ptr_array_index(seen, j), item->str) != 0; j++)
            ;
        if (j < seen->len) {
            g_string_free(item, TRUE);
            continue;
        }
        if (seen->len == NOTE_LABELS_MAX) {
            g_string_append(out, " ...");
            g_string_free(item, TRUE);
            break;
        }
        g_string_append_printf(out, " %s", item->str);
        g_ptr_array_add(seen, g_string_free(item, FALSE));
    }
    g_string_append_printf(out, ", strictest %s", mv_action_name(rd[best].action));
    if (rd[best].rule != NULL) {
        g_string_append(out, " (");
        rule_append(out, &rd[best]);
        g_string_append_c(out, ')');
    }
    g_ptr_array_unref(seen);
    return g_string_free(out, FALSE);
}

/* reasons_join - REASONS as "a, b, c" in at most BUDGET characters, cut at an item with
 * "..."; "none" for no reasons */
static GString *reasons_join(const GPtrArray *reasons, size_t budget)
{
    GString *out = g_string_new(NULL);
    GString *item = g_string_new(NULL);
    guint i;

    if (reasons == NULL || reasons->len == 0) {
        g_string_append(out, "none");
        goto out;
    }
    for (i = 0; i < reasons->len; i++) {
        bool more = i + 1 < reasons->len;
        size_t limit = more ? (budget > 5 ? budget - 5 : 0) : budget; /* room for ", ..." */
        const char *r = g_ptr_array_index(reasons, i);

        g_string_truncate(item, 0);
        clean_append(item, r != NULL ? r : "", REPLY_TEXT_MAX);
        if (out->len + (out->len > 0 ? 2 : 0) + item->len <= limit) {
            if (out->len > 0)
                g_string_append(out, ", ");
            g_string_append(out, item->str);
            continue;
        }
        if (out->len > 0)
            g_string_append(out, ", ...");
        else if (budget > 3)
            clean_append(out, item->str, budget); /* the first alone is too long: cut it */
        else
            g_string_append(out, "...");
        break;
    }
out:
    g_string_free(item, TRUE);
    return out;
}

/* campaigns_join - the distinct campaign names of RULES' campaign hits, "none" if none */
static GString *campaigns_join(const struct rules_result *rules)
{
    GString *raw = g_string_new(NULL);
    GString *out = g_string_new(NULL);
    GPtrArray *seen = g_ptr_array_new();
    guint i;
    guint j;

    for (i = 0; rules != NULL && rules->hits != NULL && i < rules->hits->len; i++) {
        const struct rule_hit *h = g_ptr_array_index(rules->hits, i);

        if (h->campaign == NULL || h->category == NULL || strcmp(h->category, "campaign") != 0)
            continue;
        for (j = 0; j < seen->len && strcmp(g_ptr_array_index(seen, j), h->campaign) != 0; j++)
            ;
        if (j < seen->len || raw->len > REPLY_VALUE_MAX)
            continue;
        g_ptr_array_add(seen, (gpointer)h->campaign);
        g_string_append_printf(raw, "%s%s", raw->len > 0 ? ", " : "", h->campaign);
    }
    clean_append(out, raw->len > 0 ? raw->str : "none", REPLY_VALUE_MAX);
    g_ptr_array_unref(seen);
    g_string_free(raw, TRUE);
    return out;
}

/* expand_into - TMPL (checked at load) to OUT with each %{name} replaced by VALS[name] */
static void expand_into(GString *out, const char *tmpl, const char *const vals[NVARS])
{
    const char *p = tmpl;
    const char *end;
    int v;

    while (*p != '\0') {
        v = var_at(p, &end);
        if (v >= 0) {
            g_string_append(out, vals[v]);
            p = end;
        } else {
            g_string_append_c(out, *p++);
        }
    }
}

/* reply_expand - the reply text of TMPL for REQ: one line of printable ASCII, at most
 * REPLY_TEXT_MAX characters; the reasons list gives way first */
static char *reply_expand(const char *tmpl, const struct policy_request *req)
{
    char score[G_ASCII_DTOSTR_BUF_SIZE];
    const char *vals[NVARS];
    GString *campaign = campaigns_join(req->rules);
    GString *queue_id = g_string_new(NULL);
    GString *reasons = NULL;
    GString *out = g_string_new(NULL);
    const char *p;
    const char *end;
    size_t count = 0;

    format_number(score, sizeof(score), req->score);
    clean_append(queue_id,
                 req->queue_id != NULL && *req->queue_id != '\0' ? req->queue_id : "unknown",
                 REPLY_VALUE_MAX);
    vals[VAR_VERDICT] = mv_verdict_name(req->verdict);
    vals[VAR_SCORE] = score;
    vals[VAR_CAMPAIGN] = campaign->str;
    vals[VAR_QUEUE_ID] = queue_id->str;
    vals[VAR_REASONS] = "";
    for (p = tmpl; *p != '\0'; p++) {
        if (var_at(p, &end) == VAR_REASONS)
            count++;
    }
    expand_into(out, tmpl, vals);
    if (count > 0) {
        /* what is left after everything else, shared by each %{reasons} */
        reasons = reasons_join(req->reasons,
                               out->len < REPLY_TEXT_MAX ? (REPLY_TEXT_MAX - out->len) / count : 0);
        vals[VAR_REASONS] = reasons->str;
        g_string_truncate(out, 0);
        expand_into(out, tmpl, vals);
        g_string_free(reasons, TRUE);
    }
    if (out->len > REPLY_TEXT_MAX) {
        g_string_truncate(out, REPLY_TEXT_MAX - 3);
        g_string_append(out, "...");
    }
    g_string_free(campaign, TRUE);
    g_string_free(queue_id, TRUE);
    return g_string_free(out, FALSE);
}

/* reply_field - field F of reply KIND for scope S, or the global one */
#define REPLY_FIELD(p, s, kind, f)                                                                 \
    ((s) != NULL && (s)->reply[kind].f != NULL ? (s)->reply[kind].f : (p)->global.reply[kind].f)

/* policy_decide - per recipient, strictest wins */
void policy_decide(const struct policy *p, const struct policy_request *req,
                   struct policy_decision *out)
{
    const GPtrArray *rcpts = req->recipients;
    size_t n = rcpts != NULL && rcpts->len > 0 ? rcpts->len : 1;
    struct rcpt_decision *rd = g_new0(struct rcpt_decision, n);
    struct address *to = g_new0(struct address, n);
    struct address from;
    const struct scope *s;
    const char *prefix;
    size_t best = 0;
    size_t i;
    int kind;

    memset(out, 0, sizeof(*out));
    address_init(&from, req->sender);
    for (i = 0; i < n; i++) {
        if (rcpts != NULL && rcpts->len > 0) {
            address_init(&to[i], g_ptr_array_index(rcpts, i));
            decide_one(p, req, &from, &to[i], &rd[i]);
        } else {
            /* no recipient: as one recipient in no domain */
            decide_one(p, req, &from, NULL, &rd[i]);
        }
        if (rd[i].action > rd[best].action)
            best = i;
    }
    s = rd[best].scope;
    out->action = rd[best].action;
    out->note = note_new(rd, n, best);
    kind = reply_kind_of(out->action);
    if (kind >= 0) {
        out->reply_code = g_strdup(REPLY_FIELD(p, s, kind, code));
        out->reply_xcode = g_strdup(REPLY_FIELD(p, s, kind, xcode));
        out->reply_text = reply_expand(REPLY_FIELD(p, s, kind, text), req);
    }
    out->headers = scope_headers(p, s);
    prefix = s != NULL && s->subject_prefix != NULL ? s->subject_prefix : p->global.subject_prefix;
    out->subject_prefix = *prefix != '\0' ? g_strdup(prefix) : NULL;
    for (i = 0; i < n; i++)
        g_free(to[i].lower);
    g_free(to);
    g_free(rd);
    g_free(from.lower);
}

/* policy_decision_clear - free D's strings and zero it */
void policy_decision_clear(struct policy_decision *d)
{
    g_free(d->reply_code);
    g_free(d->reply_xcode);
    g_free(d->reply_text);
    g_free(d->subject_prefix);
    g_free(d->note);
    memset(d, 0, sizeof(*d));
}
