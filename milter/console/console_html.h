/* console_html.h - the console's HTML: the one escaping function every piece of text
 * goes through on its way into a page (console_html_text), the page frame with its
 * navigation, and the small pieces forms and tables are made of.  Everything appends to a
 * GString the caller owns.  No state; thread-safe. */
#ifndef MV_CONSOLE_HTML_H
#define MV_CONSOLE_HTML_H

#include <stdbool.h>

#include <glib.h>

/* console_html_text - S (NULL: nothing) appended to OUT as HTML text or as the value of
 * a double- or single-quoted attribute: & < > " ' as character references, bytes that
 * are not UTF-8 as U+FFFD, control characters other than tab and newline as U+FFFD.  The
 * one function through which text reaches a page: nothing it writes can open a tag,
 * end an attribute or start a character reference. */
void console_html_text(GString *out, const char *s);
/* console_html_text_len - the same for the LEN bytes at S (NUL bytes included) */
void console_html_text_len(GString *out, const char *s, gsize len);
/* console_html_escape_new - S escaped as console_html_text does (caller frees) */
char *console_html_escape_new(const char *s);
/* console_html_url - S percent-encoded for a query string (RFC 3986 unreserved
 * characters kept), then escaped for an attribute */
void console_html_url(GString *out, const char *s);

/* console_html_begin - "<!DOCTYPE html>", head (TITLE escaped, the stylesheet) and the
 * opening of the body; with USER (NULL: not logged in) the navigation bar: list, audit
 * log, who is logged in and the logout button carrying CSRF */
void console_html_begin(GString *out, const char *title, const char *user, const char *csrf);
/* console_html_end - the closing tags */
void console_html_end(GString *out);
/* console_html_csrf_field - the hidden form field that carries CSRF */
void console_html_csrf_field(GString *out, const char *csrf);
/* console_html_message - a paragraph of class KIND ("error", "note", "ok") with ID and
 * TEXT escaped */
void console_html_message(GString *out, const char *kind, const char *id, const char *text);

/* console_html_stylesheet - the stylesheet /style.css serves (static) */
const char *console_html_stylesheet(void);

#endif
