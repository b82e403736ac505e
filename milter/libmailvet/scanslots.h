/* scanslots.h - how many messages are scanned at once, process-wide.
 * libmilter runs one thread per SMTP connection; with 32 connections on 2 CPUs, 32
 * scans would thrash (bench/RESULTS.md: the p99 at 8 and 32 sessions).  A thread
 * takes a slot for pipeline_run() and gives it back after; while it waits for one
 * it calls TICK every TICK_MS (mailvetd: smfi_progress, so the MTA keeps waiting
 * rather than applying its milter timeout), and gives up when TICK says the MTA is
 * gone.  The bound is the max_scans key (0: one slot per CPU), set at start and on
 * each reload with scanslots_set_max(); waiting threads see a new bound at once. */
#ifndef MV_SCANSLOTS_H
#define MV_SCANSLOTS_H

#include <stdbool.h>

/* scanslots_limit - the slots MAX gives: MAX, or the number of CPUs when 0 */
unsigned scanslots_limit(unsigned max);
/* scanslots_set_max - the bound from now on (the max_scans key) */
void scanslots_set_max(unsigned max);
/* scanslots_acquire - wait for a slot; the milliseconds waited, or -1 (no slot taken)
 * when TICK returned false */
double scanslots_acquire(unsigned tick_ms, bool (*tick)(void *), void *ctx);
void scanslots_release(void);
/* scanslots_busy - slots taken now */
unsigned scanslots_busy(void);

#endif
