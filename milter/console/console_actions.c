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
        /* the wait counts from the answer, which comes after the pause */
        console_session_login_failed(c->sessions, user, r->addr,
                                     console_http_mono() + FAILED_LOGIN_PAUSE_US / 1000);
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

/* ---- release and delete --------------------------------------------------------------- */

/* A page of results, one row per entry. */
struct results {
    GString *rows;
    guint ok, failed;
    bool stopped; /* the audit log failed: the rest was not done */
};

/* result_row - one entry's result */
static void result_row(struct results *res, const char *id, bool ok, const char *text)
{
    g_string_append_printf(res->rows,
                           "<tr id=\"result-%s\" class=\"%s\"><td class=\"mono\"><a "
                           "href=\"/message/%s\">%s</a></td><td>%s</td><td>",
                           id, ok ? "ok" : "failed", id, id, ok ? "ok" : "failed");
    console_html_text(res->rows, text);
    g_string_append(res->rows, "</td></tr>\n");
    if (ok)
        res->ok++;
    else
        res->failed++;
}

/* results_page - the page of RES for the action TITLE (released, deleted) */
static void results_page(struct console_http_request *r, struct console_http_reply *rep,
                         const char *title, const char *done, struct results *res)
{
    GString *out = rep->body;
    char *summary = g_strdup_printf("%u %s, %u failed.", res->ok, done, res->failed);

    rep->status = res->failed > 0 || res->stopped ? 500 : 200;
    console_html_begin(out, title, r->auth.user, r->auth.csrf);
    console_html_message(out, res->failed > 0 || res->stopped ? "error" : "ok", "results-summary",
                         summary);
    if (res->stopped)
        console_html_message(out, "error", "results-stopped",
                             "The audit log cannot be written: the rest was not done (see "
                             "the log).");
    g_string_append(out, "<table id=\"results\"><thead><tr><th>Id</th><th>Result</th>"
                         "<th>Detail</th></tr></thead><tbody>\n");
    g_string_append_len(out, res->rows->str, (gssize)res->rows->len);
    g_string_append(out, "</tbody></table>\n<p><a id=\"back-to-list\" href=\"/\">Back to the "
                         "quarantine</a></p>\n");
    console_html_end(out);
    g_free(summary);
    g_string_free(res->rows, TRUE);
}

/* chosen_recipients - the rcpt values of R, each one of D's recipients, into *TO (NULL:
 * all of them, the original envelope); false with WHY for one that is not */
static bool chosen_recipients(const struct console_http_request *r,
                              const struct quarantine_detail *d, GPtrArray **to, char *why,
                              size_t size)
{
    GPtrArray *given = console_http_args_new(r, "rcpt");
    GPtrArray *chosen = g_ptr_array_new();

    *to = NULL;
    for (guint i = 0; i < given->len; i++) {
        const char *a = g_ptr_array_index(given, i);
        bool known = false, dup = false;

        for (guint j = 0; j < d->recipients->len && !known; j++)
            known = strcmp(a, g_ptr_array_index(d->recipients, j)) == 0;
        if (!known) {
            char *shown = g_strescape(a, "");

            snprintf(why, size,
                     "%.100s is not a recipient of this message: the console releases only to "
                     "a message's own recipients",
                     shown);
            g_free(shown);
            g_ptr_array_free(given, TRUE);
            g_ptr_array_free(chosen, TRUE);
            return false;
        }
        for (guint j = 0; j < chosen->len && !dup; j++)
            dup = strcmp(a, g_ptr_array_index(chosen, j)) == 0;
        if (!dup)
            g_ptr_array_add(chosen, (char *)a);
    }
    g_ptr_array_free(given, TRUE);
    if (chosen->len == 0 || chosen->len == d->recipients->len) {
        g_ptr_array_free(chosen, TRUE);
        return true; /* all of them: the original envelope */
    }
    /* the strings are R's, which outlives the release */
    *to = chosen;
    return true;
}

/* joined_new - LIST joined by ", " (caller frees) */
static char *joined_new(const GPtrArray *list)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; list != NULL && i < list->len; i++)
        g_string_append_printf(s, "%s%s", i > 0 ? ", " : "",
                               (const char *)g_ptr_array_index(list, i));
    return g_string_free(s, FALSE);
}

/* console_actions_release - each entry re-injected by SMTP, audited one by one */
void console_actions_release(struct console_http_request *r, struct console_http_reply *rep)
{
    const struct console_http *c = r->console;
    struct results res = {.rows = g_string_new(NULL)};
    GPtrArray *ids, *to = NULL, *given;
    char why[256], *by;

    ids = console_pages_ids_new(r, why, sizeof(why));
    if (ids == NULL) {
        g_string_free(res.rows, TRUE);
        console_http_error(rep, r, 400, "Nothing released", why);
        return;
    }
    given = console_http_args_new(r, "rcpt");
    if (given->len > 0) {
        struct mv_err err = {0};
        struct quarantine_detail *d =
            ids->len == 1 ? qstore_detail_new(&c->qs, ids->pdata[0], &err) : NULL;
        bool ok = d != NULL && chosen_recipients(r, d, &to, why, sizeof(why));

        if (d == NULL)
            snprintf(why, sizeof(why), "%.200s",
                     ids->len == 1 ? err.msg : "recipients can be chosen for one entry at a time");
        quarantine_detail_free(d);
        if (!ok) {
            g_ptr_array_free(given, TRUE);
            g_ptr_array_unref(ids);
            g_string_free(res.rows, TRUE);
            console_http_error(rep, r, 400, "Nothing released", why);
            return;
        }
    }
    g_ptr_array_free(given, TRUE);
    by = g_strdup_printf("console:%s", r->auth.user);
    for (guint i = 0; i < ids->len && !res.stopped; i++) {
        const char *id = g_ptr_array_index(ids, i);
        char sent_to[QUARANTINE_SENT_TO_MAX] = "";
        struct quarantine_release_opts o = {.host = c->cfg->quarantine_release_host,
                                            .port = c->cfg->quarantine_release_port,
                                            .to = to,
                                            .by = by,
                                            .sent_to = sent_to};
        struct mv_err err = {0};
        struct quarantine_detail *d = qstore_detail_new(&c->qs, id, &err);
        char *whom = NULL, *text;
        bool ok = false;

        if (d == NULL) {
            text = g_strdup_printf("not released: %s", err.msg);
        } else if (d->state != NULL && strcmp(d->state, "deleted") == 0) {
            text = g_strdup("not released: deleted, the message is gone");
        } else if (qstore_release(&c->qs, id, &o, &err) != MV_OK) {
            text = g_strdup_printf("not released, still %s: %s",
                                   d->state != NULL ? d->state : "held", err.msg);
        } else {
            whom = joined_new(to != NULL ? to : d->recipients);
            text = g_strdup_printf("released to %s via %s", whom, sent_to);
            ok = true;
        }
        if (!console_http_audit(r, r->auth.user, "release", id, ok ? "ok" : "failed", text))
            res.stopped = true;
        result_row(&res, id, ok, text);
        g_free(whom);
        g_free(text);
        quarantine_detail_free(d);
    }
    g_free(by);
    if (to != NULL)
        g_ptr_array_free(to, TRUE);
    results_page(r, rep, "Release", "released", &res);
    g_ptr_array_unref(ids);
}

/* console_actions_delete - each message removed, the record kept, audited one by one */
void console_actions_delete(struct console_http_request *r, struct console_http_reply *rep)
{
    const struct console_http *c = r->console;
    struct results res = {.rows = g_string_new(NULL)};
    GPtrArray *ids;
    char why[256], *by;

    ids = console_pages_ids_new(r, why, sizeof(why));
    if (ids == NULL) {
        g_string_free(res.rows, TRUE);
        console_http_error(rep, r, 400, "Nothing deleted", why);
        return;
    }
    by = g_strdup_printf("console:%s", r->auth.user);
    for (guint i = 0; i < ids->len && !res.stopped; i++) {
        const char *id = g_ptr_array_index(ids, i);
        struct mv_err err = {0};
        struct quarantine_detail *d = qstore_detail_new(&c->qs, id, &err);
        bool ok = true;
        char *text;

        if (d == NULL && !qstore_exists(&c->qs, id)) {
            text = g_strdup("not deleted: no such entry");
            ok = false;
        } else if (d != NULL && d->state != NULL && strcmp(d->state, "deleted") == 0) {
            text = g_strdup("already deleted");
        } else if (qstore_delete(&c->qs, id, by, &err) != MV_OK) {
            text = g_strdup_printf("not deleted: %s", err.msg);
            ok = false;
        } else {
            text = g_strdup("deleted; the record stays");
        }
        if (!console_http_audit(r, r->auth.user, "delete", id, ok ? "ok" : "failed", text))
            res.stopped = true;
        result_row(&res, id, ok, text);
        g_free(text);
        quarantine_detail_free(d);
    }
    g_free(by);
    results_page(r, rep, "Delete", "deleted", &res);
    g_ptr_array_unref(ids);
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
    fd = qstore_eml_open(&c->qs, id, &err);
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