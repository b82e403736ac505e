/* console_session.c - the console's sessions, CSRF check and login backoff
 * (console_session.h).  One mutex guards the table; every call holds it briefly and no
 * call blocks under it.  Tokens never leave this file but in the struct a request gets,
 * and the program never logs them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <glib.h>

#include "console_session.h"

#define FOLD_MAX 10000 /* user names, or addresses, the backoff remembers at most */

struct session {
    struct console_session_auth auth;
    gint64 created, used; /* ms */
};

struct backoff {
    guint failures;
    gint64 last;  /* the last failure (ms) */
    gint64 until; /* no attempt before (ms) */
};

struct console_session_table {
    GMutex lock;
    GHashTable *sessions; /* SHA-256 hex of the token -> struct session */
    GHashTable *by_user;  /* user name -> struct backoff */
    GHashTable *by_addr;  /* client address -> struct backoff */
    unsigned idle, max;
};

/* console_session_table_new - an empty table */
struct console_session_table *console_session_table_new(unsigned idle, unsigned max)
{
    struct console_session_table *t = g_new0(struct console_session_table, 1);

    g_mutex_init(&t->lock);
    t->sessions = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    t->by_user = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    t->by_addr = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    t->idle = idle;
    t->max = max;
    return t;
}

/* console_session_table_free - everything; NULL */
struct console_session_table *console_session_table_free(struct console_session_table *t)
{
    if (t == NULL)
        return NULL;
    g_hash_table_unref(t->sessions);
    g_hash_table_unref(t->by_user);
    g_hash_table_unref(t->by_addr);
    g_mutex_clear(&t->lock);
    g_free(t);
    return NULL;
}

/* console_session_random - 32 bytes of getrandom(2) as hex */
bool console_session_random(char out[CONSOLE_TOKEN_LEN + 1])
{
    unsigned char raw[CONSOLE_TOKEN_LEN / 2];
    size_t got = 0;

    while (got < sizeof(raw)) {
        ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    out[CONSOLE_TOKEN_LEN] = '\0';
    memset(raw, 0, sizeof(raw));
    return true;
}

/* key_new - the table's key of TOKEN: its SHA-256 in hex */
static char *key_new(const char *token)
{
    return g_compute_checksum_for_string(G_CHECKSUM_SHA256, token, -1);
}

/* alive - S has not ended at NOW */
static bool alive(const struct console_session_table *t, const struct session *s, gint64 now)
{
    return now - s->used < (gint64)t->idle * 1000 && now - s->created < (gint64)t->max * 1000;
}

/* sweep - the sessions that ended, removed (caller holds the lock) */
static void sweep(struct console_session_table *t, gint64 now)
{
    GHashTableIter it;
    gpointer v;

    g_hash_table_iter_init(&it, t->sessions);
    while (g_hash_table_iter_next(&it, NULL, &v))
        if (!alive(t, v, now))
            g_hash_table_iter_remove(&it);
}

/* console_session_create - a new session of USER */
bool console_session_create(struct console_session_table *t, const char *user, gint64 now,
                            struct console_session_auth *out)
{
    struct session *s = g_new0(struct session, 1);

    g_strlcpy(s->auth.user, user, sizeof(s->auth.user));
    if (!console_session_random(s->auth.token) || !console_session_random(s->auth.csrf)) {
        g_free(s);
        return false;
    }
    s->created = s->used = now;
    *out = s->auth;
    g_mutex_lock(&t->lock);
    if (g_hash_table_size(t->sessions) >= CONSOLE_SESSIONS_MAX)
        sweep(t, now);
    if (g_hash_table_size(t->sessions) >= CONSOLE_SESSIONS_MAX) {
        /* still full of live sessions: the oldest gives way */
        GHashTableIter it;
        gpointer k, v, oldest = NULL;
        gint64 when = G_MAXINT64;

        g_hash_table_iter_init(&it, t->sessions);
        while (g_hash_table_iter_next(&it, &k, &v)) {
            if (((struct session *)v)->used < when) {
                when = ((struct session *)v)->used;
                oldest = k;
            }
        }
        if (oldest != NULL)
            g_hash_table_remove(t->sessions, oldest);
    }
    g_hash_table_replace(t->sessions, key_new(s->auth.token), s);
    g_mutex_unlock(&t->lock);
    return true;
}

/* console_session_lookup - the live session of TOKEN */
bool console_session_lookup(struct console_session_table *t, const char *token, gint64 now,
                            struct console_session_auth *out)
{
    char *key;
    struct session *s;
    bool found = false;

    if (token == NULL || strlen(token) != CONSOLE_TOKEN_LEN)
        return false;
    key = key_new(token);
    g_mutex_lock(&t->lock);
    s = g_hash_table_lookup(t->sessions, key);
    if (s != NULL && alive(t, s, now)) {
        s->used = now;
        *out = s->auth;
        found = true;
    } else if (s != NULL) {
        g_hash_table_remove(t->sessions, key);
    }
    g_mutex_unlock(&t->lock);
    g_free(key);
    return found;
}

/* console_session_end - logout */
void console_session_end(struct console_session_table *t, const char *token)
{
    char *key;

    if (token == NULL)
        return;
    key = key_new(token);
    g_mutex_lock(&t->lock);
    g_hash_table_remove(t->sessions, key);
    g_mutex_unlock(&t->lock);
    g_free(key);
}

/* console_session_count - sessions held */
guint console_session_count(struct console_session_table *t)
{
    guint n;

    g_mutex_lock(&t->lock);
    n = g_hash_table_size(t->sessions);
    g_mutex_unlock(&t->lock);
    return n;
}

/* console_session_csrf_ok - GIVEN is the session's CSRF token: every byte is compared,
 * whatever the first difference, and only the (public) length may stop early */
bool console_session_csrf_ok(const struct console_session_auth *auth, const char *given)
{
    const char *want;
    unsigned char diff = 0;

    if (auth == NULL || given == NULL)
        return false;
    want = auth->csrf;
    if (strlen(want) != CONSOLE_TOKEN_LEN || strlen(given) != CONSOLE_TOKEN_LEN)
        return false;
    for (size_t i = 0; i < CONSOLE_TOKEN_LEN; i++)
        diff |= (unsigned char)(want[i] ^ given[i]);
    return diff == 0;
}

/* ---- login backoff ------------------------------------------------------------------ */

/* forget_old - entries of TABLE whose last failure is older than the forget time */
static void forget_old(GHashTable *table, gint64 now)
{
    GHashTableIter it;
    gpointer v;

    g_hash_table_iter_init(&it, table);
    while (g_hash_table_iter_next(&it, NULL, &v))
        if (now - ((struct backoff *)v)->last >= CONSOLE_BACKOFF_FORGET * 1000)
            g_hash_table_iter_remove(&it);
}

/* wait_of - seconds (rounded up) KEY of TABLE must still wait at NOW */
static unsigned wait_of(GHashTable *table, const char *key, gint64 now)
{
    struct backoff *b = key != NULL ? g_hash_table_lookup(table, key) : NULL;

    if (b == NULL || now - b->last >= CONSOLE_BACKOFF_FORGET * 1000 || b->until <= now)
        return 0;
    return (unsigned)((b->until - now + 999) / 1000);
}

/* console_session_login_wait - the longer of the user's and the address's waits */
unsigned console_session_login_wait(struct console_session_table *t, const char *user,
                                    const char *addr, gint64 now)
{
    unsigned a, b;

    g_mutex_lock(&t->lock);
    a = wait_of(t->by_user, user, now);
    b = wait_of(t->by_addr, addr, now);
    g_mutex_unlock(&t->lock);
    return MAX(a, b);
}

/* fail - one more failure of KEY in TABLE at NOW, the wait doubling up to CAP */
static void fail(GHashTable *table, const char *key, gint64 now, unsigned cap)
{
    struct backoff *b;
    unsigned wait;

    if (key == NULL)
        return;
    b = g_hash_table_lookup(table, key);
    if (b != NULL && now - b->last >= CONSOLE_BACKOFF_FORGET * 1000) {
        b->failures = 0;
    } else if (b == NULL) {
        if (g_hash_table_size(table) >= FOLD_MAX)
            forget_old(table, now);
        if (g_hash_table_size(table) >= FOLD_MAX)
            return; /* full of recent failures: the other key still slows this one */
        b = g_new0(struct backoff, 1);
        g_hash_table_replace(table, g_strdup(key), b);
    }
    b->failures++;
    wait = b->failures >= 10 ? cap : MIN(1u << b->failures, cap);
    b->last = now;
    b->until = now + (gint64)wait * 1000;
}

/* console_session_login_failed - USER and ADDR wait longer */
void console_session_login_failed(struct console_session_table *t, const char *user,
                                  const char *addr, gint64 now)
{
    g_mutex_lock(&t->lock);
    fail(t->by_user, user, now, CONSOLE_BACKOFF_USER_MAX);
    fail(t->by_addr, addr, now, CONSOLE_BACKOFF_ADDR_MAX);
    g_mutex_unlock(&t->lock);
}

/* console_session_login_ok - USER and ADDR forgiven */
void console_session_login_ok(struct console_session_table *t, const char *user, const char *addr)
{
    g_mutex_lock(&t->lock);
    if (user != NULL)
        g_hash_table_remove(t->by_user, user);
    if (addr != NULL)
        g_hash_table_remove(t->by_addr, addr);
    g_mutex_unlock(&t->lock);
}
