/* console_pages_internal.h - what the console's pages share (console_pages.c,
 * console_pages_list.c, console_pages_message.c, console_pages_confirm.c): the pieces
 * every page writes with.  Private to them. */
#ifndef MV_CONSOLE_PAGES_INTERNAL_H
#define MV_CONSOLE_PAGES_INTERNAL_H

#include <glib.h>

#include "console_http.h"

#define PAGE_MAX 1000000 /* pages a request may ask for */

/* console_pages_put_time - Unix seconds as "2024-05-01 10:00:00" (UTC) */
void console_pages_put_time(GString *out, gint64 t);
/* console_pages_put_list - the strings of LIST, escaped, joined by ", " */
void console_pages_put_list(GString *out, const GPtrArray *list);
/* console_pages_put_size - BYTES as "1.2 MB", "340 KB", "512 B" */
void console_pages_put_size(GString *out, guint64 bytes);
/* console_pages_arg_trimmed - the query's NAME with spaces at either end removed (caller
 * frees); NULL when absent or empty */
char *console_pages_arg_trimmed(const struct console_http_request *r, const char *name);

#endif
