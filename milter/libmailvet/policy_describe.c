/* policy_describe.c - a loaded policy as the rest of mailvet reads it (policy.h): its
 * compiled rules, the files it loaded with the rules each added, and the summary that
 * check-config and mailvetd -n print (the global actions, score actions and the domains
 * with their own settings).  Read only; policy.c loads and frees the policy. */
#include <string.h>

#include <glib.h>

#include "policy_compiled.h"

/* policy_rules - the compiled rules, borrowed */
const struct rules *policy_rules(const struct policy *p)
{
    return p->rules;
}

/* policy_file_count - files loaded */
unsigned policy_file_count(const struct policy *p)
{
    return p->files->len;
}

/* policy_file_path - the path of loaded file I, borrowed */
const char *policy_file_path(const struct policy *p, unsigned i)
{
    return i < p->files->len ? ((const struct policy_file *)g_ptr_array_index(p->files, i))->path
                             : NULL;
}

/* policy_file_rules - how many rules loaded file I added */
size_t policy_file_rules(const struct policy *p, unsigned i)
{
    return i < p->files->len ? ((const struct policy_file *)g_ptr_array_index(p->files, i))->rules
                             : 0;
}

/* policy_describe - the global actions, score actions and domains, as "# " lines */
void policy_describe(const struct policy *p, GString *out)
{
    /* strongest first, as mailvet-policy(5) lists the verdicts */
    static const enum mv_verdict order[] = {MV_VERDICT_INFECTED, MV_VERDICT_CAMPAIGN,
                                            MV_VERDICT_UNSCANNABLE, MV_VERDICT_SUSPICIOUS,
                                            MV_VERDICT_CLEAN};
    const struct scope *g = &p->global;
    GList *names, *l;

    g_string_append(out, "# actions:");
    for (size_t i = 0; i < G_N_ELEMENTS(order); i++)
        g_string_append_printf(out, " %s=%s", mv_verdict_name(order[i]),
                               mv_action_name(g->action[order[i]]));
    g_string_append_printf(out, " (thresholds: suspicious %g, campaign %g)\n", p->suspicious,
                           p->campaign);
    g_string_append(out, "# score_actions:");
    for (guint i = 0; i < g->score_actions->len; i++) {
        const struct score_action *sa = &g_array_index(g->score_actions, struct score_action, i);

        g_string_append_printf(out, " %g=%s", sa->score, mv_action_name(sa->action));
    }
    g_string_append(out, g->score_actions->len == 0 ? " none\n" : "\n");
    if (g_hash_table_size(p->domains) == 0)
        return;
    g_string_append_printf(out, "# domains with their own settings: %u (",
                           g_hash_table_size(p->domains));
    names = g_list_sort(g_hash_table_get_keys(p->domains), (GCompareFunc)strcmp);
    for (l = names; l != NULL; l = l->next)
        g_string_append_printf(out, "%s%s", l == names ? "" : ", ", (const char *)l->data);
    g_list_free(names);
    g_string_append(out, ")\n");
}
