/* localcache.h - the local verdict cache: leaf scan reports kept in this process's
 * memory, in front of the Redis cache (cache.h), so that an attachment seen again is
 * not scanned again even without Redis.
 * Key:   the generation's scan digest (hex) and the leaf's key (hex: the SHA-256 of
 *        its bytes with its name, type and position, pipeline.c's leaf_key()), as
 *        the Redis cache keys them: an entry of another digest is never returned; a
 *        leaf without a key ("") is never kept.
 * Value: reportcodec.c's encoding of the struct scan_report; decoded on each hit into
 *        a report the caller owns.
 * Bound: max_bytes (local_cache_size in mailvet.yaml(5)) over every entry's cost: its
 *        encoding, its key and LOCALCACHE_ENTRY_OVERHEAD for the bookkeeping.  A put
 *        past the bound evicts the least recently used entries first (a hit makes an
 *        entry the most recent).  An entry that would cost more than
 *        max_bytes / LOCALCACHE_ENTRY_SHARE is not kept, so that one leaf cannot empty
 *        the cache.
 * Life:  one per generation (generation.c makes it with the generation and frees it
 *        with it), so a reload starts empty and the old one's memory goes with the
 *        last message scanned on it.
 * Thread-safe: one mutex guards the table and the recency list; encoding and
 *        decoding happen outside it.  No logging. */
#ifndef MV_LOCALCACHE_H
#define MV_LOCALCACHE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "scan.h"

#define LOCALCACHE_ENTRY_OVERHEAD 128 /* bytes of bookkeeping counted per entry */
#define LOCALCACHE_ENTRY_SHARE 8      /* an entry costs at most max_bytes / this */

struct localcache;

/* What one message (or one test) did with the local cache. */
struct localcache_stats {
    unsigned hits;      /* leaves whose report came from the local cache */
    unsigned misses;    /* leaves looked up and not found */
    unsigned stored;    /* reports kept */
    unsigned evictions; /* entries evicted to make room for them */
    bool off;           /* no local cache (local_cache_size: 0) */
};

/* localcache_new - an empty cache of at most MAX_BYTES; NULL when MAX_BYTES is 0 (off) */
struct localcache *localcache_new(uint64_t max_bytes);
/* localcache_free - every entry and the cache; returns NULL.  LC may be NULL. */
struct localcache *localcache_free(struct localcache *lc);

/* localcache_get - the report kept for DIGEST and SHA into REP (the caller clears it
 * with scan_report_clear): true on a hit, false on a miss (REP untouched).  LC may be
 * NULL (a miss, ST->off).  ST may be NULL. */
bool localcache_get(struct localcache *lc, const char *digest, const char *sha,
                    struct scan_report *rep, struct localcache_stats *st);

/* localcache_put - keep REP for DIGEST and SHA (a copy; REP stays the caller's),
 * replacing what was kept for them, evicting the least recently used entries to stay
 * within the bound.  Nothing is kept when LC is NULL, when the report does not
 * encode, or when it would cost more than its share.  ST may be NULL. */
void localcache_put(struct localcache *lc, const char *digest, const char *sha,
                    const struct scan_report *rep, struct localcache_stats *st);

/* localcache_usage - the bytes counted (as the bound counts them) and the entries
 * kept now; zeros when LC is NULL.  Either pointer may be NULL. */
void localcache_usage(struct localcache *lc, uint64_t *bytes, unsigned *entries);

#endif
