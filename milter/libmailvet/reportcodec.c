/* reportcodec.c - a struct scan_report as compact bytes and back.
 * A small length-prefixed binary format rather than JSON: the heads are binary (up to
 * SCAN_HEAD_BYTES each, base64 would add a third), a decoder of a dozen fields is easy
 * to make strict, and a report of a few objects stays a few hundred bytes plus heads.
 *
 *   report  = u8 version (2), uint max_depth, ostr detected_type, list signatures,
 *             uint n, n * object
 *   object  = ostr path, ostr name, ostr type, uint size, uint depth, uint attributes,
 *             u8 flags (1 encrypted, 2 decrypted, 4 type_mismatch), list signatures,
 *             ohead head, uint n, n * decoded
 *   decoded = uint kind (enum scan_decoded), uint len, len bytes (len <= SCAN_WINDOW_MAX,
 *             kinds ascending, each once)
 *   uint    = unsigned LEB128, at most 64 bits, shortest form
 *   list    = uint n, n * (uint len, len bytes)        strings, never NULL
 *   ostr    = uint 0 for NULL, else uint len + 1, len bytes
 *   ohead   = uint 0 for NULL, else uint len + 1, len bytes (len <= SCAN_WINDOW_MAX)
 *
 * Strings are UTF-8 without NUL; both sides check the bounds of reportcodec.h, so an
 * encoding always decodes and a decoded report is one the encoder could have made.
 * The value must be consumed exactly: trailing bytes are an error. */
#include <limits.h>
#include <string.h>

#include <glib.h>

#include "mv.h"
#include "reportcodec.h"
#include "scan.h"

#define FLAG_ENCRYPTED 0x1u
#define FLAG_DECRYPTED 0x2u
#define FLAG_TYPE_MISMATCH 0x4u
#define FLAGS_ALL (FLAG_ENCRYPTED | FLAG_DECRYPTED | FLAG_TYPE_MISMATCH)

/* The encoder's output: bytes after START in OUT, no more than MAX of them. */
struct writer {
    GByteArray *out;
    guint start;
    uint64_t max;
    bool toobig; /* stopped by MAX, not by what the report holds */
};

/* room - whether N more bytes fit under the writer's maximum */
static bool room(struct writer *w, uint64_t n, struct mv_err *err)
{
    if (n > w->max || w->out->len - w->start > w->max - n) {
        mv_err_set(err, MV_TOOBIG, "reportcodec: encoding above %llu bytes",
                   (unsigned long long)w->max);
        w->toobig = true;
        return false;
    }
    return true;
}

/* uint_size - bytes of V as LEB128 */
static uint64_t uint_size(uint64_t v)
{
    uint64_t n = 1;

    while (v >>= 7)
        n++;
    return n;
}

/* put_uint - V as LEB128 */
static void put_uint(GByteArray *out, uint64_t v)
{
    guint8 b[10];
    guint n = 0;

    do {
        b[n] = (guint8)(v & 0x7f);
        v >>= 7;
        if (v != 0)
            b[n] |= 0x80;
        n++;
    } while (v != 0);
    g_byte_array_append(out, b, n);
}

/* text_ok - S is something the decoder accepts: UTF-8, no NUL, within the bound */
static bool text_ok(const char *s, size_t *len)
{
    *len = strlen(s);
    return *len <= REPORTCODEC_MAX_STRING && g_utf8_validate(s, (gssize)*len, NULL);
}

/* put_text - S (may be NULL when OPTIONAL) */
static bool put_text(struct writer *w, const char *s, bool optional, const char *what,
                     struct mv_err *err)
{
    GByteArray *out = w->out;
    size_t len;

    if (s == NULL) {
        if (!optional) {
            mv_err_set(err, MV_EPARSE, "reportcodec: %s is NULL", what);
            return false;
        }
        put_uint(out, 0);
        return true;
    }
    if (!text_ok(s, &len)) {
        mv_err_set(err, MV_EPARSE, "reportcodec: %s is not UTF-8 or longer than %u bytes", what,
                   REPORTCODEC_MAX_STRING);
        return false;
    }
    if (!room(w, uint_size(optional ? (uint64_t)len + 1 : len) + len, err))
        return false;
    put_uint(out, optional ? (uint64_t)len + 1 : len);
    g_byte_array_append(out, (const guint8 *)s, (guint)len);
    return true;
}

/* put_list - a list of strings (NULL for none: encoded as empty) */
static bool put_list(struct writer *w, const GPtrArray *list, const char *what, struct mv_err *err)
{
    guint n = list != NULL ? list->len : 0;

    if (n > REPORTCODEC_MAX_SIGNATURES) {
        mv_err_set(err, MV_EPARSE, "reportcodec: more than %u %s", REPORTCODEC_MAX_SIGNATURES,
                   what);
        return false;
    }
    if (!room(w, uint_size(n), err))
        return false;
    put_uint(w->out, n);
    for (guint i = 0; i < n; i++)
        if (!put_text(w, g_ptr_array_index(list, i), false, what, err))
            return false;
    return true;
}

/* put_object - one object, its archive left out */
static bool put_object(struct writer *w, const struct scan_object *o, unsigned max_depth,
                       struct mv_err *err)
{
    GByteArray *out = w->out;
    unsigned flags = (o->encrypted ? FLAG_ENCRYPTED : 0) | (o->decrypted ? FLAG_DECRYPTED : 0) |
                     (o->type_mismatch ? FLAG_TYPE_MISMATCH : 0);
    guint8 fb = (guint8)flags;

    if (o->depth > max_depth) {
        mv_err_set(err, MV_EPARSE, "reportcodec: object depth %u above the report's %u", o->depth,
                   max_depth);
        return false;
    }
    if (!put_text(w, o->path, true, "object path", err) ||
        !put_text(w, o->name, true, "object name", err) ||
        !put_text(w, o->type, true, "object type", err) ||
        !room(w, uint_size(o->size) + uint_size(o->depth) + uint_size(o->attributes) + 1, err))
        return false;
    put_uint(out, o->size);
    put_uint(out, o->depth);
    put_uint(out, o->attributes);
    g_byte_array_append(out, &fb, 1);
    if (!put_list(w, o->signatures, "object signatures", err))
        return false;
    if (o->head == NULL) {
        if (!room(w, 1, err))
            return false;
        put_uint(out, 0);
    } else {
        gsize hlen;
        const guint8 *h = g_bytes_get_data(o->head, &hlen);

        if (hlen > SCAN_WINDOW_MAX) {
            mv_err_set(err, MV_EPARSE, "reportcodec: head of %zu bytes", (size_t)hlen);
            return false;
        }
        if (!room(w, uint_size((uint64_t)hlen + 1) + hlen, err))
            return false;
        put_uint(out, (uint64_t)hlen + 1);
        if (hlen > 0)
            g_byte_array_append(out, h, (guint)hlen);
    }
    {
        unsigned nd = 0;

        for (unsigned k = 0; k < SCAN_DECODED_N; k++)
            nd += o->decoded[k] != NULL;
        if (!room(w, 1, err))
            return false;
        put_uint(out, nd);
        for (unsigned k = 0; k < SCAN_DECODED_N; k++) {
            const GByteArray *d = o->decoded[k];

            if (d == NULL)
                continue;
            if (d->len > SCAN_WINDOW_MAX) {
                mv_err_set(err, MV_EPARSE, "reportcodec: decoded field of %u bytes", d->len);
                return false;
            }
            if (!room(w, 1 + uint_size(d->len) + d->len, err))
                return false;
            put_uint(out, k);
            put_uint(out, d->len);
            g_byte_array_append(out, d->data, d->len);
        }
    }
    return true;
}

/* reportcodec_encode - REP after OUT's bytes, or OUT unchanged and an error */
enum mv_status reportcodec_encode(const struct scan_report *rep, uint64_t max, GByteArray *out,
                                  struct mv_err *err)
{
    struct writer w = {.out = out, .start = out->len, .max = max};
    guint n = rep->objects != NULL ? rep->objects->len : 0;
    guint8 version = REPORTCODEC_VERSION;

    if (n > REPORTCODEC_MAX_OBJECTS || rep->max_depth > REPORTCODEC_MAX_DEPTH) {
        mv_err_set(err, MV_EPARSE, "reportcodec: %u objects, depth %u: over the bounds", n,
                   rep->max_depth);
        return MV_EPARSE;
    }
    if (!room(&w, 1 + uint_size(rep->max_depth), err))
        return MV_TOOBIG;
    g_byte_array_append(out, &version, 1);
    put_uint(out, rep->max_depth);
    if (!put_text(&w, rep->detected_type, true, "detected type", err) ||
        !put_list(&w, rep->signatures, "signatures", err) || !room(&w, uint_size(n), err))
        goto fail;
    put_uint(out, n);
    for (guint i = 0; i < n; i++)
        if (!put_object(&w, g_ptr_array_index(rep->objects, i), rep->max_depth, err))
            goto fail;
    return MV_OK;
fail:
    g_byte_array_set_size(out, w.start);
    return w.toobig ? MV_TOOBIG : MV_EPARSE;
}

/* The decoder's cursor: P up to END, and what went wrong first. */
struct reader {
    const guint8 *p;
    const guint8 *end;
    const char *error; /* static text, NULL while fine */
};

static bool fail(struct reader *r, const char *why)
{
    if (r->error == NULL)
        r->error = why;
    return false;
}

/* get_uint - one LEB128 number in its shortest form, at most 64 bits */
static bool get_uint(struct reader *r, uint64_t *v)
{
    uint64_t x = 0;

    for (unsigned shift = 0; shift < 64; shift += 7) {
        guint8 b;

        if (r->p >= r->end)
            return fail(r, "truncated number");
        b = *r->p++;
        if (shift == 63 && (b & 0xfe) != 0)
            return fail(r, "number over 64 bits");
        x |= (uint64_t)(b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
            if (b == 0 && shift > 0)
                return fail(r, "number not in shortest form");
            *v = x;
            return true;
        }
    }
    return fail(r, "number over 64 bits");
}

/* get_bounded - a number no larger than MAX */
static bool get_bounded(struct reader *r, uint64_t max, uint64_t *v)
{
    if (!get_uint(r, v))
        return false;
    if (*v > max)
        return fail(r, "number out of range");
    return true;
}

/* get_bytes - LEN bytes, borrowed */
static bool get_bytes(struct reader *r, uint64_t len, const guint8 **out)
{
    if (len > (uint64_t)(r->end - r->p))
        return fail(r, "truncated string");
    *out = r->p;
    r->p += len;
    return true;
}

/* get_text_len - LEN bytes of UTF-8 without NUL, as a new string */
static bool get_text_len(struct reader *r, uint64_t len, char **out)
{
    const guint8 *b;

    if (len > REPORTCODEC_MAX_STRING)
        return fail(r, "string too long");
    if (!get_bytes(r, len, &b))
        return false;
    if (memchr(b, 0, len) != NULL || !g_utf8_validate((const char *)b, (gssize)len, NULL))
        return fail(r, "string not UTF-8");
    *out = g_strndup((const char *)b, len);
    return true;
}

/* get_ostr - NULL or a string */
static bool get_ostr(struct reader *r, char **out)
{
    uint64_t n;

    *out = NULL;
    if (!get_bounded(r, (uint64_t)REPORTCODEC_MAX_STRING + 1, &n))
        return false;
    return n == 0 || get_text_len(r, n - 1, out);
}

/* get_list - strings appended to LIST */
static bool get_list(struct reader *r, GPtrArray *list)
{
    uint64_t n;

    if (!get_bounded(r, REPORTCODEC_MAX_SIGNATURES, &n))
        return false;
    if (n > (uint64_t)(r->end - r->p)) /* each string takes a byte at least */
        return fail(r, "list longer than the value");
    for (uint64_t i = 0; i < n; i++) {
        uint64_t len;
        char *s;

        if (!get_uint(r, &len) || !get_text_len(r, len, &s))
            return false;
        g_ptr_array_add(list, s);
    }
    return true;
}

/* get_object - one object appended to REP */
static bool get_object(struct reader *r, struct scan_report *rep, unsigned max_depth)
{
    char *path = NULL, *name = NULL, *type = NULL;
    uint64_t size, depth, attributes, hlen, nd;
    const guint8 *h;
    struct scan_object *o;
    bool ok = false;

    if (!get_ostr(r, &path) || !get_ostr(r, &name) || !get_ostr(r, &type) || !get_uint(r, &size) ||
        !get_bounded(r, max_depth, &depth) || !get_bounded(r, UINT_MAX, &attributes))
        goto out;
    if (r->p >= r->end) {
        fail(r, "truncated object");
        goto out;
    }
    if ((*r->p & ~FLAGS_ALL) != 0) {
        fail(r, "unknown object flags");
        goto out;
    }
    o = scan_object_append(rep, path, name, type, size, (unsigned)depth);
    o->encrypted = (*r->p & FLAG_ENCRYPTED) != 0;
    o->decrypted = (*r->p & FLAG_DECRYPTED) != 0;
    o->type_mismatch = (*r->p & FLAG_TYPE_MISMATCH) != 0;
    o->attributes = (unsigned)attributes;
    r->p++;
    if (!get_list(r, o->signatures) || !get_bounded(r, (uint64_t)SCAN_WINDOW_MAX + 1, &hlen))
        goto out;
    if (hlen > 0) {
        if (!get_bytes(r, hlen - 1, &h))
            goto out;
        o->head = g_bytes_new(h, hlen - 1);
    }
    if (!get_bounded(r, SCAN_DECODED_N, &nd))
        goto out;
    for (uint64_t i = 0, next = 0; i < nd; i++) {
        uint64_t kind, dlen;

        if (!get_bounded(r, SCAN_DECODED_N - 1, &kind) || !get_bounded(r, SCAN_WINDOW_MAX, &dlen))
            goto out;
        if (kind < next) {
            fail(r, "decoded fields out of order");
            goto out;
        }
        if (!get_bytes(r, dlen, &h))
            goto out;
        o->decoded[kind] = g_byte_array_sized_new((guint)dlen);
        g_byte_array_append(o->decoded[kind], h, (guint)dlen);
        next = kind + 1;
    }
    ok = true;
out:
    g_free(path);
    g_free(name);
    g_free(type);
    return ok;
}

/* reportcodec_decode - a whole value, or nothing */
enum mv_status reportcodec_decode(const void *data, size_t len, struct scan_report *rep,
                                  struct mv_err *err)
{
    struct reader r = {.p = data, .end = data, .error = NULL};
    uint64_t max_depth, n;
    bool ok = false;

    scan_report_init(rep);
    if (len == 0 || data == NULL) {
        fail(&r, "empty value");
        goto out;
    }
    r.end = r.p + len;
    if (*r.p++ != REPORTCODEC_VERSION) {
        fail(&r, "unknown format version");
        goto out;
    }
    if (!get_bounded(&r, REPORTCODEC_MAX_DEPTH, &max_depth) || !get_ostr(&r, &rep->detected_type) ||
        !get_list(&r, rep->signatures) || !get_bounded(&r, REPORTCODEC_MAX_OBJECTS, &n))
        goto out;
    if (n > (uint64_t)(r.end - r.p) / 9) { /* an object takes 9 bytes at least */
        fail(&r, "more objects than the value holds");
        goto out;
    }
    for (uint64_t i = 0; i < n; i++)
        if (!get_object(&r, rep, (unsigned)max_depth))
            goto out;
    if (r.p != r.end) {
        fail(&r, "trailing bytes");
        goto out;
    }
    rep->max_depth = (unsigned)max_depth; /* objects raised it to their deepest, no more */
    ok = true;
out:
    if (ok)
        return MV_OK;
    scan_report_clear(rep);
    return mv_err_set(err, MV_EPARSE, "reportcodec: malformed value at byte %td: %s",
                      r.p - (const guint8 *)data, r.error);
}
