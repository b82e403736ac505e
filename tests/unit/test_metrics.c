/* test_metrics.c - the counters and their Prometheus text: every family has its HELP
 * and TYPE lines and nothing else appears; messages are counted by verdict and action;
 * signature names beyond max_signatures fold into "other"; limit reasons count by the
 * limit's name, not as signatures; rule hits follow the current generation's rules (a
 * kept rule keeps its count, a gone one goes, an unknown one is not counted); histogram
 * buckets are cumulative, with _count equal to +Inf; label values are escaped and valid
 * UTF-8; reloads, the generation's gauges, the cache's counters (only with a cache), the
 * scrape-time gauges; and counts from many threads at once add up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "metrics.h"

/* render_new - the whole text of M (NOW may be NULL), g_free */
static char *render_new(struct metrics *m, const struct metrics_now *now)
{
    GString *out = g_string_new(NULL);

    metrics_render(m, now, out);
    return g_string_free(out, FALSE);
}

/* value - the value of the sample line "SERIES VALUE" in TEXT, or -1 when absent */
static double value(const char *text, const char *series)
{
    size_t len = strlen(series);

    for (const char *p = text; p != NULL && *p != '\0';) {
        const char *nl = strchr(p, '\n');

        if (strncmp(p, series, len) == 0 && p[len] == ' ')
            return g_ascii_strtod(p + len + 1, NULL);
        p = nl != NULL ? nl + 1 : NULL;
    }
    return -1;
}

/* expect - SERIES has WANT in TEXT */
static void expect(const char *text, const char *series, double want)
{
    double got = value(text, series);

    if (got != want)
        fail_msg("%s: got %g, want %g%s", series, got, want, got < 0 ? " (no such line)" : "");
}

/* message - a message of verdict V and action A, with REASONS and RULES */
static void message(struct metrics *m, enum mv_verdict v, enum mv_action a,
                    const char *const *reasons, size_t nreasons, const char *const *rules,
                    size_t nrules)
{
    struct metrics_message msg = {
        .verdict = v,
        .action = a,
        .scan_seconds = 0.01,
        .bytes = 1000,
        .objects = 2,
        .reasons = reasons,
        .nreasons = nreasons,
        .rules = rules,
        .nrules = nrules,
    };

    metrics_count_message(m, &msg);
}

/* generation - generation NUMBER with RULES and MAX_SIGNATURES */
static void generation(struct metrics *m, unsigned number, const char *const *rules, size_t n,
                       unsigned max_signatures)
{
    struct metrics_generation g = {
        .number = number,
        .loaded = 1700000000.5,
        .signatures_time = 1690000000,
        .signatures = 12,
        .rules = rules,
        .nrules = n,
        .max_signatures = max_signatures,
    };

    metrics_set_generation(m, &g);
}

static void test_every_family_has_help_and_type(void **state)
{
    static const char *const rules[] = {"R1"};
    static const char *const sigs[] = {"Eicar-Test-Signature", "Mailvet.Limits.MaxParts"};
    struct metrics_now now = {.quarantine = true};
    struct metrics *m = metrics_new();
    GHashTable *typed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    char *text;
    char **lines;
    char *help = NULL;

    (void)state;
    generation(m, 1, rules, 1, 100);
    message(m, MV_VERDICT_INFECTED, MV_ACTION_REJECT, sigs, 2, rules, 1);
    metrics_count(m, METRICS_TEMPFAILS, "scan");
    metrics_count(m, METRICS_ERRORS, "scan");
    text = render_new(m, &now);
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l != NULL && **l != '\0'; l++) {
        char name[256], type[32];

        if (sscanf(*l, "# HELP %255s", name) == 1) {
            if (g_hash_table_contains(typed, name))
                fail_msg("%s: a second HELP line", name);
            g_free(help);
            help = g_strdup(name);
        } else if (sscanf(*l, "# TYPE %255s %31s", name, type) == 2) {
            if (g_strcmp0(help, name) != 0)
                fail_msg("TYPE %s: got no HELP line just before it", name);
            g_hash_table_insert(typed, g_strdup(name), g_strdup(type));
        } else {
            char *series = g_strndup(*l, strcspn(*l, "{ "));
            char *base = g_strdup(series);
            const char *t = g_hash_table_lookup(typed, series);

            for (const char *sfx = "_bucket\0_sum\0_count\0"; t == NULL && *sfx;
                 sfx += strlen(sfx) + 1)
                if (g_str_has_suffix(series, sfx)) {
                    base[strlen(series) - strlen(sfx)] = '\0';
                    t = g_hash_table_lookup(typed, base);
                    if (t != NULL && strcmp(t, "histogram") != 0)
                        t = NULL;
                }
            if (t == NULL)
                fail_msg("sample %s: got no TYPE line for it", *l);
            if (strcmp(t, "counter") == 0 && !g_str_has_suffix(series, "_total"))
                fail_msg("counter %s: got no _total suffix", series);
            if (strcmp(t, "counter") != 0 && g_str_has_suffix(series, "_total"))
                fail_msg("%s %s: got a _total suffix", t, series);
            g_free(base);
            g_free(series);
        }
    }
    /* one of each kind that a scrape should always see */
    for (const char *n = "mailvet_messages_total\0mailvet_scan_duration_seconds\0"
                         "mailvet_scan_slot_wait_seconds\0mailvet_rule_hits_total\0"
                         "mailvet_signature_hits_total\0mailvet_limit_hits_total\0"
                         "mailvet_tempfails_total\0mailvet_errors_total\0"
                         "mailvet_reloads_total\0mailvet_generation\0"
                         "mailvet_signatures_newest_timestamp_seconds\0"
                         "mailvet_quarantine_entries\0mailvet_quarantine_bytes\0"
                         "mailvet_cache_breaker_open\0mailvet_messages_in_flight\0";
         *n; n += strlen(n) + 1)
        if (!g_hash_table_contains(typed, n))
            fail_msg("family %s: got none, want it", n);
    g_free(help);
    g_strfreev(lines);
    g_free(text);
    g_hash_table_destroy(typed);
    metrics_free(m);
}

static void test_messages_by_verdict_and_action(void **state)
{
    static const struct {
        enum mv_verdict v;
        enum mv_action a;
        unsigned times;
    } seq[] = {
        {MV_VERDICT_CLEAN, MV_ACTION_ACCEPT, 2},
        {MV_VERDICT_INFECTED, MV_ACTION_REJECT, 1},
        {MV_VERDICT_CAMPAIGN, MV_ACTION_QUARANTINE, 3},
        {MV_VERDICT_SUSPICIOUS, MV_ACTION_TAG, 1},
    };
    struct metrics *m = metrics_new();
    char *text;

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(seq); i++)
        for (unsigned k = 0; k < seq[i].times; k++)
            message(m, seq[i].v, seq[i].a, NULL, 0, NULL, 0);
    text = render_new(m, NULL);
    expect(text, "mailvet_messages_total{verdict=\"clean\",action=\"accept\"}", 2);
    expect(text, "mailvet_messages_total{verdict=\"infected\",action=\"reject\"}", 1);
    expect(text, "mailvet_messages_total{verdict=\"campaign\",action=\"quarantine\"}", 3);
    expect(text, "mailvet_messages_total{verdict=\"suspicious\",action=\"tag\"}", 1);
    expect(text, "mailvet_messages_total{verdict=\"clean\",action=\"reject\"}", 0);
    expect(text, "mailvet_scanned_bytes_total", 7000);
    expect(text, "mailvet_scanned_objects_total", 14);
    expect(text, "mailvet_scan_duration_seconds_count", 7);
    g_free(text);
    metrics_free(m);
}

static void test_signatures_beyond_max_fold_into_other(void **state)
{
    static const char *const first[] = {"Sig.A", "Sig.B"};
    static const char *const later[] = {"Sig.C", "Sig.A", "Sig.D"};
    struct metrics *m = metrics_new();
    char *text;

    (void)state;
    generation(m, 1, NULL, 0, 2);
    message(m, MV_VERDICT_INFECTED, MV_ACTION_REJECT, first, 2, NULL, 0);
    text = render_new(m, NULL);
    if (strstr(text, "signature=\"other\"") != NULL)
        fail_msg("other: got a series before the bound was reached, want none");
    g_free(text);
    message(m, MV_VERDICT_INFECTED, MV_ACTION_REJECT, later, 3, NULL, 0);
    text = render_new(m, NULL);
    expect(text, "mailvet_signature_hits_total{signature=\"Sig.A\"}", 2);
    expect(text, "mailvet_signature_hits_total{signature=\"Sig.B\"}", 1);
    expect(text, "mailvet_signature_hits_total{signature=\"other\"}", 2);
    expect(text, "mailvet_signature_hits_total{signature=\"Sig.C\"}", -1);
    expect(text, "mailvet_signature_hits_total{signature=\"Sig.D\"}", -1);
    g_free(text);

    /* metrics_max_signatures: 0 gives no name a series of its own */
    metrics_free(m);
    m = metrics_new();
    generation(m, 1, NULL, 0, 0);
    message(m, MV_VERDICT_INFECTED, MV_ACTION_REJECT, first, 2, NULL, 0);
    text = render_new(m, NULL);
    expect(text, "mailvet_signature_hits_total{signature=\"other\"}", 2);
    expect(text, "mailvet_signature_hits_total{signature=\"Sig.A\"}", -1);
    g_free(text);
    metrics_free(m);
}

static void test_limits_count_by_name(void **state)
{
    static const char *const reasons[] = {"Mailvet.Limits.Regex.AVADDON_LURE",
                                          "Mailvet.Limits.MaxFileSize", "Heuristics.Encrypted.Zip",
                                          "Heuristics.Limits.Exceeded.MaxRecursion"};
    static const char *const again[] = {"Mailvet.Limits.Regex.OTHER_RULE",
                                        "Heuristics.Limits.Exceeded.MaxFileSize"};
    struct metrics *m = metrics_new();
    char *text;

    (void)state;
    message(m, MV_VERDICT_UNSCANNABLE, MV_ACTION_TAG, reasons, 4, NULL, 0);
    message(m, MV_VERDICT_UNSCANNABLE, MV_ACTION_TAG, again, 2, NULL, 0);
    text = render_new(m, NULL);
    expect(text, "mailvet_limit_hits_total{limit=\"Regex\"}", 2);
    /* libclamav's names for the same limits count with mailvet's own */
    expect(text, "mailvet_limit_hits_total{limit=\"MaxFileSize\"}", 2);
    expect(text, "mailvet_limit_hits_total{limit=\"MaxRecursion\"}", 1);
    expect(text, "mailvet_signature_hits_total{signature=\"Heuristics.Encrypted.Zip\"}", 1);
    if (strstr(text, "=\"Mailvet.Limits") != NULL || strstr(text, "=\"Heuristics.Limits") != NULL ||
        strstr(text, "AVADDON_LURE") != NULL)
        fail_msg("a limit reason: got it as a label value, want only the limit's name");
    g_free(text);
    metrics_free(m);
}

static void test_rule_hits_follow_the_current_policy(void **state)
{
    static const char *const gen1[] = {"AVADDON_LURE", "NEGASTEAL_ISO"};
    static const char *const gen2[] = {"NEGASTEAL_ISO", "NEW_RULE"};
    static const char *const hits[] = {"AVADDON_LURE", "NEGASTEAL_ISO", "NOT_IN_POLICY"};
    struct metrics *m = metrics_new();
    char *text;

    (void)state;
    generation(m, 1, gen1, 2, 100);
    text = render_new(m, NULL);
    expect(text, "mailvet_rule_hits_total{rule=\"AVADDON_LURE\"}", 0);
    expect(text, "mailvet_policy_rules", 2);
    g_free(text);
    message(m, MV_VERDICT_CAMPAIGN, MV_ACTION_REJECT, NULL, 0, hits, 3);
    message(m, MV_VERDICT_CAMPAIGN, MV_ACTION_REJECT, NULL, 0, hits + 1, 1);
    text = render_new(m, NULL);
    expect(text, "mailvet_rule_hits_total{rule=\"AVADDON_LURE\"}", 1);
    expect(text, "mailvet_rule_hits_total{rule=\"NEGASTEAL_ISO\"}", 2);
    if (strstr(text, "NOT_IN_POLICY") != NULL || strstr(text, "rule=\"other\"") != NULL)
        fail_msg("a rule the policy lacks: got a series, want none");
    g_free(text);

    generation(m, 2, gen2, 2, 100);
    text = render_new(m, NULL);
    expect(text, "mailvet_rule_hits_total{rule=\"NEGASTEAL_ISO\"}", 2);
    expect(text, "mailvet_rule_hits_total{rule=\"NEW_RULE\"}", 0);
    expect(text, "mailvet_rule_hits_total{rule=\"AVADDON_LURE\"}", -1);
    expect(text, "mailvet_generation", 2);
    g_free(text);
    metrics_free(m);
}

static void test_histogram_buckets_are_cumulative(void **state)
{
    static const double waits[] = {0.003, 0.2, 100, 0, -1};
    struct metrics *m = metrics_new();
    char *text;

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(waits); i++) {
        struct metrics_message msg = {.wait_seconds = waits[i], .scan_seconds = 0.5};

        metrics_count_message(m, &msg);
    }
    text = render_new(m, NULL);
    expect(text, "mailvet_scan_slot_wait_seconds_bucket{le=\"0.001\"}", 2); /* 0 and -1 */
    expect(text, "mailvet_scan_slot_wait_seconds_bucket{le=\"0.005\"}", 3);
    expect(text, "mailvet_scan_slot_wait_seconds_bucket{le=\"0.25\"}", 4);
    expect(text, "mailvet_scan_slot_wait_seconds_bucket{le=\"60\"}", 4);
    expect(text, "mailvet_scan_slot_wait_seconds_bucket{le=\"+Inf\"}", 5);
    expect(text, "mailvet_scan_slot_wait_seconds_count", 5);
    expect(text, "mailvet_scan_slot_wait_seconds_sum", 100.203);
    expect(text, "mailvet_scan_duration_seconds_bucket{le=\"0.25\"}", 0);
    expect(text, "mailvet_scan_duration_seconds_bucket{le=\"0.5\"}", 5); /* le: inclusive */
    expect(text, "mailvet_scan_duration_seconds_sum", 2.5);
    g_free(text);
    metrics_free(m);
}

static void test_label_values_are_escaped(void **state)
{
    static const char *const names[] = {"Odd\"Name\\With\nBreak", "Bad\xff\xfeUTF8"};
    struct metrics *m = metrics_new();
    char *text;

    (void)state;
    message(m, MV_VERDICT_INFECTED, MV_ACTION_REJECT, names, 2, NULL, 0);
    text = render_new(m, NULL);
    expect(text, "mailvet_signature_hits_total{signature=\"Odd\\\"Name\\\\With\\nBreak\"}", 1);
    if (!g_utf8_validate(text, -1, NULL))
        fail_msg("the text: got invalid UTF-8, want valid");
    if (strstr(text, "Bad") == NULL || strstr(text, "UTF8\"} 1\n") == NULL)
        fail_msg("an invalid UTF-8 name: got no series for it, want one made valid");
    g_free(text);
    metrics_free(m);
}

static void test_reloads_and_generation(void **state)
{
    struct metrics *m = metrics_new();
    char *text;

    (void)state;
    text = render_new(m, NULL);
    expect(text, "mailvet_generation", -1); /* none yet */
    expect(text, "mailvet_last_reload_successful", 1);
    g_free(text);
    generation(m, 1, NULL, 0, 100);
    metrics_count_reload(m, false);
    text = render_new(m, NULL);
    expect(text, "mailvet_generation", 1);
    expect(text, "mailvet_generation_load_timestamp_seconds", 1700000000.5);
    expect(text, "mailvet_signatures_newest_timestamp_seconds", 1690000000);
    expect(text, "mailvet_signatures_loaded", 12);
    expect(text, "mailvet_reloads_total{result=\"refused\"}", 1);
    expect(text, "mailvet_reloads_total{result=\"done\"}", 0);
    expect(text, "mailvet_last_reload_successful", 0);
    g_free(text);
    generation(m, 2, NULL, 0, 100);
    metrics_count_reload(m, true);
    text = render_new(m, NULL);
    expect(text, "mailvet_generation", 2);
    expect(text, "mailvet_reloads_total{result=\"done\"}", 1);
    expect(text, "mailvet_last_reload_successful", 1);
    g_free(text);
    metrics_free(m);
}

static void test_cache_counted_only_with_a_cache(void **state)
{
    struct metrics_message off = {.cache_misses = 3};
    struct metrics_message on = {
        .cache = true, .cache_hits = 2, .cache_misses = 1, .cache_errors = 1, .cache_rejected = 1};
    struct metrics *m = metrics_new();
    char *text;

    (void)state;
    metrics_count_message(m, &off); /* no Redis: every leaf a "miss" that is none */
    metrics_count_message(m, &on);
    text = render_new(m, NULL);
    expect(text, "mailvet_cache_hits_total", 2);
    expect(text, "mailvet_cache_misses_total", 1);
    expect(text, "mailvet_cache_errors_total", 1);
    expect(text, "mailvet_cache_rejected_total", 1);
    g_free(text);
    metrics_free(m);
}

static void test_local_cache_counted_only_while_on(void **state)
{
    struct metrics_message off = {.local_misses = 3};
    struct metrics_message on = {
        .local = true, .local_hits = 2, .local_misses = 1, .local_evictions = 4};
    struct metrics_now now = {.local_bytes = 5000, .local_entries = 7, .local_max_bytes = 65536};
    struct metrics *m = metrics_new();
    char *text;

    (void)state;
    metrics_count_message(m, &off); /* local_cache_size: 0 */
    metrics_count_message(m, &on);
    text = render_new(m, &now);
    expect(text, "mailvet_local_cache_hits_total", 2);
    expect(text, "mailvet_local_cache_misses_total", 1);
    expect(text, "mailvet_local_cache_evictions_total", 4);
    expect(text, "mailvet_local_cache_bytes", 5000);
    expect(text, "mailvet_local_cache_entries", 7);
    expect(text, "mailvet_local_cache_max_bytes", 65536);
    g_free(text);
    metrics_free(m);
}

static void test_scrape_gauges(void **state)
{
    struct metrics_now now = {
        .in_flight = 3,
        .slots = 2,
        .slots_busy = 1,
        .breaker_open = true,
        .quarantine = true,
        .quarantine_held = 4,
        .quarantine_deleted = 1,
        .quarantine_bytes = 123456,
    };
    struct metrics *m = metrics_new();
    char *text;

    (void)state;
    text = render_new(m, &now);
    expect(text, "mailvet_messages_in_flight", 3);
    expect(text, "mailvet_scan_slots", 2);
    expect(text, "mailvet_scan_slots_busy", 1);
    expect(text, "mailvet_cache_breaker_open", 1);
    expect(text, "mailvet_quarantine_entries{state=\"held\"}", 4);
    expect(text, "mailvet_quarantine_entries{state=\"deleted\"}", 1);
    expect(text, "mailvet_quarantine_bytes", 123456);
    g_free(text);
    now.quarantine = false; /* quarantine_mode: hold, or the store unreadable */
    text = render_new(m, &now);
    expect(text, "mailvet_quarantine_bytes", -1);
    g_free(text);
    metrics_free(m);
}

static void test_tempfails_declared_and_bounded(void **state)
{
    struct metrics *m = metrics_new();
    char *text;

    (void)state;
    metrics_declare(m, METRICS_TEMPFAILS, "scan");
    text = render_new(m, NULL);
    expect(text, "mailvet_tempfails_total{cause=\"scan\"}", 0);
    g_free(text);
    for (unsigned i = 0; i < METRICS_MAX_LABELS + 5; i++) {
        char cause[32];

        g_snprintf(cause, sizeof(cause), "cause%u", i);
        metrics_count(m, METRICS_TEMPFAILS, cause);
    }
    metrics_count(m, METRICS_TEMPFAILS, "scan");
    text = render_new(m, NULL);
    expect(text, "mailvet_tempfails_total{cause=\"scan\"}", 1);
    expect(text, "mailvet_tempfails_total{cause=\"cause0\"}", 1);
    expect(text, "mailvet_tempfails_total{cause=\"other\"}", 6); /* one slot was scan's */
    g_free(text);
    metrics_free(m);
}

#define THREADS 8
#define PER_THREAD 2000

static gpointer counting(gpointer mp)
{
    static const char *const sigs[] = {"Sig.A"};
    static const char *const rules[] = {"R1"};

    for (int i = 0; i < PER_THREAD; i++)
        message(mp, MV_VERDICT_CLEAN, MV_ACTION_ACCEPT, sigs, 1, rules, 1);
    return NULL;
}

static void test_threads_add_up(void **state)
{
    static const char *const rules[] = {"R1"};
    struct metrics *m = metrics_new();
    GThread *t[THREADS];
    char *text;

    (void)state;
    generation(m, 1, rules, 1, 100);
    for (int i = 0; i < THREADS; i++)
        t[i] = g_thread_new("count", counting, m);
    for (int i = 0; i < THREADS; i++)
        g_thread_join(t[i]);
    text = render_new(m, NULL);
    expect(text, "mailvet_messages_total{verdict=\"clean\",action=\"accept\"}",
           THREADS * PER_THREAD);
    expect(text, "mailvet_signature_hits_total{signature=\"Sig.A\"}", THREADS * PER_THREAD);
    expect(text, "mailvet_rule_hits_total{rule=\"R1\"}", THREADS * PER_THREAD);
    expect(text, "mailvet_scan_duration_seconds_count", THREADS * PER_THREAD);
    g_free(text);
    metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_family_has_help_and_type),
        cmocka_unit_test(test_messages_by_verdict_and_action),
        cmocka_unit_test(test_signatures_beyond_max_fold_into_other),
        cmocka_unit_test(test_limits_count_by_name),
        cmocka_unit_test(test_rule_hits_follow_the_current_policy),
        cmocka_unit_test(test_histogram_buckets_are_cumulative),
        cmocka_unit_test(test_label_values_are_escaped),
        cmocka_unit_test(test_reloads_and_generation),
        cmocka_unit_test(test_cache_counted_only_with_a_cache),
        cmocka_unit_test(test_local_cache_counted_only_while_on),
        cmocka_unit_test(test_scrape_gauges),
        cmocka_unit_test(test_tempfails_declared_and_bounded),
        cmocka_unit_test(test_threads_add_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
