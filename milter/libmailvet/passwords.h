/* passwords.h - candidate passwords for encrypted archives, from the message's text.
 * passwords_add() finds the tokens a sender writes next to "password" and its
 * translations, and quoted tokens, in a subject or a text part (plain or HTML);
 * pipeline.c gathers them for unpack_open() (unpack.h).  Linear in the text whatever
 * it holds.  Does not log.  Nothing here is shared between threads. */
#ifndef MV_PASSWORDS_H
#define MV_PASSWORDS_H

#include <stddef.h>

#include <glib.h>

/* passwords_add - candidate passwords found in TEXT (UTF-8, any length): tokens
 * after words like "password", "pass", "pwd", "kennwort", "mot de passe", "contraseña",
 * "パスワード", "密码", and quoted tokens; distinct, in order of appearance, at most
 * MAX_COUNT of at most MAX_LEN bytes each.  Appends to LIST (char *, g_free), skipping
 * what LIST already holds: MAX_COUNT bounds the whole LIST, so calls for several parts
 * share it.  HTML is read as text (tags stripped).  A text too big to copy gives
 * nothing */
void passwords_add(GPtrArray *list, const char *text, size_t len, unsigned max_count,
                   size_t max_len);

#endif
