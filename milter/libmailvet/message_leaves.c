/* message_leaves.c - the leaves of one parse: their paths, strings, bytes and the count
 * against max_parts.  The contract is in message_leaves.h.  A part of the message
 * module: no GMime here, it never logs. */
#include <string.h>

#include <glib.h>

#include "digest.h"
#include "leafsink.h"
#include "message.h"
#include "message_leaves.h"
#include "mv.h"

/* SHA-256 of no bytes: the digest of a leaf until its bytes are decoded (a part whose
 * headers end at a boundary has no content at all) */
#define SHA256_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* message_utf8_dup - copy of LEN bytes of S (-1: NUL-terminated) as valid UTF-8, or NULL */
char *message_utf8_dup(const char *s, gssize len)
{
    if (s == NULL)
        return NULL;
    return g_utf8_make_valid(s, len);
}

/* lower_dup - lower-case UTF-8 copy of S, or NULL for NULL or "" */
static char *lower_dup(const char *s, gssize len)
{
    char *low, *out;

    if (s == NULL || len == 0 || *s == '\0')
        return NULL;
    low = g_ascii_strdown(s, len);
    out = message_utf8_dup(low, -1);
    g_free(low);
    return out;
}

/* token_dup - first token of a header value ("Base64 (x)" -> "base64"), lower-case */
static char *token_dup(const char *value)
{
    size_t n;

    if (value == NULL)
        return NULL;
    value += strspn(value, " \t\r\n");
    n = strcspn(value, " \t\r\n;(");
    return lower_dup(value, (gssize)n);
}

/* leaf_free - release one leaf and its bytes */
static void leaf_free(gpointer p)
{
    struct message_leaf *lf = p;

    g_free(lf->pub.path);
    g_free(lf->pub.filename);
    g_free(lf->pub.declared_type);
    g_free(lf->pub.disposition);
    g_free(lf->pub.encoding);
    leafsink_bytes_free(&lf->bytes);
    g_free(lf);
}

/* message_leaves_init - no leaves yet */
void message_leaves_init(struct message_leaves *lv, const struct message_limits *lim)
{
    memset(lv, 0, sizeof(*lv));
    lv->all = g_ptr_array_new_with_free_func(leaf_free);
    lv->path = g_string_new(NULL);
    lv->max_parts = lim->max_parts;
    lv->leaf_mem_max = lim->leaf_mem_max;
    lv->tmpdir = lim->tmpdir;
}

/* message_leaves_clear - release the leaves, their bytes and the path */
void message_leaves_clear(struct message_leaves *lv)
{
    if (lv->all != NULL)
        g_ptr_array_free(lv->all, TRUE);
    lv->all = NULL;
    if (lv->path != NULL)
        g_string_free(lv->path, TRUE);
    lv->path = NULL;
}

/* message_leaves_push - append child number N to lv->path */
gsize message_leaves_push(struct message_leaves *lv, unsigned n)
{
    gsize old = lv->path->len;

    if (old > 0)
        g_string_append_c(lv->path, '.');
    g_string_append_printf(lv->path, "%u", n);
    return old;
}

/* leaf_new - new empty leaf at PATH appended to the message, whatever max_parts says */
static struct message_leaf *leaf_new(struct message_leaves *lv, const char *path, unsigned depth)
{
    struct message_leaf *lf = g_new0(struct message_leaf, 1);

    lf->pub.path = g_strdup(path);
    lf->pub.depth = depth;
    lf->pub.data = (const unsigned char *)"";
    g_strlcpy(lf->pub.sha256, SHA256_EMPTY, sizeof(lf->pub.sha256));
    g_ptr_array_add(lv->all, lf);
    return lf;
}

/* message_leaves_add - new leaf at PATH, or NULL once max_parts is reached */
struct message_leaf *message_leaves_add(struct message_leaves *lv, const char *path, unsigned depth)
{
    if (lv->all->len - lv->residues >= lv->max_parts) {
        lv->flags |= MESSAGE_LIMIT_PARTS;
        lv->stop = true;
        return NULL;
    }
    return leaf_new(lv, path, depth);
}

/* message_leaves_raw - leaf "raw", message/rfc822, a residue (scanned, not body text),
 * beside max_parts like the preambles */
struct message_leaf *message_leaves_raw(struct message_leaves *lv)
{
    struct message_leaf *lf = leaf_new(lv, "raw", 0);

    lv->residues++;
    lf->pub.declared_type = g_strdup("message/rfc822");
    lf->pub.flags |= MV_LEAF_RESIDUE;
    return lf;
}

/* message_leaf_describe - LF's names and types from what GMime decoded */
void message_leaf_describe(struct message_leaf *lf, const char *filename, const char *type,
                           const char *disposition, const char *encoding)
{
    lf->pub.filename = message_utf8_dup(filename, -1);
    lf->pub.declared_type = lower_dup(type != NULL ? type : "application/octet-stream", -1);
    lf->pub.disposition = lower_dup(disposition, -1);
    lf->pub.encoding = token_dup(encoding);
}

/* message_leaves_finish - LF gets the bytes of S and their SHA-256; S is left empty.
 * Bytes that could not be mapped for lack of address space are lost: the leaf is left
 * empty and truncated, the message unscannable */
enum mv_status message_leaves_finish(struct message_leaves *lv, struct message_leaf *lf,
                                     struct leafsink *s, struct mv_err *err)
{
    enum mv_status st;

    G_STATIC_ASSERT(sizeof(lf->pub.sha256) == DIGEST_HEX_LEN + 1);
    st = leafsink_finish(s, &lf->bytes, lf->pub.sha256, err);
    lf->pub.data = lf->bytes.data;
    lf->pub.size = lf->bytes.size;
    if (lf->bytes.lost) {
        lv->flags |= MESSAGE_NO_MEMORY;
        lf->pub.flags |= MV_LEAF_TRUNCATED;
    }
    return st;
}

/* message_leaves_bytes - LEN raw bytes at P become LF's data */
enum mv_status message_leaves_bytes(struct message_leaves *lv, struct message_leaf *lf,
                                    const void *p, size_t len, struct mv_err *err)
{
    struct leafsink s;
    enum mv_status st;

    leafsink_init(&s, lv->leaf_mem_max, lv->tmpdir, len);
    st = leafsink_write(&s, p, len, err);
    if (st == MV_OK)
        st = message_leaves_finish(lv, lf, &s, err);
    leafsink_clear(&s);
    return st;
}

/* message_leaves_text - a multipart without parts keeps its text (not empty) as a
 * text/plain leaf at lv->path */
enum mv_status message_leaves_text(struct message_leaves *lv, const char *text, unsigned depth,
                                   struct mv_err *err)
{
    struct message_leaf *lf;

    if (text == NULL || *text == '\0')
        return MV_OK;
    lf = message_leaves_add(lv, lv->path->str, depth);
    if (lf == NULL)
        return MV_OK;
    lf->pub.declared_type = g_strdup("text/plain");
    return message_leaves_bytes(lv, lf, text, strlen(text), err);
}

/* message_leaves_residue - a preamble or epilogue with anything but blanks in it as
 * leaf "<path>.NAME", text/plain, MV_LEAF_RESIDUE; beside max_parts (nearly every
 * multipart message has a preamble) and capped at as many */
enum mv_status message_leaves_residue(struct message_leaves *lv, const char *text, const char *name,
                                      unsigned depth, struct mv_err *err)
{
    gsize old = lv->path->len;
    struct message_leaf *lf;
    const char *p;

    if (text == NULL)
        return MV_OK;
    for (p = text; *p != '\0' && g_ascii_isspace(*p); p++)
        ;
    /* at most max_parts of them too, but never at the expense of a real part */
    if (*p == '\0' || lv->residues >= lv->max_parts)
        return MV_OK;
    if (old > 0)
        g_string_append_c(lv->path, '.');
    g_string_append(lv->path, name);
    lf = message_leaves_add(lv, lv->path->str, depth);
    g_string_truncate(lv->path, old);
    if (lf == NULL)
        return MV_OK;
    lv->residues++;
    lf->pub.declared_type = g_strdup("text/plain");
    lf->pub.flags |= MV_LEAF_RESIDUE;
    return message_leaves_bytes(lv, lf, text, strlen(text), err);
}
