/* generation_as.c - a generation read with the ids of the user mailvetd runs as
 * (generation_as.h): the user looked up, its effective uid, gid and groups taken for
 * the time of generation_build(), root's given back after.  Only the effective ids
 * change, so root can take its own back; the caller must be root. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <unistd.h>

#include <glib.h>

#include "generation_as.h"

struct generation *generation_build_as(const char *config_path, const char *database,
                                       const char *user, uid_t uid, gid_t gid, struct mv_err *err)
{
    gid_t groups[NGROUPS_MAX];
    int n = getgroups(NGROUPS_MAX, groups);
    gid_t egid = getegid();
    struct generation *g = NULL;
    int fd;

    if (n < 0 || initgroups(user, gid) != 0 || setegid(gid) != 0 || seteuid(uid) != 0) {
        mv_err_set(err, MV_ECONFIG, "cannot take the ids of user %s to read the files: %s", user,
                   g_strerror(errno));
        /* what was taken before the failure is given back below */
    } else {
        fd = open(config_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 && errno == EACCES) {
            int e = errno;
            struct group *gr = getgrgid(gid);

            mv_err_set(err, MV_ECONFIG,
                       "%s: cannot read it as user %s (%s); let %s read it (chgrp %s %s; chmod "
                       "g+r %s): every reload reads it as that user",
                       config_path, user, g_strerror(e), user, gr != NULL ? gr->gr_name : "GROUP",
                       config_path, config_path);
        } else {
            g = generation_build(config_path, database, err);
        }
        if (fd >= 0)
            close(fd);
    }
    if (seteuid(0) != 0 || setegid(egid) != 0 || (n >= 0 && setgroups((size_t)n, groups) != 0)) {
        int e = errno;

        g = generation_release(g);
        mv_err_set(err, MV_EBUG, "cannot return to root's ids after reading as %s: %s", user,
                   g_strerror(e));
    }
    return g;
}
