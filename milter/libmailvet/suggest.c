/* suggest.c - the nearest known name to a misspelt one, and the unknown-key message of
 * every loader (format in suggest.h).
 * Distance: edits turning one name into the other (insert, delete, replace, and a swap
 * of two neighbours, the usual shape of a typo, as one edit), ASCII case ignored.
 * Near enough: 1 edit for names of up to 4 characters, 2 up to 9, 3 beyond.  Names
 * longer than SUGGEST_NAME_MAX are never suggested (the table stays on the stack).
 * Without a near name the valid ones are listed when there are few enough to read at a
 * glance (a rule predicate's 16 keys); the daemon's configuration has too many, and its
 * manual lists them.  Does not log. */
#include <stdint.h>
#include <stdio.h>
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

/* key_append - PATH.NAME (or NAME) to OUT, control characters as '?', at most
 * SUGGEST_KEY_SHOWN bytes and then "...", never cutting a UTF-8 character */
static void key_append(GString *out, const char *path, const char *name)
{
    const char *parts[2] = {path, name};
    size_t shown = 0;
    size_t i;

    for (i = 0; i < 2; i++) {
        const unsigned char *p = (const unsigned char *)parts[i];

        if (p == NULL || *p == '\0')
            continue;
        if (shown > 0) {
            g_string_append_c(out, '.');
            shown++;
        }
        for (; *p != '\0'; p++, shown++) {
            if (shown >= SUGGEST_KEY_SHOWN && (*p & 0xc0) != 0x80) {
                g_string_append(out, "...");
                return;
            }
            g_string_append_c(out, *p < 0x20 || *p == 0x7f ? '?' : (char)*p);
        }
    }
}

/* suggest_unknown_key - "KEY: unknown key (did you mean NAME?)" and its variants */
const char *suggest_unknown_key(char *buf, size_t size, const char *path, const char *name,
                                const char *const *names, size_t n)
{
    const char *near = suggest_name(name, names, n);
    GString *out = g_string_new(NULL);
    size_t count = 0;
    size_t i;

    while (count < n && names[count] != NULL)
        count++;
    key_append(out, path, name);
    g_string_append(out, ": unknown key");
    if (near != NULL) {
        g_string_append_printf(out, " (did you mean %s?)", near);
    } else if (count > 0 && count <= SUGGEST_LIST_MAX) {
        g_string_append(out, " (expected one of ");
        for (i = 0; i < count; i++)
            g_string_append_printf(out, "%s%s", i > 0 ? ", " : "", names[i]);
        g_string_append_c(out, ')');
    }
    if (size > 0)
        snprintf(buf, size, "%s", out->str);
    g_string_free(out, TRUE);
    return buf;
}
