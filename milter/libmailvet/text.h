/* text.h - the words of a text or HTML part: markup and invalid bytes removed. */
#ifndef MV_TEXT_H
#define MV_TEXT_H

#include <glib.h>

/* text_plain_new - S[0..N) as valid UTF-8 without HTML: tags become a space (style,
 * script and comments vanish whole), a few entities are decoded, every space-like
 * character becomes ' ' (newlines '\n'), bytes that are not UTF-8 become ' '.  Never
 * longer than the input; *OUTLEN is its length.  NULL when memory is refused */
char *text_plain_new(const char *s, size_t n, size_t *outlen);

#endif
