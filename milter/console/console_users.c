/* console_users.c - the users file of the console (console_users.h): checked at start,
 * read at each login, one line set by --add-user.  crypt(3) of libcrypt does the
 * hashing; this file only finds the line and compares. */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "console_users.h"

#define USERS_FILE_MAX (1u << 20)
#define HASH_PREFIX "$y$" /* yescrypt, libcrypt's own default method */

/* console_users_name_valid - 1 to 64 of A-Z a-z 0-9 . _ @ - */
bool console_users_name_valid(const char *name)
{
    size_t n = name != NULL ? strlen(name) : 0;

    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!g_ascii_isalnum(name[i]) && strchr("._@-", name[i]) == NULL)
            return false;
    return true;
}

/* read_users - the whole of PATH, checked to be a regular file closed to others; NULL
 * with err.  *MISSING (may be NULL) tells a file that does not exist. */
static char *read_users(const char *path, bool *missing, struct mv_err *err)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    char *text = NULL;
    size_t len = 0;

    if (missing != NULL)
        *missing = fd < 0 && errno == ENOENT;
    if (fd < 0) {
        mv_err_set(err, MV_EIO, "%s: %s", path, g_strerror(errno));
        return NULL;
    }
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        mv_err_set(err, MV_EIO, "%s: not a regular file", path);
        goto out;
    }
    if (sb.st_mode & 007) {
        mv_err_set(err, MV_ECONFIG,
                   "%s: open to others (mode %04o): it holds password hashes; "
                   "chmod o-rwx %s",
                   path, (unsigned)(sb.st_mode & 07777), path);
        goto out;
    }
    if (sb.st_size > USERS_FILE_MAX) {
        mv_err_set(err, MV_ECONFIG, "%s: larger than %u bytes", path, USERS_FILE_MAX);
        goto out;
    }
    text = g_malloc((size_t)sb.st_size + 1);
    while (len < (size_t)sb.st_size) {
        ssize_t n = read(fd, text + len, (size_t)sb.st_size - len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    text[len] = '\0';
out:
    close(fd);
    return text;
}

/* parse_line - LINE (modified) as "NAME:HASH" into *NAME and *HASH; false with WHY for a
 * broken one; a comment or blank line gives *NAME NULL */
static bool parse_line(char *line, char **name, char **hash, const char **why)
{
    char *colon;
    size_t n = strlen(line);

    *name = *hash = NULL;
    if (n > 0 && line[n - 1] == '\r')
        line[--n] = '\0';
    if (n == 0 || line[0] == '#')
        return true;
    colon = strchr(line, ':');
    if (colon == NULL) {
        *why = "not NAME:HASH";
        return false;
    }
    *colon = '\0';
    if (!console_users_name_valid(line)) {
        *why = "the name must be 1 to 64 characters of A-Z a-z 0-9 . _ @ -";
        return false;
    }
    if (strncmp(colon + 1, HASH_PREFIX, strlen(HASH_PREFIX)) != 0 ||
        strlen(colon + 1) >= CRYPT_OUTPUT_SIZE) {
        *why = "the hash must be yescrypt (\"$y$...\", as mailvet-console --add-user writes it)";
        return false;
    }
    *name = line;
    *hash = colon + 1;
    return true;
}

/* find_hash - NAME's hash in the users file TEXT (modified) copied into HASH
 * (CRYPT_OUTPUT_SIZE bytes); false with *BAD_LINE set when a line is broken, false
 * with *BAD_LINE 0 when NAME is not there */
static bool find_hash(char *text, const char *name, char *hash, unsigned *bad_line,
                      const char **why)
{
    unsigned lineno = 0;

    *bad_line = 0;
    for (char *line = text, *next; line != NULL; line = next) {
        char *n, *h;

        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        lineno++;
        if (!parse_line(line, &n, &h, why)) {
            *bad_line = lineno;
            return false;
        }
        if (n != NULL && strcmp(n, name) == 0) {
            g_strlcpy(hash, h, CRYPT_OUTPUT_SIZE);
            return true;
        }
    }
    return false;
}

/* console_users_check - the file at start: readable, closed, every line good, users */
enum mv_status console_users_check(const char *path, unsigned *count, struct mv_err *err)
{
    bool missing;
    char *text = read_users(path, &missing, err);
    unsigned lineno = 0, users = 0;
    enum mv_status st = MV_OK;

    if (text == NULL) {
        if (missing)
            mv_err_set(err, MV_ECONFIG,
                       "%s: no such file: add a user with \"mailvet-console --add-user NAME\"",
                       path);
        return err != NULL ? err->status : MV_EIO;
    }
    for (char *line = text, *next; line != NULL; line = next) {
        char *n, *h;
        const char *why = NULL;

        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        lineno++;
        if (!parse_line(line, &n, &h, &why)) {
            st = mv_err_set(err, MV_ECONFIG, "%s:%u: %s", path, lineno, why);
            goto out;
        }
        users += n != NULL ? 1 : 0;
    }
    if (users == 0)
        st = mv_err_set(err, MV_ECONFIG,
                        "%s: no users: add one with \"mailvet-console --add-user NAME\"", path);
out:
    if (count != NULL)
        *count = users;
    g_free(text);
    return st;
}

/* equal_const - A and B are the same string, in time that depends on their lengths only */
static bool equal_const(const char *a, const char *b)
{
    size_t n = strlen(a);
    unsigned char diff = 0;

    if (n != strlen(b))
        return false;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

/* hash_new - crypt_rn of PASSWORD with SETTING into a new string; NULL when crypt
 * refuses */
static char *hash_new(const char *password, const char *setting)
{
    struct crypt_data *cd = g_new0(struct crypt_data, 1);
    char *h = crypt_rn(password, setting, cd, (int)sizeof(*cd));
    char *out = h != NULL && h[0] != '*' ? g_strdup(h) : NULL;

    explicit_bzero(cd, sizeof(*cd));
    g_free(cd);
    return out;
}

/* dummy_hash - a yescrypt hash of a random password, made once: what an unknown name
 * is checked against, so that it costs the same time as a known one */
static const char *dummy_hash(void)
{
    static gsize once = 0;
    static char *hash;

    if (g_once_init_enter(&once)) {
        char setting[CRYPT_GENSALT_OUTPUT_SIZE];
        char pw[33];

        for (size_t i = 0; i + 1 < sizeof(pw); i++)
            pw[i] = (char)('a' + g_random_int_range(0, 26));
        pw[sizeof(pw) - 1] = '\0';
        if (crypt_gensalt_rn(HASH_PREFIX, 0, NULL, 0, setting, sizeof(setting)) != NULL)
            hash = hash_new(pw, setting);
        if (hash == NULL)
            hash = g_strdup("*");
        g_once_init_leave(&once, 1);
    }
    return hash;
}

/* console_users_verify - NAME and PASSWORD against PATH */
enum console_users_verdict console_users_verify(const char *path, const char *name,
                                                const char *password, struct mv_err *err)
{
    char *text = read_users(path, NULL, err);
    char *want = g_malloc0(CRYPT_OUTPUT_SIZE), *got = NULL;
    enum console_users_verdict v = CONSOLE_USERS_WRONG;
    const char *why = NULL;
    unsigned bad = 0;
    bool known;

    if (text == NULL) {
        v = CONSOLE_USERS_ERROR;
        goto out;
    }
    known = console_users_name_valid(name) && find_hash(text, name, want, &bad, &why);
    if (bad != 0) {
        mv_err_set(err, MV_ECONFIG, "%s:%u: %s", path, bad, why);
        v = CONSOLE_USERS_ERROR;
        goto out;
    }
    got = hash_new(password != NULL ? password : "", known ? want : dummy_hash());
    if (known && got != NULL && equal_const(got, want))
        v = CONSOLE_USERS_OK;
out:
    g_free(text);
    g_free(want);
    g_free(got);
    return v;
}

/* write_replacing - PATH replaced by TEXT: a temporary file beside it (mode MODE, owner
 * UID and group GID unless (uid_t)-1 / (gid_t)-1), fsynced, renamed, its directory
 * fsynced */
static enum mv_status write_replacing(const char *path, const char *text, mode_t mode, uid_t uid,
                                      gid_t gid, struct mv_err *err)
{
    char *tmp = g_strconcat(path, ".tmp-XXXXXX", NULL);
    char *dir = g_path_get_dirname(path);
    size_t len = strlen(text), done = 0;
    enum mv_status st = MV_OK;
    int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0600), dfd;

    if (fd < 0) {
        st = mv_err_set(err, MV_EIO, "%s: %s", tmp, g_strerror(errno));
        goto out;
    }
    if ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0) {
        st = mv_err_set(err, MV_EIO, "%s: chown: %s", tmp, g_strerror(errno));
        goto fail;
    }
    if (fchmod(fd, mode) < 0) {
        st = mv_err_set(err, MV_EIO, "%s: chmod: %s", tmp, g_strerror(errno));
        goto fail;
    }
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            st = mv_err_set(err, MV_EIO, "%s: write: %s", tmp, g_strerror(errno));
            goto fail;
        }
        done += (size_t)n;
    }
    if (fsync(fd) < 0 || close(fd) < 0) {
        fd = -1;
        st = mv_err_set(err, MV_EIO, "%s: %s", tmp, g_strerror(errno));
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        st = mv_err_set(err, MV_EIO, "%s: rename: %s", path, g_strerror(errno));
        goto fail;
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    goto out;
fail:
    if (fd >= 0)
        close(fd);
    g_unlink(tmp);
out:
    g_free(tmp);
    g_free(dir);
    return st;
}

/* console_users_add - NAME's line set to a new hash of PASSWORD */
enum mv_status console_users_add(const char *path, const char *name, const char *password,
                                 gid_t gid, bool *replaced, struct mv_err *err)
{
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    GString *out = g_string_new(NULL);
    char *text = NULL, *hash = NULL;
    bool missing = false, found = false;
    enum mv_status st;
    uid_t uid = (uid_t)-1;
    mode_t mode = 0640;
    struct stat sb;

    if (!console_users_name_valid(name)) {
        st = mv_err_set(err, MV_EPARSE,
                        "%.100s: a user name is 1 to 64 characters of A-Z a-z 0-9 . _ @ -", name);
        goto out;
    }
    if (g_utf8_strlen(password, -1) < CONSOLE_PASSWORD_MIN ||
        strlen(password) > CONSOLE_PASSWORD_MAX) {
        st = mv_err_set(err, MV_EPARSE, "a password has %u to %u characters", CONSOLE_PASSWORD_MIN,
                        CONSOLE_PASSWORD_MAX);
        goto out;
    }
    if (lstat(path, &sb) == 0) {
        text = read_users(path, &missing, err);
        if (text == NULL) {
            st = err != NULL ? err->status : MV_EIO;
            goto out;
        }
        uid = sb.st_uid;
        gid = sb.st_gid;
        mode = sb.st_mode & 0660;
    } else if (errno != ENOENT) {
        st = mv_err_set(err, MV_EIO, "%s: %s", path, g_strerror(errno));
        goto out;
    }
    if (crypt_gensalt_rn(HASH_PREFIX, 0, NULL, 0, setting, sizeof(setting)) == NULL ||
        (hash = hash_new(password, setting)) == NULL) {
        st = mv_err_set(err, MV_EIO, "crypt: cannot make a yescrypt hash: %s", g_strerror(errno));
        goto out;
    }
    for (char *line = text, *next; line != NULL && *line != '\0'; line = next) {
        char *copy, *n, *h;
        const char *why = NULL;

        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        copy = g_strdup(line);
        if (parse_line(copy, &n, &h, &why) && n != NULL && strcmp(n, name) == 0) {
            if (!found)
                g_string_append_printf(out, "%s:%s\n", name, hash);
            found = true;
        } else {
            g_string_append_printf(out, "%s\n", line);
        }
        g_free(copy);
    }
    if (!found)
        g_string_append_printf(out, "%s:%s\n", name, hash);
    st = write_replacing(path, out->str, mode, uid, gid, err);
    if (replaced != NULL)
        *replaced = found;
out:
    if (text != NULL)
        explicit_bzero(text, strlen(text));
    g_free(text);
    g_free(hash);
    explicit_bzero(out->str, out->len);
    g_string_free(out, TRUE);
    return st;
}
