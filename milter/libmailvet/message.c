/* message.c - GMime parse of one RFC 5322 message into leaves and features; with
 * message_decode.c, the only file that calls GMime.  message_parse_bytes() reads a GByteArray in
 * place (a GMimeStreamMem that does not own it); message_parse_fd() reads a dup of a seekable fd
 * from offset 0 to end of file, mapped (the dup shares the caller's file offset and
 * stays open until message_free()).  GMime is given what message_input.c says: the
 * source, its beginning, or a copy without the header fields the message's own header
 * withholds (message_prescan.c measures them first).  The parser persists the stream,
 * so part contents are never copied while parsing: each leaf is decoded once, straight
 * from the source, by message_decode.c into a leaf of message_leaves.c (which keeps the
 * paths, the strings and the count against max_parts).
 *
 * Part numbering follows IMAP (RFC 3501 6.4.5): the children of a multipart are
 * "<parent>.1", "<parent>.2", ...; the top multipart has no number of its own, so its
 * children are "1", "2".  A message body that is not multipart (the top-level body or the
 * body of a message/rfc822, message/news, ... part) is "<part>.1", so a single-part
 * message's only leaf is "1" and the single-part body of a message/rfc822 at "2" is
 * "2.1"; a multipart body of that embedded message numbers its children "2.1", "2.2".
 * depth counts the containers (multiparts and message parts) around a leaf: 0 for a
 * single-part message, 1 for a child of the top multipart.  Objects deeper than
 * max_depth (clamped to MESSAGE_DEPTH_CLAMP, which also bounds our recursion; GMime's
 * own parser stops at 1024) are skipped and MESSAGE_LIMIT_DEPTH is set.
 *
 * Every GMimePart is a leaf, bodies and unnamed inline parts included.  Inside each
 * text/plain leaf, "begin NNN name" ... "end" blocks (found by uuscan.c, decoded by
 * message_decode.c; at most LIMIT_MAX_UUENCODED_DEFAULT, one more sets
 * MESSAGE_LIMIT_PARTS) become extra leaves "<path>u1", "<path>u2" right after their
 * parent, at the parent's depth, flagged MV_LEAF_UUENCODED, with encoding "x-uuencode";
 * a block without its "end" line runs to the end of the text and is MV_LEAF_TRUNCATED,
 * as is base64 that ends mid-quantum.
 *
 * Malformed MIME never fails the parse.  Empty input (0 bytes) gives zero leaves.  A
 * header without a body gives one empty text/plain leaf "1".  Non-empty input in which
 * GMime finds no message at all becomes one application/octet-stream leaf "1" holding
 * the raw bytes (MESSAGE_MALFORMED), so the bytes are still scanned.  Structure that
 * readers take in different ways is flagged, each flag a reason to call the message
 * unscannable: a message/partial part (MESSAGE_PARTIAL, RFC 2046 5.2.2); a multipart
 * without a boundary, or with an empty one (MESSAGE_NO_BOUNDARY), parsed again on the
 * boundary that its first "--" line gives, when that gives parts; a multipart whose
 * boundary never appears (MESSAGE_NO_PARTS), its text then a leaf; a "--" line with a
 * control byte (MESSAGE_BAD_DELIMITER, message_prescan.c); two different Content-Type
 * or Content-Transfer-Encoding fields, or boundary parameters, for one part
 * (MESSAGE_CONFLICT: GMime takes the last field and the first parameter).  Then, but
 * for MESSAGE_PARTIAL, the bytes given to GMime are one more leaf "raw", so that
 * libclamav's own mail parser reads the message as clamd would.
 *
 * The header fields of the parts and of the messages inside them get as many fields
 * and bytes together as the message's own header may hold (header_seen, GMime's call
 * per field: past them the parse stops, MESSAGE_LIMIT_HEADER_*); the message's own
 * fields GMime kept are all the rules see.  Only read errors and temp-file failures
 * fail: NULL, err = MV_EIO.  Does not log.  A struct message is not shared between
 * threads; parses in different threads are independent (GMime is initialised once,
 * under GOnce). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "mvlimits.h"
#include "mv.h"
#include "message.h"
#include "message_decode.h"
#include "message_input.h"
#include "message_leaves.h"
#include "message_malformed.h"

/* Recursion bound whatever max_depth says: each level is one small stack frame. */
#define MESSAGE_DEPTH_CLAMP 128u

struct message {
    GMimeParserOptions *options;
    GMimeStream *stream; /* what GMime parses: the caller's bytes, the fd dup, or the
                          * reduced copy (message_input.h) */
    GMimeMessage *gmsg;  /* NULL for empty or unparsable input */
    struct message_leaves leaves;
    unsigned flags; /* MESSAGE_*, but those the leaves set */
    char *subject;
    GPtrArray *header_names;  /* char *, the top-level header fields in order */
    GPtrArray *header_values; /* char *, decoded, valid UTF-8 */
    /* header fields GMime parsed so far below the message's own header (header_seen) */
    guint64 header_fields;
    guint64 header_bytes;
    GMimeStream *parsing; /* borrowed: the stream a parser reads now */
    gint64 top_end;       /* where the message's own header ends in it (0: none there) */
};

/* State of one parse; lives on message_parse_*()'s stack. */
struct walk {
    struct message *m;
    struct message_leaves *lv; /* &m->leaves */
    unsigned max_depth;
    struct message_decode dec; /* the parts' bytes into their leaves */
    struct mv_err *err;
};

/* mime_init_once - GOnce body: g_mime_init() with UTF-8 as GMime's locale charset.
 * GMime takes its "locale charset" from LC_ALL/LC_CTYPE/LANG at init and falls back to
 * it when a declared charset does not convert; without this, the same attachment name
 * would decode one way under systemd (no LANG: iso-8859-1) and another in a terminal,
 * and rules on names would depend on the environment. */
static gpointer mime_init_once(gpointer unused)
{
    char *saved = g_strdup(g_getenv("LC_ALL"));

    (void)unused;
    g_setenv("LC_ALL", "C.UTF-8", TRUE);
    g_mime_init();
    if (saved != NULL)
        g_setenv("LC_ALL", saved, TRUE);
    else
        g_unsetenv("LC_ALL");
    g_free(saved);
    return NULL;
}

/* mime_init - initialise GMime once per process, from any thread */
static void mime_init(void)
{
    static GOnce once = G_ONCE_INIT;

    g_once(&once, mime_init_once, NULL);
}

/* message_init - initialise the parser now (mailvetd: before its threads start, since
 * the initialisation touches the environment) */
void message_init(void)
{
    mime_init();
}

/* part_leaf - one GMimePart at w->path becomes a leaf (plus its uuencoded blocks) */
static enum mv_status part_leaf(struct walk *w, GMimePart *part, unsigned depth)
{
    GMimeObject *obj = GMIME_OBJECT(part);
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    GMimeDataWrapper *content = g_mime_part_get_content(part);
    GMimeStream *raw = content != NULL ? g_mime_data_wrapper_get_stream(content) : NULL;
    struct message_leaf *lf;
    enum mv_status st;
    char *type;

    lf = message_leaves_add(w->lv, w->lv->path->str, depth);
    if (lf == NULL)
        return MV_OK;
    /* GMime decodes RFC 2231 continuations and charsets and RFC 2047 words */
    type = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;
    message_leaf_describe(lf, g_mime_part_get_filename(part), type,
                          g_mime_object_get_disposition(obj),
                          g_mime_object_get_header(obj, "Content-Transfer-Encoding"));
    g_free(type);
    /* RFC 2046 5.2.2: one fragment of a message that exists whole only at the reader */
    if (strcmp(lf->pub.declared_type, "message/partial") == 0)
        w->m->flags |= MESSAGE_PARTIAL;
    if (raw == NULL)
        return MV_OK;
    st = message_decode_stream(&w->dec, raw, g_mime_data_wrapper_get_encoding(content), lf);
    if (st == MV_OK && g_strcmp0(lf->pub.declared_type, "text/plain") == 0)
        st = message_decode_uuencoded(&w->dec, lf);
    return st;
}

/* conflicting - whether OBJ's header gives two different Content-Type or
 * Content-Transfer-Encoding values, or its content type two different boundaries:
 * GMime takes the last field and the first parameter, other readers the other */
static bool conflicting(GMimeObject *obj)
{
    static const char *const names[] = {"Content-Type", "Content-Transfer-Encoding"};
    GMimeHeaderList *list = g_mime_object_get_header_list(obj);
    int count = list != NULL ? g_mime_header_list_get_count(list) : 0;
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    GMimeParamList *params = ct != NULL ? g_mime_content_type_get_parameters(ct) : NULL;
    int nparams = params != NULL ? g_mime_param_list_length(params) : 0;
    const char *first;

    for (size_t k = 0; k < G_N_ELEMENTS(names); k++) {
        first = NULL;
        for (int i = 0; i < count; i++) {
            GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
            const char *v = g_mime_header_get_raw_value(h);

            if (g_ascii_strcasecmp(g_mime_header_get_name(h), names[k]) != 0 || v == NULL)
                continue;
            if (first == NULL)
                first = v;
            else if (!message_same_value(first, v))
                return true;
        }
    }
    first = NULL;
    for (int i = 0; i < nparams; i++) {
        GMimeParam *p = g_mime_param_list_get_parameter_at(params, i);
        const char *v = g_mime_param_get_value(p);

        if (g_ascii_strcasecmp(g_mime_param_get_name(p), "boundary") != 0 || v == NULL)
            continue;
        if (first == NULL)
            first = v;
        else if (strcmp(first, v) != 0)
            return true;
    }
    return false;
}

/* header_seen - GMime's call for every header field it parsed.  The message's own
 * header block was held to the header limits by message_prescan.c already (and every
 * field to LIMIT_MAX_HEADER_LINE); the other blocks (every part's, every embedded
 * message's) together get as much again: past LIMIT_MAX_HEADER_FIELDS or
 * LIMIT_MAX_HEADER_BYTES, the stream being parsed ends where the parser has read to (it
 * has at most a buffer more to go), so that no more fields are built */
static void header_seen(GMimeParser *parser, const char *name, const char *value, gint64 offset,
                        gpointer data)
{
    struct message *m = data;
    GMimeStream *s = m->parsing;

    (void)parser;
    if (offset < m->top_end)
        return;
    m->header_fields++;
    m->header_bytes += strlen(name) + 1 + (value != NULL ? strlen(value) : 0);
    if (m->header_fields > LIMIT_MAX_HEADER_FIELDS)
        m->flags |= MESSAGE_LIMIT_HEADER_FIELDS;
    else if (m->header_bytes > LIMIT_MAX_HEADER_BYTES)
        m->flags |= MESSAGE_LIMIT_HEADER_BYTES;
    else
        return;
    if (s != NULL && (s->bound_end < 0 || g_mime_stream_tell(s) < s->bound_end))
        g_mime_stream_set_bounds(s, s->bound_start, g_mime_stream_tell(s));
}

/* parser_new - a parser of STREAM that keeps contents in it and counts header fields */
static GMimeParser *parser_new(struct message *m, GMimeStream *stream)
{
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);

    /* contents stay in the source stream: nothing is copied while parsing */
    g_mime_parser_set_persist_stream(parser, TRUE);
    g_mime_parser_set_header_regex(parser, "^", header_seen, m);
    return parser;
}

/* reparse_new - the text of multipart MP, which names no boundary, parsed again with
 * the one its first delimiter line gives (message_malformed.c): a new multipart with
 * parts, or NULL.  The text is copied (GMime keeps it as one string); the new parts'
 * streams hold the copy */
static GMimeObject *reparse_new(struct walk *w, GMimeMultipart *mp)
{
    GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(mp));
    GByteArray *bytes =
        message_resplit_new(g_mime_multipart_get_prologue(mp),
                            ct != NULL ? g_mime_content_type_get_media_subtype(ct) : NULL);
    GMimeParser *parser;
    GMimeStream *stream;
    GMimeObject *obj;

    if (bytes == NULL)
        return NULL;
    stream = g_mime_stream_mem_new_with_byte_array(bytes);
    parser = parser_new(w->m, stream);
    w->m->parsing = stream;
    w->m->top_end = 0;
    obj = g_mime_parser_construct_part(parser, w->m->options);
    w->m->parsing = NULL;
    g_object_unref(parser);
    g_object_unref(stream);
    if (obj != NULL &&
        (!GMIME_IS_MULTIPART(obj) || g_mime_multipart_get_count(GMIME_MULTIPART(obj)) <= 0)) {
        g_object_unref(obj);
        obj = NULL;
    }
    return obj;
}

/* partless - multipart MP, in which GMime found no part, is flagged when it holds text:
 * without a boundary parameter (or with an empty one) it is parsed again on the
 * boundary its text suggests (the new multipart, or NULL); with a boundary that never
 * appears, NULL */
static GMimeObject *partless(struct walk *w, GMimeMultipart *mp)
{
    const char *boundary = g_mime_object_get_content_type_parameter(GMIME_OBJECT(mp), "boundary");
    const char *text = g_mime_multipart_get_prologue(mp);

    if (text == NULL || *text == '\0')
        return NULL;
    if (boundary != NULL && *boundary != '\0') {
        w->m->flags |= MESSAGE_NO_PARTS;
        return NULL;
    }
    w->m->flags |= MESSAGE_NO_BOUNDARY;
    return reparse_new(w, mp);
}

/* walk - visit OBJ, whose path is in w->lv->path, inside DEPTH containers */
static enum mv_status walk(struct walk *w, GMimeObject *obj, unsigned depth)
{
    enum mv_status st = MV_OK;

    if (w->lv->stop)
        return MV_OK;
    if (depth > w->max_depth) {
        w->m->flags |= MESSAGE_LIMIT_DEPTH;
        return MV_OK;
    }
    if (conflicting(obj))
        w->m->flags |= MESSAGE_CONFLICT;
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART(obj);
        int n = g_mime_multipart_get_count(mp);

        if (n <= 0) {
            GMimeObject *again = partless(w, mp);
            gsize old;

            if (again != NULL) {
                /* in MP's place: same path, same depth */
                st = walk(w, again, depth);
                g_object_unref(again);
                return st;
            }
            /* its text, if any, as leaf "<path>.1" */
            old = message_leaves_push(w->lv, 1);
            if (depth + 1 > w->max_depth)
                w->m->flags |= MESSAGE_LIMIT_DEPTH;
            else
                st = message_leaves_text(w->lv, g_mime_multipart_get_prologue(mp), depth + 1,
                                         w->err);
            g_string_truncate(w->lv->path, old);
        }
        if (n > 0 && depth + 1 <= w->max_depth)
            st = message_leaves_residue(w->lv, g_mime_multipart_get_prologue(mp), "preamble",
                                        depth + 1, w->err);
        for (int i = 0; i < n && st == MV_OK && !w->lv->stop; i++) {
            gsize old = message_leaves_push(w->lv, (unsigned)i + 1);

            st = walk(w, g_mime_multipart_get_part(mp, i), depth + 1);
            g_string_truncate(w->lv->path, old);
        }
        if (n > 0 && st == MV_OK && !w->lv->stop && depth + 1 <= w->max_depth)
            st = message_leaves_residue(w->lv, g_mime_multipart_get_epilogue(mp), "epilogue",
                                        depth + 1, w->err);
    } else if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage *msg = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
        GMimeObject *body = msg != NULL ? g_mime_message_get_mime_part(msg) : NULL;

        if (body != NULL && GMIME_IS_MULTIPART(body)) {
            /* a multipart body has no number of its own: its children are <path>.N */
            st = walk(w, body, depth + 1);
        } else if (body != NULL) {
            gsize old = message_leaves_push(w->lv, 1);

            st = walk(w, body, depth + 1);
            g_string_truncate(w->lv->path, old);
        }
    } else if (GMIME_IS_PART(obj)) {
        st = part_leaf(w, GMIME_PART(obj), depth);
    }
    return st;
}

/* options_new - lenient parser options: RFC 2047 inside quoted strings, odd parameters */
static GMimeParserOptions *options_new(void)
{
    static const char *charsets[] = {"utf-8", "windows-1252", NULL};
    GMimeParserOptions *o = g_mime_parser_options_new();

    g_mime_parser_options_set_rfc2047_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
    /* raw 8-bit header text: UTF-8 if it is, else the usual Western default */
    g_mime_parser_options_set_fallback_charsets(o, charsets);
    return o;
}

/* Structure that readers take in different ways: the message is kept whole as one
 * more leaf, so that libclamav's own mail parser reads it as clamd would */
#define MESSAGE_IN_DOUBT                                                                           \
    (MESSAGE_NO_BOUNDARY | MESSAGE_NO_PARTS | MESSAGE_BAD_DELIMITER | MESSAGE_CONFLICT)

/* raw_leaf - the bytes given to GMime as leaf "raw" */
static enum mv_status raw_leaf(struct walk *w)
{
    return message_decode_stream(&w->dec, w->m->stream, GMIME_CONTENT_ENCODING_DEFAULT,
                                 message_leaves_raw(w->lv));
}

/* headers_keep - the message's own header fields, decoded, for rules: every one GMime
 * kept, whole (message_prescan.c bounds them: LIMIT_MAX_HEADER_FIELDS fields of
 * LIMIT_MAX_HEADER_BYTES in all) */
static void headers_keep(struct message *m)
{
    GMimeHeaderList *list = g_mime_object_get_header_list(GMIME_OBJECT(m->gmsg));
    int count = list != NULL ? g_mime_header_list_get_count(list) : 0;

    for (int i = 0; i < count; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
        const char *name = g_mime_header_get_name(h);
        const char *value = g_mime_header_get_value(h);

        if (name == NULL)
            continue;
        g_ptr_array_add(m->header_names, message_utf8_dup(name, -1));
        g_ptr_array_add(m->header_values, message_utf8_dup(value != NULL ? value : "", -1));
    }
}

/* given_new - what GMime parses of STREAM (reference taken over), as IN says */
static GMimeStream *given_new(GMimeStream *stream, const struct message_input *in)
{
    GMimeStream *given;

    if (in->reduced >= 0) {
        /* the message's own header block without the fields withheld: the stream owns
         * the temp file */
        given = g_mime_stream_mmap_new_with_bounds(in->reduced, PROT_READ, MAP_PRIVATE, 0, -1);
        if (given == NULL)
            given = g_mime_stream_fs_new_with_bounds(in->reduced, 0, -1);
    } else if (in->cut >= 0) {
        /* only the beginning: the parts beyond are past max_parts anyway, or a part's
         * header field is not to be parsed */
        given = g_mime_stream_substream(stream, 0, in->cut);
    } else {
        return stream;
    }
    g_object_unref(stream);
    return given;
}

/* parse_stream - parse STREAM (reference taken over), whose bytes IN reads for the
 * pass before the parse, into a new struct message */
static struct message *parse_stream(GMimeStream *stream, struct message_input *in,
                                    const struct message_limits *lim, struct mv_err *err)
{
    struct message *m = g_new0(struct message, 1);
    struct walk w = {
        .m = m,
        .lv = &m->leaves,
        .max_depth = MIN(lim->max_depth, MESSAGE_DEPTH_CLAMP),
        .err = err,
    };
    enum mv_status st;
    GMimeObject *body = NULL;
    gint64 len;

    m->options = options_new();
    message_leaves_init(&m->leaves, lim);
    m->header_names = g_ptr_array_new_with_free_func(g_free);
    m->header_values = g_ptr_array_new_with_free_func(g_free);
    st = message_input_prepare(in, lim->max_parts, lim->tmpdir, err);
    m->flags |= in->flags;
    m->top_end = in->top_end;
    m->stream = st == MV_OK ? given_new(stream, in) : stream;
    if (st != MV_OK)
        return message_free(m);
    message_decode_init(&w.dec, &m->leaves, err);
    len = g_mime_stream_length(m->stream);
    if (len != 0) {
        GMimeParser *parser = parser_new(m, m->stream);

        g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
        m->parsing = m->stream;
        m->gmsg = g_mime_parser_construct_message(parser, m->options);
        m->parsing = NULL;
        g_object_unref(parser);
    }
    if (m->gmsg != NULL) {
        m->subject = message_utf8_dup(g_mime_message_get_subject(m->gmsg), -1);
        headers_keep(m);
        body = g_mime_message_get_mime_part(m->gmsg);
    }
    if (body != NULL && GMIME_IS_MULTIPART(body)) {
        st = walk(&w, body, 0);
    } else if (body != NULL) {
        message_leaves_push(w.lv, 1);
        st = walk(&w, body, 0);
    } else if (len != 0) {
        /* GMime found no message: keep the raw bytes so that they are still scanned */
        struct message_leaf *lf;

        m->flags |= MESSAGE_MALFORMED;
        message_leaves_push(w.lv, 1);
        lf = message_leaves_add(w.lv, w.lv->path->str, 0);
        if (lf != NULL) {
            lf->pub.declared_type = g_strdup("application/octet-stream");
            st = message_decode_stream(&w.dec, m->stream, GMIME_CONTENT_ENCODING_DEFAULT, lf);
        }
    }
    if (st == MV_OK && (m->flags & MESSAGE_IN_DOUBT))
        st = raw_leaf(&w);
    message_decode_clear(&w.dec);
    if (st != MV_OK)
        m = message_free(m);
    return m;
}

/* message_parse_bytes - parse bytes borrowed from the caller (they must outlive the message) */
struct message *message_parse_bytes(GByteArray *bytes, const struct message_limits *lim,
                                    struct mv_err *err)
{
    struct message_input in = {.bytes = bytes, .fd = -1};
    GMimeStream *stream;

    if (bytes == NULL || lim == NULL) {
        mv_err_set(err, MV_EBUG, "message_parse_bytes: NULL argument");
        return NULL;
    }
    mime_init();
    stream = g_mime_stream_mem_new_with_byte_array(bytes);
    /* borrowed: GMime must neither copy nor free the caller's array */
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
    return parse_stream(stream, &in, lim, err);
}

/* message_parse_fd - parse a seekable fd from offset 0 (not closed; its dup lives with m) */
struct message *message_parse_fd(int fd, const struct message_limits *lim, struct mv_err *err)
{
    struct message_input in = {.bytes = NULL};
    GMimeStream *stream;
    int dupfd;

    if (fd < 0 || lim == NULL) {
        mv_err_set(err, MV_EBUG, "message_parse_fd: bad argument");
        return NULL;
    }
    if (lseek(fd, 0, SEEK_CUR) < 0) {
        mv_err_set(err, MV_EIO, "message: fd %d is not seekable: %s", fd, g_strerror(errno));
        return NULL;
    }
    dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dupfd < 0) {
        mv_err_set(err, MV_EIO, "message: dup fd %d: %s", fd, g_strerror(errno));
        return NULL;
    }
    mime_init();
    /* the whole file, whatever the offset, mapped: the parse then reads memory, not
     * the file a buffer at a time (read + lseek per GMime buffer of 4 KB).  The pass
     * before it reads the file (message_input.c), so that what GMime is not given
     * (header fields past the limits, say) is never mapped in.  An empty file cannot be
     * mapped; it, or a failed mapping, is read as a file.  The stream owns and closes
     * the dup. */
    stream = g_mime_stream_mmap_new_with_bounds(dupfd, PROT_READ, MAP_PRIVATE, 0, -1);
    if (stream == NULL)
        stream = g_mime_stream_fs_new_with_bounds(dupfd, 0, -1);
    in.fd = dupfd;
    return parse_stream(stream, &in, lim, err);
}

/* message_leaf_count - number of leaves */
size_t message_leaf_count(const struct message *m)
{
    return m != NULL ? m->leaves.all->len : 0;
}

/* message_leaf_get - leaf I (0-based), borrowed for the life of the message; NULL past end */
const struct mv_leaf *message_leaf_get(const struct message *m, size_t i)
{
    const struct message_leaf *lf;

    if (m == NULL || i >= m->leaves.all->len)
        return NULL;
    lf = g_ptr_array_index(m->leaves.all, i);
    return &lf->pub;
}

/* message_flags - MESSAGE_* bits: the limits hit and problems met */
unsigned message_flags(const struct message *m)
{
    return m != NULL ? m->flags | m->leaves.flags : 0;
}

/* message_subject_get - decoded Subject (UTF-8) or NULL; borrowed */
const char *message_subject_get(const struct message *m)
{
    return m != NULL ? m->subject : NULL;
}

/* message_subject_prefixed - PREFIX and the decoded subject, encoded for a header
 * (RFC 2047 where it is not ASCII) */
char *message_subject_prefixed(const struct message *m, const char *prefix)
{
    const char *subject = m != NULL && m->subject != NULL ? m->subject : "";
    char *text = g_strconcat(prefix, subject, NULL);
    char *encoded = g_mime_utils_header_encode_text(NULL, text, "utf-8");

    g_free(text);
    return encoded;
}

/* message_header_count - header fields kept from the top of the message */
size_t message_header_count(const struct message *m)
{
    return m != NULL && m->header_names != NULL ? m->header_names->len : 0;
}

/* message_header_name - name of header field I as written */
const char *message_header_name(const struct message *m, size_t i)
{
    return i < message_header_count(m) ? g_ptr_array_index(m->header_names, i) : NULL;
}

/* message_header_value - decoded value of header field I */
const char *message_header_value(const struct message *m, size_t i)
{
    return i < message_header_count(m) ? g_ptr_array_index(m->header_values, i) : NULL;
}

/* message_free - release the leaves, their bytes and the GMime objects; returns NULL */
struct message *message_free(struct message *m)
{
    if (m == NULL)
        return NULL;
    message_leaves_clear(&m->leaves);
    if (m->gmsg != NULL)
        g_object_unref(m->gmsg);
    if (m->stream != NULL)
        g_object_unref(m->stream);
    if (m->options != NULL)
        g_mime_parser_options_free(m->options);
    g_free(m->subject);
    if (m->header_names != NULL)
        g_ptr_array_free(m->header_names, TRUE);
    if (m->header_values != NULL)
        g_ptr_array_free(m->header_values, TRUE);
    g_free(m);
    return NULL;
}
