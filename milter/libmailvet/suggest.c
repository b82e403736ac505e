/* suggest.c - the nearest known name to a misspelt one.
 * Distance: edits turning one name into the other (insert, delete, replace, and a swap
 * of two neighbours, the usual shape of a typo, as one edit), ASCII case ignored.
 * Near enough: 1 edit for names of up to 4 characters, 2 up to 9, 3 beyond.  Names
 * longer than SUGGEST_NAME_MAX are never suggested (the table stays on the stack). */
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "suggest.h"

#define SUGGEST_NAME_MAX 40

/* distance - edits from A to B, SIZE_MAX when either is too long to compare */
static size_t distance(const char *a, const char *b)
{
    size_t d[SUGGEST_NAME_MAX + 1][SUGGEST_NAME_MAX + 1];
    size_t la = strlen(a), lb = strlen(b);

    if (la > SUGGEST_NAME_MAX || lb > SUGGEST_NAME_MAX)
        return SIZE_MAX;
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            char ca = g_ascii_tolower(a[i - 1]), cb = g_ascii_tolower(b[j - 1]);
            size_t best = d[i - 1][j - 1] + (ca != cb);

            best = MIN(best, d[i - 1][j] + 1);
            best = MIN(best, d[i][j - 1] + 1);
            if (i > 1 && j > 1 && ca == g_ascii_tolower(b[j - 2]) &&
                g_ascii_tolower(a[i - 2]) == cb)
                best = MIN(best, d[i - 2][j - 2] + 1);
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

/* suggest_name - the nearest of NAMES, if near enough */
const char *suggest_name(const char *name, const char *const *names, size_t n)
{
    size_t len = strlen(name);
    size_t allowed = len <= 4 ? 1 : len <= 9 ? 2 : 3;
    const char *best = NULL;
    size_t best_d = SIZE_MAX;

    for (size_t i = 0; i < n && names[i] != NULL; i++) {
        size_t d = distance(name, names[i]);

        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    return best_d <= allowed ? best : NULL;
}
