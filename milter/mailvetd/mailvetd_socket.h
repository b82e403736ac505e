/* mailvetd_socket.h - mailvetd's unix socket: a live daemon's never taken over, a stale
 * one replaced in one step, and at exit the socket removed only while it is still the
 * one this process made.  The order: mailvetd_socket_claim() (still privileged, before
 * libmilter binds), smfi_setconn(mailvetd_socket_conn_new()), smfi_opensocket(),
 * mailvetd_socket_place(), and mailvetd_socket_remove() at exit.  Logs what it refuses. */
#ifndef MAILVETD_SOCKET_H
#define MAILVETD_SOCKET_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"

/* mailvetd_socket_path - the file of a unix/local socket spec, or NULL (TCP) */
const char *mailvetd_socket_path(const char *spec);
/* mailvetd_socket_claim - get ready to bind the unix socket PATH of CFG, under a lock on
 * its directory; refused (logged) when something answers on PATH or it is no socket.
 * EX_OK, or the exit status */
int mailvetd_socket_claim(const struct mv_config *cfg, const char *path);
/* mailvetd_socket_conn_new - the socket spec libmilter binds: the temporary name beside
 * the claimed path, or CFG's socket (caller frees) */
char *mailvetd_socket_conn_new(const struct mv_config *cfg);
/* mailvetd_socket_place - the bound socket given CFG's mode and (DROP) the owner UID:GID,
 * then renamed to its path; false (logged) when it cannot be */
bool mailvetd_socket_place(const struct mv_config *cfg, bool drop, uid_t uid, gid_t gid);
/* mailvetd_socket_remove - unlink the socket only while it is still the one this process
 * made */
void mailvetd_socket_remove(void);

#endif
