/* config_user.c - the ids of the user and group mailvet.yaml names (config.h), as
 * mailvetd, mailvet check-config and mailvet-console take them when root starts them.
 * Looked up only: no id is taken here, and nothing logged. */
#include <grp.h>
#include <pwd.h>

#include "config.h"

bool config_user_ids(const struct mv_config *cfg, uid_t *uid, gid_t *gid, struct mv_err *err)
{
    struct passwd *pw = getpwnam(cfg->user);

    if (pw == NULL) {
        mv_err_set(err, MV_ECONFIG,
                   "%s: user: no such user: %s; create it (adduser --system --group %s) or "
                   "set user: to one that exists (\"\" keeps the user that starts it)",
                   cfg->file, cfg->user, cfg->user);
        return false;
    }
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    if (cfg->group[0] != '\0') {
        struct group *gr = getgrnam(cfg->group);

        if (gr == NULL) {
            mv_err_set(err, MV_ECONFIG,
                       "%s: group: no such group: %s; create it (addgroup --system %s) or set "
                       "group: to one that exists (\"\" takes the user's own)",
                       cfg->file, cfg->group, cfg->group);
            return false;
        }
        *gid = gr->gr_gid;
    }
    return true;
}
