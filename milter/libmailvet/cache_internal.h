/* cache_internal.h - what the parts of the cache module share (cache.c, cache_io.c,
 * cache_sentinel.c); nothing outside the module includes it.
 * struct cache: a generation's settings, read-only once made (cache.c makes and frees it).
 * struct cache_addr: one server, "unix:/PATH", "HOST:PORT" or "[V6]:PORT".
 * struct cache_call: one call's single deadline (redis_timeout after its start) and why
 * it failed; every connect, command and reply of the call, to a Sentinel, the master
 * or a replica, is bounded by it (cache_io.c).
 * cache_sentinel.c keeps, for the process, the master and the replicas the Sentinels
 * named last, shared by every thread, and asks the Sentinels again when a connection
 * to the master fails or it answers READONLY. */
#ifndef MV_CACHE_INTERNAL_H
#define MV_CACHE_INTERNAL_H

#include <signal.h>
#include <stdbool.h>

#include <glib.h>
#include <hiredis/hiredis.h>

#include "cache.h"
#include "mv.h"

/* One server's address. */
struct cache_addr {
    char *host; /* TCP host (IPv6 without brackets), or NULL for a unix socket */
    int port;
    char *path; /* unix socket path, or NULL */
    char *text; /* as written: "unix:/PATH", "HOST:PORT" or "[V6]:PORT" */
};

/* Where reads go besides the master (redis_replicas). */
enum cache_replicas {
    CACHE_REPLICAS_NONE,     /* "": every command to the master */
    CACHE_REPLICAS_LIST,     /* a list of addresses */
    CACHE_REPLICAS_SENTINEL, /* "sentinel": those the Sentinels list, healthy ones */
};

struct cache {
    struct cache_addr server; /* redis: the one server; unset (text NULL) with Sentinels */
    GArray *sentinels;        /* redis_sentinels: struct cache_addr, or NULL */
    char *master_name;        /* redis_master_name, "" without Sentinels */
    char *sentinel_username;  /* redis_sentinel_username, "" = none */
    char *sentinel_password;  /* redis_sentinel_password, "" = no AUTH */
    enum cache_replicas replicas;
    GArray *replica_list; /* CACHE_REPLICAS_LIST: struct cache_addr */
    char *username;       /* "" = none */
    char *password;       /* "" = no AUTH */
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

/* One cache call: its deadline and its reason when it failed. */
struct cache_call {
    unsigned timeout; /* ms, for the reason */
    gint64 deadline;  /* monotonic, microseconds */
    char reason[512];
};

/* A thread's SIGPIPE blocked while it talks to Redis (hiredis 0.14 has no MSG_NOSIGNAL). */
struct cache_sigpipe {
    sigset_t old;
    bool pending; /* one was pending before: not ours to consume */
};

/* cache_io.c */
bool cache_addr_parse(struct cache_addr *a, const char *text, const char *key, struct mv_err *err);
void cache_addr_clear(struct cache_addr *a);
void cache_addr_copy(struct cache_addr *to, const struct cache_addr *from);
GArray *cache_addr_array_free(GArray *a);
void cache_call_start(struct cache_call *k, unsigned timeout);
void cache_sigpipe_block(struct cache_sigpipe *g);
void cache_sigpipe_restore(const struct cache_sigpipe *g);
bool cache_send_all(redisContext *ctx, struct cache_call *k, const char *what);
redisReply *cache_get_reply(redisContext *ctx, struct cache_call *k, const char *what);
redisReply *cache_command(redisContext *ctx, struct cache_call *k, int argc, const char **argv,
                          const size_t *len);
redisContext *cache_connect(const struct cache_addr *a, const char *username, const char *password,
                            unsigned db, unsigned connect_timeout, struct cache_call *k);

/* cache_sentinel.c */
bool cache_sentinel_master(const struct cache *c, struct cache_call *k, struct cache_addr *master);
bool cache_sentinel_check_role(redisContext *ctx, const struct cache_addr *a, bool want_master,
                               struct cache_call *k);
void cache_sentinel_forget(const struct cache *c, const char *master_text);
bool cache_sentinel_moved(const struct cache *c, const char *failed_text, struct cache_call *k);
bool cache_sentinel_replica(const struct cache *c, struct cache_call *k, unsigned pick,
                            struct cache_addr *replica);

#endif
