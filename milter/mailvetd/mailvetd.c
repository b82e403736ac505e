/* mailvetd.c - the milter daemon.
 * Start: options, the first generation (config + policy + engine, read with the ids of
 * the user it becomes, as every reload reads them: generation_as.h; refuse to start
 * without one, and generation_build() refuses one weaker than configured), the socket
 * (created by libmilter while still privileged, then given its mode and owner, or
 * TCP_NODELAY for TCP: mailvetd_tcp.h), privilege drop, pid file, then smfi_main()
 * until libmilter's signal thread sees SIGTERM/SIGINT/SIGHUP.
 * SIGUSR1 rebuilds the generation off the message path (a reload thread), and so does a
 * change of the signature or policy files, checked every reload_check_interval seconds;
 * a generation that fails to build is refused in one log line and the old one keeps
 * serving.  Keys a reload cannot apply (the socket, the user ...) are logged as needing
 * a restart.  On stop, messages in flight get shutdown_timeout seconds.
 * A unix socket that a live daemon answers on is never taken over (mailvetd_socket.c),
 * and at exit the socket and pid file are removed only while they are still this
 * process's.  Logs go to syslog, or with -f to stderr, except that under the journal
 * (systemd) -f logs to syslog as well, which keeps log_facility and the priorities.
 * The service manager hears of readiness, reloads and stop through mailvetd_service.c,
 * which also answers "mailvetd --reload". */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <libmilter/mfapi.h>

#include "config.h"
#include "generation.h"
#include "generation_as.h"
#include "log.h"
#include "message.h"
#include "mailvetd_metrics.h"
#include "mailvetd_milter.h"
#include "mailvetd_service.h"
#include "mailvetd_session.h"
#include "mailvetd_socket.h"
#include "mailvetd_tcp.h"
#include "qstore.h"
#include "quarantine.h"
#include "scanslots.h"
#include "units.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONFIG SYSCONFDIR "/mailvet/mailvet.yaml"

struct options {
    const char *config;
    const char *database;
    bool foreground;
    bool check_only;
    bool reload;             /* --reload: ask the running daemon */
    unsigned reload_timeout; /* --timeout */
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mailvetd [-c CONFIG] [-d DATABASE] [-f] [-n] [-V]\n"
            "       mailvetd [-c CONFIG] --reload [--timeout DURATION]\n"
            "  -c CONFIG    configuration file (default %s)\n"
            "  -d DATABASE  signature directory, overrides the config's database\n"
            "  -f           stay in the foreground and log to stderr (syslog under the journal)\n"
            "  -n           check the configuration and signatures, then exit\n"
            "  -V           print the version and exit\n"
            "  --reload     make the running mailvetd reload and wait for its answer:\n"
            "               exit 0 when the new generation is live, 78 when it was refused\n"
            "  --timeout T  how long --reload waits, whole seconds from 1s to 24h (default %us)\n",
            DEFAULT_CONFIG, SERVICE_RELOAD_TIMEOUT);
}

/* drop_privileges - become the configured user for good */
static bool drop_privileges(const struct mv_config *cfg, uid_t uid, gid_t gid)
{
    if (initgroups(cfg->user, gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
        log_msg(LOG_ERR, "cannot switch to user %s: %s", cfg->user, strerror(errno));
        return false;
    }
    if (setuid(0) == 0) {
        log_msg(LOG_ERR, "bug: could regain root after switching to %s", cfg->user);
        return false;
    }
    return true;
}

/* write_pid_file - "PID\n" in CFG's pid_file, written to a temporary file of a new name
 * beside it (never one that exists: the directory may be the daemon user's) and renamed;
 * false with one line naming the key and the fix */
static bool write_pid_file(const struct mv_config *cfg)
{
    char *tmp = g_strconcat(cfg->pid_file, ".XXXXXX", NULL);
    char *text = g_strdup_printf("%ld\n", (long)getpid());
    size_t len = strlen(text);
    int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
    bool ok = fd >= 0 && write(fd, text, len) == (ssize_t)len;
    int e = errno;

    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (ok && rename(tmp, cfg->pid_file) != 0) {
        ok = false;
        e = errno;
    }
    if (!ok) {
        if (fd >= 0)
            unlink(tmp);
        log_msg(LOG_ERR,
                "%s: pid_file: %s: cannot write it (%s); create its directory, writable by the "
                "user that starts mailvetd, or set pid_file: to another path (\"\" for none)",
                cfg->file, cfg->pid_file, g_strerror(e));
    }
    g_free(text);
    g_free(tmp);
    return ok;
}

/* remove_pid_file - unlink PATH only while it holds this process's pid */
static void remove_pid_file(const char *path)
{
    char *text = NULL;

    if (g_file_get_contents(path, &text, NULL, NULL) && strtol(text, NULL, 10) == (long)getpid())
        unlink(path);
    g_free(text);
}

/* start_undone - a start that failed once the socket exists: PID_FILE (written, or
 * NULL) and the socket removed, G released; RC */
static int start_undone(struct generation *g, const char *pid_file, int rc)
{
    if (pid_file != NULL && pid_file[0] != '\0')
        remove_pid_file(pid_file);
    mailvetd_socket_remove();
    generation_release(g);
    return rc;
}

/* daemonize - detach from the terminal (before any thread exists) */
static bool daemonize(void)
{
    pid_t pid = fork();
    int fd;

    if (pid < 0)
        return false;
    if (pid > 0)
        _exit(0);
    if (setsid() < 0)
        return false;
    if (chdir("/") != 0)
        return false;
    fd = open("/dev/null", O_RDWR);
    if (fd < 0)
        return false;
    dup2(fd, 0), dup2(fd, 1), dup2(fd, 2);
    if (fd > 2)
        close(fd);
    return true;
}

static struct options opt;
static char *start_pid_file; /* pid_file as started: what shutdown removes */

static unsigned log_sinks; /* LOG_SINK_* of the daemon until it detaches */

/* startup_error - TEXT (lines naming file, line and key themselves) as it is: plain on
 * stderr when that is the only sink, else as log lines (syslog, the journal) */
static void startup_error(const char *text)
{
    if (log_sinks == LOG_SINK_STDERR)
        fprintf(stderr, "%s\n", text);
    else
        log_lines(LOG_ERR, "", text);
}

/* log_generation - one line per installed generation */
static void log_generation(const char *event, const struct generation *g)
{
    log_msg(LOG_INFO,
            "%s: generation=%u config=%s database=%s signatures=%u policy=%s policy_files=%u "
            "rules=%zu engine=\"%s\" ms=%.0f",
            event, g->number, g->cfg->file, g->database, scan_engine_signatures(g->engine),
            *g->policy_dir != '\0' ? g->policy_dir : "(built-in)", policy_file_count(g->policy),
            rules_count(policy_rules(g->policy)), scan_engine_version(g->engine), g->build_ms);
}

/* check_quarantine - say at start and on reload when the quarantine store cannot take
 * entries (quarantine_dir as the user mailvetd runs as, or the database): mail the policy
 * quarantines would then be answered 451 until it is fixed */
static void check_quarantine(const struct mv_config *cfg)
{
    struct mv_err err = {0};
    struct qstore qs;

    if (cfg->quarantine_mode != CONFIG_QUARANTINE_STORE)
        return;
    qstore_init(&qs, cfg);
    if (qstore_check(&qs, &err) != MV_OK)
        log_msg(LOG_WARNING, "%s unusable, mail to quarantine gets 451 until it is fixed: %s",
                qs.db ? "quarantine_db" : "quarantine_dir", err.msg);
}

/* store_schema_refused - at start, the database store's schema is not the one this
 * mailvetd writes: one line naming the fix, and true (a database that cannot be reached
 * is check_quarantine's warning, not a refusal; an empty quarantine_db is config_load()'s
 * refusal, so that mailvetd -n and check-config say it too) */
static bool store_schema_refused(const struct mv_config *cfg)
{
    struct mv_err err = {0};
    struct qstore qs;
    char *line;

    if (cfg->quarantine_mode != CONFIG_QUARANTINE_STORE ||
        cfg->quarantine_store != CONFIG_STORE_POSTGRESQL)
        return false;
    qstore_init(&qs, cfg);
    if (qstore_check(&qs, &err) != MV_ECONFIG)
        return false;
    line = g_strdup_printf("mailvetd: %s: quarantine_db: %s", cfg->file, err.msg);
    startup_error(line);
    g_free(line);
    return true;
}

/* warn_without - what G runs without because the configuration says so (policy_dir:
 * ""), at start and at every reload */
static void warn_without(const struct generation *g)
{
    char *text = generation_warning_new(g);

    if (text != NULL)
        log_msg(LOG_WARNING, "%s", text);
    g_free(text);
}

/* log_restart_keys - keys whose change a reload does not apply (the socket, the user
 * ...): said once, so that nobody believes they took effect */
static void log_restart_keys(const struct mv_config *old, const struct mv_config *new)
{
    for (size_t i = 0; i < config_key_count(); i++)
        if (!config_key_reloadable(i) && !config_key_equal(old, new, i))
            log_msg(LOG_WARNING, "reload: %s changed in %s: it takes effect at the next restart",
                    config_key_name(i), new->file);
}

/* reload - build a new generation and swap it in, or keep the old one; false when
 * refused */
static bool reload(const char *why)
{
    struct mv_err err = {0};
    struct generation *old;
    struct generation *g;

    service_reloading(why);
    old = generation_acquire();
    g = generation_build(opt.config, opt.database, &err);
    if (g == NULL) {
        /* one line with the refusal's reason (the path and the fix), "reload refused" for
         * SIGUSR1 and "reload (files changed) refused" for the check, as in STATUS=; a
         * broken policy file has one more line per further FILE:LINE error */
        const char *nl = strchr(err.msg, '\n');
        char *what =
            strcmp(why, "reload") == 0 ? g_strdup(why) : g_strdup_printf("reload (%s)", why);

        log_msg(LOG_ERR, "%s refused, generation %u keeps serving: %.*s", what,
                old != NULL ? old->number : 0,
                nl != NULL ? (int)(nl - err.msg) : (int)strlen(err.msg), err.msg);
        g_free(what);
        if (nl != NULL && nl[1] != '\0')
            log_lines(LOG_ERR, "reload: ", nl + 1);
        generation_release(old);
        mailvetd_metrics_reload(false);
        service_reloaded(why, false, err.msg);
        return false;
    }
    if (old != NULL)
        log_restart_keys(old->cfg, g->cfg);
    generation_release(old);
    generation_install(g);
    mailvetd_metrics_generation(g);
    mailvetd_metrics_reload(true);
    log_generation(why, g);
    warn_without(g);
    scanslots_set_max(g->cfg->max_scans);
    check_quarantine(g->cfg);
    service_reloaded(why, true, NULL);
    return true;
}

/* reload_thread - SIGUSR1, or every reload_check_interval seconds when the signature
 * or policy files changed: a new generation, built off the message path */
static gpointer reload_thread(gpointer unused)
{
    char *refused = NULL; /* files as they were when a change was refused: not retried */
    sigset_t set;

    (void)unused;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    for (;;) {
        struct generation *cur = generation_acquire();
        unsigned interval = cur != NULL ? cur->cfg->reload_check_interval : 0;
        struct timespec ts = {.tv_sec = interval, .tv_nsec = 0};
        int sig;

        generation_release(cur);
        sig = interval > 0 ? sigtimedwait(&set, NULL, &ts) : sigwaitinfo(&set, NULL);
        if (sig == SIGUSR1) {
            reload("reload");
            continue;
        }
        if (sig < 0 && errno == EAGAIN) {
            char *now;

            cur = generation_acquire();
            if (cur == NULL)
                continue;
            now = generation_stamp_new(cur);
            if (strcmp(now, cur->stamp) != 0 && g_strcmp0(now, refused) != 0) {
                g_free(refused);
                refused = reload("files changed") ? NULL : g_strdup(now);
            }
            g_free(now);
            generation_release(cur);
        }
    }
    g_free(refused);
    return NULL;
}

int main(int argc, char **argv)
{
    struct mv_err err = {0};
    struct generation *gen;
    struct mv_config *first;
    const struct mv_config *cfg;
    const char *path;
    uid_t uid = 0;
    gid_t gid = 0;
    bool drop, set_up;
    sigset_t set;
    int ch, rc, facility;
    static const struct option long_options[] = {
        {"reload", no_argument, NULL, 'R'},
        {"timeout", required_argument, NULL, 'T'},
        {NULL, 0, NULL, 0},
    };

    opt.config = DEFAULT_CONFIG;
    opt.reload_timeout = SERVICE_RELOAD_TIMEOUT;
    while ((ch = getopt_long(argc, argv, "c:d:fnVh", long_options, NULL)) != -1) {
        switch (ch) {
        case 'c':
            opt.config = optarg;
            break;
        case 'd':
            opt.database = optarg;
            break;
        case 'f':
            opt.foreground = true;
            break;
        case 'n':
            opt.check_only = true;
            break;
        case 'R':
            opt.reload = true;
            break;
        case 'T': {
            /* the one grammar of durations (units.c), the unit required as in mailvet.yaml */
            struct mv_err e = {0};
            uint64_t ms;

            if (units_parse_duration(optarg, &ms, &e) != MV_OK) {
                fprintf(stderr, "mailvetd: --timeout: %s\n", e.msg);
                return EX_USAGE;
            }
            if (ms % 1000 != 0 || ms < 1000 || ms > 86400 * 1000) {
                fprintf(stderr, "mailvetd: --timeout: whole seconds from 1s to 24h, got %s\n",
                        optarg);
                return EX_USAGE;
            }
            opt.reload_timeout = (unsigned)(ms / 1000);
            break;
        }
        case 'V':
            printf("mailvetd %s\n", PACKAGE_VERSION);
            return EX_OK;
        case 'h':
            usage(stdout);
            return EX_OK;
        default:
            usage(stderr);
            return EX_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return EX_USAGE;
    }
    /* a command (-n, --reload) answers on stderr; the daemon logs to syslog unless -f,
     * and with -f under the journal too: stderr lines would lose log_facility there */
    if (opt.check_only || opt.reload)
        log_sinks = LOG_SINK_STDERR;
    else if (opt.foreground)
        log_sinks = log_stderr_is_journal() ? LOG_SINK_SYSLOG : LOG_SINK_STDERR;
    else
        log_sinks = LOG_SINK_STDERR | LOG_SINK_SYSLOG;
    log_open_sinks("mailvetd", log_sinks, LOG_MAIL);
    if (opt.reload)
        return service_reload_request(opt.config, opt.reload_timeout);
    message_init();

    /* the user first (the configuration names it), then the generation, read as that
     * user; before any log is open the lines name file, line and key themselves */
    first = config_load(opt.config, &err);
    if (first == NULL) {
        startup_error(err.msg);
        return err.status == MV_ENOMEM ? EX_OSERR : EX_CONFIG;
    }
    drop = first->user[0] != '\0';
    /* the user is looked up, and taken, only when root starts mailvetd, as check-config
     * does: started by another, it stays who it is (and says so below) */
    if (drop && geteuid() == 0 && !config_user_ids(first, &uid, &gid, &err)) {
        startup_error(err.msg);
        config_free(first);
        return EX_NOUSER;
    }
    /* a milter parses what strangers send: it runs as root only when told to, with
     * user: "" (stay as started), never by naming root as the user */
    if (drop && geteuid() == 0 && uid == 0) {
        char *line = g_strdup_printf("mailvetd: %s: user: %s is root; name an unprivileged user "
                                     "(the package's is mailvet), or user: \"\" to stay as started",
                                     first->file, first->user);
        startup_error(line);
        g_free(line);
        config_free(first);
        return EX_CONFIG;
    }
    gen = drop && geteuid() == 0
              ? generation_build_as(opt.config, opt.database, first->user, uid, gid, &err)
              : generation_build(opt.config, opt.database, &err);
    config_free(first);
    if (gen == NULL && err.status == MV_EBUG) {
        fprintf(stderr, "mailvetd: %s\n", err.msg);
        return EX_OSERR;
    }
    if (gen == NULL) {
        startup_error(err.msg);
        return err.status == MV_ENOMEM ? EX_OSERR : EX_CONFIG;
    }
    cfg = gen->cfg;
    facility = log_facility_code(cfg->log_facility);
    if (facility < 0)
        facility = LOG_MAIL;
    log_open_sinks("mailvetd", log_sinks, facility);
    if (opt.check_only) {
        char *text = generation_report_new(gen);
        unsigned sigs = scan_engine_signatures(gen->engine);

        printf("mailvetd: %s: configuration OK, %u signature%s in all\n%s", cfg->file, sigs,
               sigs == 1 ? "" : "s", text);
        g_free(text);
        text = generation_warning_new(gen);
        if (text != NULL)
            fprintf(stderr, "mailvetd: warning: %s\n", text);
        g_free(text);
        generation_release(gen);
        return EX_OK;
    }
    if (store_schema_refused(cfg)) {
        generation_release(gen);
        return EX_CONFIG;
    }
    if (!drop && geteuid() == 0)
        log_msg(LOG_WARNING,
                "running as root (user: \"\" in %s): every message is parsed "
                "with root's privileges",
                cfg->file);
    if (drop && geteuid() != 0) {
        log_msg(LOG_WARNING, "not started as root: staying user %ld instead of switching to %s",
                (long)geteuid(), cfg->user);
        drop = false;
    }

    /* SIGUSR1 is held from before the socket exists: a reload asked as soon as it is there
     * (a script or ExecReload= that waits for the socket) is the reload thread's once it
     * runs, instead of the signal's default action ending the process */
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    path = mailvetd_socket_path(cfg->socket);
    if (path != NULL && (rc = mailvetd_socket_claim(cfg, path)) != EX_OK) {
        generation_release(gen);
        return rc;
    }
    {
        char *conn = mailvetd_socket_conn_new(cfg);

        set_up = smfi_setconn(conn) == MI_SUCCESS && milter_register() &&
                 smfi_settimeout((int)cfg->milter_timeout) == MI_SUCCESS;
        g_free(conn); /* libmilter keeps a copy */
    }
    if (!set_up) {
        log_msg(LOG_ERR, "%s: socket: cannot set up milter on %s", cfg->file, cfg->socket);
        generation_release(gen);
        return EX_SOFTWARE;
    }
    {
        mode_t old = umask(~cfg->socket_mode & 0777);
        rc = smfi_opensocket(true);
        umask(old);
    }
    if (rc != MI_SUCCESS) {
        log_msg(LOG_ERR, "%s: socket: cannot create %s (directory missing, or in use?)", cfg->file,
                cfg->socket);
        generation_release(gen);
        return EX_UNAVAILABLE;
    }
    /* replies at once over TCP (mailvetd_tcp.h): before /metrics listens too */
    if (path == NULL && mailvetd_tcp_nodelay() < 0)
        log_msg(LOG_WARNING, "socket: cannot set TCP_NODELAY on %s: %s", cfg->socket,
                strerror(errno));
    if (path != NULL && !mailvetd_socket_place(cfg, drop, uid, gid)) {
        generation_release(gen);
        return EX_UNAVAILABLE;
    }
    /* a start that fails from here on leaves no socket behind (start_undone) */
    /* /metrics: bound now (as root, at the terminal), served after the privilege drop */
    if (!mailvetd_metrics_open(cfg, &err)) {
        startup_error(err.msg);
        return start_undone(gen, NULL, EX_UNAVAILABLE);
    }
    if (!opt.foreground) {
        if (!daemonize()) {
            log_msg(LOG_ERR, "cannot detach: %s", strerror(errno));
            return start_undone(gen, NULL, EX_OSERR);
        }
        log_sinks = LOG_SINK_SYSLOG;
        log_open_sinks("mailvetd", log_sinks, facility);
    }
    if (cfg->pid_file[0] != '\0' && !write_pid_file(cfg))
        return start_undone(gen, NULL, EX_CANTCREAT);
    /* beside the pid file, while the directory can still be written */
    if (!service_open(cfg->pid_file))
        return start_undone(gen, cfg->pid_file, EX_CANTCREAT);
    if (drop && !drop_privileges(cfg, uid, gid))
        return start_undone(gen, cfg->pid_file, EX_NOPERM);

    /* Every thread inherits this mask.  SIGUSR1 is the reload thread's; SIGTERM,
     * SIGINT and SIGHUP are libmilter's signal thread's (it blocks them itself, but
     * only from smfi_main() on, and the reload thread starts before that: a signal
     * delivered to a thread that does not block it would kill the process). */
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    start_pid_file = g_strdup(cfg->pid_file);
    generation_install(gen);
    mailvetd_metrics_generation(gen);
    log_generation("start", gen);
    warn_without(gen);
    /* cfg belongs to the installed generation, which a reload may free: last use here */
    log_msg(LOG_INFO, "ready: socket=%s user=%s", cfg->socket, drop ? cfg->user : "(unchanged)");
    scanslots_set_max(cfg->max_scans);
    check_quarantine(cfg);
    cfg = NULL;
    if (!mailvetd_metrics_start(&err)) {
        log_msg(LOG_ERR, "%s", err.msg);
        if (start_pid_file[0] != '\0')
            remove_pid_file(start_pid_file);
        mailvetd_socket_remove();
        service_close();
        return EX_OSERR;
    }
    g_thread_unref(g_thread_new("reload", reload_thread, NULL));
    /* the socket listens since smfi_opensocket(): the MTA's connections wait in its
     * backlog until smfi_main() accepts them */
    service_ready();

    rc = smfi_main();
    service_stopping();
    mailvetd_metrics_stop();

    /* libmilter stopped accepting; let messages in flight finish */
    gen = generation_acquire();
    {
        gint64 deadline =
            g_get_monotonic_time() + (gint64)gen->cfg->shutdown_timeout * G_USEC_PER_SEC;
        while (session_txn_in_flight() > 0 && g_get_monotonic_time() < deadline)
            g_usleep(50 * 1000);
        if (session_txn_in_flight() > 0)
            log_msg(LOG_WARNING, "stopping with %d messages in flight (shutdown_timeout)",
                    session_txn_in_flight());
    }
    /* the paths it started with: a reload does not move them (log_restart_keys) */
    if (start_pid_file[0] != '\0')
        remove_pid_file(start_pid_file);
    mailvetd_socket_remove();
    service_close();
    log_msg(LOG_INFO, "stopped");
    generation_release(gen);
    generation_shutdown();
    g_free(start_pid_file);
    log_close();
    return rc == MI_SUCCESS ? EX_OK : EX_SOFTWARE;
}
