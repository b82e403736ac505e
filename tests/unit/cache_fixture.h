/* cache_fixture.h - what the tests of the Redis cache share (test_cache.c,
 * test_cache_connection.c): redis-servers of their own on a unix socket in a temp dir,
 * no persistence (server_init, server_start, server_stop, server_done), one of them
 * started for the whole group (setup, teardown; NEED_REDIS skips a case when
 * redis-server is not installed), the cache's settings for a server, a distinct hex
 * "SHA-256" per test and leaf, a sample scan report, and one leaf's get and put.  Test
 * code only. */
#ifndef MV_TEST_CACHE_FIXTURE_H
#define MV_TEST_CACHE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cmocka.h>
#include <glib.h>

#include "cache.h"
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

extern char *redis_server; /* path, NULL when not installed */
extern struct server main_server;

/* server_start - redis-server on S->sock, no persistence; waits until it answers */
void server_start(struct server *s);
/* server_stop - the server stopped, its socket removed */
void server_stop(struct server *s);
/* server_init - S in a fresh temp dir, wanting PASSWORD (or none), not started */
void server_init(struct server *s, const char *password);
/* server_done - S stopped and its temp dir removed */
void server_done(struct server *s);
/* setup, teardown - main_server for the group, when redis-server is installed */
int setup(void **state);
int teardown(void **state);

#define NEED_REDIS()                                                                               \
    do {                                                                                           \
        if (redis_server == NULL)                                                                  \
            skip();                                                                                \
    } while (0)

/* options_for - Redis on S (strings borrowed from S and PASSWORD) */
struct cache_options options_for(const struct server *s, const char *password);
/* make_cache - cache_new that must succeed */
struct cache *make_cache(const struct cache_options *opt, const char *digest);
/* sha_of - a distinct hex "SHA-256" per test and leaf */
char *sha_of(char leaf);
/* sample_report - a zip with a member; DETECTED adds a signature; HEADS full heads */
void sample_report(struct scan_report *rep, bool detected, unsigned heads);
/* assert_same_report - compared through their encodings, which carry every field */
void assert_same_report(const struct scan_report *got, const struct scan_report *want);
/* get_one - cache_get of one leaf; REP filled on a hit */
bool get_one(struct cache *c, const char *sha, struct scan_report *rep, struct cache_stats *st);
/* put_one - cache_put of one leaf */
void put_one(struct cache *c, const char *sha, const struct scan_report *rep,
             struct cache_stats *st);

#endif
