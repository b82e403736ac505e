/* mailvetd_metrics.c - /metrics for Prometheus: the HTTP server (libmicrohttpd, called
 * from nowhere else) and what feeds the counters of libmailvet's metrics.c.
 * The listening socket is made by mailvetd_metrics_open() at start, so that an address
 * in use or not this host's refuses the start at the terminal, and a port below 1024
 * works while the daemon is still root; libmicrohttpd's one thread serves it from
 * mailvetd_metrics_start() on, after the privilege drop and with the signals blocked
 * (SIGUSR1 is the reload thread's).  Requests: GET or HEAD of /metrics gives the text
 * (format 0.0.4), of / a line pointing there; any other path is 404, any other method
 * 405; a request's body is never read.  At each scrape it reads what changes without a
 * message: messages in flight, the scan slots, the Redis breaker, and the quarantine
 * store's counts from its index (quarantine_list_new), read again at most every
 * MAILVETD_METRICS_QUARANTINE_TTL seconds.  Logs: where it serves (a notice when the
 * address is not loopback), a quarantine index it cannot read or had to rebuild (once
 * per change), libmicrohttpd's own errors. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <microhttpd.h>

#include "localcache.h"
#include "log.h"
#include "mailvetd_metrics.h"
#include "mailvetd_session.h"
#include "metrics.h"
#include "quarantine.h"
#include "scanslots.h"

static struct metrics *counters; /* made by mailvetd_metrics_open, kept to the exit */
static int listen_fd = -1;       /* metrics_listen's socket, until the server takes it */
static char *listen_url;         /* "http://127.0.0.1:9465/metrics", for the log */
static bool listen_loopback;     /* the address is 127.0.0.0/8 or ::1 */
static struct MHD_Daemon *server;

/* The quarantine store's counts, reused for MAILVETD_METRICS_QUARANTINE_TTL seconds. */
static GMutex quarantine_lock;
static struct {
    gint64 read_at; /* monotonic microseconds; 0 never */
    char *dir;      /* the directory they are of */
    bool ok;
    unsigned held, released, deleted, damaged;
    guint64 bytes;
    char *said; /* the last error or note logged, so that each is logged once */
} quarantine;

/* The stages at which mailvetd_milter.c's on_error ends a message, and the causes of a
 * tempfail besides: their series exist from the start (at zero), so that an alert on
 * their rate sees the first one. */
static const char *const error_stages[] = {"envfrom", "header", "eoh", "body",
                                           "eom",     "wait",   "scan"};

/* http_log - libmicrohttpd's error messages, as log lines */
__attribute__((format(printf, 2, 0))) static void http_log(void *cls, const char *fmt, va_list ap)
{
    char *text = g_strdup_vprintf(fmt, ap);

    (void)cls;
    log_msg(LOG_WARNING, "metrics: %s", g_strchomp(text));
    g_free(text);
}

/* say - LINE logged at PRIORITY unless it was the last thing said of the quarantine;
 * NULL forgets (the next line is said again); under quarantine_lock */
static void say(int priority, const char *line)
{
    if (line != NULL && g_strcmp0(line, quarantine.said) != 0)
        log_msg(priority, "%s", line);
    g_free(quarantine.said);
    quarantine.said = g_strdup(line);
}

/* quarantine_read - the counts of DIR's entries from its index into quarantine.*;
 * under quarantine_lock */
static void quarantine_read(const char *dir)
{
    struct mv_err err = {0};
    char note[QUARANTINE_NOTE_MAX] = "";
    GPtrArray *list = quarantine_list_new(dir, NULL, note, &err);

    quarantine.ok = list != NULL;
    quarantine.held = quarantine.released = quarantine.deleted = quarantine.damaged = 0;
    quarantine.bytes = 0;
    if (list == NULL) {
        char *line = g_strdup_printf("metrics: cannot read the quarantine store: %s", err.msg);

        say(LOG_WARNING, line);
        g_free(line);
        return;
    }
    for (guint i = 0; i < list->len; i++) {
        const struct quarantine_entry *e = g_ptr_array_index(list, i);

        switch (e->state) {
        case QUARANTINE_HELD:
            quarantine.held++;
            break;
        case QUARANTINE_RELEASED:
            quarantine.released++;
            break;
        case QUARANTINE_DELETED:
            quarantine.deleted++;
            break;
        default:
            quarantine.damaged++;
            break;
        }
        if (e->state != QUARANTINE_DELETED)
            quarantine.bytes += e->size;
    }
    g_ptr_array_unref(list);
    if (note[0] != '\0') {
        char *line = g_strdup_printf("metrics: %s", note);

        say(LOG_NOTICE, line);
        g_free(line);
    } else {
        say(LOG_INFO, NULL);
    }
}

/* now_read - what this scrape reads besides the counters */
static void now_read(struct metrics_now *now)
{
    struct generation *g = generation_acquire();
    gint64 t = g_get_monotonic_time();

    memset(now, 0, sizeof(*now));
    now->in_flight = (unsigned)MAX(session_txn_in_flight(), 0);
    now->slots_busy = scanslots_busy();
    now->breaker_open = cache_breaker_open();
    if (g == NULL)
        return;
    now->slots = scanslots_limit(g->cfg->max_scans);
    localcache_usage(g->local, &now->local_bytes, &now->local_entries);
    now->local_max_bytes = g->local != NULL ? g->cfg->local_cache_size : 0;
    if (g->cfg->quarantine_mode == CONFIG_QUARANTINE_STORE) {
        g_mutex_lock(&quarantine_lock);
        if (quarantine.read_at == 0 || g_strcmp0(quarantine.dir, g->cfg->quarantine_dir) != 0 ||
            t - quarantine.read_at >= (gint64)MAILVETD_METRICS_QUARANTINE_TTL * G_USEC_PER_SEC) {
            quarantine_read(g->cfg->quarantine_dir);
            quarantine.read_at = t;
            g_free(quarantine.dir);
            quarantine.dir = g_strdup(g->cfg->quarantine_dir);
        }
        now->quarantine = quarantine.ok;
        now->quarantine_held = quarantine.held;
        now->quarantine_released = quarantine.released;
        now->quarantine_deleted = quarantine.deleted;
        now->quarantine_damaged = quarantine.damaged;
        now->quarantine_bytes = quarantine.bytes;
        g_mutex_unlock(&quarantine_lock);
    }
    generation_release(g);
}

/* reply - queue STATUS with BODY (copied) of TYPE, and ALLOW when given */
static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
                             char *body, size_t len, const char *allow)
{
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(len, body, g_free);
    enum MHD_Result rc;

    if (r == NULL) {
        g_free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (allow != NULL)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

/* text - reply STATUS with one line of plain text */
static enum MHD_Result text(struct MHD_Connection *conn, unsigned status, const char *line,
                            const char *allow)
{
    char *body = g_strdup(line);

    return reply(conn, status, "text/plain; charset=utf-8", body, strlen(body), allow);
}

/* answer - one request (libmicrohttpd's access handler); answered at its first call,
 * so a body sent with it is never read */
static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    bool metrics = strcmp(url, "/metrics") == 0;
    struct metrics_now now;
    GString *out;
    gsize len;

    (void)cls, (void)version, (void)upload_data, (void)upload_data_size, (void)con_cls;
    if (!metrics && strcmp(url, "/") != 0)
        return text(conn, MHD_HTTP_NOT_FOUND, "Not found: mailvetd serves /metrics\n", NULL);
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "Method not allowed: GET or HEAD\n",
                    "GET, HEAD");
    if (!metrics)
        return text(conn, MHD_HTTP_OK, "mailvetd: the metrics for Prometheus are at /metrics\n",
                    NULL);
    now_read(&now);
    out = g_string_sized_new(16384);
    metrics_render(counters, &now, out);
    len = out->len;
    return reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                 g_string_free(out, FALSE), len, NULL);
}

/* is_loopback - SA is 127.0.0.0/8 or ::1 */
static bool is_loopback(const struct sockaddr_storage *sa)
{
    if (sa->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
}

/* mailvetd_metrics_open - the counters and the listening socket */
bool mailvetd_metrics_open(const struct mv_config *cfg, struct mv_err *err)
{
    char host[INET6_ADDRSTRLEN];
    struct sockaddr_storage sa = {0};
    socklen_t salen;
    unsigned port;
    int one = 1;
    int fd;

    if (counters == NULL) {
        counters = metrics_new();
        for (size_t i = 0; i < G_N_ELEMENTS(error_stages); i++) {
            metrics_declare(counters, METRICS_ERRORS, error_stages[i]);
            metrics_declare(counters, METRICS_TEMPFAILS, error_stages[i]);
        }
        metrics_declare(counters, METRICS_TEMPFAILS, "policy");
        metrics_declare(counters, METRICS_TEMPFAILS, "quarantine");
    }
    if (cfg->metrics_listen[0] == '\0')
        return true;
    if (!config_listen_split(cfg->metrics_listen, host, sizeof(host), &port)) {
        mv_err_set(err, MV_ECONFIG, "%s: metrics_listen: not ADDRESS:PORT: %s", cfg->file,
                   cfg->metrics_listen);
        return false;
    }
    config_listen_sockaddr(cfg->metrics_listen, &sa, &salen);
    fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd >= 0) {
        /* a restart binds again at once, whatever connections linger in TIME_WAIT */
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (sa.ss_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, salen) != 0 || listen(fd, 16) != 0) {
        int e = errno;

        if (fd >= 0)
            close(fd);
        mv_err_set(err, MV_EIO,
                   "%s: metrics_listen: cannot listen on %s: %s; stop what listens there or set "
                   "another address (metrics_listen: \"\" serves no metrics)",
                   cfg->file, cfg->metrics_listen, g_strerror(e));
        return false;
    }
    listen_fd = fd;
    listen_loopback = is_loopback(&sa);
    listen_url = g_strdup_printf("http://%s/metrics", cfg->metrics_listen);
    return true;
}

/* mailvetd_metrics_start - libmicrohttpd's thread on the socket opened */
bool mailvetd_metrics_start(struct mv_err *err)
{
    if (listen_fd < 0)
        return true;
    /* the logger first: libmicrohttpd says so of a logger given after other options */
    server = MHD_start_daemon(
        MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, answer, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, http_log, NULL, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_fd,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)32, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)8,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
    if (server == NULL) {
        mv_err_set(err, MV_EIO, "metrics: cannot serve %s (libmicrohttpd did not start)",
                   listen_url);
        return false;
    }
    listen_fd = -1; /* the server's now: MHD_stop_daemon closes it */
    log_msg(LOG_INFO, "metrics: serving %s", listen_url);
    if (!listen_loopback)
        log_msg(LOG_NOTICE,
                "metrics: %s is not a loopback address: whoever reaches it reads the "
                "counters (verdicts, rule ids, signature names)",
                listen_url);
    return true;
}

/* mailvetd_metrics_stop - no more scrapes */
void mailvetd_metrics_stop(void)
{
    if (server != NULL)
        MHD_stop_daemon(server);
    server = NULL;
    if (listen_fd >= 0)
        close(listen_fd);
    listen_fd = -1;
    g_clear_pointer(&listen_url, g_free);
}

/* newest_mtime - the modification time of PATH, or of the newest regular file in it
 * when it is a directory (the signature database); 0 when there is none */
static double newest_mtime(const char *path)
{
    struct stat st;
    double newest = 0;
    GDir *d;
    const char *name;

    if (stat(path, &st) != 0)
        return 0;
    if (!S_ISDIR(st.st_mode))
        return (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
    d = g_dir_open(path, 0, NULL);
    if (d == NULL)
        return 0;
    while ((name = g_dir_read_name(d)) != NULL) {
        char *file = g_build_filename(path, name, NULL);

        if (stat(file, &st) == 0 && S_ISREG(st.st_mode))
            newest = MAX(newest, (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9);
        g_free(file);
    }
    g_dir_close(d);
    return newest;
}

/* mailvetd_metrics_generation - G's numbers and rule ids */
void mailvetd_metrics_generation(const struct generation *g)
{
    const struct rules *r = policy_rules(g->policy);
    size_t n = rules_count(r);
    const char **ids = g_new(const char *, n + 1);
    struct metrics_generation mg = {
        .number = g->number,
        .loaded = (double)g_get_real_time() / G_USEC_PER_SEC,
        .signatures_time = newest_mtime(g->database),
        .signatures = scan_engine_signatures(g->engine),
        .rules = ids,
        .nrules = n,
        .max_signatures = g->cfg->metrics_max_signatures,
        .cache = g->cache != NULL,
    };

    for (size_t i = 0; i < n; i++)
        ids[i] = rules_id(r, i);
    if (counters != NULL)
        metrics_set_generation(counters, &mg);
    g_free(ids);
}

/* mailvetd_metrics_reload - a reload's outcome */
void mailvetd_metrics_reload(bool done)
{
    if (counters != NULL)
        metrics_count_reload(counters, done);
}

/* mailvetd_metrics_message - one message's verdict, its hits, its times and sizes */
void mailvetd_metrics_message(const struct generation *gen, const struct pipeline_input *in,
                              const struct pipeline_result *res, double wait_ms, bool tempfail)
{
    guint nhits = res->rules.hits != NULL ? res->rules.hits->len : 0;
    const char **ids = g_new(const char *, nhits + 1);
    struct metrics_message msg = {
        .verdict = res->verdict,
        .action = res->action,
        .scan_seconds = res->ms / 1000.0,
        .wait_seconds = wait_ms / 1000.0,
        .bytes = in->size,
        .objects = res->objects,
        .rules = ids,
        .nrules = nhits,
        .reasons = res->reasons != NULL ? (const char *const *)res->reasons->pdata : NULL,
        .nreasons = res->reasons != NULL ? res->reasons->len : 0,
        .cache = gen->cache != NULL,
        .cache_hits = res->cache.hits,
        .cache_misses = res->cache.misses,
        .cache_errors = res->cache.errors,
        .cache_rejected = res->cache.rejected,
        .local = gen->local != NULL,
        .local_hits = res->local.hits,
        .local_misses = res->local.misses,
        .local_evictions = res->local.evictions,
    };

    if (counters == NULL) {
        g_free(ids);
        return;
    }
    for (guint i = 0; i < nhits; i++)
        ids[i] = ((const struct rule_hit *)g_ptr_array_index(res->rules.hits, i))->id;
    metrics_count_message(counters, &msg);
    if (tempfail)
        metrics_count(counters, METRICS_TEMPFAILS,
                      res->action == MV_ACTION_TEMPFAIL ? "policy" : "quarantine");
    g_free(ids);
}

/* mailvetd_metrics_error - an internal failure */
void mailvetd_metrics_error(const char *stage, bool tempfail)
{
    if (counters == NULL)
        return;
    metrics_count(counters, METRICS_ERRORS, stage);
    if (tempfail)
        metrics_count(counters, METRICS_TEMPFAILS, stage);
}
