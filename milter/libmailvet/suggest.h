/* suggest.h - "did you mean ...?" for the configuration and policy loaders: the
 * known name nearest to a misspelt one.  No state; thread-safe. */
#ifndef MV_SUGGEST_H
#define MV_SUGGEST_H

#include <stddef.h>

/* suggest_name - of the N names in NAMES (N = SUGGEST_NUL_ENDED: up to a NULL entry),
 * the one nearest to NAME when it is near enough to be a typo of it, else NULL */
const char *suggest_name(const char *name, const char *const *names, size_t n);

#define SUGGEST_NUL_ENDED ((size_t)-1)

#endif
