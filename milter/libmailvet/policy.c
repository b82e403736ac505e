/* policy.c - the policy files of a directory as one read-only unit: thresholds, actions,
 * score actions, SMTP replies, tag settings, allow and block lists, per-domain overrides,
 * and the rules (compiled by rules.c).  Contract and YAML syntax in policy.h; the
 * operator's view in mailvet-policy(5).
 * policy_load() starts from the built-in defaults in a fresh struct policy, reads the
 * files policy_files.c lists (the .yaml files of DIR then those of DIR/campaigns, each
 * group sorted by name), applies every key of every file and collects
 * every error as "FILE:LINE: KEY: message" before it gives up, so a broken file never
 * half-loads.  Each global setting (one threshold, the action of one verdict, one reply,
 * one tag field, score_actions, block.action, one domain) is set by one file at most; a
 * second file is an error that names both places.  Allow and block lists add up over
 * the files.  A domain's keys replace the same global keys for its recipients, field by
 * field (actions per verdict, replies per field, tag per field, each list whole).  A
 * domain entry is exact ("example.com") or "*.example.com", which covers the subdomains
 * but not example.com itself; the exact entry wins, then the nearest parent.
 * An allow glob that matches every address ("*@*") is an error: it would accept all
 * mail, unscannable mail too.
 * Everything is checked when loaded (actions, codes, templates, address patterns: the
 * checks of one value are policy_values.c's), so policy_decide() (policy_decide.c) only
 * compares strings and fills templates; policy_describe.c answers what others read of a
 * loaded policy.  Not a leaf module, but it does not log: the
 * caller prints err->msg and the decision's note. */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "policy_compiled.h"
#include "suggest.h"

/* Unscannable mail is held, not delivered: a limit or a structure that stops the scan
 * costs a sender a few kilobytes (25 nested multiparts, a message/partial fragment),
 * so a tag would let anything through that way. */
static const enum mv_action default_actions[NVERDICTS] = {
    [MV_VERDICT_CLEAN] = MV_ACTION_ACCEPT,           [MV_VERDICT_SUSPICIOUS] = MV_ACTION_TAG,
    [MV_VERDICT_UNSCANNABLE] = MV_ACTION_QUARANTINE, [MV_VERDICT_CAMPAIGN] = MV_ACTION_REJECT,
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

/* pattern_list_new - an empty allow or block list */
static GPtrArray *pattern_list_new(void)
{
    return g_ptr_array_new_with_free_func(policy_pattern_free);
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

/* policy_file_free - GDestroyNotify for a struct policy_file */
static void policy_file_free(gpointer data)
{
    struct policy_file *f = data;

    g_free(f->path);
    g_free(f);
}

/* policy_new - the built-in defaults, no rules */
static struct policy *policy_new(void)
{
    struct policy *p = g_new0(struct policy, 1);
    struct scope *g = &p->global;
    size_t i;

    p->rules = rules_new();
    p->files = g_ptr_array_new_with_free_func(policy_file_free);
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

/* policy_reply_kind - the reply slot of action A, or -1 for an action without an SMTP reply */
int policy_reply_kind(enum mv_action a)
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
    char msg[SUGGEST_UNKNOWN_KEY_MAX];

    yamlnode_err_add(ld->err, MV_ECONFIG, key, "%s",
                     suggest_unknown_key(msg, sizeof(msg), path, yamlnode_scalar_get(key), names,
                                         SUGGEST_NUL_ENDED));
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

/* load_list - a sequence of address patterns (at PATH) appended to DST; when EVERYONE
 * names what an allow list holds ("sender", "recipient"), a glob that matches every
 * address is an error: it would accept all mail whatever its verdict */
static void load_list(struct loader *ld, const struct yamlnode *value, const char *path,
                      GPtrArray *dst, const char *everyone)
{
    char why[256];
    size_t i;

    if (!is_kind(ld, value, path, YAMLNODE_SEQUENCE))
        return;
    for (i = 0; i < yamlnode_count(value); i++) {
        const struct yamlnode *item = yamlnode_item_get(value, i);
        const char *text = policy_scalar_text(ld, item, path);
        struct pattern *pt;

        if (text == NULL)
            continue;
        pt = policy_pattern_new(text, why, sizeof(why));
        if (pt == NULL) {
            yamlnode_err_add(ld->err, MV_ECONFIG, item, "%.200s: %s", path, why);
        } else if (everyone != NULL && policy_pattern_covers_everyone(pt)) {
            yamlnode_err_add(ld->err, MV_ECONFIG, item,
                             "%.200s: '%.100s' matches every %s; list the %ss to allow", path, text,
                             everyone, everyone);
            policy_pattern_free(pt);
        } else {
            g_ptr_array_add(dst, pt);
        }
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
        const char *everyone = NULL;
        enum mv_action a;

        /* a block list that covers everyone is strict, not weak: only allow is checked */
        if (strcmp(name, "senders") == 0) {
            list = block ? &s->block_senders : &s->allow_senders;
            everyone = block ? NULL : "sender";
        } else if (strcmp(name, "recipients") == 0) {
            list = block ? &s->block_recipients : &s->allow_recipients;
            everyone = block ? NULL : "recipient";
        }
        if (list != NULL && block && !global && yamlnode_is_null(val)) {
            /* a domain's block list replaces the global one: left without a value, it
             * would unblock the global entries for the domain's recipients */
            yamlnode_err_add(ld->err, MV_ECONFIG, key,
                             "%.200s: missing value; list the addresses, or write %s: [] for "
                             "none (it replaces the global block.%s for the domain)",
                             full, name, name);
        } else if (list != NULL) {
            if (!global) {
                list_unref(*list);
                *list = pattern_list_new();
            }
            load_list(ld, val, full, *list, everyone);
        } else if (block && strcmp(name, "action") == 0) {
            bool mine = !global || claim(ld, full, key);

            if (policy_action_value(ld, val, full, &a) && mine) {
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
        if (policy_action_value(ld, yamlnode_value_get(value, i), full, &a) && mine) {
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
    if (yamlnode_is_null(value)) {
        /* the items commented out, or still to be written: not the deliberate [] that
         * replaces the built-in quarantine at 10 with nothing */
        yamlnode_err_add(ld->err, MV_ECONFIG, key,
                         "%.200s: missing value; list the score actions, or write "
                         "score_actions: [] for none",
                         path);
        return;
    }
    list = g_array_new(FALSE, FALSE, sizeof(struct score_action));
    if (is_kind(ld, value, path, YAMLNODE_SEQUENCE)) {
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
                    has_score = policy_number_value(ld, v, full, &sa.score);
                else if (strcmp(name, "action") == 0)
                    has_action = policy_action_value(ld, v, full, &sa.action);
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
        } else if ((text = policy_scalar_text(ld, val, full)) == NULL) {
            /* reported */
        } else if (strcmp(name, "code") == 0) {
            if (policy_code_check(text, c))
                dst = &r->code;
            else
                yamlnode_err_add(ld->err, MV_ECONFIG, val,
                                 "%.200s: must be a %cxx reply code for %s, got %.100s", full, c,
                                 aname, text);
        } else if (strcmp(name, "xcode") == 0) {
            if (policy_xcode_check(text, c))
                dst = &r->xcode;
            else
                yamlnode_err_add(ld->err, MV_ECONFIG, val,
                                 "%.200s: must be an enhanced status code %c.X.Y for %s "
                                 "(RFC 3463), got %.100s",
                                 full, c, aname, text);
        } else if (policy_template_check(text, why, sizeof(why))) {
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
            if (policy_bool_value(ld, val, full, &b) && mine) {
                s->has_headers = true;
                s->headers = b;
            }
        } else if (strcmp(name, "subject_prefix") == 0) {
            /* an empty value is a valid "no prefix" here */
            text = yamlnode_is_null(val) ? "" : policy_scalar_text(ld, val, full);
            if (text == NULL) {
                /* reported */
            } else if (!policy_prefix_check(text, why, sizeof(why))) {
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

/* load_domain - the overrides of one domain entry */
static void load_domain(struct loader *ld, const struct yamlnode *key, const struct yamlnode *value)
{
    const char *name = yamlnode_scalar_get(key);
    char *lower = g_ascii_strdown(name, -1);
    char *path = g_strconcat("domains.", lower, NULL);
    struct scope *s;
    size_t i;

    if (g_strv_contains((const char *const *)domain_keys, lower)) {
        /* "actions:" one indent short of its domain: a setting read as a domain name */
        yamlnode_err_add(ld->err, MV_ECONFIG, key,
                         "domains: %.200s: a setting of a domain, not a domain; indent it under "
                         "the domain it belongs to",
                         name);
        goto out;
    }
    if (!policy_domain_check(name)) {
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
        if (policy_number_value(ld, yamlnode_value_get(value, i), full, &v) && mine)
            *dst = v;
        g_free(full);
    }
}

/* load_file - one policy file into the policy being built */
static void load_file(struct loader *ld, const char *path)
{
    struct mv_err ferr = {0};
    struct yamlnode *root = yamlnode_load_file(path, &ferr);
    struct policy_file *file;
    size_t i, before = rules_count(ld->p->rules);

    /* duplicate keys come with the tree: said first, then the file's other errors */
    if (ferr.status != MV_OK)
        yamlnode_err_addf(ld->err, MV_ECONFIG, "%s", ferr.msg);
    if (root == NULL)
        return;
    file = g_new0(struct policy_file, 1);
    file->path = g_strdup(path);
    g_ptr_array_add(ld->p->files, file);
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
    file->rules = rules_count(ld->p->rules) - before;
    yamlnode_free(root);
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
    guint i;

    if (err == NULL)
        err = &local;
    memset(err, 0, sizeof(*err));
    ld.p = policy_new();
    ld.err = err;
    if (dir == NULL || *dir == '\0')
        return ld.p;
    ld.origins = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    files = policy_files_new(dir, err);
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
    g_ptr_array_unref(p->files);
    scope_clear(&p->global);
    g_hash_table_unref(p->domains);
    g_free(p);
    return NULL;
}
