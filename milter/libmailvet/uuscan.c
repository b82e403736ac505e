/* uuscan.c - find "begin NNN name" ... "end" blocks in a text (see uuscan.h).
 * Each line is looked at once: up to a "begin" line to find a block, then up to its
 * "end" line, so that finding every block of a text is linear in its length. */
#include <string.h>

#include "uuscan.h"

/* line_next - bounds of the line at P (without CR LF); returns the start of the next */
static const unsigned char *line_next(const unsigned char *p, const unsigned char *end, size_t *len)
{
    const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
    const unsigned char *stop = nl != NULL ? nl : end;

    while (stop > p && (stop[-1] == '\r' || stop[-1] == ' ' || stop[-1] == '\t'))
        stop--;
    *len = (size_t)(stop - p);
    return nl != NULL ? nl + 1 : end;
}

/* uu_begin - is the line "begin NNN name" (3-4 octal digits)?  NAME points into it */
static bool uu_begin(const unsigned char *p, size_t len, const char **name, size_t *namelen)
{
    size_t i = 6, digits = 0;

    if (len < 6 || memcmp(p, "begin ", 6) != 0)
        return false;
    while (i < len && p[i] >= '0' && p[i] <= '7' && digits < 5) {
        i++;
        digits++;
    }
    if (digits < 3 || digits > 4 || i >= len || (p[i] != ' ' && p[i] != '\t'))
        return false;
    while (i < len && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (i >= len)
        return false;
    *name = (const char *)p + i;
    *namelen = len - i;
    return true;
}

/* uuscan_next - the first block in [P, END) into B; false when there is none */
bool uuscan_next(const unsigned char *p, const unsigned char *end, struct uuscan_block *b)
{
    while (p < end) {
        const unsigned char *body, *q, *body_end;
        size_t len;

        body = line_next(p, end, &len);
        if (!uu_begin(p, len, &b->name, &b->name_len)) {
            p = body;
            continue;
        }
        /* the block runs to a line "end", or to the end of the text */
        b->ended = false;
        for (q = body_end = body; q < end; q = body_end) {
            const unsigned char *line = q;

            body_end = line_next(q, end, &len);
            if (len == 3 && memcmp(line, "end", 3) == 0) {
                b->ended = true;
                body_end = line;
                break;
            }
        }
        b->body = body;
        b->body_len = (size_t)(body_end - body);
        b->next = b->ended ? line_next(body_end, end, &len) : end;
        return true;
    }
    return false;
}
