/* act.c - a pipeline result as the answer and header changes for the MTA (act.h).
 * The defaults of a reply the policy left unset are here: 550 5.7.1 for a reject,
 * 451 4.7.1 for a tempfail. */
#include <string.h>

#include "act.h"
#include "message.h"

const char *const act_headers[ACT_HEADERS] = {"X-Mailvet-Status", "X-Mailvet-Score",
                                              "X-Mailvet-Reasons"};

/* act_join_new - comma-separated list of a string array, bounded */
char *act_join_new(const GPtrArray *list, size_t max)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < list->len && s->len < max; i++)
        g_string_append_printf(s, "%s%s", i ? "," : "", (const char *)g_ptr_array_index(list, i));
    if (s->len > max)
        g_string_truncate(s, max);
    return g_string_free(s, FALSE);
}

/* act_hits_new - the ids of the rules that hit with their scores, bounded */
char *act_hits_new(const struct pipeline_result *res, size_t max)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < res->rules.hits->len && s->len < max; i++) {
        const struct rule_hit *h = g_ptr_array_index(res->rules.hits, i);
        g_string_append_printf(s, "%s%s(%g)", i ? "," : "", h->id, h->score);
    }
    if (s->len > max)
        g_string_truncate(s, max);
    return g_string_free(s, FALSE);
}

/* tag - X-Mailvet-Status always; with FULL the policy's tag headers X-Mailvet-Score
 * and X-Mailvet-Reasons and its subject prefix */
static void tag(const struct pipeline_result *res, bool full, struct act_plan *p)
{
    char *reasons = act_join_new(res->reasons, 200);

    if (res->reasons->len > 0)
        p->header[0] = g_strdup_printf("%s (%s)", mv_verdict_name(res->verdict), reasons);
    else
        p->header[0] = g_strdup(mv_verdict_name(res->verdict));
    if (full && res->decision.headers) {
        char *hits = act_hits_new(res, 400);

        p->header[1] = g_strdup_printf("%g", res->score);
        if (*hits != '\0' || *reasons != '\0')
            p->header[2] = g_strdup_printf("%s%s%s", hits, *hits && *reasons ? "," : "", reasons);
        g_free(hits);
    }
    if (full && res->decision.subject_prefix != NULL && *res->decision.subject_prefix != '\0')
        p->subject = message_subject_prefixed(res->msg, res->decision.subject_prefix);
    g_free(reasons);
}

/* reply - the policy's reply, or the default for the answer */
static void reply(const struct policy_decision *d, const char *code, const char *xcode,
                  const char *text, struct act_plan *p)
{
    p->code = d->reply_code != NULL ? d->reply_code : code;
    p->xcode = d->reply_xcode != NULL ? d->reply_xcode : xcode;
    p->text = d->reply_text != NULL ? d->reply_text : text;
}

/* act_plan - the policy's decision as the MTA's answer */
void act_plan(const struct pipeline_result *res, const struct act_options *opt, bool truncated,
              struct act_plan *out)
{
    memset(out, 0, sizeof(*out));
    switch (res->action) {
    case MV_ACTION_REJECT:
        out->answer = ACT_REJECT;
        reply(&res->decision, "550", "5.7.1", "Message rejected", out);
        break;
    case MV_ACTION_TEMPFAIL:
        out->answer = ACT_TEMPFAIL;
        reply(&res->decision, "451", "4.7.1", "Message deferred by policy, try again later", out);
        break;
    case MV_ACTION_DISCARD:
        out->answer = ACT_DISCARD;
        break;
    case MV_ACTION_QUARANTINE:
        /* a message cut at max_message_size cannot be stored whole: the MTA holds it */
        if (opt->store && !truncated) {
            out->answer = ACT_STORE;
            break;
        }
        out->answer = ACT_HOLD;
        tag(res, true, out);
        break;
    case MV_ACTION_TAG:
        out->answer = ACT_ACCEPT;
        tag(res, true, out);
        break;
    case MV_ACTION_ACCEPT:
    default:
        out->answer = ACT_ACCEPT;
        if (opt->add_header)
            tag(res, false, out);
        break;
    }
}

/* act_plan_clear - free a plan's strings */
void act_plan_clear(struct act_plan *p)
{
    for (size_t i = 0; i < ACT_HEADERS; i++)
        g_free(p->header[i]);
    g_free(p->subject);
    memset(p, 0, sizeof(*p));
}
