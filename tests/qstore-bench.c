/* qstore-bench.c - quarantine write latency for bench/qstore-bench.sh: THREADS threads
 * (as mailvetd's connection threads) each store COUNT messages of SIZE bytes through
 * qstore_put(), the daemon's own call, into the store CONFIG names (the directory or
 * PostgreSQL); prints one line: the store, threads, writes, the latency of one write
 * (mean, median, 99th percentile, maximum, in ms) and the writes per second of all
 * threads together.
 *   qstore-bench -c CONFIG [-t THREADS] [-n COUNT] [-s SIZE]
 * Defaults: 1 thread, 200 writes each, 20000 bytes. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "config.h"
#include "qstore.h"
#include "quarantine.h"

static const char record_json[] = "{\"verdict\":\"campaign\",\"action\":\"quarantine\","
                                  "\"score\":12,\"reasons\":[\"avaddon.lure\"],\"hits\":[]}";

struct worker {
    const struct qstore *qs;
    const char *message;
    size_t size;
    long count;
    double *ms; /* count latencies */
    bool failed;
    char why[256];
    pthread_t tid;
};

/* run - one thread's writes */
static void *run(void *arg)
{
    struct worker *w = arg;
    GPtrArray *rcpts = g_ptr_array_new();

    g_ptr_array_add(rcpts, "alice@example.net");
    for (long i = 0; i < w->count && !w->failed; i++) {
        struct quarantine_meta meta = {.queue_id = "BENCH1",
                                       .client_addr = "192.0.2.7",
                                       .sender = "mallory@example.com",
                                       .recipients = rcpts,
                                       .record_json = record_json,
                                       .generation = 1};
        char id[QUARANTINE_ID_LEN + 1];
        struct mv_err err = {0};
        gint64 t0 = g_get_monotonic_time();

        if (qstore_put(w->qs, w->message, -1, w->size, &meta, id, NULL, &err) != MV_OK) {
            w->failed = true;
            g_strlcpy(w->why, err.msg, sizeof(w->why));
        }
        w->ms[i] = (double)(g_get_monotonic_time() - t0) / 1000.0;
    }
    g_ptr_array_unref(rcpts);
    return NULL;
}

/* by_value - qsort order of doubles */
static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    long threads = 1, count = 200, size = 20000;
    struct mv_config *cfg = NULL;
    struct mv_err err = {0};
    struct qstore qs;
    struct worker *w;
    double *all, sum = 0;
    char *message, *where;
    gint64 t0, wall;
    size_t n = 0;
    int ch, rc = 0;

    while ((ch = getopt(argc, argv, "c:t:n:s:")) != -1) {
        switch (ch) {
        case 'c':
            if ((cfg = config_load(optarg, &err)) == NULL) {
                fprintf(stderr, "qstore-bench: %s\n", err.msg);
                return 2;
            }
            break;
        case 't':
            threads = strtol(optarg, NULL, 10);
            break;
        case 'n':
            count = strtol(optarg, NULL, 10);
            break;
        case 's':
            size = strtol(optarg, NULL, 10);
            break;
        default:
            fprintf(stderr, "usage: qstore-bench -c CONFIG [-t THREADS] [-n COUNT] [-s SIZE]\n");
            return 2;
        }
    }
    if (cfg == NULL || threads < 1 || count < 1 || size < 64) {
        fprintf(stderr, "usage: qstore-bench -c CONFIG [-t THREADS] [-n COUNT] [-s SIZE]\n");
        return 2;
    }
    qstore_init(&qs, cfg);
    message = g_malloc((size_t)size);
    memset(message, 'x', (size_t)size);
    memcpy(message, "Subject: bench\r\n\r\n", 18);
    w = g_new0(struct worker, threads);
    all = g_new0(double, threads *count);
    t0 = g_get_monotonic_time();
    for (long i = 0; i < threads; i++) {
        w[i] = (struct worker){.qs = &qs,
                               .message = message,
                               .size = (size_t)size,
                               .count = count,
                               .ms = all + i * count};
        pthread_create(&w[i].tid, NULL, run, &w[i]);
    }
    for (long i = 0; i < threads; i++)
        pthread_join(w[i].tid, NULL);
    wall = g_get_monotonic_time() - t0;
    for (long i = 0; i < threads; i++) {
        if (w[i].failed) {
            fprintf(stderr, "qstore-bench: %s\n", w[i].why);
            rc = 1;
        }
    }
    n = (size_t)(threads * count);
    qsort(all, n, sizeof(*all), by_value);
    for (size_t i = 0; i < n; i++)
        sum += all[i];
    where = qstore_where_new(&qs);
    printf("%-10s threads=%-3ld writes=%-6zu mean=%.2fms p50=%.2fms p99=%.2fms max=%.2fms "
           "writes/s=%.0f  (%s)\n",
           qs.db ? "postgresql" : "dir", threads, n, sum / (double)n, all[n / 2],
           all[(size_t)((double)n * 0.99)], all[n - 1], (double)n * 1e6 / (double)wall, where);
    g_free(where);
    g_free(all);
    g_free(w);
    g_free(message);
    config_free(cfg);
    return rc;
}
