/* cache_fixture.c - what the tests of the Redis cache share (cache_fixture.h).  Test
 * code only. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <hiredis/hiredis.h>

#include "cache_fixture.h"
#include "reportcodec.h"

char *redis_server; /* path, NULL when not installed */
struct server main_server;
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
void server_start(struct server *s)
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

void server_stop(struct server *s)
{
    int status;

    if (s->pid <= 0)
        return;
    kill(s->pid, SIGTERM);
    waitpid(s->pid, &status, 0);
    s->pid = 0;
    g_unlink(s->sock);
}

void server_init(struct server *s, const char *password)
{
    memset(s, 0, sizeof(*s));
    g_strlcpy(s->dir, "/tmp/mailvet-test-cache.XXXXXX", sizeof(s->dir));
    assert_non_null(g_mkdtemp(s->dir));
    snprintf(s->sock, sizeof(s->sock), "%s/redis.sock", s->dir);
    snprintf(s->addr, sizeof(s->addr), "unix:%s", s->sock);
    s->password = password;
}

void server_done(struct server *s)
{
    server_stop(s);
    g_rmdir(s->dir);
}

int setup(void **state)
{
    (void)state;
    redis_server = g_find_program_in_path("redis-server");
    if (redis_server == NULL)
        return 0;
    server_init(&main_server, NULL);
    server_start(&main_server);
    return 0;
}

int teardown(void **state)
{
    (void)state;
    if (redis_server != NULL)
        server_done(&main_server);
    g_free(redis_server);
    return 0;
}

/* options_for - Redis on S (strings borrowed from S and PASSWORD) */
struct cache_options options_for(const struct server *s, const char *password)
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

struct cache *make_cache(const struct cache_options *opt, const char *digest)
{
    struct mv_err err = {0};
    struct cache *c = cache_new(opt, digest, &err);

    if (c == NULL)
        fail_msg("cache_new: got NULL (%s), want a cache", err.msg);
    return c;
}

/* sha_of - a distinct hex "SHA-256" per test and leaf */
char *sha_of(char leaf)
{
    char *s = g_strdup_printf("%c%063d", leaf, ++test_seq);

    return s;
}

/* sample_report - a zip with a member; DETECTED adds a signature; HEADS full heads */
void sample_report(struct scan_report *rep, bool detected, unsigned heads)
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
void assert_same_report(const struct scan_report *got, const struct scan_report *want)
{
    GByteArray *a = g_byte_array_new(), *b = g_byte_array_new();

    assert_int_equal(reportcodec_encode(got, UINT64_MAX, a, NULL), MV_OK);
    assert_int_equal(reportcodec_encode(want, UINT64_MAX, b, NULL), MV_OK);
    if (a->len != b->len || memcmp(a->data, b->data, a->len) != 0)
        fail_msg("got a report of %u encoded bytes, want an identical one of %u", a->len, b->len);
    g_byte_array_unref(a);
    g_byte_array_unref(b);
}

/* get_one - cache_get of one leaf; REP filled on a hit */
bool get_one(struct cache *c, const char *sha, struct scan_report *rep, struct cache_stats *st)
{
    const char *shas[1] = {sha};
    bool hit = false;

    memset(st, 0, sizeof(*st));
    memset(rep, 0, sizeof(*rep));
    cache_get(c, shas, 1, rep, &hit, st);
    return hit;
}

void put_one(struct cache *c, const char *sha, const struct scan_report *rep,
             struct cache_stats *st)
{
    const char *shas[1] = {sha};
    bool store = true;

    memset(st, 0, sizeof(*st));
    cache_put(c, shas, rep, &store, 1, st);
}
