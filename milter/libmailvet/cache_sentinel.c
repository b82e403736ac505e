/* cache_sentinel.c - the master and the replicas of a Redis watched by Sentinels
 * (contract: cache_internal.h).
 * The Sentinels of redis_sentinels are asked in their order, each within
 * redis_connect_timeout and all within the call's deadline, until one names the master
 * of redis_master_name (SENTINEL get-master-addr-by-name) and, with redis_replicas:
 * sentinel, its replicas (SENTINEL replicas: those not down, not disconnected, with
 * their link to the master up).  The answer is kept for the process, shared by every
 * thread and generation with the same settings, until cache.c forgets the master (a
 * connection to it failed, or it answered READONLY or a ROLE other than master): the
 * next call asks again.  While the breaker is open, cache_sentinel_moved() lets one
 * call every SENTINEL_ASK_EVERY ask whether the Sentinels now name another master (a
 * failover): then the cache tries it at once instead of waiting out the breaker.
 * Does not log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <hiredis/hiredis.h>

#include "cache_internal.h"
#include "mv.h"

#define SENTINEL_ASK_EVERY (250 * 1000) /* us: while the breaker is open */

/* What the Sentinels said last; under lock. */
static GMutex lock;
static struct {
    char *params;             /* of the cache that asked (struct cache.params) */
    struct cache_addr master; /* text NULL: not known, ask */
    GArray *replicas;         /* struct cache_addr */
    gint64 asked_at;          /* monotonic: the last cache_sentinel_moved question */
} known;

/* addr_of - IP and PORT as the Sentinels give them into A ("[v6]:port" for IPv6) */
static bool addr_of(struct cache_addr *a, const char *ip, const char *port)
{
    char *text = strchr(ip, ':') != NULL ? g_strdup_printf("[%s]:%s", ip, port)
                                         : g_strdup_printf("%s:%s", ip, port);
    bool ok = cache_addr_parse(a, text, "sentinel", NULL);

    g_free(text);
    return ok;
}

/* field_of - the value of NAME in R, a flat array of names and values; NULL if none */
static const char *field_of(const redisReply *r, const char *name)
{
    for (size_t i = 0; i + 1 < r->elements; i += 2)
        if (r->element[i]->type == REDIS_REPLY_STRING &&
            r->element[i + 1]->type == REDIS_REPLY_STRING && strcmp(r->element[i]->str, name) == 0)
            return r->element[i + 1]->str;
    return NULL;
}

/* replicas_of - the healthy replicas in R, SENTINEL replicas' answer, into OUT */
static void replicas_of(const redisReply *r, GArray *out)
{
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        const redisReply *e = r->element[i];
        const char *ip, *port, *flags, *link;
        struct cache_addr a;

        if (e->type != REDIS_REPLY_ARRAY)
            continue;
        ip = field_of(e, "ip");
        port = field_of(e, "port");
        flags = field_of(e, "flags");
        link = field_of(e, "master-link-status");
        if (ip == NULL || port == NULL || (link != NULL && strcmp(link, "ok") != 0))
            continue;
        if (flags != NULL && (strstr(flags, "s_down") != NULL || strstr(flags, "o_down") != NULL ||
                              strstr(flags, "disconnected") != NULL))
            continue;
        if (addr_of(&a, ip, port))
            g_array_append_val(out, a);
    }
}

/* ask_one - sentinel S's master for C into MASTER (and the replicas into REPLICAS when
 * C reads from them); false with K's reason */
static bool ask_one(const struct cache *c, const struct cache_addr *s, struct cache_call *k,
                    struct cache_addr *master, GArray *replicas)
{
    const char *argv[3] = {"SENTINEL", "get-master-addr-by-name", c->master_name};
    size_t len[3] = {8, 23, strlen(c->master_name)};
    redisContext *ctx;
    redisReply *r;
    bool ok = false;

    ctx = cache_connect(s, c->sentinel_username, c->sentinel_password, 0, c->connect_timeout, k);
    if (ctx == NULL)
        return false;
    r = cache_command(ctx, k, 3, argv, len);
    if (r == NULL)
        goto out;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING) {
        snprintf(k->reason, sizeof(k->reason), "Sentinel %s does not know a master named %s",
                 s->text, c->master_name);
        freeReplyObject(r);
        goto out;
    }
    ok = addr_of(master, r->element[0]->str, r->element[1]->str);
    if (!ok)
        snprintf(k->reason, sizeof(k->reason), "Sentinel %s: a master at \"%.100s\" port \"%.20s\"",
                 s->text, r->element[0]->str, r->element[1]->str);
    freeReplyObject(r);
    if (ok && c->replicas == CACHE_REPLICAS_SENTINEL) {
        argv[1] = "replicas";
        len[1] = 8;
        r = cache_command(ctx, k, 3, argv, len);
        if (r != NULL) { /* no replicas named: reads go to the master */
            replicas_of(r, replicas);
            freeReplyObject(r);
        }
        k->reason[0] = '\0';
    }
out:
    redisFree(ctx);
    return ok;
}

/* ask - the Sentinels in order until one names the master: remembered for the
 * process, and copied into MASTER; false with K's reason (the last Sentinel's) */
static bool ask(const struct cache *c, struct cache_call *k, struct cache_addr *master)
{
    struct cache_addr found = {0};
    GArray *replicas = g_array_new(FALSE, TRUE, sizeof(struct cache_addr));
    bool ok = false;

    for (guint i = 0; !ok && i < c->sentinels->len; i++)
        ok = ask_one(c, &g_array_index(c->sentinels, struct cache_addr, i), k, &found, replicas);
    if (!ok) {
        char last[sizeof(k->reason)];

        g_strlcpy(last, k->reason, sizeof(last));
        snprintf(k->reason, sizeof(k->reason), "no Sentinel named the master %.60s: %.400s",
                 c->master_name, last);
        cache_addr_array_free(replicas);
        return false;
    }
    g_mutex_lock(&lock);
    g_free(known.params);
    known.params = g_strdup(c->params);
    cache_addr_clear(&known.master);
    cache_addr_copy(&known.master, &found);
    cache_addr_array_free(known.replicas);
    known.replicas = replicas;
    g_mutex_unlock(&lock);
    cache_addr_copy(master, &found);
    cache_addr_clear(&found);
    return true;
}

/* cache_sentinel_master - the master of C into MASTER (the caller clears it): the one
 * the Sentinels named last, or asked now within K; false with K's reason */
bool cache_sentinel_master(const struct cache *c, struct cache_call *k, struct cache_addr *master)
{
    bool have;

    g_mutex_lock(&lock);
    have =
        known.master.text != NULL && known.params != NULL && strcmp(known.params, c->params) == 0;
    if (have)
        cache_addr_copy(master, &known.master);
    g_mutex_unlock(&lock);
    return have || ask(c, k, master);
}

/* cache_sentinel_forget - the master at MASTER_TEXT failed: the next call asks again
 * (unless another thread has already learned of a new one) */
void cache_sentinel_forget(const struct cache *c, const char *master_text)
{
    g_mutex_lock(&lock);
    if (known.params != NULL && strcmp(known.params, c->params) == 0 && known.master.text != NULL &&
        strcmp(known.master.text, master_text) == 0) {
        cache_addr_clear(&known.master);
        known.replicas = cache_addr_array_free(known.replicas);
    }
    g_mutex_unlock(&lock);
}

/* cache_sentinel_moved - whether the Sentinels now name a master other than
 * FAILED_TEXT; asks at most every SENTINEL_ASK_EVERY over all threads, within K */
bool cache_sentinel_moved(const struct cache *c, const char *failed_text, struct cache_call *k)
{
    gint64 now = g_get_monotonic_time();
    struct cache_addr master = {0};
    bool moved;

    g_mutex_lock(&lock);
    if (known.asked_at != 0 && now - known.asked_at < SENTINEL_ASK_EVERY) {
        g_mutex_unlock(&lock);
        return false;
    }
    known.asked_at = now;
    g_mutex_unlock(&lock);
    if (!ask(c, k, &master))
        return false;
    moved = failed_text == NULL || strcmp(master.text, failed_text) != 0;
    cache_addr_clear(&master);
    return moved;
}

/* cache_sentinel_check_role - ROLE on CTX, connected to A: false with K's reason when
 * it is not the master (WANT_MASTER) or not answered */
bool cache_sentinel_check_role(redisContext *ctx, const struct cache_addr *a, bool want_master,
                               struct cache_call *k)
{
    const char *argv[1] = {"ROLE"};
    size_t len[1] = {4};
    redisReply *r = cache_command(ctx, k, 1, argv, len);
    bool ok;

    if (r == NULL)
        return false;
    ok = r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
         r->element[0]->type == REDIS_REPLY_STRING;
    if (ok && want_master && strcmp(r->element[0]->str, "master") != 0) {
        snprintf(k->reason, sizeof(k->reason), "ROLE: %s is a %.20s and not the master", a->text,
                 r->element[0]->str);
        ok = false;
    } else if (!ok) {
        snprintf(k->reason, sizeof(k->reason), "ROLE: %s: unexpected reply type %d", a->text,
                 r->type);
    }
    freeReplyObject(r);
    return ok;
}

/* cache_sentinel_replica - a replica for reads into REPLICA (the caller clears it):
 * PICK chooses among them; false when C reads only from the master or none is known */
bool cache_sentinel_replica(const struct cache *c, struct cache_call *k, unsigned pick,
                            struct cache_addr *replica)
{
    struct cache_addr master = {0};
    bool some = false;

    if (c->replicas == CACHE_REPLICAS_LIST) {
        cache_addr_copy(replica, &g_array_index(c->replica_list, struct cache_addr,
                                                pick % c->replica_list->len));
        return true;
    }
    if (c->replicas != CACHE_REPLICAS_SENTINEL || !cache_sentinel_master(c, k, &master))
        return false;
    cache_addr_clear(&master);
    g_mutex_lock(&lock);
    if (known.replicas != NULL && known.replicas->len > 0 && known.params != NULL &&
        strcmp(known.params, c->params) == 0) {
        cache_addr_copy(
            replica, &g_array_index(known.replicas, struct cache_addr, pick % known.replicas->len));
        some = true;
    }
    g_mutex_unlock(&lock);
    return some;
}
