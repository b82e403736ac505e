/* log.c - syslog and stderr sinks for mailvetd and mailvet.
 * The leaf modules never log; the programs (mailvetd_milter.c, mailvetd.c, mailvet.c) do, through
 * log_msg(), so every event is one line.  Text the sender controls passes through
 * log_escape() first.  The sinks are chosen by the program (log_open_sinks): mailvetd
 * uses syslog unless -f, and with -f under the journal too; the tool uses stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "log.h"

static unsigned sinks = LOG_SINK_STDERR;
static const char *log_ident = "mailvet";
static int log_fac = LOG_USER;
static bool stderr_journal; /* stderr lines as "<N>TEXT" */
static bool syslog_open;    /* openlog() was called */
static int hook_fd = -1;    /* MAILVET_SYSLOG_SOCKET, connected */

static const char *const level[] = {"emerg",   "alert",  "crit", "error",
                                    "warning", "notice", "info", "debug"};

static const struct {
    const char *name;
    int code;
} facilities[] = {
    {"mail", LOG_MAIL},     {"daemon", LOG_DAEMON}, {"user", LOG_USER},     {"local0", LOG_LOCAL0},
    {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},
    {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

/* log_facility_code - facility name to LOG_* code */
int log_facility_code(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(facilities); i++)
        if (strcmp(facilities[i].name, name) == 0)
            return facilities[i].code;
    return -1;
}

/* log_stderr_is_journal - JOURNAL_STREAM's "DEVICE:INODE" against fd 2 */
bool log_stderr_is_journal(void)
{
    const char *e = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;

    if (e == NULL || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
        return false;
    if (fstat(STDERR_FILENO, &st) != 0)
        return false;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* hook_connect - the test hook's datagram socket at PATH, or -1 */
static int hook_connect(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd;

    if (strlen(path) >= sizeof(sa.sun_path))
        return -1;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* log_close - close the syslog sink (and the test hook's socket) */
void log_close(void)
{
    if (syslog_open)
        closelog();
    syslog_open = false;
    if (hook_fd >= 0)
        close(hook_fd);
    hook_fd = -1;
    sinks &= ~LOG_SINK_SYSLOG;
}

/* log_open_sinks - choose the sinks */
void log_open_sinks(const char *ident, unsigned which, int facility)
{
    const char *hook = getenv("MAILVET_SYSLOG_SOCKET");

    log_close();
    log_ident = ident;
    log_fac = facility;
    sinks = which;
    stderr_journal = (which & LOG_SINK_STDERR) != 0 && log_stderr_is_journal();
    if ((which & LOG_SINK_SYSLOG) == 0)
        return;
    if (hook != NULL && *hook != '\0')
        hook_fd = hook_connect(hook);
    if (hook_fd < 0) {
        openlog(ident, LOG_PID | LOG_NDELAY, facility);
        syslog_open = true;
    }
}

/* log_open - stderr, or syslog */
void log_open(const char *ident, bool to_stderr, int facility)
{
    log_open_sinks(ident, to_stderr ? LOG_SINK_STDERR : LOG_SINK_SYSLOG, facility);
}

/* hook_send - one datagram in syslog(3)'s format (RFC 3164) to the test hook */
static void hook_send(int priority, const char *lvl, const char *line)
{
    char stamp[32];
    char *dgram;
    struct tm tm;
    time_t now = time(NULL);

    strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", localtime_r(&now, &tm));
    dgram = g_strdup_printf("<%d>%s %s[%ld]: %s%s", log_fac | priority, stamp, log_ident,
                            (long)getpid(), lvl, line);
    (void)send(hook_fd, dgram, strlen(dgram), MSG_NOSIGNAL);
    g_free(dgram);
}

/* log_msg - write one line to each sink */
void log_msg(int priority, const char *fmt, ...)
{
    char line[2048];
    char lvl[16] = "";
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    priority &= LOG_PRIMASK;
    if (priority <= LOG_WARNING)
        snprintf(lvl, sizeof(lvl), "%s: ", level[priority]);
    /* one fprintf or syslog per line so lines from threads do not interleave */
    if ((sinks & LOG_SINK_STDERR) != 0 && stderr_journal) {
        fprintf(stderr, "<%d>%s%s\n", priority, lvl, line);
    } else if ((sinks & LOG_SINK_STDERR) != 0) {
        char stamp[32];
        struct tm tm;
        time_t now = time(NULL);

        strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", localtime_r(&now, &tm));
        fprintf(stderr, "%s %s[%ld]: %s%s\n", stamp, log_ident, (long)getpid(), lvl, line);
    }
    if ((sinks & LOG_SINK_SYSLOG) != 0) {
        if (hook_fd >= 0)
            hook_send(priority, lvl, line);
        else
            syslog(priority, "%s%s", lvl, line);
    }
}

/* log_lines - one log line per line of TEXT */
void log_lines(int priority, const char *prefix, const char *text)
{
    char **lines = g_strsplit(text, "\n", -1);

    for (char **l = lines; *l != NULL; l++)
        if (**l != '\0')
            log_msg(priority, "%s%s", prefix, *l);
    g_strfreev(lines);
}

/* log_escape - bounded copy with anything that could split or forge a field replaced */
char *log_escape(const char *s, size_t max)
{
    size_t n;
    char *out;

    if (s == NULL)
        return g_strdup("");
    n = strnlen(s, max);
    out = g_malloc(n + (s[n] != '\0' ? 4 : 1));
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c < 0x20 || c == 0x7f || c == ',' || c == '=' || c >= 0x80) ? '?' : (char)c;
    }
    if (s[n] != '\0') {
        memcpy(out + n, "...", 4);
    } else {
        out[n] = '\0';
    }
    return out;
}
