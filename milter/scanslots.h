/* scanslots.h - how many messages are scanned at once, process-wide.
 * libmilter runs one thread per SMTP connection; with 32 connections on 2 CPUs, 32
 * scans would thrash (bench/RESULTS.md: the p99 at 8 and 32 sessions).  A thread
 * takes a slot for pipeline_run() and gives it back after; while it waits for one
 * it calls TICK every TICK_MS (mailvetd: smfi_progress, so the MTA keeps waiting
 * rather than applying its milter timeout).  The bound is passed on each call (the
 * max_scans key, reloadable): 0 means one slot per CPU. */
#ifndef MV_SCANSLOTS_H
#define MV_SCANSLOTS_H

/* scanslots_limit - the slots MAX gives: MAX, or the number of CPUs when 0 */
unsigned scanslots_limit(unsigned max);
/* scanslots_acquire - wait for a slot under the bound MAX; returns the milliseconds
 * waited */
double scanslots_acquire(unsigned max, unsigned tick_ms, void (*tick)(void *), void *ctx);
void scanslots_release(void);
/* scanslots_busy - slots taken now */
unsigned scanslots_busy(void);

#endif
