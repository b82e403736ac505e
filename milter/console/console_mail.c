/* console_mail.c - the held message as the detail page shows it (console_mail.h): the
 * header read by hand, the fields and the text through message.c (the only GMime user),
 * HTML made text by text.c. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "console_mail.h"
#include "message.h"
#include "text.h"

/* without_cr - S (LEN bytes) with every '\r' dropped, NUL-terminated (caller frees) */
static char *without_cr(const char *s, size_t len)
{
    char *out = g_malloc(len + 1), *w = out;

    for (size_t i = 0; i < len; i++)
        if (s[i] != '\r')
            *w++ = s[i];
    *w = '\0';
    return out;
}

/* read_header - the header section of FD (up to the blank line), at most
 * CONSOLE_MAIL_HEADER_MAX bytes */
static bool read_header(int fd, struct console_mail *out)
{
    char *buf = g_malloc(CONSOLE_MAIL_HEADER_MAX + 1);
    size_t len = 0;
    char *end;

    while (len < CONSOLE_MAIL_HEADER_MAX) {
        ssize_t n = pread(fd, buf + len, CONSOLE_MAIL_HEADER_MAX - len, (off_t)len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            g_free(buf);
            return false;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    end = g_strstr_len(buf, (gssize)len, "\n\r\n");
    if (end == NULL)
        end = g_strstr_len(buf, (gssize)len, "\n\n");
    if (end != NULL)
        len = (size_t)(end - buf) + 1;
    else
        out->raw_header_cut = len == CONSOLE_MAIL_HEADER_MAX;
    out->raw_header = without_cr(buf, len);
    g_free(buf);
    return true;
}

/* text_of - LEN bytes at DATA as valid UTF-8 without CR, cut to the preview's maximum on
 * a character boundary (caller frees) */
static char *text_of(const char *data, size_t len, bool *cut)
{
    char *valid = g_utf8_make_valid(data, (gssize)len), *p;
    size_t n = strlen(valid);

    if (n > CONSOLE_MAIL_PREVIEW_MAX) {
        p = valid + CONSOLE_MAIL_PREVIEW_MAX;
        while (p > valid && ((unsigned char)*p & 0xc0) == 0x80)
            p--;
        *p = '\0';
        *cut = true;
        n = (size_t)(p - valid);
    }
    p = without_cr(valid, n);
    g_free(valid);
    return p;
}

/* tidy - the words of an HTML part (text_plain_new turns each tag into a space) in
 * place: runs of spaces as one, no space at either end of a line, at most one empty
 * line in a row */
static void tidy(char *s)
{
    char *w = s;
    int newlines = 0;
    bool space = false, line_start = true;

    for (const char *r = s; *r; r++) {
        if (*r == ' ' || *r == '\t') {
            space = !line_start;
            continue;
        }
        if (*r == '\n') {
            space = false;
            if (++newlines <= 2 && w > s)
                *w++ = '\n';
            line_start = true;
            continue;
        }
        if (space)
            *w++ = ' ';
        space = false;
        newlines = 0;
        line_start = false;
        *w++ = *r;
    }
    *w = '\0';
}

/* is_body_text - LEAF is a text part of TYPE that a mail client shows as the body */
static bool is_body_text(const struct mv_leaf *leaf, const char *type)
{
    return leaf->declared_type != NULL && strcmp(leaf->declared_type, type) == 0 &&
           (leaf->disposition == NULL || strcmp(leaf->disposition, "attachment") != 0) &&
           !(leaf->flags & (MV_LEAF_RESIDUE | MV_LEAF_UUENCODED));
}

/* preview - the first text/plain body part, or else the first text/html one as text */
static void preview(const struct message *m, struct console_mail *out)
{
    size_t n = message_leaf_count(m);

    for (size_t i = 0; i < n; i++) {
        const struct mv_leaf *leaf = message_leaf_get(m, i);

        if (is_body_text(leaf, "text/plain")) {
            out->preview = text_of((const char *)leaf->data, leaf->size, &out->preview_cut);
            out->preview_path = g_strdup(leaf->path);
            return;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const struct mv_leaf *leaf = message_leaf_get(m, i);
        size_t len;
        char *words;

        if (!is_body_text(leaf, "text/html"))
            continue;
        words = text_plain_new((const char *)leaf->data, leaf->size, &len);
        if (words == NULL)
            return;
        tidy(words);
        out->preview = text_of(words, strlen(words), &out->preview_cut);
        out->preview_path = g_strdup(leaf->path);
        out->preview_html = true;
        g_free(words);
        return;
    }
}

/* console_mail_read - header, fields and preview of the message in FD */
enum mv_status console_mail_read(int fd, const struct console_mail_limits *lim,
                                 struct console_mail *out, struct mv_err *err)
{
    struct message_limits ml = {.max_parts = lim->max_parts,
                                .max_depth = lim->max_depth,
                                .leaf_mem_max = 1u << 20,
                                .tmpdir = lim->tmpdir};
    struct mv_err perr = {0};
    struct message *m;
    struct stat sb;

    memset(out, 0, sizeof(*out));
    out->names = g_ptr_array_new_with_free_func(g_free);
    out->values = g_ptr_array_new_with_free_func(g_free);
    if (fstat(fd, &sb) < 0 || !read_header(fd, out))
        return mv_err_set(err, MV_EIO, "read: %s", g_strerror(errno));
    if ((guint64)sb.st_size > CONSOLE_MAIL_PARSE_MAX) {
        out->not_parsed = g_strdup_printf("larger than %u MB: not parsed here; download it",
                                          CONSOLE_MAIL_PARSE_MAX >> 20);
        return MV_OK;
    }
    if (lseek(fd, 0, SEEK_SET) < 0)
        return mv_err_set(err, MV_EIO, "seek: %s", g_strerror(errno));
    m = message_parse_fd(fd, &ml, &perr);
    if (m == NULL) {
        out->not_parsed = g_strdup(perr.msg);
        return MV_OK;
    }
    for (size_t i = 0; i < message_header_count(m); i++) {
        g_ptr_array_add(out->names, g_strdup(message_header_name(m, i)));
        g_ptr_array_add(out->values, g_strdup(message_header_value(m, i)));
    }
    preview(m, out);
    message_free(m);
    return MV_OK;
}

/* console_mail_clear - everything */
void console_mail_clear(struct console_mail *out)
{
    g_free(out->raw_header);
    if (out->names != NULL)
        g_ptr_array_unref(out->names);
    if (out->values != NULL)
        g_ptr_array_unref(out->values);
    g_free(out->preview);
    g_free(out->preview_path);
    g_free(out->not_parsed);
    memset(out, 0, sizeof(*out));
}
