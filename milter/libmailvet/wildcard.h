/* wildcard.h - the one glob dialect of mailvet: the globs of rules (rules.h), the
 * entries of allow and block lists (policy.h) and the operator's filters.
 *
 *   *        any run of characters, the empty one too ('@', '.' and '/' included)
 *   ?        exactly one character
 *   [...]    one character of the set: single characters and ranges ("a-z");
 *            "[!...]" or "[^...]" negates; a ']' right after '[' (or "[!") is a
 *            member; a '[' without a closing ']' is a literal '['
 *   \C       the character C itself ("\*", "\[", "\\")
 *
 * A pattern covers the whole text.  Characters are UTF-8 code points, not bytes, so
 * '?' takes one "ä".  Case is ignored by Unicode case folding (g_utf8_casefold) of both
 * the pattern and the text, so "[A-Z]" is "[a-z]", and a character that folds to two
 * ("ß" to "ss") is two characters on either side.  Bytes that are not UTF-8 become
 * U+FFFD before folding.  There are no character classes ("[[:alpha:]]").
 *
 * A loader folds each pattern once (wildcard_pattern_new) and matches folded text
 * (wildcard_text_new) with wildcard_match(); wildcard_match_text() folds both for a
 * one-off match.  No state; thread-safe. */
#ifndef MV_WILDCARD_H
#define MV_WILDCARD_H

#include <stdbool.h>

#include <glib.h>

/* wildcard_pattern_new - PATTERN folded for wildcard_match(); the caller frees it with
 * g_free */
char *wildcard_pattern_new(const char *pattern);
/* wildcard_text_new - TEXT (LEN bytes, -1: up to its NUL) folded for wildcard_match();
 * the caller frees it with g_free */
char *wildcard_text_new(const char *text, gssize len);
/* wildcard_match - folded TEXT against folded PATTERN, both from the functions above */
bool wildcard_match(const char *pattern, const char *text);
/* wildcard_match_text - TEXT (NULL: the empty text) against PATTERN, folding both */
bool wildcard_match_text(const char *pattern, const char *text);
/* wildcard_is_pattern - S holds '*', '?' or '[': a glob rather than a literal */
bool wildcard_is_pattern(const char *s);

#endif
