/* message_malformed.c - what other readers make of malformed MIME, from its text: the
 * boundary of a multipart that names none, header values that differ.  The contract is
 * in message_malformed.h.  A part of the message module: no GMime here, it never
 * logs. */
#include <string.h>

#include <glib.h>

#include "message_malformed.h"

/* is_bchars - whether TEXT (LEN bytes) is a boundary of RFC 2046 5.1.1: 1 to 70 of
 * its characters, not ending in a space */
static bool is_bchars(const char *text, size_t len)
{
    if (len == 0 || len > 70 || text[len - 1] == ' ')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!g_ascii_isalnum(text[i]) && strchr("'()+_,-./:=? ", text[i]) == NULL)
            return false;
    return true;
}

/* guess_boundary - the boundary a reader would take from TEXT, the content of a
 * multipart that names none: that of its first line that starts with "--" and
 * something other than white space (trailing white space dropped); NULL when there
 * is no such line or it is no valid boundary */
static char *guess_boundary(const char *text)
{
    for (const char *p = text; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);

        if (len > 2 && p[0] == '-' && p[1] == '-' && !g_ascii_isspace(p[2])) {
            while (len > 2 && g_ascii_isspace(p[len - 1]))
                len--;
            return is_bchars(p + 2, len - 2) ? g_strndup(p + 2, len - 2) : NULL;
        }
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    return NULL;
}

/* message_resplit_new - TEXT under a header naming the boundary a reader takes from it */
GByteArray *message_resplit_new(const char *text, const char *subtype)
{
    char *boundary = text != NULL ? guess_boundary(text) : NULL;
    GByteArray *bytes;
    char *head;

    if (boundary == NULL)
        return NULL;
    if (subtype == NULL || !is_bchars(subtype, strlen(subtype)))
        subtype = "mixed";
    head = g_strdup_printf("Content-Type: multipart/%s; boundary=\"%s\"\n\n", subtype, boundary);
    bytes = g_byte_array_sized_new((guint)(strlen(head) + strlen(text)));
    g_byte_array_append(bytes, (const guint8 *)head, (guint)strlen(head));
    g_byte_array_append(bytes, (const guint8 *)text, (guint)strlen(text));
    g_free(head);
    g_free(boundary);
    return bytes;
}

/* message_same_value - whether two header values are the same but for white space and
 * case */
bool message_same_value(const char *a, const char *b)
{
    for (;;) {
        while (g_ascii_isspace(*a))
            a++;
        while (g_ascii_isspace(*b))
            b++;
        if (*a == '\0' || *b == '\0')
            return *a == *b;
        if (g_ascii_tolower(*a++) != g_ascii_tolower(*b++))
            return false;
    }
}
