/* message_prescan.h - inside the message module: one pass over a message's bytes before
 * GMime parses them, measuring what GMime would spend memory on, so that
 * message_input.c can give it less.  Fed in chunks of any size, from offset 0:
 *   - lines that can be MIME delimiters ("--" then no white space) are counted: past
 *     max_parts * 2 + 16 the rest can hold no part we would keep, so the parse stops
 *     there (cut, MESSAGE_LIMIT_PARTS);
 *   - such a line holding a NUL, another control byte, DEL or a CR that ends no line
 *     sets MESSAGE_BAD_DELIMITER;
 *   - the message's own header block (to its first empty line) is measured field by
 *     field (a field: its first line and the folded lines after it, line ends
 *     included) against LIMIT_MAX_HEADER_FIELDS, LIMIT_MAX_HEADER_BYTES and
 *     LIMIT_MAX_HEADER_LINE.  Over one of them, the MESSAGE_LIMIT_HEADER_* flag is set
 *     and keep lists the fields that fit (in order, first come first kept; a field
 *     over LIMIT_MAX_HEADER_LINE never), then the last Content-Type,
 *     Content-Transfer-Encoding and MIME-Version that did not fit (each within
 *     LIMIT_MAX_HEADER_LINE): the block message_input.c gives GMime instead, body after;
 *   - the header blocks inside the body (after a delimiter line, and after the header
 *     of a part that is, or may be, a message/rfc822, to the next empty line) are
 *     measured for a field over LIMIT_MAX_HEADER_LINE: GMime would hold it whole,
 *     several times over, before any count could stop it.  The parse stops before the
 *     first (cut) and MESSAGE_LIMIT_HEADER_LINE is set;
 *   - in every header block, a field GMime reads as a list of addresses (From, Sender,
 *     Reply-To, To, Cc, Bcc, their Resent- forms, Disposition-Notification-To) whose
 *     groups nest deeper than LIMIT_MAX_ADDRESS_GROUPS sets MESSAGE_ADDRESS_GROUPS:
 *     GMime's address parser recurses once per group, and a header of nested groups
 *     ("a: b: c: ... x@example.com;;;") runs the stack out.  In the message's own
 *     header block the field is left off the keep list, as a field over
 *     LIMIT_MAX_HEADER_LINE is; in the other blocks the parse stops before it (cut).
 *     The nesting counted is never less than GMime's (message_prescan.c says how).
 * No allocation but the keep list (at most LIMIT_MAX_HEADER_FIELDS + 3 ranges).  Does
 * not log.  Not shared between threads. */
#ifndef MV_MESSAGE_PRESCAN_H
#define MV_MESSAGE_PRESCAN_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#include "message.h"

/* bytes of a line kept to classify it: a field's name and the start of its value */
#define MESSAGE_PRESCAN_HEAD 80

struct message_prescan_range {
    gint64 start;
    gint64 len;
};

/* the header limits' flags */
#define MESSAGE_PRESCAN_HEADER_LIMITS                                                              \
    (MESSAGE_LIMIT_HEADER_FIELDS | MESSAGE_LIMIT_HEADER_BYTES | MESSAGE_LIMIT_HEADER_LINE)
/* the flags for which a field of the message's own header block is withheld from GMime */
#define MESSAGE_PRESCAN_WITHHELD (MESSAGE_PRESCAN_HEADER_LIMITS | MESSAGE_ADDRESS_GROUPS)

/* the longest field name of an address field ("Disposition-Notification-To") and more */
#define MESSAGE_PRESCAN_NAME 32

/* where a line is: the message's header block, a body, a part's header block, or the
 * header block of a message inside a part */
enum message_prescan_block {
    PRESCAN_TOP = 0,
    PRESCAN_BODY,
    PRESCAN_PART_HEADER,
    PRESCAN_MESSAGE_HEADER
};

/* an address field's groups, read byte by byte (message_prescan.c) */
struct message_prescan_groups {
    enum { GROUPS_OFF, GROUPS_NAME, GROUPS_NAME_BLANK, GROUPS_VALUE, GROUPS_END } state;
    unsigned name_len;
    char name[MESSAGE_PRESCAN_NAME];
    unsigned runs;    /* runs of ':' (white space between them) anywhere in the value */
    unsigned depth;   /* groups open, as counted */
    unsigned most;    /* the most that were open */
    unsigned comment; /* the nesting of the comment the reader is in, 0: none */
    bool quoted;      /* in a quoted string */
    bool escaped;     /* the byte before was a backslash that escapes this one */
    bool colon;       /* the last byte but white space was a ':' */
    bool angle;       /* the last byte but white space and comments was a '<' */
    bool desync;      /* from here GMime may read quotes and comments otherwise */
};

struct message_prescan {
    /* results */
    gint64 cut;     /* parse up to this offset, -1: to the end */
    unsigned flags; /* MESSAGE_BAD_DELIMITER, MESSAGE_LIMIT_HEADER_*, MESSAGE_ADDRESS_GROUPS */
    gint64 body;    /* offset past the top header block's empty line, -1: none */
    bool top_over;  /* the top header block is over a limit or withholds a field: give
                     * GMime keep instead */
    GArray *keep;   /* struct message_prescan_range: the top fields to keep */
    /* state */
    guint64 max_delims;
    guint64 delims;
    gint64 line_start; /* offset of the current line */
    gint64 line_len;   /* its bytes so far, line feed not included */
    unsigned char head[MESSAGE_PRESCAN_HEAD];
    enum { LINE_START, LINE_DASH, LINE_DASHES, LINE_DELIM, LINE_DELIM_CR, LINE_OTHER } line;
    enum message_prescan_block block;
    gint64 field_start; /* -1: no field open */
    gint64 field_len;
    int field_kind;                       /* which of the MIME fields it is, or -1 */
    bool field_groups;                    /* it is an address field whose groups nest too deep */
    struct message_prescan_groups groups; /* the field of the current line */
    bool block_has_type;
    bool block_is_message;                /* its Content-Type is message/rfc822 (or news, global) */
    unsigned kept;                        /* fields on the keep list within the limits */
    gint64 kept_bytes;                    /* their bytes */
    gint64 late_bytes;                    /* the bytes of the late fields kept after them */
    struct message_prescan_range late[3]; /* the last of each MIME field not kept */
};

/* message_prescan_init - an empty pass for a message parsed with MAX_PARTS */
void message_prescan_init(struct message_prescan *p, unsigned max_parts);
/* message_prescan_feed - the next N bytes; false once the cut is known (nothing more
 * is needed) */
bool message_prescan_feed(struct message_prescan *p, const unsigned char *buf, size_t n);
/* message_prescan_finish - after the last byte */
void message_prescan_finish(struct message_prescan *p);
/* message_prescan_clear - free the keep list; safe twice */
void message_prescan_clear(struct message_prescan *p);

#endif
