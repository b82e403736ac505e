/* message.h - GMime parse of one RFC 5322 message into leaves and features.
 * message_parse_bytes() / message_parse_fd() walk every multipart and message/rfc822
 * part at any depth (bounded by max_depth and max_parts) and decode each leaf's
 * transfer encoding (base64, quoted-printable, uuencode) and file name (RFC 2047,
 * RFC 2231).  Malformed MIME never fails the parse: what can be read becomes leaves,
 * and the problems are recorded in message_flags().  Only a read error fails.
 * The struct message owns the GMime objects, the leaves and their decoded bytes;
 * message_free() releases all, returns NULL.  Not shared between threads. */
#ifndef MV_MESSAGE_H
#define MV_MESSAGE_H

#include <glib.h>

#include "mv.h"

/* message_flags() bits.  Each one but MESSAGE_MALFORMED makes the message unscannable
 * (pipeline.c names it as a reason); MESSAGE_NO_MEMORY is an error. */
#define MESSAGE_LIMIT_PARTS 0x1u    /* more than max_parts leaves; the rest were skipped */
#define MESSAGE_LIMIT_DEPTH 0x2u    /* nesting deeper than max_depth; deeper parts skipped */
#define MESSAGE_NO_MEMORY 0x4u      /* a leaf could not be decoded for lack of memory */
#define MESSAGE_MALFORMED 0x8u      /* GMime found no message: the raw bytes are leaf "1" */
#define MESSAGE_PARTIAL 0x10u       /* a message/partial fragment (RFC 2046 5.2.2) */
#define MESSAGE_NO_BOUNDARY 0x20u   /* a multipart without a boundary parameter */
#define MESSAGE_NO_PARTS 0x40u      /* a multipart whose boundary never appears */
#define MESSAGE_BAD_DELIMITER 0x80u /* a "--" line holding a NUL or another control byte */
#define MESSAGE_CONFLICT 0x100u     /* one part, two different types, encodings or boundaries */
#define MESSAGE_LIMIT_HEADER_FIELDS 0x200u /* more header fields than LIMIT_MAX_HEADER_FIELDS */
#define MESSAGE_LIMIT_HEADER_BYTES 0x400u  /* more header bytes than LIMIT_MAX_HEADER_BYTES */
#define MESSAGE_LIMIT_HEADER_LINE 0x800u   /* a field longer than LIMIT_MAX_HEADER_LINE */
#define MESSAGE_ADDRESS_GROUPS 0x1000u     /* address groups nested past LIMIT_MAX_ADDRESS_GROUPS */

struct message_limits {
    unsigned max_parts;
    unsigned max_depth;
    size_t leaf_mem_max; /* decoded leaves above this go to an unlinked temp file, mmapped */
    const char *tmpdir;
};

struct message;

/* message_init - set the parser up once; optional (the first parse does it), but a
 * threaded program calls it before starting threads */
void message_init(void);

/* message_parse_bytes - parse bytes borrowed from the caller (they must outlive the message) */
struct message *message_parse_bytes(GByteArray *bytes, const struct message_limits *lim,
                                    struct mv_err *err);
/* message_parse_fd - parse a seekable fd from offset 0 (not closed; a dup sharing its
 * file offset is kept until message_free) */
struct message *message_parse_fd(int fd, const struct message_limits *lim, struct mv_err *err);

size_t message_leaf_count(const struct message *m);
/* message_leaf_get - leaf I (0-based), borrowed for the life of the message */
const struct mv_leaf *message_leaf_get(const struct message *m, size_t i);
unsigned message_flags(const struct message *m);
/* message_subject_get - decoded Subject (UTF-8) or NULL; borrowed */
const char *message_subject_get(const struct message *m);
/* message_subject_prefixed - a Subject value: PREFIX then the decoded subject,
 * RFC 2047-encoded where needed (g_free) */
char *message_subject_prefixed(const struct message *m, const char *prefix);
/* message_header_count / _name / _value - the message's own header fields in order,
 * those GMime was given (within the header limits: MESSAGE_LIMIT_HEADER_* says when
 * some were left out), Content-* fields aside; values decoded to UTF-8, whole;
 * borrowed */
size_t message_header_count(const struct message *m);
const char *message_header_name(const struct message *m, size_t i);
const char *message_header_value(const struct message *m, size_t i);
struct message *message_free(struct message *m);

#endif
