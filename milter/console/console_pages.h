/* console_pages.h - the console's pages: what a GET shows, never changing anything.
 * Each fills a reply (console_http.h) with HTML built by console_html.h, every text from
 * a message, a record, the audit log or the request escaped by console_html_text().
 * Stable ids and names on forms, buttons and table rows (for scripts and browser tests):
 * login-form, login-user, login-password, login-submit, login-error; search-form with
 * fields named as the query (queue_id, sender, recipient, subject, verdict, rule,
 * signature, since, until, min_size, max_size, state), search-submit; entries (the
 * table), row-ID (one row), select-ID (its checkbox, name "id"), link-ID, release-selected,
 * delete-selected, prev-page, next-page, result-count; message-ID detail sections:
 * envelope, headers, parts, objects, hits, preview, history, download, release-one,
 * delete-one; confirm-form, confirm-submit, rcpt-N; audit-lines. */
#ifndef MV_CONSOLE_PAGES_H
#define MV_CONSOLE_PAGES_H

#include "console_http.h"

/* console_pages_style - GET /style.css */
void console_pages_style(struct console_http_request *r, struct console_http_reply *rep);
/* console_pages_login - GET /login: the form (or to / when logged in already) */
void console_pages_login(struct console_http_request *r, struct console_http_reply *rep);
/* console_pages_login_form - the login form with STATUS and MESSAGE (NULL: none), USER
 * filled in */
void console_pages_login_form(struct console_http_reply *rep, unsigned status, const char *message,
                              const char *user);
/* console_pages_list - GET /: the entries, filtered and paged */
void console_pages_list(struct console_http_request *r, struct console_http_reply *rep);
/* console_pages_message - GET /message/ID: the record and the message, in full */
void console_pages_message(struct console_http_request *r, struct console_http_reply *rep);
/* console_pages_confirm - GET /confirm?action=release|delete&id=...: the entries and
 * the form that acts on them (for one entry's release, its recipients to choose from) */
void console_pages_confirm(struct console_http_request *r, struct console_http_reply *rep);
/* console_pages_audit - GET /audit: the audit log, newest first, searchable */
void console_pages_audit(struct console_http_request *r, struct console_http_reply *rep);

#define CONSOLE_PAGES_IDS_MAX 500 /* entries one confirmation or action takes */

/* console_pages_ids_new - R's "id" values, checked and without duplicates (caller
 * unrefs); NULL with WHY for none, more than CONSOLE_PAGES_IDS_MAX, or one that is not a
 * quarantine id */
GPtrArray *console_pages_ids_new(const struct console_http_request *r, char *why, size_t why_size);
/* console_pages_id - PATH is PREFIX then a valid quarantine id (copied into ID,
 * QUARANTINE_ID_LEN + 1 bytes), then nothing (*REST NULL) or '/' and *REST; false for
 * anything else: an id of the wrong form, "..", a path */
bool console_pages_id(const char *path, const char *prefix, char *id, const char **rest);

#endif
