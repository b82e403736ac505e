/* smtp_client.c - the SMTP client of smtp_client.h: one transaction over one
 * connection (RFC 5321: greeting, EHLO or HELO, MAIL FROM, RCPT TO, DATA dot-stuffed,
 * QUIT), non-blocking with poll(2) and a deadline on connect, each send and each reply.
 * Written by hand: re-injection needs these few commands over one loopback connection,
 * and no C SMTP client library in Debian is worth a new dependency for them (libcurl's
 * smtp:// does not dot-stuff under our control nor report each reply; libesmtp is
 * unmaintained).  Bounded: reply lines of SMTP_CLIENT_LINE_MAX bytes, REPLY_LINES_MAX
 * lines per reply.  A leaf: it never logs; errors fill the caller's struct mv_err with
 * the host, the port and the reply or the socket error. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>

#include "smtp_client.h"

#define REPLY_LINES_MAX 64
#define DOT_TIMEOUT_MS 600000u /* RFC 5321 4.5.3.2.6: 10 minutes for the final dot */

/* One session: the socket and its buffers. */
struct smtp {
    int fd;
    unsigned timeout_ms;
    char in[4096];
    size_t in_len, in_off;
    char out[65536];
    size_t out_len;
    char reply[SMTP_CLIENT_LINE_MAX + 1]; /* the last reply's first line, for messages */
};

/* smtp_wait - poll FD for EVENTS within the timeout; false with errno */
static bool smtp_wait(int fd, short events, unsigned timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = events};
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    for (;;) {
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        int r;

        if (left < 0)
            left = 0;
        r = poll(&p, 1, (int)left);
        if (r > 0)
            return true;
        if (r == 0) {
            errno = ETIMEDOUT;
            return false;
        }
        if (errno != EINTR)
            return false;
    }
}

/* smtp_flush - send the output buffer */
static bool smtp_flush(struct smtp *s, struct mv_err *err)
{
    size_t off = 0;

    while (off < s->out_len) {
        ssize_t n;

        if (!smtp_wait(s->fd, POLLOUT, s->timeout_ms))
            goto fail;
        n = send(s->fd, s->out + off, s->out_len - off, MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            goto fail;
        off += (size_t)n;
    }
    s->out_len = 0;
    return true;
fail:
    mv_err_set(err, MV_EIO, "smtp: send: %s", g_strerror(errno));
    return false;
}

/* smtp_put - N bytes of DATA into the output buffer, sent whenever it fills */
static bool smtp_put(struct smtp *s, const char *data, size_t n, struct mv_err *err)
{
    while (n > 0) {
        size_t room = sizeof(s->out) - s->out_len, k = MIN(room, n);

        memcpy(s->out + s->out_len, data, k);
        s->out_len += k;
        data += k;
        n -= k;
        if (s->out_len == sizeof(s->out) && !smtp_flush(s, err))
            return false;
    }
    return true;
}

/* smtp_getc - one byte of the reply stream; -1 with err */
static int smtp_getc(struct smtp *s, unsigned timeout_ms, struct mv_err *err)
{
    while (s->in_off == s->in_len) {
        ssize_t n;

        if (!smtp_wait(s->fd, POLLIN, timeout_ms)) {
            mv_err_set(err, MV_EIO, "smtp: waiting for a reply: %s", g_strerror(errno));
            return -1;
        }
        n = recv(s->fd, s->in, sizeof(s->in), 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0) {
            mv_err_set(err, MV_EIO, "smtp: %s",
                       n == 0 ? "connection closed by the server" : g_strerror(errno));
            return -1;
        }
        s->in_len = (size_t)n;
        s->in_off = 0;
    }
    return (unsigned char)s->in[s->in_off++];
}

/* smtp_reply - read one (multi-line) reply; its code, or -1 with err.  The first
 * line's text, made printable, stays in s->reply. */
static int smtp_reply(struct smtp *s, unsigned timeout_ms, struct mv_err *err)
{
    char line[SMTP_CLIENT_LINE_MAX + 1];
    int code = -1;

    for (int lines = 0; lines < REPLY_LINES_MAX; lines++) {
        size_t n = 0;
        int c, this_code;

        while ((c = smtp_getc(s, timeout_ms, err)) != '\n') {
            if (c < 0)
                return -1;
            if (n >= SMTP_CLIENT_LINE_MAX) {
                mv_err_set(err, MV_EIO, "smtp: reply line longer than %d bytes",
                           SMTP_CLIENT_LINE_MAX);
                return -1;
            }
            line[n++] = (char)c;
        }
        if (n > 0 && line[n - 1] == '\r')
            n--;
        line[n] = '\0';
        if (n < 3 || !g_ascii_isdigit(line[0]) || !g_ascii_isdigit(line[1]) ||
            !g_ascii_isdigit(line[2]) || (n > 3 && line[3] != ' ' && line[3] != '-')) {
            mv_err_set(err, MV_EIO, "smtp: malformed reply: %.100s", line);
            return -1;
        }
        this_code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        if (lines == 0) {
            code = this_code;
            for (size_t i = 0; i <= n; i++)
                s->reply[i] = line[i] == '\0' || g_ascii_isprint(line[i]) ? line[i] : '?';
        } else if (this_code != code) {
            mv_err_set(err, MV_EIO, "smtp: reply lines disagree: %d then %d", code, this_code);
            return -1;
        }
        if (n == 3 || line[3] == ' ')
            return code;
    }
    mv_err_set(err, MV_EIO, "smtp: reply of more than %d lines", REPLY_LINES_MAX);
    return -1;
}

/* smtp_command - send LINE (CRLF added), read the reply; its code or -1 */
static int smtp_command(struct smtp *s, const char *line, struct mv_err *err)
{
    if (!smtp_put(s, line, strlen(line), err) || !smtp_put(s, "\r\n", 2, err) ||
        !smtp_flush(s, err))
        return -1;
    return smtp_reply(s, s->timeout_ms, err);
}

/* smtp_connect - a connected non-blocking socket to HOST:PORT, -1 with err */
static int smtp_connect(const char *host, unsigned port, unsigned timeout_ms, struct mv_err *err)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char service[16];
    int rc, fd = -1, saved = 0;

    snprintf(service, sizeof(service), "%u", port);
    rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) {
        mv_err_set(err, MV_EIO, "%s:%u: %s", host, port, gai_strerror(rc));
        return -1;
    }
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        socklen_t sl = sizeof(saved);

        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        if (errno == EINPROGRESS && smtp_wait(fd, POLLOUT, timeout_ms) &&
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &saved, &sl) == 0 && saved == 0)
            break;
        if (saved == 0)
            saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        mv_err_set(err, MV_EIO, "%s:%u: connect: %s", host, port, g_strerror(saved));
    return fd;
}

/* helo_name - our address as an RFC 5321 address literal */
static void helo_name(int fd, char *out, size_t size)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char addr[INET6_ADDRSTRLEN];

    snprintf(out, size, "[127.0.0.1]");
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
        return;
    if (ss.ss_family == AF_INET &&
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr, sizeof(addr)) != NULL)
        snprintf(out, size, "[%s]", addr);
    else if (ss.ss_family == AF_INET6 &&
             inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, addr, sizeof(addr)))
        snprintf(out, size, "[IPv6:%s]", addr);
}

/* smtp_client_address_ok - an envelope address we can put between <> on one command
 * line */
bool smtp_client_address_ok(const char *a)
{
    if (strlen(a) > 256)
        return false;
    for (const char *p = a; *p; p++)
        if (*p == '\r' || *p == '\n' || *p == '<' || *p == '>' || (unsigned char)*p < ' ')
            return false;
    return true;
}

/* smtp_data - the message from FD, CRLF line ends, dot-stuffed (RFC 5321 4.5.2), and
 * the closing dot */
static bool smtp_data(struct smtp *s, int fd, struct mv_err *err)
{
    char buf[65536];
    bool bol = true, cr = false;

    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            mv_err_set(err, MV_EIO, "reading the message: %s", g_strerror(errno));
            return false;
        }
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++) {
            char c = buf[i];

            if (bol && c == '.' && !smtp_put(s, ".", 1, err))
                return false;
            if (c == '\n' && !cr && !smtp_put(s, "\r", 1, err))
                return false;
            if (!smtp_put(s, &c, 1, err))
                return false;
            bol = c == '\n';
            cr = c == '\r';
        }
    }
    if (!bol && !smtp_put(s, cr ? "\n" : "\r\n", cr ? 1 : 2, err))
        return false;
    return smtp_put(s, ".\r\n", 3, err) && smtp_flush(s, err);
}

/* smtp_client_send - the whole transaction; MV_OK after 250 to the dot, the reply in
 * DONE */
enum mv_status smtp_client_send(const struct smtp_client_opts *opts, const char *sender,
                                const GPtrArray *rcpts, int mfd, char *done, size_t done_size,
                                struct mv_err *err)
{
    struct smtp *s = g_new0(struct smtp, 1);
    enum mv_status st = MV_EIO;
    char helo[INET6_ADDRSTRLEN + 16];
    char *cmd = NULL;
    int code;

    s->timeout_ms = opts->timeout_ms != 0 ? opts->timeout_ms : SMTP_CLIENT_TIMEOUT_MS;
    s->fd = smtp_connect(opts->host, opts->port, s->timeout_ms, err);
    if (s->fd < 0)
        goto out;
#define EXPECT(c, ok, what)                                                                        \
    do {                                                                                           \
        if ((c) < 0)                                                                               \
            goto quit;                                                                             \
        if (!(ok)) {                                                                               \
            mv_err_set(err, MV_EIO, "%s:%u: %s: %s", opts->host, opts->port, what, s->reply);      \
            goto quit;                                                                             \
        }                                                                                          \
    } while (0)
    code = smtp_reply(s, s->timeout_ms, err);
    EXPECT(code, code == 220, "greeting");
    helo_name(s->fd, helo, sizeof(helo));
    cmd = g_strdup_printf("EHLO %s", helo);
    code = smtp_command(s, cmd, err);
    g_free(cmd);
    if (code >= 500 && code < 600) {
        cmd = g_strdup_printf("HELO %s", helo);
        code = smtp_command(s, cmd, err);
        g_free(cmd);
    }
    cmd = NULL;
    EXPECT(code, code == 250, "EHLO");
    cmd = g_strdup_printf("MAIL FROM:<%s>", sender);
    code = smtp_command(s, cmd, err);
    EXPECT(code, code == 250, cmd);
    for (guint i = 0; i < rcpts->len; i++) {
        g_free(cmd);
        cmd = g_strdup_printf("RCPT TO:<%s>", (const char *)g_ptr_array_index(rcpts, i));
        code = smtp_command(s, cmd, err);
        EXPECT(code, code == 250 || code == 251, cmd);
    }
    code = smtp_command(s, "DATA", err);
    EXPECT(code, code == 354, "DATA");
    if (!smtp_data(s, mfd, err))
        goto out;
    code = smtp_reply(s, MAX(s->timeout_ms, DOT_TIMEOUT_MS), err);
    EXPECT(code, code == 250, "end of data");
    g_strlcpy(done, s->reply, done_size);
    st = MV_OK;
quit:
    /* a polite end; its reply does not change the outcome */
    if (smtp_put(s, "QUIT\r\n", 6, NULL) && smtp_flush(s, NULL))
        smtp_reply(s, MIN(s->timeout_ms, 10000u), NULL);
#undef EXPECT
out:
    if (s->fd >= 0)
        close(s->fd);
    g_free(cmd);
    g_free(s);
    return st;
}
