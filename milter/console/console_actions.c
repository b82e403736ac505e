/* console_actions.c - the console's POSTs (console_actions.h).  A login checks the
 * users file (console_users.h) after the backoff (console_session.h) allows it; a failed
 * one is answered after a second's pause, and each further attempt for that name or
 * from that address waits longer (429 with Retry-After until then).  Every action ends
 * in one audit line; the password and the tokens go nowhere but the session table and
 * the cookie. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "console_actions.h"
#include "console_html.h"
#include "console_pages.h"
#include "console_users.h"
#include "log.h"
#include "quarantine.h"

#define FAILED_LOGIN_PAUSE_US (1 * G_USEC_PER_SEC)

/* set_cookie - the session cookie set to VALUE (empty: cleared) */
static void set_cookie(struct console_http_request *r, struct console_http_reply *rep,
                       const char *value)
{
    char *cookie =
        g_strdup_printf("%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", r->console->cookie, value,
                        r->console->tls ? "; Secure" : "", *value == '\0' ? "; Max-Age=0" : "");

    console_http_header(rep, "Set-Cookie", cookie);
    explicit_bzero(cookie, strlen(cookie));
    g_free(cookie);
}

/* console_actions_login - user and password checked, a session made */
void console_actions_login(struct console_http_request *r, struct console_http_reply *rep)
{
    struct console_http *c = r->console;
    const char *user = console_http_arg(r, "user"), *pw = console_http_arg(r, "password");
    struct console_session_auth auth;
    struct mv_err err = {0};
    unsigned wait;

    if (user == NULL || pw == NULL || *user == '\0' || *pw == '\0') {
        console_pages_login_form(rep, 400, "Give a user name and a password.", user);
        return;
    }
    wait = console_session_login_wait(c->sessions, user, r->addr, console_http_mono());
    if (wait > 0) {
        char *msg = g_strdup_printf("Too many failed logins: try again in %u second%s.", wait,
                                    wait == 1 ? "" : "s");
        char secs[16];

        console_pages_login_form(rep, 429, msg, user);
        snprintf(secs, sizeof(secs), "%u", wait);
        console_http_header(rep, "Retry-After", secs);
        g_free(msg);
        return;
    }
    switch (console_users_verify(c->cfg->console_users_file, user, pw, &err)) {
    case CONSOLE_USERS_OK:
        if (!console_session_create(c->sessions, user, console_http_mono(), &auth)) {
            log_msg(LOG_ERR, "login: no random bytes for a session token");
            console_pages_login_form(rep, 500, "No session could be made: see the log.", user);
            return;
        }
        console_session_login_ok(c->sessions, user, r->addr);
        if (!console_http_audit(r, user, "login", NULL, "ok", NULL)) {
            console_session_end(c->sessions, auth.token);
            console_pages_login_form(rep, 500,
                                     "The audit log cannot be written: nothing can be done "
                                     "until it can (see the log).",
                                     user);
            return;
        }
        set_cookie(r, rep, auth.token);
        explicit_bzero(&auth, sizeof(auth));
        console_http_redirect(rep, "/");
        return;
    case CONSOLE_USERS_WRONG:
        console_session_login_failed(c->sessions, user, r->addr, console_http_mono());
        console_http_audit(r, user, "login", NULL, "failed", NULL);
        g_usleep(FAILED_LOGIN_PAUSE_US);
        console_pages_login_form(rep, 403, "Wrong user name or password.", user);
        return;
    case CONSOLE_USERS_ERROR:
    default:
        log_msg(LOG_ERR, "login: %s", err.msg);
        console_http_audit(r, user, "login", NULL, "error", err.msg);
        console_pages_login_form(
            rep, 500, "The users file cannot be read: the console's log says why.", user);
        return;
    }
}

/* console_actions_logout - the session ends, the cookie is cleared */
void console_actions_logout(struct console_http_request *r, struct console_http_reply *rep)
{
    console_session_end(r->console->sessions, r->auth.token);
    console_http_audit(r, r->auth.user, "logout", NULL, "ok", NULL);
    set_cookie(r, rep, "");
    console_http_redirect(rep, "/login");
}

/* console_actions_download - the original message, as a file to save, never to show */
void console_actions_download(struct console_http_request *r, struct console_http_reply *rep)
{
    const struct console_http *c = r->console;
    char id[QUARANTINE_ID_LEN + 1], disposition[64];
    const char *rest;
    struct mv_err err = {0};
    struct stat sb;
    int fd;

    if (!console_pages_id(r->path, "/message/", id, &rest) || rest == NULL ||
        strcmp(rest, "download") != 0) {
        console_http_error(rep, r, 400, "Not an id",
                           "That is not a quarantine id (26 characters of 0-9 A-Z).");
        return;
    }
    fd = quarantine_eml_open(c->cfg->quarantine_dir, id, &err);
    if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        if (fd >= 0)
            close(fd);
        console_http_audit(r, r->auth.user, "download", id, "failed", err.msg);
        console_http_error(rep, r, 404, "No message",
                           "The quarantine has no message of that id (deleted, or never "
                           "there).");
        return;
    }
    if (!console_http_audit(r, r->auth.user, "download", id, "ok", NULL)) {
        close(fd);
        console_http_error(rep, r, 500, "Not audited",
                           "The audit log cannot be written: nothing is handed out until it "
                           "can (see the log).");
        return;
    }
    rep->fd = fd;
    rep->fd_size = (guint64)sb.st_size;
    rep->type = "application/octet-stream";
    /* the name is the id, never a name from the message */
    snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s.eml\"", id);
    console_http_header(rep, "Content-Disposition", disposition);
}