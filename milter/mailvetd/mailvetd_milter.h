/* milter.h - libmilter callbacks: MTA events into struct mv_conn / mv_msg, the
 * pipeline at end of message, and its action back to the MTA as a reply. */
#ifndef MV_MILTER_H
#define MV_MILTER_H

#include <stdbool.h>

/* milter_register - smfi_register() with every callback and the flags we use */
bool milter_register(void);

#endif
