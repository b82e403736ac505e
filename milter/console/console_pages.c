/* console_pages.c - the console's pages (console_pages.h).  They read: the index view for
 * the list (the fleet's rows in the PostgreSQL store, through qstore.h), a record and its
 * message for the detail, the audit log; they change nothing.  Every text goes through
 * console_html_text(). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "console_html.h"
#include "console_mail.h"
#include "console_pages.h"
#include "log.h"
#include "quarantine.h"
#include "units.h"
#include "wildcard.h"

#define PAGE_SIZE 50
#define PAGE_MAX 1000000 /* pages a request may ask for */
#define AUDIT_PAGE 100   /* lines of the audit log a page shows */

/* The fields of the search form, as the query names them. */
static const char *const search_fields[] = {
    "queue_id",  "sender", "recipient", "subject",  "verdict",  "rule",
    "signature", "since",  "until",     "min_size", "max_size", "state",
};

/* The choices of the verdict and state selects. */
static const char *const verdicts[] = {"clean", "suspicious", "unscannable", "campaign",
                                       "infected"};
static const char *const states[] = {"held", "released", "deleted", "damaged", "any"};

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

/* put_time - Unix seconds as "2024-05-01 10:00:00" (UTC) */
static void put_time(GString *out, gint64 t)
{
    GDateTime *dt = g_date_time_new_from_unix_utc(t);
    char *s = dt != NULL ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") : g_strdup("?");

    g_string_append(out, s);
    g_free(s);
    if (dt != NULL)
        g_date_time_unref(dt);
}

/* put_list - the strings of LIST, escaped, joined by ", " */
static void put_list(GString *out, const GPtrArray *list)
{
    for (guint i = 0; list != NULL && i < list->len; i++) {
        if (i > 0)
            g_string_append(out, ", ");
        console_html_text(out, g_ptr_array_index(list, i));
    }
}

/* put_size - BYTES as "1.2 MB", "340 KB", "512 B" */
static void put_size(GString *out, guint64 bytes)
{
    char *s = g_format_size_full(bytes, G_FORMAT_SIZE_IEC_UNITS);

    console_html_text(out, s);
    g_free(s);
}

/* arg_trimmed - the query's NAME with spaces at either end removed (caller frees); NULL
 * when absent or empty */
static char *arg_trimmed(const struct console_http_request *r, const char *name)
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

/* ---- the search ----------------------------------------------------------------------- */

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
        s->text[i] = arg_trimmed(r, search_fields[i]);
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
    if ((page = arg_trimmed(r, "page")) != NULL) {
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
    put_time(out, e->time);
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
    g_string_append(out, "</td><td>");
    console_html_text(out, e->sender);
    g_string_append(out, "</td><td>");
    put_list(out, e->recipients);
    g_string_append(out, "</td><td>");
    console_html_text(out, e->subject);
    g_string_append(out, "</td><td>");
    put_list(out, e->rules->len > 0 ? e->rules : e->reasons);
    g_string_append(out, "</td><td>");
    put_size(out, e->size);
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

/* ---- one message ---------------------------------------------------------------------- */

/* dl_row - one "term: value" of a definition list, the value escaped ("-" for NULL) */
static void dl_row(GString *out, const char *id, const char *term, const char *value)
{
    g_string_append_printf(out, "<dt>%s</dt><dd id=\"%s\">", term, id);
    console_html_text(out, value != NULL ? value : "-");
    g_string_append(out, "</dd>\n");
}

/* detail_envelope - the record's envelope and verdict */
static void detail_envelope(GString *out, const struct quarantine_detail *d)
{
    char num[64];

    g_string_append(out, "<section id=\"envelope\"><h2>Envelope and verdict</h2>\n"
                         "<dl class=\"envelope\">\n");
    dl_row(out, "f-id", "Id", d->id);
    dl_row(out, "f-time", "Held", d->time);
    dl_row(out, "f-state", "State", d->state);
    if (d->damaged != NULL)
        dl_row(out, "f-damaged", "Damaged", d->damaged);
    dl_row(out, "f-queue-id", "Queue id", d->queue_id);
    dl_row(out, "f-client", "Client", d->client_addr);
    if (d->host != NULL)
        dl_row(out, "f-host", "Host", d->host);
    dl_row(out, "f-sender", "Sender", d->sender != NULL && *d->sender == '\0' ? "<>" : d->sender);
    g_string_append(out, "<dt>Recipients</dt><dd id=\"f-recipients\">");
    put_list(out, d->recipients);
    g_string_append(out, "</dd>\n");
    dl_row(out, "f-subject", "Subject", d->subject);
    g_string_append(out, "<dt>Size</dt><dd id=\"f-size\">");
    put_size(out, d->size);
    g_string_append(out, "</dd>\n");
    dl_row(out, "f-verdict", "Verdict", d->verdict);
    dl_row(out, "f-action", "Action", d->action);
    snprintf(num, sizeof(num), "%g", d->score);
    dl_row(out, "f-score", "Score", num);
    snprintf(num, sizeof(num), "%u", d->generation);
    dl_row(out, "f-generation", "Generation", num);
    if (d->policy != NULL)
        dl_row(out, "f-policy", "Policy", d->policy);
    g_string_append(out, "<dt>Reasons</dt><dd id=\"f-reasons\">");
    put_list(out, d->reasons);
    g_string_append(out, "</dd>\n</dl></section>\n");
}

/* detail_hits - the rules that fired, with their scores */
static void detail_hits(GString *out, const struct quarantine_detail *d)
{
    g_string_append(out, "<section id=\"hits\"><h2>Rules that fired</h2>\n");
    if (d->hits->len == 0) {
        g_string_append(out, "<p class=\"note\">None.</p></section>\n");
        return;
    }
    g_string_append(out, "<table><thead><tr><th>Rule</th><th>Score</th><th>Campaign</th>"
                         "<th>Category</th><th>Description</th><th>Objects</th></tr></thead>"
                         "<tbody>\n");
    for (guint i = 0; i < d->hits->len; i++) {
        const struct quarantine_detail_hit *h = g_ptr_array_index(d->hits, i);

        g_string_append_printf(out, "<tr id=\"hit-%u\"><td class=\"mono\">", i);
        console_html_text(out, h->id);
        g_string_append_printf(out, "</td><td>%g</td><td>", h->score);
        console_html_text(out, h->campaign);
        g_string_append(out, "</td><td>");
        console_html_text(out, h->category);
        g_string_append(out, "</td><td>");
        console_html_text(out, h->description);
        g_string_append(out, "</td><td class=\"mono\">");
        put_list(out, h->objects);
        g_string_append(out, "</td></tr>\n");
    }
    g_string_append(out, "</tbody></table></section>\n");
}

/* detail_parts - the MIME parts: path, names, types, size, digest, signatures */
static void detail_parts(GString *out, const struct quarantine_detail *d)
{
    g_string_append(out, "<section id=\"parts\"><h2>MIME parts</h2>\n<table><thead><tr>"
                         "<th>Part</th><th>File name</th><th>Declared type</th>"
                         "<th>Detected type</th><th>Size</th><th>SHA-256</th>"
                         "<th>Signatures</th></tr></thead><tbody>\n");
    for (guint i = 0; i < d->parts->len; i++) {
        const struct quarantine_detail_part *p = g_ptr_array_index(d->parts, i);

        g_string_append_printf(out, "<tr id=\"part-%u\"><td class=\"mono\">", i);
        console_html_text(out, p->path);
        g_string_append(out, "</td><td>");
        console_html_text(out, p->filename);
        g_string_append(out, "</td><td>");
        console_html_text(out, p->declared_type);
        g_string_append(out, "</td><td>");
        console_html_text(out, p->detected_type);
        g_string_append(out, "</td><td>");
        put_size(out, p->size);
        g_string_append(out, "</td><td class=\"mono\">");
        console_html_text(out, p->sha256);
        g_string_append(out, "</td><td>");
        put_list(out, p->signatures);
        g_string_append(out, "</td></tr>\n");
    }
    g_string_append(out, "</tbody></table></section>\n");
}

/* detail_objects - every object inspected, a member indented under its container */
static void detail_objects(GString *out, const struct quarantine_detail *d)
{
    g_string_append(out, "<section id=\"objects\"><h2>Objects inspected</h2>\n<table><thead>"
                         "<tr><th>Path</th><th>Name</th><th>Type</th><th>Size</th>"
                         "<th>Depth</th><th>Flags</th><th>Signatures</th></tr></thead>"
                         "<tbody>\n");
    for (guint i = 0; i < d->objects->len; i++) {
        const struct quarantine_detail_object *o = g_ptr_array_index(d->objects, i);

        g_string_append_printf(out, "<tr id=\"object-%u\"><td class=\"mono\">", i);
        console_html_text(out, o->path);
        g_string_append(out, "</td><td>");
        for (unsigned k = 0; k < o->depth; k++)
            g_string_append(out, "&nbsp;&nbsp;&nbsp;");
        console_html_text(out, o->name != NULL ? o->name : "(no name)");
        g_string_append(out, "</td><td>");
        console_html_text(out, o->type);
        g_string_append(out, "</td><td>");
        put_size(out, o->size);
        g_string_append_printf(out, "</td><td>%u</td><td>%s%s%s</td><td>", o->depth,
                               o->encrypted ? "encrypted " : "", o->decrypted ? "decrypted " : "",
                               o->type_mismatch ? "TYPE MISMATCH" : "");
        put_list(out, o->signatures);
        g_string_append(out, "</td></tr>\n");
    }
    g_string_append(out, "</tbody></table></section>\n");
}

/* detail_history - the record's history */
static void detail_history(GString *out, const struct quarantine_detail *d)
{
    g_string_append(out, "<section id=\"history\"><h2>History</h2>\n<table><thead><tr>"
                         "<th>Time</th><th>State</th><th>By</th><th>Detail</th></tr></thead>"
                         "<tbody>\n");
    for (guint i = 0; i < d->history->len; i++) {
        const struct quarantine_detail_event *e = g_ptr_array_index(d->history, i);

        g_string_append_printf(out, "<tr id=\"event-%u\"><td>", i);
        console_html_text(out, e->time);
        g_string_append(out, "</td><td>");
        console_html_text(out, e->state);
        g_string_append(out, "</td><td>");
        console_html_text(out, e->by);
        g_string_append(out, "</td><td>");
        console_html_text(out, e->detail);
        g_string_append(out, "</td></tr>\n");
    }
    g_string_append(out, "</tbody></table></section>\n");
}

/* detail_message - the message itself: header fields, the header as written, preview */
static void detail_message(GString *out, const struct console_http *c, const char *id)
{
    struct console_mail_limits lim = {.max_parts = c->cfg->max_parts,
                                      .max_depth = c->cfg->max_mime_depth,
                                      .tmpdir = c->cfg->tmpdir};
    struct console_mail m;
    struct mv_err err = {0};
    int fd = qstore_eml_open(&c->qs, id, &err);

    if (fd < 0 || console_mail_read(fd, &lim, &m, &err) != MV_OK) {
        g_string_append(out, "<section id=\"headers\"><h2>Message</h2>");
        console_html_message(out, "error", "message-error", err.msg);
        g_string_append(out, "</section>\n");
        if (fd >= 0)
            close(fd);
        return;
    }
    close(fd);
    g_string_append(out, "<section id=\"headers\"><h2>Header</h2>\n");
    if (m.not_parsed != NULL)
        console_html_message(out, "note", "not-parsed", m.not_parsed);
    if (m.names->len > 0) {
        g_string_append(out, "<table id=\"header-fields\"><tbody>\n");
        for (guint i = 0; i < m.names->len; i++) {
            g_string_append_printf(out, "<tr id=\"header-%u\"><th>", i);
            console_html_text(out, g_ptr_array_index(m.names, i));
            g_string_append(out, "</th><td>");
            console_html_text(out, g_ptr_array_index(m.values, i));
            g_string_append(out, "</td></tr>\n");
        }
        g_string_append(out, "</tbody></table>\n");
    }
    g_string_append(out, "<details id=\"raw-header\"><summary>As written");
    if (m.raw_header_cut)
        g_string_append_printf(out, " (the first %u KB)", CONSOLE_MAIL_HEADER_MAX >> 10);
    g_string_append(out, "</summary><pre>");
    console_html_text(out, m.raw_header);
    g_string_append(out, "</pre></details></section>\n<section id=\"preview\"><h2>Text</h2>\n");
    if (m.preview == NULL) {
        g_string_append(out, "<p class=\"note\">No text part.</p>\n");
    } else {
        g_string_append(out, "<p class=\"note\">Part ");
        console_html_text(out, m.preview_path);
        g_string_append(out, m.preview_html ? ", HTML shown as its text" : ", plain text");
        if (m.preview_cut)
            g_string_append_printf(out, ", the first %u KB", CONSOLE_MAIL_PREVIEW_MAX >> 10);
        g_string_append(out, ". Nothing of it runs here.</p>\n<pre id=\"preview-text\">");
        console_html_text(out, m.preview);
        g_string_append(out, "</pre>\n");
    }
    g_string_append(out, "</section>\n");
    console_mail_clear(&m);
}

/* detail_actions - what can be done with one entry in STATE (NULL: its record is
 * damaged): download and delete, and release unless damaged; nothing once deleted */
static void detail_actions(GString *out, const char *id, const char *state)
{
    if (state != NULL && strcmp(state, "deleted") == 0)
        return;
    g_string_append_printf(out,
                           "<p id=\"actions\"><a id=\"download\" href=\"/message/%s/download\">"
                           "Download %s.eml</a> ",
                           id, id);
    if (state != NULL)
        g_string_append_printf(out,
                               "<a id=\"release-one\" href=\"/confirm?action=release&amp;id=%s\">"
                               "Release&hellip;</a> ",
                               id);
    g_string_append_printf(out,
                           "<a id=\"delete-one\" href=\"/confirm?action=delete&amp;id=%s\">"
                           "Delete&hellip;</a></p>\n",
                           id);
}

/* console_pages_id - the id of a path PREFIX ID [SUFFIX]: a valid one into ID and the
 * rest (NULL: none) into *REST; false for anything that is not an id, a path above all */
bool console_pages_id(const char *path, const char *prefix, char *id, const char **rest)
{
    const char *p, *slash;
    size_t n;

    if (!g_str_has_prefix(path, prefix))
        return false;
    p = path + strlen(prefix);
    slash = strchr(p, '/');
    n = slash != NULL ? (size_t)(slash - p) : strlen(p);
    if (n != QUARANTINE_ID_LEN)
        return false;
    memcpy(id, p, n);
    id[n] = '\0';
    *rest = slash != NULL ? slash + 1 : NULL;
    return quarantine_id_valid(id);
}

/* console_pages_message - GET /message/ID: one entry in full */
void console_pages_message(struct console_http_request *r, struct console_http_reply *rep)
{
    const struct console_http *c = r->console;
    char id[QUARANTINE_ID_LEN + 1], *title;
    const char *rest;
    struct mv_err err = {0};
    struct quarantine_detail *d;
    JsonNode *rec;
    GString *out = rep->body;

    if (!console_pages_id(r->path, "/message/", id, &rest) || rest != NULL) {
        console_http_error(rep, r, 400, "Not an id",
                           "That is not a quarantine id (26 characters of 0-9 A-Z).");
        return;
    }
    rec = qstore_record_new(&c->qs, id, &err);
    if (rec == NULL && err.status == MV_EPARSE) {
        console_html_begin(out, "Damaged entry", r->auth.user, r->auth.csrf);
        console_html_message(out, "error", "damaged", err.msg);
        g_string_append(out, "<p>The record cannot be read; the message may still be "
                             "there.</p>\n");
        detail_actions(out, id, NULL);
        console_html_end(out);
        return;
    }
    if (rec == NULL) {
        if (!qstore_exists(&c->qs, id))
            console_http_error(rep, r, 404, "No such entry", "The quarantine has no such entry.");
        else
            console_http_error(rep, r, 500, "Unreadable", err.msg);
        return;
    }
    d = quarantine_detail_new(rec);
    json_node_unref(rec);
    title = g_strdup_printf("Message %s", id);
    console_html_begin(out, title, r->auth.user, r->auth.csrf);
    g_free(title);
    detail_actions(out, id, d->state);
    detail_envelope(out, d);
    detail_hits(out, d);
    if (d->state == NULL || strcmp(d->state, "deleted") != 0)
        detail_message(out, c, id);
    else
        g_string_append(out, "<section id=\"headers\"><p class=\"note\">Deleted: the message is "
                             "gone, the record remains.</p></section>\n");
    detail_parts(out, d);
    detail_objects(out, d);
    detail_history(out, d);
    console_html_end(out);
    quarantine_detail_free(d);
}

/* ---- the confirmation of an action ---------------------------------------------------- */

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

/* detail_load - ID's record as a detail; NULL when it is damaged or missing */
static struct quarantine_detail *detail_load(const struct console_http *c, const char *id)
{
    struct mv_err err = {0};
    JsonNode *rec = qstore_record_new(&c->qs, id, &err);
    struct quarantine_detail *d;

    if (rec == NULL)
        return NULL;
    d = quarantine_detail_new(rec);
    json_node_unref(rec);
    return d;
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
        struct quarantine_detail *d = detail_load(c, id);
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
            put_list(out, d->recipients);
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

/* ---- the audit log -------------------------------------------------------------------- */

/* console_pages_audit - GET /audit[?q=TEXT&page=N]: the audit log, newest first, the
 * lines that hold TEXT, AUDIT_PAGE a page */
void console_pages_audit(struct console_http_request *r, struct console_http_reply *rep)
{
    struct console_http *c = r->console;
    char *q = arg_trimmed(r, "q"), *page_arg = arg_trimmed(r, "page");
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