/* cache_io.c - the cache's talk with one Redis server (contract: cache_internal.h):
 * addresses, the one deadline of a call, commands and replies, connecting.
 * Deadline: a call's one deadline (struct cache_call) is turned into the socket's
 * timeouts before each read(2) and write(2) (redisSetTimeout with the time left), and
 * replies are read with redisBufferRead and redisGetReplyFromReader, so the time left is
 * recomputed between reads even inside one reply (calls hiredis 0.14, in Debian 12,
 * and 1.x both have).  The same deadline bounds a Sentinel's answer, the master's and a
 * replica's: a call that must first find the master still ends within redis_timeout.
 * Does not log; reasons go into the call's reason. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <glib.h>
#include <hiredis/hiredis.h>

#include "cache_internal.h"
#include "mv.h"
#include "units.h"

/* cache_addr_parse - "unix:/path", "host:port" or "[v6]:port" into A; KEY names the
 * setting in ERR */
bool cache_addr_parse(struct cache_addr *a, const char *text, const char *key, struct mv_err *err)
{
    const char *colon;
    const char *p;
    uint64_t port;
    bool overflow = false;

    memset(a, 0, sizeof(*a));
    if (g_str_has_prefix(text, "unix:")) {
        if (text[5] != '/')
            goto bad;
        a->path = g_strdup(text + 5);
        a->text = g_strdup(text);
        return true;
    }
    if (text[0] == '[') {
        const char *close = strchr(text, ']');

        if (close == NULL || close == text + 1 || close[1] != ':')
            goto bad;
        a->host = g_strndup(text + 1, (gsize)(close - text - 1));
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (colon == NULL || colon == text || memchr(text, ':', (size_t)(colon - text)) != NULL)
            goto bad;
        a->host = g_strndup(text, (gsize)(colon - text));
    }
    p = colon + 1;
    if (!units_digits(&p, &port, &overflow) || overflow || *p != '\0' || port == 0 || port > 65535)
        goto bad;
    a->port = (int)port;
    a->text = g_strdup(text);
    return true;
bad:
    cache_addr_clear(a);
    mv_err_set(err, MV_ECONFIG, "%s: \"%s\" is not unix:/PATH, HOST:PORT or [IPV6]:PORT", key,
               text);
    return false;
}

/* cache_addr_clear - free A's strings; A stays usable (empty) */
void cache_addr_clear(struct cache_addr *a)
{
    g_free(a->host);
    g_free(a->path);
    g_free(a->text);
    memset(a, 0, sizeof(*a));
}

/* cache_addr_copy - TO (empty) a copy of FROM */
void cache_addr_copy(struct cache_addr *to, const struct cache_addr *from)
{
    to->host = g_strdup(from->host);
    to->port = from->port;
    to->path = g_strdup(from->path);
    to->text = g_strdup(from->text);
}

/* cache_addr_array_free - an array of struct cache_addr (may be NULL); NULL */
GArray *cache_addr_array_free(GArray *a)
{
    if (a == NULL)
        return NULL;
    for (guint i = 0; i < a->len; i++)
        cache_addr_clear(&g_array_index(a, struct cache_addr, i));
    g_array_free(a, TRUE);
    return NULL;
}

/* cache_sigpipe_block - a write to a connection Redis closed raises SIGPIPE, and hiredis
 * 0.14 does not use MSG_NOSIGNAL: while this thread talks to Redis SIGPIPE is blocked,
 * and one raised meanwhile is consumed (cache_sigpipe_restore), so the module is safe in
 * a process that does not ignore it (mailvetd does; mailvet scan and the tests need not) */
void cache_sigpipe_block(struct cache_sigpipe *g)
{
    sigset_t set, pending;

    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigemptyset(&pending);
    sigpending(&pending);
    g->pending = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &set, &g->old);
}

/* cache_sigpipe_restore - consume a SIGPIPE raised meanwhile, restore the mask */
void cache_sigpipe_restore(const struct cache_sigpipe *g)
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

/* us_timeval - microseconds as a struct timeval */
static struct timeval us_timeval(gint64 us)
{
    struct timeval tv = {.tv_sec = (time_t)(us / G_USEC_PER_SEC),
                         .tv_usec = (suseconds_t)(us % G_USEC_PER_SEC)};

    return tv;
}

/* cache_call_start - K for a call starting now, TIMEOUT milliseconds long */
void cache_call_start(struct cache_call *k, unsigned timeout)
{
    k->timeout = timeout;
    k->deadline = g_get_monotonic_time() + (gint64)timeout * 1000;
    k->reason[0] = '\0';
}

/* timed_out - K's reason: WHAT was not done before the deadline */
static void timed_out(struct cache_call *k, const char *what)
{
    snprintf(k->reason, sizeof(k->reason), "%s: not done within redis_timeout (%u ms)", what,
             k->timeout);
}

/* arm - the socket's send and receive timeouts set to what is left of K's deadline, so
 * that no one read or write can outlast it (hiredis applies redisSetTimeout per
 * read(2) and write(2): a Redis that answers a little at a time would otherwise
 * stretch a call without end); false with K's reason when nothing is left */
static bool arm(redisContext *ctx, struct cache_call *k, const char *what)
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
static void io_failed(redisContext *ctx, struct cache_call *k, const char *what)
{
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ETIMEDOUT ||
        g_get_monotonic_time() >= k->deadline)
        timed_out(k, what);
    else
        snprintf(k->reason, sizeof(k->reason), "%s: %s", what,
                 ctx->errstr[0] != '\0' ? ctx->errstr : "connection lost");
}

/* cache_send_all - every command appended to CTX written, before K's deadline */
bool cache_send_all(redisContext *ctx, struct cache_call *k, const char *what)
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

/* cache_get_reply - the next reply, whole, before K's deadline: the time left is
 * recomputed before each read; NULL with K's reason */
redisReply *cache_get_reply(redisContext *ctx, struct cache_call *k, const char *what)
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

/* cache_command - one command, binary-safe, sent and answered before K's deadline; an
 * error reply becomes a failure with K's reason */
redisReply *cache_command(redisContext *ctx, struct cache_call *k, int argc, const char **argv,
                          const size_t *len)
{
    redisReply *r;

    if (redisAppendCommandArgv(ctx, argc, argv, len) != REDIS_OK) {
        snprintf(k->reason, sizeof(k->reason), "%s: %s", argv[0], ctx->errstr);
        return NULL;
    }
    if (!cache_send_all(ctx, k, argv[0]) || (r = cache_get_reply(ctx, k, argv[0])) == NULL)
        return NULL;
    if (r->type == REDIS_REPLY_ERROR) {
        snprintf(k->reason, sizeof(k->reason), "%s: %.*s", argv[0], (int)MIN(r->len, 200), r->str);
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

/* cache_connect - a new context to A: connect (within CONNECT_TIMEOUT ms and what is left
 * of K's deadline), AUTH with USERNAME and PASSWORD if set, SELECT DB if not 0; NULL with
 * K's reason */
redisContext *cache_connect(const struct cache_addr *a, const char *username, const char *password,
                            unsigned db, unsigned connect_timeout, struct cache_call *k)
{
    gint64 left = k->deadline - g_get_monotonic_time();
    struct timeval ctv = us_timeval(MIN(left, (gint64)connect_timeout * 1000));
    redisContext *ctx;
    redisReply *r;

    if (left <= 0) {
        timed_out(k, "connect");
        return NULL;
    }
    if (a->path != NULL)
        ctx = redisConnectUnixWithTimeout(a->path, ctv);
    else
        ctx = redisConnectWithTimeout(a->host, a->port, ctv);
    if (ctx == NULL) {
        snprintf(k->reason, sizeof(k->reason), "connect: out of memory");
        return NULL;
    }
    if (ctx->err != 0) {
        snprintf(k->reason, sizeof(k->reason), "connect %s%s: %s", a->text,
                 a->path != NULL ? "" : " (TCP)", ctx->errstr);
        goto fail;
    }
    if (password[0] != '\0') {
        const char *argv[3] = {"AUTH"};
        size_t len[3] = {4};
        int argc = 1;

        if (username[0] != '\0') {
            argv[argc] = username;
            len[argc++] = strlen(username);
        }
        argv[argc] = password;
        len[argc++] = strlen(password);
        r = cache_command(ctx, k, argc, argv, len);
        if (r == NULL)
            goto fail;
        freeReplyObject(r);
    }
    if (db != 0) {
        char dbs[16];
        const char *argv[2] = {"SELECT", dbs};
        size_t len[2] = {6, 0};

        len[1] = (size_t)snprintf(dbs, sizeof(dbs), "%u", db);
        r = cache_command(ctx, k, 2, argv, len);
        if (r == NULL)
            goto fail;
        freeReplyObject(r);
    }
    return ctx;
fail:
    redisFree(ctx);
    return NULL;
}
