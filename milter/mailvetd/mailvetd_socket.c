/* mailvetd_socket.c - mailvetd's unix socket (mailvetd_socket.h): claimed without taking
 * it from a live daemon, bound by libmilter under a temporary name, given its mode and
 * owner and renamed into place, and removed at exit only while it is still this
 * process's.  A TCP socket (inet:, inet6:) needs none of this. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include <glib.h>

#include "config.h"
#include "log.h"
#include "mailvetd_socket.h"

/* mailvetd_socket_path - the file of a unix/local socket spec, or NULL */
const char *mailvetd_socket_path(const char *spec)
{
    if (g_str_has_prefix(spec, "unix:"))
        return spec + 5;
    if (g_str_has_prefix(spec, "local:"))
        return spec + 6;
    if (spec[0] == '/')
        return spec;
    return NULL;
}

enum probe {
    PROBE_FREE,       /* no file */
    PROBE_STALE,      /* a socket nobody listens on: left by a daemon that was killed */
    PROBE_LIVE,       /* something answers */
    PROBE_NOT_SOCKET, /* a file of another kind */
    PROBE_ERROR,      /* cannot tell: errno */
};

/* socket_probe - what is at the unix socket PATH; for PROBE_LIVE, PEER gets the pid
 * of whoever listens (SO_PEERCRED gives the pid that called listen()), else 0 */
static enum probe socket_probe(const char *path, pid_t *peer)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct ucred cred;
    socklen_t len = sizeof(cred);
    struct stat st;
    enum probe what;
    int fd, saved;

    *peer = 0;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? PROBE_FREE : PROBE_ERROR;
    if (!S_ISSOCK(st.st_mode))
        return PROBE_NOT_SOCKET;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return PROBE_ERROR;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return PROBE_ERROR;
    /* non-blocking: a listener whose backlog is full answers EAGAIN, and is alive */
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        what = PROBE_LIVE;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
            *peer = cred.pid;
    } else if (errno == EAGAIN) {
        what = PROBE_LIVE;
    } else if (errno == ECONNREFUSED) {
        what = PROBE_STALE;
    } else if (errno == ENOENT) {
        what = PROBE_FREE;
    } else {
        what = PROBE_ERROR;
    }
    saved = errno;
    close(fd);
    errno = saved;
    return what;
}

/* process_name - the command name of PID ("mailvetd"), or "process" (g_free) */
static char *process_name(pid_t pid)
{
    char *file = g_strdup_printf("/proc/%ld/comm", (long)pid);
    char *name = NULL;

    if (pid <= 0 || !g_file_get_contents(file, &name, NULL, NULL) || *g_strstrip(name) == '\0') {
        g_free(name);
        name = g_strdup("process");
    }
    g_free(file);
    return name;
}

/* The unix socket as this process made it: what exit may remove. */
static struct {
    char *path;     /* the configured path */
    char *tmp;      /* the name libmilter binds, renamed to path; NULL: bound at path */
    int lock;       /* the directory, flock()ed while the socket is claimed */
    struct stat st; /* the socket file once in place */
    bool made;
} sock = {.lock = -1};

/* mailvetd_socket_claim - get ready to bind the unix socket PATH without taking it from a live
 * daemon.  Under a lock on its directory (so that two daemons started at once do not
 * both find it free), refuse when something answers on PATH or it is no socket; a
 * socket nobody listens on is replaced.  libmilter then binds a temporary name beside
 * PATH (sock.tmp; PATH itself when that name would not fit a socket address), which
 * mailvetd_socket_place() renames over PATH: a stale socket is replaced in one step, and the
 * name libmilter unlinks when it stops (any socket there, whose ever it is) is gone
 * by then, so only mailvetd_socket_remove() touches PATH.  EX_OK, or the exit status. */
int mailvetd_socket_claim(const struct mv_config *cfg, const char *path)
{
    char *dir = g_path_get_dirname(path);
    pid_t peer = 0;
    int rc = EX_OK;

    sock.path = g_strdup(path);
    sock.lock = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sock.lock >= 0 && flock(sock.lock, LOCK_EX) != 0) {
        close(sock.lock);
        sock.lock = -1;
    }
    switch (socket_probe(path, &peer)) {
    case PROBE_FREE:
    case PROBE_STALE:
        break;
    case PROBE_LIVE: {
        char *name;

        /* a daemon that detached listens under its parent's pid: its pid file knows */
        if (peer > 0 && kill(peer, 0) != 0 && errno == ESRCH) {
            char *text = NULL;

            peer = 0;
            if (cfg->pid_file[0] != '\0' && g_file_get_contents(cfg->pid_file, &text, NULL, NULL))
                peer = (pid_t)strtol(text, NULL, 10);
            g_free(text);
            if (peer > 0 && kill(peer, 0) != 0 && errno == ESRCH)
                peer = 0;
        }
        name = process_name(peer);

        if (peer > 0)
            log_msg(LOG_ERR,
                    "%s: socket: unix socket %s is in use by a running %s (pid %ld); stop it "
                    "first, or give this one another socket",
                    cfg->file, path, name, (long)peer);
        else
            log_msg(LOG_ERR,
                    "%s: socket: unix socket %s is in use by a running process; stop it "
                    "first, or give this one another socket",
                    cfg->file, path);
        g_free(name);
        rc = EX_UNAVAILABLE;
        break;
    }
    case PROBE_NOT_SOCKET:
        log_msg(LOG_ERR, "%s: socket: %s exists and is not a socket; remove it or set another",
                cfg->file, path);
        rc = EX_UNAVAILABLE;
        break;
    case PROBE_ERROR:
        log_msg(LOG_ERR, "%s: socket: cannot tell whether %s is in use: %s", cfg->file, path,
                strerror(errno));
        rc = EX_UNAVAILABLE;
        break;
    }
    if (rc == EX_OK) {
        sock.tmp = g_strdup_printf("%s/.mailvetd.new", dir);
        if (strlen(sock.tmp) >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
            g_clear_pointer(&sock.tmp, g_free);
    }
    g_free(dir);
    return rc;
}

/* mailvetd_socket_conn_new - the socket spec libmilter binds */
char *mailvetd_socket_conn_new(const struct mv_config *cfg)
{
    return sock.tmp != NULL ? g_strconcat("unix:", sock.tmp, NULL) : g_strdup(cfg->socket);
}

/* mailvetd_socket_place - the bound socket gets its mode and owner, then its name (PATH) */
bool mailvetd_socket_place(const struct mv_config *cfg, bool drop, uid_t uid, gid_t gid)
{
    const char *bound = sock.tmp != NULL ? sock.tmp : sock.path;
    bool ok = true;

    if (chmod(bound, cfg->socket_mode) != 0)
        log_msg(LOG_WARNING, "%s: chmod %o: %s", sock.path, cfg->socket_mode, strerror(errno));
    if (drop && chown(bound, uid, gid) != 0)
        log_msg(LOG_WARNING, "%s: chown: %s", sock.path, strerror(errno));
    if (sock.tmp != NULL && rename(sock.tmp, sock.path) != 0) {
        log_msg(LOG_ERR, "%s: socket: cannot rename %s to %s: %s", cfg->file, sock.tmp, sock.path,
                strerror(errno));
        unlink(sock.tmp);
        ok = false;
    }
    if (ok && lstat(sock.path, &sock.st) == 0)
        sock.made = true;
    if (sock.lock >= 0)
        close(sock.lock);
    sock.lock = -1;
    return ok;
}

/* mailvetd_socket_remove - unlink the socket only while it is still the one this process made */
void mailvetd_socket_remove(void)
{
    struct stat st;

    if (sock.made && lstat(sock.path, &st) == 0) {
        if (st.st_dev == sock.st.st_dev && st.st_ino == sock.st.st_ino)
            unlink(sock.path);
        else
            log_msg(LOG_NOTICE, "%s: another socket took its place: left in place", sock.path);
    }
    g_clear_pointer(&sock.path, g_free);
    g_clear_pointer(&sock.tmp, g_free);
}
