/* scanslots.c - a counting semaphore on GMutex + GCond around the scans (see
 * scanslots.h). */
#include <glib.h>

#include "scanslots.h"

static GMutex lock;
static GCond freed;
static unsigned busy;

unsigned scanslots_limit(unsigned max)
{
    return max > 0 ? max : MAX(1u, g_get_num_processors());
}

double scanslots_acquire(unsigned max, unsigned tick_ms, void (*tick)(void *), void *ctx)
{
    unsigned limit = scanslots_limit(max);
    gint64 start = g_get_monotonic_time();

    g_mutex_lock(&lock);
    while (busy >= limit) {
        gint64 until = g_get_monotonic_time() + (gint64)MAX(tick_ms, 1u) * 1000;

        if (!g_cond_wait_until(&freed, &lock, until) && tick != NULL) {
            g_mutex_unlock(&lock);
            tick(ctx);
            g_mutex_lock(&lock);
        }
    }
    busy++;
    g_mutex_unlock(&lock);
    return (double)(g_get_monotonic_time() - start) / 1000.0;
}

void scanslots_release(void)
{
    g_mutex_lock(&lock);
    if (busy > 0)
        busy--;
    /* every waiter: a reload may have raised the bound for more than one */
    g_cond_broadcast(&freed);
    g_mutex_unlock(&lock);
}

unsigned scanslots_busy(void)
{
    unsigned n;

    g_mutex_lock(&lock);
    n = busy;
    g_mutex_unlock(&lock);
    return n;
}
