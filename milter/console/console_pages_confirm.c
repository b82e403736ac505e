/* console_pages_confirm.c - GET /confirm (console_pages.h): the entries an action would
 * take and the form that does it (POST with the CSRF token); for the release of one entry,
 * its recipients to choose from.  console_pages_ids_new() checks the ids every action
 * takes.  Every text goes through console_html_text(). */
#include <string.h>

#include <glib.h>

#include "console_html.h"
#include "console_pages.h"
#include "console_pages_internal.h"
#include "quarantine.h"

/* console_pages_ids_new - the "id" values of R, each checked (quarantine_id_valid),
 * duplicates dropped (caller unrefs); NULL with WHY (WHY_SIZE bytes) for none, too many,
 * or one that is not an id */
GPtrArray *console_pages_ids_new(const struct console_http_request *r, char *why, size_t why_size)
{
    GPtrArray *given = console_http_args_new(r, "id");
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < given->len; i++) {
        const char *id = g_ptr_array_index(given, i);
        bool seen = false;

        if (!quarantine_id_valid(id)) {
            char *shown = g_strescape(id, "");

            snprintf(why, why_size, "%.60s: not a quarantine id (26 characters of 0-9 A-Z)", shown);
            g_free(shown);
            goto fail;
        }
        for (guint j = 0; j < ids->len && !seen; j++)
            seen = strcmp(g_ptr_array_index(ids, j), id) == 0;
        if (!seen)
            g_ptr_array_add(ids, g_strdup(id));
    }
    if (ids->len == 0) {
        snprintf(why, why_size, "no entry chosen");
        goto fail;
    }
    if (ids->len > CONSOLE_PAGES_IDS_MAX) {
        snprintf(why, why_size, "more than %u entries at once", CONSOLE_PAGES_IDS_MAX);
        goto fail;
    }
    g_ptr_array_free(given, TRUE);
    return ids;
fail:
    g_ptr_array_free(given, TRUE);
    g_ptr_array_unref(ids);
    return NULL;
}

/* console_pages_confirm - GET /confirm?action=release|delete&id=...: what would be done,
 * and the form that does it (POST with the CSRF token); for the release of one entry,
 * its recipients to choose from */
void console_pages_confirm(struct console_http_request *r, struct console_http_reply *rep)
{
    const struct console_http *c = r->console;
    const char *action = console_http_arg(r, "action");
    bool release = action != NULL && strcmp(action, "release") == 0;
    GString *out = rep->body;
    GPtrArray *ids;
    struct quarantine_detail *one = NULL;
    char why[160];
    guint able = 0;

    if (!release && (action == NULL || strcmp(action, "delete") != 0)) {
        console_http_error(rep, r, 400, "No such action", "The action is release or delete.");
        return;
    }
    ids = console_pages_ids_new(r, why, sizeof(why));
    if (ids == NULL) {
        console_http_error(rep, r, 400, "Nothing to do", why);
        return;
    }
    console_html_begin(out, release ? "Release" : "Delete", r->auth.user, r->auth.csrf);
    g_string_append_printf(out, "<form id=\"confirm-form\" method=\"post\" action=\"/%s\">\n",
                           release ? "release" : "delete");
    console_html_csrf_field(out, r->auth.csrf);
    g_string_append(out, "<table id=\"confirm-entries\"><thead><tr><th>Id</th><th>State</th>"
                         "<th>Sender</th><th>Recipients</th><th>Subject</th></tr></thead>"
                         "<tbody>\n");
    for (guint i = 0; i < ids->len; i++) {
        const char *id = g_ptr_array_index(ids, i);
        struct mv_err err = {0};
        struct quarantine_detail *d = qstore_detail_new(&c->qs, id, &err);
        bool exists = d != NULL || qstore_exists(&c->qs, id);
        const char *state = d != NULL ? (d->state != NULL ? d->state : "held")
                            : exists  ? "damaged"
                                      : "not in the quarantine";
        bool ok = d != NULL ? strcmp(state, "deleted") != 0 : exists && !release;

        g_string_append_printf(out, "<tr id=\"confirm-%s\"><td class=\"mono\">", id);
        g_string_append_printf(out, "<a href=\"/message/%s\">%s</a></td><td>", id, id);
        console_html_text(out, state);
        if (!ok && exists)
            g_string_append(out, release ? " (cannot be released)" : " (nothing to delete)");
        g_string_append(out, "</td><td>");
        if (d != NULL) {
            console_html_text(out, d->sender);
            g_string_append(out, "</td><td>");
            console_pages_put_list(out, d->recipients);
            g_string_append(out, "</td><td>");
            console_html_text(out, d->subject);
        } else {
            g_string_append(out, "</td><td></td><td>");
        }
        g_string_append(out, "</td></tr>\n");
        if (ok) {
            g_string_append_printf(out, "<input type=\"hidden\" name=\"id\" value=\"%s\">\n", id);
            able++;
        }
        if (d != NULL && ids->len == 1 && ok)
            one = d;
        else
            quarantine_detail_free(d);
    }
    g_string_append(out, "</tbody></table>\n");
    if (release && one != NULL && one->recipients->len > 0) {
        g_string_append(out, "<fieldset id=\"recipients\"><legend>To these of its recipients "
                             "(all, unless some are left out)</legend>\n");
        for (guint i = 0; i < one->recipients->len; i++) {
            g_string_append_printf(out,
                                   "<label><input type=\"checkbox\" id=\"rcpt-%u\" name=\"rcpt\" "
                                   "value=\"",
                                   i);
            console_html_text(out, g_ptr_array_index(one->recipients, i));
            g_string_append(out, "\" checked> ");
            console_html_text(out, g_ptr_array_index(one->recipients, i));
            g_string_append(out, "</label><br>\n");
        }
        g_string_append(out, "</fieldset>\n");
    } else if (release) {
        g_string_append(out, "<p class=\"note\">Each to its own recipients, with its original "
                             "envelope.</p>\n");
    }
    if (able > 0)
        g_string_append_printf(
            out,
            "<p><button id=\"confirm-submit\" type=\"submit\">%s %u "
            "entr%s</button> <a id=\"confirm-cancel\" href=\"/\">Cancel</a></p>\n",
            release ? "Release" : "Delete", able, able == 1 ? "y" : "ies");
    else
        console_html_message(out, "error", "confirm-none", "None of these can be changed.");
    g_string_append(out, "</form>\n");
    if (!release)
        g_string_append(out, "<p class=\"note\">Delete removes the message for good; the record "
                             "stays, marked deleted, with who and when.</p>\n");
    console_html_end(out);
    quarantine_detail_free(one);
    g_ptr_array_unref(ids);
}
