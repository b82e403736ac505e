/* console_actions.h - the console's POSTs: what changes state (login, logout, release,
 * delete) and the download of a message, each written to the audit log.  console_http.c
 * has already checked the session and the CSRF token of every one but the login. */
#ifndef MV_CONSOLE_ACTIONS_H
#define MV_CONSOLE_ACTIONS_H

#include "console_http.h"

/* console_actions_login - POST /login: user, password; slowed after failures */
void console_actions_login(struct console_http_request *r, struct console_http_reply *rep);
/* console_actions_logout - POST /logout: the session ends */
void console_actions_logout(struct console_http_request *r, struct console_http_reply *rep);
/* console_actions_release - POST /release: id (one or more), rcpt (for one entry: which
 * of its own recipients; all when none is given); each released by SMTP, each audited */
void console_actions_release(struct console_http_request *r, struct console_http_reply *rep);
/* console_actions_delete - POST /delete: id (one or more); each message removed, the
 * record kept as deleted, each audited */
void console_actions_delete(struct console_http_request *r, struct console_http_reply *rep);
/* console_actions_download - GET /message/ID/download: the .eml as an attachment named
 * ID.eml (application/octet-stream), audited; refused when it cannot be audited */
void console_actions_download(struct console_http_request *r, struct console_http_reply *rep);

#endif
