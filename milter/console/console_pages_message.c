/* console_pages_message.c - GET /message/ID (console_pages.h): one entry in full, its
 * record (envelope, verdict, hits, parts, objects, history) and the message itself (header
 * fields, the header as written, a preview), with what can be done with it.  A damaged
 * record still offers the actions; a deleted entry shows its record.  Every text goes
 * through console_html_text(). */
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "console_html.h"
#include "console_mail.h"
#include "console_pages.h"
#include "console_pages_internal.h"
#include "quarantine.h"

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
    console_pages_put_list(out, d->recipients);
    g_string_append(out, "</dd>\n");
    dl_row(out, "f-subject", "Subject", d->subject);
    g_string_append(out, "<dt>Size</dt><dd id=\"f-size\">");
    console_pages_put_size(out, d->size);
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
    console_pages_put_list(out, d->reasons);
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
        g_string_append(out, "</td><td class=\"mono text\">");
        console_pages_put_list(out, h->objects);
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
        g_string_append(out, "</td><td class=\"text\">");
        console_html_text(out, p->filename);
        g_string_append(out, "</td><td>");
        console_html_text(out, p->declared_type);
        g_string_append(out, "</td><td>");
        console_html_text(out, p->detected_type);
        g_string_append(out, "</td><td>");
        console_pages_put_size(out, p->size);
        g_string_append(out, "</td><td class=\"mono text\">");
        console_html_text(out, p->sha256);
        g_string_append(out, "</td><td class=\"text\">");
        console_pages_put_list(out, p->signatures);
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

        g_string_append_printf(out, "<tr id=\"object-%u\"><td class=\"mono text\">", i);
        console_html_text(out, o->path);
        g_string_append(out, "</td><td class=\"text\">");
        for (unsigned k = 0; k < o->depth; k++)
            g_string_append(out, "&nbsp;&nbsp;&nbsp;");
        console_html_text(out, o->name != NULL ? o->name : "(no name)");
        g_string_append(out, "</td><td>");
        console_html_text(out, o->type);
        g_string_append(out, "</td><td>");
        console_pages_put_size(out, o->size);
        g_string_append_printf(out, "</td><td>%u</td><td>%s%s%s</td><td class=\"text\">", o->depth,
                               o->encrypted ? "encrypted " : "", o->decrypted ? "decrypted " : "",
                               o->type_mismatch ? "TYPE MISMATCH" : "");
        console_pages_put_list(out, o->signatures);
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
