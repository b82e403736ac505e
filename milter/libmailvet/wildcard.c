/* wildcard.c - the glob dialect of wildcard.h: '*', '?', '[...]' and '\' over UTF-8
 * characters, case-insensitive by folding pattern and text once each.
 * We do not use fnmatch(3): in the daemon's C locale its '?' and '[...]' see bytes, so
 * "?" does not match "ä" and FNM_CASEFOLD folds ASCII only; and it backtracks
 * recursively over every '*', exponential on a long body.  GPatternSpec has no '[...]'
 * and no escape.  glob_match() keeps only the last '*' to return to, which is enough
 * for globs (a later '*' can take whatever an earlier one would have):
 * O(len(text) * len(pattern)), no recursion.  Does not log. */
#include <string.h>

#include <glib.h>

#include "wildcard.h"

/* class_match - C against the [...] set at P (just past '['); *END past its ']'.
 * False with *END NULL when the set has no closing ']' (then '[' is a literal). */
static bool class_match(const char *p, gunichar c, const char **end)
{
    bool negate = false;
    bool found = false;
    bool first = true;

    if (*p == '!' || *p == '^') {
        negate = true;
        p++;
    }
    while (*p != '\0' && (*p != ']' || first)) {
        gunichar lo;
        gunichar hi;

        first = false;
        if (*p == '\\' && p[1] != '\0')
            p++;
        lo = g_utf8_get_char(p);
        p = g_utf8_next_char(p);
        hi = lo;
        if (*p == '-' && p[1] != ']' && p[1] != '\0') {
            p++;
            if (*p == '\\' && p[1] != '\0')
                p++;
            hi = g_utf8_get_char(p);
            p = g_utf8_next_char(p);
        }
        if (c >= lo && c <= hi)
            found = true;
    }
    if (*p != ']') {
        *end = NULL;
        return false;
    }
    *end = p + 1;
    return found != negate;
}

/* glob_one - does pattern element at *P match C; on success *P moves past it */
static bool glob_one(const char **p, gunichar c)
{
    const char *q = *p;
    const char *end;
    bool ok;

    switch (*q) {
    case '?':
        *p = q + 1;
        return true;
    case '[':
        ok = class_match(q + 1, c, &end);
        if (end != NULL) {
            if (ok)
                *p = end;
            return ok;
        }
        break; /* no closing ']': a literal '[' */
    case '\\':
        if (q[1] != '\0')
            q++;
        break;
    default:
        break;
    }
    if (g_utf8_get_char(q) != c)
        return false;
    *p = g_utf8_next_char(q);
    return true;
}

/* glob_match - the whole of S against PAT, both folded (valid UTF-8) */
static bool glob_match(const char *pat, const char *s)
{
    const char *star_p = NULL;
    const char *star_s = NULL;
    const char *p = pat;

    while (*s != '\0') {
        if (*p == '*') {
            while (*p == '*')
                p++;
            star_p = p;
            star_s = s;
            continue;
        }
        if (*p != '\0' && glob_one(&p, g_utf8_get_char(s))) {
            s = g_utf8_next_char(s);
            continue;
        }
        if (star_p == NULL)
            return false;
        /* let the last '*' take one more character and retry from there */
        star_s = g_utf8_next_char(star_s);
        s = star_s;
        p = star_p;
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

/* fold - S (LEN bytes, -1: up to its NUL) case-folded; invalid UTF-8 made valid first */
static char *fold(const char *s, gssize len)
{
    char *valid;
    char *out;

    if (g_utf8_validate(s, len, NULL))
        return g_utf8_casefold(s, len);
    valid = g_utf8_make_valid(s, len);
    out = g_utf8_casefold(valid, -1);
    g_free(valid);
    return out;
}

/* wildcard_pattern_new - PATTERN folded once, at load time */
char *wildcard_pattern_new(const char *pattern)
{
    return fold(pattern, -1);
}

/* wildcard_text_new - TEXT folded, as a pattern is */
char *wildcard_text_new(const char *text, gssize len)
{
    return fold(text, len);
}

/* wildcard_match - folded TEXT against folded PATTERN */
bool wildcard_match(const char *pattern, const char *text)
{
    return glob_match(pattern, text);
}

/* wildcard_match_text - TEXT against PATTERN, both folded here */
bool wildcard_match_text(const char *pattern, const char *text)
{
    char *p = fold(pattern, -1);
    char *t = fold(text != NULL ? text : "", -1);
    bool m = glob_match(p, t);

    g_free(p);
    g_free(t);
    return m;
}

/* wildcard_is_pattern - S has a character special to the dialect */
bool wildcard_is_pattern(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}
