/* metrics.c - counters, histograms and gauges of mailvetd, rendered as Prometheus text.
 * Contract in metrics.h.  The fixed families (messages by verdict and action, bytes,
 * objects, the caches' counts, the histograms) are C11 atomics, added to without a
 * lock; the labelled families, the reload counts and the generation's gauges sit under
 * one mutex, taken a few times per message.  A histogram keeps one count per bucket
 * and its sum in microseconds; the text gives the cumulative counts, and _count is
 * their total, so that it always equals the +Inf bucket.  Numbers are written with
 * g_ascii_formatd (never the locale's decimal comma).  Label values are escaped as the
 * format asks (backslash, double quote, line feed) and made valid UTF-8. */
#include <stdatomic.h>
#include <string.h>

#include <glib.h>

#include "metrics.h"

/* Upper bounds of the histograms' buckets, in seconds: a scan of a plain message takes
 * a few milliseconds, one of a big archive seconds; max_message_scan_time caps it. */
static const double bucket_le[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                   0.5,   1,      2.5,   5,    10,    30,   60};
#define NBUCKETS (sizeof(bucket_le) / sizeof(bucket_le[0]))

struct histogram {
    atomic_uint_fast64_t count[NBUCKETS + 1]; /* per bucket, not cumulative; last: +Inf */
    atomic_uint_fast64_t sum_us;
};

/* A family with one label whose values come and go (rules) or accumulate (the rest). */
struct family {
    GHashTable *index; /* value (borrowed from names) -> slot + 1 */
    GPtrArray *names;  /* char *, in order of first sight */
    GArray *counts;    /* guint64, per slot */
    guint64 other;     /* counted under METRICS_OTHER */
    bool has_other;    /* METRICS_OTHER was used */
    unsigned max;      /* distinct values before METRICS_OTHER */
    bool closed;       /* only declared values count; others are dropped (rules) */
};

#define NVERDICTS (MV_VERDICT_INFECTED + 1)
#define NACTIONS (MV_ACTION_REJECT + 1)

struct metrics {
    atomic_uint_fast64_t messages[NVERDICTS][NACTIONS];
    atomic_uint_fast64_t bytes, objects;
    atomic_uint_fast64_t cache_hits, cache_misses, cache_errors, cache_rejected;
    atomic_uint_fast64_t local_hits, local_misses, local_evictions;
    struct histogram scan, wait;

    GMutex lock; /* everything below */
    struct family family[METRICS_FAMILIES];
    guint64 reloads_done, reloads_refused;
    bool last_reload_ok;
    bool have_generation;
    unsigned generation;
    double loaded, signatures_time;
    unsigned signatures;
    bool cache;
};

/* The name, help and label of each labelled family, indexed by enum metrics_family. */
static const struct {
    const char *name;
    const char *label;
    const char *help;
} family_info[METRICS_FAMILIES] = {
    [METRICS_RULE_HITS] = {"mailvet_rule_hits_total", "rule",
                           "Messages a rule of the current policy hit, by rule id."},
    [METRICS_SIGNATURE_HITS] = {"mailvet_signature_hits_total", "signature",
                                "Messages a signature matched, by signature name (names beyond "
                                "metrics_max_signatures are counted as other)."},
    [METRICS_LIMIT_HITS] = {"mailvet_limit_hits_total", "limit",
                            "Messages on which a limit was hit, by the name after "
                            "Mailvet.Limits. or Heuristics.Limits.Exceeded. (such a message is "
                            "unscannable)."},
    [METRICS_TEMPFAILS] = {"mailvet_tempfails_total", "cause",
                           "Messages answered with a temporary failure, by cause: policy (the "
                           "action), quarantine (it could not be held), or the stage of an "
                           "internal error (on_error: tempfail)."},
    [METRICS_ERRORS] = {"mailvet_errors_total", "stage",
                        "Internal failures, by the stage of the message they stopped, "
                        "whatever on_error answered."},
};

/* family_init - an empty family that folds values beyond MAX */
static void family_init(struct family *f, unsigned max, bool closed)
{
    memset(f, 0, sizeof(*f));
    f->index = g_hash_table_new(g_str_hash, g_str_equal);
    f->names = g_ptr_array_new_with_free_func(g_free);
    f->counts = g_array_new(FALSE, TRUE, sizeof(guint64));
    f->max = max;
    f->closed = closed;
}

/* family_clear - free a family's sets */
static void family_clear(struct family *f)
{
    g_hash_table_destroy(f->index);
    g_ptr_array_free(f->names, TRUE);
    g_array_free(f->counts, TRUE);
}

/* family_slot - VALUE's slot in F, made when there is room (ADD); -1 when VALUE is
 * past the bound (it goes to METRICS_OTHER) or, in a closed family, unknown.  Under
 * the lock. */
static gssize family_slot(struct family *f, const char *value, bool add)
{
    gpointer hit = g_hash_table_lookup(f->index, value);
    guint64 zero = 0;
    char *copy;

    if (hit != NULL)
        return GPOINTER_TO_SIZE(hit) - 1;
    if (!add || f->names->len >= f->max)
        return -1;
    copy = g_strdup(value);
    g_ptr_array_add(f->names, copy);
    g_array_append_val(f->counts, zero);
    g_hash_table_insert(f->index, copy, GSIZE_TO_POINTER(f->names->len));
    return (gssize)f->names->len - 1;
}

/* family_add - one more for VALUE; under the lock */
static void family_add(struct family *f, const char *value)
{
    gssize slot = family_slot(f, value, !f->closed);

    if (slot >= 0) {
        g_array_index(f->counts, guint64, slot)++;
    } else if (!f->closed) {
        f->other++;
        f->has_other = true;
    }
}

/* family_set - a closed family's values become exactly IDS: a value kept keeps its
 * count, a new one starts at zero, one no longer there goes; under the lock */
static void family_set(struct family *f, const char *const *ids, size_t n)
{
    struct family next;

    family_init(&next, G_MAXUINT, true);
    for (size_t i = 0; i < n; i++) {
        gssize old = family_slot(f, ids[i], false);
        gssize slot = family_slot(&next, ids[i], true);

        if (old >= 0 && slot >= 0)
            g_array_index(next.counts, guint64, slot) = g_array_index(f->counts, guint64, old);
    }
    family_clear(f);
    *f = next;
}

/* observe - one value of SECONDS into H */
static void observe(struct histogram *h, double seconds)
{
    size_t b = 0;

    if (!(seconds > 0))
        seconds = 0; /* negative, NaN */
    while (b < NBUCKETS && seconds > bucket_le[b])
        b++;
    atomic_fetch_add_explicit(&h->count[b], 1, memory_order_relaxed);
    if (seconds < 1e9)
        atomic_fetch_add_explicit(&h->sum_us, (uint_fast64_t)(seconds * 1e6 + 0.5),
                                  memory_order_relaxed);
}

/* limit_name - the label of a limit reason: "Mailvet.Limits.Regex.RULE" gives "Regex"
 * (the rule is in METRICS_RULE_HITS' bounds, not here), libclamav's
 * "Heuristics.Limits.Exceeded.MaxRecursion" gives "MaxRecursion"; NULL for a signature */
static char *limit_name(const char *reason)
{
    static const char *const prefixes[] = {METRICS_LIMIT_PREFIX, METRICS_CLAMAV_LIMIT_PREFIX};

    for (size_t i = 0; i < G_N_ELEMENTS(prefixes); i++) {
        if (g_str_has_prefix(reason, prefixes[i])) {
            const char *p = reason + strlen(prefixes[i]);

            return g_strndup(p, strcspn(p, "."));
        }
    }
    return NULL;
}

/* metrics_new - all at zero */
struct metrics *metrics_new(void)
{
    struct metrics *m = g_new0(struct metrics, 1);

    g_mutex_init(&m->lock);
    family_init(&m->family[METRICS_RULE_HITS], G_MAXUINT, true);
    family_init(&m->family[METRICS_SIGNATURE_HITS], 100, false);
    family_init(&m->family[METRICS_LIMIT_HITS], METRICS_MAX_LABELS, false);
    family_init(&m->family[METRICS_TEMPFAILS], METRICS_MAX_LABELS, false);
    family_init(&m->family[METRICS_ERRORS], METRICS_MAX_LABELS, false);
    m->last_reload_ok = true;
    return m;
}

/* metrics_free - NULL allowed; returns NULL */
struct metrics *metrics_free(struct metrics *m)
{
    if (m == NULL)
        return NULL;
    for (size_t i = 0; i < METRICS_FAMILIES; i++)
        family_clear(&m->family[i]);
    g_mutex_clear(&m->lock);
    g_free(m);
    return NULL;
}

/* metrics_set_generation - G's gauges and rules */
void metrics_set_generation(struct metrics *m, const struct metrics_generation *g)
{
    g_mutex_lock(&m->lock);
    m->have_generation = true;
    m->generation = g->number;
    m->loaded = g->loaded;
    m->signatures_time = g->signatures_time;
    m->signatures = g->signatures;
    m->cache = g->cache;
    m->family[METRICS_SIGNATURE_HITS].max = MIN(g->max_signatures, METRICS_MAX_SIGNATURES_LIMIT);
    family_set(&m->family[METRICS_RULE_HITS], g->rules, g->nrules);
    g_mutex_unlock(&m->lock);
}

/* metrics_count_message - one message's verdict, action, times, sizes, hits, cache */
void metrics_count_message(struct metrics *m, const struct metrics_message *msg)
{
    if ((unsigned)msg->verdict < NVERDICTS && (unsigned)msg->action < NACTIONS)
        atomic_fetch_add_explicit(&m->messages[msg->verdict][msg->action], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->bytes, msg->bytes, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->objects, msg->objects, memory_order_relaxed);
    observe(&m->scan, msg->scan_seconds);
    observe(&m->wait, msg->wait_seconds);
    if (msg->cache) {
        atomic_fetch_add_explicit(&m->cache_hits, msg->cache_hits, memory_order_relaxed);
        atomic_fetch_add_explicit(&m->cache_misses, msg->cache_misses, memory_order_relaxed);
        atomic_fetch_add_explicit(&m->cache_errors, msg->cache_errors, memory_order_relaxed);
        atomic_fetch_add_explicit(&m->cache_rejected, msg->cache_rejected, memory_order_relaxed);
    }
    if (msg->local) {
        atomic_fetch_add_explicit(&m->local_hits, msg->local_hits, memory_order_relaxed);
        atomic_fetch_add_explicit(&m->local_misses, msg->local_misses, memory_order_relaxed);
        atomic_fetch_add_explicit(&m->local_evictions, msg->local_evictions, memory_order_relaxed);
    }
    g_mutex_lock(&m->lock);
    for (size_t i = 0; i < msg->nrules; i++)
        family_add(&m->family[METRICS_RULE_HITS], msg->rules[i]);
    for (size_t i = 0; i < msg->nreasons; i++) {
        char *limit = limit_name(msg->reasons[i]);

        if (limit != NULL)
            family_add(&m->family[METRICS_LIMIT_HITS], limit);
        else
            family_add(&m->family[METRICS_SIGNATURE_HITS], msg->reasons[i]);
        g_free(limit);
    }
    g_mutex_unlock(&m->lock);
}

/* metrics_count - one event of F */
void metrics_count(struct metrics *m, enum metrics_family f, const char *value)
{
    if ((unsigned)f >= METRICS_FAMILIES || value == NULL)
        return;
    g_mutex_lock(&m->lock);
    family_add(&m->family[f], value);
    g_mutex_unlock(&m->lock);
}

/* metrics_declare - F{VALUE} at zero */
void metrics_declare(struct metrics *m, enum metrics_family f, const char *value)
{
    if ((unsigned)f >= METRICS_FAMILIES || value == NULL)
        return;
    g_mutex_lock(&m->lock);
    family_slot(&m->family[f], value, true);
    g_mutex_unlock(&m->lock);
}

/* metrics_count_reload - one reload done or refused */
void metrics_count_reload(struct metrics *m, bool done)
{
    g_mutex_lock(&m->lock);
    if (done)
        m->reloads_done++;
    else
        m->reloads_refused++;
    m->last_reload_ok = done;
    g_mutex_unlock(&m->lock);
}

/* ---- the text ---- */

/* head - the HELP and TYPE lines of a family */
static void head(GString *out, const char *name, const char *type, const char *help)
{
    g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* number - V as the format reads it: the fewest digits (15 to 17) that read back as V,
 * so 0.005 is "0.005"; '.' as the decimal point whatever the locale */
static void number(GString *out, double v)
{
    static const char *const formats[] = {"%.15g", "%.16g", "%.17g"};
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        g_ascii_formatd(buf, sizeof(buf), formats[i], v);
        if (g_ascii_strtod(buf, NULL) == v)
            break;
    }
    g_string_append(out, buf);
}

/* label_value - TEXT as a label value between double quotes: valid UTF-8, with
 * backslash, double quote and line feed escaped */
static void label_value(GString *out, const char *text)
{
    char *valid = g_utf8_make_valid(text, -1);

    g_string_append_c(out, '"');
    for (const char *p = valid; *p != '\0'; p++) {
        if (*p == '\\' || *p == '"')
            g_string_append_c(out, '\\'), g_string_append_c(out, *p);
        else if (*p == '\n')
            g_string_append(out, "\\n");
        else
            g_string_append_c(out, *p);
    }
    g_string_append_c(out, '"');
    g_free(valid);
}

/* sample - one line: NAME, optionally {LABEL="VALUE"}, and an integer */
static void sample(GString *out, const char *name, const char *label, const char *value, guint64 v)
{
    g_string_append(out, name);
    if (label != NULL) {
        g_string_append_printf(out, "{%s=", label);
        label_value(out, value);
        g_string_append_c(out, '}');
    }
    g_string_append_printf(out, " %" G_GUINT64_FORMAT "\n", v);
}

/* gauge - a family of one sample: HELP, TYPE gauge and V */
static void gauge(GString *out, const char *name, const char *help, double v)
{
    head(out, name, "gauge", help);
    g_string_append_printf(out, "%s ", name);
    number(out, v);
    g_string_append_c(out, '\n');
}

/* counter - a family of one counter sample */
static void counter(GString *out, const char *name, const char *help, atomic_uint_fast64_t *v)
{
    head(out, name, "counter", help);
    sample(out, name, NULL, NULL, atomic_load_explicit(v, memory_order_relaxed));
}

/* histogram - a histogram family: cumulative buckets, _sum, _count */
static void histogram(GString *out, const char *name, const char *help, struct histogram *h)
{
    guint64 total = 0;

    head(out, name, "histogram", help);
    for (size_t b = 0; b <= NBUCKETS; b++) {
        total += atomic_load_explicit(&h->count[b], memory_order_relaxed);
        g_string_append_printf(out, "%s_bucket{le=\"", name);
        if (b < NBUCKETS)
            number(out, bucket_le[b]);
        else
            g_string_append(out, "+Inf");
        g_string_append_printf(out, "\"} %" G_GUINT64_FORMAT "\n", total);
    }
    g_string_append_printf(out, "%s_sum ", name);
    number(out, (double)atomic_load_explicit(&h->sum_us, memory_order_relaxed) / 1e6);
    g_string_append_printf(out, "\n%s_count %" G_GUINT64_FORMAT "\n", name, total);
}

/* family_render - a labelled family; under the lock */
static void family_render(GString *out, enum metrics_family i, const struct family *f)
{
    head(out, family_info[i].name, "counter", family_info[i].help);
    for (guint s = 0; s < f->names->len; s++)
        sample(out, family_info[i].name, family_info[i].label, g_ptr_array_index(f->names, s),
               g_array_index(f->counts, guint64, s));
    if (f->has_other)
        sample(out, family_info[i].name, family_info[i].label, METRICS_OTHER, f->other);
}

/* render_now - what the program read for this scrape */
static void render_now(GString *out, const struct metrics_now *now)
{
    static const char *const states[] = {"held", "released", "deleted", "damaged"};
    const char *name = "mailvet_quarantine_entries";
    unsigned counts[4];

    gauge(out, "mailvet_messages_in_flight", "Messages begun (MAIL FROM) and not yet ended.",
          now->in_flight);
    gauge(out, "mailvet_scan_slots", "Messages that may be scanned at once (max_scans).",
          now->slots);
    gauge(out, "mailvet_scan_slots_busy", "Scan slots taken now.", now->slots_busy);
    gauge(out, "mailvet_cache_breaker_open",
          "1 while the Redis cache's circuit breaker is open (Redis failed; messages are "
          "scanned without the cache), else 0.",
          now->breaker_open ? 1 : 0);
    gauge(out, "mailvet_local_cache_bytes",
          "Bytes the serving generation's local cache holds (its entries' encodings, keys and "
          "bookkeeping, as local_cache_size bounds them).",
          (double)now->local_bytes);
    gauge(out, "mailvet_local_cache_entries",
          "Leaf reports the serving generation's local cache holds.", now->local_entries);
    gauge(out, "mailvet_local_cache_max_bytes",
          "The local cache's bound (local_cache_size); 0 when it is off.",
          (double)now->local_max_bytes);
    if (!now->quarantine)
        return;
    counts[0] = now->quarantine_held;
    counts[1] = now->quarantine_released;
    counts[2] = now->quarantine_deleted;
    counts[3] = now->quarantine_damaged;
    head(out, name, "gauge",
         "Entries of the quarantine store (quarantine_dir), by state, as its index was when "
         "last read (at most 30 s ago).");
    for (size_t i = 0; i < G_N_ELEMENTS(states); i++)
        sample(out, name, "state", states[i], counts[i]);
    gauge(out, "mailvet_quarantine_bytes",
          "Bytes of the messages held or released in the quarantine store, when last read.",
          (double)now->quarantine_bytes);
}

/* metrics_render - the whole exposition */
void metrics_render(struct metrics *m, const struct metrics_now *now, GString *out)
{
    const char *name = "mailvet_messages_total";

    head(out, "mailvet_build_info", "gauge", "Always 1; the version of mailvetd as a label.");
    g_string_append(out, "mailvet_build_info{version=");
    label_value(out, PACKAGE_VERSION);
    g_string_append(out, "} 1\n");

    head(out, name, "counter",
         "Messages that got a verdict, by verdict and by the action the policy decided.");
    for (unsigned v = 0; v < NVERDICTS; v++)
        for (unsigned a = 0; a < NACTIONS; a++) {
            g_string_append_printf(
                out, "%s{verdict=\"%s\",action=\"%s\"} %" G_GUINT64_FORMAT "\n", name,
                mv_verdict_name((enum mv_verdict)v), mv_action_name((enum mv_action)a),
                (guint64)atomic_load_explicit(&m->messages[v][a], memory_order_relaxed));
        }
    histogram(out, "mailvet_scan_duration_seconds",
              "Time to parse, scan and decide one message (after its scan slot was taken).",
              &m->scan);
    histogram(out, "mailvet_scan_slot_wait_seconds",
              "Time a message waited for a scan slot (max_scans).", &m->wait);
    counter(out, "mailvet_scanned_bytes_total",
            "Bytes of the messages that got a verdict, as the MTA sent them.", &m->bytes);
    counter(out, "mailvet_scanned_objects_total",
            "Objects inspected (every MIME leaf and every object nested in it).", &m->objects);
    counter(out, "mailvet_cache_hits_total", "Leaves whose scan report came from the Redis cache.",
            &m->cache_hits);
    counter(out, "mailvet_cache_misses_total",
            "Leaves the Redis cache did not have (or could not be asked for: breaker open, "
            "error), scanned.",
            &m->cache_misses);
    counter(out, "mailvet_cache_errors_total",
            "Failed calls to Redis (connect, timeout, protocol).", &m->cache_errors);
    counter(out, "mailvet_cache_rejected_total",
            "Cached values ignored: their HMAC did not verify or they did not decode.",
            &m->cache_rejected);
    counter(out, "mailvet_local_cache_hits_total",
            "Leaves whose scan report came from the local cache (Redis was not asked).",
            &m->local_hits);
    counter(out, "mailvet_local_cache_misses_total",
            "Leaves the local cache did not have (asked of Redis when configured, else scanned).",
            &m->local_misses);
    counter(out, "mailvet_local_cache_evictions_total",
            "Reports the local cache dropped, least recently used first, to stay within "
            "local_cache_size (a reload drops the whole cache without counting here).",
            &m->local_evictions);
    if (now != NULL)
        render_now(out, now);

    g_mutex_lock(&m->lock);
    for (unsigned i = 0; i < METRICS_FAMILIES; i++)
        family_render(out, (enum metrics_family)i, &m->family[i]);
    head(out, "mailvet_reloads_total", "counter",
         "Reloads (SIGUSR1, or changed signature or policy files), by result: done (a new "
         "generation serves) or refused (the old one keeps serving).");
    sample(out, "mailvet_reloads_total", "result", "done", m->reloads_done);
    sample(out, "mailvet_reloads_total", "result", "refused", m->reloads_refused);
    gauge(out, "mailvet_last_reload_successful",
          "1 when the last reload installed its generation (or none was asked since the "
          "start), 0 when it was refused.",
          m->last_reload_ok ? 1 : 0);
    if (m->have_generation) {
        gauge(out, "mailvet_generation",
              "The number of the generation (configuration, policy, signatures) serving: 1 at "
              "the start, one more per reload done.",
              m->generation);
        gauge(out, "mailvet_generation_load_timestamp_seconds",
              "When the serving generation was installed, in Unix seconds.", m->loaded);
        gauge(out, "mailvet_signatures_newest_timestamp_seconds",
              "The modification time of the newest file of the serving generation's signature "
              "database, in Unix seconds (its age: time() minus this).",
              m->signatures_time);
        gauge(out, "mailvet_signatures_loaded", "Signatures of the serving generation's engine.",
              m->signatures);
        gauge(out, "mailvet_policy_rules", "Rules of the serving generation's policy.",
              m->family[METRICS_RULE_HITS].names->len);
        gauge(out, "mailvet_cache_enabled",
              "1 when the serving generation has a Redis cache (redis is set), else 0.",
              m->cache ? 1 : 0);
    }
    g_mutex_unlock(&m->lock);
}
