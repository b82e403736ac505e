/* test_localcache.c - localcache.c: off at size 0, a kept report comes back whole, the
 * digest separates generations, the byte bound holds with the least recently used
 * evicted first, an entry over its share is not kept, a put replaces, and threads
 * sharing one cache never get another key's report nor pass the bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "localcache.h"
#include "scan.h"

#define DIGEST_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DIGEST_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* report_of - a report that names NAME (in its detected type, an object and a
 * signature), with a head of HEAD bytes */
static void report_of(struct scan_report *rep, const char *name, size_t head)
{
    struct scan_object *o;
    char *bytes = g_malloc0(head + 1);

    scan_report_init(rep);
    rep->detected_type = g_strdup(name);
    g_ptr_array_add(rep->signatures, g_strconcat("Sig.", name, NULL));
    o = scan_object_append(rep, "2", name, "CL_TYPE_ZIP", 1000, 0);
    memset(bytes, 'x', head);
    o->head = g_bytes_new(bytes, head);
    g_free(bytes);
    rep->max_depth = 1;
}

/* sha_of - a 64-hex-digit stand-in for leaf N's SHA-256 */
static void sha_of(char *sha, size_t size, unsigned n)
{
    g_snprintf(sha, size, "%064x", n);
}

/* names - whether REP is the report report_of made for NAME */
static bool names(const struct scan_report *rep, const char *name)
{
    const struct scan_object *o;

    if (g_strcmp0(rep->detected_type, name) != 0 || rep->objects->len != 1 ||
        rep->signatures->len != 1)
        return false;
    o = g_ptr_array_index(rep->objects, 0);
    return g_strcmp0(o->name, name) == 0 && g_str_has_suffix(rep->signatures->pdata[0], name);
}

/* cost_of - what one entry of report_of(NAME, HEAD) counts against the bound */
static uint64_t cost_of(const char *name, size_t head)
{
    struct localcache *lc = localcache_new(UINT64_C(1) << 30);
    struct scan_report rep;
    char sha[65];
    uint64_t bytes;

    sha_of(sha, sizeof(sha), 0);
    report_of(&rep, name, head);
    localcache_put(lc, DIGEST_A, sha, &rep, NULL);
    localcache_usage(lc, &bytes, NULL);
    scan_report_clear(&rep);
    localcache_free(lc);
    return bytes;
}

static void test_size_zero_is_off(void **state)
{
    struct localcache_stats st = {0};
    struct scan_report rep;

    (void)state;
    assert_null(localcache_new(0));
    report_of(&rep, "one", 10);
    localcache_put(NULL, DIGEST_A, "00", &rep, &st);
    scan_report_clear(&rep);
    assert_false(localcache_get(NULL, DIGEST_A, "00", &rep, &st));
    assert_true(st.off);
    assert_int_equal(st.misses, 1);
    assert_int_equal(st.stored, 0);
}

static void test_kept_report_comes_back_whole(void **state)
{
    struct localcache *lc = localcache_new(1 << 20);
    struct localcache_stats st = {0};
    struct scan_report rep, got;
    const struct scan_object *o;
    unsigned entries;

    (void)state;
    report_of(&rep, "invoice.zip", 300);
    assert_false(localcache_get(lc, DIGEST_A, "01", &got, &st));
    localcache_put(lc, DIGEST_A, "01", &rep, &st);
    scan_report_clear(&rep); /* the cache keeps its own copy */
    assert_true(localcache_get(lc, DIGEST_A, "01", &got, &st));
    assert_true(names(&got, "invoice.zip"));
    o = g_ptr_array_index(got.objects, 0);
    assert_non_null(o->head);
    assert_int_equal(g_bytes_get_size(o->head), 300);
    assert_int_equal(got.max_depth, 1);
    scan_report_clear(&got);
    assert_int_equal(st.hits, 1);
    assert_int_equal(st.misses, 1);
    assert_int_equal(st.stored, 1);
    localcache_usage(lc, NULL, &entries);
    assert_int_equal(entries, 1);
    localcache_free(lc);
}

static void test_digest_separates_generations(void **state)
{
    struct localcache *lc = localcache_new(1 << 20);
    struct scan_report rep, got;

    (void)state;
    report_of(&rep, "old", 10);
    localcache_put(lc, DIGEST_A, "01", &rep, NULL);
    scan_report_clear(&rep);
    assert_false(localcache_get(lc, DIGEST_B, "01", &got, NULL));
    report_of(&rep, "new", 10);
    localcache_put(lc, DIGEST_B, "01", &rep, NULL);
    scan_report_clear(&rep);
    assert_true(localcache_get(lc, DIGEST_B, "01", &got, NULL));
    assert_true(names(&got, "new"));
    scan_report_clear(&got);
    assert_true(localcache_get(lc, DIGEST_A, "01", &got, NULL));
    assert_true(names(&got, "old"));
    scan_report_clear(&got);
    localcache_free(lc);
}

/* the bound holds after every put; the least recently used goes first, and a hit
 * makes an entry recent */
static void test_bound_evicts_least_recently_used(void **state)
{
    uint64_t cost = cost_of("leaf", 200);
    struct localcache *lc = localcache_new(cost * 10); /* ten entries' worth */
    struct localcache_stats st = {0};
    struct scan_report rep, got;
    char sha[65];
    uint64_t bytes;
    unsigned entries;

    (void)state;
    report_of(&rep, "leaf", 200);
    for (unsigned i = 0; i < 10; i++) {
        sha_of(sha, sizeof(sha), i);
        localcache_put(lc, DIGEST_A, sha, &rep, &st);
    }
    assert_int_equal(st.evictions, 0);
    localcache_usage(lc, &bytes, &entries);
    assert_int_equal(entries, 10);
    assert_int_equal(bytes, cost * 10);
    /* leaf 0 is used: leaf 1 is now the least recent */
    sha_of(sha, sizeof(sha), 0);
    assert_true(localcache_get(lc, DIGEST_A, sha, &got, NULL));
    scan_report_clear(&got);
    sha_of(sha, sizeof(sha), 10);
    localcache_put(lc, DIGEST_A, sha, &rep, &st);
    assert_int_equal(st.evictions, 1);
    sha_of(sha, sizeof(sha), 1);
    assert_false(localcache_get(lc, DIGEST_A, sha, &got, NULL));
    sha_of(sha, sizeof(sha), 0);
    assert_true(localcache_get(lc, DIGEST_A, sha, &got, NULL));
    scan_report_clear(&got);
    for (unsigned i = 11; i < 100; i++) {
        sha_of(sha, sizeof(sha), i);
        localcache_put(lc, DIGEST_A, sha, &rep, &st);
        localcache_usage(lc, &bytes, &entries);
        assert_true(bytes <= cost * 10);
    }
    assert_int_equal(entries, 10);
    assert_int_equal(st.evictions, 90);
    assert_int_equal(st.stored, 100);
    scan_report_clear(&rep);
    localcache_free(lc);
}

/* an entry over max_bytes / LOCALCACHE_ENTRY_SHARE is not kept, and nothing is evicted
 * for it */
static void test_entry_over_its_share_is_not_kept(void **state)
{
    uint64_t small = cost_of("small", 10);
    struct localcache *lc = localcache_new(small * LOCALCACHE_ENTRY_SHARE * 4);
    struct localcache_stats st = {0};
    struct scan_report rep, got;
    unsigned entries;

    (void)state;
    report_of(&rep, "small", 10);
    localcache_put(lc, DIGEST_A, "01", &rep, &st);
    scan_report_clear(&rep);
    report_of(&rep, "big", (size_t)small * 4); /* four small entries' worth of head */
    localcache_put(lc, DIGEST_A, "02", &rep, &st);
    scan_report_clear(&rep);
    assert_int_equal(st.stored, 1);
    assert_int_equal(st.evictions, 0);
    assert_false(localcache_get(lc, DIGEST_A, "02", &got, NULL));
    assert_true(localcache_get(lc, DIGEST_A, "01", &got, NULL));
    scan_report_clear(&got);
    localcache_usage(lc, NULL, &entries);
    assert_int_equal(entries, 1);
    localcache_free(lc);
}

static void test_put_replaces(void **state)
{
    struct localcache *lc = localcache_new(1 << 20);
    struct scan_report rep, got;
    uint64_t bytes;
    unsigned entries;
    char sha[65];

    (void)state;
    sha_of(sha, sizeof(sha), 0); /* the key cost_of uses */
    report_of(&rep, "first", 10);
    localcache_put(lc, DIGEST_A, sha, &rep, NULL);
    scan_report_clear(&rep);
    report_of(&rep, "second", 10);
    localcache_put(lc, DIGEST_A, sha, &rep, NULL);
    scan_report_clear(&rep);
    localcache_usage(lc, &bytes, &entries);
    assert_int_equal(entries, 1);
    assert_int_equal(bytes, cost_of("second", 10));
    assert_true(localcache_get(lc, DIGEST_A, sha, &got, NULL));
    assert_true(names(&got, "second"));
    scan_report_clear(&got);
    localcache_free(lc);
}

#define THREADS 4
#define ROUNDS 3000
#define KEYS 64

struct worker {
    struct localcache *lc;
    uint64_t max;
    unsigned seed;
    unsigned wrong; /* hits that named another key */
    unsigned over;  /* times the bound was seen passed */
    unsigned hits;
};

/* work - random gets and puts over KEYS keys, each report naming its key */
static gpointer work(gpointer data)
{
    struct worker *w = data;
    GRand *r = g_rand_new_with_seed(w->seed);

    for (unsigned i = 0; i < ROUNDS; i++) {
        unsigned k = (unsigned)g_rand_int_range(r, 0, KEYS);
        char sha[65], name[32];
        struct scan_report rep;
        uint64_t bytes;

        sha_of(sha, sizeof(sha), k);
        g_snprintf(name, sizeof(name), "leaf-%u", k);
        if (localcache_get(w->lc, DIGEST_A, sha, &rep, NULL)) {
            w->hits++;
            if (!names(&rep, name))
                w->wrong++;
            scan_report_clear(&rep);
        } else {
            report_of(&rep, name, 100 + k);
            localcache_put(w->lc, DIGEST_A, sha, &rep, NULL);
            scan_report_clear(&rep);
        }
        localcache_usage(w->lc, &bytes, NULL);
        if (bytes > w->max)
            w->over++;
    }
    g_rand_free(r);
    return NULL;
}

static void test_threads_share_one_cache(void **state)
{
    uint64_t max = cost_of("leaf-10", 110) * 20; /* about a third of the keys fit */
    struct localcache *lc = localcache_new(max);
    struct worker w[THREADS];
    GThread *t[THREADS];
    unsigned hits = 0;

    (void)state;
    for (unsigned i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.lc = lc, .max = max, .seed = 7 + i};
        t[i] = g_thread_new("localcache", work, &w[i]);
    }
    for (unsigned i = 0; i < THREADS; i++) {
        g_thread_join(t[i]);
        assert_int_equal(w[i].wrong, 0);
        assert_int_equal(w[i].over, 0);
        hits += w[i].hits;
    }
    assert_true(hits > 0);
    localcache_free(lc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_size_zero_is_off),
        cmocka_unit_test(test_kept_report_comes_back_whole),
        cmocka_unit_test(test_digest_separates_generations),
        cmocka_unit_test(test_bound_evicts_least_recently_used),
        cmocka_unit_test(test_entry_over_its_share_is_not_kept),
        cmocka_unit_test(test_put_replaces),
        cmocka_unit_test(test_threads_share_one_cache),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
