/* spool.h - assemble one message from milter chunks.
 * spool_new() starts in memory; spool_append() spills to an unlinked temp file in
 * tmpdir once the memory part would exceed mem_max, and stops storing (MV_TOOBIG, the
 * message is then unscannable) beyond size_max.  At end of message the bytes are
 * read back either as the in-memory GByteArray or through the file descriptor.
 * Owner: struct session_txn (or mailvet scan).  Not shared between threads. */
#ifndef MV_SPOOL_H
#define MV_SPOOL_H

#include <glib.h>

#include "mv.h"

struct spool;

struct spool *spool_new(const char *tmpdir, size_t mem_max, size_t size_max);
/* spool_append - add bytes; MV_TOOBIG once size_max is passed (later bytes are counted, not kept)
 */
enum mv_status spool_append(struct spool *sp, const void *data, size_t len, struct mv_err *err);
/* spool_size - bytes offered so far, including any not kept past size_max */
size_t spool_size(const struct spool *sp);
bool spool_truncated(const struct spool *sp);
bool spool_spilled(const struct spool *sp);
/* spool_bytes_get - the in-memory bytes, or NULL when spilled; borrowed */
GByteArray *spool_bytes_get(struct spool *sp);
/* spool_fd_get - the temp file (rewound to 0), or -1 when in memory; borrowed */
int spool_fd_get(struct spool *sp);
struct spool *spool_free(struct spool *sp);

#endif
