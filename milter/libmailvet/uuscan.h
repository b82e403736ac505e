/* uuscan.h - find the uuencoded blocks in a text, without decoding them.
 * A block opens with a line "begin NNN name" (3 or 4 octal digits, then blanks, then
 * a name that is not empty) and closes with a line "end"; one without its "end" line
 * runs to the end of the text.  Lines end with LF; trailing CR, spaces and tabs do
 * not count.  uuscan_next() finds the next block from where the last one ended, in
 * one pass over the bytes.  message_decode.c decodes each block into a leaf of its own.
 * Nothing is allocated: the block points into the text.  Does not log. */
#ifndef MV_UUSCAN_H
#define MV_UUSCAN_H

#include <stdbool.h>
#include <stddef.h>

/* One block, borrowed from the text. */
struct uuscan_block {
    const char *name; /* the name on the "begin" line, not NUL-terminated */
    size_t name_len;
    const unsigned char *body; /* the lines between "begin" and "end", undecoded */
    size_t body_len;
    bool ended;                /* the "end" line was found */
    const unsigned char *next; /* where to look for the next block */
};

/* uuscan_next - the first block in [P, END) into B; false when there is none */
bool uuscan_next(const unsigned char *p, const unsigned char *end, struct uuscan_block *b);

#endif
