/* mailvet_console.c - mailvet-console, the operators' web console: the program's
 * start (options, mailvet.yaml, the checks that refuse a weaker console than
 * configured), --add-user, the privilege drop, and the signals.  Served by
 * console_http.c; pages in console_pages.c, actions in console_actions.c.
 * It refuses to start, with one line naming the file and the fix, when: console_listen
 * is not a loopback address and no TLS certificate and key are set; only one of them is
 * set, or one cannot be read; the users file is missing, open to others, broken or
 * without users; the audit log cannot be opened for appending; the quarantine cannot be
 * read (its index is loaded at start, so the first page is quick).  Signals: SIGTERM and SIGINT
 * stop it (requests in flight finish); SIGHUP reopens the audit log (after logrotate).  It never
 * links libmilter: it speaks HTTP and reads the quarantine, nothing else of the daemon's. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <termios.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <glib.h>

#include "config.h"
#include "console_audit.h"
#include "console_http.h"
#include "console_session.h"
#include "console_users.h"
#include "log.h"
#include "message.h"
#include "quarantine.h"

#define DEFAULT_CONFIG SYSCONFDIR "/mailvet/mailvet.yaml"

/* usage - the synopsis */
static void usage(FILE *out)
{
    fprintf(out,
            "usage: mailvet-console [-c CONFIG]              serve the console\n"
            "       mailvet-console [-c CONFIG] --check      check the setup, then exit\n"
            "       mailvet-console [-c CONFIG] --add-user NAME\n"
            "                              set NAME's password in console_users_file (read\n"
            "                              from the terminal without echo, or one line of\n"
            "                              standard input)\n"
            "  -c, --config CONFIG  mailvet.yaml (default %s; built-in\n"
            "                       defaults when the default file is absent)\n",
            DEFAULT_CONFIG);
}

/* complain - "mailvet-console: ..." on stderr (the log: stderr, as mailvetd -f) */
static void complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void complain(const char *fmt, ...)
{
    va_list ap;
    char *text;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    log_msg(LOG_ERR, "%s", text);
    g_free(text);
}

/* ---- --add-user ----------------------------------------------------------------------- */

/* read_line - one line of FP without its end into BUF (SIZE bytes); false at EOF or
 * when it is longer */
static bool read_line(FILE *fp, char *buf, size_t size)
{
    size_t n;

    if (fgets(buf, (int)size, fp) == NULL)
        return false;
    n = strlen(buf);
    if (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    else if (!feof(fp))
        return false; /* longer than the buffer */
    if (n > 0 && buf[n - 1] == '\r')
        buf[--n] = '\0';
    return true;
}

/* read_password - a password into BUF: asked twice on the terminal without echo, or one
 * line of standard input when it is not a terminal; false with a message */
static bool read_password(const char *name, char *buf, size_t size)
{
    struct termios old, quiet;
    char again[CONSOLE_PASSWORD_MAX + 2];
    bool ok;

    if (!isatty(STDIN_FILENO)) {
        if (!read_line(stdin, buf, size)) {
            fprintf(stderr,
                    "mailvet-console: --add-user: no password line on standard input "
                    "(or a longer one than %u bytes)\n",
                    CONSOLE_PASSWORD_MAX);
            return false;
        }
        return true;
    }
    if (tcgetattr(STDIN_FILENO, &old) < 0) {
        fprintf(stderr, "mailvet-console: --add-user: terminal: %s\n", g_strerror(errno));
        return false;
    }
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    quiet.c_lflag |= ECHONL;
    if (size > sizeof again)
        size = sizeof again;
    fprintf(stderr, "Password for %s: ", name);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    ok = read_line(stdin, buf, size);
    if (ok) {
        fprintf(stderr, "Again: ");
        ok = read_line(stdin, again, size);
    }
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    if (ok && strcmp(buf, again) != 0) {
        fprintf(stderr, "mailvet-console: --add-user: the two passwords differ; nothing changed\n");
        ok = false;
    }
    explicit_bzero(again, sizeof again);
    return ok;
}

/* add_user - --add-user NAME: its password set in the users file */
static int add_user(const struct mv_config *cfg, const char *name)
{
    char *pw = g_malloc0(CONSOLE_PASSWORD_MAX + 2);
    struct mv_err err = {0};
    gid_t gid = (gid_t)-1;
    bool replaced = false;
    int rc = EX_OK;

    if (!console_users_name_valid(name)) {
        fprintf(stderr,
                "mailvet-console: --add-user %.100s: a user name is 1 to 64 characters of "
                "A-Z a-z 0-9 . _ @ -\n",
                name);
        rc = EX_USAGE;
        goto out;
    }
    if (!read_password(name, pw, CONSOLE_PASSWORD_MAX + 2)) {
        rc = EX_DATAERR;
        goto out;
    }
    /* a new file is given the group of the console's user, who reads it */
    if (geteuid() == 0 && cfg->user[0] != '\0') {
        struct passwd *p = getpwnam(cfg->user);
        struct group *g = cfg->group[0] != '\0' ? getgrnam(cfg->group) : NULL;

        gid = g != NULL ? g->gr_gid : p != NULL ? p->pw_gid : (gid_t)-1;
    }
    if (console_users_add(cfg->console_users_file, name, pw, gid, &replaced, &err) != MV_OK) {
        fprintf(stderr, "mailvet-console: --add-user %s: %s\n", name, err.msg);
        rc = err.status == MV_EPARSE ? EX_DATAERR : EX_CANTCREAT;
        goto out;
    }
    printf("mailvet-console: %s %s in %s\n", replaced ? "new password for" : "added user", name,
           cfg->console_users_file);
out:
    explicit_bzero(pw, CONSOLE_PASSWORD_MAX + 2);
    g_free(pw);
    return rc;
}

/* ---- the checks ---------------------------------------------------------------------- */

/* is_loopback - console_listen's host is 127.0.0.0/8 or ::1 */
static bool is_loopback(const char *listen)
{
    const char *colon = strrchr(listen, ':');
    char *host = g_strndup(listen, colon != NULL ? (gsize)(colon - listen) : strlen(listen));
    struct in_addr a4;
    struct in6_addr a6;
    bool lo = false;

    if (host[0] == '[' && strlen(host) > 2) {
        host[strlen(host) - 1] = '\0';
        lo = inet_pton(AF_INET6, host + 1, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
    } else if (inet_pton(AF_INET, host, &a4) == 1) {
        lo = (ntohl(a4.s_addr) >> 24) == 127;
    }
    g_free(host);
    return lo;
}

/* load_tls - the certificate and key into C when configured; false with a message */
static bool load_tls(struct console_http *c, const struct mv_config *cfg)
{
    bool cert = cfg->console_tls_cert[0] != '\0', key = cfg->console_tls_key[0] != '\0';
    GError *gerr = NULL;

    if (cert != key) {
        complain("%s: console_tls_%s is set but console_tls_%s is not: set both (PEM files) "
                 "or neither",
                 cfg->file, cert ? "cert" : "key", cert ? "key" : "cert");
        return false;
    }
    if (!cert) {
        if (!is_loopback(cfg->console_listen)) {
            complain("%s: console_listen: %s is not a loopback address and no TLS is set: set "
                     "console_tls_cert and console_tls_key, or listen on 127.0.0.1 or [::1]",
                     cfg->file, cfg->console_listen);
            return false;
        }
        return true;
    }
    if (!g_file_get_contents(cfg->console_tls_cert, &c->tls_cert, NULL, &gerr) ||
        !g_file_get_contents(cfg->console_tls_key, &c->tls_key, NULL, &gerr)) {
        complain("%s: %s: %s", cfg->file,
                 c->tls_cert == NULL ? "console_tls_cert" : "console_tls_key", gerr->message);
        g_error_free(gerr);
        return false;
    }
    c->tls = true;
    return true;
}

/* check_users - the users file usable; false with a message */
static bool check_users(const struct mv_config *cfg, unsigned *count)
{
    struct mv_err err = {0};

    if (console_users_check(cfg->console_users_file, count, &err) == MV_OK)
        return true;
    complain("%s (console_users_file in %s)", err.msg, cfg->file);
    return false;
}

/* check_quarantine - the view of the quarantine loaded (a directory not yet made is
 * empty), or the database reached with its schema current; false with a message when
 * it cannot be read */
static bool check_quarantine(struct console_http *c, const struct mv_config *cfg)
{
    char note[QUARANTINE_NOTE_MAX];
    struct mv_err err = {0};

    if (c->qs.db) {
        if (qstore_check(&c->qs, &err) == MV_OK)
            return true;
        complain("%s (quarantine_db in %s)", err.msg, cfg->file);
        return false;
    }
    if (quarantine_view_refresh(c->view, note, NULL, &err) != MV_OK) {
        complain("%s (quarantine_dir in %s): the console runs as the daemon's user, who owns "
                 "it",
                 err.msg, cfg->file);
        return false;
    }
    if (note[0] != '\0')
        log_msg(LOG_WARNING, "%s", note);
    return true;
}

/* entry_count - the entries of the store (the view's, or the database's rows) */
static guint entry_count(struct console_http *c)
{
    GPtrArray *l;
    guint n;

    if (!c->qs.db)
        return quarantine_view_count(c->view);
    if ((l = qstore_list_new(&c->qs, NULL, NULL, NULL)) == NULL)
        return 0;
    n = l->len;
    g_ptr_array_unref(l);
    return n;
}

/* lookup_user - the uid and gid of mailvet.yaml's user and group, as mailvetd finds them */
static bool lookup_user(const struct mv_config *cfg, uid_t *uid, gid_t *gid)
{
    struct mv_err err = {0};

    if (config_user_ids(cfg, uid, gid, &err))
        return true;
    complain("%s", err.msg);
    return false;
}

/* drop_privileges - root becomes mailvet.yaml's user for good */
static bool drop_privileges(const struct mv_config *cfg)
{
    uid_t uid;
    gid_t gid;

    if (!lookup_user(cfg, &uid, &gid))
        return false;
    if (initgroups(cfg->user, gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
        complain("cannot switch to user %s: %s", cfg->user, g_strerror(errno));
        return false;
    }
    if (setuid(0) == 0) {
        complain("bug: could regain root after switching to %s", cfg->user);
        return false;
    }
    return true;
}

/* ---- main ----------------------------------------------------------------------------- */

/* serve - the checks, the server, the signals; the exit status */
static int serve(const struct mv_config *cfg, bool check_only)
{
    struct console_http c = {.cfg = cfg};
    struct mv_err err = {0};
    char *where;
    unsigned users = 0;
    sigset_t set;
    int rc = EX_CONFIG, sig;
    bool root = geteuid() == 0 && cfg->user[0] != '\0';

    g_mutex_init(&c.view_lock);
    if (!load_tls(&c, cfg) || !check_users(cfg, &users))
        goto out;
    c.audit = console_audit_open(cfg->console_audit_log, &err);
    if (c.audit == NULL) {
        complain("%s (console_audit_log in %s): every action must be audited", err.msg, cfg->file);
        goto out;
    }
    qstore_init(&c.qs, cfg);
    c.view = quarantine_view_new(cfg->quarantine_dir);
    if (!check_quarantine(&c, cfg))
        goto out;
    if (cfg->quarantine_mode == CONFIG_QUARANTINE_HOLD)
        log_msg(LOG_WARNING,
                "%s: quarantine_mode is hold: mailvetd holds mail in the MTA's queue, not in "
                "%s; the console shows what is there",
                cfg->file, cfg->quarantine_dir);
    if (check_only) {
        printf("mailvet-console: %s: ready to serve %s over %s with %u user%s and %u "
               "quarantined entr%s\n",
               cfg->file, cfg->console_listen, c.tls ? "https" : "http", users,
               users == 1 ? "" : "s", entry_count(&c), entry_count(&c) == 1 ? "y" : "ies");
        rc = EX_OK;
        goto out;
    }
    c.cookie = c.tls ? "__Host-mailvet_session" : "mailvet_session";
    c.sessions = console_session_table_new(cfg->console_session_idle, cfg->console_session_max);

    message_init(); /* GMime, once, before the server's threads */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* the server's threads inherit it */
    signal(SIGPIPE, SIG_IGN);
    if (!console_http_start(&c, &err)) {
        complain("%s", err.msg);
        rc = EX_UNAVAILABLE;
        goto out;
    }
    if (root && (!drop_privileges(cfg) || !check_users(cfg, NULL) || !check_quarantine(&c, cfg))) {
        rc = EX_NOPERM;
        goto stop;
    }
    where = qstore_where_new(&c.qs);
    log_msg(LOG_INFO, "listening on %s (%s), %u user%s, quarantine %s (%u entries)",
            cfg->console_listen, c.tls ? "https" : "http", users, users == 1 ? "" : "s", where,
            entry_count(&c));
    g_free(where);
    for (;;) {
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            if (console_audit_reopen(c.audit, &err) != MV_OK)
                complain("SIGHUP: %s: the audit log stays on the file open before", err.msg);
            else
                log_msg(LOG_INFO, "SIGHUP: audit log %s reopened", cfg->console_audit_log);
            continue;
        }
        log_msg(LOG_INFO, "%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        break;
    }
    rc = EX_OK;
stop:
    console_http_stop(&c);
out:
    c.sessions = console_session_table_free(c.sessions);
    c.view = quarantine_view_free(c.view);
    c.audit = console_audit_close(c.audit);
    if (c.tls_key != NULL)
        explicit_bzero(c.tls_key, strlen(c.tls_key));
    g_free(c.tls_key);
    g_free(c.tls_cert);
    g_mutex_clear(&c.view_lock);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"add-user", required_argument, NULL, 'a'},
        {"check", no_argument, NULL, 'k'},        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *add = NULL;
    bool check_only = false;
    struct mv_config *cfg;
    struct mv_err err = {0};
    int ch, rc;

    while ((ch = getopt_long(argc, argv, "c:hV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            config = optarg;
            break;
        case 'a':
            add = optarg;
            break;
        case 'k':
            check_only = true;
            break;
        case 'h':
            usage(stdout);
            return EX_OK;
        case 'V':
            printf("mailvet-console %s\n", PACKAGE_VERSION);
            return EX_OK;
        default:
            usage(stderr);
            return EX_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mailvet-console: unexpected argument %s\n", argv[optind]);
        usage(stderr);
        return EX_USAGE;
    }
    log_open("mailvet-console", true, LOG_MAIL);
    if (config == NULL && access(DEFAULT_CONFIG, F_OK) == 0)
        config = DEFAULT_CONFIG;
    cfg = config != NULL ? config_load(config, &err) : config_default();
    if (cfg == NULL) {
        log_lines(LOG_ERR, "", err.msg);
        return EX_CONFIG;
    }
    rc = add != NULL ? add_user(cfg, add) : serve(cfg, check_only);
    config_free(cfg);
    return rc;
}
