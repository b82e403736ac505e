/* console_users.h - the console's users file: one "NAME:HASH" line per operator (blank
 * lines and lines opening with '#' are comments), HASH a yescrypt hash ("$y$...") made
 * by crypt(3) (libcrypt: crypt_gensalt "$y$" with its default cost, crypt_rn).  The admin
 * manages the file: "mailvet-console --add-user NAME" adds a user or sets a new
 * password, and deleting a line removes a user.  The console reads it at each login, so a
 * change needs no restart.  The file must not be readable or writable by others (mode &
 * 007 == 0), as ssh requires of its keys.  Names: 1 to 64 characters of A-Z a-z 0-9 . _
 * @ -.  Passwords are never kept: they are wiped from memory once hashed or checked.
 * A leaf: no logging; errors in struct mv_err. */
#ifndef MV_CONSOLE_USERS_H
#define MV_CONSOLE_USERS_H

#include <stdbool.h>
#include <sys/types.h>

#include "mv.h"

#define CONSOLE_PASSWORD_MIN 8 /* characters a new password has at least */
#define CONSOLE_PASSWORD_MAX 1024

enum console_users_verdict {
    CONSOLE_USERS_OK = 0, /* the name is in the file and the password is its */
    CONSOLE_USERS_WRONG,  /* no such user, or another password */
    CONSOLE_USERS_ERROR,  /* the file could not be read, or its line is broken: err */
};

/* console_users_name_valid - NAME is a possible user name */
bool console_users_name_valid(const char *name);
/* console_users_check - PATH is a users file the console may use: it exists, is a regular
 * file closed to others, and every line is a comment or "NAME:$y$..." with a valid
 * name; *COUNT (may be NULL) the users.  MV_ECONFIG (a line: "PATH:LINE: ...") or
 * MV_EIO with err otherwise; a file without users is MV_ECONFIG too. */
enum mv_status console_users_check(const char *path, unsigned *count, struct mv_err *err);
/* console_users_verify - whether PASSWORD is NAME's in PATH; a name that is not there
 * costs a hash all the same, so the time does not tell which names exist */
enum console_users_verdict console_users_verify(const char *path, const char *name,
                                                const char *password, struct mv_err *err);
/* console_users_add - NAME's line in PATH set to a new yescrypt hash of PASSWORD (the
 * line replaced, or added; the file created 0640 when missing, with group GID unless it
 * is (gid_t)-1), written to a temporary file and renamed; *REPLACED (may be NULL) says
 * whether NAME was there.  MV_EPARSE for a name or password refused (err says why), MV_EIO
 * otherwise. */
enum mv_status console_users_add(const char *path, const char *name, const char *password,
                                 gid_t gid, bool *replaced, struct mv_err *err);

#endif
