/* test_cache.c - cache.c against a real redis-server on a unix socket in a temp dir:
 * the cache off without Redis, the settings refused and accepted, miss, put, hit; only
 * what is asked stored; a digest change; forged values (a changed byte or HMAC, too
 * short, a value that does not decode, another key's value, a key of another type);
 * TTLs by verdict; the size cap.  Read and written behind the cache's back with a client
 * of the test's own.  Skipped when redis-server is not installed.  The connection (a
 * database change, AUTH, threads, Redis stopped and started again):
 * test_cache_connection.c; the servers and the helpers: cache_fixture.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "cache_fixture.h"

/* raw - a client of our own, for what the test does behind the cache's back */
static redisContext *raw(const struct server *s)
{
    struct timeval tv = {2, 0};
    redisContext *ctx = redisConnectUnixWithTimeout(s->sock, tv);

    assert_non_null(ctx);
    assert_int_equal(ctx->err, 0);
    return ctx;
}

static long long raw_integer(redisContext *ctx, const char *cmd, const char *key)
{
    redisReply *r = redisCommand(ctx, "%s %s", cmd, key);
    long long v;

    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    v = r->integer;
    freeReplyObject(r);
    return v;
}

static char *key_of(const char *digest, const char *sha)
{
    return g_strconcat("mv:", digest, ":", sha, NULL);
}

static void cache_off_without_redis(void **state)
{
    struct cache_options opt = {.secret = SECRET}; /* no address: off */
    struct mv_err err = {0};
    struct cache_stats st = {0};
    struct scan_report rep[1] = {{0}};
    const char *shas[1] = {SHA_A};
    bool hit = true, store = true;

    (void)state;
    assert_null(cache_new(&opt, DIGEST, &err));
    assert_int_equal(err.status, MV_OK);
    cache_get(NULL, shas, 1, rep, &hit, &st);
    assert_false(hit);
    assert_true(st.off);
    assert_int_equal(st.misses, 1);
    memset(&st, 0, sizeof(st));
    cache_put(NULL, shas, rep, &store, 1, &st);
    assert_true(st.off);
    assert_int_equal(st.stored, 0);
    assert_null(cache_free(NULL));
}

static void cache_new_rejects_bad_settings(void **state)
{
    static const struct {
        const char *redis, *secret, *want;
    } cases[] = {
        {"unix:/run/redis.sock", "", "cache_secret"},
        {"unix:/run/redis.sock", "fifteen-chars!!", "cache_secret"},
        {"localhost", SECRET, "redis"},
        {"localhost:0", SECRET, "redis"},
        {"localhost:99999", SECRET, "redis"},
        {"localhost:+6379", SECRET, "redis"},
        {"localhost: 6379", SECRET, "redis"},
        {"localhost:63x79", SECRET, "redis"},
        {"localhost:18446744073709551617", SECRET, "redis"},
        {"[::1]6379", SECRET, "redis"},
        {"::1:6379", SECRET, "redis"},
        {"unix:relative.sock", SECRET, "redis"},
    };

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct cache_options opt = {.address = cases[i].redis, .secret = cases[i].secret};
        struct mv_err err = {0};
        struct cache *c;

        c = cache_new(&opt, DIGEST, &err);
        if (c != NULL || err.status != MV_ECONFIG || !g_str_has_prefix(err.msg, cases[i].want))
            fail_msg("redis \"%s\" secret \"%s\": got %p \"%s\", want NULL and \"%s: ...\"",
                     cases[i].redis, cases[i].secret, (void *)c, err.msg, cases[i].want);
    }
}

static void cache_new_accepts_addresses(void **state)
{
    static const char *const addrs[] = {"unix:/run/redis.sock", "127.0.0.1:6379",
                                        "redis.example.com:6380", "[::1]:6379"};

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(addrs); i++) {
        struct cache_options opt = {.address = addrs[i], .secret = SECRET};

        cache_free(make_cache(&opt, DIGEST)); /* does not connect */
    }
}

static void cache_misses_then_stores_then_hits(void **state)
{
    struct cache_options opt;
    struct cache *c;
    struct scan_report want[2], got[2];
    struct cache_stats st = {0};
    char *a, *b;
    const char *shas[2];
    bool hit[2] = {true, true}, store[2] = {true, true};

    (void)state;
    NEED_REDIS();
    opt = options_for(&main_server, NULL);
    c = make_cache(&opt, DIGEST);
    a = sha_of('a');
    b = sha_of('b');
    shas[0] = a;
    shas[1] = b;
    sample_report(&want[0], true, 1);
    sample_report(&want[1], false, 0);
    memset(got, 0, sizeof(got));
    cache_get(c, shas, 2, got, hit, &st);
    assert_false(hit[0]);
    assert_false(hit[1]);
    assert_int_equal(st.misses, 2);
    assert_int_equal(st.hits + st.errors + st.rejected, 0);
    assert_false(st.off);
    cache_put(c, shas, want, store, 2, &st);
    assert_int_equal(st.stored, 2);
    assert_int_equal(st.errors, 0);
    memset(&st, 0, sizeof(st));
    cache_get(c, shas, 2, got, hit, &st);
    assert_true(hit[0]);
    assert_true(hit[1]);
    assert_int_equal(st.hits, 2);
    assert_int_equal(st.misses, 0);
    assert_true(st.rtt_ms >= 0.0);
    assert_same_report(&got[0], &want[0]);
    assert_same_report(&got[1], &want[1]);
    for (int i = 0; i < 2; i++) {
        scan_report_clear(&got[i]);
        scan_report_clear(&want[i]);
    }
    g_free(a);
    g_free(b);
    cache_free(c);
}

static void cache_stores_only_what_is_asked(void **state)
{
    struct cache_options opt;
    struct cache *c;
    struct scan_report want[2], got[2];
    struct cache_stats st = {0};
    char *a, *b;
    const char *shas[2];
    bool hit[2], store[2] = {false, true};

    (void)state;
    NEED_REDIS();
    opt = options_for(&main_server, NULL);
    c = make_cache(&opt, DIGEST);
    a = sha_of('a');
    b = sha_of('b');
    shas[0] = a;
    shas[1] = b;
    sample_report(&want[0], false, 0);
    sample_report(&want[1], false, 0);
    cache_put(c, shas, want, store, 2, &st);
    assert_int_equal(st.stored, 1);
    memset(got, 0, sizeof(got));
    memset(&st, 0, sizeof(st));
    cache_get(c, shas, 2, got, hit, &st);
    assert_false(hit[0]);
    assert_true(hit[1]);
    assert_int_equal(st.hits, 1);
    assert_int_equal(st.misses, 1);
    scan_report_clear(&got[1]);
    scan_report_clear(&want[0]);
    scan_report_clear(&want[1]);
    g_free(a);
    g_free(b);
    cache_free(c);
}

static void cache_misses_after_digest_change(void **state)
{
    struct cache_options opt;
    struct cache *c, *c2;
    struct scan_report want, got;
    struct cache_stats st;
    char *a;

    (void)state;
    NEED_REDIS();
    opt = options_for(&main_server, NULL);
    c = make_cache(&opt, DIGEST);
    c2 = make_cache(&opt, DIGEST2); /* a reload changed the signatures */
    a = sha_of('a');
    sample_report(&want, true, 0);
    put_one(c, a, &want, &st);
    assert_int_equal(st.stored, 1);
    assert_false(get_one(c2, a, &got, &st));
    assert_int_equal(st.misses, 1);
    assert_int_equal(st.rejected, 0);
    assert_true(get_one(c, a, &got, &st));
    scan_report_clear(&got);
    scan_report_clear(&want);
    g_free(a);
    cache_free(c);
    cache_free(c2);
}

/* set_raw - KEY's value replaced by LEN bytes at V */
static void set_raw(redisContext *ctx, const char *key, const void *v, size_t len)
{
    redisReply *r = redisCommand(ctx, "SET %s %b", key, v, len);

    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);
}

static void cache_rejects_forged_values(void **state)
{
    struct cache_options opt;
    struct cache *c;
    struct scan_report want, got;
    struct cache_stats st;
    redisContext *ctx;
    redisReply *r;
    GByteArray *v;
    char *a, *key;
    guint8 digest[32];
    gsize dlen = sizeof(digest);
    GHmac *h;

    (void)state;
    NEED_REDIS();
    opt = options_for(&main_server, NULL);
    c = make_cache(&opt, DIGEST);
    a = sha_of('a');
    key = key_of(DIGEST, a);
    sample_report(&want, true, 0);
    put_one(c, a, &want, &st);
    assert_int_equal(st.stored, 1);
    ctx = raw(&main_server);
    r = redisCommand(ctx, "GET %s", key);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    v = g_byte_array_new();
    g_byte_array_append(v, (const guint8 *)r->str, (guint)r->len);
    freeReplyObject(r);

    /* a byte of the encoding changed: the HMAC no longer verifies */
    v->data[v->len - 1] ^= 0x01;
    set_raw(ctx, key, v->data, v->len);
    assert_false(get_one(c, a, &got, &st));
    assert_int_equal(st.rejected, 1);
    assert_int_equal(st.misses, 1);
    assert_int_equal(st.errors, 0);
    assert_null(got.objects);

    /* the HMAC changed */
    v->data[v->len - 1] ^= 0x01;
    v->data[0] ^= 0x80;
    set_raw(ctx, key, v->data, v->len);
    assert_false(get_one(c, a, &got, &st));
    assert_int_equal(st.rejected, 1);

    /* shorter than an HMAC, and empty */
    set_raw(ctx, key, "x", 1);
    assert_false(get_one(c, a, &got, &st));
    assert_int_equal(st.rejected, 1);
    set_raw(ctx, key, "", 0);
    assert_false(get_one(c, a, &got, &st));
    assert_int_equal(st.rejected, 1);

    /* a valid HMAC (someone holds the secret) over bytes that do not decode */
    g_byte_array_set_size(v, 32);
    g_byte_array_append(v, (const guint8 *)"\x01\x00\x00\x00\x09", 5);
    h = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)SECRET, strlen(SECRET));
    g_hmac_update(h, (const guchar *)key, (gssize)strlen(key) + 1);
    g_hmac_update(h, v->data + 32, 5);
    g_hmac_get_digest(h, digest, &dlen);
    g_hmac_unref(h);
    memcpy(v->data, digest, 32);
    set_raw(ctx, key, v->data, v->len);
    assert_false(get_one(c, a, &got, &st));
    assert_int_equal(st.rejected, 1);

    /* the value of another key, copied over: the key is in the HMAC */
    {
        char *b = sha_of('b');
        char *key_b = key_of(DIGEST, b);

        put_one(c, b, &want, &st);
        r = redisCommand(ctx, "GET %s", key_b);
        assert_non_null(r);
        set_raw(ctx, key, r->str, r->len);
        freeReplyObject(r);
        assert_false(get_one(c, a, &got, &st));
        assert_int_equal(st.rejected, 1);
        assert_true(get_one(c, b, &got, &st));
        scan_report_clear(&got);
        g_free(b);
        g_free(key_b);
    }

    /* a key of another type: a miss for this key, not an error of the call */
    r = redisCommand(ctx, "DEL %s", key);
    freeReplyObject(r);
    r = redisCommand(ctx, "LPUSH %s x", key);
    freeReplyObject(r);
    assert_false(get_one(c, a, &got, &st));
    assert_int_equal(st.misses, 1);
    assert_int_equal(st.errors, 0);

    redisFree(ctx);
    g_byte_array_unref(v);
    scan_report_clear(&want);
    g_free(a);
    g_free(key);
    cache_free(c);
}

static void cache_sets_ttl_by_verdict(void **state)
{
    struct cache_options opt;
    struct cache *c;
    struct scan_report reps[2];
    struct cache_stats st = {0};
    redisContext *ctx;
    char *clean, *detected, *kc, *kd;
    const char *shas[2];
    bool store[2] = {true, true};
    long long tc, td;

    (void)state;
    NEED_REDIS();
    opt = options_for(&main_server, NULL);
    c = make_cache(&opt, DIGEST);
    clean = sha_of('c');
    detected = sha_of('d');
    shas[0] = clean;
    shas[1] = detected;
    sample_report(&reps[0], false, 0);
    sample_report(&reps[1], true, 0);
    cache_put(c, shas, reps, store, 2, &st);
    assert_int_equal(st.stored, 2);
    ctx = raw(&main_server);
    kc = key_of(DIGEST, clean);
    kd = key_of(DIGEST, detected);
    tc = raw_integer(ctx, "TTL", kc);
    td = raw_integer(ctx, "TTL", kd);
    /* Redis counts down in whole seconds: within a minute of what was set */
    if (tc > 3600 || tc < 3600 - 60)
        fail_msg("clean TTL: got %lld, want 3600", tc);
    if (td > 86400 || td < 86400 - 60)
        fail_msg("detected TTL: got %lld, want 86400", td);
    redisFree(ctx);
    scan_report_clear(&reps[0]);
    scan_report_clear(&reps[1]);
    g_free(clean);
    g_free(detected);
    g_free(kc);
    g_free(kd);
    cache_free(c);
}

static void cache_does_not_store_above_max_value(void **state)
{
    struct cache_options opt;
    struct cache *c;
    struct scan_report big, small, got;
    struct cache_stats st;
    redisContext *ctx;
    char *a, *b, *ka, *kb;

    (void)state;
    NEED_REDIS();
    opt = options_for(&main_server, NULL);
    opt.max_value = 1024;
    c = make_cache(&opt, DIGEST);
    a = sha_of('a');
    b = sha_of('b');
    sample_report(&big, true, 1); /* a 4 KiB head */
    sample_report(&small, true, 0);
    put_one(c, a, &big, &st);
    assert_int_equal(st.stored, 0);
    assert_int_equal(st.errors, 0);
    put_one(c, b, &small, &st);
    assert_int_equal(st.stored, 1);
    ctx = raw(&main_server);
    ka = key_of(DIGEST, a);
    kb = key_of(DIGEST, b);
    assert_int_equal(raw_integer(ctx, "EXISTS", ka), 0);
    assert_int_equal(raw_integer(ctx, "EXISTS", kb), 1);
    if (raw_integer(ctx, "STRLEN", kb) > 1024)
        fail_msg("got a value of %lld bytes, want at most 1024", raw_integer(ctx, "STRLEN", kb));
    assert_false(get_one(c, a, &got, &st));
    assert_true(get_one(c, b, &got, &st));
    scan_report_clear(&got);
    redisFree(ctx);
    scan_report_clear(&big);
    scan_report_clear(&small);
    g_free(a);
    g_free(b);
    g_free(ka);
    g_free(kb);
    cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cache_off_without_redis),
        cmocka_unit_test(cache_new_rejects_bad_settings),
        cmocka_unit_test(cache_new_accepts_addresses),
        cmocka_unit_test(cache_misses_then_stores_then_hits),
        cmocka_unit_test(cache_stores_only_what_is_asked),
        cmocka_unit_test(cache_misses_after_digest_change),
        cmocka_unit_test(cache_rejects_forged_values),
        cmocka_unit_test(cache_sets_ttl_by_verdict),
        cmocka_unit_test(cache_does_not_store_above_max_value),
    };

    return cmocka_run_group_tests_name("cache", tests, setup, teardown);
}
