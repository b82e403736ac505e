/* cache.h - the Redis verdict cache: a leaf's whole scan report, keyed by what the
 * generation scans with and the SHA-256 of the leaf's bytes, authenticated with
 * HMAC-SHA256, so that a campaign's attachment is scanned once.
 *
 * Key:   "mv:" DIGEST ":" SHA256, where DIGEST (hex) is the generation's scan digest
 *        (generation.c: the signature files' names and contents, libclamav's version,
 *        scan options and limits; not the files' paths or times, so that the hosts
 *        of a fleet with the same signatures share keys) and SHA256 the leaf's key
 *        (pipeline.c's leaf_key(): the SHA-256 of the leaf's bytes with its name,
 *        declared type, MIME position and depth).  A reload that
 *        changes the signatures changes DIGEST: stale entries are never read.
 * Value: reportcodec.c's encoding of the struct scan_report (signatures, detected
 *        type, every object with its flags, signatures and head bytes), prefixed by
 *        an HMAC-SHA256 of key and encoding under the configured secret.  A value
 *        whose HMAC does not verify, or that does not decode, is ignored (a miss)
 *        and counted as rejected.  Values above cache_max_value are not stored.
 * Traffic: one MGET for all the leaves of a message (cache_get), one pipelined
 *        batch of "SET key value EX ttl" for the misses (cache_put): ttl is
 *        cache_ttl_clean for a report without signatures, cache_ttl_detected else.
 * Connections: one hiredis context per thread (hiredis contexts are not
 *        thread-safe), made on first use and kept across messages and
 *        generations while the connection parameters are the same; unix socket or
 *        TCP, AUTH with password (and username), SELECT of the database.
 * Sentinel: with redis_sentinels and redis_master_name instead of redis, the master
 *        is the one the Sentinels name (SENTINEL get-master-addr-by-name, asked in
 *        the order given), checked with ROLE on each new connection; a failed call to
 *        it (connection lost, READONLY after a failover, deadline) makes the next call
 *        ask again, and while the breaker is open the Sentinels are asked (every
 *        250 ms at most) whether they name another master, which is then tried at
 *        once.  redis_replicas: MGETs go to a replica (listed, or those the
 *        Sentinels list with "sentinel") and to the master when it fails; SETs
 *        always to the master.  A fleet shares the cache: the key prefix is the
 *        scan digest, so hosts with other signatures never read each other's
 *        reports, and every host must have the same cache_secret.
 * Deadline: each call (cache_get, cache_put) is over redis_timeout after it starts,
 *        whatever it still had to do: connect (within redis_connect_timeout too),
 *        AUTH, SELECT, send, and read every reply of the MGET or of the pipelined
 *        SETs; the time left is recomputed before each read and write, so a Redis
 *        that answers slowly, a little at a time, cannot stretch a call.
 * Failures: any error (connect, deadline, protocol) makes that call a miss for
 *        every leaf, never an error of the message.  A circuit breaker shared by
 *        all threads: after a failure no thread tries Redis again before a delay
 *        (1 s, doubling to 30 s while it keeps failing), so a dead Redis does not
 *        add its timeout to every message.  The module does not log: it records
 *        each change of Redis's state, down ("cache: redis unavailable: REASON") and
 *        back ("cache: redis available again", with ": master HOST:PORT" under Sentinel),
 *        and cache_health_take() hands each
 *        one out once, for the program to log; so a dead Redis is one line, not one
 *        per message.
 * Options: a struct cache_options, filled from the configuration by the caller.
 * Thread-safe: a struct cache is read-only once made and shared by all threads
 * of its generation. */
#ifndef MV_CACHE_H
#define MV_CACHE_H

#include <glib.h>

#include "mv.h"
#include "scan.h"

struct cache;

/* What the cache is made with; each field is named for its key in mailvet.yaml(5),
 * whose names cache_new's errors use.  Borrowed strings, copied by cache_new. */
struct cache_options {
    const char *address;     /* redis: "unix:/PATH", "HOST:PORT", "[V6]:PORT"; NULL or "" off */
    const char *sentinels;   /* redis_sentinels: "ADDR, ADDR, ..." instead of address */
    const char *master_name; /* redis_master_name: the master the Sentinels monitor */
    const char *sentinel_username; /* redis_sentinel_username: "" none */
    const char *sentinel_password; /* redis_sentinel_password: "" no AUTH to the Sentinels */
    const char *replicas;          /* redis_replicas: "" none, "sentinel", or "ADDR, ADDR, ..." */
    const char *username;          /* redis_username: ACL user, NULL or "" none */
    const char *password;          /* redis_password: NULL or "" no AUTH */
    unsigned db;                   /* redis_db: SELECT */
    unsigned connect_timeout;      /* redis_connect_timeout: milliseconds */
    unsigned timeout;              /* redis_timeout: milliseconds for one whole call */
    const char *secret;            /* cache_secret: the HMAC key, CACHE_SECRET_MIN bytes at least */
    unsigned ttl_clean;            /* cache_ttl_clean: seconds, a report without signatures */
    unsigned ttl_detected;         /* cache_ttl_detected: seconds, a report with signatures */
    uint64_t max_value;            /* cache_max_value: bytes; bigger reports are not stored */
};

#define CACHE_SECRET_MIN 16   /* bytes of cache_secret */
#define CACHE_HEALTH_TEXT 256 /* room for one line of cache_health_take */

/* What one message did with the cache, for the log line and mailvet scan --json. */
struct cache_stats {
    unsigned hits;     /* leaves whose report came from Redis */
    unsigned misses;   /* leaves looked up and not found (or unusable) */
    unsigned errors;   /* failed calls (connect, timeout, protocol) */
    unsigned rejected; /* values that failed the HMAC check or did not decode */
    unsigned stored;   /* values sent with SET */
    double rtt_ms;     /* time spent talking to Redis */
    bool off;          /* no cache configured, or the breaker was open */
};

/* cache_new - the cache of a generation: OPT's settings, DIGEST the generation's scan
 * digest (hex).  NULL without error when no Redis is configured (neither address nor
 * sentinels, nor a setting that needs one); NULL with ERR on a bad setting (a secret
 * that is too short, address and sentinels both ...).  Does not connect. */
struct cache *cache_new(const struct cache_options *opt, const char *digest, struct mv_err *err);
struct cache *cache_free(struct cache *c);

/* cache_get - one MGET for the N leaves whose hex SHA-256 are SHA[i]: for each hit,
 * REPORTS[i] is filled (caller clears it with scan_report_clear) and HIT[i] set true.
 * C may be NULL (every leaf a miss, stats->off).  Never fails the message. */
void cache_get(struct cache *c, const char *const *sha, size_t n, struct scan_report *reports,
               bool *hit, struct cache_stats *stats);

/* cache_put - one pipelined batch of SET ... EX for the leaves with STORE[i] true.
 * C may be NULL.  Never fails the message. */
void cache_put(struct cache *c, const char *const *sha, const struct scan_report *reports,
               const bool *store, size_t n, struct cache_stats *stats);

/* cache_health_take - the oldest change of Redis's state not yet taken: true with
 * TEXT (one log line, safe to log as it is: "cache: redis unavailable: REASON" or
 * "cache: redis available again") and *DOWN (may be NULL) set, false when there is
 * none.  Each change is handed out once over all threads and generations (the
 * breaker is the process's); the program logs it after a message. */
bool cache_health_take(char *text, size_t size, bool *down);

/* cache_breaker_open - whether the breaker is open now: the last call to Redis failed
 * and no call since has worked (the process's breaker, over every generation) */
bool cache_breaker_open(void);

#endif
