/* pipeline.c - parse, scan every leaf, classify, decide.
 * The leaves' reports are looked up in the Redis cache first (cache.c, one round trip),
 * and what was scanned is stored afterwards, unless it depended on this message
 * (cacheable()).
 * After each leaf's scan, every zip, 7z and rar found in it is checked by container.c
 * (members libclamav missed, encrypted members opened with the passwords the
 * message's text offers, sizes it trimmed).
 * Classification of signature names: ClamAV's limit and encryption alerts
 * (Heuristics.Limits.Exceeded.*, Heuristics.Encrypted.*), mailvet's own limits
 * (Mailvet.Limits.*, among them Mailvet.Limits.Regex.RULE_ID for a rule whose regular
 * expression gave up on this message) and what it cannot open (Mailvet.Unscannable.*)
 * make a message unscannable; other Heuristics.* are suspicious;
 * Mailvet.<Campaign>.* signatures are evidence the rules score; anything else is
 * infected.
 * The strongest class over all reasons is the verdict of the signatures; the
 * policy's rules, evaluated over the message's features, raise it by their score
 * (policy_verdict), and the policy decides the action per recipient. */
#include <string.h>

#include "container.h"
#include "mvlimits.h"
#include "passwords.h"
#include "pipeline.h"

/* what one run carries besides the result */
struct pipeline_run_ctx {
    const struct generation *gen;
    const struct message *msg;
    GPtrArray *passwords; /* candidates from the message text, gathered when first needed */
};

/* pipeline_classify - verdict class of one signature name.  Our own campaign
 * signatures (Mailvet.<Campaign>.<What>) are evidence for the rules, which score
 * them: alone they make no verdict */
enum mv_verdict pipeline_classify(const char *sig)
{
    if (g_str_has_prefix(sig, "Heuristics.Limits.Exceeded") ||
        g_str_has_prefix(sig, "Heuristics.Encrypted") || g_str_has_prefix(sig, "Mailvet.Limits.") ||
        g_str_has_prefix(sig, "Mailvet.Unscannable."))
        return MV_VERDICT_UNSCANNABLE;
    if (g_str_has_prefix(sig, "Heuristics."))
        return MV_VERDICT_SUSPICIOUS;
    if (g_str_has_prefix(sig, "Mailvet."))
        return MV_VERDICT_CLEAN;
    return MV_VERDICT_INFECTED;
}

/* add_reason - record NAME once and raise the verdict */
static void add_reason(struct pipeline_result *res, const char *name)
{
    enum mv_verdict v = pipeline_classify(name);

    for (guint i = 0; i < res->reasons->len; i++)
        if (strcmp(g_ptr_array_index(res->reasons, i), name) == 0)
            return;
    g_ptr_array_add(res->reasons, g_strdup(name));
    if (v > res->verdict)
        res->verdict = v;
}

/* by_class - sort reasons strongest class first, keeping found order within a class */
static gint by_class(gconstpointer a, gconstpointer b)
{
    enum mv_verdict va = pipeline_classify(*(const char *const *)a);
    enum mv_verdict vb = pipeline_classify(*(const char *const *)b);

    return (int)vb - (int)va;
}

/* passwords_new - candidate passwords from the subject and every text part */
static GPtrArray *passwords_new(const struct message *msg, unsigned max)
{
    GPtrArray *list = g_ptr_array_new_with_free_func(g_free);
    const char *subject = message_subject_get(msg);

    if (subject != NULL)
        passwords_add(list, subject, strlen(subject), max, LIMIT_PASSWORD_LENGTH);
    for (size_t i = 0; i < message_leaf_count(msg) && list->len < max; i++) {
        const struct mv_leaf *leaf = message_leaf_get(msg, i);
        if (leaf->declared_type != NULL && g_str_has_prefix(leaf->declared_type, "text/"))
            passwords_add(list, (const char *)leaf->data, leaf->size, max, LIMIT_PASSWORD_LENGTH);
    }
    return list;
}

/* run_passwords - container.c asks for the message's candidate passwords */
static const GPtrArray *run_passwords(void *ctx)
{
    struct pipeline_run_ctx *run = ctx;

    if (run->passwords == NULL)
        run->passwords = passwords_new(run->msg, run->gen->cfg->max_passwords);
    return run->passwords;
}

/* cacheable - whether REP, just scanned, is the same for these bytes in any message:
 * not when a message-wide limit cut the scan (the leaf was not seen whole, or the
 * heads of its objects were not all kept), nor a
 * time limit (another run may finish), nor with an encrypted archive (what opened it
 * were passwords from this message's text) */
static bool cacheable(const struct scan_report *rep, const struct scan_budget *budget)
{
    /* also when the message's room for object heads ran out: some heads are missing */
    if (budget->limit != NULL || budget->heads + budget->window > SCAN_HEADS_MAX)
        return false;
    for (guint i = 0; i < rep->signatures->len; i++) {
        const char *sig = g_ptr_array_index(rep->signatures, i);
        if (strstr(sig, "ScanTime") != NULL)
            return false;
    }
    for (guint i = 0; i < rep->objects->len; i++)
        if (((const struct scan_object *)g_ptr_array_index(rep->objects, i))->encrypted)
            return false;
    return true;
}

/* decide - rules over the message's features, the verdict they raise, and the
 * policy's action for the recipients */
static void decide(const struct generation *gen, const struct pipeline_input *in,
                   struct pipeline_result *res)
{
    struct features *f = features_new(res->msg, res->reports, res->nreports, &in->env);
    GPtrArray *shown = g_ptr_array_new();
    struct policy_request req = {0};

    rules_eval(policy_rules(gen->policy), f, &res->rules);
    features_free(f);
    /* a rule whose regex gave up decided nothing: the message is unscannable, named
     * for the rule, whatever the rule's outcome */
    for (guint i = 0; i < res->rules.errors->len; i++) {
        const struct rule_error *x = g_ptr_array_index(res->rules.errors, i);
        char *name = g_strconcat("Mailvet.Limits.Regex.", x->id, NULL);

        add_reason(res, name);
        g_free(name);
    }
    if (res->rules.errors->len > 0)
        g_ptr_array_sort(res->reasons, by_class);
    res->score = res->rules.score;
    res->verdict = policy_verdict(gen->policy, res->verdict, &res->rules);
    /* what the reply and the log show: the signatures, then the rules that hit */
    for (guint i = 0; i < res->reasons->len; i++)
        g_ptr_array_add(shown, g_ptr_array_index(res->reasons, i));
    for (guint i = 0; i < res->rules.hits->len; i++)
        g_ptr_array_add(shown,
                        (gpointer)((struct rule_hit *)g_ptr_array_index(res->rules.hits, i))->id);
    req.verdict = res->verdict;
    req.score = res->score;
    req.sender = in->env.sender != NULL ? in->env.sender : "";
    req.recipients = in->env.recipients;
    req.reasons = shown;
    req.rules = &res->rules;
    req.queue_id = in->queue_id;
    policy_decide(gen->policy, &req, &res->decision);
    res->action = res->decision.action;
    g_ptr_array_free(shown, TRUE);
}

/* pipeline_run - the whole path for one message */
enum mv_status pipeline_run(const struct generation *gen, const struct pipeline_input *in,
                            struct pipeline_result *res, scan_progress_fn progress,
                            void *progress_ctx, struct mv_err *err)
{
    const struct mv_config *cfg = gen->cfg;
    gint64 start = g_get_monotonic_time();
    struct message_limits lim = {
        .max_parts = cfg->max_parts,
        .max_depth = cfg->max_mime_depth,
        .leaf_mem_max = cfg->spool_memory,
        .tmpdir = cfg->tmpdir,
    };
    struct pipeline_run_ctx run = {0};
    struct container_ctx cc = {0};
    struct scan_budget budget;
    enum mv_status st = MV_OK;
    const char **sha = NULL;
    bool *store = NULL;
    unsigned flags;

    memset(res, 0, sizeof(*res));
    res->reasons = g_ptr_array_new_with_free_func(g_free);
    res->msg = in->bytes != NULL ? message_parse_bytes(in->bytes, &lim, err)
                                 : message_parse_fd(in->fd, &lim, err);
    if (res->msg == NULL)
        return err != NULL ? err->status : MV_EPARSE;

    scan_budget_init(&budget, &gen->scan_opts);
    run.gen = gen;
    run.msg = res->msg;
    cc.limits = (struct container_limits){
        .max_file_size = cfg->max_file_size,
        .max_scan_size = cfg->max_scan_size,
        .max_files = cfg->max_files,
        .max_recursion = cfg->max_recursion,
        .max_compression_ratio = cfg->max_compression_ratio,
        .max_passwords = cfg->max_passwords,
    };
    cc.engine = gen->engine;
    cc.budget = &budget;
    cc.passwords = run_passwords;
    cc.passwords_ctx = &run;
    cc.progress = progress;
    cc.progress_ctx = progress_ctx;
    res->nreports = message_leaf_count(res->msg);
    res->reports = g_new0(struct scan_report, res->nreports);
    res->cached = g_new0(bool, res->nreports);
    store = g_new0(bool, res->nreports);
    sha = g_new0(const char *, res->nreports + 1);
    for (size_t i = 0; i < res->nreports; i++)
        sha[i] = message_leaf_get(res->msg, i)->sha256;
    /* one round trip for every leaf; what Redis has is not scanned again */
    cache_get(gen->cache, sha, res->nreports, res->reports, res->cached, &res->cache);
    for (size_t i = 0; i < res->nreports; i++) {
        struct scan_report *rep = &res->reports[i];

        if (!res->cached[i]) {
            st = scan_leaf(gen->engine, message_leaf_get(res->msg, i), &budget, rep, progress,
                           progress_ctx, err);
            /* the list grows while archives are checked: members may be archives too */
            for (guint j = 0; st == MV_OK && j < rep->objects->len; j++)
                if (((struct scan_object *)g_ptr_array_index(rep->objects, j))->archive != NULL)
                    st = container_check(&cc, rep, j, err);
            if (st == MV_OK)
                container_names(rep);
            if (st != MV_OK)
                goto out;
            store[i] = cacheable(rep, &budget);
        }
        res->objects += rep->objects->len;
        for (guint j = 0; j < rep->signatures->len; j++)
            add_reason(res, g_ptr_array_index(rep->signatures, j));
        if (progress != NULL)
            progress(progress_ctx);
    }
    if (budget.limit != NULL)
        add_reason(res, budget.limit);
    cache_put(gen->cache, sha, res->reports, store, res->nreports, &res->cache);

    flags = message_flags(res->msg);
    if (flags & MESSAGE_NO_MEMORY) {
        st = mv_err_set(err, MV_ENOMEM, "out of memory decoding a MIME part");
        goto out;
    }
    if (in->truncated)
        add_reason(res, "Mailvet.Limits.MaxMessageSize");
    if (flags & MESSAGE_LIMIT_PARTS)
        add_reason(res, "Mailvet.Limits.MaxParts");
    if (flags & MESSAGE_LIMIT_DEPTH)
        add_reason(res, "Mailvet.Limits.MaxMimeDepth");
    if (flags & MESSAGE_LIMIT_HEADER_FIELDS)
        add_reason(res, "Mailvet.Limits.MaxHeaderFields");
    if (flags & MESSAGE_LIMIT_HEADER_BYTES)
        add_reason(res, "Mailvet.Limits.MaxHeaderBytes");
    if (flags & MESSAGE_LIMIT_HEADER_LINE)
        add_reason(res, "Mailvet.Limits.MaxHeaderLine");
    /* structure that readers take in different ways: what we scanned may not be what
     * the recipient's client shows */
    if (flags & MESSAGE_PARTIAL)
        add_reason(res, "Mailvet.Unscannable.Partial");
    if (flags & MESSAGE_NO_BOUNDARY)
        add_reason(res, "Mailvet.Unscannable.NoBoundary");
    if (flags & MESSAGE_NO_PARTS)
        add_reason(res, "Mailvet.Unscannable.NoParts");
    if (flags & MESSAGE_BAD_DELIMITER)
        add_reason(res, "Mailvet.Unscannable.BadDelimiter");
    if (flags & MESSAGE_CONFLICT)
        add_reason(res, "Mailvet.Unscannable.Conflict");
    if (flags & MESSAGE_ADDRESS_GROUPS)
        add_reason(res, "Mailvet.Unscannable.AddressGroups");
    g_ptr_array_sort(res->reasons, by_class);
    decide(gen, in, res);
    res->ms = (double)(g_get_monotonic_time() - start) / 1000.0;
out:
    if (run.passwords != NULL)
        g_ptr_array_free(run.passwords, TRUE);
    g_free(store);
    g_free(sha);
    return st;
}

/* pipeline_result_clear - free what the result owns */
void pipeline_result_clear(struct pipeline_result *res)
{
    for (size_t i = 0; i < res->nreports; i++)
        scan_report_clear(&res->reports[i]);
    g_free(res->reports);
    res->msg = message_free(res->msg);
    if (res->reasons != NULL)
        g_ptr_array_free(res->reasons, TRUE);
    rules_result_clear(&res->rules);
    policy_decision_clear(&res->decision);
    g_free(res->cached);
    memset(res, 0, sizeof(*res));
}
