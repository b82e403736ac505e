/* log.h - the daemon's and the tool's log sink: syslog, standard error, or both.
 * log_open() or log_open_sinks() at start (single-threaded; again to change the sinks or
 * the facility); log_msg() from any thread (syslog, stdio and a datagram send are
 * thread-safe).  Every line reads the same in both sinks: "[LEVEL: ]TEXT", LEVEL for
 * warnings and worse as Postfix writes them ("warning: ...").  On standard error a line
 * gets "TIME IDENT[PID]: " before it, or only a "<N>" priority prefix (sd-daemon(3))
 * when standard error is the journal's stream (JOURNAL_STREAM names it), which adds its
 * own time and identifier.  log_escape() makes sender-controlled text safe for one line.
 *
 * Test hook: with MAILVET_SYSLOG_SOCKET set to the path of a unix datagram socket, the
 * syslog sink sends its lines there, one "<PRI>TIME IDENT[PID]: TEXT" datagram each as
 * syslog(3) sends them to /dev/log, so that a test can read them without a syslog
 * daemon and without touching the system's /dev/log. */
#ifndef MV_LOG_H
#define MV_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

/* the sinks of log_open_sinks(), or-ed */
#define LOG_SINK_STDERR 1u
#define LOG_SINK_SYSLOG 2u

/* log_open - to stderr when TO_STDERR, else syslog with FACILITY (LOG_MAIL ...) */
void log_open(const char *ident, bool to_stderr, int facility);
/* log_open_sinks - to the SINKS given (LOG_SINK_*), syslog with FACILITY */
void log_open_sinks(const char *ident, unsigned sinks, int facility);
/* log_stderr_is_journal - whether standard error is the journal's stream: JOURNAL_STREAM
 * holds its "DEVICE:INODE" (systemd.exec(5)), so a redirected stderr does not count */
bool log_stderr_is_journal(void);
/* log_msg - one line at PRIORITY (LOG_ERR, LOG_INFO ...) */
void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* log_lines - TEXT one line per log line, each after PREFIX (multi-line errors) */
void log_lines(int priority, const char *prefix, const char *text);
/* log_facility_code - syslog facility by name ("mail", "local0" ...), -1 if unknown */
int log_facility_code(const char *name);
/* log_escape - S truncated to MAX bytes, non-printables and ',' '=' as '?'; caller frees */
char *log_escape(const char *s, size_t max);
/* log_close - close the syslog sink; standard error stays the sink */
void log_close(void);

#endif
