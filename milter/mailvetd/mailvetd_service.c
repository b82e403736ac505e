/* mailvetd_service.c - the service manager's view of mailvetd, and "mailvetd --reload".
 * Notifications go through libsystemd's sd_notify(), which does nothing without
 * NOTIFY_SOCKET.  RELOADING=1 carries MONOTONIC_USEC (systemd 253 asks for it, 252
 * ignores it).  While systemd runs ExecReload= it ignores READY=1 and waits for the
 * command, so "systemctl reload" succeeds or fails with service_reload_request().
 *
 * The status file is how that command learns the daemon's answer: one record of
 * "key: value" lines, rewritten in place (pwrite, ftruncate) through the descriptor
 * opened before privileges are dropped, because the unprivileged daemon may not
 * create files in the pid file's directory.  A reader can catch a rewrite half done:
 * the record starts with "seq: N" and ends with "end: N", and a record whose two
 * differ is read again.  "started" is CLOCK_MONOTONIC in microseconds (system-wide,
 * as g_get_monotonic_time() reads it) at the start of the reload, so the command
 * takes only a reload that began after its signal: one that read the files as the
 * administrator left them. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "generation.h"
#include "log.h"
#include "mailvetd_service.h"
#include "mailvetd_session.h"
#include "policy.h"
#include "rules.h"
#include "scan.h"

/* the reason kept in the status file and STATUS=, in bytes */
#define REASON_MAX 400

static GMutex lock; /* everything below, and the order of notifications */
static int status_fd = -1;
static char *status_path;
static struct stat status_st; /* the file as made, for service_close */
static unsigned seq;
static bool reloading;
static bool stopping;
static char *reload_trigger;
static gint64 reload_started;
static char *refused; /* "reload (TRIGGER) refused at HH:MM:SS: REASON" until one succeeds */

/* service_status_path - PID_FILE with .status for .pid */
char *service_status_path(const char *pid_file)
{
    if (g_str_has_suffix(pid_file, ".pid"))
        return g_strdup_printf("%.*s.status", (int)(strlen(pid_file) - 4), pid_file);
    return g_strconcat(pid_file, ".status", NULL);
}

/* first_line - the first line of TEXT, at most REASON_MAX bytes, and how many more
 * non-empty lines there are (g_free) */
static char *first_line(const char *text)
{
    char **lines = g_strsplit(text != NULL ? text : "", "\n", -1);
    const char *first = "";
    unsigned more = 0;
    char *out;

    for (char **l = lines; *l != NULL; l++) {
        if (**l == '\0')
            continue;
        if (*first == '\0')
            first = *l;
        else
            more++;
    }
    out = more > 0 ? g_strdup_printf("%.*s (and %u more in the log)", REASON_MAX, first, more)
                   : g_strdup_printf("%.*s", REASON_MAX, first);
    g_strfreev(lines);
    return out;
}

/* plural - "s" unless N is 1 */
static const char *plural(unsigned long n)
{
    return n == 1 ? "" : "s";
}

/* status_text - "generation N: S signatures, R rules; M messages in flight[; refused
 * ...]" (lock held; g_free) */
static char *status_text(void)
{
    struct generation *g = generation_acquire();
    GString *s = g_string_new(NULL);
    int n = session_txn_in_flight();

    if (g != NULL) {
        unsigned sigs = scan_engine_signatures(g->engine);
        size_t rules = rules_count(policy_rules(g->policy));

        g_string_append_printf(s, "generation %u: %u signature%s, %zu rule%s; ", g->number, sigs,
                               plural(sigs), rules, plural(rules));
        generation_release(g);
    }
    g_string_append_printf(s, "%d message%s in flight", n, plural((unsigned long)n));
    if (refused != NULL)
        g_string_append_printf(s, "; %s", refused);
    return g_string_free(s, FALSE);
}

/* current_number - the installed generation's number, 0 before the first */
static unsigned current_number(void)
{
    struct generation *g = generation_acquire();
    unsigned n = g != NULL ? g->number : 0;

    generation_release(g);
    return n;
}

/* write_status - rewrite the status file with one record (lock held) */
static void write_status(const char *outcome, const char *reason, const char *text)
{
    GString *r;

    if (status_fd < 0)
        return;
    seq++;
    r = g_string_new(NULL);
    g_string_append_printf(r,
                           "seq: %u\npid: %ld\ntrigger: %s\nstarted: %" G_GINT64_FORMAT
                           "\noutcome: %s\ngeneration: %u\nreason: %s\nstatus: %s\nend: %u\n",
                           seq, (long)getpid(), reload_trigger, reload_started, outcome,
                           current_number(), reason != NULL ? reason : "-", text, seq);
    /* logged, and the command that waits then says it got no answer */
    if (pwrite(status_fd, r->str, r->len, 0) != (ssize_t)r->len ||
        ftruncate(status_fd, (off_t)r->len) != 0)
        log_msg(LOG_WARNING, "%s: cannot write the status file: %s", status_path, strerror(errno));
    g_string_free(r, TRUE);
}

/* status_thread - refresh STATUS= (the messages in flight) under systemd */
static gpointer status_thread(gpointer unused)
{
    (void)unused;
    for (;;) {
        g_usleep((gulong)SERVICE_STATUS_PERIOD * G_USEC_PER_SEC);
        g_mutex_lock(&lock);
        if (!stopping && !reloading) {
            char *text = status_text();

            sd_notifyf(0, "STATUS=%s", text);
            g_free(text);
        }
        g_mutex_unlock(&lock);
    }
    return NULL;
}

/* service_open - create the status file while still privileged */
bool service_open(const char *pid_file)
{
    if (*pid_file == '\0')
        return true;
    status_path = service_status_path(pid_file);
    status_fd = open(status_path, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (status_fd < 0 || fstat(status_fd, &status_st) != 0) {
        log_msg(LOG_ERR, "%s: cannot create the status file: %s", status_path, strerror(errno));
        return false;
    }
    return true;
}

/* service_ready - READY=1, and the status file's first record */
void service_ready(void)
{
    char *text;

    g_mutex_lock(&lock);
    g_free(reload_trigger);
    reload_trigger = g_strdup("start");
    reload_started = g_get_monotonic_time();
    text = status_text();
    write_status("ok", NULL, text);
    if (sd_notifyf(0, "READY=1\nSTATUS=%s", text) > 0)
        g_thread_unref(g_thread_new("status", status_thread, NULL));
    g_free(text);
    g_mutex_unlock(&lock);
}

/* service_reloading - RELOADING=1 */
void service_reloading(const char *trigger)
{
    struct generation *g;

    g_mutex_lock(&lock);
    reloading = true;
    g_free(reload_trigger);
    reload_trigger = g_strdup(trigger);
    reload_started = g_get_monotonic_time();
    write_status("reloading", NULL, "reloading");
    g = generation_acquire();
    sd_notifyf(0,
               "RELOADING=1\nMONOTONIC_USEC=%" PRIu64
               "\nSTATUS=reloading (%s); generation %u keeps serving meanwhile",
               (uint64_t)reload_started, trigger, g != NULL ? g->number : 0);
    generation_release(g);
    g_mutex_unlock(&lock);
}

/* service_reloaded - READY=1 with the outcome */
void service_reloaded(const char *trigger, bool ok, const char *reason)
{
    char *line = ok ? NULL : first_line(reason);
    char *text;

    g_mutex_lock(&lock);
    reloading = false;
    g_clear_pointer(&refused, g_free);
    if (!ok) {
        char stamp[16];
        struct tm tm;
        time_t now = time(NULL);

        strftime(stamp, sizeof(stamp), "%H:%M:%S", localtime_r(&now, &tm));
        refused = strcmp(trigger, "reload") == 0
                      ? g_strdup_printf("reload refused at %s: %s", stamp, line)
                      : g_strdup_printf("reload (%s) refused at %s: %s", trigger, stamp, line);
    }
    text = status_text();
    write_status(ok ? "ok" : "refused", line, text);
    sd_notifyf(0, "READY=1\nSTATUS=%s", text);
    g_free(text);
    g_mutex_unlock(&lock);
    g_free(line);
}

/* service_stopping - STOPPING=1 */
void service_stopping(void)
{
    int n = session_txn_in_flight();

    g_mutex_lock(&lock);
    stopping = true;
    sd_notifyf(0, "STOPPING=1\nSTATUS=stopping; %d message%s in flight", n,
               plural((unsigned long)n));
    g_mutex_unlock(&lock);
}

/* service_close - unlink the status file only while it is still ours */
void service_close(void)
{
    struct stat st;

    g_mutex_lock(&lock);
    if (status_fd >= 0) {
        if (lstat(status_path, &st) == 0 && st.st_dev == status_st.st_dev &&
            st.st_ino == status_st.st_ino)
            unlink(status_path);
        close(status_fd);
        status_fd = -1;
    }
    g_clear_pointer(&status_path, g_free);
    g_clear_pointer(&reload_trigger, g_free);
    g_clear_pointer(&refused, g_free);
    g_mutex_unlock(&lock);
}

/* --- the client: mailvetd --reload --------------------------------------------- */

struct record {
    unsigned seq;
    long pid;
    char *trigger;
    gint64 started;
    char *outcome;
    unsigned generation;
    char *reason;
    char *status;
};

/* record_clear - free what a record holds */
static void record_clear(struct record *r)
{
    g_free(r->trigger);
    g_free(r->outcome);
    g_free(r->reason);
    g_free(r->status);
    memset(r, 0, sizeof(*r));
}

/* record_read - the status file at PATH as one whole record; false when absent,
 * unreadable or caught half rewritten */
static bool record_read(const char *path, struct record *r)
{
    char *text = NULL;
    char **lines;
    bool have_seq = false, have_end = false;
    unsigned end = 0;

    memset(r, 0, sizeof(*r));
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return false;
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l != NULL && !have_end; l++) {
        char *v = strstr(*l, ": ");

        if (v == NULL)
            continue;
        *v = '\0';
        v += 2;
        if (strcmp(*l, "seq") == 0) {
            r->seq = (unsigned)strtoul(v, NULL, 10);
            have_seq = true;
        } else if (strcmp(*l, "pid") == 0) {
            r->pid = strtol(v, NULL, 10);
        } else if (strcmp(*l, "trigger") == 0) {
            g_free(r->trigger);
            r->trigger = g_strdup(v);
        } else if (strcmp(*l, "started") == 0) {
            r->started = g_ascii_strtoll(v, NULL, 10);
        } else if (strcmp(*l, "outcome") == 0) {
            g_free(r->outcome);
            r->outcome = g_strdup(v);
        } else if (strcmp(*l, "generation") == 0) {
            r->generation = (unsigned)strtoul(v, NULL, 10);
        } else if (strcmp(*l, "reason") == 0) {
            g_free(r->reason);
            r->reason = g_strdup(v);
        } else if (strcmp(*l, "status") == 0) {
            g_free(r->status);
            r->status = g_strdup(v);
        } else if (strcmp(*l, "end") == 0) {
            end = (unsigned)strtoul(v, NULL, 10);
            have_end = true;
        }
    }
    g_strfreev(lines);
    g_free(text);
    if (!have_seq || !have_end || end != r->seq || r->trigger == NULL || r->outcome == NULL) {
        record_clear(r);
        return false;
    }
    return true;
}

/* daemon_pid - $MAINPID (systemd sets it for ExecReload=), else the pid file's */
static long daemon_pid(const char *pid_file)
{
    const char *env = getenv("MAINPID");
    char *text = NULL;
    long pid = 0;

    if (env != NULL && *env != '\0')
        return strtol(env, NULL, 10);
    if (g_file_get_contents(pid_file, &text, NULL, NULL))
        pid = strtol(text, NULL, 10);
    g_free(text);
    return pid;
}

/* service_reload_request - signal, then wait for the answer of a reload begun after it */
int service_reload_request(const char *config, unsigned timeout)
{
    struct mv_err err = {0};
    struct mv_config *cfg = config_load(config, &err);
    struct record r = {0};
    char *path = NULL;
    gint64 asked, deadline;
    long pid;
    int rc;

    if (cfg == NULL) {
        /* the daemon reads the same file and would refuse it; it is still told, when
         * known, so that its log and STATUS= say so too */
        pid = daemon_pid("");
        if (pid > 0)
            kill((pid_t)pid, SIGUSR1);
        log_msg(LOG_ERR, "reload refused: %s does not load; the running generation keeps serving",
                config);
        log_lines(LOG_ERR, "reload: ", err.msg);
        return EX_CONFIG;
    }
    if (cfg->pid_file[0] == '\0') {
        log_msg(LOG_ERR,
                "%s: pid_file: --reload needs a pid_file: mailvetd answers in the status file "
                "beside it",
                cfg->file);
        rc = EX_CONFIG;
        goto out;
    }
    path = service_status_path(cfg->pid_file);
    pid = daemon_pid(cfg->pid_file);
    if (pid <= 0) {
        log_msg(LOG_ERR, "%s: no pid of a running mailvetd (is it running?)", cfg->pid_file);
        rc = EX_UNAVAILABLE;
        goto out;
    }
    if (!record_read(path, &r) || r.pid != pid) {
        log_msg(LOG_ERR,
                "%s: no status of mailvetd pid %ld: it is not running, or it was started "
                "with another pid_file or by an older mailvetd; restart it",
                path, pid);
        rc = EX_UNAVAILABLE;
        goto out;
    }
    record_clear(&r);
    asked = g_get_monotonic_time();
    deadline = asked + (gint64)timeout * G_USEC_PER_SEC;
    if (kill((pid_t)pid, SIGUSR1) != 0) {
        log_msg(LOG_ERR, "cannot signal mailvetd pid %ld: %s", pid, strerror(errno));
        rc = errno == ESRCH ? EX_UNAVAILABLE : EX_NOPERM;
        goto out;
    }
    for (;;) {
        g_usleep(50 * 1000);
        if (record_read(path, &r)) {
            if (r.pid == pid && strcmp(r.trigger, "reload") == 0 && r.started >= asked &&
                (strcmp(r.outcome, "ok") == 0 || strcmp(r.outcome, "refused") == 0))
                break;
            record_clear(&r);
        }
        if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
            log_msg(LOG_ERR, "mailvetd pid %ld exited before it answered the reload", pid);
            rc = EX_UNAVAILABLE;
            goto out;
        }
        if (g_get_monotonic_time() > deadline) {
            log_msg(LOG_ERR,
                    "no answer from mailvetd pid %ld within %u s: the reload may still be "
                    "running; see its log and %s",
                    pid, timeout, path);
            rc = EX_TEMPFAIL;
            goto out;
        }
    }
    if (strcmp(r.outcome, "ok") == 0) {
        log_msg(LOG_INFO, "reload done, now %s", r.status != NULL ? r.status : "");
        rc = EX_OK;
    } else {
        log_msg(LOG_ERR, "reload refused, generation %u keeps serving: %s", r.generation,
                r.reason != NULL ? r.reason : "(no reason given)");
        rc = EX_CONFIG;
    }
out:
    record_clear(&r);
    g_free(path);
    config_free(cfg);
    return rc;
}
