/* test_cache.c - cache.c against a real redis-server on a unix socket in a temp dir:
 * miss, put, hit; digest change; forged values; TTLs; the size cap; AUTH; a reload that
 * changes the database; threads; Redis stopped (errors, then the breaker: no attempt)
 * and started again (hits resume), each change told once by cache_health_take().
 * Skipped when redis-server is not installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <hiredis/hiredis.h>

#include "cache.h"
#include "reportcodec.h"
#include "scan.h"

#define SECRET "0123456789abcdef-test-secret"
#define DIGEST "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1"
#define DIGEST2 "d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2"
#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define PASSWORD "s3cret-pass"

/* One redis-server of ours. */
struct server {
    char dir[64];
    char sock[128];
    char addr[140];       /* "unix:" sock */
    const char *password; /* NULL: none */
    pid_t pid;
};

static char *redis_server; /* path, NULL when not installed */
static struct server main_server;
static int test_seq; /* each test its own keys */

/* server_ping - whether the server answers (with AUTH if it wants one) */
static bool server_ping(const struct server *s)
{
    struct timeval tv = {1, 0};
    redisContext *ctx = redisConnectUnixWithTimeout(s->sock, tv);
    redisReply *r;
    bool ok = false;

    if (ctx == NULL || ctx->err != 0)
        goto out;
    r = s->password != NULL ? redisCommand(ctx, "AUTH %s", s->password) : NULL;
    if (r != NULL)
        freeReplyObject(r);
    r = redisCommand(ctx, "PING");
    ok = r != NULL && r->type == REDIS_REPLY_STATUS;
    if (r != NULL)
        freeReplyObject(r);
out:
    if (ctx != NULL)
        redisFree(ctx);
    return ok;
}

/* server_start - redis-server on S->sock, no persistence; waits until it answers */
static void server_start(struct server *s)
{
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        const char *argv[16] = {redis_server, "--port",           "0",   "--unixsocket",
                                s->sock,      "--unixsocketperm", "700", "--save",
                                "",           "--appendonly",     "no",  "--dir",
                                s->dir};
        int argc = 13;

        if (s->password != NULL) {
            argv[argc++] = "--requirepass";
            argv[argc++] = s->password;
        }
        argv[argc] = NULL;
        if (freopen("/dev/null", "w", stdout) == NULL)
            _exit(126);
        execv(redis_server, (char *const *)argv);
        _exit(127);
    }
    /* not a timing threshold: the server gets up to 20 s to come up */
    for (int i = 0; i < 400 && !server_ping(s); i++)
        g_usleep(50000);
    if (!server_ping(s))
        fail_msg("redis-server on %s did not come up", s->sock);
}

static void server_stop(struct server *s)
{
    int status;

    if (s->pid <= 0)
        return;
    kill(s->pid, SIGTERM);
    waitpid(s->pid, &status, 0);
    s->pid = 0;
    g_unlink(s->sock);
}

static void server_init(struct server *s, const char *password)
{
    memset(s, 0, sizeof(*s));
    g_strlcpy(s->dir, "/tmp/mailvet-test-cache.XXXXXX", sizeof(s->dir));
    assert_non_null(g_mkdtemp(s->dir));
    snprintf(s->sock, sizeof(s->sock), "%s/redis.sock", s->dir);
    snprintf(s->addr, sizeof(s->addr), "unix:%s", s->sock);
    s->password = password;
}

static void server_done(struct server *s)
{
    server_stop(s);
    g_rmdir(s->dir);
}

static int setup(void **state)
{
    (void)state;
    redis_server = g_find_program_in_path("redis-server");
    if (redis_server == NULL)
        return 0;
    server_init(&main_server, NULL);
    server_start(&main_server);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (redis_server != NULL)
        server_done(&main_server);
    g_free(redis_server);
    return 0;
}

#define NEED_REDIS()                                                                               \
    do {                                                                                           \
        if (redis_server == NULL)                                                                  \
            skip();                                                                                \
    } while (0)

/* options_for - Redis on S (strings borrowed from S and PASSWORD) */
static struct cache_options options_for(const struct server *s, const char *password)
{
    struct cache_options opt = {
        .address = s->addr,
        .password = password,
        .secret = SECRET,
        .connect_timeout = 2000,
        .timeout = 2000,
        .ttl_clean = 3600,
        .ttl_detected = 86400,
        .max_value = 1024 * 1024,
    };

    return opt;
}

static struct cache *make_cache(const struct cache_options *opt, const char *digest)
{
    struct mv_err err = {0};
    struct cache *c = cache_new(opt, digest, &err);

    if (c == NULL)
        fail_msg("cache_new: got NULL (%s), want a cache", err.msg);
    return c;
}

/* sha_of - a distinct hex "SHA-256" per test and leaf */
static char *sha_of(char leaf)
{
    char *s = g_strdup_printf("%c%063d", leaf, ++test_seq);

    return s;
}

/* sample_report - a zip with a member; DETECTED adds a signature; HEADS full heads */
static void sample_report(struct scan_report *rep, bool detected, unsigned heads)
{
    static const unsigned char head[] = {'P', 'K', 3, 4, 0, 0, 0xff, 0};
    struct scan_object *o;

    scan_report_init(rep);
    rep->detected_type = g_strdup("CL_TYPE_ZIP");
    o = scan_object_append(rep, "2", "a.zip", "CL_TYPE_ZIP", 1000, 0);
    o->head = g_bytes_new(head, sizeof(head));
    o = scan_object_append(rep, "2/a.zip/b.exe", "b.exe", "CL_TYPE_MSEXE", 500, 1);
    o->type_mismatch = true;
    if (detected)
        scan_signature_add(rep, 1, "Win.Test.EICAR_HDB-1");
    for (unsigned i = 0; i < heads; i++) {
        char *path = g_strdup_printf("2/a.zip/f%u", i);
        guint8 *big = g_malloc0(SCAN_HEAD_BYTES);

        big[7] = (guint8)i;
        o = scan_object_append(rep, path, NULL, "CL_TYPE_ANY", 9999, 1);
        o->head = g_bytes_new_take(big, SCAN_HEAD_BYTES);
        g_free(path);
    }
}

/* assert_same_report - compared through their encodings, which carry every field */
static void assert_same_report(const struct scan_report *got, const struct scan_report *want)
{
    GByteArray *a = g_byte_array_new(), *b = g_byte_array_new();

    assert_int_equal(reportcodec_encode(got, UINT64_MAX, a, NULL), MV_OK);
    assert_int_equal(reportcodec_encode(want, UINT64_MAX, b, NULL), MV_OK);
    if (a->len != b->len || memcmp(a->data, b->data, a->len) != 0)
        fail_msg("got a report of %u encoded bytes, want an identical one of %u", a->len, b->len);
    g_byte_array_unref(a);
    g_byte_array_unref(b);
}

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

/* get_one - cache_get of one leaf; REP filled on a hit */
static bool get_one(struct cache *c, const char *sha, struct scan_report *rep,
                    struct cache_stats *st)
{
    const char *shas[1] = {sha};
    bool hit = false;

    memset(st, 0, sizeof(*st));
    memset(rep, 0, sizeof(*rep));
    cache_get(c, shas, 1, rep, &hit, st);
    return hit;
}

static void put_one(struct cache *c, const char *sha, const struct scan_report *rep,
                    struct cache_stats *st)
{
    const char *shas[1] = {sha};
    bool store = true;

    memset(st, 0, sizeof(*st));
    cache_put(c, shas, rep, &store, 1, st);
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
        cmocka_unit_test(cache_off_without_redis),
        cmocka_unit_test(cache_new_rejects_bad_settings),
        cmocka_unit_test(cache_new_accepts_addresses),
        cmocka_unit_test(cache_misses_then_stores_then_hits),
        cmocka_unit_test(cache_stores_only_what_is_asked),
        cmocka_unit_test(cache_misses_after_digest_change),
        cmocka_unit_test(cache_rejects_forged_values),
        cmocka_unit_test(cache_sets_ttl_by_verdict),
        cmocka_unit_test(cache_does_not_store_above_max_value),
        cmocka_unit_test(cache_reconnects_when_database_changes),
        cmocka_unit_test(cache_authenticates_with_password),
        cmocka_unit_test(cache_serves_threads),
        cmocka_unit_test(cache_survives_redis_down_and_back),
    };

    return cmocka_run_group_tests_name("cache", tests, setup, teardown);
}
