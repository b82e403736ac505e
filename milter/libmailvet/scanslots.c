/* scanslots.c - a counting semaphore on GMutex + GCond around the scans (see
 * scanslots.h), first come first served: each waiter queues a node and takes a slot
 * only when it is at the head of the queue, so a message that arrived first is scanned
 * first (a plain semaphore lets any woken thread win, and under load a few unlucky
 * messages wait many scans long: the p99).  Each waiter keeps its own tick deadline:
 * wake-ups by releases that another waiter wins do not postpone its next tick; a
 * waiter that gives up leaves the queue. */
#include <glib.h>

#include "scanslots.h"

static GMutex lock;
static GCond freed;
static unsigned busy;
static unsigned max_scans; /* the key's value: 0 is SCANSLOTS_PER_CPU per CPU */
static GQueue waiting;     /* int * tokens of the threads waiting, oldest first */

unsigned scanslots_limit(unsigned max)
{
    return max > 0 ? max : SCANSLOTS_PER_CPU * MAX(1u, g_get_num_processors());
}

void scanslots_set_max(unsigned max)
{
    g_mutex_lock(&lock);
    max_scans = max;
    g_cond_broadcast(&freed); /* a raised bound lets waiters in now */
    g_mutex_unlock(&lock);
}

double scanslots_acquire(unsigned tick_ms, bool (*tick)(void *), void *ctx)
{
    gint64 start = g_get_monotonic_time();
    gint64 step = (gint64)MAX(tick_ms, 1u) * 1000;
    gint64 next = start + step;
    int me; /* its address is this waiter's place in the queue */

    g_mutex_lock(&lock);
    g_queue_push_tail(&waiting, &me);
    while (g_queue_peek_head(&waiting) != &me || busy >= scanslots_limit(max_scans)) {
        g_cond_wait_until(&freed, &lock, next);
        if (tick != NULL && g_get_monotonic_time() >= next) {
            bool go_on;

            g_mutex_unlock(&lock);
            go_on = tick(ctx);
            g_mutex_lock(&lock);
            if (!go_on) {
                g_queue_remove(&waiting, &me);
                g_cond_broadcast(&freed); /* the next one may be at the head now */
                g_mutex_unlock(&lock);
                return -1;
            }
            next = g_get_monotonic_time() + step;
        }
    }
    g_queue_pop_head(&waiting);
    busy++;
    /* the next in line may take a slot that is still free */
    if (waiting.length > 0 && busy < scanslots_limit(max_scans))
        g_cond_broadcast(&freed);
    g_mutex_unlock(&lock);
    return (double)(g_get_monotonic_time() - start) / 1000.0;
}

void scanslots_release(void)
{
    g_mutex_lock(&lock);
    if (busy > 0)
        busy--;
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

unsigned scanslots_waiting(void)
{
    unsigned n;

    g_mutex_lock(&lock);
    n = waiting.length;
    g_mutex_unlock(&lock);
    return n;
}
