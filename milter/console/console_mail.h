/* console_mail.h - what the detail page shows of a held message itself: its header as
 * written (the first CONSOLE_MAIL_HEADER_MAX bytes), its header fields decoded (RFC 2047)
 * by message.c, and a plain-text preview: the first text/plain part that is not an
 * attachment, or else the first text/html part stripped to its words (text.c: tags,
 * scripts, styles and comments removed; runs of spaces squeezed), made valid UTF-8, without CR, at
 * most CONSOLE_MAIL_PREVIEW_MAX bytes.  The message's HTML is never handed to a browser: the page
 * escapes the preview into a <pre>.  The parse runs with the daemon's limits (max_parts,
 * max_mime_depth); a message larger than CONSOLE_MAIL_PARSE_MAX is not parsed (its header is still
 * shown).  No logging; errors in struct mv_err. */
#ifndef MV_CONSOLE_MAIL_H
#define MV_CONSOLE_MAIL_H

#include <stdbool.h>

#include <glib.h>

#include "mv.h"

#define CONSOLE_MAIL_HEADER_MAX (64u << 10)
#define CONSOLE_MAIL_PREVIEW_MAX (64u << 10)
#define CONSOLE_MAIL_PARSE_MAX (64u << 20)

struct console_mail_limits {
    unsigned max_parts;
    unsigned max_depth;
    const char *tmpdir;
};

struct console_mail {
    char *raw_header;          /* as written, CR removed; NULL when unreadable */
    bool raw_header_cut;       /* longer than CONSOLE_MAIL_HEADER_MAX */
    GPtrArray *names, *values; /* the header fields, decoded; empty when not parsed */
    char *preview;             /* NULL: no text part */
    char *preview_path;        /* the MIME path of the part it comes from */
    bool preview_html;         /* stripped from HTML */
    bool preview_cut;          /* longer than CONSOLE_MAIL_PREVIEW_MAX */
    char *not_parsed;          /* why the message was not parsed, or NULL */
};

/* console_mail_read - the message in FD (the .eml, read from 0; not closed) into *OUT;
 * MV_EIO with err when it cannot be read at all */
enum mv_status console_mail_read(int fd, const struct console_mail_limits *lim,
                                 struct console_mail *out, struct mv_err *err);
/* console_mail_clear - free what OUT holds */
void console_mail_clear(struct console_mail *out);

#endif
