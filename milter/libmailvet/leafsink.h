/* leafsink.h - the decoded bytes of one leaf on their way into memory or a temp file.
 * leafsink_init() starts an empty sink; leafsink_write() appends decoded bytes, in
 * memory up to MEM_MAX (or until memory is refused), then in an unlinked temp file in
 * TMPDIR; leafsink_finish() hands them over, mmapped read-only if they went to a
 * file, as a struct leafsink_bytes with their SHA-256 (digest.h).  The sink owns its
 * bytes until leafsink_finish(); leafsink_clear() drops what it still holds (safe
 * after a finish, and twice).  The leafsink_bytes own theirs until
 * leafsink_bytes_free().  message_decode.c decodes each leaf through one sink.  Errors
 * (MV_EIO): the temp file cannot be made, written or mapped; their text starts with
 * "message:", the module whose parse fails.  Does not log.  Not shared between
 * threads. */
#ifndef MV_LEAFSINK_H
#define MV_LEAFSINK_H

#include <stdbool.h>
#include <stddef.h>

#include "digest.h"
#include "mv.h"

struct leafsink {
    unsigned char *buf; /* bytes in memory (g_try_malloc'd), NULL once spilled */
    size_t len;
    size_t cap;
    int fd;      /* the temp file, -1 until spilled */
    size_t size; /* bytes written in all */
    struct digest *sum;
    size_t mem_max;     /* bytes kept in memory at most */
    const char *tmpdir; /* borrowed; NULL: g_get_tmp_dir() */
};

/* One leaf's bytes once decoded. */
struct leafsink_bytes {
    const unsigned char *data; /* the bytes, never NULL ("" when there are none) */
    size_t size;
    bool lost;          /* spilled, but no address space to map them: empty */
    unsigned char *mem; /* owned: the memory behind data, or NULL */
    void *map;          /* owned: the private mapping behind data, or NULL */
    size_t map_len;
};

/* leafsink_init - empty sink S; HINT is an upper bound of the decoded size (0 if
 * unknown) that sizes the first buffer */
void leafsink_init(struct leafsink *s, size_t mem_max, const char *tmpdir, size_t hint);
/* leafsink_write - append N bytes at P; MV_EIO (ERR filled) when the temp file fails */
enum mv_status leafsink_write(struct leafsink *s, const void *p, size_t n, struct mv_err *err);
/* leafsink_finish - hand the bytes to OUT and their hex SHA-256 to SHA256 ("" if the
 * digest failed: such a leaf is not cached); S is left empty.  A file that cannot be
 * mapped for lack of address space gives empty bytes with OUT->lost and MV_OK; any
 * other failure to map it is MV_EIO */
enum mv_status leafsink_finish(struct leafsink *s, struct leafsink_bytes *out,
                               char sha256[DIGEST_HEX_LEN + 1], struct mv_err *err);
/* leafsink_clear - drop whatever S still holds */
void leafsink_clear(struct leafsink *s);
/* leafsink_bytes_free - release what leafsink_finish() put in B; B is left empty */
void leafsink_bytes_free(struct leafsink_bytes *b);

#endif
