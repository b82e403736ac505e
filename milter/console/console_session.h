/* console_session.h - who is logged in to the console, and who may try again.
 * Sessions: a random token (32 bytes of getrandom(2), 64 hex digits) names each one; the
 * browser holds it in a cookie, the table keeps only its SHA-256 (so neither a lookup's
 * timing nor a look at the table tells a token), with the user, a CSRF token of its own
 * (another 32 random bytes) and two times: a session ends IDLE seconds after its last
 * request and MAX seconds after the login, whichever comes first, or at logout.
 * CSRF: every request that changes something carries the session's CSRF token, compared
 * in constant time (console_session_csrf_ok).
 * Login backoff: each failed login makes the next attempt for the same user name wait
 * 2, 4, 8 ... up to 60 seconds, and for the same client address up to 300 seconds;
 * a success clears both; a name or address not seen for 15 minutes is forgotten.
 * Times are milliseconds of a monotonic clock, given by the caller (so that a wait of
 * 2 s is 2 s, not anything between 1 and 2).  The table is locked
 * inside: any thread may call any function. */
#ifndef MV_CONSOLE_SESSION_H
#define MV_CONSOLE_SESSION_H

#include <stdbool.h>

#include <glib.h>

#define CONSOLE_TOKEN_LEN 64 /* hex digits of a session or CSRF token */
#define CONSOLE_USER_MAX 64  /* bytes of a user name */
#define CONSOLE_SESSIONS_MAX 10000
#define CONSOLE_BACKOFF_USER_MAX 60
#define CONSOLE_BACKOFF_ADDR_MAX 300
#define CONSOLE_BACKOFF_FORGET 900

/* What a request learns of its session: copies, so that a logout in another thread
 * cannot pull them away. */
struct console_session_auth {
    char user[CONSOLE_USER_MAX + 1];
    char token[CONSOLE_TOKEN_LEN + 1];
    char csrf[CONSOLE_TOKEN_LEN + 1];
};

struct console_session_table;

/* console_session_table_new - an empty table whose sessions last IDLE seconds without a
 * request and MAX seconds at most (NOW arguments below are milliseconds) */
struct console_session_table *console_session_table_new(unsigned idle, unsigned max);
/* console_session_table_free - the table and every session; returns NULL */
struct console_session_table *console_session_table_free(struct console_session_table *t);

/* console_session_random - 32 random bytes (getrandom) as 64 hex digits and a NUL in
 * OUT; false when the kernel gives none */
bool console_session_random(char out[CONSOLE_TOKEN_LEN + 1]);
/* console_session_create - a new session of USER at NOW, its token and CSRF in *OUT;
 * false when no random bytes could be had */
bool console_session_create(struct console_session_table *t, const char *user, gint64 now,
                            struct console_session_auth *out);
/* console_session_lookup - the session of TOKEN, alive at NOW (its idle time restarts),
 * into *OUT; false for an unknown or ended one (an ended one is removed) */
bool console_session_lookup(struct console_session_table *t, const char *token, gint64 now,
                            struct console_session_auth *out);
/* console_session_end - the session of TOKEN ends (logout); nothing when unknown */
void console_session_end(struct console_session_table *t, const char *token);
/* console_session_count - the sessions in the table (alive or not yet swept) */
guint console_session_count(struct console_session_table *t);

/* console_session_csrf_ok - GIVEN (NULL: none) is AUTH's CSRF token; compared in time
 * that does not depend on where they differ */
bool console_session_csrf_ok(const struct console_session_auth *auth, const char *given);

/* console_session_login_wait - seconds (rounded up) before a login of USER from ADDR may
 * be tried at NOW (0: now) */
unsigned console_session_login_wait(struct console_session_table *t, const char *user,
                                    const char *addr, gint64 now);
/* console_session_login_failed - a failed login of USER from ADDR at NOW: both wait
 * longer */
void console_session_login_failed(struct console_session_table *t, const char *user,
                                  const char *addr, gint64 now);
/* console_session_login_ok - a login of USER from ADDR succeeded: both are forgiven */
void console_session_login_ok(struct console_session_table *t, const char *user, const char *addr);

#endif
