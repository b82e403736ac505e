/* leafsink.c - one leaf's decoded bytes: memory, then an unlinked temp file mmapped.
 * The memory buffer starts at the caller's hint (bounded by mem_max) and doubles, at
 * least to 4 KiB, never past mem_max.  Past mem_max, or when g_try_realloc refuses,
 * the bytes go to a temp file (tmpfile.h): writing to a file needs no more memory,
 * so a leaf never fails for lack of it.  leafsink_finish() gives back a buffer with
 * more than 4 KiB of slack shrunk to fit, or maps the file read-only and closes it
 * (the mapping keeps the unlinked file alive).  The SHA-256 is computed as the bytes
 * come in, so nothing is read twice.  Does not log (see leafsink.h). */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib.h>

#include "leafsink.h"
#include "tmpfile.h"

/* leafsink_init - empty sink; HINT is an upper bound of the decoded size, 0 if unknown */
void leafsink_init(struct leafsink *s, size_t mem_max, const char *tmpdir, size_t hint)
{
    memset(s, 0, sizeof(*s));
    s->fd = -1;
    s->sum = digest_new();
    s->mem_max = mem_max;
    s->tmpdir = tmpdir;
    hint = MIN(hint, mem_max);
    if (hint > 0) {
        s->buf = g_try_malloc(hint);
        s->cap = s->buf != NULL ? hint : 0;
    }
}

/* leafsink_clear - drop whatever the sink still holds */
void leafsink_clear(struct leafsink *s)
{
    g_free(s->buf);
    s->buf = NULL;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    s->sum = digest_free(s->sum);
}

/* spill - move the in-memory bytes to a new temp file */
static enum mv_status spill(struct leafsink *s, struct mv_err *err)
{
    const char *dir = s->tmpdir != NULL ? s->tmpdir : g_get_tmp_dir();

    s->fd = tmpfile_open(dir, "mailvet-leaf");
    if (s->fd < 0)
        return mv_err_set(err, MV_EIO, "message: temp file in %s: %s", dir, g_strerror(errno));
    if (!tmpfile_write_all(s->fd, s->buf, s->len))
        return mv_err_set(err, MV_EIO, "message: write temp file in %s: %s", dir,
                          g_strerror(errno));
    g_free(s->buf);
    s->buf = NULL;
    s->len = s->cap = 0;
    return MV_OK;
}

/* leafsink_write - append N decoded bytes: memory up to mem_max, then the temp file */
enum mv_status leafsink_write(struct leafsink *s, const void *p, size_t n, struct mv_err *err)
{
    enum mv_status st;

    if (n == 0)
        return MV_OK;
    digest_update(s->sum, p, n);
    s->size += n;
    if (s->fd < 0 && s->len + n > s->cap && s->len + n <= s->mem_max) {
        size_t cap = MAX(MAX(s->cap * 2, s->len + n), (size_t)4096);
        unsigned char *grown;

        cap = MIN(cap, s->mem_max);
        grown = g_try_realloc(s->buf, cap);
        if (grown != NULL) {
            s->buf = grown;
            s->cap = cap;
        }
    }
    if (s->fd < 0 && s->len + n <= s->cap) {
        memcpy(s->buf + s->len, p, n);
        s->len += n;
        return MV_OK;
    }
    /* above mem_max, or memory refused: a file needs no more memory */
    if (s->fd < 0 && (st = spill(s, err)) != MV_OK)
        return st;
    if (!tmpfile_write_all(s->fd, p, n))
        return mv_err_set(err, MV_EIO, "message: write temp file: %s", g_strerror(errno));
    return MV_OK;
}

/* leafsink_finish - hand the bytes to OUT and their SHA-256 to SHA256; S is left empty */
enum mv_status leafsink_finish(struct leafsink *s, struct leafsink_bytes *out,
                               char sha256[DIGEST_HEX_LEN + 1], struct mv_err *err)
{
    enum mv_status st = MV_OK;

    memset(out, 0, sizeof(*out));
    out->data = (const unsigned char *)"";
    digest_finish(s->sum, sha256); /* "" if it failed: the leaf is not cached */
    s->sum = NULL;
    if (s->fd >= 0) {
        void *map = mmap(NULL, s->size, PROT_READ, MAP_PRIVATE, s->fd, 0);

        if (map == MAP_FAILED && errno == ENOMEM) {
            out->lost = true; /* no address space: the bytes are lost */
        } else if (map == MAP_FAILED) {
            st = mv_err_set(err, MV_EIO, "message: mmap temp file: %s", g_strerror(errno));
        } else {
            out->map = map;
            out->map_len = s->size;
            out->data = map;
            out->size = s->size;
        }
    } else if (s->len > 0) {
        unsigned char *fit = s->cap - s->len > 4096 ? g_try_realloc(s->buf, s->len) : NULL;

        out->mem = fit != NULL ? fit : s->buf;
        s->buf = NULL;
        out->data = out->mem;
        out->size = s->len;
    }
    leafsink_clear(s);
    return st;
}

/* leafsink_bytes_free - unmap or free the bytes; B is left empty */
void leafsink_bytes_free(struct leafsink_bytes *b)
{
    if (b->map != NULL)
        munmap(b->map, b->map_len);
    g_free(b->mem);
    memset(b, 0, sizeof(*b));
    b->data = (const unsigned char *)"";
}
