/* console_pages_list.c - GET / (console_pages.h): the quarantine's entries, searched and
 * paged.  The search form's query becomes a quarantine filter (a field that cannot be one
 * is a 400 naming it); the rows come from the index view the console keeps in memory, or
 * from the PostgreSQL store (every host's entries).  Every text goes through
 * console_html_text(). */
#include <string.h>

#include <glib.h>

#include "console_html.h"
#include "console_pages.h"
#include "console_pages_internal.h"
#include "log.h"
#include "quarantine.h"
#include "units.h"
#include "wildcard.h"

#define PAGE_SIZE 50

/* The fields of the search form, as the query names them. */
static const char *const search_fields[] = {
    "queue_id",  "sender", "recipient", "subject",  "verdict",  "rule",
    "signature", "since",  "until",     "min_size", "max_size", "state",
};

/* The choices of the verdict and state selects. */
static const char *const verdicts[] = {"clean", "suspicious", "unscannable", "campaign",
                                       "infected"};
static const char *const states[] = {"held", "released", "deleted", "damaged", "any"};

/* A search as the query gives it, and the filter it makes. */
struct search {
    char *text[G_N_ELEMENTS(search_fields)]; /* the query's values, trimmed, or NULL */
    char *globs[5];                          /* sender, recipient, subject, rule, signature */
    struct quarantine_filter f;
    guint page; /* 1-based */
    char error[200];
};

/* field_value - the search's value of field NAME, or NULL */
static const char *field_value(const struct search *s, const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(search_fields); i++)
        if (strcmp(search_fields[i], name) == 0)
            return s->text[i];
    return NULL;
}

/* contains_glob - TEXT as the glob the filter uses: as written when it holds '*', '?'
 * or '[', else "*TEXT*" (the text anywhere, its '\' escaped) (caller frees) */
static char *contains_glob(const char *text)
{
    GString *g;

    if (wildcard_is_pattern(text))
        return g_strdup(text);
    g = g_string_new("*");
    for (const char *p = text; *p; p++) {
        if (*p == '\\')
            g_string_append_c(g, '\\');
        g_string_append_c(g, *p);
    }
    g_string_append_c(g, '*');
    return g_string_free(g, FALSE);
}

/* parse_when - a date ("2024-05-01": its first second, or with END its last) or RFC
 * 3339 time into Unix seconds */
static bool parse_when(const char *text, bool end, gint64 *out)
{
    GTimeZone *utc = g_time_zone_new_utc();
    GDateTime *dt;
    bool date = strlen(text) == 10 && text[4] == '-' && text[7] == '-';

    if (date) {
        char *full = g_strconcat(text, "T00:00:00Z", NULL);

        dt = g_date_time_new_from_iso8601(full, utc);
        g_free(full);
    } else {
        dt = g_date_time_new_from_iso8601(text, utc);
    }
    g_time_zone_unref(utc);
    if (dt == NULL)
        return false;
    *out = g_date_time_to_unix(dt) + (date && end ? 86399 : 0);
    g_date_time_unref(dt);
    return true;
}

/* one_of - TEXT is one of CHOICES (N of them) */
static int one_of(const char *text, const char *const *choices, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(text, choices[i]) == 0)
            return (int)i;
    return -1;
}

/* search_parse - the query of R into S; false with S->error for a value that cannot be
 * read */
static bool search_parse(const struct console_http_request *r, struct search *s)
{
    static const char *const glob_fields[] = {"sender", "recipient", "subject", "rule",
                                              "signature"};
    const char **glob_targets[] = {&s->f.sender, &s->f.recipient, &s->f.subject, &s->f.rule,
                                   &s->f.signature};
    const char *v;
    uint64_t bytes;
    char *page;
    int st;

    memset(s, 0, sizeof(*s));
    for (size_t i = 0; i < G_N_ELEMENTS(search_fields); i++)
        s->text[i] = console_pages_arg_trimmed(r, search_fields[i]);
    s->f.state = QUARANTINE_HELD; /* what waits for a decision, unless asked otherwise */
    s->f.queue_id = field_value(s, "queue_id");
    for (size_t i = 0; i < G_N_ELEMENTS(glob_fields); i++) {
        v = field_value(s, glob_fields[i]);
        if (v != NULL)
            *glob_targets[i] = s->globs[i] = contains_glob(v);
    }
    if ((v = field_value(s, "verdict")) != NULL) {
        if (one_of(v, verdicts, G_N_ELEMENTS(verdicts)) < 0) {
            snprintf(s->error, sizeof(s->error), "verdict: not a verdict");
            return false;
        }
        s->f.verdict = v;
    }
    if ((v = field_value(s, "state")) != NULL) {
        st = one_of(v, states, G_N_ELEMENTS(states));
        if (st < 0) {
            snprintf(s->error, sizeof(s->error), "state: held, released, deleted, damaged or any");
            return false;
        }
        s->f.state = strcmp(v, "any") == 0 ? -1 : st;
    }
    if ((v = field_value(s, "since")) != NULL && !parse_when(v, false, &s->f.since)) {
        snprintf(s->error, sizeof(s->error), "since: a date (2024-05-01) or a time (RFC 3339)");
        return false;
    }
    if ((v = field_value(s, "until")) != NULL && !parse_when(v, true, &s->f.until)) {
        snprintf(s->error, sizeof(s->error), "until: a date (2024-05-01) or a time (RFC 3339)");
        return false;
    }
    if ((v = field_value(s, "min_size")) != NULL) {
        if (units_parse_size(v, &bytes, NULL) != MV_OK) {
            snprintf(s->error, sizeof(s->error), "min_size: a size (4096, 64K, 2M)");
            return false;
        }
        s->f.min_size = MAX(bytes, 1);
    }
    if ((v = field_value(s, "max_size")) != NULL) {
        if (units_parse_size(v, &bytes, NULL) != MV_OK || bytes == 0) {
            snprintf(s->error, sizeof(s->error), "max_size: a size (4096, 64K, 2M)");
            return false;
        }
        s->f.max_size = bytes;
    }
    s->page = 1;
    if ((page = console_pages_arg_trimmed(r, "page")) != NULL) {
        guint64 p = 0;

        if (!g_ascii_string_to_unsigned(page, 10, 1, PAGE_MAX, &p, NULL)) {
            g_free(page);
            snprintf(s->error, sizeof(s->error), "page: a number from 1");
            return false;
        }
        s->page = (guint)p;
        g_free(page);
    }
    return true;
}

/* search_clear - free S's strings */
static void search_clear(struct search *s)
{
    for (size_t i = 0; i < G_N_ELEMENTS(s->text); i++)
        g_free(s->text[i]);
    for (size_t i = 0; i < G_N_ELEMENTS(s->globs); i++)
        g_free(s->globs[i]);
}

/* search_query - S's fields as a query string, then "page=" (for the pager's links) */
static void search_query(GString *out, const struct search *s)
{
    g_string_append_c(out, '?');
    for (size_t i = 0; i < G_N_ELEMENTS(search_fields); i++) {
        if (s->text[i] == NULL)
            continue;
        g_string_append(out, search_fields[i]);
        g_string_append_c(out, '=');
        console_html_url(out, s->text[i]);
        g_string_append(out, "&amp;");
    }
    g_string_append(out, "page=");
}

/* search_input - one text field of the form */
static void search_input(GString *out, const struct search *s, const char *name, const char *label,
                         const char *hint)
{
    g_string_append_printf(out, "<label for=\"search-%s\">%s <input id=\"search-%s\" name=\"%s\"",
                           name, label, name, name);
    if (hint != NULL)
        g_string_append_printf(out, " placeholder=\"%s\"", hint);
    g_string_append(out, " value=\"");
    console_html_text(out, field_value(s, name));
    g_string_append(out, "\"></label>\n");
}

/* search_select - one select of the form, CHOICES (static words) with "" (any) first
 * when ANY_LABEL, SELECTED (the request's value, compared, never written) chosen */
static void search_select(GString *out, const char *name, const char *label,
                          const char *const *choices, size_t n, const char *any_label,
                          const char *selected)
{
    g_string_append_printf(out, "<label for=\"search-%s\">%s <select id=\"search-%s\" name=\"%s\">",
                           name, label, name, name);
    if (any_label != NULL)
        g_string_append_printf(out, "<option value=\"\">%s</option>", any_label);
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(
            out, "<option value=\"%s\"%s>%s</option>", choices[i],
            selected != NULL && strcmp(selected, choices[i]) == 0 ? " selected" : "", choices[i]);
    g_string_append(out, "</select></label>\n");
}

/* search_form - the search form, filled with S */
static void search_form(GString *out, const struct search *s)
{
    const char *state = field_value(s, "state");

    g_string_append(out,
                    "<form id=\"search-form\" class=\"search\" method=\"get\" action=\"/\">\n");
    search_input(out, s, "queue_id", "Queue id", NULL);
    search_input(out, s, "sender", "Sender", "text or glob");
    search_input(out, s, "recipient", "Recipient", "text or glob");
    search_input(out, s, "subject", "Subject", "text or glob");
    search_select(out, "verdict", "Verdict", verdicts, G_N_ELEMENTS(verdicts), "any",
                  field_value(s, "verdict"));
    search_input(out, s, "rule", "Rule", "text or glob");
    search_input(out, s, "signature", "Signature", "text or glob");
    search_input(out, s, "since", "Since", "2024-05-01");
    search_input(out, s, "until", "Until", "2024-05-31");
    search_input(out, s, "min_size", "Min size", "64K");
    search_input(out, s, "max_size", "Max size", "10M");
    search_select(out, "state", "State", states, G_N_ELEMENTS(states), NULL,
                  state != NULL ? state : "held");
    g_string_append(out, "<button id=\"search-submit\" type=\"submit\">Search</button>\n"
                         "<a id=\"search-reset\" href=\"/\">Reset</a>\n</form>\n");
}

/* ---- the list ------------------------------------------------------------------------- */

/* entry_row - one row of the table; the holding host's cell with HOST (the PostgreSQL
 * store) */
static void entry_row(GString *out, const struct quarantine_entry *e, bool host)
{
    const char *state = quarantine_state_name(e->state);

    g_string_append_printf(out, "<tr id=\"row-%s\" class=\"state-%s\">", e->id, state);
    g_string_append_printf(out,
                           "<td><input type=\"checkbox\" id=\"select-%s\" name=\"id\" "
                           "value=\"%s\"></td><td><a id=\"link-%s\" href=\"/message/%s\">",
                           e->id, e->id, e->id, e->id);
    console_pages_put_time(out, e->time);
    g_string_append(out, "</a></td>");
    if (host) {
        g_string_append(out, "<td class=\"host\">");
        console_html_text(out, e->host);
        g_string_append(out, "</td>");
    }
    g_string_append_printf(out, "<td>%s</td><td>", state);
    console_html_text(out, e->verdict);
    g_string_append_printf(out, "</td><td>%g</td><td class=\"mono\">", e->score);
    console_html_text(out, e->queue_id);
    g_string_append(out, "</td><td class=\"text\">");
    console_html_text(out, e->sender);
    g_string_append(out, "</td><td class=\"text\">");
    console_pages_put_list(out, e->recipients);
    g_string_append(out, "</td><td class=\"text\">");
    console_html_text(out, e->subject);
    g_string_append(out, "</td><td class=\"text\">");
    console_pages_put_list(out, e->rules->len > 0 ? e->rules : e->reasons);
    g_string_append(out, "</td><td>");
    console_pages_put_size(out, e->size);
    g_string_append(out, "</td></tr>\n");
}

/* view_refresh - the console's view of the index brought up to date (caller holds
 * view_lock); false with the page for the error in REP */
static bool view_refresh(struct console_http_request *r, struct console_http_reply *rep)
{
    struct console_http *c = r->console;
    char note[QUARANTINE_NOTE_MAX];
    struct mv_err err = {0};

    if (quarantine_view_refresh(c->view, note, NULL, &err) != MV_OK) {
        log_msg(LOG_ERR, "quarantine: %s", err.msg);
        console_http_error(rep, r, 500, "Quarantine unreadable",
                           "The quarantine cannot be read; the console's log says why.");
        return false;
    }
    if (note[0] != '\0')
        log_msg(LOG_WARNING, "%s", note);
    return true;
}

/* db_page_new - as quarantine_view_page_new, from the PostgreSQL store (every host's
 * entries, read each time: the database is the fleet's, another host may have changed
 * it); NULL with the page for the error in REP */
static GPtrArray *db_page_new(struct console_http_request *r, struct console_http_reply *rep,
                              const struct quarantine_filter *f, guint offset, guint limit,
                              guint *total)
{
    struct mv_err err = {0};
    GPtrArray *all = qstore_list_new(&r->console->qs, f, NULL, &err), *page;

    if (all == NULL) {
        log_msg(LOG_ERR, "quarantine: %s", err.msg);
        console_http_error(rep, r, 500, "Quarantine unreadable",
                           "The quarantine cannot be read; the console's log says why.");
        return NULL;
    }
    *total = all->len;
    page = g_ptr_array_new_with_free_func(quarantine_entry_free);
    for (guint i = offset; i < all->len && i < offset + limit; i++)
        g_ptr_array_add(page, quarantine_entry_dup(g_ptr_array_index(all, i)));
    g_ptr_array_unref(all);
    return page;
}

/* console_pages_list - GET /: the quarantine, searched and paged */
void console_pages_list(struct console_http_request *r, struct console_http_reply *rep)
{
    struct console_http *c = r->console;
    GString *out = rep->body;
    struct search s;
    GPtrArray *page = NULL;
    guint total = 0, first, pages;

    console_html_begin(out, "Quarantine", r->auth.user, r->auth.csrf);
    if (!search_parse(r, &s)) {
        rep->status = 400;
        search_form(out, &s);
        console_html_message(out, "error", "search-error", s.error);
        console_html_end(out);
        search_clear(&s);
        return;
    }
    search_form(out, &s);
    if (c->qs.db) {
        page = db_page_new(r, rep, &s.f, (s.page - 1) * PAGE_SIZE, PAGE_SIZE, &total);
    } else {
        g_mutex_lock(&c->view_lock);
        if (view_refresh(r, rep))
            page = quarantine_view_page_new(c->view, &s.f, (s.page - 1) * PAGE_SIZE, PAGE_SIZE,
                                            &total);
        g_mutex_unlock(&c->view_lock);
    }
    if (page == NULL) {
        search_clear(&s);
        return; /* view_refresh made the error page */
    }
    first = total == 0 ? 0 : (s.page - 1) * PAGE_SIZE + 1;
    pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
    g_string_append_printf(out, "<p id=\"result-count\" data-total=\"%u\">", total);
    if (total == 0)
        g_string_append(out, "No entries.");
    else if (page->len == 0)
        g_string_append_printf(out, "No entries on page %u; %u in all.", s.page, total);
    else
        g_string_append_printf(out, "Entries %u&ndash;%u of %u.", first, first + page->len - 1,
                               total);
    g_string_append(out, "</p>\n<form id=\"selection-form\" method=\"get\" action=\"/confirm\">\n"
                         "<p><button id=\"release-selected\" type=\"submit\" name=\"action\" "
                         "value=\"release\">Release selected</button> "
                         "<button id=\"delete-selected\" type=\"submit\" name=\"action\" "
                         "value=\"delete\">Delete selected</button></p>\n"
                         "<table id=\"entries\">\n<thead><tr><th></th><th>Time (UTC)</th>");
    if (c->qs.db)
        g_string_append(out, "<th>Host</th>");
    g_string_append(out, "<th>State</th><th>Verdict</th><th>Score</th><th>Queue id</th>"
                         "<th>Sender</th><th>Recipients</th><th>Subject</th><th>Rules</th>"
                         "<th>Size</th></tr></thead>\n<tbody>\n");
    for (guint i = 0; i < page->len; i++)
        entry_row(out, g_ptr_array_index(page, i), c->qs.db);
    g_string_append(out, "</tbody>\n</table>\n</form>\n<p class=\"pager\">");
    if (s.page > 1) {
        g_string_append(out, "<a id=\"prev-page\" href=\"/");
        search_query(out, &s);
        g_string_append_printf(out, "%u\">&larr; Newer</a>", MIN(s.page - 1, MAX(pages, 1)));
    }
    if (s.page < pages) {
        g_string_append(out, "<a id=\"next-page\" href=\"/");
        search_query(out, &s);
        g_string_append_printf(out, "%u\">Older &rarr;</a>", s.page + 1);
    }
    if (pages > 1)
        g_string_append_printf(out, " <span id=\"page-of\">page %u of %u</span>", s.page, pages);
    g_string_append(out, "</p>\n");
    console_html_end(out);
    g_ptr_array_unref(page);
    search_clear(&s);
}
