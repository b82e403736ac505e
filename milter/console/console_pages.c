/* console_pages.c - the console's pages (console_pages.h): the stylesheet, the login form
 * and the audit log here, with the pieces every page writes with (console_pages_internal.h);
 * the list and its search in console_pages_list.c, one message in console_pages_message.c,
 * the confirmation of an action in console_pages_confirm.c.  They read: the index view for
 * the list (the fleet's rows in the PostgreSQL store, through qstore.h), a record and its
 * message for the detail, the audit log; they change nothing.  Every text goes through
 * console_html_text(). */
#include <glib.h>

#include "console_html.h"
#include "console_pages.h"
#include "console_pages_internal.h"
#include "log.h"

#define AUDIT_PAGE 100 /* lines of the audit log a page shows */

/* console_pages_style - the stylesheet */
void console_pages_style(struct console_http_request *r, struct console_http_reply *rep)
{
    (void)r;
    rep->type = "text/css; charset=utf-8";
    g_string_append(rep->body, console_html_stylesheet());
}

/* console_pages_login_form - the login form */
void console_pages_login_form(struct console_http_reply *rep, unsigned status, const char *message,
                              const char *user)
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
    g_string_append(rep->body,
                    "\"></p>\n<p><label for=\"login-password\">Password</label> "
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

/* ---- common pieces --------------------------------------------------------------------- */

/* console_pages_put_time - Unix seconds as "2024-05-01 10:00:00" (UTC) */
void console_pages_put_time(GString *out, gint64 t)
{
    GDateTime *dt = g_date_time_new_from_unix_utc(t);
    char *s = dt != NULL ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") : g_strdup("?");

    g_string_append(out, s);
    g_free(s);
    if (dt != NULL)
        g_date_time_unref(dt);
}

/* console_pages_put_list - the strings of LIST, escaped, joined by ", " */
void console_pages_put_list(GString *out, const GPtrArray *list)
{
    for (guint i = 0; list != NULL && i < list->len; i++) {
        if (i > 0)
            g_string_append(out, ", ");
        console_html_text(out, g_ptr_array_index(list, i));
    }
}

/* console_pages_put_size - BYTES as "1.2 MB", "340 KB", "512 B" */
void console_pages_put_size(GString *out, guint64 bytes)
{
    char *s = g_format_size_full(bytes, G_FORMAT_SIZE_IEC_UNITS);

    console_html_text(out, s);
    g_free(s);
}

/* console_pages_arg_trimmed - the query's NAME with spaces at either end removed (caller frees);
 * NULL when absent or empty */
char *console_pages_arg_trimmed(const struct console_http_request *r, const char *name)
{
    const char *v = console_http_arg(r, name);
    char *t;

    if (v == NULL)
        return NULL;
    t = g_strstrip(g_strdup(v));
    if (*t == '\0') {
        g_free(t);
        return NULL;
    }
    return t;
}

/* ---- the audit log -------------------------------------------------------------------- */

/* console_pages_audit - GET /audit[?q=TEXT&page=N]: the audit log, newest first, the
 * lines that hold TEXT, AUDIT_PAGE a page */
void console_pages_audit(struct console_http_request *r, struct console_http_reply *rep)
{
    struct console_http *c = r->console;
    char *q = console_pages_arg_trimmed(r, "q"), *page_arg = console_pages_arg_trimmed(r, "page");
    GString *out = rep->body;
    struct mv_err err = {0};
    GPtrArray *lines = console_audit_lines_new(c->audit, &err);
    guint64 page = 1;
    guint shown = 0, matched = 0;

    if (page_arg != NULL && !g_ascii_string_to_unsigned(page_arg, 10, 1, PAGE_MAX, &page, NULL))
        page = 0;
    console_html_begin(out, "Audit log", r->auth.user, r->auth.csrf);
    g_string_append(out, "<form id=\"audit-form\" class=\"search\" method=\"get\" "
                         "action=\"/audit\"><label for=\"audit-q\">Lines holding <input "
                         "id=\"audit-q\" name=\"q\" value=\"");
    console_html_text(out, q);
    g_string_append(out, "\"></label> <button id=\"audit-submit\" type=\"submit\">Show</button>"
                         "</form>\n");
    if (lines == NULL || page == 0) {
        rep->status = lines == NULL ? 500 : 400;
        console_html_message(out, "error", "audit-error",
                             lines == NULL ? err.msg : "page: a number from 1");
        if (lines == NULL)
            log_msg(LOG_ERR, "audit: %s", err.msg);
        goto out;
    }
    g_string_append(out, "<table id=\"audit-lines\"><tbody>\n");
    for (guint i = 0; i < lines->len; i++) {
        const char *line = g_ptr_array_index(lines, i);

        if (q != NULL && strstr(line, q) == NULL)
            continue;
        if (matched++ / AUDIT_PAGE + 1 != page)
            continue;
        g_string_append_printf(out, "<tr id=\"audit-%u\"><td class=\"mono\">", shown++);
        console_html_text(out, line);
        g_string_append(out, "</td></tr>\n");
    }
    g_string_append_printf(out,
                           "</tbody></table>\n<p id=\"audit-count\" data-total=\"%u\">%u "
                           "line%s",
                           matched, matched, matched == 1 ? "" : "s");
    if (lines->len > 0 && q != NULL)
        g_string_append_printf(out, " of %u", lines->len);
    g_string_append(out, " (the newest first; the file itself keeps every one).</p>\n"
                         "<p class=\"pager\">");
    if (page > 1) {
        g_string_append(out, "<a id=\"prev-page\" href=\"/audit?q=");
        console_html_url(out, q);
        g_string_append_printf(out, "&amp;page=%" G_GUINT64_FORMAT "\">&larr; Newer</a>", page - 1);
    }
    if (page * AUDIT_PAGE < matched) {
        g_string_append(out, "<a id=\"next-page\" href=\"/audit?q=");
        console_html_url(out, q);
        g_string_append_printf(out, "&amp;page=%" G_GUINT64_FORMAT "\">Older &rarr;</a>", page + 1);
    }
    g_string_append(out, "</p>\n");
out:
    console_html_end(out);
    if (lines != NULL)
        g_ptr_array_unref(lines);
    g_free(q);
    g_free(page_arg);
}
