/* mailvet_quarantine.h - "mailvet quarantine ...": the operator's commands over the
 * quarantine store (quarantine.h).
 *   list [--since T] [--until T] [--campaign C] [--reason R] [--sender GLOB]
 *        [--recipient GLOB] [--state S] [--json]
 *   find --queue-id QID [--json]
 *   show ID [--raw | --json]
 *   release ID... [--to ADDR]...
 *   delete ID...
 *   purge [--older-than DURATION] [--max-size SIZE]
 * Exit status (MAILVET_QUARANTINE_*): 0 done; 1 an id is unknown (not of the id form,
 * no such entry, or deleted where the message is needed; find: no entry of that queue
 * id); 2 a failure (the MTA refused
 * or was unreachable, the store could not be read or written); 64 usage (EX_USAGE).
 * With several ids every id is tried and the largest status wins. */
#ifndef MV_MAILVET_QUARANTINE_H
#define MV_MAILVET_QUARANTINE_H

#include "config.h"

enum {
    MAILVET_QUARANTINE_OK = 0,
    MAILVET_QUARANTINE_UNKNOWN = 1,
    MAILVET_QUARANTINE_FAILED = 2,
    MAILVET_QUARANTINE_USAGE = 64,
};

/* mailvet_quarantine_main - ARGV[0] is "quarantine", ARGV[1] the command; CFG gives
 * quarantine_dir, the release host and port and purge's defaults.  Returns the exit
 * status. */
int mailvet_quarantine_main(int argc, char **argv, const struct mv_config *cfg);

#endif
