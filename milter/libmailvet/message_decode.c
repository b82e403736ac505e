/* message_decode.c - a part's bytes decoded into its leaf (message_decode.h), once,
 * straight from the source GMime's parser persisted: base64 and quoted-printable by
 * GMime's step decoders from where the bytes are in memory (the caller's array or the
 * mapped file), whole base64 quartets by message_base64.c, uuencode by GMime's filter
 * (which also finds the "begin" line), every other encoding as it is; then the
 * uuencoded blocks uuscan.c finds in a text/plain leaf, as leaves "<path>uN" of their
 * own.  A leaf that ends mid-quantum or a block without its "end" line is
 * MV_LEAF_TRUNCATED.  With message.c, the only file that calls GMime.  Does not log. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "leafsink.h"
#include "message.h"
#include "message_base64.h"
#include "message_decode.h"
#include "message_leaves.h"
#include "mv.h"
#include "mvlimits.h"
#include "uuscan.h"

/* decoder_truncated - true when the uudecode FILTER found no end: no "begin" line, or
 * no zero-length line before the end */
static bool decoder_truncated(const GMimeFilterBasic *filter)
{
    return (filter->encoder.state & GMIME_UUDECODE_STATE_END) == 0;
}

/* stream_drain - read IN to its end into the sink */
static enum mv_status stream_drain(struct message_decode *d, GMimeStream *in, struct leafsink *s)
{
    enum mv_status st;

    /* the loop of g_mime_stream_write_to_stream(): a filter may return 0 before eos */
    while (!g_mime_stream_eos(in)) {
        ssize_t n = g_mime_stream_read(in, (char *)d->scratch, MESSAGE_DECODE_CHUNK);

        if (n < 0)
            return mv_err_set(d->err, MV_EIO, "message: read: %s",
                              errno != 0 ? g_strerror(errno) : "stream error");
        if ((st = leafsink_write(s, d->scratch, (size_t)n, d->err)) != MV_OK)
            return st;
    }
    return MV_OK;
}

/* raw_view - the bytes of RAW where they already are in memory: the caller's array
 * (GMimeStreamMem) or the mapped file (GMimeStreamMmap), which the parser's persisted
 * part streams share, within RAW's bounds; false for any other stream */
static bool raw_view(GMimeStream *raw, const unsigned char **data, size_t *len)
{
    const unsigned char *base;
    gint64 size, start = raw->bound_start, end = raw->bound_end;

    if (GMIME_IS_STREAM_MEM(raw) && GMIME_STREAM_MEM(raw)->buffer != NULL) {
        base = GMIME_STREAM_MEM(raw)->buffer->data;
        size = (gint64)GMIME_STREAM_MEM(raw)->buffer->len;
    } else if (GMIME_IS_STREAM_MMAP(raw) && GMIME_STREAM_MMAP(raw)->map != NULL) {
        base = (const unsigned char *)GMIME_STREAM_MMAP(raw)->map;
        size = (gint64)GMIME_STREAM_MMAP(raw)->maplen;
    } else {
        return false;
    }
    if (end < 0 || end > size)
        end = size;
    if (start < 0 || start > end)
        return false;
    *data = base + start;
    *len = (size_t)(end - start);
    return true;
}

/* step_decode - decode N bytes at IN (base64 or quoted-printable, ENC) into d->decoded
 * and write that to the sink */
static enum mv_status step_decode(struct message_decode *d, const unsigned char *in, size_t n,
                                  GMimeContentEncoding enc, int *state, guint32 *save,
                                  struct leafsink *s)
{
    size_t out = enc == GMIME_CONTENT_ENCODING_BASE64
                     ? message_base64_decode(in, n, d->decoded, state, save,
                                             g_mime_encoding_base64_decode_step)
                     : g_mime_encoding_quoted_decode_step(in, n, d->decoded, state, save);

    return leafsink_write(s, d->decoded, out, d->err);
}

/* step_drain - decode RAW to its end, base64 or quoted-printable (ENC), into the sink,
 * from where its bytes are when they are in memory, else read a chunk at a time: the
 * filter stream GMime would put in between copies every byte once more; *TRUNCATED
 * when base64 ends mid-quantum */
static enum mv_status step_drain(struct message_decode *d, GMimeStream *raw,
                                 GMimeContentEncoding enc, struct leafsink *s, bool *truncated)
{
    int state = 0;
    guint32 save = 0;
    enum mv_status st = MV_OK;
    const unsigned char *p;
    size_t len;

    if (raw_view(raw, &p, &len)) {
        while (len > 0 && st == MV_OK) {
            size_t n = MIN(len, (size_t)MESSAGE_DECODE_CHUNK);

            st = step_decode(d, p, n, enc, &state, &save, s);
            p += n;
            len -= n;
        }
    } else {
        while (st == MV_OK && !g_mime_stream_eos(raw)) {
            ssize_t n = g_mime_stream_read(raw, (char *)d->scratch, MESSAGE_DECODE_CHUNK);

            if (n < 0)
                return mv_err_set(d->err, MV_EIO, "message: read: %s",
                                  errno != 0 ? g_strerror(errno) : "stream error");
            if (n == 0)
                break;
            st = step_decode(d, d->scratch, (size_t)n, enc, &state, &save, s);
        }
    }
    /* -1 once padding was seen; otherwise the low byte counts pending sextets */
    *truncated = enc == GMIME_CONTENT_ENCODING_BASE64 && state != -1 && (state & 0xff) != 0;
    return st;
}

/* message_decode_stream - decode RAW (transfer encoding ENC) into LF, as a data wrapper would */
enum mv_status message_decode_stream(struct message_decode *d, GMimeStream *raw,
                                     GMimeContentEncoding enc, struct message_leaf *lf)
{
    GMimeFilter *filter = NULL;
    GMimeStream *in = NULL;
    struct leafsink s;
    gint64 rawlen;
    bool truncated = false;
    enum mv_status st;

    /* the decoding g_mime_data_wrapper_write_to_stream() would add: base64 and
     * quoted-printable by GMime's step decoders straight from RAW (step_drain), uuencode
     * by its filter, which also finds the "begin" line; read in chunks to spill to a
     * file */
    if (enc == GMIME_CONTENT_ENCODING_UUENCODE) {
        filter = g_mime_filter_basic_new(enc, FALSE);
        in = g_mime_stream_filter_new(raw);
        g_mime_stream_filter_add(GMIME_STREAM_FILTER(in), filter);
    } else if (enc != GMIME_CONTENT_ENCODING_BASE64 &&
               enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE) {
        in = g_object_ref(raw);
    }
    g_mime_stream_reset(raw);
    /* decoding never grows the bytes, so the raw length bounds the buffer */
    rawlen = g_mime_stream_length(raw);
    leafsink_init(&s, d->lv->leaf_mem_max, d->lv->tmpdir,
                  rawlen > 0 ? (size_t)MIN(rawlen, (gint64)G_MAXSSIZE) : 0);
    st = in != NULL ? stream_drain(d, in, &s) : step_drain(d, raw, enc, &s, &truncated);
    if (st == MV_OK &&
        (truncated || (filter != NULL && decoder_truncated(GMIME_FILTER_BASIC(filter)))))
        lf->pub.flags |= MV_LEAF_TRUNCATED;
    if (st == MV_OK)
        st = message_leaves_finish(d->lv, lf, &s, d->err);
    leafsink_clear(&s);
    g_mime_stream_reset(raw);
    if (filter != NULL)
        g_object_unref(filter);
    if (in != NULL)
        g_object_unref(in);
    return st;
}

/* uu_decode - uudecode the LEN bytes of block body at P (begin/end lines excluded) */
static enum mv_status uu_decode(struct message_decode *d, const unsigned char *p, size_t len,
                                struct message_leaf *lf)
{
    /* each 4 input bytes give at most 3, plus at most 3 saved from the last step */
    const size_t step = MESSAGE_DECODE_CHUNK / 2;
    int state = GMIME_UUDECODE_STATE_BEGIN;
    guint32 save = 0;
    struct leafsink s;
    enum mv_status st = MV_OK;

    leafsink_init(&s, d->lv->leaf_mem_max, d->lv->tmpdir, len);
    while (len > 0 && st == MV_OK && (state & GMIME_UUDECODE_STATE_END) == 0) {
        size_t n = MIN(len, step);
        size_t out = g_mime_encoding_uudecode_step(p, n, d->scratch, &state, &save);

        st = leafsink_write(&s, d->scratch, out, d->err);
        p += n;
        len -= n;
    }
    if (st == MV_OK)
        st = message_leaves_finish(d->lv, lf, &s, d->err);
    leafsink_clear(&s);
    return st;
}

/* message_decode_uuencoded - extract the uuencoded blocks of text leaf PARENT as leaves "<path>uN"
 */
enum mv_status message_decode_uuencoded(struct message_decode *d, struct message_leaf *parent)
{
    const unsigned char *p = parent->pub.data;
    const unsigned char *end = p + parent->pub.size;
    struct uuscan_block b;
    unsigned found = 0;
    enum mv_status st = MV_OK;

    while (st == MV_OK && !d->lv->stop && uuscan_next(p, end, &b)) {
        struct message_leaf *lf;
        char *path;

        if (found == LIMIT_MAX_UUENCODED_DEFAULT) {
            d->lv->flags |= MESSAGE_LIMIT_PARTS;
            break;
        }
        found++;
        path = g_strdup_printf("%su%u", parent->pub.path, found);
        lf = message_leaves_add(d->lv, path, parent->pub.depth);
        g_free(path);
        if (lf == NULL)
            break;
        lf->pub.filename = message_utf8_dup(b.name, (gssize)b.name_len);
        lf->pub.declared_type = g_strdup("application/octet-stream");
        lf->pub.encoding = g_strdup("x-uuencode");
        lf->pub.flags = MV_LEAF_UUENCODED | (b.ended ? 0 : MV_LEAF_TRUNCATED);
        st = uu_decode(d, b.body, b.body_len, lf);
        p = b.next;
    }
    return st;
}

/* message_decode_init - D decodes into LV, its failures in ERR; its buffers allocated */
void message_decode_init(struct message_decode *d, struct message_leaves *lv, struct mv_err *err)
{
    d->lv = lv;
    d->scratch = g_malloc(MESSAGE_DECODE_CHUNK);
    d->decoded = g_malloc(MESSAGE_DECODE_OUT);
    d->err = err;
}

/* message_decode_clear - D's buffers released; safe twice */
void message_decode_clear(struct message_decode *d)
{
    g_free(d->scratch);
    g_free(d->decoded);
    d->scratch = d->decoded = NULL;
}
