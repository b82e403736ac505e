/* mailvetd_tcp.h - TCP_NODELAY on libmilter's listening socket, so that the connections
 * it accepts send each reply at once.
 * At the end of a message mailvetd writes several small packets in a row (progress
 * while it scans, header changes, then the verdict); with Nagle's algorithm the
 * second waits for the MTA's ACK of the first, and the MTA, which only reads then,
 * delays that ACK (40 ms on Linux): about 40 ms per message over TCP that a unix
 * socket does not have.  libmilter gives no hook on its sockets, but on Linux an
 * accepted socket inherits TCP_NODELAY from the listening one, which
 * smfi_opensocket() has made by the time this is called. */
#ifndef MAILVETD_TCP_H
#define MAILVETD_TCP_H

/* mailvetd_tcp_nodelay - set TCP_NODELAY on every listening TCP socket of the process
 * (call after smfi_opensocket and before any other TCP listener is opened): the count
 * set, 0 when there is none (a unix socket), -1 with errno when setsockopt fails */
int mailvetd_tcp_nodelay(void);

#endif
