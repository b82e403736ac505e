/* suggest.h - "did you mean ...?" for the configuration, policy and rule loaders: the
 * known name nearest to a misspelt one, and the one message all three give for an
 * unknown key:
 *
 *   KEY: unknown key (did you mean NAME?)      a valid name is near enough
 *   KEY: unknown key (expected one of A, B, C) none is, and the valid names are few
 *                                              (at most SUGGEST_LIST_MAX)
 *   KEY: unknown key                           none is, and they are many
 *
 * KEY is the key's path as the loader shows it ("thresholds.suspicous",
 * "object.nmae"), control characters as '?', cut after SUGGEST_KEY_SHOWN bytes with
 * "...".  The caller puts FILE:LINE (and "rule ID:") in front.  No state; thread-safe. */
#ifndef MV_SUGGEST_H
#define MV_SUGGEST_H

#include <stddef.h>

/* suggest_name - of the N names in NAMES (N = SUGGEST_NUL_ENDED: up to a NULL entry),
 * the one nearest to NAME when it is near enough to be a typo of it, else NULL */
const char *suggest_name(const char *name, const char *const *names, size_t n);

#define SUGGEST_NUL_ENDED ((size_t)-1)

#define SUGGEST_LIST_MAX 16         /* valid names listed when none is near */
#define SUGGEST_KEY_SHOWN 200       /* bytes of a key's path in the message */
#define SUGGEST_UNKNOWN_KEY_MAX 512 /* a buffer that holds any unknown-key message */

/* suggest_unknown_key - the message for NAME, unknown under PATH (NULL or "" at the
 * top: KEY is NAME, else "PATH.NAME"), where the N NAMES (or up to a NULL entry) are
 * valid, into BUF of SIZE bytes (SUGGEST_UNKNOWN_KEY_MAX holds any); returns BUF */
const char *suggest_unknown_key(char *buf, size_t size, const char *path, const char *name,
                                const char *const *names, size_t n);

#endif
