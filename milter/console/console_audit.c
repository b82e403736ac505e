/* console_audit.c - the audit log (console_audit.h).  A mutex keeps the lines of
 * concurrent requests whole; O_APPEND keeps them whole against another console
 * appending to the same file. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "console_audit.h"

struct console_audit {
    GMutex lock;
    int fd;
    char *path;
};

/* open_log - PATH opened for appending and reading (created 0640), a regular file; -1
 * with err */
static int open_log(const char *path, struct mv_err *err)
{
    int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
    struct stat sb;

    if (fd < 0) {
        mv_err_set(err, MV_EIO, "%s: %s", path, g_strerror(errno));
        return -1;
    }
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        mv_err_set(err, MV_EIO, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    return fd;
}

/* console_audit_open - PATH for appending */
struct console_audit *console_audit_open(const char *path, struct mv_err *err)
{
    int fd = open_log(path, err);
    struct console_audit *a;

    if (fd < 0)
        return NULL;
    a = g_new0(struct console_audit, 1);
    g_mutex_init(&a->lock);
    a->fd = fd;
    a->path = g_strdup(path);
    return a;
}

/* console_audit_close - close the log */
struct console_audit *console_audit_close(struct console_audit *a)
{
    if (a == NULL)
        return NULL;
    close(a->fd);
    g_mutex_clear(&a->lock);
    g_free(a->path);
    g_free(a);
    return NULL;
}

/* console_audit_reopen - the path opened again; the old file closed */
enum mv_status console_audit_reopen(struct console_audit *a, struct mv_err *err)
{
    int fd = open_log(a->path, err), old;

    if (fd < 0)
        return MV_EIO;
    g_mutex_lock(&a->lock);
    old = a->fd;
    a->fd = fd;
    g_mutex_unlock(&a->lock);
    close(old);
    return MV_OK;
}

/* word - S as one word: printable ASCII but space " \ = kept, the rest %XX; "-" for
 * NULL or empty; at most MAX bytes of S */
static void word(GString *out, const char *s, size_t max)
{
    size_t n = 0;

    if (s == NULL || *s == '\0') {
        g_string_append_c(out, '-');
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p && n < max; p++, n++) {
        if (*p <= ' ' || *p >= 0x7f || *p == '"' || *p == '\\' || *p == '=' || *p == '%')
            g_string_append_printf(out, "%%%02X", *p);
        else
            g_string_append_c(out, (char)*p);
    }
}

/* quoted - S in double quotes, " and \ escaped, control bytes %XX; UTF-8 kept */
static void quoted(GString *out, const char *s, size_t max)
{
    size_t n = 0;

    g_string_append_c(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p && n < max; p++, n++) {
        if (*p == '"' || *p == '\\')
            g_string_append_printf(out, "\\%c", *p);
        else if (*p < ' ' || *p == 0x7f)
            g_string_append_printf(out, "%%%02X", *p);
        else
            g_string_append_c(out, (char)*p);
    }
    g_string_append_c(out, '"');
}

/* console_audit_write - one line, written and synced */
enum mv_status console_audit_write(struct console_audit *a, gint64 now, const char *user,
                                   const char *addr, const char *action, const char *ids,
                                   const char *result, const char *detail, struct mv_err *err)
{
    GDateTime *dt = g_date_time_new_from_unix_utc(now);
    char *when = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
    GString *line = g_string_new(when);
    enum mv_status st = MV_OK;
    size_t done = 0;

    g_string_append(line, " user=");
    word(line, user, 64);
    g_string_append(line, " addr=");
    word(line, addr, 64);
    g_string_append(line, " action=");
    word(line, action, 32);
    g_string_append(line, " ids=");
    word(line, ids, 100000);
    g_string_append(line, " result=");
    word(line, result, 32);
    if (detail != NULL) {
        g_string_append(line, " detail=");
        quoted(line, detail, 1000);
    }
    g_string_append_c(line, '\n');
    g_mutex_lock(&a->lock);
    while (done < line->len) {
        ssize_t n = write(a->fd, line->str + done, line->len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            st = mv_err_set(err, MV_EIO, "%s: write: %s", a->path,
                            n < 0 ? g_strerror(errno) : "nothing written");
            break;
        }
        done += (size_t)n;
    }
    if (st == MV_OK && fdatasync(a->fd) < 0)
        st = mv_err_set(err, MV_EIO, "%s: fdatasync: %s", a->path, g_strerror(errno));
    g_mutex_unlock(&a->lock);
    g_string_free(line, TRUE);
    g_free(when);
    g_date_time_unref(dt);
    return st;
}

/* console_audit_lines_new - the last lines, newest first */
GPtrArray *console_audit_lines_new(struct console_audit *a, struct mv_err *err)
{
    const char *path = a->path;
    GPtrArray *lines;
    struct stat sb;
    off_t from;
    char *buf, *start, *end;
    size_t len = 0, want;
    int fd;

    g_mutex_lock(&a->lock);
    fd = dup(a->fd); /* a reopen may close a->fd meanwhile */
    g_mutex_unlock(&a->lock);
    if (fd < 0) {
        mv_err_set(err, MV_EIO, "%s: %s", path, g_strerror(errno));
        return NULL;
    }
    if (fstat(fd, &sb) < 0) {
        mv_err_set(err, MV_EIO, "%s: %s", path, g_strerror(errno));
        close(fd);
        return NULL;
    }
    from = sb.st_size > (off_t)CONSOLE_AUDIT_READ_MAX ? sb.st_size - CONSOLE_AUDIT_READ_MAX : 0;
    want = (size_t)(sb.st_size - from);
    buf = g_malloc(want + 1);
    while (len < want) {
        ssize_t n = pread(fd, buf + len, want - len, from + (off_t)len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    start = buf;
    if (from > 0) { /* the first line read is cut: it starts before FROM */
        char *nl = memchr(buf, '\n', len);

        start = nl != NULL ? nl + 1 : buf + len;
    }
    lines = g_ptr_array_new_with_free_func(g_free);
    end = buf + len;
    while (end > start) {
        char *line_end = end, *p;

        if (line_end[-1] == '\n')
            line_end--;
        p = line_end;
        while (p > start && p[-1] != '\n')
            p--;
        if (line_end > p)
            g_ptr_array_add(lines, g_strndup(p, (gsize)(line_end - p)));
        end = p;
    }
    g_free(buf);
    return lines;
}
