/* console_audit.h - the console's audit log: one line per action an operator takes or
 * tries (login ok, failed or refused by the users file; release; delete; download;
 * logout), appended with one write(2) and made durable (fdatasync) before the answer
 * goes out, and read back, newest first, by the audit view.  A line:
 *   2024-05-01T10:00:00Z user=alice addr=127.0.0.1 action=release ids=01HZ...,01HZ... result=ok
 * detail="250 2.0.0 Ok" user, addr, action, ids and result are single words (bytes other than
 * printable ASCII, and '"' '\' '=' and space, as %XX); detail is quoted with " and \ escaped and
 * control bytes as %XX.  Passwords, session and CSRF tokens are never written.  Thread-safe. */
#ifndef MV_CONSOLE_AUDIT_H
#define MV_CONSOLE_AUDIT_H

#include <glib.h>

#include "mv.h"

#define CONSOLE_AUDIT_READ_MAX (8u << 20) /* the view reads at most this much of the end */

struct console_audit;

/* console_audit_open - PATH opened for appending (created 0640 when missing; its
 * directory must exist); NULL with err */
struct console_audit *console_audit_open(const char *path, struct mv_err *err);
/* console_audit_close - returns NULL */
struct console_audit *console_audit_close(struct console_audit *a);
/* console_audit_reopen - A's file opened again by its path (after logrotate), the new
 * one in use from the next line; MV_EIO with err and the old one kept when it cannot be
 * opened.  Safe while other threads write. */
enum mv_status console_audit_reopen(struct console_audit *a, struct mv_err *err);
/* console_audit_write - one line at NOW (Unix seconds): USER (NULL: "-"), ADDR,
 * ACTION, IDS (NULL: "-"), RESULT, DETAIL (NULL: none); MV_EIO with err when it could
 * not be written whole and synced */
enum mv_status console_audit_write(struct console_audit *a, gint64 now, const char *user,
                                   const char *addr, const char *action, const char *ids,
                                   const char *result, const char *detail, struct mv_err *err);
/* console_audit_lines_new - the last lines of A's file (at most CONSOLE_AUDIT_READ_MAX
 * bytes of it), newest first (caller unrefs); NULL with err.  Read through the open
 * file, so it works whoever may open the path. */
GPtrArray *console_audit_lines_new(struct console_audit *a, struct mv_err *err);

#endif
