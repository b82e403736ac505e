/* cache.c - the Redis verdict cache (contract: cache.h).
 * A struct cache holds a generation's settings and is read-only once made.  What
 * changes lives here: each thread's hiredis contexts (GPrivate, freed when the thread
 * ends), one to the master and one to a replica, each remade when the connection
 * parameters or the server differ from those it was made with or after any error; and
 * the circuit breaker, one for the process, behind a mutex.
 * The breaker remembers the parameters of the failing server: a generation with other
 * parameters (a reload that fixed the address) tries at once.  While it is open, one
 * thread at a time gets a trial after the delay (1 s, doubling to 30 s); the others
 * stay off; with Sentinels, a call also tries at once when the Sentinels name a master
 * other than the one that failed (cache_sentinel.c asks them at most every 250 ms), so
 * the cache is back as soon as a failover is done.  Its transitions wait in a short
 * queue, under the same mutex, until cache_health_take() hands them to the program,
 * which logs them (cache.h): a dead Redis is one line, not one per message.
 * Talking to a server (the one deadline of a call, connect, commands): cache_io.c.
 * Sentinels: a new connection to the master they name is checked with ROLE; any failed
 * call to the master (a connection lost, a READONLY reply after a failover, the
 * deadline) makes the next call ask them again.  Reads (MGET) go to a replica when
 * redis_replicas names some, and to the master when the replica fails (within the same
 * deadline; that replica is left alone for REPLICA_PAUSE); writes always go to the master.
 * Value: HMAC-SHA256(secret, key NUL encoding) (32 bytes) then reportcodec's encoding;
 * the HMAC is compared in constant time before anything is decoded. */
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <hiredis/hiredis.h>

#include "cache.h"
#include "cache_internal.h"
#include "mv.h"
#include "mvlimits.h"
#include "reportcodec.h"
#include "scan.h"

#define CACHE_HMAC_BYTES 32                    /* SHA-256 */
#define CACHE_DELAY_FIRST (1 * G_USEC_PER_SEC) /* breaker: first wait after a failure */
#define CACHE_DELAY_MAX (30 * G_USEC_PER_SEC)  /* ... doubling up to this */
#define CACHE_HEALTH_QUEUE 8                   /* changes kept until taken */
#define REPLICA_PAUSE (5 * G_USEC_PER_SEC)     /* a thread's reads skip a failed replica */

/* One thread's connections, and what each was made with. */
struct conn {
    redisContext *ctx;  /* to the master (or the one server) */
    char *params;       /* of the cache it was made for */
    char *addr;         /* of the server */
    redisContext *rctx; /* to a replica, for reads */
    char *rparams;
    char *raddr;
    gint64 replica_retry; /* monotonic: no replica before */
    unsigned pick;        /* which replica this thread reads from */
};

static void session_conn_free(gpointer p)
{
    struct conn *cn = p;

    if (cn == NULL)
        return;
    if (cn->ctx != NULL)
        redisFree(cn->ctx);
    if (cn->rctx != NULL)
        redisFree(cn->rctx);
    g_free(cn->params);
    g_free(cn->addr);
    g_free(cn->rparams);
    g_free(cn->raddr);
    g_free(cn);
}

static GPrivate conn_key = G_PRIVATE_INIT(session_conn_free);
static guint conn_count; /* spreads the threads over the replicas */

/* The breaker, shared by every thread and generation. */
static GMutex breaker_lock;
static struct {
    bool down;       /* the last attempt failed */
    char *params;    /* of the server that failed */
    char *master;    /* the address of the master that failed (Sentinels), or NULL */
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

/* breaker_allow - whether this call (K) may talk to Redis; claims the trial when due,
 * or when the Sentinels name another master than the one that failed; *TRIAL (may be
 * NULL) whether the breaker is open, so that the master must answer this call */
static bool breaker_allow(const struct cache *c, struct cache_call *k, bool *trial)
{
    bool ok = true;
    char *failed = NULL;
    gint64 now = g_get_monotonic_time();

    g_mutex_lock(&breaker_lock);
    if (trial != NULL)
        *trial = breaker.down;
    if (breaker.down && strcmp(breaker.params, c->params) == 0) {
        if (now < breaker.retry_at) {
            ok = false;
            failed = g_strdup(breaker.master);
        } else {
            breaker.retry_at = now + breaker.delay; /* one trial at a time */
        }
    }
    g_mutex_unlock(&breaker_lock);
    if (!ok && c->sentinels != NULL) {
        ok = cache_sentinel_moved(c, failed, k);
        k->reason[0] = '\0';
    }
    g_free(failed);
    return ok;
}

/* breaker_fail - a failed call (to MASTER, with Sentinels): open the breaker or double
 * its delay; tell once */
static void breaker_fail(const struct cache *c, const char *reason, const char *master)
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
    g_free(breaker.master);
    breaker.master = g_strdup(master);
    breaker.down = true;
    breaker.retry_at = g_get_monotonic_time() + breaker.delay;
    if (!was_down)
        health_push(true, "cache: redis unavailable: ", reason);
    g_mutex_unlock(&breaker_lock);
}

/* breaker_ok - a call that worked (on MASTER, with Sentinels): close the breaker; tell
 * once, naming the master the Sentinels gave */
static void breaker_ok(const char *master)
{
    bool was_down;

    g_mutex_lock(&breaker_lock);
    was_down = breaker.down;
    breaker.down = false;
    g_free(breaker.params);
    breaker.params = NULL;
    g_free(breaker.master);
    breaker.master = NULL;
    if (was_down && master != NULL)
        health_push(false, "cache: redis available again: master ", master);
    else if (was_down)
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

/* stale - an idle connection has nothing to read: if it has, the server closed it
 * (Redis restarted, idle timeout) and the next command would fail on it, so it is
 * replaced before use instead of failing a call and tripping the breaker */
static bool stale(const redisContext *ctx)
{
    struct pollfd p = {.fd = ctx->fd, .events = POLLIN};

    return poll(&p, 1, 0) != 0;
}

/* this_conn - this thread's connections, made empty on first use */
static struct conn *this_conn(void)
{
    struct conn *cn = g_private_get(&conn_key);

    if (cn == NULL) {
        cn = g_new0(struct conn, 1);
        cn->pick = g_atomic_int_add(&conn_count, 1);
        g_private_set(&conn_key, cn);
    }
    return cn;
}

/* reuse - *CTX kept if it was made for PARAMS and ADDR and is still fine, else freed */
static void reuse(redisContext **ctx, const char *made_params, const char *made_addr,
                  const char *params, const char *addr)
{
    if (*ctx != NULL && ((*ctx)->err != 0 || strcmp(made_params, params) != 0 ||
                         strcmp(made_addr, addr) != 0 || stale(*ctx))) {
        redisFree(*ctx); /* a reload changed the parameters, a failover, an error, closed */
        *ctx = NULL;
    }
}

/* get_master - this thread's context to the master of C (the one server, or the one
 * the Sentinels name, checked with ROLE when new), made if needed within K; the
 * master's address in *ADDR (borrowed from this thread's connection) */
static redisContext *get_master(const struct cache *c, struct cache_call *k, const char **addr)
{
    struct conn *cn = this_conn();
    struct cache_addr found = {0};
    const struct cache_addr *m = &c->server;
    redisContext *ctx = NULL;

    *addr = NULL;
    if (c->sentinels != NULL) {
        if (!cache_sentinel_master(c, k, &found))
            return NULL;
        m = &found;
    }
    reuse(&cn->ctx, cn->params, cn->addr, c->params, m->text);
    if (cn->ctx == NULL) {
        ctx = cache_connect(m, c->username, c->password, c->db, c->connect_timeout, k);
        if (ctx != NULL && c->sentinels != NULL && !cache_sentinel_check_role(ctx, m, true, k)) {
            redisFree(ctx);
            ctx = NULL;
        }
        g_free(cn->addr);
        cn->addr = g_strdup(m->text);
        if (ctx == NULL) {
            if (c->sentinels != NULL)
                cache_sentinel_forget(c, m->text);
            *addr = cn->addr;
            cache_addr_clear(&found);
            return NULL;
        }
        cn->ctx = ctx;
        g_free(cn->params);
        cn->params = g_strdup(c->params);
    }
    *addr = cn->addr;
    cache_addr_clear(&found);
    return cn->ctx;
}

/* get_replica - this thread's context to a replica of C for reads, within K; NULL
 * (K's reason cleared) when C reads from the master only, none is known, or it fails */
static redisContext *get_replica(const struct cache *c, struct cache_call *k)
{
    struct conn *cn = this_conn();
    struct cache_addr r = {0};

    if (c->replicas == CACHE_REPLICAS_NONE || g_get_monotonic_time() < cn->replica_retry)
        return NULL;
    if (!cache_sentinel_replica(c, k, cn->pick, &r)) {
        k->reason[0] = '\0';
        return NULL;
    }
    reuse(&cn->rctx, cn->rparams, cn->raddr, c->params, r.text);
    if (cn->rctx == NULL) {
        cn->rctx = cache_connect(&r, c->username, c->password, c->db, c->connect_timeout, k);
        if (cn->rctx == NULL) {
            cn->replica_retry = g_get_monotonic_time() + REPLICA_PAUSE;
            k->reason[0] = '\0';
        }
        g_free(cn->rparams);
        cn->rparams = g_strdup(c->params);
        g_free(cn->raddr);
        cn->raddr = g_strdup(r.text);
    }
    cache_addr_clear(&r);
    return cn->rctx;
}

/* drop_replica - forget this thread's replica context after a failure, and read from
 * the master for a while */
static void drop_replica(void)
{
    struct conn *cn = this_conn();

    if (cn->rctx != NULL) {
        redisFree(cn->rctx);
        cn->rctx = NULL;
    }
    cn->replica_retry = g_get_monotonic_time() + REPLICA_PAUSE;
}

/* drop_conn - forget this thread's context to the master after a failure (its state is
 * unknown) */
static void drop_conn(void)
{
    struct conn *cn = g_private_get(&conn_key);

    if (cn != NULL && cn->ctx != NULL) {
        redisFree(cn->ctx);
        cn->ctx = NULL;
    }
}

/* failed - one failed call to the master at MASTER: counted, the connection dropped,
 * the Sentinels to be asked again, the breaker told */
static void failed(const struct cache *c, const char *reason, const char *master,
                   struct cache_stats *stats)
{
    stats->errors++;
    drop_conn();
    if (c->sentinels != NULL && master != NULL)
        cache_sentinel_forget(c, master);
    breaker_fail(c, reason, c->sentinels != NULL ? master : NULL);
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

/* addr_list - "A, B, C" (KEY's value) into a new array of struct cache_addr; NULL with
 * ERR on a bad or empty entry */
static GArray *addr_list(const char *text, const char *key, struct mv_err *err)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(struct cache_addr));
    char **parts = g_strsplit(text, ",", -1);

    for (size_t i = 0; parts[i] != NULL; i++) {
        struct cache_addr a;
        char *one = g_strstrip(parts[i]);

        if (one[0] == '\0') {
            mv_err_set(err, MV_ECONFIG,
                       "%s: an empty entry in \"%s\" (addresses separated by \",\")", key, text);
            goto bad;
        }
        if (!cache_addr_parse(&a, one, key, err))
            goto bad;
        g_array_append_val(out, a);
    }
    g_strfreev(parts);
    return out;
bad:
    g_strfreev(parts);
    return cache_addr_array_free(out);
}

/* set - whether the optional string S has a value */
static bool set(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* servers - C's servers from OPT: one (redis), or Sentinels (redis_sentinels and
 * redis_master_name), and the replicas; false with ERR naming the setting to fix */
static bool servers(struct cache *c, const struct cache_options *opt, struct mv_err *err)
{
    if (set(opt->address) && set(opt->sentinels)) {
        mv_err_set(err, MV_ECONFIG,
                   "redis_sentinels: set together with redis; set redis for one server, or "
                   "redis_sentinels and redis_master_name for Sentinel, not both");
        return false;
    }
    if (set(opt->sentinels) != set(opt->master_name)) {
        mv_err_set(err, MV_ECONFIG,
                   set(opt->sentinels)
                       ? "redis_master_name: required with redis_sentinels (the NAME of the "
                         "Sentinels' \"sentinel monitor NAME ...\")"
                       : "redis_master_name: set without redis_sentinels (the Sentinels to ask "
                         "for that master)");
        return false;
    }
    if (set(opt->address) && !cache_addr_parse(&c->server, opt->address, "redis", err))
        return false;
    if (set(opt->sentinels) &&
        (c->sentinels = addr_list(opt->sentinels, "redis_sentinels", err)) == NULL)
        return false;
    c->master_name = g_strdup(set(opt->master_name) ? opt->master_name : "");
    if (!set(opt->replicas))
        c->replicas = CACHE_REPLICAS_NONE;
    else if (strcmp(opt->replicas, "sentinel") == 0 && c->sentinels != NULL)
        c->replicas = CACHE_REPLICAS_SENTINEL;
    else if (strcmp(opt->replicas, "sentinel") == 0) {
        mv_err_set(err, MV_ECONFIG,
                   "redis_replicas: \"sentinel\" needs redis_sentinels (the Sentinels list "
                   "the replicas); with redis, name the replicas: \"HOST:PORT, ...\"");
        return false;
    } else if ((c->replica_list = addr_list(opt->replicas, "redis_replicas", err)) != NULL)
        c->replicas = CACHE_REPLICAS_LIST;
    else
        return false;
    return true;
}

/* cache_new - a generation's cache, or NULL (off, or ERR) */
struct cache *cache_new(const struct cache_options *opt, const char *digest, struct mv_err *err)
{
    struct cache *c;

    if (!set(opt->address) && !set(opt->sentinels)) {
        /* the settings that only mean something with a server: never silently unused */
        const char *orphan = set(opt->master_name)         ? "redis_master_name"
                             : set(opt->replicas)          ? "redis_replicas"
                             : set(opt->sentinel_password) ? "redis_sentinel_password"
                                                           : NULL;

        if (orphan != NULL)
            mv_err_set(err, MV_ECONFIG,
                       "%s: set without redis or redis_sentinels, so the cache is off; set "
                       "one of them or remove %s",
                       orphan, orphan);
        return NULL;
    }
    if (opt->secret == NULL || strlen(opt->secret) < CACHE_SECRET_MIN) {
        mv_err_set(err, MV_ECONFIG,
                   "cache_secret: at least %d characters are required when %s is set",
                   CACHE_SECRET_MIN, set(opt->address) ? "redis" : "redis_sentinels");
        return NULL;
    }
    if (digest == NULL || digest[0] == '\0') {
        mv_err_set(err, MV_EBUG, "cache: no scan digest");
        return NULL;
    }
    c = g_new0(struct cache, 1);
    if (!servers(c, opt, err))
        return cache_free(c);
    c->sentinel_username = g_strdup(set(opt->sentinel_username) ? opt->sentinel_username : "");
    c->sentinel_password = g_strdup(set(opt->sentinel_password) ? opt->sentinel_password : "");
    c->username = g_strdup(opt->username != NULL ? opt->username : "");
    c->password = g_strdup(opt->password != NULL ? opt->password : "");
    c->db = opt->db;
    c->connect_timeout = opt->connect_timeout;
    c->timeout = opt->timeout;
    /* NUL cannot occur in any of these: the fields separate unambiguously */
    c->params = g_strdup_printf(
        "%s\n%s\n%s\n%u\n%u\n%u\n%s\n%s\n%s\n%s\n%s", set(opt->address) ? opt->address : "",
        c->username, c->password, c->db, c->connect_timeout, c->timeout,
        set(opt->sentinels) ? opt->sentinels : "", c->master_name, c->sentinel_username,
        c->sentinel_password, set(opt->replicas) ? opt->replicas : "");
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
    cache_addr_clear(&c->server);
    cache_addr_array_free(c->sentinels);
    cache_addr_array_free(c->replica_list);
    g_free(c->master_name);
    g_free(c->sentinel_username);
    g_free(c->sentinel_password);
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

/* mget - the MGET of ARGV (KEYS keys) on CTX within K: an array of as many values, or
 * NULL with K's reason */
static redisReply *mget(redisContext *ctx, struct cache_call *k, size_t keys, const char **argv,
                        const size_t *len)
{
    redisReply *r = cache_command(ctx, k, (int)MIN(keys + 1, (size_t)INT_MAX), argv, len);

    if (r != NULL && (r->type != REDIS_REPLY_ARRAY || r->elements != keys)) {
        snprintf(k->reason, sizeof(k->reason), "MGET: unexpected reply type %d", r->type);
        freeReplyObject(r);
        r = NULL;
    }
    return r;
}

/* cache_get - one MGET for every leaf: from a replica, or the master */
void cache_get(struct cache *c, const char *const *sha, size_t n, struct scan_report *reports,
               bool *hit, struct cache_stats *stats)
{
    const char **argv = NULL;
    size_t *len = NULL;
    size_t *leaf = NULL; /* argv[k + 1] is the key of leaf[k] */
    size_t keys = 0;
    struct cache_call cl;
    redisContext *ctx;
    redisReply *r = NULL;
    struct cache_stats unused = {0};
    struct cache_sigpipe guard;
    gint64 start;
    const char *master = NULL;
    bool trial = false, from_master = false;

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
    start = g_get_monotonic_time();
    cache_call_start(&cl, c->timeout);
    if (!breaker_allow(c, &cl, &trial)) {
        stats->off = true;
        stats->misses += (unsigned)keys;
        goto out;
    }
    cache_sigpipe_block(&guard);
    /* a replica first, unless this is the breaker's trial, which the master must answer */
    ctx = trial ? NULL : get_replica(c, &cl);
    if (ctx != NULL && (r = mget(ctx, &cl, keys, argv, len)) == NULL) {
        drop_replica(); /* the master answers instead, within what is left */
        cl.reason[0] = '\0';
    }
    if (r == NULL) {
        from_master = true;
        ctx = get_master(c, &cl, &master);
        if (ctx != NULL)
            r = mget(ctx, &cl, keys, argv, len);
    }
    cache_sigpipe_restore(&guard);
    stats->rtt_ms += ms_since(start);
    if (r == NULL) {
        failed(c, cl.reason, master, stats);
        stats->misses += (unsigned)keys;
        goto out;
    }
    if (from_master)
        breaker_ok(c->sentinels != NULL ? master : NULL);
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
    struct cache_call cl;
    redisContext *ctx;
    gint64 start;
    size_t sent = 0, ok = 0;
    struct cache_stats unused = {0};
    struct cache_sigpipe guard;
    const char *master = NULL;

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
    start = g_get_monotonic_time();
    cache_call_start(&cl, c->timeout);
    if (!breaker_allow(c, &cl, NULL)) {
        stats->off = true;
        goto out;
    }
    cache_sigpipe_block(&guard);
    ctx = get_master(c, &cl, &master);
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
    if (ctx != NULL && sent > 0 && !cache_send_all(ctx, &cl, "SET"))
        sent = 0;
    /* every reply read, even after an error reply, so the connection stays in step; all
     * of them before the one deadline of the call */
    for (size_t i = 0; ctx != NULL && i < sent; i++) {
        redisReply *r = cache_get_reply(ctx, &cl, "SET");

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
    cache_sigpipe_restore(&guard);
    stats->rtt_ms += ms_since(start);
    stats->stored += (unsigned)ok;
    if (ctx == NULL || ok < todo->len) /* READONLY: the master is now a replica */
        failed(c, cl.reason[0] != '\0' ? cl.reason : "SET: failed", master, stats);
    else
        breaker_ok(c->sentinels != NULL ? master : NULL);
out:
    for (guint i = 0; i < todo->len; i++) {
        struct pending *p = &g_array_index(todo, struct pending, i);

        g_free(p->key);
        g_byte_array_unref(p->value);
    }
    g_array_free(todo, TRUE);
}
