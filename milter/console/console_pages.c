/* console_pages.c - the console's pages (console_pages.h).  They read: the index view for
 * the list, a record and its message for the detail, the audit log; they change
 * nothing.  Every text goes through console_html_text(). */
#include <string.h>

#include <glib.h>

#include "console_html.h"
#include "console_pages.h"

/* console_pages_style - the stylesheet */
void console_pages_style(struct console_http_request *r, struct console_http_reply *rep)
{
    (void)r;
    rep->type = "text/css; charset=utf-8";
    g_string_append(rep->body, console_html_stylesheet());
}

/* console_pages_login_form - the login form */
void console_pages_login_form(struct console_http_reply *rep, unsigned status,
                              const char *message, const char *user)
{
    rep->status = status;
    rep->type = "text/html; charset=utf-8";
    g_string_truncate(rep->body, 0);
    console_html_begin(rep->body, "Log in", NULL, NULL);
    if (message != NULL)
        console_html_message(rep->body, "error", "login-error", message);
    g_string_append(rep->body,
                    "<form id=\"login-form\" method=\"post\" action=\"/login\">\n"
                    "<p><label for=\"login-user\">User</label> "
                    "<input id=\"login-user\" name=\"user\" autocomplete=\"username\" value=\"");
    console_html_text(rep->body, user);
    g_string_append(rep->body, "\"></p>\n<p><label for=\"login-password\">Password</label> "
                               "<input id=\"login-password\" name=\"password\" type=\"password\" "
                               "autocomplete=\"current-password\"></p>\n"
                               "<p><button id=\"login-submit\" type=\"submit\">Log in</button></p>\n"
                               "</form>\n");
    console_html_end(rep->body);
}

/* console_pages_login - GET /login */
void console_pages_login(struct console_http_request *r, struct console_http_reply *rep)
{
    if (r->logged_in) {
        console_http_redirect(rep, "/");
        return;
    }
    console_pages_login_form(rep, 200, NULL, NULL);
}

/* console_pages_list - GET /: the quarantine */
void console_pages_list(struct console_http_request *r, struct console_http_reply *rep)
{
    console_html_begin(rep->body, "Quarantine", r->auth.user, r->auth.csrf);
    console_html_end(rep->body);
}
