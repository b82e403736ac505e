/* tmpfile.h - private temporary files for sender-sized data (spool, large leaves).
 * The file never has a name that outlives its creation, so nothing is left behind
 * when the process dies. */
#ifndef MV_TMPFILE_H
#define MV_TMPFILE_H

#include <stdbool.h>
#include <stddef.h>

/* tmpfile_open - an unlinked read/write file in DIR (mode 0600), -1 with errno set */
int tmpfile_open(const char *dir, const char *prefix);
/* tmpfile_write_all - write N bytes, retrying short writes and EINTR; false with errno */
bool tmpfile_write_all(int fd, const void *data, size_t n);

#endif
