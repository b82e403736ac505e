/* generation_as.h - a generation read with the ids of the user mailvetd runs as.
 * mailvetd starts as root and becomes the user of "user:" in mailvet.yaml; every
 * reload then reads the configuration, the policy and the signatures as that user.
 * So its first generation is read as that user too (mailvetd, mailvetd -n), and so is
 * mailvet check-config's when root runs it: a file or directory only root can read is
 * refused by all three, the same way, before the first reload would find it. */
#ifndef MV_GENERATION_AS_H
#define MV_GENERATION_AS_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "generation.h"
#include "mv.h"

/* generation_build_as - generation_build(CONFIG_PATH, DATABASE) with the effective ids
 * of USER (UID, GID and its groups), then back to this process's own; the caller is
 * root.  The configuration file itself unreadable by USER is refused with the chgrp
 * and chmod that fix it.  NULL with ERR on any failure; err->status MV_EBUG when the
 * process could not take back its own ids (it must not go on then). */
struct generation *generation_build_as(const char *config_path, const char *database,
                                       const char *user, uid_t uid, gid_t gid, struct mv_err *err);

#endif
