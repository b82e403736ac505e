/* cache.c - the Redis verdict cache (contract: cache.h).
 * A struct cache holds a generation's settings and is read-only once made.  What
 * changes lives here: each thread's hiredis context (GPrivate, freed when the thread
 * ends), remade when the connection parameters differ from those it was made with or
 * after any error; and the circuit breaker, one for the process, behind a mutex.
 * The breaker remembers the parameters of the failing server: a generation with other
 * parameters (a reload that fixed the address) tries at once.  While it is open, one
 * thread at a time gets a trial after the delay (1 s, doubling to 30 s); the others
 * stay off.  Its transitions wait in a short queue, under the same mutex, until
 * cache_health_take() hands them to the program, which logs them (cache.h): a dead
 * Redis is one line, not one per message.
 * Deadline: a call's one deadline (struct call) is turned into the socket's timeouts
 * before each read(2) and write(2) (redisSetTimeout with the time left), and replies
 * are read with redisBufferRead and redisGetReplyFromReader, so the time left is
 * recomputed between reads even inside one reply (calls hiredis 0.14, in Debian 12,
 * and 1.x both have).
 * Value: HMAC-SHA256(secret, key NUL encoding) (32 bytes) then reportcodec's encoding;
 * the HMAC is compared in constant time before anything is decoded. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <glib.h>
#include <hiredis/hiredis.h>

#include "cache.h"
#include "mv.h"
#include "mvlimits.h"
#include "reportcodec.h"
#include "scan.h"

#define CACHE_HMAC_BYTES 32                    /* SHA-256 */
#define CACHE_DELAY_FIRST (1 * G_USEC_PER_SEC) /* breaker: first wait after a failure */
#define CACHE_DELAY_MAX (30 * G_USEC_PER_SEC)  /* ... doubling up to this */
#define CACHE_HEALTH_QUEUE 8                   /* changes kept until taken */

struct cache {
    char *host; /* TCP host (IPv6 without brackets), or NULL for a unix socket */
    int port;
    char *path;     /* unix socket path, or NULL */
    char *username; /* "" = none */
    char *password; /* "" = no AUTH */
    unsigned db;
    unsigned connect_timeout; /* ms */
    unsigned timeout;         /* ms */
    char *params;             /* all of the above as one string: which contexts can be reused */
    char *prefix;             /* "mv:" DIGEST ":" */
    char *secret;
    size_t secret_len;
    unsigned ttl_clean, ttl_detected;
    uint64_t max_value;
};

/* One thread's connection, and the parameters it was made with. */
struct conn {
    redisContext *ctx;
    char *params;
};

static void session_conn_free(gpointer p)
{
    struct conn *cn = p;

    if (cn == NULL)
        return;
    if (cn->ctx != NULL)
        redisFree(cn->ctx);
    g_free(cn->params);
    g_free(cn);
}

static GPrivate conn_key = G_PRIVATE_INIT(session_conn_free);

/* The breaker, shared by every thread and generation. */
static GMutex breaker_lock;
static struct {
    bool down;       /* the last attempt failed */
    char *params;    /* of the server that failed */
    gint64 delay;    /* current wait, microseconds */
    gint64 retry_at; /* monotonic time of the next trial */
} breaker;

/* The breaker's changes not yet taken, oldest first; under breaker_lock.  In a program
 * that never takes them the oldest make room for the newest. */
static struct {
    struct {
        bool down;
        char text[CACHE_HEALTH_TEXT];
    } change[CACHE_HEALTH_QUEUE];
    unsigned first, count;
} health;

/* health_push - queue one change: TEXT, then REASON made safe for a log line (cut at
 * LIMIT_LOG_FIELD bytes, control bytes, non-ASCII, ',' and '=' as '?'); under the lock */
static void health_push(bool down, const char *text, const char *reason)
{
    char *out;
    size_t len, room;

    if (health.count == CACHE_HEALTH_QUEUE) {
        health.first = (health.first + 1) % CACHE_HEALTH_QUEUE;
        health.count--;
    }
    out = health.change[(health.first + health.count) % CACHE_HEALTH_QUEUE].text;
    health.change[(health.first + health.count) % CACHE_HEALTH_QUEUE].down = down;
    health.count++;
    len = g_strlcpy(out, text, CACHE_HEALTH_TEXT);
    if (reason == NULL)
        return;
    room = CACHE_HEALTH_TEXT - 4 - len; /* "..." and the NUL */
    for (size_t i = 0; reason[i] != '\0'; i++) {
        unsigned char c = (unsigned char)reason[i];

        if (i == LIMIT_LOG_FIELD || i == room) {
            memcpy(out + len, "...", 3);
            len += 3;
            break;
        }
        out[len++] = (c < 0x20 || c >= 0x7f || c == ',' || c == '=') ? '?' : (char)c;
    }
    out[len] = '\0';
}

/* breaker_allow - whether this call may talk to Redis; claims the trial when due */
static bool breaker_allow(const struct cache *c)
{
    bool ok = true;
    gint64 now = g_get_monotonic_time();

    g_mutex_lock(&breaker_lock);
    if (breaker.down && strcmp(breaker.params, c->params) == 0) {
        if (now < breaker.retry_at)
            ok = false;
        else
            breaker.retry_at = now + breaker.delay; /* one trial at a time */
    }
    g_mutex_unlock(&breaker_lock);
    return ok;
}

/* breaker_fail - a failed call: open the breaker or double its delay; tell once */
static void breaker_fail(const struct cache *c, const char *reason)
{
    bool was_down;

    g_mutex_lock(&breaker_lock);
    was_down = breaker.down;
    if (breaker.down && strcmp(breaker.params, c->params) == 0) {
        breaker.delay = MIN(breaker.delay * 2, CACHE_DELAY_MAX);
    } else {
        breaker.delay = CACHE_DELAY_FIRST;
        g_free(breaker.params);
        breaker.params = g_strdup(c->params);
    }
    breaker.down = true;
    breaker.retry_at = g_get_monotonic_time() + breaker.delay;
    if (!was_down)
        health_push(true, "cache: redis unavailable: ", reason);
    g_mutex_unlock(&breaker_lock);
}

/* breaker_ok - a call that worked: close the breaker; tell once */
static void breaker_ok(void)
{
    bool was_down;

    g_mutex_lock(&breaker_lock);
    was_down = breaker.down;
    breaker.down = false;
    g_free(breaker.params);
    breaker.params = NULL;
    if (was_down)
        health_push(false, "cache: redis available again", NULL);
    g_mutex_unlock(&breaker_lock);
}

/* cache_health_take - the oldest change not yet taken */
bool cache_health_take(char *text, size_t size, bool *down)
{
    bool some;

    g_mutex_lock(&breaker_lock);
    some = health.count > 0;
    if (some) {
        g_strlcpy(text, health.change[health.first].text, size);
        if (down != NULL)
            *down = health.change[health.first].down;
        health.first = (health.first + 1) % CACHE_HEALTH_QUEUE;
        health.count--;
    }
    g_mutex_unlock(&breaker_lock);
    return some;
}

/* cache_breaker_open - the breaker's state now */
bool cache_breaker_open(void)
{
    bool open;

    g_mutex_lock(&breaker_lock);
    open = breaker.down;
    g_mutex_unlock(&breaker_lock);
    return open;
}

/* A write to a connection Redis closed raises SIGPIPE, and hiredis 0.14 does not use
 * MSG_NOSIGNAL: while this thread talks to Redis SIGPIPE is blocked, and one raised
 * meanwhile is consumed, so the module is safe in a process that does not ignore it
 * (mailvetd does; mailvet scan and the tests need not). */
struct sigpipe_guard {
    sigset_t old;
    bool pending; /* one was pending before: not ours to consume */
};

static void sigpipe_block(struct sigpipe_guard *g)
{
    sigset_t set, pending;

    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigemptyset(&pending);
    sigpending(&pending);
    g->pending = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &set, &g->old);
}

static void sigpipe_restore(const struct sigpipe_guard *g)
{
    sigset_t set, pending;
    const struct timespec zero = {0, 0};

    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigemptyset(&pending);
    sigpending(&pending);
    if (!g->pending && sigismember(&pending, SIGPIPE) == 1)
        while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
            ;
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

static struct timeval us_timeval(gint64 us)
{
    struct timeval tv = {.tv_sec = (time_t)(us / G_USEC_PER_SEC),
                         .tv_usec = (suseconds_t)(us % G_USEC_PER_SEC)};

    return tv;
}

/* One cache call (cache_get, cache_put): its deadline, redis_timeout after its start,
 * bounds all it says to Redis, the connect, AUTH, SELECT, the command and every reply;
 * and why it failed, when it did. */
struct call {
    const struct cache *c;
    gint64 deadline; /* monotonic, microseconds */
    char reason[512];
};

/* call_start - K for a call of C starting now */
static void call_start(struct call *k, const struct cache *c)
{
    k->c = c;
    k->deadline = g_get_monotonic_time() + (gint64)c->timeout * 1000;
    k->reason[0] = '\0';
}

/* timed_out - K's reason: WHAT was not done before the deadline */
static void timed_out(struct call *k, const char *what)
{
    snprintf(k->reason, sizeof(k->reason), "%s: not done within redis_timeout (%u ms)", what,
             k->c->timeout);
}

/* arm - the socket's send and receive timeouts set to what is left of K's deadline, so
 * that no one read or write can outlast it (hiredis applies redisSetTimeout per
 * read(2) and write(2): a Redis that answers a little at a time would otherwise
 * stretch a call without end); false with K's reason when nothing is left */
static bool arm(redisContext *ctx, struct call *k, const char *what)
{
    gint64 left = k->deadline - g_get_monotonic_time();

    if (left <= 0) {
        timed_out(k, what);
        return false;
    }
    if (redisSetTimeout(ctx, us_timeval(left)) != REDIS_OK) {
        snprintf(k->reason, sizeof(k->reason), "%s: setting the timeout: %s", what, ctx->errstr);
        return false;
    }
    return true;
}

/* io_failed - K's reason after a read or write of WHAT failed: the deadline (the socket
 * timeout fired: EAGAIN) or the error hiredis gives */
static void io_failed(redisContext *ctx, struct call *k, const char *what)
{
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ETIMEDOUT ||
        g_get_monotonic_time() >= k->deadline)
        timed_out(k, what);
    else
        snprintf(k->reason, sizeof(k->reason), "%s: %s", what,
                 ctx->errstr[0] != '\0' ? ctx->errstr : "connection lost");
}

/* send_all - every command appended to CTX written, before K's deadline */
static bool send_all(redisContext *ctx, struct call *k, const char *what)
{
    int done = 0;

    while (!done) {
        if (!arm(ctx, k, what))
            return false;
        errno = 0;
        if (redisBufferWrite(ctx, &done) != REDIS_OK) {
            io_failed(ctx, k, what);
            return false;
        }
    }
    return true;
}

/* get_reply - the next reply, whole, before K's deadline: the time left is recomputed
 * before each read; NULL with K's reason */
static redisReply *get_reply(redisContext *ctx, struct call *k, const char *what)
{
    void *r = NULL;

    if (redisGetReplyFromReader(ctx, &r) != REDIS_OK)
        goto protocol;
    while (r == NULL) {
        if (!arm(ctx, k, what))
            return NULL;
        errno = 0;
        if (redisBufferRead(ctx) != REDIS_OK) {
            io_failed(ctx, k, what);
            return NULL;
        }
        if (redisGetReplyFromReader(ctx, &r) != REDIS_OK)
            goto protocol;
    }
    return r;
protocol:
    snprintf(k->reason, sizeof(k->reason), "%s: %s", what, ctx->errstr);
    return NULL;
}

/* command - one command, binary-safe, sent and answered before K's deadline; an error
 * reply becomes a failure with K's reason */
static redisReply *command(redisContext *ctx, struct call *k, int argc, const char **argv,
                           const size_t *len)
{
    redisReply *r;

    if (redisAppendCommandArgv(ctx, argc, argv, len) != REDIS_OK) {
        snprintf(k->reason, sizeof(k->reason), "%s: %s", argv[0], ctx->errstr);
        return NULL;
    }
    if (!send_all(ctx, k, argv[0]) || (r = get_reply(ctx, k, argv[0])) == NULL)
        return NULL;
    if (r->type == REDIS_REPLY_ERROR) {
        snprintf(k->reason, sizeof(k->reason), "%s: %.*s", argv[0], (int)MIN(r->len, 200), r->str);
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

/* connect_redis - a new context: connect (within redis_connect_timeout and what is left
 * of K's deadline), AUTH, SELECT; NULL with K's reason */
static redisContext *connect_redis(const struct cache *c, struct call *k)
{
    gint64 left = k->deadline - g_get_monotonic_time();
    struct timeval ctv = us_timeval(MIN(left, (gint64)c->connect_timeout * 1000));
    redisContext *ctx;
    redisReply *r;

    if (left <= 0) {
        timed_out(k, "connect");
        return NULL;
    }
    if (c->path != NULL)
        ctx = redisConnectUnixWithTimeout(c->path, ctv);
    else
        ctx = redisConnectWithTimeout(c->host, c->port, ctv);
    if (ctx == NULL) {
        snprintf(k->reason, sizeof(k->reason), "connect: out of memory");
        return NULL;
    }
    if (ctx->err != 0) {
        snprintf(k->reason, sizeof(k->reason), "connect %s%s%s: %s", c->path != NULL ? "unix:" : "",
                 c->path != NULL ? c->path : c->host, c->path != NULL ? "" : " (TCP)", ctx->errstr);
        goto fail;
    }
    if (c->password[0] != '\0') {
        const char *argv[3] = {"AUTH"};
        size_t len[3] = {4};
        int argc = 1;

        if (c->username[0] != '\0') {
            argv[argc] = c->username;
            len[argc++] = strlen(c->username);
        }
        argv[argc] = c->password;
        len[argc++] = strlen(c->password);
        r = command(ctx, k, argc, argv, len);
        if (r == NULL)
            goto fail;
        freeReplyObject(r);
    }
    if (c->db != 0) {
        char db[16];
        const char *argv[2] = {"SELECT", db};
        size_t len[2] = {6, 0};

        len[1] = (size_t)snprintf(db, sizeof(db), "%u", c->db);
        r = command(ctx, k, 2, argv, len);
        if (r == NULL)
            goto fail;
        freeReplyObject(r);
    }
    return ctx;
fail:
    redisFree(ctx);
    return NULL;
}

/* stale - an idle connection has nothing to read: if it has, the server closed it
 * (Redis restarted, idle timeout) and the next command would fail on it, so it is
 * replaced before use instead of failing a call and tripping the breaker */
static bool stale(const redisContext *ctx)
{
    struct pollfd p = {.fd = ctx->fd, .events = POLLIN};

    return poll(&p, 1, 0) != 0;
}

/* get_conn - this thread's context for C's parameters, made if needed within K */
static redisContext *get_conn(const struct cache *c, struct call *k)
{
    struct conn *cn = g_private_get(&conn_key);

    if (cn == NULL) {
        cn = g_new0(struct conn, 1);
        g_private_set(&conn_key, cn);
    }
    if (cn->ctx != NULL &&
        (cn->ctx->err != 0 || strcmp(cn->params, c->params) != 0 || stale(cn->ctx))) {
        redisFree(cn->ctx); /* a reload changed the parameters, an error, or closed */
        cn->ctx = NULL;
    }
    if (cn->ctx == NULL) {
        cn->ctx = connect_redis(c, k);
        if (cn->ctx == NULL)
            return NULL;
        g_free(cn->params);
        cn->params = g_strdup(c->params);
    }
    return cn->ctx;
}

/* drop_conn - forget this thread's context after a failure (its state is unknown) */
static void drop_conn(void)
{
    struct conn *cn = g_private_get(&conn_key);

    if (cn != NULL && cn->ctx != NULL) {
        redisFree(cn->ctx);
        cn->ctx = NULL;
    }
}

/* failed - one failed call: counted, the connection dropped, the breaker told */
static void failed(const struct cache *c, const char *reason, struct cache_stats *stats)
{
    stats->errors++;
    drop_conn();
    breaker_fail(c, reason);
}

/* mac - HMAC-SHA256 of KEY, a NUL and the LEN bytes at DATA into OUT */
static void mac(const struct cache *c, const char *key, const guint8 *data, size_t len,
                guint8 out[CACHE_HMAC_BYTES])
{
    GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)c->secret, c->secret_len);
    gsize n = CACHE_HMAC_BYTES;

    g_hmac_update(h, (const guchar *)key, (gssize)strlen(key) + 1); /* with its NUL */
    g_hmac_update(h, data, (gssize)len);
    g_hmac_get_digest(h, out, &n);
    g_hmac_unref(h);
}

/* same_mac - constant-time comparison */
static bool same_mac(const guint8 *a, const guint8 *b)
{
    guint8 d = 0;

    for (size_t i = 0; i < CACHE_HMAC_BYTES; i++)
        d |= (guint8)(a[i] ^ b[i]);
    return d == 0;
}

/* value_report - a value MGET returned for KEY into REP: false if forged or malformed */
static bool value_report(const struct cache *c, const char *key, const redisReply *v,
                         struct scan_report *rep)
{
    guint8 want[CACHE_HMAC_BYTES];
    const guint8 *data = (const guint8 *)v->str;

    if (v->type != REDIS_REPLY_STRING || v->len <= CACHE_HMAC_BYTES)
        return false;
    mac(c, key, data + CACHE_HMAC_BYTES, v->len - CACHE_HMAC_BYTES, want);
    if (!same_mac(want, data))
        return false;
    return reportcodec_decode(data + CACHE_HMAC_BYTES, v->len - CACHE_HMAC_BYTES, rep, NULL) ==
           MV_OK;
}

/* parse_address - "unix:/path", "host:port" or "[v6]:port" into C */
static bool parse_address(struct cache *c, const char *addr, struct mv_err *err)
{
    const char *colon;
    char *end;
    unsigned long port;

    if (g_str_has_prefix(addr, "unix:")) {
        if (addr[5] != '/')
            goto bad;
        c->path = g_strdup(addr + 5);
        return true;
    }
    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');

        if (close == NULL || close == addr + 1 || close[1] != ':')
            goto bad;
        c->host = g_strndup(addr + 1, (gsize)(close - addr - 1));
        colon = close + 1;
    } else {
        colon = strrchr(addr, ':');
        if (colon == NULL || colon == addr || memchr(addr, ':', (size_t)(colon - addr)) != NULL)
            goto bad;
        c->host = g_strndup(addr, (gsize)(colon - addr));
    }
    errno = 0;
    port = strtoul(colon + 1, &end, 10);
    if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 || port == 0 || port > 65535)
        goto bad;
    c->port = (int)port;
    return true;
bad:
    mv_err_set(err, MV_ECONFIG, "redis: \"%s\" is not unix:/PATH, HOST:PORT or [IPV6]:PORT", addr);
    return false;
}

/* cache_new - a generation's cache, or NULL (off, or ERR) */
struct cache *cache_new(const struct cache_options *opt, const char *digest, struct mv_err *err)
{
    struct cache *c;

    if (opt->address == NULL || opt->address[0] == '\0')
        return NULL;
    if (opt->secret == NULL || strlen(opt->secret) < CACHE_SECRET_MIN) {
        mv_err_set(err, MV_ECONFIG,
                   "cache_secret: at least %d characters are required when redis is set",
                   CACHE_SECRET_MIN);
        return NULL;
    }
    if (digest == NULL || digest[0] == '\0') {
        mv_err_set(err, MV_EBUG, "cache: no scan digest");
        return NULL;
    }
    c = g_new0(struct cache, 1);
    if (!parse_address(c, opt->address, err))
        return cache_free(c);
    c->username = g_strdup(opt->username != NULL ? opt->username : "");
    c->password = g_strdup(opt->password != NULL ? opt->password : "");
    c->db = opt->db;
    c->connect_timeout = opt->connect_timeout;
    c->timeout = opt->timeout;
    /* NUL cannot occur in any of these: the fields separate unambiguously */
    c->params = g_strdup_printf("%s\n%s\n%s\n%u\n%u\n%u", opt->address, c->username, c->password,
                                c->db, c->connect_timeout, c->timeout);
    c->prefix = g_strconcat("mv:", digest, ":", NULL);
    c->secret = g_strdup(opt->secret);
    c->secret_len = strlen(c->secret);
    c->ttl_clean = opt->ttl_clean;
    c->ttl_detected = opt->ttl_detected;
    c->max_value = opt->max_value;
    return c;
}

/* cache_free - NULL; the threads' connections stay for the next generation */
struct cache *cache_free(struct cache *c)
{
    if (c == NULL)
        return NULL;
    g_free(c->host);
    g_free(c->path);
    g_free(c->username);
    g_free(c->password);
    g_free(c->params);
    g_free(c->prefix);
    g_free(c->secret);
    g_free(c);
    return NULL;
}

static double ms_since(gint64 start)
{
    return (double)(g_get_monotonic_time() - start) / 1000.0;
}

/* cache_get - one MGET for every leaf */
void cache_get(struct cache *c, const char *const *sha, size_t n, struct scan_report *reports,
               bool *hit, struct cache_stats *stats)
{
    const char **argv = NULL;
    size_t *len = NULL;
    size_t *leaf = NULL; /* argv[k + 1] is the key of leaf[k] */
    size_t keys = 0;
    struct call cl;
    redisContext *ctx;
    redisReply *r = NULL;
    struct cache_stats unused = {0};
    struct sigpipe_guard guard;
    gint64 start;

    if (stats == NULL)
        stats = &unused;
    for (size_t i = 0; i < n; i++)
        hit[i] = false;
    if (n == 0)
        return;
    if (c == NULL) {
        stats->off = true;
        stats->misses += (unsigned)n;
        return;
    }
    argv = g_new(const char *, n + 1);
    len = g_new(size_t, n + 1);
    leaf = g_new(size_t, n);
    argv[0] = "MGET";
    len[0] = 4;
    for (size_t i = 0; i < n; i++) {
        if (sha[i] == NULL || sha[i][0] == '\0')
            continue; /* nothing to look up by */
        argv[keys + 1] = g_strconcat(c->prefix, sha[i], NULL);
        len[keys + 1] = strlen(argv[keys + 1]);
        leaf[keys++] = i;
    }
    stats->misses += (unsigned)(n - keys);
    if (keys == 0)
        goto out;
    if (!breaker_allow(c)) {
        stats->off = true;
        stats->misses += (unsigned)keys;
        goto out;
    }
    start = g_get_monotonic_time();
    call_start(&cl, c);
    sigpipe_block(&guard);
    ctx = get_conn(c, &cl);
    if (ctx != NULL)
        r = command(ctx, &cl, (int)MIN(keys + 1, (size_t)INT_MAX), argv, len);
    if (r != NULL && (r->type != REDIS_REPLY_ARRAY || r->elements != keys)) {
        snprintf(cl.reason, sizeof(cl.reason), "MGET: unexpected reply type %d", r->type);
        freeReplyObject(r);
        r = NULL;
    }
    sigpipe_restore(&guard);
    stats->rtt_ms += ms_since(start);
    if (r == NULL) {
        failed(c, cl.reason, stats);
        stats->misses += (unsigned)keys;
        goto out;
    }
    breaker_ok();
    for (size_t k = 0; k < keys; k++) {
        const redisReply *v = r->element[k];
        struct scan_report rep;

        if (v->type == REDIS_REPLY_NIL) {
            stats->misses++;
        } else if (value_report(c, argv[k + 1], v, &rep)) {
            reports[leaf[k]] = rep;
            hit[leaf[k]] = true;
            stats->hits++;
        } else {
            stats->rejected++;
            stats->misses++;
        }
    }
    freeReplyObject(r);
out:
    for (size_t k = 0; k < keys; k++)
        g_free((char *)argv[k + 1]);
    g_free(argv);
    g_free(len);
    g_free(leaf);
}

/* One value to store: its key, HMAC + encoding, and the TTL as text. */
struct pending {
    char *key;
    GByteArray *value;
    char ttl[16];
};

/* cache_put - the encodings of the leaves to store, then one pipelined batch */
void cache_put(struct cache *c, const char *const *sha, const struct scan_report *reports,
               const bool *store, size_t n, struct cache_stats *stats)
{
    GArray *todo;
    struct call cl;
    redisContext *ctx;
    gint64 start;
    size_t sent = 0, ok = 0;
    struct cache_stats unused = {0};
    struct sigpipe_guard guard;

    if (stats == NULL)
        stats = &unused;
    if (c == NULL) {
        stats->off = true;
        return;
    }
    todo = g_array_new(FALSE, TRUE, sizeof(struct pending));
    for (size_t i = 0; i < n; i++) {
        const struct scan_report *rep = &reports[i];
        struct pending p = {0};
        bool detected = rep->signatures != NULL && rep->signatures->len > 0;

        if (!store[i] || sha[i] == NULL || sha[i][0] == '\0' || c->max_value <= CACHE_HMAC_BYTES)
            continue;
        p.value = g_byte_array_sized_new(1024);
        g_byte_array_set_size(p.value, CACHE_HMAC_BYTES);
        if (reportcodec_encode(rep, c->max_value - CACHE_HMAC_BYTES, p.value, NULL) != MV_OK) {
            g_byte_array_unref(p.value); /* too big, or text the format refuses */
            continue;
        }
        p.key = g_strconcat(c->prefix, sha[i], NULL);
        mac(c, p.key, p.value->data + CACHE_HMAC_BYTES, p.value->len - CACHE_HMAC_BYTES,
            p.value->data);
        snprintf(p.ttl, sizeof(p.ttl), "%u", detected ? c->ttl_detected : c->ttl_clean);
        g_array_append_val(todo, p);
    }
    if (todo->len == 0)
        goto out;
    if (!breaker_allow(c)) {
        stats->off = true;
        goto out;
    }
    start = g_get_monotonic_time();
    call_start(&cl, c);
    sigpipe_block(&guard);
    ctx = get_conn(c, &cl);
    for (guint i = 0; ctx != NULL && i < todo->len; i++) {
        const struct pending *p = &g_array_index(todo, struct pending, i);
        const char *argv[5] = {"SET", p->key, (const char *)p->value->data, "EX", p->ttl};
        size_t len[5] = {3, strlen(p->key), p->value->len, 2, strlen(p->ttl)};

        if (redisAppendCommandArgv(ctx, 5, argv, len) != REDIS_OK) {
            snprintf(cl.reason, sizeof(cl.reason), "SET: %s", ctx->errstr);
            break;
        }
        sent++;
    }
    if (ctx != NULL && sent > 0 && !send_all(ctx, &cl, "SET"))
        sent = 0;
    /* every reply read, even after an error reply, so the connection stays in step; all
     * of them before the one deadline of the call */
    for (size_t i = 0; ctx != NULL && i < sent; i++) {
        redisReply *r = get_reply(ctx, &cl, "SET");

        if (r == NULL)
            break;
        if (r->type == REDIS_REPLY_STATUS)
            ok++;
        else if (cl.reason[0] == '\0' && r->type == REDIS_REPLY_ERROR)
            snprintf(cl.reason, sizeof(cl.reason), "SET: %.*s", (int)MIN(r->len, 200), r->str);
        else if (cl.reason[0] == '\0')
            snprintf(cl.reason, sizeof(cl.reason), "SET: unexpected reply type %d", r->type);
        freeReplyObject(r);
    }
    sigpipe_restore(&guard);
    stats->rtt_ms += ms_since(start);
    stats->stored += (unsigned)ok;
    if (ctx == NULL || ok < todo->len)
        failed(c, cl.reason[0] != '\0' ? cl.reason : "SET: failed", stats);
    else
        breaker_ok();
out:
    for (guint i = 0; i < todo->len; i++) {
        struct pending *p = &g_array_index(todo, struct pending, i);

        g_free(p->key);
        g_byte_array_unref(p->value);
    }
    g_array_free(todo, TRUE);
}
