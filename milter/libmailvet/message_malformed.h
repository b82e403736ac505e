/* message_malformed.h - inside the message module: what other readers make of malformed
 * MIME, read from its text without GMime.
 *   - message_resplit_new(): a multipart that names no boundary (or an empty one) is
 *     split by other readers on the boundary its first line that starts with "--" and
 *     something other than white space gives (trailing white space dropped), when that
 *     is a boundary at all (RFC 2046 5.1.1: 1 to 70 of its characters, no space at the
 *     end).  The bytes returned are the text with a header naming that boundary, for
 *     message.c to parse again: what the rest of the world would see is scanned.
 *   - message_same_value(): whether two values of one header field are the same to a
 *     reader (white space and case aside); two that are not are MESSAGE_CONFLICT.
 * Does not log. */
#ifndef MV_MESSAGE_MALFORMED_H
#define MV_MESSAGE_MALFORMED_H

#include <stdbool.h>

#include <glib.h>

/* message_resplit_new - "Content-Type: multipart/SUBTYPE; boundary=..." (SUBTYPE "mixed"
 * when NULL or no token), an empty line and TEXT, the content of a multipart that names
 * no boundary; NULL when TEXT gives none (g_byte_array_unref) */
GByteArray *message_resplit_new(const char *text, const char *subtype);
/* message_same_value - whether A and B are the same but for white space and case */
bool message_same_value(const char *a, const char *b);

#endif
