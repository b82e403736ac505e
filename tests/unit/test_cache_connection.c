/* test_cache_connection.c - the cache's connections to a real redis-server (cache.c,
 * cache_io.c): a reload that changes the database, AUTH (right, wrong and none, the
 * breaker holding only the failing parameters), threads sharing one cache with a
 * connection each, and Redis stopped (errors, then the breaker: no attempt) and started
 * again (hits resume), each change told once by cache_health_take().  Skipped when
 * redis-server is not installed.  Stored values: test_cache.c; the servers and the
 * helpers: cache_fixture.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_fixture.h"

static void cache_reconnects_when_database_changes(void **state)
{
    struct cache_options opt0, opt1;
    struct cache *c0, *c1;
    struct scan_report want, got;
    struct cache_stats st;
    char *a;

    (void)state;
    NEED_REDIS();
    opt0 = options_for(&main_server, NULL);
    opt1 = options_for(&main_server, NULL);
    opt1.db = 1; /* a reload: same thread, other parameters */
    c0 = make_cache(&opt0, DIGEST);
    c1 = make_cache(&opt1, DIGEST);
    a = sha_of('a');
    sample_report(&want, false, 0);
    assert_false(get_one(c0, a, &got, &st));
    put_one(c1, a, &want, &st);
    assert_int_equal(st.stored, 1);
    assert_false(get_one(c0, a, &got, &st)); /* db 0 does not have it */
    assert_int_equal(st.errors, 0);
    assert_true(get_one(c1, a, &got, &st));
    scan_report_clear(&got);
    scan_report_clear(&want);
    g_free(a);
    cache_free(c0);
    cache_free(c1);
}

static void cache_authenticates_with_password(void **state)
{
    struct server s;
    struct cache_options good, bad, none;
    struct cache *cg, *cb, *cn;
    struct scan_report want, got;
    struct cache_stats st;
    char *a;

    (void)state;
    NEED_REDIS();
    server_init(&s, PASSWORD);
    server_start(&s);
    good = options_for(&s, PASSWORD);
    bad = options_for(&s, "wrong-password");
    none = options_for(&s, NULL);
    cg = make_cache(&good, DIGEST);
    cb = make_cache(&bad, DIGEST);
    cn = make_cache(&none, DIGEST);
    a = sha_of('a');
    sample_report(&want, true, 0);
    put_one(cg, a, &want, &st);
    assert_int_equal(st.stored, 1);
    assert_int_equal(st.errors, 0);
    assert_true(get_one(cg, a, &got, &st));
    scan_report_clear(&got);

    assert_false(get_one(cb, a, &got, &st)); /* AUTH refused: an error, a miss */
    assert_int_equal(st.errors, 1);
    assert_int_equal(st.misses, 1);
    assert_false(st.off);
    assert_false(get_one(cb, a, &got, &st)); /* and the breaker keeps it off */
    assert_true(st.off);
    assert_int_equal(st.errors, 0);

    assert_false(get_one(cn, a, &got, &st)); /* no AUTH: NOAUTH on MGET */
    assert_int_equal(st.errors, 1);

    assert_true(get_one(cg, a, &got, &st)); /* other parameters: not held by the breaker */
    assert_int_equal(st.errors, 0);
    scan_report_clear(&got);

    scan_report_clear(&want);
    g_free(a);
    cache_free(cg);
    cache_free(cb);
    cache_free(cn);
    server_done(&s);
}

/* Threads sharing one cache, each with its own connection. */
struct worker {
    struct cache *c;
    const char *const *shas;
    size_t n;
    unsigned hits, errors;
};

static gpointer worker_run(gpointer p)
{
    struct worker *w = p;

    for (int round = 0; round < 25; round++) {
        struct scan_report reps[4];
        bool hit[4];
        struct cache_stats st = {0};

        memset(reps, 0, sizeof(reps));
        cache_get(w->c, w->shas, w->n, reps, hit, &st);
        w->hits += st.hits;
        w->errors += st.errors;
        for (size_t i = 0; i < w->n; i++)
            if (hit[i])
                scan_report_clear(&reps[i]);
    }
    return NULL;
}

static void cache_serves_threads(void **state)
{
    struct cache_options opt;
    struct cache *c;
    struct scan_report reps[4];
    struct cache_stats st = {0};
    char *sha[4];
    bool store[4] = {true, true, true, true};
    struct worker w[4];
    GThread *t[4];

    (void)state;
    NEED_REDIS();
    opt = options_for(&main_server, NULL);
    c = make_cache(&opt, DIGEST);
    for (int i = 0; i < 4; i++) {
        sha[i] = sha_of((char)('a' + i));
        sample_report(&reps[i], i % 2 == 0, 0);
    }
    cache_put(c, (const char *const *)sha, reps, store, 4, &st);
    assert_int_equal(st.stored, 4);
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){.c = c, .shas = (const char *const *)sha, .n = 4};
        t[i] = g_thread_new("cache-test", worker_run, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        g_thread_join(t[i]);
        if (w[i].hits != 100 || w[i].errors != 0)
            fail_msg("thread %d: got %u hits %u errors, want 100 and 0", i, w[i].hits, w[i].errors);
    }
    for (int i = 0; i < 4; i++) {
        scan_report_clear(&reps[i]);
        g_free(sha[i]);
    }
    cache_free(c);
}

/* wait_breaker - call until a call is let through (the breaker's delay passed); its stats */
static bool wait_breaker(struct cache *c, const char *sha, struct scan_report *got,
                         struct cache_stats *st)
{
    /* not a timing threshold: the delay is 1 or 2 s, this waits up to 60 s */
    for (int i = 0; i < 600; i++) {
        bool hit = get_one(c, sha, got, st);

        if (!st->off)
            return hit;
        g_usleep(100000);
    }
    fail_msg("the breaker never let a call through");
    return false;
}

/* health_drain - forget the changes earlier tests left (the breaker is the process's) */
static void health_drain(void)
{
    char text[CACHE_HEALTH_TEXT];

    while (cache_health_take(text, sizeof(text), NULL))
        ;
}

/* expect_health - one change to take, DOWN or back, its text starting with WANT; no more */
static void expect_health(bool want_down, const char *want)
{
    char text[CACHE_HEALTH_TEXT];
    bool down = !want_down;

    if (!cache_health_take(text, sizeof(text), &down))
        fail_msg("cache_health_take: got nothing, want \"%s...\"", want);
    if (down != want_down || !g_str_has_prefix(text, want))
        fail_msg("cache_health_take: got %s \"%s\", want %s \"%s...\"", down ? "down" : "up", text,
                 want_down ? "down" : "up", want);
    if (cache_health_take(text, sizeof(text), &down))
        fail_msg("cache_health_take: got a second change \"%s\", want one", text);
}

static void cache_survives_redis_down_and_back(void **state)
{
    struct cache_options opt;
    struct cache *c;
    struct scan_report want, got;
    struct cache_stats st;
    char *a;

    (void)state;
    NEED_REDIS();
    opt = options_for(&main_server, NULL);
    c = make_cache(&opt, DIGEST);
    a = sha_of('a');
    sample_report(&want, true, 0);
    put_one(c, a, &want, &st);
    assert_true(get_one(c, a, &got, &st));
    scan_report_clear(&got);
    health_drain();

    server_stop(&main_server);
    assert_false(get_one(c, a, &got, &st)); /* the kept connection fails */
    assert_int_equal(st.errors, 1);
    assert_int_equal(st.misses, 1);
    assert_false(st.off);
    assert_false(get_one(c, a, &got, &st)); /* the breaker is open: not even tried */
    assert_true(st.off);
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.misses, 1);
    put_one(c, a, &want, &st);
    assert_true(st.off);
    assert_int_equal(st.errors + st.stored, 0);

    /* after the delay one trial, which fails (connect refused): the delay doubles */
    assert_false(wait_breaker(c, a, &got, &st));
    assert_int_equal(st.errors, 1);
    assert_false(get_one(c, a, &got, &st));
    assert_true(st.off);
    /* told once, however many calls failed or were held back */
    expect_health(true, "cache: redis unavailable: ");

    server_start(&main_server); /* empty: no persistence */
    assert_false(wait_breaker(c, a, &got, &st));
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.misses, 1);
    expect_health(false, "cache: redis available again");
    put_one(c, a, &want, &st);
    assert_int_equal(st.stored, 1);
    assert_true(get_one(c, a, &got, &st));
    assert_int_equal(st.hits, 1);
    assert_same_report(&got, &want);
    scan_report_clear(&got);

    scan_report_clear(&want);
    g_free(a);
    cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cache_reconnects_when_database_changes),
        cmocka_unit_test(cache_authenticates_with_password),
        cmocka_unit_test(cache_serves_threads),
        cmocka_unit_test(cache_survives_redis_down_and_back),
    };

    return cmocka_run_group_tests_name("cache_connection", tests, setup, teardown);
}
