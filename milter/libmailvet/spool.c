/* spool.c - assemble one message from milter chunks.
 * spool_new() starts in memory; spool_append() spills to an unlinked temp file in
 * tmpdir once the message would pass mem_max, so a large message costs a file, not
 * memory, per connection.  Past size_max nothing more is kept (spool_truncated(),
 * MV_TOOBIG: the message becomes unscannable) but the size is still counted.
 * spool_free() releases both and returns NULL.  Owner: struct session_txn or mailvet scan.
 * Not shared between threads.  Errors: MV_EIO, MV_ENOMEM (tempfail), MV_TOOBIG. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"
#include "tmpfile.h"

struct spool {
    char *tmpdir;
    size_t mem_max;
    size_t size_max;
    size_t offered;  /* all bytes offered, kept or not */
    size_t kept;     /* bytes stored, <= size_max */
    GByteArray *mem; /* until spilled */
    int fd;          /* after spilling, -1 before */
};

/* spool_new - empty spool that starts in memory */
struct spool *spool_new(const char *tmpdir, size_t mem_max, size_t size_max)
{
    struct spool *sp = g_new0(struct spool, 1);

    sp->tmpdir = g_strdup(tmpdir);
    sp->mem_max = mem_max;
    sp->size_max = size_max;
    sp->mem = g_byte_array_new();
    sp->fd = -1;
    return sp;
}

/* spool_spill - move the memory buffer to a temp file */
static enum mv_status spool_spill(struct spool *sp, struct mv_err *err)
{
    int fd = tmpfile_open(sp->tmpdir, "mailvet-spool");

    if (fd < 0)
        return mv_err_set(err, MV_EIO, "spool: cannot create temp file in %s: %s", sp->tmpdir,
                          strerror(errno));
    if (!tmpfile_write_all(fd, sp->mem->data, sp->mem->len)) {
        int e = errno;
        close(fd);
        return mv_err_set(err, MV_EIO, "spool: write to temp file in %s: %s", sp->tmpdir,
                          strerror(e));
    }
    g_byte_array_free(sp->mem, TRUE);
    sp->mem = NULL;
    sp->fd = fd;
    return MV_OK;
}

/* spool_append - add a chunk; spills above mem_max, keeps nothing above size_max */
enum mv_status spool_append(struct spool *sp, const void *data, size_t len, struct mv_err *err)
{
    size_t room;
    enum mv_status st;

    sp->offered = sp->offered > SIZE_MAX - len ? SIZE_MAX : sp->offered + len;
    room = sp->size_max - sp->kept;
    if (len > room)
        len = room;
    if (len > 0) {
        if (sp->fd < 0 && sp->kept + len > sp->mem_max) {
            st = spool_spill(sp, err);
            if (st != MV_OK)
                return st;
        }
        if (sp->fd >= 0) {
            if (!tmpfile_write_all(sp->fd, data, len))
                return mv_err_set(err, MV_EIO, "spool: write to temp file in %s: %s", sp->tmpdir,
                                  strerror(errno));
        } else {
            g_byte_array_append(sp->mem, data, (guint)len);
        }
        sp->kept += len;
    }
    if (sp->offered > sp->size_max)
        return mv_err_set(err, MV_TOOBIG, "spool: message larger than %zu bytes", sp->size_max);
    return MV_OK;
}

/* spool_size - bytes offered so far */
size_t spool_size(const struct spool *sp)
{
    return sp->offered;
}

/* spool_truncated - whether bytes past size_max were dropped */
bool spool_truncated(const struct spool *sp)
{
    return sp->offered > sp->kept;
}

/* spool_spilled - whether the message lives in a temp file */
bool spool_spilled(const struct spool *sp)
{
    return sp->fd >= 0;
}

/* spool_bytes_get - the in-memory message, NULL once spilled */
GByteArray *spool_bytes_get(struct spool *sp)
{
    return sp->mem;
}

/* spool_fd_get - the temp file rewound to its start, -1 while in memory */
int spool_fd_get(struct spool *sp)
{
    if (sp->fd >= 0 && lseek(sp->fd, 0, SEEK_SET) < 0)
        return -1;
    return sp->fd;
}

/* spool_free - release memory and temp file */
struct spool *spool_free(struct spool *sp)
{
    if (sp == NULL)
        return NULL;
    if (sp->mem != NULL)
        g_byte_array_free(sp->mem, TRUE);
    if (sp->fd >= 0)
        close(sp->fd);
    g_free(sp->tmpdir);
    g_free(sp);
    return NULL;
}
