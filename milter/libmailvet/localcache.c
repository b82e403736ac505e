/* localcache.c - the local verdict cache (contract: localcache.h).
 * A GHashTable from "DIGEST:SHA" to an entry, and a GQueue of the same entries from
 * the most to the least recently used, each entry holding its own list link so that
 * a hit moves it to the front and an eviction takes it from the back in constant
 * time.  An entry's value is an immutable GBytes: a hit takes a reference under the
 * mutex and decodes after unlocking, so a slow decode never holds other threads up,
 * and an entry evicted meanwhile stays alive until that decode is done. */
#include <string.h>

#include <glib.h>

#include "localcache.h"
#include "mv.h"
#include "reportcodec.h"
#include "scan.h"

struct localcache_entry {
    char *key;     /* "DIGEST:SHA", also the table's key */
    GBytes *value; /* reportcodec's encoding */
    uint64_t cost; /* what it counts against the bound */
    GList link;    /* in lc->lru; data points back here */
};

struct localcache {
    uint64_t max_bytes;
    GMutex lock;
    GHashTable *table; /* char *key -> struct localcache_entry *, both owned by the entry */
    GQueue lru;        /* head: most recently used */
    uint64_t bytes;    /* sum of the entries' costs */
};

/* key_new - the table's key for DIGEST and SHA */
static char *key_new(const char *digest, const char *sha)
{
    return g_strconcat(digest != NULL ? digest : "", ":", sha != NULL ? sha : "", NULL);
}

/* entry_free - an entry no longer in the table or the list */
static void entry_free(struct localcache_entry *e)
{
    g_bytes_unref(e->value);
    g_free(e->key);
    g_free(e);
}

/* entry_remove - take E out of the table and the list and free it (lock held) */
static void entry_remove(struct localcache *lc, struct localcache_entry *e)
{
    g_queue_unlink(&lc->lru, &e->link);
    g_hash_table_remove(lc->table, e->key);
    lc->bytes -= e->cost;
    entry_free(e);
}

/* localcache_new - an empty cache, or NULL when off */
struct localcache *localcache_new(uint64_t max_bytes)
{
    struct localcache *lc;

    if (max_bytes == 0)
        return NULL;
    lc = g_new0(struct localcache, 1);
    lc->max_bytes = max_bytes;
    g_mutex_init(&lc->lock);
    lc->table = g_hash_table_new(g_str_hash, g_str_equal);
    g_queue_init(&lc->lru);
    return lc;
}

/* localcache_free - every entry, then the cache */
struct localcache *localcache_free(struct localcache *lc)
{
    if (lc == NULL)
        return NULL;
    while (lc->lru.tail != NULL)
        entry_remove(lc, lc->lru.tail->data);
    g_hash_table_destroy(lc->table);
    g_mutex_clear(&lc->lock);
    g_free(lc);
    return NULL;
}

/* localcache_get - a hit decodes the kept report into REP */
bool localcache_get(struct localcache *lc, const char *digest, const char *sha,
                    struct scan_report *rep, struct localcache_stats *st)
{
    struct localcache_entry *e;
    GBytes *value = NULL;
    struct scan_report got;
    char *key;
    bool hit = false;

    if (lc == NULL) {
        if (st != NULL) {
            st->off = true;
            st->misses++;
        }
        return false;
    }
    if (sha == NULL || sha[0] == '\0') { /* a leaf without a digest is never cached */
        if (st != NULL)
            st->misses++;
        return false;
    }
    key = key_new(digest, sha);
    g_mutex_lock(&lc->lock);
    e = g_hash_table_lookup(lc->table, key);
    if (e != NULL) {
        g_queue_unlink(&lc->lru, &e->link);
        g_queue_push_head_link(&lc->lru, &e->link);
        value = g_bytes_ref(e->value);
    }
    g_mutex_unlock(&lc->lock);
    g_free(key);
    if (value != NULL) {
        gsize len;
        const void *data = g_bytes_get_data(value, &len);

        /* our own encoding: it decodes, but a failure is a miss, never a misread */
        if (reportcodec_decode(data, len, &got, NULL) == MV_OK) {
            *rep = got;
            hit = true;
        }
        g_bytes_unref(value);
    }
    if (st != NULL) {
        if (hit)
            st->hits++;
        else
            st->misses++;
    }
    return hit;
}

/* localcache_put - keep a copy of REP, evicting from the back to stay in bounds */
void localcache_put(struct localcache *lc, const char *digest, const char *sha,
                    const struct scan_report *rep, struct localcache_stats *st)
{
    struct localcache_entry *e, *old;
    uint64_t share, cost;
    GByteArray *buf;
    char *key;
    unsigned evicted = 0;

    if (lc == NULL || sha == NULL || sha[0] == '\0')
        return;
    key = key_new(digest, sha);
    share = lc->max_bytes / LOCALCACHE_ENTRY_SHARE;
    cost = strlen(key) + 1 + LOCALCACHE_ENTRY_OVERHEAD;
    if (cost >= share) {
        g_free(key);
        return;
    }
    buf = g_byte_array_new();
    if (reportcodec_encode(rep, share - cost, buf, NULL) != MV_OK) {
        g_byte_array_free(buf, TRUE);
        g_free(key);
        return;
    }
    e = g_new0(struct localcache_entry, 1);
    e->key = key;
    e->cost = cost + buf->len;
    /* a copy of the exact size: the array's spare capacity would be memory not counted */
    e->value = g_bytes_new(buf->data, buf->len);
    g_byte_array_free(buf, TRUE);
    e->link.data = e;

    g_mutex_lock(&lc->lock);
    old = g_hash_table_lookup(lc->table, e->key);
    if (old != NULL)
        entry_remove(lc, old);
    while (lc->bytes + e->cost > lc->max_bytes && lc->lru.tail != NULL) {
        entry_remove(lc, lc->lru.tail->data);
        evicted++;
    }
    g_hash_table_insert(lc->table, e->key, e);
    g_queue_push_head_link(&lc->lru, &e->link);
    lc->bytes += e->cost;
    g_mutex_unlock(&lc->lock);
    if (st != NULL) {
        st->stored++;
        st->evictions += evicted;
    }
}

/* localcache_usage - bytes counted and entries kept */
void localcache_usage(struct localcache *lc, uint64_t *bytes, unsigned *entries)
{
    uint64_t b = 0;
    unsigned n = 0;

    if (lc != NULL) {
        g_mutex_lock(&lc->lock);
        b = lc->bytes;
        n = lc->lru.length;
        g_mutex_unlock(&lc->lock);
    }
    if (bytes != NULL)
        *bytes = b;
    if (entries != NULL)
        *entries = n;
}
