/* tmpfile.c - unlinked temporary files: O_TMPFILE, or mkostemp + unlink where the
 * file system lacks it.  Used by spool.c and message_input.c; the caller owns the fd. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <glib.h>

#include "tmpfile.h"

/* tmpfile_open - unlinked temp file in DIR */
int tmpfile_open(const char *dir, const char *prefix)
{
    char *tmpl;
    int fd, saved;

#ifdef O_TMPFILE
    fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
#endif
    tmpl = g_strdup_printf("%s/%s-XXXXXX", dir, prefix);
    fd = mkostemp(tmpl, O_CLOEXEC);
    saved = errno;
    if (fd >= 0)
        unlink(tmpl);
    g_free(tmpl);
    errno = saved;
    return fd;
}

/* tmpfile_write_all - the whole buffer or failure */
bool tmpfile_write_all(int fd, const void *data, size_t n)
{
    const char *p = data;

    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}
