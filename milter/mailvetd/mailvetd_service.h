/* mailvetd_service.h - what the service manager and "mailvetd --reload" see of the daemon.
 * systemd (Type=notify): service_ready() sends READY=1 once the socket listens,
 * service_reloading() and service_reloaded() send RELOADING=1 and READY=1 around each
 * reload, service_stopping() STOPPING=1; each sends STATUS= with the generation, its
 * counts and the messages in flight, or why the last reload was refused.  Without
 * NOTIFY_SOCKET nothing is sent.  The status file (service_status_path) records the
 * outcome of each reload for service_reload_request(), the client side of --reload.
 * The daemon's calls are thread-safe; service_open() comes before privileges are
 * dropped, service_close() at exit. */
#ifndef MV_MAILVETD_SERVICE_H
#define MV_MAILVETD_SERVICE_H

#include <stdbool.h>

/* seconds between STATUS= updates of the messages in flight (under systemd only) */
#define SERVICE_STATUS_PERIOD 10
/* seconds --reload waits for the daemon's answer by default: under the unit's
 * TimeoutStartSec=300, which bounds ExecReload=, so that it can say why it gave up */
#define SERVICE_RELOAD_TIMEOUT 270

/* service_status_path - the status file of PID_FILE: ".status" in place of a ".pid"
 * ending, else appended (g_free) */
char *service_status_path(const char *pid_file);
/* service_open - create the status file beside PID_FILE ("" : none) and keep it open,
 * so that it can be rewritten after the switch to the unprivileged user; false (logged)
 * when it cannot be created */
bool service_open(const char *pid_file);
/* service_ready - the first generation is installed and the socket listens */
void service_ready(void);
/* service_reloading - a reload (TRIGGER: "reload" for SIGUSR1, "files changed") begins */
void service_reloading(const char *trigger);
/* service_reloaded - it ended: installed when OK, else refused for REASON (first line
 * kept) */
void service_reloaded(const char *trigger, bool ok, const char *reason);
/* service_stopping - libmilter stopped accepting; messages in flight finish */
void service_stopping(void);
/* service_close - remove the status file, if it is still the one service_open made */
void service_close(void);

/* service_reload_request - "mailvetd -c CONFIG --reload": signal the daemon ($MAINPID,
 * else the pid in CONFIG's pid_file) with SIGUSR1 and wait up to TIMEOUT seconds for a
 * reload that began after the signal; logs the outcome (to stderr), returns the exit
 * status: 0 installed, EX_CONFIG refused, EX_UNAVAILABLE no daemon or no status file,
 * EX_NOPERM cannot signal it, EX_TEMPFAIL no answer in time */
int service_reload_request(const char *config, unsigned timeout);

#endif
