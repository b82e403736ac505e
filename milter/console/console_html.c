/* console_html.c - the console's HTML (console_html.h): the one escaping function, the
 * page frame and its stylesheet.  Every text that comes from a message, a record, the
 * audit log or a request passes through console_html_text() and nothing else: it makes
 * the text valid UTF-8 and turns each character that means something to HTML into a
 * character reference, so a subject of "<script>" is shown as those eight characters.
 * Bidirectional controls (U+202A-U+202E, U+2066-U+2069) are shown as U+FFFD too, so an
 * attachment named "invoice<RLO>fdp.exe" cannot pass for a PDF. */
#include <string.h>

#include <glib.h>

#include "console_html.h"

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD in UTF-8 */

/* shown_as_replacement - C is a character a page never shows as itself: a control other
 * than tab and newline (C0, DEL, C1) or a bidirectional override */
static bool shown_as_replacement(gunichar c)
{
    if (c == '\t' || c == '\n')
        return false;
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) ||
           (c >= 0x2066 && c <= 0x2069);
}

/* console_html_text_len - LEN bytes at S, escaped */
void console_html_text_len(GString *out, const char *s, gsize len)
{
    const char *p = s, *end = s + len;

    if (s == NULL)
        return;
    while (p < end) {
        gunichar c = g_utf8_get_char_validated(p, (gssize)(end - p));
        gsize n;

        if (c == (gunichar)-1 || c == (gunichar)-2) {
            g_string_append(out, REPLACEMENT); /* not UTF-8: one byte at a time */
            p++;
            continue;
        }
        n = c == 0 ? 1 : (gsize)(g_utf8_next_char(p) - p);
        switch (c) {
        case '&':
            g_string_append(out, "&amp;");
            break;
        case '<':
            g_string_append(out, "&lt;");
            break;
        case '>':
            g_string_append(out, "&gt;");
            break;
        case '"':
            g_string_append(out, "&quot;");
            break;
        case '\'':
            g_string_append(out, "&#39;");
            break;
        default:
            if (shown_as_replacement(c))
                g_string_append(out, REPLACEMENT);
            else
                g_string_append_len(out, p, (gssize)n);
        }
        p += n;
    }
}

/* console_html_text - S escaped (NULL: nothing) */
void console_html_text(GString *out, const char *s)
{
    if (s != NULL)
        console_html_text_len(out, s, strlen(s));
}

/* console_html_escape_new - S escaped, as a new string */
char *console_html_escape_new(const char *s)
{
    GString *out = g_string_new(NULL);

    console_html_text(out, s);
    return g_string_free(out, FALSE);
}

/* console_html_url - S percent-encoded for a query, then escaped */
void console_html_url(GString *out, const char *s)
{
    char *q = g_uri_escape_string(s != NULL ? s : "", NULL, FALSE);

    console_html_text(out, q);
    g_free(q);
}

/* console_html_csrf_field - the hidden CSRF field of a form */
void console_html_csrf_field(GString *out, const char *csrf)
{
    g_string_append(out, "<input type=\"hidden\" name=\"csrf\" value=\"");
    console_html_text(out, csrf);
    g_string_append(out, "\">");
}

/* console_html_begin - the head and the navigation */
void console_html_begin(GString *out, const char *title, const char *user, const char *csrf)
{
    g_string_append(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                         "<meta name=\"referrer\" content=\"no-referrer\">\n<title>");
    console_html_text(out, title);
    g_string_append(out, " - mailvet console</title>\n"
                         "<link rel=\"stylesheet\" href=\"/style.css\">\n</head>\n<body>\n");
    if (user != NULL) {
        g_string_append(out, "<nav id=\"nav\"><a id=\"nav-list\" href=\"/\">Quarantine</a> "
                             "<a id=\"nav-audit\" href=\"/audit\">Audit log</a> "
                             "<span id=\"nav-user\">");
        console_html_text(out, user);
        g_string_append(out,
                        "</span> <form id=\"logout-form\" method=\"post\" action=\"/logout\">");
        console_html_csrf_field(out, csrf);
        g_string_append(out, "<button id=\"logout-submit\" type=\"submit\">Log out</button>"
                             "</form></nav>\n");
    }
    g_string_append(out, "<main>\n<h1>");
    console_html_text(out, title);
    g_string_append(out, "</h1>\n");
}

/* console_html_end - close the page */
void console_html_end(GString *out)
{
    g_string_append(out, "</main>\n</body>\n</html>\n");
}

/* console_html_message - one message paragraph */
void console_html_message(GString *out, const char *kind, const char *id, const char *text)
{
    g_string_append(out, "<p class=\"");
    console_html_text(out, kind);
    g_string_append(out, "\" id=\"");
    console_html_text(out, id);
    g_string_append(out, "\">");
    console_html_text(out, text);
    g_string_append(out, "</p>\n");
}

/* console_html_stylesheet - the whole of /style.css */
const char *console_html_stylesheet(void)
{
    return "body{font-family:sans-serif;margin:0;color:#222;background:#fafafa}\n"
           "nav{background:#234;padding:.5em 1em;color:#fff}\n"
           "nav a{color:#fff;margin-right:1em}\n"
           "nav form{display:inline;float:right}\n"
           "#nav-user{float:right;margin-left:1em}\n"
           "main{padding:1em}\n"
           "table{border-collapse:collapse;width:100%;background:#fff}\n"
           "th,td{border:1px solid #ccc;padding:.2em .4em;text-align:left;vertical-align:top;"
           "font-size:90%}\n"
           /* a long word in a cell of text (a rule id, an address, a subject without
            * spaces) breaks rather than widen the list past the window */
           "td.text,td.host{overflow-wrap:anywhere}\n"
           "th{background:#eee}\n"
           "tr.state-released td{color:#060}\n"
           "tr.state-deleted td,tr.state-damaged td{color:#888}\n"
           "pre{white-space:pre-wrap;word-break:break-all;background:#fff;border:1px solid #ccc;"
           "padding:.5em;max-height:40em;overflow:auto}\n"
           "form.search{background:#fff;border:1px solid #ccc;padding:.5em;margin-bottom:1em}\n"
           "form.search label{display:inline-block;margin:.2em .5em .2em 0}\n"
           "form.search input{width:12em}\n"
           "p.error{color:#a00;font-weight:bold}\n"
           "p.ok{color:#060;font-weight:bold}\n"
           "p.note{color:#555}\n"
           ".pager a{margin-right:1em}\n"
           "dl.envelope dt{font-weight:bold;float:left;clear:left;width:9em}\n"
           "dl.envelope dd{margin-left:10em}\n"
           ".mono{font-family:monospace}\n";
}
