/* mailvetd_milter.h - libmilter callbacks: MTA events into struct session_conn / session_txn, the
 * pipeline at end of message, and its action back to the MTA as a reply. */
#ifndef MV_MAILVETD_MILTER_H
#define MV_MAILVETD_MILTER_H

#include <stdbool.h>

/* milter_register - smfi_register() with every callback and the flags we use */
bool milter_register(void);

#endif
