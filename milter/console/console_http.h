/* console_http.h - the console's HTTP server (libmicrohttpd): one thread per connection,
 * each request read whole (a form at most CONSOLE_HTTP_FORM_MAX bytes), its session
 * found from the cookie, and handed to a page (console_pages.h) or an action
 * (console_actions.h) that fills a reply.  Every reply carries the same security
 * headers (Content-Security-Policy "default-src 'none'; style-src 'self'; form-action
 * 'self'; frame-ancestors 'none'; base-uri 'none'", X-Content-Type-Options nosniff,
 * X-Frame-Options DENY, Referrer-Policy no-referrer, Cache-Control no-store).
 * Rules: GET never changes state; a POST without a session is refused (403), and one
 * whose "csrf" field is not the session's token is refused (403) before it does
 * anything; a GET without a session is sent to /login (303) with no data in the body.
 * The only pages served without a session are /login and /style.css. */
#ifndef MV_CONSOLE_HTTP_H
#define MV_CONSOLE_HTTP_H

#include <stdbool.h>

#include <glib.h>

#include "config.h"
#include "console_audit.h"
#include "console_session.h"
#include "qstore.h"
#include "quarantine.h"

#define CONSOLE_HTTP_FORM_MAX (256u << 10) /* bytes of one form */
#define CONSOLE_HTTP_FIELDS_MAX 2000       /* fields of one form or query */

/* The console: what every request shares. */
struct console_http {
    const struct mv_config *cfg;
    struct console_session_table *sessions;
    struct console_audit *audit;
    struct qstore qs;             /* the store the configuration names */
    struct quarantine_view *view; /* the directory store's index, kept in memory */
    GMutex view_lock;
    bool tls;
    const char *cookie; /* the session cookie's name: __Host-mailvet_session with TLS */
    struct MHD_Daemon *daemon;
    char *tls_cert, *tls_key; /* PEM, in memory while the daemon runs */
};

/* One request as a page sees it. */
struct console_http_request {
    struct console_http *console;
    const char *method;
    const char *path;
    char addr[64];    /* the client's address */
    GPtrArray *query; /* char * name, char * value, ... (decoded) */
    GPtrArray *form;  /* the same for a POST's fields */
    bool logged_in;
    struct console_session_auth auth; /* when logged in */
};

/* What a page answers. */
struct console_http_reply {
    unsigned status;
    const char *type; /* Content-Type */
    GString *body;
    GPtrArray *headers; /* char * name, char * value, ... */
    int fd;             /* >= 0: the body is this file (closed after sending) */
    guint64 fd_size;
};

/* console_http_start - listen on ADDR (console_listen) and serve C; false with err */
bool console_http_start(struct console_http *c, struct mv_err *err);
/* console_http_stop - stop serving; requests in flight finish */
void console_http_stop(struct console_http *c);

/* console_http_arg - the first value of NAME in the query (GET) or the form (POST);
 * NULL when absent */
const char *console_http_arg(const struct console_http_request *r, const char *name);
/* console_http_args_new - every value of NAME, in order (borrowed strings; caller frees
 * the array) */
GPtrArray *console_http_args_new(const struct console_http_request *r, const char *name);

/* console_http_header - add a header NAME: VALUE to the reply */
void console_http_header(struct console_http_reply *rep, const char *name, const char *value);
/* console_http_redirect - 303 See Other to LOCATION, with an empty body */
void console_http_redirect(struct console_http_reply *rep, const char *location);
/* console_http_error - STATUS with a small page saying TEXT (escaped); the user's
 * navigation when R is logged in */
void console_http_error(struct console_http_reply *rep, const struct console_http_request *r,
                        unsigned status, const char *title, const char *text);
/* console_http_audit - one audit line for R's user and address; false (and a log line)
 * when it cannot be written */
bool console_http_audit(const struct console_http_request *r, const char *user, const char *action,
                        const char *ids, const char *result, const char *detail);
/* console_http_now - Unix seconds; console_http_mono - monotonic milliseconds (the
 * session table's clock) */
gint64 console_http_now(void);
gint64 console_http_mono(void);

#endif
