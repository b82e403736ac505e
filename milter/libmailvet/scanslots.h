/* scanslots.h - how many messages are scanned at once, process-wide.
 * libmilter runs one thread per SMTP connection; with 32 connections on 2 CPUs, 32
 * scans would thrash (bench/RESULTS.md: the p99 at 8 and 32 sessions).  A thread
 * takes a slot for pipeline_run() and gives it back after; while it waits for one
 * it calls TICK every TICK_MS (mailvetd: smfi_progress, so the MTA keeps waiting
 * rather than applying its milter timeout), and gives up when TICK says the MTA is
 * gone.  Slots go to the waiting threads in the order they asked (first come, first
 * served), so no message waits longer than those before it.  The bound is the
 * max_scans key (0: SCANSLOTS_PER_CPU slots per CPU), set at start and on each reload with
 * scanslots_set_max(); waiting threads see a new bound at once. */
#ifndef MV_SCANSLOTS_H
#define MV_SCANSLOTS_H

#include <stdbool.h>

/* Slots per CPU when max_scans is 0.  Two, not one: with one, a large attachment
 * scanned on each CPU makes every small message behind them wait (bench/slots-curve.sh
 * at 16 sessions on 2 CPUs: 62-85 % of the messages waited, up to 2.2 s; with two,
 * 42-50 %, at the same CPU time per message); more than two mostly moves the queue
 * into the kernel's run queue, where the scans compete for the CPUs and for memory. */
#define SCANSLOTS_PER_CPU 2u

/* scanslots_limit - the slots MAX gives: MAX, or SCANSLOTS_PER_CPU per CPU when 0 */
unsigned scanslots_limit(unsigned max);
/* scanslots_set_max - the bound from now on (the max_scans key) */
void scanslots_set_max(unsigned max);
/* scanslots_acquire - wait for a slot; the milliseconds waited, or -1 (no slot taken)
 * when TICK returned false */
double scanslots_acquire(unsigned tick_ms, bool (*tick)(void *), void *ctx);
void scanslots_release(void);
/* scanslots_busy - slots taken now */
unsigned scanslots_busy(void);
/* scanslots_waiting - threads waiting for a slot now */
unsigned scanslots_waiting(void);

#endif
