/* text.c - the words of a text or HTML part, as rules and the password search read
 * them.  text_plain_new() makes valid UTF-8 without markup in one linear pass: tags
 * become a space (style, script and comments vanish whole), the entities that hide
 * quotes and spaces are decoded, space-like characters become ' ' and bytes that are
 * not UTF-8 become ' '.  No state; thread-safe. */
#include <stdbool.h>
#include <string.h>

#include "text.h"

/* skip_block - in S[I..N), the index just past the first case-insensitive END, or N.
 * *NONE remembers a failed search: a later search for the same END from further on
 * would fail too, so the whole text is scanned at most once per END */
static size_t skip_block(const char *s, size_t i, size_t n, const char *end, bool *none)
{
    size_t el = strlen(end);

    if (!*none) {
        for (size_t j = i; j + el <= n; j++) {
            if (g_ascii_strncasecmp(s + j, end, el) == 0)
                return j + el;
        }
        *none = true;
    }
    return n;
}

/* Named HTML entities worth decoding: the ones that hide quotes and spaces. */
static const struct {
    const char *name;
    const char *text;
} entities[] = {
    {"&nbsp;", " "},
    {"&quot;", "\""},
    {"&apos;", "'"},
    {"&amp;", "&"},
    {"&lt;", "<"},
    {"&gt;", ">"},
    {"&laquo;", "\xc2\xab"},
    {"&raquo;", "\xc2\xbb"},
    {"&ldquo;", "\xe2\x80\x9c"},
    {"&rdquo;", "\xe2\x80\x9d"},
};

/* entity - decode the HTML entity at S[I..N) into OUT (at most 6 bytes); its length
 * in S, 0 if there is none */
static size_t entity(const char *s, size_t i, size_t n, char *out, size_t *outlen)
{
    if (i + 3 < n && s[i + 1] == '#') {
        gunichar c = 0;
        size_t j = i + 2;
        bool hex = s[j] == 'x' || s[j] == 'X';
        unsigned digits = 0;

        if (hex)
            j++;
        for (; j < n && digits < 7; j++, digits++) {
            int v = hex ? g_ascii_xdigit_value(s[j]) : g_ascii_digit_value(s[j]);
            if (v < 0)
                break;
            c = c * (hex ? 16 : 10) + (gunichar)v;
        }
        if (digits == 0 || j >= n || s[j] != ';' || c == 0 || !g_unichar_validate(c))
            return 0;
        if (c < 0x20 || c == 0x7f || g_unichar_isspace(c)) {
            out[0] = c == '\n' ? '\n' : ' ';
            *outlen = 1;
        } else {
            *outlen = (size_t)g_unichar_to_utf8(c, out);
        }
        return j + 1 - i;
    }
    for (size_t k = 0; k < G_N_ELEMENTS(entities); k++) {
        size_t l = strlen(entities[k].name);

        if (i + l <= n && memcmp(s + i, entities[k].name, l) == 0) {
            *outlen = strlen(entities[k].text);
            memcpy(out, entities[k].text, *outlen);
            return l;
        }
    }
    return 0;
}

/* longest tag we strip; a '<' without a '>' this close is text ("a < b") */
#define TEXT_TAG_MAX 2048

/* text_plain_new - TEXT as valid UTF-8 without HTML: tags become a space (style, script
 * and comments vanish whole), a few entities are decoded, every space-like character
 * becomes ' ' (newlines '\n'), bytes that are not UTF-8 become ' '.  Never longer than
 * the input.  Linear: each byte is looked at a bounded number of times.  NULL when
 * g_try_malloc refuses */
char *text_plain_new(const char *s, size_t n, size_t *outlen)
{
    char *o = g_try_malloc(n + 1);
    bool no_style = false, no_script = false, no_comment = false;
    size_t next_gt = 0, i = 0, w = 0;
    bool have_gt = false, no_gt = false;

    if (o == NULL)
        return NULL;
    while (i < n) {
        unsigned char b = (unsigned char)s[i];

        if (b == '<' && i + 1 < n &&
            (g_ascii_isalpha(s[i + 1]) || s[i + 1] == '/' || s[i + 1] == '!')) {
            if (i + 4 <= n && memcmp(s + i, "<!--", 4) == 0) {
                i = skip_block(s, i + 4, n, "-->", &no_comment);
                o[w++] = ' ';
                continue;
            }
            if (!no_gt && (!have_gt || next_gt < i)) {
                const char *gt = memchr(s + i, '>', n - i);
                have_gt = gt != NULL;
                no_gt = gt == NULL;
                next_gt = gt != NULL ? (size_t)(gt - s) : 0;
            }
            if (have_gt && next_gt - i <= TEXT_TAG_MAX) {
                bool style = g_ascii_strncasecmp(s + i, "<style", 6) == 0;
                bool script = g_ascii_strncasecmp(s + i, "<script", 7) == 0;

                i = next_gt + 1;
                if (style)
                    i = skip_block(s, i, n, "</style", &no_style);
                else if (script)
                    i = skip_block(s, i, n, "</script", &no_script);
                o[w++] = ' ';
                continue;
            }
        }
        if (b == '&') {
            char dec[8];
            size_t dl = 0, used = entity(s, i, n, dec, &dl);

            if (used > 0 && dl <= used) {
                memcpy(o + w, dec, dl);
                w += dl;
                i += used;
                continue;
            }
        }
        if (b < 0x80) {
            o[w++] = b == '\n' ? '\n' : (b < 0x20 || b == 0x7f) ? ' ' : (char)b;
            i++;
            continue;
        }
        {
            gunichar c = g_utf8_get_char_validated(s + i, (gssize)(n - i));
            if (c == (gunichar)-1 || c == (gunichar)-2) {
                o[w++] = ' ';
                i++;
                continue;
            }
            size_t cl = (size_t)(g_utf8_next_char(s + i) - (s + i));
            if (g_unichar_isspace(c) || c == 0x200b || c == 0xfeff) {
                o[w++] = c == 0x2028 || c == 0x2029 || c == 0x85 ? '\n' : ' ';
            } else {
                memcpy(o + w, s + i, cl);
                w += cl;
            }
            i += cl;
        }
    }
    o[w] = '\0';
    *outlen = w;
    return o;
}
