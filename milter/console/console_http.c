/* console_http.c - the console's HTTP server over libmicrohttpd (console_http.h): the
 * daemon with its limits, the reading of a request (query, form through MHD's post
 * processor, cookie, client address), the routing with its two gates (a session; for a
 * POST, the session's CSRF token), and the sending of a reply with the security headers.
 * The pages and actions never touch libmicrohttpd: it is called from this file only. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <microhttpd.h>

#include "console_actions.h"
#include "console_html.h"
#include "console_http.h"
#include "console_pages.h"
#include "log.h"

#define CSP                                                                                        \
    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; "           \
    "base-uri 'none'"

typedef void (*handler_fn)(struct console_http_request *, struct console_http_reply *);

/* message_get - GET /message/ID/download is the download, any other /message/... the
 * detail page (which refuses what is not an id) */
static void message_get(struct console_http_request *r, struct console_http_reply *rep)
{
    if (g_str_has_suffix(r->path, "/download"))
        console_actions_download(r, rep);
    else
        console_pages_message(r, rep);
}

/* Every path the console answers: METHOD, PATH (a trailing '/' other than "/" itself
 * matches every path under it), whether it is served without a session. */
static const struct route {
    const char *method;
    const char *path;
    bool public;
    handler_fn run;
} routes[] = {
    {"GET", "/style.css", true, console_pages_style},
    {"GET", "/login", true, console_pages_login},
    {"POST", "/login", true, console_actions_login},
    {"POST", "/logout", false, console_actions_logout},
    {"GET", "/", false, console_pages_list},
    {"GET", "/message/", false, message_get},
    {"GET", "/confirm", false, console_pages_confirm},
    {"POST", "/release", false, console_actions_release},
    {"POST", "/delete", false, console_actions_delete},
    {"GET", "/audit", false, console_pages_audit},
};

/* A request while its body arrives (MHD's per-connection pointer). */
struct pending {
    struct console_http_request req;
    char *path;
    char *method;
    struct MHD_PostProcessor *pp;
    gsize form_bytes;
    bool too_big, bad_form;
};

/* ---- time ---------------------------------------------------------------------------- */

/* console_http_now - Unix seconds */
gint64 console_http_now(void)
{
    return g_get_real_time() / G_USEC_PER_SEC;
}

/* console_http_mono - monotonic milliseconds */
gint64 console_http_mono(void)
{
    return g_get_monotonic_time() / 1000;
}

/* ---- reading a request --------------------------------------------------------------- */

/* add_pair - NAME and VALUE (NULL: "") appended to LIST, unless it is full */
static bool add_pair(GPtrArray *list, const char *name, const char *value, gsize len)
{
    if (list->len / 2 >= CONSOLE_HTTP_FIELDS_MAX)
        return false;
    g_ptr_array_add(list, g_strdup(name != NULL ? name : ""));
    g_ptr_array_add(list, value != NULL ? g_strndup(value, len) : g_strdup(""));
    return true;
}

/* on_query - one query argument (MHD_KeyValueIterator) */
static enum MHD_Result on_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    add_pair(cls, key, value, value != NULL ? strlen(value) : 0);
    return MHD_YES;
}

/* on_field - a piece of a form field (MHD_PostDataIterator): a new field at offset 0,
 * else more of the last one */
static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *filename, const char *content_type,
                                const char *transfer_encoding, const char *data, uint64_t off,
                                size_t size)
{
    struct pending *p = cls;
    GPtrArray *form = p->req.form;

    (void)kind;
    (void)filename;
    (void)content_type;
    (void)transfer_encoding;
    if (off == 0 || form->len < 2 ||
        strcmp(g_ptr_array_index(form, form->len - 2), key != NULL ? key : "") != 0) {
        if (!add_pair(form, key, data, size)) {
            p->too_big = true;
            return MHD_NO;
        }
        return MHD_YES;
    }
    {
        char *old = g_ptr_array_index(form, form->len - 1);
        char *more = g_strndup(data, size);

        form->pdata[form->len - 1] = g_strconcat(old, more, NULL);
        g_free(old);
        g_free(more);
    }
    return MHD_YES;
}

/* client_addr - the peer's address as text into OUT */
static void client_addr(struct MHD_Connection *conn, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;

    g_strlcpy(out, "?", size);
    if (sa == NULL)
        return;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)size);
}

/* pending_new - a request starting */
static struct pending *pending_new(struct console_http *c, struct MHD_Connection *conn,
                                   const char *url, const char *method)
{
    struct pending *p = g_new0(struct pending, 1);
    const char *token;

    p->path = g_strdup(url);
    p->method = g_strdup(method);
    p->req.console = c;
    p->req.path = p->path;
    p->req.method = p->method;
    p->req.query = g_ptr_array_new_with_free_func(g_free);
    p->req.form = g_ptr_array_new_with_free_func(g_free);
    client_addr(conn, p->req.addr, sizeof(p->req.addr));
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, on_query, p->req.query);
    if (p->req.query->len / 2 >= CONSOLE_HTTP_FIELDS_MAX)
        p->too_big = true;
    token = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, c->cookie);
    p->req.logged_in =
        console_session_lookup(c->sessions, token, console_http_mono(), &p->req.auth);
    return p;
}

/* pending_free - a request done */
static void pending_free(struct pending *p)
{
    if (p == NULL)
        return;
    if (p->pp != NULL)
        MHD_destroy_post_processor(p->pp);
    g_ptr_array_unref(p->req.query);
    for (guint i = 0; i < p->req.form->len; i++) { /* a password among them */
        char *v = g_ptr_array_index(p->req.form, i);

        explicit_bzero(v, strlen(v));
    }
    g_ptr_array_unref(p->req.form);
    explicit_bzero(&p->req.auth, sizeof(p->req.auth));
    g_free(p->path);
    g_free(p->method);
    g_free(p);
}

/* ---- arguments ------------------------------------------------------------------------ */

/* args_of - the query of a GET, the form of a POST */
static const GPtrArray *args_of(const struct console_http_request *r)
{
    return strcmp(r->method, "POST") == 0 ? r->form : r->query;
}

/* console_http_arg - the first value of NAME */
const char *console_http_arg(const struct console_http_request *r, const char *name)
{
    const GPtrArray *a = args_of(r);

    for (guint i = 0; i + 1 < a->len; i += 2)
        if (strcmp(g_ptr_array_index(a, i), name) == 0)
            return g_ptr_array_index(a, i + 1);
    return NULL;
}

/* console_http_args_new - every value of NAME */
GPtrArray *console_http_args_new(const struct console_http_request *r, const char *name)
{
    const GPtrArray *a = args_of(r);
    GPtrArray *out = g_ptr_array_new();

    for (guint i = 0; i + 1 < a->len; i += 2)
        if (strcmp(g_ptr_array_index(a, i), name) == 0)
            g_ptr_array_add(out, g_ptr_array_index(a, i + 1));
    return out;
}

/* ---- replies -------------------------------------------------------------------------- */

/* console_http_header - one more header */
void console_http_header(struct console_http_reply *rep, const char *name, const char *value)
{
    g_ptr_array_add(rep->headers, g_strdup(name));
    g_ptr_array_add(rep->headers, g_strdup(value));
}

/* console_http_redirect - 303 to LOCATION */
void console_http_redirect(struct console_http_reply *rep, const char *location)
{
    rep->status = 303;
    g_string_truncate(rep->body, 0);
    console_http_header(rep, "Location", location);
}

/* console_http_error - a small page for STATUS */
void console_http_error(struct console_http_reply *rep, const struct console_http_request *r,
                        unsigned status, const char *title, const char *text)
{
    rep->status = status;
    rep->type = "text/html; charset=utf-8";
    g_string_truncate(rep->body, 0);
    console_html_begin(rep->body, title, r != NULL && r->logged_in ? r->auth.user : NULL,
                       r != NULL && r->logged_in ? r->auth.csrf : NULL);
    console_html_message(rep->body, "error", "error", text);
    console_html_end(rep->body);
}

/* console_http_audit - one audit line, or a log line saying it could not be written */
bool console_http_audit(const struct console_http_request *r, const char *user, const char *action,
                        const char *ids, const char *result, const char *detail)
{
    struct mv_err err = {0};

    if (console_audit_write(r->console->audit, console_http_now(), user, r->addr, action, ids,
                            result, detail, &err) == MV_OK)
        return true;
    log_msg(LOG_ERR, "audit: %s", err.msg);
    return false;
}

/* send_reply - REP queued on CONN with the security headers */
static enum MHD_Result send_reply(struct MHD_Connection *conn, struct console_http_reply *rep)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;

    if (rep->fd >= 0) {
        resp = MHD_create_response_from_fd(rep->fd_size, rep->fd);
        rep->fd = -1; /* MHD closes it */
    } else {
        gsize len = rep->body->len;
        char *body = g_string_free(rep->body, FALSE);

        rep->body = NULL;
        resp = MHD_create_response_from_buffer_with_free_callback(len, body, g_free);
        if (resp == NULL)
            g_free(body);
    }
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", rep->type);
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    for (guint i = 0; i + 1 < rep->headers->len; i += 2)
        MHD_add_response_header(resp, g_ptr_array_index(rep->headers, i),
                                g_ptr_array_index(rep->headers, i + 1));
    ret = MHD_queue_response(conn, rep->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ---- routing -------------------------------------------------------------------------- */

/* path_matches - PATH is ROUTE's path, or under it when it ends with '/' */
static bool path_matches(const char *route, const char *path)
{
    size_t n = strlen(route);

    if (n > 1 && route[n - 1] == '/')
        return strncmp(path, route, n) == 0 && path[n] != '\0';
    return strcmp(route, path) == 0;
}

/* handle - the gates, then the page or action */
static void handle(struct pending *p, struct console_http_reply *rep)
{
    struct console_http_request *r = &p->req;
    const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
    const struct route *route = NULL;
    bool path_known = false;

    for (size_t i = 0; i < G_N_ELEMENTS(routes); i++) {
        if (!path_matches(routes[i].path, r->path))
            continue;
        path_known = true;
        if (strcmp(routes[i].method, method) == 0) {
            route = &routes[i];
            break;
        }
    }
    if (route == NULL && !path_known) {
        if (!r->logged_in && strcmp(method, "GET") == 0)
            console_http_redirect(rep, "/login");
        else
            console_http_error(rep, r, 404, "Not found", "There is no such page.");
        return;
    }
    if (route == NULL) {
        console_http_error(rep, r, 405, "Method not allowed",
                           "This page does not take that method.");
        console_http_header(rep, "Allow", strcmp(method, "GET") == 0 ? "POST" : "GET, HEAD");
        return;
    }
    if (!route->public && !r->logged_in) {
        if (strcmp(method, "GET") == 0)
            console_http_redirect(rep, "/login");
        else
            console_http_error(rep, NULL, 403, "Forbidden",
                               "Not logged in, or the session has ended: log in again.");
        return;
    }
    if (p->too_big) {
        console_http_error(rep, r, 413, "Too large", "The request has too many fields.");
        return;
    }
    if (p->bad_form) {
        console_http_error(rep, r, 400, "Bad request", "The form could not be read.");
        return;
    }
    if (strcmp(method, "POST") == 0 && !route->public &&
        !console_session_csrf_ok(&r->auth, console_http_arg(r, "csrf"))) {
        console_http_error(rep, r, 403, "Forbidden",
                           "Refused: the form carries no valid CSRF token (it is stale, or it "
                           "did not come from this console). Nothing was changed.");
        return;
    }
    route->run(r, rep);
}

/* on_request - MHD's access handler: called once at the headers, once per piece of the
 * body, and once more at its end, when the request is handled */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct console_http *c = cls;
    struct pending *p = *con_cls;
    struct console_http_reply rep = {.status = 200, .type = "text/html; charset=utf-8", .fd = -1};
    enum MHD_Result ret;

    (void)version;
    if (p == NULL) {
        p = pending_new(c, conn, url, method);
        *con_cls = p;
        if (strcmp(method, "POST") == 0) {
            p->pp = MHD_create_post_processor(conn, 16384, on_field, p);
            if (p->pp == NULL)
                p->bad_form = true;
        }
        return MHD_YES;
    }
    if (*upload_size > 0) {
        p->form_bytes += *upload_size;
        if (p->form_bytes > CONSOLE_HTTP_FORM_MAX)
            p->too_big = true;
        if (p->pp != NULL && !p->too_big && !p->bad_form &&
            MHD_post_process(p->pp, upload, *upload_size) != MHD_YES)
            p->bad_form = !p->too_big;
        *upload_size = 0;
        return MHD_YES;
    }
    if (p->pp != NULL) {
        if (MHD_destroy_post_processor(p->pp) != MHD_YES && !p->too_big)
            p->bad_form = true;
        p->pp = NULL;
    }
    rep.body = g_string_new(NULL);
    rep.headers = g_ptr_array_new_with_free_func(g_free);
    handle(p, &rep);
    ret = send_reply(conn, &rep);
    if (rep.body != NULL)
        g_string_free(rep.body, TRUE);
    if (rep.fd >= 0)
        close(rep.fd);
    g_ptr_array_unref(rep.headers);
    return ret;
}

/* on_completed - MHD is done with a request: free it */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    pending_free(*con_cls);
    *con_cls = NULL;
}

/* on_mhd_log - libmicrohttpd's own errors, to the log */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char *text = g_strdup_vprintf(fmt, ap);

    (void)cls;
    g_strchomp(text);
    log_msg(LOG_WARNING, "http: %s", text);
    g_free(text);
}

/* console_http_start - the daemon listening */
bool console_http_start(struct console_http *c, struct mv_err *err)
{
    struct sockaddr_storage sa;
    socklen_t salen;
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;

    if (!config_listen_sockaddr(c->cfg->console_listen, &sa, &salen)) {
        mv_err_set(err, MV_ECONFIG, "%s: console_listen: cannot read %s", c->cfg->file,
                   c->cfg->console_listen);
        return false;
    }
    if (sa.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (c->tls)
        flags |= MHD_USE_TLS;
    errno = 0;
    if (c->tls)
        c->daemon = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, c, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, c,
            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
            c, MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 16u,
            MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_HTTPS_MEM_CERT, c->tls_cert,
            MHD_OPTION_HTTPS_MEM_KEY, c->tls_key, MHD_OPTION_HTTPS_PRIORITIES,
            "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2", MHD_OPTION_END);
    else
        c->daemon = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, c, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, c,
            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
            c, MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 16u,
            MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
    if (c->daemon == NULL) {
        mv_err_set(err, MV_EIO, "cannot listen on %s%s%s", c->cfg->console_listen,
                   errno != 0 ? ": " : "", errno != 0 ? g_strerror(errno) : "");
        return false;
    }
    return true;
}

/* console_http_stop - stop the daemon */
void console_http_stop(struct console_http *c)
{
    if (c->daemon != NULL)
        MHD_stop_daemon(c->daemon);
    c->daemon = NULL;
}
