/* smtp_client.h - send one message by SMTP: connect to HOST:PORT, EHLO (HELO when
 * refused), MAIL FROM, RCPT TO for every recipient (all must be accepted), DATA with
 * CRLF line ends and dot-stuffing (RFC 5321 4.5.2), QUIT.  It knows nothing of where
 * the message comes from: the caller gives the envelope and a file descriptor.
 * Timeouts: opts->timeout_ms on connect, every send and every reply (0 = 120 s), at
 * least 10 minutes for the reply to the final dot (RFC 5321 4.5.3.2.6).
 * A leaf: MV_OK only after the server's 250 to the final dot; MV_EIO with err (the
 * server's reply, or the socket error, with HOST:PORT) otherwise.  Never logs. */
#ifndef MV_SMTP_CLIENT_H
#define MV_SMTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#include "mv.h"

#define SMTP_CLIENT_LINE_MAX 1000      /* a reply line, RFC 5321 4.5.3.1.5, with room */
#define SMTP_CLIENT_TIMEOUT_MS 120000u /* the default timeout */

/* Where and how to connect. */
struct smtp_client_opts {
    const char *host; /* a name or an address literal */
    unsigned port;
    unsigned timeout_ms; /* connect, each send and each reply; 0 = SMTP_CLIENT_TIMEOUT_MS */
};

/* smtp_client_address_ok - A can be sent between <> on one command line: at most 256
 * bytes, no control characters, no '<' or '>' */
bool smtp_client_address_ok(const char *a);

/* smtp_client_send - one transaction: SENDER ("" for the null sender), RCPTS (char *),
 * the message read from FD to its end; DONE (DONE_SIZE bytes, SMTP_CLIENT_LINE_MAX + 1
 * holds any) receives the server's reply to the final dot, made printable.  The
 * addresses must pass smtp_client_address_ok(). */
enum mv_status smtp_client_send(const struct smtp_client_opts *opts, const char *sender,
                                const GPtrArray *rcpts, int fd, char *done, size_t done_size,
                                struct mv_err *err);

#endif
