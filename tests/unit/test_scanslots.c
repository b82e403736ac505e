/* test_scanslots.c - the bound on concurrent scans: never more than MAX at once, all
 * of MAX used, waiters hear ticks even while other releases wake them, a tick that
 * says the MTA is gone ends the wait, a raised bound lets waiters in at once, slots go
 * to the waiters in the order they came (one that gave up leaves the line), and 0
 * means two per CPU. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>

#include "scanslots.h"

static GMutex count_lock;
static unsigned inside, most;

static gpointer worker(gpointer unused)
{
    (void)unused;
    for (int i = 0; i < 5; i++) {
        scanslots_acquire(1000, NULL, NULL);
        g_mutex_lock(&count_lock);
        inside++;
        most = MAX(most, inside);
        g_mutex_unlock(&count_lock);
        g_usleep(5000);
        g_mutex_lock(&count_lock);
        inside--;
        g_mutex_unlock(&count_lock);
        scanslots_release();
    }
    return NULL;
}

static void bounded(unsigned max, unsigned threads)
{
    GThread *t[16];

    inside = most = 0;
    scanslots_set_max(max);
    for (unsigned i = 0; i < threads; i++)
        t[i] = g_thread_new("scan", worker, GUINT_TO_POINTER(max));
    for (unsigned i = 0; i < threads; i++)
        g_thread_join(t[i]);
    assert_int_equal(most, max);
    assert_int_equal(scanslots_busy(), 0);
}

static void test_never_more_than_max(void **state)
{
    (void)state;
    bounded(1, 8);
    bounded(2, 8);
    bounded(3, 12);
}

static bool count_tick(void *ctx)
{
    (*(unsigned *)ctx)++;
    return true;
}

static bool gone(void *ctx)
{
    (void)ctx;
    return false;
}

static gpointer holder(gpointer done)
{
    scanslots_acquire(1000, NULL, NULL);
    g_usleep(200000);
    g_atomic_int_set((gint *)done, 1);
    scanslots_release();
    return NULL;
}

static void test_waiter_ticks(void **state)
{
    gint done = 0;
    unsigned ticks = 0;
    GThread *t;
    double waited;

    (void)state;
    scanslots_set_max(1);
    t = g_thread_new("holder", holder, &done);
    while (scanslots_busy() == 0)
        g_usleep(1000);
    waited = scanslots_acquire(20, count_tick, &ticks);
    /* the slot came only once the holder let go of it */
    assert_int_equal(g_atomic_int_get(&done), 1);
    assert_true(ticks >= 1);
    assert_true(waited > 0);
    scanslots_release();
    g_thread_join(t);
    assert_int_equal(scanslots_busy(), 0);
}

static void test_gone_mta_ends_the_wait(void **state)
{
    (void)state;
    scanslots_set_max(1);
    assert_true(scanslots_acquire(1000, NULL, NULL) >= 0);
    /* the only slot is taken: the waiter's first tick says the MTA is gone */
    assert_true(scanslots_acquire(10, gone, NULL) < 0);
    assert_int_equal(scanslots_busy(), 1);
    scanslots_release();
    assert_int_equal(scanslots_busy(), 0);
}

static gpointer raised_waiter(gpointer got)
{
    scanslots_acquire(1000, NULL, NULL);
    g_atomic_int_set((gint *)got, 1);
    return NULL;
}

static void test_raised_bound_lets_waiters_in(void **state)
{
    gint got = 0;
    GThread *t;

    (void)state;
    scanslots_set_max(1);
    scanslots_acquire(1000, NULL, NULL);
    t = g_thread_new("waiter", raised_waiter, &got);
    g_usleep(50000);
    assert_int_equal(g_atomic_int_get(&got), 0); /* still waiting: one slot, taken */
    scanslots_set_max(2);                        /* a reload raises max_scans */
    g_thread_join(t);
    assert_int_equal(g_atomic_int_get(&got), 1);
    assert_int_equal(scanslots_busy(), 2);
    scanslots_release();
    scanslots_release();
}

static void test_zero_is_cpus(void **state)
{
    (void)state;
    assert_int_equal(scanslots_limit(0), 2 * MAX(1u, g_get_num_processors()));
    assert_int_equal(scanslots_limit(7), 7);
}

#define LINE 6

static GMutex order_lock;
static unsigned order[LINE + 1], served;

/* in_line - take a slot, note the turn, give it back */
static gpointer in_line(gpointer id)
{
    scanslots_acquire(1000, NULL, NULL);
    g_mutex_lock(&order_lock);
    order[served++] = GPOINTER_TO_UINT(id);
    g_mutex_unlock(&order_lock);
    scanslots_release();
    return NULL;
}

/* quitter - waits, and gives up at its first tick */
static gpointer quitter(gpointer unused)
{
    (void)unused;
    return GINT_TO_POINTER(scanslots_acquire(1, gone, NULL) < 0 ? 1 : 0);
}

/* wait_waiting - until N threads wait for a slot */
static void wait_waiting(unsigned n)
{
    for (int i = 0; i < 5000 && scanslots_waiting() != n; i++)
        g_usleep(1000);
    assert_int_equal(scanslots_waiting(), n);
}

static void test_first_come_first_served(void **state)
{
    GThread *t[LINE], *q;

    (void)state;
    served = 0;
    scanslots_set_max(1);
    scanslots_acquire(1000, NULL, NULL); /* the one slot is taken: all of them queue */
    for (unsigned i = 0; i < LINE; i++) {
        t[i] = g_thread_new("line", in_line, GUINT_TO_POINTER(i));
        wait_waiting(i + 1);
        if (i == 2) { /* one that gives up, in the middle of the line */
            q = g_thread_new("quitter", quitter, NULL);
            assert_int_equal(GPOINTER_TO_INT(g_thread_join(q)), 1);
            wait_waiting(i + 1);
        }
    }
    scanslots_release();
    for (unsigned i = 0; i < LINE; i++)
        g_thread_join(t[i]);
    assert_int_equal(served, LINE);
    for (unsigned i = 0; i < LINE; i++)
        if (order[i] != i)
            fail_msg("turn %u: got waiter %u, want %u", i, order[i], i);
    assert_int_equal(scanslots_busy(), 0);
    assert_int_equal(scanslots_waiting(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_never_more_than_max),
        cmocka_unit_test(test_waiter_ticks),
        cmocka_unit_test(test_gone_mta_ends_the_wait),
        cmocka_unit_test(test_raised_bound_lets_waiters_in),
        cmocka_unit_test(test_first_come_first_served),
        cmocka_unit_test(test_zero_is_cpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
