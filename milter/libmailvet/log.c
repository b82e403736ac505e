/* log.c - syslog or stderr sink for mailvetd and mailvet.
 * The leaf modules never log; the programs (mailvetd_milter.c, mailvetd.c, mailvet.c) do, through
 * log_msg(), so every event is one line.  Text the sender controls passes through
 * log_escape() first. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "log.h"

static bool use_stderr = true;
static const char *log_ident = "mailvet";

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

/* log_open - choose the sink */
void log_open(const char *ident, bool to_stderr, int facility)
{
    log_ident = ident;
    use_stderr = to_stderr;
    if (!use_stderr)
        openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

/* log_msg - write one line */
void log_msg(int priority, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (use_stderr) {
        static const char *const level[] = {"emerg",   "alert",  "crit", "error",
                                            "warning", "notice", "info", "debug"};
        char line[2048];
        char stamp[32];
        struct tm tm;
        time_t now = time(NULL);

        vsnprintf(line, sizeof(line), fmt, ap);
        strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", localtime_r(&now, &tm));
        /* one fprintf per line so lines from threads do not interleave */
        fprintf(stderr, "%s %s[%ld]: %s%s%s\n", stamp, log_ident, (long)getpid(),
                priority <= LOG_WARNING ? level[priority & 7] : "",
                priority <= LOG_WARNING ? ": " : "", line);
    } else {
        vsyslog(priority, fmt, ap);
    }
    va_end(ap);
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

/* log_close - close syslog */
void log_close(void)
{
    if (!use_stderr)
        closelog();
}
