/* message_input.c - what GMime is given of a message: the pass over the source before
 * the parse (message_prescan.c), and the reduced copy when the message's own header
 * block withholds fields.  The contract is in message_input.h.  A part of the message
 * module: no GMime here, it never logs. */
#include <errno.h>
#include <unistd.h>

#include <glib.h>

#include "message.h"
#include "message_input.h"
#include "message_prescan.h"
#include "mv.h"
#include "tmpfile.h"

/* Bytes read from a file at a time. */
#define INPUT_CHUNK 65536u

/* The source and a buffer for it: the state of one message_input_prepare(). */
struct source {
    const struct message_input *in;
    unsigned char *buf; /* INPUT_CHUNK bytes, for a file */
    struct mv_err *err;
};

/* read_at - up to WANT bytes of the source at OFFSET into *DATA (the array's own bytes,
 * or the buffer); 0 at the end, -1 with err on a read error */
static gssize read_at(struct source *s, gint64 offset, size_t want, const unsigned char **data)
{
    const GByteArray *bytes = s->in->bytes;
    ssize_t n;

    if (bytes != NULL) {
        if (offset >= (gint64)bytes->len)
            return 0;
        *data = bytes->data + offset;
        return (gssize)MIN(want, (size_t)(bytes->len - (guint)offset));
    }
    do
        n = pread(s->in->fd, s->buf, MIN(want, (size_t)INPUT_CHUNK), (off_t)offset);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        mv_err_set(s->err, MV_EIO, "message: read: %s", g_strerror(errno));
        return -1;
    }
    *data = s->buf;
    return n;
}

/* prescan - message_prescan.c's pass over the source into PRE */
static enum mv_status prescan(struct source *s, struct message_prescan *pre)
{
    const unsigned char *data;
    gint64 offset = 0;
    gssize n;

    while ((n = read_at(s, offset, G_MAXSIZE, &data)) > 0) {
        offset += n;
        if (!message_prescan_feed(pre, data, (size_t)n))
            break;
    }
    message_prescan_finish(pre);
    return n < 0 ? MV_EIO : MV_OK;
}

/* copy_range - bytes START to END (-1: the end) of the source into FD */
static enum mv_status copy_range(struct source *s, gint64 start, gint64 end, int fd)
{
    while (end < 0 || start < end) {
        size_t want = end < 0 ? G_MAXSIZE : (size_t)(end - start);
        const unsigned char *data;
        gssize n = read_at(s, start, want, &data);

        if (n < 0)
            return MV_EIO;
        if (n == 0)
            break;
        if (!tmpfile_write_all(fd, data, (size_t)n))
            return mv_err_set(s->err, MV_EIO, "message: write to temp file: %s", g_strerror(errno));
        start += n;
    }
    return MV_OK;
}

/* reduced_new - the source as GMime is given it when the message's own header block
 * withholds fields: the fields kept, an empty line and the body up to the cut, in an
 * unlinked temp file in TMPDIR, at offset 0; -1 with err on a temp-file failure */
static int reduced_new(struct source *s, const struct message_prescan *pre, const char *tmpdir)
{
    const char *dir = tmpdir != NULL ? tmpdir : g_get_tmp_dir();
    int fd = tmpfile_open(dir, "mailvet-header");
    enum mv_status st = MV_OK;

    if (fd < 0) {
        mv_err_set(s->err, MV_EIO, "message: cannot create temp file in %s: %s", dir,
                   g_strerror(errno));
        return -1;
    }
    for (guint i = 0; st == MV_OK && pre->keep != NULL && i < pre->keep->len; i++) {
        const struct message_prescan_range *r =
            &g_array_index(pre->keep, struct message_prescan_range, i);

        st = copy_range(s, r->start, r->start + r->len, fd);
    }
    if (st == MV_OK && pre->body >= 0) {
        if (!tmpfile_write_all(fd, "\n", 1))
            st = mv_err_set(s->err, MV_EIO, "message: write to temp file: %s", g_strerror(errno));
        else
            st = copy_range(s, pre->body, pre->cut, fd);
    }
    if (st == MV_OK && lseek(fd, 0, SEEK_SET) < 0)
        st = mv_err_set(s->err, MV_EIO, "message: seek in temp file: %s", g_strerror(errno));
    if (st != MV_OK) {
        close(fd);
        return -1;
    }
    return fd;
}

/* message_input_prepare - what GMime is given of IN's source */
enum mv_status message_input_prepare(struct message_input *in, unsigned max_parts,
                                     const char *tmpdir, struct mv_err *err)
{
    struct source s = {.in = in, .err = err};
    struct message_prescan pre;
    enum mv_status st;

    in->flags = 0;
    in->reduced = -1;
    in->cut = -1;
    in->top_end = G_MAXINT64;
    if (in->bytes == NULL)
        s.buf = g_malloc(INPUT_CHUNK);
    message_prescan_init(&pre, max_parts);
    st = prescan(&s, &pre);
    in->flags = pre.flags;
    if (st == MV_OK && pre.top_over) {
        in->reduced = reduced_new(&s, &pre, tmpdir);
        if (in->reduced < 0)
            st = MV_EIO;
        /* the fields kept, then the empty line */
        if (pre.body >= 0)
            in->top_end = pre.kept_bytes + pre.late_bytes + 1;
    } else if (st == MV_OK) {
        in->cut = pre.cut;
        if (pre.body >= 0)
            in->top_end = pre.body;
    }
    message_prescan_clear(&pre);
    g_free(s.buf);
    return st;
}
