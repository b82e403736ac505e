/* policy_decide.c - a loaded policy (policy_compiled.h) applied to one message; contract
 * in policy.h.  policy_verdict() raises the signatures' verdict by the rule hits and
 * score; policy_decide() takes each recipient through its domain's (or the global)
 * actions, score_actions, allow and block lists, keeps the strictest action, expands
 * its reply template and writes a note for the log when the action is not simply the
 * verdict's.  Everything was checked when loaded, so this only compares strings and
 * fills templates; it reads the policy and never changes it, so threads share it.
 * Does not log. */
#include <string.h>

#include <glib.h>

#include "policy_compiled.h"
#include "wildcard.h"

#define REPLY_VALUE_MAX 200 /* characters of %{campaign} or %{queue_id} */
#define NOTE_LABELS_MAX 8   /* recipients named in a "recipients disagree" note */
#define NOTE_TEXT_MAX 100   /* characters of one pattern or label in a note */

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
    char *lower;        /* ASCII lower-case, without <>: for exact entries and notes */
    const char *domain; /* after the last '@' of lower, or NULL */
    char *folded;       /* case-folded (wildcard_text_new), for glob entries */
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
    a->folded = wildcard_text_new(text, (gssize)len);
}

/* address_clear - free what address_init gave A */
static void address_clear(struct address *a)
{
    g_free(a->lower);
    g_free(a->folded);
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
        return wildcard_match(pt->match, a->folded);
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
        v = policy_template_var(p, &end);
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
        if (policy_template_var(p, &end) == VAR_REASONS)
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

/* REPLY_FIELD - field F of reply KIND for scope S, or the global one */
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
    kind = policy_reply_kind(out->action);
    if (kind >= 0) {
        out->reply_code = g_strdup(REPLY_FIELD(p, s, kind, code));
        out->reply_xcode = g_strdup(REPLY_FIELD(p, s, kind, xcode));
        out->reply_text = reply_expand(REPLY_FIELD(p, s, kind, text), req);
    }
    out->headers = scope_headers(p, s);
    prefix = s != NULL && s->subject_prefix != NULL ? s->subject_prefix : p->global.subject_prefix;
    out->subject_prefix = *prefix != '\0' ? g_strdup(prefix) : NULL;
    for (i = 0; i < n; i++)
        address_clear(&to[i]);
    g_free(to);
    g_free(rd);
    address_clear(&from);
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
