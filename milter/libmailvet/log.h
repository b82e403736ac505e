/* log.h - the daemon's and the tool's log sink: syslog, or stderr in the foreground.
 * log_open() once at start; log_msg() from any thread (syslog and stdio are
 * thread-safe).  log_escape() makes sender-controlled text safe for one log line. */
#ifndef MV_LOG_H
#define MV_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

/* log_open - to stderr when foreground, else syslog with FACILITY (LOG_MAIL ...) */
void log_open(const char *ident, bool to_stderr, int facility);
/* log_msg - one line at PRIORITY (LOG_ERR, LOG_INFO ...) */
void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* log_lines - TEXT one line per log line, each after PREFIX (multi-line errors) */
void log_lines(int priority, const char *prefix, const char *text);
/* log_facility_code - syslog facility by name ("mail", "local0" ...), -1 if unknown */
int log_facility_code(const char *name);
/* log_escape - S truncated to MAX bytes, non-printables and ',' '=' as '?'; caller frees */
char *log_escape(const char *s, size_t max);
void log_close(void);

#endif
