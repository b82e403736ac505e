/* message_input.h - inside the message module: what GMime is given of a message.
 * message_input_prepare() runs message_prescan.c's pass over the source, a byte array
 * or a file from offset 0 (read with pread(2) in 64 KiB chunks: the file offset is left
 * alone, and what GMime is not given is never mapped in), and says what to give GMime:
 *   - the whole source;
 *   - its first CUT bytes, when the parts beyond are past max_parts anyway or a header
 *     field of a part is over LIMIT_MAX_HEADER_LINE or nests its address groups
 *     deeper than LIMIT_MAX_ADDRESS_GROUPS;
 *   - or, when the message's own header block is over a header limit or withholds a
 *     field, a reduced copy: the fields kept (message_prescan.h), an empty line and
 *     the body up to the cut, in an unlinked temp file in tmpdir, which the caller
 *     then owns.  The fields beyond the limits would cost GMime memory in proportion;
 *     the body is what is scanned.
 * Also where the message's own header block ends in what GMime is given, so that
 * message.c counts the header fields of the parts apart from it.  Errors: MV_EIO (a
 * read error, a temp file that cannot be written), said in the caller's struct mv_err.
 * No GMime here.  Does not log. */
#ifndef MV_MESSAGE_INPUT_H
#define MV_MESSAGE_INPUT_H

#include <glib.h>

#include "mv.h"

struct message_input {
    /* the source: BYTES, or FD when BYTES is NULL (borrowed, not closed) */
    const GByteArray *bytes;
    int fd;
    /* what message_input_prepare() found */
    unsigned flags; /* MESSAGE_BAD_DELIMITER, MESSAGE_LIMIT_PARTS, MESSAGE_LIMIT_HEADER_*,
                     * MESSAGE_ADDRESS_GROUPS */
    int reduced;    /* give GMime this temp file (the caller's to close), -1: none */
    gint64 cut;     /* else the source's first CUT bytes, -1: all of it */
    gint64 top_end; /* the offset past the message's own header block in what GMime is
                     * given, G_MAXINT64: the block never ends */
};

/* message_input_prepare - IN's results for a message parsed with MAX_PARTS, a reduced
 * copy made in TMPDIR (NULL: the system's) when one is needed */
enum mv_status message_input_prepare(struct message_input *in, unsigned max_parts,
                                     const char *tmpdir, struct mv_err *err);

#endif
